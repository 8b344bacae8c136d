"""Completion over time: per day since a campaign opened, the share of the active roster fully done.

"Fully done" is what ``reports.services`` counts as *Selesai* for a :class:`Selection` (its
``parts``), dated at the moment the last part was met, per person:

- the course: every module read (``enrollments.modules_completed_at``) of a version the course's
  completion rules know, and, when that version's rule requires them, the rule's quiz passed (its
  first passing attempt) and the rule's pakta text signed (its first signature, any campaign);
- the chosen quiz passed: the ``submitted_at`` of the first passing attempt;
- the chosen campaign's pakta signed: ``signed_at``;
- a certificate of the course (when the course gives one): the earliest ``issued_at`` of the
  person's certificates of the course, counted only while one of them is valid.

A person missing a part is never done. The roster is the dashboard's (``reports.services``): the
instansi's **active** people now, in their **current** unit (with ``skpd_id``: those whose unit is
in that SKPD now; without it: all of them, also those without a unit). People who left drop out of
the denominator and out of every day of the line, also the days before they left: the line is "how
far the people we have now got, and when" — what HR chases — and its last point equals the
dashboard's *Selesai* total.

Days are calendar days in the instansi's time zone. The counting is one SQL statement (per person
the max of the parts' times, then a count per local day, the not-done people in the NULL day); the
running total is summed in Python.

Shares are fractions 0..1 (like ``RekapRow.done_share``); ``target_percent`` stays a percentage.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, cast, false, func, literal, literal_column, null, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from ..accounts.models import User
from ..certificates.models import Certificate, CertificateState
from ..courses.completion import CompletionRule
from ..courses.models import Enrollment
from ..db import db, utcnow
from ..org.models import Instansi, Unit
from ..pledges.models import Campaign, PledgeSignature, PledgeText, PledgeTextVersion
from ..quizzes.models import Attempt, Quiz
from .services import Selection

Point = tuple[dt.date, float]
#: days of history the projection's pace is taken from
PACE_DAYS = 14


def local_day(column: Any, zone: ZoneInfo, dialect: str) -> ColumnElement[Any]:
    """The calendar day of a UTC timestamp column in ``zone``, in SQL. PostgreSQL converts with the
    zone's rules (``timezone()``); SQLite (timestamps stored as naive UTC text) adds the zone's
    offset now — exact for Indonesia's zones (WIB/WITA/WIT have no daylight saving)."""
    # the zone's name and the offset are written into the SQL, not bound: PostgreSQL takes
    # timezone($1, t) in the SELECT and timezone($2, t) in the GROUP BY for different expressions.
    # Both come from the Timezone enum (and a number), never from a request.
    if dialect == "postgresql":
        name = zone.key.replace("'", "")
        return cast(func.timezone(literal_column(f"'{name}'"), column), Date)
    offset = zone.utcoffset(dt.datetime.now())
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    return func.date(column, literal_column(f"'{minutes:+d} minutes'"))


def _greatest(columns: list[Any], dialect: str) -> ColumnElement[Any]:
    """The latest of ``columns``, NULL when any is NULL (SQLite's multi-argument max() does that;
    PostgreSQL's GREATEST skips NULLs, hence the CASE)."""
    if len(columns) == 1:
        return columns[0]
    if dialect == "sqlite":
        return func.max(*columns)
    return case((or_(*(c.is_(None) for c in columns)), null()), else_=func.greatest(*columns))


def _rule_quiz_time(slug: str) -> Any:
    return (select(func.min(Attempt.submitted_at)).join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Attempt.user_id == Enrollment.user_id, Attempt.passed.is_(True), Quiz.slug == slug)
            .scalar_subquery())


def _rule_pledge_time(slug: str) -> Any:
    return (select(func.min(PledgeSignature.signed_at))
            .join(PledgeTextVersion, PledgeTextVersion.id == PledgeSignature.pledge_version_id)
            .join(PledgeText, PledgeText.id == PledgeTextVersion.pledge_text_id)
            .where(PledgeSignature.user_id == Enrollment.user_id, PledgeText.slug == slug)
            .scalar_subquery())


def _course_times(selection: Selection, dialect: str) -> Any:
    """(user_id, t): when the course's completion rule (of the person's version) was met."""
    by_rule: dict[CompletionRule, list[int]] = {}
    for version_id, rule in selection.rules:
        by_rule.setdefault(rule, []).append(version_id)
    assert selection.course is not None
    if not by_rule:  # no version known: nobody completes (as completed_condition)
        return select(Enrollment.user_id.label("user_id"), null().label("t")).where(false())
    selects = []
    for rule, version_ids in by_rule.items():
        times: list[Any] = [Enrollment.modules_completed_at]
        if rule.quiz is not None:
            times.append(_rule_quiz_time(rule.quiz))
        if rule.pledge is not None:
            times.append(_rule_pledge_time(rule.pledge))
        selects.append(select(Enrollment.user_id.label("user_id"), _greatest(times, dialect).label("t"))
                       .where(Enrollment.course_id == selection.course.id,
                              Enrollment.course_version_id.in_(version_ids),
                              Enrollment.modules_completed_at.is_not(None)))
    if len(selects) == 1:
        return selects[0]
    groups = union_all(*selects).subquery("course_groups")
    return select(groups.c.user_id, groups.c.t)


def part_times(selection: Selection, dialect: str) -> list[Any]:
    """One SELECT (user_id, t) per part of the selection, at most one row per person: when they met
    it (t NULL or no row: not met)."""
    parts: list[Any] = []
    if selection.course is not None:
        parts.append(_course_times(selection, dialect))
    if selection.quiz is not None:
        parts.append(select(Attempt.user_id.label("user_id"), func.min(Attempt.submitted_at).label("t"))
                     .where(Attempt.quiz_id == selection.quiz.id, Attempt.passed.is_(True),
                            Attempt.submitted_at.is_not(None))
                     .group_by(Attempt.user_id))
    if selection.campaign is not None:
        parts.append(select(PledgeSignature.user_id.label("user_id"), PledgeSignature.signed_at.label("t"))
                     .where(PledgeSignature.campaign_id == selection.campaign.id))
    if selection.wants_certificate:
        assert selection.course is not None
        valid = func.sum(case((Certificate.state == CertificateState.VALID, 1), else_=0))
        parts.append(select(Certificate.user_id.label("user_id"), func.min(Certificate.issued_at).label("t"))
                     .where(Certificate.course_id == selection.course.id,
                            Certificate.instansi_id == selection.instansi.id)
                     .group_by(Certificate.user_id)
                     .having(valid > 0))
    return parts


def done_times(selection: Selection, dialect: str) -> Any:
    """A subquery (user_id, done_at): the people who met every part, and when the last was met."""
    parts = part_times(selection, dialect)
    if not parts:
        return None
    met = union_all(*parts).subquery("met")
    return (select(met.c.user_id, func.max(met.c.t).label("done_at"))
            .group_by(met.c.user_id)
            .having(func.count(met.c.t) == len(parts))
            .subquery("done"))


@dataclass
class Progress:
    """The roster's headcount and, per local day, how many of them became fully done that day."""

    headcount: int
    by_day: dict[dt.date, int]

    def done_by(self, day: dt.date) -> int:
        return sum(n for d, n in self.by_day.items() if d <= day)


def progress(selection: Selection, skpd_id: int | None = None) -> Progress:
    """One statement: the active roster of ``selection.instansi`` (scoped to ``skpd_id`` when
    given) grouped by the local day each person became fully done (NULL: not done)."""
    instansi = selection.instansi
    zone = ZoneInfo(instansi.timezone.iana)
    dialect = db.session.get_bind().dialect.name
    done = done_times(selection, dialect)
    day = local_day(done.c.done_at, zone, dialect) if done is not None else literal(None)
    stmt = select(day.label("day"), func.count(User.id)).select_from(User)
    if done is not None:
        stmt = stmt.outerjoin(done, done.c.user_id == User.id)
    stmt = stmt.where(User.instansi_id == instansi.id, User.active.is_(True))
    if skpd_id is not None:
        stmt = stmt.join(Unit, and_(Unit.id == User.unit_id, Unit.skpd_id == skpd_id))
    stmt = stmt.group_by(day) if done is not None else stmt
    headcount = 0
    by_day: dict[dt.date, int] = {}
    for value, count in db.session.execute(stmt):
        headcount += count
        if value is not None:
            by_day[value if isinstance(value, dt.date) else dt.date.fromisoformat(value)] = count
    return Progress(headcount, by_day)


def _days(start: dt.date, last: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((last - start).days + 1)]


def _series(result: Progress, start: dt.date, last: dt.date) -> list[Point]:
    if last < start:
        return []
    done = result.done_by(start - dt.timedelta(days=1))
    points: list[Point] = []
    for day in _days(start, last):
        done += result.by_day.get(day, 0)
        points.append((day, done / result.headcount if result.headcount else 0.0))
    return points


def local_today(instansi: Instansi, now: dt.datetime | None = None) -> dt.date:
    return (now or utcnow()).astimezone(ZoneInfo(instansi.timezone.iana)).date()


def completion_series(instansi_id: int, selection: Selection, start: dt.date, end: dt.date,
                      skpd_id: int | None = None, *, now: dt.datetime | None = None) -> list[Point]:
    """Per day from ``start`` to ``end`` or today (in the instansi's zone), whichever is first: the
    share (0..1) of the active roster fully done by the end of that day. [] when the range is
    reversed or starts after today. ``instansi_id`` must be the selection's instansi (else []).
    One statement."""
    instansi = selection.instansi
    if instansi.id != instansi_id or end < start:
        return []
    last = min(end, local_today(instansi, now))
    if last < start:
        return []
    return _series(progress(selection, skpd_id), start, last)


def projected_day(points: Sequence[Point], target: float, pace_days: int = PACE_DAYS) -> dt.date | None:
    """When the line reaches ``target`` (a fraction 0..1) at the pace of its last ``pace_days`` days
    (a straight line): the day it was first reached if it already was; None when there is no
    progress over that window (or no points)."""
    if not points:
        return None
    for day, share in points:
        if share >= target:
            return day
    last_day, last_share = points[-1]
    first_day, first_share = points[max(0, len(points) - 1 - pace_days)]
    span = (last_day - first_day).days
    if span <= 0 or last_share <= first_share:
        return None
    pace = (last_share - first_share) / span
    return last_day + dt.timedelta(days=math.ceil((target - last_share) / pace - 1e-9))


@dataclass
class Timeline:
    """What the completion-over-time chart and the readiness figure need (``reports.charts``)."""

    points: list[Point]
    #: the x axis: the campaign's opening to the latest of closes_on, the election and target day
    start: dt.date
    end: dt.date
    election_date: dt.date | None
    target_percent: int | None
    #: the target's day (``Campaign.target_day``), None without a target
    target_date: dt.date | None
    #: when the target is reached at the recent pace (``projected_day``), None without a target or pace
    projection: dt.date | None
    #: people fully done by the last point, and the active headcount
    done: int
    headcount: int


def campaign_timeline(campaign: Campaign, selection: Selection, skpd_id: int | None = None, *,
                      now: dt.datetime | None = None, counted: Progress | None = None) -> Timeline:
    """The timeline of ``campaign`` (its dates and target) for ``selection`` (normally with
    ``selection.campaign`` the same campaign): one counting statement, none when ``counted`` (the
    ``progress`` of the same selection, e.g. from a dashboard snapshot) is given."""
    instansi = campaign.instansi
    start = campaign.opens_on
    end = max(d for d in (campaign.closes_on, campaign.election_date, campaign.target_day) if d is not None)
    last = min(end, local_today(instansi, now))
    result = counted if counted is not None else progress(selection, skpd_id)
    points = _series(result, start, last)
    target = campaign.target_percent
    return Timeline(
        points=points, start=start, end=end, election_date=campaign.election_date, target_percent=target,
        target_date=campaign.target_day if target is not None else None,
        projection=projected_day(points, target / 100) if target is not None else None,
        done=result.done_by(last), headcount=result.headcount,
    )
