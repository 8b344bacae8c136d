"""``flask --app elearn rekap refresh [--instansi SLUG]``: refresh the national roll-up's summary
rows, one transaction per instansi (a thin layer over national.refresh)."""
from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import db
from ..org.models import Instansi
from . import national

rekap_cli = AppGroup("rekap", help="Rekap per SKPD: the national roll-up's summary table.")


@rekap_cli.command("refresh")
@click.option("--instansi", "slug", help="Only this instansi (slug); default: every instansi.")
def refresh(slug: str | None) -> None:
    """Recount the summary rows of one instansi or of all (each in its own transaction)."""
    stmt = select(Instansi.id, Instansi.slug).order_by(Instansi.slug)
    if slug:
        stmt = stmt.where(Instansi.slug == slug.strip().lower())
    targets = db.session.execute(stmt).all()
    if slug and not targets:
        raise click.ClickException(f"no instansi {slug} (see: flask --app elearn instansi list)")
    started = time.perf_counter()
    rows = 0
    for instansi_id, instansi_slug in targets:
        try:
            written = national.refresh(instansi_id)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        rows += written
        if slug:
            click.echo(f"{instansi_slug}: {written} SKPD rows")
    click.echo(f"refreshed {len(targets)} instansi, {rows} rows ({time.perf_counter() - started:.1f} s)")


def register(app: Flask) -> None:
    app.cli.add_command(rekap_cli)
