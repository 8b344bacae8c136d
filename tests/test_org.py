"""The unit tree in the web UI: view with people counts, add, rename, move (no cycles), deactivate."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from elearn.accounts.models import Role, User
from elearn.audit.models import AuditEvent
from elearn.db import db
from elearn.org.models import Unit, UnitKind
from support import login, make_nip


@pytest.fixture
def tree(make_instansi, make_unit, make_user, app):
    a = make_instansi(name="Pemerintah Kota A")
    b = make_instansi(name="Pemerintah Kota B")
    kec = make_unit("Kecamatan Kota Barat", instansi=a)
    kel1 = make_unit("Kelurahan Sukamaju", parent=kec)
    kel2 = make_unit("Kelurahan Sukasari", parent=kec)
    dinas = make_unit("Dinas Pendidikan", instansi=a)
    sd = make_unit("SD Negeri 1", parent=dinas)
    other = make_unit("Dinas Kesehatan", instansi=b)
    with app.app_context():
        for unit, n in ((kec, 2), (kel1, 3), (kel2, 1), (sd, 4)):
            for _ in range(n):
                db.session.add(User(employee_number=make_nip(), name="Pegawai", instansi_id=a.id, unit_id=unit.id))
        db.session.add(User(employee_number=make_nip(), name="Nonaktif", instansi_id=a.id, unit_id=kel1.id,
                            active=False))
        db.session.commit()
    return {
        "a": a, "b": b, "kec": kec, "kel1": kel1, "kel2": kel2, "dinas": dinas, "sd": sd, "other": other,
        "admin": make_user(Role.ADMIN_BKPSDM, dinas),
        "operator": make_user(Role.OPERATOR_SKPD, kec),
        "super": make_user(Role.SUPERADMIN, None),
    }


def _unit(app, unit_id):
    with app.app_context():
        return db.session.get(Unit, unit_id)


def _actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_tree_with_people_counts_in_few_queries(client, tree, app):
    login(client, tree["admin"])
    statements: list[str] = []
    engine = db.get_engine(app)

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        html = client.get("/unit/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "Kecamatan Kota Barat" in html and "Kelurahan Sukamaju" in html and "SD Negeri 1" in html
    assert "Dinas Kesehatan" not in html  # another instansi
    # kecamatan: 2 + its operator itself, 3 + 1 in its kelurahan (the inactive person is not counted)
    assert "7 pegawai (3 langsung di unit ini)" in html
    assert "3 pegawai" in html
    assert "5 pegawai (1 langsung di unit ini)" in html  # dinas: admin + 4 in SD
    # one GROUP BY for the counts, not a query per unit
    assert sum("group by" in s.lower() for s in statements) == 1
    assert len(statements) <= 8, statements


def test_operator_sees_own_skpd_read_only(client, tree):
    login(client, tree["operator"])
    html = client.get("/unit/").get_data(as_text=True)
    assert "Kelurahan Sukamaju" in html and "SD Negeri 1" not in html
    assert "Tambah unit" not in html and "/unit/baru" not in html
    assert client.post(f"/unit/{tree['kel1'].id}/ubah", data={"name": "X", "kind": "lainnya"}).status_code == 403


def test_superadmin_chooses_instansi(client, tree):
    login(client, tree["super"])
    html = client.get("/unit/").get_data(as_text=True)
    assert f"/unit/?instansi={tree['b'].slug}" in html
    html = client.get(f"/unit/?instansi={tree['b'].slug}").get_data(as_text=True)
    assert "Dinas Kesehatan" in html and "Kecamatan Kota Barat" not in html
    assert client.get("/unit/?instansi=tidak-ada").status_code == 404


def test_add_top_level_and_sub_unit(client, tree, app):
    login(client, tree["admin"])
    r = client.post("/unit/baru", data={"name": "  Kecamatan   Kota Timur ", "kind": ""})
    assert r.status_code == 302
    with app.app_context():
        kt = db.session.scalar(select(Unit).where(Unit.name == "Kecamatan Kota Timur"))
        assert kt.parent_id is None and kt.skpd_id == kt.id and kt.kind == UnitKind.KECAMATAN
    r = client.post("/unit/baru", data={"name": "Kelurahan Baru", "kind": "kelurahan", "parent_id": str(kt.id)})
    assert r.status_code == 302
    with app.app_context():
        kel = db.session.scalar(select(Unit).where(Unit.name == "Kelurahan Baru"))
        assert kel.parent_id == kt.id and kel.skpd_id == kt.id and kel.path == f"/{kt.id}/{kel.id}/"
        assert kel.depth == 1
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unit.create")).all()
        assert [e.details["name"] for e in events] == ["Kecamatan Kota Timur", "Kelurahan Baru"]
    # a duplicate name under the same parent is refused with a message
    r = client.post("/unit/baru", data={"name": "kelurahan baru", "parent_id": str(kt.id)}, follow_redirects=True)
    assert "sudah ada" in r.get_data(as_text=True)
    # a parent in another instansi is not found
    assert client.post("/unit/baru", data={"name": "Y", "parent_id": str(tree["other"].id)}).status_code == 404


def test_rename_and_change_kind(client, tree, app):
    login(client, tree["admin"])
    r = client.post(f"/unit/{tree['sd'].id}/ubah", data={"name": "SD Negeri 1 Kota", "kind": "sekolah"})
    assert r.status_code == 302
    unit = _unit(app, tree["sd"].id)
    assert unit.name == "SD Negeri 1 Kota" and unit.kind == UnitKind.SEKOLAH
    with app.app_context():
        (ev,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unit.rename")).all()
        assert ev.details["old"] == "SD Negeri 1" and ev.details["new"] == "SD Negeri 1 Kota"
    # to a sibling's name: refused
    r = client.post(f"/unit/{tree['kel2'].id}/ubah", data={"name": "Kelurahan Sukamaju", "kind": "kelurahan"},
                    follow_redirects=True)
    assert "sudah ada" in r.get_data(as_text=True)
    assert _unit(app, tree["kel2"].id).name == "Kelurahan Sukasari"


def test_move_subtree_updates_paths_and_skpd(client, tree, app):
    login(client, tree["admin"])
    # the kecamatan (with its kelurahan) goes under the dinas (a made-up reorganisation)
    r = client.post(f"/unit/{tree['kec'].id}/pindah", data={"parent_id": str(tree["dinas"].id)})
    assert r.status_code == 302
    kel1 = _unit(app, tree["kel1"].id)
    d, k = tree["dinas"].id, tree["kec"].id
    assert kel1.path == f"/{d}/{k}/{kel1.id}/" and kel1.skpd_id == d and kel1.depth == 2
    # and back to the top level
    assert client.post(f"/unit/{tree['kec'].id}/pindah", data={"parent_id": ""}).status_code == 302
    kel1 = _unit(app, tree["kel1"].id)
    assert kel1.path == f"/{k}/{kel1.id}/" and kel1.skpd_id == k and kel1.depth == 1
    with app.app_context():
        moves = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unit.move")).all()
        assert [(m.details["old_parent"], m.details["new_parent"]) for m in moves] == [
            (None, "Dinas Pendidikan"), ("Dinas Pendidikan", None)]


def test_move_refuses_cycles_and_other_instansi(client, tree, app):
    login(client, tree["admin"])
    r = client.post(f"/unit/{tree['kec'].id}/pindah", data={"parent_id": str(tree["kel1"].id)}, follow_redirects=True)
    assert "bawah dirinya sendiri" in r.get_data(as_text=True)
    r = client.post(f"/unit/{tree['kec'].id}/pindah", data={"parent_id": str(tree["kec"].id)}, follow_redirects=True)
    assert "bawah dirinya sendiri" in r.get_data(as_text=True)
    assert client.post(f"/unit/{tree['kec'].id}/pindah", data={"parent_id": str(tree["other"].id)}).status_code == 404
    assert _unit(app, tree["kec"].id).parent_id is None
    # the move form offers neither the unit itself nor its descendants
    html = client.get(f"/unit/{tree['kec'].id}").get_data(as_text=True)
    move_form = html.split('action="/unit/%d/pindah"' % tree["kec"].id)[1].split("</form>")[0]
    assert "Kelurahan Sukamaju" not in move_form and "Dinas Pendidikan" in move_form
    with app.app_context():
        assert "unit.move" not in _actions()


def test_deactivate_and_reactivate_subtree(client, tree, app):
    login(client, tree["admin"])
    r = client.post(f"/unit/{tree['kec'].id}/status", data={"active": "0"}, follow_redirects=True)
    assert "2 unit di bawahnya dinonaktifkan" in r.get_data(as_text=True)
    for key in ("kec", "kel1", "kel2"):
        assert _unit(app, tree[key].id).active is False
    assert _unit(app, tree["dinas"].id).active is True
    # a child can't be reactivated while its parent is inactive
    r = client.post(f"/unit/{tree['kel1'].id}/status", data={"active": "1"}, follow_redirects=True)
    assert "induknya" in r.get_data(as_text=True)
    assert _unit(app, tree["kel1"].id).active is False
    client.post(f"/unit/{tree['kec'].id}/status", data={"active": "1"})
    assert all(_unit(app, tree[k].id).active for k in ("kec", "kel1", "kel2"))
    with app.app_context():
        actions = _actions()
        assert actions.count("unit.deactivate") == 1 and actions.count("unit.reactivate") == 1
    # the tree marks inactive units in words, not only by colour
    client.post(f"/unit/{tree['kel2'].id}/status", data={"active": "0"})
    html = client.get("/unit/").get_data(as_text=True)
    assert re.search(r"Kelurahan Sukasari</a>.*?Nonaktif", html, re.S)
