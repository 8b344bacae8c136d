"""The web flow: upload (stored unread) -> progress of the check job -> preview of what it found ->
apply (a background job, followed by the progress page) -> summary -> error CSV."""
from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from elearn.accounts.models import Role, User
from elearn.db import db
from elearn.jobs import services as job_services
from elearn.jobs.models import Job
from elearn.jobs.services import JobContext
from elearn.roster import services
from elearn.org.models import Unit
from elearn.roster.models import ImportStatus, RosterImport
from support import count_statements, make_nip

GOOD = "198609262015051001"


def upload(client, data: bytes, filename: str = "pegawai.csv", **fields):
    return client.post("/impor/", data={"file": (io.BytesIO(data), filename), **fields},
                       content_type="multipart/form-data")


def import_id(response) -> int:
    """The import an upload created; the request queues its check and leads to the progress page."""
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/impor/(\d+)/proses$", response.headers["Location"]).group(1))


def get_import(app, iid: int) -> RosterImport:
    with app.app_context():
        return db.session.get(RosterImport, iid)


def run_jobs(app) -> int:
    """What `flask --app elearn worker` does: run every queued job."""
    with app.app_context():
        return job_services.run_pending("test-worker")


def checked(app, response) -> int:
    """An upload whose check job ran (what the worker does while the progress page waits)."""
    iid = import_id(response)
    assert run_jobs(app) == 1
    assert get_import(app, iid).status == ImportStatus.CHECKED
    return iid


def confirmation(client, iid: int, typed: str, **overrides) -> dict[str, str]:
    """The apply form as the preview fills it in, with "deactivate missing" ticked and ``typed`` typed."""
    page = client.get(f"/impor/{iid}").get_data(as_text=True)
    hidden = dict(re.findall(r'<input[^>]*name="(token|expected)"[^>]*value="([^"]*)"', page))
    assert set(hidden) == {"token", "expected"}, page
    return {**hidden, "deactivate_missing": "y", "confirm_count": typed, **overrides}


def count_people(app, instansi_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User).where(User.instansi_id == instansi_id))


def test_full_flow_as_admin(app, client, make_instansi, make_unit, make_user, login_as, monkeypatch):
    instansi = make_instansi()
    admin = make_user(Role.ADMIN_BKPSDM, make_unit("Badan Kepegawaian", instansi=instansi))
    login_as(admin)
    rows = [f"{make_nip()};Pegawai {i};III/a;Dinas Pendidikan;SD Negeri {i % 3}" for i in range(12)]
    rows.insert(3, "1.98609E+17;Rusak;III/a;Dinas Pendidikan;")
    rows.insert(9, f"=HYPERLINK(\"http://x\");Formula;III/a;Dinas Pendidikan;")
    rows.append(rows[0])  # a duplicate, in the last chunk
    data = ("NIP;Nama;Gol/Ruang;OPD;Unit Kerja;Catatan\n" + "\n".join(rows) + "\n").encode()

    page = client.get("/impor/")
    assert page.status_code == 200 and "Impor data pegawai" in page.get_data(as_text=True)
    # the request stores the file unread and queues its check
    iid = import_id(upload(client, data))
    imp = get_import(app, iid)
    assert imp.status == ImportStatus.UPLOADED and imp.row_count == 0 and imp.skpd_id is None
    assert imp.instansi_id == instansi.id and imp.uploader_id == admin.id and imp.file_format == "csv"
    with app.app_context():
        assert db.session.get(RosterImport, iid).data == data
    page = client.get(f"/impor/{iid}/proses").get_data(as_text=True)
    assert 'data-job-progress=' in page and "Menunggu giliran" in page
    assert client.get(f"/impor/{iid}").headers["Location"].endswith(f"/impor/{iid}/proses")
    # not checked yet: the apply button queues nothing
    assert client.post(f"/impor/{iid}/terapkan", data={}).headers["Location"].endswith("/proses")

    monkeypatch.setattr(services, "VALIDATE_CHUNK_SIZE", 4)
    steps = []
    real_progress = JobContext.progress

    def spy(ctx, done, total=None, phase=None, *, commit=False):
        real_progress(ctx, done, total, phase, commit=commit)
        if commit:
            steps.append((ctx.job.phase, ctx.job.done, ctx.job.total))

    monkeypatch.setattr(JobContext, "progress", spy)
    assert run_jobs(app) == 1
    # reading, then checking: one pass over the file, progress committed every chunk
    assert steps == [("reading", 0, 0), ("checking", 4, 15), ("checking", 8, 15), ("checking", 12, 15),
                     ("checking", 15, 15)]
    imp = get_import(app, iid)
    assert imp.row_count == 15 and imp.status == ImportStatus.CHECKED and len(imp.errors) == 3
    assert count_people(app, instansi.id) == 1  # nothing applied yet
    assert client.get(f"/impor/{iid}/proses").headers["Location"].endswith(f"/impor/{iid}")

    preview = client.get(f"/impor/{iid}").get_data(as_text=True)
    assert "Hasil pemeriksaan" in preview and "Kolom yang terdeteksi" in preview
    assert "Gol/Ruang" in preview and "OPD" in preview
    assert "Catatan" in preview  # unknown column listed
    assert "Pegawai 7" in preview and "Pegawai 8" not in preview  # the first ten rows only
    # each refused row's message, never its bare code (issue 16)
    assert "angka ilmiah" in preview and "sudah ada di baris 2" in preview and "galat.csv" in preview
    assert "excel_mangled" not in preview and "duplicate_in_file" not in preview
    assert 'id="roster-would-deactivate">0<' in preview
    assert 'action="/impor/%d/terapkan"' % iid in preview and "<script" not in preview

    # the button queues the apply job; the page follows it
    steps.clear()
    queued = client.post(f"/impor/{iid}/terapkan", data={})
    assert queued.status_code == 302 and queued.headers["Location"].endswith(f"/impor/{iid}/proses")
    page = client.get(f"/impor/{iid}/proses").get_data(as_text=True)
    assert 'data-job-progress=' in page and "Menunggu giliran" in page
    assert client.get(f"/impor/{iid}").headers["Location"].endswith(f"/impor/{iid}/proses")
    # pressing again (another tab) queues nothing more
    assert client.post(f"/impor/{iid}/terapkan", data={}).headers["Location"].endswith("/proses")
    assert count_people(app, instansi.id) == 1
    assert run_jobs(app) == 1
    assert steps == [("applying", 0, 15)]
    assert count_people(app, instansi.id) == 13
    summary_url = f"/impor/{iid}/ringkasan"
    assert client.get(f"/impor/{iid}/proses").headers["Location"].endswith(summary_url)

    summary = client.get(summary_url).get_data(as_text=True)
    assert "pegawai baru" in summary and ">12<" in summary
    assert "SD Negeri 1" in summary and "galat.csv" in summary
    assert "angka ilmiah" in summary and "excel_mangled" not in summary and "not_digits" not in summary
    imp = get_import(app, iid)
    assert imp.status == ImportStatus.APPLIED and imp.created == 12 and len(imp.errors) == 3

    report = client.get(f"/impor/{iid}/galat.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert "attachment" in report.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == ["Baris", "Kode", "Pesan", "NIP"]
    assert [(r[0], r[1]) for r in lines[1:]] == [("5", "excel_mangled"), ("11", "not_digits"), ("16", "duplicate_in_file")]
    assert lines[1][3] == "1.98609E+17"
    assert lines[2][3] == "'=HYPERLINK(\"http://x\")"  # formula injection neutralised
    assert "Excel" in lines[1][2]

    # applied: the preview now leads to the summary, and a second apply changes nothing
    assert client.get(f"/impor/{iid}").headers["Location"].endswith("/ringkasan")
    again = client.post(f"/impor/{iid}/terapkan", data={})
    assert again.status_code == 302 and again.headers["Location"].endswith("/ringkasan")
    assert run_jobs(app) == 0
    assert count_people(app, instansi.id) == 13


def test_without_javascript_the_form_posts_straight_to_apply(app, client, make_instansi, make_unit, make_user,
                                                             login_as):
    instansi = make_instansi()
    skpd = make_unit("Dinas Sosial", instansi=instansi)
    admin = make_user(Role.ADMIN_BKPSDM, skpd)
    gone = make_user(Role.PESERTA, skpd)
    login_as(admin)
    iid = checked(app, upload(client, f"NIP,Nama,SKPD\n{GOOD},Budi,Dinas Sosial\n".encode()))
    # the check counted who the option would switch off (not the admin)
    assert 'id="roster-would-deactivate">1<' in client.get(f"/impor/{iid}").get_data(as_text=True)
    assert client.get(f"/impor/{iid}/ringkasan").headers["Location"].endswith(f"/impor/{iid}")
    # ticked alone it queues nothing: the number must be typed
    asked = client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, ""))
    assert asked.status_code == 200 and "Ketik angka 1 untuk mengonfirmasi" in asked.get_data(as_text=True)
    response = client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, "1"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/impor/{iid}/proses")
    page = client.get(f"/impor/{iid}/proses").get_data(as_text=True)
    # without JavaScript the page still works: a "Perbarui" link to itself (the script only saves the click)
    assert "<progress" in page and f'href="/impor/{iid}/proses">Perbarui' in page and 'data-job-progress=' in page
    run_jobs(app)
    assert client.get(f"/impor/{iid}/proses").headers["Location"].endswith(f"/impor/{iid}/ringkasan")
    imp = get_import(app, iid)
    assert imp.created == 1 and imp.deactivated == 1 and imp.deactivate_missing
    with app.app_context():
        assert db.session.get(User, gone.id).active is False
        assert db.session.get(User, admin.id).active is True
    summary = client.get(f"/impor/{iid}/ringkasan").get_data(as_text=True)
    assert "Semua baris berhasil diimpor" in summary
    # the uploaded roster (personal data) is not kept once applied
    with app.app_context():
        stored = db.session.get(RosterImport, iid)
        assert stored.data is None and stored.csv_data is None


def test_upload_errors_are_clear(app, client, make_user, login_as):
    login_as(make_user(Role.ADMIN_BKPSDM))
    no_file = client.post("/impor/", data={}, content_type="multipart/form-data")
    assert no_file.status_code == 200 and "Pilih berkas" in no_file.get_data(as_text=True)
    pdf = upload(client, b"%PDF-1.4", "surat.pdf")
    assert pdf.status_code == 200 and "bukan CSV atau XLSX" in pdf.get_data(as_text=True)
    xls = upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "lama.xls")
    assert ".xls" in xls.get_data(as_text=True)
    not_a_zip = upload(client, b"PK\x03\x04 not a zip", "pegawai.xlsx")
    assert not_a_zip.status_code == 200 and "rusak" in not_a_zip.get_data(as_text=True)
    limit, app.config["ROSTER_MAX_BYTES"] = app.config["ROSTER_MAX_BYTES"], 10
    try:
        big = upload(client, f"NIP;Nama\n{GOOD};Budi\n".encode())
    finally:
        app.config["ROSTER_MAX_BYTES"] = limit
    assert big.status_code == 200 and "terlalu besar" in big.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 0


def test_errors_found_reading_the_rows_are_shown_on_the_progress_page(app, client, make_user, login_as):
    login_as(make_user(Role.ADMIN_BKPSDM))
    for data, message in ((b"Nama;SKPD\nBudi;Dinas\n", "Kolom wajib tidak ditemukan"),
                          (b"NIP;Nama\n", "tidak berisi baris data")):
        iid = import_id(upload(client, data))
        assert run_jobs(app) == 1
        page = client.get(f"/impor/{iid}/proses")
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and message in text and "tidak dapat diimpor" in text
        assert 'data-job-progress=' not in text and 'href="/impor/"' in text
        # refused: no preview, no apply, and the file is not kept
        assert client.get(f"/impor/{iid}").headers["Location"].endswith("/proses")
        assert client.post(f"/impor/{iid}/terapkan", data={}).headers["Location"].endswith("/proses")
        assert run_jobs(app) == 0
        assert "ditolak" in client.get("/impor/").get_data(as_text=True)
        with app.app_context():
            imp = db.session.get(RosterImport, iid)
            assert imp.status == ImportStatus.REJECTED and message in imp.failure
            assert imp.data is None and imp.csv_data is None


def test_the_request_does_not_read_the_rows(app, client, make_instansi, make_unit, make_user, login_as):
    """More rows than the limit: the request accepts the upload (it never reads a row); the job
    refuses it with the message, and nothing is applied."""
    instansi = make_instansi()
    login_as(make_user(Role.ADMIN_BKPSDM, make_unit(instansi=instansi)))
    data = ("NIP;Nama;SKPD\n" + "".join(f"{make_nip()};P{i};Dinas A\n" for i in range(8))).encode()
    before = count_people(app, instansi.id)
    app.config["ROSTER_MAX_ROWS"] = 5
    try:
        iid = import_id(upload(client, data))
        assert run_jobs(app) == 1
    finally:
        app.config["ROSTER_MAX_ROWS"] = 1_000_000
    text = client.get(f"/impor/{iid}/proses").get_data(as_text=True)
    assert "lebih dari 5 baris" in text
    assert get_import(app, iid).status == ImportStatus.REJECTED and count_people(app, instansi.id) == before


def test_a_roster_larger_than_other_requests_may_be_is_accepted(app, client, make_instansi, make_unit, make_user,
                                                                login_as):
    """A province's roster (150,000 rows of CSV, about 25 MB) is over MAX_CONTENT_LENGTH: the upload route
    alone accepts up to ROSTER_MAX_BYTES; other routes still answer 413."""
    instansi = make_instansi()
    login_as(make_user(Role.ADMIN_BKPSDM, make_unit(instansi=instansi)))
    line = f"{make_nip()};{'Nama Pegawai Yang Cukup Panjang ' * 4};Dinas A\n"
    data = ("NIP;Nama;SKPD\n" + line * (app.config["MAX_CONTENT_LENGTH"] // len(line) + 1000)).encode()
    assert app.config["MAX_CONTENT_LENGTH"] < len(data) <= app.config["ROSTER_MAX_BYTES"]
    # the test client spools a body this large to a temporary file, which this test closes
    def post(path: str, fields: dict) -> object:
        builder = EnvironBuilder(path=path, method="POST", data=fields)
        environ = builder.get_environ()
        try:
            return client.open(environ)
        finally:
            environ["wsgi.input"].close()
            builder.close()

    iid = import_id(post("/impor/", {"file": (io.BytesIO(data), "pegawai.csv")}))
    assert get_import(app, iid).status == ImportStatus.UPLOADED
    assert post("/bahasa", {"lang": "en", "blob": (io.BytesIO(data), "x")}).status_code == 413


def test_xlsx_upload_is_converted_once_and_keeps_line_numbers(app, client, make_instansi, make_unit, make_user,
                                                              login_as):
    instansi = make_instansi()
    login_as(make_user(Role.ADMIN_BKPSDM, make_unit(instansi=instansi)))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Daftar pegawai Dinas Sosial"])
    ws.append(["NIP Baru", "Nama Lengkap", "Perangkat Daerah"])
    ws.append([GOOD, "Budi", "Dinas Sosial"])
    ws.append([1.98609262015051e17, "Cici", "Dinas Sosial"])
    buffer = io.BytesIO()
    wb.save(buffer)
    iid = import_id(upload(client, buffer.getvalue(), "pegawai.xlsx"))
    with app.app_context():
        imp = db.session.get(RosterImport, iid)
        assert imp.data == buffer.getvalue() and imp.csv_data is None  # stored as uploaded, unread
    assert run_jobs(app) == 1
    with app.app_context():
        imp = db.session.get(RosterImport, iid)
        assert imp.file_format == "xlsx" and imp.csv_data is not None and imp.row_count == 2
        assert imp.data is None  # the check converted it: the apply reads the CSV
    assert "baris 2" in client.get(f"/impor/{iid}").get_data(as_text=True).lower()
    client.post(f"/impor/{iid}/terapkan", data={})
    run_jobs(app)
    imp = get_import(app, iid)
    assert imp.created == 1 and [(e["line"], e["code"]) for e in imp.errors] == [(4, "excel_mangled")]


def test_operator_imports_only_their_skpd(app, client, make_instansi, make_unit, make_user, login_as):
    instansi = make_instansi()
    mine = make_unit("Dinas Pendidikan", instansi=instansi)
    make_unit("Dinas Kesehatan", instansi=instansi)
    operator = make_user(Role.OPERATOR_SKPD, mine)
    login_as(operator)
    page = client.get("/impor/").get_data(as_text=True)
    assert "Anda mengimpor pegawai Dinas Pendidikan" in page
    iid = checked(app, upload(client, f"NIP;Nama;SKPD\n{GOOD};Budi;\n199001012015011002;Ani;Dinas Kesehatan\n".encode()))
    assert get_import(app, iid).skpd_id == mine.id
    assert "Hanya pegawai Dinas Pendidikan" in client.get(f"/impor/{iid}").get_data(as_text=True)
    client.post(f"/impor/{iid}/terapkan", data={})
    run_jobs(app)
    imp = get_import(app, iid)
    assert imp.created == 1 and [e["code"] for e in imp.errors] == ["outside_scope"]
    # the admin of the instansi sees it; another operator of the same SKPD does not
    colleague = make_user(Role.OPERATOR_SKPD, mine)
    client.post("/keluar")
    login_as(colleague)
    assert client.get(f"/impor/{iid}/ringkasan").status_code == 404
    assert client.get(f"/impor/{iid}/galat.csv").status_code == 404
    assert f"/impor/{iid}" not in client.get("/impor/").get_data(as_text=True)


def test_superadmin_picks_the_instansi(app, client, make_instansi, make_user, login_as):
    target = make_instansi(name="Pemerintah Kabupaten Pilihan")
    login_as(make_user(Role.SUPERADMIN, None))
    page = client.get("/impor/").get_data(as_text=True)
    assert "Pemerintah Kabupaten Pilihan" in page and 'name="instansi"' in page
    iid = import_id(upload(client, f"NIP;Nama;SKPD\n{GOOD};Budi;Dinas A\n".encode(), instansi=target.slug))
    assert get_import(app, iid).instansi_id == target.id
    bad = upload(client, f"NIP;Nama;SKPD\n{GOOD};Budi;Dinas A\n".encode(), instansi="tidak-ada")
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 1


def test_csrf_token_in_header_for_fetch(app, client, csrf_enabled, make_instansi, make_unit, make_user):
    instansi = make_instansi()
    admin = make_user(Role.ADMIN_BKPSDM, make_unit(instansi=instansi))
    page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/masuk", data={"nip": admin.employee_number, "password": "rahasia-uji-123", "csrf_token": token})
    form = client.get("/impor/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    r = client.post("/impor/", data={"csrf_token": token, "file": (io.BytesIO(f"NIP;Nama;SKPD\n{GOOD};B;D\n".encode()),
                                                                   "a.csv")}, content_type="multipart/form-data")
    iid = checked(app, r)
    assert client.post(f"/impor/{iid}/terapkan", data={}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 1  # the check only
    queued = client.post(f"/impor/{iid}/terapkan", data={"csrf_token": token})
    assert queued.status_code == 302 and queued.headers["Location"].endswith("/proses")


def test_a_crash_during_apply_changes_nothing_and_can_be_retried(app, client, make_instansi, make_unit, make_user,
                                                                 login_as, monkeypatch):
    instansi = make_instansi()
    login_as(make_user(Role.ADMIN_BKPSDM, make_unit(instansi=instansi)))
    data = ("NIP;Nama;SKPD\n" + "\n".join(f"{make_nip()};P{i};Dinas Baru" for i in range(6)) + "\n").encode()
    iid = checked(app, upload(client, data))
    before = count_people(app, instansi.id)
    monkeypatch.setattr(services, "CHUNK_SIZE", 2)
    real_insert = services.insert
    calls = {"n": 0}

    def failing_insert(table):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("connection lost")
        return real_insert(table)

    monkeypatch.setattr(services, "insert", failing_insert)
    assert client.post(f"/impor/{iid}/terapkan", data={}).status_code == 302
    run_jobs(app)
    page = client.get(f"/impor/{iid}/proses")
    assert page.status_code == 200 and "tidak ada data yang diubah" in page.get_data(as_text=True)
    assert 'data-job-progress=' not in page.get_data(as_text=True)
    assert count_people(app, instansi.id) == before
    imp = get_import(app, iid)
    assert imp.status == ImportStatus.FAILED and "tidak ada data yang diubah" in imp.failure
    assert "Percobaan sebelumnya gagal" in client.get(f"/impor/{iid}").get_data(as_text=True)

    monkeypatch.setattr(services, "insert", real_insert)
    r = client.post(f"/impor/{iid}/terapkan", data={})
    assert r.status_code == 302
    run_jobs(app)
    assert count_people(app, instansi.id) == before + 6
    assert get_import(app, iid).status == ImportStatus.APPLIED


# --- "Nonaktifkan pegawai yang tidak ada di berkas ini" needs the typed count (issue 16, point 5) ---


def add_people(app, unit, names, role=Role.PESERTA) -> list[int]:
    """People of ``unit`` (bulk, without passwords); returns their ids."""
    with app.app_context():
        row = db.session.get(Unit, unit.id)
        people = [User(employee_number=make_nip(), name=name, role=role, instansi_id=row.instansi_id,
                       unit_id=row.id) for name in names]
        db.session.add_all(people)
        db.session.commit()
        return [p.id for p in people]


def active_ids(app, ids) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(User.id).where(User.id.in_(list(ids)), User.active.is_(True))))


def jobs_queued(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Job))


def three_rows(*skpd_names: str) -> bytes:
    names = (skpd_names * 3)[:3]
    return ("NIP;Nama;SKPD\n" + "".join(f"{make_nip()};Baru {i};{name}\n" for i, name in enumerate(names))).encode()


@pytest.fixture
def big_unit(app, make_instansi, make_unit, make_user):
    """An instansi whose Dinas Pendidikan has 30 participants spread over "SD Negeri 10", "SD Negeri 2"
    and the Dinas itself, two trainers, an operator; the admin of the instansi; a participant already
    inactive; and a participant of another instansi."""
    instansi = make_instansi()
    dinas = make_unit("Dinas Pendidikan", instansi=instansi)
    sd10 = make_unit("SD Negeri 10", parent=dinas)
    sd2 = make_unit("SD Negeri 2", parent=dinas)
    bkd = make_unit("Badan Kepegawaian", instansi=instansi)
    admin = make_user(Role.ADMIN_BKPSDM, bkd)
    operator = make_user(Role.OPERATOR_SKPD, dinas)
    people = (add_people(app, sd10, [f"Guru Sepuluh {i:02d}" for i in range(12)])
              + add_people(app, sd2, [f"Guru Dua {i:02d}" for i in range(12)])
              + add_people(app, dinas, [f"Staf Dinas {i:02d}" for i in range(6)])
              + add_people(app, dinas, ["Pelatih Satu", "Pelatih Dua"], Role.PELATIH))
    inactive = make_user(Role.PESERTA, dinas, password=None, active=False)
    elsewhere = make_user(Role.PESERTA, password=None)
    return {"instansi": instansi, "dinas": dinas, "sd2": sd2, "sd10": sd10, "bkd": bkd, "admin": admin,
            "operator": operator, "people": people, "inactive": inactive, "elsewhere": elsewhere}


def test_ticked_with_a_three_row_file_asks_for_the_count_before_anything(app, client, big_unit, login_as):
    """The issue: a 3-row file with the option ticked would have switched off everybody else at once."""
    login_as(big_unit["admin"])
    people = set(big_unit["people"])
    iid = checked(app, upload(client, three_rows("Dinas Pendidikan")))
    imp = get_import(app, iid)
    # 32 participants and trainers not in the file; never HR accounts, the inactive one or another instansi
    assert imp.would_deactivate == 32 and imp.active_in_scope == 32
    assert imp.row_counts == {"created": 3, "updated": 0, "unchanged": 0}
    page = client.get(f"/impor/{iid}").get_data(as_text=True)
    assert "32 pegawai akan dinonaktifkan" in page and 'id="roster-will-create">3<' in page
    assert 'id="roster-deactivate-warning"' in page and "Perhatian: jumlah ini besar" in page
    # the first ten in natural unit order: the Dinas itself, then SD Negeri 2 before SD Negeri 10
    sample = re.search(r'<table id="roster-deactivate-sample">(.*?)</table>', page, re.S).group(1)
    names = re.findall(r"<tr><td>([^<]+)</td>", sample)
    assert names == ["Pelatih Dua", "Pelatih Satu", *[f"Staf Dinas {i:02d}" for i in range(6)],
                     "Guru Dua 00", "Guru Dua 01"]
    assert "Dinas Pendidikan / SD Negeri 2" in sample and "10 pertama dari 32" in page
    assert 'name="confirm_count"' in page

    # ticked, nothing typed: the preview again with the question, nothing queued or changed
    before = jobs_queued(app)
    asked = client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, ""))
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Ketik angka 32 untuk mengonfirmasi" in text
    assert 'aria-invalid="true"' in text and 'id="error-summary"' in text
    # a wrong number: said so, nothing changed
    wrong = client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, "3"))
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "Angka yang Anda ketik (3) tidak sama" in text and "(32)" in text
    not_a_number = client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, "semua"))
    assert "Angka yang Anda ketik (semua) tidak sama" in not_a_number.get_data(as_text=True)
    # a form for another file or another count (an old preview): refused as expired
    for stale in ({"token": "0" * 64}, {"expected": "31"}):
        expired = client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, "32", **stale))
        assert expired.status_code == 200 and "Pratinjau ini sudah kedaluwarsa" in expired.get_data(as_text=True)
    assert jobs_queued(app) == before and run_jobs(app) == 0
    assert active_ids(app, people) == people and get_import(app, iid).status == ImportStatus.CHECKED

    # the right number (written as the page groups digits) applies it
    done = client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, " 32 "))
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/impor/{iid}/proses")
    assert active_ids(app, people) == people  # queued, not applied by the request
    assert run_jobs(app) == 1
    imp = get_import(app, iid)
    assert imp.status == ImportStatus.APPLIED and imp.created == 3 and imp.deactivated == 32
    assert imp.deactivate_confirmed == 32 and imp.deactivate_refused is None
    assert active_ids(app, people) == set()
    assert active_ids(app, [big_unit["admin"].id, big_unit["operator"].id, big_unit["elsewhere"].id]) == {
        big_unit["admin"].id, big_unit["operator"].id, big_unit["elsewhere"].id}
    summary = client.get(f"/impor/{iid}/ringkasan").get_data(as_text=True)
    assert 'id="roster-deactivate-refused"' not in summary


def test_unticked_imports_without_deactivating_whatever_is_typed(app, client, big_unit, login_as):
    login_as(big_unit["admin"])
    iid = checked(app, upload(client, three_rows("Dinas Pendidikan")))
    form = confirmation(client, iid, "999")
    del form["deactivate_missing"]
    assert client.post(f"/impor/{iid}/terapkan", data=form).status_code == 302
    run_jobs(app)
    imp = get_import(app, iid)
    assert imp.created == 3 and imp.deactivated == 0 and not imp.deactivate_missing
    assert imp.deactivate_confirmed is None
    assert active_ids(app, big_unit["people"]) == set(big_unit["people"])


def test_digit_grouping_is_accepted_and_a_small_share_is_not_alarming(app, client, make_instansi, make_unit,
                                                                      make_user, login_as):
    instansi = make_instansi()
    dinas = make_unit("Dinas Sosial", instansi=instansi)
    login_as(make_user(Role.ADMIN_BKPSDM, dinas))
    stay = add_people(app, dinas, [f"Tetap {i}" for i in range(1, 1010)])
    gone = add_people(app, dinas, [f"Pergi {i}" for i in range(1, 1005)])
    with app.app_context():
        numbers = db.session.scalars(select(User.employee_number).where(User.id.in_(stay))).all()
    data = ("NIP;Nama;SKPD\n" + "".join(f"{n};Nama Baru;Dinas Sosial\n" for n in numbers)).encode()
    iid = checked(app, upload(client, data))
    imp = get_import(app, iid)
    assert imp.would_deactivate == 1004 and imp.active_in_scope == 2013
    assert imp.row_counts == {"created": 0, "updated": 1009, "unchanged": 0}
    page = client.get(f"/impor/{iid}").get_data(as_text=True)
    assert "1.004 pegawai akan dinonaktifkan" in page  # 49.9 %: alarming
    assert 'id="roster-deactivate-warning"' in page
    assert client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, "1.004")).status_code == 302
    run_jobs(app)
    imp = get_import(app, iid)
    assert (imp.created, imp.updated, imp.unchanged, imp.deactivated) == (0, 1009, 0, 1004)  # as previewed
    assert active_ids(app, gone) == set()


def test_no_strong_warning_for_a_few(app, client, make_instansi, make_unit, make_user, login_as):
    instansi = make_instansi()
    dinas = make_unit("Dinas Sosial", instansi=instansi)
    login_as(make_user(Role.ADMIN_BKPSDM, dinas))
    stay = add_people(app, dinas, [f"Tetap {i}" for i in range(9)])
    add_people(app, dinas, ["Pensiun"])
    with app.app_context():
        numbers = db.session.scalars(select(User.employee_number).where(User.id.in_(stay))).all()
    data = ("NIP;Nama;SKPD\n" + "".join(f"{n};Tetap;Dinas Sosial\n" for n in numbers)).encode()
    iid = checked(app, upload(client, data))
    page = client.get(f"/impor/{iid}").get_data(as_text=True)
    assert "1 pegawai akan dinonaktifkan" in page and "Pensiun" in page
    assert 'id="roster-deactivate-warning"' not in page


def test_roster_changed_between_preview_and_apply_stops_the_deactivation(app, client, big_unit, make_user,
                                                                         login_as):
    """The job recomputes who would be switched off: not the confirmed people any more, nobody is (the
    rows are still imported, and the summary says why)."""
    login_as(big_unit["admin"])
    people = set(big_unit["people"])
    iid = checked(app, upload(client, three_rows("Dinas Pendidikan")))
    assert client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, "32")).status_code == 302
    newcomer = make_user(Role.PESERTA, big_unit["sd2"], password=None)  # joins before the job runs
    assert run_jobs(app) == 1
    imp = get_import(app, iid)
    assert imp.status == ImportStatus.APPLIED and imp.created == 3 and imp.deactivated == 0
    assert imp.deactivate_confirmed == 32 and imp.deactivate_refused == 33
    assert active_ids(app, people | {newcomer.id}) == people | {newcomer.id}
    summary = client.get(f"/impor/{iid}/ringkasan").get_data(as_text=True)
    assert 'id="roster-deactivate-refused"' in summary and "Tidak ada pegawai yang dinonaktifkan" in summary
    assert "mengonfirmasi 32 pegawai" in summary and "berisi 33 pegawai" in summary
    with app.app_context():
        from elearn.audit.models import AuditEvent
        details = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "roster.import")).one()
        assert details["deactivate_refused"] == 33 and details["deactivated"] == 0


def test_same_count_but_other_people_also_stops_the_deactivation(app, client, big_unit, make_user, login_as):
    login_as(big_unit["admin"])
    people = big_unit["people"]
    iid = checked(app, upload(client, three_rows("Dinas Pendidikan")))
    assert client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, "32")).status_code == 302
    # meanwhile one of them left (switched off by hand) and someone joined: still 32, not the same 32
    with app.app_context():
        db.session.get(User, people[0]).active = False
        db.session.commit()
    newcomer = make_user(Role.PESERTA, big_unit["sd2"], password=None)
    run_jobs(app)
    imp = get_import(app, iid)
    assert imp.deactivated == 0 and imp.deactivate_refused == 32 and imp.created == 3
    assert active_ids(app, [*people[1:], newcomer.id]) == {*people[1:], newcomer.id}


def test_operator_sees_and_deactivates_only_their_skpd(app, client, big_unit, login_as):
    instansi = big_unit["instansi"]
    with app.app_context():
        from elearn.org.services import create_unit
        other = create_unit(db.session.get(type(instansi), instansi.id), "Dinas Kesehatan")
        db.session.commit()
        db.session.refresh(other)
    others = add_people(app, other, [f"Perawat {i}" for i in range(5)])
    login_as(big_unit["operator"])
    iid = checked(app, upload(client, three_rows("Dinas Pendidikan")))
    imp = get_import(app, iid)
    assert imp.skpd_id == big_unit["dinas"].id
    # the operator's SKPD only, and only whom an operator may manage: the 30 participants, not the trainers
    assert imp.would_deactivate == 30 and imp.active_in_scope == 30
    page = client.get(f"/impor/{iid}").get_data(as_text=True)
    assert "Perawat" not in page and "Pelatih" not in page and "Pegawai Dinas Pendidikan yang tidak tercantum" in page
    assert "30 pegawai akan dinonaktifkan" in page
    assert client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, "35")).status_code == 200
    assert client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, "30")).status_code == 302
    run_jobs(app)
    assert get_import(app, iid).deactivated == 30
    trainers = big_unit["people"][-2:]
    assert active_ids(app, others) == set(others) and active_ids(app, big_unit["people"]) == set(trainers)


def test_an_import_checked_before_the_confirmation_existed_can_only_be_applied_without_it(
        app, client, big_unit, login_as):
    login_as(big_unit["admin"])
    iid = checked(app, upload(client, three_rows("Dinas Pendidikan")))
    with app.app_context():
        imp = db.session.get(RosterImport, iid)
        imp.preview = {k: v for k, v in imp.preview.items() if k != "deactivate_digest"}
        imp.file_digest = None
        db.session.commit()
    page = client.get(f"/impor/{iid}").get_data(as_text=True)
    assert "unggah berkas ini lagi untuk menonaktifkan" in page and 'name="deactivate_missing"' not in page
    refused = client.post(f"/impor/{iid}/terapkan", data={"deactivate_missing": "y", "confirm_count": "32"})
    assert refused.status_code == 200 and "Pratinjau ini sudah kedaluwarsa" in refused.get_data(as_text=True)
    assert run_jobs(app) == 0
    assert client.post(f"/impor/{iid}/terapkan", data={}).status_code == 302
    run_jobs(app)
    assert get_import(app, iid).deactivated == 0 and active_ids(app, big_unit["people"]) == set(big_unit["people"])


def test_a_job_queued_without_a_confirmation_deactivates_nobody(app, big_unit):
    """An apply job queued before the confirmation existed (or by anything that skips it)."""
    with app.app_context():
        admin = db.session.get(User, big_unit["admin"].id)
        imp = services.create_upload(admin.instansi, admin, "a.csv", three_rows("Dinas Pendidikan"))
        db.session.commit()
        iid = imp.id
    run_jobs(app)
    with app.app_context():
        imp = db.session.get(RosterImport, iid)
        admin = db.session.get(User, big_unit["admin"].id)
        job_services.enqueue(services.IMPORT_JOB, {"import_id": iid, "actor_id": admin.id,
                                                   "deactivate_missing": True}, created_by_id=admin.id)
        db.session.commit()
    assert run_jobs(app) == 1
    imp = get_import(app, iid)
    assert imp.created == 3 and imp.deactivated == 0 and imp.deactivate_refused == 32


def test_preview_statements_do_not_grow_with_the_people(app, client, make_instansi, make_unit, make_user,
                                                        login_as):
    def statements(n: int) -> int:
        instansi = make_instansi()
        dinas = make_unit("Dinas Sosial", instansi=instansi)
        units = [make_unit(f"Bidang {i}", parent=dinas) for i in range(3)]
        client.post("/keluar")
        login_as(make_user(Role.ADMIN_BKPSDM, dinas))
        for i in range(n):
            add_people(app, units[i % 3], [f"Pegawai {i}"])
        iid = checked(app, upload(client, three_rows("Dinas Sosial")))
        assert get_import(app, iid).would_deactivate == n
        url = f"/impor/{iid}"
        assert client.get(url).status_code == 200
        with count_statements(app, transaction_control=False) as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    assert statements(2) == statements(25)


def test_nobody_to_switch_off_needs_no_number(app, client, make_instansi, make_unit, make_user, login_as):
    instansi = make_instansi()
    login_as(make_user(Role.ADMIN_BKPSDM, make_unit("Dinas Sosial", instansi=instansi)))
    iid = checked(app, upload(client, three_rows("Dinas Sosial")))
    page = client.get(f"/impor/{iid}").get_data(as_text=True)
    assert "0 pegawai akan dinonaktifkan" in page and 'name="confirm_count"' not in page
    assert 'id="roster-deactivate-warning"' not in page and 'id="roster-deactivate-sample"' not in page
    assert client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, "")).status_code == 302
    run_jobs(app)
    imp = get_import(app, iid)
    assert imp.created == 3 and imp.deactivated == 0 and imp.deactivate_confirmed == 0
    assert imp.deactivate_refused is None


def test_odd_digits_typed_get_a_message_never_an_error_page(app, client, big_unit, login_as):
    """A superscript ("3²": str.isdigit() says yes, int() refuses) or thousands of digits (beyond
    Python's int() limit for text) is a wrong number, said so on the preview, nothing queued; other
    scripts' decimal digits (Arabic-Indic, full-width) are the same number and confirm it."""
    login_as(big_unit["admin"])
    iid = checked(app, upload(client, three_rows("Dinas Pendidikan")))
    before = jobs_queued(app)
    for typed in ("3²", "²", "9" * 5000, "3\u00b2", "٣ ²"):
        response = client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, typed))
        text = response.get_data(as_text=True)
        assert response.status_code == 200, typed
        assert "tidak sama dengan jumlah pegawai yang akan dinonaktifkan" in text and "(32)" in text
    assert jobs_queued(app) == before and get_import(app, iid).status == ImportStatus.CHECKED
    assert active_ids(app, big_unit["people"]) == set(big_unit["people"])
    # "٣٢" (Arabic-Indic) and "３２" (full-width) are 32
    assert client.post(f"/impor/{iid}/terapkan", data=confirmation(client, iid, "３２")).status_code == 302
    run_jobs(app)
    assert get_import(app, iid).deactivated == 32
