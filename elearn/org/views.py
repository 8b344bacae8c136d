"""The unit tree of an instansi: the admin BKPSDM adds, renames, moves and (de)activates units;
an operator SKPD sees their own SKPD's subtree read-only. Every change is audited."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import authz
from ..accounts.models import Role, User
from ..audit.services import record
from ..db import db
from ..errors import ServiceError
from . import services
from .forms import KIND_LABELS, options, UnitCreateForm, UnitMoveForm, UnitRenameForm, UnitStatusForm
from .models import Instansi, Unit, UnitKind

bp = Blueprint("org", __name__, url_prefix="/unit")


def _requested_instansi() -> Instansi | None:
    """Superadmin: ``?instansi=slug`` (None: not chosen yet). Others: their own instansi;
    asking for another one answers 404."""
    user: User = current_user
    slug = request.values.get("instansi") or None
    if authz.is_superadmin(user):
        if slug is None:
            return None
        return authz.get_or_404(services.get_instansi(slug), authz.can_view_unit_tree)  # type: ignore[no-any-return]
    instansi = db.session.get(Instansi, user.instansi_id) if user.instansi_id is not None else None
    if instansi is None or (slug is not None and slug != instansi.slug):
        abort(404)
    if not authz.can_view_unit_tree(user, instansi):
        abort(403)
    return instansi


def _load_unit(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or not authz.can_edit_unit_tree(current_user, unit.instansi):
        abort(404)
    return unit


def _parent_choices(instansi: Instansi, exclude: Unit | None = None) -> list[tuple[Any, str]]:
    choices: list[tuple[Any, str]] = [("", _("— tingkat teratas (perangkat daerah) —"))]
    for unit in services.subtree(instansi.id):
        if exclude is not None and unit.path.startswith(exclude.path):
            continue
        label = "\u2003" * unit.depth + unit.name + ("" if unit.active else " " + _("(nonaktif)"))
        choices.append((unit.id, label))
    return choices


@bp.route("/")
@login_required
@authz.require(authz.is_hr)
def units():  # type: ignore[no-untyped-def]
    user: User = current_user
    instansi = _requested_instansi()
    if instansi is None:
        instansi_list = db.session.scalars(select(Instansi).order_by(Instansi.name)).all()
        return render_template("org/choose_instansi.html", instansi_list=instansi_list)
    root: Unit | None = None
    if user.role == Role.OPERATOR_SKPD:
        root = db.session.get(Unit, user.skpd_id)
    ordered = services.subtree(instansi.id, root)
    direct = services.people_counts(instansi.id)
    children: dict[int | None, list[Unit]] = {}
    for unit in ordered:
        children.setdefault(unit.parent_id if unit is not root else None, []).append(unit)
    can_edit = authz.can_edit_unit_tree(user, instansi)
    form = None
    if can_edit:
        form = UnitCreateForm(instansi=instansi.slug)
        form.parent_id.choices = options(_parent_choices(instansi))
    return render_template(
        "org/tree.html",
        instansi=instansi,
        children=children,
        direct=direct,
        totals=services.subtree_totals(ordered, direct),
        can_edit=can_edit,
        form=form,
        kind_labels=KIND_LABELS,
        unit_count=len(ordered),
    )


@bp.route("/baru", methods=["POST"])
@login_required
@authz.require(authz.is_admin)
def create():  # type: ignore[no-untyped-def]
    form = UnitCreateForm()
    parent: Unit | None = None
    if form.parent_id.data is not None:
        parent = _load_unit(form.parent_id.data)
        instansi = parent.instansi
    else:
        instansi = _requested_instansi()
        if instansi is None:
            abort(404)
    if not authz.can_edit_unit_tree(current_user, instansi):
        abort(404)
    if not form.validate_on_submit():
        flash(_("Nama unit wajib diisi (maksimal 200 karakter)."), "error")
        return redirect(url_for("org.units", instansi=instansi.slug))
    try:
        unit = services.create_unit(instansi, form.name.data, parent, UnitKind(form.kind.data) if form.kind.data else None)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("org.units", instansi=instansi.slug))
    record("unit.create", actor=current_user, instansi_id=instansi.id, target=unit,
           details={"name": unit.name, "kind": unit.kind.value, "parent": parent.name if parent else None})
    db.session.commit()
    flash(_("Unit %(name)s ditambahkan.", name=unit.name), "success")
    return redirect(url_for("org.units", instansi=instansi.slug) + f"#unit-{unit.id}")


@bp.route("/<int:unit_id>")
@login_required
@authz.require(authz.is_admin)
def manage(unit_id: int):  # type: ignore[no-untyped-def]
    unit = _load_unit(unit_id)
    rename_form = UnitRenameForm(obj=unit)
    rename_form.kind.data = unit.kind.value
    move_form = UnitMoveForm(parent_id=unit.parent_id)
    move_form.parent_id.choices = options(_parent_choices(unit.instansi, exclude=unit))
    create_form = UnitCreateForm(instansi=unit.instansi.slug, parent_id=unit.id)
    create_form.parent_id.choices = options([(unit.id, unit.name)])
    ordered = services.subtree(unit.instansi_id, unit)
    direct = services.people_counts(unit.instansi_id)
    totals = services.subtree_totals(ordered, direct)
    parent = db.session.get(Unit, unit.parent_id) if unit.parent_id is not None else None
    return render_template(
        "org/unit.html",
        unit=unit,
        parent=parent,
        rename_form=rename_form,
        move_form=move_form,
        create_form=create_form,
        status_form=UnitStatusForm(),
        kind_labels=KIND_LABELS,
        subtree_size=len(ordered),
        people_total=totals.get(unit.id, 0),
    )


@bp.route("/<int:unit_id>/ubah", methods=["POST"])
@login_required
@authz.require(authz.is_admin)
def rename(unit_id: int):  # type: ignore[no-untyped-def]
    unit = _load_unit(unit_id)
    form = UnitRenameForm()
    if not form.validate_on_submit():
        flash(_("Nama unit wajib diisi (maksimal 200 karakter)."), "error")
        return redirect(url_for("org.manage", unit_id=unit.id))
    old_name, old_kind = unit.name, unit.kind
    try:
        services.rename_unit(unit, form.name.data, UnitKind(form.kind.data))
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("org.manage", unit_id=unit.id))
    if (old_name, old_kind) != (unit.name, unit.kind):
        record("unit.rename", actor=current_user, instansi_id=unit.instansi_id, target=unit,
               details={"old": old_name, "new": unit.name, "old_kind": old_kind.value, "kind": unit.kind.value})
        db.session.commit()
        flash(_("Unit disimpan."), "success")
    return redirect(url_for("org.manage", unit_id=unit.id))


@bp.route("/<int:unit_id>/pindah", methods=["POST"])
@login_required
@authz.require(authz.is_admin)
def move(unit_id: int):  # type: ignore[no-untyped-def]
    unit = _load_unit(unit_id)
    form = UnitMoveForm()
    new_parent: Unit | None = None
    if form.parent_id.data is not None:
        new_parent = db.session.get(Unit, form.parent_id.data)
        if new_parent is None or new_parent.instansi_id != unit.instansi_id:
            abort(404)
    if not form.validate_on_submit():
        abort(400)
    old_parent = db.session.get(Unit, unit.parent_id) if unit.parent_id is not None else None
    if (old_parent.id if old_parent else None) == (new_parent.id if new_parent else None):
        return redirect(url_for("org.manage", unit_id=unit.id))
    try:
        services.move_unit(unit, new_parent)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("org.manage", unit_id=unit.id))
    record("unit.move", actor=current_user, instansi_id=unit.instansi_id, target=unit,
           details={"name": unit.name, "old_parent": old_parent.name if old_parent else None,
                    "new_parent": new_parent.name if new_parent else None})
    db.session.commit()
    flash(_("Unit %(name)s dipindahkan.", name=unit.name), "success")
    return redirect(url_for("org.manage", unit_id=unit.id))


@bp.route("/<int:unit_id>/status", methods=["POST"])
@login_required
@authz.require(authz.is_admin)
def set_status(unit_id: int):  # type: ignore[no-untyped-def]
    unit = _load_unit(unit_id)
    form = UnitStatusForm()
    if not form.validate_on_submit() or form.active.data not in ("0", "1"):
        abort(400)
    active = form.active.data == "1"
    if active and unit.parent_id is not None:
        parent = db.session.get(Unit, unit.parent_id)
        if parent is not None and not parent.active:
            flash(_("Aktifkan dahulu unit induknya (%(name)s).", name=parent.name), "error")
            return redirect(url_for("org.manage", unit_id=unit.id))
    size = len(services.subtree(unit.instansi_id, unit))
    services.set_unit_active(unit, active)
    record("unit.reactivate" if active else "unit.deactivate", actor=current_user, instansi_id=unit.instansi_id,
           target=unit, details={"name": unit.name, "units": size})
    db.session.commit()
    if active:
        flash(_("Unit %(name)s dan %(n)d unit di bawahnya diaktifkan kembali.", name=unit.name, n=size - 1), "success")
    else:
        flash(_("Unit %(name)s dan %(n)d unit di bawahnya dinonaktifkan.", name=unit.name, n=size - 1), "success")
    return redirect(url_for("org.manage", unit_id=unit.id))
