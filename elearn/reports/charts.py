"""Pictures for the rekap: server-rendered SVG and the readiness figure (pure: data in, markup out).

- ``stacked_bars(items)``: one horizontal bar per SKPD (or unit), stacked done / in progress / not
  started as shares of the headcount, the share done printed at the bar's end.
- ``timeline(points, ...)``: completion (percent) over time since the campaign opened, the election
  day (vertical line + label), the target (horizontal line + label), an optional dashed projection.
- ``readiness(...)`` / ``readiness_sentence(...)``: the current share, the recent pace, the projected
  date to reach the target, and the sentence a Kepala BKPSDM reads out.
- ``bars_table(items)``: the same numbers as an HTML table (the accessible twin of the bar chart).

Hand-written SVG (no JS, no CDN, no chart library): every value goes through markupsafe, so an SKPD
named ``<script>`` stays text. Only presentation attributes are used (the app's CSP forbids inline
``style``); sizing and print rules live in ``static/css/charts.css`` (class ``rc-chart``): the SVG has
a viewBox and ``width="100%"``, so it scales to the column; the fonts are sized for a 360 px screen.
Meaning never rests on colour alone: done is solid, in progress hatched, not started white with an
outline, each with a legend; lines are solid / dashed / dotted and labelled directly.

The root element has ``role="img"`` with ``<title>`` and ``<desc>`` (``aria-labelledby``). Links on
bars are a mouse shortcut only (``tabindex="-1" aria-hidden="true"``); keyboard and screen reader
users follow the links of the table twin. ARIA makes an image's children presentational and axe
reports any link inside one (nested-interactive), so a bar chart with links is instead a
``role="group"`` named by the same title and desc, its drawing inside ``<g aria-hidden="true">``.

Percent values (points, targets) are percentages 0-100.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from babel.dates import format_date
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

__all__ = ["BarItem", "Readiness", "bars_table", "format_percent", "long_date", "projection_points", "readiness",
           "readiness_sentence", "short_date", "stacked_bars", "timeline"]

# --- palette (contrast >= 4.5:1 against white for text; fills also differ by pattern) ---------------
INK = "#1b1f24"
MUTED = "#4a5260"
DONE = "#1f6f43"
PROGRESS = "#9a5b00"
NOT_STARTED_STROKE = "#4a5260"
GRID = "#c8ccd2"
TARGET = "#7a1f5c"
ELECTION = "#1c3f94"

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"
#: viewBox width of every chart; at 360 px wide one unit is 0.75 px, so 16 units is a 12 px font
VIEW_WIDTH = 480
FONT = 16
SMALL = 14
#: an href on a bar must be a local path or an http(s) URL (never javascript:, data:, //host)
_SAFE_HREF = re.compile(r"^(/(?!/)|https?://)", re.I)


def _locale() -> str:
    loc = get_locale()
    return str(loc) if loc is not None else "id"


def short_date(value: dt.date, locale: str | None = None) -> str:
    """``12 Nov`` (Indonesian short month; ``Agu``, ``Des``)."""
    return format_date(value, "d MMM", locale=locale or _locale()).rstrip(".")


def long_date(value: dt.date, locale: str | None = None) -> str:
    """``12 November 2026``."""
    return format_date(value, "d MMMM y", locale=locale or _locale())


def format_percent(value: float | None) -> str:
    """``73 %``: rounded, but never ``100 %`` before everyone is done nor ``0 %`` once someone is."""
    if value is None or math.isnan(value):
        return "–"
    if 0 < value < 1:
        return "<1 %"
    if 99 < value < 100:
        return "99 %"
    return f"{round(value)} %"


def _num(value: float) -> str:
    """A coordinate for SVG (short, locale-independent)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _truncate(text: str, max_chars: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def _safe_href(href: str | None) -> str | None:
    if href and _SAFE_HREF.match(href) and not any(ch in href for ch in "\x00\r\n\t "):
        return href
    return None


def _svg_open(chart_id: str, height: float, title: str, desc: str, css_class: str, role: str = "img") -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="rc-chart {cls}" id="{id}" viewBox="0 0 {w} {h}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" role="{role}" aria-labelledby="{id}-title {id}-desc" '
        'font-family="{font}" font-size="{fs}" fill="{ink}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
    ).format(cls=css_class, id=chart_id, w=VIEW_WIDTH, h=_num(height), font=FONT_FAMILY, fs=FONT, ink=INK,
             title=title, desc=desc, role=role)


# --- stacked bars ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BarItem:
    """One SKPD (or unit): the headcount split into done / in progress / not started."""

    label: str
    done: int
    in_progress: int
    not_started: int
    href: str | None = None

    def __post_init__(self) -> None:
        if min(self.done, self.in_progress, self.not_started) < 0:
            raise ValueError("counts must not be negative")

    @property
    def headcount(self) -> int:
        return self.done + self.in_progress + self.not_started

    @property
    def percent_done(self) -> float | None:
        """Share done in percent; None for an empty SKPD (no active ASN)."""
        return 100.0 * self.done / self.headcount if self.headcount else None


#: bar geometry (viewBox units): label line, then the bar, then the gap to the next item
BAR_LEFT = 0
BAR_WIDTH = 410
BAR_HEIGHT = 18
ROW_HEIGHT = 50
LEGEND_HEIGHT = 34
LABEL_CHARS = 48


def _patterns(chart_id: str) -> Markup:
    return Markup(
        '<defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<rect width="3" height="6" fill="{p}"/></pattern></defs>'
    ).format(id=chart_id, p=PROGRESS)


def _segment_fill(kind: str, chart_id: str) -> tuple[str, str]:
    """(fill, stroke) of a segment kind."""
    return {"done": (DONE, DONE), "in_progress": (f"url(#{chart_id}-hatch)", PROGRESS),
            "not_started": ("#fff", NOT_STARTED_STROKE)}[kind]


def _legend_names() -> dict[str, str]:
    return {"done": _("Tuntas"), "in_progress": _("Sedang berjalan"), "not_started": _("Belum mulai")}


def stacked_bars(items: Sequence[BarItem], *, chart_id: str = "rekap-bars", title: str | None = None) -> Markup:
    """One horizontal stacked bar per item, in the order given. ``chart_id`` must be unique on the page
    (it prefixes the pattern and title ids)."""
    chart_id = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "rekap-bars"
    names = _legend_names()
    title = title or _("Capaian per SKPD")
    total = sum(i.headcount for i in items)
    done = sum(i.done for i in items)
    desc = _("%(count)d batang, satu per SKPD: tuntas, sedang berjalan dan belum mulai sebagai bagian dari "
             "jumlah ASN aktif. Total %(done)d dari %(total)d ASN tuntas (%(percent)s).",
             count=len(items), done=done, total=total, percent=format_percent(100.0 * done / total if total else None))
    height = LEGEND_HEIGHT + max(len(items), 1) * ROW_HEIGHT + 4
    linked = any(_safe_href(i.href) for i in items)
    # links inside role="img" are nested interactive content (axe: nested-interactive), even when
    # hidden: with links the chart is a named group whose drawing is hidden from assistive technology
    out = [_svg_open(chart_id, height, title, desc, "rc-bars", role="group" if linked else "img"),
           Markup('<g aria-hidden="true">') if linked else Markup(""), _patterns(chart_id)]

    # legend: swatch + name for each kind (direct words, not colour alone)
    x = 0.0
    for kind in ("done", "in_progress", "not_started"):
        fill, stroke = _segment_fill(kind, chart_id)
        out.append(Markup('<rect x="{x}" y="6" width="16" height="16" fill="{f}" stroke="{s}"/>'
                          '<text x="{tx}" y="20" font-size="{fs}">{name}</text>').format(
            x=_num(x), f=fill, s=stroke, tx=_num(x + 21), fs=SMALL, name=names[kind]))
        x += 21 + len(names[kind]) * SMALL * 0.56 + 18

    if not items:
        out.append(Markup('<text x="0" y="{y}" fill="{m}">{t}</text>').format(
            y=LEGEND_HEIGHT + 24, m=MUTED, t=_("Belum ada SKPD untuk ditampilkan.")))
    for index, item in enumerate(items):
        top = LEGEND_HEIGHT + index * ROW_HEIGHT
        bar_y = top + 22
        label = " ".join(item.label.split())
        shown = _truncate(label, LABEL_CHARS)
        row = [Markup('<g class="rc-bar">')]
        row.append(Markup('<text x="0" y="{y}">{shown}<title>{full}</title></text>').format(
            y=_num(top + 16), shown=shown, full=label))
        head = item.headcount
        if head == 0:
            row.append(Markup('<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#fff" stroke="{s}" '
                              'stroke-dasharray="4 3"/><text x="{tx}" y="{ty}" font-size="{fs}" fill="{m}">{t}</text>'
                              ).format(x=BAR_LEFT, y=_num(bar_y), w=BAR_WIDTH, h=BAR_HEIGHT, s=GRID,
                                       tx=BAR_LEFT + 6, ty=_num(bar_y + 14), fs=SMALL, m=MUTED,
                                       t=_("Tidak ada ASN aktif")))
        else:
            x = float(BAR_LEFT)
            for kind, count in (("done", item.done), ("in_progress", item.in_progress),
                                ("not_started", item.not_started)):
                if count == 0:
                    continue
                width = BAR_WIDTH * count / head
                fill, stroke = _segment_fill(kind, chart_id)
                row.append(Markup('<rect class="rc-{kind}" x="{x}" y="{y}" width="{w}" height="{h}" fill="{f}" '
                                  'stroke="{s}" stroke-width="1" data-count="{c}"><title>{name}: {c}</title></rect>'
                                  ).format(kind=kind.replace("_", "-"), x=_num(x), y=_num(bar_y), w=_num(width),
                                           h=BAR_HEIGHT, f=fill, s=stroke, c=count, name=names[kind]))
                x += width
        row.append(Markup('<text x="{x}" y="{y}" text-anchor="end" font-weight="bold">{p}</text>').format(
            x=VIEW_WIDTH, y=_num(bar_y + 15), p=format_percent(item.percent_done)))
        row.append(Markup("</g>"))
        href = _safe_href(item.href)
        if href:
            row = [Markup('<a href="{h}" tabindex="-1" aria-hidden="true">').format(h=href), *row, Markup("</a>")]
        out.extend(row)
    if linked:
        out.append(Markup("</g>"))
    out.append(Markup("</svg>"))
    return Markup("").join(out)


def bars_table(items: Sequence[BarItem], *, caption: str | None = None) -> Markup:
    """The numbers of ``stacked_bars`` as an HTML table (links on the names where ``href`` is set)."""
    names = _legend_names()
    out = [Markup('<table class="rc-table"><caption>{}</caption><thead><tr><th scope="col">{}</th>'
                  '<th scope="col" class="num">{}</th><th scope="col" class="num">{}</th>'
                  '<th scope="col" class="num">{}</th><th scope="col" class="num">{}</th>'
                  '<th scope="col" class="num">{}</th></tr></thead><tbody>').format(
        caption or _("Capaian per SKPD"), _("SKPD"), _("ASN aktif"), names["done"], names["in_progress"],
        names["not_started"], _("% tuntas"))]
    for item in items:
        href = _safe_href(item.href)
        name = Markup('<a href="{}">{}</a>').format(href, item.label) if href else escape(item.label)
        out.append(Markup('<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td>'
                          '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>').format(
            name, item.headcount, item.done, item.in_progress, item.not_started, format_percent(item.percent_done)))
    out.append(Markup("</tbody></table>"))
    return Markup("").join(out)


# --- timeline -------------------------------------------------------------------------------------

TL_HEIGHT = 300
TL_LEFT = 48
TL_RIGHT = 14
TL_TOP = 30
TL_BOTTOM = 44


def _date_ticks(start: dt.date, end: dt.date, max_ticks: int = 5) -> list[dt.date]:
    span = (end - start).days
    if span <= 0:
        return [start]
    step = max(1, math.ceil(span / (max_ticks - 1)))
    ticks = [start + dt.timedelta(days=d) for d in range(0, span + 1, step)]
    if (end - ticks[-1]).days * 2 >= step:  # room for the end date too
        ticks.append(end)
    elif ticks[-1] != end:
        ticks[-1] = end
    return ticks


def timeline(points: Sequence[tuple[dt.date, float]], *, start: dt.date, end: dt.date,
             election_date: dt.date | None = None, target_percent: float | None = None,
             target_date: dt.date | None = None, projection: Sequence[tuple[dt.date, float]] | None = None,
             chart_id: str = "rekap-timeline", title: str | None = None) -> Markup:
    """Completion (percent of the headcount) over time from ``start`` to ``end``.

    Points outside the range are dropped; the election day and the target date are marked when they
    fall inside it. ``end`` before ``start`` is the caller's error (ValueError)."""
    if end < start:
        raise ValueError("timeline end is before its start")
    chart_id = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "rekap-timeline"
    title = title or _("Capaian dari waktu ke waktu")
    span = max((end - start).days, 1)
    plot_w = VIEW_WIDTH - TL_LEFT - TL_RIGHT
    plot_h = TL_HEIGHT - TL_TOP - TL_BOTTOM

    def px(day: dt.date) -> float:
        return TL_LEFT + plot_w * (day - start).days / span

    def py(percent: float) -> float:
        return TL_TOP + plot_h * (1 - max(0.0, min(100.0, percent)) / 100.0)

    inside = sorted((d, v) for d, v in points if start <= d <= end)
    if inside:
        last_day, last_value = inside[-1]
        desc = _("Capaian dari %(start)s sampai %(end)s: %(value)s pada %(day)s.", start=long_date(start),
                 end=long_date(end), value=format_percent(last_value), day=long_date(last_day))
    else:
        desc = _("Belum ada data capaian dari %(start)s sampai %(end)s.", start=long_date(start), end=long_date(end))
    if target_percent is not None:
        desc += " " + _("Target %(target)s.", target=format_percent(target_percent))
    if election_date is not None:
        desc += " " + _("Hari pemungutan suara %(day)s.", day=long_date(election_date))
    out = [_svg_open(chart_id, TL_HEIGHT, title, desc, "rc-timeline")]

    # grid and axes: 0-100 % on y, Indonesian short dates on x
    for pct in (0, 25, 50, 75, 100):
        y = py(pct)
        out.append(Markup('<line x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" stroke="{g}" stroke-width="1"/>'
                          '<text x="{tx}" y="{ty}" text-anchor="end" font-size="{fs}" fill="{m}">{p}</text>').format(
            x1=TL_LEFT, x2=VIEW_WIDTH - TL_RIGHT, y=_num(y), g=GRID, tx=TL_LEFT - 5, ty=_num(y + 5), fs=SMALL,
            m=MUTED, p=f"{pct} %"))
    for tick in _date_ticks(start, end):
        x = px(tick)
        anchor = "start" if tick == start else ("end" if tick == end and tick != start else "middle")
        out.append(Markup('<line class="rc-tick" x1="{x}" x2="{x}" y1="{y1}" y2="{y2}" stroke="{m}"/>'
                          '<text class="rc-tick-label" x="{x}" y="{ty}" text-anchor="{a}" font-size="{fs}" '
                          'fill="{m}">{label}</text>').format(
            x=_num(x), y1=TL_TOP + plot_h, y2=TL_TOP + plot_h + 5, m=MUTED, ty=TL_TOP + plot_h + 22, a=anchor,
            fs=SMALL, label=short_date(tick)))
    out.append(Markup('<line x1="{x}" x2="{x}" y1="{t}" y2="{b}" stroke="{m}"/>').format(
        x=TL_LEFT, t=TL_TOP, b=TL_TOP + plot_h, m=MUTED))

    if target_percent is not None and 0 <= target_percent <= 100:
        y = py(target_percent)
        label = _("Target %(target)s", target=format_percent(target_percent))
        if target_date is not None and start <= target_date <= end:
            label = _("Target %(target)s, %(day)s", target=format_percent(target_percent), day=short_date(target_date))
        out.append(Markup('<g class="rc-target"><line x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" stroke="{c}" '
                          'stroke-width="2" stroke-dasharray="2 4"/><text x="{tx}" y="{ty}" font-size="{fs}" '
                          'fill="{c}">{label}</text></g>').format(
            x1=TL_LEFT, x2=VIEW_WIDTH - TL_RIGHT, y=_num(y), c=TARGET, tx=TL_LEFT + 4,
            ty=_num(y - 5 if target_percent < 92 else y + 16), fs=SMALL, label=label))

    if election_date is not None and start <= election_date <= end:
        x = px(election_date)
        anchor = "end" if x > TL_LEFT + plot_w / 2 else "start"
        out.append(Markup('<g class="rc-election"><line x1="{x}" x2="{x}" y1="{t}" y2="{b}" stroke="{c}" '
                          'stroke-width="2" stroke-dasharray="8 3 2 3"/><text x="{tx}" y="{ty}" text-anchor="{a}" '
                          'font-size="{fs}" fill="{c}">{label}</text></g>').format(
            x=_num(x), t=TL_TOP - 4, b=TL_TOP + plot_h, c=ELECTION, tx=_num(x - 4 if anchor == "end" else x + 4),
            ty=TL_TOP - 10, a=anchor, fs=SMALL,
            label=_("Pemungutan suara %(day)s", day=short_date(election_date))))

    if projection:
        proj = sorted((d, v) for d, v in projection if start <= d <= end)
        if len(proj) >= 2:
            coords = " ".join(f"{_num(px(d))},{_num(py(v))}" for d, v in proj)
            out.append(Markup('<g class="rc-projection"><polyline points="{p}" fill="none" stroke="{c}" '
                              'stroke-width="2" stroke-dasharray="6 4"/><text x="{tx}" y="{ty}" text-anchor="end" '
                              'font-size="{fs}" fill="{c}">{label}</text></g>').format(
                p=coords, c=MUTED, tx=_num(min(px(proj[-1][0]), VIEW_WIDTH - TL_RIGHT)),
                ty=_num(py(proj[-1][1]) + 18), fs=SMALL, label=_("Proyeksi")))

    if inside:
        coords = " ".join(f"{_num(px(d))},{_num(py(v))}" for d, v in inside)
        out.append(Markup('<g class="rc-actual">'))
        if len(inside) > 1:
            out.append(Markup('<polyline points="{p}" fill="none" stroke="{c}" stroke-width="3" '
                              'stroke-linejoin="round"/>').format(p=coords, c=DONE))
        d, v = inside[-1]
        out.append(Markup('<circle cx="{x}" cy="{y}" r="4" fill="{c}"><title>{day}: {p}</title></circle>'
                          '<text x="{tx}" y="{ty}" text-anchor="{a}" font-weight="bold">{p}</text>').format(
            x=_num(px(d)), y=_num(py(v)), c=DONE, day=long_date(d), p=format_percent(v),
            tx=_num(px(d) + (-8 if px(d) > VIEW_WIDTH - 70 else 8)), ty=_num(py(v) - 8),
            a="end" if px(d) > VIEW_WIDTH - 70 else "start"))
        out.append(Markup("</g>"))
    else:
        out.append(Markup('<text x="{x}" y="{y}" text-anchor="middle" fill="{m}">{t}</text>').format(
            x=_num(TL_LEFT + plot_w / 2), y=_num(TL_TOP + plot_h / 2), m=MUTED, t=_("Belum ada data capaian.")))
    out.append(Markup("</svg>"))
    return Markup("").join(out)


# --- readiness ------------------------------------------------------------------------------------

#: the pace is measured over the last PACE_MAX_DAYS days of points, and at least PACE_MIN_DAYS when
#: the history is that long
PACE_MIN_DAYS = 7
PACE_MAX_DAYS = 14


@dataclass(frozen=True)
class Readiness:
    done: int
    headcount: int
    #: share done now, percent; None when there is nobody on the roster
    percent: float | None
    #: percentage points per day over ``pace_days`` days (None: not enough history)
    pace_per_day: float | None
    pace_days: int | None
    #: the day the figures are as of (the last point, or the caller's ``today``)
    as_of: dt.date
    target_percent: float | None
    target_date: dt.date | None
    target_reached: bool
    #: at this pace the target is reached on this day (None: reached already, no pace, or no progress)
    projected_date: dt.date | None
    #: the target date will be met (None when there is no target date or no target)
    on_track: bool | None

    @property
    def stalled(self) -> bool:
        return self.pace_per_day is not None and self.pace_per_day <= 0 and not self.target_reached


def readiness(done: int, headcount: int, points: Sequence[tuple[dt.date, float]], target_percent: float | None,
              target_date: dt.date | None, *, today: dt.date | None = None) -> Readiness:
    """The readiness figure (pure math).

    The pace is the change of the points' percent per day between the last point and the earliest
    point no more than 14 days before it (so over 7-14 days once the history is that long; shorter
    history gives a shorter window, reported in ``pace_days``). The projection starts from today's
    share (``done / headcount``) on ``today`` (default: the last point's day, else the current date)."""
    if headcount < 0 or done < 0 or done > headcount:
        raise ValueError("done must be between 0 and the headcount")
    series = sorted(points)
    percent = 100.0 * done / headcount if headcount else None
    as_of = today or (series[-1][0] if series else dt.date.today())
    pace = pace_days = None
    if len(series) >= 2:
        last_day, last_value = series[-1]
        window = [p for p in series if (last_day - p[0]).days <= PACE_MAX_DAYS]
        first_day, first_value = window[0]
        days = (last_day - first_day).days
        if days > 0:
            pace, pace_days = (last_value - first_value) / days, days
    reached = percent is not None and target_percent is not None and percent >= target_percent
    projected = None
    if not reached and percent is not None and target_percent is not None and pace and pace > 0:
        projected = as_of + dt.timedelta(days=math.ceil((target_percent - percent) / pace - 1e-9))
    on_track: bool | None = None
    if target_percent is not None and target_date is not None:
        if reached:
            on_track = True
        else:
            on_track = projected is not None and projected <= target_date
    return Readiness(done=done, headcount=headcount, percent=percent, pace_per_day=pace, pace_days=pace_days,
                     as_of=as_of, target_percent=target_percent, target_date=target_date, target_reached=reached,
                     projected_date=projected, on_track=on_track)


def projection_points(r: Readiness) -> list[tuple[dt.date, float]]:
    """The dashed projection for ``timeline``: from today's share to the target at the projected date."""
    if r.projected_date is None or r.percent is None or r.target_percent is None:
        return []
    return [(r.as_of, r.percent), (r.projected_date, r.target_percent)]


def readiness_sentence(r: Readiness, locale: str | None = None) -> str:
    """The readiness figure in words, e.g. ``73 % ASN sudah tuntas; dengan laju saat ini 90 % tercapai pada
    12 November 2026.`` (Bahasa Indonesia; English when ``locale`` is ``en`` and the catalogue has it)."""
    if locale is None:
        return _readiness_sentence(r, _locale())
    with force_locale(locale):
        return _readiness_sentence(r, locale)


def _readiness_sentence(r: Readiness, locale: str) -> str:
    if r.percent is None:
        return _("Belum ada ASN aktif dalam daftar.")
    share = format_percent(r.percent)
    if r.target_percent is None:
        return _("%(share)s ASN sudah tuntas.", share=share)
    target = format_percent(r.target_percent)
    if r.target_reached:
        return _("%(share)s ASN sudah tuntas.", share=share) + " " + _("Target %(target)s sudah tercapai.",
                                                                       target=target)
    if r.projected_date is not None:
        text = _("%(share)s ASN sudah tuntas; dengan laju saat ini %(target)s tercapai pada %(day)s.", share=share,
                 target=target, day=long_date(r.projected_date, locale))
        if r.on_track is False and r.target_date is not None:
            text += " " + _("Itu sesudah batas target %(day)s.", day=long_date(r.target_date, locale))
        return text
    text = _("%(share)s ASN sudah tuntas.", share=share)
    if r.stalled and r.pace_days:
        text += " " + _("Belum ada kemajuan dalam %(days)d hari terakhir.", days=r.pace_days)
    else:
        text += " " + _("Belum cukup data untuk menghitung laju.")
    if r.target_date is not None and r.on_track is False:
        text += " " + _("Target %(target)s pada %(day)s belum akan tercapai.", target=target,
                        day=long_date(r.target_date, locale))
    return text
