"""HR views over people: list, detail, reset, role change, activation slips (placeholder; built next)."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("accounts", __name__, url_prefix="/pegawai")


@bp.route("/")
@login_required
def people():  # type: ignore[no-untyped-def]
    abort(404)
