"""Reading progress: enrollments pinned to a version, per-module progress that only moves
forward, and the figures the pages show (percent read, minutes left, where to resume).

Every write here is idempotent: a retried or duplicated save changes nothing, and two
concurrent first saves do not fail (the loser of the unique-constraint race re-reads the row).
Services flush; the view commits.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, bindparam, case, func, literal, null, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from ..accounts.models import User
from ..db import db, utcnow
from . import published
from .completion import CompletionRule, LearnerFacts, attended_kinds, required_slugs
from .models import Course, CourseVersion, Enrollment, ModuleProgress, ModuleVersion


# --- enrollment ----------------------------------------------------------------------------------


def find_enrollment(user_id: int, course_id: int) -> Enrollment | None:
    return db.session.scalar(_enrollments_statement(), {"user_id": user_id, "course_ids": [course_id]})


@functools.cache
def _enrollments_statement() -> Select[tuple[Enrollment]]:
    """A user's enrollments in ``:course_ids``; built once per process (issue 14: building a
    statement took longer than running it). enrollment.course_version loads when used: the pages
    read the structure from published.versions."""
    return (select(Enrollment).options(lazyload(Enrollment.course_version))
            .where(Enrollment.user_id == bindparam("user_id"),
                   Enrollment.course_id.in_(bindparam("course_ids", expanding=True))))


@functools.cache
def _enrollment_rows_statement() -> Select[Any]:
    """The enrollments' columns (rows, not entities: the list pages only read them)."""
    table = Enrollment.__table__
    return select(*table.c).where(table.c.user_id == bindparam("user_id"),
                                  table.c.course_id.in_(bindparam("course_ids", expanding=True)))


@functools.cache
def _progress_statement() -> Select[Any]:
    """A person's progress rows in ``:version_ids``: the columns the pages read, as rows (building an
    entity per module cost more than the query; nothing here is written)."""
    table = ModuleProgress.__table__
    return select(table.c.course_version_id, table.c.module_version_id, table.c.section_reached,
                  table.c.completed_at).where(
        table.c.user_id == bindparam("user_id"),
        table.c.course_version_id.in_(bindparam("version_ids", expanding=True)))


class EnrollmentRow(NamedTuple):
    """An enrollment's columns as the list pages read them (no entity: nothing is written)."""

    id: int
    course_version_id: int
    started_at: dt.datetime
    modules_completed_at: dt.datetime | None
    last_module_version_id: int | None


def enrollment_columns() -> list[ColumnElement[Any]]:
    """An enrollment's columns labelled ``enrollment_<name>``, for a query that joins it to another
    row (the course list: see ``enrollment_of_row``)."""
    table = Enrollment.__table__
    return [table.c[name].label(f"enrollment_{name}") for name in EnrollmentRow._fields]


def enrollment_of_row(row: Any) -> EnrollmentRow | None:
    """The enrollment in a row carrying ``enrollment_columns``; None when the row has none."""
    if row.enrollment_id is None:
        return None
    return EnrollmentRow(*(getattr(row, f"enrollment_{name}") for name in EnrollmentRow._fields))


def enroll(user: User, course: Course) -> Enrollment:
    """The user's enrollment in ``course``, created on the first visit with the version published
    then. Later visits keep that version even when a newer one is published."""
    enrollment = find_enrollment(user.id, course.id)
    if enrollment is not None:
        return enrollment
    if course.published_version_id is None:
        raise ValueError(f"course {course.slug} has no published version")
    try:
        with db.session.begin_nested():
            enrollment = Enrollment(user_id=user.id, course_id=course.id,
                                    course_version_id=course.published_version_id)
            db.session.add(enrollment)
    except IntegrityError:
        # another request enrolled this user in the meantime: use theirs
        enrollment = find_enrollment(user.id, course.id)
        assert enrollment is not None
    return enrollment


def module_in_version(version: CourseVersion, module_slug: str) -> tuple[int, ModuleVersion] | None:
    """(position, module) of the module with this slug in the version, or None."""
    for index, link in enumerate(version.modules):
        if link.module.slug == module_slug:
            return index, link.module
    return None


# --- progress ------------------------------------------------------------------------------------


@dataclass
class SavedProgress:
    section_reached: int
    completed: bool
    course_completed: bool

    def as_dict(self) -> dict[str, object]:
        return {"section_reached": self.section_reached, "completed": self.completed,
                "course_completed": self.course_completed}


def _select_progress(user_id: int, version_id: int, module_id: int) -> ModuleProgress | None:
    return db.session.scalar(
        select(ModuleProgress).where(
            ModuleProgress.user_id == user_id,
            ModuleProgress.course_version_id == version_id,
            ModuleProgress.module_version_id == module_id,
        )
    )


def record_progress(user: User, enrollment: Enrollment, module_version: ModuleVersion, section_index: int,
                    completed: bool) -> SavedProgress:
    """Save that ``user`` reached ``section_index`` (0-based) of a module of their enrolled version,
    and that they finished it when ``completed``. Only moves forward; idempotent; race-safe."""
    if enrollment.user_id != user.id:
        raise ValueError("enrollment of another user")
    version = enrollment.course_version
    if all(link.module_version_id != module_version.id for link in version.modules):
        raise ValueError(f"module {module_version.id} is not part of version {version.id}")
    last = max(len(module_version.sections) - 1, 0)
    section = min(max(int(section_index), 0), last)
    if completed:
        section = last
    now = utcnow()

    progress = _select_progress(user.id, version.id, module_version.id)
    if progress is None:
        try:
            with db.session.begin_nested():
                db.session.add(ModuleProgress(
                    user_id=user.id, course_id=enrollment.course_id, course_version_id=version.id,
                    module_version_id=module_version.id, section_reached=section,
                    completed_at=now if completed else None, updated_at=now,
                ))
        except IntegrityError:
            pass  # a concurrent first save won; the forward-only update below merges ours
    # one UPDATE that only ever moves forward, whatever order requests arrive in
    values: dict[str, object] = {
        "section_reached": case((ModuleProgress.section_reached < section, section),
                                else_=ModuleProgress.section_reached),
        "updated_at": now,
    }
    if completed:
        values["completed_at"] = func.coalesce(ModuleProgress.completed_at, now)
    db.session.execute(
        update(ModuleProgress)
        .where(
            ModuleProgress.user_id == user.id,
            ModuleProgress.course_version_id == version.id,
            ModuleProgress.module_version_id == module_version.id,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    progress = _select_progress(user.id, version.id, module_version.id)
    assert progress is not None
    db.session.refresh(progress)

    if enrollment.last_module_version_id != module_version.id:
        enrollment.last_module_version_id = module_version.id
    course_completed = _update_course_completion(enrollment, now)
    db.session.flush()
    return SavedProgress(progress.section_reached, progress.completed_at is not None, course_completed)


def _update_course_completion(enrollment: Enrollment, now: dt.datetime) -> bool:
    """Set ``modules_completed_at`` once every module of the enrolled version is done (never cleared)."""
    if enrollment.modules_completed_at is not None:
        return True
    version = enrollment.course_version
    module_ids = {link.module_version_id for link in version.modules}
    done = set(db.session.scalars(
        select(ModuleProgress.module_version_id).where(
            ModuleProgress.user_id == enrollment.user_id,
            ModuleProgress.course_version_id == version.id,
            ModuleProgress.completed_at.is_not(None),
        )
    ))
    if module_ids and module_ids <= done:
        db.session.flush()
        db.session.execute(
            update(Enrollment)
            .where(Enrollment.id == enrollment.id, Enrollment.modules_completed_at.is_(None))
            .values(modules_completed_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(enrollment)
        _issue_certificates(enrollment, now)
        return True
    return False


def _issue_certificates(enrollment: Enrollment, now: dt.datetime) -> None:
    """Reading the last module may have completed the course: issue its certificate in this request."""
    from ..certificates.services import issue_due

    issue_due(enrollment.user_id, course_ids=[enrollment.course_id], now=now)


# --- what the pages show -------------------------------------------------------------------------


class ModuleState:
    NOT_STARTED = "belum"
    IN_PROGRESS = "sedang"
    DONE = "selesai"


@dataclass
class ModuleView:
    position: int
    module: ModuleVersion | published.CachedModule
    progress: ModuleProgress | None

    @property
    def sections(self) -> int:
        return max(len(self.module.sections), 1)

    @property
    def state(self) -> str:
        if self.progress is None:
            return ModuleState.NOT_STARTED
        return ModuleState.DONE if self.progress.completed_at is not None else ModuleState.IN_PROGRESS

    @property
    def sections_read(self) -> int:
        """Sections fully read: those before the one reached, or all once the module is done."""
        if self.progress is None:
            return 0
        if self.progress.completed_at is not None:
            return self.sections
        return min(self.progress.section_reached, self.sections)

    @property
    def resume_section(self) -> int:
        if self.progress is None or self.progress.completed_at is not None:
            return 0
        return min(self.progress.section_reached, self.sections - 1)

    def minutes_left(self, from_section: int | None = None) -> int:
        """Estimated minutes to finish the module, reading from ``from_section`` (default: the resume point)."""
        if from_section is None:
            if self.state == ModuleState.DONE:
                return 0
            from_section = self.resume_section
        return minutes_for(self.module, from_section)


def minutes_for(module: ModuleVersion, from_section: int) -> int:
    """The module's estimated minutes, in proportion to the words of the sections from ``from_section`` on."""
    sections = module.sections or []
    if not sections:
        return module.minutes
    total = sum(max(int(s.get("words", 0)), 1) for s in sections)
    left = sum(max(int(s.get("words", 0)), 1) for s in sections[max(from_section, 0):])
    return math.ceil(module.minutes * left / total)


class NextStep(NamedTuple):
    """The learner's next step in a course (``CourseView.next_step``)."""

    kind: str
    #: the module to read, for ``MODULE``
    module: ModuleView | None = None

    MODULE = "module"
    QUIZ = "quiz"
    PLEDGE = "pledge"
    ATTENDANCE = "attendance"
    DONE = "done"


@dataclass
class CourseView:
    """A learner's state in one course version."""

    course: Course | Any  # (an entity, or a row of its columns on the list pages)
    version: CourseVersion | published.CachedVersion
    enrollment: Enrollment | None
    modules: list[ModuleView] = field(default_factory=list)
    #: the learner has passed the quiz the version requires (``requires.quiz``)
    quiz_passed: bool = False
    #: the learner has signed the pakta integritas the version requires (``requires.pledge``)
    pledge_signed: bool = False
    #: the learner attended an event of the kind the version requires (``completion.attendance``)
    attended: bool = False

    @property
    def total_sections(self) -> int:
        return sum(m.sections for m in self.modules)

    @property
    def steps(self) -> int:
        """What finishing the course takes, in steps: one per module, plus the quiz, the pakta
        integritas and the attendance its completion rule asks for (issue 16: reading every module
        of a course that also asks for its quiz is not 99 %)."""
        rule = self.rule
        return (len(self.modules) + (rule.quiz is not None) + (rule.pledge is not None)
                + (rule.attendance is not None))

    @property
    def steps_done(self) -> float:
        """The steps done; a module being read counts for the share of its sections read (so the
        bar moves while reading), a done module, quiz passed, pakta signed or event attended for one."""
        rule = self.rule
        read = sum(m.sections_read / m.sections for m in self.modules)
        return (read + (rule.quiz is not None and self.quiz_passed)
                + (rule.pledge is not None and self.pledge_signed)
                + (rule.attendance is not None and self.attended))

    @property
    def percent(self) -> int:
        """Steps done out of ``steps``, rounded down; 100 only when the completion rule is met."""
        if self.completed:
            return 100
        total = self.steps
        return min(math.floor(100 * self.steps_done / total + 1e-9), 99) if total else 0

    @property
    def next_step(self) -> NextStep:
        """What the learner does next, in the order the course asks for it: read the first module
        not done (the one last opened when it is not done), then pass the required quiz, then sign
        the required pakta integritas, then attend the required event; once the completion rule is
        met: the certificate (or reading again)."""
        if not self.modules_completed:
            resume = self.resume
            if resume is not None:
                return NextStep(NextStep.MODULE, resume)
        if self.rule.quiz is not None and not self.quiz_passed:
            return NextStep(NextStep.QUIZ)
        if self.rule.pledge is not None and not self.pledge_signed:
            return NextStep(NextStep.PLEDGE)
        if self.rule.attendance is not None and not self.attended:
            return NextStep(NextStep.ATTENDANCE)
        return NextStep(NextStep.DONE)

    @property
    def modules_completed(self) -> bool:
        if self.enrollment is not None and self.enrollment.modules_completed_at is not None:
            return True
        return bool(self.modules) and all(m.state == ModuleState.DONE for m in self.modules)

    @property
    def required_quiz(self) -> str | None:
        """The slug of the quiz the course asks for (``requires.quiz``), if any."""
        return (self.version.requires or {}).get("quiz") or None

    @property
    def rule(self) -> CompletionRule:
        return CompletionRule.of(self.version)

    @property
    def quiz_needed(self) -> bool:
        """Completion waits for the quiz: ``completion.quiz_pass`` and a required quiz not passed yet."""
        return self.rule.quiz is not None and not self.quiz_passed

    @property
    def pledge_needed(self) -> bool:
        """Completion waits for the pakta integritas: ``completion.pledge_signed`` and not signed yet."""
        return self.rule.pledge is not None and not self.pledge_signed

    @property
    def completed(self) -> bool:
        """The completion rule (``completion.CompletionRule``): every module read and, as the version
        says, the quiz passed and the pakta integritas signed."""
        return self.rule.is_met(modules_read=self.modules_completed, quiz_passed=self.quiz_passed,
                                pledge_signed=self.pledge_signed, attended=self.attended)

    @property
    def attendance_needed(self) -> bool:
        """Completion waits for attending an event (``completion.attendance``) not attended yet."""
        return self.rule.attendance is not None and not self.attended

    @property
    def started(self) -> bool:
        return any(m.progress is not None for m in self.modules)

    @property
    def total_minutes(self) -> int:
        return sum(m.module.minutes for m in self.modules)

    @property
    def minutes_left(self) -> int:
        return sum(m.minutes_left() for m in self.modules)

    @property
    def resume(self) -> ModuleView | None:
        """Where "Lanjutkan" leads: the last module opened unless done, else the first not done."""
        if not self.modules:
            return None
        last_id = self.enrollment.last_module_version_id if self.enrollment else None
        for m in self.modules:
            if m.module.id == last_id and m.state != ModuleState.DONE:
                return m
        for m in self.modules:
            if m.state != ModuleState.DONE:
                return m
        return self.modules[0]

    def module(self, module_id: int) -> ModuleView | None:
        return next((m for m in self.modules if m.module.id == module_id), None)


def _progress_and_facts(user_id: int, versions: Iterable[Any]) -> tuple[dict[tuple[int, int], Any], LearnerFacts]:
    """The learner's progress rows in ``versions`` and the quizzes passed and pakta signed among
    those the versions require (see ``completion.learner_facts``), in ONE statement (issue 14: a
    UNION ALL of the two; every page that shows a course's state runs it); the events attended in
    one more when a version asks for attendance."""
    versions = list(versions)
    if not versions:
        return {}, LearnerFacts()
    quizzes, pledges, wants_attendance = required_slugs(versions)
    params = {"user_id": user_id, "version_ids": sorted({v.id for v in versions}),
              "quizzes": quizzes, "pledges": pledges}
    progress: dict[tuple[int, int], Any] = {}
    done: dict[str, set[str]] = {"quiz": set(), "pledge": set()}
    for row in db.session.execute(_progress_and_facts_statement(bool(quizzes), bool(pledges)), params):
        if row.kind == "progress":
            progress[(row.course_version_id, row.module_version_id)] = row
        else:
            done[row.kind].add(row.slug)
    return progress, LearnerFacts(frozenset(done["quiz"]), frozenset(done["pledge"]),
                                  attended_kinds(user_id) if wants_attendance else frozenset())


@functools.cache
def _progress_and_facts_statement(quizzes: bool, pledges: bool) -> Any:
    """``_progress_statement``'s rows (kind "progress") followed by the slugs of the quizzes passed
    (kind "quiz", among ``:quizzes``) and of the pakta signed (kind "pledge", among ``:pledges``),
    padded to one shape; built once per process."""
    from ..pledges.signed import signed_pledges
    from ..quizzes.attempts import passed_quizzes

    user = bindparam("user_id")
    parts: list[Any] = [_progress_statement().add_columns(null().label("slug"), literal("progress").label("kind"))]
    padding = (null(), null(), null(), null())
    if quizzes:
        passed = passed_quizzes(user, bindparam("quizzes", expanding=True)).subquery()
        parts.append(select(*padding, passed.c.slug, literal("quiz")))
    if pledges:
        signed = signed_pledges(user, bindparam("pledges", expanding=True)).subquery()
        parts.append(select(*padding, signed.c.slug, literal("pledge")))
    return parts[0] if len(parts) == 1 else union_all(*parts)


def course_views(user: User, courses: list[Course], enrollments: dict[int, Enrollment] | None = None) -> list[CourseView]:
    """The learner's state in each course: the enrolled version where enrolled, else the published one.
    Two queries whatever the number of courses (enrollments, progress), plus one when a course
    requires a quiz and one when a course requires a pakta integritas; the versions' structure
    comes from the per-process cache of published versions (``published.versions``). A caller that
    has already loaded the enrollments (course_id -> enrollment, every course of ``courses``
    present) passes them and saves the first query."""
    if not courses:
        return []
    if enrollments is None:
        enrollments = {
            e.course_id: e for e in db.session.execute(
                _enrollment_rows_statement(), {"user_id": user.id, "course_ids": [c.id for c in courses]})
        }
    wanted: dict[int, int] = {}
    for course in courses:
        enrollment = enrollments.get(course.id)
        version_id = enrollment.course_version_id if enrollment is not None else course.published_version_id
        if version_id is not None:
            wanted[course.id] = version_id
    cached = published.versions(wanted.values(), {version_id: course_id for course_id, version_id in wanted.items()})
    versions = {course_id: cached[version_id] for course_id, version_id in wanted.items() if version_id in cached}
    progress, facts = _progress_and_facts(user.id, versions.values())
    views = []
    for course in courses:
        version = versions.get(course.id)
        if version is None:
            continue
        modules = [ModuleView(i, link.module, progress.get((version.id, link.module_version_id)))
                   for i, link in enumerate(version.modules)]
        requires = version.requires or {}
        views.append(CourseView(course, version, enrollments.get(course.id), modules,
                                quiz_passed=requires.get("quiz") in facts.passed_quizzes,
                                pledge_signed=requires.get("pledge") in facts.signed_pledges,
                                attended=facts.attended(CompletionRule.of(version))))
    return views


def course_view(user: User, course: Course, enrollment: Enrollment | None = None) -> CourseView | None:
    """The learner's state in ``course``; ``enrollment``: theirs, when the caller has it."""
    views = course_views(user, [course], {course.id: enrollment} if enrollment is not None else None)
    return views[0] if views else None


def newer_version_available(course: Course, enrollment: Enrollment | None) -> bool:
    if enrollment is None or course.published_version_id is None:
        return False
    if course.published_version_id == enrollment.course_version_id:
        return False
    found = published.versions([course.published_version_id, enrollment.course_version_id])
    newest, mine = found.get(course.published_version_id), found.get(enrollment.course_version_id)
    return newest is not None and mine is not None and newest.number > mine.number

