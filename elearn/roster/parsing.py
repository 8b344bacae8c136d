"""Reading roster files (CSV or XLSX) into rows of text cells.

A roster is whatever HR exported from SIASN/SIMPEG or typed in Excel, so the reader is
lenient about the container and strict about nothing else:

- CSV with ``,`` ``;`` or tab separators (sniffed from the header line), UTF-8 with or without
  BOM, UTF-16 (Excel's "Unicode text"), else Windows-1252;
- XLSX read by a small streaming reader of its own (first worksheet), bounded before and while
  unpacking (see :class:`Limits`): a workbook is a zip, and a few kilobytes can unpack to
  gigabytes of XML, millions of empty rows or one cell at XFD1048576;
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
import zipfile
from xml.parsers import expat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
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
    "unit_kerja": ("Unit Kerja", "Sub Unit", "Sub Unit Kerja", "Subunit", "Unor", "Nama Unit Kerja", "Unit",
                   "Nama Unit"),
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
#: rows read between two progress reports of :meth:`RosterFile.snapshot`
PROGRESS_EVERY = 20_000
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
CSV_EXTENSIONS = (".csv", ".txt", ".tsv")


class RosterFileError(Exception):
    """The file as a whole can't be read: wrong type, undecodable, no NIP or Nama column."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Limits:
    """How much work one roster may cause. Defaults fit a province's roster (~10 MB of XLSX)."""

    #: rows of the sheet or file, title and blank rows included (a province's or a large ministry's
    #: roster; the rows are read by the background job, never by the upload request)
    max_rows: int = 1_000_000
    #: the last column a non-empty cell may sit in
    max_columns: int = 256
    #: non-empty cells of the sheet
    max_cells: int = 10_000_000
    #: entries in the shared strings table
    max_shared_strings: int = 2_000_000
    #: members of the zip
    max_members: int = 1_000
    #: unpacked size of any one member, and of all members together
    max_member_bytes: int = 160 * 1024 * 1024
    max_unpacked_bytes: int = 256 * 1024 * 1024
    #: the shared strings are held in memory while the sheet is read: their unpacked size
    max_shared_strings_bytes: int = 48 * 1024 * 1024
    #: unpacked / packed size of a member of at least ``ratio_floor`` unpacked bytes (XML of
    #: real sheets packs 5-20x; a bomb packs about 1000x)
    max_ratio: int = 200
    ratio_floor: int = 1024 * 1024
    #: the stored copy of a workbook (converted to CSV): about 130 bytes a row of 10 cells
    max_text_bytes: int = 160 * 1024 * 1024


DEFAULT_LIMITS = Limits()


def _thousands(n: int) -> str:
    """``500000`` -> ``'500.000'`` (Indonesian digit grouping, also fine in the English text)."""
    return f"{n:,}".replace(",", ".")


def _unreadable_xlsx() -> RosterFileError:
    return RosterFileError(
        "unreadable",
        _("Berkas XLSX ini rusak atau tidak bisa dibaca. Buka di Excel, simpan ulang sebagai .xlsx, lalu unggah lagi."),
    )


def _too_big_xlsx() -> RosterFileError:
    return RosterFileError(
        "too_big",
        _("Isi berkas XLSX ini terlalu besar setelah dibuka (atau dimampatkan secara tidak wajar). Hapus baris, "
          "kolom dan lembar kerja yang tidak dipakai, atau simpan sebagai CSV, lalu unggah lagi."),
    )


def _too_many_rows(limits: Limits) -> RosterFileError:
    return RosterFileError(
        "too_many_rows",
        _("Berkas ini memuat lebih dari %(n)s baris (termasuk baris kosong). Hapus baris kosong di bawah data "
          "atau pecah berkas per perangkat daerah, lalu unggah lagi.", n=_thousands(limits.max_rows)),
    )


def _too_many_columns(limits: Limits) -> RosterFileError:
    return RosterFileError(
        "too_many_columns",
        _("Ada sel berisi di luar %(n)s kolom pertama. Hapus kolom yang tidak dipakai di sebelah kanan data, "
          "lalu unggah lagi.", n=limits.max_columns),
    )


def _too_many_cells(limits: Limits) -> RosterFileError:
    return RosterFileError(
        "too_many_cells",
        _("Berkas ini memuat terlalu banyak sel berisi (lebih dari %(n)s). Pecah berkas per perangkat daerah, "
          "lalu unggah lagi.", n=_thousands(limits.max_cells)),
    )


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
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:  # an odd number of bytes, or a broken surrogate: a cut-off file
            raise RosterFileError(
                "unreadable",
                _("Berkas teks Unicode (UTF-16) ini terpotong atau rusak. Simpan ulang dari Excel (sebaiknya "
                  "sebagai .xlsx atau CSV UTF-8), lalu unggah lagi."),
            ) from None
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

    def _is_data(self, line: int, raw: list[str]) -> bool:
        return line > self.header_line and any(raw) and bool("".join(raw).strip())

    def rows(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        """``(line, values in FIELDS order)`` for each non-blank data row, in one pass over the file
        (callers process it in chunks as it streams; nothing re-reads the file from the top)."""
        picks = [self.mapping.get(name, -1) for name in FIELDS]
        width = max(picks) + 1
        for line, raw in enumerate(self._raw_rows(), start=1):
            if not self._is_data(line, raw):
                continue
            if len(raw) < width:
                raw = raw + [""] * (width - len(raw))
            yield line, tuple(raw[i].strip() if i >= 0 else "" for i in picks)

    def column(self, name: str) -> Iterator[str]:
        """The cells of one field in every non-blank data row (cheaper than ``rows()``)."""
        index = self.mapping.get(name, -1)
        for line, raw in enumerate(self._raw_rows(), start=1):
            if self._is_data(line, raw):
                yield raw[index].strip() if 0 <= index < len(raw) else ""

    def snapshot(self, limits: Limits | None = None,
                 progress: Callable[[int], object] | None = None) -> tuple[int, bytes | None]:
        """Read the whole file once: the number of data rows and, for a workbook, the sheet as
        UTF-8 CSV with the same row numbers (what is stored, so the workbook is unpacked once).
        ``progress(rows read)`` is called every :data:`PROGRESS_EVERY` rows.

        Raises :class:`RosterFileError` when a limit is reached or the file breaks further down.
        """
        limits = limits or DEFAULT_LIMITS
        convert = self.format == "xlsx"
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        count = 0
        size = 0
        for line, raw in enumerate(self._raw_rows(), start=1):
            if self._is_data(line, raw):
                count += 1
            if progress is not None and line % PROGRESS_EVERY == 0:
                progress(line)
            if convert:
                writer.writerow(raw)
                size += sum(len(cell) for cell in raw) + len(raw) + 2
                if size > limits.max_text_bytes:
                    raise _too_big_xlsx()
        return count, out.getvalue().encode("utf-8") if convert else None


def _csv_source(data: bytes, limits: Limits) -> Callable[[], Iterator[list[str]]]:
    text = _decode(data)
    if "\x00" in text:
        raise RosterFileError(
            "unsupported_type",
            _("Berkas ini bukan CSV atau XLSX. Simpan data pegawai sebagai .xlsx atau .csv lalu unggah lagi."),
        )
    delimiter = _sniff_delimiter(text[:65536])

    def source() -> Iterator[list[str]]:
        # strict: a quote left open swallows the rest of the file into one cell; say so instead
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        line = 0
        try:
            for line, row in enumerate(reader, start=1):
                if line > limits.max_rows:
                    raise _too_many_rows(limits)
                yield row
        except csv.Error as exc:
            where = reader.line_num or line + 1
            if "field larger than field limit" in str(exc):
                message = _(
                    "Baris %(line)s: satu sel lebih panjang dari %(kb)s KB. Biasanya ada tanda kutip (\") yang "
                    "tidak ditutup di baris ini atau di atasnya. Perbaiki lalu unggah lagi.",
                    line=where, kb=csv.field_size_limit() // 1024,
                )
            else:
                message = _(
                    "Baris %(line)s: tanda kutip (\") tidak ditutup atau salah letak, sehingga isi berkas tidak "
                    "bisa dibaca per kolom. Perbaiki tanda kutip di baris ini (atau simpan ulang dari Excel), lalu "
                    "unggah lagi.",
                    line=where,
                )
            raise RosterFileError("bad_csv", message) from None

    return source


# --- XLSX -----------------------------------------------------------------------------------


def _column_index(ref: str) -> int:
    """``'C7'`` -> 2 (0-based); -1 when the reference has no letters."""
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        elif "a" <= ch <= "z":
            n = n * 26 + ord(ch) - 96
        else:
            break
        if n > 1_000_000:
            break
    return n - 1


def _row_number(ref: str) -> int | None:
    digits = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz$")
    return int(digits) if digits.isdigit() and len(digits) < 10 else None


class _Refused(Exception):
    """Raised inside expat handlers; carries the RosterFileError out of the parser."""

    def __init__(self, error: RosterFileError) -> None:
        self.error = error


def _no_dtd(*_args: object) -> None:
    # a DOCTYPE can declare entities that expand enormously; workbooks never carry one
    raise _Refused(_unreadable_xlsx())


def _zip_directory(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open a workbook's zip and check its central directory against ``limits`` (members, unpacked
    sizes, compression ratio) and that it has a workbook part. Nothing is unpacked: the cost is
    bounded by the number of members, whatever the rows."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _unreadable_xlsx() from None
    if len(infos) > limits.max_members:
        raise _too_big_xlsx()
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_member_bytes or total > limits.max_unpacked_bytes:
            raise _too_big_xlsx()
        if info.file_size >= limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise _too_big_xlsx()
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        raise _unreadable_xlsx()
    return archive


class _Xlsx:
    """A workbook checked against :class:`Limits` from its zip directory, before anything is unpacked.

    Its XML is read with expat handlers (no tree is built), chunk by chunk, so memory stays flat
    and every row, column and cell is counted as it streams past.
    """

    def __init__(self, data: bytes, limits: Limits) -> None:
        self.limits = limits
        self.zip = _zip_directory(data, limits)
        self.names = set(self.zip.namelist())
        self.sheet_path, self.strings_path = self._locate()
        if self.strings_path is not None:
            if self.zip.getinfo(self.strings_path).file_size > limits.max_shared_strings_bytes:
                raise _too_big_xlsx()

    def _parse(self, name: str, start: Callable[..., None], end: Callable[[str], None],
               text: Callable[[str], None] | None = None, ready: list[Any] | None = None) -> Iterator[Any]:
        """Feed one member to expat; yield what the handlers put in ``ready`` after each chunk.

        The unpacked size was bounded from the directory, and zipfile never inflates a member
        past the size its directory declares (it fails the CRC check instead)."""
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        if text is not None:
            parser.CharacterDataHandler = text
        parser.StartDoctypeDeclHandler = _no_dtd
        parser.EntityDeclHandler = _no_dtd
        try:
            with self.zip.open(name) as stream:
                while chunk := stream.read(256 * 1024):
                    parser.Parse(chunk, False)
                    if ready:
                        yield from ready
                        ready.clear()
                parser.Parse(b"", True)
            if ready:
                yield from ready
                ready.clear()
        except _Refused as exc:
            raise exc.error from None
        except (expat.ExpatError, zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError,
                RuntimeError, KeyError):
            raise _unreadable_xlsx() from None

    def _elements(self, name: str, wanted: str) -> list[dict[str, str]]:
        """The attributes of every ``wanted`` element of a small member (workbook, relationships)."""
        found: list[dict[str, str]] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag.rpartition(":")[2] == wanted:
                found.append(attrs)

        for _ in self._parse(name, start, lambda _tag: None):
            pass
        return found

    def _locate(self) -> tuple[str, str | None]:
        sheets = self._elements("xl/workbook.xml", "sheet")
        sheet_rid = None
        if sheets:
            sheet_rid = next((v for k, v in sheets[0].items() if k.rpartition(":")[2] == "id" and k != "sheetId"), None)
        targets: dict[str, str] = {}
        strings = None
        rels = "xl/_rels/workbook.xml.rels"
        if rels in self.names:
            for rel in self._elements(rels, "Relationship"):
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                targets[rel.get("Id", "")] = path
                if rel.get("Type", "").endswith("/sharedStrings"):
                    strings = path
        sheet = targets.get(sheet_rid or "") or ("xl/worksheets/sheet1.xml" if sheet_rid is None else None)
        if sheet is None or sheet not in self.names:
            raise _unreadable_xlsx()
        if strings is None and "xl/sharedStrings.xml" in self.names:
            strings = "xl/sharedStrings.xml"
        if strings is not None and strings not in self.names:
            strings = None
        return sheet, strings

    def shared_strings(self) -> list[str]:
        if self.strings_path is None:
            return []
        limit = self.limits.max_shared_strings
        strings: list[str] = []
        parts: list[str] = []
        state = {"collect": False, "phonetic": False}

        def start(tag: str, _attrs: dict[str, str]) -> None:
            tag = tag.rpartition(":")[2]
            if tag == "t":
                state["collect"] = not state["phonetic"]
            elif tag == "si":
                parts.clear()
            elif tag == "rPh":
                state["phonetic"] = True

        def end(tag: str) -> None:
            tag = tag.rpartition(":")[2]
            if tag == "t":
                state["collect"] = False
            elif tag == "si":
                strings.append("".join(parts))
                if len(strings) > limit:
                    raise _Refused(_too_big_xlsx())
            elif tag == "rPh":
                state["phonetic"] = False

        def text(data: str) -> None:
            if state["collect"]:
                parts.append(data)

        for _ in self._parse(self.strings_path, start, end, text):
            pass
        return strings

    def rows(self) -> Iterator[list[str]]:
        """The first sheet's rows as text cells; missing rows are yielded empty so that
        positions stay the sheet's row numbers."""
        limits = self.limits
        max_rows, max_columns, max_cells = limits.max_rows, limits.max_columns, limits.max_cells
        strings = self.shared_strings()
        ready: list[list[str]] = []
        parts: list[str] = []
        values: dict[int, str] = {}
        # line: last row number; col: last column; cells: non-empty so far
        st = {"line": 0, "col": -1, "cells": 0, "kind": "n", "collect": False, "phonetic": False, "number": 0}

        def start(tag: str, attrs: dict[str, str]) -> None:
            if ":" in tag:
                tag = tag.rpartition(":")[2]
            if tag == "c":
                ref = attrs.get("r")
                col = _column_index(ref) if ref else st["col"] + 1
                st["col"] = max(col, 0)
                st["kind"] = attrs.get("t", "n")
                parts.clear()
            elif tag == "v" or tag == "t":
                st["collect"] = not st["phonetic"]
            elif tag == "row":
                number = _row_number(attrs.get("r", ""))
                line = st["line"]
                number = number if number is not None and number > line else line + 1
                if number > max_rows:
                    raise _Refused(_too_many_rows(limits))
                while line + 1 < number:
                    line += 1
                    ready.append([])
                st["number"] = number
                st["col"] = -1
                values.clear()
            elif tag == "rPh":
                st["phonetic"] = True
            elif tag == "dimension":
                # "A1:XFD1048576": refuse at once rather than after streaming the sheet
                number = _row_number(attrs.get("ref", "").rpartition(":")[2])
                if number is not None and number > max_rows:
                    raise _Refused(_too_many_rows(limits))

        def end(tag: str) -> None:
            if ":" in tag:
                tag = tag.rpartition(":")[2]
            if tag == "v" or tag == "t":
                st["collect"] = False
            elif tag == "c":
                value = _cell_value(st["kind"], "".join(parts), strings)
                if value:
                    col = st["col"]
                    if col >= max_columns:
                        raise _Refused(_too_many_columns(limits))
                    st["cells"] += 1
                    if st["cells"] > max_cells:
                        raise _Refused(_too_many_cells(limits))
                    values[col] = value
            elif tag == "row":
                st["line"] = st["number"]
                if values:
                    row = [""] * (max(values) + 1)
                    for index, value in values.items():
                        row[index] = value
                    ready.append(row)
                    values.clear()
                else:
                    ready.append([])
            elif tag == "rPh":
                st["phonetic"] = False

        def text(data: str) -> None:
            if st["collect"]:
                parts.append(data)

        yield from self._parse(self.sheet_path, start, end, text, ready)


def _cell_value(kind: str, raw: str, strings: list[str]) -> str:
    """The text of a cell from its type (``t``) and the text of its ``<v>`` (or inline ``<t>``)."""
    raw = raw.strip()
    if not raw:
        return ""
    if kind == "s":
        try:
            return strings[int(raw)].strip()
        except (ValueError, IndexError):
            raise _Refused(_unreadable_xlsx()) from None
    if kind in ("inlineStr", "str", "e", "d"):
        return raw
    if kind == "b":
        return "1" if raw == "1" else "0"
    try:
        number: int | float = int(raw) if raw.lstrip("-").isdigit() else float(raw)
    except ValueError:
        return raw
    return cell_text(number)


def _xlsx_source(data: bytes, limits: Limits) -> Callable[[], Iterator[list[str]]]:
    workbook = _Xlsx(data, limits)

    def source() -> Iterator[list[str]]:
        return workbook.rows()

    return source


def _kind(data: bytes, filename: str) -> str:
    """``"xlsx"`` or ``"csv"`` from the first bytes and the extension; raise for anything else."""
    ext = Path(filename.lower()).suffix
    if not data.strip():
        raise RosterFileError("empty", _("Berkas kosong."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError(
            "xls_unsupported",
            _("Format Excel lama (.xls) belum didukung. Di Excel pilih Simpan Sebagai → Buku Kerja Excel (.xlsx)."),
        )
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if ext in XLSX_EXTENSIONS:
        raise _unreadable_xlsx()
    if ext and ext not in CSV_EXTENSIONS:
        raise RosterFileError(
            "unsupported_type",
            _("Berkas ini bukan CSV atau XLSX. Simpan data pegawai sebagai .xlsx atau .csv lalu unggah lagi."),
        )
    return "csv"


def check_upload(data: bytes, filename: str = "", limits: Limits | None = None) -> str:
    """The checks an upload request makes: cheap and bounded whatever the number of rows.

    The kind of file (``"csv"`` or ``"xlsx"``, returned) and, for a workbook, its zip directory
    (members, unpacked sizes, ratio): nothing is decoded, unpacked or parsed. Everything that
    reads the rows (headers, row limit, quotes, encoding) is :func:`open_roster` and
    :meth:`RosterFile.snapshot`, in the background job. Raises :class:`RosterFileError`."""
    kind = _kind(data, filename)
    if kind == "xlsx":
        _zip_directory(data, limits or DEFAULT_LIMITS)
    return kind


def open_roster(data: bytes, filename: str = "", limits: Limits | None = None) -> RosterFile:
    """Open a roster from its bytes; raise :class:`RosterFileError` when it can't be read.

    Reading the rows later may still raise :class:`RosterFileError` (a limit of ``limits``
    reached, a broken quote): :meth:`RosterFile.snapshot` reads them all once, in the job."""
    limits = limits or DEFAULT_LIMITS
    if _kind(data, filename) == "xlsx":
        source, fmt = _xlsx_source(data, limits), "xlsx"
    else:
        source, fmt = _csv_source(data, limits), "csv"

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


def open_roster_path(path: str | Path, limits: Limits | None = None) -> RosterFile:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterFileError("unreadable", _("Berkas %(path)s tidak bisa dibaca: %(reason)s",
                                              path=str(path), reason=exc.strerror or str(exc))) from None
    return open_roster(data, path.name, limits)
