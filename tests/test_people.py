"""HR views over people: list (scope, search, filters, pagination), detail, edit, reset, role, status."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from elearn.accounts import services
from elearn.accounts.models import EmployeeType, Role, User
from elearn.audit.models import AuditEvent
from elearn.auth import services as auth_services
from elearn.db import db, utcnow
from elearn.errors import ServiceError
from support import TEST_PASSWORD, login, make_nip


@pytest.fixture
def org(make_instansi, make_unit, make_user):
    a = make_instansi(name="Pemerintah Kota A")
    b = make_instansi(name="Pemerintah Kota B")
    x = make_unit("Dinas Pendidikan", instansi=a)
    x1 = make_unit("SD Negeri 7", parent=x)
    y = make_unit("Dinas Kesehatan", instansi=a)
    z = make_unit("Dinas Kesehatan", instansi=b)
    return {
        "a": a, "b": b, "x": x, "x1": x1, "y": y, "z": z,
        "admin": make_user(Role.ADMIN_BKPSDM, y, name="Admin Kota A"),
        "operator": make_user(Role.OPERATOR_SKPD, x, name="Operator Pendidikan"),
        "super": make_user(Role.SUPERADMIN, None, name="Super Admin"),
        "siti": make_user(Role.PESERTA, x1, password=None, name="Siti Rahmawati, S.Pd.",
                          employee_number="198609262015052001", golongan="III/b"),
        "budi": make_user(Role.PESERTA, y, password=None, name="dr. Budi Santoso",
                          employee_number="197501012000031002"),
        "other": make_user(Role.PESERTA, z, password=None, name="Orang Kota B"),
    }


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/pegawai/\d+">([^<]+)</a>', html)


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_admin_list_is_scoped_to_own_instansi(client, org):
    login(client, org["admin"])
    html = client.get("/pegawai/").get_data(as_text=True)
    names = _names(html)
    assert "Siti Rahmawati, S.Pd." in names and "dr. Budi Santoso" in names
    assert "Orang Kota B" not in names
    assert "19860926 201505 2 001" in html  # full NIP for HR whose scope covers the person


def test_operator_list_is_own_skpd_including_sub_units(client, org):
    login(client, org["operator"])
    names = _names(client.get("/pegawai/").get_data(as_text=True))
    assert "Siti Rahmawati, S.Pd." in names  # in a sub-unit of the operator's SKPD
    assert "dr. Budi Santoso" not in names and "Orang Kota B" not in names
    # a filter naming another SKPD does not widen the scope
    names = _names(client.get(f"/pegawai/?skpd={org['y'].id}").get_data(as_text=True))
    assert "dr. Budi Santoso" not in names


def test_superadmin_filters_by_instansi(client, org):
    login(client, org["super"])
    names = _names(client.get("/pegawai/").get_data(as_text=True))
    assert "Orang Kota B" in names and "Siti Rahmawati, S.Pd." in names
    names = _names(client.get(f"/pegawai/?instansi={org['b'].slug}").get_data(as_text=True))
    assert names == ["Orang Kota B"]


def test_search_by_name_and_nip_prefix(client, org):
    login(client, org["admin"])
    assert _names(client.get("/pegawai/?q=rahma").get_data(as_text=True)) == ["Siti Rahmawati, S.Pd."]
    assert _names(client.get("/pegawai/?q=SITI").get_data(as_text=True)) == ["Siti Rahmawati, S.Pd."]
    # NIP prefix, typed with spaces as on paper
    assert _names(client.get("/pegawai/?q=19750101 2000").get_data(as_text=True)) == ["dr. Budi Santoso"]
    assert _names(client.get("/pegawai/?q=1975010120009").get_data(as_text=True)) == []
    # LIKE wildcards are taken literally
    assert _names(client.get("/pegawai/?q=%25").get_data(as_text=True)) == []


def test_filters(client, org, make_user, app):
    pppk = make_user(Role.PELATIH, org["x1"], password=None, employee_type=EmployeeType.PPPK, name="Guru PPPK")
    with app.app_context():
        person = db.session.get(User, pppk.id)
        auth_services.issue_activation_code(person)
        db.session.get(User, org["budi"].id).active = False
        db.session.commit()
    login(client, org["admin"])

    def names(query: str) -> set[str]:
        return set(_names(client.get("/pegawai/?" + query).get_data(as_text=True)))

    assert names(f"skpd={org['x'].id}") == {"Siti Rahmawati, S.Pd.", "Operator Pendidikan", "Guru PPPK"}
    assert names(f"skpd={org['x'].id}&unit={org['x1'].id}") == {"Siti Rahmawati, S.Pd.", "Guru PPPK"}
    assert names("employee_type=pppk") == {"Guru PPPK"}
    assert names("role=pelatih") == {"Guru PPPK"}
    assert names("role=operator_skpd") == {"Operator Pendidikan"}
    assert names("activation=activated") == {"Operator Pendidikan", "Admin Kota A"}
    assert names("activation=code_issued") == {"Guru PPPK"}
    assert names("activation=no_code") == {"Siti Rahmawati, S.Pd.", "dr. Budi Santoso"}
    assert names("activation=pending") == {"Siti Rahmawati, S.Pd.", "dr. Budi Santoso", "Guru PPPK"}
    assert names("status=nonaktif") == {"dr. Budi Santoso"}
    assert "dr. Budi Santoso" not in names("status=aktif")
    # an unknown value is ignored rather than an error
    assert client.get("/pegawai/?employee_type=xyz&role=raja&page=abc").status_code == 200


def test_pagination_counts_once_and_pages_by_50(client, org, app):
    with app.app_context():
        for i in range(57):
            db.session.add(User(employee_number=make_nip(), name=f"Massal {i:03d}", role=Role.PESERTA,
                                instansi_id=org["a"].id, unit_id=org["y"].id))
        db.session.commit()
    login(client, org["admin"])
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        first = client.get("/pegawai/?q=massal").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(_names(first)) == 50
    assert "dari 57 pegawai" in first and "Halaman 1 dari 2" in first
    # no query per row: the user, one COUNT, one page
    assert len(statements) <= 6, statements
    assert sum("count(" in s.lower() for s in statements) == 1
    second = _names(client.get("/pegawai/?q=massal&page=2").get_data(as_text=True))
    assert second == [f"Massal {i:03d}" for i in range(50, 57)]
    # past the end shows the last page
    assert _names(client.get("/pegawai/?q=massal&page=99").get_data(as_text=True)) == second


def test_detail_shows_nip_facts_within_scope_and_404_outside(client, org):
    login(client, org["operator"])
    html = client.get(f"/pegawai/{org['siti'].id}").get_data(as_text=True)
    assert "19860926 201505 2 001" in html
    assert "26 September 1986" in html and "Perempuan" in html
    assert "Dinas Pendidikan › SD Negeri 7" in html
    assert "III/b" in html and "Belum pernah" in html
    assert client.get(f"/pegawai/{org['budi'].id}").status_code == 404
    assert client.get(f"/pegawai/{org['other'].id}").status_code == 404
    assert client.get("/pegawai/999999").status_code == 404


def _edit_data(**overrides):
    data = {
        "name": "Siti Rahmawati, S.Pd., M.Pd.",
        "unit_id": "",
        "employee_type": "pns",
        "golongan": "iii/c",
        "jabatan": "Guru Ahli Muda",
        "jenis_jabatan": "fungsional",
        "email": "Siti@Example.go.id",
        "phone": "+62 812-3456-7890",
        "active": "y",
    }
    data.update(overrides)
    return data


def test_edit_saves_and_audits(client, org, app):
    login(client, org["operator"])
    r = client.post(f"/pegawai/{org['siti'].id}/ubah", data=_edit_data(unit_id=str(org["x"].id)))
    assert r.status_code == 302
    with app.app_context():
        siti = db.session.get(User, org["siti"].id)
        assert siti.name == "Siti Rahmawati, S.Pd., M.Pd."
        assert siti.golongan == "III/c"
        assert siti.unit_id == org["x"].id
        assert siti.email == "siti@example.go.id"
        assert siti.jenis_jabatan.value == "fungsional"
        (ev,) = _events("account.update")
        assert ev.actor_id == org["operator"].id and ev.target_id == siti.id
        assert ev.details["changes"]["golongan"] == ["III/b", "III/c"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"golongan": "IX"}, "I/a dan IV/e"),
        ({"golongan": "IV/f"}, "I/a dan IV/e"),
        ({"employee_type": "pppk", "golongan": "III/a"}, "I sampai XVII"),
        ({"employee_type": "non_asn", "golongan": "II"}, "non-ASN"),
        ({"email": "bukan-email"}, "email tidak sah"),
        ({"phone": "telp kantor"}, "Nomor HP"),
    ],
)
def test_edit_with_bad_input_keeps_other_data_and_saves_nothing(client, org, app, overrides, message):
    login(client, org["admin"])
    r = client.post(f"/pegawai/{org['siti'].id}/ubah", data=_edit_data(unit_id=str(org["x1"].id), **overrides))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert message in html
    # what the clerk typed is still in the form
    assert 'value="Guru Ahli Muda"' in html
    assert 'value="Siti Rahmawati, S.Pd., M.Pd."' in html
    with app.app_context():
        siti = db.session.get(User, org["siti"].id)
        assert siti.name == "Siti Rahmawati, S.Pd." and siti.golongan == "III/b" and siti.jabatan is None
    assert _events("account.update") == []


def test_edit_pppk_golongan_and_unit_outside_scope(client, org, app):
    login(client, org["operator"])
    r = client.post(f"/pegawai/{org['siti'].id}/ubah",
                    data=_edit_data(unit_id=str(org["x1"].id), employee_type="pppk", golongan="ix"))
    assert r.status_code == 302
    with app.app_context():
        siti = db.session.get(User, org["siti"].id)
        assert (siti.employee_type, siti.golongan) == (EmployeeType.PPPK, "IX")
    # an operator can't move someone into another SKPD, nor out of every unit
    for unit_id in (str(org["y"].id), ""):
        r = client.post(f"/pegawai/{org['siti'].id}/ubah", data=_edit_data(unit_id=unit_id))
        assert r.status_code == 200 and "field-error" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, org["siti"].id).unit_id == org["x1"].id


def test_reset_shows_code_once_and_it_activates(client, org, app):
    login(client, org["admin"])
    with app.app_context():
        budi = db.session.get(User, org["budi"].id)
        auth_services.set_password(budi, TEST_PASSWORD)  # a reset is for an activated account
        old_code = auth_services.issue_activation_code(budi)
        db.session.commit()
    confirm = client.get(f"/pegawai/{org['budi'].id}/reset").get_data(as_text=True)
    assert "tidak berlaku lagi" in confirm
    r = client.post(f"/pegawai/{org['budi'].id}/reset")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    code = re.search(r'class="code slip-code">([A-Z0-9-]+)<', html).group(1)
    assert "http://localhost/aktivasi" in html and "dr. Budi Santoso" in html
    (ev,) = _events("account.reset")
    assert ev.target_id == org["budi"].id and ev.actor_id == org["admin"].id
    # the code is not stored in clear and not shown again
    assert code not in client.get(f"/pegawai/{org['budi'].id}").get_data(as_text=True)
    with app.app_context():
        with pytest.raises(ServiceError):
            auth_services.activate(org["budi"].employee_number, old_code, "kata-sandi-baru-1", "kata-sandi-baru-1")
        db.session.rollback()
        user = auth_services.activate(org["budi"].employee_number, code, "kata-sandi-baru-1", "kata-sandi-baru-1")
        assert user.is_activated


def test_reset_ends_password_of_an_activated_account(client, org, app):
    login(client, org["admin"])
    assert client.post(f"/pegawai/{org['operator'].id}/reset").status_code == 200
    with app.app_context():
        op = db.session.get(User, org["operator"].id)
        assert op.password_hash is None and op.activation_code_hash is not None
    client.post("/keluar")
    r = client.post("/masuk", data={"nip": org["operator"].employee_number, "password": TEST_PASSWORD})
    assert r.status_code == 200 and "Aktifkan akun Anda dahulu" in r.get_data(as_text=True)


def test_nobody_resets_themselves_or_a_higher_account(client, org, make_user):
    higher = make_user(Role.ADMIN_BKPSDM, org["x1"])
    login(client, org["operator"])
    assert client.post(f"/pegawai/{org['operator'].id}/reset").status_code == 403
    assert client.post(f"/pegawai/{higher.id}/reset").status_code == 403
    assert _events("account.reset") == []


def test_role_change_by_admin_is_audited(client, org, app):
    login(client, org["admin"])
    html = client.get(f"/pegawai/{org['siti'].id}").get_data(as_text=True)
    assert 'value="superadmin"' not in html and 'value="operator_skpd"' in html
    r = client.post(f"/pegawai/{org['siti'].id}/peran", data={"role": "operator_skpd"})
    assert r.status_code == 302
    with app.app_context():
        siti = db.session.get(User, org["siti"].id)
        assert siti.role == Role.OPERATOR_SKPD and siti.skpd_id == org["x"].id
    (ev,) = _events("account.role")
    assert ev.details["old"] == "peserta" and ev.details["new"] == "operator_skpd"
    assert ev.details["skpd_id"] == org["x"].id


def test_role_escalation_refused(client, org, app):
    login(client, org["admin"])
    assert client.post(f"/pegawai/{org['siti'].id}/peran", data={"role": "superadmin"}).status_code == 403
    assert client.post(f"/pegawai/{org['super'].id}/peran", data={"role": "peserta"}).status_code == 404
    assert client.post(f"/pegawai/{org['admin'].id}/peran", data={"role": "superadmin"}).status_code == 403
    assert client.post(f"/pegawai/{org['siti'].id}/peran", data={"role": "raja"}).status_code == 400
    client.post("/keluar")
    login(client, org["operator"])
    assert client.post(f"/pegawai/{org['siti'].id}/peran", data={"role": "pelatih"}).status_code == 403
    with app.app_context():
        assert db.session.get(User, org["siti"].id).role == Role.PESERTA
    assert _events("account.role") == []


def test_superadmin_can_grant_superadmin(client, org, app):
    login(client, org["super"])
    assert client.post(f"/pegawai/{org['admin'].id}/peran", data={"role": "superadmin"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, org["admin"].id).role == Role.SUPERADMIN


def test_role_change_needs_a_unit_for_an_operator(client, org, make_user, app):
    nowhere = make_user(Role.PESERTA, org["x"], password=None)
    with app.app_context():
        db.session.get(User, nowhere.id).unit_id = None
        db.session.commit()
    login(client, org["admin"])
    r = client.post(f"/pegawai/{nowhere.id}/peran", data={"role": "operator_skpd"}, follow_redirects=True)
    assert "ditempatkan di sebuah unit" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, nowhere.id).role == Role.PESERTA


def test_deactivate_and_reactivate(client, org, app):
    login(client, org["admin"])
    assert client.post(f"/pegawai/{org['operator'].id}/status", data={"active": "0"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, org["operator"].id).active is False
    assert client.post(f"/pegawai/{org['operator'].id}/status", data={"active": "1"}).status_code == 302
    assert [e.action for e in _events("account.deactivate") + _events("account.reactivate")] == [
        "account.deactivate", "account.reactivate"]
    assert client.post(f"/pegawai/{org['operator'].id}/status", data={"active": "x"}).status_code == 400


def test_deactivated_person_cannot_sign_in(client, org, app):
    login(client, org["admin"])
    client.post(f"/pegawai/{org['operator'].id}/status", data={"active": "0"})
    client.post("/keluar")
    r = client.post("/masuk", data={"nip": org["operator"].employee_number, "password": TEST_PASSWORD})
    assert "tidak aktif" in r.get_data(as_text=True)


@pytest.mark.parametrize(
    ("raw", "employee_type", "expected"),
    [
        ("iii/a", EmployeeType.PNS, "III/a"),
        ("IV e", EmployeeType.CPNS, "IV/e"),
        ("I/A", EmployeeType.PNS, "I/a"),
        ("", EmployeeType.PNS, None),
        ("xvii", EmployeeType.PPPK, "XVII"),
        ("V", EmployeeType.PPPK_PARUH_WAKTU, "V"),
    ],
)
def test_normalize_golongan(raw, employee_type, expected):
    assert services.normalize_golongan(raw, employee_type) == expected


@pytest.mark.parametrize(
    ("raw", "employee_type"),
    [("IV/f", EmployeeType.PNS), ("V/a", EmployeeType.PNS), ("XVIII", EmployeeType.PPPK),
     ("III/a", EmployeeType.PPPK), ("IX", EmployeeType.PNS), ("I", EmployeeType.NON_ASN)],
)
def test_normalize_golongan_refuses(app, raw, employee_type):
    with app.test_request_context():
        with pytest.raises(ServiceError) as info:
            services.normalize_golongan(raw, employee_type)
    assert info.value.code == "bad_golongan"


def test_golongan_lists_have_17_grades():
    assert len(services.PNS_GOLONGAN) == 17 and services.PNS_GOLONGAN[0] == "I/a" and services.PNS_GOLONGAN[-1] == "IV/e"
    assert len(services.PPPK_GOLONGAN) == 17 and services.PPPK_GOLONGAN[-1] == "XVII"


def test_activation_state(app):
    now = utcnow()
    person = User(employee_number="x", name="x", password_hash=None, activation_code_hash=None)
    assert services.activation_state(person, now) == "no_code"
    person.activation_code_hash = "h"
    person.activation_expires_at = now + dt.timedelta(days=1)
    assert services.activation_state(person, now) == "code_issued"
    person.activation_expires_at = now - dt.timedelta(days=1)
    assert services.activation_state(person, now) == "no_code"
    person.password_hash = "p"
    assert services.activation_state(person, now) == "activated"


def test_forms_carry_csrf_tokens(client, org, csrf_enabled):
    login_page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    r = client.post("/masuk", data={"nip": org["admin"].employee_number, "password": TEST_PASSWORD,
                                    "csrf_token": token})
    assert r.status_code == 302
    pid = org["siti"].id  # not yet activated: her page offers a slip, not a reset
    # without a token: refused
    assert client.post(f"/pegawai/{pid}/slip").status_code == 400
    assert client.post(f"/pegawai/{pid}/reset").status_code == 400
    for page, action in ((f"/pegawai/{pid}", f"/pegawai/{pid}/slip"),
                         (f"/pegawai/{pid}", f"/pegawai/{pid}/status")):
        html = client.get(page).get_data(as_text=True)
        form = html.split(f'action="{action}"')[1].split("</form>")[0]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        data = {"csrf_token": token}
        if action.endswith("status"):
            data["active"] = "0"
        assert client.post(action, data=data).status_code in (200, 302)


# --- accounts of roles the actor cannot grant (issue 10, item 2) ------------------------------


@pytest.fixture
def pelatih(org, make_user):
    """A trainer of the operator's own SKPD: authors content for the whole instansi."""
    return make_user(Role.PELATIH, org["x1"], name="Pelatih Pendidikan", email="pelatih@example.go.id")


def test_operator_may_not_administer_a_pelatih_of_their_skpd(client, org, pelatih, app):
    login(client, org["operator"])
    detail = client.get(f"/pegawai/{pelatih.id}")
    assert detail.status_code == 200  # visible, like everyone of the SKPD
    html = detail.get_data(as_text=True)
    for action in ("/ubah", "/reset", "/slip", "/status"):  # the buttons are hidden
        assert f"/pegawai/{pelatih.id}{action}" not in html
    assert client.get(f"/pegawai/{pelatih.id}/reset").status_code == 403
    assert client.post(f"/pegawai/{pelatih.id}/reset").status_code == 403
    assert client.get(f"/pegawai/{pelatih.id}/ubah").status_code == 403
    r = client.post(f"/pegawai/{pelatih.id}/ubah", data=_edit_data(name="Diubah Operator", unit_id=str(org["x1"].id)))
    assert r.status_code == 403
    assert client.post(f"/pegawai/{pelatih.id}/status", data={"active": "0"}).status_code == 403
    with app.app_context():
        row = db.session.get(User, pelatih.id)
        assert row.password_hash is not None and row.activation_code_hash is None
        assert row.name == "Pelatih Pendidikan" and row.active
    assert _events("account.reset") == [] and _events("account.update") == [] and _events("account.deactivate") == []
    # the peserta of the same SKPD remain the operator's to look after
    assert client.post(f"/pegawai/{org['siti'].id}/slip").status_code == 200


def test_operator_may_not_administer_another_operator_of_their_skpd(client, org, make_user):
    colleague = make_user(Role.OPERATOR_SKPD, org["x1"])
    login(client, org["operator"])
    assert client.post(f"/pegawai/{colleague.id}/reset").status_code == 403
    assert client.post(f"/pegawai/{colleague.id}/status", data={"active": "0"}).status_code == 403


def test_admin_may_administer_a_pelatih(client, org, pelatih, app):
    login(client, org["admin"])
    html = client.get(f"/pegawai/{pelatih.id}").get_data(as_text=True)
    assert f"/pegawai/{pelatih.id}/reset" in html
    assert client.post(f"/pegawai/{pelatih.id}/reset").status_code == 200
    assert client.post(f"/pegawai/{pelatih.id}/status", data={"active": "0"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, pelatih.id).active is False


def test_services_refuse_an_account_the_actor_may_not_administer(app, org, pelatih):
    with app.test_request_context():
        operator = db.session.get(User, org["operator"].id)
        person = db.session.get(User, pelatih.id)
        for call in (lambda: services.reset(operator, person), lambda: services.set_active(operator, person, False)):
            with pytest.raises(ServiceError) as refused:
                call()
            assert refused.value.code == "forbidden"
        with pytest.raises(ServiceError):
            services.update_person(operator, person, name="X", unit=person.unit, employee_type=person.employee_type,
                                   golongan=None, jabatan=None, jenis_jabatan=None, email=None, phone=None,
                                   is_kepala_wilayah=False, active=True)
        assert person.activation_code_hash is None and person.active and person.name == "Pelatih Pendidikan"
        # the command line (no actor) may
        assert services.reset(None, person)


def test_operator_slips_leave_out_accounts_they_cannot_administer(client, org, make_user, app):
    pending_pelatih = make_user(Role.PELATIH, org["x1"], password=None, name="Pelatih Belum Aktif")
    activated_pelatih = make_user(Role.PELATIH, org["x"], name="Pelatih Aktif")
    login(client, org["operator"])
    for scope in ("baru", "semua"):
        r = client.post(f"/pegawai/slip?skpd={org['x'].id}", data={"fmt": "csv", "scope": scope})
        assert r.status_code == 200
        text = r.get_data(as_text=True)
        assert "Siti Rahmawati" in text and "Pelatih" not in text and "Operator Pendidikan" not in text
    with app.app_context():
        for person in (pending_pelatih, activated_pelatih, org["operator"]):
            assert db.session.get(User, person.id).activation_code_hash is None
    client.post("/keluar")
    login(client, org["admin"])
    r = client.post(f"/pegawai/slip?skpd={org['x'].id}", data={"fmt": "csv", "scope": "semua"})
    assert "Pelatih Belum Aktif" in r.get_data(as_text=True)


def test_list_statement_count_does_not_grow_with_the_rows_shown(client, org, app):
    from support import count_statements

    login(client, org["admin"])

    def add(n: int, prefix: str) -> None:
        with app.app_context():
            for i in range(n):
                db.session.add(User(employee_number=make_nip(), name=f"{prefix} {i:03d}", role=Role.PESERTA,
                                    instansi_id=org["a"].id, unit_id=org["x1"].id))
            db.session.commit()

    add(1, "Satu")
    add(20, "Dua Puluh")
    with count_statements(app) as one:
        html = client.get("/pegawai/?q=satu").get_data(as_text=True)
    assert len(_names(html)) == 1
    with count_statements(app) as twenty:
        html = client.get("/pegawai/?q=dua+puluh").get_data(as_text=True)
    assert len(_names(html)) == 20
    assert len(twenty) == len(one), (one, twenty)
