"""The national roll-up's background work: the ``rekap.refresh`` job (one instansi, one
transaction) and the housekeeping that queues it for stale instansi. Registered on import (the
web app imports it with the national views, so the worker knows it too)."""
from __future__ import annotations

from typing import Any

from ..db import db
from ..jobs.services import JobContext, Task, register, register_maintenance
from ..org.models import Instansi
from . import national


def run_refresh(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    instansi = db.session.get(Instansi, int(payload.get("instansi_id") or 0))
    if instansi is None:
        return {"gone": True}
    return {"instansi": instansi.slug, "rows": national.refresh(instansi.id)}


register(national.REFRESH_JOB, Task(run_refresh))
register_maintenance(national.queue_stale_refreshes)
