from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("org", __name__, url_prefix="/unit")


@bp.route("/")
@login_required
def units():  # type: ignore[no-untyped-def]
    abort(404)
