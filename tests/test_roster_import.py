"""The import service: error codes, upsert, deactivation, units, scope, atomicity."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from elearn.accounts.models import EmployeeType, JenisJabatan, Role, User
from elearn.audit.models import AuditEvent
from elearn.db import db, utcnow
from elearn.org.models import Instansi, Unit
from elearn.roster import services
from elearn.roster.services import import_roster
from support import make_nip

FIXTURES = Path(__file__).parent / "fixtures" / "roster"
TODAY = dt.date(2026, 3, 15)
HEADER = "NIP;Nama;Golongan;Jabatan;Jenis Jabatan;Jenis Pegawai;SKPD;Unit Kerja;Email;No HP"


def roster(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def row(nip: str, name: str = "Pegawai Uji", gol: str = "III/a", jabatan: str = "Analis", jenis: str = "Pelaksana",
        kind: str = "PNS", skpd: str = "Dinas Pendidikan", unit: str = "", email: str = "", phone: str = "") -> str:
    return ";".join([nip, name, gol, jabatan, jenis, kind, skpd, unit, email, phone])


def run(app, instansi, data: bytes, **kw):
    with app.app_context():
        inst = db.session.get(Instansi, instansi.id)
        if "limit_to_skpd" in kw and kw["limit_to_skpd"] is not None:
            kw["limit_to_skpd"] = db.session.get(Unit, kw["limit_to_skpd"].id)
        if "actor" in kw and kw["actor"] is not None:
            kw["actor"] = db.session.get(User, kw["actor"].id)
        result = import_roster(inst, data, today=TODAY, **kw)
        db.session.commit()
        return result


def person(app, number: str) -> User | None:
    with app.app_context():
        return db.session.scalar(select(User).where(User.employee_number == number))


def codes(result) -> list[tuple[int, str]]:
    return [(e.line, e.code) for e in result.errors]


GOOD = "198609262015051001"


@pytest.mark.parametrize(
    "bad_row,code",
    [
        (row("19860926201505100"), "wrong_length"),
        (row("19860926-201505-1-001"), "not_digits"),
        (row("198602302015051001"), "bad_birth_date"),
        (row("198609262015131001"), "bad_appointment_date"),
        (row("198609262000011001"), "bad_appointment_date"),  # before the age of 17
        (row("198609262015053001"), "bad_gender_digit"),
        (row("1.98609E+17"), "excel_mangled"),
        (row("198609262015051000.0"), "excel_mangled"),
        (row("198609262015051000"), "bad_sequence"),
        (row(""), "missing_number"),
        (row("199001012015011002", name="  "), "missing_name"),
        (row("199001012015011002", gol="III/f"), "unknown_golongan"),
        (row("199001012015011002", gol="IX"), "unknown_golongan"),  # a PPPK golongan on a PNS
        (row("199001012022211002", gol="III/b", kind="PPPK"), "unknown_golongan"),
        (row("199001012015011002", kind="Pegawai Tetap"), "unknown_employee_type"),
        (row("199001012015011002", jenis="Eselon V"), "unknown_jenis_jabatan"),
        (row("199001012015011002", skpd=""), "missing_skpd"),
        (row("199001012015011002", email="budi@"), "bad_email"),
        (row("199001012015011002", phone="12"), "bad_phone"),
        (row("199001012015011002", name="N" * 201), "too_long"),
        (row(GOOD, name="Nama Kedua"), "duplicate_in_file"),
    ],
)
def test_each_error_code_and_good_rows_still_import(app, make_instansi, bad_row, code):
    instansi = make_instansi()
    data = roster(row(GOOD, name="Budi"), bad_row, row("199203042016022003", name="Ani"))
    result = run(app, instansi, data)
    assert codes(result) == [(3, code)]
    error = result.errors[0]
    assert error.message and "%(" not in error.message
    assert result.created == 2
    assert person(app, GOOD).name == "Budi"  # the first occurrence counts
    assert person(app, "199203042016022003") is not None


def test_messages_are_in_bahasa_indonesia_and_name_the_problem(app, make_instansi):
    result = run(app, make_instansi(), roster(row("1.98609E+17"), row(GOOD, gol="Z"), row(GOOD)))
    by_code = {e.code: e.message for e in result.errors}
    assert "Teks" in by_code["excel_mangled"]
    assert "Golongan \"Z\" tidak dikenal untuk PNS" in by_code["unknown_golongan"]
    assert "baris 3" in by_code["duplicate_in_file"]


def test_a_row_reports_every_problem_it_has(app, make_instansi):
    result = run(app, make_instansi(), roster(row("12345", name="", gol="Q", skpd="")))
    assert sorted(c for _l, c in codes(result)) == ["missing_name", "missing_skpd", "unknown_golongan", "wrong_length"]
    assert result.created == 0


def test_ni_pppk_and_non_asn_rows(app, make_instansi):
    instansi = make_instansi()
    data = roster(
        row("199012302022211003", gol="IX", kind="PPPK"),
        row("19900913 202524 2 014", gol="Gol. V", kind="PPPK Paruh Waktu"),
        row("thl-2024/07", gol="", kind="Honorer"),
        row("199012302022213004", kind="PPPK", gol="IX"),  # gender digit 3
    )
    result = run(app, instansi, data)
    assert codes(result) == [(5, "bad_gender_digit")]
    assert person(app, "199012302022211003").employee_type == EmployeeType.PPPK
    p = person(app, "199009132025242014")
    assert p.employee_type == EmployeeType.PPPK_PARUH_WAKTU and p.golongan == "V"
    assert person(app, "THL-2024/07").employee_type == EmployeeType.NON_ASN


def test_new_people_get_every_column_and_no_password(app, make_instansi):
    instansi = make_instansi()
    data = roster(row("19860926 201505 1 001", name=" Budi   Santoso, S.E. ", gol="Penata Muda Tingkat I, III/b",
                      jabatan="Camat Kota Barat", jenis="Administrator", skpd="Kecamatan Kota Barat",
                      email="Budi@Contoh.go.id", phone="0812 3456 7890"))
    result = run(app, instansi, data)
    assert result.created == 1 and not result.errors
    p = person(app, GOOD)
    assert p.name == "Budi Santoso, S.E."
    assert p.golongan == "III/b" and p.jenis_jabatan == JenisJabatan.ADMINISTRATOR
    assert p.is_kepala_wilayah is True
    assert p.email == "budi@contoh.go.id" and p.phone == "081234567890"
    assert p.role == Role.PESERTA and p.active is True
    assert p.password_hash is None and p.activation_code_hash is None
    assert p.session_version == 1 and p.failed_logins == 0
    assert abs(p.created_at - utcnow()) < dt.timedelta(minutes=5) and p.updated_at == p.created_at
    assert p.instansi_id == instansi.id and p.unit.name == "Kecamatan Kota Barat"


def test_employee_type_defaults_to_pns_when_the_column_is_absent(app, make_instansi):
    result = run(app, make_instansi(), roster(f"{GOOD};Budi;Dinas A", "199012302022211003;Dewi;Dinas A",
                                              header="NIP;Nama;SKPD"))
    assert person(app, GOOD).employee_type == EmployeeType.PNS
    # a NI PPPK is not a valid NIP, and without the column the row is taken as PNS
    assert codes(result) == [(3, "bad_appointment_date")]


def test_upsert_created_updated_unchanged(app, make_instansi):
    instansi = make_instansi()
    first = roster(row(GOOD, name="Budi"), row("199001012015011002", name="Ani"), row("198001012005011003", name="Cok"))
    result = run(app, instansi, first)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    stamp = person(app, GOOD).updated_at

    again = run(app, instansi, first)
    assert (again.created, again.updated, again.unchanged, again.deactivated) == (0, 0, 3, 0)
    assert person(app, GOOD).updated_at == stamp

    changed = roster(row(GOOD, name="Budi Santoso"), row("199001012015011002", name="Ani", gol="III/b"),
                     row("198001012005011003", name="Cok"), row("199505052020121004", name="Dan"))
    third = run(app, instansi, changed)
    assert (third.created, third.updated, third.unchanged) == (1, 2, 1)
    assert person(app, GOOD).name == "Budi Santoso"
    assert person(app, "199001012015011002").golongan == "III/b"


def test_empty_cells_and_absent_columns_keep_stored_values(app, make_instansi, make_unit, make_user):
    instansi = make_instansi()
    run(app, instansi, roster(row(GOOD, name="Budi", gol="III/a", jabatan="Lurah Sukamaju", email="b@contoh.id",
                                  phone="08123456789")))
    result = run(app, instansi, roster(f"{GOOD};Budi;Dinas Pendidikan", header="NIP;Nama;SKPD"))
    assert result.unchanged == 1
    result = run(app, instansi, roster(row(GOOD, name="Budi", gol="", jabatan="", jenis="", email="", phone="")))
    assert result.unchanged == 1
    p = person(app, GOOD)
    assert (p.golongan, p.jabatan, p.is_kepala_wilayah, p.email) == ("III/a", "Lurah Sukamaju", True, "b@contoh.id")


def test_import_keeps_role_and_password_of_existing_people(app, make_instansi, make_unit, make_user):
    instansi = make_instansi()
    skpd = make_unit("Dinas Pendidikan", instansi=instansi)
    admin = make_user(Role.ADMIN_BKPSDM, skpd, employee_number=GOOD, name="Admin Lama")
    result = run(app, instansi, roster(row(GOOD, name="Admin Baru")))
    assert result.updated == 1
    p = person(app, GOOD)
    assert p.role == Role.ADMIN_BKPSDM and p.password_hash == admin.password_hash and p.name == "Admin Baru"


def test_deactivate_missing(app, make_instansi, make_unit, make_user):
    instansi = make_instansi()
    skpd = make_unit("Dinas Pendidikan", instansi=instansi)
    stays = make_user(Role.PESERTA, skpd, employee_number=GOOD)
    leaves = make_user(Role.PESERTA, skpd)
    trainer = make_user(Role.PELATIH, skpd)
    operator = make_user(Role.OPERATOR_SKPD, skpd)
    admin = make_user(Role.ADMIN_BKPSDM, skpd)
    returning = make_user(Role.PESERTA, skpd, active=False)
    elsewhere = make_user(Role.PESERTA)  # another instansi
    data = roster(row(GOOD), row(returning.employee_number), row("1.98609E+17"))

    without = run(app, instansi, data)
    assert without.deactivated == 0 and person(app, leaves.employee_number).active

    result = run(app, instansi, data, deactivate_missing=True, actor=admin)
    assert result.deactivated == 2
    assert not person(app, leaves.employee_number).active
    assert not person(app, trainer.employee_number).active
    # HR accounts and the person importing are never switched off by a file
    assert person(app, operator.employee_number).active and person(app, admin.employee_number).active
    assert person(app, stays.employee_number).active
    assert person(app, returning.employee_number).active  # in the file again
    assert person(app, elsewhere.employee_number).active


def test_a_person_whose_row_is_bad_is_not_deactivated(app, make_instansi, make_unit, make_user):
    instansi = make_instansi()
    skpd = make_unit("Dinas Pendidikan", instansi=instansi)
    p = make_user(Role.PESERTA, skpd)
    result = run(app, instansi, roster(row(p.employee_number, name="")), deactivate_missing=True)
    assert codes(result) == [(2, "missing_name")] and result.deactivated == 0
    assert person(app, p.employee_number).active


def test_units_are_matched_case_and_space_insensitively_and_created(app, make_instansi, make_unit):
    instansi = make_instansi()
    pendidikan = make_unit("Dinas Pendidikan", instansi=instansi)
    sd = make_unit("SD Negeri 1", parent=pendidikan)
    kecamatan = make_unit("Kecamatan Kota Barat", instansi=instansi)
    uptd = make_unit("UPTD Wilayah Barat", parent=kecamatan)
    kelurahan = make_unit("Kelurahan Sukamaju", parent=uptd)  # deeper than a direct child
    data = roster(
        row(GOOD, skpd="  dinas   PENDIDIKAN ", unit="sd negeri 1"),
        row("199001012015011002", skpd="Kecamatan Kota Barat", unit="KELURAHAN SUKAMAJU"),
        row("198001012005011003", skpd="Dinas Kesehatan", unit="Puskesmas Kota"),
        row("197501012000011004", skpd="dinas kesehatan", unit="puskesmas  kota"),
        row("197601012000011005", skpd="Dinas Pendidikan", unit="SMP Negeri 9"),
        row("197701012000011006", skpd="Dinas Pendidikan", unit="Dinas Pendidikan"),
    )
    result = run(app, instansi, data)
    assert not result.errors and result.created == 6
    assert result.new_units == ["Dinas Kesehatan", "Dinas Kesehatan / Puskesmas Kota", "Dinas Pendidikan / SMP Negeri 9"]
    assert person(app, GOOD).unit_id == sd.id
    assert person(app, "199001012015011002").unit_id == kelurahan.id
    assert person(app, "197701012000011006").unit_id == pendidikan.id
    puskesmas = person(app, "198001012005011003").unit
    assert puskesmas.name == "Puskesmas Kota" and person(app, "197501012000011004").unit_id == puskesmas.id
    with app.app_context():
        kesehatan = db.session.get(Unit, puskesmas.parent_id)
        assert kesehatan.parent_id is None and puskesmas.skpd_id == kesehatan.id
        assert db.session.scalar(select(func.count()).select_from(Unit).where(Unit.instansi_id == instansi.id)) == 8


def test_other_instansi_people_are_never_moved_or_overwritten(app, make_instansi, make_user):
    instansi = make_instansi()
    theirs = make_user(Role.PESERTA, name="Milik Instansi Lain")
    superadmin = make_user(Role.SUPERADMIN, None)
    result = run(app, instansi, roster(row(theirs.employee_number, name="Diubah"), row(superadmin.employee_number),
                                       row(GOOD)))
    assert codes(result) == [(2, "other_instansi"), (3, "other_instansi")]
    p = person(app, theirs.employee_number)
    assert p.name == "Milik Instansi Lain" and p.instansi_id == theirs.instansi_id and p.unit_id == theirs.unit_id
    assert result.created == 1


def test_instansi_hr_is_not_told_that_a_nip_belongs_to_another_instansi(app, make_instansi, make_unit, make_user):
    """To an admin BKPSDM a NIP of another instansi reads like any account they may not change (which
    instansi holds it is for the superadmin)."""
    instansi = make_instansi()
    admin = make_user(Role.ADMIN_BKPSDM, make_unit("BKPSDM", instansi=instansi))
    theirs = make_user(Role.PESERTA, name="Milik Instansi Lain")
    result = run(app, instansi, roster(row(theirs.employee_number, name="Diubah")), actor=admin)
    assert codes(result) == [(2, "not_permitted")]
    assert "instansi lain" not in result.errors[0].message
    assert person(app, theirs.employee_number).name == "Milik Instansi Lain"


def test_operator_scope(app, make_instansi, make_unit, make_user):
    instansi = make_instansi()
    mine = make_unit("Dinas Pendidikan", instansi=instansi)
    sd = make_unit("SD Negeri 1", parent=mine)
    other = make_unit("Dinas Kesehatan", instansi=instansi)
    colleague = make_user(Role.PESERTA, sd)
    neighbour = make_user(Role.PESERTA, other, name="Tetangga")
    operator = make_user(Role.OPERATOR_SKPD, mine)
    data = roster(
        row(GOOD, skpd="Dinas Pendidikan", unit="SD Negeri 2"),
        row("199001012015011002", skpd=""),  # empty: the operator's own SKPD
        row("198001012005011003", skpd="Dinas Kesehatan"),
        row(neighbour.employee_number, name="Dipindah", skpd="Dinas Pendidikan"),
        row("197501012000011004", skpd="Dinas Baru"),
    )
    result = run(app, instansi, data, limit_to_skpd=mine, actor=operator, deactivate_missing=True)
    assert codes(result) == [(4, "outside_scope"), (5, "outside_scope"), (6, "outside_scope")]
    assert "Dinas Pendidikan" in result.errors[0].message
    assert "perangkat daerah lain" in result.errors[1].message
    assert result.created == 2 and result.new_units == ["Dinas Pendidikan / SD Negeri 2"]
    assert person(app, "199001012015011002").unit_id == mine.id
    p = person(app, neighbour.employee_number)
    assert p.name == "Tetangga" and p.unit_id == other.id and p.active
    # deactivation stays within the operator's SKPD
    assert result.deactivated == 1 and not person(app, colleague.employee_number).active


def test_audit_event_with_counts(app, make_instansi, make_unit, make_user):
    instansi = make_instansi()
    admin = make_user(Role.ADMIN_BKPSDM, make_unit(instansi=instansi))
    run(app, instansi, roster(row(GOOD), row("x")), actor=admin)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roster.import",
                                                           AuditEvent.instansi_id == instansi.id))
        assert event.actor_id == admin.id
        assert event.details["created"] == 1 and event.details["errors"] == 1 and event.details["rows"] == 2


def test_a_crash_midway_leaves_nothing_half_imported(app, make_instansi, monkeypatch):
    instansi = make_instansi()
    monkeypatch.setattr(services, "CHUNK_SIZE", 2)
    real_insert = services.insert
    calls = {"n": 0}

    def failing_insert(table):  # the second batch write fails
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real_insert(table)

    monkeypatch.setattr(services, "insert", failing_insert)
    numbers = [GOOD, "199001012015011002", "198001012005011003", "197501012000011004"]
    data = roster(*[row(n, skpd="Dinas Baru") for n in numbers])
    with app.app_context():
        inst = db.session.get(Instansi, instansi.id)
        with pytest.raises(RuntimeError):
            import_roster(inst, data, today=TODAY)
        db.session.rollback()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.instansi_id == instansi.id)) == 0
        assert db.session.scalar(select(func.count()).select_from(Unit).where(Unit.instansi_id == instansi.id)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.instansi_id == instansi.id)) == 0
    assert calls["n"] == 2


def test_chunks_agree_with_one_pass(app, make_instansi, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_SIZE", 3)
    instansi = make_instansi()
    rows = [row(make_nip(), name=f"P{i}") for i in range(10)]
    rows.insert(5, rows[1])
    result = run(app, instansi, roster(*rows))
    assert result.created == 10 and codes(result) == [(7, "duplicate_in_file")]


def test_fixture_and_xlsx_sources(app, make_instansi, tmp_path):
    instansi = make_instansi()
    result = run(app, instansi, (FIXTURES / "semicolon_bom.csv").read_bytes())
    assert result.created == 3 and not result.errors
    p = person(app, "199012302022211003")
    assert p.employee_type == EmployeeType.PPPK and p.golongan == "IX" and p.unit.name == "Puskesmas Kota"
    assert person(app, GOOD).is_kepala_wilayah

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["NIP/NI PPPK", "Nama Pegawai", "Gol", "OPD"])
    ws.append(["199001012015011002", "Ani", "IIIb", "Dinas Sosial"])
    ws.append([1.98609262015051e17, "Cici", "IV/a", "Dinas Sosial"])
    ws.append(["19750101 200001 1 004", "Dodi", "II c", "Dinas Sosial"])
    path = tmp_path / "pegawai.xlsx"
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(buffer.getvalue())
    result = run(app, instansi, path)
    assert codes(result) == [(3, "excel_mangled")]
    assert result.created == 2
    assert person(app, "199001012015011002").golongan == "III/b"
    assert person(app, "197501012000011004").golongan == "II/c"


def test_an_import_never_changes_people_the_uploader_may_not_edit(app, make_instansi, make_unit, make_user):
    """The rank rule of the web edit (authz.can_administer_account / can_manage_role) applies to every row."""
    instansi = make_instansi()
    mine = make_unit("Dinas Pendidikan", instansi=instansi)
    operator = make_user(Role.OPERATOR_SKPD, mine)
    boss = make_user(Role.SUPERADMIN, mine, name="Super Admin")
    admin = make_user(Role.ADMIN_BKPSDM, mine, name="Admin Nonaktif", active=False)
    fellow = make_user(Role.OPERATOR_SKPD, mine, name="Operator Lain")
    learner = make_user(Role.PESERTA, mine, name="Peserta")
    data = roster(
        row(boss.employee_number, name="Diganti", email="jahat@contoh.id", skpd=""),
        row(admin.employee_number, name="Diaktifkan", skpd=""),
        row(operator.employee_number, name="Saya Sendiri", skpd=""),
        row(fellow.employee_number, name="Operator Diubah", skpd=""),
        row(learner.employee_number, name="Peserta Diubah", skpd=""),
    )
    result = run(app, instansi, data, limit_to_skpd=mine, actor=operator)
    # an operator administers the peserta of their SKPD only: not another operator (authz.administrable_roles)
    assert codes(result) == [(2, "not_permitted"), (3, "not_permitted"), (4, "not_permitted"), (5, "not_permitted")]
    assert "tidak berwenang" in result.errors[0].message
    assert result.updated == 1 and result.created == 0
    stored = person(app, boss.employee_number)
    assert stored.name == "Super Admin" and stored.email is None
    stored = person(app, admin.employee_number)
    assert stored.name == "Admin Nonaktif" and stored.active is False
    assert person(app, operator.employee_number).name == operator.name
    assert person(app, fellow.employee_number).name == "Operator Lain"
    assert person(app, learner.employee_number).name == "Peserta Diubah"

    # an admin BKPSDM may update the admin of the SKPD, never the superadmin; the CLI (no actor) may
    chief = make_user(Role.ADMIN_BKPSDM, make_unit("BKPSDM", instansi=instansi))
    data = roster(row(boss.employee_number, name="Diganti", skpd="Dinas Pendidikan"),
                  row(admin.employee_number, name="Diaktifkan", skpd="Dinas Pendidikan"))
    result = run(app, instansi, data, actor=chief)
    assert codes(result) == [(2, "not_permitted")] and result.updated == 1
    assert person(app, admin.employee_number).active is True
    assert run(app, instansi, data).updated == 1
    assert person(app, boss.employee_number).name == "Diganti"


def test_deactivate_missing_follows_the_same_rule(app, make_instansi, make_unit, make_user, monkeypatch):
    from elearn import authz

    instansi = make_instansi()
    mine = make_unit("Dinas Pendidikan", instansi=instansi)
    operator = make_user(Role.OPERATOR_SKPD, mine)
    trainer = make_user(Role.PELATIH, mine)
    learner = make_user(Role.PESERTA, mine)
    # a stricter rule in authz (say, operators may not manage trainers) reaches the import too
    monkeypatch.setattr(authz, "ROLE_RANK", {**authz.ROLE_RANK, Role.PELATIH: 3})
    result = run(app, instansi, roster(row(GOOD, skpd="")), limit_to_skpd=mine, actor=operator,
                 deactivate_missing=True)
    assert result.deactivated == 1
    assert person(app, trainer.employee_number).active is True
    assert person(app, learner.employee_number).active is False


def test_a_large_apply_refreshes_postgresql_statistics(app, make_instansi, monkeypatch):
    """After a bulk write the planner's statistics of ``users`` are refreshed (PostgreSQL only)."""
    instansi = make_instansi()
    monkeypatch.setattr(services, "ANALYZE_AFTER_ROWS", 3)
    statements: list[str] = []
    real_execute = db.session.execute

    def spy(statement, *args, **kwargs):
        statements.append(str(statement))
        return real_execute(statement, *args, **kwargs)

    with app.app_context():
        monkeypatch.setattr(db.session, "execute", spy)
        inst = db.session.get(Instansi, instansi.id)
        small = import_roster(inst, roster(row(make_nip()), row(make_nip())), today=TODAY)
        assert small.created == 2 and "ANALYZE users" not in statements  # below the threshold
        large = import_roster(inst, roster(*(row(make_nip()) for _ in range(3))), today=TODAY)
        assert large.created == 3
        analyzed = "ANALYZE users" in statements
        assert analyzed == (db.session.get_bind().dialect.name == "postgresql")
        db.session.commit()


def test_deactivation_guard_switches_off_only_the_confirmed_people(app, make_instansi, make_unit, make_user):
    """The web's confirmation (services.DeactivationGuard): the very people confirmed, or nobody; the
    rows are imported either way. Without a guard (the CLI) it switches off whoever is missing."""
    instansi = make_instansi()
    skpd = make_unit("Dinas Pendidikan", instansi=instansi)
    leaves = make_user(Role.PESERTA, skpd, password=None)
    other = make_user(Role.PESERTA, skpd, password=None)
    data = roster(row(GOOD), row(other.employee_number))
    wrong_person = services.DeactivationGuard(1, services.deactivation_digest([other.id]))
    refused = run(app, instansi, data, deactivate_missing=True, deactivate_guard=wrong_person)
    assert refused.created == 1 and refused.deactivated == 0 and refused.deactivate_refused == 1
    assert person(app, leaves.employee_number).active
    for unconfirmed in (services.DeactivationGuard(None, None), services.DeactivationGuard(2, None)):
        again = run(app, instansi, data, deactivate_missing=True, deactivate_guard=unconfirmed)
        assert again.deactivated == 0 and again.deactivate_refused == 1
    right = services.DeactivationGuard(1, services.deactivation_digest([leaves.id]))
    applied = run(app, instansi, data, deactivate_missing=True, deactivate_guard=right)
    assert applied.deactivated == 1 and applied.deactivate_refused is None
    assert not person(app, leaves.employee_number).active


def test_the_check_counts_what_the_apply_will_do(app, make_instansi, make_unit, make_user):
    """New / updated / unchanged people and who would be switched off, as stored for the preview."""
    instansi = make_instansi()
    skpd = make_unit("Dinas Pendidikan", instansi=instansi)
    same = make_user(Role.PESERTA, skpd, password=None, name="Tetap Sama", golongan="III/a", jabatan="Analis")
    renamed = make_user(Role.PESERTA, skpd, password=None, name="Nama Lama")
    gone = make_user(Role.PESERTA, skpd, password=None)
    admin = make_user(Role.ADMIN_BKPSDM, skpd)
    data = roster(row(same.employee_number, name="Tetap Sama", jenis=""), row(renamed.employee_number, name="Nama Baru"),
                  row(GOOD), row(make_nip(), name=""), row(make_nip(), skpd="Dinas Baru"))
    with app.app_context():
        actor = db.session.get(User, admin.id)
        imp = services.create_upload(actor.instansi, actor, "a.csv", data)
        services.check_import(imp, actor=actor, today=TODAY)
        assert imp.row_counts == {"created": 2, "updated": 1, "unchanged": 1}
        assert imp.would_deactivate == 1 and imp.active_in_scope == 3  # the admin is never counted
        assert [p["name"] for p in imp.deactivate_sample] == [gone.name]
        assert imp.deactivate_digest == services.deactivation_digest([gone.id])
        result = services.apply_import(imp, actor=actor, deactivate_missing=False, today=TODAY)
        assert (result.created, result.updated, result.unchanged) == (2, 1, 1)
        db.session.rollback()
