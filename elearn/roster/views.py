"""Roster import in the browser: upload -> progress (check job) -> preview -> apply -> progress (apply
job) -> summary.

No state lives in worker memory: the file is stored in a RosterImport row. The upload request
only makes the cheap, bounded checks (size, kind, a workbook's zip directory) and queues a job
(elearn.jobs) that reads the file and checks every row; the preview shows what it found;
``terapkan`` queues the job that applies the file in one transaction. Nothing proportional to the
number of rows runs in a request, so no web worker timeout decides whether an import lands.
"""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

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
from ..http_guards import large_body
from ..jobs.models import JobStatus
from ..org.models import Instansi, Unit
from ..org.services import get_instansi
from ..spreadsheets import safe_cell
from . import services, tasks  # noqa: F401 - tasks registers the import job
from .forms import ApplyForm, UploadForm
from .models import RosterImport
from .parsing import FIELD_LABELS, FIELDS, RosterFileError

bp = Blueprint("roster", __name__, url_prefix="/impor")

#: how often the progress page reloads itself
PROGRESS_REFRESH_SECONDS = 2
#: row errors listed on the preview (all of them are in the error CSV)
PREVIEW_ERRORS = 20


def _load(import_id: int) -> RosterImport:
    return get_or_404(db.session.get(RosterImport, import_id), can_view_roster_import)  # type: ignore[no-any-return]


@bp.route("/", methods=["GET", "POST"])
@large_body("ROSTER_MAX_BYTES")
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
                return redirect(url_for(".progress", import_id=imp.id))
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
    if (imp.job is not None and imp.job.is_pending) or not imp.is_checked:
        return redirect(url_for(".progress", import_id=imp.id))
    # what the check job found; nothing here reads the file
    found = imp.preview or {}
    fields = [f for f in found.get("fields", []) if f in FIELD_LABELS]
    columns = [(FIELD_LABELS[f], header) for f, header in zip(fields, found.get("headers", []))]
    return render_template(
        "roster/preview.html",
        imp=imp,
        form=ApplyForm(),
        columns=columns,
        missing=[FIELD_LABELS[f] for f in FIELDS if f not in fields],
        unknown=found.get("unknown", []),
        rows=found.get("rows", []),
        header_line=found.get("header_line", 1),
        errors=services.describe_row_errors(imp.errors[:PREVIEW_ERRORS]),
    )


@bp.route("/<int:import_id>/terapkan", methods=["POST"])
@login_required
@require(is_hr)
def apply(import_id: int):  # type: ignore[no-untyped-def]
    imp = _load(import_id)
    form = ApplyForm()
    if not form.validate_on_submit():
        abort(400)
    if imp.is_applied:
        return redirect(url_for(".summary", import_id=imp.id))
    if imp.is_checked and (imp.job is None or not imp.job.is_pending):
        try:
            services.start_import(imp, actor=current_user, deactivate_missing=bool(form.deactivate_missing.data))
            db.session.commit()
        except (ServiceError, OperationalError):
            # another request started it a moment ago (SQLite refuses the second writer's stale
            # snapshot as "database is locked"): follow its progress
            db.session.rollback()
    return redirect(url_for(".progress", import_id=imp.id))


@bp.route("/<int:import_id>/proses")
@login_required
@require(is_hr)
def progress(import_id: int):  # type: ignore[no-untyped-def]
    """The job's progress (checking, then applying); the page reloads itself every few seconds (no
    JavaScript needed). A file the check refused is explained here."""
    imp = _load(import_id)
    if imp.is_applied:
        return redirect(url_for(".summary", import_id=imp.id))
    job = imp.job
    if imp.is_checked and (job is None or job.status == JobStatus.DONE):
        return redirect(url_for(".preview", import_id=imp.id))
    return render_template("roster/progress.html", imp=imp, job=job, refresh=PROGRESS_REFRESH_SECONDS)


@bp.route("/<int:import_id>/ringkasan")
@login_required
@require(is_hr)
def summary(import_id: int):  # type: ignore[no-untyped-def]
    imp = _load(import_id)
    if not imp.is_applied:
        return redirect(url_for(".preview", import_id=imp.id))
    return render_template("roster/summary.html", imp=imp, errors=services.describe_row_errors(imp.errors[:100]))


@bp.route("/<int:import_id>/galat.csv")
@login_required
@require(is_hr)
def errors_csv(import_id: int):  # type: ignore[no-untyped-def]
    imp = _load(import_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Baris"), _("Kode"), _("Pesan"), _("NIP")])
    for error in imp.errors or []:
        writer.writerow([safe_cell(error.get("line")), safe_cell(error.get("code")),
                         safe_cell(services.row_error_message(error)),
                         safe_cell(error.get("nip", ""))])
    name = f"galat-impor-{imp.id}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
