"""Reading roster files (CSV or XLSX) into rows of text cells.

A roster is whatever HR exported from SIASN/SIMPEG or typed in Excel, so the reader is
lenient about the container and strict about nothing else:

- CSV with ``,`` ``;`` or tab separators (sniffed from the header line), UTF-8 with or without
  BOM, UTF-16 (Excel's "Unicode text"), else Windows-1252;
- XLSX through openpyxl in read-only mode (streamed, first worksheet);
- the header row may sit below a few title rows; headers are matched case-, space- and
  punctuation-insensitively against :data:`ALIASES`.

Line numbers are the spreadsheet's row numbers (the header is line 1 in a plain file), so an
HR clerk can find a reported row in Excel. Rows are streamed: nothing holds the whole file's
rows in memory.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: the fields a roster may carry, in the order rows are yielded
FIELDS = (
    "nip",
    "name",
    "golongan",
    "jabatan",
    "jenis_jabatan",
    "employee_type",
    "skpd",
    "unit_kerja",
    "email",
    "phone",
)
F_NIP, F_NAME, F_GOLONGAN, F_JABATAN, F_JENIS_JABATAN, F_TYPE, F_SKPD, F_UNIT, F_EMAIL, F_PHONE = range(len(FIELDS))

FIELD_LABELS = {
    "nip": _l("NIP / NI PPPK"),
    "name": _l("Nama"),
    "golongan": _l("Golongan"),
    "jabatan": _l("Jabatan"),
    "jenis_jabatan": _l("Jenis jabatan"),
    "employee_type": _l("Jenis pegawai"),
    "skpd": _l("Perangkat daerah (SKPD)"),
    "unit_kerja": _l("Unit kerja"),
    "email": _l("Email"),
    "phone": _l("No HP"),
}


def header_key(text: object) -> str:
    """``' Gol/Ruang '`` -> ``'golruang'``: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]+", "", str(text or "").casefold())


#: header aliases per field, in order of preference (the first alias found wins)
ALIASES: dict[str, tuple[str, ...]] = {
    "nip": ("NIP Baru", "NIP", "NIP/NI PPPK", "NI PPPK", "NIP PPPK", "NIP/NIPPPK", "Nomor Induk Pegawai",
            "NIP/NRP", "Nomor Pegawai"),
    "name": ("Nama", "Nama Lengkap", "Nama Pegawai", "Nama PNS", "Nama ASN", "Nama Lengkap dan Gelar",
             "Nama dan Gelar"),
    "golongan": ("Golongan", "Gol", "Gol/Ruang", "Golongan/Ruang", "Pangkat/Golongan", "Pangkat/Gol",
                 "Pangkat/Gol/Ruang", "Pangkat/Golongan/Ruang", "Gol. Ruang", "Pangkat"),
    "jabatan": ("Jabatan", "Nama Jabatan", "Jabatan Terakhir"),
    "jenis_jabatan": ("Jenis Jabatan", "Jenis Jab"),
    "employee_type": ("Jenis Pegawai", "Status Kepegawaian", "Status Pegawai", "Jenis ASN", "Status ASN",
                      "Kedudukan Pegawai"),
    "skpd": ("SKPD", "OPD", "Perangkat Daerah", "Unit Organisasi", "Nama SKPD", "Nama OPD", "Unor Induk",
             "Satuan Kerja Perangkat Daerah"),
    "unit_kerja": ("Unit Kerja", "Sub Unit", "Sub Unit Kerja", "Subunit", "Unor", "Nama Unit Kerja"),
    "email": ("Email", "Alamat Email", "Email Dinas", "Surel"),
    "phone": ("No HP", "Nomor HP", "HP", "No Handphone", "Nomor Handphone", "No Telp", "No Telepon",
              "Nomor Telepon", "Telepon", "No WA", "Nomor WA"),
}
_ALIAS_RANK: dict[str, tuple[str, int]] = {}
for _field, _names in ALIASES.items():
    for _rank, _name in enumerate(_names):
        _ALIAS_RANK.setdefault(header_key(_name), (_field, _rank))

#: how many rows above the header (titles such as "DAFTAR PEGAWAI ...") are tolerated
MAX_HEADER_SEARCH = 10
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
CSV_EXTENSIONS = (".csv", ".txt", ".tsv")


class RosterFileError(Exception):
    """The file as a whole can't be read: wrong type, undecodable, no NIP or Nama column."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def map_headers(headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """Return ``{field: column index}`` and the headers that match no field (or a field twice)."""
    best: dict[str, tuple[int, int]] = {}
    for index, header in enumerate(headers):
        hit = _ALIAS_RANK.get(header_key(header))
        if hit is None:
            continue
        name, rank = hit
        if name not in best or rank < best[name][0]:
            best[name] = (rank, index)
    mapping = {name: index for name, (_rank, index) in best.items()}
    used = set(mapping.values())
    unknown = [h.strip() for i, h in enumerate(headers) if i not in used and str(h).strip()]
    return mapping, unknown


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a clerk sees.

    Integers stay exact. A float that holds a whole number small enough to be exact becomes
    that number; a larger one (an 18-digit NIP stored as a number, already rounded by Excel to
    15 significant digits) keeps its scientific form so the NIP check reports ``excel_mangled``.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _sniff_delimiter(text: str) -> str:
    for line in text.splitlines():
        if line.strip(" ,;\t"):
            counts = {d: line.count(d) for d in (";", ",", "\t")}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


@dataclass
class RosterFile:
    """An opened roster: where its header is, what each column means, and its rows."""

    format: str  # "csv" or "xlsx"
    filename: str
    header_line: int
    headers: list[str]
    mapping: dict[str, int]
    unknown_columns: list[str]
    _raw_rows: Callable[[], Iterator[list[str]]] = field(repr=False)

    def has(self, name: str) -> bool:
        return name in self.mapping

    def raw_rows(self) -> Iterator[list[str]]:
        """Every row of the file from the top, as text cells (titles and header included)."""
        return self._raw_rows()

    def rows(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, tuple[str, ...]]]:
        """``(line, values in FIELDS order)`` for each non-blank data row.

        ``start``/``stop`` count data rows (blank rows are not counted), so a caller can
        process the file in chunks.
        """
        picks = [self.mapping.get(name, -1) for name in FIELDS]
        width = max(picks) + 1
        n = -1
        for line, raw in enumerate(self._raw_rows(), start=1):
            if line <= self.header_line:
                continue
            if not any(raw) or not "".join(raw).strip():
                continue
            n += 1
            if n < start:
                continue
            if stop is not None and n >= stop:
                return
            if len(raw) < width:
                raw = raw + [""] * (width - len(raw))
            yield line, tuple(raw[i].strip() if i >= 0 else "" for i in picks)

    def column(self, name: str) -> Iterator[str]:
        """The cells of one field in every non-blank data row (cheaper than ``rows()``)."""
        index = self.mapping.get(name, -1)
        for line, raw in enumerate(self._raw_rows(), start=1):
            if line <= self.header_line or not any(raw) or not "".join(raw).strip():
                continue
            yield raw[index].strip() if 0 <= index < len(raw) else ""

    def count_rows(self) -> int:
        return sum(1 for _ in self.rows())

    def to_csv_bytes(self) -> bytes:
        """The whole sheet as UTF-8 CSV with the same row numbers (used to store an XLSX once)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for raw in self._raw_rows():
            writer.writerow(raw)
        return out.getvalue().encode("utf-8")


def _csv_source(data: bytes) -> Callable[[], Iterator[list[str]]]:
    text = _decode(data)
    if "\x00" in text:
        raise RosterFileError(
            "unsupported_type",
            _("Berkas ini bukan CSV atau XLSX. Simpan data pegawai sebagai .xlsx atau .csv lalu unggah lagi."),
        )
    delimiter = _sniff_delimiter(text[:65536])

    def source() -> Iterator[list[str]]:
        return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    return source


def _xlsx_source(data: bytes) -> Callable[[], Iterator[list[str]]]:
    import openpyxl

    def load():  # type: ignore[no-untyped-def]
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)

    try:
        load().close()
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise RosterFileError(
            "unreadable",
            _("Berkas XLSX ini rusak atau tidak bisa dibaca. Buka di Excel, simpan ulang sebagai .xlsx, lalu unggah lagi."),
        ) from None

    def source() -> Iterator[list[str]]:
        workbook = load()
        try:
            sheet = workbook.worksheets[0]
            for row in sheet.iter_rows(values_only=True):
                yield [cell_text(v) for v in row]
        finally:
            workbook.close()

    return source


def open_roster(data: bytes, filename: str = "") -> RosterFile:
    """Open a roster from its bytes; raise :class:`RosterFileError` when it can't be read."""
    name = filename.lower()
    ext = Path(name).suffix
    if not data.strip():
        raise RosterFileError("empty", _("Berkas kosong."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError(
            "xls_unsupported",
            _("Format Excel lama (.xls) belum didukung. Di Excel pilih Simpan Sebagai → Buku Kerja Excel (.xlsx)."),
        )
    if data.startswith(b"PK\x03\x04"):
        source, fmt = _xlsx_source(data), "xlsx"
    elif ext in XLSX_EXTENSIONS:
        raise RosterFileError(
            "unreadable",
            _("Berkas XLSX ini rusak atau tidak bisa dibaca. Buka di Excel, simpan ulang sebagai .xlsx, lalu unggah lagi."),
        )
    elif ext and ext not in CSV_EXTENSIONS:
        raise RosterFileError(
            "unsupported_type",
            _("Berkas ini bukan CSV atau XLSX. Simpan data pegawai sebagai .xlsx atau .csv lalu unggah lagi."),
        )
    else:
        source, fmt = _csv_source(data), "csv"

    first_headers: list[str] | None = None
    for line, raw in enumerate(source(), start=1):
        if line > MAX_HEADER_SEARCH:
            break
        if not any(raw):
            continue
        mapping, unknown = map_headers(raw)
        if first_headers is None:
            first_headers = raw
        if "nip" in mapping and "name" in mapping:
            return RosterFile(fmt, filename, line, [h.strip() for h in raw], mapping, unknown, source)
    found, _unknown = map_headers(first_headers or [])
    missing = [str(FIELD_LABELS[f]) for f in ("nip", "name") if f not in found]
    raise RosterFileError(
        "missing_columns",
        _(
            "Kolom wajib tidak ditemukan: %(columns)s. Baris judul harus memuat kolom NIP dan Nama "
            "(misalnya \"NIP\" atau \"NIP Baru\", dan \"Nama\" atau \"Nama Lengkap\").",
            columns=", ".join(missing or [str(FIELD_LABELS["nip"]), str(FIELD_LABELS["name"])]),
        ),
    )


def open_roster_path(path: str | Path) -> RosterFile:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterFileError("unreadable", _("Berkas %(path)s tidak bisa dibaca: %(reason)s",
                                              path=str(path), reason=exc.strerror or str(exc))) from None
    return open_roster(data, path.name)
