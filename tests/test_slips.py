"""Activation slips per SKPD: fresh codes, PDF and CSV, formula-injection safety, audit."""
from __future__ import annotations

import csv
import io
import re
import zlib

import pytest
from sqlalchemy import select

from elearn.accounts import slips
from elearn.accounts.models import Role, User
from elearn.audit.models import AuditEvent
from elearn.auth import services as auth_services
from elearn.db import db
from elearn.org.models import Unit
from elearn.errors import ServiceError
from support import login, make_nip


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
    return "\n".join(text)


def test_confirm_page_counts_and_warns(client, skpd):
    login(client, skpd["operator"])
    html = client.get("/pegawai/slip").get_data(as_text=True)  # the operator's own SKPD by default
    assert "12 pegawai akan mendapat kode aktivasi baru" in html
    assert "tidak berlaku lagi" in html
    html = client.get(f"/pegawai/slip?skpd={skpd['x'].id}&semua=1").get_data(as_text=True)
    # the activated operator is not counted: nobody issues a code for their own account (nor for a
    # role they cannot grant: tests/test_people.py::test_operator_slips_leave_out_accounts_they_cannot_administer)
    assert "12 pegawai akan mendapat kode aktivasi baru" in html


def test_pdf_has_one_slip_per_pending_person(client, skpd, app):
    login(client, skpd["admin"])
    r = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "pdf", "only_pending": "y"})
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
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.slips")).all()
        assert event.details["count"] == 12 and event.details["skpd"] == "Dinas Pendidikan"
        assert event.actor_id == skpd["admin"].id


def test_csv_codes_work_and_earlier_codes_stop(client, skpd, app):
    with app.app_context():
        guru = db.session.scalar(select(User).where(User.name == "Guru 03"))
        old_code = auth_services.issue_activation_code(guru)
        db.session.commit()
    login(client, skpd["operator"])
    r = client.post("/pegawai/slip", data={"fmt": "csv", "only_pending": "y"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    body = r.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
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
        number = db.session.get(User, guru.id).employee_number
        with pytest.raises(ServiceError):
            auth_services.activate(number, old_code, "kata-sandi-baru-9", "kata-sandi-baru-9")
        db.session.rollback()
        assert auth_services.activate(number, row[5], "kata-sandi-baru-9", "kata-sandi-baru-9").is_activated


def test_all_people_option_includes_activated(client, skpd):
    login(client, skpd["admin"])
    r = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "csv", "only_pending": ""})
    assert r.headers["X-Slip-Count"] == "13"


def test_operator_cannot_print_another_skpd(client, skpd):
    login(client, skpd["operator"])
    assert client.post(f"/pegawai/slip?skpd={skpd['y'].id}", data={"fmt": "pdf", "only_pending": "y"}).status_code == 404
    assert client.post(f"/pegawai/slip?skpd={skpd['x1'].id}", data={"fmt": "pdf", "only_pending": "y"}).status_code == 404
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
    """One SELECT of the people and one batched UPDATE, however many people the SKPD has."""
    from sqlalchemy import event

    login(client, skpd["admin"])
    statements: list[tuple[str, bool]] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append((statement.split()[0].upper(), executemany))

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        r = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "csv", "only_pending": "y"})
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
    r = client.post(f"/pegawai/slip?skpd={skpd['x'].id}", data={"fmt": "csv", "only_pending": "y"})
    body = r.get_data(as_text=True)
    assert "https://elearn.kotacontoh.go.id/aktivasi" in body and "http://localhost" not in body
    with app.app_context():
        person_id = db.session.scalar(select(User.id).where(User.name == "Guru 00"))
    page = client.post(f"/pegawai/{person_id}/reset").get_data(as_text=True)
    assert "https://elearn.kotacontoh.go.id/aktivasi" in page and "http://localhost/aktivasi" not in page
