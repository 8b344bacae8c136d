"""Completion certificates.

A ``Certificate`` is issued once per person and course version (``generation`` 1) the moment the
course's completion rule is met; a reissue after a correction is generation 2, 3, ... and records
the certificate it replaces (``replaces_id``). Each row keeps a snapshot of everything printed on
the certificate (name, NIP, pangkat, jabatan, unit and SKPD at issue time, the signatory), so the
document never changes when the roster does. Nothing is deleted: the database refuses DELETE
(triggers below, also created by the migration); revocation and replacement are recorded on the row.

- ``code``: the unguessable verification code in the QR URL (not the serial).
- ``serial``: the human number, per instansi and year (``BKPSDM-KC/2026/000123``), from
  ``CertificateSequence``.
- ``status_index``: the certificate's bit in its instansi's Bitstring Status List (Open Badges).
- ``credential``: the signed OpenBadgeCredential (JSON), kept as issued so that it stays verifiable.
- The PDF as issued lives in ``CertificateFile`` (one row per certificate), so listings never load
  it; ``pdf_sha256`` lets anyone's copy be recognised (the verify upload form).

``CertificateTemplate`` rows are the templates of ``certificates/<key>/`` as synced (one row per
content hash, immutable); a certificate records the template row it was drawn with.
``CertificateSettings`` is what an instansi's admin configures: the signatory, the serial prefix,
the template and the logo.
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ..org.models import Instansi, enum_column


class CertificateState(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    #: a newer certificate replaces this one (a reissue after a correction)
    REPLACED = "replaced"


class CertificateTemplate(Base):
    """One version of a template directory ``certificates/<key>/`` (immutable once synced)."""

    __tablename__ = "certificate_templates"
    __table_args__ = (UniqueConstraint("key", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: the validated layout (template.yaml as data)
    layout: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: template.yaml as written
    source_text: Mapped[str] = mapped_column(Text)
    #: the background image (PNG or JPEG), if the layout names one
    background: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    background_mimetype: Mapped[str | None] = mapped_column(String(32))
    #: sha256 over template.yaml and the background: equal hashes mean equal templates
    content_hash: Mapped[str] = mapped_column(String(64))
    #: the newest synced version of this key (the one new certificates use)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CertificateSettings(Base):
    """An instansi's certificate settings, kept by its admin BKPSDM."""

    __tablename__ = "certificate_settings"

    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"), primary_key=True)
    #: first part of the serial, e.g. "BKPSDM-KC" (letters, digits, '-', '.')
    serial_prefix: Mapped[str] = mapped_column(String(32))
    template_key: Mapped[str] = mapped_column(String(64), default="default")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_nip: Mapped[str] = mapped_column(String(32), default="")
    signatory_title: Mapped[str] = mapped_column(String(255), default="")
    #: the instansi's logo (PNG), checked and bounded when uploaded
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    instansi: Mapped[Instansi] = relationship(lazy="joined")


class CertificateSequence(Base):
    """A per-instansi counter: ``scope`` is a year ("2026") for serial numbers, or "status" for the
    next free bit of the instansi's status list. Taking a number locks the row (UPDATE ... RETURNING)."""

    __tablename__ = "certificate_sequences"

    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("user_id", "course_version_id", "generation"),
        UniqueConstraint("instansi_id", "status_index"),
        Index("ix_certificates_instansi_course_issued", "instansi_id", "course_id", "issued_at"),
        Index("ix_certificates_skpd_course", "skpd_id", "course_id"),
        Index("ix_certificates_user_course", "user_id", "course_id"),
        Index("ix_certificates_user_course_state", "user_id", "course_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the verification code (QR target), unguessable
    code: Mapped[str] = mapped_column(String(32), unique=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"))
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="RESTRICT"))
    #: 1 for the first certificate of a person and course version, +1 per reissue
    generation: Mapped[int] = mapped_column(Integer, default=1)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="RESTRICT"))
    template_id: Mapped[int] = mapped_column(ForeignKey("certificate_templates.id", ondelete="RESTRICT"))

    # what the certificate says, as it was when issued
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_number: Mapped[str] = mapped_column(String(32))
    holder_golongan: Mapped[str | None] = mapped_column(String(8))
    holder_jabatan: Mapped[str | None] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    skpd_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    skpd_name: Mapped[str] = mapped_column(String(200), default="")
    instansi_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(200))
    jp: Mapped[int] = mapped_column(Integer)
    #: when the completion rule was met (UTC) and that day in the instansi's time zone
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    completed_on: Mapped[dt.date] = mapped_column(Date)
    #: {"name": ..., "nip": ..., "title": ...}
    signatory: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    state: Mapped[CertificateState] = mapped_column(enum_column(CertificateState, 16), default=CertificateState.VALID)
    status_index: Mapped[int] = mapped_column(Integer)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: for HR and the audit log only, never shown on the public page
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    replaced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    #: sha256 of the PDF as issued (CertificateFile.pdf)
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: whether the PDF carries the instansi's PAdES signature (False: issued unsigned, says so)
    pdf_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the signed OpenBadgeCredential as issued
    credential: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)

    instansi: Mapped[Instansi] = relationship(lazy="raise_on_sql")
    template: Mapped[CertificateTemplate] = relationship(lazy="raise_on_sql")

    @property
    def is_valid(self) -> bool:
        return self.state == CertificateState.VALID


class CertificateFile(Base):
    """The issued PDF of a certificate (a separate table so that no listing loads it)."""

    __tablename__ = "certificate_files"

    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="RESTRICT"), primary_key=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)


# Nothing is ever deleted. The migration creates the same triggers; a migration that rebuilds
# either table on SQLite (batch mode) must create them again.
PG_TRIGGER_DDL = (
    "CREATE OR REPLACE FUNCTION certificates_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'certificates are never deleted'; END $$",
    "CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates "
    "FOR EACH ROW EXECUTE FUNCTION certificates_no_delete()",
    "CREATE TRIGGER certificate_files_no_delete BEFORE DELETE ON certificate_files "
    "FOR EACH ROW EXECUTE FUNCTION certificates_no_delete()",
    "CREATE TRIGGER certificate_files_no_update BEFORE UPDATE ON certificate_files "
    "FOR EACH ROW EXECUTE FUNCTION certificates_no_delete()",
)
SQLITE_TRIGGER_DDL = (
    "CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates "
    "BEGIN SELECT RAISE(ABORT, 'certificates are never deleted'); END",
    "CREATE TRIGGER certificate_files_no_delete BEFORE DELETE ON certificate_files "
    "BEGIN SELECT RAISE(ABORT, 'certificates are never deleted'); END",
    "CREATE TRIGGER certificate_files_no_update BEFORE UPDATE ON certificate_files "
    "BEGIN SELECT RAISE(ABORT, 'an issued PDF is never changed'); END",
)
event.listen(Certificate.__table__, "after_create",
             DDL(PG_TRIGGER_DDL[0]).execute_if(dialect="postgresql"))
event.listen(Certificate.__table__, "after_create",
             DDL(PG_TRIGGER_DDL[1]).execute_if(dialect="postgresql"))
for _statement in PG_TRIGGER_DDL[2:]:
    event.listen(CertificateFile.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
event.listen(Certificate.__table__, "after_create",
             DDL(SQLITE_TRIGGER_DDL[0]).execute_if(dialect="sqlite"))
for _statement in SQLITE_TRIGGER_DDL[1:]:
    event.listen(CertificateFile.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
