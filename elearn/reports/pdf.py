"""The one-page A4 summary of the rekap (for the Bupati's desk): title, date, instansi, the selection,
the totals, the readiness sentence, the timeline, and one row per SKPD with its stacked bar drawn
natively with reportlab (no SVG conversion).

Always exactly one page: the layout is computed on a canvas, not flowed, and when the SKPDs do not
all fit the page shows the worst ones (lowest share done) with a note saying so. Fonts: the Noto
Sans vendored for the certificates (``elearn/certificates/fonts``), registered once per process.
Labels follow the current locale (wrap the call in ``flask_babel.force_locale`` to choose).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from io import BytesIO

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ..certificates.render import font_name, register_fonts
from .charts import BarItem, _date_ticks, format_percent, long_date, short_date

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
INK = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#4a5260")
GRID = colors.HexColor("#c8ccd2")
DONE = colors.HexColor("#1f6f43")
PROGRESS = colors.HexColor("#9a5b00")
TARGET = colors.HexColor("#7a1f5c")
ELECTION = colors.HexColor("#1c3f94")

ROW_H = 12.5
TABLE_FONT = 7.8
#: column widths of the SKPD table (points); the bar takes what is left
COLS = (156.0, 44.0, 38.0, 44.0, 54.0, 42.0)
MAX_SELECTION_LINES = 4
TIMELINE_H = 112.0


def _fonts() -> tuple[str, str]:
    register_fonts()
    return font_name("sans", False, False), font_name("sans", True, False)


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` on one line, cut with an ellipsis to ``width``."""
    text = " ".join(str(text).split())
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _when(value: dt.datetime | dt.date | str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return f"{long_date(value.date())} {value:%H.%M}"
    return long_date(value)


def _hatch(c: Canvas, x: float, y: float, w: float, h: float) -> None:
    """A rectangle hatched with diagonal strokes (in progress: readable in black and white)."""
    c.saveState()
    path = c.beginPath()
    path.rect(x, y, w, h)
    c.clipPath(path, stroke=0, fill=0)
    c.setStrokeColor(PROGRESS)
    c.setLineWidth(1.2)
    step = 3.2
    offset = -h
    while offset < w:
        c.line(x + offset, y, x + offset + h, y + h)
        offset += step
    c.restoreState()
    c.setStrokeColor(PROGRESS)
    c.setLineWidth(0.6)
    c.rect(x, y, w, h, stroke=1, fill=0)


def _bar(c: Canvas, item: BarItem, x: float, y: float, w: float, h: float) -> None:
    head = item.headcount
    if head == 0:
        c.setStrokeColor(GRID)
        c.setDash(2, 2)
        c.setLineWidth(0.6)
        c.rect(x, y, w, h, stroke=1, fill=0)
        c.setDash()
        return
    cursor = x
    for kind, count in (("done", item.done), ("in_progress", item.in_progress), ("not_started", item.not_started)):
        if not count:
            continue
        width = w * count / head
        if kind == "done":
            c.setFillColor(DONE)
            c.rect(cursor, y, width, h, stroke=0, fill=1)
        elif kind == "in_progress":
            _hatch(c, cursor, y, width, h)
        else:
            c.setStrokeColor(MUTED)
            c.setFillColor(colors.white)
            c.setLineWidth(0.6)
            c.rect(cursor, y, width, h, stroke=1, fill=1)
        cursor += width


def _legend(c: Canvas, x: float, y: float, font: str) -> None:
    for kind, name in (("done", _("Tuntas")), ("in_progress", _("Sedang berjalan")),
                       ("not_started", _("Belum mulai"))):
        probe = BarItem("", 1 if kind == "done" else 0, 1 if kind == "in_progress" else 0,
                        1 if kind == "not_started" else 0)
        _bar(c, probe, x, y, 9, 7)
        c.setFillColor(INK)
        c.setFont(font, 8)
        c.drawString(x + 12, y + 0.5, name)
        x += 12 + stringWidth(name, font, 8) + 12


def _timeline(c: Canvas, top: float, points: Sequence[tuple[dt.date, float]], start: dt.date, end: dt.date,
              election_date: dt.date | None, target_percent: float | None, target_date: dt.date | None,
              projection: Sequence[tuple[dt.date, float]] | None, font: str, bold: str) -> None:
    left, right = MARGIN + 30, MARGIN + CONTENT_W - 4
    bottom = top - TIMELINE_H + 14
    height = TIMELINE_H - 26
    span = max((end - start).days, 1)

    def px(day: dt.date) -> float:
        return left + (right - left) * (day - start).days / span

    def py(pct: float) -> float:
        return bottom + height * max(0.0, min(100.0, pct)) / 100.0

    c.setFont(font, 7)
    for pct in (0, 50, 100):
        c.setStrokeColor(GRID)
        c.setLineWidth(0.5)
        c.line(left, py(pct), right, py(pct))
        c.setFillColor(MUTED)
        c.drawRightString(left - 3, py(pct) - 2.5, f"{pct} %")
    for tick in _date_ticks(start, end):
        x = px(tick)
        draw = c.drawString if tick == start else (c.drawRightString if tick == end else c.drawCentredString)
        draw(x, bottom - 10, short_date(tick))
    if target_percent is not None and 0 <= target_percent <= 100:
        c.setStrokeColor(TARGET)
        c.setLineWidth(1)
        c.setDash(1, 2)
        c.line(left, py(target_percent), right, py(target_percent))
        c.setDash()
        c.setFillColor(TARGET)
        label = _("Target %(target)s", target=format_percent(target_percent))
        if target_date is not None and start <= target_date <= end:
            label = _("Target %(target)s, %(day)s", target=format_percent(target_percent),
                      day=short_date(target_date))
        c.drawString(left + 3, py(target_percent) + (2.5 if target_percent < 90 else -8), label)
    if election_date is not None and start <= election_date <= end:
        x = px(election_date)
        c.setStrokeColor(ELECTION)
        c.setLineWidth(1)
        c.setDash([5, 2, 1, 2])
        c.line(x, bottom, x, bottom + height + 4)
        c.setDash()
        c.setFillColor(ELECTION)
        label = _("Pemungutan suara %(day)s", day=short_date(election_date))
        (c.drawRightString if x > (left + right) / 2 else c.drawString)(x + (-3 if x > (left + right) / 2 else 3),
                                                                         bottom + height + 1, label)
    if projection:
        proj = sorted((d, v) for d, v in projection if start <= d <= end)
        if len(proj) >= 2:
            c.setStrokeColor(MUTED)
            c.setLineWidth(1)
            c.setDash(4, 3)
            path = c.beginPath()
            path.moveTo(px(proj[0][0]), py(proj[0][1]))
            for d, v in proj[1:]:
                path.lineTo(px(d), py(v))
            c.drawPath(path, stroke=1, fill=0)
            c.setDash()
    inside = sorted((d, v) for d, v in points if start <= d <= end)
    if inside:
        c.setStrokeColor(DONE)
        c.setLineWidth(2)
        path = c.beginPath()
        path.moveTo(px(inside[0][0]), py(inside[0][1]))
        for d, v in inside[1:]:
            path.lineTo(px(d), py(v))
        c.drawPath(path, stroke=1, fill=0)
        d, v = inside[-1]
        c.setFillColor(DONE)
        c.circle(px(d), py(v), 2, stroke=0, fill=1)
        c.setFont(bold, 8)
        c.setFillColor(INK)
        c.drawString(min(px(d) + 4, right - 24), py(v) + 4, format_percent(v))
    else:
        c.setFillColor(MUTED)
        c.drawCentredString((left + right) / 2, bottom + height / 2, _("Belum ada data capaian."))


def _rows_to_show(items: Sequence[BarItem], capacity: int) -> tuple[list[BarItem], bool]:
    """All items in the given order when they fit, else the ``capacity`` worst (lowest share done;
    empty SKPDs last), worst first."""
    if len(items) <= capacity:
        return list(items), False
    ranked = sorted(items, key=lambda i: (i.percent_done is None, i.percent_done or 0.0, -i.headcount))
    return ranked[:capacity], True


def summary_pdf(title: str, instansi_name: str, generated_at: dt.datetime | dt.date | str,
                selection_lines: Sequence[str], totals: Mapping[str, object], items: Sequence[BarItem],
                readiness_text: str, points: Sequence[tuple[dt.date, float]] = (), *,
                start: dt.date | None = None, end: dt.date | None = None, election_date: dt.date | None = None,
                target_percent: float | None = None, target_date: dt.date | None = None,
                projection: Sequence[tuple[dt.date, float]] | None = None) -> bytes:
    """The summary as PDF bytes (A4 portrait, one page).

    ``selection_lines``: what the figures are about (course, quiz, campaign, filters), at most 4
    shown. ``totals``: label -> value shown as a row of figures (e.g. {"ASN aktif": 1234, "Tuntas":
    "73 %"}), at most 6. The timeline is drawn when ``start`` and ``end`` are given (end >= start)."""
    if start is not None and end is not None and end < start:
        raise ValueError("timeline end is before its start")
    font, bold = _fonts()
    buf = BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1)
    c.setTitle(title)
    c.setAuthor(instansi_name)
    c.setSubject(_("Ringkasan rekap per SKPD"))
    y = PAGE_H - MARGIN

    # header
    size = 15.0
    while size > 11 and stringWidth(title, bold, size) > CONTENT_W:
        size -= 0.5
    y -= size
    c.setFillColor(INK)
    c.setFont(bold, size)
    c.drawString(MARGIN, y, _fit(title, bold, size, CONTENT_W))
    y -= 15
    c.setFont(bold, 11)
    c.drawString(MARGIN, y, _fit(instansi_name, bold, 11, CONTENT_W))
    y -= 12
    c.setFont(font, 8.5)
    c.setFillColor(MUTED)
    c.drawString(MARGIN, y, _fit(_("Dibuat %(when)s", when=_when(generated_at)), font, 8.5, CONTENT_W))
    for line in list(selection_lines)[:MAX_SELECTION_LINES]:
        y -= 11
        c.drawString(MARGIN, y, _fit(line, font, 8.5, CONTENT_W))
    y -= 8
    c.setStrokeColor(GRID)
    c.setLineWidth(0.8)
    c.line(MARGIN, y, MARGIN + CONTENT_W, y)

    # readiness sentence (up to 3 lines)
    lines = simpleSplit(" ".join(readiness_text.split()), bold, 11, CONTENT_W)[:3]
    c.setFillColor(INK)
    c.setFont(bold, 11)
    y -= 4
    for line in lines:
        y -= 14
        c.drawString(MARGIN, y, line)

    # totals: a row of figures
    shown_totals = list(totals.items())[:6]
    if shown_totals:
        y -= 30
        cell = CONTENT_W / len(shown_totals)
        for index, (label, value) in enumerate(shown_totals):
            x = MARGIN + index * cell
            c.setFont(bold, 13)
            c.setFillColor(INK)
            c.drawString(x, y + 11, _fit(str(value), bold, 13, cell - 6))
            c.setFont(font, 7.5)
            c.setFillColor(MUTED)
            c.drawString(x, y, _fit(str(label), font, 7.5, cell - 6))

    # timeline
    if start is not None and end is not None:
        y -= 12
        c.setFont(bold, 9)
        c.setFillColor(INK)
        c.drawString(MARGIN, y, _("Capaian dari waktu ke waktu"))
        y -= 6
        _timeline(c, y, points, start, end, election_date, target_percent, target_date, projection, font, bold)
        y -= TIMELINE_H

    # the SKPD table with its bars
    y -= 14
    c.setFont(bold, 9)
    c.setFillColor(INK)
    c.drawString(MARGIN, y, _("Capaian per SKPD"))
    _legend(c, MARGIN + CONTENT_W - 250, y, font)
    y -= 8
    footer_space = 26  # the truncation note and the footer line
    capacity = max(int((y - ROW_H - MARGIN - footer_space) // ROW_H), 0)
    rows, truncated = _rows_to_show(items, capacity)
    headers = (_("SKPD"), _("ASN aktif"), _("Tuntas"), _("Berjalan"), _("Belum mulai"), _("% tuntas"))
    bar_x = MARGIN + sum(COLS) + 6
    bar_w = MARGIN + CONTENT_W - bar_x
    y -= ROW_H
    c.setFont(bold, TABLE_FONT)
    x = MARGIN
    for index, (header, width) in enumerate(zip(headers, COLS, strict=True)):
        if index == 0:
            c.drawString(x, y + 3, _fit(header, bold, TABLE_FONT, width - 4))
        else:
            c.drawRightString(x + width - 4, y + 3, _fit(header, bold, TABLE_FONT, width - 4))
        x += width
    c.setStrokeColor(INK)
    c.setLineWidth(0.6)
    c.line(MARGIN, y, MARGIN + CONTENT_W, y)
    if not items:
        y -= ROW_H
        c.setFont(font, TABLE_FONT)
        c.setFillColor(MUTED)
        c.drawString(MARGIN, y + 3, _("Belum ada SKPD untuk ditampilkan."))
    for item in rows:
        y -= ROW_H
        values = (item.label, item.headcount, item.done, item.in_progress, item.not_started,
                  format_percent(item.percent_done))
        x = MARGIN
        c.setFillColor(INK)
        for index, (value, width) in enumerate(zip(values, COLS, strict=True)):
            if index == 0:
                c.setFont(font, TABLE_FONT)
                c.drawString(x, y + 3.2, _fit(str(value), font, TABLE_FONT, width - 4))
            else:
                c.setFont(bold if index == 5 else font, TABLE_FONT)
                c.drawRightString(x + width - 4, y + 3.2, str(value))
            x += width
        _bar(c, item, bar_x, y + 2.5, bar_w, ROW_H - 5)
        c.setStrokeColor(GRID)
        c.setLineWidth(0.3)
        c.line(MARGIN, y, MARGIN + CONTENT_W, y)

    c.setFont(font, 7.5)
    c.setFillColor(MUTED)
    if truncated:
        y -= 11
        c.drawString(MARGIN, y, _fit(_("Ditampilkan %(shown)d SKPD dengan capaian terendah dari %(total)d SKPD; "
                                       "daftar lengkap ada di ekspor XLSX.", shown=len(rows), total=len(items)),
                                     font, 7.5, CONTENT_W))
    c.drawString(MARGIN, MARGIN - 14, _fit(_("Tuntas: memenuhi semua syarat yang dipilih. Dihitung terhadap daftar ASN "
                                             "aktif; yang belum pernah masuk dihitung belum selesai."),
                                           font, 7.5, CONTENT_W))
    c.showPage()
    c.save()
    return buf.getvalue()
