"""Recording administrative actions. Flushes only; the caller's unit of work commits."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from ..accounts.models import User
from ..db import db
from .models import AuditEvent


def record(
    action: str,
    *,
    actor: User | None,
    instansi_id: int | None,
    target: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None and getattr(actor, "is_authenticated", False) else None,
        instansi_id=instansi_id,
        target_type=type(target).__tablename__ if target is not None else None,  # type: ignore[union-attr]
        target_id=getattr(target, "id", None),
        details=details or {},
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
