"""``flask --app elearn pledges verify [--instansi SLUG]``: check the signature chains."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import db
from ..org.models import Instansi
from . import chain

pledges_cli = AppGroup("pledges", help="Pakta integritas: signature chains.")


@pledges_cli.command("verify")
@click.option("--instansi", "slug", help="Only this instansi (slug); default: every instansi.")
def verify(slug: str | None) -> None:
    """Recompute every signature's hash and link, per instansi. Prints the records checked, or the
    first broken record (seq, id, signer, reason); exits 1 when any chain is broken."""
    query = select(Instansi).order_by(Instansi.slug)
    if slug:
        query = query.where(Instansi.slug == slug.strip().lower())
    instansis = db.session.scalars(query).all()
    if slug and not instansis:
        raise click.ClickException(f"no instansi {slug} (see: flask --app elearn instansi list)")
    broken = 0
    for instansi in instansis:
        result = chain.verify_chain(instansi.id)
        if result.ok:
            click.echo(f"{instansi.slug}: {result.checked} record(s) checked, OK")
            continue
        broken += 1
        record = result.first_broken
        assert record is not None
        where = f"id {record.id}" if record.id is not None else "missing record"
        signer = f", signer {record.signer}" if record.signer else ""
        click.echo(f"{instansi.slug}: BROKEN at seq {record.seq} ({where}{signer}): {record.reason}; "
                   f"{result.checked} record(s) before it OK", err=True)
    db.session.rollback()
    if broken:
        raise click.exceptions.Exit(1)


def register(app: Flask) -> None:
    app.cli.add_command(pledges_cli)
