"""The demo's pakta integritas: a campaign "Pemilu 2029" for the demo instansi with the shipped
text — opened about six weeks ago (``pace.OPENED_DAYS_AGO``), the voting day two weeks ahead and a
target of 90 % fully done by then — and signatures of part of the staff made through
``services.sign`` (the same service the signing page uses), so the hash chain is valid (``flask
--app elearn pledges verify``) and HR's pages have something to show.

Who signs: every head of an SKPD (``services.is_skpd_head``) on the opening day, at the apel; then
most kepala wilayah (lurah), and in each perangkat daerah a share of the people who have
activated their account as large as the SKPD's drive (``pace.py``). The printed demo accounts are
left unsigned so a visitor can try signing. About DRAWN_SHARE of them draw their signature (a
small PNG scribble generated here), the others type their full name. Signing times after the
heads follow the campaign's pace (busier after each apel), in chain order. Flushes only.
"""
from __future__ import annotations

import datetime as dt
import math
import random
import zlib
from dataclasses import dataclass

from sqlalchemy import select

from ..accounts.models import Role, User
from ..db import db
from ..org.models import Instansi, Unit
from ..pledges import chain, services
from ..pledges.models import Campaign, ElectionType, SigningMethod
from .pace import Pace

PLEDGE_SLUG = "pakta-netralitas"
CAMPAIGN_SLUG = "pemilu-2029"
CAMPAIGN_NAME = "Pemilu 2029"
#: the campaign opened ``pace.OPENED_DAYS_AGO`` days before today; it closes, and the voting day
#: is, this many days after today; the target share fully done by the voting day
CLOSES_IN_DAYS = 21
ELECTION_IN_DAYS = 14
TARGET_PERCENT = 90
#: chance that a kepala wilayah who is not the head of an SKPD (a lurah) has signed
KEPALA_WILAYAH_SHARE = 0.9
DRAWN_SHARE = 0.6
#: distinct generated signature images (reused: they only need to be valid and look drawn)
SIGNATURE_IMAGES = 8
USER_AGENTS = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 12; Redmi Note 11) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
)


@dataclass
class PledgeDemo:
    campaign: str = ""
    signed: int = 0
    heads: int = 0
    drawn: int = 0
    typed: int = 0
    #: why no campaign was made (no pledge text loaded), for the CLI to print
    note: str = ""


# --- a signature image ------------------------------------------------------------------------------


def _png(width: int, height: int, rows: list[bytes]) -> bytes:
    """A greyscale+alpha PNG (colour type 4) from raw rows (filter byte included)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (len(body).to_bytes(4, "big") + kind + body
                + (zlib.crc32(kind + body) & 0xFFFFFFFF).to_bytes(4, "big"))

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 4, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


def scribble_png(rng: random.Random, width: int = 480, height: int = 160, pen: float = 2.5) -> bytes:
    """A signature-like scribble: an anti-aliased pen stroke (a few loops along a wavy line) in
    dark ink on a transparent background, like signature_pad's output. Pure Python (zlib): 5-10 KB
    at the default size, 10-20 KB at 800 x 260."""
    alpha = bytearray(width * height)
    loops = rng.randint(3, 6)
    amp = rng.uniform(0.18, 0.32) * height
    tilt = rng.uniform(-0.15, 0.15)
    reach = int(math.ceil(pen))
    steps = 2 * width
    for i in range(steps):
        t = i / steps
        x = 0.08 * width + t * 0.84 * width + 0.05 * width * math.sin(t * loops * math.tau + 1.3)
        y = height / 2 + amp * math.sin(t * loops * math.tau) * (0.6 + 0.4 * math.sin(t * 3.1)) + tilt * (x - width / 2)
        for py in range(max(0, int(y) - reach), min(height, int(y) + reach + 1)):
            for px in range(max(0, int(x) - reach), min(width, int(x) + reach + 1)):
                ink = int(255 * (1 - math.hypot(px - x, py - y) / pen))
                if ink > alpha[py * width + px]:
                    alpha[py * width + px] = ink
    rows = []
    for y in range(height):
        row = bytearray(2 * width)
        row[0::2] = b"\x14" * width  # dark grey ...
        row[1::2] = alpha[y * width:(y + 1) * width]  # ... where the pen went
        rows.append(b"\x00" + bytes(row))  # filter byte: none
    return _png(width, height, rows)


# --- the campaign and its signatures ------------------------------------------------------------------


def seed_pledges(instansi: Instansi, rng: random.Random, exclude_user_ids: set[int],
                 created_by_id: int | None = None, pace: Pace | None = None,
                 at_event: tuple[dt.datetime, dt.datetime, set[int], float, random.Random] | None = None
                 ) -> PledgeDemo:
    """``at_event`` (from, to, attendees, share, rng): of the attendees who sign anyway, that share
    sign during the event (``demo.events``) instead of at the campaign's pace."""
    result = PledgeDemo()
    version = services.current_pledge_version(PLEDGE_SLUG)
    if version is None:
        result.note = f"no pledge text {PLEDGE_SLUG} loaded"
        return result
    people = list(db.session.scalars(
        select(User).join(Unit, Unit.id == User.unit_id)
        .where(User.instansi_id == instansi.id, User.active.is_(True))
        .order_by(User.id)
    ))
    skpd_ids = sorted({p.unit.skpd_id for p in people if p.unit is not None})
    if pace is None:
        pace = Pace.build(rng, instansi, skpd_ids)
    today = services.local_date(instansi, pace.now)
    actor = db.session.get(User, created_by_id) if created_by_id is not None else None
    campaign = services.create_campaign(
        instansi, slug=CAMPAIGN_SLUG, name=CAMPAIGN_NAME, election_type=ElectionType.PEMILU,
        pledge_version=version, place=instansi.name.removeprefix("Pemerintah ").strip() or instansi.name,
        opens_on=pace.opened_on, closes_on=today + dt.timedelta(days=CLOSES_IN_DAYS),
        election_date=today + dt.timedelta(days=ELECTION_IN_DAYS), target_percent=TARGET_PERCENT,
        actor=actor,
    )
    result.campaign = campaign.slug

    heads = [p for p in people if p.id not in exclude_user_ids and services.is_skpd_head(p)]
    head_ids = {p.id for p in heads}
    others = [
        p for p in people
        if p.id not in head_ids and p.id not in exclude_user_ids and p.password_hash is not None
        and p.role == Role.PESERTA
        and rng.random() < (KEPALA_WILAYAH_SHARE if p.is_kepala_wilayah else pace.drive.get(p.unit.skpd_id, 0.5))  # type: ignore[union-attr]
    ]

    # times: heads at the opening apel, the others after them at the campaign's pace, in order
    head_times = sorted(pace.opening(rng) for _ in heads)
    after = head_times[-1] if head_times else None
    other_times = sorted(pace.moment(rng, after) for _ in others)
    images = [scribble_png(random.Random(rng.random())) for _ in range(SIGNATURE_IMAGES)]
    timed = list(zip(others, other_times, strict=True))
    if at_event is not None:
        start, end, attendees, share, event_rng = at_event
        if after is None or start > after:
            timed = [(p, start + (end - start) * event_rng.random()
                      if p.id in attendees and event_rng.random() < share else t) for p, t in timed]
            timed.sort(key=lambda pair: pair[1])  # the chain stays in time order

    for person, signed_at in [*zip(heads, head_times, strict=True), *timed]:
        drawn = rng.random() < DRAWN_SHARE
        text = services.render_pledge(version, person, campaign, signed_at)
        services.sign(
            campaign, person,
            method=SigningMethod.DRAWN if drawn else SigningMethod.TYPED,
            signature_png=rng.choice(images) if drawn else None,
            typed_name=None if drawn else person.name,
            rendered_text_hash=chain.text_hash(text),
            ip=f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            user_agent=rng.choice(USER_AGENTS),
            now=signed_at,
        )
        result.signed += 1
        result.heads += person.id in head_ids
        result.drawn += drawn
        result.typed += not drawn
    db.session.flush()
    return result


def demo_campaign(instansi: Instansi) -> Campaign | None:
    return db.session.scalar(select(Campaign).where(Campaign.instansi_id == instansi.id,
                                                    Campaign.slug == CAMPAIGN_SLUG))

