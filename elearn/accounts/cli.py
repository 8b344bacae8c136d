"""``flask --app elearn account ...``: bootstrap the first superadmin or admin BKPSDM, reset an account."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..db import db
from ..errors import ServiceError
from .models import EmployeeType, Role

account_cli = AppGroup("account", help="Accounts (people) of elearn.")


@account_cli.command("create")
@click.argument("number")
@click.option("--name", required=True, help="Full name with academic titles.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--instansi", "instansi_slug", help="Slug of the instansi (not needed for a superadmin).")
@click.option("--unit-id", type=int, help="Id of the person's unit (needed for an operator SKPD).")
@click.option("--employee-type", type=click.Choice([t.value for t in EmployeeType]), default=EmployeeType.PNS.value,
              show_default=True)
@click.option("--password-prompt", is_flag=True, help="Set a password now instead of printing an activation code.")
def create(number: str, name: str, role: str, instansi_slug: str | None, unit_id: int | None,
           employee_type: str, password_prompt: bool) -> None:
    """Create an account for NUMBER (NIP, NI PPPK or a non-ASN identifier)."""
    from ..auth import services as auth_services
    from ..org.models import Unit
    from ..org.services import get_instansi
    from . import services

    instansi = None
    if instansi_slug:
        instansi = get_instansi(instansi_slug.strip().lower())
        if instansi is None:
            raise click.ClickException(f"Instansi {instansi_slug} tidak ditemukan.")
    unit = None
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None:
            raise click.ClickException(f"Unit {unit_id} tidak ditemukan.")
    try:
        user = services.create_account(
            number, name=name, role=Role(role), instansi=instansi, unit=unit,
            employee_type=EmployeeType(employee_type),
        )
        code = None
        if password_prompt:
            password = click.prompt("Kata sandi", hide_input=True, confirmation_prompt="Ulangi kata sandi")
            auth_services.validate_new_password(password, password, user)
            auth_services.set_password(user, password)
        else:
            code = auth_services.issue_activation_code(user)
        db.session.flush()
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Akun {user.employee_number} ({user.name}, {user.role.value}) dibuat.")
    if code is not None:
        click.echo(f"Kode aktivasi: {code}")
        click.echo("Buka halaman /aktivasi, masukkan NIP dan kode ini, lalu buat kata sandi.")


@account_cli.command("reset")
@click.argument("number")
def reset(number: str) -> None:
    """Reset the account NUMBER: the password stops working and a new activation code is printed.
    An account never activated just gets a new activation code (nothing to reset)."""
    from . import services

    user = services.find_account(number)
    if user is None:
        raise click.ClickException(f"Akun {number} tidak ditemukan.")
    activated = user.is_activated
    try:
        code = services.reset(None, user) if activated else services.issue_slip(None, user)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    if activated:
        click.echo(f"Akun {user.employee_number} ({user.name}) diatur ulang.")
    else:
        click.echo(f"Akun {user.employee_number} ({user.name}) belum pernah diaktifkan: kode aktivasi baru diterbitkan.")
    click.echo(f"Kode aktivasi: {code}")


def register(app: Flask) -> None:
    app.cli.add_command(account_cli)
