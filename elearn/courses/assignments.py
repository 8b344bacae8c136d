"""Course assignments: HR assigns a course to a whole instansi, to SKPDs or to units (with
their subtrees), with an optional due date. Services flush; the view commits.

``assigned_courses_for(user)`` is what the reader calls to show a participant the courses
assigned to them first.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import contains_eager

from ..accounts.models import User
from ..db import db
from .models import Course, CourseAssignment, CourseVersion, VersionStatus


def assigned_courses_for(user: User) -> list[tuple[Course, dt.date | None]]:
    """Courses assigned to ``user`` by an active assignment covering them: instansi-wide, or to
    their unit or any unit above it. One entry per course with the earliest due date among the
    covering assignments; ordered by due date (none last), then title. One query."""
    if not getattr(user, "is_authenticated", False) or user.instansi_id is None:
        return []
    # the user's unit is loaded with the user (joined); its path lists the unit and its ancestors
    unit_ids = user.unit.ancestor_ids() if user.unit is not None else []
    covering = [CourseAssignment.unit_id.is_(None)]
    if unit_ids:
        covering.append(CourseAssignment.unit_id.in_(unit_ids))
    due = (
        select(CourseAssignment.course_id, func.min(CourseAssignment.due_date).label("due"))
        .where(
            CourseAssignment.instansi_id == user.instansi_id,
            CourseAssignment.active.is_(True),
            or_(*covering),
        )
        .group_by(CourseAssignment.course_id)
        .subquery()
    )
    stmt = (
        select(Course, due.c.due)
        .join(due, due.c.course_id == Course.id)
        .join(CourseVersion, CourseVersion.id == Course.published_version_id)
        .options(contains_eager(Course.published_version))
        .where(
            or_(Course.instansi_id.is_(None), Course.instansi_id == user.instansi_id),
            CourseVersion.status == VersionStatus.PUBLISHED,
        )
        .order_by(case((due.c.due.is_(None), 1), else_=0), due.c.due, CourseVersion.title, Course.id)
    )
    return [(course, due_date) for course, due_date in db.session.execute(stmt).unique()]
