"""``flask --app elearn certificates ...``: issue the certificates of people who completed a course
before certificates existed (``issue``); a throw-away signing key for development
(``dev-signing-key``, see signing.py). A thin layer over the services."""
from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..courses.models import Course
from ..db import db
from ..org.models import Instansi
from . import services

certificates_cli = AppGroup("certificates", help="Completion certificates: issue, signing keys.")


def _instansi(slug: str) -> Instansi:
    instansi = db.session.scalar(select(Instansi).where(Instansi.slug == slug.strip().lower()))
    if instansi is None:
        raise click.ClickException(f"no instansi {slug} (see: flask --app elearn instansi list)")
    return instansi


@certificates_cli.command("issue")
@click.option("--course", "course_slug", required=True, help="The course (slug).")
@click.option("--instansi", "instansi_slug", help="Only the people of this instansi (slug); default: everyone.")
@click.option("--dry-run", is_flag=True, help="Only count who would get a certificate; issue nothing.")
@click.option("--base-url", help="The public address for the QR codes (default: ELEARN_PUBLIC_BASE_URL).")
@click.option("--batch", type=click.IntRange(min=1, max=10_000), default=200, show_default=True,
              help="Commit after this many people.")
def issue(course_slug: str, instansi_slug: str | None, dry_run: bool, base_url: str | None, batch: int) -> None:
    """Issue the certificate of everyone who has completed COURSE and has none (people who finished
    before certificates existed, or whose issue failed). Prints the counts. Safe to run again: no
    one gets a second certificate."""
    course = db.session.scalar(select(Course).where(Course.slug == course_slug.strip().lower()))
    if course is None:
        raise click.ClickException(f"no course {course_slug}")
    instansi = _instansi(instansi_slug) if instansi_slug else None
    base = (base_url or current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not dry_run and not base and not current_app.config.get("SERVER_NAME"):
        if not (current_app.debug or current_app.config.get("ELEARN_ENV") in ("development", "testing")):
            raise click.ClickException("the QR codes need the public address: set ELEARN_PUBLIC_BASE_URL or "
                                       "pass --base-url https://elearn.example.go.id")
    started = time.perf_counter()

    def progress(result: services.BackfillResult) -> None:
        db.session.commit()
        done = result.issued + result.already + result.failed
        click.echo(f"  {done}/{result.complete} ...", err=True)

    context = current_app.test_request_context(base_url=base) if base else None
    if context is not None:
        context.push()
    try:
        result = services.backfill(course, instansi_id=instansi.id if instansi else None, dry_run=dry_run,
                                   batch_size=batch, after_batch=progress)
        db.session.commit()
    finally:
        if context is not None:
            context.pop()
    seconds = time.perf_counter() - started
    scope = f" of {instansi.slug}" if instansi else ""
    if dry_run:
        click.echo(f"{course.slug}{scope}: {result.complete} complete without a certificate (dry run: nothing issued)")
        return
    click.echo(f"{course.slug}{scope}: {result.complete} complete without a certificate; issued {result.issued}, "
               f"already issued {result.already}, failed {result.failed} ({seconds:.1f} s)")
    for message, count in sorted((result.problems or {}).items()):
        click.echo(f"  {count} not issued: {message}", err=True)
    if result.failed:
        raise SystemExit(1)


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
