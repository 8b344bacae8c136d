"""Certificates for the page tests, inserted as rows (the pages read rows; issuance has its own tests).

``insert_certificate`` works inside an app context and flushes; the caller commits. Its Open
Badge is signed as issuance signs it, with URLs on the test client's host when called inside
``app.test_request_context()`` (the verify page checks the proof against this server's keys). The PDF is a
real small PDF drawn by reportlab (its sha256 stored as issued), so the upload check can find it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

from elearn.accounts.models import User
from elearn.certificates.badges import build_credential, sign_credential
from elearn.certificates.services import new_code
from elearn.certificates.models import (
    Certificate,
    CertificateFile,
    CertificateState,
    CertificateTemplate,
)
from elearn.courses.models import Course, CourseVersion, VersionStatus
from elearn.db import db, utcnow
from elearn.org.models import Instansi, Unit

from support import next_seq


def simple_pdf(text: str) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=landscape(A4), invariant=True)
    page.drawString(72, 400, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def template_row() -> CertificateTemplate:
    """The shipped default template (synced on first use), so a marked copy can be drawn."""
    try:
        from elearn.certificates.templates import ensure_current
    except ImportError:  # (before the templates are merged: a placeholder row)
        ensure_current = None
    if ensure_current is not None:
        return ensure_current("default")
    row = db.session.query(CertificateTemplate).filter_by(key="uji-halaman").first()
    if row is None:
        row = CertificateTemplate(key="uji-halaman", title="Templat uji", layout={"elements": []},
                                  source_text="elements: []\n", content_hash=f"{next_seq():064d}")
        db.session.add(row)
        db.session.flush()
    return row


def course_version(title: str = "Netralitas ASN dalam Pilkada", jp: int = 4) -> CourseVersion:
    n = next_seq()
    course = Course(slug=f"kursus-sertifikat-{n}")
    db.session.add(course)
    db.session.flush()
    version = CourseVersion(course_id=course.id, number=1, status=VersionStatus.PUBLISHED, label="1", title=title,
                            summary="Ringkasan.", audience=["pns"], jp=jp, content_hash=f"c{n:063d}",
                            manifest_text="", published_at=utcnow())
    db.session.add(version)
    db.session.flush()
    course.published_version_id = version.id
    db.session.flush()
    return version


def insert_certificate(user: User | int, version: CourseVersion, *, state: CertificateState = CertificateState.VALID,
                       replaces: Certificate | None = None, credential: dict[str, Any] | None = None,
                       pdf: bytes | None = None, revoked_at: dt.datetime | None = None,
                       reason: str | None = None) -> Certificate:
    person = db.session.get(User, user if isinstance(user, int) else user.id)
    assert person is not None and person.instansi_id is not None
    instansi = db.session.get(Instansi, person.instansi_id)
    unit = db.session.get(Unit, person.unit_id) if person.unit_id else None
    skpd = db.session.get(Unit, unit.skpd_id) if unit is not None and unit.skpd_id else None
    n = next_seq()
    code = new_code()
    serial = f"BKPSDM-UJI/2026/{n:06d}"
    pdf = pdf if pdf is not None else simple_pdf(f"Sertifikat {serial} {person.name}")
    certificate = Certificate(
        code=code, serial=serial, instansi_id=person.instansi_id, user_id=person.id, course_id=version.course_id,
        course_version_id=version.id, generation=(replaces.generation + 1) if replaces else 1,
        replaces_id=replaces.id if replaces else None, template_id=template_row().id,
        holder_name=person.name, holder_number=person.employee_number, holder_golongan="III/a",
        holder_jabatan="Analis Kebijakan", unit_id=unit.id if unit else None, unit_name=unit.name if unit else "",
        skpd_id=skpd.id if skpd else None, skpd_name=skpd.name if skpd else "", instansi_name=instansi.name,
        course_title=version.title, jp=version.jp, completed_at=utcnow(), completed_on=dt.date(2026, 11, 23),
        signatory={"name": "Drs. Kepala BKPSDM", "nip": "197001011990031001", "title": "Kepala BKPSDM"},
        issued_at=utcnow(), state=state, status_index=1_000_000 + n,  # (far from issued ones)
        revoked_at=revoked_at or (utcnow() if state == CertificateState.REVOKED else None),
        revoke_reason=reason, replaced_at=utcnow() if state == CertificateState.REPLACED else None,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(), pdf_signed=False,
        credential={},
    )
    # the signed OpenBadgeCredential, as issuance makes it (the verify page checks its proof)
    certificate.credential = credential if credential is not None else sign_credential(
        build_credential(certificate), instansi)
    db.session.add(certificate)
    db.session.flush()
    db.session.add(CertificateFile(certificate_id=certificate.id, pdf=pdf))
    db.session.flush()
    return certificate
