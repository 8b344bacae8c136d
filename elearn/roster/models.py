"""An uploaded roster file and what became of it.

The web flow keeps no state in worker memory: the uploaded bytes (a workbook converted to CSV
once, at upload) live in this row, and the background job that checks and applies the import
reads them back from here, so any web or job worker on any machine can serve the next step.
Rows never applied are removed after ROSTER_UPLOAD_RETENTION_HOURS.
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


class ImportStatus(enum.StrEnum):
    UPLOADED = "uploaded"
    APPLIED = "applied"
    FAILED = "failed"


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
    #: the uploaded bytes; dropped once the import is applied (personal data is kept no longer than needed)
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    #: an XLSX converted once to UTF-8 CSV (same row numbers), so that chunks don't re-read the workbook
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

    def __repr__(self) -> str:
        return f"<RosterImport {self.id} {self.status}>"
