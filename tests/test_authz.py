"""Authorization predicates and query scoping (elearn/authz.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from elearn import authz
from elearn.accounts.models import Role, User
from elearn.db import db
from elearn.org.models import Instansi, Unit


@pytest.fixture
def world(make_instansi, make_unit, make_user):
    """Instansi A: SKPD X (> x1 > x1a) and SKPD Y; instansi B: SKPD Z."""
    a = make_instansi()
    b = make_instansi()
    x = make_unit("Dinas Pendidikan", instansi=a)
    x1 = make_unit("SD Negeri 1", parent=x)
    x1a = make_unit("Kelas Jauh SD Negeri 1", parent=x1)
    y = make_unit("Dinas Kesehatan", instansi=a)
    z = make_unit("Dinas Kesehatan", instansi=b)
    people = {
        "op_x": make_user(Role.OPERATOR_SKPD, x1),  # an operator placed in a sub-unit still runs SKPD X
        "admin_a": make_user(Role.ADMIN_BKPSDM, y),
        "admin_b": make_user(Role.ADMIN_BKPSDM, z),
        "super": make_user(Role.SUPERADMIN, None),
        "peserta_x": make_user(Role.PESERTA, x),
        "in_x1a": make_user(Role.PESERTA, x1a),
        "in_y": make_user(Role.PESERTA, y),
        "in_z": make_user(Role.PESERTA, z),
        "pelatih_x": make_user(Role.PELATIH, x),
    }
    return {"a": a, "b": b, "x": x, "x1": x1, "x1a": x1a, "y": y, "z": z, **people}


def _load(world, *names):
    return [db.session.get(User, world[n].id) for n in names]


def _visible_people(viewer: User) -> set[int]:
    return set(db.session.scalars(authz.scope_people(select(User.id), viewer)))


def _visible_units(viewer: User) -> set[int]:
    return set(db.session.scalars(authz.scope_units(select(Unit.id), viewer)))


def test_operator_sees_own_skpd_including_sub_units_only(app, world):
    with app.app_context():
        (op,) = _load(world, "op_x")
        seen = _visible_people(op)
        assert {world["peserta_x"].id, world["in_x1a"].id, world["pelatih_x"].id, op.id} <= seen
        assert world["in_y"].id not in seen
        assert world["in_z"].id not in seen
        assert _visible_units(op) == {world["x"].id, world["x1"].id, world["x1a"].id}
        in_x1a, in_y, in_z = _load(world, "in_x1a", "in_y", "in_z")
        assert authz.can_view_person(op, in_x1a) and authz.can_administer_account(op, in_x1a)
        assert not authz.can_view_person(op, in_y)
        assert not authz.can_view_person(op, in_z)
        assert authz.can_manage_unit(op, db.session.get(Unit, world["x1a"].id))
        assert not authz.can_manage_unit(op, db.session.get(Unit, world["y"].id))
        assert not authz.can_manage_unit(op, db.session.get(Unit, world["z"].id))


def test_admin_sees_own_instansi_only(app, world):
    with app.app_context():
        (admin,) = _load(world, "admin_a")
        seen = _visible_people(admin)
        assert {world["peserta_x"].id, world["in_x1a"].id, world["in_y"].id, world["op_x"].id} <= seen
        assert world["in_z"].id not in seen and world["admin_b"].id not in seen
        assert world["super"].id not in seen
        a, b = db.session.get(Instansi, world["a"].id), db.session.get(Instansi, world["b"].id)
        assert authz.can_manage_instansi(admin, a) and not authz.can_manage_instansi(admin, b)
        assert authz.can_view_audit(admin, a) and not authz.can_view_audit(admin, b)
        assert authz.can_edit_unit_tree(admin, a) and not authz.can_edit_unit_tree(admin, b)


def test_superadmin_sees_everything(app, world):
    with app.app_context():
        (sup,) = _load(world, "super")
        seen = _visible_people(sup)
        assert {world[k].id for k in ("in_z", "in_y", "admin_a", "admin_b")} <= seen


def test_peserta_and_pelatih_see_only_themselves(app, world):
    with app.app_context():
        peserta, pelatih, in_x1a = _load(world, "peserta_x", "pelatih_x", "in_x1a")
        assert _visible_people(peserta) == {peserta.id}
        assert _visible_people(pelatih) == {pelatih.id}
        assert _visible_units(peserta) == set()
        assert not authz.can_view_person(peserta, in_x1a)
        assert not authz.is_hr(peserta) and not authz.is_hr(pelatih)


def test_unit_tree_visibility(app, world):
    with app.app_context():
        op, admin_b, peserta = _load(world, "op_x", "admin_b", "peserta_x")
        a = db.session.get(Instansi, world["a"].id)
        assert authz.can_view_unit_tree(op, a) and not authz.can_edit_unit_tree(op, a)
        assert not authz.can_view_unit_tree(admin_b, a)
        assert not authz.can_view_unit_tree(peserta, a)


def test_slips_only_for_a_perangkat_daerah_in_scope(app, world):
    with app.app_context():
        op, admin = _load(world, "op_x", "admin_a")
        x, x1, y = (db.session.get(Unit, world[k].id) for k in ("x", "x1", "y"))
        assert authz.can_issue_slips(op, x)
        assert not authz.can_issue_slips(op, x1)  # a sub-unit is not a perangkat daerah
        assert not authz.can_issue_slips(op, y)
        assert authz.can_issue_slips(admin, y)


def test_role_escalation_is_refused(app, world):
    with app.app_context():
        op, admin, sup, peserta, in_x1a, admin_b = _load(world, "op_x", "admin_a", "super", "peserta_x", "in_x1a", "admin_b")
        # operators change no roles at all
        assert authz.assignable_roles(op) == ()
        assert not authz.can_change_role(op, in_x1a, Role.PELATIH)
        # an admin may make someone operator SKPD or admin, never superadmin
        assert authz.can_change_role(admin, in_x1a, Role.OPERATOR_SKPD)
        assert authz.can_change_role(admin, in_x1a, Role.ADMIN_BKPSDM)
        assert not authz.can_change_role(admin, in_x1a, Role.SUPERADMIN)
        # not in another instansi, not on oneself
        assert not authz.can_change_role(admin, admin_b, Role.PESERTA)
        assert not authz.can_change_role(admin, admin, Role.SUPERADMIN)
        # nobody acts on an account above their own level
        assert not authz.can_change_role(admin, sup, Role.PESERTA)
        assert authz.can_change_role(sup, admin, Role.PESERTA)
        assert authz.can_change_role(sup, in_x1a, Role.SUPERADMIN)
        # peserta: nothing
        assert not authz.can_change_role(peserta, in_x1a, Role.PESERTA)


def test_operator_cannot_reset_or_edit_a_higher_account_in_their_skpd(app, world, make_user):
    with app.app_context():
        x1 = db.session.get(Unit, world["x1"].id)
    admin_in_x = make_user(Role.ADMIN_BKPSDM, x1)
    with app.app_context():
        op = db.session.get(User, world["op_x"].id)
        target = db.session.get(User, admin_in_x.id)
        assert authz.can_view_person(op, target)
        assert not authz.can_administer_account(op, target)
        assert not authz.can_administer_account(op, op)  # not oneself either


def test_nobody_administers_an_account_of_a_role_they_cannot_grant(app, world, make_user):
    with app.app_context():
        x1 = db.session.get(Unit, world["x1"].id)
    targets = {role: make_user(role, x1) for role in Role}
    with app.app_context():
        op, admin, sup = _load(world, "op_x", "admin_a", "super")
        people = {role: db.session.get(User, t.id) for role, t in targets.items()}
        assert authz.administrable_roles(op) == (Role.PESERTA,)
        assert [r for r, p in people.items() if authz.can_administer_account(op, p)] == [Role.PESERTA]
        assert [r for r, p in people.items() if authz.can_administer_account(admin, p)] == [
            Role.PESERTA, Role.PELATIH, Role.OPERATOR_SKPD, Role.ADMIN_BKPSDM]
        assert all(authz.can_administer_account(sup, p) for p in people.values())
        assert all(authz.can_view_person(op, p) for p in people.values())  # seen, not administered
