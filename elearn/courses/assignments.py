"""Course assignments: HR assigns a course to a whole instansi, to SKPDs or to units (with
their subtrees), with an optional due date. Services flush; the view commits.

``assigned_courses_for(user)`` is what the reader calls to show a participant the courses
assigned to them first.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, case, false, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, lazyload

from .. import authz
from ..accounts.models import User
from ..audit.services import record
from ..db import db
from ..errors import ServiceError
from ..org.models import Instansi, Unit
from .completion import completed_condition, version_rules
from .models import Course, CourseAssignment, CourseVersion, Enrollment, VersionStatus


def assignment_params(user: User) -> dict[str, Any] | None:
    """The bind parameters of :func:`due_dates` for ``user``: their instansi and their unit with the
    units above it; None when nothing can be assigned to them (no instansi)."""
    if not getattr(user, "is_authenticated", False) or user.instansi_id is None:
        return None
    # the user's unit is loaded with the user (joined); its path lists the unit and its ancestors
    return {"instansi_id": user.instansi_id,
            "unit_ids": user.unit.ancestor_ids() if user.unit is not None else []}


def due_dates(with_units: bool) -> Any:
    """A subquery (course_id, due) of the courses assigned by an active assignment of
    ``:instansi_id`` covering a person: instansi-wide, or (``with_units``) to one of ``:unit_ids``
    (their unit and the units above it), with the earliest due date among those assignments."""
    covering = [CourseAssignment.unit_id.is_(None)]
    if with_units:
        covering.append(CourseAssignment.unit_id.in_(bindparam("unit_ids", expanding=True)))
    return (
        select(CourseAssignment.course_id, func.min(CourseAssignment.due_date).label("due"))
        .where(
            CourseAssignment.instansi_id == bindparam("instansi_id"),
            CourseAssignment.active.is_(True),
            or_(*covering),
        )
        .group_by(CourseAssignment.course_id)
        .subquery()
    )


@functools.cache
def _assigned_statement(with_units: bool) -> Select[Any]:
    """Built once per process (issue 14: building a statement took longer than running it)."""
    due = due_dates(with_units)
    return (
        select(Course, due.c.due)
        .join(due, due.c.course_id == Course.id)
        .join(CourseVersion, CourseVersion.id == Course.published_version_id)
        # (the version's structure comes from published.versions where it is needed, not with every course)
        .options(lazyload(Course.published_version))
        .where(
            or_(Course.instansi_id.is_(None), Course.instansi_id == bindparam("instansi_id")),
            CourseVersion.status == VersionStatus.PUBLISHED,
        )
        .order_by(case((due.c.due.is_(None), 1), else_=0), due.c.due, CourseVersion.title, Course.id)
    )


def assigned_courses_for(user: User) -> list[tuple[Course, dt.date | None]]:
    """Courses assigned to ``user`` by an active assignment covering them: instansi-wide, or to
    their unit or any unit above it. One entry per course with the earliest due date among the
    covering assignments; ordered by due date (none last), then title. One query."""
    params = assignment_params(user)
    if params is None:
        return []
    stmt = _assigned_statement(bool(params["unit_ids"]))
    return [(course, due_date) for course, due_date in db.session.execute(stmt, params).unique()]


# --- managing assignments (HR) -------------------------------------------------------------


def today_in(instansi: Instansi) -> dt.date:
    """Today's date where the instansi is (WIB, WITA or WIT)."""
    return dt.datetime.now(ZoneInfo(instansi.timezone.iana)).date()


def available_courses(instansi_id: int) -> list[Course]:
    """Courses an instansi's HR may assign: shipped ones and the instansi's own, published."""
    stmt = (
        select(Course)
        .join(CourseVersion, CourseVersion.id == Course.published_version_id)
        .options(contains_eager(Course.published_version))
        .where(
            or_(Course.instansi_id.is_(None), Course.instansi_id == instansi_id),
            CourseVersion.status == VersionStatus.PUBLISHED,
        )
        .order_by(CourseVersion.title, Course.id)
    )
    return list(db.session.scalars(stmt).unique())


def _check_due_date(instansi: Instansi, due_date: dt.date | None) -> None:
    if due_date is not None and due_date < today_in(instansi):
        raise ServiceError(
            _("Tenggat tidak boleh tanggal yang sudah lewat. Pilih hari ini atau tanggal sesudahnya."),
            "due_in_past",
        )


def _course_title(course: Course) -> str:
    return course.published_version.title if course.published_version is not None else course.slug


def target_label(instansi: Instansi, unit: Unit | None, names: dict[int, str] | None = None) -> str:
    """"Seluruh instansi" or the unit's path of names, e.g. "Dinas Pendidikan › SD Negeri 1"."""
    if unit is None:
        return _("Seluruh %(instansi)s", instansi=instansi.name)
    if names is None:
        ids = unit.ancestor_ids()
        names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())
    return " › ".join(names.get(i, "?") for i in unit.ancestor_ids())


def assign(
    course: Course,
    instansi: Instansi,
    units: list[Unit],
    due_date: dt.date | None,
    actor: User | None,
) -> list[CourseAssignment]:
    """Assign ``course`` to the whole ``instansi`` (``units`` empty) or to each of ``units`` (with
    their subtrees). Assigning again to the same target updates its due date (and reactivates a
    withdrawn assignment) instead of adding a second row. Authorization is the caller's job."""
    if course.published_version_id is None or (
        course.instansi_id is not None and course.instansi_id != instansi.id
    ):
        raise ServiceError(_("Kursus ini tidak tersedia untuk instansi ini."), "course_unavailable")
    for unit in units:
        if unit.instansi_id != instansi.id:
            raise ServiceError(_("Unit berasal dari instansi lain."), "bad_unit")
    _check_due_date(instansi, due_date)
    targets: list[Unit | None] = list({u.id: u for u in units}.values()) if units else [None]
    existing = {
        a.unit_id: a
        for a in db.session.scalars(
            select(CourseAssignment)
            .where(
                CourseAssignment.course_id == course.id,
                CourseAssignment.instansi_id == instansi.id,
                or_(
                    CourseAssignment.unit_id.in_([u.id for u in targets if u is not None]),
                    CourseAssignment.unit_id.is_(None) if None in targets else false(),
                ),
            )
            .order_by(CourseAssignment.active.desc(), CourseAssignment.id)
        )
    }
    title = _course_title(course)
    result: list[CourseAssignment] = []
    for unit in targets:
        unit_id = unit.id if unit is not None else None
        details = {"course": title, "target": target_label(instansi, unit), "due_date": _iso(due_date)}
        assignment = existing.get(unit_id)
        if assignment is not None and assignment.active:
            if assignment.due_date != due_date:
                details["old_due_date"] = _iso(assignment.due_date)
                assignment.due_date = due_date
                record("course.assign_due", actor=actor, instansi_id=instansi.id, target=assignment,
                       details=details)
        else:
            if assignment is None:
                assignment = CourseAssignment(course_id=course.id, instansi_id=instansi.id, unit_id=unit_id)
                db.session.add(assignment)
            assignment.active = True
            assignment.due_date = due_date
            assignment.assigned_by_id = actor.id if actor is not None else None
            db.session.flush()
            record("course.assign", actor=actor, instansi_id=instansi.id, target=assignment, details=details)
        result.append(assignment)
    db.session.flush()
    return result


def set_due_date(assignment: CourseAssignment, due_date: dt.date | None, actor: User | None) -> bool:
    """Change an active assignment's due date; False when nothing changed."""
    instansi = db.session.get(Instansi, assignment.instansi_id)
    assert instansi is not None
    if not assignment.active:
        raise ServiceError(_("Penugasan ini sudah ditarik."), "inactive")
    if assignment.due_date == due_date:
        return False
    _check_due_date(instansi, due_date)
    unit = db.session.get(Unit, assignment.unit_id) if assignment.unit_id is not None else None
    record("course.assign_due", actor=actor, instansi_id=instansi.id, target=assignment, details={
        "course": _course_title(assignment.course), "target": target_label(instansi, unit),
        "due_date": _iso(due_date), "old_due_date": _iso(assignment.due_date),
    })
    assignment.due_date = due_date
    db.session.flush()
    return True


def withdraw(assignment: CourseAssignment, actor: User | None) -> None:
    """Deactivate an assignment (kept for the record; assigning again reactivates it)."""
    if not assignment.active:
        raise ServiceError(_("Penugasan ini sudah ditarik."), "inactive")
    instansi = db.session.get(Instansi, assignment.instansi_id)
    assert instansi is not None
    unit = db.session.get(Unit, assignment.unit_id) if assignment.unit_id is not None else None
    assignment.active = False
    record("course.unassign", actor=actor, instansi_id=instansi.id, target=assignment, details={
        "course": _course_title(assignment.course), "target": target_label(instansi, unit),
        "due_date": _iso(assignment.due_date),
    })
    db.session.flush()


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- listing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """How far the people covered by an assignment are with its course."""

    people: int = 0
    #: started the course (an enrollment exists)
    started: int = 0
    #: read every module
    read: int = 0
    #: finished the course by its completion rule (``completion.CompletionRule``: every module read
    #: and, as the course asks, its quiz passed and its pakta integritas signed)
    completed: int = 0


@dataclass
class AssignmentRow:
    assignment: CourseAssignment
    instansi: Instansi
    unit: Unit | None
    target: str
    assigned_by: str | None
    status: Coverage = Coverage()

    @property
    def people(self) -> int:
        return self.status.people

    @property
    def title(self) -> str:
        return _course_title(self.assignment.course)


def assignments_query(user: User, instansi_id: int | None, course_id: int | None = None) -> Select[Any]:
    """Active assignments the user may manage (optionally of one instansi / one course), with
    their instansi, unit and assigner; ordered by due date (none last), then course title."""
    assigner = aliased(User)
    stmt = (
        select(CourseAssignment, Instansi, Unit, assigner.name)
        .join(Instansi, Instansi.id == CourseAssignment.instansi_id)
        .outerjoin(Unit, Unit.id == CourseAssignment.unit_id)
        .outerjoin(assigner, assigner.id == CourseAssignment.assigned_by_id)
        .join(Course, Course.id == CourseAssignment.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == Course.published_version_id)
        .where(CourseAssignment.active.is_(True))
        .order_by(
            case((CourseAssignment.due_date.is_(None), 1), else_=0),
            CourseAssignment.due_date,
            CourseVersion.title,
            Unit.sort_key,
            CourseAssignment.id,
        )
    )
    if instansi_id is not None:
        stmt = stmt.where(CourseAssignment.instansi_id == instansi_id)
    if course_id is not None:
        stmt = stmt.where(CourseAssignment.course_id == course_id)
    return authz.scope_assignments(stmt, user)


def build_rows(raw: list[Any], skpd_id: int | None = None) -> list[AssignmentRow]:
    """Turn (assignment, instansi, unit, assigner name) rows into display rows, with target
    labels (one query for every unit name on the paths) and coverage (one GROUP BY), counted
    among the people of the SKPD ``skpd_id`` only when given (an operator's view)."""
    ancestor_ids = {i for _a, _i, unit, _n in raw if unit is not None for i in unit.ancestor_ids()}
    names: dict[int, str] = {}
    if ancestor_ids:
        names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ancestor_ids))).all())
    rows = [
        AssignmentRow(assignment=a, instansi=i, unit=u, target=target_label(i, u, names), assigned_by=n)
        for a, i, u, n in raw
    ]
    counts = coverage([r.assignment.id for r in rows], skpd_id)
    for row in rows:
        row.status = counts.get(row.assignment.id, Coverage())
    return rows


def coverage(assignment_ids: list[int], skpd_id: int | None = None) -> dict[int, Coverage]:
    """Active people covered by each assignment (everyone in the instansi for an instansi-wide
    assignment, else everyone whose unit lies in the target unit's subtree), and how many of
    them started the course, read every module and finished it; with ``skpd_id``, only the
    people of that SKPD (an operator sees an instansi-wide assignment through their own SKPD:
    ``authz.assignment_figures_skpd``). One query for the versions of the courses, one GROUP BY
    for all assignments."""
    if not assignment_ids:
        return {}
    rules = version_rules(select(CourseAssignment.course_id).where(CourseAssignment.id.in_(assignment_ids)))
    target = aliased(Unit)
    home = aliased(Unit)
    stmt = (
        select(
            CourseAssignment.id,
            func.count(User.id),
            func.count(Enrollment.id),
            func.count(Enrollment.modules_completed_at),
            func.count(case((completed_condition(rules, User.id), Enrollment.id))),
        )
        .join(User, User.instansi_id == CourseAssignment.instansi_id)
        .outerjoin(target, target.id == CourseAssignment.unit_id)
        .outerjoin(home, home.id == User.unit_id)
        .outerjoin(Enrollment, and_(Enrollment.user_id == User.id, Enrollment.course_id == CourseAssignment.course_id))
        .where(
            CourseAssignment.id.in_(assignment_ids),
            User.active.is_(True),
            or_(
                CourseAssignment.unit_id.is_(None),
                and_(home.instansi_id == target.instansi_id, home.path.startswith(target.path)),
            ),
        )
        .group_by(CourseAssignment.id)
    )
    if skpd_id is not None:
        stmt = stmt.where(home.skpd_id == skpd_id)
    return {
        assignment_id: Coverage(people=people, started=started, read=read, completed=completed)
        for assignment_id, people, started, read, completed in db.session.execute(stmt).all()
    }


def people_covered(assignment_ids: list[int]) -> dict[int, int]:
    """Active people covered by each assignment (see ``coverage``)."""
    return {assignment_id: c.people for assignment_id, c in coverage(assignment_ids).items()}


def assignment_status(assignment: CourseAssignment) -> Coverage:
    """People covered by one assignment and how many started / read / finished its course."""
    return coverage([assignment.id]).get(assignment.id, Coverage())


def instansi_wide_query(instansi_id: int) -> Select[Any]:
    """Active instansi-wide assignments of an instansi, as (assignment, instansi, unit, assigner
    name) rows for ``build_rows``: an operator SKPD sees them read-only, with their own SKPD's
    figures (the admin BKPSDM manages them in the main list)."""
    assigner = aliased(User)
    return (
        select(CourseAssignment, Instansi, Unit, assigner.name)
        .join(Instansi, Instansi.id == CourseAssignment.instansi_id)
        .outerjoin(Unit, Unit.id == CourseAssignment.unit_id)
        .outerjoin(assigner, assigner.id == CourseAssignment.assigned_by_id)
        .join(Course, Course.id == CourseAssignment.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == Course.published_version_id)
        .where(
            CourseAssignment.instansi_id == instansi_id,
            CourseAssignment.unit_id.is_(None),
            CourseAssignment.active.is_(True),
        )
        .order_by(case((CourseAssignment.due_date.is_(None), 1), else_=0), CourseAssignment.due_date,
                  CourseVersion.title, CourseAssignment.id)
    )
