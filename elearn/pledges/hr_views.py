"""HR's pakta integritas pages (``/pakta/kampanye``): the campaigns (list; create and move dates
for admin BKPSDM and superadmin; read-only for the operator SKPD), who has signed per SKPD and
unit with the heads of SKPD apart, the signed / not-yet-signed lists of a unit, CSV and XLSX
exports, a ZIP of the signed PDFs of one SKPD, and one person's PDF.

Scope: admin BKPSDM their instansi, superadmin everything, operator SKPD their own SKPD; a
campaign, SKPD, unit or signature outside it answers 404. Order in every view: load, authorize,
validate, call the service, respond."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import authz
from ..accounts.models import Role, User
from ..accounts.nip import format_nip
from ..db import db
from ..errors import ServiceError
from ..org.forms import options
from ..org.models import Instansi, Unit
from ..http_guards import optional_id
from ..pagination import page_number, paginate
from ..spreadsheets import safe_cell
from . import checkpoints, reports, services
from .hr_forms import ELECTION_LABELS, CampaignDatesForm, CampaignForm
from .models import Campaign, PledgeSignature, PledgeText, PledgeTextVersion, SigningMethod

bp = Blueprint("pledge_hr", __name__, url_prefix="/pakta/kampanye")


def method_labels() -> dict[SigningMethod, str]:
    return {SigningMethod.DRAWN: _("digambar"), SigningMethod.TYPED: _("nama diketik")}


def state_labels() -> dict[str, str]:
    return {"upcoming": _("belum dibuka"), "open": _("dibuka"), "closed": _("ditutup")}


# --- loading -------------------------------------------------------------------------------------


def _campaign(campaign_id: int) -> Campaign:
    return authz.get_or_404(db.session.get(Campaign, campaign_id), authz.can_view_campaign)  # type: ignore[no-any-return]


def _skpd(campaign: Campaign, skpd_id: int | None) -> Unit:
    skpd = db.session.get(Unit, skpd_id) if skpd_id is not None else None
    if skpd is None or not authz.can_view_campaign_skpd(current_user, campaign, skpd):
        abort(404)
    return skpd


def _requested_skpd(campaign: Campaign) -> Unit | None:
    """``?skpd=<id>`` (404 outside scope); an operator SKPD always gets their own SKPD."""
    raw = request.args.get("skpd", "")
    if raw:
        return _skpd(campaign, optional_id(raw))
    if current_user.role == Role.OPERATOR_SKPD:
        return _skpd(campaign, current_user.skpd_id)
    return None


def _unit(campaign: Campaign, unit_id: int) -> tuple[Unit, Unit]:
    """A unit of the campaign's instansi in the viewer's scope, with its SKPD."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.instansi_id != campaign.instansi_id or unit.skpd_id is None:
        abort(404)
    return unit, _skpd(campaign, unit.skpd_id)


def _zone(campaign: Campaign) -> ZoneInfo:
    return ZoneInfo(campaign.instansi.timezone.iana)


# --- campaigns -----------------------------------------------------------------------------------


@bp.route("/")
@login_required
@authz.require(authz.can_view_campaigns)
def index():  # type: ignore[no-untyped-def]
    stmt = authz.scope_campaigns(select(Campaign), current_user).join(Instansi, Instansi.id == Campaign.instansi_id)
    campaigns = list(db.session.scalars(stmt.order_by(Campaign.opens_on.desc(), Instansi.name, Campaign.name)))
    return render_template(
        "pledges/hr_index.html",
        campaigns=campaigns,
        tallies=reports.campaign_tallies(campaigns, current_user),
        states={c.id: services.campaign_state(c) for c in campaigns},
        state_labels=state_labels(),
        election_labels=ELECTION_LABELS,
        may_create=authz.can_manage_campaigns(current_user),
        show_instansi=authz.is_superadmin(current_user),
    )


def _version_choices() -> tuple[list[tuple[int, str]], int | None]:
    """Every version of every pledge text, newest first per text, and the default: the current
    version (the file in pledges/ now; else the highest number) of the first text."""
    rows = db.session.execute(
        select(PledgeTextVersion, PledgeText)
        .join(PledgeText, PledgeText.id == PledgeTextVersion.pledge_text_id)
        .order_by(PledgeText.title, PledgeText.id, PledgeTextVersion.number.desc())
    ).all()
    choices: list[tuple[int, str]] = []
    default: int | None = None
    seen: set[int] = set()
    for version, text in rows:
        current = text.current_number
        latest = version.number == current if current is not None else text.id not in seen
        seen.add(text.id)
        label = _("%(title)s — versi %(n)d", title=version.title, n=version.number)
        if latest:
            label += " " + _("(terbaru)")
            if default is None:
                default = version.id
        choices.append((version.id, label))
    return choices, default


_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


def slug_from(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _SLUG_CHARS.sub("-", ascii_name.lower()).strip("-")[:64].strip("-")


_FIELD_FOR_CODE = {
    "bad_slug": "slug", "duplicate": "slug", "bad_name": "name", "bad_place": "place",
    "bad_election_type": "election_type", "bad_dates": "closes_on",
    "bad_election_date": "election_date", "bad_target": "target_percent", "bad_target_date": "target_date",
}


@bp.route("/baru", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_manage_campaigns)
def create():  # type: ignore[no-untyped-def]
    user: User = current_user
    form = CampaignForm()
    if authz.is_superadmin(user):
        instansi_list = list(db.session.scalars(select(Instansi).order_by(Instansi.name)))
        form.instansi.choices = options([("", _("— pilih instansi —"))] + [(i.slug, i.name) for i in instansi_list])
        if request.method == "GET" and request.args.get("instansi"):
            form.instansi.data = request.args["instansi"]
    else:
        del form.instansi
        instansi_list = []
    versions, default_version = _version_choices()
    form.pledge_version_id.choices = options(versions)
    if request.method == "GET":
        form.pledge_version_id.data = default_version
        form.election_type.data = form.election_type.data or "pilkada"
    error = None
    if form.validate_on_submit():
        instansi = user.instansi if not authz.is_superadmin(user) else next(
            (i for i in instansi_list if i.slug == form.instansi.data), None)
        version = db.session.get(PledgeTextVersion, form.pledge_version_id.data) \
            if form.pledge_version_id.data is not None else None
        if instansi is None:
            form.instansi.errors.append(_("Pilih instansi."))
        elif version is None:
            form.pledge_version_id.errors.append(_("Pilih teks pakta integritas."))
        else:
            try:
                campaign = services.create_campaign(
                    instansi, slug=form.slug.data or slug_from(form.name.data or ""), name=form.name.data or "",
                    election_type=form.election_type.data or "", pledge_version=version,
                    place=form.place.data or "", opens_on=form.opens_on.data, closes_on=form.closes_on.data,
                    election_date=form.election_date.data, target_percent=form.target_percent.data,
                    target_date=form.target_date.data, actor=user,
                )
            except ServiceError as exc:
                db.session.rollback()
                getattr(form, _FIELD_FOR_CODE.get(exc.code, "name")).errors.append(exc.message)
            else:
                db.session.commit()
                flash(_("Kampanye %(name)s dibuat.", name=campaign.name), "success")
                return redirect(url_for("pledge_hr.campaign", campaign_id=campaign.id))
    if not versions:
        error = _("Belum ada teks pakta integritas. Muat teks dari folder pledges/ dengan "
                  "flask --app elearn content sync.")
    return render_template("pledges/hr_form.html", form=form, error=error)


@bp.route("/<int:campaign_id>/ubah", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_manage_campaigns)
def edit(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = authz.get_or_404(db.session.get(Campaign, campaign_id), authz.can_edit_campaign)
    form = CampaignDatesForm(obj=None if request.method == "POST" else campaign)
    if form.validate_on_submit():
        try:
            changed = services.update_campaign_dates(
                campaign, opens_on=form.opens_on.data, closes_on=form.closes_on.data, actor=current_user,
                election_date=form.election_date.data, target_percent=form.target_percent.data,
                target_date=form.target_date.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            getattr(form, _FIELD_FOR_CODE.get(exc.code, "closes_on")).errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Tanggal kampanye disimpan.") if changed else _("Tidak ada perubahan."), "success")
            return redirect(url_for("pledge_hr.campaign", campaign_id=campaign.id))
    return render_template("pledges/hr_edit.html", campaign=campaign, form=form)


# --- who has signed ---------------------------------------------------------------------------------


@bp.route("/<int:campaign_id>")
@login_required
@authz.require(authz.can_view_campaigns)
def campaign(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = _campaign(campaign_id)
    skpd = _requested_skpd(campaign)
    result = reports.overview(campaign, current_user)
    units = reports.units_of_skpd(campaign, current_user, skpd) if skpd is not None else []
    skpd_row = next((row for row in result.skpds if skpd is not None and row.skpd_id == skpd.id), None)
    return render_template(
        "pledges/hr_campaign.html",
        campaign=campaign,
        result=result,
        skpd=skpd,
        skpd_row=skpd_row,
        units=units,
        state=services.campaign_state(campaign),
        state_labels=state_labels(),
        election_labels=ELECTION_LABELS,
        may_edit=authz.can_edit_campaign(current_user, campaign),
        forced=current_user.role == Role.OPERATOR_SKPD,
        tz=campaign.instansi.timezone.iana,
        checkpoint=checkpoints.shown_checkpoint(campaign.instansi_id),
    )


@bp.route("/<int:campaign_id>/unit/<int:unit_id>")
@login_required
@authz.require(authz.can_view_campaigns)
def unit(campaign_id: int, unit_id: int):  # type: ignore[no-untyped-def]
    campaign = _campaign(campaign_id)
    unit, skpd = _unit(campaign, unit_id)
    which = "belum" if request.args.get("daftar") == "belum" else "sudah"
    number = page_number(request.args.get("page"))
    if which == "sudah":
        page = paginate(reports.signed_in_unit(campaign, current_user, unit), number, reports.PAGE_SIZE,
                        scalars=False)
    else:
        page = paginate(reports.unsigned_in_unit(campaign, current_user, unit), number, reports.PAGE_SIZE)
    return render_template(
        "pledges/hr_unit.html",
        campaign=campaign,
        unit=unit,
        skpd=skpd,
        which=which,
        page=page,
        tally=reports.unit_tally(campaign, current_user, unit),
        method_labels=method_labels(),
        tz=campaign.instansi.timezone.iana,
    )


# --- documents ----------------------------------------------------------------------------------------


@bp.route("/<int:campaign_id>/dokumen/<int:signature_id>.pdf")
@login_required
@authz.require(authz.can_view_campaigns)
def signature_pdf(campaign_id: int, signature_id: int):  # type: ignore[no-untyped-def]
    from .pdf import pdf_filename
    from .pdf import signature_pdf as render

    campaign = _campaign(campaign_id)
    signature = db.session.get(PledgeSignature, signature_id)
    if signature is None or not authz.can_view_campaign_signature(current_user, campaign, signature):
        abort(404)
    return Response(render(signature), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{pdf_filename(signature)}"',
        "Cache-Control": "no-store",
    })


def zip_member_name(signature: PledgeSignature) -> str:
    """``00042_budi-santoso.pdf``: the chain's sequence number (unique in the instansi) and the
    name folded to ASCII; no NIP in file names."""
    ascii_name = unicodedata.normalize("NFKD", signature.signer_name).encode("ascii", "ignore").decode()
    name = _SLUG_CHARS.sub("-", ascii_name.lower()).strip("-")[:60].strip("-") or "pegawai"
    return f"{signature.seq:05d}_{name}.pdf"


def failed_note(signature: PledgeSignature) -> str:
    return _("Dokumen pakta integritas %(name)s (nomor urut %(seq)s) tidak dapat dibuat. Hubungi pengelola "
             "elearn; catatan tanda tangannya tetap tersimpan.", name=signature.signer_name, seq=signature.seq) + "\n"


class _ZipSink:
    """A write-only, unseekable file for ``zipfile`` (which then writes data descriptors), from
    which the response takes what has been written so far."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


@bp.route("/<int:campaign_id>/skpd/<int:skpd_id>/dokumen.zip")
@login_required
@authz.require(authz.can_view_campaigns)
def skpd_zip(campaign_id: int, skpd_id: int):  # type: ignore[no-untyped-def]
    """Every signed PDF of the SKPD's people in one ZIP, streamed: each PDF is rendered, written
    into the archive and sent before the next one (memory holds one document at a time)."""
    from .pdf import signature_pdf as render

    campaign = _campaign(campaign_id)
    skpd = _skpd(campaign, skpd_id)
    signatures = reports.signatures_for_zip(campaign, current_user, skpd.id)
    empty_note = _("Belum ada pegawai %(skpd)s yang menandatangani %(campaign)s.", skpd=skpd.name,
                   campaign=campaign.name) + "\n"

    def generate() -> Iterator[bytes]:
        sink = _ZipSink()
        count = 0
        # PDFs are compressed already: store them
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:  # type: ignore[arg-type]
            for signature in signatures:
                try:
                    document = render(signature)
                except Exception:  # noqa: BLE001 (one bad record must not cut the archive short)
                    current_app.logger.exception("pakta signature %s: its PDF could not be made for the ZIP",
                                                 signature.id)
                    archive.writestr(zip_member_name(signature)[:-4] + "-GAGAL.txt", failed_note(signature))
                else:
                    archive.writestr(zip_member_name(signature), document)
                count += 1
                yield sink.take()
            if not count:
                archive.writestr("BELUM-ADA-TANDA-TANGAN.txt", empty_note)
        yield sink.take()

    name = f"pakta-{campaign.slug}-{slug_from(skpd.name) or skpd.id}.zip"
    return Response(stream_with_context(generate()), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


# --- exports -----------------------------------------------------------------------------------------


def export_header(campaign: Campaign) -> list[str]:
    zone = campaign.instansi.timezone.value
    return [
        _("Perangkat daerah"), _("Unit kerja"), _("Nama"), _("NIP / NI PPPK"), _("Jabatan"),
        _("Kepala perangkat daerah"), _("Status"), _("Waktu tanda tangan (%(zone)s)", zone=zone),
        _("Cara tanda tangan"), _("Nomor urut rantai"),
    ]


def export_cells(rows: Iterator[reports.ExportRow], zone: ZoneInfo) -> Iterator[list[Any]]:
    """Each person as cells; the time as a naive local datetime (the header names the zone)."""
    methods = method_labels()
    no_unit, yes, signed, unsigned = _("(tanpa unit)"), _("ya"), _("sudah"), _("belum")
    for row in rows:
        local = row.signed_at.astimezone(zone).replace(tzinfo=None, microsecond=0) if row.signed_at else None
        yield [
            row.skpd or no_unit, row.unit, row.name, format_nip(row.employee_number), row.jabatan,
            yes if row.is_head else "", signed if row.signed else unsigned, local,
            methods[row.method] if row.method is not None else "", row.seq,
        ]


def _export_scope(campaign: Campaign) -> tuple[Unit | None, str]:
    skpd = _requested_skpd(campaign)
    suffix = f"-{slug_from(skpd.name) or skpd.id}" if skpd is not None else ""
    return skpd, f"pakta-{campaign.slug}{suffix}"


@bp.route("/<int:campaign_id>/ekspor.csv")
@login_required
@authz.require(authz.can_view_campaigns)
def export_csv(campaign_id: int):  # type: ignore[no-untyped-def]
    """Streamed (UTF-8 with BOM for Excel); every text cell through ``safe_cell``."""
    campaign = _campaign(campaign_id)
    skpd, name = _export_scope(campaign)
    zone = _zone(campaign)
    header = export_header(campaign)
    rows = reports.export_rows(campaign, current_user, skpd.id if skpd is not None else None)

    def line(values: list[Any]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow(
            [v.isoformat(sep=" ") if isinstance(v, dt.datetime) else safe_cell(v) for v in values])
        return out.getvalue()

    def generate() -> Iterator[bytes]:
        yield ("\ufeff" + line(header)).encode("utf-8")
        for cells in export_cells(rows, zone):
            yield line(cells).encode("utf-8")

    return Response(stream_with_context(generate()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}.csv"', "Cache-Control": "no-store"})


@bp.route("/<int:campaign_id>/ekspor.xlsx")
@login_required
@authz.require(authz.can_view_campaigns)
def export_xlsx(campaign_id: int):  # type: ignore[no-untyped-def]
    """XlsxWriter with ``constant_memory`` (rows flushed to disk as written); text written as
    strings (never formulas) and through ``safe_cell``, times as dates in the instansi's zone."""
    import xlsxwriter

    campaign = _campaign(campaign_id)
    skpd, name = _export_scope(campaign)
    zone = _zone(campaign)
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
        sheet = workbook.add_worksheet(_("Pakta integritas")[:31])
        bold = workbook.add_format({"bold": True})
        when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for col, width in enumerate((32, 32, 32, 24, 32, 10, 8, 20, 14, 10)):
            sheet.set_column(col, col, width)
        for col, title in enumerate(export_header(campaign)):
            sheet.write_string(0, col, title, bold)
        sheet.freeze_panes(1, 0)
        rows = reports.export_rows(campaign, current_user, skpd.id if skpd is not None else None)
        r = 0
        for r, cells in enumerate(export_cells(rows, zone), start=1):
            for col, value in enumerate(cells):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, col, value, when)
                elif isinstance(value, int):
                    sheet.write_number(r, col, value)
                else:
                    sheet.write_string(r, col, safe_cell(value))
        sheet.autofilter(0, 0, max(r, 1), 9)
        workbook.close()
        with open(path, "rb") as written:
            data = io.BytesIO(written.read())
    finally:
        os.unlink(path)
    return send_file(data, as_attachment=True, download_name=f"{name}.xlsx", max_age=0,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
