"""``flask --app elearn pledges ...``: check the signature chains (``verify``, with
``--checkpoint FILE``), sign checkpoints of the chain heads (``checkpoint``, ``checkpoint-key``),
create and list signing campaigns (``campaign-create``, ``campaign-list``). A thin layer over the
services."""
from __future__ import annotations

import datetime as dt
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..db import db
from ..errors import ServiceError
from ..org.models import Instansi
from . import chain, checkpoints, keys, services
from .models import Campaign, ElectionType, PledgeSignature

pledges_cli = AppGroup("pledges", help="Pakta integritas: signing campaigns and signature chains.")

#: --opens / --closes
DATE = click.DateTime(formats=["%Y-%m-%d"])


def _instansi(slug: str) -> Instansi:
    instansi = db.session.scalar(select(Instansi).where(Instansi.slug == slug.strip().lower()))
    if instansi is None:
        raise click.ClickException(f"no instansi {slug} (see: flask --app elearn instansi list)")
    return instansi


@pledges_cli.command("verify")
@click.option("--instansi", "slug", help="Only this instansi (slug); default: every instansi.")
@click.option("--checkpoint", "checkpoint_files", multiple=True, type=click.File("r", encoding="utf-8"),
              help="A checkpoint file (pledges checkpoint): check its signatures and that each chain still "
                   "holds the checkpointed head. Repeatable.")
@click.option("--public-key", "public_key_file", type=click.File("rb"),
              help="Trust this Ed25519 public key (PEM, from pledges checkpoint-key) for the checkpoints; "
                   "default: this installation's checkpoint key.")
def verify(slug: str | None, checkpoint_files: tuple[Any, ...], public_key_file: Any) -> None:
    """Recompute every signature's hash, link and MAC (the chain key), per instansi. Prints the
    records checked (and how many are unkeyed: signed before the chain key existed), or the first
    broken record (seq, id, signer, reason); then each checkpoint's result. Exits 1 when any chain
    is broken or any checkpoint fails."""
    instansis = [_instansi(slug)] if slug else db.session.scalars(select(Instansi).order_by(Instansi.slug)).all()
    broken = 0
    for instansi in instansis:
        result = chain.verify_chain(instansi.id)
        if result.ok:
            unkeyed = (f"; {result.unkeyed} unkeyed record(s) (signed before the chain key existed: a rewrite of "
                       "these is caught only by a checkpoint)") if result.unkeyed else ""
            click.echo(f"{instansi.slug}: {result.checked} record(s) checked, OK{unkeyed}")
            continue
        broken += 1
        record = result.first_broken
        assert record is not None
        where = f"id {record.id}" if record.id is not None else "missing record"
        signer = f", signer {record.signer}" if record.signer else ""
        click.echo(f"{instansi.slug}: BROKEN at seq {record.seq} ({where}{signer}): {record.reason}; "
                   f"{result.checked} record(s) before it OK", err=True)
    if checkpoint_files:
        broken += _verify_checkpoints(checkpoint_files, public_key_file, {i.id for i in instansis} if slug else None)
    db.session.rollback()
    if broken:
        raise click.exceptions.Exit(1)


def _verify_checkpoints(files: tuple[Any, ...], public_key_file: Any, only: set[int] | None) -> int:
    """Check every checkpoint of the files (``only``: of these instansi ids, the chains verified
    just before: a checkpoint vouches for records 1..seq only with its chain recomputed, so the
    filter is the signed instansi_id, never a slug the database could have moved); returns how
    many failed."""
    try:
        public = (keys.load_public_key(public_key_file.read()) if public_key_file is not None
                  else keys.checkpoint_key().public_key())
    except ValueError as exc:
        raise click.ClickException(f"--public-key: {exc}") from None
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    trusted = {keys.public_key_id(public): public}
    failed = 0
    for handle in files:
        try:
            found = checkpoints.read_checkpoint_file(handle.read())
        except ValueError as exc:
            raise click.ClickException(f"{handle.name}: {exc}") from None
        for checkpoint in found:
            if only is not None and checkpoint.get("instansi_id") not in only:
                continue
            result = checkpoints.verify_checkpoint(checkpoint, trusted)
            label = f"{handle.name}: checkpoint {result.instansi} seq {result.seq} ({checkpoint.get('created_at')})"
            if result.ok:
                click.echo(f"{label}: OK")
            else:
                failed += 1
                click.echo(f"{label}: FAILED: {result.reason}", err=True)
    return failed


@pledges_cli.command("checkpoint")
@click.option("--instansi", "slug", help="Only this instansi (slug); default: every instansi with signatures.")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-", show_default=True,
              help="Write the checkpoint file here (- for standard output).")
def checkpoint(slug: str | None, output: Any) -> None:
    """Verify each chain and sign a checkpoint of its head (instansi, seq, head hash, time, the
    campaigns) with the checkpoint key. Keep the file away from the database server: pledges
    verify --checkpoint FILE later shows whether the chain still holds each checkpointed head."""
    instansis = [_instansi(slug)] if slug else db.session.scalars(select(Instansi).order_by(Instansi.slug)).all()
    made = []
    for instansi in instansis:
        try:
            found = checkpoints.create_checkpoint(instansi)
        except ServiceError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
        except RuntimeError as exc:  # no checkpoint key in production
            db.session.rollback()
            raise click.ClickException(str(exc)) from None
        if found is None:
            click.echo(f"{instansi.slug}: no signatures yet, no checkpoint", err=True)
            continue
        made.append(found)
        click.echo(f"{instansi.slug}: checkpoint at seq {found['seq']}, head {found['head_hash'][:16]}…", err=True)
    db.session.commit()
    output.write(checkpoints.checkpoint_file(made))


@pledges_cli.command("checkpoint-key")
def checkpoint_key() -> None:
    """Print the public key (PEM) that verifies this installation's checkpoints, and its id: keep it
    with the checkpoint files to verify them elsewhere (pledges verify --public-key)."""
    from cryptography.hazmat.primitives import serialization

    try:
        public = keys.checkpoint_key().public_key()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"key id {keys.public_key_id(public)}", err=True)
    click.echo(public.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode(), nl=False)


@pledges_cli.command("campaign-create")
@click.option("--instansi", "instansi_slug", required=True, help="The instansi whose people sign (slug).")
@click.option("--slug", required=True, help="Code of the campaign, unique in the instansi, e.g. pilkada-2029.")
@click.option("--name", required=True, help="e.g. 'Pilkada Serentak 2029'.")
@click.option("--election", type=click.Choice([e.value for e in ElectionType]), required=True)
@click.option("--pledge", "pledge_slug", default="pakta-netralitas", show_default=True,
              help="The pledge text (slug); the campaign pins its current version.")
@click.option("--place", required=True, help="The place on the signed document, e.g. 'Kota Contoh'.")
@click.option("--opens", "opens_on", type=DATE, metavar="YYYY-MM-DD", required=True,
              help="First signing day.")
@click.option("--closes", "closes_on", type=DATE, metavar="YYYY-MM-DD", required=True,
              help="Last signing day.")
@click.option("--election-date", type=DATE, metavar="YYYY-MM-DD", help="The voting day (optional).")
@click.option("--target", "target_percent", type=int, metavar="PERCENT",
              help="Share of the active roster to be fully done, 1-100 (optional).")
@click.option("--target-date", type=DATE, metavar="YYYY-MM-DD",
              help="When the target should be met (default: the election date, else the last signing day).")
def campaign_create(instansi_slug: str, slug: str, name: str, election: str, pledge_slug: str, place: str,
                    opens_on: dt.datetime, closes_on: dt.datetime, election_date: dt.datetime | None,
                    target_percent: int | None, target_date: dt.datetime | None) -> None:
    """Create a signing campaign (audited, without an actor). Prints the new campaign's id; the
    dates are in the instansi's time zone, both inclusive."""
    instansi = _instansi(instansi_slug)
    version = services.current_pledge_version(pledge_slug.strip().lower())
    if version is None:
        raise click.ClickException(f"no pledge text {pledge_slug} (load the texts: flask --app elearn content sync "
                                   "--pledges-root pledges)")
    try:
        campaign = services.create_campaign(
            instansi, slug=slug, name=name, election_type=election, pledge_version=version, place=place,
            opens_on=opens_on.date(), closes_on=closes_on.date(), actor=None,
            election_date=election_date.date() if election_date else None, target_percent=target_percent,
            target_date=target_date.date() if target_date else None,
        )
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"campaign {campaign.slug} of {instansi.slug} created: {version.pledge_text.slug} version "
               f"{version.number}, {campaign.opens_on.isoformat()} to {campaign.closes_on.isoformat()}", err=True)
    click.echo(campaign.id)


@pledges_cli.command("campaign-list", short_help="List the signing campaigns.")
@click.option("--instansi", "instansi_slug", help="Only this instansi (slug); default: every instansi.")
def campaign_list(instansi_slug: str | None) -> None:
    """One line per campaign, tab-separated: id, instansi, code, election, first and last signing
    day, state today (upcoming/open/closed), pledge text and version, signatures, name."""
    signatures = (select(func.count()).select_from(PledgeSignature)
                  .where(PledgeSignature.campaign_id == Campaign.id).scalar_subquery())
    # the campaign's instansi, text version and text come with it (joined eager loads)
    query = (
        select(Campaign, signatures)
        .join(Instansi, Instansi.id == Campaign.instansi_id)
        .order_by(Instansi.slug, Campaign.opens_on, Campaign.id)
    )
    if instansi_slug:
        query = query.where(Campaign.instansi_id == _instansi(instansi_slug).id)
    for campaign, signed in db.session.execute(query).unique():
        version = campaign.pledge_version
        click.echo("\t".join((
            str(campaign.id), campaign.instansi.slug, campaign.slug, campaign.election_type.value,
            campaign.opens_on.isoformat(), campaign.closes_on.isoformat(), services.campaign_state(campaign),
            f"{version.pledge_text.slug} v{version.number}", str(signed), campaign.name,
        )))
    db.session.rollback()


def register(app: Flask) -> None:
    app.cli.add_command(pledges_cli)
