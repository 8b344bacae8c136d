"""Roster files that balloon or break: refused with a clear message, before or while unpacking.

The workbooks are built here with zipfile (a few hundred KB at most): a shared strings table
that unpacks to 300 MB, millions of empty rows, one cell at XFD1048576.
"""
from __future__ import annotations

import io
import zipfile

import pytest

from elearn.accounts.models import Role
from elearn.db import db
from elearn.roster import services
from elearn.jobs import services as job_services
from elearn.roster.models import ImportStatus, RosterImport
from elearn.roster.parsing import DEFAULT_LIMITS, FIELDS, Limits, RosterFileError, open_roster
from sqlalchemy import func, select

NIP = "198609262015051001"
MAX_ROWS = f"{DEFAULT_LIMITS.max_rows:,}".replace(",", ".")  # as the message writes it
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
WORKBOOK = (b'<?xml version="1.0"?><workbook ' + NS + b' xmlns:r="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/>'
            b'</sheets></workbook>')
RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        b'Target="sharedStrings.xml"/></Relationships>')
HEADER_ROW = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>NIP</t></is></c>'
              b'<c r="B1" t="inlineStr"><is><t>Nama</t></is></c></row>')


def workbook(sheet_parts, strings_parts=None) -> bytes:
    """A minimal XLSX; the sheet and shared strings are written from iterables of byte chunks
    (streamed into the zip, so a big member never sits in memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for part in sheet_parts:
                f.write(part)
        if strings_parts is not None:
            with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
                for part in strings_parts:
                    f.write(part)
    return out.getvalue()


def sheet(*rows: bytes, dimension: bytes = b"") -> list[bytes]:
    return [b'<?xml version="1.0"?><worksheet ' + NS + b">" + dimension + b"<sheetData>", *rows,
            b"</sheetData></worksheet>"]


def refused(data: bytes, filename: str = "pegawai.xlsx", limits: Limits | None = None) -> RosterFileError:
    with pytest.raises(RosterFileError) as info:
        roster = open_roster(data, filename, limits)
        roster.snapshot(limits)
    assert info.value.message
    return info.value


def test_a_sound_handmade_workbook_is_read():
    data = workbook(
        sheet(b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
              b'<row r="3"><c r="A3"><v>' + NIP.encode() + b'</v></c><c r="B3" t="s"><v>2</v></c>'
              b'<c r="C3" t="s"/><c r="D3"><f>1+1</f></c><c r="XFD3" s="1"/></row>'),
        [b'<sst ' + NS + b'><si><t>NIP</t></si><si><r><t>Na</t></r><r><t>ma</t></r></si>'
         b'<si><t> Budi </t><rPh><t>x</t></rPh></si></sst>'],
    )
    roster = open_roster(data, "a.xlsx")
    assert [(line, dict(zip(FIELDS, v))["name"]) for line, v in roster.rows()] == [(3, "Budi")]
    assert dict(zip(FIELDS, next(roster.rows())[1]))["nip"] == NIP
    count, converted = roster.snapshot()
    assert count == 1 and converted == f"NIP,Nama\n\n{NIP},Budi\n".encode()


def test_shared_strings_that_unpack_to_300_mb_are_refused_before_unpacking():
    chunk = b"x" * (1024 * 1024)
    data = workbook(sheet(HEADER_ROW), [b"<sst " + NS + b"><si><t>", *([chunk] * 300), b"</t></si></sst>"])
    assert len(data) < 400 * 1024
    error = refused(data)
    assert error.code == "too_big" and "terlalu besar" in error.message


def test_three_million_empty_rows_are_refused():
    data = workbook(sheet(HEADER_ROW, *([b"<row/>" * 100_000] * 30)))
    assert len(data) < 100 * 1024
    assert refused(data).code == "too_big"  # packed 1000:1, refused from the zip directory


def test_rows_beyond_the_limit_are_refused_while_streaming():
    last = DEFAULT_LIMITS.max_rows + 10_000
    rows = (b"".join(b'<row r="%d"/>' % n for n in range(start, start + 10_000)) for start in range(2, last, 10_000))
    data = workbook(sheet(HEADER_ROW, *rows))
    error = refused(data)
    assert error.code == "too_many_rows" and MAX_ROWS in error.message
    # the configured limit applies
    assert refused(workbook(sheet(HEADER_ROW, b'<row r="60"><c r="A60"><v>1</v></c></row>')),
                   limits=Limits(max_rows=50)).code == "too_many_rows"


@pytest.mark.parametrize("dimension", [b'<dimension ref="A1:XFD1048576"/>', b""])
def test_one_cell_at_xfd1048576_is_refused_at_once(dimension):
    data = workbook(sheet(HEADER_ROW, b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                          dimension=dimension))
    assert len(data) < 2048
    assert refused(data).code == "too_many_rows"


def test_a_value_far_to_the_right_is_refused():
    data = workbook(sheet(HEADER_ROW, b'<row r="2"><c r="A2"><v>1</v></c><c r="XFD2"><v>1</v></c></row>'))
    error = refused(data)
    assert error.code == "too_many_columns" and "256" in error.message


def test_cells_and_converted_size_are_bounded():
    rows = [b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>Nama</t></is></c></row>'
            % (n, n, n, n) for n in range(2, 40)]
    data = workbook(sheet(HEADER_ROW, *rows))
    assert refused(data, limits=Limits(max_cells=50)).code == "too_many_cells"
    assert refused(data, limits=Limits(max_text_bytes=200)).code == "too_big"


@pytest.mark.parametrize("data", [
    workbook(sheet(b'<row r="1"><c r="A1" t="s"><v>7</v></c></row>'), [b"<sst " + NS + b"></sst>"]),
    workbook([b"<worksheet><sheetData><row>"]),
    b"PK\x05\x06" + b"\x00" * 18,
])
def test_broken_workbooks_are_unreadable(data):
    assert refused(data).code == "unreadable"


# --- CSV ------------------------------------------------------------------------------------

def test_utf16_with_an_odd_byte_count_is_a_clear_error():
    data = "NIP\tNama\n1\tBudi\n".encode("utf-16") + b"\x00"
    error = refused(data, "pegawai.txt")
    assert error.code == "unreadable" and "UTF-16" in error.message


def test_a_field_over_128_kb_is_a_clear_error():
    data = f"NIP;Nama\n{NIP};{'x' * 140_000}\n".encode()
    error = refused(data, "pegawai.csv")
    assert error.code == "bad_csv" and "128 KB" in error.message and "Baris 2" in error.message


def test_an_unterminated_quote_is_a_clear_error():
    data = f'NIP;Nama\n{NIP};"Budi\n199001012015011002;Ani\n'.encode()
    error = refused(data, "pegawai.csv")
    assert error.code == "bad_csv" and "tanda kutip" in error.message


def test_csv_rows_are_bounded():
    data = b"NIP;Nama\n" + b"\n" * 80
    assert refused(data, "pegawai.csv", Limits(max_rows=50)).code == "too_many_rows"


# --- through the upload form and the check job ----------------------------------------------------

BOMB = workbook(sheet(HEADER_ROW), [b"<sst " + NS + b"><si><t>", *([b"x" * (1024 * 1024)] * 300), b"</t></si></sst>"])


@pytest.mark.parametrize(("data", "filename", "message"), [
    (BOMB, "a.xlsx", "terlalu besar"),  # seen in the zip directory: nothing unpacked
    (b"PK\x03\x04broken", "a.xlsx", "rusak"),
    (b"%PDF-1.4", "a.pdf", "bukan CSV atau XLSX"),
])
def test_the_upload_request_refuses_from_cheap_checks_and_stores_nothing(app, client, make_user, login_as, data,
                                                                          filename, message):
    login_as(make_user(Role.ADMIN_BKPSDM))
    response = client.post("/impor/", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 0


@pytest.mark.parametrize(("data", "filename", "message"), [
    (workbook(sheet(HEADER_ROW, b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')), "a.xlsx",
     "lebih dari 5 baris"),
    # a zip bomb packed below the ratio bound, found while streaming: the cells are counted
    (workbook(sheet(HEADER_ROW, *[b'<row r="%d"><c r="A%d"><v>1</v></c><c r="B%d"><v>2</v></c></row>' % (n, n, n)
                                  for n in range(2, 5)])), "a.xlsx", "terlalu banyak sel"),
    ("NIP\tNama\n1\tBudi\n".encode("utf-16") + b"\x00", "a.txt", "UTF-16"),
    (f'NIP;Nama\n{NIP};"Budi\n'.encode(), "a.csv", "tanda kutip"),
    (f"NIP;Nama\n{NIP};Budi\n".encode() * 4, "a.csv", "lebih dari 5 baris"),
])
def test_errors_found_reading_the_rows_appear_on_the_progress_page(app, client, make_user, login_as, data,
                                                                     filename, message, monkeypatch):
    """The request accepts these (it never reads a row); the check job refuses them with the
    message, drops the bytes, and nothing can be applied."""
    login_as(make_user(Role.ADMIN_BKPSDM))
    app.config["ROSTER_MAX_ROWS"] = 5
    monkeypatch.setattr(services, "DEFAULT_LIMITS", Limits(max_cells=5))
    try:
        response = client.post("/impor/", data={"file": (io.BytesIO(data), filename)},
                               content_type="multipart/form-data")
        assert response.status_code == 302 and response.headers["Location"].endswith("/proses")
        with app.app_context():
            assert job_services.run_pending("test") == 1
    finally:
        app.config["ROSTER_MAX_ROWS"] = 1_000_000
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page and "tidak dapat diimpor" in page
    with app.app_context():
        imp = db.session.scalars(select(RosterImport)).one()
        assert imp.status == ImportStatus.REJECTED and imp.data is None and imp.csv_data is None
    assert client.post(f"/impor/{imp.id}/terapkan", data={}).headers["Location"].endswith("/proses")
    with app.app_context():
        assert job_services.run_pending("test") == 0


def test_a_stored_workbook_keeps_the_bounded_csv_not_the_zip(app, make_instansi, make_unit, make_user):
    instansi = make_instansi()
    admin = make_user(Role.ADMIN_BKPSDM, make_unit(instansi=instansi))
    data = workbook(sheet(HEADER_ROW, b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + NIP.encode()
                          + b'</t></is></c><c r="B2" t="inlineStr"><is><t>Budi</t></is></c></row>'))
    with app.app_context():
        from elearn.accounts.models import User

        uploader = db.session.get(User, admin.id)
        imp = services.create_upload(uploader.instansi, uploader, "a.xlsx", data)
        assert imp.data == data and imp.csv_data is None and imp.row_count == 0  # the request reads no row
        services.check_import(imp, actor=uploader)
        assert imp.data is None and imp.csv_data == f"NIP,Nama\n{NIP},Budi\n".encode()
        assert imp.size == len(data) and imp.row_count == 1 and imp.file_format == "xlsx"
        assert imp.status == ImportStatus.CHECKED
        db.session.rollback()


def test_limits_and_retention_come_from_the_environment(monkeypatch, tmp_path):
    from elearn import create_app

    config = {"ELEARN_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    monkeypatch.setenv("ELEARN_ROSTER_MAX_ROWS", "1000")
    monkeypatch.setenv("ELEARN_ROSTER_UPLOAD_RETENTION_HOURS", "6")
    app = create_app(config)
    assert app.config["ROSTER_MAX_ROWS"] == 1000 and app.config["ROSTER_UPLOAD_RETENTION_HOURS"] == 6
    with app.app_context():
        assert services.roster_limits().max_rows == 1000
    monkeypatch.setenv("ELEARN_ROSTER_MAX_ROWS", "banyak")
    with pytest.raises(RuntimeError, match="ELEARN_ROSTER_MAX_ROWS"):
        create_app(config)
