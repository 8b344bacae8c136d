"""The roster import as a background job: check every row (progress committed as it goes), then
apply the whole file in one transaction (a crash leaves nothing half-imported).

Registered with the job queue on import (the web app imports it with the roster views, so the
worker knows it too)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..accounts.models import User
from ..authz import can_import_roster, can_view_roster_import
from ..db import db
from ..jobs.services import JobContext, JobFailed, Task, register, register_maintenance
from . import services
from .models import RosterImport

#: phases shown on the progress page
CHECKING = "checking"
APPLYING = "applying"


def run_import(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    imp = db.session.get(RosterImport, int(payload["import_id"]))
    if imp is None:
        raise JobFailed(_("Berkas impor ini sudah dihapus. Unggah lagi."))
    if imp.is_applied:
        return {"already_applied": True}
    actor = db.session.get(User, int(payload["actor_id"])) if payload.get("actor_id") else None
    # the person who pressed the button, as they are now (role or SKPD may have changed since)
    if (actor is None or not actor.is_active or not can_view_roster_import(actor, imp)
            or not can_import_roster(actor, imp.instansi)):
        raise JobFailed(_("Akun yang memulai impor ini tidak lagi berwenang mengimpor berkas ini."))
    total = imp.row_count
    ctx.progress(0, total, CHECKING, commit=True)
    # checking changes nothing, so its progress can be committed chunk by chunk
    services.validate_import(imp, actor=actor, progress=lambda done: ctx.progress(done, total, CHECKING, commit=True))
    ctx.progress(0, total, APPLYING, commit=True)
    # applying is one transaction: its progress is published beside it on PostgreSQL, and shows
    # with it on SQLite (one writer at a time); see JobContext.progress
    result = services.apply_import(imp, actor=actor, deactivate_missing=bool(payload.get("deactivate_missing")),
                                   progress=lambda done: ctx.progress(done, total, APPLYING))
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
            "deactivated": result.deactivated, "errors": len(result.errors)}


def import_failed(payload: dict[str, Any], message: str) -> None:
    imp = db.session.get(RosterImport, int(payload.get("import_id") or 0))
    if imp is not None and not imp.is_applied:
        imp.mark_failed(message)


register(services.IMPORT_JOB, Task(run_import, import_failed))
register_maintenance(services.purge_stale_uploads)
