"""Rekap per SKPD (``/rekap``): for a course, a quiz and a pakta campaign, per SKPD, then per unit,
then people: read, passed, signed, certified, fully done, against the roster (rules in
``services``). XLSX report and streamed CSV exports.

Scope: admin BKPSDM their instansi, superadmin any instansi (``?instansi=<slug>``), operator SKPD
their own SKPD; another SKPD, unit or instansi answers 404. A course, quiz or campaign of another
instansi in the query string is refused with a message (never counted, never a 500). Order in
every view: load, authorize, validate, call the service, respond."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from .. import authz
from ..accounts.models import EmployeeType, JenisJabatan, Role, User
from ..accounts.nip import format_nip
from ..courses.assignments import available_courses
from ..courses.models import Course
from ..db import db, utcnow
from ..i18n import local_datetime
from ..templating import clock
from ..http_guards import optional_id
from ..org.forms import options
from ..org.models import Instansi, Unit, natural_key
from ..pagination import page_number, paginate
from ..pledges.hr_views import slug_from
from ..pledges.models import Campaign
from ..quizzes.models import Quiz, QuizStatus
from ..spreadsheets import safe_cell
from . import charts, services, snapshots, timeline
from . import pdf as report_pdf
from .forms import PeopleFilterForm, RecountForm, SelectionForm, employee_type_labels, jenis_labels, missing_labels

bp = Blueprint("reports", __name__, url_prefix="/rekap")

#: ?sort= values -> RekapRow attribute (shares sort by share, counts by count)
SORTS = {
    "nama": "name", "pegawai": "headcount", "modul": "read_share", "kuis": "passed_share",
    "pakta": "signed_share", "sertifikat": "certified_share", "selesai": "done_share",
    "berjalan": "in_progress_share", "belum": "not_started_share",
}
DEFAULT_SORT = "selesai"
#: done share below LOW: behind (red); below HIGH: on the way (amber); else ahead (green); 100 %: done
LOW, HIGH = 0.5, 0.8


def can_view_rekap(user: User) -> bool:
    return authz.can_view_campaigns(user)


# --- loading the selection ------------------------------------------------------------------------


@dataclass
class Loaded:
    form: SelectionForm
    instansi: Instansi | None
    selection: services.Selection | None
    messages: list[str] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    quizzes: list[Quiz] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)


def course_title(course: Course) -> str:
    return course.published_version.title if course.published_version is not None else course.slug


def _instansi(form: SelectionForm) -> Instansi | None:
    """The superadmin's choice (``?instansi=<slug>``; None: not chosen yet), everyone else's own
    (another slug: 404)."""
    user: User = current_user
    slug = request.args.get("instansi", "")
    if authz.is_superadmin(user):
        all_instansi = list(db.session.scalars(select(Instansi).order_by(Instansi.name)))
        form.instansi.choices = options([("", _("— pilih instansi —"))] + [(i.slug, i.name) for i in all_instansi])
        if not slug:
            return None
        instansi = next((i for i in all_instansi if i.slug == slug), None)
        if instansi is None:
            abort(404)
        return instansi
    del form.instansi
    instansi = db.session.get(Instansi, user.instansi_id) if user.instansi_id is not None else None
    if instansi is None or (slug and slug != instansi.slug):
        abort(404)
    return instansi


def _pick(raw: str | None, items: list[Any], default: Any, foreign: str, messages: list[str]) -> Any:
    """``raw`` missing: the default; empty: nothing; an id among ``items``: it; else a message."""
    if raw is None:
        return default
    wanted = optional_id(raw)
    if wanted is None:
        return None
    found = next((item for item in items if item.id == wanted), None)
    if found is None:
        messages.append(foreign)
    return found


def load_selection() -> Loaded:
    form = SelectionForm(formdata=request.args)
    instansi = _instansi(form)
    loaded = Loaded(form, instansi, None)
    if instansi is None:
        return loaded
    courses = available_courses(instansi.id)
    quizzes = list(db.session.scalars(
        select(Quiz).where(Quiz.status == QuizStatus.PUBLISHED,
                           or_(Quiz.instansi_id.is_(None), Quiz.instansi_id == instansi.id))
        .order_by(Quiz.title, Quiz.id)))
    campaigns = list(db.session.scalars(
        select(Campaign).where(Campaign.instansi_id == instansi.id).order_by(Campaign.opens_on.desc(), Campaign.id)))
    loaded.courses, loaded.quizzes, loaded.campaigns = courses, quizzes, campaigns
    args = request.args
    default_course = courses[0] if courses else None
    course = _pick(args.get("kursus"), courses, default_course,
                   _("Kursus yang dipilih tidak tersedia untuk instansi ini; kursus tidak dihitung."), loaded.messages)
    default_quiz = None
    if course is not None and course.published_version is not None:
        slug = (course.published_version.requires or {}).get("quiz")
        default_quiz = next((q for q in quizzes if q.slug == slug), None)
    quiz = _pick(args.get("kuis"), quizzes, default_quiz,
                 _("Kuis yang dipilih tidak tersedia untuk instansi ini; kuis tidak dihitung."), loaded.messages)
    campaign = _pick(args.get("kampanye"), campaigns, campaigns[0] if campaigns else None,
                     _("Kampanye yang dipilih bukan kampanye instansi ini; pakta tidak dihitung."), loaded.messages)
    none = ("", _("— tidak dihitung —"))
    form.kursus.choices = options([none] + [(c.id, course_title(c)) for c in courses])
    form.kuis.choices = options([none] + [(q.id, q.title) for q in quizzes])
    form.kampanye.choices = options([none] + [(c.id, c.name) for c in campaigns])
    form.kursus.data = course.id if course is not None else None
    form.kuis.data = quiz.id if quiz is not None else None
    form.kampanye.data = campaign.id if campaign is not None else None
    loaded.selection = services.Selection.build(instansi, course, quiz, campaign)
    return loaded


def selection_args(loaded: Loaded) -> dict[str, Any]:
    """The query string that selects the same things (for links): empty values mean "none"."""
    sel = loaded.selection
    args: dict[str, Any] = {}
    if sel is None:
        return args
    if authz.is_superadmin(current_user):
        args["instansi"] = sel.instansi.slug
    args["kursus"] = sel.course.id if sel.course is not None else ""
    args["kuis"] = sel.quiz.id if sel.quiz is not None else ""
    args["kampanye"] = sel.campaign.id if sel.campaign is not None else ""
    return args


def own_skpd() -> int | None:
    """The SKPD an operator is confined to; None for admins."""
    return current_user.skpd_id if current_user.role == Role.OPERATOR_SKPD else None


def _skpd(instansi: Instansi, skpd_id: int | None) -> Unit:
    skpd = db.session.get(Unit, skpd_id) if skpd_id is not None else None
    if skpd is None or skpd.instansi_id != instansi.id or skpd.parent_id is not None:
        abort(404)
    if current_user.role == Role.OPERATOR_SKPD and skpd.id != current_user.skpd_id:
        abort(404)
    return skpd


def _require_selection(loaded: Loaded) -> services.Selection:
    if loaded.selection is None:
        abort(404)
    return loaded.selection


def sort_rows(rows: list[services.RekapRow], messages: list[str]) -> tuple[list[services.RekapRow], str, str]:
    """Sort by ``?sort=`` and ``?arah=`` (asc/desc). Default: done share ascending (worst first)."""
    key = request.args.get("sort", DEFAULT_SORT)
    direction = request.args.get("arah", "asc")
    if key not in SORTS:
        messages.append(_("Urutan tidak dikenal; diurutkan menurut persentase selesai."))
        key = DEFAULT_SORT
    if direction not in ("asc", "desc"):
        direction = "asc"
    attr = SORTS[key]

    def value(row: services.RekapRow) -> tuple[Any, ...]:
        v = getattr(row, attr)
        if isinstance(v, str):
            return (0, natural_key(v))
        return (0 if v is not None else 1, v if v is not None else 0, natural_key(row.name))

    ordered = sorted(rows, key=value, reverse=direction == "desc")
    if direction == "desc":  # keep rows without anyone last
        ordered = [r for r in ordered if getattr(r, attr) is not None] + [r for r in ordered if getattr(r, attr) is None]
    return ordered, key, direction


def level(share: float | None) -> str:
    if share is None:
        return "none"
    if share >= 1:  # everyone: "tuntas", not "hampir tuntas" (found by the issue 16 walk)
        return "done"
    return "low" if share < LOW else "mid" if share < HIGH else "high"


def level_labels() -> dict[str, str]:
    return {"low": _("tertinggal"), "mid": _("berjalan"), "high": _("hampir tuntas"), "done": _("tuntas"),
            "none": _("tanpa pegawai")}


def charts_svg(rows: list[services.RekapRow], href: Any = None, chart_id: str = "rekap-bars") -> Any:
    """The stacked bars (done / in progress / not started) of ``rows``, each linked by ``href(row)``
    (mouse users; the table beside it carries the same links and numbers for everyone)."""
    items = [charts.BarItem(label=row.name or _("(tanpa unit)"), done=row.done, in_progress=row.in_progress,
                            not_started=row.not_started, href=href(row) if href and row.key is not None else None)
             for row in rows if row.headcount]
    return charts.stacked_bars(items, chart_id=chart_id) if items else None


@dataclass
class Picture:
    """Completion over time of the selected campaign, and the readiness figure (index and PDF)."""

    timeline: Any
    points: list[tuple[dt.date, float]]
    readiness: Any
    sentence: str
    svg: Any


def progress_picture(sel: services.Selection, skpd_id: int | None,
                     counted: timeline.Progress | None = None) -> Picture | None:
    """The campaign's line since it opened (with the voting day and the target) and "73 % …; at this
    pace 90 % by …": one counting statement (none with ``counted``, the progress already counted, e.g.
    from a snapshot). None without a campaign in the selection."""
    if sel.campaign is None:
        return None
    line = timeline.campaign_timeline(sel.campaign, sel, skpd_id, counted=counted)
    if not line.headcount:
        return None
    points = [(day, share * 100) for day, share in line.points]
    ready = charts.readiness(line.done, line.headcount, points, line.target_percent, line.target_date)
    svg = charts.timeline(points, start=line.start, end=line.end, election_date=line.election_date,
                          target_percent=line.target_percent, target_date=line.target_date,
                          projection=charts.projection_points(ready), chart_id="rekap-timeline")
    return Picture(line, points, ready, charts.readiness_sentence(ready), svg)


def _context(loaded: Loaded, **extra: Any) -> dict[str, Any]:
    return dict(loaded=loaded, selection=loaded.selection, form=loaded.form, args=selection_args(loaded),
                show_instansi=authz.is_superadmin(current_user), level=level, level_labels=level_labels(),
                course_title=course_title, sorts=SORTS, **extra)


# --- pages ----------------------------------------------------------------------------------------


@bp.route("/")
@login_required
@authz.require(can_view_rekap)
def index():  # type: ignore[no-untyped-def]
    loaded = load_selection()
    if loaded.selection is None:
        return render_template("reports/index.html", **_context(loaded, rows=[], heads=[], total=None,
                                                                   sort=DEFAULT_SORT, direction="asc", chart=None))
    sel = loaded.selection
    # the counted figures: a snapshot younger than REKAP_SNAPSHOT_MAX_AGE_SECONDS, else counted now
    # (and stored); the operator's own SKPD has a snapshot of its own
    figures = snapshots.figures(sel, own_skpd())
    rows, heads = figures.rows, figures.heads
    total = services.totals(rows, _("Jumlah"))
    ordered, sort, direction = sort_rows(rows, loaded.messages)
    args = selection_args(loaded)
    chart = charts_svg(ordered, lambda row: url_for("reports.skpd", skpd_id=row.key, **args))
    counted_at = clock(figures.computed_at, sel.instansi.timezone.iana)
    return render_template("reports/index.html", **_context(
        loaded, rows=ordered, heads=heads, total=total, sort=sort, direction=direction, chart=chart,
        picture=progress_picture(sel, own_skpd(), figures.progress), figures=figures, counted_at=counted_at,
        recount_form=RecountForm()))


@bp.route("/hitung-ulang", methods=["POST"])
@login_required
@authz.require(can_view_rekap)
def recount():  # type: ignore[no-untyped-def]
    """"Hitung ulang": queue a recount of the dashboard's snapshot of the selection (query string)
    for the worker and go back to the dashboard, which shows the stored figures as being counted
    again; counted here when there is no snapshot yet or recounting in the background is off."""
    loaded = load_selection()
    sel = _require_selection(loaded)
    if not RecountForm().validate_on_submit():
        abort(400)
    if snapshots.max_age_seconds() > 0 and snapshots.in_background() and snapshots.has_snapshot(sel, own_skpd()):
        if snapshots.request_refresh(sel, own_skpd()):
            flash(_("Angka sedang dihitung ulang; biasanya selesai dalam beberapa detik."), "info")
        else:
            flash(_("Hitung ulang belum dapat dimulai karena basis data sedang sibuk. Coba lagi sebentar lagi."),
                  "warning")
    else:
        snapshots.recount(sel, own_skpd())
    return redirect(url_for("reports.index", **selection_args(loaded)))


@bp.route("/ringkasan.pdf")
@login_required
@authz.require(can_view_rekap)
def summary_pdf():  # type: ignore[no-untyped-def]
    """One A4 page for the regional head: the figures, the readiness sentence, the bars per SKPD
    (the worst first when not all fit) and the line since the campaign opened."""
    loaded = load_selection()
    sel = _require_selection(loaded)
    if loaded.messages:
        abort(404)
    skpd_id = own_skpd()
    rows = services.skpd_rows(sel, skpd_id)
    total = services.totals(rows, _("Jumlah"))
    picture = progress_picture(sel, skpd_id)
    lines = [_("Kursus: %(title)s", title=course_title(sel.course)) if sel.course is not None else "",
             _("Kuis: %(title)s", title=sel.quiz.title) if sel.quiz is not None else "",
             _("Kampanye pakta: %(name)s", name=sel.campaign.name) if sel.campaign is not None else ""]
    share = f"{total.done_share * 100:.0f} %" if total.headcount else "—"
    items = [charts.BarItem(label=row.name or _("(tanpa unit)"), done=row.done, in_progress=row.in_progress,
                            not_started=row.not_started) for row in rows if row.headcount]
    line = picture.timeline if picture is not None else None
    data = report_pdf.summary_pdf(
        _("Rekap netralitas ASN per perangkat daerah"), sel.instansi.name,
        local_datetime(utcnow(), sel.instansi.timezone.iana, "long"), [x for x in lines if x],
        {_("ASN aktif"): total.headcount, _("Selesai"): total.done, _("Persen selesai"): share,
         _("Sedang berjalan"): total.in_progress, _("Belum mulai"): total.not_started},
        items, picture.sentence if picture is not None else "",
        picture.points if picture is not None else (),
        start=line.start if line is not None else None, end=line.end if line is not None else None,
        election_date=line.election_date if line is not None else None,
        target_percent=line.target_percent if line is not None else None,
        target_date=line.target_date if line is not None else None,
        projection=charts.projection_points(picture.readiness) if picture is not None else None)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'attachment; filename="rekap-netralitas.pdf"'
    return response


@bp.route("/skpd/<int:skpd_id>")
@login_required
@authz.require(can_view_rekap)
def skpd(skpd_id: int):  # type: ignore[no-untyped-def]
    loaded = load_selection()
    sel = _require_selection(loaded)
    skpd = _skpd(sel.instansi, skpd_id)
    rows = services.unit_rows(sel, skpd.id)
    heads = services.head_rows(sel, skpd.id)
    total = services.totals(rows, skpd.name)
    args = selection_args(loaded)
    chart = charts_svg(rows, lambda row: url_for("reports.people", skpd_id=skpd.id, unit=row.key, **args))
    return render_template("reports/skpd.html", **_context(loaded, skpd=skpd, rows=rows, heads=heads, total=total,
                                                          chart=chart))


def load_people_filters(skpd: Unit, messages: list[str]) -> tuple[PeopleFilterForm, services.PersonFilters, Unit | None]:
    form = PeopleFilterForm(formdata=request.args)
    form.fill_choices()
    units = list(db.session.scalars(select(Unit).where(Unit.skpd_id == skpd.id).order_by(Unit.sort_key, Unit.id)))
    form.unit.choices = options([("", _("— semua unit —"))] + [(u.id, "— " * u.depth + u.name) for u in units])
    if not form.validate():
        messages.append(_("Ada pilihan saringan yang tidak dikenal; saringan itu diabaikan."))
        for name in ("jenis_pegawai", "jenis_jabatan", "kurang", "pimpinan", "q"):
            if getattr(form, name).errors:
                getattr(form, name).data = ""
    unit = None
    if form.unit.data is not None:
        unit = next((u for u in units if u.id == form.unit.data), None)
        if unit is None:
            abort(404)
    filters = services.PersonFilters(
        employee_type=EmployeeType(form.jenis_pegawai.data) if form.jenis_pegawai.data else None,
        jenis_jabatan=JenisJabatan(form.jenis_jabatan.data) if form.jenis_jabatan.data else None,
        heads_only=form.pimpinan.data == "1",
        missing=form.kurang.data or None,
        search=(form.q.data or "").replace("\x00", ""),
    )
    return form, filters, unit


@bp.route("/skpd/<int:skpd_id>/pegawai")
@login_required
@authz.require(can_view_rekap)
def people(skpd_id: int):  # type: ignore[no-untyped-def]
    loaded = load_selection()
    sel = _require_selection(loaded)
    skpd = _skpd(sel.instansi, skpd_id)
    filter_form, filters, unit = load_people_filters(skpd, loaded.messages)
    if filters.missing not in (None, "any") and filters.missing not in sel.parts:
        loaded.messages.append(_("Bagian itu tidak dipilih di rekap ini; saringan 'yang belum' diabaikan."))
        filters = services.PersonFilters(filters.employee_type, filters.jenis_jabatan, filters.heads_only, None,
                                         filters.search)
    stmt = services.people(sel, skpd.id, unit.id if unit is not None else None, filters)
    page = paginate(stmt, page_number(request.args.get("page")), services.PAGE_SIZE, scalars=False)
    rows = [services.person_row(sel, row) for row in page.items]
    user: User = current_user
    show_nip = {r.user_id: authz.can_view_person_at(user, r.instansi_id, r.skpd_id) for r in rows}
    filter_args = {k: v for k, v in request.args.items() if k in filter_form.data and k != "page" and v}
    return render_template("reports/people.html", **_context(
        loaded, skpd=skpd, unit=unit, filter_form=filter_form, filters=filters, page=page, people=rows,
        show_nip=show_nip, filter_args=filter_args, missing_labels=missing_labels(),
        employee_type_labels=employee_type_labels(), jenis_labels=jenis_labels(), format_nip=format_nip))


# --- exports --------------------------------------------------------------------------------------


def _share_cells(row: services.RekapRow) -> list[Any]:
    return [row.headcount, row.read, row.read_share, row.passed, row.passed_share, row.signed, row.signed_share,
            row.certified, row.certified_share, row.done, row.done_share, row.in_progress, row.not_started]


def level_header(first: str) -> list[str]:
    return [first, _("Pegawai aktif"), _("Membaca semua modul"), _("Persen modul"), _("Lulus kuis"), _("Persen kuis"),
            _("Menandatangani pakta"), _("Persen pakta"), _("Sertifikat berlaku"), _("Persen sertifikat"), _("Selesai"),
            _("Persen selesai"), _("Sedang berjalan"), _("Belum mulai")]


def _export_scope(sel: services.Selection) -> Unit | None:
    raw = request.args.get("skpd", "")
    if raw:
        return _skpd(sel.instansi, optional_id(raw))
    if current_user.role == Role.OPERATOR_SKPD:
        return _skpd(sel.instansi, current_user.skpd_id)
    return None


def selection_lines(sel: services.Selection) -> list[str]:
    return [
        _("Kursus: %(v)s", v=course_title(sel.course) if sel.course is not None else "—"),
        _("Kuis: %(v)s", v=sel.quiz.title if sel.quiz is not None else "—"),
        _("Kampanye pakta: %(v)s", v=sel.campaign.name if sel.campaign is not None else "—"),
    ]


@bp.route("/ekspor.xlsx")
@login_required
@authz.require(can_view_rekap)
def export_xlsx():  # type: ignore[no-untyped-def]
    """A report workbook: title, date, instansi and the selection above a frozen header, one sheet
    per level (SKPD, unit, leaders), shares as numbers with a % format."""
    import xlsxwriter

    loaded = load_selection()
    sel = _require_selection(loaded)
    if loaded.messages:
        abort(404)
    skpd = _export_scope(sel)
    skpd_id = skpd.id if skpd is not None else None
    levels = [
        (_("Perangkat daerah"), _("Perangkat daerah"), services.skpd_rows(sel, skpd_id)),
        (_("Unit kerja"), _("Unit kerja"), services.unit_rows(sel, skpd_id)),
        (_("Pimpinan"), _("Kelompok"), services.head_rows(sel, skpd_id)),
    ]
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {"tmpdir": tempfile.gettempdir()})
        title = workbook.add_format({"bold": True, "font_size": 14})
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
        percent = workbook.add_format({"num_format": "0.0%"})
        total_fmt = workbook.add_format({"bold": True, "top": 1})
        total_pct = workbook.add_format({"bold": True, "top": 1, "num_format": "0.0%"})
        today = dt.date.today()
        for sheet_name, first, rows in levels:
            sheet = workbook.add_worksheet(safe_cell(sheet_name)[:31])
            sheet.write_string(0, 0, safe_cell(_("Rekap netralitas ASN per perangkat daerah")), title)
            sheet.write_string(1, 0, safe_cell(sel.instansi.name + (f" — {skpd.name}" if skpd is not None else "")))
            sheet.write_string(2, 0, safe_cell(_("Tanggal: %(d)s", d=today.isoformat())))
            for i, line in enumerate(selection_lines(sel)):
                sheet.write_string(3 + i, 0, safe_cell(line))
            header_row = 7
            sheet.set_column(0, 0, 40)
            sheet.set_column(1, 13, 12)
            for col, text in enumerate(level_header(first)):
                sheet.write_string(header_row, col, safe_cell(text), bold)
            sheet.freeze_panes(header_row + 1, 1)
            r = header_row
            for r, row in enumerate(rows, start=header_row + 1):
                name = ("  " * row.depth + row.name) if row.name else _("(tanpa unit)")
                sheet.write_string(r, 0, safe_cell(name))
                for col, value in enumerate(_share_cells(row), start=1):
                    if value is None:
                        continue
                    sheet.write_number(r, col, value, percent if isinstance(value, float) else None)
            total = services.totals(rows, _("Jumlah"))
            r += 1
            sheet.write_string(r, 0, safe_cell(_("Jumlah")), total_fmt)
            for col, value in enumerate(_share_cells(total), start=1):
                if value is not None:
                    sheet.write_number(r, col, value, total_pct if isinstance(value, float) else total_fmt)
        workbook.close()
        with open(path, "rb") as written:
            data = io.BytesIO(written.read())
    finally:
        os.unlink(path)
    suffix = f"-{slug_from(skpd.name) or skpd.id}" if skpd is not None else ""
    return send_file(data, as_attachment=True, download_name=f"rekap-{sel.instansi.slug}{suffix}.xlsx", max_age=0,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def people_header() -> list[str]:
    return [_("Perangkat daerah"), _("Unit kerja"), _("Nama"), _("NIP / NI PPPK"), _("Jenis pegawai"),
            _("Jenis jabatan"), _("Jabatan"), _("Pimpinan"), _("Status"), _("Yang belum")]


@bp.route("/ekspor.csv")
@login_required
@authz.require(can_view_rekap)
def export_csv():  # type: ignore[no-untyped-def]
    """Everyone in scope (``?skpd=``, ``?unit=`` and the people filters narrow it), streamed in
    batches (a whole province), UTF-8 with BOM; every cell through ``safe_cell``."""
    loaded = load_selection()
    sel = _require_selection(loaded)
    if loaded.messages:
        abort(404)
    skpd = _export_scope(sel)
    filters = services.PersonFilters()
    unit = None
    if skpd is not None:
        _form, filters, unit = load_people_filters(skpd, loaded.messages)
    user: User = current_user
    types, jenis, lacks = employee_type_labels(), jenis_labels(), missing_labels()
    labels = {"done": _("selesai"), "started": _("sedang berjalan"), "none": _("belum mulai")}
    rows = services.person_rows(sel, skpd.id if skpd is not None else None, unit.id if unit is not None else None,
                                filters)

    def line(values: list[Any]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow([safe_cell(v) for v in values])
        return out.getvalue()

    def generate() -> Iterator[bytes]:
        yield ("\ufeff" + line(people_header())).encode("utf-8")
        for p in rows:
            status = labels["done"] if p.done else labels["started"] if p.started else labels["none"]
            nip = format_nip(p.nip) if authz.can_view_person_at(user, p.instansi_id, p.skpd_id) else ""
            leader = _("kepala perangkat daerah") if p.is_head else _("kepala wilayah") if p.is_kepala_wilayah else ""
            missing = "; ".join(lacks[m] for m in services.PARTS if m in p.missing)
            yield line([p.skpd or _("(tanpa unit)"), p.unit, p.name, nip,
                        types.get(p.employee_type.value, "") if p.employee_type else "",
                        jenis.get(p.jenis_jabatan.value, "") if p.jenis_jabatan else "", p.jabatan, leader, status,
                        missing]).encode("utf-8")

    suffix = f"-{slug_from(skpd.name) or skpd.id}" if skpd is not None else ""
    return Response(stream_with_context(generate()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="rekap-{sel.instansi.slug}{suffix}.csv"',
        "Cache-Control": "no-store"})
