"""``flask --app elearn pledges verify``: OK chains exit 0; a tampered chain exits non-zero and
names the first broken record."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from elearn.accounts.models import User
from elearn.db import db
from elearn.org.models import Instansi

from pledge_support import make_campaign, sign_as, triggers_off


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
