"""A certificate's PDF: a ``CertificateDocument`` drawn onto a ``CertificateTemplate`` layout.

``render_pdf(document, template, logo)`` draws with a reportlab canvas (A4, one page) and never
touches the database or the request, so the same inputs always give the same page and a
benchmark can render without an app. What is done once per process:

- the fonts (Noto Serif and Noto Sans, vendored in ``fonts/`` with their licence, OFL 1.1; they
  cover all of Unicode Latin, so "Ṡiti Nur'aini" or "Đặng Thị Ánh" print with real glyphs) are
  registered the first time; every PDF embeds only the subset of glyphs it uses;
- a template's layout is prepared once per content hash (points instead of millimetres, colours);
- a PNG background is turned into a JPEG file once (a JPEG file is embedded as it is; a PNG would
  be decompressed and compressed again for every PDF).

Text that does not fit its box shrinks (down to the element's ``min_size``), then wraps onto up
to ``max_lines`` lines, then shrinks further; whatever happens it stays inside its box, so it never
leaves the page. The revoked / replaced marks are drawn by the renderer over any template (a
template cannot leave them out); the unsigned note is a field every template must show.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import segno
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape, portrait
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ..accounts.nip import format_nip
from ..content.certificates import DEFAULT_TEXTS, MIN_FONT
from .document import CertificateDocument
from .models import CertificateTemplate

FONT_DIR = Path(__file__).resolve().parent / "fonts"
#: (font, bold, italic) -> (registered name, file)
FONT_FILES = {
    ("serif", False, False): ("CertSerif", "NotoSerif-Regular.ttf"),
    ("serif", True, False): ("CertSerif-Bold", "NotoSerif-Bold.ttf"),
    ("serif", False, True): ("CertSerif-Italic", "NotoSerif-Italic.ttf"),
    ("sans", False, False): ("CertSans", "NotoSans-Regular.ttf"),
    ("sans", True, False): ("CertSans-Bold", "NotoSans-Bold.ttf"),
}
MARK_FONT = ("sans", True, False)
MARK_COLOR = HexColor("#b3261e")
MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
             "November", "Desember")
#: shrinking below min_size goes in these steps (points)
STEP = 0.25
#: the QR code's mask pattern: None lets segno choose the one with the lowest penalty, as ISO/IEC 18004
#: asks (about 4 ms of a certificate's ~15 ms here); a fixed pattern (0-7) still scans but skips that
QR_MASK: int | None = None

log = logging.getLogger(__name__)

_fonts_lock = threading.Lock()
_fonts_ready = False
#: font name -> (ascent, descent) in units of the font size
_extents: dict[str, tuple[float, float]] = {}
_layouts: dict[str, PreparedLayout] = {}
_layouts_lock = threading.Lock()
_logo_readers: dict[str, ImageReader] = {}


def register_fonts() -> None:
    """Register the vendored TTFs once per process (parsing a TTF costs milliseconds)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if _fonts_ready:
            return
        for name, filename in FONT_FILES.values():
            font = TTFont(name, str(FONT_DIR / filename))
            pdfmetrics.registerFont(font)
            _extents[name] = (font.face.ascent / 1000.0, font.face.descent / 1000.0)
        _fonts_ready = True


def font_name(font: str, bold: bool, italic: bool) -> str:
    return FONT_FILES[(font, bold, italic)][0]


def font_has_glyphs(name: str, text: str) -> list[str]:
    """The characters of ``text`` the registered font ``name`` has no glyph for (spaces ignored)."""
    register_fonts()
    face = pdfmetrics.getFont(name).face  # type: ignore[attr-defined]
    return [ch for ch in text if not ch.isspace() and ord(ch) not in face.charToGlyph]


# --- values -----------------------------------------------------------------------------------


def long_date(value: dt.date) -> str:
    """``4 Desember 2026``."""
    return f"{value.day} {MONTHS_ID[value.month - 1]} {value.year}"


def clean(value: str) -> str:
    """NFC, control characters and line breaks as spaces, runs of spaces as one."""
    value = unicodedata.normalize("NFC", value)
    if not value.isprintable():  # rare: only then look at each character
        value = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in value)
    return " ".join(value.split())


def field_values(document: CertificateDocument, texts: dict[str, str]) -> dict[str, str]:
    """What each template field prints for ``document`` ("" for an empty value)."""
    unit, skpd = clean(document.unit_name), clean(document.skpd_name)
    nip = clean(document.signatory_nip)
    if nip.isdigit() and len(nip) == 18:
        nip = format_nip(nip)
    values = {
        "instansi_name": document.instansi_name,
        "holder_name": document.holder_name,
        "holder_number_label": document.holder_number_label,
        "holder_number": document.holder_number,
        "pangkat_golongan": document.pangkat_golongan,
        "jabatan": document.jabatan,
        "unit_name": unit,
        "skpd_name": skpd,
        "unit_skpd": skpd if not unit or unit == skpd else (f"{unit}, {skpd}" if skpd else unit),
        "course_title": document.course_title,
        "jp": f"{document.jp} JP",
        "jp_number": str(document.jp),
        "completed_on": long_date(document.completed_on),
        "serial": document.serial,
        "signatory_name": document.signatory_name,
        "signatory_nip": nip,
        "signatory_title": document.signatory_title,
        "verify_url": document.verify_url,
        "signed_note": texts["signed_note"] if document.signed else "",
        "unsigned_note": "" if document.signed else texts["unsigned_note"],
    }
    return {key: clean(value) for key, value in values.items()}


# --- fitting text into a box ------------------------------------------------------------------


@dataclass(frozen=True)
class Fit:
    size: float
    lines: tuple[str, ...]
    #: True when even the smallest size needed cutting the text (the box clips it)
    clipped: bool = False


def _block_height(font: str, size: float, lines: int, line_height: float) -> float:
    ascent, descent = _extents[font]
    return size * (ascent - descent) + (lines - 1) * size * line_height


def _width(text: str, font: str, size: float, spacing: float) -> float:
    return pdfmetrics.stringWidth(text, font, size) + spacing * max(len(text) - 1, 0)


def _wrap(words: list[str], unit_widths: list[float], space: float, size: float, spacing: float,
          max_width: float) -> list[str] | None:
    """Greedy wrap of ``words`` at ``size``; None when a single word is wider than the box."""
    lines: list[str] = []
    current: list[str] = []
    width = 0.0
    for word, unit in zip(words, unit_widths):
        w = unit * size + spacing * max(len(word) - 1, 0)
        if w > max_width:
            return None
        if not current:
            current, width = [word], w
        elif width + (space * size + spacing * 2) + w <= max_width:
            current.append(word)
            width += space * size + spacing * 2 + w
        else:
            lines.append(" ".join(current))
            current, width = [word], w
    if current:
        lines.append(" ".join(current))
    return lines


def _hard_wrap(text: str, font: str, size: float, spacing: float, max_width: float, max_lines: int) -> list[str]:
    """Break anywhere (the last resort at the smallest size), at most ``max_lines`` lines, the last one
    ending in an ellipsis when text was left out."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and _width(current + ch, font, size, spacing) > max_width:
            lines.append(current.rstrip())
            current = ch.lstrip()
            if len(lines) == max_lines:
                break
        else:
            current += ch
    else:
        if current:
            lines.append(current)
        return lines[:max_lines]
    last = lines[-1]
    while last and _width(last + "…", font, size, spacing) > max_width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines


def fit_text(text: str, font: str, size: float, min_size: float, max_lines: int, width: float, height: float,
             line_height: float = 1.2, spacing: float = 0.0) -> Fit:
    """The largest size (≤ ``size``) and line breaks that put ``text`` inside a ``width`` × ``height``
    box (points): one line down to ``min_size``, then up to ``max_lines`` lines, then smaller than
    ``min_size`` down to the smallest size; at the smallest size the text is cut to fit."""
    register_fonts()
    unit = pdfmetrics.stringWidth(text, font, 1.0)
    gaps = spacing * max(len(text) - 1, 0)

    def fits_height(s: float, n: int) -> bool:
        return _block_height(font, s, n, line_height) <= height + 1e-6

    # one line: solve for the size directly (width is linear in the size)
    by_width = (width - gaps) / unit if unit > 0 else size
    by_height = height / (_extents[font][0] - _extents[font][1])
    best = min(size, by_width, by_height)
    if best >= min_size:
        return Fit(_floor(best), (text,))
    words = text.split(" ")
    space = pdfmetrics.stringWidth(" ", font, 1.0)
    unit_widths = [pdfmetrics.stringWidth(w, font, 1.0) for w in words]
    floor = min(MIN_FONT, min_size)

    def wrapped(s: float) -> Fit | None:
        if max_lines < 2 or len(words) < 2:
            return None
        for n in range(2, max_lines + 1):
            if not fits_height(s, n):
                return None
            lines = _wrap(words, unit_widths, space, s, spacing, width)
            if lines is not None and len(lines) <= n:
                return Fit(s, tuple(lines))
        return None

    # several lines, from the full size down to min_size
    s = size
    while s >= min_size - 1e-9:
        if (fit := wrapped(s)) is not None:
            return fit
        s = round(s - STEP, 2)
    # below min_size: the larger of one line and several lines
    s = min(s, min_size)
    while s >= floor - 1e-9:
        if best >= s:
            return Fit(_floor(best), (text,))
        if (fit := wrapped(s)) is not None:
            return fit
        s = round(s - STEP, 2)
    # nothing fits even at the smallest size: cut the text to the box
    s = floor
    while s > 1 and not fits_height(s, 1):
        s -= STEP
    n = max(1, min(max_lines, int((height - _block_height(font, s, 1, line_height)) // (s * line_height)) + 1))
    return Fit(s, tuple(_hard_wrap(text, font, s, spacing, width, n)), clipped=True)


def _floor(size: float) -> float:
    """Round down to a tenth of a point (so that a size solved from the width never exceeds it)."""
    return int(size * 10 + 1e-9) / 10


# --- prepared layouts -------------------------------------------------------------------------


@dataclass
class PreparedLayout:
    page_size: tuple[float, float]
    elements: list[dict[str, Any]]
    texts: dict[str, str]
    #: a JPEG file of the background (embedded as it is), or None
    background_path: str | ImageReader | None


def _prepare(template: CertificateTemplate) -> PreparedLayout:
    layout = template.layout
    page = layout["page"]
    page_size = landscape(A4) if page.get("orientation", "landscape") == "landscape" else portrait(A4)
    page_h = page_size[1]
    elements: list[dict[str, Any]] = []
    for raw in layout["elements"]:
        e = dict(raw)
        e["x_pt"] = raw["x"] * mm
        e["w_pt"] = raw["width"] * mm
        e["h_pt"] = raw["height"] * mm
        # reportlab's origin is the bottom left corner; the layout's is the top left
        e["top_pt"] = page_h - raw["y"] * mm
        e["bottom_pt"] = page_h - (raw["y"] + raw["height"]) * mm
        for key in ("color", "fill"):
            if raw.get(key):
                e[key + "_obj"] = HexColor(raw[key])
        if raw["kind"] in ("text", "field"):
            e["font_name"] = font_name(raw["font"], raw["bold"], raw["italic"])
        elements.append(e)
    background: str | ImageReader | None = None
    if layout.get("background"):
        data = template.background
        try:
            background = _background_file(template.content_hash, data)
        except OSError as exc:  # no writable temporary folder: embed from memory (slower, same page)
            log.warning("certificate background of template %s: no JPEG file (%s); drawing from memory",
                        template.key, exc)
            background = ImageReader(BytesIO(data)) if data else None
    return PreparedLayout(page_size, elements, {**DEFAULT_TEXTS, **layout.get("texts", {})}, background)


def _background_file(content_hash: str, data: bytes | None) -> str | None:
    """A JPEG file of the background in the temporary folder (written once per process and template)."""
    if not data:
        return None
    path = Path(tempfile.gettempdir()) / f"elearn-certificate-background-{content_hash[:32]}.jpg"
    if path.is_file():
        return str(path)
    if data.startswith(b"\xff\xd8\xff"):
        jpeg = data
    else:
        from PIL import Image

        with Image.open(BytesIO(data)) as image:
            image.load()
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            out = BytesIO()
            flat.save(out, "JPEG", quality=92, optimize=True)
            jpeg = out.getvalue()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".elearn-bg-", suffix=".jpg")
    with os.fdopen(fd, "wb") as handle:
        handle.write(jpeg)
    os.replace(tmp, path)
    return str(path)


def prepared(template: CertificateTemplate) -> PreparedLayout:
    """The template's prepared layout (cached per content hash: equal hashes are equal templates)."""
    key = template.content_hash
    layout = _layouts.get(key)
    if layout is None:
        with _layouts_lock:
            layout = _layouts.get(key)
            if layout is None:
                layout = _layouts[key] = _prepare(template)
    return layout


#: a logo is drawn from at most this many pixels per inch of its box: a larger upload is scaled down
#: once per process, since its pixels are compressed again into every PDF (240 dpi prints sharply)
LOGO_DPI = 240


def _logo(logo: bytes, box_mm: float) -> ImageReader:
    """An image reader for the logo, kept per process, logo and box (decoded and scaled down once)."""
    pixels = max(32, int(box_mm / 25.4 * LOGO_DPI))
    digest = hashlib.sha256(logo).hexdigest() + f":{pixels}"
    reader = _logo_readers.get(digest)
    if reader is None:
        from PIL import Image

        with Image.open(BytesIO(logo)) as image:
            image.load()
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            image.thumbnail((pixels, pixels))
            reader = ImageReader(image.copy())
        reader.getRGBData()  # decode now, once
        if len(_logo_readers) > 64:
            _logo_readers.clear()
        _logo_readers[digest] = reader
    return reader


# --- drawing ----------------------------------------------------------------------------------


def _draw_text(c: Canvas, e: dict[str, Any], values: dict[str, str]) -> None:
    if e["fields"]:
        filled = {}
        for name in e["fields"]:
            value = values[name]
            if not value:
                if e.get("if_empty") is None:
                    return  # an element showing an empty field is left out
                value = e["if_empty"]
            filled[name] = value
        text = e["text"].format(**filled)
    else:
        text = e["text"].replace("{{", "{").replace("}}", "}")
    text = clean(text)
    if e["uppercase"]:
        text = text.upper()
    if not text:
        return
    font = e["font_name"]
    spacing = e["letter_spacing"]
    fit = fit_text(text, font, e["size"], e["min_size"], e["max_lines"], e["w_pt"], e["h_pt"],
                   e["line_height"], spacing)
    size = fit.size
    ascent, descent = _extents[font]
    block = size * (ascent - descent) + (len(fit.lines) - 1) * size * e["line_height"]
    if e["valign"] == "top":
        block_top = e["top_pt"]
    elif e["valign"] == "bottom":
        block_top = e["bottom_pt"] + block
    else:
        block_top = e["top_pt"] - (e["h_pt"] - block) / 2
    c.saveState()
    if fit.clipped:
        path = c.beginPath()
        path.rect(e["x_pt"], e["bottom_pt"], e["w_pt"], e["h_pt"])
        c.clipPath(path, stroke=0, fill=0)
    c.setFillColor(e["color_obj"])
    c.setFont(font, size)
    baseline = block_top - ascent * size
    for line in fit.lines:
        if e["align"] == "left":
            x = e["x_pt"]
        else:
            w = _width(line, font, size, spacing)
            x = e["x_pt"] + (e["w_pt"] - w) / (2 if e["align"] == "center" else 1)
        c.drawString(x, baseline, line, charSpace=spacing) if spacing else c.drawString(x, baseline, line)
        baseline -= size * e["line_height"]
    c.restoreState()


def qr_path(url: str) -> tuple[int, str]:
    """The QR code of ``url`` (segno, error correction M, a 2-module quiet zone inside the box): the
    number of modules a side and the PDF path of its dark modules in module units (one rectangle per
    run of dark modules in a row, row 0 at the top, y growing downwards as negative numbers)."""
    matrix = [bytes(row) for row in segno.make(url, error="m", micro=False, mask=QR_MASK).matrix_iter(border=2)]
    ops: list[str] = []
    for r, row in enumerate(matrix):
        col, count = 0, len(row)
        while col < count:
            if row[col]:
                start = col
                while col < count and row[col]:
                    col += 1
                # a hair taller than the row, so neighbouring rows leave no seams in any viewer
                ops.append(f"{start} {-r - 1.02:.2f} {col - start} 1.04 re")
            else:
                col += 1
    return len(matrix), " ".join(ops)


def _draw_qr(c: Canvas, e: dict[str, Any], url: str) -> None:
    """The QR code as vector squares (one filled path), on white, clickable."""
    count, path = qr_path(url)
    size = e["w_pt"]
    x0, top = e["x_pt"], e["top_pt"]
    c.saveState()
    c.setFillColor(Color(1, 1, 1))
    c.rect(x0, top - size, size, size, stroke=0, fill=1)
    c.setFillColor(e["color_obj"])
    c.translate(x0, top)
    c.scale(size / count, size / count)
    c.addLiteral(path + " f")
    c.restoreState()
    c.linkURL(url, (x0, top - size, x0 + size, top), relative=0, thickness=0)


def _draw_rect(c: Canvas, e: dict[str, Any]) -> None:
    c.saveState()
    c.setLineWidth(e["thickness"])
    c.setStrokeColor(e["color_obj"])
    fill = 0
    if e.get("fill_obj") is not None:
        c.setFillColor(e["fill_obj"])
        fill = 1
    if e["radius"]:
        c.roundRect(e["x_pt"], e["bottom_pt"], e["w_pt"], e["h_pt"], e["radius"] * mm, stroke=1, fill=fill)
    else:
        c.rect(e["x_pt"], e["bottom_pt"], e["w_pt"], e["h_pt"], stroke=1, fill=fill)
    c.restoreState()


def _draw_line(c: Canvas, e: dict[str, Any]) -> None:
    c.saveState()
    c.setLineWidth(e["thickness"])
    c.setStrokeColor(e["color_obj"])
    c.line(e["x_pt"], e["top_pt"], e["x_pt"] + e["w_pt"], e["top_pt"] - e["h_pt"])
    c.restoreState()


def _draw_image(c: Canvas, e: dict[str, Any], logo: bytes | None) -> None:
    """The instansi's logo; one that cannot be decoded is left out (logged), never a reason not to issue."""
    if e["source"] != "logo" or not logo:
        return
    try:
        reader = _logo(logo, max(e["width"], e["height"]))
    except Exception as exc:  # noqa: BLE001 (whatever the decoder raises: the page goes without the logo)
        log.warning("certificate logo (sha256 %s) cannot be drawn: %s: %s", hashlib.sha256(logo).hexdigest()[:16],
                    type(exc).__name__, exc)
        return
    c.drawImage(reader, e["x_pt"], e["bottom_pt"], e["w_pt"], e["h_pt"], mask="auto",
                preserveAspectRatio=True, anchor="c")


def _draw_mark(c: Canvas, page: tuple[float, float], mark: str, note: str) -> None:
    """The revoked / replaced mark: a large diagonal word across the page and a banner at the top."""
    width, height = page
    c.saveState()
    c.setFillColor(MARK_COLOR)
    c.setStrokeColor(MARK_COLOR)
    c.setFillAlpha(0.28)
    c.setStrokeAlpha(0.6)
    font = font_name(*MARK_FONT)
    c.translate(width / 2, height / 2)
    c.rotate(28)
    fit = fit_text(mark, font, 120, 40, 1, width * 0.85, height * 0.5)
    c.setFont(font, fit.size)
    c.drawCentredString(0, -fit.size * 0.35, fit.lines[0])
    c.restoreState()
    c.saveState()
    c.setFillColor(MARK_COLOR)
    c.rect(0, height - 11 * mm, width, 11 * mm, stroke=0, fill=1)
    c.setFillColor(Color(1, 1, 1))
    banner = fit_text(f"{mark}: {note}" if note else mark, font, 13, 7, 1, width - 20 * mm, 9 * mm)
    c.setFont(font, banner.size)
    c.drawCentredString(width / 2, height - 7.2 * mm, banner.lines[0])
    c.restoreState()


def render_pdf(document: CertificateDocument, template: CertificateTemplate, logo: bytes | None) -> bytes:
    """The certificate of ``document`` on ``template`` (one A4 page, PDF bytes, unsigned: signing is
    done afterwards by whoever issues it). ``logo``: the instansi's logo (PNG or JPEG), or None."""
    register_fonts()
    layout = prepared(template)
    values = field_values(document, layout.texts)
    out = BytesIO()
    c = Canvas(out, pagesize=layout.page_size, pageCompression=1, initialFontName=font_name("sans", False, False))
    c.setTitle(f"Sertifikat {document.serial}: {clean(document.holder_name)}")
    c.setAuthor(clean(document.instansi_name))
    c.setSubject(clean(document.course_title))
    c.setCreator("elearn Netralitas ASN")
    c.setKeywords([document.serial, document.verify_url])
    if layout.background_path:
        c.drawImage(layout.background_path, 0, 0, layout.page_size[0], layout.page_size[1])
    for e in layout.elements:
        kind = e["kind"]
        if kind in ("text", "field"):
            _draw_text(c, e, values)
        elif kind == "rect":
            _draw_rect(c, e)
        elif kind == "line":
            _draw_line(c, e)
        elif kind == "qr":
            _draw_qr(c, e, document.verify_url)
        elif kind == "image":
            _draw_image(c, e, logo)
    if document.revoked_on is not None:
        _draw_mark(c, layout.page_size, layout.texts["revoked_mark"],
                   layout.texts["revoked_note"].format(revoked_on=long_date(document.revoked_on)))
    elif document.replaced:
        _draw_mark(c, layout.page_size, layout.texts["replaced_mark"], layout.texts["replaced_note"])
    c.showPage()
    c.save()
    return out.getvalue()
