"""The audit log: who did what, when, from where. Admin BKPSDM (own instansi) and superadmin."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from .. import authz
from ..accounts.models import User
from ..db import db
from ..org.forms import options
from ..org.models import Instansi
from ..pagination import page_number, paginate
from .models import AuditEvent

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50

#: every action recorded anywhere in the app, with its label in the log
ACTION_LABELS: dict[str, Any] = {
    "account.create": _l("Akun dibuat"),
    "account.update": _l("Data pegawai diubah"),
    "account.reset": _l("Akun diatur ulang (kode aktivasi baru)"),
    "account.activation_code": _l("Kode aktivasi diterbitkan (slip satu orang)"),
    "account.role": _l("Peran diubah"),
    "account.deactivate": _l("Akun dinonaktifkan"),
    "account.reactivate": _l("Akun diaktifkan kembali"),
    "account.slips": _l("Slip aktivasi dicetak"),
    "unit.create": _l("Unit ditambahkan"),
    "unit.rename": _l("Unit diubah namanya/jenisnya"),
    "unit.move": _l("Unit dipindahkan"),
    "unit.deactivate": _l("Unit dinonaktifkan"),
    "unit.reactivate": _l("Unit diaktifkan kembali"),
    "roster.import": _l("Data pegawai diimpor"),
    "course.assign": _l("Kursus ditugaskan"),
    "course.assign_due": _l("Tenggat penugasan kursus diubah"),
    "course.unassign": _l("Penugasan kursus ditarik"),
    "content.sync": _l("Kursus dimuat dari folder courses/"),
    "quiz.sync": _l("Bank soal dimuat dari folder quizzes/"),
    "quiz.import_gift": _l("Soal diimpor dari berkas GIFT (Moodle)"),
    "quiz.bank_create": _l("Bank soal dibuat"),
    "quiz.bank_copy": _l("Bank soal bawaan disalin ke instansi"),
    "quiz.question_create": _l("Soal dibuat"),
    "quiz.question_update": _l("Soal diubah (versi baru)"),
    "quiz.question_retire": _l("Soal ditarik"),
    "quiz.question_restore": _l("Soal dipulihkan"),
    "quiz.tag_create": _l("Tag soal dibuat"),
    "quiz.tag_rename": _l("Nama tag soal diubah"),
    "quiz.tag_merge": _l("Tag soal digabung"),
    "quiz.create": _l("Kuis dibuat"),
    "quiz.update": _l("Kuis diubah"),
    "quiz.publish": _l("Kuis diterbitkan"),
    "quiz.unpublish": _l("Kuis dijadikan draf"),
    "course.create": _l("Kursus dibuat"),
    "course.copy": _l("Kursus bawaan disalin ke instansi"),
    "course.draft": _l("Draf kursus dimulai"),
    "course.update": _l("Data kursus diubah"),
    "course.module_add": _l("Modul ditambahkan"),
    "course.module_update": _l("Modul diubah"),
    "course.module_remove": _l("Modul dihapus dari draf"),
    "course.module_move": _l("Urutan modul diubah"),
    "course.image_upload": _l("Gambar kursus diunggah"),
    "course.publish": _l("Versi kursus diterbitkan"),
    "demo.accounts": _l("Akun demo dicetak ulang (kata sandi dan kode aktivasi baru)"),
}
#: labels of detail keys shown in the log
DETAIL_LABELS: dict[str, Any] = {
    "name": _l("nama"),
    "old": _l("lama"),
    "new": _l("baru"),
    "count": _l("jumlah"),
    "accounts": _l("akun"),
    "codes": _l("kode aktivasi untuk"),
    "skpd": _l("perangkat daerah"),
    "only_pending": _l("hanya yang belum aktivasi"),
    # account.slips: new arrivals only (SlipScope.NEW) or everyone not yet activated
    "new_only": _l("hanya pegawai baru (slip lama tetap berlaku)"),
    # account.activation_code: whether a still-working code was replaced
    "replaced": _l("menggantikan kode yang masih berlaku"),
    "kind": _l("jenis"),
    "old_kind": _l("jenis lama"),
    "parent": _l("induk"),
    "old_parent": _l("induk lama"),
    "new_parent": _l("induk baru"),
    "units": _l("jumlah unit"),
    "role": _l("peran"),
    "changes": _l("perubahan"),
    "skpd_id": _l("id perangkat daerah"),
    # roster.import
    "created": _l("baru"),
    "updated": _l("diperbarui"),
    "unchanged": _l("tidak berubah"),
    "deactivated": _l("dinonaktifkan"),
    "errors": _l("baris bermasalah"),
    "rows": _l("baris"),
    "new_units": _l("unit baru"),
    "deactivate_missing": _l("nonaktifkan yang tidak ada di berkas"),
    "file": _l("berkas"),
    # course assignments
    "target": _l("sasaran"),
    "due_date": _l("tenggat"),
    "old_due_date": _l("tenggat lama"),
    # courses
    "course": _l("kursus"),
    "module": _l("modul"),
    "modules": _l("jumlah modul"),
    "version": _l("versi"),
    "label": _l("label versi"),
    "title": _l("judul"),
    "from": _l("dari versi"),
    "position": _l("urutan"),
    "bytes": _l("ukuran (bita)"),
    # question banks
    "bank": _l("bank soal"),
    "drafts": _l("draf"),
    "skipped": _l("dilewati"),
    "retired": _l("ditarik"),
    "quizzes": _l("kuis berubah"),
    # quiz authoring
    "question": _l("soal"),
    "questions": _l("soal berubah"),
    "tag": _l("tag"),
    "into": _l("digabung ke"),
    "remaining": _l("soal lain yang tetap memakai tag lama"),
    "quiz": _l("kuis"),
    # copies of shipped content
    "source": _l("disalin dari"),
    "banks": _l("bank soal"),
}


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    instansi = SelectField(_l("Instansi"), choices=[], validate_choice=False)
    action = SelectField(
        _l("Tindakan"), choices=options([("", _l("Semua"))] + list(ACTION_LABELS.items())), validate_choice=False
    )
    date_from = DateField(_l("Dari tanggal"), validators=[Optional()])
    date_to = DateField(_l("Sampai tanggal"), validators=[Optional()])


def _utc_bound(day: dt.date, tz_iana: str, days: int = 0) -> dt.datetime:
    """Local midnight at the start of ``day`` (plus ``days``) in the instansi's zone, as UTC. A day
    at the ends of the calendar (``?date_to=9999-12-31``) is kept a day inside them: the
    conversion would overflow (500)."""
    day = min(max(day, dt.date.min + dt.timedelta(days=1)), dt.date.max - dt.timedelta(days=1 + days))
    day += dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(tz_iana)).astimezone(dt.timezone.utc)


def format_details(details: dict[str, Any] | None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in (details or {}).items():
        label = str(DETAIL_LABELS.get(key, key))
        if isinstance(value, dict):
            value = "; ".join(f"{DETAIL_LABELS.get(k, k)}: {_pair(v)}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = _("ya") if value else _("tidak")
        elif value is None:
            value = "—"
        out.append((label, str(value)))
    return out


def _pair(value: Any) -> str:
    if isinstance(value, list) and len(value) == 2:
        return f"{'—' if value[0] in (None, '') else value[0]} → {'—' if value[1] in (None, '') else value[1]}"
    return str(value)


@bp.route("/")
@login_required
@authz.require(authz.is_admin)
def log():  # type: ignore[no-untyped-def]
    user: User = current_user
    form = AuditFilterForm(formdata=request.args)
    form.validate()
    instansi: Instansi | None = None
    instansi_by_id: dict[int, Instansi] = {}
    if authz.is_superadmin(user):
        all_instansi = list(db.session.scalars(select(Instansi).order_by(Instansi.name)))
        instansi_by_id = {i.id: i for i in all_instansi}
        form.instansi.choices = options([("", _("Semua instansi"))] + [(i.slug, i.name) for i in all_instansi])
        slug = request.args.get("instansi")
        if slug:
            instansi = next((i for i in all_instansi if i.slug == slug), None)
            if instansi is None:
                abort(404)
    else:
        instansi = db.session.get(Instansi, user.instansi_id) if user.instansi_id is not None else None
        slug = request.args.get("instansi")
        if instansi is None or (slug and slug != instansi.slug):
            abort(404)
        if not authz.can_view_audit(user, instansi):
            abort(403)
        instansi_by_id = {instansi.id: instansi}
    tz = instansi.timezone.iana if instansi is not None else current_app.config["BABEL_DEFAULT_TIMEZONE"]
    stmt = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if instansi is not None:
        stmt = stmt.where(AuditEvent.instansi_id == instansi.id)
    if form.action.data in ACTION_LABELS:
        stmt = stmt.where(AuditEvent.action == form.action.data)
    if form.date_from.data and not form.date_from.errors:
        stmt = stmt.where(AuditEvent.created_at >= _utc_bound(form.date_from.data, tz))
    if form.date_to.data and not form.date_to.errors:
        stmt = stmt.where(AuditEvent.created_at < _utc_bound(form.date_to.data, tz, days=1))
    page = paginate(stmt, page_number(request.args.get("page")), PAGE_SIZE)
    return render_template(
        "audit/log.html",
        form=form,
        page=page,
        instansi=instansi,
        instansi_by_id=instansi_by_id,
        default_tz=tz,
        show_instansi=authz.is_superadmin(user),
        action_labels=ACTION_LABELS,
        format_details=format_details,
    )
