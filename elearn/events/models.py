"""Events (apel pagi, sosialisasi, bimtek), their audience and speakers, attendance and live answers.

An ``Event`` belongs to an instansi (and, when an operator SKPD created it, to their SKPD). Its
times are stored in UTC; forms and pages show them in the instansi's time zone. ``secret`` keys the
rotating check-in code (``codes.py``): it never leaves the server.

**Live state** lives on the event row, so every app server (and a presenter who closed the
browser) sees the same: ``live_phase``, ``live_position`` (index into ``live_questions``, the
question versions frozen when the live quiz started) and ``live_version``, bumped on every change:
phones poll it cheaply (the ETag of the state endpoint).

``Attendance`` is one row per person and event (unique), with how it was made (scan, typed code, by
hand, from a paper list) and the person's unit/SKPD at that moment (reports per SKPD keep what was
true at the event). ``LiveAnswer`` is one row per person, event and question position (unique): a
double tap or a retry lands on the same row.
"""
from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ..org.models import Instansi, enum_column


class EventKind(enum.StrEnum):
    APEL = "apel"
    SOSIALISASI = "sosialisasi"
    BIMTEK = "bimtek"


class LivePhase(enum.StrEnum):
    #: nothing on the phones yet (check-in, the event's label)
    WAITING = "waiting"
    #: a question is open: phones answer, the projector counts answers coming in
    OPEN = "open"
    #: answers closed: the projector shows the distribution
    CLOSED = "closed"
    #: the right answer, its feedback and the rule it rests on
    REVEALED = "revealed"
    #: the pakta campaign is open on every phone; the projector counts signatures
    SIGNING = "signing"
    #: the event is over: phones show thanks (and their results)
    ENDED = "ended"


class CheckinMethod(enum.StrEnum):
    SCAN = "scan"
    CODE = "code"
    MANUAL = "manual"
    IMPORT = "import"


def new_secret() -> str:
    return secrets.token_hex(32)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_instansi_starts", "instansi_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"))
    #: the SKPD of the operator who created it (they manage it); None: the instansi's (admin BKPSDM)
    skpd_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, 16))
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    #: start and end (UTC); entered and shown in the instansi's time zone
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: check-in is open from this many minutes before the start ...
    checkin_before_minutes: Mapped[int] = mapped_column(Integer, default=30)
    #: ... to this many minutes after it
    checkin_after_minutes: Mapped[int] = mapped_column(Integer, default=15)
    #: True: the whole instansi (or the owner SKPD) is invited; False: the units in ``audience``
    audience_all: Mapped[bool] = mapped_column(Boolean, default=True)
    #: people outside the audience may check in (recorded as such); False: refused
    outsiders_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    #: what happens there (each optional): a course to start, a quiz to play live, a pakta campaign
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quizzes.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("pledge_campaigns.id", ondelete="SET NULL"))
    #: show the answers' leaderboard per SKPD on the projector (never per person)
    leaderboard: Mapped[bool] = mapped_column(Boolean, default=False)
    #: keys the rotating check-in code (codes.py); never shown
    secret: Mapped[str] = mapped_column(String(64), default=new_secret)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # --- live state (one row, shared by every app server) ---
    live_phase: Mapped[LivePhase] = mapped_column(enum_column(LivePhase, 16), default=LivePhase.WAITING)
    #: index into live_questions of the current question (None: none shown yet)
    live_position: Mapped[int | None] = mapped_column(Integer)
    #: question_versions ids in the order they are played, frozen when the live quiz starts
    live_questions: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: bumped on every change of the live state (the phones' ETag)
    live_version: Mapped[int] = mapped_column(Integer, default=0)
    live_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    instansi: Mapped[Instansi] = relationship(lazy="joined")
    # loaded when used (the detail and edit pages, the audience rule), not with every event: the
    # phones' live requests load the event on each poll and fetch
    speakers: Mapped[list[EventSpeaker]] = relationship(
        order_by="EventSpeaker.position", cascade="all, delete-orphan", lazy="select", back_populates="event")
    audience: Mapped[list[EventAudienceUnit]] = relationship(cascade="all, delete-orphan", lazy="select")

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    def checkin_window(self) -> tuple[dt.datetime, dt.datetime]:
        """(opens, closes) in UTC."""
        return (self.starts_at - dt.timedelta(minutes=self.checkin_before_minutes),
                self.starts_at + dt.timedelta(minutes=self.checkin_after_minutes))

    def checkin_open(self, now: dt.datetime) -> bool:
        opens, closes = self.checkin_window()
        return not self.cancelled and opens <= now <= closes

    def bump(self, now: dt.datetime | None = None) -> None:
        """Record a change of the live state (phones see a new version)."""
        self.live_version = (self.live_version or 0) + 1
        self.live_changed_at = now or utcnow()

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind} {self.title!r}>"


class EventSpeaker(Base):
    __tablename__ = "event_speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    #: e.g. Bawaslu Kota, BKN Kantor Regional, Inspektorat
    institution: Mapped[str] = mapped_column(String(200), default="")

    event: Mapped[Event] = relationship(back_populates="speakers")


class EventAudienceUnit(Base):
    """A chosen SKPD or unit of the audience: its people and those of the units below it."""

    __tablename__ = "event_audience_units"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True, index=True)


class Attendance(Base):
    __tablename__ = "event_attendance"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_event_attendance_event_skpd", "event_id", "skpd_id"),
        Index("ix_event_attendance_user", "user_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    checked_in_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    method: Mapped[CheckinMethod] = mapped_column(enum_column(CheckinMethod, 16))
    #: who marked them present (by hand or from a paper list); None when they checked in themselves
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: not in the event's audience (allowed in, noted)
    outside_audience: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the person's unit and SKPD at check-in
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    skpd_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(200), default="")


class LiveAnswer(Base):
    """One person's answer to one question of an event's live quiz (a separate source in the item
    analysis)."""

    __tablename__ = "event_live_answers"
    __table_args__ = (
        UniqueConstraint("event_id", "position", "user_id"),
        Index("ix_event_live_answers_version", "question_version_id"),
        Index("ix_event_live_answers_event_position_skpd", "event_id", "position", "skpd_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: the index into the event's live_questions
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: the canonical response (quizzes.types.normalise_response)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    fraction: Mapped[float | None] = mapped_column(Float)
    correct: Mapped[bool | None] = mapped_column(Boolean)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    skpd_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
