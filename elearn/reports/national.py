"""The national roll-up: a maintained summary (``rekap_summary``, one row per instansi x SKPD for
the instansi's current selection) and the figures of the superadmin's ``/rekap/nasional`` page,
read from that table only.

Refreshed per instansi, in the caller's transaction: delete that instansi's rows, count once with
one GROUP BY per SKPD (:func:`count_skpd`) and insert the new rows, so a reader sees either the old
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
from sqlalchemy import Integer, and_, cast, delete, func, insert, literal, or_, select

from ..accounts.models import User
from ..db import db, utcnow
from ..org.models import Instansi, Unit
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
    """The instansi's current selection: the course of its latest active assignment, the quiz that
    course's published version requires, the campaign that opened last."""
    from ..courses.models import Course, CourseAssignment, CourseVersion
    from ..pledges.models import Campaign
    from ..quizzes.models import Quiz

    course_id = db.session.scalar(
        select(CourseAssignment.course_id)
        .where(CourseAssignment.instansi_id == instansi_id, CourseAssignment.active.is_(True))
        .order_by(CourseAssignment.created_at.desc(), CourseAssignment.id.desc()).limit(1))
    quiz_id = None
    if course_id is not None:
        requires = db.session.scalar(
            select(CourseVersion.requires).join(Course, Course.published_version_id == CourseVersion.id)
            .where(Course.id == course_id))
        slug = (requires or {}).get("quiz")
        if slug:
            quiz_id = db.session.scalar(select(Quiz.id).where(
                Quiz.slug == str(slug), or_(Quiz.instansi_id.is_(None), Quiz.instansi_id == instansi_id)))
    campaign_id = db.session.scalar(
        select(Campaign.id).where(Campaign.instansi_id == instansi_id)
        .order_by(Campaign.opens_on.desc(), Campaign.id.desc()).limit(1))
    return Selection(course_id, quiz_id, campaign_id)


def person_facts(instansi_id: int, selection: Selection) -> Any:
    """One row per active person of the instansi: skpd_id and 0/1 for read, passed, signed,
    certified, done (a subquery). Every fact is a correlated EXISTS on an index."""
    from ..certificates.models import Certificate, CertificateState
    from ..courses.models import Enrollment
    from ..pledges.models import PledgeSignature
    from ..quizzes.models import Attempt

    facts: dict[str, Any] = {}
    if selection.course_id is not None:
        facts["read"] = select(Enrollment.id).where(
            Enrollment.user_id == User.id, Enrollment.course_id == selection.course_id,
            Enrollment.modules_completed_at.is_not(None)).exists()
        facts["certified"] = select(Certificate.id).where(
            Certificate.user_id == User.id, Certificate.course_id == selection.course_id,
            Certificate.state == CertificateState.VALID).exists()
    if selection.quiz_id is not None:
        facts["passed"] = select(Attempt.id).where(
            Attempt.user_id == User.id, Attempt.quiz_id == selection.quiz_id, Attempt.passed.is_(True)).exists()
    if selection.campaign_id is not None:
        facts["signed"] = select(PledgeSignature.id).where(
            PledgeSignature.user_id == User.id, PledgeSignature.campaign_id == selection.campaign_id).exists()
    columns = [Unit.skpd_id.label("skpd_id")]
    for name in ("read", "passed", "signed", "certified"):
        condition = facts.get(name)
        columns.append((cast(condition, Integer) if condition is not None else literal(0)).label(name))
    done = and_(*facts.values()) if facts else None
    columns.append((cast(done, Integer) if done is not None else literal(0)).label("done"))
    return (
        select(*columns)
        .select_from(User)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.instansi_id == instansi_id, User.active.is_(True))
    )


def count_skpd(instansi_id: int, selection: Selection) -> list[SkpdCounts]:
    """The instansi's figures per SKPD: one GROUP BY over the active roster."""
    facts = person_facts(instansi_id, selection).subquery()
    rows = db.session.execute(
        select(facts.c.skpd_id, func.count(), func.sum(facts.c.read), func.sum(facts.c.passed),
               func.sum(facts.c.signed), func.sum(facts.c.certified), func.sum(facts.c.done))
        .group_by(facts.c.skpd_id)
    ).all()
    return [SkpdCounts(r[0], int(r[1]), *(int(v or 0) for v in r[2:])) for r in rows]


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
