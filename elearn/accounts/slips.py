"""Activation slips per perangkat daerah: one-time activation codes, printed as a PDF or a CSV.

Two scopes (``SlipScope``): by default only the people who are not yet activated and hold no
working code (new arrivals) get one, so slips already handed out keep working; explicitly, everyone
not yet activated gets a new code and earlier slips stop working. Activated accounts never get a
slip: giving them a new code is a reset (``services.reset``). Each slip names the person's unit
kerja and carries a QR code of the activation page with the NIP in the fragment
(``<base>/aktivasi#nip=<NIP>``), never the code: a photographed QR must not activate the account.
Slips are sorted by unit (``Unit.sort_key``, natural order) and then name.

Issuing codes for a whole SKPD is one SELECT of the people (units and instansi joined, no
per-row queries) and one batched UPDATE at flush; the codes are stored as SHA-256 hashes
(``auth.services.issue_activation_code``), never hashed with argon2 per person.

Measured on this 2-core machine (busy with other test runs at the time, so figures vary by
about 2x) for one SKPD of 3,000 people in 30 sub-units: issuing the codes (one SELECT, 3,000
SHA-256 hashes, one batched UPDATE at flush) 0.7–1.5 s on SQLite and 1.0–1.2 s on PostgreSQL 15;
the 375-page PDF 1.4–3 s without QR codes (reportlab's pure-Python number formatting
dominates); the CSV ≈20 ms. The QR codes (issue 16, point 4) add about 2 ms a slip: the 3,000-slip
PDF took 6–8 s against 0.7–1.1 s without them, measured in the same run with a load average of 4-5
(segno's encoding ≈0.9 ms a code with a fixed mask, ``QR_MASK``, 4 ms letting it choose; the
squares ≈0.7 ms, written as one literal of path operators). How: see the note at the end of this
module.
"""
from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import segno

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from .. import authz
from ..audit.services import record
from ..auth.services import issue_activation_code
from ..db import db, utcnow
from ..org.models import Unit
from ..spreadsheets import safe_cell
from .models import User
from .nip import format_nip
from .services import code_works


class SlipScope(enum.StrEnum):
    #: not yet activated and no working code: new arrivals; cancels nothing already handed out
    NEW = "baru"
    #: everyone not yet activated: new codes for all, earlier slips stop working
    ALL_PENDING = "semua"


@dataclass
class Slip:
    name: str
    number: str
    unit_name: str
    code: str
    #: what the QR code encodes: the activation page with the NIP in the fragment, never the code
    qr_url: str = ""


@dataclass
class SlipBatch:
    instansi_name: str
    skpd_name: str
    activation_url: str
    expires_at: dt.datetime | None
    tz_iana: str
    slips: list[Slip]

    @property
    def expires_local(self) -> dt.date | None:
        if self.expires_at is None:
            return None
        return self.expires_at.astimezone(ZoneInfo(self.tz_iana)).date()


def activation_link(activation_url: str, employee_number: str) -> str:
    """``<activation page>#nip=<NIP>``: the page fills the NIP in from the fragment (a fragment
    never reaches the server's logs). The activation code is never part of it."""
    return f"{activation_url}#nip={quote(employee_number, safe='')}"


def _candidates(skpd: Unit, scope: SlipScope, actor: User | None, now: dt.datetime,
                unit: Unit | None = None) -> Select[Any]:
    """Active people of the SKPD (of ``unit`` and the units under it, when given: a large SKPD prints
    its slips unit by unit) not yet activated (and, for ``SlipScope.NEW``, without a working code)
    whose account ``actor`` may administer (``authz.can_administer_account``: a slip hands over the
    account); ``actor`` None (the command line): everyone."""
    stmt = (
        select(User)
        .join(Unit, Unit.id == User.unit_id)
        .where(
            User.instansi_id == skpd.instansi_id,
            Unit.instansi_id == skpd.instansi_id,
            Unit.skpd_id == skpd.id,
            User.active.is_(True),
            User.password_hash.is_(None),
        )
    )
    if unit is not None:
        stmt = stmt.where(Unit.path.startswith(unit.path, autoescape=True))
    if scope == SlipScope.NEW:
        stmt = stmt.where(~code_works(now))
    if actor is not None:
        stmt = stmt.where(User.role.in_(authz.administrable_roles(actor)), User.id != actor.id)
    return stmt


def count_candidates(skpd: Unit, scope: SlipScope, actor: User | None, now: dt.datetime | None = None,
                     unit: Unit | None = None) -> int:
    stmt = _candidates(skpd, scope, actor, now or utcnow(), unit).with_only_columns(func.count(User.id))
    return db.session.scalar(stmt) or 0


def issue_slips(
    actor: User | None,
    skpd: Unit,
    *,
    scope: SlipScope = SlipScope.NEW,
    activation_url: str,
    now: dt.datetime | None = None,
    unit: Unit | None = None,
) -> SlipBatch:
    """Give the people of the SKPD in ``scope`` whose account ``actor`` may administer a fresh
    code (with ``SlipScope.ALL_PENDING`` earlier codes stop working; ``SlipScope.NEW`` only reaches
    people without one). One SELECT of the people with their units, sorted by unit then name; the
    codes go out in one batched UPDATE at the flush. Records ``account.slips``."""
    now = now or utcnow()
    people = list(
        db.session.execute(
            _candidates(skpd, scope, actor, now, unit)
            .add_columns(Unit.name)
            .order_by(Unit.sort_key, User.name, User.id)
        )
    )
    slips: list[Slip] = []
    expires_at: dt.datetime | None = None
    for person, unit_name in people:
        code = issue_activation_code(person, now=now)
        expires_at = person.activation_expires_at
        slips.append(Slip(name=person.name, number=format_nip(person.employee_number), unit_name=unit_name,
                          code=code, qr_url=activation_link(activation_url, person.employee_number)))
    record(
        "account.slips",
        actor=actor,
        instansi_id=skpd.instansi_id,
        target=skpd,
        details={"skpd": skpd.name, "count": len(slips), "new_only": scope == SlipScope.NEW,
                 **({"unit": unit.name} if unit is not None and unit.id != skpd.id else {})},
    )
    db.session.flush()
    instansi = skpd.instansi
    return SlipBatch(
        instansi_name=instansi.name,
        skpd_name=skpd.name,
        activation_url=activation_url,
        expires_at=expires_at,
        tz_iana=instansi.timezone.iana,
        slips=slips,
    )


def unit_line(slip: Slip, skpd_name: str) -> str:
    """"Unit kerja: SD Negeri 1 (Dinas Pendidikan)"; the SKPD alone when the person sits in it."""
    if slip.unit_name == skpd_name:
        return _("Unit kerja: %(unit)s", unit=slip.unit_name)
    return _("Unit kerja: %(unit)s (%(skpd)s)", unit=slip.unit_name, skpd=skpd_name)


#: the mask pattern of the slips' QR codes in the PDF: a fixed one (any of 0-7 scans) instead of
#: segno choosing the lowest-penalty one for each code, which costs about 4 ms a code here, i.e.
#: most of the time of a 3,000-slip PDF; the one-person slip (one code) lets segno choose
QR_MASK = 0


def qr_matrix(url: str) -> list[bytes]:
    """The QR code of ``url`` (error correction M, mask ``QR_MASK``) as rows of 0/1 bytes, with a
    2-module quiet zone."""
    matrix = segno.make(url, error="m", micro=False, mask=QR_MASK).matrix  # rows of 0/1, no quiet zone
    blank = bytes(len(matrix[0]) + 4)
    return [blank, blank, *(b"\0\0" + bytes(row) + b"\0\0" for row in matrix), blank, blank]


def qr_svg_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG ``data:`` URI for an ``<img>`` (the CSP allows data: images)."""
    return str(segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2))


def filename(batch: SlipBatch, ext: str, today: dt.date | None = None) -> str:
    """``slip-aktivasi-<skpd>-<YYYYMMDD>.<ext>``: the day in the instansi's zone, not the server's (UTC)."""
    today = today or dt.datetime.now(ZoneInfo(batch.tz_iana)).date()
    ascii_name = unicodedata.normalize("NFKD", batch.skpd_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "skpd"
    return f"slip-aktivasi-{slug}-{today:%Y%m%d}.{ext}"


# --- CSV -----------------------------------------------------------------------------------

def render_csv(batch: SlipBatch) -> bytes:
    """UTF-8 with BOM (Excel opens it right); the NIP keeps its spaces so Excel keeps it text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    expires = batch.expires_local.isoformat() if batch.expires_local else ""
    writer.writerow([
        _("Instansi"), _("Perangkat daerah"), _("Unit kerja"), _("Nama"), _("NIP"),
        _("Kode aktivasi"), _("Berlaku sampai"), _("Alamat aktivasi"),
    ])
    for slip in batch.slips:
        writer.writerow([
            safe_cell(v)
            for v in (batch.instansi_name, batch.skpd_name, slip.unit_name, slip.name, slip.number,
                      slip.code, expires, batch.activation_url)
        ])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- PDF -----------------------------------------------------------------------------------

COLUMNS = 2
ROWS = 4
_DARK_RUN = re.compile(rb"\x01+")
SLIPS_PER_PAGE = COLUMNS * ROWS


def pdf_text(text: str) -> str:
    """The built-in Helvetica/Courier cover Latin-1 (cp1252): fold anything else to ASCII."""
    out = []
    for ch in text:
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            folded = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(folded or "?")
    return "".join(out)


def render_pdf(batch: SlipBatch) -> bytes:
    """A4 portrait, 2 × 4 cut-out slips per page with dashed cut lines."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    page_w, page_h = A4
    canvas = Canvas(buf, pagesize=A4, pageCompression=1)
    canvas.setTitle(pdf_text(_("Slip aktivasi akun — %(skpd)s", skpd=batch.skpd_name)))
    canvas.setAuthor("elearn")
    slip_w, slip_h = page_w / COLUMNS, page_h / ROWS
    pad = 16.0
    expires = format_date(batch.expires_local, "long") if batch.expires_local else "-"
    texts = {
        "instansi": pdf_text(batch.instansi_name),
        "skpd": pdf_text(batch.skpd_name),
        "nip": pdf_text(_("NIP / NI PPPK")),
        "code": pdf_text(_("Kode aktivasi")),
        "expires": pdf_text(_("Berlaku sampai %(date)s", date=expires)),
        "url": pdf_text(batch.activation_url),
        "open": pdf_text(_("Buka alamat ini di peramban, atau pindai kode QR:")),
        "steps": [
            pdf_text(_("1. Masukkan NIP dan kode aktivasi di atas (kode tidak ada di QR).")),
            pdf_text(_("2. Buat kata sandi baru, minimal 10 karakter.")),
            pdf_text(_("3. Kode hanya sekali pakai. Jangan berikan kepada siapa pun.")),
        ],
    }
    width = slip_w - 2 * pad
    qr_size = 78.0
    narrow = width - qr_size - 6  # the lines beside the QR code

    def fit(text: str, font: str, size: float, min_size: float = 6.0, room: float = width) -> tuple[str, float]:
        while size > min_size and stringWidth(text, font, size) > room:
            size -= 0.5
        while stringWidth(text, font, size) > room and len(text) > 1:
            text = text[:-2] + "…"
        return text, size

    def draw_qr(x: float, y: float, url: str) -> None:
        """Vector squares, one rectangle per run of dark modules in a row (written as PDF path
        operators in one literal: reportlab's path API formats each number in Python, twice as
        slow for 3,000 codes), and a link to ``url``."""
        matrix = qr_matrix(url)
        module = qr_size / len(matrix)
        side = module + 0.05  # a hair larger than the module so neighbouring squares leave no seams
        ops = ["q 0 g"]
        for r, row in enumerate(matrix):
            top = y + qr_size - (r + 1) * module
            for run in _DARK_RUN.finditer(row):
                ops.append(f"{x + run.start() * module:.2f} {top:.2f} "
                           f"{(run.end() - run.start()) * module + 0.05:.2f} {side:.2f} re")
        ops.append("f Q")
        canvas.addLiteral("\n".join(ops))
        canvas.linkURL(url, (x, y, x + qr_size, y + qr_size), relative=0)

    def draw(x0: float, y0: float, slip: Slip) -> None:
        y = y0 + slip_h - pad - 8
        text, size = fit(texts["instansi"], "Helvetica-Bold", 9)
        canvas.setFont("Helvetica-Bold", size)
        canvas.drawString(x0 + pad, y, text)
        y -= 11
        text, size = fit(pdf_text(unit_line(slip, batch.skpd_name)), "Helvetica", 8)
        canvas.setFont("Helvetica", size)
        canvas.drawString(x0 + pad, y, text)
        draw_qr(x0 + slip_w - pad - qr_size, y - 6 - qr_size, slip.qr_url)
        y -= 18
        text, size = fit(pdf_text(slip.name), "Helvetica-Bold", 12, room=narrow)
        canvas.setFont("Helvetica-Bold", size)
        canvas.drawString(x0 + pad, y, text)
        y -= 13
        text, size = fit(f"{texts['nip']}: {pdf_text(slip.number)}", "Helvetica", 9, room=narrow)
        canvas.setFont("Helvetica", size)
        canvas.drawString(x0 + pad, y, text)
        y -= 16
        canvas.setFont("Helvetica", 8)
        canvas.drawString(x0 + pad, y, texts["code"])
        y -= 20
        canvas.setFont("Courier-Bold", 19)
        canvas.drawString(x0 + pad, y, slip.code)
        y -= 13
        text, size = fit(texts["expires"], "Helvetica", 8, room=narrow)
        canvas.setFont("Helvetica", size)
        canvas.drawString(x0 + pad, y, text)
        y -= 14
        canvas.setFont("Helvetica", 8)
        canvas.drawString(x0 + pad, y, texts["open"])
        y -= 10
        text, size = fit(texts["url"], "Helvetica-Bold", 8.5)
        canvas.setFont("Helvetica-Bold", size)
        canvas.drawString(x0 + pad, y, text)
        y -= 12
        for step in texts["steps"]:
            text, size = fit(step, "Helvetica", 7.5)
            canvas.setFont("Helvetica", size)
            canvas.drawString(x0 + pad, y, text)
            y -= 9.5

    def cut_lines() -> None:
        canvas.saveState()
        canvas.setDash(4, 3)
        canvas.setStrokeGray(0.6)
        canvas.setLineWidth(0.5)
        for c in range(1, COLUMNS):
            canvas.line(c * slip_w, 0, c * slip_w, page_h)
        for r in range(1, ROWS):
            canvas.line(0, r * slip_h, page_w, r * slip_h)
        canvas.restoreState()

    if not batch.slips:
        canvas.setFont("Helvetica", 12)
        canvas.drawString(40, page_h - 60, pdf_text(_("Tidak ada pegawai yang perlu slip aktivasi.")))
        canvas.showPage()
    for start in range(0, len(batch.slips), SLIPS_PER_PAGE):
        cut_lines()
        for i, slip in enumerate(batch.slips[start : start + SLIPS_PER_PAGE]):
            col, row = i % COLUMNS, i // COLUMNS
            draw(col * slip_w, page_h - (row + 1) * slip_h, slip)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


# How the figures in the module docstring were measured (by hand, not in the test suite): a
# throw-away script created the schema in a fresh SQLite file / PostgreSQL database, one SKPD
# with 30 sub-units and 3,000 people (Core insert), then timed with time.perf_counter():
#   batch = issue_slips(None, skpd, scope=SlipScope.ALL_PENDING, activation_url=url); db.session.flush()
#   render_pdf(batch); render_csv(batch)
# The QR figures: render_pdf of a SlipBatch of 3,000 Slips (18-digit NIPs in the links) built in
# memory, timed in one run against the same batch rendered by the code before the QR codes.
