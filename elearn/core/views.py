"""The home page, one per role, and a health check for the proxy."""
from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user, login_required
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError

from .. import authz
from ..accounts.models import Role, User
from ..db import db
from ..org.models import Instansi, Unit

bp = Blueprint("core", __name__)


def activation_by_skpd(instansi_id: int, skpd_id: int | None = None) -> list[dict[str, object]]:
    """People and activated accounts per perangkat daerah (one GROUP BY)."""
    skpd = Unit.__table__.alias("skpd")
    stmt = (
        select(
            skpd.c.id,
            skpd.c.name,
            func.count(User.id),
            func.sum(case((User.password_hash.is_not(None), 1), else_=0)),
        )
        .select_from(User)
        .join(Unit, Unit.id == User.unit_id)
        .join(skpd, skpd.c.id == Unit.skpd_id)
        .where(User.instansi_id == instansi_id, User.active.is_(True))
        .group_by(skpd.c.id, skpd.c.name, skpd.c.sort_key)
        .order_by(skpd.c.sort_key, skpd.c.id)
    )
    if skpd_id is not None:
        stmt = stmt.where(Unit.skpd_id == skpd_id)
    rows = []
    for unit_id, name, total, activated in db.session.execute(stmt):
        activated = int(activated or 0)
        rows.append({"id": unit_id, "name": name, "total": total, "activated": activated,
                     "percent": round(100 * activated / total) if total else 0})
    return rows


@bp.route("/")
@login_required
def home():  # type: ignore[no-untyped-def]
    user: User = current_user._get_current_object()  # (the person, not the proxy: read many times)
    if user.role == Role.SUPERADMIN:
        counts = dict(
            db.session.execute(
                select(User.instansi_id, func.count(User.id)).where(User.active.is_(True)).group_by(User.instansi_id)
            ).all()
        )
        instansi = db.session.scalars(select(Instansi).order_by(Instansi.name)).all()
        return render_template("core/home_superadmin.html", instansi=instansi, counts=counts)
    if user.role in (Role.ADMIN_BKPSDM, Role.OPERATOR_SKPD) and user.instansi_id is not None:
        skpd_id = user.skpd_id if user.role == Role.OPERATOR_SKPD else None
        if user.role == Role.OPERATOR_SKPD and skpd_id is None:
            rows = []
        else:
            rows = activation_by_skpd(user.instansi_id, skpd_id)
        totals = {
            "total": sum(int(r["total"]) for r in rows),  # type: ignore[call-overload]
            "activated": sum(int(r["activated"]) for r in rows),  # type: ignore[call-overload]
        }
        return render_template("core/home_hr.html", rows=rows, totals=totals)
    # the course box and the quiz box share the person's assigned courses (one query, not two)
    from ..courses.views import learning_box, my_courses
    from ..quizzes.views import my_quiz_summary

    items = my_courses(user)
    assigned = [(item["view"].course, item["due"]) for item in items if item["assigned"]]
    return render_template("core/home_peserta.html", can_author=authz.can_author_content(user),
                           top=learning_box(items), box=my_quiz_summary(assigned))


_HEALTHY = b'{"status":"ok"}\n'


@bp.route("/healthz")
def health():  # type: ignore[no-untyped-def]
    """The proxy's and the orchestrator's probe: the database answers. A pooled connection and one
    ``SELECT 1``, without the ORM session or the sign-in (nor the rate limiter: no limit is set on
    it), at most once per ``HEALTHZ_DATABASE_CHECK_SECONDS`` per worker: every load balancer in
    front of every worker polls it, and within that window the worker answers from its last check
    (issue 14: on PostgreSQL one round trip per probe held it at a third of a bare Flask "hello").
    A failed check is not remembered: the next probe checks again."""
    window = current_app.config["HEALTHZ_DATABASE_CHECK_SECONDS"]
    # when this worker last saw the database answer (time.monotonic()), per app
    seen_at = current_app.extensions.setdefault("elearn_healthz_seen_at", [float("-inf")])
    now = time.monotonic()
    if now - seen_at[0] >= window:
        try:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except SQLAlchemyError:
            return Response(b'{"status":"database unavailable"}\n', status=503, mimetype="application/json")
        seen_at[0] = now
    return Response(_HEALTHY, mimetype="application/json")
