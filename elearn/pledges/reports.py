"""Who has signed a pakta integritas campaign: counts per SKPD and unit, heads of SKPD, the signed
and not-yet-signed lists, and the rows of the exports. Read-only queries (no flush, no commit).

The figures are about the **current roster**: the active people of the campaign's instansi in
their current unit, each either with a signature of the campaign or without one. A person who
moved after signing counts (as signed) where they are now; a signature of someone no longer active
stays in the chain and in ``campaign_signature_count`` but not in the per-SKPD figures.

Every function takes the viewer and narrows to what they may see: an operator SKPD only their own
SKPD (whatever ``skpd_id`` they pass); admin BKPSDM and superadmin the whole instansi (the views
have already checked that the campaign itself is in scope).

Heads of SKPD are found with the same rule as ``services.is_skpd_head`` (see ``head_condition``).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import aliased

from ..accounts.models import JenisJabatan, Role, User
from ..db import db
from ..org.models import Unit
from .models import Campaign, PledgeSignature, SigningMethod

#: people per page of the signed / not-yet-signed lists of a unit
PAGE_SIZE = 50
JPT_LEVELS = (JenisJabatan.JPT_PRATAMA, JenisJabatan.JPT_MADYA, JenisJabatan.JPT_UTAMA)


@dataclass
class Tally:
    people: int = 0
    signed: int = 0

    @property
    def unsigned(self) -> int:
        return self.people - self.signed

    @property
    def share(self) -> float | None:
        """Signed / people (0..1); None when nobody is counted."""
        return self.signed / self.people if self.people else None


@dataclass
class HeadRow:
    """A head of an SKPD (by the roster now) and their signature of the campaign, if any."""

    user_id: int
    name: str
    jabatan: str | None
    skpd_id: int
    signature_id: int | None
    signed_at: dt.datetime | None
    method: SigningMethod | None


@dataclass
class SkpdRow:
    skpd_id: int | None  # None: people without a unit (admin scope only)
    name: str
    tally: Tally
    heads: list[HeadRow] = field(default_factory=list)


@dataclass
class UnitRow:
    unit: Unit
    tally: Tally

    @property
    def depth(self) -> int:
        """Depth below the SKPD (the SKPD itself is 0)."""
        return self.unit.depth


@dataclass
class Overview:
    total: Tally
    skpds: list[SkpdRow]
    #: heads of SKPD, also counted in their SKPD's tally
    heads: list[HeadRow]
    #: all signatures of the campaign, also of people no longer on the roster
    signatures: int


# --- building blocks -------------------------------------------------------------------------------


def head_condition() -> ColumnElement[bool]:
    """SQL twin of ``services.is_skpd_head``: the person's unit is an SKPD (a top-level unit) and
    their jabatan is a JPT level or they are kepala wilayah there. Needs ``Unit`` joined on
    ``User.unit_id``."""
    return and_(Unit.id.is_not(None), Unit.parent_id.is_(None),
                or_(User.jenis_jabatan.in_(JPT_LEVELS), User.is_kepala_wilayah.is_(True)))


def _signature_join() -> ColumnElement[bool]:
    return PledgeSignature.user_id == User.id


def roster(stmt: Select[Any], campaign: Campaign, viewer: User, skpd_id: int | None = None) -> Select[Any]:
    """Join the roster into ``stmt`` (which selects from ``User``): units (outer: people without a
    unit), the campaign's signature of each person (outer), and the viewer's scope."""
    stmt = (
        stmt.outerjoin(Unit, Unit.id == User.unit_id)
        .outerjoin(PledgeSignature, and_(_signature_join(), PledgeSignature.campaign_id == campaign.id))
        .where(User.instansi_id == campaign.instansi_id, User.active.is_(True))
    )
    own = operator_skpd(viewer)
    if own is not None:
        if skpd_id is not None and skpd_id != own:
            return stmt.where(false())
        skpd_id = own
    if skpd_id is not None:
        stmt = stmt.where(Unit.skpd_id == skpd_id)
    return stmt


def operator_skpd(viewer: User) -> int | None:
    """The SKPD an operator is confined to (-1 when they have none: they see nothing); None for
    everyone else."""
    if viewer.role == Role.OPERATOR_SKPD:
        return viewer.skpd_id if viewer.skpd_id is not None else -1
    return None


def skpds_in_scope(campaign: Campaign, viewer: User) -> list[Unit]:
    """The campaign instansi's perangkat daerah the viewer may see, by name."""
    stmt = select(Unit).where(Unit.instansi_id == campaign.instansi_id, Unit.parent_id.is_(None))
    own = operator_skpd(viewer)
    if own is not None:
        stmt = stmt.where(Unit.id == own)
    return list(db.session.scalars(stmt.order_by(Unit.sort_key, Unit.id)))


def campaign_signature_count(campaign: Campaign) -> int:
    return db.session.scalar(select(func.count()).select_from(PledgeSignature)
                             .where(PledgeSignature.campaign_id == campaign.id)) or 0


def campaign_tallies(campaigns: list[Campaign], viewer: User) -> dict[int, Tally]:
    """People and signed per campaign (for the campaign list): one GROUP BY over the roster of
    each campaign's instansi, as the viewer may see it."""
    if not campaigns:
        return {}
    own = operator_skpd(viewer)
    stmt = (
        select(Campaign.id, func.count(User.id), func.count(PledgeSignature.id))
        .join(User, and_(User.instansi_id == Campaign.instansi_id, User.active.is_(True)))
        .outerjoin(Unit, Unit.id == User.unit_id)
        .outerjoin(PledgeSignature, and_(_signature_join(), PledgeSignature.campaign_id == Campaign.id))
        .where(Campaign.id.in_([c.id for c in campaigns]))
        .group_by(Campaign.id)
    )
    if own is not None:
        stmt = stmt.where(Unit.skpd_id == own)
    found = {cid: Tally(people, signed) for cid, people, signed in db.session.execute(stmt)}
    return {c.id: found.get(c.id, Tally()) for c in campaigns}


# --- the campaign page --------------------------------------------------------------------------------


def heads(campaign: Campaign, viewer: User, skpd_id: int | None = None) -> list[HeadRow]:
    """Heads of SKPD in scope with their signature (one query), ordered by SKPD name then name."""
    stmt = roster(
        select(User.id, User.name, User.jabatan, Unit.id, PledgeSignature.id, PledgeSignature.signed_at,
               PledgeSignature.method).select_from(User),
        campaign, viewer, skpd_id,
    ).where(head_condition()).order_by(Unit.sort_key, Unit.id, User.name, User.id)
    return [HeadRow(uid, name, jabatan, unit_id, sig_id, signed_at, method)
            for uid, name, jabatan, unit_id, sig_id, signed_at, method in db.session.execute(stmt)]


def overview(campaign: Campaign, viewer: User) -> Overview:
    """Per SKPD: people, signed and heads; one GROUP BY for the counts, one query for the heads."""
    stmt = roster(
        select(Unit.skpd_id, func.count(User.id), func.count(PledgeSignature.id)).select_from(User),
        campaign, viewer,
    ).group_by(Unit.skpd_id)
    counts = {skpd_id: Tally(people, signed) for skpd_id, people, signed in db.session.execute(stmt)}
    head_rows = heads(campaign, viewer)
    by_skpd: dict[int, list[HeadRow]] = {}
    for head in head_rows:
        by_skpd.setdefault(head.skpd_id, []).append(head)
    rows = []
    for skpd in skpds_in_scope(campaign, viewer):
        tally = counts.pop(skpd.id, Tally())
        if tally.people or skpd.active:
            rows.append(SkpdRow(skpd.id, skpd.name, tally, by_skpd.get(skpd.id, [])))
    loose = counts.pop(None, None)
    if loose is not None and loose.people:
        rows.append(SkpdRow(None, "", loose))
    total = Tally(sum(r.tally.people for r in rows), sum(r.tally.signed for r in rows))
    return Overview(total=total, skpds=rows, heads=head_rows, signatures=campaign_signature_count(campaign))


def units_of_skpd(campaign: Campaign, viewer: User, skpd: Unit) -> list[UnitRow]:
    """The SKPD's units in tree order with the people directly in each (one GROUP BY)."""
    if operator_skpd(viewer) not in (None, skpd.id):
        return []
    stmt = roster(
        select(User.unit_id, func.count(User.id), func.count(PledgeSignature.id)).select_from(User),
        campaign, viewer, skpd.id,
    ).group_by(User.unit_id)
    counts = {unit_id: Tally(people, signed) for unit_id, people, signed in db.session.execute(stmt)}
    units = db.session.scalars(
        select(Unit).where(Unit.instansi_id == campaign.instansi_id, Unit.skpd_id == skpd.id)
        .order_by(Unit.sort_key, Unit.id)
    )
    rows = []
    for unit in units:
        tally = counts.get(unit.id, Tally())
        if tally.people or unit.active:
            rows.append(UnitRow(unit, tally))
    return rows


# --- the lists of a unit ---------------------------------------------------------------------------------


def signed_in_unit(campaign: Campaign, viewer: User, unit: Unit) -> Select[Any]:
    """(User, signature id, seq, signed_at, method) of the unit's people who signed, by name."""
    return roster(
        select(User, PledgeSignature.id, PledgeSignature.seq, PledgeSignature.signed_at,
               PledgeSignature.method).select_from(User),
        campaign, viewer,
    ).where(User.unit_id == unit.id, PledgeSignature.id.is_not(None)).order_by(User.name, User.id)


def unsigned_in_unit(campaign: Campaign, viewer: User, unit: Unit) -> Select[Any]:
    """Users of the unit who have not signed yet, by name."""
    return roster(select(User), campaign, viewer).where(
        User.unit_id == unit.id, PledgeSignature.id.is_(None)
    ).order_by(User.name, User.id)


def unit_tally(campaign: Campaign, viewer: User, unit: Unit) -> Tally:
    stmt = roster(select(func.count(User.id), func.count(PledgeSignature.id)).select_from(User), campaign,
                  viewer).where(User.unit_id == unit.id)
    people, signed = db.session.execute(stmt).one()
    return Tally(people, signed)


# --- exports ---------------------------------------------------------------------------------------------


@dataclass
class ExportRow:
    skpd: str
    unit: str
    name: str
    employee_number: str
    jabatan: str
    is_head: bool
    seq: int | None
    signed_at: dt.datetime | None
    method: SigningMethod | None

    @property
    def signed(self) -> bool:
        return self.seq is not None


def export_rows(campaign: Campaign, viewer: User, skpd_id: int | None = None) -> Iterator[ExportRow]:
    """Everyone in scope, signed or not, ordered by SKPD name, unit (tree order) and name;
    streamed in batches (for large instansi)."""
    skpd = aliased(Unit)
    stmt = roster(
        select(skpd.name, Unit.name, User.name, User.employee_number, User.jabatan,
               head_condition(),
               PledgeSignature.seq, PledgeSignature.signed_at, PledgeSignature.method).select_from(User),
        campaign, viewer, skpd_id,
    ).outerjoin(skpd, skpd.id == Unit.skpd_id).order_by(
        Unit.sort_key.is_(None), Unit.sort_key, User.name, User.id
    )
    for row in db.session.execute(stmt.execution_options(yield_per=1000)):
        skpd_name, unit_name, name, number, jabatan, head, seq, signed_at, method = row
        yield ExportRow(skpd_name or "", unit_name or "", name, number, jabatan or "", bool(head), seq, signed_at,
                        method)


def signatures_for_zip(campaign: Campaign, viewer: User, skpd_id: int) -> Iterator[PledgeSignature]:
    """The campaign's signatures of the SKPD's people (current roster, as the lists), by seq,
    loaded in small batches (each carries its PNG and text)."""
    stmt = roster(select(PledgeSignature).select_from(User), campaign, viewer, skpd_id).where(
        PledgeSignature.id.is_not(None)
    ).order_by(PledgeSignature.seq)
    yield from db.session.scalars(stmt.execution_options(yield_per=50))

