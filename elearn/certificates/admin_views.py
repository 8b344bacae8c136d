"""HR's certificate pages (``/admin/sertifikat``): one certificate's detail with revoke and reissue,
and an instansi's certificate settings (serial prefix, signatory, template, logo, signing status).

Scope (authz): the superadmin everything; the admin BKPSDM their instansi (view, revoke, reissue,
settings); the operator SKPD views the certificates of their SKPD and changes nothing (403 on the
actions); anything outside scope answers 404. Nothing is deleted: revocation and reissue are
recorded by ``services.revoke`` / ``services.reissue`` (audited there); the settings are audited
here. Order in every view: load, authorize, validate, call the service, respond.
"""
from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from .. import authz
from ..accounts.models import User
from ..accounts.nip import format_nip, mask_employee_number
from ..audit.services import record as audit_record
from ..db import db
from ..errors import ServiceError
from ..org.forms import options
from ..org.models import Instansi, Unit
from . import logo as logo_check
from . import services, signing, templates
from .forms import ReissueForm, RevokeForm, SettingsForm
from .models import Certificate, CertificateSettings
from .views import long_date, pdf_filename, state_labels, verify_url

bp = Blueprint("certificate_admin", __name__, url_prefix="/admin/sertifikat")


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined, no-any-return]


# --- one certificate -------------------------------------------------------------------------------

def _certificate(certificate_id: int) -> Certificate:
    return authz.get_or_404(db.session.get(Certificate, certificate_id),  # type: ignore[no-any-return]
                            authz.can_view_certificate)


def _related(certificate: Certificate) -> tuple[Certificate | None, Certificate | None]:
    """(the certificate this one replaces, the one that replaces it), in one query."""
    conditions = [Certificate.replaces_id == certificate.id]
    if certificate.replaces_id is not None:
        conditions.append(Certificate.id == certificate.replaces_id)
    older = newer = None
    for row in db.session.scalars(select(Certificate).where(or_(*conditions))):
        if row.id == certificate.replaces_id:
            older = row
        elif row.replaces_id == certificate.id:
            newer = row
    return older, newer


def _may_see_person(certificate: Certificate) -> bool:
    """Whether the viewer may see the holder's NIP and the PDF (which prints it): the person rule
    of the HR pages, by where the holder is now (an operator SKPD keeps seeing a certificate issued
    in their SKPD after the holder moved, but no longer the NIP or the document)."""
    holder = db.session.execute(
        select(User.instansi_id, Unit.skpd_id).outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.id == certificate.user_id)
    ).one()
    return authz.can_view_person_at(current_user, holder.instansi_id, holder.skpd_id)


def _render_detail(certificate: Certificate, revoke_form: RevokeForm | None = None,
                   reissue_form: ReissueForm | None = None, status: int = 200) -> Any:
    older, newer = _related(certificate)
    may_see_person = _may_see_person(certificate)
    revoked_by = db.session.get(User, certificate.revoked_by_id) if certificate.revoked_by_id else None
    return render_template(
        "certificates/admin_detail.html", certificate=certificate, older=older, newer=newer, revoked_by=revoked_by,
        may_revoke=authz.can_revoke_certificate(current_user, certificate) and certificate.is_valid,
        revoke_form=revoke_form or RevokeForm(formdata=None), reissue_form=reissue_form or ReissueForm(formdata=None),
        state_labels=state_labels(), long_date=long_date, verify_url=verify_url(certificate),
        holder_number=(format_nip(certificate.holder_number) if may_see_person
                       else mask_employee_number(certificate.holder_number)),
        may_download=may_see_person,
    ), status


@bp.route("/<int:certificate_id>")
@login_required
def detail(certificate_id: int):  # type: ignore[no-untyped-def]
    return _render_detail(_certificate(certificate_id))


@bp.route("/<int:certificate_id>/sertifikat.pdf")
@login_required
def pdf(certificate_id: int):  # type: ignore[no-untyped-def]
    """One certificate's PDF for HR (as the holder downloads it: a revoked or replaced one marked so)."""
    certificate = _certificate(certificate_id)
    if not _may_see_person(certificate):
        abort(404)
    response = Response(services.pdf_for_download(certificate), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{pdf_filename(certificate)}"'
    return response


def _may_change(certificate: Certificate) -> None:
    if not authz.can_revoke_certificate(current_user, certificate):
        abort(403)


@bp.route("/<int:certificate_id>/cabut", methods=["POST"])
@login_required
def revoke(certificate_id: int):  # type: ignore[no-untyped-def]
    certificate = _certificate(certificate_id)
    _may_change(certificate)
    form = RevokeForm()
    if not certificate.is_valid:
        flash(_("Sertifikat ini sudah tidak berlaku (dicabut atau diganti); tidak ada yang diubah."), "error")
        return redirect(url_for(".detail", certificate_id=certificate.id))
    if not form.validate_on_submit():
        return _render_detail(certificate, revoke_form=form, status=400)
    try:
        services.revoke(certificate, _me(), form.reason.data.strip())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".detail", certificate_id=certificate_id))
    db.session.commit()
    flash(_("Sertifikat %(serial)s dicabut. Halaman verifikasinya kini menyatakan dicabut.",
            serial=certificate.serial), "success")
    return redirect(url_for(".detail", certificate_id=certificate_id))


@bp.route("/<int:certificate_id>/terbitkan-ulang", methods=["POST"])
@login_required
def reissue(certificate_id: int):  # type: ignore[no-untyped-def]
    certificate = _certificate(certificate_id)
    _may_change(certificate)
    form = ReissueForm()
    if not certificate.is_valid:
        flash(_("Sertifikat ini sudah tidak berlaku (dicabut atau diganti); tidak ada yang diubah."), "error")
        return redirect(url_for(".detail", certificate_id=certificate.id))
    if not form.validate_on_submit():
        return _render_detail(certificate, reissue_form=form, status=400)
    try:
        new = services.reissue(certificate, _me(), form.reason.data.strip())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".detail", certificate_id=certificate_id))
    db.session.commit()
    flash(_("Sertifikat baru %(serial)s diterbitkan; sertifikat lama dinyatakan diganti.", serial=new.serial),
          "success")
    return redirect(url_for(".detail", certificate_id=new.id))


# --- the settings of an instansi -------------------------------------------------------------------

def _instansi() -> Instansi | None:
    """The admin BKPSDM's own instansi; for the superadmin ``?instansi=<slug>`` (None: choose one)."""
    if authz.is_superadmin(current_user):
        slug = request.args.get("instansi", "")
        if not slug:
            return None
        instansi = db.session.scalar(select(Instansi).where(Instansi.slug == slug[:64]))
    else:
        instansi = db.session.get(Instansi, current_user.instansi_id) if current_user.instansi_id else None
    if instansi is None:
        abort(404)
    if not authz.can_manage_certificate_settings(current_user, instansi):
        abort(403)
    return instansi


def template_choices(current: str | None) -> list[tuple[str, str]]:
    """(key, title) of the templates an instansi may choose (``templates.available_templates``), and
    the current choice even if its folder is gone (so saving other fields keeps it)."""
    pairs = [(choice.key, choice.title) for choice in templates.available_templates()]
    if current and current not in {key for key, _title in pairs}:
        pairs.append((current, current))
    return pairs


def signing_status(instansi: Instansi) -> dict[str, Any]:
    """Whether a PAdES signing certificate is configured for the instansi (``signing.signer_for``):
    its subject and expiry, or why it cannot be used, or none."""
    try:
        signer = signing.signer_for(instansi)
    except signing.SigningError as exc:  # unreadable file, wrong passphrase, expired
        return {"state": "error", "message": exc.message}
    if signer is None:
        return {"state": "none"}
    from .dev_signing import DEV_MARK

    description = signer.description
    return {"state": "configured", "subject": description.subject, "expires": description.not_after.date(),
            # a throw-away key of `certificates dev-signing-key`: say so in words, not only in the DN
            "development": DEV_MARK in description.subject}


def _logo_error(error: logo_check.LogoError) -> str:
    if error.code == "too_large":
        return _("Logo terlalu besar: paling besar %(kb)s KB.", kb=logo_check.MAX_LOGO_BYTES // 1024)
    if error.code == "not_png":
        return _("Logo harus berupa berkas PNG.")
    if error.code == "dimensions":
        return _("Ukuran logo %(w)s×%(h)s piksel tidak diterima: paling besar %(max)s×%(max)s piksel.",
                 w=error.width, h=error.height, max=logo_check.MAX_LOGO_SIDE)
    return _("Berkas logo rusak atau memuat bagian yang tidak diterima. Simpan ulang sebagai PNG biasa lalu "
             "unggah lagi.")


@bp.route("/pengaturan", methods=["GET", "POST"])
@login_required
@authz.require(authz.is_admin)
def settings():  # type: ignore[no-untyped-def]
    instansi = _instansi()
    if instansi is None:
        rows = list(db.session.scalars(select(Instansi).order_by(Instansi.name)))
        return render_template("certificates/admin_settings_choose.html", instansi_list=rows)
    current = services.settings_for(instansi.id)
    form = SettingsForm(obj=current if request.method == "GET" else None)
    form.template_key.choices = options(template_choices(current.template_key))
    logo_error = None
    logo_data: bytes | None = None
    if request.method == "POST" and form.validate_on_submit() \
            and not _prefix_in_use(instansi, current, form):
        upload = form.logo.data
        if upload is not None and getattr(upload, "filename", None):
            logo_data = upload.read(logo_check.MAX_LOGO_BYTES + 1)
            try:
                logo_check.check_logo(logo_data)
            except logo_check.LogoError as exc:
                logo_error = _logo_error(exc)
                form.logo.errors = [logo_error]
        if logo_error is None:
            _save_settings(instansi, current, form, logo_data)
            db.session.commit()
            flash(_("Pengaturan sertifikat disimpan. Berlaku untuk sertifikat yang terbit sesudah ini."), "success")
            return redirect(url_for(".settings", **({"instansi": instansi.slug}
                                                     if authz.is_superadmin(current_user) else {})))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "certificates/admin_settings.html", instansi=instansi, form=form, settings=current,
        signing=signing_status(instansi),
    ), status


def _prefix_in_use(instansi: Instansi, settings: CertificateSettings, form: SettingsForm) -> bool:
    """A new serial prefix another instansi already uses: a form error (serials are unique across
    the installation; sharing a prefix would make one instansi's issuance fail on the other's numbers)."""
    prefix = form.serial_prefix.data
    if prefix == settings.serial_prefix or not services.prefix_taken(instansi.id, prefix):
        return False
    form.serial_prefix.errors = [_("Awalan nomor seri %(prefix)s sudah dipakai instansi lain. Pilih awalan yang "
                                   "lain.", prefix=prefix)]
    return True


def _save_settings(instansi: Instansi, settings: CertificateSettings, form: SettingsForm,
                   logo_data: bytes | None) -> None:
    fields = ("serial_prefix", "signatory_name", "signatory_nip", "signatory_title", "template_key")
    changed: dict[str, Any] = {}
    for name in fields:
        value = (getattr(form, name).data or "").strip()
        if getattr(settings, name) != value:
            changed[name] = [getattr(settings, name), value]
            setattr(settings, name, value)
    if logo_data is not None:
        digest = hashlib.sha256(logo_data).hexdigest()
        if digest != settings.logo_sha256:
            changed["logo_sha256"] = [settings.logo_sha256, digest]
            settings.logo = logo_data
            settings.logo_sha256 = digest
    elif form.remove_logo.data and settings.logo_sha256:
        changed["logo_sha256"] = [settings.logo_sha256, None]
        settings.logo = None
        settings.logo_sha256 = None
    settings.updated_by_id = current_user.id
    db.session.add(settings)  # (a new row when the instansi had only the defaults of settings_for)
    db.session.flush()
    audit_record("certificate_settings.update", actor=_me(), instansi_id=instansi.id, target=settings,
                 details={"changed": changed})

