"""Enqueue, claim and run jobs.

Tasks register under a kind (:func:`register`); requests :func:`enqueue` and commit; the worker
(:mod:`.cli`) claims one job at a time with :func:`claim_next` and runs it with :func:`run_job`,
which is the job's unit of work: it commits when the task succeeds, rolls back and records the
failure when it raises. A task may commit its progress at safe points (``ctx.progress(...,
commit=True)``) when nothing half-done is pending in the session.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..db import db, utcnow
from ..errors import ServiceError
from .models import Job, JobStatus

log = logging.getLogger(__name__)


class JobFailed(Exception):
    """Raised by a task to fail its job with a message for the person who started it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Task:
    """What runs a kind of job. ``run(ctx, payload)`` returns the job's result (JSON); ``failed(payload,
    message)`` runs in a fresh transaction after a failure (e.g. to mark the feature's own row)."""

    run: Callable[[JobContext, dict[str, Any]], dict[str, Any] | None]
    failed: Callable[[dict[str, Any], str], None] | None = None


TASKS: dict[str, Task] = {}
#: housekeeping the worker runs now and then (e.g. removing stale uploads); each flushes
MAINTENANCE: list[Callable[[], object]] = []


def register(kind: str, task: Task) -> None:
    TASKS[kind] = task


def register_maintenance(function: Callable[[], object]) -> None:
    if function not in MAINTENANCE:
        MAINTENANCE.append(function)


class JobContext:
    """Handed to a task: its job row, and a way to report progress."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.last: tuple[int, int | None, str | None] | None = None

    def progress(self, done: int, total: int | None = None, phase: str | None = None, *,
                 commit: bool = False) -> None:
        """Record progress.

        ``commit``: commit the session, so the page sees it at once; only where the task has
        nothing pending that must stay atomic with the rest of its work. Without it, progress made
        inside a long transaction is published through a short transaction of its own on
        PostgreSQL (the page follows it while the work stays uncommitted); SQLite has one writer
        at a time, held by that transaction, so there it shows when the task's work commits.
        """
        self.last = (done, total, phase)
        if commit:
            self.job.report(done, total, phase)
            db.session.commit()
        elif db.session.get_bind().dialect.name == "postgresql":
            self._publish(done, total, phase)
        else:
            self.job.report(done, total, phase)

    def _publish(self, done: int, total: int | None, phase: str | None) -> None:
        values: dict[str, Any] = {"done": max(0, done), "heartbeat_at": utcnow()}
        if total is not None:
            values["total"] = max(0, total)
        if phase is not None:
            values["phase"] = phase
        try:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("SET LOCAL lock_timeout = '2s'")  # never wait long on our own row
                conn.execute(update(Job).where(Job.id == self.job.id).values(**values))
        except SQLAlchemyError:
            log.warning("job %s: progress not published", self.job.id, exc_info=True)

    def settle(self) -> None:
        """Put the last reported progress on the job row of the task's own transaction."""
        if self.last is not None:
            self.job.report(*self.last)


def enqueue(kind: str, payload: dict[str, Any], *, created_by_id: int | None = None) -> Job:
    if kind not in TASKS:
        raise ValueError(f"no task registered for {kind!r}")
    job = Job(kind=kind, payload=dict(payload), status=JobStatus.QUEUED, created_by_id=created_by_id, done=0,
              total=0, attempts=0)
    db.session.add(job)
    db.session.flush()
    return job


def claim_next(worker: str) -> Job | None:
    """Take the oldest queued job for this worker, or None. One statement, so two workers never
    take the same job: PostgreSQL skips rows another transaction has locked, SQLite has one
    writer at a time. The caller commits."""
    oldest = select(Job.id).where(Job.status == JobStatus.QUEUED).order_by(Job.id).limit(1)
    if db.session.get_bind().dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    now = utcnow()
    job_id = db.session.execute(
        update(Job)
        .where(Job.id == oldest.scalar_subquery(), Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, worker=worker[:120], started_at=now, heartbeat_at=now,
                attempts=Job.attempts + 1)
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if job_id is None:
        return None
    job = db.session.get(Job, job_id)
    if job is not None:
        db.session.refresh(job)
    return job


def run_job(job_id: int) -> JobStatus:
    """Run a claimed job to its end and commit the outcome."""
    job = db.session.get(Job, job_id)
    if job is None or job.status != JobStatus.RUNNING:
        return job.status if job is not None else JobStatus.FAILED
    task = TASKS.get(job.kind)
    payload = dict(job.payload or {})
    try:
        if task is None:
            raise JobFailed(_("Jenis pekerjaan ini tidak dikenal oleh aplikasi ini."))
        ctx = JobContext(job)
        result = task.run(ctx, payload)
        ctx.settle()
        job.finish(result)
        db.session.commit()
        return JobStatus.DONE
    except Exception as exc:  # noqa: BLE001 - whatever a task raises fails its job, never the worker
        db.session.rollback()
        if isinstance(exc, (JobFailed, ServiceError)):
            message = exc.message
            log.info("job %s (%s) failed: %s", job_id, payload, message)
        else:
            log.exception("job %s (%s) crashed", job_id, payload)
            message = _("Pekerjaan gagal karena kesalahan sistem; tidak ada data yang diubah. Coba lagi atau "
                        "hubungi pengelola aplikasi.")
        failed = db.session.get(Job, job_id)
        if failed is not None:
            failed.fail(message)
            if task is not None and task.failed is not None:
                task.failed(payload, message)
        db.session.commit()
        return JobStatus.FAILED


def run_pending(worker: str, limit: int | None = None) -> int:
    """Claim and run queued jobs until none is left (or ``limit`` ran); return how many ran."""
    ran = 0
    while limit is None or ran < limit:
        job = claim_next(worker)
        db.session.commit()
        if job is None:
            break
        run_job(job.id)
        ran += 1
    return ran


def requeue_stale(older_than: dt.timedelta, max_attempts: int = 3) -> int:
    """Jobs whose worker stopped reporting (killed, machine restarted): queue them again, or fail
    them after ``max_attempts``. A task's work is one transaction, so a rerun starts clean."""
    cutoff = utcnow() - older_than
    stale = db.session.scalars(
        select(Job).where(Job.status == JobStatus.RUNNING, Job.heartbeat_at < cutoff)
    ).all()
    for job in stale:
        if job.attempts >= max_attempts:
            job.fail(_("Pekerjaan berhenti di tengah jalan beberapa kali; tidak ada data yang diubah. Coba lagi "
                       "atau hubungi pengelola aplikasi."))
            task = TASKS.get(job.kind)
            if task is not None and task.failed is not None:
                task.failed(dict(job.payload or {}), job.error or "")
        else:
            job.status = JobStatus.QUEUED
            job.worker = None
    db.session.flush()
    return len(stale)


def purge_finished(older_than: dt.timedelta) -> int:
    cutoff = utcnow() - older_than
    removed = db.session.execute(
        delete(Job)
        .where(Job.status.in_((JobStatus.DONE, JobStatus.FAILED)), Job.finished_at < cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    return removed or 0


def run_maintenance() -> None:
    """The registered housekeeping; each step in its own transaction, a failure logged, not raised."""
    for function in list(MAINTENANCE):
        try:
            function()
            db.session.commit()
        except Exception:  # noqa: BLE001
            db.session.rollback()
            log.exception("maintenance step %s failed", getattr(function, "__name__", function))
