"""When a course counts as finished, in one place.

A learner has finished a course when they have read every module of the version they are enrolled
in and, as that version's ``completion`` says:

- ``quiz_pass: true``: they have passed the quiz of ``requires.quiz``;
- ``pledge_signed: true``: they have signed the pakta integritas of ``requires.pledge`` (any
  version of that text, in any campaign);
- ``attendance: <kind>`` (``apel``, ``sosialisasi``, ``bimtek`` or ``any``): they were marked present
  at least once at an event of that kind (any kind for ``any``) that was not cancelled
  (``events.models.Attendance``; people let in from outside the audience count: they were there).

``CompletionRule.of(version)`` reads the rule of a version. It is applied in two ways, kept side by
side here: ``is_met`` to what the course pages loaded for one learner (``progress.CourseView``), and
``completed_condition`` as SQL over ``Enrollment`` rows for the figures HR sees (assignment coverage),
so a report never counts someone the course page tells to go on. ``learner_facts`` loads what
``is_met`` needs for many courses at once.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from ..db import db
from .models import CourseVersion, Enrollment


def _slug(mapping: dict[str, Any] | None, key: str) -> str | None:
    value = (mapping or {}).get(key)
    return str(value) if value else None


@dataclass(frozen=True)
class CompletionRule:
    """What finishing one course version takes besides reading every module."""

    #: the quiz to pass (``requires.quiz`` when ``completion.quiz_pass``), or None
    quiz: str | None = None
    #: the pakta integritas to sign (``requires.pledge`` when ``completion.pledge_signed``), or None
    pledge: str | None = None
    #: the kind of event to have attended (``completion.attendance``: an EventKind value or "any"), or None
    attendance: str | None = None

    @classmethod
    def of(cls, version: CourseVersion) -> CompletionRule:
        return cls.read(version.requires, version.completion)

    @classmethod
    def read(cls, requires: dict[str, Any] | None, completion: dict[str, Any] | None) -> CompletionRule:
        completion = completion or {}
        return cls(
            quiz=_slug(requires, "quiz") if completion.get("quiz_pass") else None,
            pledge=_slug(requires, "pledge") if completion.get("pledge_signed") else None,
            attendance=_attendance(completion),
        )

    def is_met(self, *, modules_read: bool, quiz_passed: bool, pledge_signed: bool,
               attended: bool = False) -> bool:
        """``attended``: whether the learner attended an event of ``self.attendance``'s kind
        (``LearnerFacts.attended``); only asked when the rule has one."""
        return (modules_read and (self.quiz is None or quiz_passed)
                and (self.pledge is None or pledge_signed)
                and (self.attendance is None or attended))

    def condition(self, user_id: ColumnElement[int]) -> ColumnElement[bool]:
        """``is_met`` as SQL for a row with an ``Enrollment`` of ``user_id`` (a column).

        ``user_id IN (people who passed / signed)`` rather than a correlated EXISTS: the set is
        built once per statement (SQLite probes EXISTS once per row; benchmarks/rekap.py)."""
        from ..pledges.models import PledgeSignature, PledgeText, PledgeTextVersion
        from ..quizzes.models import Attempt, Quiz

        parts: list[ColumnElement[bool]] = [Enrollment.modules_completed_at.is_not(None)]
        if self.quiz is not None:
            # as quizzes.attempts.passed_quizzes
            parts.append(user_id.in_(
                select(Attempt.user_id).join(Quiz, Quiz.id == Attempt.quiz_id)
                .where(Attempt.passed.is_(True), Quiz.slug == self.quiz)))
        if self.pledge is not None:
            # as pledges.signed.signed_pledges: any version of the text, in any campaign
            parts.append(user_id.in_(
                select(PledgeSignature.user_id)
                .join(PledgeTextVersion, PledgeTextVersion.id == PledgeSignature.pledge_version_id)
                .join(PledgeText, PledgeText.id == PledgeTextVersion.pledge_text_id)
                .where(PledgeText.slug == self.pledge)))
        if self.attendance is not None:
            parts.append(user_id.in_(attended_people(self.attendance)))
        return and_(*parts)


#: the values of ``completion.attendance``: an event kind, or any kind
ATTENDANCE_VALUES = ("apel", "sosialisasi", "bimtek", "any")


def _attendance(completion: dict[str, Any]) -> str | None:
    value = completion.get("attendance")
    return str(value) if value in ATTENDANCE_VALUES else None


def attended_people(kind: str) -> Select[tuple[int]]:
    """User ids marked present at a (not cancelled) event of ``kind`` ("any": of any kind)."""
    from ..events.models import Attendance, Event

    stmt = (select(Attendance.user_id).join(Event, Event.id == Attendance.event_id)
            .where(Event.cancelled_at.is_(None)))
    if kind != "any":
        stmt = stmt.where(Event.kind == kind)
    return stmt


def attended_kinds(user_id: int) -> frozenset[str]:
    """The event kinds ``user_id`` attended (plus "any" when they attended one). One query."""
    kinds = set(db.session.scalars(_attended_kinds_statement(), {"user_id": user_id}))
    return frozenset({str(getattr(k, "value", k)) for k in kinds} | ({"any"} if kinds else set()))


@functools.cache
def _attended_kinds_statement() -> Select[Any]:
    from sqlalchemy import bindparam

    from ..events.models import Attendance, Event

    return (select(Event.kind).join(Attendance, Attendance.event_id == Event.id)
            .where(Attendance.user_id == bindparam("user_id"), Event.cancelled_at.is_(None)).distinct())


def version_rules(course_ids: Select[tuple[int]] | Iterable[int]) -> dict[int, CompletionRule]:
    """version id -> rule, for every version of these courses. One query (no module is loaded)."""
    rows = db.session.execute(
        select(CourseVersion.id, CourseVersion.requires, CourseVersion.completion)
        .where(CourseVersion.course_id.in_(course_ids))
    )
    return {version_id: CompletionRule.read(requires, completion) for version_id, requires, completion in rows}


def completed_condition(rules: Mapping[int, CompletionRule], user_id: ColumnElement[int]) -> ColumnElement[bool]:
    """True for a row whose ``Enrollment`` of ``user_id`` is finished by the rule of its version
    (``rules``: version id -> rule, see ``version_rules``; other versions never count). Versions
    with the same rule share one clause."""
    by_rule: dict[CompletionRule, list[int]] = {}
    for version_id, rule in rules.items():
        by_rule.setdefault(rule, []).append(version_id)
    if not by_rule:
        return false()
    return or_(*(and_(Enrollment.course_version_id.in_(ids), rule.condition(user_id))
                 for rule, ids in by_rule.items()))


@dataclass(frozen=True)
class LearnerFacts:
    """The required quizzes one learner has passed and the required pakta they have signed."""

    passed_quizzes: frozenset[str] = frozenset()
    signed_pledges: frozenset[str] = frozenset()
    #: the event kinds attended (and "any"), loaded only when a version's rule asks for attendance
    attended_kinds: frozenset[str] = frozenset()

    def attended(self, rule: CompletionRule) -> bool:
        return rule.attendance is not None and rule.attendance in self.attended_kinds


def learner_facts(user_id: int, versions: Iterable[CourseVersion]) -> LearnerFacts:
    """What ``user_id`` has done of what ``versions`` require (``requires.quiz``, ``requires.pledge``,
    ``completion.attendance``): the quizzes passed and the pakta signed in ONE query (a UNION ALL,
    none when no version requires either), the events attended in one more when a version asks."""
    quizzes, pledges, wants_attendance = required_slugs(versions)
    done: dict[str, set[str]] = {"quiz": set(), "pledge": set()}
    if quizzes or pledges:
        params = {"user_id": user_id, "quizzes": quizzes, "pledges": pledges}
        for slug, kind in db.session.execute(_facts_statement(bool(quizzes), bool(pledges)), params):
            done[kind].add(slug)
    return LearnerFacts(frozenset(done["quiz"]), frozenset(done["pledge"]),
                        attended_kinds(user_id) if wants_attendance else frozenset())


def required_slugs(versions: Iterable[Any]) -> tuple[list[str], list[str], bool]:
    """The quizzes and pakta ``versions`` require (sorted slugs) and whether one asks for attendance."""
    versions = list(versions)
    quizzes = sorted({slug for v in versions if (slug := _slug(v.requires, "quiz"))})
    pledges = sorted({slug for v in versions if (slug := _slug(v.requires, "pledge"))})
    return quizzes, pledges, any(CompletionRule.of(v).attendance is not None for v in versions)


@functools.cache
def _facts_statement(quizzes: bool, pledges: bool) -> Any:
    """The slugs of the quizzes passed (``:quizzes``) and of the pakta signed (``:pledges``) by
    ``:user_id``, each with its kind; built once per process (issue 14)."""
    from sqlalchemy import bindparam, literal, union_all

    from ..pledges.signed import signed_pledges
    from ..quizzes.attempts import passed_quizzes

    user = bindparam("user_id")
    parts = []
    if quizzes:
        parts.append(passed_quizzes(user, bindparam("quizzes", expanding=True))
                     .add_columns(literal("quiz").label("kind")))
    if pledges:
        parts.append(signed_pledges(user, bindparam("pledges", expanding=True))
                     .add_columns(literal("pledge").label("kind")))
    return parts[0] if len(parts) == 1 else union_all(*parts)
