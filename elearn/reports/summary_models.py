"""The national roll-up's maintained summary: one row per instansi x SKPD for the instansi's
current selection (course, quiz, pakta campaign), refreshed per instansi (national.refresh).

The grain is kept small on purpose: 5.6 million ASN in ~550 instansi of ~40 SKPD each is ~25,000
rows, so the national page sums a small table and never touches the roster."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class RekapSummary(Base):
    __tablename__ = "rekap_summary"
    __table_args__ = (Index("ix_rekap_summary_instansi_skpd", "instansi_id", "skpd_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"))
    #: the perangkat daerah; None for people without a unit
    skpd_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    #: the selection the figures count (None: nothing of that kind chosen for the instansi)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("pledge_campaigns.id", ondelete="CASCADE"))
    #: active people on the roster
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    read: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    signed: Mapped[int] = mapped_column(Integer, default=0)
    certified: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    refreshed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RekapSnapshot(Base):
    """The dashboard's counted figures (``/rekap/`` of a whole instansi, or an operator's own
    SKPD) for one exact selection, kept so that the page is served without counting the roster on
    every request (``reports.snapshots``). ``selection_key`` is the unique key of
    (instansi, skpd filter, course, quiz, campaign), spelt out because NULLs never collide in a
    unique index."""

    __tablename__ = "rekap_snapshots"
    __table_args__ = (Index("ix_rekap_snapshots_instansi", "instansi_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_key: Mapped[str] = mapped_column(String(120), unique=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"))
    #: the operator's own SKPD; None: the whole instansi
    skpd_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("pledge_campaigns.id", ondelete="CASCADE"))
    #: {"skpd": [...], "heads": [...], "progress": {...} or None} (reports.snapshots)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the counted data changed in bulk (a roster import): served only until the recount lands
    stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: when a background recount (``rekap.snapshot`` job) was queued; None when none is pending
    refresh_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
