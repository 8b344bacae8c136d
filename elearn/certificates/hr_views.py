"""HR's certificate pages (``/rekap-sertifikat``): for a course and a range of issue dates, the
certificates per SKPD (valid, revoked, replaced) and the people not yet certified; one SKPD's
units and people with their certificate state; CSV and XLSX of both; a ZIP of one SKPD's PDFs,
streamed.

Scope: admin BKPSDM their instansi, superadmin any instansi (chosen in the form), operator SKPD
their own SKPD; an instansi, course or SKPD outside it answers 404, whether it comes in the URL or
in a form value. Order in every view: load, authorize, validate, call the service, respond.

Where people are counted is explained in ``reports`` (certificates where they were issued, people
not yet certified where they are now) and on the page."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, render_template, request, send_file, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import authz
from ..accounts.models import Role, User
from ..accounts.nip import format_nip
from ..courses.assignments import available_courses
from ..courses.models import Course, CourseVersion
from ..db import db
from ..org.forms import options
from ..org.models import Instansi, Unit
from ..pagination import page_number, paginate
from ..pledges.hr_views import slug_from
from ..spreadsheets import safe_cell
from . import reports
from .hr_forms import CertificateReportForm
from .models import Certificate, CertificateState

bp = Blueprint("certificate_hr", __name__, url_prefix="/rekap-sertifikat")


def state_labels() -> dict[str, str]:
    return {
        CertificateState.VALID.value: _("berlaku"),
        CertificateState.REVOKED.value: _("dicabut"),
        CertificateState.REPLACED.value: _("diganti"),
        reports.NOT_YET: _("belum bersertifikat"),
    }


# --- loading -------------------------------------------------------------------------------------


def course_title(course: Course) -> str:
    return course.published_version.title if course.published_version is not None else course.slug


def certificate_courses(instansi: Instansi) -> list[Course]:
    """Courses the report may be about: those available to the instansi whose published version
    gives a certificate, and any course the instansi has already issued certificates for. At most
    three statements."""
    courses = [c for c in available_courses(instansi.id)
               if c.published_version is not None and c.published_version.certificate]
    known = {c.id for c in courses}
    issued = set(db.session.scalars(
        select(Certificate.course_id).where(Certificate.instansi_id == instansi.id).distinct()))
    missing = issued - known
    if missing:
        courses += list(db.session.scalars(
            select(Course).outerjoin(CourseVersion, CourseVersion.id == Course.published_version_id)
            .where(Course.id.in_(missing))).unique())
    return sorted(courses, key=lambda c: (course_title(c).casefold(), c.id))


def _instansi(form: CertificateReportForm, strict: bool) -> Instansi | None:
    """The instansi of the report: the superadmin's choice (``?instansi=<slug>``), everyone
    else's own (another slug: 404)."""
    user: User = current_user
    slug = request.args.get("instansi", "")
    if authz.is_superadmin(user):
        all_instansi = list(db.session.scalars(select(Instansi).order_by(Instansi.name)))
        form.instansi.choices = options([("", _("— pilih instansi —"))] + [(i.slug, i.name) for i in all_instansi])
        if not slug:
            if strict:
                abort(404)
            return None
        instansi = next((i for i in all_instansi if i.slug == slug), None)
    else:
        del form.instansi
        instansi = db.session.get(Instansi, user.instansi_id) if user.instansi_id is not None else None
        if slug and instansi is not None and slug != instansi.slug:
            abort(404)
    if instansi is None or not authz.can_view_certificate_instansi(user, instansi):
        abort(404)
    return instansi


def load_filters(strict: bool) -> tuple[CertificateReportForm, reports.Filters | None, list[Course]]:
    """The form and the report's filters from ``request.args``. ``strict`` (exports, ZIP, an
    SKPD's page): the instansi and the course must be given and in scope (else 404), the dates
    valid (else 400). Otherwise (the overview) missing choices show the form with defaults."""
    form = CertificateReportForm(formdata=request.args)
    valid = form.validate()
    instansi = _instansi(form, strict)
    if instansi is None:
        return form, None, []
    courses = certificate_courses(instansi)
    form.course.choices = options([(c.id, course_title(c)) for c in courses])
    course_id = form.course.data
    if course_id is None:
        if strict:
            abort(404)
        course = courses[0] if courses else None
        form.course.data = course.id if course is not None else None
    else:
        course = next((c for c in courses if c.id == course_id), None)
        if course is None:
            abort(404)
    if not valid and (form.dari.errors or form.sampai.errors):
        if strict:
            abort(400)
        start = end = None
    else:
        start, end = form.dari.data, form.sampai.data
    if course is None:
        return form, None, courses
    return form, reports.Filters(instansi=instansi, course=course, start=start, end=end), courses


def filter_args(filters: reports.Filters) -> dict[str, Any]:
    """The query string that selects ``filters`` (for links)."""
    args: dict[str, Any] = {"course": filters.course.id}
    if authz.is_superadmin(current_user):
        args["instansi"] = filters.instansi.slug
    if filters.start is not None:
        args["dari"] = filters.start.isoformat()
    if filters.end is not None:
        args["sampai"] = filters.end.isoformat()
    return args


def _skpd(filters: reports.Filters, skpd_id: int) -> Unit:
    skpd = db.session.get(Unit, skpd_id)
    if skpd is None or not authz.can_view_certificate_skpd(current_user, filters.instansi, skpd):
        abort(404)
    return skpd


def _zone(filters: reports.Filters) -> ZoneInfo:
    return ZoneInfo(filters.instansi.timezone.iana)


def _period_slug(filters: reports.Filters) -> str:
    parts = []
    if filters.start is not None:
        parts.append(filters.start.isoformat())
    if filters.end is not None:
        parts.append(("sd-" if parts else "sampai-") + filters.end.isoformat())
    return ("-" + "-".join(parts)) if parts else ""


def _download_name(filters: reports.Filters, skpd: Unit | None, ext: str) -> str:
    skpd_part = f"-{slug_from(skpd.name) or skpd.id}" if skpd is not None else ""
    return f"sertifikat-{slug_from(filters.course.slug) or filters.course.id}{skpd_part}{_period_slug(filters)}.{ext}"


# --- pages ---------------------------------------------------------------------------------------


@bp.route("/")
@login_required
@authz.require(authz.can_view_certificate_reports)
def index():  # type: ignore[no-untyped-def]
    form, filters, courses = load_filters(strict=False)
    result = reports.overview(filters, current_user) if filters is not None else None
    return render_template(
        "certificates/hr/index.html",
        form=form,
        filters=filters,
        args=filter_args(filters) if filters is not None else {},
        courses=courses,
        result=result,
        forced=current_user.role == Role.OPERATOR_SKPD,
        show_instansi=authz.is_superadmin(current_user),
        course_title=course_title,
    )


@bp.route("/skpd/<int:skpd_id>")
@login_required
@authz.require(authz.can_view_certificate_reports)
def skpd(skpd_id: int):  # type: ignore[no-untyped-def]
    form, filters, _courses = load_filters(strict=True)
    assert filters is not None
    skpd = _skpd(filters, skpd_id)
    state = request.args.get("status", "")
    if state not in reports.STATES:
        state = ""
    units = reports.units_of_skpd(filters, current_user, skpd)
    total = reports.Tally()
    for row in units:
        total += row.tally
    page = paginate(reports.people_of_skpd(filters, current_user, skpd.id, state or None),
                    page_number(request.args.get("page")), reports.PAGE_SIZE, scalars=False)
    page.items = reports.person_rows(page.items, current_user)
    return render_template(
        "certificates/hr/skpd.html",
        form=form,
        filters=filters,
        args=filter_args(filters),
        skpd=skpd,
        units=units,
        total=total,
        page=page,
        state=state,
        state_labels=state_labels(),
        tz=filters.instansi.timezone.iana,
        course_title=course_title,
        forced=current_user.role == Role.OPERATOR_SKPD,
    )


# --- exports ----------------------------------------------------------------------------------------


def overview_header() -> list[str]:
    return [_("Perangkat daerah"), _("Berlaku"), _("Dicabut"), _("Diganti"), _("Jumlah terbit"),
            _("Belum bersertifikat")]


def overview_cells(result: reports.Overview) -> Iterator[list[Any]]:
    no_skpd = _("(tanpa perangkat daerah)")
    for row in result.skpds:
        t = row.tally
        yield [row.name or no_skpd, t.valid, t.revoked, t.replaced, t.issued, t.not_yet]
    t = result.total
    yield [_("Jumlah"), t.valid, t.revoked, t.replaced, t.issued, t.not_yet]


def people_header(filters: reports.Filters) -> list[str]:
    zone = filters.instansi.timezone.value
    return [_("Nama"), _("NIP / NI PPPK"), _("Unit kerja"), _("Status"), _("Nomor sertifikat"),
            _("Tanggal terbit (%(zone)s)", zone=zone), _("Tanggal dicabut (%(zone)s)", zone=zone), _("JP")]


def people_cells(rows: Iterable[reports.PersonRow], zone: ZoneInfo) -> Iterator[list[Any]]:
    """Each row as cells; times as naive local datetimes (the header names the zone); a NIP the
    viewer may not see (someone who has left an operator's SKPD) is left empty."""
    labels = state_labels()

    def local(value: dt.datetime | None) -> dt.datetime | None:
        return value.astimezone(zone).replace(tzinfo=None, microsecond=0) if value is not None else None

    for row in rows:
        yield [row.name, format_nip(row.number) if row.nip_visible else "", row.unit, labels.get(row.state, row.state),
               row.serial or "", local(row.issued_at), local(row.revoked_at), row.jp]


def _csv_response(header: list[str], cells: Iterator[list[Any]], name: str) -> Response:
    """Streamed (UTF-8 with BOM for Excel); every text cell through ``safe_cell``."""

    def line(values: list[Any]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow([
            v.isoformat(sep=" ") if isinstance(v, dt.datetime) else ("" if v is None else
                                                                     v if isinstance(v, int) else safe_cell(v))
            for v in values])
        return out.getvalue()

    def generate() -> Iterator[bytes]:
        yield ("\ufeff" + line(header)).encode("utf-8")
        for values in cells:
            yield line(values).encode("utf-8")

    return Response(stream_with_context(generate()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _xlsx_response(sheet_name: str, header: list[str], widths: tuple[int, ...], cells: Iterator[list[Any]],
                   name: str) -> Response:
    """XlsxWriter with ``constant_memory`` (rows flushed to disk as written); text written as
    strings (never formulas) and through ``safe_cell``, times as dates."""
    import xlsxwriter

    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
        sheet = workbook.add_worksheet(sheet_name[:31])
        bold = workbook.add_format({"bold": True})
        when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        for col, title in enumerate(header):
            sheet.write_string(0, col, title, bold)
        sheet.freeze_panes(1, 0)
        r = 0
        for r, values in enumerate(cells, start=1):
            for col, value in enumerate(values):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, col, value, when)
                elif isinstance(value, int):
                    sheet.write_number(r, col, value)
                else:
                    sheet.write_string(r, col, safe_cell(value))
        sheet.autofilter(0, 0, max(r, 1), len(header) - 1)
        workbook.close()
        with open(path, "rb") as written:
            data = io.BytesIO(written.read())
    finally:
        os.unlink(path)
    return send_file(data, as_attachment=True, download_name=name, max_age=0,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/ekspor.csv")
@login_required
@authz.require(authz.can_view_certificate_reports)
def export_csv():  # type: ignore[no-untyped-def]
    _form, filters, _courses = load_filters(strict=True)
    assert filters is not None
    result = reports.overview(filters, current_user)
    return _csv_response(overview_header(), overview_cells(result), _download_name(filters, None, "csv"))


@bp.route("/ekspor.xlsx")
@login_required
@authz.require(authz.can_view_certificate_reports)
def export_xlsx():  # type: ignore[no-untyped-def]
    _form, filters, _courses = load_filters(strict=True)
    assert filters is not None
    result = reports.overview(filters, current_user)
    return _xlsx_response(_("Sertifikat per perangkat daerah"), overview_header(), (40, 10, 10, 10, 14, 18),
                          overview_cells(result), _download_name(filters, None, "xlsx"))


@bp.route("/skpd/<int:skpd_id>/ekspor.csv")
@login_required
@authz.require(authz.can_view_certificate_reports)
def skpd_csv(skpd_id: int):  # type: ignore[no-untyped-def]
    _form, filters, _courses = load_filters(strict=True)
    assert filters is not None
    skpd = _skpd(filters, skpd_id)
    rows = reports.stream_people(filters, current_user, skpd.id)
    return _csv_response(people_header(filters), people_cells(rows, _zone(filters)),
                         _download_name(filters, skpd, "csv"))


@bp.route("/skpd/<int:skpd_id>/ekspor.xlsx")
@login_required
@authz.require(authz.can_view_certificate_reports)
def skpd_xlsx(skpd_id: int):  # type: ignore[no-untyped-def]
    _form, filters, _courses = load_filters(strict=True)
    assert filters is not None
    skpd = _skpd(filters, skpd_id)
    rows = reports.stream_people(filters, current_user, skpd.id)
    return _xlsx_response(_("Sertifikat"), people_header(filters), (32, 24, 32, 18, 26, 20, 20, 6),
                          people_cells(rows, _zone(filters)), _download_name(filters, skpd, "xlsx"))


# --- the ZIP of one SKPD's PDFs ------------------------------------------------------------------------


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
STATE_SUFFIX = {CertificateState.REVOKED.value: "DICABUT", CertificateState.REPLACED.value: "DIGANTI"}


def zip_member_name(serial: str, name: str, state: str, taken: set[str]) -> str:
    """``BKPSDM-KC-2026-000123_budi-santoso.pdf``: the serial with "/" as "-", the name folded to
    ASCII; only ``[A-Za-z0-9._-]``, never a leading dot or a path; a revoked or replaced
    certificate ends ``_DICABUT`` / ``_DIGANTI``; unique within the archive (``taken``)."""
    serial_part = _UNSAFE.sub("-", serial.replace("/", "-")).strip(".-")[:64].strip(".-") or "sertifikat"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name_part = _SLUG_CHARS.sub("-", ascii_name.lower()).strip("-")[:60].strip("-") or "pegawai"
    stem = f"{serial_part}_{name_part}"
    if state in STATE_SUFFIX:
        stem += "_" + STATE_SUFFIX[state]
    candidate, n = f"{stem}.pdf", 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem}-{n}.pdf"
    taken.add(candidate.lower())
    return candidate


class ZipSink(io.RawIOBase):
    """A write-only, unseekable file for ``zipfile`` (which then writes data descriptors): the
    response takes what has been written so far, so the archive never sits in memory whole."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


MANIFEST_NAME = "DAFTAR-SERTIFIKAT.csv"


def manifest_header(filters: reports.Filters) -> list[str]:
    zone = filters.instansi.timezone.value
    return [_("Berkas"), _("Nomor sertifikat"), _("Nama"), _("NIP / NI PPPK"), _("Unit kerja"), _("Status"),
            _("Tanggal terbit (%(zone)s)", zone=zone), _("Tanggal dicabut (%(zone)s)", zone=zone),
            _("SHA-256 PDF")]


def build_zip(filters: reports.Filters, entries: list[reports.ZipEntry],
              fetch: Callable[[list[int]], Iterator[tuple[int, bytes]]]) -> Iterator[bytes]:
    """The archive as a stream of chunks: the manifest first (from ``entries``, no PDF loaded),
    then each PDF as ``fetch`` yields it, written and handed on before the next one."""
    zone = _zone(filters)
    labels = state_labels()
    taken = {MANIFEST_NAME.lower()}
    names = {e.certificate_id: zip_member_name(e.serial, e.name, e.state, taken) for e in entries if e.included}
    issued = {e.certificate_id: e.issued_at for e in entries if e.included}
    left_out = _("(tidak disertakan)")

    def local(value: dt.datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""

    manifest = io.StringIO()
    writer = csv.writer(manifest, lineterminator="\r\n")
    writer.writerow(manifest_header(filters))
    for e in entries:
        writer.writerow([safe_cell(v) for v in (
            names.get(e.certificate_id, left_out), e.serial, e.name, format_nip(e.number) if e.nip_visible else "",
            e.unit, labels.get(e.state, e.state), local(e.issued_at), local(e.revoked_at), e.pdf_sha256)])
    sink = ZipSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(MANIFEST_NAME, ("\ufeff" + manifest.getvalue()).encode("utf-8"))
        del manifest
        yield sink.take()
        for cid, pdf in fetch(list(names)):
            member = zipfile.ZipInfo(names[cid], date_time=_zip_time(issued[cid], zone))
            member.compress_type = zipfile.ZIP_STORED
            archive.writestr(member, pdf)
            del pdf
            yield sink.take()
    sink.close()
    yield sink.take()


def _zip_time(value: dt.datetime, zone: ZoneInfo) -> tuple[int, int, int, int, int, int]:
    local = value.astimezone(zone)
    if local.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)


@bp.route("/skpd/<int:skpd_id>/sertifikat.zip")
@login_required
@authz.require(authz.can_view_certificate_reports)
def skpd_zip(skpd_id: int):  # type: ignore[no-untyped-def]
    """Every PDF of the SKPD's certificates issued in the range, in one ZIP built while it is sent:
    the manifest (every certificate, also those left out) first, then the PDFs fetched a batch at
    a time (memory holds one batch). Revoked and replaced certificates are included, their files
    named ``_DICABUT`` / ``_DIGANTI``, unless ``?sah_saja=1`` (valid ones only)."""
    _form, filters, _courses = load_filters(strict=True)
    assert filters is not None
    skpd = _skpd(filters, skpd_id)
    valid_only = request.args.get("sah_saja") == "1"
    entries = reports.zip_entries(filters, current_user, skpd.id, valid_only=valid_only)
    name = _download_name(filters, skpd, "zip")
    return Response(stream_with_context(build_zip(filters, entries, reports.pdfs)), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

