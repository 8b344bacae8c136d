from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@login_required
def log():  # type: ignore[no-untyped-def]
    abort(404)
