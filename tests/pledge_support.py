"""Helpers for the pledge tests: a pledge text version, a campaign, and a signature row written
straight into the table (for the immutability tests, before any service is involved)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

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
    text.current_number = version.number
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


# --- signatures through the service -------------------------------------------------------------

def signature_png(width: int = 600, height: int = 200, *, ink: bool = True, background: tuple[int, ...] | None = None,
                  mode: str = "RGBA") -> bytes:
    """A PNG like signature_pad's: transparent (or ``background``) with a dark scribble when ``ink``."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    image = Image.new(mode, (width, height), background if background is not None else (0, 0, 0, 0))
    if ink:
        draw = ImageDraw.Draw(image)
        points = [(width * i // 12, height // 2 + (height // 4 if i % 2 else -height // 4)) for i in range(1, 12)]
        draw.line(points, fill=(20, 20, 60, 255) if mode == "RGBA" else 0, width=4)
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sign_as(campaign: Campaign, user: User, now: dt.datetime | None = None, **overrides: object) -> PledgeSignature:
    """Sign through the service as the signing page would (typed name unless told otherwise)."""
    from elearn.pledges import chain, services

    now = now or utcnow()
    version = db.session.get(PledgeTextVersion, campaign.pledge_version_id)
    text = services.render_pledge(version, user, campaign, now)
    kwargs: dict[str, object] = {
        "method": "typed", "signature_png": None, "typed_name": user.name,
        "rendered_text_hash": chain.text_hash(text), "ip": "10.0.0.1", "user_agent": "pytest", "now": now,
    }
    kwargs.update(overrides)
    return services.sign(campaign, user, **kwargs)  # type: ignore[arg-type]


@contextmanager
def triggers_off() -> Iterator[None]:
    """Let a test tamper with pledge_signatures, inside its rolled-back transaction: PostgreSQL
    disables the trigger, SQLite drops its triggers (DDL is transactional there) and recreates them."""
    from sqlalchemy import text

    from elearn.pledges.models import SQLITE_TRIGGER_DDL

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE pledge_signatures DISABLE TRIGGER pledge_signatures_immutable"))
        try:
            yield
        finally:
            db.session.execute(text("ALTER TABLE pledge_signatures ENABLE TRIGGER pledge_signatures_immutable"))
        return
    db.session.execute(text("DROP TRIGGER pledge_signatures_no_update"))
    db.session.execute(text("DROP TRIGGER pledge_signatures_no_delete"))
    try:
        yield
    finally:
        for statement in SQLITE_TRIGGER_DDL:
            db.session.execute(text(statement))
