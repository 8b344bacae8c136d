"""Helpers for the pledge tests: a pledge text version, a campaign, and a signature row written
straight into the table (for the immutability tests, before any service is involved)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from elearn.accounts.models import User
from elearn.db import db, utcnow
from elearn.pledges.models import (
    GENESIS_HASH,
    Campaign,
    ElectionType,
    PledgeSignature,
    PledgeText,
    PledgeTextVersion,
    SigningMethod,
)

from support import next_seq

BODY = """# Pakta Integritas Uji

Saya yang bertanda tangan di bawah ini:

- Nama: {nama}
- NIP: {nip}
- Pangkat/golongan: {pangkat_golongan}
- Jabatan: {jabatan}
- Unit kerja: {unit}, {skpd}, {instansi}

1. Bersikap netral sebelum, selama, dan sesudah pemungutan suara.

{tempat}, {tanggal}
"""


def make_pledge_version(body: str = BODY, slug: str | None = None, language: str = "id") -> PledgeTextVersion:
    """A pledge text with one version (flushed). Needs an app context."""
    n = next_seq()
    text = PledgeText(slug=slug or f"pakta-uji-{n}", title=f"Pakta Uji {n}")
    db.session.add(text)
    db.session.flush()
    version = PledgeTextVersion(pledge_text_id=text.id, number=1, title=text.title, body=body, source_text=body,
                                content_hash=hashlib.sha256(body.encode()).hexdigest(), language=language)
    db.session.add(version)
    db.session.flush()
    return version


def make_campaign(instansi_id: int, version: PledgeTextVersion | None = None, *, opens_on: dt.date | None = None,
                  closes_on: dt.date | None = None, slug: str | None = None) -> Campaign:
    """A campaign open from 30 days ago to 30 days ahead unless told (flushed)."""
    version = version or make_pledge_version()
    today = dt.date.today()
    campaign = Campaign(
        instansi_id=instansi_id, slug=slug or f"kampanye-{next_seq()}", name="Pilkada Serentak Uji",
        election_type=ElectionType.PILKADA, pledge_version_id=version.id, place="Kota Uji",
        opens_on=opens_on or today - dt.timedelta(days=30), closes_on=closes_on or today + dt.timedelta(days=30),
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign


def insert_raw_signature(campaign: Campaign, user: User, seq: int = 1, prev_hash: str = GENESIS_HASH) -> PledgeSignature:
    """A signature row written directly (no chain service): enough for the database-level tests."""
    row = PledgeSignature(
        instansi_id=campaign.instansi_id, seq=seq, campaign_id=campaign.id, user_id=user.id, unit_id=user.unit_id,
        skpd_id=user.skpd_id, signer_name=user.name, signer_nip=user.employee_number, signer_jabatan=user.jabatan,
        signer_golongan=user.golongan, is_skpd_head=False, pledge_version_id=campaign.pledge_version_id,
        rendered_text="teks", text_hash=hashlib.sha256(b"teks").hexdigest(), method=SigningMethod.TYPED,
        signature_png=None, typed_name=user.name, signed_at=utcnow(), ip="127.0.0.1", user_agent="pytest",
        verify_code=secrets.token_urlsafe(16), prev_hash=prev_hash, record_hash=secrets.token_hex(32),
    )
    db.session.add(row)
    db.session.flush()
    return row
