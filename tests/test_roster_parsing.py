"""Reading roster files: CSV dialects and encodings, XLSX, header aliases, unreadable files."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from elearn.accounts.models import EmployeeType, JenisJabatan
from elearn.roster.parsing import (
    FIELDS,
    RosterFileError,
    cell_text,
    header_key,
    map_headers,
    open_roster,
    open_roster_path,
)
from elearn.roster.values import (
    is_kepala_wilayah,
    normalize_email,
    normalize_employee_type,
    normalize_golongan,
    normalize_jenis_jabatan,
    normalize_phone,
)

FIXTURES = Path(__file__).parent / "fixtures" / "roster"
NIP = "198609262015051001"


def values(roster):
    rows = list(roster.rows())
    return {line: dict(zip(FIELDS, v)) for line, v in rows}


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiters_are_sniffed(delimiter):
    text = delimiter.join(["NIP", "Nama", "SKPD"]) + "\n" + delimiter.join([NIP, "Budi, S.E." if delimiter != "," else '"Budi, S.E."', "Dinas A"]) + "\n"
    roster = open_roster(text.encode(), "a.csv")
    assert roster.format == "csv"
    assert values(roster)[2] == {**dict.fromkeys(FIELDS, ""), "nip": NIP, "name": "Budi, S.E.", "skpd": "Dinas A"}


def test_utf8_with_bom_and_crlf():
    data = "\ufeffNIP;Nama Lengkap\r\n198609262015051001;Ni Kadek Ayu Pramésti\r\n".encode()
    roster = open_roster(data, "a.csv")
    assert roster.mapping == {"nip": 0, "name": 1}
    assert values(roster)[2]["name"] == "Ni Kadek Ayu Pramésti"


def test_windows_1252_fallback():
    data = "NIP;Nama\r\n198609262015051001;José Ma’ruf\r\n".encode("cp1252")
    roster = open_roster(data, "a.csv")
    assert values(roster)[2]["name"] == "José Ma’ruf"


def test_utf16_unicode_text_from_excel():
    data = "NIP\tNama\r\n198609262015051001\tSiti\r\n".encode("utf-16")
    assert values(open_roster(data, "a.txt"))[2]["name"] == "Siti"


def test_fixture_files():
    semicolon = open_roster_path(FIXTURES / "semicolon_bom.csv")
    assert semicolon.format == "csv" and semicolon.has("golongan") and semicolon.has("skpd")
    rows = values(semicolon)
    assert rows[2]["nip"] == "19860926 201505 1 001"
    assert rows[3]["name"] == "Dra. Ni Luh Putu Sari, M.Pd."
    cp1252 = open_roster_path(FIXTURES / "cp1252_comma.csv")
    assert values(cp1252)[2]["name"] == "Andrés Nuñez"


@pytest.mark.parametrize(
    "field,headers",
    [
        ("nip", ["NIP", "nip baru", " NIP/NI PPPK ", "NIP / NI PPPK", "Nip_Baru"]),
        ("name", ["Nama", "NAMA LENGKAP", "Nama Pegawai", "nama  pegawai"]),
        ("golongan", ["Golongan", "Gol", "Gol/Ruang", "GOL. / RUANG", "Pangkat/Golongan"]),
        ("jabatan", ["Jabatan", "Nama Jabatan"]),
        ("jenis_jabatan", ["Jenis Jabatan", "JENIS_JABATAN"]),
        ("employee_type", ["Jenis Pegawai", "Status Kepegawaian"]),
        ("skpd", ["SKPD", "OPD", "Perangkat Daerah", "Unit Organisasi"]),
        ("unit_kerja", ["Unit Kerja", "Sub Unit", "SUB-UNIT", "Unit", "NAMA UNIT"]),
        ("email", ["Email", "E-mail", "e mail"]),
        ("phone", ["No HP", "No. HP", "Nomor HP", "NO_HP"]),
    ],
)
def test_header_aliases(field, headers):
    for header in headers:
        mapping, unknown = map_headers(["x", header])
        assert mapping == {field: 1}, header
        assert unknown == ["x"]


def test_preferred_alias_wins_and_duplicates_are_listed_as_unknown():
    mapping, unknown = map_headers(["NIP", "Nama", "NIP Baru", "NIP Lama", "Catatan"])
    assert mapping == {"nip": 2, "name": 1}
    assert unknown == ["NIP", "NIP Lama", "Catatan"]
    assert header_key(" Gol/Ruang ") == "golruang"


def test_title_rows_blank_rows_and_line_numbers():
    data = (
        "DAFTAR PEGAWAI PEMERINTAH KOTA CONTOH;;\n"
        ";;\n"
        "No;NIP;Nama\n"
        f"1;{NIP};Budi\n"
        ";;\n"
        "   ;  ;  \n"
        "2;199001012015012002;Ani\n"
    ).encode()
    roster = open_roster(data, "a.csv")
    assert roster.header_line == 3
    assert roster.unknown_columns == ["No"]
    assert [line for line, _v in roster.rows()] == [4, 7]
    assert roster.snapshot() == (2, None)  # data rows, not lines; a CSV is stored as uploaded


def test_short_rows_are_padded():
    roster = open_roster(f"NIP,Nama,SKPD,Email\n{NIP},Budi\n".encode(), "a.csv")
    assert values(roster)[2]["email"] == "" and values(roster)[2]["skpd"] == ""


def test_xlsx_is_streamed_with_text_and_number_cells(tmp_path):
    data = xlsx_bytes([
        ["Daftar pegawai"],
        [],
        ["NIP Baru", "Nama", "Gol/Ruang", "No HP"],
        [NIP, "Budi", "III/b", 81234567890],
        [1.98609262015051e17, "Cici", "IV a", None],
        [None, None, None, None],
        ["199012302022211003", "  Dewi ", "IX", "0812-3456-789"],
    ])
    path = tmp_path / "pegawai.xlsx"
    path.write_bytes(data)
    roster = open_roster_path(path)
    assert roster.format == "xlsx" and roster.header_line == 3
    rows = values(roster)
    assert sorted(rows) == [4, 5, 7]
    assert rows[4]["nip"] == NIP and rows[4]["phone"] == "81234567890"
    assert rows[5]["nip"] == "1.98609262015051e+17"  # lost digits: reported as excel_mangled later
    assert rows[7]["name"] == "Dewi"
    # stored once as CSV with the same row numbers
    count, converted = roster.snapshot()
    assert count == 3
    again = open_roster(converted, "converted.csv")
    assert values(again) == rows and again.header_line == 3


def test_cell_text():
    assert cell_text(198609262015051001) == NIP  # an integer cell keeps every digit
    assert cell_text(12345.0) == "12345"
    assert cell_text(1.98609262015051e17) == "1.98609262015051e+17"
    assert cell_text(None) == ""
    assert cell_text(" x ") == "x"
    assert cell_text(3.5) == "3.5"
    import datetime as dt

    assert cell_text(dt.datetime(2020, 1, 2, 3, 4)) == "2020-01-02"


@pytest.mark.parametrize(
    "data,filename,code",
    [
        (b"", "a.csv", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "a.xls", "xls_unsupported"),
        (b"%PDF-1.4 ...", "a.pdf", "unsupported_type"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "unreadable"),
        (b"hello", "a.xlsx", "unreadable"),
        (b"\x00\x01\x02binary", "a.csv", "unsupported_type"),
        (b"Nama;Jabatan\nBudi;Staf\n", "a.csv", "missing_columns"),
        (b"NIP;Jabatan\n1;Staf\n", "a.csv", "missing_columns"),
    ],
)
def test_unreadable_files(data, filename, code):
    with pytest.raises(RosterFileError) as info:
        open_roster(data, filename)
    assert info.value.code == code
    assert info.value.message


def test_missing_file_path(tmp_path):
    with pytest.raises(RosterFileError) as info:
        open_roster_path(tmp_path / "tidak-ada.csv")
    assert info.value.code == "unreadable"


# --- cell values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Penata Muda Tingkat I, III/b", "III/b"),
        ("III/b", "III/b"),
        ("III b", "III/b"),
        ("IIIb", "III/b"),
        ("iii/B", "III/b"),
        ("III-b", "III/b"),
        ("Pembina Utama Muda, IV/c", "IV/c"),
        ("IV/e", "IV/e"),
        ("I/a", "I/a"),
        ("Penata Muda", "III/a"),
        ("Juru Muda Tingkat I", "I/b"),
        ("I/e", None),
        ("V/a", None),
        ("IX", None),
        ("Staf", None),
    ],
)
def test_pns_golongan(text, expected):
    assert normalize_golongan(text, EmployeeType.PNS) == expected


@pytest.mark.parametrize("text,expected", [("IX", "IX"), ("ix", "IX"), ("Gol. IX", "IX"), ("Golongan XVII", "XVII"),
                                           ("I", "I"), ("XVIII", None), ("III/b", None), ("9", None)])
def test_pppk_golongan(text, expected):
    assert normalize_golongan(text, EmployeeType.PPPK) == expected
    assert normalize_golongan(text, EmployeeType.PPPK_PARUH_WAKTU) == expected


@pytest.mark.parametrize(
    "text,expected",
    [("PNS", EmployeeType.PNS), ("cpns", EmployeeType.CPNS), ("PPPK", EmployeeType.PPPK), ("P3K", EmployeeType.PPPK),
     ("PPPK Paruh Waktu", EmployeeType.PPPK_PARUH_WAKTU), ("Non ASN", EmployeeType.NON_ASN),
     ("Non-ASN", EmployeeType.NON_ASN), ("Honorer", EmployeeType.NON_ASN), ("PPNPN", EmployeeType.NON_ASN),
     ("Pegawai Tetap", None)],
)
def test_employee_type(text, expected):
    assert normalize_employee_type(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [("JPT Pratama", JenisJabatan.JPT_PRATAMA), ("Jabatan Pimpinan Tinggi Madya", JenisJabatan.JPT_MADYA),
     ("JPT Utama", JenisJabatan.JPT_UTAMA), ("Administrator", JenisJabatan.ADMINISTRATOR),
     ("pengawas", JenisJabatan.PENGAWAS), ("Fungsional Tertentu", JenisJabatan.FUNGSIONAL),
     ("JFT", JenisJabatan.FUNGSIONAL), ("Fungsional Umum", JenisJabatan.PELAKSANA),
     ("Pelaksana", JenisJabatan.PELAKSANA), ("Eselon V", None)],
)
def test_jenis_jabatan(text, expected):
    assert normalize_jenis_jabatan(text) == expected


@pytest.mark.parametrize(
    "jabatan,expected",
    [("Camat Kota Barat", True), ("LURAH SUKAMAJU", True), ("Plt. Camat Utara", True), ("Pj Lurah Timur", True),
     ("Sekretaris Camat", False), ("Kasi Pemerintahan Kelurahan", False), ("Camatan", False)],
)
def test_kepala_wilayah(jabatan, expected):
    assert is_kepala_wilayah(jabatan) is expected


def test_contacts():
    assert normalize_email(" Budi@Contoh.GO.id ") == "budi@contoh.go.id"
    assert normalize_email("budi@contoh") is None
    assert normalize_phone("0812-3456-789") == "08123456789"
    assert normalize_phone("81234567890") == "081234567890"  # Excel dropped the leading 0
    assert normalize_phone("+62 812 3456 789") == "+628123456789"
    assert normalize_phone("12") is None and normalize_phone("08a") is None
