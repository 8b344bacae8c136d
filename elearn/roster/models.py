"""An uploaded roster file and what became of it.

The web flow keeps no state in worker memory: the uploaded bytes live in this row (the upload
request stores them unread), the background check job converts a workbook to CSV once and checks
every row, and the apply job reads them back from here, so any web or job worker on any machine
can serve the next step. The bytes go when the import is applied or its file refused; rows never
applied are removed after ROSTER_UPLOAD_RETENTION_HOURS.
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..accounts.models import User
from ..db import Base, UTCDateTime, utcnow
from ..errors import ServiceError
from ..jobs.models import Job
from ..org.models import Instansi, Unit, enum_column


#: "deactivate missing" warns strongly above this share of the active people in scope (and when the
#: file has fewer rows than this share of them)
DEACTIVATE_WARN_SHARE = 0.2


class ImportStatus(enum.StrEnum):
    #: stored by the upload request; the check job reads it
    UPLOADED = "uploaded"
    #: read and every row checked: the preview shows the outcome, the user may apply it
    CHECKED = "checked"
    APPLIED = "applied"
    #: the apply failed (nothing changed); it may be tried again
    FAILED = "failed"
    #: the file can't be imported at all (too many rows, unreadable...): ``failure`` says why
    REJECTED = "rejected"


class RosterImport(Base):
    __tablename__ = "roster_imports"
    __table_args__ = (Index("ix_roster_imports_instansi_created", "instansi_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"))
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: set for an operator SKPD's upload: rows are limited to this perangkat daerah
    skpd_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    #: "csv" or "xlsx" (of the uploaded file)
    file_format: Mapped[str] = mapped_column(String(8))
    size: Mapped[int] = mapped_column(Integer)
    #: the uploaded bytes (at most ROSTER_MAX_BYTES); dropped once the import is applied or refused, or
    #: replaced by ``csv_data`` for a workbook (personal data is kept no longer than needed)
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    #: an XLSX converted once, by the check job, to UTF-8 CSV (same row numbers): the apply reads it
    csv_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus, 16), default=ImportStatus.UPLOADED)
    validated_rows: Mapped[int] = mapped_column(Integer, default=0)
    deactivate_missing: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    deactivated: Mapped[int] = mapped_column(Integer, default=0)
    new_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: [{"line": n, "code": "...", "message": "...", "nip": "..."}]: of the validation, then of the import
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    failure: Mapped[str | None] = mapped_column(String(500))
    #: found by the check: people the "deactivate missing" option would switch off
    would_deactivate: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: found by the check, for the preview page: {"header_line", "fields", "headers", "unknown", "rows",
    #: "counts" (new/updated/unchanged), "active_in_scope", "deactivate_sample", "deactivate_digest"}
    preview: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: SHA-256 of the uploaded bytes (hex): the deactivation confirmation names the file it was given for
    file_digest: Mapped[str | None] = mapped_column(String(64))
    #: how many people the user confirmed (typed) that "deactivate missing" would switch off
    deactivate_confirmed: Mapped[int | None] = mapped_column(Integer)
    #: set when the apply did not deactivate because the people to switch off were no longer the
    #: confirmed ones (the roster changed since the preview): how many the apply found
    deactivate_refused: Mapped[int | None] = mapped_column(Integer)
    #: the background job that checks and applies it (the page follows its progress)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    instansi: Mapped[Instansi] = relationship(lazy="joined")
    uploader: Mapped[User | None] = relationship(lazy="joined")
    skpd: Mapped[Unit | None] = relationship(lazy="joined")
    job: Mapped[Job | None] = relationship()

    @property
    def is_applied(self) -> bool:
        return self.status == ImportStatus.APPLIED

    @property
    def deactivate_sample(self) -> list[dict[str, str]]:
        """The first people (natural unit order) "deactivate missing" would switch off, as checked."""
        return list((self.preview or {}).get("deactivate_sample") or [])

    @property
    def deactivate_digest(self) -> str | None:
        """A digest of exactly who "deactivate missing" would switch off, as checked (None: checked
        before the confirmation existed, so deactivation can't be confirmed)."""
        return (self.preview or {}).get("deactivate_digest")

    @property
    def active_in_scope(self) -> int:
        """Active people the option could switch off at all (the instansi, or the operator's SKPD)."""
        return int((self.preview or {}).get("active_in_scope") or 0)

    @property
    def deactivate_alarming(self) -> bool:
        """A strong warning: more than DEACTIVATE_WARN_SHARE of the active people in scope would be
        switched off, or the file has far fewer rows than there are active people in scope."""
        active = self.active_in_scope
        if not self.would_deactivate or not active:
            return False
        return (self.would_deactivate > DEACTIVATE_WARN_SHARE * active
                or self.row_count < DEACTIVATE_WARN_SHARE * active)

    @property
    def row_counts(self) -> dict[str, int]:
        """New / updated / unchanged people the check expects the apply to write."""
        counts = (self.preview or {}).get("counts") or {}
        return {k: int(counts.get(k) or 0) for k in ("created", "updated", "unchanged")}

    @property
    def is_checked(self) -> bool:
        """Read and checked: the preview has the outcome, and it may be applied (again, after a failure)."""
        return self.status in (ImportStatus.CHECKED, ImportStatus.FAILED)

    def source_bytes(self) -> tuple[bytes, str]:
        """The bytes to parse and a filename whose extension tells the parser what they are."""
        if self.csv_data is not None:
            return self.csv_data, "converted.csv"
        if self.data is None:
            raise ServiceError(_("Berkas impor ini sudah dihapus setelah diterapkan."), "file_removed")
        return self.data, self.filename

    def ensure_open(self) -> None:
        if self.status == ImportStatus.APPLIED:
            raise ServiceError(_("Impor ini sudah diterapkan."), "already_applied")

    def mark_applied(self, *, created: int, updated: int, unchanged: int, deactivated: int,
                     new_units: list[str], errors: list[dict[str, Any]]) -> None:
        self.ensure_open()
        self.status = ImportStatus.APPLIED
        self.created, self.updated, self.unchanged, self.deactivated = created, updated, unchanged, deactivated
        self.new_units = list(new_units)
        self.errors = list(errors)
        self.validated_rows = self.row_count
        self.failure = None
        self.applied_at = utcnow()
        self.data = None
        self.csv_data = None

    def mark_failed(self, reason: str) -> None:
        self.ensure_open()
        self.status = ImportStatus.FAILED
        self.failure = reason[:500]

    def reject(self, reason: str) -> None:
        """The file can't be imported: say why and drop its bytes (it can only be uploaded again)."""
        self.ensure_open()
        self.status = ImportStatus.REJECTED
        self.failure = reason[:500]
        self.data = None
        self.csv_data = None

    def __repr__(self) -> str:
        return f"<RosterImport {self.id} {self.status}>"
