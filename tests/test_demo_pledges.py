"""``seed-demo``'s pakta integritas: a campaign open now, signatures made through
``services.sign`` by every head of an SKPD and part of the staff, a valid chain."""
from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select

from elearn.accounts.models import User
from elearn.db import db
from elearn.demo.pledges import CAMPAIGN_SLUG, scribble_png
from elearn.org.models import Instansi
from elearn.pledges import chain, services
from elearn.pledges.models import Campaign, PledgeSignature, SigningMethod

from test_demo import accounts, seed


def test_demo_campaign_is_signed_through_the_service(app: Flask) -> None:
    output = seed(app, "--people", "800", "--password", "demo-sandi-123")
    line = re.search(r"Kampanye pakta pemilu-2029: (\d+) tanda tangan \((\d+) kepala perangkat daerah; "
                     r"(\d+) digambar, (\d+) nama diketik\)", output)
    assert line, output
    signed, heads, drawn, typed = map(int, line.groups())
    printed = accounts(output)
    with app.app_context():
        inst = db.session.scalar(select(Instansi).where(Instansi.slug == "kota-contoh"))
        campaign = db.session.scalar(select(Campaign).where(Campaign.instansi_id == inst.id))
        assert campaign is not None and campaign.slug == CAMPAIGN_SLUG and campaign.name == "Pemilu 2029"
        assert services.campaign_is_open(campaign)
        assert campaign.pledge_version.pledge_text.slug == "pakta-netralitas"
        rows = list(db.session.scalars(select(PledgeSignature).where(PledgeSignature.campaign_id == campaign.id)
                                       .order_by(PledgeSignature.seq)))
        assert len(rows) == signed == drawn + typed
        people = db.session.scalar(select(func.count()).select_from(User).where(User.instansi_id == inst.id))
        assert 0.15 * people <= signed <= 0.6 * people
        assert drawn > 0.3 * signed and typed > 0.2 * signed
        # the chain is whole: seq 1..n, linked, every hash recomputes
        assert [r.seq for r in rows] == list(range(1, signed + 1))
        result = chain.verify_chain(inst.id)
        assert result.ok and result.checked == signed
        # heads of SKPD first, and all of them
        all_heads = [u for u in db.session.scalars(select(User).where(User.instansi_id == inst.id))
                     if services.is_skpd_head(u)]
        assert len(all_heads) == heads >= 20
        signers = {r.user_id for r in rows}
        assert {u.id for u in all_heads} <= signers
        assert all(r.is_skpd_head for r in rows[:heads]) and not any(r.is_skpd_head for r in rows[heads:])
        assert all(a.signed_at <= b.signed_at for a, b in zip(rows, rows[1:]))
        # drawn ones carry a PNG, typed ones the name; the printed demo accounts are left to sign themselves
        assert all((r.method is SigningMethod.DRAWN) == (r.signature_png is not None) for r in rows)
        assert all(r.typed_name == r.signer_name for r in rows if r.method is SigningMethod.TYPED)
        numbers = {number for number, _password in printed.values()}
        assert not any(r.signer_nip in numbers for r in rows)
    verify = app.test_cli_runner().invoke(args=["pledges", "verify", "--instansi", "kota-contoh"])
    assert verify.exit_code == 0, verify.output
    assert f"{signed} record(s) checked, OK" in verify.output or "OK" in verify.output


def test_demo_reset_starts_a_fresh_chain(app: Flask) -> None:
    seed(app, "--people", "300", "--password", "demo-sandi-123")
    seed(app, "--people", "300", "--password", "demo-sandi-123", "--reset")
    with app.app_context():
        inst = db.session.scalar(select(Instansi).where(Instansi.slug == "kota-contoh"))
        result = chain.verify_chain(inst.id)
        assert result.ok and result.checked > 0
        assert db.session.scalar(select(func.min(PledgeSignature.seq))
                                 .where(PledgeSignature.instansi_id == inst.id)) == 1


def test_scribble_is_an_acceptable_signature(app: Flask) -> None:
    import random

    with app.app_context():
        for n in range(5):
            png = scribble_png(random.Random(n))
            assert services.check_signature_png(png) == (480, 160)
            assert len(png) < 20_000
