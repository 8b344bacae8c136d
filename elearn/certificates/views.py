"""The learner's certificates ("Sertifikat saya": list, PDF, Open Badge JSON, the verify link) and
the public verification pages: ``/verifikasi/sertifikat/<code>`` (the QR target) and
``/verifikasi/sertifikat`` (upload a PDF: is it one we issued, unaltered?).

The public pages show the least that proves a certificate: name, course, JP, completion date,
instansi and the NIP masked; never the revocation reason. An unknown code and a malformed one get
the same page, the same status and the same one query (no enumeration). Both are rate limited per
IP (``PUBLIC_LIMIT_PER_IP``, like the pakta verify page) and carry ``noindex``.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, make_response, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import aliased, lazyload, undefer
from werkzeug.exceptions import RequestEntityTooLarge

from ..accounts.nip import mask_employee_number
from ..db import db
from ..extensions import rate_limit
from ..org.models import Instansi, Timezone
from . import badge_keys, badges, services, signing
from .forms import VerifyUploadForm
from .models import Certificate, CertificateState

#: one blueprint for the learner's pages and the public ones (``certificates.verify`` is the QR
#: target services.verify_url builds)
bp = Blueprint("certificates", __name__)

#: a malformed code is looked up as this value, which no certificate has: the same one query
NO_CODE = "-"
PDF_MAGIC = b"%PDF-"
verify_url = services.verify_url


def long_date(value: dt.date) -> str:
    from ..pledges.services import long_date as format_long

    return format_long(value, str(get_locale() or "id"))


def state_labels() -> dict[CertificateState, str]:
    return {CertificateState.VALID: _("berlaku"), CertificateState.REVOKED: _("dicabut"),
            CertificateState.REPLACED: _("diganti")}


def pdf_filename(certificate: Certificate) -> str:
    return "sertifikat-" + re.sub(r"[^A-Za-z0-9.-]+", "-", certificate.serial).strip("-") + ".pdf"


# --- the learner's pages -----------------------------------------------------------------------

def _mine(certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.user_id != current_user.id:
        abort(404)
    return certificate


def enrollment_with_certificate(user_id: int, course_id: int) -> tuple[Any, Certificate | None]:
    """The learner's enrollment in a course and their valid certificate of it, in ONE query (the
    course page loads both; the certificate costs no statement of its own)."""
    from ..courses.models import Enrollment

    row = db.session.execute(_enrollment_with_certificate(), {"user_id": user_id, "course_id": course_id}).first()
    if row is None:
        return None, None
    return row[0], row[1]


@functools.cache
def _enrollment_with_certificate() -> Any:
    """Built once per process (issue 14: building a statement took longer than running it)."""
    from ..courses.models import Enrollment

    return (
        select(Enrollment, Certificate)
        .options(lazyload(Enrollment.course_version))
        .outerjoin(Certificate, and_(Certificate.user_id == Enrollment.user_id,
                                     Certificate.course_id == Enrollment.course_id,
                                     Certificate.state == CertificateState.VALID))
        .where(Enrollment.user_id == bindparam("user_id"), Enrollment.course_id == bindparam("course_id"))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(1)
    )


@functools.cache
def _my_certificates() -> Any:
    return (select(Certificate).where(Certificate.user_id == bindparam("user_id"))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))


@bp.route("/sertifikat/")
@login_required
def index():  # type: ignore[no-untyped-def]
    certificates = list(db.session.scalars(_my_certificates(), {"user_id": current_user.id}))
    return render_template(
        "certificates/index.html", certificates=certificates, state_labels=state_labels(),
        verify_urls={c.id: verify_url(c) for c in certificates},
    )


@bp.route("/sertifikat/<int:certificate_id>/sertifikat.pdf")
@login_required
def download_pdf(certificate_id: int):  # type: ignore[no-untyped-def]
    certificate = _mine(certificate_id)
    response = make_response(services.pdf_for_download(certificate))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{pdf_filename(certificate)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/sertifikat/<int:certificate_id>/lencana.json")
@login_required
def download_badge(certificate_id: int):  # type: ignore[no-untyped-def]
    """The signed OpenBadgeCredential as issued (``Certificate.credential``), as a file."""
    certificate = db.session.scalar(
        select(Certificate).options(undefer(Certificate.credential)).where(Certificate.id == certificate_id)
    )
    if certificate is None or certificate.user_id != current_user.id or not certificate.credential:
        abort(404)
    body = json.dumps(certificate.credential, ensure_ascii=False, indent=2)
    response = make_response(body)
    response.headers["Content-Type"] = "application/ld+json; charset=utf-8"
    name = re.sub(r"[^A-Za-z0-9.-]+", "-", certificate.serial).strip("-")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the public verification page ----------------------------------------------------------------

def _public_limit() -> str:
    return current_app.config["PUBLIC_LIMIT_PER_IP"]


def _upload_limit() -> str:
    return current_app.config["VERIFY_UPLOAD_LIMIT_PER_IP"]


def _noindex(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


def find_by_code(code: str) -> tuple[Certificate | None, str | None, Timezone | None]:
    """The certificate of ``code``, the code of the certificate that replaces it (if any) and its
    instansi's time zone, in one query whatever ``code`` is: a malformed code is looked up as a
    value no row has."""
    lookup = code if services.CODE.fullmatch(code or "") else NO_CODE
    newer = aliased(Certificate)
    row = db.session.execute(
        select(Certificate, newer.code, Instansi.timezone)
        .join(Instansi, Instansi.id == Certificate.instansi_id)
        .outerjoin(newer, newer.replaces_id == Certificate.id)
        .where(Certificate.code == lookup)
        .order_by(newer.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None, None, None
    return row[0], row[1], row[2]


def local_day(moment: dt.datetime, zone: Timezone | None) -> dt.date:
    """The day of ``moment`` in the instansi's time zone."""
    return moment.astimezone(ZoneInfo(zone.iana if zone else "Asia/Jakarta")).date()


def credential_matches_row(credential: dict[str, Any], certificate: Certificate) -> bool:
    """Whether the signed credential says what the row says (code, name, course, JP, instansi,
    completion and issue times, status bit): a row altered after issue no longer matches the
    credential signed at issue."""
    try:
        subject = credential["credentialSubject"]
        return bool(
            credential["id"] == badges.credential_id(certificate)
            and credential["validFrom"] == badges.iso_time(certificate.issued_at)
            and subject["activityEndDate"] == badges.iso_time(certificate.completed_at)
            and subject["identifier"][0]["identityHash"] == certificate.holder_name
            and subject["achievement"]["name"] == certificate.course_title
            and int(subject["creditsEarned"]) == certificate.jp
            and credential["issuer"]["name"] == certificate.instansi_name
            and str(credential["credentialStatus"]["statusListIndex"]) == str(certificate.status_index)
        )
    except (KeyError, IndexError, TypeError, ValueError):
        return False


def credential_status(certificate: Certificate) -> str:
    """The stored Open Badge checked against its proof and the row (``badges.verify_credential``):
    "valid"; "invalid" (the proof does not verify, or the row no longer says what was signed);
    "unchecked" (the credential names another public address than this server's, yet the
    instansi's own key signed it). Every certificate is issued with its credential: an empty one
    was removed afterwards and is "invalid" too."""
    credential = certificate.credential
    if not credential or not isinstance(credential, dict) or not credential_matches_row(credential, certificate):
        return "invalid"
    try:
        result = badges.verify_credential(credential)
    except Exception:  # noqa: BLE001 (a malformed stored credential is simply not valid)
        current_app.logger.warning("credential of certificate %s cannot be checked", certificate.id, exc_info=True)
        return "invalid"
    if result:
        return "valid"
    if getattr(result, "reason", "") == "unknown verification method":
        # The credential names another address than this server's (issued in development without
        # PUBLIC_BASE_URL): it is still ours only if the certificate's instansi's own key signed it.
        # Anything else is a credential someone wrote in (a row and its badge both replaced).
        if badges.verify_credential(credential, resolve_key=_instansi_key_resolver(certificate.instansi_id)):
            current_app.logger.warning("credential of certificate %s names another address than this server's",
                                       certificate.id)
            return "unchecked"
    current_app.logger.warning("credential of certificate %s does not verify: %s", certificate.id,
                               getattr(result, "reason", ""))
    return "invalid"


def _instansi_key_resolver(instansi_id: int) -> badges.KeyResolver:
    """A key resolver that finds ``#<key id>`` among the instansi's own keys, whatever the address
    before the ``#``."""
    def resolve(method: str) -> Any:
        instansi = db.session.get(Instansi, instansi_id)
        if instansi is None:
            return None
        try:
            key = badge_keys.keyring(instansi.slug).get(method.partition("#")[2])
        except ValueError:
            return None
        return key.public if key is not None else None

    return resolve


@bp.route("/verifikasi/sertifikat/<code>")
@rate_limit(_public_limit)
def verify(code: str):  # type: ignore[no-untyped-def]
    certificate, newer_code, zone = find_by_code(code)
    if certificate is None:
        # (the language switch returns to the upload page, not to this URL: the page is the same
        # whatever the code was)
        return _noindex(make_response(render_template(
            "certificates/verify_unknown.html", lang_next=url_for("certificates.verify_upload")), 404))
    return _noindex(make_response(render_template(
        "certificates/verify.html", certificate=certificate, newer_code=newer_code,
        masked_number=mask_employee_number(certificate.holder_number),
        completed_on=long_date(certificate.completed_on),
        revoked_on=long_date(local_day(certificate.revoked_at, zone)) if certificate.revoked_at else None,
        credential=credential_status(certificate),
    )))


# --- the upload check --------------------------------------------------------------------------------

def _check_signature(data: bytes) -> tuple[signing.PdfCheck, set[str]]:
    """The PAdES check of an uploaded PDF, trusting the signing certificates of every instansi this
    installation knows (``signing.known_certificates``), and the fingerprints of those signing
    certificates themselves (not their CAs: a PSrE certifies many other signers)."""
    known = signing.known_certificates()
    return signing.check_pdf(data, trusted=known), signing.signer_fingerprints(known)


def signature_state(result: Any) -> str | None:
    """intact / modified / broken / unsigned / unreadable from a PdfCheck's ``status``; None
    without a check."""
    if result is None:
        return None
    value = getattr(result, "status", None)
    value = getattr(value, "value", value)
    if value in ("not_pdf", "too_large"):
        return "unreadable"
    return str(value) if value else None


def signer_name(result: Any, ours: set[str] | None = None) -> tuple[str | None, bool]:
    """(the signer's common name, whether it is one of our signing certificates: it chains to our
    trust anchors and, given ``ours``, is itself one of them, not another signer of the same CA)."""
    signature = getattr(result, "signature", None) if result is not None else None
    if signature is None:
        return None, False
    name = getattr(signature, "signer_common_name", None) or getattr(signature, "signer_subject", None)
    trusted = bool(getattr(signature, "trusted", False))
    if ours is not None:
        trusted = trusted and getattr(signature, "signer_fingerprint", None) in ours
    return name, trusted


def _render_upload(form: VerifyUploadForm, status: int = 200, **context: Any) -> Response:
    return _noindex(make_response(render_template("certificates/verify_upload.html", form=form, **context), status))


@bp.route("/verifikasi/sertifikat", methods=["GET", "POST"])
@rate_limit(_public_limit)
@rate_limit(_upload_limit, methods=["POST"])
def verify_upload():  # type: ignore[no-untyped-def]
    form = VerifyUploadForm()
    if request.method == "GET":
        return _render_upload(form)
    if not form.validate_on_submit():
        return _render_upload(form, 400, error=_("Formulir tidak sah. Muat ulang halaman lalu coba lagi."))
    upload = form.pdf.data
    if upload is None or not getattr(upload, "filename", None):
        return _render_upload(form, 400, error=_("Pilih berkas PDF sertifikat yang akan diperiksa."))
    data = upload.read()
    if not data:
        return _render_upload(form, 400, error=_("Berkas yang diunggah kosong. Pilih berkas PDF sertifikat."))
    if PDF_MAGIC not in data[:1024]:  # (a PDF's header may follow up to 1 KB of other bytes)
        return _render_upload(form, 400, error=_("Berkas ini bukan PDF. Unggah berkas PDF sertifikat yang Anda "
                                                 "terima dari elearn."))
    digest = hashlib.sha256(data).hexdigest()
    certificate = services.find_by_pdf_hash(digest)
    check, ours = _check_signature(data)
    signer, trusted = signer_name(check, ours)
    signature = signature_state(check)
    credential = credential_status(certificate) if certificate else None
    if certificate is not None and certificate.pdf_signed and not (signature == "intact" and trusted):
        # issued signed, yet this file (whose hash the row names) is not intact under one of our
        # signing certificates: the row's hash was changed to another file's
        credential = "invalid"
    return _render_upload(
        form, result=True, certificate=certificate, digest=digest, signature=signature,
        signer=signer, trusted=trusted,
        masked_number=mask_employee_number(certificate.holder_number) if certificate else None,
        completed_on=long_date(certificate.completed_on) if certificate else None,
        verify_link=verify_url(certificate) if certificate else None,
        credential=credential,
    )


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(err: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
    """A body above MAX_CONTENT_LENGTH (only the upload form takes a body on this blueprint): the form again with
    a clear message instead of the bare error page. The body is never read."""
    limit_mb = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    response = _render_upload(
        VerifyUploadForm(formdata=None), 413,
        error=_("Berkas terlalu besar: paling besar %(mb)s MB. Sertifikat dari elearn jauh lebih kecil; "
                "pastikan Anda mengunggah berkas PDF sertifikat yang benar.", mb=limit_mb),
    )
    response.headers["Connection"] = "close"
    return response
