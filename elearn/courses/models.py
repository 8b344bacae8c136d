"""Courses, their immutable versions, progress and assignments.

A ``Course`` is the stable identity (slug). Each change of its content (a synced file, a
trainer publishing) makes a new ``CourseVersion`` whose modules are ``ModuleVersion`` rows
shared between versions when unchanged (same content hash). Progress and assignments point at
courses; progress also pins the exact course and module versions the learner read, so editing
content never rewrites history.
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    LargeBinary,
    Date,
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


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    #: None for content shipped in courses/ (available to every instansi)
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"), index=True)
    #: the version learners get when they start; None until something is published
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    published_version: Mapped[CourseVersion | None] = relationship(
        foreign_keys=[published_version_id], lazy="joined", post_update=True
    )


class ModuleVersion(Base):
    """One module's content at one point in time; immutable once a published version uses it."""

    __tablename__ = "module_versions"
    __table_args__ = (UniqueConstraint("course_id", "slug", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    #: file name without .md, e.g. "01-mengapa-netral"
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(Integer)
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    references: Mapped[list[str]] = mapped_column(JSON, default=list)
    sources: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    #: the whole file as written (front matter + Markdown): export writes it back unchanged
    source_text: Mapped[str] = mapped_column(Text)
    #: rendered and sanitised HTML per section: [{"title": ..., "html": ..., "words": n}]
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CourseVersion(Base):
    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(enum_column(VersionStatus, 16), default=VersionStatus.DRAFT)
    label: Mapped[str] = mapped_column(String(32), default="")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    jp: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str] = mapped_column(String(8), default="id")
    requires: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    completion: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: course.yaml's ``certificate:`` ({"template": ..., "criteria": ...}); None: no certificate
    certificate: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    #: course.yaml as written; export writes it back unchanged
    manifest_text: Mapped[str] = mapped_column(Text, default="")
    #: hash over the manifest and every module's hash: equal hashes mean equal content
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(foreign_keys=[course_id], lazy="joined")
    modules: Mapped[list[CourseVersionModule]] = relationship(
        order_by="CourseVersionModule.position", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def total_minutes(self) -> int:
        return sum(link.module.minutes for link in self.modules)

    def publish(self, now: dt.datetime | None = None) -> None:
        if self.status != VersionStatus.DRAFT:
            raise ValueError(f"version {self.id} is {self.status}, only a draft can be published")
        self.status = VersionStatus.PUBLISHED
        self.published_at = now or utcnow()


class CourseVersionModule(Base):
    """The ordered modules of a course version."""

    __tablename__ = "course_version_modules"
    __table_args__ = (UniqueConstraint("course_version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"))
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer)

    module: Mapped[ModuleVersion] = relationship(lazy="joined")


class CourseAsset(Base):
    """An image used by modules, stored once per content hash and served with a long cache lifetime."""

    __tablename__ = "course_assets"
    __table_args__ = (UniqueConstraint("course_id", "path", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: the path used in Markdown, e.g. "images/bagan.webp"
    path: Mapped[str] = mapped_column(String(200))
    #: sha256 of ``data``; the same bytes may appear in several courses or under several names
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    mimetype: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModuleProgress(Base):
    """How far one person got in one module of one course version. Only ever moves forward."""

    __tablename__ = "module_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "course_version_id", "module_version_id"),
        Index("ix_module_progress_course_user", "course_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="RESTRICT"))
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id", ondelete="RESTRICT"))
    #: highest section index reached (0-based); the reader resumes here
    section_reached: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Enrollment(Base):
    """A person's run through a course, pinned to the version they started with."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        # covers the rekap's per-person probe (reports.services): no table lookup
        Index("ix_enrollments_user_course_read", "user_id", "course_id", "course_version_id", "modules_completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="RESTRICT"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: every module read (quiz and pledge requirements are checked by their own areas)
    modules_completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: the last module opened, for "Lanjutkan"
    last_module_version_id: Mapped[int | None] = mapped_column(ForeignKey("module_versions.id", ondelete="SET NULL"))

    course_version: Mapped[CourseVersion] = relationship(lazy="joined")


class CourseAssignment(Base):
    """HR assigns a course to a whole instansi (unit_id None) or to a unit and everything below it."""

    __tablename__ = "course_assignments"
    __table_args__ = (Index("ix_course_assignments_instansi_course", "instansi_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(lazy="joined")
