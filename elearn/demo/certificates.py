"""The demo's certificates: the instansi's settings (serial prefix, the Kepala BKPSDM as signatory), a
throw-away signing key (development only), and a certificate for every demo person who completed a
course that gives one, issued through the same service as a live completion; then one revoked and
one reissued certificate, so that every state can be seen."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from ..accounts.models import Role, User
from ..certificates import services
from ..certificates.models import Certificate, CertificateSettings, CertificateState
from ..courses.models import Course, CourseVersion
from ..db import db
from ..org.models import Instansi, Unit
from . import data

log = logging.getLogger(__name__)

SERIAL_PREFIX = "BKPSDM-KC"


@dataclass
class CertificateDemo:
    issued: int = 0
    revoked: str | None = None
    replaced: str | None = None
    signed: bool = False
    failed: dict[str, int] = field(default_factory=dict)
    note: str = ""


def _signatory(instansi: Instansi) -> User | None:
    """The head of the BKPSDM unit of the demo tree (the Kepala BKPSDM), if generated."""
    return db.session.scalar(
        select(User).join(Unit, Unit.id == User.unit_id)
        .where(User.instansi_id == instansi.id, Unit.name == data.BKPSDM, User.jabatan.like("Kepala Badan%"))
        .order_by(User.id).limit(1)
    )


def _dev_signing_key(instansi: Instansi) -> bool:
    """A throw-away signing key for the demo instansi (development and testing only; never replaces
    one already there). True when certificates will be signed."""
    from ..certificates.dev_signing import write_dev_key
    from ..certificates.signing import SigningError, signer_for, signing_dir

    if current_app.config.get("ELEARN_ENV") not in ("development", "testing"):
        return False
    folder = signing_dir()
    if folder is None:
        return False
    if not (folder / f"{instansi.slug}.p12").exists():
        write_dev_key(folder, instansi.slug, instansi.name)
    try:
        return signer_for(instansi) is not None
    except SigningError as exc:
        log.warning("demo certificates unsigned: %s", exc.message)
        return False


def seed_certificates(instansi: Instansi, admin_id: int | None) -> CertificateDemo:
    result = CertificateDemo()
    head = _signatory(instansi)
    settings = db.session.get(CertificateSettings, instansi.id)
    if settings is None:
        settings = CertificateSettings(instansi_id=instansi.id, serial_prefix=SERIAL_PREFIX, template_key="default")
        db.session.add(settings)
    settings.signatory_name = head.name if head is not None else "Kepala BKPSDM Kota Contoh"
    settings.signatory_nip = head.employee_number if head is not None else ""
    settings.signatory_title = "Kepala Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"
    settings.updated_by_id = admin_id
    db.session.flush()
    result.signed = _dev_signing_key(instansi)
    courses = db.session.scalars(
        select(Course).join(CourseVersion, CourseVersion.id == Course.published_version_id)
        .where(CourseVersion.certificate.is_not(None)).order_by(Course.slug)
    ).all()
    if not courses:
        result.note = "no course gives a certificate"
        return result
    for course in courses:
        # dated at each completion (the demo's history spans weeks), as live issuing would have
        outcome = services.backfill(course, instansi_id=instansi.id, as_of_completion=True)
        result.issued += outcome.issued
        for message, count in (outcome.problems or {}).items():
            result.failed[message] = result.failed.get(message, 0) + count
    admin = db.session.get(User, admin_id) if admin_id is not None else None
    if admin is None or admin.role != Role.ADMIN_BKPSDM:
        return result
    first_two = db.session.scalars(
        select(Certificate).where(Certificate.instansi_id == instansi.id, Certificate.state == CertificateState.VALID)
        .order_by(Certificate.id).limit(2)
    ).all()
    if len(first_two) == 2:
        revoked, corrected = first_two
        services.revoke(revoked, admin, "Contoh pencabutan: data peserta ternyata keliru (data demo).")
        result.revoked = revoked.serial
        result.replaced = corrected.serial
        services.reissue(corrected, admin, "Contoh penerbitan ulang: perbaikan penulisan nama (data demo).")
    return result
