"""The demo's learning: load the shipped courses from ``courses/``, assign them to the demo
instansi, and leave realistic reading progress across perangkat daerah (some done, some
half-way, some not started) — as far as each SKPD's drive goes (``pace.py``), started at times
drawn from the campaign's pace (busier after each apel and in the later weeks). Choices come from
the demo's seeded ``random.Random``; rows go in with batched Core inserts. Flushes only.

Only people who have activated their account (and are not one of the printed demo accounts)
get progress: the demo accounts start fresh so a visitor can try the reader themselves.
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from flask import current_app
from sqlalchemy import insert, select

from ..accounts.models import Role, User
from ..courses.assignments import assign
from ..courses.models import Course, CourseVersion, Enrollment, ModuleProgress
from ..db import db, utcnow
from ..org.models import Instansi, Unit
from .pace import Pace

BATCH = 1000
R = TypeVar("R")
#: days from today until the instansi-wide assignment is due
DUE_IN_DAYS = 14
#: the share of an SKPD's activated people who finished the reading, times its drive
DONE_OF_DRIVE = 0.97


@dataclass
class CourseDemo:
    courses: list[str] = field(default_factory=list)
    done: int = 0
    in_progress: int = 0
    not_started: int = 0
    #: why no course was loaded (no folders, invalid content), for the CLI to print
    note: str = ""


def content_root() -> Path:
    configured = current_app.config.get("CONTENT_ROOT")
    return Path(configured) if configured else Path(current_app.root_path).parent / "courses"


def sync_shipped(root: Path, marker: str, what: str, sync: Callable[[Path], R]) -> tuple[R | None, str]:
    """Sync the content folders under ``root`` (each holding ``marker``) with ``sync``: (its report, "")
    or (None, why nothing was loaded: no folders, invalid content) for the CLI to print."""
    if not root.is_dir() or not any(root.glob(f"*/{marker}")):
        return None, f"no {what} folders in {root}"
    from ..content.courses import ContentInvalid

    try:
        report = sync(root)
    except ContentInvalid as exc:
        return None, f"{what}s in {root} are not valid ({len(exc.errors)} errors): run `content validate`"
    db.session.flush()
    return report, ""


def load_shipped_courses(root: Path) -> tuple[list[Course], str]:
    """Sync the course folders (idempotent: an unchanged folder makes no new version)."""
    from ..content.courses import sync_courses

    report, note = sync_shipped(root, "course.yaml", "course", sync_courses)
    if report is None:
        return [], note
    courses = list(db.session.scalars(
        select(Course).where(Course.slug.in_(list(report.courses)), Course.published_version_id.is_not(None))
        .order_by(Course.slug)
    ))
    return courses, ""


def seed_courses(instansi: Instansi, rng: random.Random, exclude_user_ids: set[int],
                 assigned_by_id: int | None = None, root: Path | None = None, pace: Pace | None = None) -> CourseDemo:
    result = CourseDemo()
    courses, result.note = load_shipped_courses(root or content_root())
    if not courses:
        return result
    today = dt.date.today()
    now = utcnow()
    actor = db.session.get(User, assigned_by_id) if assigned_by_id is not None else None
    for course in courses:
        # through the service HR uses: one audited, instansi-wide assignment per course
        assign(course, instansi, [], today + dt.timedelta(days=DUE_IN_DAYS), actor)
        result.courses.append(course.slug)

    people = db.session.execute(
        select(User.id, Unit.skpd_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(User.instansi_id == instansi.id, User.role == Role.PESERTA, User.active.is_(True),
               User.password_hash.is_not(None))
        .order_by(User.id)
    ).all()
    skpd_ids = sorted({skpd_id for _uid, skpd_id in people})
    if pace is None:
        pace = Pace.build(rng, instansi, skpd_ids, now)
    # each perangkat daerah has its own drive (pace.py): the share done, and half of the rest half-way
    shares = {skpd: (pace.drive.get(skpd, 0.5) * DONE_OF_DRIVE, (1 - pace.drive.get(skpd, 0.5) * DONE_OF_DRIVE) / 2)
              for skpd in skpd_ids}

    enrollments: list[dict[str, object]] = []
    progress: list[dict[str, object]] = []
    for course in courses:
        version = db.session.get(CourseVersion, course.published_version_id)
        assert version is not None
        modules = [link.module for link in version.modules]
        for user_id, skpd_id in people:
            if user_id in exclude_user_ids:
                continue
            done_share, half_share = shares[skpd_id]
            roll = rng.random()
            if roll >= done_share + half_share:
                result.not_started += 1
                continue
            started = pace.moment(rng)
            finished = roll < done_share
            done_modules = len(modules) if finished else rng.randint(0, len(modules) - 1)
            stamp = started
            for position, module in enumerate(modules[: done_modules + (0 if finished else 1)]):
                # most read a module in one sitting, some come back the next days
                gap = rng.randint(5, 90) if rng.random() < 0.7 else rng.randint(60 * 12, 60 * 24 * 3)
                stamp = stamp + dt.timedelta(minutes=gap)
                complete = position < done_modules
                sections = max(len(module.sections), 1)
                progress.append({
                    "user_id": user_id, "course_id": course.id, "course_version_id": version.id,
                    "module_version_id": module.id,
                    "section_reached": sections - 1 if complete else rng.randint(0, sections - 1),
                    "completed_at": min(stamp, now) if complete else None, "updated_at": min(stamp, now),
                })
            last = modules[min(done_modules, len(modules) - 1)]
            enrollments.append({
                "user_id": user_id, "course_id": course.id, "course_version_id": version.id,
                "started_at": started, "modules_completed_at": min(stamp, now) if finished else None,
                "last_module_version_id": last.id,
            })
            if finished:
                result.done += 1
            else:
                result.in_progress += 1
    for table, rows in ((Enrollment.__table__, enrollments), (ModuleProgress.__table__, progress)):
        for start in range(0, len(rows), BATCH):
            db.session.execute(insert(table), rows[start:start + BATCH])
    db.session.flush()
    return result
