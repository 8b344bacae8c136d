"""``flask --app elearn ...`` commands: a thin click layer over the services."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .db import db
from .errors import ServiceError

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
instansi_cli = AppGroup("instansi", help="Government agencies (instansi) in this installation.")


def _alembic(connection=None):  # type: ignore[no-untyped-def]
    from .migrations import alembic_config

    return alembic_config(current_app.config["DATABASE_URL"], connection)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from alembic import command

    command.upgrade(_alembic(), revision)
    click.echo(f"Database upgraded to {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (e.g. -1 or base)."""
    from alembic import command

    command.downgrade(_alembic(), revision)
    click.echo(f"Database downgraded to {revision}.")


@db_cli.command("current")
def db_current() -> None:
    from alembic import command

    command.current(_alembic())


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a new migration from the models (developers only)."""
    from alembic import command

    command.revision(_alembic(), message=message, autogenerate=True)


@instansi_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="e.g. 'Pemerintah Kota Contoh'")
@click.option("--timezone", "timezone", type=click.Choice(["WIB", "WITA", "WIT"], case_sensitive=False),
              default="WIB", show_default=True)
def instansi_create(slug: str, name: str, timezone: str) -> None:
    """Add an instansi (government agency)."""
    from .org.services import create_instansi

    try:
        instansi = create_instansi(slug, name, timezone)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Instansi {instansi.slug} ({instansi.name}, {instansi.timezone.value}) dibuat.")


@instansi_cli.command("list")
def instansi_list() -> None:
    from sqlalchemy import select

    from .org.models import Instansi

    for inst in db.session.scalars(select(Instansi).order_by(Instansi.slug)):
        click.echo(f"{inst.slug}\t{inst.timezone.value}\t{inst.name}")


def register(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(instansi_cli)
    from .accounts import cli as accounts_cli
    from .certificates import badge_cli
    from .certificates import cli as certificates_cli
    from .content import cli as content_cli
    from .demo import cli as demo_cli
    from .jobs import cli as jobs_cli
    from .pledges import cli as pledges_cli
    from .quizzes import cli as quiz_cli
    from .reports import national_cli
    from .roster import cli as roster_cli

    for module in (accounts_cli, roster_cli, demo_cli, content_cli, quiz_cli, pledges_cli, jobs_cli,
                   certificates_cli, badge_cli, national_cli):
        module.register(app)
