"""After the event: attendance per SKPD and unit against the audience's roster, live answers per
SKPD, pakta signatures made at the event; and the attendance figure of the rekap. Read-only
queries (no flush, no commit).

Public API::

    audience_roster(event) -> Select            # user ids (+ unit, SKPD now) of the audience's roster
    attendance_rows(event, level) -> list[AttendanceRow]   # level "skpd" or "unit"; one aggregate
    instansi_units(event) -> dict[id, Unit]      # the unit names (the levels share them)
    answer_rows(event) -> list[AnswerRow]       # per SKPD, k >= 5 (quizzes.analysis.MIN_CELL)
    signature_rows(event) -> list[SignatureRow] # per SKPD; heads_signed(event) the heads, first
    person_rows(event) -> Iterator[PersonRow]   # the CSV: present, then absent
    attended_by_skpd(instansi_id, skpd_id=None) -> dict[skpd id, dict[kind, n]]  # the rekap's figure

**The audience's roster** (``audience_roster``: ``events.services.audience_condition``, the one rule
``in_audience`` also evaluates): the *active* people of the event's instansi, where they are placed *now*:

- ``audience_all`` and no ``skpd_id``: everybody of the instansi;
- ``audience_all`` and ``skpd_id`` (an operator SKPD's event): the people of that SKPD and the
  units below it;
- not ``audience_all``: the people placed in one of the audience units or in a unit below one
  (``units.path`` starts with the audience unit's path); for an SKPD's own event still only inside
  that SKPD.

**The counting rules.** *Hadir* (present): an attendance row not marked ``outside_audience``,
counted in the unit and SKPD the person had at check-in (``Attendance.unit_id/skpd_id``), whether
they have left or moved since. *Di luar sasaran* (outsiders): attendance rows marked
``outside_audience``, counted apart (never in the share). *Tidak hadir* (absent): people of the
roster now without an attendance row, counted where they are placed now. The share is present /
(present + absent). Someone who moved after the event is present in their old SKPD and absent
nowhere; someone who left (deactivated) stays present and is never absent.

**Answers** count people (one row per person and question position), so the k >= 5 rule of the
item analysis applies: an SKPD with 1-4 people answering shows "< 5" and no share, and, the total
being shown, a second SKPD is hidden when only one is (``analysis.suppress``).

**Signatures at the event**: signatures of the event's campaign made between the opening of
check-in and the event's end, per SKPD of the signer at signing (``PledgeSignature.skpd_id``),
heads of SKPD (``is_skpd_head``) listed first.

Each level is one GROUP BY statement, plus one for the instansi's unit names: the statement count
never depends on the number of SKPDs, units or people."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, literal, select, union_all
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..db import db
from ..org.models import Unit, natural_key
from ..pledges.models import PledgeSignature
from ..quizzes.analysis import small, suppress
from .models import Attendance, CheckinMethod, Event, EventKind, LiveAnswer
from .services import audience_condition, in_audience

#: the rekap's attendance kinds: each EventKind and "any"
ATTENDANCE_KINDS = (*(k.value for k in EventKind), "any")


# --- the audience's roster ------------------------------------------------------------------------


def audience_roster(event: Event) -> Select[Any]:
    """(user_id, unit_id, skpd_id) of the audience's roster now."""
    return (select(User.id.label("user_id"), User.unit_id.label("unit_id"), Unit.skpd_id.label("skpd_id"))
            .select_from(User).outerjoin(Unit, Unit.id == User.unit_id)
            .where(audience_condition(event)))


def in_roster(event: Event, user: User) -> bool:
    """One person in the audience's roster (``services.in_audience``: the same condition)."""
    return in_audience(event, user)


# --- attendance -------------------------------------------------------------------------------------


@dataclass
class AttendanceRow:
    """One SKPD or unit (key None: people without a unit)."""

    key: int | None
    name: str
    present: int = 0
    absent: int = 0
    outsiders: int = 0
    depth: int = 0
    skpd_id: int | None = None

    @property
    def expected(self) -> int:
        return self.present + self.absent

    @property
    def share(self) -> float | None:
        return self.present / self.expected if self.expected else None

    def add(self, other: AttendanceRow) -> None:
        self.present += other.present
        self.absent += other.absent
        self.outsiders += other.outsiders


def _facts(event: Event) -> Any:
    """One row per present person (at check-in) and per absent person of the roster (now):
    unit_id, skpd_id, present, outsider, absent."""
    present = (select(Attendance.unit_id.label("unit_id"), Attendance.skpd_id.label("skpd_id"),
                      case((Attendance.outside_audience.is_(True), 0), else_=1).label("present"),
                      case((Attendance.outside_audience.is_(True), 1), else_=0).label("outsider"),
                      literal(0).label("absent"))
               .where(Attendance.event_id == event.id))
    roster = audience_roster(event).subquery("roster")
    absent = (select(roster.c.unit_id, roster.c.skpd_id, literal(0), literal(0), literal(1))
              .where(roster.c.user_id.not_in(select(Attendance.user_id).where(Attendance.event_id == event.id))))
    return union_all(present, absent).subquery("f")


def instansi_units(event: Event) -> dict[int, Unit]:
    """The units of the event's instansi by id (one statement; the levels share it)."""
    return {u.id: u for u in db.session.scalars(
        select(Unit).where(Unit.instansi_id == event.instansi_id).order_by(Unit.sort_key, Unit.id))}


def attendance_rows(event: Event, level: str = "skpd", units: dict[int, Unit] | None = None) -> list[AttendanceRow]:
    """Per SKPD (``level`` "skpd") or per unit ("unit", tree order), those with anybody to count;
    a row with key None for people without a unit last. One aggregate (plus the unit names)."""
    f = _facts(event)
    column = f.c.skpd_id if level == "skpd" else f.c.unit_id
    stmt = (select(column, func.sum(f.c.present), func.sum(f.c.absent), func.sum(f.c.outsider))
            .group_by(column))
    counts = {key: tuple(int(v or 0) for v in rest) for key, *rest in db.session.execute(stmt)}
    units = instansi_units(event) if units is None else units
    rows: list[AttendanceRow] = []
    if level == "skpd":
        # (units come in natural tree order: Unit.sort_key)
        ordered = [(u.id, u.name, 0, u.id) for u in units.values() if u.parent_id is None]
    else:
        ordered = [(u.id, u.name, u.depth, u.skpd_id) for u in units.values()]
    for key, name, depth, skpd_id in ordered:
        found = counts.pop(key, None)
        if found is not None:
            rows.append(AttendanceRow(key, name, *found, depth=depth, skpd_id=skpd_id))
    loose = [AttendanceRow(None, "", *c) for key, c in counts.items()]  # no unit, or a unit since deleted
    if loose:
        total = AttendanceRow(None, "")
        for row in loose:
            total.add(row)
        rows.append(total)
    return rows


def totals(rows: list[Any], factory: type) -> Any:
    total = factory(None, "")
    for row in rows:
        total.add(row)
    return total


# --- answers ----------------------------------------------------------------------------------------


@dataclass
class AnswerRow:
    key: int | None
    name: str
    #: people who answered at least one question
    people: int = 0
    answers: int = 0
    correct: int = 0
    #: 1-4 people (or the cell that would give one away): no figures shown
    hidden: bool = False

    @property
    def share_correct(self) -> float | None:
        return None if self.hidden or not self.answers else self.correct / self.answers

    def add(self, other: AnswerRow) -> None:
        self.people += other.people
        self.answers += other.answers
        self.correct += other.correct


def answer_rows(event: Event, units: dict[int, Unit] | None = None) -> list[AnswerRow]:
    """Per SKPD of the answerer at answering time. One aggregate."""
    stmt = (select(LiveAnswer.skpd_id, func.count(func.distinct(LiveAnswer.user_id)), func.count(),
                   func.sum(case((LiveAnswer.correct.is_(True), 1), else_=0)))
            .where(LiveAnswer.event_id == event.id).group_by(LiveAnswer.skpd_id))
    units = instansi_units(event) if units is None else units
    rows = [AnswerRow(key, units[key].name if key in units else "", int(p), int(n), int(c or 0))
            for key, p, n, c in db.session.execute(stmt)]
    rows.sort(key=lambda r: (r.key is None, natural_key(r.name), r.key or 0))
    for row, hide in zip(rows, suppress([r.people for r in rows], exclusive=True), strict=True):
        row.hidden = hide
    return rows


def answer_total(rows: list[AnswerRow]) -> AnswerRow:
    total = totals(rows, AnswerRow)
    total.hidden = small(total.people)
    return total


# --- signatures at the event ---------------------------------------------------------------------


@dataclass
class SignatureRow:
    key: int | None
    name: str
    signed: int = 0
    heads: int = 0

    def add(self, other: SignatureRow) -> None:
        self.signed += other.signed
        self.heads += other.heads


def _signatures_window(event: Event) -> ColumnElement[bool]:
    if event.campaign_id is None:
        return false()
    opens, _closes = event.checkin_window()
    return and_(PledgeSignature.campaign_id == event.campaign_id,
                PledgeSignature.signed_at >= opens, PledgeSignature.signed_at <= event.ends_at)


def signature_rows(event: Event, units: dict[int, Unit] | None = None) -> list[SignatureRow]:
    """Per SKPD (at signing), those whose head signed first. One aggregate (none without a campaign)."""
    if event.campaign_id is None:
        return []
    stmt = (select(PledgeSignature.skpd_id, func.count(),
                   func.sum(case((PledgeSignature.is_skpd_head.is_(True), 1), else_=0)))
            .where(_signatures_window(event)).group_by(PledgeSignature.skpd_id))
    units = instansi_units(event) if units is None else units
    rows = [SignatureRow(key, units[key].name if key in units else "", int(n), int(h or 0))
            for key, n, h in db.session.execute(stmt)]
    rows.sort(key=lambda r: (-min(r.heads, 1), r.key is None, natural_key(r.name), r.key or 0))
    return rows


def heads_signed(event: Event) -> list[tuple[str, str, Any]]:
    """(signer name, SKPD name, signed at) of the heads of SKPD who signed at the event, in order."""
    if event.campaign_id is None:
        return []
    skpd = aliased(Unit)
    stmt = (select(PledgeSignature.signer_name, skpd.name, PledgeSignature.signed_at)
            .outerjoin(skpd, skpd.id == PledgeSignature.skpd_id)
            .where(_signatures_window(event), PledgeSignature.is_skpd_head.is_(True))
            .order_by(PledgeSignature.signed_at, PledgeSignature.seq))
    return [(name, skpd_name or "", at) for name, skpd_name, at in db.session.execute(stmt)]


# --- people (the CSV) -------------------------------------------------------------------------------


@dataclass
class PersonRow:
    status: str  # "present", "outsider", "absent"
    user_id: int
    name: str
    nip: str
    #: where the person is now (whether HR may see their NIP)
    instansi_id: int | None
    skpd_id_now: int | None
    skpd: str
    unit: str
    checked_in_at: Any = None
    method: CheckinMethod | None = None


def person_rows(event: Event) -> Iterator[PersonRow]:
    """Present people (SKPD/unit at check-in) by SKPD, unit, name, then the absent (SKPD/unit now).
    Two statements, streamed."""
    unit, skpd, now_unit = aliased(Unit), aliased(Unit), aliased(Unit)
    present = (select(Attendance.outside_audience, User.id, User.name, User.employee_number, User.instansi_id,
                      now_unit.skpd_id, skpd.name, unit.name, Attendance.checked_in_at, Attendance.method)
               .join(User, User.id == Attendance.user_id)
               .outerjoin(unit, unit.id == Attendance.unit_id).outerjoin(skpd, skpd.id == Attendance.skpd_id)
               .outerjoin(now_unit, now_unit.id == User.unit_id)
               .where(Attendance.event_id == event.id)
               .order_by(skpd.sort_key.is_(None), skpd.sort_key, unit.sort_key, User.name, User.id)
               .execution_options(yield_per=2000))
    for outside, uid, name, nip, inst, skpd_now, skpd_name, unit_name, at, method in db.session.execute(present):
        yield PersonRow("outsider" if outside else "present", uid, name, nip, inst, skpd_now, skpd_name or "",
                        unit_name or "", at, method)
    roster = audience_roster(event).subquery("roster")
    absent = (select(User.id, User.name, User.employee_number, User.instansi_id, unit.skpd_id, skpd.name, unit.name)
              .select_from(roster).join(User, User.id == roster.c.user_id)
              .outerjoin(unit, unit.id == User.unit_id).outerjoin(skpd, skpd.id == unit.skpd_id)
              .where(roster.c.user_id.not_in(select(Attendance.user_id).where(Attendance.event_id == event.id)))
              .order_by(unit.sort_key.is_(None), unit.sort_key, User.name, User.id)
              .execution_options(yield_per=2000))
    for uid, name, nip, inst, skpd_now, skpd_name, unit_name in db.session.execute(absent):
        yield PersonRow("absent", uid, name, nip, inst, skpd_now, skpd_name or "", unit_name or "")


# --- the rekap's figure -------------------------------------------------------------------------------


def attended_by_skpd(instansi_id: int, skpd_id: int | None = None) -> dict[int | None, dict[str, int]]:
    """SKPD id (now; None: no unit) -> {kind: people, "any": people}: active people of the instansi
    (counted where they are placed now, like the rekap's roster) who attended at least one event of
    the instansi of that kind (not cancelled; outsiders count: they were there). One statement."""
    kinds = [k.value for k in EventKind]
    per_person = (
        select(Attendance.user_id.label("user_id"),
               *(func.max(case((Event.kind == kind, 1), else_=0)).label(kind) for kind in kinds))
        .join(Event, Event.id == Attendance.event_id)
        .where(Event.instansi_id == instansi_id, Event.cancelled_at.is_(None))
        .group_by(Attendance.user_id).subquery("p"))
    stmt = (select(Unit.skpd_id, func.count(), *(func.sum(per_person.c[k]) for k in kinds))
            .select_from(per_person).join(User, User.id == per_person.c.user_id)
            .outerjoin(Unit, Unit.id == User.unit_id)
            .where(User.instansi_id == instansi_id, User.active.is_(True))
            .group_by(Unit.skpd_id))
    if skpd_id is not None:
        stmt = stmt.where(Unit.skpd_id == skpd_id)
    result: dict[int | None, dict[str, int]] = {}
    for key, anyone, *by_kind in db.session.execute(stmt):
        result[key] = {"any": int(anyone), **{k: int(n or 0) for k, n in zip(kinds, by_kind, strict=True)}}
    return result

