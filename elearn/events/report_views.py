"""The event's report (``/acara/<id>/laporan``): attendance per SKPD and unit against the audience's
roster, live answers per SKPD (k >= 5), pakta signatures made at the event; an XLSX workbook and a
streamed CSV per person. Rules in ``reports``.

Access: ``authz.can_view_event_report`` (who manages the event: trainers and admin BKPSDM of its
instansi, the operator SKPD of its SKPD, the superadmin); another instansi's or SKPD's event
answers 404. NIPs in the CSV only for HR roles who may see that person now
(``authz.can_view_person_at``)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, render_template, send_file, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import authz
from ..accounts.models import User
from ..accounts.nip import format_nip
from ..db import db
from ..i18n import local_datetime
from ..spreadsheets import safe_cell
from ..templating import clock, local_dt
from . import reports
from .models import Event

bp = Blueprint("events_reports", __name__, url_prefix="/acara")


def _event(event_id: int) -> Event:
    return authz.get_or_404(db.session.get(Event, event_id), authz.can_view_event_report)


def kind_labels() -> dict[str, str]:
    return {"apel": _("Apel pagi"), "sosialisasi": _("Sosialisasi"), "bimtek": _("Bimtek")}


def _when(event: Event) -> str:
    # as the event's page heads it (templating.local_dt "weekday", then the end's time)
    zone = event.instansi.timezone.iana
    return f"{local_dt(event.starts_at, zone, 'weekday')} – {clock(event.ends_at, zone)}"


def _report(event: Event) -> dict[str, Any]:
    units = reports.instansi_units(event)
    skpds = reports.attendance_rows(event, "skpd", units)
    unit_rows = reports.attendance_rows(event, "unit", units)
    answers = reports.answer_rows(event, units)
    signatures = reports.signature_rows(event, units)
    return dict(
        skpds=skpds, skpd_total=reports.totals(skpds, reports.AttendanceRow),
        units=unit_rows, answers=answers, answer_total=reports.answer_total(answers),
        signatures=signatures, signature_total=reports.totals(signatures, reports.SignatureRow),
        heads=reports.heads_signed(event),
    )


@bp.route("/<int:event_id>/laporan")
@login_required
def report(event_id: int):  # type: ignore[no-untyped-def]
    event = _event(event_id)
    data = _report(event)
    zone = event.instansi.timezone.iana
    return render_template("events/report.html", event=event, when=_when(event), kind=kind_labels()[event.kind.value],
                           local_time=lambda value: clock(value, zone), **data)


# --- exports --------------------------------------------------------------------------------------


def attendance_header(first: str) -> list[str]:
    return [first, _("Hadir"), _("Tidak hadir"), _("Sasaran"), _("Persen hadir"), _("Hadir di luar sasaran")]


def _attendance_cells(row: reports.AttendanceRow) -> list[Any]:
    return [row.present, row.absent, row.expected, row.share, row.outsiders]


@bp.route("/<int:event_id>/laporan.xlsx")
@login_required
def export_xlsx(event_id: int):  # type: ignore[no-untyped-def]
    """Title, date, instansi and the event above a frozen header; one sheet per level (SKPD, unit,
    answers, signatures); shares as numbers with a % format; every text cell through safe_cell."""
    import xlsxwriter

    event = _event(event_id)
    data = _report(event)
    no_unit = _("(tanpa unit)")
    answers_hidden = _("kurang dari 5")
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {"tmpdir": tempfile.gettempdir()})
        title = workbook.add_format({"bold": True, "font_size": 14})
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
        percent = workbook.add_format({"num_format": "0.0%"})
        total_fmt = workbook.add_format({"bold": True, "top": 1})
        total_pct = workbook.add_format({"bold": True, "top": 1, "num_format": "0.0%"})

        def sheet_with(name: str, header: list[str]) -> tuple[Any, int]:
            sheet = workbook.add_worksheet(safe_cell(name)[:31])
            sheet.write_string(0, 0, safe_cell(_("Laporan acara: %(t)s", t=event.title)), title)
            sheet.write_string(1, 0, safe_cell(event.instansi.name))
            sheet.write_string(2, 0, safe_cell(f"{kind_labels()[event.kind.value]} · {_when(event)} · {event.place}"))
            sheet.write_string(3, 0, safe_cell(_("Tanggal: %(d)s", d=dt.date.today().isoformat())))
            header_row = 5
            sheet.set_column(0, 0, 40)
            sheet.set_column(1, len(header), 14)
            for col, text in enumerate(header):
                sheet.write_string(header_row, col, safe_cell(text), bold)
            sheet.freeze_panes(header_row + 1, 1)
            return sheet, header_row

        def write_row(sheet: Any, r: int, name: str, values: list[Any], total: bool = False) -> None:
            sheet.write_string(r, 0, safe_cell(name), total_fmt if total else None)
            for col, value in enumerate(values, start=1):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, col, safe_cell(value), total_fmt if total else None)
                elif isinstance(value, float):
                    sheet.write_number(r, col, value, total_pct if total else percent)
                else:
                    sheet.write_number(r, col, value, total_fmt if total else None)

        for sheet_name, rows in ((_("Perangkat daerah"), data["skpds"]), (_("Unit kerja"), data["units"])):
            sheet, r = sheet_with(sheet_name, attendance_header(sheet_name))
            for row in rows:
                r += 1
                write_row(sheet, r, ("  " * row.depth + safe_cell(row.name)) if row.key is not None else no_unit,
                          _attendance_cells(row))
            write_row(sheet, r + 1, _("Jumlah"), _attendance_cells(data["skpd_total"]), total=True)

        sheet, r = sheet_with(_("Jawaban"), [_("Perangkat daerah"), _("Orang menjawab"), _("Jawaban"),
                                             _("Jawaban benar"), _("Persen benar")])
        for row in [*data["answers"], None]:
            row_ = data["answer_total"] if row is None else row
            r += 1
            name = _("Jumlah") if row is None else (row_.name or no_unit)
            values: list[Any] = ([answers_hidden] * 3 + [None] if row_.hidden
                                 else [row_.people, row_.answers, row_.correct, row_.share_correct])
            write_row(sheet, r, name, values, total=row is None)

        sheet, r = sheet_with(_("Tanda tangan"), [_("Perangkat daerah"), _("Tanda tangan di acara"),
                                                  _("Kepala perangkat daerah")])
        for row in data["signatures"]:
            r += 1
            write_row(sheet, r, row.name or no_unit, [row.signed, row.heads])
        write_row(sheet, r + 1, _("Jumlah"), [data["signature_total"].signed, data["signature_total"].heads], total=True)
        workbook.close()
        with open(path, "rb") as written:
            out = io.BytesIO(written.read())
    finally:
        os.unlink(path)
    return send_file(out, as_attachment=True, download_name=f"laporan-acara-{event.id}.xlsx", max_age=0,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def people_header() -> list[str]:
    return [_("Status"), _("Perangkat daerah"), _("Unit kerja"), _("Nama"), _("NIP / NI PPPK"), _("Waktu hadir"),
            _("Cara hadir")]


@bp.route("/<int:event_id>/laporan.csv")
@login_required
def export_csv(event_id: int):  # type: ignore[no-untyped-def]
    """Everyone present (SKPD/unit at check-in), then everyone of the roster absent (SKPD/unit now),
    streamed, UTF-8 with BOM; every cell through ``safe_cell``."""
    event = _event(event_id)
    user: User = current_user._get_current_object()
    hr = authz.is_hr(user)
    zone = event.instansi.timezone.iana
    statuses = {"present": _("hadir"), "outsider": _("hadir (di luar sasaran)"), "absent": _("tidak hadir")}
    methods = {"scan": _("pindai QR"), "code": _("kode"), "manual": _("ditandai petugas"), "import": _("daftar kertas")}
    rows = reports.person_rows(event)

    def line(values: list[Any]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow([safe_cell(v) for v in values])
        return out.getvalue()

    def generate() -> Iterator[bytes]:
        yield ("\ufeff" + line(people_header())).encode("utf-8")
        for p in rows:
            nip = format_nip(p.nip) if hr and authz.can_view_person_at(user, p.instansi_id, p.skpd_id_now) else ""
            at = local_datetime(p.checked_in_at, zone, "yyyy-MM-dd HH:mm") if p.checked_in_at else ""
            yield line([statuses[p.status], p.skpd or _("(tanpa unit)"), p.unit, p.name, nip, at,
                        methods.get(p.method.value, "") if p.method else ""]).encode("utf-8")

    return Response(stream_with_context(generate()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="laporan-acara-{event.id}.csv"', "Cache-Control": "no-store"})

