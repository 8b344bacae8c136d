"""Course assignment pages: HR assigns published courses to their instansi, SKPDs or units,
with an optional due date; lists, re-dates and withdraws assignments. Every change is audited
(by the services)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import authz
from ..accounts.models import Role, User
from ..db import db
from ..errors import ServiceError
from ..org import services as org_services
from ..org.models import Instansi, Unit
from ..pagination import page_number, paginate
from . import assignments as services
from .assignment_forms import AssignForm, DueDateForm, WithdrawForm
from .models import Course, CourseAssignment

bp = Blueprint("assignments", __name__, url_prefix="/penugasan")
PAGE_SIZE = 50


def _requested_instansi() -> Instansi | None:
    """Superadmin: ``?instansi=slug`` (None: not chosen yet). Others: their own instansi;
    asking for another one answers 404."""
    user: User = current_user
    slug = request.values.get("instansi") or None
    if authz.is_superadmin(user):
        if slug is None:
            return None
        instansi = org_services.get_instansi(slug)
        if instansi is None:
            abort(404)
        return instansi
    instansi = db.session.get(Instansi, user.instansi_id) if user.instansi_id is not None else None
    if instansi is None or (slug is not None and slug != instansi.slug):
        abort(404)
    return instansi


def _load_assignment(assignment_id: int) -> CourseAssignment:
    assignment = db.session.get(CourseAssignment, assignment_id)
    if assignment is None or not assignment.active:
        abort(404)
    return authz.get_or_404(assignment, authz.can_manage_assignment)  # type: ignore[no-any-return]


def _scope_root(user: User) -> Unit | None:
    """The operator's SKPD (the units they may target); None for admins (the whole tree)."""
    if user.role == Role.OPERATOR_SKPD:
        return db.session.get(Unit, user.skpd_id)
    return None


def _unit_tree(instansi: Instansi, root: Unit | None) -> dict[int | None, list[Unit]]:
    children: dict[int | None, list[Unit]] = {}
    for unit in org_services.subtree(instansi.id, root):
        if not unit.active:
            continue
        children.setdefault(None if unit is root else unit.parent_id, []).append(unit)
    return children


@bp.route("/")
@login_required
@authz.require(authz.can_assign_courses)
def index():  # type: ignore[no-untyped-def]
    user: User = current_user
    instansi = _requested_instansi()
    if instansi is None:
        instansi_list = db.session.scalars(select(Instansi).order_by(Instansi.name)).all()
        return render_template("assignments/choose_instansi.html", instansi_list=instansi_list)
    courses = services.available_courses(instansi.id)
    course_id = request.args.get("kursus", type=int)
    if course_id is not None and course_id not in {c.id for c in courses}:
        course_id = None
    page = paginate(services.assignments_query(user, instansi.id, course_id), page_number(request.args.get("page")),
                    PAGE_SIZE, scalars=False)
    # an operator SKPD also sees the instansi-wide assignments, read-only, counted in their SKPD;
    # both lists' figures come from one GROUP BY
    wide: list[Any] = []
    if not authz.can_assign_course(user, instansi):
        wide_query = services.instansi_wide_query(instansi.id)
        if course_id is not None:
            wide_query = wide_query.where(CourseAssignment.course_id == course_id)
        wide = list(db.session.execute(wide_query).all())
    rows = services.build_rows(list(page.items) + wide, authz.assignment_figures_skpd(user, instansi))
    rows, instansi_wide = rows[:len(page.items)], rows[len(page.items):]
    return render_template(
        "assignments/index.html",
        instansi=instansi,
        page=page,
        rows=rows,
        courses=courses,
        course_id=course_id,
        instansi_wide=instansi_wide,
        skpd=db.session.get(Unit, user.skpd_id) if instansi_wide and user.skpd_id is not None else None,
        today=services.today_in(instansi),
    )


@bp.route("/baru", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_assign_courses)
def create():  # type: ignore[no-untyped-def]
    user: User = current_user
    instansi = _requested_instansi()
    if instansi is None:
        abort(404)
    root = _scope_root(user)
    may_assign_instansi = authz.can_assign_course(user, instansi)
    courses = services.available_courses(instansi.id)
    form = AssignForm(instansi=instansi.slug)
    form.course_id.choices = [("", _("— pilih kursus —"))] + [
        (c.id, c.published_version.title) for c in courses  # type: ignore[union-attr]
    ]
    error = None
    if form.validate_on_submit():
        course = next((c for c in courses if c.id == form.course_id.data), None)
        units = _load_target_units(instansi, form.unit_ids.data or [])
        if form.whole_instansi.data and not may_assign_instansi:
            abort(404)  # a forged field: operators never see this choice
        if course is None:
            form.course_id.errors.append(_("Pilih kursus yang akan ditugaskan."))
        elif form.whole_instansi.data and units:
            error = _("Pilih seluruh instansi atau beberapa unit, tidak keduanya.")
        elif not form.whole_instansi.data and not units:
            error = _("Pilih seluruh instansi atau paling sedikit satu unit.")
        else:
            try:
                done = services.assign(course, instansi, units, form.due_date.data, user)
            except ServiceError as exc:
                db.session.rollback()
                if exc.code == "due_in_past":
                    form.due_date.errors.append(exc.message)
                else:
                    error = exc.message
            else:
                db.session.commit()
                flash(_("Kursus %(course)s ditugaskan ke %(n)d sasaran.", course=course.published_version.title,  # type: ignore[union-attr]
                        n=len(done)), "success")
                return redirect(url_for("assignments.index", instansi=instansi.slug))
    elif form.is_submitted() and form.due_date.errors:
        form.due_date.errors[:] = [_("Tanggal tenggat tidak sah. Gunakan format tahun-bulan-tanggal.")]
    selected = set(form.unit_ids.data or [])
    return render_template(
        "assignments/new.html",
        instansi=instansi,
        form=form,
        error=error,
        children=_unit_tree(instansi, root),
        selected=selected,
        may_assign_instansi=may_assign_instansi,
        has_courses=bool(courses),
        today=services.today_in(instansi),
    )


def _load_target_units(instansi: Instansi, unit_ids: list[int]) -> list[Unit]:
    """The units picked in the form; any id outside the user's scope answers 404 (nothing saved)."""
    ids = sorted(set(unit_ids))
    if not ids:
        return []
    units = list(db.session.scalars(select(Unit).where(Unit.id.in_(ids))))
    if len(units) != len(ids):
        abort(404)
    for unit in units:
        if unit.instansi_id != instansi.id or not unit.active or not authz.can_assign_course(current_user, unit):
            abort(404)
    return sorted(units, key=lambda u: u.sort_key)


@bp.route("/<int:assignment_id>", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_assign_courses)
def detail(assignment_id: int):  # type: ignore[no-untyped-def]
    assignment = _load_assignment(assignment_id)
    instansi = db.session.get(Instansi, assignment.instansi_id)
    assert instansi is not None
    form = DueDateForm(due_date=assignment.due_date)
    if form.validate_on_submit():
        try:
            changed = services.set_due_date(assignment, form.due_date.data, current_user)
        except ServiceError as exc:
            db.session.rollback()
            form.due_date.errors.append(exc.message)
        else:
            db.session.commit()
            if changed:
                flash(_("Tenggat diperbarui."), "success")
            return redirect(url_for("assignments.index", instansi=instansi.slug))
    elif form.is_submitted() and form.due_date.errors:
        form.due_date.errors[:] = [_("Tanggal tenggat tidak sah. Gunakan format tahun-bulan-tanggal.")]
    row = services.build_rows([_raw_row(assignment, instansi)])[0]
    return render_template(
        "assignments/detail.html",
        row=row,
        instansi=instansi,
        form=form,
        withdraw_form=WithdrawForm(),
        today=services.today_in(instansi),
    )


def _raw_row(assignment: CourseAssignment, instansi: Instansi) -> tuple[Any, ...]:
    unit = db.session.get(Unit, assignment.unit_id) if assignment.unit_id is not None else None
    assigner = db.session.get(User, assignment.assigned_by_id) if assignment.assigned_by_id is not None else None
    return (assignment, instansi, unit, assigner.name if assigner is not None else None)


@bp.route("/<int:assignment_id>/tarik", methods=["POST"])
@login_required
@authz.require(authz.can_assign_courses)
def withdraw(assignment_id: int):  # type: ignore[no-untyped-def]
    assignment = _load_assignment(assignment_id)
    instansi = db.session.get(Instansi, assignment.instansi_id)
    assert instansi is not None
    if not WithdrawForm().validate_on_submit():
        abort(400)
    services.withdraw(assignment, current_user)
    db.session.commit()
    course: Course = assignment.course
    flash(_("Penugasan kursus %(course)s ditarik.", course=course.published_version.title if course.published_version else course.slug), "success")
    return redirect(url_for("assignments.index", instansi=instansi.slug))
