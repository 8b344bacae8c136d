"""``flask --app elearn certificates ...``: completion certificates. A thin layer over the services.

- ``dev-signing-key --instansi SLUG [--force]``: a throw-away signing key for development (signing.py).
"""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import db
from ..org.models import Instansi

certificates_cli = AppGroup("certificates", help="Completion certificates: issuing, signing keys.")


def _instansi(slug: str) -> Instansi:
    instansi = db.session.scalar(select(Instansi).where(Instansi.slug == slug.strip().lower()))
    if instansi is None:
        raise click.ClickException(f"no instansi {slug} (see: flask --app elearn instansi list)")
    return instansi


@certificates_cli.command("dev-signing-key")
@click.option("--instansi", "slug", required=True, help="The instansi (slug) whose certificates it signs.")
@click.option("--force", is_flag=True, help="Replace an existing key file.")
@click.option("--key-type", type=click.Choice(["ec", "rsa"]), default="ec", show_default=True,
              help="ECDSA P-256 or RSA-2048.")
def dev_signing_key(slug: str, force: bool, key_type: str) -> None:
    """Generate a THROW-AWAY CA and signing certificate for development and tests, written where
    certificate signing finds it (instance/certificate-signing/<slug>.p12 and <slug>.passphrase,
    or ELEARN_CERTIFICATE_SIGNING_DIR). NOT FOR PRODUCTION: production uses an e-seal certificate
    from a recognised PSrE (README: Certificate signing)."""
    from .dev_signing import write_dev_key
    from .signing import signing_dir

    if current_app.config.get("ELEARN_ENV") not in ("development", "testing"):
        raise click.ClickException(
            "dev-signing-key only runs with ELEARN_ENV=development or testing. Production signs with an "
            "institutional e-seal certificate from a recognised PSrE (README: Certificate signing).")
    instansi = _instansi(slug)
    folder = signing_dir()
    assert folder is not None  # development always has one
    path = folder / f"{instansi.slug}.p12"
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists; use --force to replace it (certificates signed with "
                                   "the old key stay intact but are no longer recognised as ours)")
    write_dev_key(folder, instansi.slug, instansi.name, key_type=key_type)
    click.echo(f"Wrote {path} and {path.with_suffix('.passphrase')} (0600).")
    click.echo("*** DEVELOPMENT ONLY - NOT FOR PRODUCTION: a throw-away CA nobody trusts signed this key. ***")
    click.echo("Production: install the instansi's e-seal certificate from a recognised PSrE and set "
               "ELEARN_CERTIFICATE_SIGNING_DIR and the passphrase variable (README: Certificate signing).")


def register(app: Flask) -> None:
    app.cli.add_command(certificates_cli)
