"""``flask --app elearn seed-demo``: the demo instansi, its people, and the printed accounts."""
from __future__ import annotations

import re
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import func, select

from elearn import authz
from elearn.accounts.models import EmployeeType, JenisJabatan, Role, User
from elearn.accounts.nip import parse_nip, validate_employee_number
from elearn.db import db
from elearn.demo import data
from elearn.demo.services import AS_OF, GOLONGAN_PNS, GOLONGAN_PPPK
from elearn.org.models import Instansi, Unit, UnitKind

ACCOUNT_LINE = re.compile(r"^\s+(peserta|pelatih|operator SKPD|admin BKPSDM|superadmin)\s+(\S+)\s+(\S+)\s+(.+)$")
PENDING_LINE = re.compile(r"^\s+(\d{18})\s+([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\s+(.+)$")
ROLE_OF_LABEL = {"peserta": Role.PESERTA, "pelatih": Role.PELATIH, "operator SKPD": Role.OPERATOR_SKPD,
                 "admin BKPSDM": Role.ADMIN_BKPSDM, "superadmin": Role.SUPERADMIN}


def seed(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["seed-demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


def accounts(output: str) -> dict[Role, tuple[str, str]]:
    found = {}
    for line in output.splitlines():
        m = ACCOUNT_LINE.match(line)
        if m:
            found[ROLE_OF_LABEL[m.group(1)]] = (m.group(2), m.group(3))
    return found


def demo_people(instansi_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.instansi_id == instansi_id)))


def test_demo_tree_people_and_numbers(app: Flask) -> None:
    output = seed(app, "--password", "demo-sandi-123")
    assert "39 perangkat daerah" in output
    with app.app_context():
        inst = db.session.scalar(select(Instansi).where(Instansi.slug == "kota-contoh"))
        assert inst is not None and inst.name == "Pemerintah Kota Contoh" and inst.timezone.value == "WIB"
        units = list(db.session.scalars(select(Unit).where(Unit.instansi_id == inst.id)))
        by_name = {u.name: u for u in units}
        top = [u for u in units if u.parent_id is None]
        assert 35 <= len(top) <= 45
        kinds = Counter(u.kind for u in top)
        assert kinds[UnitKind.DINAS] >= 18 and kinds[UnitKind.BADAN] >= 5 and kinds[UnitKind.KECAMATAN] == 8
        assert {"Sekretariat Daerah", "Sekretariat DPRD", "Inspektorat", "Dinas Pendidikan", "Dinas Kesehatan",
                "Dinas Pekerjaan Umum dan Penataan Ruang", "Satuan Polisi Pamong Praja",
                "Dinas Kependudukan dan Pencatatan Sipil", "Dinas Komunikasi dan Informatika",
                "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
                "Badan Perencanaan Pembangunan Daerah"} <= {u.name for u in top}

        def children(name: str) -> list[Unit]:
            return [u for u in units if u.parent_id == by_name[name].id]

        assert len([u for u in children("Sekretariat Daerah") if u.kind == UnitKind.BAGIAN]) >= 5
        schools = children("Dinas Pendidikan")
        assert any(u.name.startswith("SD Negeri") for u in schools)
        assert any(u.name.startswith("SMP Negeri") for u in schools)
        health = {u.kind for u in children("Dinas Kesehatan")}
        assert {UnitKind.PUSKESMAS, UnitKind.RSUD} <= health
        for kec in (u for u in top if u.kind == UnitKind.KECAMATAN):
            kelurahan = children(kec.name)
            assert 3 <= len(kelurahan) <= 6 and all(k.kind == UnitKind.KELURAHAN for k in kelurahan)
        # the materialised tree is consistent
        for u in units:
            assert u.skpd_id == (u.id if u.parent_id is None else by_name_id(units, u.parent_id).skpd_id)

        people = demo_people(inst.id)
        assert 4900 <= len(people) <= 5100
        shares = Counter(p.employee_type for p in people)
        for et, share in ((EmployeeType.PNS, .60), (EmployeeType.CPNS, .03), (EmployeeType.PPPK, .30),
                          (EmployeeType.PPPK_PARUH_WAKTU, .03), (EmployeeType.NON_ASN, .04)):
            assert abs(shares[et] / len(people) - share) < 0.01, (et, shares[et])

        assert len({p.employee_number for p in people}) == len(people)
        for p in people:
            # the same validation as a roster import, for every generated number
            assert validate_employee_number(p.employee_number, p.employee_type) == p.employee_number
            if p.employee_type.uses_nip:
                parts = parse_nip(p.employee_number)
                assert 1966 <= parts.birth_date.year <= 2000
                assert 20 <= parts.appointment_year - parts.birth_date.year <= 35
                assert (parts.appointment_year, parts.appointment_month) <= (AS_OF.year, AS_OF.month)
                assert p.golongan in GOLONGAN_PNS
            elif p.employee_type == EmployeeType.PPPK:
                assert p.golongan in GOLONGAN_PPPK
                assert 1966 <= int(p.employee_number[:4]) <= 2000
            elif p.employee_type == EmployeeType.PPPK_PARUH_WAKTU:
                assert p.golongan is None or p.golongan in GOLONGAN_PPPK
            else:
                assert re.fullmatch(r"NONASN-\d{6}", p.employee_number)
                assert p.golongan is None and p.jenis_jabatan is None
            if p.jenis_jabatan is not None and p.jenis_jabatan.is_manajerial:
                assert p.employee_type == EmployeeType.PNS
        assert {p.employee_number[14] for p in people if p.employee_type != EmployeeType.NON_ASN} == {"1", "2"}

        # heads: every dinas/badan (and the Sekda) is led by one JPT pratama
        people_by_unit: dict[int, list[User]] = {}
        for p in people:
            people_by_unit.setdefault(p.unit_id, []).append(p)
        for u in top:
            if u.kind in (UnitKind.DINAS, UnitKind.BADAN, UnitKind.SEKRETARIAT, UnitKind.INSPEKTORAT):
                heads = [p for p in people_by_unit[u.id] if p.jenis_jabatan == JenisJabatan.JPT_PRATAMA
                         and "Asisten" not in (p.jabatan or "")]
                assert len(heads) == 1, u.name
        sekda = [p for p in people_by_unit[by_name["Sekretariat Daerah"].id] if p.jabatan == "Sekretaris Daerah"]
        assert len(sekda) == 1 and sekda[0].jenis_jabatan == JenisJabatan.JPT_PRATAMA
        # camat and lurah are kepala wilayah, and nobody else is
        for u in units:
            if u.kind in (UnitKind.KECAMATAN, UnitKind.KELURAHAN):
                wilayah = [p for p in people_by_unit[u.id] if p.is_kepala_wilayah]
                assert len(wilayah) == 1, u.name
                assert wilayah[0].jabatan.startswith("Camat " if u.kind == UnitKind.KECAMATAN else "Lurah ")
        assert sum(p.is_kepala_wilayah for p in people) == sum(
            u.kind in (UnitKind.KECAMATAN, UnitKind.KELURAHAN) for u in units)
        # teachers in schools, health workers in puskesmas; academic titles in the right places
        school_staff = [p for u in units if u.kind == UnitKind.SEKOLAH for p in people_by_unit.get(u.id, [])]
        teachers = [p for p in school_staff if (p.jabatan or "").startswith("Guru")]
        assert len(teachers) > 0.7 * len(school_staff)
        assert all(p.jenis_jabatan == JenisJabatan.FUNGSIONAL for p in teachers)
        assert any(re.search(r", S\.Pd\.( |,|$)", p.name) for p in teachers)
        assert any(p.name.startswith("dr. ") for p in people if (p.jabatan or "").startswith("Dokter"))
        assert any(p.name.startswith(("Drs. ", "Dra. ")) for p in people)
        assert all(not re.search(r"\b(dr|Drs|Dra|Ir)\.", p.name.split(", ")[-1]) for p in people if ", " in p.name)


def by_name_id(units: list[Unit], unit_id: int) -> Unit:
    return next(u for u in units if u.id == unit_id)


def test_every_role_account_signs_in_and_pending_people_activate(app: Flask, client) -> None:
    output = seed(app, "--people", "600")  # (the full-size demo is test_demo_tree_people_and_numbers')
    creds = accounts(output)
    assert set(creds) == set(Role)
    for role, (nip, password) in creds.items():
        assert len(password) >= 10
        r = client.post("/masuk", data={"nip": nip, "password": password})
        assert r.status_code == 302 and r.headers["Location"] == "/", (role, r.get_data(as_text=True))
        with app.app_context():
            user = db.session.scalar(select(User).where(User.employee_number == nip))
            assert user.role == role and user.instansi is not None and user.instansi.slug == "kota-contoh"
        assert client.get("/").status_code == 200
        client.post("/keluar")
    pending = [m.groups() for m in map(PENDING_LINE.match, output.splitlines()) if m]
    assert len(pending) >= 5
    nip, code, _rest = pending[0]
    r = client.post("/masuk", data={"nip": nip, "password": "apa-saja-123"})
    assert "Aktifkan akun Anda dahulu" in r.get_data(as_text=True)
    r = client.post("/aktivasi", data={"nip": nip, "code": code, "password": "sandi-baru-demo-1",
                                       "confirm": "sandi-baru-demo-1"})
    assert r.status_code == 302


def test_rerun_is_refused_and_reset_recreates(app: Flask) -> None:
    first = seed(app, "--people", "300", "--password", "demo-sandi-123")
    runner = app.test_cli_runner()
    with app.app_context():
        before = db.session.scalar(select(func.count(User.id)))
        units_before = db.session.scalar(select(func.count(Unit.id)))
    again = runner.invoke(args=["seed-demo", "--people", "300"])
    assert again.exit_code != 0
    assert "sudah ada" in again.output and "--reset" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == before
        assert db.session.scalar(select(func.count(Unit.id))) == units_before
    # start scripts may ask to leave an existing demo alone
    skipped = seed(app, "--people", "300", "--skip-existing")
    assert "sudah ada dan tidak diubah" in skipped and not accounts(skipped)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == before
    reset = seed(app, "--people", "300", "--password", "demo-sandi-123", "--reset")
    with app.app_context():
        assert db.session.scalar(select(func.count(Instansi.id)).where(Instansi.slug == "kota-contoh")) == 1
        assert db.session.scalar(select(func.count(User.id))) == before
        assert db.session.scalar(select(func.count(Unit.id))) == units_before
    # the same seed gives the same people (and so the same NIPs for the accounts)
    assert {r: nip for r, (nip, _pw) in accounts(first).items()} == {r: nip for r, (nip, _pw) in accounts(reset).items()}


def test_seed_is_reproducible_and_other_seeds_differ(app: Flask) -> None:
    def snapshot() -> list[tuple[str, str, str | None, str | None]]:
        with app.app_context():
            rows = db.session.execute(
                select(User.employee_number, User.name, User.jabatan, Unit.name)
                .join(Unit, Unit.id == User.unit_id).order_by(User.employee_number)
            ).all()
            return [tuple(r) for r in rows]

    seed(app, "--people", "300", "--seed", "7", "--password", "demo-sandi-123")
    first = snapshot()
    seed(app, "--people", "300", "--seed", "7", "--password", "demo-sandi-123", "--reset")
    assert snapshot() == first
    seed(app, "--people", "300", "--seed", "8", "--password", "demo-sandi-123", "--reset")
    assert snapshot() != first


def test_demo_keeps_other_instansi_and_short_password_is_refused(app: Flask, make_user) -> None:
    other = make_user()
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["seed-demo", "--password", "pendek"])
    assert bad.exit_code != 0 and "minimal" in bad.output
    seed(app, "--people", "200", "--password", "demo-sandi-123")
    seed(app, "--people", "200", "--password", "demo-sandi-123", "--reset")
    with app.app_context():
        assert db.session.get(User, other.id) is not None


@pytest.fixture
def demo(app: Flask) -> dict[Role, tuple[str, str]]:
    return accounts(seed(app, "--people", "2500", "--password", "demo-sandi-123"))


def test_demo_operator_sees_only_dinas_pendidikan(app: Flask, client, demo) -> None:
    nip, password = demo[Role.OPERATOR_SKPD]
    with app.test_request_context():
        op = db.session.scalar(select(User).where(User.employee_number == nip))
        pendidikan = db.session.scalar(select(Unit).where(Unit.name == data.DINAS_PENDIDIKAN, Unit.parent_id.is_(None)))
        kesehatan = db.session.scalar(select(Unit).where(Unit.name == "Dinas Kesehatan", Unit.parent_id.is_(None)))
        assert op.skpd_id == pendidikan.id
        visible = list(db.session.scalars(authz.scope_people(select(User), op)))
        expected = db.session.scalar(
            select(func.count(User.id)).join(Unit, Unit.id == User.unit_id).where(Unit.skpd_id == pendidikan.id))
        assert len(visible) == expected > 500  # schools are big (a fifth of a 2,500-person demo)
        assert all(p.unit.skpd_id == pendidikan.id for p in visible)
        nurse = db.session.scalar(select(User).join(Unit, Unit.id == User.unit_id)
                                  .where(Unit.skpd_id == kesehatan.id).limit(1))
        assert not authz.can_view_person(op, nurse) and not authz.can_administer_account(op, nurse)
        teacher = db.session.scalar(select(User).join(Unit, Unit.id == User.unit_id)
                                    .where(Unit.name == data.FIRST_SD, User.role == Role.PESERTA).limit(1))
        assert authz.can_administer_account(op, teacher)
        units = list(db.session.scalars(authz.scope_units(select(Unit), op)))
        assert {u.skpd_id for u in units} == {pendidikan.id} and len(units) > 30
        assert not authz.can_manage_unit(op, kesehatan)
    r = client.post("/masuk", data={"nip": nip, "password": password})
    assert r.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Dinas Pendidikan" in home and "Dinas Kesehatan" not in home


def test_demo_assigns_the_shipped_course_with_progress_across_skpds(app: Flask, client) -> None:
    from elearn.courses.models import Course, CourseAssignment, CourseVersion, Enrollment, ModuleProgress

    output = seed(app, "--people", "800", "--password", "demo-sandi-123")
    assert "Kursus netralitas-asn ditugaskan ke seluruh instansi" in output
    with app.app_context():
        inst = db.session.scalar(select(Instansi).where(Instansi.slug == "kota-contoh"))
        course = db.session.scalar(select(Course).where(Course.slug == "netralitas-asn"))
        assert course is not None and course.published_version_id is not None
        assignment = db.session.scalar(select(CourseAssignment).where(CourseAssignment.instansi_id == inst.id))
        assert assignment.course_id == course.id and assignment.unit_id is None and assignment.due_date is not None
        # made through HR's service, so the audit log shows who assigned it
        from elearn.audit.models import AuditEvent
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.assign",
                                                           AuditEvent.instansi_id == inst.id))
        assert event is not None and assignment.assigned_by_id is not None
        assert event.actor_id == assignment.assigned_by_id
        modules = len(db.session.get(CourseVersion, course.published_version_id).modules)
        enrollments = list(db.session.scalars(select(Enrollment).where(Enrollment.course_id == course.id)))
        done_by_user = Counter(db.session.scalars(
            select(ModuleProgress.user_id).where(ModuleProgress.completed_at.is_not(None))))
        finished = [e for e in enrollments if e.modules_completed_at is not None]
        half = [e for e in enrollments if e.modules_completed_at is None]
        assert finished and half
        assert all(done_by_user[e.user_id] == modules for e in finished)
        assert all(done_by_user[e.user_id] < modules for e in half)
        assert any(0 < done_by_user[e.user_id] for e in half)
        readers = {e.user_id for e in enrollments}
        activated = db.session.scalar(select(func.count(User.id)).where(
            User.instansi_id == inst.id, User.role == Role.PESERTA, User.password_hash.is_not(None)))
        assert len(readers) < activated  # some have not started
        # SKPDs differ: the share finished is not the same everywhere
        skpd_of = dict(db.session.execute(select(User.id, Unit.skpd_id).join(Unit, Unit.id == User.unit_id)
                                          .where(User.id.in_(readers))).all())
        per_skpd = Counter(skpd_of[e.user_id] for e in finished)
        assert len(per_skpd) > 5 and len(set(per_skpd.values())) > 1
        # the printed demo accounts start fresh
        numbers = [nip for nip, _pw in accounts(output).values()]
        account_ids = set(db.session.scalars(select(User.id).where(User.employee_number.in_(numbers))))
        assert not account_ids & readers
        versions = db.session.scalar(select(func.count(CourseVersion.id)).where(CourseVersion.course_id == course.id))
    # a reset seeds again without a new course version
    output = seed(app, "--people", "300", "--password", "demo-sandi-123", "--reset")  # (smaller: new accounts)
    with app.app_context():
        assert db.session.scalar(select(func.count(CourseVersion.id))
                                 .where(CourseVersion.course_id == course.id)) == versions
        assert db.session.scalar(select(func.count(CourseAssignment.id))) == 1
    # the demo peserta sees the assigned course, not started, on the home page
    nip, password = accounts(output)[Role.PESERTA]
    client.post("/masuk", data={"nip": nip, "password": password})
    home = client.get("/").get_data(as_text=True)
    assert "Netralitas ASN" in home and "Tenggat:" in home and ">Mulai<" in home


def test_demo_without_course_folders_still_seeds(app: Flask, tmp_path) -> None:
    app.config["CONTENT_ROOT"] = str(tmp_path)
    try:
        output = seed(app, "--people", "200", "--password", "demo-sandi-123")
    finally:
        app.config.pop("CONTENT_ROOT")
    assert "Tanpa kursus: no course folders in" in output
    assert len(accounts(output)) == len(Role)


def test_demo_accounts_prints_new_passwords_and_codes_for_the_demo_only(app: Flask, client, make_user) -> None:
    """Passwords are stored hashed, so ``demo-accounts`` prints the demo accounts again with new passwords
    (the old ones stop working, their sessions end) and new codes for people not yet activated. It touches
    nothing outside the demo instansi and refuses when there is no demo (issue 16, point 8)."""
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["demo-accounts"])
    assert refused.exit_code != 0 and "seed-demo" in refused.output

    first = accounts(seed(app, "--people", "300", "--password", "demo-sandi-lama-1"))
    pending_first = [m.groups() for m in map(PENDING_LINE.match, seed(app, "--people", "300",
                                                                      "--skip-existing").splitlines()) if m]
    assert not pending_first  # --skip-existing prints nothing secret ...
    assert "demo-accounts" in seed(app, "--people", "300", "--skip-existing")  # ... and says how to get them
    with app.app_context():
        outsider = make_user(role=Role.ADMIN_BKPSDM, password="sandi-luar-demo-1")
        outsider_hash = outsider.password_hash
        outsider_nip = outsider.employee_number
    client.post("/masuk", data={"nip": first[Role.ADMIN_BKPSDM][0], "password": "demo-sandi-lama-1"})
    assert client.get("/pegawai/").status_code == 200  # a session of the demo admin, ended below

    short = runner.invoke(args=["demo-accounts", "--password", "pendek"])
    assert short.exit_code != 0
    result = runner.invoke(args=["demo-accounts"])
    assert result.exit_code == 0, result.output
    again = accounts(result.output)
    assert set(again) == set(Role)
    assert {role: nip for role, (nip, _pw) in again.items()} == {role: nip for role, (nip, _pw) in first.items()}
    assert client.get("/pegawai/").status_code == 302  # the old session ended
    for role, (nip, password) in again.items():
        assert password != "demo-sandi-lama-1"
        old = client.post("/masuk", data={"nip": nip, "password": "demo-sandi-lama-1"})
        assert old.status_code == 200  # refused: the sign-in form again, no redirect
        r = client.post("/masuk", data={"nip": nip, "password": password})
        assert r.status_code == 302 and r.headers["Location"] == "/", (role, r.get_data(as_text=True))
        client.post("/keluar")

    pending = [m.groups() for m in map(PENDING_LINE.match, result.output.splitlines()) if m]
    assert len(pending) >= 5
    nip, code, _rest = pending[-1]
    r = client.post("/aktivasi", data={"nip": nip, "code": code, "password": "sandi-baru-demo-2",
                                       "confirm": "sandi-baru-demo-2"})
    assert r.status_code == 302
    with app.app_context():
        outsider = db.session.scalar(select(User).where(User.employee_number == outsider_nip))
        assert outsider.password_hash == outsider_hash  # outside the demo: untouched
        from elearn.audit.models import AuditEvent
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "demo.accounts"))
        assert event is not None and set(event.details["accounts"]) == {nip for nip, _pw in again.values()}
