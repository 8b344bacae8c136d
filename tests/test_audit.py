"""The audit log: entries written by admin actions, listed newest first, filtered, scoped."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from elearn.accounts.models import Role
from elearn.audit.models import AuditEvent
from elearn.audit.services import record
from elearn.audit.views import format_details
from elearn.db import db
from support import login


@pytest.fixture
def logged(make_instansi, make_unit, make_user, app):
    a = make_instansi(name="Pemerintah Kota A", timezone="WITA")
    b = make_instansi(name="Pemerintah Kota B")
    x = make_unit("Dinas Pendidikan", instansi=a)
    z = make_unit("Dinas Kesehatan", instansi=b)
    admin = make_user(Role.ADMIN_BKPSDM, x, name="Admin Kota A", employee_number="198001012005011007")
    admin_b = make_user(Role.ADMIN_BKPSDM, z)
    person = make_user(Role.PESERTA, x, password=None, name="Target Orang")
    return {"a": a, "b": b, "x": x, "z": z, "admin": admin, "admin_b": admin_b, "person": person,
            "super": make_user(Role.SUPERADMIN, None), "operator": make_user(Role.OPERATOR_SKPD, x)}


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""
    return re.findall(r"<strong>([^<]+)</strong>", body)


def test_actions_are_logged_and_listed_newest_first(client, logged):
    login(client, logged["admin"])
    client.post(f"/pegawai/{logged['person'].id}/slip")  # not yet activated: a first code, not a reset
    client.post(f"/pegawai/{logged['person'].id}/peran", data={"role": "pelatih"})
    client.post("/unit/baru", data={"name": "Kecamatan Baru"})
    html = client.get("/audit/").get_data(as_text=True)
    assert _rows(html) == ["Unit ditambahkan", "Peran diubah", "Kode aktivasi diterbitkan (slip satu orang)"]
    assert "Admin Kota A" in html
    assert "•••••••• •••••• • 007" in html and "198001012005011007" not in html  # masked NIP of the actor
    assert "lama: peserta" in html and "baru: pelatih" in html
    assert "WITA" in html  # local time of the instansi
    assert "127.0.0.1" in html


def test_filter_by_action_and_date(client, logged, app):
    with app.app_context():
        for days_ago, action in ((10, "account.reset"), (3, "account.role"), (0, "account.reset")):
            event = record(action, actor=None, instansi_id=logged["a"].id, details={"name": f"{days_ago}"})
            db.session.flush()
            event.created_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days_ago)
        db.session.commit()
    login(client, logged["admin"])
    html = client.get("/audit/?action=account.reset").get_data(as_text=True)
    assert _rows(html) == ["Akun diatur ulang (kode aktivasi baru)"] * 2
    # date range in the instansi's local calendar (WITA)
    local_today = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=8)).date()
    start = (local_today - dt.timedelta(days=5)).isoformat()
    html = client.get(f"/audit/?date_from={start}").get_data(as_text=True)
    assert _rows(html) == ["Akun diatur ulang (kode aktivasi baru)", "Peran diubah"]
    end = (local_today - dt.timedelta(days=1)).isoformat()
    html = client.get(f"/audit/?date_from={start}&date_to={end}").get_data(as_text=True)
    assert _rows(html) == ["Peran diubah"]
    assert "sistem / baris perintah" in html
    # a malformed date is ignored, not an error
    assert client.get("/audit/?date_from=kemarin").status_code == 200


def test_admin_sees_own_instansi_only_and_superadmin_all(client, logged, app):
    with app.app_context():
        record("account.reset", actor=None, instansi_id=logged["a"].id, details={"name": "di A"})
        record("account.slips", actor=None, instansi_id=logged["b"].id, details={"skpd": "di B", "count": 3})
        db.session.commit()
    login(client, logged["admin"])
    html = client.get("/audit/").get_data(as_text=True)
    assert "di A" in html and "di B" not in html
    assert client.get(f"/audit/?instansi={logged['b'].slug}").status_code == 404
    client.post("/keluar")
    login(client, logged["super"])
    html = client.get("/audit/").get_data(as_text=True)
    assert "di A" in html and "di B" in html
    html = client.get(f"/audit/?instansi={logged['b'].slug}").get_data(as_text=True)
    assert "di A" not in html and "di B" in html and "jumlah: 3" in html
    assert client.get("/audit/?instansi=tidak-ada").status_code == 404


def test_operator_and_peserta_are_refused(client, logged):
    login(client, logged["operator"])
    assert client.get("/audit/").status_code == 403


def test_pagination(client, logged, app):
    with app.app_context():
        for i in range(53):
            record("account.reset", actor=None, instansi_id=logged["a"].id, details={"name": f"n{i}"})
        db.session.commit()
    login(client, logged["admin"])
    first = client.get("/audit/").get_data(as_text=True)
    assert len(_rows(first)) == 50 and "Halaman 1 dari 2" in first
    assert len(_rows(client.get("/audit/?page=2").get_data(as_text=True))) == 3


def test_every_audited_action_has_a_label(client, logged, app):
    """All actions recorded by the HR views end up with an Indonesian label (no raw names)."""
    login(client, logged["admin"])
    pid = logged["person"].id
    client.post(f"/pegawai/{pid}/ubah", data={"name": "Target Baru", "employee_type": "pns", "unit_id": str(logged["x"].id), "active": "y"})
    client.post(f"/pegawai/{pid}/status", data={"active": "0"})
    client.post(f"/pegawai/{pid}/status", data={"active": "1"})
    client.post(f"/pegawai/slip?skpd={logged['x'].id}", data={"fmt": "csv", "scope": "semua"})
    client.post("/unit/baru", data={"name": "Bagian Umum"})
    with app.app_context():
        unit_id = db.session.scalar(select(AuditEvent.target_id).where(AuditEvent.action == "unit.create"))
    client.post(f"/unit/{unit_id}/ubah", data={"name": "Bagian Umum dan Kepegawaian", "kind": "bagian"})
    client.post(f"/unit/{unit_id}/pindah", data={"parent_id": str(logged["x"].id)})
    client.post(f"/unit/{unit_id}/status", data={"active": "0"})
    client.post(f"/unit/{unit_id}/status", data={"active": "1"})
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert actions == {"account.update", "account.deactivate", "account.reactivate", "account.slips",
                       "unit.create", "unit.rename", "unit.move", "unit.deactivate", "unit.reactivate"}
    html = client.get("/audit/").get_data(as_text=True)
    for raw in actions:
        assert f"<strong>{raw}</strong>" not in html


def test_format_details(app):
    with app.test_request_context():
        assert format_details({"changes": {"golongan": ["III/a", "III/b"], "email": [None, "a@b.id"]}}) == [
            ("perubahan", "golongan: III/a → III/b; email: — → a@b.id")]
        assert format_details({"only_pending": True, "new_units": ["A", "B"], "x": None}) == [
            ("hanya yang belum aktivasi", "ya"), ("unit baru", "A, B"), ("x", "—")]
