"""Certificates per SKPD for HR: counts per SKPD and unit, one SKPD's people with their
certificate state, the rows of the exports and of the ZIP of PDFs. Read-only queries (no flush,
no commit); each figure is one GROUP BY, whatever the number of rows.

**Where a person is counted** (said in the page's help text too):

- a certificate (valid, revoked or replaced) counts in the SKPD and unit **printed on it**, the
  placement at issue time (``Certificate.skpd_id`` / ``unit_id``), and only when it was issued in
  the chosen date range (days in the instansi's time zone). A person who moved after their
  certificate stays counted where the certificate was issued; a reissue counts as one more
  certificate (the one it replaced shows as "replaced").
- "not yet" (belum bersertifikat) counts the **current roster**: active people of the instansi in
  their current unit (``users.unit_id -> units.skpd_id``), in the course's audience, who have no
  certificate of the course at all (any date, any state). The audience is the people covered by
  the course's active assignments in the instansi (instansi-wide, or a unit with its subtree, as
  ``courses.assignments.coverage`` counts them); when the course has no active assignment there,
  every active person of the instansi.

Every function takes the viewer and narrows to what they may see: an operator SKPD only their own
SKPD (whatever ``skpd_id`` they pass); admin BKPSDM and superadmin the whole instansi (the views
have already checked that the instansi and course are in scope).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    exists,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..courses.models import Course, CourseAssignment
from ..db import db
from ..org.models import Instansi, Unit
from ..pledges.reports import operator_skpd
from .models import Certificate, CertificateFile, CertificateState

#: people per page of an SKPD's list
PAGE_SIZE = 50
#: PDFs fetched per round trip while a ZIP streams (each ~40-200 KB)
ZIP_BATCH = 20
#: the state of a person without a certificate in the list and the exports
NOT_YET = "belum"
STATES = (CertificateState.VALID.value, CertificateState.REVOKED.value, CertificateState.REPLACED.value, NOT_YET)


@dataclass(frozen=True)
class Filters:
    """What the report is about: one instansi, one course, an optional range of issue dates
    (inclusive, days in the instansi's zone)."""

    instansi: Instansi
    course: Course
    start: dt.date | None = None
    end: dt.date | None = None

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The range as UTC instants: [local midnight of start, local midnight after end)."""
        zone = ZoneInfo(self.instansi.timezone.iana)

        def midnight(day: dt.date) -> dt.datetime:
            day = min(max(day, dt.date.min + dt.timedelta(days=1)), dt.date.max - dt.timedelta(days=2))
            return dt.datetime.combine(day, dt.time.min, tzinfo=zone).astimezone(dt.timezone.utc)

        low = midnight(self.start) if self.start is not None else None
        high = midnight(self.end + dt.timedelta(days=1)) if self.end is not None and self.end < dt.date.max else None
        return low, high


@dataclass
class Tally:
    valid: int = 0
    revoked: int = 0
    replaced: int = 0
    not_yet: int = 0

    @property
    def issued(self) -> int:
        """Certificates issued in the range, whatever their state now."""
        return self.valid + self.revoked + self.replaced

    def add(self, state: str, n: int) -> None:
        if state == CertificateState.VALID.value:
            self.valid += n
        elif state == CertificateState.REVOKED.value:
            self.revoked += n
        elif state == CertificateState.REPLACED.value:
            self.replaced += n
        else:
            self.not_yet += n

    def __iadd__(self, other: Tally) -> Tally:
        self.valid += other.valid
        self.revoked += other.revoked
        self.replaced += other.replaced
        self.not_yet += other.not_yet
        return self


@dataclass
class SkpdRow:
    skpd_id: int | None  # None: certificates or people without an SKPD (admin scope only)
    name: str
    tally: Tally


@dataclass
class Overview:
    total: Tally
    skpds: list[SkpdRow]


@dataclass
class UnitRow:
    unit_id: int | None  # None: units no longer in this SKPD (moved or removed since issue)
    name: str
    depth: int
    tally: Tally


# --- building blocks -------------------------------------------------------------------------------


def _state_text() -> ColumnElement[str]:
    """The state as plain text (the list mixes certificate states with "belum")."""
    return type_coerce(Certificate.state, String)


def certificates(stmt: Select[Any], filters: Filters, viewer: User, skpd_id: int | None = None) -> Select[Any]:
    """Narrow ``stmt`` (over ``Certificate``) to the course's certificates of the instansi issued
    in the range, in the viewer's scope (``ix_certificates_instansi_course_issued``, or
    ``ix_certificates_skpd_course`` for one SKPD)."""
    stmt = stmt.where(Certificate.instansi_id == filters.instansi.id, Certificate.course_id == filters.course.id)
    low, high = filters.bounds()
    if low is not None:
        stmt = stmt.where(Certificate.issued_at >= low)
    if high is not None:
        stmt = stmt.where(Certificate.issued_at < high)
    own = operator_skpd(viewer)
    if own is not None:
        if skpd_id is not None and skpd_id != own:
            return stmt.where(false())
        skpd_id = own
    if skpd_id is not None:
        stmt = stmt.where(Certificate.skpd_id == skpd_id)
    return stmt


def audience_condition(filters: Filters, home: Any = Unit) -> ColumnElement[bool]:
    """SQL: the person (``User``, their current unit joined as ``home``) is in the course's
    audience in the instansi: covered by an active assignment of the course, or anyone when the
    course has no active assignment there."""
    target = aliased(Unit)
    active = and_(
        CourseAssignment.instansi_id == filters.instansi.id,
        CourseAssignment.course_id == filters.course.id,
        CourseAssignment.active.is_(True),
    )
    covered = exists(
        select(CourseAssignment.id)
        .outerjoin(target, target.id == CourseAssignment.unit_id)
        .where(active, or_(CourseAssignment.unit_id.is_(None),
                           and_(home.id.is_not(None), home.path.startswith(target.path))))
    )
    any_assignment = exists(select(CourseAssignment.id).where(active))
    return or_(covered, not_(any_assignment))


def no_certificate_condition(filters: Filters) -> ColumnElement[bool]:
    """SQL: ``User`` has no certificate of the course at all (``ix_certificates_user_course``)."""
    return not_(exists(select(Certificate.id).where(Certificate.user_id == User.id,
                                                    Certificate.course_id == filters.course.id)))


def not_yet(stmt: Select[Any], filters: Filters, viewer: User, skpd_id: int | None = None) -> Select[Any]:
    """Narrow ``stmt`` (over ``User``) to the active people of the instansi in the audience without
    a certificate of the course, by their current unit (``Unit`` outer-joined here), in scope."""
    stmt = stmt.outerjoin(Unit, Unit.id == User.unit_id).where(
        User.instansi_id == filters.instansi.id,
        User.active.is_(True),
        audience_condition(filters),
        no_certificate_condition(filters),
    )
    own = operator_skpd(viewer)
    if own is not None:
        if skpd_id is not None and skpd_id != own:
            return stmt.where(false())
        skpd_id = own
    if skpd_id is not None:
        # the SKPD's units first (units.skpd_id, then users.unit_id), not every person of the instansi
        stmt = stmt.where(Unit.skpd_id == skpd_id, User.unit_id.in_(select(Unit.id).where(Unit.skpd_id == skpd_id)))
    return stmt


def skpds_in_scope(instansi: Instansi, viewer: User) -> list[Unit]:
    """The instansi's perangkat daerah the viewer may see, by name."""
    stmt = select(Unit).where(Unit.instansi_id == instansi.id, Unit.parent_id.is_(None))
    own = operator_skpd(viewer)
    if own is not None:
        stmt = stmt.where(Unit.id == own)
    return list(db.session.scalars(stmt.order_by(Unit.sort_key, Unit.id)))


# --- the overview and one SKPD's units -------------------------------------------------------------------


def overview(filters: Filters, viewer: User) -> Overview:
    """Per SKPD: certificates by state and people not yet certified. Three statements: the
    certificates GROUP BY, the not-yet GROUP BY, the SKPDs."""
    counts: dict[int | None, Tally] = {}
    issued = certificates(
        select(Certificate.skpd_id, _state_text(), func.count(Certificate.id)), filters, viewer
    ).group_by(Certificate.skpd_id, Certificate.state)
    for skpd_id, state, n in db.session.execute(issued):
        counts.setdefault(skpd_id, Tally()).add(state, n)
    waiting = not_yet(select(Unit.skpd_id, func.count(User.id)).select_from(User), filters, viewer).group_by(
        Unit.skpd_id)
    for skpd_id, n in db.session.execute(waiting):
        counts.setdefault(skpd_id, Tally()).not_yet += n
    rows = []
    for skpd in skpds_in_scope(filters.instansi, viewer):
        tally = counts.pop(skpd.id, Tally())
        if tally.issued or tally.not_yet or skpd.active:
            rows.append(SkpdRow(skpd.id, skpd.name, tally))
    # certificates whose SKPD was removed, people without a unit (never in an operator's scope)
    loose = Tally()
    for tally in counts.values():
        loose += tally
    if loose.issued or loose.not_yet:
        rows.append(SkpdRow(None, "", loose))
    total = Tally()
    for row in rows:
        total += row.tally
    return Overview(total=total, skpds=rows)


def units_of_skpd(filters: Filters, viewer: User, skpd: Unit) -> list[UnitRow]:
    """The SKPD's units in tree order: certificates by the unit printed on them, not-yet people by
    their unit now (people directly in each unit, not its sub-units). Certificates of units no
    longer in the SKPD come last in one row. Three statements."""
    if operator_skpd(viewer) not in (None, skpd.id):
        return []
    counts: dict[int | None, Tally] = {}
    issued = certificates(
        select(Certificate.unit_id, _state_text(), func.count(Certificate.id)), filters, viewer, skpd.id
    ).group_by(Certificate.unit_id, Certificate.state)
    for unit_id, state, n in db.session.execute(issued):
        counts.setdefault(unit_id, Tally()).add(state, n)
    waiting = not_yet(select(User.unit_id, func.count(User.id)).select_from(User), filters, viewer,
                      skpd.id).group_by(User.unit_id)
    for unit_id, n in db.session.execute(waiting):
        counts.setdefault(unit_id, Tally()).not_yet += n
    units = db.session.scalars(
        select(Unit).where(Unit.instansi_id == filters.instansi.id, Unit.skpd_id == skpd.id)
        .order_by(Unit.sort_key, Unit.id)
    )
    rows = []
    for unit in units:
        tally = counts.pop(unit.id, Tally())
        if tally.issued or tally.not_yet or unit.active:
            rows.append(UnitRow(unit.id, unit.name, unit.depth, tally))
    elsewhere = Tally()
    for tally in counts.values():
        elsewhere += tally
    if elsewhere.issued or elsewhere.not_yet:
        rows.append(UnitRow(None, "", 0, elsewhere))
    return rows


# --- one SKPD's people ------------------------------------------------------------------------------------


@dataclass
class PersonRow:
    """A certificate of the SKPD, or a person of the SKPD without one (``certificate_id`` None)."""

    certificate_id: int | None
    user_id: int | None
    name: str
    number: str
    unit: str
    serial: str | None
    issued_at: dt.datetime | None
    state: str
    #: where the person is now (for the NIP rule: ``authz.can_view_person_at``)
    person_instansi_id: int | None
    person_skpd_id: int | None
    jp: int | None = None
    revoked_at: dt.datetime | None = None
    nip_visible: bool = field(default=False)

    @property
    def has_certificate(self) -> bool:
        return self.certificate_id is not None


def people_of_skpd(filters: Filters, viewer: User, skpd_id: int, state: str | None = None) -> Select[Any]:
    """One SKPD's certificates issued in the range and its people without a certificate, in one
    statement (UNION ALL) ordered by name, for paging or streaming. ``state``: one of ``STATES``
    to keep only those."""
    now = aliased(Unit)
    issued = certificates(
        select(
            Certificate.id.label("certificate_id"),
            Certificate.user_id.label("user_id"),
            Certificate.holder_name.label("name"),
            Certificate.holder_number.label("number"),
            Certificate.unit_name.label("unit"),
            Certificate.serial.label("serial"),
            Certificate.issued_at.label("issued_at"),
            _state_text().label("state"),
            User.instansi_id.label("person_instansi_id"),
            now.skpd_id.label("person_skpd_id"),
            Certificate.jp.label("jp"),
            Certificate.revoked_at.label("revoked_at"),
        )
        .outerjoin(User, User.id == Certificate.user_id)
        .outerjoin(now, now.id == User.unit_id),
        filters, viewer, skpd_id,
    )
    waiting = not_yet(
        select(
            type_coerce(null(), Certificate.id.type).label("certificate_id"),
            User.id.label("user_id"),
            User.name.label("name"),
            User.employee_number.label("number"),
            Unit.name.label("unit"),
            type_coerce(null(), String).label("serial"),
            type_coerce(null(), Certificate.issued_at.type).label("issued_at"),
            literal(NOT_YET, String).label("state"),
            User.instansi_id.label("person_instansi_id"),
            Unit.skpd_id.label("person_skpd_id"),
            type_coerce(null(), Certificate.jp.type).label("jp"),
            type_coerce(null(), Certificate.revoked_at.type).label("revoked_at"),
        ).select_from(User),
        filters, viewer, skpd_id,
    )
    if state in (CertificateState.VALID.value, CertificateState.REVOKED.value, CertificateState.REPLACED.value):
        parts = [issued.where(Certificate.state == CertificateState(state))]
    elif state == NOT_YET:
        parts = [waiting]
    else:
        parts = [issued, waiting]
    rows = union_all(*parts).subquery("people") if len(parts) > 1 else parts[0].subquery("people")
    return select(rows).order_by(rows.c.name, rows.c.user_id, rows.c.certificate_id)


def person_rows(raw: Any, viewer: User) -> list[PersonRow]:
    from ..authz import can_view_person_at

    out = []
    for r in raw:
        row = PersonRow(r.certificate_id, r.user_id, r.name, r.number, r.unit or "", r.serial, r.issued_at, r.state,
                        r.person_instansi_id, r.person_skpd_id, r.jp, r.revoked_at)
        row.nip_visible = can_view_person_at(viewer, r.person_instansi_id, r.person_skpd_id)
        out.append(row)
    return out


def stream_people(filters: Filters, viewer: User, skpd_id: int) -> Iterator[PersonRow]:
    """Every row of ``people_of_skpd``, fetched in batches (exports)."""
    stmt = people_of_skpd(filters, viewer, skpd_id).execution_options(yield_per=500)
    for batch in db.session.execute(stmt).partitions():
        yield from person_rows(batch, viewer)


# --- the ZIP of PDFs ---------------------------------------------------------------------------------------


@dataclass
class ZipEntry:
    certificate_id: int
    serial: str
    name: str
    number: str
    unit: str
    state: str
    issued_at: dt.datetime
    revoked_at: dt.datetime | None
    pdf_sha256: str
    #: False: the PDF is left out (an operator's former staff, or a revoked one when excluded)
    included: bool
    nip_visible: bool


def zip_entries(filters: Filters, viewer: User, skpd_id: int, *, valid_only: bool = False) -> list[ZipEntry]:
    """The SKPD's certificates issued in the range, by id, without their PDFs (one statement).
    An operator SKPD gets the PDFs only of people they may see now (the PDF prints the NIP):
    certificates of people who have since left their SKPD are listed in the manifest only."""
    from ..authz import can_view_person_at

    now = aliased(Unit)
    stmt = certificates(
        select(Certificate.id, Certificate.serial, Certificate.holder_name, Certificate.holder_number,
               Certificate.unit_name, _state_text(), Certificate.issued_at, Certificate.revoked_at,
               Certificate.pdf_sha256, User.instansi_id, now.skpd_id)
        .outerjoin(User, User.id == Certificate.user_id)
        .outerjoin(now, now.id == User.unit_id),
        filters, viewer, skpd_id,
    ).order_by(Certificate.id)
    out = []
    for cid, serial, name, number, unit, state, issued_at, revoked_at, sha, person_instansi, person_skpd in (
            db.session.execute(stmt)):
        visible = can_view_person_at(viewer, person_instansi, person_skpd)
        included = visible and not (valid_only and state != CertificateState.VALID.value)
        out.append(ZipEntry(cid, serial, name, number, unit, state, issued_at, revoked_at, sha, included, visible))
    return out


def pdfs(ids: list[int], batch: int = ZIP_BATCH) -> Iterator[tuple[int, bytes]]:
    """(certificate id, PDF) for ``ids`` in id order, never more than one batch in memory: on
    PostgreSQL one statement on a server-side cursor (``yield_per``); elsewhere (SQLite) one
    statement per batch of ids."""
    if not ids:
        return
    ordered = sorted(ids)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = (select(CertificateFile.certificate_id, CertificateFile.pdf)
                .where(CertificateFile.certificate_id.in_(ordered))
                .order_by(CertificateFile.certificate_id)
                .execution_options(yield_per=batch))
        result = db.session.execute(stmt)
        try:
            for part in result.partitions():
                for cid, pdf in part:
                    yield cid, pdf
        finally:
            result.close()
        return
    for start in range(0, len(ordered), batch):
        chunk = ordered[start:start + batch]
        rows = db.session.execute(
            select(CertificateFile.certificate_id, CertificateFile.pdf)
            .where(CertificateFile.certificate_id.in_(chunk))
            .order_by(CertificateFile.certificate_id)
        ).all()
        for cid, pdf in rows:
            yield cid, pdf
        del rows

