"""``flask --app elearn pledges ...``: ``verify`` (OK chains exit 0; a tampered chain exits
non-zero and names the first broken record), ``campaign-create`` (the current version of the text,
audited, the id printed; refusals and bad options as messages without a traceback) and
``campaign-list``."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select, text

from elearn.accounts.models import User
from elearn.audit.models import AuditEvent
from elearn.db import db
from elearn.org.models import Instansi
from elearn.pledges.models import Campaign, ElectionType, PledgeTextVersion

from pledge_support import make_campaign, make_pledge_version, sign_as, triggers_off


def _signed_chain(app: Flask, make_unit, make_user, n: int = 3) -> tuple[str, list[int]]:
    unit = make_unit()
    people = [make_user(unit=unit, name=f"Penanda Tangan {i}") for i in range(n)]
    with app.app_context():
        campaign = make_campaign(unit.instansi_id)
        ids = [sign_as(campaign, db.session.get(User, p.id)).id for p in people]
        db.session.commit()
        return db.session.get(Instansi, unit.instansi_id).slug, ids


def test_verify_ok(app: Flask, make_unit, make_user) -> None:
    slug, _ids = _signed_chain(app, make_unit, make_user)
    other = make_unit()  # an instansi without signatures
    result = app.test_cli_runner().invoke(args=["pledges", "verify"])
    assert result.exit_code == 0, result.output
    assert f"{slug}: 3 record(s) checked, OK" in result.output
    with app.app_context():
        other_slug = db.session.get(Instansi, other.instansi_id).slug
    assert f"{other_slug}: 0 record(s) checked, OK" in result.output
    only = app.test_cli_runner().invoke(args=["pledges", "verify", "--instansi", slug])
    assert only.exit_code == 0 and only.output.strip() == f"{slug}: 3 record(s) checked, OK"


def test_verify_names_the_first_broken_record(app: Flask, make_unit, make_user) -> None:
    slug, ids = _signed_chain(app, make_unit, make_user)
    good_slug, _ = _signed_chain(app, make_unit, make_user, n=2)
    with app.app_context():
        with triggers_off():
            db.session.execute(text(f"UPDATE pledge_signatures SET typed_name = 'Orang Lain' WHERE id = {ids[1]}"))
        result = app.test_cli_runner().invoke(args=["pledges", "verify"])
    assert result.exit_code == 1
    assert f"{slug}: BROKEN at seq 2 (id {ids[1]}, signer Penanda Tangan 1): record_hash does not match" in result.output
    assert "1 record(s) before it OK" in result.output
    assert f"{good_slug}: 2 record(s) checked, OK" in result.output


def test_verify_names_a_deleted_record(app: Flask, make_unit, make_user) -> None:
    slug, ids = _signed_chain(app, make_unit, make_user)
    with app.app_context():
        with triggers_off():
            db.session.execute(text(f"DELETE FROM pledge_signatures WHERE id = {ids[0]}"))
        result = app.test_cli_runner().invoke(args=["pledges", "verify", "--instansi", slug])
    assert result.exit_code == 1
    assert f"{slug}: BROKEN at seq 2 (id {ids[1]}, signer Penanda Tangan 1): seq 2 where 1 was expected" \
        in result.output


def test_verify_unknown_instansi(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["pledges", "verify", "--instansi", "tidak-ada"])
    assert result.exit_code == 1 and "no instansi tidak-ada" in result.output


# --- campaign-create / campaign-list ----------------------------------------------------------------

CREATE = ["pledges", "campaign-create", "--slug", "pilkada-2029", "--name", "Pilkada  Serentak 2029",
          "--election", "pilkada", "--place", "Kota Uji", "--opens", "2029-10-01", "--closes", "2029-11-20"]


@pytest.fixture
def netralitas(app: Flask) -> tuple[int, int]:
    """The text ``pakta-netralitas`` with two versions, the second current: (first id, current id)."""
    with app.app_context():
        first = make_pledge_version(slug="pakta-netralitas")
        body = first.body + "\n2. Tidak memihak.\n"
        current = PledgeTextVersion(pledge_text_id=first.pledge_text_id, number=2, title=first.title, body=body,
                                    source_text=body, content_hash="c" * 64)
        db.session.add(current)
        db.session.flush()
        first.pledge_text.current_number = 2
        db.session.commit()
        return first.id, current.id


def _campaigns(app: Flask, instansi_id: int) -> list[Campaign]:
    with app.app_context():
        rows = list(db.session.scalars(select(Campaign).where(Campaign.instansi_id == instansi_id)
                                       .order_by(Campaign.id)))
        db.session.expunge_all()
        return rows


def test_campaign_create_pins_the_current_text_and_prints_the_id(app: Flask, make_instansi, netralitas) -> None:
    instansi = make_instansi()
    result = app.test_cli_runner().invoke(args=[*CREATE, "--instansi", instansi.slug.upper()])
    assert result.exit_code == 0, result.output
    (campaign,) = _campaigns(app, instansi.id)
    assert result.stdout == f"{campaign.id}\n"  # the summary goes to stderr
    assert "campaign pilkada-2029 of" in result.stderr and "pakta-netralitas version 2" in result.stderr
    assert (campaign.slug, campaign.name, campaign.election_type, campaign.place) == (
        "pilkada-2029", "Pilkada Serentak 2029", ElectionType.PILKADA, "Kota Uji")
    assert (campaign.opens_on, campaign.closes_on) == (dt.date(2029, 10, 1), dt.date(2029, 11, 20))
    assert campaign.pledge_version_id == netralitas[1] and campaign.created_by_id is None
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pledge.campaign_create",
                                                           AuditEvent.target_id == campaign.id))
        assert event is not None and event.actor_id is None and event.instansi_id == instansi.id
        assert event.details["pledge_version_id"] == netralitas[1]


def test_campaign_create_with_another_text(app: Flask, make_instansi) -> None:
    instansi = make_instansi()
    with app.app_context():
        other = make_pledge_version(slug="pakta-lain")
        db.session.commit()
        other_id = other.id
    result = app.test_cli_runner().invoke(args=[*CREATE, "--instansi", instansi.slug, "--pledge", "pakta-lain",
                                                "--election", "pemilu"])
    assert result.exit_code == 0, result.output
    (campaign,) = _campaigns(app, instansi.id)
    assert campaign.pledge_version_id == other_id and campaign.election_type == ElectionType.PEMILU


@pytest.mark.parametrize(("change", "message"), [
    ({"--slug": "Pilkada 2029"}, "Kode kampanye hanya boleh huruf kecil, angka dan tanda hubung"),
    ({"--closes": "2029-09-30"}, "Tanggal tutup tidak boleh sebelum tanggal buka."),
    ({"--name": "  "}, "Nama kampanye wajib diisi"),
    ({"--place": ""}, "Tempat penandatanganan wajib diisi"),
])
def test_campaign_create_refusals_are_messages(app: Flask, make_instansi, netralitas, change: dict[str, str],
                                               message: str) -> None:
    instansi = make_instansi()
    args = [*CREATE, "--instansi", instansi.slug]
    for option, value in change.items():
        args[args.index(option) + 1] = value
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output and "Traceback" not in result.output
    assert _campaigns(app, instansi.id) == []


def test_campaign_create_twice_is_refused(app: Flask, make_instansi, netralitas) -> None:
    instansi = make_instansi()
    runner = app.test_cli_runner()
    assert runner.invoke(args=[*CREATE, "--instansi", instansi.slug]).exit_code == 0
    again = runner.invoke(args=[*CREATE, "--instansi", instansi.slug, "--name", "Lagi"])
    assert again.exit_code == 1 and "Error: Kampanye dengan kode pilkada-2029 sudah ada." in again.output
    assert [c.name for c in _campaigns(app, instansi.id)] == ["Pilkada Serentak 2029"]
    # the same code in another instansi is fine
    other = make_instansi()
    assert runner.invoke(args=[*CREATE, "--instansi", other.slug]).exit_code == 0


@pytest.mark.parametrize(("change", "code", "message"), [
    ({"--opens": "01-10-2029"}, 2, "Invalid value for '--opens'"),
    ({"--closes": "2029-02-30"}, 2, "Invalid value for '--closes'"),
    ({"--election": "pilpres"}, 2, "Invalid value for '--election'"),
    ({"--instansi": "tidak-ada"}, 1, "no instansi tidak-ada"),
    ({"--pledge": "tidak-ada"}, 1, "no pledge text tidak-ada"),
])
def test_campaign_create_bad_options(app: Flask, make_instansi, netralitas, change: dict[str, str], code: int,
                                     message: str) -> None:
    instansi = make_instansi()
    args = [*CREATE, "--instansi", instansi.slug, "--pledge", "pakta-netralitas"]
    for option, value in change.items():
        args[args.index(option) + 1] = value
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == code and message in result.output and "Traceback" not in result.output
    assert _campaigns(app, instansi.id) == []


def test_campaign_create_needs_every_option(app: Flask, make_instansi, netralitas) -> None:
    instansi = make_instansi()
    result = app.test_cli_runner().invoke(args=[*CREATE[:-2], "--instansi", instansi.slug])
    assert result.exit_code == 2 and "Missing option '--closes'" in result.output


def test_campaign_list(app: Flask, make_unit, make_user, make_instansi) -> None:
    unit = make_unit()
    people = [make_user(unit=unit) for _ in range(2)]
    empty = make_instansi()
    today = dt.date.today()
    with app.app_context():
        version = make_pledge_version(slug="pakta-daftar")
        open_now = make_campaign(unit.instansi_id, version, slug="buka")
        for person in people:
            sign_as(open_now, db.session.get(User, person.id))
        later = make_campaign(unit.instansi_id, version, slug="nanti", opens_on=today + dt.timedelta(days=40),
                              closes_on=today + dt.timedelta(days=50))
        db.session.commit()
        slug = db.session.get(Instansi, unit.instansi_id).slug
        ids = (open_now.id, later.id)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["pledges", "campaign-list", "--instansi", slug])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{ids[0]}\t{slug}\tbuka\tpilkada\t{today - dt.timedelta(days=30)}\t{today + dt.timedelta(days=30)}"
        "\topen\tpakta-daftar v1\t2\tPilkada Serentak Uji",
        f"{ids[1]}\t{slug}\tnanti\tpilkada\t{today + dt.timedelta(days=40)}\t{today + dt.timedelta(days=50)}"
        "\tupcoming\tpakta-daftar v1\t0\tPilkada Serentak Uji",
    ]
    everything = runner.invoke(args=["pledges", "campaign-list"])
    assert everything.exit_code == 0 and result.output in everything.output
    nothing = runner.invoke(args=["pledges", "campaign-list", "--instansi", empty.slug])
    assert nothing.exit_code == 0 and nothing.output == ""
    unknown = runner.invoke(args=["pledges", "campaign-list", "--instansi", "tidak-ada"])
    assert unknown.exit_code == 1 and "no instansi tidak-ada" in unknown.output
