"""Roster import in the browser: upload -> preview -> validate in chunks (progress) -> apply -> summary.

No state lives in worker memory: the file is stored in a RosterImport row, and every step
(any worker, any machine) reads it back from there. The validation chunks give a real
progress bar; the import itself runs in one transaction in ``terapkan``.
"""
from __future__ import annotations

import csv
import io
import logging
from itertools import islice
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..authz import (
    can_import_roster,
    can_manage_instansi,
    can_view_roster_import,
    get_or_404,
    is_hr,
    is_superadmin,
    require,
    scope_roster_imports,
)
from ..db import db
from ..errors import ServiceError
from ..org.models import Instansi, Unit
from ..org.services import get_instansi
from ..spreadsheets import safe_cell
from . import services
from .forms import ApplyForm, UploadForm
from .models import RosterImport
from .parsing import FIELD_LABELS, FIELDS, RosterFileError

bp = Blueprint("roster", __name__, url_prefix="/impor")
log = logging.getLogger(__name__)

def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _load(import_id: int) -> RosterImport:
    return get_or_404(db.session.get(RosterImport, import_id), can_view_roster_import)  # type: ignore[no-any-return]


@bp.route("/", methods=["GET", "POST"])
@login_required
@require(is_hr)
def upload():  # type: ignore[no-untyped-def]
    form = UploadForm()
    superadmin = is_superadmin(current_user)
    if superadmin:
        form.instansi.choices = [
            (i.slug, i.name) for i in db.session.scalars(select(Instansi).order_by(Instansi.name))
        ]
    else:
        del form.instansi
        if current_user.instansi is None or not can_import_roster(current_user, current_user.instansi):
            abort(403)
    if form.validate_on_submit():
        instansi = get_instansi(form.instansi.data) if superadmin else current_user.instansi
        if instansi is None or not can_import_roster(current_user, instansi):
            abort(404)
        skpd = None if can_import_whole(instansi) else db.session.get(Unit, current_user.skpd_id)
        limit = current_app.config["ROSTER_MAX_BYTES"]
        data = form.file.data.read(limit + 1)
        if len(data) > limit:
            form.file.errors.append(
                _("Berkas terlalu besar (paling besar %(mb)s MB). Pecah berkas per perangkat daerah.",
                  mb=limit // (1024 * 1024))
            )
        else:
            try:
                imp = services.create_upload(instansi, current_user, form.file.data.filename or "", data, skpd)
            except RosterFileError as exc:
                db.session.rollback()
                form.file.errors.append(exc.message)
            else:
                db.session.commit()
                return redirect(url_for(".preview", import_id=imp.id))
    recent = db.session.scalars(
        scope_roster_imports(select(RosterImport), current_user).order_by(RosterImport.created_at.desc()).limit(10)
    ).all()
    skpd_name = None
    if not superadmin and not can_import_whole(current_user.instansi):
        skpd_unit = db.session.get(Unit, current_user.skpd_id)
        skpd_name = skpd_unit.name if skpd_unit is not None else None
    return render_template("roster/upload.html", form=form, recent=recent, skpd_name=skpd_name,
                           field_labels=FIELD_LABELS)


def can_import_whole(instansi: Instansi) -> bool:
    """Admin BKPSDM / superadmin import the whole instansi; an operator only their SKPD."""
    return can_manage_instansi(current_user, instansi)


@bp.route("/<int:import_id>")
@login_required
@require(is_hr)
def preview(import_id: int):  # type: ignore[no-untyped-def]
    imp = _load(import_id)
    if imp.is_applied:
        return redirect(url_for(".summary", import_id=imp.id))
    roster = services.open_import(imp)
    fields = [f for f in FIELDS if roster.has(f)]
    rows = list(islice(roster.rows(), 10))
    columns = [(FIELD_LABELS[f], roster.headers[roster.mapping[f]]) for f in fields]
    missing = [FIELD_LABELS[f] for f in FIELDS if not roster.has(f)]
    picks = [FIELDS.index(f) for f in fields]
    preview_rows = [(line, [values[i] for i in picks]) for line, values in rows]
    return render_template(
        "roster/preview.html",
        imp=imp,
        form=ApplyForm(),
        columns=columns,
        missing=missing,
        unknown=roster.unknown_columns,
        rows=preview_rows,
        header_line=roster.header_line,
    )


@bp.route("/<int:import_id>/validasi", methods=["POST"])
@login_required
@require(is_hr)
def validate(import_id: int):  # type: ignore[no-untyped-def]
    imp = _load(import_id)
    payload: Any = request.get_json(silent=True) or request.form
    try:
        offset = int(payload.get("offset", 0))
    except (TypeError, ValueError):
        abort(400)
    if offset < 0:
        abort(400)
    if imp.is_applied:
        return jsonify(error=_("Impor ini sudah diterapkan."),
                       summary_url=url_for(".summary", import_id=imp.id)), 409
    progress = services.validate_chunk(imp, offset)
    db.session.commit()
    return jsonify(
        **progress.as_dict(),
        message=_("%(done)s dari %(total)s baris diperiksa; %(errors)s galat.",
                  done=progress.offset, total=progress.total, errors=progress.error_count),
    )


@bp.route("/<int:import_id>/terapkan", methods=["POST"])
@login_required
@require(is_hr)
def apply(import_id: int):  # type: ignore[no-untyped-def]
    imp = _load(import_id)
    form = ApplyForm()
    summary_url = url_for(".summary", import_id=imp.id)
    if not form.validate_on_submit():
        abort(400)
    if imp.is_applied:
        return jsonify(summary_url=summary_url) if _wants_json() else redirect(summary_url)
    try:
        services.apply_import(imp, actor=current_user, deactivate_missing=bool(form.deactivate_missing.data))
        db.session.commit()
    except ServiceError:
        db.session.rollback()
    except Exception as exc:  # a crash: nothing of the import stays; say so and let HR retry
        db.session.rollback()
        log.exception("roster import %s failed", import_id)
        failed = db.session.get(RosterImport, import_id)
        if failed is not None and not failed.is_applied:
            failed.mark_failed(f"{type(exc).__name__}: {exc}")
            db.session.commit()
        message = _("Impor gagal karena kesalahan sistem; tidak ada data yang diubah. Coba lagi atau "
                    "hubungi pengelola aplikasi.")
        if _wants_json():
            return jsonify(error=message), 500
        flash(message, "error")
        return redirect(url_for(".preview", import_id=import_id))
    return jsonify(summary_url=summary_url) if _wants_json() else redirect(summary_url)


@bp.route("/<int:import_id>/ringkasan")
@login_required
@require(is_hr)
def summary(import_id: int):  # type: ignore[no-untyped-def]
    imp = _load(import_id)
    if not imp.is_applied:
        return redirect(url_for(".preview", import_id=imp.id))
    return render_template("roster/summary.html", imp=imp, errors=imp.errors[:100])


@bp.route("/<int:import_id>/galat.csv")
@login_required
@require(is_hr)
def errors_csv(import_id: int):  # type: ignore[no-untyped-def]
    imp = _load(import_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Baris"), _("Kode"), _("Pesan"), _("NIP")])
    for error in imp.errors or []:
        writer.writerow([safe_cell(error.get("line")), safe_cell(error.get("code")), safe_cell(error.get("message")),
                         safe_cell(error.get("nip", ""))])
    name = f"galat-impor-{imp.id}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
