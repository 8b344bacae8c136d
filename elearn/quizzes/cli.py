"""``flask --app elearn quiz import-gift FILE --bank SLUG [--update] [--json]`` and
``flask --app elearn quiz export-gift --bank SLUG [--output FILE]``: Moodle GIFT in and out of a bank.
``flask --app elearn quiz recount-analysis [--quiz SLUG]``: count the item analysis again from the
attempts (after attempts were deleted or edited by hand in the database; quizzes/tallies.py)."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from ..content.gift import decode_gift
from ..content.gift_bank import export_gift, import_gift
from ..db import db
from ..org.services import get_instansi
from .models import QuestionBank
from .types import SLUG

quiz_cli = AppGroup("quiz", help="Question banks: Moodle GIFT import and export; the item analysis.")


@quiz_cli.command("import-gift")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--bank", "slug", required=True, help="Kode (slug) bank soal, mis. netralitas; dibuat bila belum ada.")
@click.option("--instansi", "instansi_slug", help="Pemilik bank baru (kode instansi); tanpa ini bank terbuka untuk semua.")
@click.option("--update", is_flag=True,
              help="Ganti juga soal dengan id yang sama yang tidak berasal dari berkas ini.")
@click.option("--json", "as_json", is_flag=True, help="Cetak hasil sebagai JSON.")
def import_gift_command(file: str, slug: str, instansi_slug: str | None, update: bool, as_json: bool) -> None:
    """Import the questions of a Moodle GIFT file into a bank.

    Exits non-zero only when the file can't be read or decoded (UTF-8 with or without BOM,
    UTF-16 with BOM, else Windows-1252); questions elearn can't represent are reported with their
    line and skipped. Importing the same file again changes nothing.

    A question of the bank is replaced only by the file it was imported from (same file name),
    or with --update. Otherwise a title-derived id takes the next free one (<id>-2, ...) and an
    [id:] given in the file is reported and skipped.
    """
    slug = slug.strip()
    if not SLUG.match(slug):
        raise click.BadParameter("huruf kecil, angka dan '-', mis. netralitas-kota", param_hint="--bank")
    instansi = None
    if instansi_slug:
        instansi = get_instansi(instansi_slug.strip().lower())
        if instansi is None:
            raise click.ClickException(f"Instansi {instansi_slug} tidak ditemukan "
                                       "(lihat: flask --app elearn instansi list).")
    try:
        raw = Path(file).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{file} tidak bisa dibaca: {exc.strerror or exc}") from None
    try:
        text = decode_gift(raw)
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} bukan teks UTF-8 atau Windows-1252; simpan ulang sebagai UTF-8.") from None
    existing = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
    if existing is not None and instansi is not None and existing.instansi_id != instansi.id:
        click.echo(f"Bank {slug} sudah ada; --instansi {instansi_slug} diabaikan (pemilik bank tidak diubah).", err=True)
    try:
        report = import_gift(slug, text, filename=Path(file).name, instansi=instansi, update=update)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    bank = report.bank
    click.echo(f"Bank {bank.slug} ({bank.title}){' dibuat' if report.bank_created else ''}: "
               f"{report.imported} soal diimpor dari {Path(file).name}.")
    click.echo(f"  baru: {len(report.created)}")
    click.echo(f"  diperbarui: {len(report.updated)}")
    click.echo(f"  tidak berubah: {len(report.unchanged)}")
    if report.drafts:
        click.echo(f"Draf ({len(report.drafts)}), dilengkapi pelatih sebelum dipakai di kuis:")
        for question in report.drafts:
            missing = ", ".join(question.missing) or "ditandai [draft]"
            click.echo(f"  baris {question.line} {question.data['id']}: {missing}")
    if report.notes:
        click.echo(f"Catatan ({len(report.notes)}):")
        for note in report.notes:
            click.echo(f"  baris {note.line}: {note.note}")
    if report.skipped:
        click.echo(f"Dilewati ({len(report.skipped)}):")
        for skipped in report.skipped:
            click.echo(f"  baris {skipped.line}: {skipped.reason}")
    else:
        click.echo("Tidak ada soal yang dilewati.")


@quiz_cli.command("export-gift")
@click.option("--bank", "slug", required=True, help="Kode (slug) bank soal.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="Tulis ke berkas ini (UTF-8); tanpa ini ke stdout.")
def export_gift_command(slug: str, output: str | None) -> None:
    """Write a bank's current questions as Moodle GIFT. Branching and social-feed questions have
    no GIFT form: they are listed on stderr."""
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug.strip()))
    if bank is None:
        raise click.ClickException(f"Bank soal {slug} tidak ditemukan.")
    text, written, skipped = export_gift(bank)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"{output} tidak bisa ditulis: {exc.strerror or exc}") from None
    else:
        click.echo(text, nl=False)
    for key, reason in skipped:
        click.echo(f"dilewati {key}: {reason}", err=True)
    summary = f"{written} soal ditulis" + (f" ke {output}" if output else "") + f", {len(skipped)} dilewati."
    click.echo(summary, err=not output)


@quiz_cli.command("recount-analysis")
@click.option("--quiz", "slug", help="Kode (slug) kuis; tanpa ini semua kuis.")
def recount_analysis_command(slug: str | None) -> None:
    """Count the item analysis of a quiz (or of every quiz) again from its attempts."""
    from .models import Quiz
    from .tallies import rebuild

    stmt = select(Quiz).order_by(Quiz.slug)
    if slug:
        stmt = stmt.where(Quiz.slug == slug.strip())
    quizzes = list(db.session.scalars(stmt))
    if slug and not quizzes:
        raise click.ClickException(f"Kuis {slug} tidak ditemukan.")
    for quiz in quizzes:
        rebuild(quiz.id)
        db.session.commit()
        click.echo(f"{quiz.slug}: dihitung ulang.")


def register(app: Flask) -> None:
    app.cli.add_command(quiz_cli)
