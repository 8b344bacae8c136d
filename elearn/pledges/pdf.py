"""The signed pakta integritas as a PDF (A4 portrait), for the signer and for HR.

``signature_pdf(signature)`` draws from the stored record only (the exact text the signer saw,
the signer snapshot, the PNG or the typed name, the signing time, the verification code and
the record hash), so the document of a record never changes when the roster or the pledge text
changes later. The QR code (segno, drawn as vector squares) and a link annotation point at the
public verification page (``verification_url``).

Fonts: Bitstream Vera (shipped inside reportlab, ``reportlab/fonts``; covers Latin-1 and the
punctuation Indonesian text uses), embedded as subsets and registered once per process. The
labels follow the pledge version's language (Indonesian for the shipped text), not the language
of whoever downloads it.
"""
from __future__ import annotations

import threading
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
import segno
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markdown_it.token import Token
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm, mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..accounts.nip import format_nip
from ..http_guards import public_url
from ..i18n import local_datetime
from . import text
from .models import PledgeSignature, SigningMethod
from .services import PANGKAT_NAMES, long_date, stored_signature_problem

FONT = "ElearnSans"
FONT_FILES = {FONT: "Vera.ttf", f"{FONT}-Bold": "VeraBd.ttf", f"{FONT}-Italic": "VeraIt.ttf",
              f"{FONT}-BoldItalic": "VeraBI.ttf"}
_fonts_lock = threading.Lock()
_fonts_ready = False

#: the drawn signature is scaled to fit this box (aspect ratio kept)
SIGNATURE_BOX = (6 * cm, 2.2 * cm)
QR_SIZE = 2.8 * cm
INK = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#4a5260")


def register_fonts() -> None:
    """Register the embedded TTF family once per process (parsing a TTF costs milliseconds)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if _fonts_ready:
            return
        font_dir = Path(reportlab.__file__).resolve().parent / "fonts"
        for name, filename in FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(font_dir / filename)))
        registerFontFamily(FONT, normal=FONT, bold=f"{FONT}-Bold", italic=f"{FONT}-Italic",
                           boldItalic=f"{FONT}-BoldItalic")
        _fonts_ready = True


# --- styles ---------------------------------------------------------------------------------------

def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13.6, textColor=INK, spaceAfter=5)
    return {
        "body": body,
        "title": ParagraphStyle("title", parent=body, fontName=f"{FONT}-Bold", fontSize=14, leading=19,
                                alignment=TA_CENTER, spaceAfter=10),
        "h2": ParagraphStyle("h2", parent=body, fontName=f"{FONT}-Bold", fontSize=12, leading=16, spaceBefore=6),
        "h3": ParagraphStyle("h3", parent=body, fontName=f"{FONT}-Bold", fontSize=10.5, leading=15, spaceBefore=4),
        "item": ParagraphStyle("item", parent=body, spaceAfter=1.5),
        "quote": ParagraphStyle("quote", parent=body, leftIndent=12, textColor=MUTED),
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11.5, textColor=MUTED, spaceAfter=2),
        "sign": ParagraphStyle("sign", parent=body, spaceAfter=2),
        "typed": ParagraphStyle("typed", parent=body, fontName=f"{FONT}-Italic", fontSize=9.5, leading=13,
                                textColor=MUTED),
    }


# --- Markdown (the rendered pledge text) to flowables ---------------------------------------------

#: inline Markdown tokens as reportlab paragraph markup (links keep their text, other marks are dropped)
_INLINE_MARKUP = {"softbreak": " ", "hardbreak": "<br/>", "strong_open": "<b>", "strong_close": "</b>",
                  "em_open": "<i>", "em_close": "</i>"}


def _inline(token: Token) -> str:
    """An inline token's children as reportlab paragraph markup (text escaped)."""
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "image"):
            out.append(escape(child.content))
        else:
            out.append(_INLINE_MARKUP.get(child.type, ""))
    return "".join(out)


def _closing(tokens: list[Token], start: int) -> int:
    """Index of the token closing the block opened at ``start``."""
    depth = 0
    for i in range(start, len(tokens)):
        depth += tokens[i].nesting
        if depth == 0:
            return i
    return len(tokens) - 1


def _blocks(tokens: list[Token], styles: dict[str, ParagraphStyle], in_list: bool = False) -> list[Flowable]:
    flowables: list[Flowable] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == "heading_open":
            level = int(token.tag[1])
            style = styles["title"] if level == 1 else styles["h2"] if level == 2 else styles["h3"]
            flowables.append(Paragraph(_inline(tokens[i + 1]), style))
            i += 3
        elif kind == "paragraph_open":
            flowables.append(Paragraph(_inline(tokens[i + 1]), styles["item" if in_list else "body"]))
            i += 3
        elif kind in ("bullet_list_open", "ordered_list_open"):
            end = _closing(tokens, i)
            flowables.append(_list(tokens[i:end + 1], styles))
            i = end + 1
        elif kind == "blockquote_open":
            end = _closing(tokens, i)
            inner = _blocks(tokens[i + 1:end], {**styles, "body": styles["quote"]})
            flowables.extend(inner)
            i = end + 1
        elif kind == "hr":
            flowables.append(HRFlowable(width="100%", thickness=0.5, color=MUTED, spaceBefore=4, spaceAfter=8))
            i += 1
        elif kind in ("fence", "code_block"):
            flowables.append(Paragraph(escape(token.content).replace("\n", "<br/>"), styles["body"]))
            i += 1
        elif kind == "table_open":
            end = _closing(tokens, i)
            row: list[str] = []
            for cell in tokens[i:end]:
                if cell.type == "inline":
                    row.append(_inline(cell))
                elif cell.type == "tr_close":
                    flowables.append(Paragraph(" | ".join(row), styles["body"]))
                    row = []
            i = end + 1
        else:
            i += 1
    return flowables


def _list(tokens: list[Token], styles: dict[str, ParagraphStyle]) -> ListFlowable:
    opener = tokens[0]
    ordered = opener.type == "ordered_list_open"
    items: list[ListItem] = []
    i = 1
    while i < len(tokens) - 1:
        if tokens[i].type == "list_item_open":
            end = _closing(tokens, i)
            items.append(ListItem(_blocks(tokens[i + 1:end], styles, in_list=True)))
            i = end + 1
        else:
            i += 1
    options: dict[str, Any] = {"leftIndent": 18, "bulletFontName": FONT, "bulletFontSize": 10, "spaceAfter": 5}
    if ordered:
        start = opener.attrGet("start")
        options.update(bulletType="1", bulletFormat="%s.", start=int(start) if start else 1)
    else:
        options.update(bulletType="bullet", start="•")
    return ListFlowable(items, **options)


def text_flowables(markdown: str) -> tuple[list[Flowable], bool]:
    """The pledge text as flowables, and whether it starts with its own heading (its title)."""
    styles = _styles()
    parsed = text.tokens(markdown)
    return _blocks(parsed, styles), bool(parsed) and parsed[0].type == "heading_open"


def _plain(inline: Token) -> str:
    return "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline")).strip()


def _top_paragraphs(tokens: list[Token]) -> list[tuple[int, str]]:
    """(index of paragraph_open, plain text) of every top-level paragraph."""
    return [(i, _plain(tokens[i + 1])) for i, t in enumerate(tokens)
            if t.type == "paragraph_open" and t.level == 0 and i + 1 < len(tokens)]


def split_closing(tokens: list[Token], place: str) -> int | None:
    """Where the text's own closing starts: the last top-level paragraph beginning with
    "<place>," (the ``{tempat}, {tanggal}`` line). None when the text has no such line."""
    found = None
    for index, plain in _top_paragraphs(tokens):
        if plain.startswith(f"{place},"):
            found = index
    return found


# --- the QR code ----------------------------------------------------------------------------------

class QRCode(Flowable):
    """A QR code drawn as vector squares (crisp at any zoom), clickable to ``url``."""

    def __init__(self, url: str, size: float = QR_SIZE) -> None:
        super().__init__()
        self.url = url
        self.size = size
        self.matrix = [list(row) for row in segno.make(url, error="m", micro=False).matrix_iter(border=4)]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canvas = self.canv
        count = len(self.matrix)
        module = self.size / count
        canvas.saveState()
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for r, row in enumerate(self.matrix):
            y = self.size - (r + 1) * module
            c = 0
            while c < count:
                if row[c]:
                    start = c
                    while c < count and row[c]:
                        c += 1
                    # a hair wider than the run so neighbouring squares don't leave seams
                    canvas.rect(start * module, y, (c - start) * module + 0.05, module + 0.05, stroke=0, fill=1)
                else:
                    c += 1
        canvas.restoreState()
        canvas.linkURL(self.url, (0, 0, self.size, self.size), relative=1, thickness=0)


# --- pieces of the document -----------------------------------------------------------------------

def verification_url(signature: PledgeSignature) -> str:
    """The absolute URL of the public verification page of ``signature``: under PUBLIC_BASE_URL
    when configured (a QR code must point at the public host, also when made outside a request),
    otherwise the host of the current request."""
    return public_url("pledge_verify.verify", code=signature.verify_code)


def pangkat_label(golongan: str | None) -> str:
    """``Penata (III/c)`` for a PNS golongan/ruang, ``Golongan IX`` for PPPK, ``-`` without one."""
    if not golongan:
        return "-"
    if golongan in PANGKAT_NAMES:
        return f"{PANGKAT_NAMES[golongan]} ({golongan})"
    return f"Golongan {golongan}"


def signed_at_label(signature: PledgeSignature) -> str:
    """Date and time of signing in the instansi's zone, with WIB/WITA/WIT."""
    return local_datetime(signature.signed_at, signature.campaign.instansi.timezone.iana, fmt="d MMMM y, HH.mm.ss")


def _identity(signature: PledgeSignature, styles: dict[str, ParagraphStyle]) -> Table:
    unit = signature.unit.name if signature.unit is not None else "-"
    skpd = signature.skpd.name if signature.skpd is not None else "-"
    rows = [
        (_("Nama"), signature.signer_name),
        (_("NIP / NI PPPK"), format_nip(signature.signer_nip)),
        (_("Pangkat/golongan"), pangkat_label(signature.signer_golongan)),
        (_("Jabatan"), signature.signer_jabatan or "-"),
        (_("Unit kerja"), unit if skpd in ("-", unit) else f"{unit}, {skpd}"),
        (_("Instansi"), signature.campaign.instansi.name),
    ]
    table = Table([[Paragraph(escape(k), styles["body"]), Paragraph(": " + escape(v), styles["body"])]
                   for k, v in rows], colWidths=[4 * cm, None], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _unreadable_mark(styles: dict[str, ParagraphStyle]) -> Table:
    """The box drawn instead of a stored signature image that cannot be drawn."""
    box = Table([[Paragraph(escape(_("Tanda tangan tidak dapat ditampilkan")), styles["typed"])]],
                colWidths=[SIGNATURE_BOX[0]], rowHeights=[SIGNATURE_BOX[1]], hAlign="LEFT")
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, MUTED), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                             ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    return box


def _log_unreadable(signature: PledgeSignature, problem: str) -> None:
    current_app.logger.error("pakta signature %s (instansi %s, seq %s): the stored signature image cannot be "
                             "drawn (%s); a placeholder is printed instead", signature.id, signature.instansi_id,
                             signature.seq, problem)


def _signature_mark(signature: PledgeSignature, styles: dict[str, ParagraphStyle],
                    draw_image: bool = True) -> Flowable:
    """The drawn signature (checked first like a new one: a record stored before the checks, or
    written around them, may hold an image decoders choke on), the placeholder box when it cannot be
    drawn (logged), or the typed name."""
    if signature.method == SigningMethod.DRAWN and signature.signature_png:
        problem = stored_signature_problem(signature.signature_png) if draw_image else "drawing it failed"
        if problem is None:
            try:
                reader = ImageReader(BytesIO(signature.signature_png))
                width, height = reader.getSize()
                scale = min(SIGNATURE_BOX[0] / width, SIGNATURE_BOX[1] / height)
                image = Image(BytesIO(signature.signature_png), width=width * scale, height=height * scale,
                              mask="auto")
                image.hAlign = "LEFT"
                return image
            except Exception as exc:  # noqa: BLE001 (whatever the decoder raises: the placeholder)
                problem = f"{type(exc).__name__}: {exc}"
        _log_unreadable(signature, problem)
        return _unreadable_mark(styles)
    return Paragraph(escape(_("Ditandatangani secara elektronik dengan mengetik nama: %(name)s",
                              name=signature.typed_name or signature.signer_name)), styles["typed"])


def _right_half(parts: list[Flowable]) -> Table:
    """The closing sits in the right half of the page, like a signature on paper."""
    table = Table([["", parts]], colWidths=["45%", "55%"])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _signature_block(signature: PledgeSignature, styles: dict[str, ParagraphStyle],
                     closing: list[Token] | None, draw_image: bool = True) -> Table:
    """The text's own closing (place and date, "Yang membuat pernyataan,", name, NIP) with the
    signature put above the signer's name; a standard closing when the text has none."""
    mark = [Spacer(1, 2 * mm), _signature_mark(signature, styles, draw_image), Spacer(1, 2 * mm)]
    name = Paragraph(f"<b><u>{escape(signature.signer_name)}</u></b>", styles["sign"])
    standard_tail = [Paragraph(escape(_("Yang membuat pernyataan,")), styles["sign"]), *mark, name,
                     Paragraph(escape(_("NIP %(nip)s", nip=format_nip(signature.signer_nip))), styles["sign"])]
    if closing:
        parts: list[Flowable] = []
        placed = False
        for index, plain in _top_paragraphs(closing):
            if not placed and plain == signature.signer_name:
                parts += [*mark, name]
                placed = True
            else:
                parts += _blocks(closing[index:_closing(closing, index) + 1], {**styles, "body": styles["sign"]})
        return _right_half(parts if placed else parts + standard_tail)
    day = signature.signed_at.astimezone(_zone(signature)).date()
    return _right_half([Paragraph(escape(f"{signature.campaign.place}, {long_date(day)}"), styles["sign"]),
                        *standard_tail])


def _zone(signature: PledgeSignature) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(signature.campaign.instansi.timezone.iana)


def _verification_box(signature: PledgeSignature, url: str, styles: dict[str, ParagraphStyle]) -> Table:
    method = _("gambar tanda tangan") if signature.method == SigningMethod.DRAWN else _("nama yang diketik")
    lines = [
        f"<b>{escape(_('Catatan tanda tangan elektronik'))}</b>",
        escape(_("Kampanye: %(name)s", name=signature.campaign.name)),
        escape(_("Ditandatangani: %(when)s (%(method)s)", when=signed_at_label(signature), method=method)),
        escape(_("Kode verifikasi: %(code)s", code=signature.verify_code)),
        escape(_("Sidik catatan (SHA-256): %(prefix)s…", prefix=signature.record_hash[:16])),
        escape(_("Periksa keaslian dokumen ini dengan memindai kode QR atau membuka:")),
        f'<link href="{escape(url)}">{escape(url)}</link>',
    ]
    text = [Paragraph(line, styles["small"]) for line in lines]
    table = Table([[QRCode(url), text]], colWidths=[QR_SIZE + 4 * mm, None])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BOX", (0, 0), (-1, -1), 0.5, MUTED),
        ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    return table


# --- the document ---------------------------------------------------------------------------------

def signature_pdf(signature: PledgeSignature, url: str | None = None) -> bytes:
    """The signed document of one record (A4 portrait PDF bytes). Needs an app context (and a
    request context or PUBLIC_BASE_URL for an absolute verification URL). A drawn signature that
    cannot be drawn becomes a placeholder box (logged), also when drawing fails only while the
    document is built: the record is immutable, its document must still come out."""
    register_fonts()
    url = url or verification_url(signature)
    try:
        return _document(signature, url, draw_image=True)
    except Exception as exc:  # noqa: BLE001
        if signature.method != SigningMethod.DRAWN or not signature.signature_png:
            raise
        current_app.logger.error("pakta signature %s: building its PDF with the image failed (%s: %s)",
                                 signature.id, type(exc).__name__, exc)
        return _document(signature, url, draw_image=False)


def _document(signature: PledgeSignature, url: str, draw_image: bool) -> bytes:
    version = signature.pledge_version
    with force_locale(version.language if version.language in ("id", "en") else "id"):
        styles = _styles()
        parsed = text.tokens(signature.rendered_text)
        cut = split_closing(parsed, signature.campaign.place)
        story: list[Flowable] = []
        if not (parsed and parsed[0].type == "heading_open"):
            story.append(Paragraph(escape(version.title), styles["title"]))
        main = _blocks(parsed[:cut] if cut is not None else parsed, styles)
        if "{nip}" not in version.body and "{nama}" not in version.body:
            main += [Spacer(1, 3 * mm), _identity(signature, styles)]
        # the last paragraph goes to the next page with the signature when they don't fit
        last = [main.pop()] if main else []
        closing = parsed[cut:] if cut is not None else None
        story += main
        story.append(KeepTogether([*last, Spacer(1, 4 * mm), _signature_block(signature, styles, closing, draw_image),
                                   Spacer(1, 6 * mm), _verification_box(signature, url, styles)]))

        def on_page(canvas: Any, doc: Any) -> None:
            canvas.saveState()
            canvas.setFont(FONT, 7.5)
            canvas.setFillColor(MUTED)
            canvas.drawString(doc.leftMargin, 1.2 * cm, _(
                "Pakta integritas %(name)s · kode verifikasi %(code)s · halaman %(page)d",
                name=signature.signer_name, code=signature.verify_code, page=doc.page))
            canvas.restoreState()

        out = BytesIO()
        doc = SimpleDocTemplate(
            out, pagesize=A4, leftMargin=2.2 * cm, rightMargin=2.2 * cm, topMargin=1.6 * cm, bottomMargin=1.8 * cm,
            title=_("Pakta Integritas: %(name)s", name=signature.signer_name), author=signature.signer_name,
            subject=signature.campaign.name, creator="elearn Netralitas ASN",
            keywords=[signature.verify_code, url],
        )
        doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()


def pdf_filename(signature: PledgeSignature) -> str:
    """``pakta-<campaign slug>-<NIP>.pdf`` (ASCII only)."""
    safe = "".join(ch for ch in signature.signer_nip if ch.isalnum())
    return f"pakta-{signature.campaign.slug}-{safe}.pdf"

