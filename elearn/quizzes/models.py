"""Question banks, versioned questions, tags, quizzes and attempts.

A ``Question`` is the stable identity of a scenario inside a bank (the YAML ``id``). Every change
of its content makes a new immutable ``QuestionVersion`` holding the canonical question dict
(the YAML shape of quizzes/README.md) as JSON; ``current_version_id`` points at the one quizzes
draw. Attempt items pin the exact version they showed, so editing a question never rewrites an
attempt. ``QuestionTag`` mirrors the current version's tags for drawing by tag.
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ..org.models import enum_column


class QuizStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class QuizAudience(enum.StrEnum):
    """Who a quiz is for besides everyone (``Quiz.audience``; the rule is ``authz.in_quiz_audience``)."""

    #: leaders: a managerial jabatan (JPT, administrator, pengawas), a kepala wilayah, or a head whose
    #: jabatan is fungsional with a tugas tambahan (kepala sekolah, kepala puskesmas): quizzes/README.md
    PIMPINAN = "pimpinan"


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    EXPIRED = "expired"


class QuestionBank(Base):
    __tablename__ = "question_banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="id")
    #: None for content shipped in quizzes/ (readable by every instansi)
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<QuestionBank {self.slug}>"


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("bank_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="CASCADE"))
    #: the YAML ``id``: stable inside the bank across edits
    key: Mapped[str] = mapped_column(String(100))
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_versions.id", ondelete="SET NULL", use_alter=True)
    )
    #: removed from the files (or withdrawn by a trainer): never drawn again, history kept
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    #: where export writes the question: the file under questions/ (None: questions/<bank>.yaml)
    #: and its place in that file. Placement, not content: changing it makes no new version.
    source_file: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: the GIFT file the current version was imported from ("gift:<file name>"); None for questions
    #: from the bank's YAML files or the authoring form. A GIFT import overwrites only its own.
    import_source: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    bank: Mapped[QuestionBank] = relationship(lazy="joined")
    current_version: Mapped[QuestionVersion | None] = relationship(
        foreign_keys=[current_version_id], lazy="joined", post_update=True
    )
    tags: Mapped[list[Tag]] = relationship(secondary="question_tags", viewonly=True, order_by="Tag.slug",
                                           lazy="select")

    def __repr__(self) -> str:
        return f"<Question {self.key}>"


class QuestionVersion(Base):
    """One question's content at one point in time; immutable once created."""

    __tablename__ = "question_versions"
    __table_args__ = (
        UniqueConstraint("question_id", "number"),
        UniqueConstraint("question_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    #: the canonical question dict (quizzes/README.md)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: sha256 of the canonical dict (sorted-key JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: incomplete (e.g. imported from GIFT without elearn's metadata): never drawn
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    election_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    stage: Mapped[str | None] = mapped_column(String(32))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    sanctions: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship(foreign_keys=[question_id], lazy="joined")

    def __repr__(self) -> str:
        return f"<QuestionVersion {self.question_id}#{self.number}>"


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    #: the instansi whose trainer created it on the tag page (None: the superadmin, or a question's
    #: tags): while no question uses it, only that instansi lists it
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id", ondelete="SET NULL"))


class QuestionTag(Base):
    """The current version's tags of a question (kept in step by the content services)."""

    __tablename__ = "question_tags"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)


class Quiz(Base):
    """A quiz draws from one or more banks (``QuizBank``, in order); ``bank_id`` is its home bank: the
    first of them, whose folder holds the quiz file (export writes it there)."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="CASCADE"), index=True)
    #: None for quizzes shipped in quizzes/ (available to every instansi)
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: percent of the maximum score needed to pass
    pass_mark: Mapped[int] = mapped_column(Integer, default=70)
    #: None: unlimited
    attempt_limit: Mapped[int | None] = mapped_column(Integer)
    #: None: no time limit; enforced on the server
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=True)
    #: who the quiz is for (a QuizAudience value); None: everyone who may take quizzes
    audience: Mapped[str | None] = mapped_column(String(32))
    #: the draw rules in order: [{"count": 3, "tags": [...]}, {"count": 2, "questions": [...]}, {"count": 5}]
    draw: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[QuizStatus] = mapped_column(enum_column(QuizStatus, 16), default=QuizStatus.DRAFT)
    #: the quiz file as last read (empty for quizzes built in the browser)
    source_text: Mapped[str] = mapped_column(Text, default="")
    #: sha256 of the canonical quiz dict
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    bank: Mapped[QuestionBank] = relationship(lazy="joined")
    #: every bank the quiz draws from, the home bank first (content.quizzes.set_quiz_banks keeps it)
    bank_links: Mapped[list[QuizBank]] = relationship(order_by="QuizBank.position", cascade="all, delete-orphan",
                                                      lazy="select")
    banks: Mapped[list[QuestionBank]] = relationship(secondary="quiz_banks", order_by="QuizBank.position",
                                                     viewonly=True, lazy="select")

    @property
    def bank_ids(self) -> list[int]:
        """The ids of the banks the quiz draws from, in order (a quiz without rows: its home bank)."""
        return [link.bank_id for link in self.bank_links] or [self.bank_id]

    @property
    def question_count(self) -> int:
        return sum(int(rule.get("count") or 0) for rule in self.draw or [])

    def __repr__(self) -> str:
        return f"<Quiz {self.slug}>"


class QuizBank(Base):
    """One bank a quiz draws from; ``position`` 0 is the quiz's home bank (``Quiz.bank_id``)."""

    __tablename__ = "quiz_banks"
    __table_args__ = (UniqueConstraint("quiz_id", "position"),)

    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Attempt(Base):
    """One run through a quiz by one person. ``number`` counts a person's attempts at a quiz; the
    unique key makes a double tap land on the same attempt."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "number"),
        # (with the id: the item analysis's freshness check, count and largest id, reads the index alone)
        Index("ix_quiz_attempts_quiz_status", "quiz_id", "status", "id"),
        Index("ix_quiz_attempts_quiz_skpd", "quiz_id", "skpd_id"),
        Index("ix_quiz_attempts_user_quiz_passed", "user_id", "quiz_id", "passed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[AttemptStatus] = mapped_column(enum_column(AttemptStatus, 16), default=AttemptStatus.IN_PROGRESS)
    #: the person's unit and SKPD when the attempt started (item analysis per SKPD)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    skpd_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None without a time limit
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    #: the quiz's pass mark when the attempt started
    pass_mark: Mapped[int] = mapped_column(Integer)

    quiz: Mapped[Quiz] = relationship(lazy="joined")
    items: Mapped[list[AttemptItem]] = relationship(
        order_by="AttemptItem.position", lazy="selectin", cascade="all, delete-orphan", back_populates="attempt"
    )


class AttemptItem(Base):
    """One question of an attempt and its single answer row."""

    __tablename__ = "quiz_attempt_items"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_versions.id", ondelete="RESTRICT"), index=True
    )
    #: option ids (or branch/feed keys) in the order shown; None when not shuffled
    option_order: Mapped[list[str] | None] = mapped_column(JSON)
    #: the canonical response (types.normalise_response); None until answered
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    fraction: Mapped[float | None] = mapped_column(Float)
    correct: Mapped[bool | None] = mapped_column(Boolean)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="items", lazy="select")
    question_version: Mapped[QuestionVersion] = relationship(lazy="joined")


# --- the item analysis, kept up to date per finished attempt (quizzes/tallies.py) -------------------
#
# Additive figures of each quiz per SKPD (``skpd_key``: the attempt's skpd_id, 0 for none), so the
# analysis page sums a few rows per question instead of reading every attempt (issue 14). Only each
# person's first finished attempt counts for people, versions and choices; every finished attempt
# counts in ``attempts``. ``QuizTallyMark`` records which attempts the figures cover; the page
# compares it with the attempts table and counts again when rows came or went behind the app's back
# (a bulk load, a deletion).


class QuizTallyMark(Base):
    __tablename__ = "quiz_tally_marks"

    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True)
    #: finished attempts of the quiz counted, and the largest id among them
    finished: Mapped[int] = mapped_column(Integer, default=0)
    last_id: Mapped[int] = mapped_column(Integer, default=0)


class QuizSkpdTally(Base):
    __tablename__ = "quiz_skpd_tallies"
    __table_args__ = (UniqueConstraint("quiz_id", "skpd_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    skpd_key: Mapped[int] = mapped_column(Integer)
    #: people (first finished attempts), of them passed, and finished attempts
    people: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class QuizItemTally(Base):
    """The sums of ``analysis.Sums`` for one question version over first attempts of one SKPD."""

    __tablename__ = "quiz_item_tallies"
    __table_args__ = (UniqueConstraint("quiz_id", "skpd_key", "question_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    skpd_key: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="CASCADE"))
    n: Mapped[int] = mapped_column(Integer, default=0)
    fraction: Mapped[float] = mapped_column(Float, default=0.0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    m: Mapped[int] = mapped_column(Integer, default=0)
    x: Mapped[float] = mapped_column(Float, default=0.0)
    y: Mapped[float] = mapped_column(Float, default=0.0)
    xx: Mapped[float] = mapped_column(Float, default=0.0)
    yy: Mapped[float] = mapped_column(Float, default=0.0)
    xy: Mapped[float] = mapped_column(Float, default=0.0)


class QuizChoiceTally(Base):
    """How many first attempts of one SKPD chose ``choice_key`` in one question version ("": left
    unanswered)."""

    __tablename__ = "quiz_choice_tallies"
    __table_args__ = (UniqueConstraint("quiz_id", "skpd_key", "question_version_id", "choice_key",
                                       name="uq_quiz_choice_tallies_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    skpd_key: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="CASCADE"))
    choice_key: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer, default=0)
