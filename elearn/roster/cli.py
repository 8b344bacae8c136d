"""``flask --app elearn import-roster FILE --instansi SLUG [--deactivate-missing] [--json]``."""
from __future__ import annotations

import json

import click
from flask import Flask

from ..db import db
from ..org.services import get_instansi
from .models import DEACTIVATE_WARN_SHARE
from .parsing import RosterFileError, open_roster_path
from .services import import_roster


@click.command("import-roster")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--instansi", "slug", required=True, help="Kode (slug) instansi, mis. kota-contoh.")
@click.option("--deactivate-missing", is_flag=True,
              help="Nonaktifkan pegawai instansi ini yang tidak ada di berkas (jumlahnya dicetak; berlaku "
                   "langsung, tanpa konfirmasi seperti di web).")
@click.option("--json", "as_json", is_flag=True, help="Cetak hasil sebagai JSON.")
def import_roster_command(file: str, slug: str, deactivate_missing: bool, as_json: bool) -> None:
    """Import a roster (CSV or XLSX) into an instansi: create and update people by NIP.

    Exits non-zero only when the file can't be read or the instansi doesn't exist;
    bad rows are reported and every valid row is imported.
    """
    instansi = get_instansi(slug.strip().lower())
    if instansi is None:
        raise click.ClickException(f"Instansi {slug} tidak ditemukan (lihat: flask --app elearn instansi list).")
    try:
        roster = open_roster_path(file)
    except RosterFileError as exc:
        raise click.ClickException(exc.message) from None
    try:
        result = import_roster(instansi, roster, deactivate_missing=deactivate_missing,
                               audit_details={"via": "cli"})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    click.echo(f"{instansi.name}: {result.rows} baris dibaca dari {roster.filename}.")
    click.echo(f"  dibuat: {result.created}")
    click.echo(f"  diperbarui: {result.updated}")
    click.echo(f"  tidak berubah: {result.unchanged}")
    click.echo(f"  dinonaktifkan: {result.deactivated}")
    if deactivate_missing and result.deactivated > DEACTIVATE_WARN_SHARE * result.active_in_scope:
        click.echo(f"PERHATIAN: {result.deactivated} dari {result.active_in_scope} pegawai aktif dinonaktifkan "
                   f"karena tidak ada di berkas. Jika berkas ini hanya sebagian, aktifkan kembali mereka "
                   f"(impor ulang berkas lengkap tanpa --deactivate-missing).")
    if result.new_units:
        click.echo(f"Unit baru ({len(result.new_units)}):")
        for name in result.new_units:
            click.echo(f"  - {name}")
    if result.errors:
        click.echo(f"Baris bermasalah ({len(result.errors)}), tidak diimpor:")
        for error in result.errors:
            click.echo(f"  baris {error.line} [{error.code}]: {error.message}")
    else:
        click.echo("Tidak ada baris bermasalah.")


def register(app: Flask) -> None:
    app.cli.add_command(import_roster_command)
