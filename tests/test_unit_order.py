"""Units and SKPDs in natural order everywhere (issue 16): "SD Negeri 2" before "SD Negeri 10".

``org.models.natural_key`` is the one key; ``Unit.sort_key`` stores, for each unit, the natural keys
of the units from its SKPD down to itself, so lists ordered in SQL (paged) agree with the lists
sorted in Python. Here: the key, the stored key kept up to date by create / rename / move, and the
order on pages (the home page's SKPD table, the rekap's units and its people list paged in SQL, the
people filter, the unit tree). The migration that fills the key in: tests/test_migrations.py."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from elearn.accounts.models import Role
from elearn.db import db
from elearn.org import services as org_services
from elearn.org.models import NATURAL_KEY_LENGTH, Instansi, Unit, natural_key, sort_key_part
from support import login


# --- the key ---------------------------------------------------------------------------------------


def test_natural_key_orders_numbers_by_value() -> None:
    names = ["SD Negeri 10", "SD Negeri 2", "SD Negeri 1", "SD Negeri 1A", "SD Negeri Percontohan",
             "SMP Negeri 3", "sd negeri 9", "Kecamatan 100", "Kecamatan 20"]
    assert sorted(names, key=natural_key) == [
        "Kecamatan 20", "Kecamatan 100", "SD Negeri 1", "SD Negeri 1A", "SD Negeri 2", "sd negeri 9",
        "SD Negeri 10", "SD Negeri Percontohan", "SMP Negeri 3",
    ]


def test_natural_key_ignores_case_spacing_and_leading_zeros() -> None:
    assert natural_key("SD  Negeri\t2") == natural_key("sd negeri 2") == natural_key("SD Negeri 002")
    assert natural_key("SD Negeri 2") < natural_key("SD Negeri 10") < natural_key("SD Negeri 100")
    # a number longer than any other still sorts by value (its length comes first)
    assert natural_key("Unit 99999999999999999999") < natural_key("Unit 100000000000000000000")
    assert natural_key("Unit 0") < natural_key("Unit 1")


def test_natural_key_is_bounded_and_printable() -> None:
    key = natural_key("Dinas " + "x" * 500 + " 1")
    assert len(key) == NATURAL_KEY_LENGTH
    assert natural_key("Dinas\x01Sosial\x7f") == natural_key("DinasSosial")
    assert all(ch.isprintable() for ch in natural_key("Bagian\u200b Umum 3"))


def test_sort_key_part_keeps_a_parent_before_children_and_siblings_apart() -> None:
    parent = sort_key_part(7, "Dinas A")
    # a sibling whose name continues the parent's ("Dinas A B") comes after the parent's whole subtree
    child = parent + sort_key_part(9, "Zeta")
    sibling = sort_key_part(3, "Dinas A B")
    assert parent < child < sibling
    # two names with the same key ("SD 1", "SD 01"): ordered by id, their subtrees kept apart
    first, second = sort_key_part(4, "SD 1"), sort_key_part(5, "SD 01")
    assert first < first + sort_key_part(99, "Kelas") < second


# --- the stored key --------------------------------------------------------------------------------


@pytest.fixture
def tree(app: Flask, make_instansi, make_unit) -> dict[str, Any]:
    """Created against the natural order (ids do not follow it): Dinas Pendidikan with SD Negeri
    10, 2, 1 (SD Negeri 2 has Kelas 1), and Kecamatan 10, 2, 1 as SKPDs."""
    inst = make_instansi(slug="kota-urut", name="Pemerintah Kota Urut")
    units: dict[str, Any] = {"inst": inst}
    for n in (10, 2, 1):
        units[f"kec{n}"] = make_unit(f"Kecamatan {n}", instansi=inst)
    dinas = units["dinas"] = make_unit("Dinas Pendidikan", instansi=inst)
    for n in (10, 2, 1):
        units[f"sd{n}"] = make_unit(f"SD Negeri {n}", parent=dinas)
    units["kelas"] = make_unit("Kelas 1", parent=units["sd2"])
    return units


def _ordered_names(instansi_id: int) -> list[str]:
    return list(db.session.scalars(select(Unit.name).where(Unit.instansi_id == instansi_id)
                                   .order_by(Unit.sort_key, Unit.id)))


NATURAL = ["Dinas Pendidikan", "SD Negeri 1", "SD Negeri 2", "Kelas 1", "SD Negeri 10",
           "Kecamatan 1", "Kecamatan 2", "Kecamatan 10"]


def test_sort_key_orders_the_tree_naturally_and_follows_renames_and_moves(app: Flask, tree) -> None:
    with app.app_context():
        inst_id = tree["inst"].id
        assert _ordered_names(inst_id) == NATURAL
        assert [u.name for u in org_services.subtree(inst_id)] == NATURAL
        dinas = db.session.get(Unit, tree["dinas"].id)
        assert [u.name for u in org_services.subtree(inst_id, dinas)] == NATURAL[:5]

        # renaming moves the unit and its subtree: "SD Negeri 2" becomes "SD Negeri 20"
        org_services.rename_unit(db.session.get(Unit, tree["sd2"].id), "SD Negeri 20")
        db.session.commit()
        assert _ordered_names(inst_id) == ["Dinas Pendidikan", "SD Negeri 1", "SD Negeri 10", "SD Negeri 20",
                                           "Kelas 1", "Kecamatan 1", "Kecamatan 2", "Kecamatan 10"]
        # moving too: SD Negeri 20 (with Kelas 1) under Kecamatan 2
        org_services.move_unit(db.session.get(Unit, tree["sd2"].id), db.session.get(Unit, tree["kec2"].id))
        db.session.commit()
        assert _ordered_names(inst_id) == ["Dinas Pendidikan", "SD Negeri 1", "SD Negeri 10", "Kecamatan 1",
                                           "Kecamatan 2", "SD Negeri 20", "Kelas 1", "Kecamatan 10"]
        # every stored key is what the names and places give
        for unit in db.session.scalars(select(Unit).where(Unit.instansi_id == inst_id)):
            expected = "".join(sort_key_part(i, db.session.get(Unit, i).name) for i in unit.ancestor_ids())
            assert unit.sort_key == expected, unit.name


# --- pages -----------------------------------------------------------------------------------------


def _in_order(html: str, names: list[str]) -> bool:
    positions = [html.index(f">{name}<") for name in names]
    return positions == sorted(positions)


def test_home_and_rekap_list_skpds_and_units_in_natural_order(app: Flask, client, tree, make_user,
                                                              make_course) -> None:
    for key in ("kec10", "kec2", "kec1", "sd10", "sd2", "sd1", "kelas"):
        make_user(Role.PESERTA, tree[key], name=f"Pegawai {tree[key].name}")
    admin = make_user(Role.ADMIN_BKPSDM, tree["dinas"], name="Admin Urut")
    course = make_course(slug="kursus-urut", title="Kursus Urut")
    login(client, admin)

    # the home page's table of SKPDs (one GROUP BY ordered in SQL)
    html = client.get("/").get_data(as_text=True)
    assert _in_order(html, ["Dinas Pendidikan", "Kecamatan 1", "Kecamatan 2", "Kecamatan 10"])

    # the rekap: SKPDs sorted by name on request, the units of an SKPD in tree order
    rekap = client.get(f"/rekap/?kursus={course.course_id}&sort=nama").get_data(as_text=True)
    table = rekap[rekap.index('id="per-skpd"'):]
    assert _in_order(table, ["Dinas Pendidikan", "Kecamatan 1", "Kecamatan 2", "Kecamatan 10"])
    skpd = client.get(f"/rekap/skpd/{tree['dinas'].id}?kursus={course.course_id}").get_data(as_text=True)
    units = skpd[skpd.index('id="per-unit"'):]
    assert _in_order(units, ["Dinas Pendidikan", "SD Negeri 1", "SD Negeri 2", "Kelas 1", "SD Negeri 10"])

    # the rekap's people list, paged in SQL: one heading per unit, in the same order
    people = client.get(f"/rekap/skpd/{tree['dinas'].id}/pegawai?kursus={course.course_id}").get_data(as_text=True)
    assert _in_order(people, ["Pegawai SD Negeri 1", "Pegawai SD Negeri 2", "Pegawai Kelas 1", "Pegawai SD Negeri 10"])
    headings = [part.split(">", 1)[1].split("<", 1)[0] for part in people.split('<h2 class="rekap-unit-heading"')[1:]]
    assert headings == ["Dinas Pendidikan", "SD Negeri 1", "SD Negeri 2", "Kelas 1", "SD Negeri 10"]


def test_people_filter_and_unit_tree_list_units_in_natural_order(app: Flask, client, tree, make_user) -> None:
    admin = make_user(Role.ADMIN_BKPSDM, tree["dinas"], name="Admin Urut")
    login(client, admin)
    html = client.get("/pegawai/").get_data(as_text=True)
    skpd_select = html[html.index('name="skpd"'):]
    skpd_select = skpd_select[:skpd_select.index("</select>")]
    assert _in_order(skpd_select, ["Dinas Pendidikan", "Kecamatan 1", "Kecamatan 2", "Kecamatan 10"])
    with app.app_context():
        inst = db.session.get(Instansi, tree["inst"].id)
        slug = inst.slug
    tree_page = client.get(f"/unit/?instansi={slug}").get_data(as_text=True)
    positions = [tree_page.index(name) for name in NATURAL]
    assert positions == sorted(positions)
