"""Certificate rows for HR's certificate tests and the benchmark, written straight into the tables
(issuance, rendering and signing belong to other modules): a template row, then ``Certificate`` +
``CertificateFile`` per person with the snapshot columns taken from the person as they are now."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import secrets
from typing import Any

from sqlalchemy import select

from elearn.accounts.models import User
from elearn.certificates.models import Certificate, CertificateFile, CertificateState, CertificateTemplate
from elearn.courses.models import Course, CourseVersion
from elearn.db import db
from elearn.org.models import Instansi, Unit


@functools.lru_cache(maxsize=4)
def sample_pdf(tag: str = "") -> bytes:
    """A small real PDF (reportlab), one page."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=landscape(A4), invariant=True)
    page.setFont("Helvetica", 24)
    page.drawString(72, 400, f"Sertifikat uji {tag}")
    page.showPage()
    page.save()
    return out.getvalue()


def template_row() -> CertificateTemplate:
    """The test template (one per database), flushed."""
    found = db.session.scalar(select(CertificateTemplate).where(CertificateTemplate.key == "uji-hr"))
    if found is not None:
        return found
    row = CertificateTemplate(key="uji-hr", title="Uji HR", layout={"elements": []}, source_text="elements: []\n",
                              content_hash="f" * 64, current=True)
    db.session.add(row)
    db.session.flush()
    return row


def issue_row(
    person: User,
    version: CourseVersion,
    *,
    issued_at: dt.datetime,
    state: CertificateState = CertificateState.VALID,
    serial: str | None = None,
    pdf: bytes | None = None,
    generation: int = 1,
    skpd: Unit | None = None,
    unit: Unit | None = None,
    status_index: int | None = None,
) -> Certificate:
    """A certificate of ``person`` for ``version``, as if issued at ``issued_at`` in the person's
    current unit (or ``unit`` / ``skpd`` given), with its PDF; flushed, not committed."""
    person = db.session.get(User, person.id)
    assert person is not None and person.instansi_id is not None
    instansi = db.session.get(Instansi, person.instansi_id)
    unit = unit if unit is not None else person.unit
    if skpd is None and unit is not None and unit.skpd_id is not None:
        skpd = db.session.get(Unit, unit.skpd_id)
    n = db.session.scalar(select(Certificate.id).order_by(Certificate.id.desc()).limit(1)) or 0
    serial = serial or f"BKPSDM-UJI/{issued_at.year}/{n + 1:06d}-{secrets.token_hex(2)}"
    pdf = pdf if pdf is not None else sample_pdf()
    row = Certificate(
        code=secrets.token_urlsafe(16)[:32], serial=serial, instansi_id=instansi.id, user_id=person.id,
        course_id=version.course_id, course_version_id=version.id, generation=generation,
        template_id=template_row().id, holder_name=person.name, holder_number=person.employee_number,
        holder_golongan=None, holder_jabatan=person.jabatan, unit_id=unit.id if unit is not None else None,
        unit_name=unit.name if unit is not None else "", skpd_id=skpd.id if skpd is not None else None,
        skpd_name=skpd.name if skpd is not None else "", instansi_name=instansi.name, course_title=version.title,
        jp=version.jp, completed_at=issued_at, completed_on=issued_at.date(), signatory={}, issued_at=issued_at,
        state=state, status_index=status_index if status_index is not None else n + 1,
        revoked_at=issued_at + dt.timedelta(days=1) if state == CertificateState.REVOKED else None,
        revoke_reason="uji" if state == CertificateState.REVOKED else None,
        replaced_at=issued_at + dt.timedelta(days=1) if state == CertificateState.REPLACED else None,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(), pdf_signed=False, credential={},
    )
    db.session.add(row)
    db.session.flush()
    db.session.add(CertificateFile(certificate_id=row.id, pdf=pdf))
    db.session.flush()
    return row


def enable_certificate(version: CourseVersion, **extra: Any) -> None:
    """Give the course version a ``certificate:`` mapping (committed)."""
    row = db.session.get(CourseVersion, version.id)
    row.certificate = {"template": "default", **extra}
    db.session.commit()


def course_of(version: CourseVersion) -> Course:
    return db.session.get(Course, version.course_id)
