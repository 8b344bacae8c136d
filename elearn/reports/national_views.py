"""The superadmin's national roll-up (``/rekap/nasional``): per instansi, the totals of the
maintained summary table (national.py) and when they were counted. Reads only that table (one
query, whatever the number of ASN); an instansi never counted shows as such."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import format_decimal, format_percent
from flask_login import current_user, login_required

from .. import authz
from . import national
from . import national_tasks as _tasks  # noqa: F401  (registers the refresh job with the worker)

bp = Blueprint("rekap_national", __name__, url_prefix="/rekap")

#: the columns of the table, in order: the summary field and its heading
COLUMNS = ("read", "passed", "signed", "certified", "done")


def can_view_national(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and authz.is_superadmin(user)  # type: ignore[arg-type]


def percent(row: national.NationalRow, field: str) -> str:
    share = row.share(getattr(row, field))
    return format_percent(share, "#,##0.0%") if share is not None else "–"


@bp.get("/nasional")
@login_required
def index():  # type: ignore[no-untyped-def]
    if not can_view_national(current_user):
        abort(403)
    rows = national.national_rows()
    return render_template("reports/national.html", rows=rows, total=national.national_totals(rows),
                           columns=COLUMNS, percent=percent, number=format_decimal)
