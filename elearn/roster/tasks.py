"""The roster import's background jobs.

- ``roster.check`` (queued by the upload request, which stores the file unread): read the file
  once (a workbook is converted to CSV within the limits), check every row, and store what the
  preview shows. A file that can't be imported (too many rows, a zip bomb found while streaming,
  a broken quote...) is refused with its message and its bytes dropped; nothing is applied.
- ``roster.import`` (queued by the apply button): apply the checked file in one transaction (a
  crash leaves nothing half-imported). "Deactivate missing" switches people off only if they are
  exactly those the user confirmed on the preview (services.DeactivationGuard); if the roster
  changed meanwhile the rows are still imported, nobody is switched off, and the summary says why.

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
from .models import ImportStatus, RosterImport
from .parsing import RosterFileError

#: phases shown on the progress page
READING = "reading"
CHECKING = "checking"
APPLYING = "applying"


def _load(payload: dict[str, Any]) -> tuple[RosterImport, User]:
    """The import and the person who started the job, who must still be allowed to import it."""
    imp = db.session.get(RosterImport, int(payload["import_id"]))
    if imp is None:
        raise JobFailed(_("Berkas impor ini sudah dihapus. Unggah lagi."))
    actor = db.session.get(User, int(payload["actor_id"])) if payload.get("actor_id") else None
    # the person who pressed the button, as they are now (role or SKPD may have changed since)
    if (actor is None or not actor.is_active or not can_view_roster_import(actor, imp)
            or not can_import_roster(actor, imp.instansi)):
        raise JobFailed(_("Akun yang memulai impor ini tidak lagi berwenang mengimpor berkas ini."))
    return imp, actor


def run_check(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    imp, actor = _load(payload)
    if imp.status != ImportStatus.UPLOADED:
        return {"already_checked": True}
    # reading and checking change no person: their progress is committed as it goes
    ctx.progress(0, 0, READING, commit=True)
    try:
        errors = services.check_import(
            imp, actor=actor,
            reading=lambda done: ctx.progress(done, 0, READING, commit=True),
            checking=lambda done, total: ctx.progress(done, total, CHECKING, commit=True),
        )
    except RosterFileError as exc:
        raise JobFailed(exc.message) from None
    return {"rows": imp.row_count, "errors": errors, "would_deactivate": imp.would_deactivate}


def check_failed(payload: dict[str, Any], message: str) -> None:
    imp = db.session.get(RosterImport, int(payload.get("import_id") or 0))
    if imp is not None and imp.status == ImportStatus.UPLOADED:
        imp.reject(message)


def run_import(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    imp, actor = _load(payload)
    if imp.is_applied:
        return {"already_applied": True}
    if not imp.is_checked:
        raise JobFailed(_("Berkas ini belum selesai diperiksa."))
    total = imp.row_count
    ctx.progress(0, total, APPLYING, commit=True)
    # applying is one transaction: its progress is published beside it on PostgreSQL, and shows
    # with it on SQLite (one writer at a time); see JobContext.progress
    # "deactivate missing" switches off only the people the user confirmed on the preview (a job
    # queued without a confirmation switches off nobody); the rows are imported either way
    guard = services.DeactivationGuard(payload.get("confirmed_deactivate"), payload.get("deactivate_digest"))
    result = services.apply_import(imp, actor=actor, deactivate_missing=bool(payload.get("deactivate_missing")),
                                   progress=lambda done: ctx.progress(done, total, APPLYING), deactivate_guard=guard)
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
            "deactivated": result.deactivated, "deactivate_refused": result.deactivate_refused,
            "errors": len(result.errors)}


def import_failed(payload: dict[str, Any], message: str) -> None:
    imp = db.session.get(RosterImport, int(payload.get("import_id") or 0))
    if imp is not None and imp.is_checked:
        imp.mark_failed(message)


register(services.CHECK_JOB, Task(run_check, check_failed))
register(services.IMPORT_JOB, Task(run_import, import_failed))
register_maintenance(services.purge_stale_uploads)
