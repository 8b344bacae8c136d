"""Certificate rows for the Open Badge tests and the access table (plain inserts: no PDF drawing)."""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from elearn.certificates.models import Certificate, CertificateState, CertificateTemplate
from elearn.db import db

from support import next_seq


def template_row() -> CertificateTemplate:
    template = CertificateTemplate(key=f"uji-{next_seq()}", title="Uji", layout={}, source_text="",
                                   content_hash=secrets.token_hex(32))
    db.session.add(template)
    db.session.flush()
    return template


def insert_certificate(user: Any, version: Any, *, status_index: int, template: CertificateTemplate | None = None,
                       state: CertificateState = CertificateState.VALID, credential: dict | None = None,
                       **fields: Any) -> Certificate:
    """A certificate row of ``user`` for ``version`` (call inside an app context; flushes)."""
    from elearn.org.models import Instansi

    template = template or template_row()
    instansi = db.session.get(Instansi, user.instansi_id)
    completed = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.timezone.utc)
    values: dict[str, Any] = dict(
        code=secrets.token_urlsafe(16)[:22], serial=f"UJI/2026/{next_seq():06d}", instansi_id=user.instansi_id,
        user_id=user.id, course_id=version.course_id, course_version_id=version.id, template_id=template.id,
        holder_name=user.name, holder_number=user.employee_number, holder_golongan="III/a",
        holder_jabatan="Analis", unit_id=user.unit_id, unit_name="Unit", skpd_id=user.unit_id, skpd_name="SKPD",
        instansi_name=instansi.name, course_title=version.title, jp=version.jp, completed_at=completed,
        completed_on=completed.date(), signatory={"name": "Kepala", "nip": "196001011985031001", "title": "Kepala"},
        issued_at=completed + dt.timedelta(minutes=1), state=state, status_index=status_index,
        pdf_sha256="0" * 64, credential=credential or {},
    )
    values.update(fields)
    certificate = Certificate(**values)
    db.session.add(certificate)
    db.session.flush()
    return certificate
