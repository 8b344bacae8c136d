"""``flask --app elearn badge-keys ...``: the Ed25519 keys that sign an instansi's Open Badges."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..errors import ServiceError

badge_keys_cli = AppGroup("badge-keys", help="The Ed25519 keys that sign each instansi's Open Badges.")


def _slug(slug: str) -> str:
    from sqlalchemy import select

    from ..db import db
    from ..org.models import Instansi

    if db.session.scalar(select(Instansi.id).where(Instansi.slug == slug)) is None:
        raise click.ClickException(f"no instansi {slug!r}")
    return slug


@badge_keys_cli.command("list")
@click.option("--instansi", "slug", required=True)
def list_keys(slug: str) -> None:
    """The instansi's keys (generating the first one if there is none); * marks the current key."""
    from .badge_keys import keyring

    ring = keyring(_slug(slug))
    for key in ring.keys:
        mark = "*" if key.id == ring.current.id else " "
        state = "sign+verify" if key.private is not None else "verify only"
        click.echo(f"{mark} {key.id}  {key.public_multibase}  {state}")


@badge_keys_cli.command("rotate")
@click.option("--instansi", "slug", required=True)
@click.option("--keep-old-private", is_flag=True, help="Keep the old private key file (default: only its public half).")
def rotate_key(slug: str, keep_old_private: bool) -> None:
    """Make a new key current; the old one stays published so old credentials keep verifying."""
    from .badge_keys import rotate

    try:
        old, new = rotate(_slug(slug), keep_old_private=keep_old_private)
    except (OSError, RuntimeError, ServiceError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"current key: {new}" + (f" (was {old}, still published)" if old else ""))


def register(app: Flask) -> None:
    app.cli.add_command(badge_keys_cli)
