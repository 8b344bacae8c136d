"""HR views over people: the scoped list, detail, edit, a slip for one person or a reset, role
change, (de)activation, and activation slips per SKPD. Order in every view: load, authorize, validate, service, respond."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_number, gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import authz
from ..db import db
from ..errors import ServiceError
from ..http_guards import optional_id, public_url
from ..org.forms import options
from ..org.models import Instansi, Unit
from ..org.services import subtree
from ..pagination import page_number, paginate
from . import services, slips
from .forms import (
    ACTIVATION_LABELS,
    EMPLOYEE_TYPE_LABELS,
    JENIS_JABATAN_LABELS,
    ROLE_LABELS,
    ConfirmForm,
    PeopleFilterForm,
    PersonForm,
    RoleForm,
    SlipForm,
    StatusForm,
)
from .models import EmployeeType, JenisJabatan, Role, User

bp = Blueprint("accounts", __name__, url_prefix="/pegawai")

#: which form field a service refusal belongs to
_FIELD_FOR_CODE = {
    "missing_name": "name",
    "bad_unit": "unit_id",
    "bad_employee_type": "employee_type",
    "bad_golongan": "golongan",
    "bad_email": "email",
    "bad_phone": "phone",
}


def _load_person(person_id: int) -> User:
    """A person the current HR user may see; anyone else's id answers 404."""
    return authz.get_or_404(db.session.get(User, person_id), authz.can_view_person)  # type: ignore[no-any-return]


def _manageable_person(person_id: int) -> User:
    """A person whose account the current user may administer: 404 outside scope, 403 for a
    visible person they may not (themselves, or a role they cannot grant)."""
    person = _load_person(person_id)
    if not authz.can_administer_account(current_user, person):
        abort(403)
    return person


def _unit_choices(instansi_id: int | None) -> list[tuple[Any, str]]:
    """Units of the instansi the current user may place people in, as an indented tree."""
    if instansi_id is None:
        return []
    choices: list[tuple[Any, str]] = []
    for unit in subtree(instansi_id):
        if authz.can_manage_unit(current_user, unit):
            label = "\u2003" * unit.depth + unit.name + ("" if unit.active else " " + _("(nonaktif)"))
            choices.append((unit.id, label))
    return choices


def _skpd_choices(instansi_id: int | None) -> list[Unit]:
    stmt = select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.sort_key, Unit.id)
    if instansi_id is not None:
        stmt = stmt.where(Unit.instansi_id == instansi_id)
    return list(db.session.scalars(authz.scope_units(stmt, current_user)))


# --- list and detail -----------------------------------------------------------------------


@bp.route("/")
@login_required
@authz.require(authz.is_hr)
def people():  # type: ignore[no-untyped-def]
    form = PeopleFilterForm(formdata=request.args)
    user: User = current_user
    instansi_id: int | None = user.instansi_id if not authz.is_superadmin(user) else None
    instansi_list: list[Instansi] = []
    if authz.is_superadmin(user):
        instansi_list = list(db.session.scalars(select(Instansi).order_by(Instansi.name)))
        form.instansi.choices = options([("", _("Semua instansi"))] + [(i.slug, i.name) for i in instansi_list])
        chosen = next((i for i in instansi_list if i.slug == form.instansi.data), None)
        instansi_id = chosen.id if chosen is not None else None
    skpds = _skpd_choices(instansi_id) if instansi_id is not None else []
    form.skpd.choices = options([("", _("Semua"))] + [(u.id, u.name) for u in skpds])
    skpd = next((u for u in skpds if u.id == form.skpd.data), None)
    unit: Unit | None = None
    if skpd is not None:
        units = [u for u in subtree(skpd.instansi_id, skpd) if u.id != skpd.id]
        form.unit.choices = options([("", _("Semua unit di perangkat daerah ini"))] + [
            (u.id, "\u2003" * (u.depth - 1) + u.name) for u in units
        ])
        unit = next((u for u in units if u.id == form.unit.data), None)
    filters = services.PeopleFilter(
        q=(form.q.data or "")[:100],
        instansi_id=instansi_id if authz.is_superadmin(user) else None,
        skpd_id=skpd.id if skpd is not None else None,
        unit=unit,
        employee_type=_enum_or_none(EmployeeType, form.employee_type.data),
        role=_enum_or_none(Role, form.role.data),
        activation=form.activation.data if form.activation.data in ACTIVATION_LABELS else "",
        active={"aktif": True, "nonaktif": False}.get(form.status.data or ""),
    )
    page = paginate(services.people_query(user, filters), page_number(request.args.get("page")),
                    services.PAGE_SIZE, scalars=False)
    return render_template(
        "accounts/people.html",
        form=form,
        page=page,
        show_instansi=authz.is_superadmin(user),
        has_units=len(form.unit.choices) > 1,
        activation_state=services.activation_state,
        labels=_labels(),
    )


def _enum_or_none(enum_cls: Any, value: str | None) -> Any:
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


def _labels() -> dict[str, Any]:
    return {
        "role": ROLE_LABELS,
        "employee_type": EMPLOYEE_TYPE_LABELS,
        "jenis_jabatan": JENIS_JABATAN_LABELS,
        "activation": ACTIVATION_LABELS,
    }


@bp.route("/<int:person_id>")
@login_required
@authz.require(authz.is_hr)
def detail(person_id: int):  # type: ignore[no-untyped-def]
    person = _load_person(person_id)
    role_form = RoleForm()
    role_form.role.choices = options((r.value, ROLE_LABELS[r]) for r in authz.assignable_roles(current_user))
    role_form.role.data = person.role.value
    return render_template(
        "accounts/person.html",
        person=person,
        facts=services.nip_facts(person),
        path=services.unit_path(person.unit),
        state=services.activation_state(person),
        can_change_role=authz.can_administer_account(current_user, person) and person.role in authz.assignable_roles(current_user),
        role_form=role_form,
        status_form=StatusForm(),
        labels=_labels(),
    )


# --- changes -------------------------------------------------------------------------------


@bp.route("/<int:person_id>/ubah", methods=["GET", "POST"])
@login_required
@authz.require(authz.is_hr)
def edit(person_id: int):  # type: ignore[no-untyped-def]
    person = _manageable_person(person_id)
    form = PersonForm(obj=None if request.method == "POST" else person)
    form.unit_id.choices = options([("", _("— tanpa unit —"))] + _unit_choices(person.instansi_id))
    if request.method == "GET":
        form.employee_type.data = person.employee_type.value
        form.jenis_jabatan.data = person.jenis_jabatan.value if person.jenis_jabatan else ""
        form.unit_id.data = person.unit_id
    if form.validate_on_submit():
        unit = None
        if form.unit_id.data is not None:
            unit = db.session.get(Unit, form.unit_id.data)
            if unit is None or not authz.can_manage_unit(current_user, unit):
                form.unit_id.errors.append(_("Pilih unit dari daftar."))
        elif current_user.role == Role.OPERATOR_SKPD:
            # an operator may not place someone outside every unit (and so outside their own scope)
            form.unit_id.errors.append(_("Pilih unit di perangkat daerah Anda."))
        if not form.unit_id.errors:
            try:
                changes = services.update_person(
                    current_user,
                    person,
                    name=form.name.data,
                    unit=unit,
                    employee_type=EmployeeType(form.employee_type.data),
                    golongan=form.golongan.data,
                    jabatan=form.jabatan.data,
                    jenis_jabatan=JenisJabatan(form.jenis_jabatan.data) if form.jenis_jabatan.data else None,
                    email=form.email.data,
                    phone=form.phone.data,
                    is_kepala_wilayah=form.is_kepala_wilayah.data,
                    active=form.active.data,
                )
            except ServiceError as exc:
                db.session.rollback()
                getattr(form, _FIELD_FOR_CODE.get(exc.code, "name")).errors.append(exc.message)
            else:
                db.session.commit()
                flash(_("Data pegawai disimpan.") if changes else _("Tidak ada perubahan."), "success")
                return redirect(url_for("accounts.detail", person_id=person.id))
    return render_template("accounts/person_edit.html", person=person, form=form,
                           golongan_pns=services.PNS_GOLONGAN, golongan_pppk=services.PPPK_GOLONGAN)


def _slip_response(person: User, code: str, *, title: str, heading: str) -> Response:
    """The one-person slip (after a reset or a first code): shown once, never cached."""
    activation_url = public_url("auth.activate")
    qr_url = slips.activation_link(activation_url, person.employee_number)
    response = Response(render_template(
        "accounts/code_done.html",
        title=title,
        heading=heading,
        person=person,
        code=code,
        path=services.unit_path(person.unit),
        activation_url=activation_url,
        qr_url=qr_url,
        qr_data_uri=slips.qr_svg_data_uri(qr_url),
    ))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:person_id>/reset", methods=["GET", "POST"])
@login_required
@authz.require(authz.is_hr)
def reset(person_id: int):  # type: ignore[no-untyped-def]
    """Reset an activated account. Someone who never activated has nothing to reset: back to
    their page, where the slip button is."""
    person = _manageable_person(person_id)
    if not person.is_activated:
        flash(_("%(name)s belum aktivasi, jadi tidak ada yang perlu diatur ulang. Cetak slip aktivasi.",
                name=person.name), "info")
        return redirect(url_for("accounts.detail", person_id=person.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        code = services.reset(current_user, person)
        db.session.commit()
        return _slip_response(person, code, title=_("Kode aktivasi baru"), heading=_("Akun diatur ulang"))
    return render_template("accounts/reset_confirm.html", person=person, form=form)


@bp.route("/<int:person_id>/slip", methods=["POST"])
@login_required
@authz.require(authz.is_hr)
def person_slip(person_id: int):  # type: ignore[no-untyped-def]
    """A slip for one person not yet activated (a new arrival, a lost slip). An activated
    account goes to the reset instead: that is what a new code for it is."""
    person = _manageable_person(person_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if person.is_activated:
        flash(_("%(name)s sudah aktivasi. Untuk memberi kode baru, atur ulang akunnya.", name=person.name), "info")
        return redirect(url_for("accounts.reset", person_id=person.id))
    try:
        code = services.issue_slip(current_user, person)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("accounts.detail", person_id=person.id))
    db.session.commit()
    return _slip_response(person, code, title=_("Slip aktivasi"), heading=_("Kode aktivasi diterbitkan"))


@bp.route("/<int:person_id>/peran", methods=["POST"])
@login_required
@authz.require(authz.is_hr)
def change_role(person_id: int):  # type: ignore[no-untyped-def]
    person = _manageable_person(person_id)
    if person.role not in authz.assignable_roles(current_user):
        abort(403)
    form = RoleForm()
    form.role.choices = options((r.value, ROLE_LABELS[r]) for r in Role)
    if not form.validate_on_submit():
        abort(400)
    new_role = Role(form.role.data)
    if not authz.can_change_role(current_user, person, new_role):
        abort(403)
    try:
        old = services.change_role(current_user, person, new_role)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Peran %(name)s diubah dari %(old)s menjadi %(new)s.", name=person.name,
                old=ROLE_LABELS[old], new=ROLE_LABELS[new_role]), "success")
    return redirect(url_for("accounts.detail", person_id=person.id))


@bp.route("/<int:person_id>/status", methods=["POST"])
@login_required
@authz.require(authz.is_hr)
def set_status(person_id: int):  # type: ignore[no-untyped-def]
    person = _manageable_person(person_id)
    form = StatusForm()
    if not form.validate_on_submit() or form.active.data not in ("0", "1"):
        abort(400)
    active = form.active.data == "1"
    if services.set_active(current_user, person, active):
        db.session.commit()
        flash(_("Akun diaktifkan kembali.") if active else _("Akun dinonaktifkan; orang ini tidak bisa masuk lagi."),
              "success")
    return redirect(url_for("accounts.detail", person_id=person.id))


# --- activation slips ----------------------------------------------------------------------


@bp.route("/slip", methods=["GET", "POST"])
@login_required
@authz.require(authz.is_hr)
def slips_page():  # type: ignore[no-untyped-def]
    user: User = current_user
    raw_skpd = request.values.get("skpd")
    skpd: Unit | None = None
    if raw_skpd:
        skpd = authz.get_or_404(db.session.get(Unit, optional_id(raw_skpd)), authz.can_issue_slips)
    elif user.role == Role.OPERATOR_SKPD and user.skpd_id is not None:
        skpd = db.session.get(Unit, user.skpd_id)
    unit: Unit | None = None
    raw_unit = request.values.get("unit")
    if skpd is not None and raw_unit:
        unit = db.session.get(Unit, optional_id(raw_unit))
        if unit is None or unit.skpd_id != skpd.id:
            if request.method == "POST":
                abort(404)
            unit = None  # a unit of the SKPD chosen before: the new SKPD's page, all its units
    form = SlipForm()
    if request.method == "POST":
        if skpd is None or not form.validate_on_submit():
            abort(400)
        scope = slips.SlipScope(form.scope.data)
        limit = current_app.config["SLIPS_PDF_MAX"]
        if form.fmt.data == "pdf" and (count := slips.count_candidates(skpd, scope, user, unit=unit)) > limit:
            flash(_("Slip untuk %(n)s pegawai terlalu banyak untuk satu PDF (paling banyak %(max)s). Pilih satu "
                    "unit kerja, atau unduh CSV. Belum ada kode yang diterbitkan.",
                    n=format_number(count), max=format_number(limit)), "error")
            return redirect(url_for(".slips_page", skpd=skpd.id, unit=unit.id if unit else None))
        batch = slips.issue_slips(
            user, skpd, scope=scope, activation_url=public_url("auth.activate"), unit=unit,
        )
        # the file is made before the codes are committed: if making it fails (or the worker is stopped
        # mid-way), no code is issued, so the default scope ("only new arrivals") still finds the same
        # people on the next try instead of people whose slips were never printed
        if form.fmt.data == "csv":
            body, mimetype, ext = slips.render_csv(batch), "text/csv; charset=utf-8", "csv"
        else:
            body, mimetype, ext = slips.render_pdf(batch), "application/pdf", "pdf"
        db.session.commit()
        response = Response(body, mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{slips.filename(batch, ext)}"'
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Slip-Count"] = str(len(batch.slips))
        return response
    counts = {}
    units: list[Unit] = []
    if skpd is not None:
        counts = {scope.value: slips.count_candidates(skpd, scope, user, unit=unit) for scope in slips.SlipScope}
        units = list(db.session.scalars(select(Unit).where(Unit.skpd_id == skpd.id)
                                        .order_by(Unit.sort_key, Unit.id)))
    instansi_id = user.instansi_id if not authz.is_superadmin(user) else None
    return render_template(
        "accounts/slips.html",
        form=form,
        skpd=skpd,
        skpds=_skpd_choices(instansi_id),
        unit=unit,
        units=units,
        pdf_max=current_app.config["SLIPS_PDF_MAX"],
        counts=counts,
        show_instansi=authz.is_superadmin(user),
    )
