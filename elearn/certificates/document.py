"""What a certificate PDF says: ``CertificateDocument``, made from a ``Certificate`` row only.

The renderer (``render.py``) draws a document onto a template; it never reads the database, so the
same row always gives the same page (apart from the signature's time) and a benchmark can render
without a database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..accounts.nip import format_nip
from .models import Certificate, CertificateState


@dataclass(frozen=True)
class CertificateDocument:
    serial: str
    #: the public verification URL (the QR code's target)
    verify_url: str
    #: name with academic titles, as on the roster when issued
    holder_name: str
    #: "NIP", "NI PPPK" or "Nomor pegawai"
    holder_number_label: str
    #: the number as printed (a NIP grouped 8-6-1-3)
    holder_number: str
    #: e.g. "Penata Muda (III/a)"; "" when the person has no golongan
    pangkat_golongan: str
    jabatan: str
    unit_name: str
    skpd_name: str
    instansi_name: str
    course_title: str
    jp: int
    completed_on: dt.date
    signatory_name: str
    signatory_nip: str
    signatory_title: str
    #: the PDF will carry the instansi's PAdES signature (False: the page says it is unsigned)
    signed: bool = False
    #: set on a copy downloaded after revocation (the page is marked revoked)
    revoked_on: dt.date | None = None
    #: set on a copy downloaded after a reissue (the page is marked replaced)
    replaced: bool = False


def pangkat_golongan(golongan: str | None) -> str:
    """"Penata Muda (III/a)" for "III/a"; the golongan alone when its pangkat is unknown; "" for none."""
    if not golongan:
        return ""
    from ..pledges.services import PANGKAT_NAMES

    name = PANGKAT_NAMES.get(golongan)
    return f"{name} ({golongan})" if name else golongan


def number_label(number: str) -> str:
    digits = number.isdigit()
    if digits and len(number) == 18:
        return "NIP"
    if digits and len(number) > 18:
        return "NI PPPK"
    return "Nomor pegawai"


def document_of(certificate: Certificate, verify_url: str, *, signed: bool) -> CertificateDocument:
    """The document of a stored certificate (for a copy after revocation or replacement, marked so)."""
    number = certificate.holder_number
    signatory = certificate.signatory or {}
    revoked_on = None
    if certificate.state == CertificateState.REVOKED and certificate.revoked_at is not None:
        revoked_on = certificate.revoked_at.date()
    return CertificateDocument(
        serial=certificate.serial,
        verify_url=verify_url,
        holder_name=certificate.holder_name,
        holder_number_label=number_label(number),
        holder_number=format_nip(number) if number_label(number) == "NIP" else number,
        pangkat_golongan=pangkat_golongan(certificate.holder_golongan),
        jabatan=certificate.holder_jabatan or "",
        unit_name=certificate.unit_name,
        skpd_name=certificate.skpd_name,
        instansi_name=certificate.instansi_name,
        course_title=certificate.course_title,
        jp=certificate.jp,
        completed_on=certificate.completed_on,
        signatory_name=signatory.get("name", ""),
        signatory_nip=signatory.get("nip", ""),
        signatory_title=signatory.get("title", ""),
        signed=signed,
        revoked_on=revoked_on,
        replaced=certificate.state == CertificateState.REPLACED,
    )
