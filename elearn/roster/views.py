from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("roster", __name__, url_prefix="/impor")


@bp.route("/")
@login_required
def upload():  # type: ignore[no-untyped-def]
    abort(404)
