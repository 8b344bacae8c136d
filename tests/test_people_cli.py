"""``flask --app elearn account create|reset`` through the app's CLI runner."""
from __future__ import annotations

import re

from sqlalchemy import select

from elearn.accounts.models import EmployeeType, Role, User
from elearn.audit.models import AuditEvent
from elearn.auth import services as auth_services
from elearn.db import db

NIP = "198609262015051001"


def _code(output: str) -> str:
    return re.search(r"Kode aktivasi: ([A-Z0-9-]+)", output).group(1)


def test_create_superadmin_prints_a_working_activation_code(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["account", "create", "19860926 201505 1 001", "--name", "Super Admin",
                                 "--role", "superadmin"])
    assert result.exit_code == 0, result.output
    code = _code(result.output)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.employee_number == NIP))
        assert user.role == Role.SUPERADMIN and user.instansi_id is None and user.password_hash is None
        assert auth_services.activate(NIP, code, "kata-sandi-super-1", "kata-sandi-super-1").is_activated
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.create"))
        assert event.target_id == user.id and event.actor_id is None


def test_create_admin_with_password_prompt(app, make_instansi, make_unit):
    inst = make_instansi(slug="kota-contoh")
    unit = make_unit("Badan Kepegawaian", instansi=inst)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["account", "create", NIP, "--name", "Admin BKPSDM", "--role", "admin_bkpsdm", "--instansi",
              "kota-contoh", "--unit-id", str(unit.id), "--password-prompt"],
        input="kata-sandi-admin-1\nkata-sandi-admin-1\n",
    )
    assert result.exit_code == 0, result.output
    assert "Kode aktivasi" not in result.output
    with app.app_context():
        result = auth_services.authenticate(NIP, "kata-sandi-admin-1")
        assert result.user is not None and result.user.role == Role.ADMIN_BKPSDM
        assert result.user.instansi_id == inst.id and result.user.unit_id == unit.id


def test_create_pppk_and_non_asn(app, make_instansi):
    make_instansi(slug="kota-pppk")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["account", "create", "199001012021212001", "--name", "Guru PPPK", "--role",
                                 "pelatih", "--instansi", "kota-pppk", "--employee-type", "pppk"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["account", "create", "hon-2024-17", "--name", "Honorer", "--role", "peserta",
                                 "--instansi", "kota-pppk", "--employee-type", "non_asn"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User.employee_type).where(User.employee_number == "HON-2024-17")) == EmployeeType.NON_ASN


def test_create_refuses_bad_input(app, make_instansi, make_unit):
    make_instansi(slug="kota-x")
    other_unit = make_unit("Dinas Lain")
    runner = app.test_cli_runner()
    cases = [
        (["19860926201505100"], "18 digit"),
        (["198613262015051001"], "tanggal lahir"),
        (["198609262015053001"], "jenis kelamin"),
        ([NIP, "--role", "admin_bkpsdm"], "memerlukan instansi"),
        ([NIP, "--role", "operator_skpd", "--instansi", "kota-x"], "memerlukan unit"),
        ([NIP, "--role", "peserta", "--instansi", "kota-x", "--unit-id", str(other_unit.id)], "instansi yang sama"),
        ([NIP, "--role", "peserta", "--instansi", "tidak-ada"], "tidak ditemukan"),
        ([NIP, "--role", "peserta", "--instansi", "kota-x", "--unit-id", "999999"], "tidak ditemukan"),
    ]
    for extra, message in cases:
        args = ["account", "create", *extra[:1], "--name", "X"]
        args += extra[1:] if len(extra) > 1 else ["--role", "superadmin"]
        result = runner.invoke(args=args)
        assert result.exit_code != 0, (extra, result.output)
        assert message in result.output, (extra, result.output)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.employee_number == NIP)) is None


def test_create_refuses_duplicate_and_short_password(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["account", "create", NIP, "--name", "A", "--role", "superadmin"]).exit_code == 0
    result = runner.invoke(args=["account", "create", NIP, "--name", "B", "--role", "superadmin"])
    assert result.exit_code != 0 and "sudah ada" in result.output
    result = runner.invoke(args=["account", "create", "198609262015051002", "--name", "C", "--role", "superadmin",
                                 "--password-prompt"], input="pendek\npendek\n")
    assert result.exit_code != 0 and "minimal 10" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.employee_number == "198609262015051002")) is None


def test_reset_prints_a_new_code(app, make_user):
    user = make_user()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["account", "reset", user.employee_number])
    assert result.exit_code == 0, result.output
    code = _code(result.output)
    with app.app_context():
        fresh = db.session.get(User, user.id)
        assert fresh.password_hash is None
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.target_id == user.id)) == "account.reset"
        assert auth_services.activate(user.employee_number, code, "kata-sandi-baru-2", "kata-sandi-baru-2")
    result = runner.invoke(args=["account", "reset", "199001012015011999"])
    assert result.exit_code != 0 and "tidak ditemukan" in result.output
