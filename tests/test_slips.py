"""Activation slips: per SKPD (new arrivals by default, cancelling nothing; or everyone not yet
activated) and for one person; unit kerja and a QR code of the activation page (never the code) on
each slip, sorted by unit; PDF and CSV, formula-injection safety, audit, wording (no "reset" for a
first code)."""
from __future__ import annotations

import csv
import io
import re
import zlib

import pytest
from sqlalchemy import select

from elearn.accounts import services, slips
from elearn.accounts.models import Role, User
from elearn.audit.models import AuditEvent
from elearn.auth import services as auth_services
from elearn.db import db
from elearn.org.models import Unit
from elearn.errors import ServiceError
from support import TEST_PASSWORD, count_statements, login, make_nip


@pytest.fixture
def skpd(make_instansi, make_unit, make_user, app):
    a = make_instansi(name="Pemerintah Kota Contoh")
    x = make_unit("Dinas Pendidikan", instansi=a)
    x1 = make_unit("SD Negeri 1", parent=x)
    y = make_unit("Dinas Kesehatan", instansi=a)
    admin = make_user(Role.ADMIN_BKPSDM, y)
    operator = make_user(Role.OPERATOR_SKPD, x)  # activated (has a password)
    with app.app_context():
        for i in range(11):  # 11 people in X (across its sub-unit): two PDF pages of 8
            db.session.add(User(employee_number=make_nip(), name=f"Guru {i:02d}", role=Role.PESERTA,
                                instansi_id=a.id, unit_id=(x1 if i % 2 else x).id))
        db.session.add(User(employee_number=make_nip(), name="=HYPERLINK(\"http://evil\")", role=Role.PESERTA,
                            instansi_id=a.id, unit_id=x1.id))
        db.session.add(User(employee_number=make_nip(), name="Pensiun", role=Role.PESERTA,
                            instansi_id=a.id, unit_id=x1.id, active=False))
        db.session.add(User(employee_number=make_nip(), name="Perawat Y", role=Role.PESERTA,
                            instansi_id=a.id, unit_id=y.id))
        db.session.commit()
    return {"instansi": a, "x": x, "x1": x1, "y": y, "admin": admin, "operator": operator}


def _pdf_page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def _pdf_text(pdf: bytes) -> str:
    """Concatenated (decompressed) content streams of a reportlab PDF."""
    text = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = match.group(1)
        try:
            data = zlib.decompress(data)
        except zlib.error:
            try:
                import base64

                data = zlib.decompress(base64.a85decode(data.strip(), adobe=True))
            except Exception:  # noqa: BLE001
                continue
        text.append(data.decode("latin-1"))
    return "\n".join(text).replace("\\(", "(").replace("\\)", ")")  # PDF string escapes


def _issue_code(app, name: str) -> str:
    """A code handed out earlier (a slip already printed) for the person called ``name``."""
    with app.app_context():
        person = db.session.scalar(select(User).where(User.name == name))
        code = auth_services.issue_activation_code(person)
        db.session.commit()
        return code


def _activates(app, name: str, code: str) -> bool:
    """Whether ``code`` activates the account (it commits: the person is activated afterwards)."""
    with app.app_context():
        number = db.session.scalar(select(User.employee_number).where(User.name == name))
        try:
            auth_services.activate(number, code, "kata-sandi-baru-9", "kata-sandi-baru-9")
        except ServiceError:
            db.session.rollback()
            return False
        db.session.commit()
        return True


def _csv_rows(response) -> list[list[str]]:
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_confirm_page_counts_each_scope_and_warns(client, skpd, app):
    _issue_code(app, "Guru 03")  # a slip already handed out
    login(client, skpd["operator"])
    html = client.get("/pegawai/slip").get_data(as_text=True)  # the operator's own SKPD by default
    # the default scope: new arrivals only (the activated operator is never counted: nobody issues a
    # code for their own account, nor for a role they cannot grant:
    # tests/test_people.py::test_operator_slips_leave_out_accounts_they_cannot_administer)
    assert re.search(r'<input[^>]*checked[^>]*value="baru"|<input[^>]*value="baru"[^>]*checked', html)
    assert not re.search(r'<input[^>]*checked[^>]*value="semua"|<input[^>]*value="semua"[^>]*checked', html)
    assert "Slip yang sudah dibagikan tetap berlaku" in html
    assert "(11 orang)" in html and "(12 orang)" in html
    assert "slip yang pernah dicetak untuk mereka tidak berlaku lagi" in html
    assert "reset" not in html.lower() and "atur ulang" not in html.lower()


def test_pdf_has_one_slip_per_pending_person_with_unit_and_qr(client, skpd, app):
    login(client, skpd["admin"])
    r = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "pdf"})  # no scope: the default
    assert r.status_code == 200
    assert r.mimetype == "application/pdf"
    assert r.data.startswith(b"%PDF")
    assert r.headers["X-Slip-Count"] == "12"
    assert "slip-aktivasi-dinas-pendidikan-" in r.headers["Content-Disposition"]
    assert _pdf_page_count(r.data) == 2  # 12 slips at 8 per page
    text = _pdf_text(r.data)
    assert text.count("Kode aktivasi") == 12
    assert "Guru 00" in text and "Pemerintah Kota Contoh" in text and "http://localhost/aktivasi" in text
    assert "Pensiun" not in text and "Perawat Y" not in text
    # the unit kerja on every slip: the SKPD alone, or the sub-unit with its SKPD
    assert text.count("Unit kerja: SD Negeri 1 (Dinas Pendidikan)") == 6
    assert text.count("Unit kerja: Dinas Pendidikan") == 12 - 6
    with app.app_context():
        people = db.session.scalars(
            select(User).join(Unit, Unit.id == User.unit_id).where(Unit.skpd_id == skpd["x"].id)
        ).all()
        issued = {p.name for p in people if p.activation_code_hash is not None}
        assert len(issued) == 12 and "Pensiun" not in issued
        op = db.session.get(User, skpd["operator"].id)
        assert op.activation_code_hash is None  # already activated: left alone
        # stored as a SHA-256 hex digest, not argon2
        assert all(len(p.activation_code_hash) == 64 for p in people if p.activation_code_hash)
        numbers = sorted(p.employee_number for p in people if p.activation_code_hash)
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.slips")).all()
        assert event.details["count"] == 12 and event.details["skpd"] == "Dinas Pendidikan"
        assert event.details["new_only"] is True
        assert event.actor_id == skpd["admin"].id
    # each slip's QR code (and its link) is the activation page with that person's NIP, no code
    links = sorted(m.decode() for m in re.findall(rb"/URI \((http[^)]*)\)", r.data))
    assert links == sorted(f"http://localhost/aktivasi#nip={n}" for n in numbers)


def test_qr_code_encodes_the_activation_page_with_the_nip_never_the_code(client, skpd, app, monkeypatch):
    encoded: list[str] = []
    real = slips.qr_matrix
    monkeypatch.setattr(slips, "qr_matrix", lambda url: encoded.append(url) or real(url))
    login(client, skpd["admin"])
    pdf = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "pdf", "scope": "baru"})
    csv_r = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "csv", "scope": "semua"})
    assert pdf.headers["X-Slip-Count"] == "12" and len(encoded) == 12
    rows = _csv_rows(csv_r)[1:]
    numbers = {row[4].replace(" ", "") for row in rows}
    assert {url.split("#nip=")[1] for url in encoded} == numbers
    for url in encoded:
        assert re.fullmatch(r"http://localhost/aktivasi#nip=\d{18}", url)
    # what is drawn is that URL's QR code (segno, error correction M)
    import segno

    assert real(encoded[0]) == [
        bytes(row) for row in segno.make(encoded[0], error="m", mask=slips.QR_MASK).matrix_iter(border=2)
    ]
    assert slips.activation_link("https://x.go.id/aktivasi", "NONASN 01/2") == "https://x.go.id/aktivasi#nip=NONASN%2001%2F2"


def test_default_scope_cancels_no_code_already_handed_out(client, skpd, app):
    old_code = _issue_code(app, "Guru 03")
    login(client, skpd["operator"])
    r = client.post("/pegawai/slip", data={"fmt": "csv"})  # default scope, the operator's own SKPD
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = _csv_rows(r)
    names = [row[3] for row in rows[1:]]
    assert len(names) == 11 and "Guru 03" not in names
    # the slip printed before still works afterwards
    with app.app_context():
        guru = db.session.scalar(select(User).where(User.name == "Guru 03"))
        assert guru.activation_code_hash == auth_services.hash_code(old_code)
    # a second run finds nobody new: everyone now holds a working code, and nothing changes
    with app.app_context():
        before = dict(db.session.execute(select(User.id, User.activation_code_hash)).all())
    again = client.post("/pegawai/slip", data={"fmt": "csv", "scope": "baru"})
    assert again.headers["X-Slip-Count"] == "0"
    with app.app_context():
        assert dict(db.session.execute(select(User.id, User.activation_code_hash)).all()) == before
    assert _activates(app, "Guru 03", old_code)


def test_expired_codes_count_as_none(client, skpd, app):
    import datetime as dt

    _issue_code(app, "Guru 03")
    with app.app_context():
        guru = db.session.scalar(select(User).where(User.name == "Guru 03"))
        guru.activation_expires_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
        db.session.commit()
    login(client, skpd["admin"])
    r = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "csv", "scope": "baru"})
    assert "Guru 03" in [row[3] for row in _csv_rows(r)[1:]]


def test_scope_all_pending_gives_new_codes_and_earlier_codes_stop(client, skpd, app):
    old_code = _issue_code(app, "Guru 03")
    login(client, skpd["operator"])
    r = client.post("/pegawai/slip", data={"fmt": "csv", "scope": "semua"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = _csv_rows(r)
    assert rows[0] == ["Instansi", "Perangkat daerah", "Unit kerja", "Nama", "NIP", "Kode aktivasi",
                       "Berlaku sampai", "Alamat aktivasi"]
    assert len(rows) == 13
    by_name = {row[3]: row for row in rows[1:]}
    row = by_name["Guru 03"]
    assert row[2] == "SD Negeri 1" and row[1] == "Dinas Pendidikan"
    assert re.fullmatch(r"\d{8} \d{6} \d \d{3}", row[4])  # spaced so Excel keeps it text
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", row[5])
    # formula injection neutralised
    assert "'=HYPERLINK(\"http://evil\")" in by_name
    with app.app_context():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.slips")).all()
        assert event.details == {"skpd": "Dinas Pendidikan", "count": 12, "new_only": False}
    assert not _activates(app, "Guru 03", old_code)
    assert _activates(app, "Guru 03", row[5])


def test_activated_people_never_get_a_slip_in_any_scope(client, skpd, app, make_user):
    activated = make_user(Role.PESERTA, skpd["x1"], name="Sudah Aktif")
    login(client, skpd["admin"])
    for scope in ("baru", "semua"):
        r = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "csv", "scope": scope})
        assert r.status_code == 200
        assert "Sudah Aktif" not in r.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(User, activated.id)
        assert row.activation_code_hash is None and row.password_hash is not None
    # an unknown scope is refused, nothing issued
    r = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "csv", "scope": "aktif"})
    assert r.status_code == 400


def test_slips_are_sorted_by_unit_in_natural_order_then_name(client, skpd, app, make_unit):
    sd10 = make_unit("SD Negeri 10", parent=skpd["x"])
    sd2 = make_unit("SD Negeri 2", parent=skpd["x"])
    with app.app_context():
        for name, unit in (("Zaenal", sd2), ("Ahmad", sd10), ("Bambang", sd2), ("Citra", sd10)):
            db.session.add(User(employee_number=make_nip(), name=name, role=Role.PESERTA,
                                instansi_id=skpd["instansi"].id, unit_id=unit.id))
        db.session.commit()
    login(client, skpd["admin"])
    r = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "csv", "scope": "baru"})
    rows = _csv_rows(r)[1:]
    units = [row[2] for row in rows]
    # the SKPD's own people, then its sub-units as people read them: 1, 2, 10
    order = ["Dinas Pendidikan", "SD Negeri 1", "SD Negeri 2", "SD Negeri 10"]
    assert sorted(units, key=order.index) == units and set(units) == set(order)
    assert [row[3] for row in rows if row[2] == "SD Negeri 2"] == ["Bambang", "Zaenal"]
    assert [row[3] for row in rows if row[2] == "SD Negeri 10"] == ["Ahmad", "Citra"]
    dinas = [row[3] for row in rows if row[2] == "Dinas Pendidikan"]
    assert dinas == sorted(dinas)


def test_operator_cannot_print_another_skpd(client, skpd):
    login(client, skpd["operator"])
    assert client.post(f"/pegawai/slip?skpd={skpd['y'].id}", data={"fmt": "pdf"}).status_code == 404
    assert client.post(f"/pegawai/slip?skpd={skpd['x1'].id}", data={"fmt": "pdf"}).status_code == 404
    assert client.post("/pegawai/slip?skpd=abc", data={"fmt": "pdf"}).status_code == 404


def test_pdf_text_folds_characters_outside_latin1():
    assert slips.pdf_text("Siti Rahmawati, S.Pd.") == "Siti Rahmawati, S.Pd."
    assert slips.pdf_text("Ñoman Ŝ") == "Ñoman S"  # Ñ is Latin-1; Ŝ folds to S
    assert slips.pdf_text("漢") == "?"


def test_empty_batch_still_gives_a_pdf(app):
    batch = slips.SlipBatch("Kota", "Dinas", "http://x/aktivasi", None, "Asia/Jakarta", [])
    with app.test_request_context():
        assert slips.render_pdf(batch).startswith(b"%PDF")


def test_issuing_codes_runs_no_query_per_person(client, skpd, app):
    """One SELECT of the people (with their units) and one batched UPDATE, however many people the
    SKPD has: the statement count is the same for 12 and for 36 slips."""
    login(client, skpd["admin"])

    def issue() -> tuple[str, list[str]]:
        with count_statements(app, transaction_control=False) as statements:
            r = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "pdf", "scope": "semua"})
        return r.headers["X-Slip-Count"], statements

    count, few = issue()
    assert count == "12"
    assert [s for s in few if s.lstrip().upper().startswith("UPDATE")] == [
        next(s for s in few if s.lstrip().upper().startswith("UPDATE"))
    ]
    with app.app_context():
        for i in range(24):
            db.session.add(User(employee_number=make_nip(), name=f"Baru {i:02d}", role=Role.PESERTA,
                                instansi_id=skpd["instansi"].id, unit_id=skpd["x1"].id))
        db.session.commit()
    count, many = issue()
    assert count == "36"
    assert len(many) == len(few), many


def test_update_is_one_batched_statement(client, skpd, app):
    from sqlalchemy import event

    login(client, skpd["admin"])
    statements: list[tuple[str, bool]] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append((statement.split()[0].upper(), executemany))

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        r = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "csv"})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.headers["X-Slip-Count"] == "12"
    updates = [s for s in statements if s[0] == "UPDATE"]
    assert updates == [("UPDATE", True)], statements
    assert len(statements) < 12, statements


def test_slips_print_the_public_base_url_not_the_request_host(client, skpd, app, monkeypatch):
    """With ELEARN_PUBLIC_BASE_URL set, the activation address on a slip (and after a reset) is the
    public one, like the QR code of a signed PDF: not the host HR happened to open the app by."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://elearn.kotacontoh.go.id/")
    login(client, skpd["admin"])
    r = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "csv"})
    body = r.get_data(as_text=True)
    assert "https://elearn.kotacontoh.go.id/aktivasi" in body and "http://localhost" not in body
    with app.app_context():
        person_id = db.session.scalar(select(User.id).where(User.name == "Guru 00"))
    page = client.post(f"/pegawai/{person_id}/slip").get_data(as_text=True)
    assert "https://elearn.kotacontoh.go.id/aktivasi" in page and "http://localhost/aktivasi" not in page


# --- a slip for one person -----------------------------------------------------------------


def _person(app, name: str) -> User:
    with app.app_context():
        person = db.session.scalar(select(User).where(User.name == name))
        db.session.expunge(person)
        return person


def test_one_person_slip_shows_unit_code_and_qr_and_activates(client, skpd, app):
    guru = _person(app, "Guru 03")  # in SD Negeri 1
    login(client, skpd["operator"])
    page = client.get(f"/pegawai/{guru.id}").get_data(as_text=True)
    assert f'action="/pegawai/{guru.id}/slip"' in page and "Cetak slip aktivasi" in page
    assert f"/pegawai/{guru.id}/reset" not in page and "Atur ulang akun" not in page
    r = client.post(f"/pegawai/{guru.id}/slip")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "Kode aktivasi diterbitkan" in html
    assert "diatur ulang" not in html.lower() and "reset" not in html.lower()
    assert "Unit kerja: SD Negeri 1 (Dinas Pendidikan)" in " ".join(html.split())
    code = re.search(r'class="code slip-code">([A-Z0-9-]+)<', html).group(1)
    # the QR image is the activation page with the NIP in the fragment: the same picture segno
    # makes of that URL, and not the one of any URL holding the code
    qr_src = re.search(r'<img class="slip-qr" src="([^"]+)"', html).group(1)
    expected = f"http://localhost/aktivasi#nip={guru.employee_number}"
    assert qr_src.replace("&#39;", "'").replace("&amp;", "&") == slips.qr_svg_data_uri(expected)
    assert code not in qr_src and code.replace("-", "") not in qr_src
    with app.app_context():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.activation_code")).all()
        assert event.target_id == guru.id and event.actor_id == skpd["operator"].id
        assert event.details == {"name": "Guru 03", "replaced": False}
        assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.reset")).all()
    assert _activates(app, "Guru 03", code)


def test_one_person_slip_replaces_that_persons_earlier_code_only(client, skpd, app):
    old_code = _issue_code(app, "Guru 03")
    other_code = _issue_code(app, "Guru 04")
    guru = _person(app, "Guru 03")
    login(client, skpd["admin"])
    page = client.get(f"/pegawai/{guru.id}").get_data(as_text=True)
    assert "slip lama tidak berlaku lagi" in page  # the button says what a new slip does
    html = client.post(f"/pegawai/{guru.id}/slip").get_data(as_text=True)
    code = re.search(r'class="code slip-code">([A-Z0-9-]+)<', html).group(1)
    with app.app_context():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.activation_code")).all()
        assert event.details["replaced"] is True
    assert not _activates(app, "Guru 03", old_code)
    assert _activates(app, "Guru 03", code)
    assert _activates(app, "Guru 04", other_code)  # nobody else's slip is touched


def test_activated_person_gets_a_reset_not_a_slip(client, skpd, app, make_user):
    activated = make_user(Role.PESERTA, skpd["x1"], name="Sudah Aktif")
    login(client, skpd["operator"])
    page = client.get(f"/pegawai/{activated.id}").get_data(as_text=True)
    assert "Atur ulang akun" in page and f"/pegawai/{activated.id}/slip" not in page
    r = client.post(f"/pegawai/{activated.id}/slip")
    assert r.status_code == 302 and r.headers["Location"] == f"/pegawai/{activated.id}/reset"
    with app.app_context():
        row = db.session.get(User, activated.id)
        assert row.activation_code_hash is None and row.password_hash is not None  # nothing changed
    confirm = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "sudah aktivasi. Untuk memberi kode baru, atur ulang akunnya." in confirm
    done = client.post(f"/pegawai/{activated.id}/reset").get_data(as_text=True)
    assert "Akun diatur ulang" in done and 'class="slip-qr"' in done


def test_reset_of_a_person_never_activated_issues_nothing(client, skpd, app):
    guru = _person(app, "Guru 03")
    login(client, skpd["admin"])
    for method in (client.get, client.post):
        r = method(f"/pegawai/{guru.id}/reset")
        assert r.status_code == 302 and r.headers["Location"] == f"/pegawai/{guru.id}"
    assert "belum aktivasi, jadi tidak ada yang perlu diatur ulang" in client.get(f"/pegawai/{guru.id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, guru.id).activation_code_hash is None
        assert not db.session.scalars(select(AuditEvent)).all()


def test_inactive_person_gets_no_slip(client, skpd, app):
    gone = _person(app, "Pensiun")
    login(client, skpd["admin"])
    assert "Cetak slip aktivasi" not in client.get(f"/pegawai/{gone.id}").get_data(as_text=True)
    r = client.post(f"/pegawai/{gone.id}/slip")
    assert r.status_code == 302 and r.headers["Location"] == f"/pegawai/{gone.id}"
    assert "Akun ini nonaktif" in client.get(r.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, gone.id).activation_code_hash is None


def test_operator_one_person_slip_stays_in_scope(client, skpd, app, make_user):
    perawat = _person(app, "Perawat Y")  # another SKPD
    pelatih = make_user(Role.PELATIH, skpd["x1"], password=None, name="Pelatih Baru")  # a role they cannot grant
    login(client, skpd["operator"])
    assert client.post(f"/pegawai/{perawat.id}/slip").status_code == 404
    assert client.post(f"/pegawai/{pelatih.id}/slip").status_code == 403
    with app.app_context():
        assert db.session.get(User, perawat.id).activation_code_hash is None
        assert db.session.get(User, pelatih.id).activation_code_hash is None


def test_services_word_a_first_code_apart_from_a_reset(app, skpd, make_user):
    activated = make_user(Role.PESERTA, skpd["x1"], name="Sudah Aktif")
    with app.test_request_context():
        guru = db.session.scalar(select(User).where(User.name == "Guru 03"))
        person = db.session.get(User, activated.id)
        with pytest.raises(ServiceError) as refused:
            services.reset(None, guru)
        assert refused.value.code == "not_activated" and "tidak ada yang perlu diatur ulang" in refused.value.message
        with pytest.raises(ServiceError) as refused:
            services.issue_slip(None, person)
        assert refused.value.code == "already_activated"
        assert person.activation_code_hash is None and guru.activation_code_hash is None
        assert services.issue_slip(None, guru)
        assert services.reset(None, person)
        actions = sorted(db.session.scalars(select(AuditEvent.action)))
        assert actions == ["account.activation_code", "account.reset"]
        db.session.rollback()


def test_cli_reset_of_a_person_never_activated_words_it_as_a_first_code(app, skpd):
    guru = _person(app, "Guru 03")
    result = app.test_cli_runner().invoke(args=["account", "reset", guru.employee_number])
    assert result.exit_code == 0, result.output
    assert "belum pernah diaktifkan: kode aktivasi baru diterbitkan" in result.output
    assert "diatur ulang" not in result.output
    code = re.search(r"Kode aktivasi: (\S+)", result.output).group(1)
    assert _activates(app, "Guru 03", code)


def test_activation_page_reads_the_nip_from_the_fragment_with_a_static_script(client):
    html = client.get("/aktivasi").get_data(as_text=True)
    src = re.search(r'<script src="(/static/js/activation-nip[^"]*\.js)"></script>', html).group(1)
    assert "<script>" not in html  # no inline script (CSP)
    assert 'id="nip"' in html and 'id="code"' in html  # without JS the NIP is typed by hand
    script = client.get(src)
    assert script.status_code == 200 and b'getElementById("nip")' in script.get_data()
    script.close()


def test_pdf_draws_exactly_the_qr_code_of_the_activation_link(app):
    """The dark squares drawn on the slip, read back from the PDF, are the modules of the QR code
    of ``<activation page>#nip=<NIP>`` (and the slip links there)."""
    url = slips.activation_link("https://elearn.kotacontoh.go.id/aktivasi", "198609262015052001")
    batch = slips.SlipBatch("Kota", "Dinas", "https://elearn.kotacontoh.go.id/aktivasi", None, "Asia/Jakarta",
                            [slips.Slip("Siti", "19860926 201505 2 001", "SD Negeri 2", "ABCD-EFGH-JKMN", url)])
    with app.test_request_context():
        pdf = slips.render_pdf(batch)
    assert re.findall(rb"/URI \((http[^)]*)\)", pdf) == [url.encode()]
    block = re.search(r"q 0 g\n(.*?)\nf Q", _pdf_text(pdf), re.S).group(1)
    rects = [tuple(float(v) for v in line.split()[:4]) for line in block.splitlines()]
    matrix = slips.qr_matrix(url)
    size = len(matrix)
    module = rects[0][3] - 0.05
    left = min(x for x, *_ in rects) - 2 * module  # the first dark module is inside the quiet zone
    top = max(y for _, y, *__ in rects) + module + 2 * module
    drawn = [bytearray(size) for _ in range(size)]
    for x, y, w, _h in rects:
        row = round((top - y) / module) - 1
        start = round((x - left) / module)
        for c in range(start, start + round((w - 0.05) / module)):
            drawn[row][c] = 1
    assert [bytes(r) for r in drawn] == matrix


def test_a_slip_file_that_fails_to_be_made_issues_no_code(client, skpd, app, monkeypatch):
    """The PDF is made before the codes are committed: when making it fails (or the worker is stopped),
    nobody holds a code nobody printed, and the default scope finds the same people on the next try."""
    from elearn.accounts import slips  # noqa: PLC0415

    login(client, skpd["operator"])
    with app.app_context():
        before = dict(db.session.execute(select(User.id, User.activation_code_hash)).all())

    def broken(batch):  # type: ignore[no-untyped-def]
        raise RuntimeError("the PDF could not be drawn")

    monkeypatch.setattr(slips, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        client.post("/pegawai/slip", data={"fmt": "pdf"})
    with app.app_context():
        assert dict(db.session.execute(select(User.id, User.activation_code_hash)).all()) == before
    monkeypatch.undo()
    again = client.post("/pegawai/slip", data={"fmt": "pdf"})
    assert again.status_code == 200 and again.headers["X-Slip-Count"] == "12"


def test_a_large_skpd_prints_unit_by_unit_and_a_pdf_has_a_ceiling(client, skpd, app):
    """Every slip draws a QR code, so one PDF holds at most SLIPS_PDF_MAX slips: above it nothing is issued
    and the page says to choose a unit kerja (or take the CSV); a unit's slips cover it and the units
    under it only."""
    app.config["SLIPS_PDF_MAX"] = 10
    login(client, skpd["admin"])
    x, x1 = skpd["x"].id, skpd["x1"].id
    with app.app_context():
        before = dict(db.session.execute(select(User.id, User.activation_code_hash)).all())
    page = client.get(f"/pegawai/slip?skpd={x}&unit={x1}").get_data(as_text=True)
    assert 'name="unit"' in page and "(6 orang)" in page  # SD Negeri 1's six people
    assert "Satu PDF memuat paling banyak" not in page
    assert "Satu PDF memuat paling banyak 10 slip" in client.get(f"/pegawai/slip?skpd={x}").get_data(as_text=True)

    refused = client.post(f"/pegawai/slip?skpd={x}", data={"fmt": "pdf", "scope": "baru"})
    assert refused.status_code == 302 and f"skpd={x}" in refused.headers["Location"]
    assert "terlalu banyak untuk satu PDF" in client.get(refused.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert dict(db.session.execute(select(User.id, User.activation_code_hash)).all()) == before

    one_unit = client.post(f"/pegawai/slip?skpd={x}", data={"fmt": "pdf", "scope": "baru", "unit": str(x1)})
    assert one_unit.status_code == 200 and one_unit.headers["X-Slip-Count"] == "6"
    rest = client.post(f"/pegawai/slip?skpd={x}", data={"fmt": "csv", "scope": "baru"})  # CSV: no ceiling
    assert {row[2] for row in _csv_rows(rest)[1:]} == {"Dinas Pendidikan"}  # SD Negeri 1 holds working codes
    # a unit of another SKPD is refused, nothing issued
    other = client.post(f"/pegawai/slip?skpd={x}", data={"fmt": "csv", "scope": "semua", "unit": str(skpd["y"].id)})
    assert other.status_code == 404


def test_names_on_the_one_person_slip_are_escaped(client, skpd, app, make_unit, make_user):
    """A unit or a person named like markup (roster files and HR forms accept any text) is shown as
    text on the one-person slip page and in the flash messages around it, never as HTML."""
    evil_unit = make_unit('<img src=x onerror="alert(1)">', parent=skpd["x"])
    person = make_user(Role.PESERTA, evil_unit, password=None, name="<script>alert(2)</script>")
    login(client, skpd["operator"])
    html = client.post(f"/pegawai/{person.id}/slip").get_data(as_text=True)
    assert "Kode aktivasi diterbitkan" in html
    assert "<script>alert(2)" not in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    # activated meanwhile: the refusal names the person in a flash message, escaped as well
    with app.app_context():
        db.session.get(User, person.id).password_hash = "x"
        db.session.commit()
    client.post(f"/pegawai/{person.id}/slip")
    flashed = client.get(f"/pegawai/{person.id}/reset").get_data(as_text=True)
    assert "sudah aktivasi" in flashed and "<script>alert(2)" not in flashed
