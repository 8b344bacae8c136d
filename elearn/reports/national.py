"""The national roll-up: a maintained summary (``rekap_summary``, one row per instansi x SKPD for
the instansi's current selection) and the figures of the superadmin's ``/rekap/nasional`` page,
read from that table only.

Refreshed per instansi, in the caller's transaction: delete that instansi's rows, count once with
the counting service (reports.services.skpd_rows, one GROUP BY per SKPD) and insert the new rows, so a reader sees either the old
or the new rows of an instansi, never half. Who refreshes: ``flask --app elearn rekap refresh
[--instansi SLUG]``, the ``rekap.refresh`` job (one instansi per job), and the worker's
housekeeping, which queues a job for each instansi whose rows are older than
``REKAP_SUMMARY_MAX_AGE_MINUTES`` (or missing). Services flush; the CLI or the job commits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, insert, or_, select

from ..db import db, utcnow
from ..org.models import Instansi
from .summary_models import RekapSummary

REFRESH_JOB = "rekap.refresh"
#: housekeeping queues at most this many refresh jobs per run (the stalest first)
REFRESH_BATCH = 50


@dataclass(frozen=True)
class Selection:
    """What the figures count: a course (read every module, certified), a quiz (passed), a pakta
    campaign (signed). None: nothing of that kind is counted, nor required for "done"."""

    course_id: int | None = None
    quiz_id: int | None = None
    campaign_id: int | None = None


@dataclass(frozen=True)
class SkpdCounts:
    skpd_id: int | None
    headcount: int
    read: int
    passed: int
    signed: int
    certified: int
    done: int


def default_selection(instansi_id: int) -> Selection:
    """The instansi's current selection, as the dashboard opens without a query string
    (reports.views.load_selection): the first available course, the published quiz its published
    version requires, the campaign that opened last."""
    from ..courses.assignments import available_courses
    from ..pledges.models import Campaign
    from ..quizzes.models import Quiz, QuizStatus

    courses = available_courses(instansi_id)
    course = courses[0] if courses else None
    quiz_id = None
    if course is not None and course.published_version is not None:
        slug = (course.published_version.requires or {}).get("quiz")
        if slug:
            quiz_id = db.session.scalar(select(Quiz.id).where(
                Quiz.slug == str(slug), Quiz.status == QuizStatus.PUBLISHED,
                or_(Quiz.instansi_id.is_(None), Quiz.instansi_id == instansi_id)))
    campaign_id = db.session.scalar(
        select(Campaign.id).where(Campaign.instansi_id == instansi_id)
        .order_by(Campaign.opens_on.desc(), Campaign.id).limit(1))
    return Selection(course.id if course is not None else None, quiz_id, campaign_id)


def service_selection(instansi: Instansi, selection: Selection) -> Any:
    """The counting service's selection (reports.services.Selection) for these ids."""
    from ..courses.models import Course
    from ..pledges.models import Campaign
    from ..quizzes.models import Quiz
    from .services import Selection as RekapSelection

    def get(model: Any, key: int | None) -> Any:
        return db.session.get(model, key) if key is not None else None

    return RekapSelection.build(instansi, get(Course, selection.course_id), get(Quiz, selection.quiz_id),
                                get(Campaign, selection.campaign_id))


def count_skpd(instansi_id: int, selection: Selection) -> list[SkpdCounts]:
    """The instansi's figures per SKPD from the counting service (reports.services.skpd_rows: one
    GROUP BY over the active roster), the same numbers as the dashboard."""
    from .services import skpd_rows

    instansi = db.session.get(Instansi, instansi_id)
    if instansi is None:
        return []
    return [SkpdCounts(r.key, r.headcount, r.read, r.passed, r.signed, r.certified, r.done)
            for r in skpd_rows(service_selection(instansi, selection))]


def refresh(instansi_id: int, selection: Selection | None = None, *, now: dt.datetime | None = None) -> int:
    """Replace the instansi's summary rows with fresh counts; flushes; returns the rows written."""
    selection = selection or default_selection(instansi_id)
    counts = count_skpd(instansi_id, selection)
    now = now or utcnow()
    db.session.execute(delete(RekapSummary).where(RekapSummary.instansi_id == instansi_id)
                       .execution_options(synchronize_session=False))
    if counts:
        db.session.execute(insert(RekapSummary), [
            {"instansi_id": instansi_id, "skpd_id": c.skpd_id, "course_id": selection.course_id,
             "quiz_id": selection.quiz_id, "campaign_id": selection.campaign_id, "headcount": c.headcount,
             "read": c.read, "passed": c.passed, "signed": c.signed, "certified": c.certified, "done": c.done,
             "refreshed_at": now}
            for c in counts
        ])
    db.session.flush()
    return len(counts)


def stale_instansi(now: dt.datetime | None = None, limit: int | None = None) -> list[int]:
    """Instansi whose summary is missing or older than REKAP_SUMMARY_MAX_AGE_MINUTES, stalest first."""
    minutes = float(current_app.config.get("REKAP_SUMMARY_MAX_AGE_MINUTES", 60))
    cutoff = (now or utcnow()) - dt.timedelta(minutes=minutes)
    last = (select(RekapSummary.instansi_id, func.min(RekapSummary.refreshed_at).label("at"))
            .group_by(RekapSummary.instansi_id).subquery())
    stmt = (select(Instansi.id).outerjoin(last, last.c.instansi_id == Instansi.id)
            .where(or_(last.c.at.is_(None), last.c.at < cutoff))
            .order_by(last.c.at.is_not(None), last.c.at, Instansi.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def queue_stale_refreshes(now: dt.datetime | None = None) -> int:
    """Housekeeping: queue a refresh job for each stale instansi not already queued; flushes."""
    from ..jobs.models import Job, JobStatus
    from ..jobs.services import enqueue

    pending = {int((job.payload or {}).get("instansi_id") or 0) for job in db.session.scalars(
        select(Job).where(Job.kind == REFRESH_JOB, Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))))}
    queued = 0
    for instansi_id in stale_instansi(now, limit=REFRESH_BATCH):
        if instansi_id not in pending:
            enqueue(REFRESH_JOB, {"instansi_id": instansi_id})
            queued += 1
    db.session.flush()
    return queued


@dataclass(frozen=True)
class NationalRow:
    instansi_id: int
    slug: str
    name: str
    skpds: int
    headcount: int
    read: int
    passed: int
    signed: int
    certified: int
    done: int
    refreshed_at: dt.datetime | None

    def share(self, value: int) -> float | None:
        return value / self.headcount if self.headcount else None


def national_rows() -> list[NationalRow]:
    """Every instansi with its totals from the summary table (one query; never the roster).
    An instansi never refreshed has zeros and no refresh time."""
    s = RekapSummary
    totals = (
        select(s.instansi_id, func.count().label("skpds"), func.sum(s.headcount).label("headcount"),
               func.sum(s.read).label("read"), func.sum(s.passed).label("passed"),
               func.sum(s.signed).label("signed"), func.sum(s.certified).label("certified"),
               func.sum(s.done).label("done"), func.min(s.refreshed_at).label("refreshed_at"))
        .group_by(s.instansi_id).subquery()
    )
    rows = db.session.execute(
        select(Instansi.id, Instansi.slug, Instansi.name, totals.c.skpds, totals.c.headcount, totals.c.read,
               totals.c.passed, totals.c.signed, totals.c.certified, totals.c.done, totals.c.refreshed_at)
        .outerjoin(totals, totals.c.instansi_id == Instansi.id)
        .order_by(Instansi.name, Instansi.id)
    ).all()
    to_time = RekapSummary.__table__.c.refreshed_at.type
    result = []
    for r in rows:
        at = r[10]
        if at is not None and not isinstance(at, dt.datetime):  # SQLite gives min() back as text
            at = dt.datetime.fromisoformat(str(at))
        if at is not None:
            at = to_time.process_result_value(at, None)
        result.append(NationalRow(r[0], r[1], r[2], int(r[3] or 0), *(int(v or 0) for v in r[4:10]), at))
    return result


def national_totals(rows: list[NationalRow]) -> NationalRow:
    times = [r.refreshed_at for r in rows if r.refreshed_at is not None]
    return NationalRow(0, "", "", sum(r.skpds for r in rows), sum(r.headcount for r in rows),
                       sum(r.read for r in rows), sum(r.passed for r in rows), sum(r.signed for r in rows),
                       sum(r.certified for r in rows), sum(r.done for r in rows), min(times) if times else None)
