"""Events: create, edit, cancel; who is in the audience; check-in and the counts per SKPD.

Services take plain values and flush; views commit. Rules of the domain raise ``ServiceError``
whose ``code`` names the form field it is about (the views put the message under that field).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, exists, false, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..accounts.models import Role, User
from ..audit.services import record
from ..courses.models import Course
from ..db import db, utcnow
from ..errors import ServiceError
from ..org.models import Instansi, Unit
from ..pledges.models import Campaign
from ..quizzes.models import Quiz, QuizStatus
from .models import Attendance, CheckinMethod, Event, EventAudienceUnit, EventKind, EventSpeaker

#: the check-in window's bounds (minutes before / after the start) a form accepts
MAX_WINDOW_MINUTES = 240
MAX_SPEAKERS = 10


# --- times ------------------------------------------------------------------------------------------

def zone_of(instansi: Instansi) -> ZoneInfo:
    return ZoneInfo(instansi.timezone.iana)


def to_utc(day: dt.date, time: dt.time, instansi: Instansi) -> dt.datetime:
    local = dt.datetime.combine(day, time.replace(tzinfo=None), tzinfo=zone_of(instansi))
    return local.astimezone(dt.timezone.utc)


def to_local(value: dt.datetime, instansi: Instansi) -> dt.datetime:
    return value.astimezone(zone_of(instansi))


# --- what can be chosen -----------------------------------------------------------------------------

def unit_choices(instansi_id: int, skpd_id: int | None = None) -> list[Unit]:
    """Active units an event's audience may be made of: the instansi's, or those of one SKPD."""
    stmt = select(Unit).where(Unit.instansi_id == instansi_id, Unit.active.is_(True))
    if skpd_id is not None:
        stmt = stmt.where(Unit.skpd_id == skpd_id)
    return list(db.session.scalars(stmt.order_by(Unit.sort_key, Unit.id)))


def course_choices(instansi_id: int) -> list[tuple[int, str]]:
    from ..courses.models import CourseVersion

    rows = db.session.execute(
        select(Course.id, CourseVersion.title)
        .join(CourseVersion, CourseVersion.id == Course.published_version_id)
        .where(or_(Course.instansi_id == instansi_id, Course.instansi_id.is_(None)))
        .order_by(CourseVersion.title)
    )
    return [(r.id, r.title) for r in rows]


def quiz_choices(instansi_id: int) -> list[tuple[int, str]]:
    """Published quizzes an event may play. One written for an audience (the leaders' quiz) is labelled:
    played live, everyone present answers it, so the organiser chooses it for a gathering of leaders."""
    rows = db.session.execute(
        select(Quiz.id, Quiz.title, Quiz.audience)
        .where(or_(Quiz.instansi_id == instansi_id, Quiz.instansi_id.is_(None)), Quiz.status == QuizStatus.PUBLISHED)
        .order_by(Quiz.title)
    )
    return [(r.id, f"{r.title} ({_('untuk pimpinan')})" if r.audience else r.title) for r in rows]


def campaign_choices(instansi_id: int) -> list[tuple[int, str]]:
    rows = db.session.execute(select(Campaign.id, Campaign.name).where(Campaign.instansi_id == instansi_id)
                              .order_by(Campaign.opens_on.desc()))
    return [(r.id, r.name) for r in rows]


# --- create / edit / cancel -------------------------------------------------------------------------

@dataclass
class EventData:
    """What the create and edit forms carry, as plain values (times in the instansi's zone)."""

    kind: str
    title: str
    day: dt.date
    start: dt.time
    end: dt.time
    place: str = ""
    description: str = ""
    audience_all: bool = True
    unit_ids: Sequence[int] = ()
    outsiders_allowed: bool = True
    speakers: Sequence[tuple[str, str]] = ()
    course_id: int | None = None
    quiz_id: int | None = None
    campaign_id: int | None = None
    checkin_before_minutes: int = 30
    checkin_after_minutes: int = 15
    leaderboard: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _check(data: EventData, instansi: Instansi, skpd_id: int | None) -> dict[str, Any]:
    """Validate ``data`` for an event of ``instansi`` (owned by ``skpd_id`` when an operator SKPD
    makes it) and return the columns to set. Raises ServiceError(message, field name)."""
    try:
        kind = EventKind(data.kind)
    except ValueError:
        raise ServiceError(_("Pilih jenis acara dari daftar."), "kind") from None
    title = (data.title or "").strip()
    if not title:
        raise ServiceError(_("Judul acara wajib diisi."), "title")
    starts_at = to_utc(data.day, data.start, instansi)
    ends_at = to_utc(data.day, data.end, instansi)
    if ends_at <= starts_at:
        raise ServiceError(_("Waktu selesai harus setelah waktu mulai."), "end")
    for name, value in (("checkin_before_minutes", data.checkin_before_minutes),
                        ("checkin_after_minutes", data.checkin_after_minutes)):
        if value is None or not 0 <= value <= MAX_WINDOW_MINUTES:
            raise ServiceError(_("Jendela check-in harus antara 0 dan %(max)d menit.", max=MAX_WINDOW_MINUTES), name)
    if data.checkin_after_minutes + data.checkin_before_minutes == 0:
        raise ServiceError(_("Jendela check-in tidak boleh nol menit."), "checkin_after_minutes")

    def belongs(model: Any, object_id: int | None, shipped_ok: bool, field_name: str, message: str) -> int | None:
        if object_id is None:
            return None
        row = db.session.get(model, object_id) if object_id > 0 else None
        if row is None or not (row.instansi_id == instansi.id or (shipped_ok and row.instansi_id is None)):
            raise ServiceError(message, field_name)
        if model is Quiz and row.status != QuizStatus.PUBLISHED:
            raise ServiceError(message, field_name)
        if model is Course and row.published_version_id is None:
            raise ServiceError(message, field_name)
        return row.id

    course_id = belongs(Course, data.course_id, True, "course_id", _("Pilih kursus dari daftar."))
    quiz_id = belongs(Quiz, data.quiz_id, True, "quiz_id", _("Pilih kuis dari daftar."))
    campaign_id = belongs(Campaign, data.campaign_id, False, "campaign_id", _("Pilih kampanye pakta dari daftar."))

    unit_ids = sorted({u for u in data.unit_ids if u is not None})
    if data.audience_all:
        unit_ids = []
    else:
        if not unit_ids:
            raise ServiceError(_("Pilih SKPD atau unit peserta, atau undang seluruh pegawai."), "unit_ids")
        allowed = {u.id for u in unit_choices(instansi.id, skpd_id)}
        if any(u not in allowed for u in unit_ids):
            raise ServiceError(_("Pilih SKPD atau unit peserta dari daftar."), "unit_ids")

    speakers = []
    for name, institution in data.speakers:
        name, institution = (name or "").strip(), (institution or "").strip()
        if not name and not institution:
            continue
        if not name:
            raise ServiceError(_("Isi nama narasumber dari %(institution)s.", institution=institution), "speakers")
        speakers.append((name[:200], institution[:200]))
    if len(speakers) > MAX_SPEAKERS:
        raise ServiceError(_("Paling banyak %(n)d narasumber.", n=MAX_SPEAKERS), "speakers")

    return {
        "kind": kind, "title": title[:200], "place": (data.place or "").strip()[:200],
        "description": (data.description or "").strip(), "starts_at": starts_at, "ends_at": ends_at,
        "checkin_before_minutes": data.checkin_before_minutes, "checkin_after_minutes": data.checkin_after_minutes,
        "audience_all": bool(data.audience_all), "outsiders_allowed": bool(data.outsiders_allowed),
        "course_id": course_id, "quiz_id": quiz_id, "campaign_id": campaign_id,
        "leaderboard": bool(data.leaderboard), "_units": unit_ids, "_speakers": speakers,
    }


def _apply(event: Event, values: dict[str, Any]) -> None:
    unit_ids = values.pop("_units")
    speakers = values.pop("_speakers")
    for key, value in values.items():
        setattr(event, key, value)
    event.audience = [EventAudienceUnit(unit_id=u) for u in unit_ids]
    event.speakers = [EventSpeaker(position=i, name=n, institution=inst) for i, (n, inst) in enumerate(speakers)]


def owner_skpd(actor: User) -> int | None:
    """The SKPD an event made by ``actor`` belongs to: an operator SKPD's own; else None (the instansi's)."""
    return actor.skpd_id if actor.role == Role.OPERATOR_SKPD else None


def create_event(actor: User, instansi: Instansi, data: EventData) -> Event:
    skpd_id = owner_skpd(actor)
    values = _check(data, instansi, skpd_id)
    event = Event(instansi_id=instansi.id, skpd_id=skpd_id, created_by_id=actor.id)
    # (the audience units replace the list: start from an empty one, not a lazy load)
    event.audience = []
    event.speakers = []
    _apply(event, values)
    db.session.add(event)
    db.session.flush()
    record("event.create", actor=actor, instansi_id=instansi.id, target=event,
           details={"title": event.title, "kind": event.kind.value})
    return event


def update_event(event: Event, actor: User, data: EventData) -> Event:
    if event.cancelled:
        raise ServiceError(_("Acara yang dibatalkan tidak dapat diubah."), "cancelled")
    values = _check(data, event.instansi, event.skpd_id)
    _apply(event, values)
    db.session.flush()
    record("event.update", actor=actor, instansi_id=event.instansi_id, target=event, details={"title": event.title})
    return event


def cancel_event(event: Event, actor: User, now: dt.datetime | None = None) -> Event:
    if event.cancelled:
        raise ServiceError(_("Acara ini sudah dibatalkan."), "cancelled")
    event.cancelled_at = now or utcnow()
    db.session.flush()
    record("event.cancel", actor=actor, instansi_id=event.instansi_id, target=event, details={"title": event.title})
    return event


# --- lists -------------------------------------------------------------------------------------------

def _audience_condition(user: User) -> Any:
    """Events (of the user's instansi) whose audience includes ``user``, as a WHERE clause."""
    if user.unit is None:
        return and_(Event.audience_all.is_(True), Event.skpd_id.is_(None))
    ancestors = user.unit.ancestor_ids()
    return or_(
        and_(Event.audience_all.is_(True), or_(Event.skpd_id.is_(None), Event.skpd_id == user.unit.skpd_id)),
        and_(Event.audience_all.is_(False),
             exists().where(EventAudienceUnit.event_id == Event.id, EventAudienceUnit.unit_id.in_(ancestors))),
    )


def visible_events(user: User) -> Select[Any]:
    """Events ``user`` sees in the list: those they manage, and those of their instansi whose
    audience includes them (not cancelled ones they only attend... they see those too, marked)."""
    from .. import authz

    managed = authz.scope_managed_events(select(Event), user).whereclause
    conditions = []
    if authz.can_create_events(user):
        conditions.append(managed if managed is not None else Event.id.isnot(None))
    if user.instansi_id is not None:
        conditions.append(and_(Event.instansi_id == user.instansi_id, _audience_condition(user)))
    if not conditions:
        return select(Event).where(false())
    return select(Event).where(or_(*conditions))


def upcoming_and_past(user: User, now: dt.datetime | None = None, limit: int = 50) -> tuple[list[Event], list[Event]]:
    now = now or utcnow()
    # (the list shows neither speakers nor audience: don't load them)
    base = visible_events(user)
    upcoming = list(db.session.scalars(base.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id)
                                       .limit(limit)))
    past = list(db.session.scalars(base.where(Event.ends_at < now).order_by(Event.starts_at.desc(), Event.id.desc())
                                   .limit(limit)))
    return upcoming, past


# --- the audience ----------------------------------------------------------------------------------

def audience_condition(event: Event) -> ColumnElement[bool]:
    """THE rule of who is invited, as SQL true for a ``User`` (with ``Unit`` outer-joined on
    ``User.unit_id``): the *active* people of the event's instansi, placed *now*

    - ``audience_all`` and no ``skpd_id``: everybody of the instansi (also people without a unit);
    - ``audience_all`` and ``skpd_id`` (an operator SKPD's event): the people of that SKPD and the
      units below it;
    - not ``audience_all``: the people placed in one of the audience units or in a unit below one
      (``units.path`` starts with the audience unit's path); for an SKPD's own event still only
      inside that SKPD.

    ``in_audience``, ``audience_ids``, ``audience_people`` and the event report's roster
    (``reports.audience_roster``) all evaluate this one condition."""
    parts: list[ColumnElement[bool]] = [User.instansi_id == event.instansi_id, User.active.is_(True)]
    if event.skpd_id is not None:
        parts.append(Unit.skpd_id == event.skpd_id)
    if not event.audience_all:
        chosen = aliased(Unit)
        parts.append(exists(
            select(literal(1)).select_from(EventAudienceUnit)
            .join(chosen, chosen.id == EventAudienceUnit.unit_id)
            .where(EventAudienceUnit.event_id == event.id, Unit.path.like(chosen.path + "%"))))
    return and_(*parts)


def audience_people(event: Event) -> Select[Any]:
    """The active people of the audience (a ``select(User)``, one statement, to refine or count)."""
    return select(User).outerjoin(Unit, Unit.id == User.unit_id).where(audience_condition(event))


def audience_ids(event: Event, user_ids: Iterable[int]) -> set[int]:
    """Which of ``user_ids`` are in the audience (one statement per 500 ids)."""
    ids = sorted(set(user_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        found.update(db.session.scalars(
            audience_people(event).with_only_columns(User.id).where(User.id.in_(ids[start:start + 500]))))
    return found


def in_audience(event: Event, user: User) -> bool:
    """True when ``user`` is invited (``audience_condition``; one statement, none for another instansi)."""
    if user.instansi_id != event.instansi_id or not user.active:
        return False
    return bool(audience_ids(event, [user.id]))


# --- check-in ---------------------------------------------------------------------------------------

SELF_METHODS = (CheckinMethod.SCAN, CheckinMethod.CODE)


def attendance_of(event_id: int, user_id: int) -> Attendance | None:
    return db.session.scalar(select(Attendance).where(Attendance.event_id == event_id, Attendance.user_id == user_id))


def check_in(event: Event, user: User, method: CheckinMethod, now: dt.datetime | None = None,
             marked_by: User | None = None) -> Attendance:
    """Mark ``user`` present (idempotent: a second call returns the first row, also when two
    requests race: the unique (event, user) wins and the loser reads the winner's row).

    People checking in themselves (scan, typed code) outside the audience are refused when the
    event does not allow outsiders, else recorded with ``outside_audience``. HR marking by hand or
    from a paper list may record anyone of the instansi (flagged when outside the audience). The
    check-in window is the caller's rule (``checkin.py``); a cancelled event refuses everything."""
    if event.cancelled:
        raise ServiceError(_("Acara ini dibatalkan."), "cancelled")
    if user.instansi_id != event.instansi_id:
        raise ServiceError(_("Acara ini untuk instansi lain."), "wrong_instansi")
    existing = attendance_of(event.id, user.id)
    if existing is not None:
        return existing
    outside = not in_audience(event, user)
    if outside and method in SELF_METHODS and not event.outsiders_allowed:
        raise ServiceError(_("Anda tidak termasuk peserta acara ini, dan acara ini hanya untuk pegawai yang "
                             "diundang."), "outside_audience")
    row = Attendance(event_id=event.id, user_id=user.id, method=method, checked_in_at=now or utcnow(),
                     marked_by_id=marked_by.id if marked_by is not None else None, outside_audience=outside,
                     unit_id=user.unit_id, skpd_id=user.unit.skpd_id if user.unit is not None else None,
                     note=_("di luar peserta undangan") if outside else "")
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        existing = attendance_of(event.id, user.id)
        if existing is None:  # (not the unique (event, user): something else; let it surface)
            raise
        return existing
    return row


def present_count_by_skpd(event: Event | int) -> list[tuple[int | None, str | None, int]]:
    """(skpd_id, SKPD name, people present) in one GROUP BY statement, most present first."""
    event_id = event if isinstance(event, int) else event.id
    rows = db.session.execute(
        select(Attendance.skpd_id, Unit.name, func.count(Attendance.id).label("n"))
        .outerjoin(Unit, Unit.id == Attendance.skpd_id)
        .where(Attendance.event_id == event_id)
        .group_by(Attendance.skpd_id, Unit.name)
        .group_by(Unit.sort_key)
        .order_by(func.count(Attendance.id).desc(), Unit.sort_key)
    )
    return [(r.skpd_id, r.name, int(r.n)) for r in rows]


# --- marking by hand and the paper list ------------------------------------------------------------

def people_scope(event: Event, actor: User) -> Select[Any]:
    """People ``actor`` may mark present for ``event``: active people of the event's instansi; an
    operator SKPD only those of their own SKPD."""
    stmt = select(User).where(User.instansi_id == event.instansi_id, User.active.is_(True))
    if actor.role == Role.OPERATOR_SKPD:
        stmt = stmt.where(User.unit_id.in_(select(Unit.id).where(Unit.skpd_id == actor.skpd_id)))
    return stmt


def search_people(event: Event, actor: User, query: str, limit: int = 20) -> list[User]:
    text = " ".join((query or "").split())[:100]
    if len(text) < 2:
        return []
    digits = text.replace(" ", "")
    stmt = people_scope(event, actor)
    if digits.isdigit():
        from .. import authz

        # HR (operator SKPD, admin BKPSDM) may look people up by the start of their NIP; a trainer, who
        # sees NIPs masked, only by the whole NIP, else the prefix search would spell NIPs out digit by digit
        stmt = stmt.where(User.employee_number.startswith(digits) if authz.is_hr(actor)
                          else User.employee_number == digits)
    else:
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(func.lower(User.name).like(f"%{escaped}%", escape="\\"))
    return list(db.session.scalars(stmt.order_by(User.name, User.id).limit(limit)))


def mark_present(event: Event, actor: User, person: User, now: dt.datetime | None = None) -> tuple[Attendance, bool]:
    """HR or the trainer marks ``person`` present by hand (audited). Returns (row, newly marked)."""
    before = attendance_of(event.id, person.id)
    row = check_in(event, person, CheckinMethod.MANUAL, now=now, marked_by=actor)
    created = before is None
    if created:
        record("event.attendance.mark", actor=actor, instansi_id=event.instansi_id, target=event,
               details={"user_id": person.id, "outside_audience": row.outside_audience})
    return row, created


#: the paper list's bounds
IMPORT_MAX_BYTES = 256 * 1024
IMPORT_MAX_LINES = 20_000


@dataclass
class ImportResult:
    marked: int = 0
    already: int = 0
    unknown: list[str] = field(default_factory=list)
    #: the people newly marked present (for the certificates their attendance made due)
    marked_ids: list[int] = field(default_factory=list)


def parse_nip_list(raw: bytes) -> list[str]:
    """NIPs from a CSV: one per line, or a column named NIP. Raises ServiceError when too big."""
    import csv
    import io

    if len(raw) > IMPORT_MAX_BYTES:
        raise ServiceError(_("Berkas terlalu besar (paling besar %(kb)d KB).", kb=IMPORT_MAX_BYTES // 1024), "file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if "\x00" in text:  # (a binary file; and PostgreSQL refuses NUL in a text parameter)
        raise ServiceError(_("Berkas bukan daftar NIP (CSV) yang dapat dibaca."), "file")
    lines = text.splitlines()
    if len(lines) > IMPORT_MAX_LINES:
        raise ServiceError(_("Terlalu banyak baris (paling banyak %(n)d).", n=IMPORT_MAX_LINES), "file")
    sample = "\n".join(lines[:5])
    delimiter = ";" if sample.count(";") > sample.count(",") else ("\t" if "\t" in sample else ",")
    try:
        rows = list(csv.reader(lines, delimiter=delimiter))
    except csv.Error:  # (a field over the csv module's limit, a NUL byte: not a list of NIPs)
        raise ServiceError(_("Berkas bukan daftar NIP (CSV) yang dapat dibaca."), "file") from None
    column = 0
    if rows:
        header = [cell.strip().upper() for cell in rows[0]]
        if "NIP" in header:
            column = header.index("NIP")
            rows = rows[1:]
    nips: list[str] = []
    seen: set[str] = set()
    for row in rows:
        if len(row) <= column:
            continue
        nip = "".join(ch for ch in row[column] if ch.isprintable() and not ch.isspace()).strip("'\"")
        if not nip or nip.upper() == "NIP" or nip in seen:
            continue
        seen.add(nip)
        nips.append(nip[:40])
    if not nips:
        raise ServiceError(_("Berkas tidak memuat NIP."), "file")
    return nips


def import_attendance(event: Event, actor: User, nips: Iterable[str], now: dt.datetime | None = None) -> ImportResult:
    """Mark the people of a paper attendance list present (method IMPORT, audited). NIPs of nobody
    ``actor`` may mark (unknown, another instansi, another SKPD for an operator) come back in
    ``unknown``. Bounded statements: the people and the existing rows are read in chunks."""
    if event.cancelled:
        raise ServiceError(_("Acara ini dibatalkan."), "cancelled")
    nips = list(nips)
    now = now or utcnow()
    found: dict[str, User] = {}
    for start in range(0, len(nips), 500):
        chunk = nips[start:start + 500]
        for person in db.session.scalars(people_scope(event, actor).where(User.employee_number.in_(chunk))):
            found[person.employee_number] = person
    present = set(db.session.scalars(select(Attendance.user_id).where(Attendance.event_id == event.id)))
    result = ImportResult(unknown=[n for n in nips if n not in found])
    invited = audience_ids(event, [p.id for p in found.values() if p.id not in present])
    new_rows = []
    for person in found.values():
        if person.id in present:
            result.already += 1
            continue
        outside = person.id not in invited
        new_rows.append(Attendance(event_id=event.id, user_id=person.id, method=CheckinMethod.IMPORT,
                                   checked_in_at=now, marked_by_id=actor.id, outside_audience=outside,
                                   unit_id=person.unit_id, skpd_id=person.unit.skpd_id if person.unit else None,
                                   note=_("di luar peserta undangan") if outside else ""))
    try:
        with db.session.begin_nested():
            db.session.add_all(new_rows)
        result.marked = len(new_rows)
        result.marked_ids = [row.user_id for row in new_rows]
    except IntegrityError:
        # someone checked in meanwhile: one by one (each idempotent)
        for row in new_rows:
            person = found_by_id(found, row.user_id)
            before = attendance_of(event.id, person.id)
            check_in(event, person, CheckinMethod.IMPORT, now=now, marked_by=actor)
            if before is None:
                result.marked += 1
                result.marked_ids.append(person.id)
            else:
                result.already += 1
    record("event.attendance.import", actor=actor, instansi_id=event.instansi_id, target=event,
           details={"marked": result.marked, "already": result.already, "unknown": len(result.unknown)})
    return result


def found_by_id(found: dict[str, User], user_id: int) -> User:
    return next(p for p in found.values() if p.id == user_id)


# --- certificates that attendance makes due -----------------------------------------------------------

def issue_attendance_certificates(event: Event, user_ids: Iterable[int],
                                  now: dt.datetime | None = None) -> list[Any]:
    """The check-in may have been the last part of a course whose completion rule asks for
    attendance (``completion.attendance``): issue the certificates that became due, as finishing
    the last module does. One statement finds who may have one (a finished enrollment of a version
    that gives a certificate, has none yet and asks for this event's kind or any); ``issue_due``
    runs only for them. Flushes; the caller commits after the check-in's own commit, and treats a
    failure here as not the check-in's (see ``views._issue_after_check_in``)."""
    from ..certificates.models import Certificate
    from ..certificates.services import issue_due
    from ..courses.completion import CompletionRule
    from ..courses.models import CourseVersion, Enrollment

    if event.cancelled:
        return []
    kind = event.kind.value
    ids = sorted(set(user_ids))
    candidates: set[int] = set()
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            select(Enrollment.user_id, CourseVersion.requires, CourseVersion.completion)
            .join(CourseVersion, CourseVersion.id == Enrollment.course_version_id)
            .where(Enrollment.user_id.in_(ids[start:start + 500]), Enrollment.modules_completed_at.is_not(None),
                   CourseVersion.certificate.is_not(None),
                   ~exists().where(Certificate.user_id == Enrollment.user_id,
                                   Certificate.course_version_id == CourseVersion.id)))
        candidates.update(user_id for user_id, requires, completion in rows
                          if CompletionRule.read(requires, completion).attendance in (kind, "any"))
    issued: list[Any] = []
    for user_id in sorted(candidates):
        issued.extend(issue_due(user_id, attendance=kind, now=now))
    return issued
