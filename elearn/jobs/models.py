"""A queued piece of work and how far it got."""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
from ..org.models import enum_column


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: which registered task runs it, e.g. "roster.import"
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, 16), default=JobStatus.QUEUED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: progress as the task reports it: a phase name (the task's own words) and done/total units
    phase: Mapped[str | None] = mapped_column(String(64))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: why it failed, for the page (the log has the traceback)
    error: Mapped[str | None] = mapped_column(String(1000))
    #: "host:pid" of the worker that claimed it
    worker: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_pending(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    def report(self, done: int, total: int | None = None, phase: str | None = None) -> None:
        self.done = max(0, done)
        if total is not None:
            self.total = max(0, total)
        if phase is not None:
            self.phase = phase
        self.heartbeat_at = utcnow()

    def finish(self, result: dict[str, Any] | None) -> None:
        if self.status != JobStatus.RUNNING:
            raise ValueError(f"job {self.id} is {self.status}, not running")
        self.status = JobStatus.DONE
        self.result = result
        self.error = None
        self.finished_at = utcnow()

    def fail(self, reason: str) -> None:
        self.status = JobStatus.FAILED
        self.error = reason[:1000]
        self.finished_at = utcnow()

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"
