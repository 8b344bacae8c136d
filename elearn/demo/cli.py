"""``flask --app elearn seed-demo``: the fictional Pemerintah Kota Contoh with ~5,000 people."""
from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..db import db
from ..errors import ServiceError
from . import services

ROLE_LABELS = {
    "peserta": "peserta",
    "pelatih": "pelatih",
    "operator_skpd": "operator SKPD",
    "admin_bkpsdm": "admin BKPSDM",
    "superadmin": "superadmin",
}


@click.command("seed-demo")
@click.option("--seed", type=int, default=services.DEFAULT_SEED, show_default=True,
              help="Random seed: the same seed gives the same units and people.")
@click.option("--people", type=click.IntRange(min=50), default=services.DEFAULT_PEOPLE, show_default=True,
              help="How many people to generate.")
@click.option("--password", default=None,
              help="One password for every demo account (default: a random readable password each).")
@click.option("--reset", is_flag=True, help="Delete the demo instansi and all its data first, then create it again.")
@click.option("--skip-existing", is_flag=True,
              help="When the demo instansi exists already, leave it alone and exit successfully (for start scripts).")
@with_appcontext
def seed_demo(seed: int, people: int, password: str | None, reset: bool, skip_existing: bool) -> None:
    """Create the demo instansi 'Pemerintah Kota Contoh' (kota-contoh) with generated people and one account per role."""
    if password is not None and len(password) < 10:
        raise click.BadParameter(_("Kata sandi minimal %(n)d karakter.", n=10), param_hint="--password")
    started = time.perf_counter()
    try:
        result = services.seed_demo(people=people, seed=seed, password=password, reset=reset)
    except services.DemoExists as exc:
        db.session.rollback()
        if not skip_existing or reset:
            raise click.ClickException(exc.message) from None
        click.echo(_("Instansi demo sudah ada dan tidak diubah. Kata sandi akun demo hanya dicetak saat data demo "
                     "dibuat; untuk mencetak akun demo dengan kata sandi baru, jalankan demo-accounts (data demo "
                     "tetap); untuk membuat ulang seluruh data, jalankan seed-demo --reset."))
        return
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    seconds = time.perf_counter() - started

    inst = result.instansi
    click.echo(_("Data demo dibuat dalam %(seconds).1f detik: %(name)s (%(slug)s, %(tz)s).",
                 seconds=seconds, name=inst.name, slug=inst.slug, tz=inst.timezone.value))
    click.echo(_("%(skpd)d perangkat daerah, %(units)d unit, %(people)d pegawai.",
                 skpd=result.skpd_count, units=result.unit_count, people=result.people_count))
    click.echo("  " + ", ".join(f"{k}: {v}" for k, v in sorted(result.type_counts.items())))
    courses = result.courses
    if courses is not None and courses.courses:
        click.echo(_("Kursus %(slugs)s ditugaskan ke seluruh instansi; dari pegawai yang sudah aktif: %(done)d "
                     "selesai, %(half)d sedang membaca, %(none)d belum mulai.", slugs=", ".join(courses.courses), done=courses.done,
                     half=courses.in_progress, none=courses.not_started))
    elif courses is not None and courses.note:
        click.echo(_("Tanpa kursus: %(note)s.", note=courses.note))
    quizzes = result.quizzes
    if quizzes is not None:
        for counts in quizzes.quizzes:
            click.echo(_("Kuis %(slug)s: %(attempts)d percobaan (%(retakes)d di antaranya percobaan ulang) oleh "
                         "%(people)d pegawai di %(skpd)d perangkat daerah; %(passed)d pegawai lulus.",
                         slug=counts.slug, attempts=counts.attempts, retakes=counts.retakes, people=counts.people,
                         skpd=counts.skpds, passed=counts.passed))
        if quizzes.note:
            click.echo(_("Tanpa percobaan kuis: %(note)s.", note=quizzes.note))
    pledges = result.pledges
    if pledges is not None and pledges.campaign:
        click.echo(_("Kampanye pakta %(slug)s: %(signed)d tanda tangan (%(heads)d kepala perangkat daerah; "
                     "%(drawn)d digambar, %(typed)d nama diketik).", slug=pledges.campaign, signed=pledges.signed,
                     heads=pledges.heads, drawn=pledges.drawn, typed=pledges.typed))
    elif pledges is not None and pledges.note:
        click.echo(_("Tanpa kampanye pakta: %(note)s.", note=pledges.note))
    certificates = result.certificates
    if certificates is not None and certificates.issued:
        click.echo(_("Sertifikat: %(issued)d terbit (%(signed)s); %(revoked)s dicabut, %(replaced)s diterbitkan "
                     "ulang sebagai contoh.", issued=certificates.issued,
                     signed=_("ditandatangani dengan kunci pengembangan, bukan untuk produksi")
                     if certificates.signed else _("tanpa tanda tangan elektronik"),
                     revoked=certificates.revoked or "-", replaced=certificates.replaced or "-"))
    if certificates is not None:
        for message, count in sorted(certificates.failed.items()):
            click.echo(_("%(count)d sertifikat tidak terbit: %(message)s", count=count, message=message))
    events = result.events
    if events is not None and events.apel:
        click.echo(_("Apel lalu \"%(title)s\": %(present)d dari %(expected)d pegawai hadir (%(heads)d kepala "
                     "perangkat daerah), %(answers)d jawaban kuis langsung.", title=events.apel,
                     present=events.present, expected=events.expected, heads=events.heads_present,
                     answers=events.answers))
        click.echo(_("Sosialisasi \"%(title)s\" mulai %(minutes)d menit lagi; presenter: /acara/%(id)d/presenter",
                     title=events.upcoming, minutes=10, id=events.upcoming_id))
    echo_accounts(result.accounts, result.pending)


def echo_accounts(accounts: list[services.DemoAccount], pending: list[services.PendingActivation]) -> None:
    click.echo("")
    click.echo(_("Akun demo (masuk di /masuk dengan NIP dan kata sandi):"))
    for acc in accounts:
        click.echo(f"  {ROLE_LABELS[acc.role.value]:<14} {acc.employee_number}  {acc.password}  "
                   f"{acc.name} — {acc.unit_name}")
    click.echo("")
    click.echo(_("Belum diaktifkan (coba di /aktivasi dengan NIP dan kode aktivasi):"))
    for p in pending:
        click.echo(f"  {p.employee_number}  {p.code}  {p.name} — {p.unit_name}")


@click.command("demo-accounts")
@click.option("--password", default=None,
              help="One new password for every demo account (default: a random readable password each).")
@with_appcontext
def demo_accounts(password: str | None) -> None:
    """Print the demo accounts again, with NEW passwords (and new activation codes for a few people not yet
    activated): passwords are stored hashed, so the ones seed-demo printed cannot be shown again. Changes
    only the demo instansi; the demo accounts' other sessions end."""
    if password is not None and len(password) < 10:
        raise click.BadParameter(_("Kata sandi minimal %(n)d karakter.", n=10), param_hint="--password")
    try:
        result = services.demo_accounts(password=password)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(_("Kata sandi akun demo dan kode aktivasi di bawah ini baru; yang dicetak sebelumnya tidak "
                 "berlaku lagi."))
    echo_accounts(result.accounts, result.pending)
    if result.inactive:
        click.echo(_("Dinonaktifkan (tidak dapat masuk sampai diaktifkan lagi di /pegawai/): %(nips)s",
                     nips=", ".join(result.inactive)))


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_accounts)
