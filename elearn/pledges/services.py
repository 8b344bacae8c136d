"""Pakta integritas services: rendering a pledge for its signer, signing (with the chain append),
campaigns, and small queries. Flush only; the view or CLI command commits — except
``sign_and_commit``, the unit-of-work helper that owns its transactions (see there).

Locking. Each instansi's chain has one ``PledgeChainHead`` row; appending a signature locks it
first, so signers of one instansi are serialised and never fork the chain:

- PostgreSQL: ``SELECT ... FOR UPDATE`` on the head row (READ COMMITTED: after the wait, the
  statements see the rows the previous signer committed);
- SQLite: a no-op ``UPDATE`` of the head row as the lock statement, which takes the database's
  write lock (SQLite has one writer at a time). It must be the first statement of its
  transaction, otherwise the transaction's older read snapshot makes SQLite answer "database is
  locked" at once; ``sign_and_commit`` starts a fresh transaction with it and retries.

The unique constraints ``(instansi_id, seq)``, ``(instansi_id, prev_hash)`` and
``(campaign_id, user_id)`` are the backstop: the insert runs in a SAVEPOINT, and an
IntegrityError becomes ``already_signed`` or a retry.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import re
import secrets
import struct
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import make_transient_to_detached

from ..accounts.models import EmployeeType, JenisJabatan, User
from ..audit.services import record
from ..db import db, utcnow
from ..errors import ServiceError
from ..org.models import Instansi, Unit
from . import chain
from .models import (
    GENESIS_HASH,
    Campaign,
    ElectionType,
    PledgeChainHead,
    PledgeSignature,
    PledgeText,
    PledgeTextVersion,
    SigningMethod,
)

# --- limits for drawn signatures --------------------------------------------------------------

MAX_PNG_BYTES = 200 * 1024
PNG_WIDTH = (100, 2000)
PNG_HEIGHT = (50, 1000)
#: fewer dark pixels than this (or an inked area smaller than MIN_INK_SPAN on both sides) is "blank"
MIN_INK_PIXELS = 40
MIN_INK_SPAN = 20
#: attempts of the chain append (and of sign_and_commit) before giving up with ``chain_busy``
CHAIN_RETRIES = 5

PLACEHOLDERS = ("nama", "nip", "pangkat_golongan", "jabatan", "unit", "skpd", "instansi", "tempat", "tanggal")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

#: pangkat names of the PNS golongan/ruang (PP 99/2000)
PANGKAT_NAMES = {
    "I/a": "Juru Muda", "I/b": "Juru Muda Tingkat I", "I/c": "Juru", "I/d": "Juru Tingkat I",
    "II/a": "Pengatur Muda", "II/b": "Pengatur Muda Tingkat I", "II/c": "Pengatur", "II/d": "Pengatur Tingkat I",
    "III/a": "Penata Muda", "III/b": "Penata Muda Tingkat I", "III/c": "Penata", "III/d": "Penata Tingkat I",
    "IV/a": "Pembina", "IV/b": "Pembina Tingkat I", "IV/c": "Pembina Utama Muda", "IV/d": "Pembina Utama Madya",
    "IV/e": "Pembina Utama",
}

JPT_LEVELS = frozenset({JenisJabatan.JPT_PRATAMA, JenisJabatan.JPT_MADYA, JenisJabatan.JPT_UTAMA})


# --- who signs --------------------------------------------------------------------------------


def is_skpd_head(user: User) -> bool:
    """Kepala SKPD (perangkat daerah), derived (nothing in the models marks a head): the person's unit
    is an SKPD itself (a top-level unit) and their jabatan is a JPT level (pratama/madya/utama:
    kepala dinas/badan, sekda, ...) or they are kepala wilayah there (a camat in the kecamatan).
    A lurah (kelurahan is below the kecamatan) or a kabid (administrator) is not a head."""
    unit = user.unit
    if unit is None or not unit.is_skpd:
        return False
    return user.jenis_jabatan in JPT_LEVELS or bool(user.is_kepala_wilayah)


def pangkat_golongan(user: User) -> str:
    """``Penata Muda Tingkat I (III/b)`` for PNS/CPNS, ``Golongan IX`` for PPPK, ``-`` without a golongan."""
    if not user.golongan:
        return "-"
    if user.employee_type in (EmployeeType.PNS, EmployeeType.CPNS) and user.golongan in PANGKAT_NAMES:
        return f"{PANGKAT_NAMES[user.golongan]} ({user.golongan})"
    return f"Golongan {user.golongan}"


# --- time -------------------------------------------------------------------------------------


def local_date(instansi: Instansi, now: dt.datetime | None = None) -> dt.date:
    """The date at ``now`` (UTC) where the instansi is (WIB, WITA or WIT)."""
    return (now or utcnow()).astimezone(ZoneInfo(instansi.timezone.iana)).date()


@lru_cache(maxsize=256)
def long_date(value: dt.date, language: str = "id") -> str:
    """``23 November 2026`` (Indonesian month names for ``id``)."""
    return format_date(value, "d MMMM y", locale=language if language in ("id", "en") else "id")


def campaign_state(campaign: Campaign, now: dt.datetime | None = None) -> str:
    """``upcoming``, ``open`` or ``closed`` at ``now`` in the instansi's zone (both dates inclusive)."""
    today = local_date(campaign.instansi, now)
    if today < campaign.opens_on:
        return "upcoming"
    if today > campaign.closes_on:
        return "closed"
    return "open"


def campaign_is_open(campaign: Campaign, now: dt.datetime | None = None) -> bool:
    return campaign_state(campaign, now) == "open"


# --- rendering ----------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~{}])")


def _md_escape(value: str) -> str:
    """A person's data inside Markdown stays literal text (a ``*`` in a jabatan is not emphasis)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def placeholder_values(user: User, campaign: Campaign, now: dt.datetime | None = None,
                       language: str = "id") -> dict[str, str]:
    """The values of the placeholders for this signer, unescaped (``-`` where the roster has nothing)."""
    unit = user.unit
    skpd = unit if unit is None or unit.is_skpd or unit.skpd_id is None else db.session.get(Unit, unit.skpd_id)
    instansi = campaign.instansi
    return {
        "nama": user.name,
        "nip": user.employee_number,
        "pangkat_golongan": pangkat_golongan(user),
        "jabatan": user.jabatan or "-",
        "unit": unit.name if unit is not None else "-",
        "skpd": skpd.name if skpd is not None else "-",
        "instansi": instansi.name,
        "tempat": campaign.place,
        "tanggal": long_date(local_date(instansi, now), language),
    }


def fill_placeholders(body: str, values: Mapping[str, str]) -> str:
    """Replace ``{name}`` by its (Markdown-escaped) value; unknown names stay as they are
    (content validation refuses them before they reach a campaign)."""

    def repl(match: re.Match[str]) -> str:
        key = match.group(1)
        return _md_escape(values[key]) if key in values else match.group(0)

    return PLACEHOLDER.sub(repl, body)


def render_pledge(version: PledgeTextVersion, user: User, campaign: Campaign, now: dt.datetime | None = None) -> str:
    """The pledge text (Markdown) with the signer's own data and the date of ``now`` in the
    instansi's zone. The signing page shows it and sends back ``chain.text_hash`` of it."""
    return fill_placeholders(version.body, placeholder_values(user, campaign, now, version.language))


#: placeholders in the cached HTML of a text (private-use characters: Markdown and the sanitiser
#: keep them as they are, and no pledge text contains them)
_SLOT_OPEN, _SLOT_CLOSE = "\ue000", "\ue001"
_SLOT = re.compile(f"{_SLOT_OPEN}([a-z_]+){_SLOT_CLOSE}")


@lru_cache(maxsize=64)
def _html_with_slots(body: str) -> str:
    """The text's HTML with a slot where each known placeholder was; rendered once per text and
    worker process (texts never change: a changed file is a new version)."""
    from .text import to_html

    slotted = PLACEHOLDER.sub(lambda m: f"{_SLOT_OPEN}{m.group(1)}{_SLOT_CLOSE}"
                              if m.group(1) in PLACEHOLDERS else m.group(0), body)
    return str(to_html(slotted))


def render_pledge_html(version: PledgeTextVersion, user: User, campaign: Campaign,
                       now: dt.datetime | None = None) -> tuple[str, Markup]:
    """``render_pledge`` and its HTML for the signing page, the HTML filled into the text's cached
    rendering (the same page as ``text.to_html(render_pledge(...))``, without parsing Markdown per
    request: a person's data is literal text either way)."""
    values = placeholder_values(user, campaign, now, version.language)
    markdown = fill_placeholders(version.body, values)
    html = _SLOT.sub(lambda m: str(escape(" ".join(values[m.group(1)].split()))), _html_with_slots(version.body))
    return markdown, Markup(html)  # noqa: S704 (sanitised template, escaped values)


# --- the signature image --------------------------------------------------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_DATA_URL = re.compile(r"\Adata:image/png;base64,(?P<data>[A-Za-z0-9+/=\s]*)\Z")
_VALID_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


def _bad_png() -> ServiceError:
    return ServiceError(_("Gambar tanda tangan tidak terbaca (bukan PNG yang sah). Hapus lalu gambar ulang."),
                        "bad_png")


def png_from_data_url(value: str) -> bytes:
    """The bytes of a ``data:image/png;base64,...`` URL (what signature_pad's toDataURL gives)."""
    if len(value) > MAX_PNG_BYTES * 4 // 3 + 64:
        raise ServiceError(_("Gambar tanda tangan terlalu besar (maksimal %(kb)s KB).", kb=MAX_PNG_BYTES // 1024),
                           "png_too_large")
    match = _DATA_URL.match(value.strip())
    if match is None:
        raise _bad_png()
    try:
        return base64.b64decode("".join(match.group("data").split()), validate=True)
    except (binascii.Error, ValueError):
        raise _bad_png() from None


@dataclass(frozen=True)
class PngLayout:
    width: int
    height: int
    depth: int
    colour: int
    interlace: int
    idat: bytes


#: The chunks a drawn signature may carry, and nothing else. signature_pad's ``toDataURL('image/png')``
#: is the browser's canvas encoder: Chromium (Skia) writes IHDR, sBIT, sRGB (or, for a wide-gamut
#: canvas, a small iCCP profile instead), IDAT, IEND; Firefox writes IHDR, IDAT, IEND; Safari (Apple
#: ImageIO) adds colour information (sRGB or iCCP), pHYs and, on larger images, Apple's iDOT (offsets
#: for parallel decoding, ignored by other decoders). Listed too, being fixed-size and inert: gAMA,
#: cHRM, bKGD, tIME. Critical chunks other than IHDR/IDAT/IEND (PLTE: the pad never writes a
#: palette) and every other ancillary chunk (tEXt, zTXt, iTXt, eXIf, ...: text and metadata a
#: signature has no use for, zTXt/iTXt inflating without bound) are refused. Each listed chunk
#: appears at most once, before the image data, with at most this many bytes.
ANCILLARY_CHUNKS = {b"sRGB": 1, b"gAMA": 4, b"cHRM": 32, b"sBIT": 4, b"pHYs": 9, b"bKGD": 6, b"tIME": 7,
                    b"iDOT": 28, b"iCCP": 64 * 1024}
#: the chunks the PNG specification gives one exact size (sBIT and bKGD: by colour type): another
#: size is refused, as Pillow refuses to decode a short sRGB, gAMA, cHRM or pHYs ("Truncated")
_EXACT_SIZES = {b"sRGB": 1, b"gAMA": 4, b"cHRM": 32, b"pHYs": 9, b"tIME": 7}
_SIZES_BY_COLOUR = {b"sBIT": {0: 1, 2: 3, 4: 2, 6: 4}, b"bKGD": {0: 2, 2: 6, 4: 2, 6: 6}}
#: an iCCP profile inflates to at most this (Skia's Display P3 profile: about 550 bytes)
MAX_ICC_BYTES = 64 * 1024
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
#: Adam7 passes: (x start, y start, x step, y step)
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _check_icc(body: bytes) -> None:
    """An iCCP chunk: a name of 1-79 bytes, NUL, method 0 and a zlib stream inflating to at most
    MAX_ICC_BYTES (a zlib bomb is refused after reading MAX_ICC_BYTES + 1 bytes)."""
    name_end = body.find(b"\0", 0, 80)
    if name_end < 1 or len(body) < name_end + 3 or body[name_end + 1] != 0:
        raise _bad_png()
    inflater = zlib.decompressobj()
    try:
        profile = inflater.decompress(body[name_end + 2:], MAX_ICC_BYTES + 1)
    except zlib.error:
        raise _bad_png() from None
    if len(profile) > MAX_ICC_BYTES or not inflater.eof or inflater.unused_data:
        raise _bad_png()


def parse_png(data: bytes) -> PngLayout:
    """Parse the PNG structure without decoding it: magic bytes, IHDR first and only once (length
    13, valid bit depth and colour type), every chunk within the data with a correct CRC, only the
    chunks a canvas writes (IHDR, IDAT, IEND and ANCILLARY_CHUNKS, bounded; an iCCP profile's
    inflated size too), the IDAT chunks one after another, IEND last. Raises ``bad_png`` (what
    decoders such as Pillow and reportlab would refuse later, when the record can no longer change,
    is refused here)."""
    if not data.startswith(PNG_MAGIC) or len(data) < 8 + 25 + 12:
        raise _bad_png()
    pos, first, seen_iend = 8, True, False
    width = height = depth = colour = interlace = 0
    idat: list[bytes] = []
    seen: set[bytes] = set()
    previous = b""
    while pos < len(data):
        if pos + 12 > len(data):
            raise _bad_png()
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise _bad_png()
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:end])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc or not kind.isalpha():
            raise _bad_png()
        if first:
            if kind != b"IHDR" or length != 13:
                raise _bad_png()
            width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
            if depth not in _VALID_DEPTHS.get(colour, ()) or compression or filtering or interlace > 1 \
                    or colour == 3:
                raise _bad_png()
            first = False
        elif kind == b"IDAT":
            if idat and previous != b"IDAT":  # image data split by another chunk
                raise _bad_png()
            idat.append(body)
        elif kind == b"IEND":
            seen_iend = True
            pos = end
            break
        elif kind in ANCILLARY_CHUNKS:
            # once each, before the image data (where the PNG specification puts them), bounded
            exact = _EXACT_SIZES.get(kind) or _SIZES_BY_COLOUR.get(kind, {}).get(colour)
            if idat or kind in seen or length > ANCILLARY_CHUNKS[kind] or (exact is not None and length != exact):
                raise _bad_png()
            if kind == b"iCCP":
                _check_icc(body)
            seen.add(kind)
        else:  # a second IHDR, PLTE, text, metadata, unknown chunks
            raise _bad_png()
        previous = kind
        pos = end
    if not (idat and seen_iend) or pos != len(data):
        raise _bad_png()
    return PngLayout(width, height, depth, colour, interlace, b"".join(idat))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a structurally valid PNG (``parse_png``); raises ``bad_png``."""
    layout = parse_png(data)
    return layout.width, layout.height


def _raw_size(layout: PngLayout) -> int:
    """The exact size of the inflated image data the header promises (filter bytes included)."""
    bits = _CHANNELS[layout.colour] * layout.depth

    def rows(width: int, height: int) -> int:
        return height * (1 + (width * bits + 7) // 8) if width and height else 0

    if not layout.interlace:
        return rows(layout.width, layout.height)
    return sum(rows((layout.width - x0 + dx - 1) // dx, (layout.height - y0 + dy - 1) // dy)
               for x0, y0, dx, dy in _ADAM7)


def inflate_pixels(layout: PngLayout) -> bytes:
    """The image data, inflated, after checking that it inflates to exactly the size the header
    promises (never more than that plus one byte is inflated: a zlib bomb in IDAT stops there) and,
    when not interlaced, that every row has a valid filter type. Raises ``bad_png``."""
    expected = _raw_size(layout)
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(layout.idat, expected + 1)
    except zlib.error:
        raise _bad_png() from None
    if len(raw) != expected or not inflater.eof or inflater.unused_data or inflater.unconsumed_tail:
        raise _bad_png()
    if not layout.interlace:
        stride = expected // layout.height
        if max(raw[::stride]) > 4:  # each row's filter type
            raise _bad_png()
    return raw


#: a drawn signature with at least this many non-zero alpha bytes in its (filtered) pixel data is
#: inked beyond doubt and is not decoded (see _stroke_bytes); fewer go through the full check (_ink)
CLEAR_INK_BYTES = 500


def _stroke_bytes(layout: PngLayout, raw: bytes) -> int | None:
    """For the PNGs signature_pad makes (8-bit grey+alpha or RGBA, not interlaced, transparent
    background): the number of non-zero alpha bytes in the filtered pixel data ``raw``
    (``inflate_pixels``). 0 means fully transparent: every PNG filter of an all-zero channel is
    zero, and the first non-zero alpha value in scan order always shows as itself. None for other
    kinds of PNG (decoded instead)."""
    if layout.depth != 8 or layout.colour not in (4, 6) or layout.interlace:
        return None
    # PNG filters work per channel (the neighbour ``bpp`` bytes back): the alpha bytes alone say
    # where the image is not transparent, whatever colour its transparent pixels carry
    bpp = 2 if layout.colour == 4 else 4
    stride = 1 + layout.width * bpp
    alpha = b"".join(raw[row + bpp:row + stride:bpp] for row in range(0, len(raw), stride))
    return len(alpha) - alpha.count(0)


def _check_png_dimensions(width: int, height: int) -> None:
    if not (PNG_WIDTH[0] <= width <= PNG_WIDTH[1] and PNG_HEIGHT[0] <= height <= PNG_HEIGHT[1]):
        raise ServiceError(
            _("Ukuran gambar tanda tangan %(w)s×%(h)s piksel tidak diterima (lebar %(wmin)s–%(wmax)s, tinggi "
              "%(hmin)s–%(hmax)s piksel).", w=width, h=height, wmin=PNG_WIDTH[0], wmax=PNG_WIDTH[1],
              hmin=PNG_HEIGHT[0], hmax=PNG_HEIGHT[1]),
            "png_dimensions",
        )


def stored_signature_problem(data: bytes | None) -> str | None:
    """Why a stored drawn signature cannot be drawn safely (the PDFs check a record before drawing
    it: records signed before these checks existed may carry anything), or None. The structure,
    chunks, size, dimensions and image data as ``check_signature_png`` checks them, without the ink."""
    if not data:
        return "no image"
    if len(data) > MAX_PNG_BYTES:
        return f"{len(data)} bytes, more than {MAX_PNG_BYTES}"
    try:
        layout = parse_png(data)
        _check_png_dimensions(layout.width, layout.height)
        inflate_pixels(layout)
    except ServiceError as exc:
        return exc.code
    return None


def check_signature_png(data: bytes | None) -> tuple[int, int]:
    """Refuse what is not a usable drawn signature: not a PNG / malformed (``bad_png``), over
    MAX_PNG_BYTES (``png_too_large``), outside PNG_WIDTH × PNG_HEIGHT (``png_dimensions``), or
    without ink (``signature_blank``: flattened on white, too few dark pixels or a tiny inked
    area). Returns (width, height).

    signature_pad's PNGs are checked without decoding them with Pillow: the structure and chunks
    (``parse_png``), the pixel data's exact size and filters (``inflate_pixels``, for every PNG);
    fully transparent is blank, and one with plenty of strokes (CLEAR_INK_BYTES) is accepted as it
    is. Everything else, a few strokes or a dot included, is decoded and measured (``_ink``). (So a crafted request could sign with a colour
    barely visible on paper; the pad draws dark ink.)"""
    if not data:
        raise ServiceError(_("Tanda tangan belum digambar."), "signature_blank")
    if len(data) > MAX_PNG_BYTES:
        raise ServiceError(_("Gambar tanda tangan terlalu besar (maksimal %(kb)s KB).", kb=MAX_PNG_BYTES // 1024),
                           "png_too_large")
    layout = parse_png(data)
    width, height = layout.width, layout.height
    _check_png_dimensions(width, height)
    raw = inflate_pixels(layout)
    strokes = _stroke_bytes(layout, raw)
    if strokes == 0 or ((strokes is None or strokes < CLEAR_INK_BYTES) and _ink(data) is None):
        raise ServiceError(_("Tanda tangan kosong atau terlalu kecil. Gambar tanda tangan Anda di kotak yang "
                             "tersedia."), "signature_blank")
    return width, height


#: darkness (255 - grey) above this after flattening on white paper is ink: grey < 160
_INK_LUT = [255 if v > 95 else 0 for v in range(256)]


def _ink(data: bytes) -> tuple[int, int, int, int] | None:
    """The bounding box of the dark pixels (as they would look flattened on white paper), or None
    when the image is (nearly) blank. Works on the bands directly: darkness = alpha × (255 − grey)
    / 255 is what compositing on white and converting to grey gives, in a third of the time."""
    from PIL import Image, ImageChops, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as image:
            image.load()
            if image.mode == "LA":
                grey, alpha = image.split()
            elif image.mode in ("L", "RGB"):
                grey, alpha = image.convert("L"), None
            else:  # RGBA, palettes (with transparency), 16-bit, ...
                rgba = image.convert("RGBA")
                grey, alpha = rgba.convert("L"), rgba.getchannel("A")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _bad_png() from None
    darkness = ImageChops.invert(grey)
    if alpha is not None:
        darkness = ImageChops.multiply(alpha, darkness)
    ink = darkness.point(_INK_LUT)
    box = ink.getbbox()
    if box is None:
        return None
    if box[2] - box[0] < MIN_INK_SPAN and box[3] - box[1] < MIN_INK_SPAN:
        return None
    if ink.crop(box).tobytes().count(255) < MIN_INK_PIXELS:
        return None
    return box


# --- the typed name -------------------------------------------------------------------------------

#: academic and religious titles written before a name (gelar depan)
PREFIX_TITLES = frozenset({"dr", "drs", "dra", "drg", "ir", "prof", "h", "hj", "hc", "kh", "ns", "apt", "ust",
                           "bd", "tn", "ny"})
_DEGREE = re.compile(r"^[A-Za-z]{1,4}\.(?:[A-Za-z]{1,5}\.?)*$")


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalpha())


def _name_variants(text: str) -> set[str]:
    """The name as letters only, with and without titles (gelar depan, and gelar belakang after a
    comma or as trailing tokens like ``S.Pd``)."""
    text = " ".join(text.split())
    variants = {_letters(text)}
    main = text.split(",", 1)[0]
    variants.add(_letters(main))
    tokens = main.split(" ")
    while len(tokens) > 1 and tokens[0].rstrip(".").casefold() in PREFIX_TITLES:
        tokens = tokens[1:]
    while len(tokens) > 1 and "." in tokens[-1].rstrip(".") and _DEGREE.match(tokens[-1]):
        tokens = tokens[:-1]
    variants.add(_letters(" ".join(tokens)))
    variants.discard("")
    return variants


def typed_name_matches(typed: str, name: str) -> bool:
    """The typed full name equals the person's name, ignoring academic titles, case, spaces and
    punctuation (``ahmad fauzi`` matches ``Dr. H. Ahmad Fauzi, S.Pd., M.Si.``)."""
    return bool(_name_variants(typed) & _name_variants(name))


# --- signing --------------------------------------------------------------------------------------


def signature_for(campaign_id: int, user_id: int) -> PledgeSignature | None:
    return db.session.scalar(
        select(PledgeSignature).where(PledgeSignature.campaign_id == campaign_id, PledgeSignature.user_id == user_id)
    )


def has_signed(campaign_id: int, user_id: int) -> bool:
    """Whether the person signed the campaign (one indexed lookup, no record loaded; the statement is
    built once per process)."""
    return db.session.scalar(_has_signed_statement(), {"campaign_id": campaign_id, "user_id": user_id}) is not None


@functools.cache
def _has_signed_statement() -> Any:
    return (select(PledgeSignature.id).where(PledgeSignature.campaign_id == bindparam("campaign_id"),
                                             PledgeSignature.user_id == bindparam("user_id")).limit(1))


def signature_by_verify_code(code: str) -> PledgeSignature | None:
    if not code or len(code) > 32:
        return None
    return db.session.scalar(select(PledgeSignature).where(PledgeSignature.verify_code == code))


def _already_signed() -> ServiceError:
    return ServiceError(_("Anda sudah menandatangani pakta integritas kampanye ini."), "already_signed")


def _chain_busy() -> ServiceError:
    return ServiceError(_("Sistem sedang sibuk mencatat tanda tangan lain. Coba kirim lagi."), "chain_busy")


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def lock_chain_head(instansi_id: int) -> tuple[int, str]:
    """Lock the instansi's chain head (creating it when missing) and return (last_seq, last_hash).
    Held until the transaction ends. See the module docstring for how each database locks."""
    head = PledgeChainHead.__table__
    if _is_sqlite():
        # a no-op UPDATE takes the write lock and, with RETURNING, reads the head in one statement
        locked: Any = (update(head).where(head.c.instansi_id == instansi_id).values(last_seq=head.c.last_seq)
                       .returning(head.c.last_seq, head.c.last_hash))
        try:
            row = db.session.execute(locked).one_or_none()
        except OperationalError as exc:  # "database is locked": an old read snapshot; start again
            raise _chain_busy() from exc
    else:
        locked = select(head.c.last_seq, head.c.last_hash).where(head.c.instansi_id == instansi_id).with_for_update()
        row = db.session.execute(locked).one_or_none()
    if row is None:
        # the first signature of this instansi (or a head lost): start from the last record, if any
        last = db.session.execute(
            select(PledgeSignature.seq, PledgeSignature.record_hash)
            .where(PledgeSignature.instansi_id == instansi_id)
            .order_by(PledgeSignature.seq.desc()).limit(1)
        ).one_or_none()
        try:
            with db.session.begin_nested():
                db.session.execute(insert(head).values(
                    instansi_id=instansi_id, last_seq=last.seq if last else 0,
                    last_hash=last.record_hash if last else GENESIS_HASH,
                ))
        except IntegrityError:
            pass  # a concurrent first signer created it; lock theirs
        row = db.session.execute(locked).one()
    return int(row.last_seq), str(row.last_hash)


def _check_signer(campaign: Campaign, user: User, now: dt.datetime) -> None:
    if user.instansi_id is None or user.instansi_id != campaign.instansi_id:
        raise ServiceError(_("Kampanye ini milik instansi lain."), "wrong_instansi")
    if not user.active:
        raise ServiceError(_("Akun Anda tidak aktif."), "inactive")
    state = campaign_state(campaign, now)
    if state == "upcoming":
        raise ServiceError(_("Penandatanganan kampanye ini baru dibuka tanggal %(date)s.",
                             date=long_date(campaign.opens_on)), "campaign_not_open")
    if state == "closed":
        raise ServiceError(_("Penandatanganan kampanye ini sudah ditutup tanggal %(date)s.",
                             date=long_date(campaign.closes_on)), "campaign_closed")


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value else None


def _checked_typed_name(typed_name: str | None, user: User) -> str:
    """The typed full name with its spaces tidied, or ServiceError ``typed_name_mismatch``."""
    typed_name = " ".join((typed_name or "").split())
    if not typed_name:  # nothing typed is not "a name that differs from yours"
        raise ServiceError(_("Ketik nama lengkap Anda (%(name)s); gelar boleh tidak ditulis.", name=user.name),
                           "typed_name_mismatch")
    if len(typed_name) > 200 or not typed_name_matches(typed_name, user.name):
        raise ServiceError(_("Nama yang diketik tidak sama dengan nama Anda (%(name)s). Ketik nama lengkap "
                             "Anda; gelar boleh tidak ditulis.", name=user.name), "typed_name_mismatch")
    return typed_name


def signature_input_problems(user: User, method: str | None, signature_data_url: str | None,
                             typed_name: str | None) -> list[ServiceError]:
    """What is wrong with the signature itself (the drawing, or the typed name), checked on its own,
    so a refused form lists it together with its other problems (consent, password). The same
    checks as ``prepare_signature``'s for the method; nothing about the campaign or the text. A
    missing or unknown method: nothing here (the form reports it)."""
    try:
        if method == SigningMethod.DRAWN.value:
            if not (signature_data_url or "").strip():
                raise ServiceError(_("Tanda tangan belum digambar."), "signature_blank")
            check_signature_png(png_from_data_url(signature_data_url or ""))
        elif method == SigningMethod.TYPED.value:
            _checked_typed_name(typed_name, user)
    except ServiceError as exc:
        return [exc]
    return []


@dataclass(frozen=True)
class PreparedSignature:
    """Everything of a signature record except its place in the chain: the checked signer, text and
    image, ready to append. Made by ``prepare_signature`` outside the chain lock."""

    instansi_id: int
    campaign_id: int
    user_id: int
    values: Mapping[str, object]


def prepare_signature(
    campaign: Campaign,
    user: User,
    *,
    method: SigningMethod | str,
    signature_png: bytes | None,
    typed_name: str | None,
    rendered_text_hash: str,
    ip: str | None,
    user_agent: str | None,
    now: dt.datetime | None = None,
) -> PreparedSignature:
    """Check a signature and build its record, without touching the chain (so the slow part, the
    image check and the text, runs before the chain lock is taken).

    Checks, each refusal a ServiceError with a stable code: the signer belongs to the campaign's
    instansi (``wrong_instansi``) and is active (``inactive``); the campaign is open today in the
    instansi's zone (``campaign_not_open`` / ``campaign_closed``); the method (``bad_method``);
    drawn: the PNG (``bad_png``, ``png_too_large``, ``png_dimensions``, ``signature_blank``);
    typed: the name (``typed_name_mismatch``); the hash of the text the signer saw equals the text
    rendered now (``text_changed``: the text, their data or the date changed; show it again).
    Whether the person signed already is checked by ``append_signature``, under the lock."""
    now = now or utcnow()
    _check_signer(campaign, user, now)
    try:
        method = SigningMethod(method)
    except ValueError:
        raise ServiceError(_("Cara tanda tangan tidak dikenal."), "bad_method") from None
    if method is SigningMethod.DRAWN:
        check_signature_png(signature_png)
        typed_name = None
    else:
        signature_png = None
        typed_name = _checked_typed_name(typed_name, user)
    version = campaign.pledge_version
    text = render_pledge(version, user, campaign, now)
    text_hash = chain.text_hash(text)
    if (rendered_text_hash or "").strip().lower() != text_hash:
        raise ServiceError(_("Teks pakta berubah sejak halaman dibuka (misalnya tanggal atau data Anda). "
                             "Baca teks terbaru lalu tanda tangani lagi."), "text_changed")
    unit = user.unit
    values = {
        "instansi_id": campaign.instansi_id, "campaign_id": campaign.id, "user_id": user.id,
        "unit_id": unit.id if unit is not None else None, "skpd_id": unit.skpd_id if unit is not None else None,
        "signer_name": user.name, "signer_nip": user.employee_number, "signer_jabatan": user.jabatan,
        "signer_golongan": user.golongan, "is_skpd_head": is_skpd_head(user), "pledge_version_id": version.id,
        "rendered_text": text, "text_hash": text_hash, "method": method, "signature_png": signature_png,
        "typed_name": typed_name, "signed_at": now, "ip": _clip(ip, 64), "user_agent": _clip(user_agent, 512),
        "verify_code": secrets.token_urlsafe(16),
    }
    return PreparedSignature(campaign.instansi_id, campaign.id, user.id, values)


def _insert_link(prepared: PreparedSignature, last_seq: int, last_hash: str) -> PledgeSignature:
    """Insert the record as the next link after (last_seq, last_hash), which the caller holds
    locked, and move the chain head to it. Returns the record as inserted (not attached to the
    session). A second signature of the same campaign, or a taken seq, raises IntegrityError."""
    row = PledgeSignature(**prepared.values, seq=last_seq + 1, prev_hash=last_hash)
    row.record_hash = chain.record_hash(row)
    row.hmac_key_id, row.record_mac = chain.record_mac(row.record_hash)
    table = PledgeSignature.__table__
    values = {column.key: getattr(row, column.key) for column in table.columns if column.key != "id"}
    row.id = db.session.execute(insert(table).values(values).returning(table.c.id)).scalar_one()
    head = PledgeChainHead.__table__
    db.session.execute(update(head).where(head.c.instansi_id == row.instansi_id)
                       .values(last_seq=row.seq, last_hash=row.record_hash))
    return row


def append_signature(prepared: PreparedSignature) -> PledgeSignature:
    """Append a prepared signature to its instansi's chain: lock the chain head, insert with the
    next seq and the previous record's hash, move the head. A second signature of the same campaign
    is refused by the unique (campaign_id, user_id) (``already_signed``; a double submit never
    makes a second row). Runs in a SAVEPOINT; the caller commits. Raises ``chain_busy`` when the
    backstop constraints keep refusing. Returns the record (in the session)."""
    for _attempt in range(CHAIN_RETRIES):
        last_seq, last_hash = lock_chain_head(prepared.instansi_id)
        try:
            with db.session.begin_nested():
                row = _insert_link(prepared, last_seq, last_hash)
        except IntegrityError:
            # signed already (a double submit), or (the backstop) someone took this seq meanwhile
            if has_signed(prepared.campaign_id, prepared.user_id):
                raise _already_signed() from None
            continue
        make_transient_to_detached(row)  # the inserted row, in the session without loading it again
        db.session.add(row)
        return row
    raise _chain_busy()


def sign(campaign: Campaign, user: User, **kwargs: object) -> PledgeSignature:
    """Record ``user``'s signature of ``campaign``'s pledge (``prepare_signature`` + ``append_signature``,
    same arguments and refusals). Flushes; the caller commits (or use ``sign_and_commit``)."""
    return append_signature(prepare_signature(campaign, user, **kwargs))  # type: ignore[arg-type]


def sign_and_commit(campaign: Campaign, user: User, *, attempts: int = CHAIN_RETRIES,
                    **kwargs: object) -> PledgeSignature:
    """The unit of work of a signature (the signing view; tests): checks and builds the record first
    (no lock held), then per attempt locks the chain head (on SQLite as the first statement of a
    fresh transaction), inserts the record and moves the head with plain statements (no SAVEPOINT:
    a refusal rolls the attempt back) and commits: the lock is held only for these few statements.
    The caller commits its own work before (a refusal rolls back whatever is pending). A double submit is
    ``already_signed``; a lost race (a taken seq, ``chain_busy``, a lock timeout, a deadlock) rolls
    back and tries again; any other ServiceError rolls back and is raised. Returns the record as
    inserted (not attached to the session)."""
    try:
        prepared = prepare_signature(campaign, user, **kwargs)  # type: ignore[arg-type]
    except ServiceError:
        db.session.rollback()
        raise
    if _is_sqlite():
        # the reads above hold a snapshot; SQLite would refuse the lock statement at once if another
        # connection committed since ("database is locked"): start a fresh transaction with it.
        # (PostgreSQL's FOR UPDATE waits and then sees the latest rows: nothing to end.)
        db.session.commit()
    for attempt in range(attempts):
        try:
            row = _insert_link(prepared, *lock_chain_head(prepared.instansi_id))
            db.session.commit()
            return row
        except IntegrityError:
            db.session.rollback()
            signed = has_signed(prepared.campaign_id, prepared.user_id)
            db.session.rollback()  # (SQLite: the next lock statement must start its transaction)
            if signed:
                raise _already_signed() from None
        except ServiceError as exc:
            db.session.rollback()
            if exc.code != "chain_busy":
                raise
        except OperationalError:
            db.session.rollback()
        time.sleep(0.005 * (attempt + 1) + secrets.randbelow(10) / 1000)
    raise _chain_busy()


# --- campaigns ------------------------------------------------------------------------------------

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def current_pledge_version(slug: str) -> PledgeTextVersion | None:
    """The version of the text the file in pledges/ holds now (what a new campaign uses)."""
    return db.session.scalar(
        select(PledgeTextVersion).join(PledgeText, PledgeText.id == PledgeTextVersion.pledge_text_id)
        .where(PledgeText.slug == slug, PledgeTextVersion.number == PledgeText.current_number)
    )


def _check_dates(opens_on: dt.date, closes_on: dt.date) -> None:
    if not isinstance(opens_on, dt.date) or not isinstance(closes_on, dt.date):
        raise ServiceError(_("Tanggal buka dan tanggal tutup wajib diisi."), "bad_dates")
    if closes_on < opens_on:
        raise ServiceError(_("Tanggal tutup tidak boleh sebelum tanggal buka."), "bad_dates")


def _check_goal(opens_on: dt.date, election_date: dt.date | None, target_percent: int | None,
                target_date: dt.date | None) -> None:
    """The election date and the target: all optional; the target 1..100 %, neither day before
    the campaign opens, a target day only with a target share."""
    if target_percent is not None and (isinstance(target_percent, bool) or not isinstance(target_percent, int)
                                       or not 1 <= target_percent <= 100):
        raise ServiceError(_("Target harus bilangan bulat antara 1 dan 100 persen."), "bad_target")
    for value in (election_date, target_date):
        if value is not None and not isinstance(value, dt.date):
            raise ServiceError(_("Tanggal tidak sah."), "bad_dates")
    if election_date is not None and election_date < opens_on:
        raise ServiceError(_("Tanggal pemungutan suara tidak boleh sebelum tanggal kampanye dibuka."),
                           "bad_election_date")
    if target_date is not None:
        if target_percent is None:
            raise ServiceError(_("Isi target (persen) bila tanggal target diisi."), "bad_target")
        if target_date < opens_on:
            raise ServiceError(_("Tanggal target tidak boleh sebelum tanggal kampanye dibuka."), "bad_target_date")


def _goal_details(campaign: Campaign) -> dict[str, object]:
    return {
        "election_date": campaign.election_date.isoformat() if campaign.election_date else None,
        "target_percent": campaign.target_percent,
        "target_date": campaign.target_date.isoformat() if campaign.target_date else None,
    }


def create_campaign(
    instansi: Instansi,
    *,
    slug: str,
    name: str,
    election_type: ElectionType | str,
    pledge_version: PledgeTextVersion,
    place: str,
    opens_on: dt.date,
    closes_on: dt.date,
    actor: User | None,
    election_date: dt.date | None = None,
    target_percent: int | None = None,
    target_date: dt.date | None = None,
) -> Campaign:
    """A signing campaign of one instansi (audited as ``pledge.campaign_create``). The election
    date and the target (share of the roster fully done, by ``target_date`` or else the election
    date or closes_on) are optional: they mark the rekap charts."""
    slug = (slug or "").strip().lower()
    name = " ".join((name or "").split())
    place = " ".join((place or "").split())
    if not _SLUG.match(slug) or len(slug) > 64:
        raise ServiceError(_("Kode kampanye hanya boleh huruf kecil, angka dan tanda hubung (maksimal 64)."),
                           "bad_slug")
    if not name or len(name) > 200:
        raise ServiceError(_("Nama kampanye wajib diisi (maksimal 200 karakter)."), "bad_name")
    if not place or len(place) > 120:
        raise ServiceError(_("Tempat penandatanganan wajib diisi (maksimal 120 karakter)."), "bad_place")
    try:
        election_type = ElectionType(election_type)
    except ValueError:
        raise ServiceError(_("Jenis pemilihan harus pemilu atau pilkada."), "bad_election_type") from None
    _check_dates(opens_on, closes_on)
    _check_goal(opens_on, election_date, target_percent, target_date)
    taken = db.session.scalar(select(func.count()).select_from(Campaign)
                              .where(Campaign.instansi_id == instansi.id, Campaign.slug == slug))
    if taken:
        raise ServiceError(_("Kampanye dengan kode %(slug)s sudah ada.", slug=slug), "duplicate")
    campaign = Campaign(
        instansi_id=instansi.id, slug=slug, name=name, election_type=election_type,
        pledge_version_id=pledge_version.id, place=place, opens_on=opens_on, closes_on=closes_on,
        election_date=election_date, target_percent=target_percent, target_date=target_date,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(campaign)
    db.session.flush()
    record("pledge.campaign_create", actor=actor, instansi_id=instansi.id, target=campaign, details={
        "slug": slug, "name": name, "election_type": election_type.value, "pledge_version_id": pledge_version.id,
        "opens_on": opens_on.isoformat(), "closes_on": closes_on.isoformat(), **_goal_details(campaign),
    })
    return campaign


#: "leave as it is" for the optional fields of ``update_campaign_dates``
KEEP: Any = object()


def update_campaign_dates(campaign: Campaign, *, opens_on: dt.date, closes_on: dt.date,
                          actor: User | None, election_date: dt.date | None = KEEP,
                          target_percent: int | None = KEEP, target_date: dt.date | None = KEEP) -> bool:
    """Move a campaign's signing window and set its election date and target (each left as it is
    when not given; None clears it), audited as ``pledge.campaign_dates`` with old and new values.
    Signatures already made stay valid. Returns False when nothing changed."""
    _check_dates(opens_on, closes_on)
    election_date = campaign.election_date if election_date is KEEP else election_date
    target_percent = campaign.target_percent if target_percent is KEEP else target_percent
    target_date = campaign.target_date if target_date is KEEP else target_date
    _check_goal(opens_on, election_date, target_percent, target_date)
    new = (opens_on, closes_on, election_date, target_percent, target_date)
    if (campaign.opens_on, campaign.closes_on, campaign.election_date, campaign.target_percent,
            campaign.target_date) == new:
        return False
    details: dict[str, Any] = {"from": [campaign.opens_on.isoformat(), campaign.closes_on.isoformat()],
                               "to": [opens_on.isoformat(), closes_on.isoformat()],
                               "goal_from": _goal_details(campaign)}
    (campaign.opens_on, campaign.closes_on, campaign.election_date, campaign.target_percent,
     campaign.target_date) = new
    details["goal_to"] = _goal_details(campaign)
    db.session.flush()
    record("pledge.campaign_dates", actor=actor, instansi_id=campaign.instansi_id, target=campaign, details=details)
    return True


# --- removing a whole instansi ----------------------------------------------------------------------


def delete_instansi_pledges(instansi_id: int) -> int:
    """Delete every signature, chain head and campaign of one instansi — only for removing the
    instansi itself (``seed-demo --reset``). The immutability triggers are switched off inside the
    caller's transaction for this (PostgreSQL: ALTER TABLE ... DISABLE TRIGGER, which locks the table
    until commit; SQLite: the triggers are dropped and created again) and are back on when it
    commits or rolls back. Returns the number of signatures deleted. Flushes only."""
    from sqlalchemy import delete, text

    from .models import SQLITE_TRIGGER_DDL

    signatures = PledgeSignature.__table__
    dialect = db.session.get_bind().dialect.name
    db.session.flush()
    if dialect == "postgresql":
        db.session.execute(text("ALTER TABLE pledge_signatures DISABLE TRIGGER pledge_signatures_immutable"))
    elif dialect == "sqlite":
        db.session.execute(text("DROP TRIGGER IF EXISTS pledge_signatures_no_update"))
        db.session.execute(text("DROP TRIGGER IF EXISTS pledge_signatures_no_delete"))
    deleted = db.session.execute(delete(signatures).where(signatures.c.instansi_id == instansi_id)).rowcount
    if dialect == "postgresql":
        db.session.execute(text("ALTER TABLE pledge_signatures ENABLE TRIGGER pledge_signatures_immutable"))
    elif dialect == "sqlite":
        for statement in SQLITE_TRIGGER_DDL:
            db.session.execute(text(statement))
    head = PledgeChainHead.__table__
    db.session.execute(delete(head).where(head.c.instansi_id == instansi_id))
    campaigns = Campaign.__table__
    db.session.execute(delete(campaigns).where(campaigns.c.instansi_id == instansi_id))
    db.session.expire_all()
    return int(deleted or 0)
