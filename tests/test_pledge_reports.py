"""Who has signed (``pledges/reports.py``) on a hand-built data set, with signature rows written
straight into the table (no chain service needed).

Instansi A, campaign ``k`` (and a second campaign ``k2`` whose signatures must never count):

    SKPD X  Dinas Pendidikan     head (JPT pratama)  signed
                                 staff x 2           1 signed
            x1 SD Negeri 1       staff x 3           2 signed (+ an inactive person who signed: not counted)
            x2 SD Negeri 2       staff x 2           0 signed (1 of them signed k2 only)
    SKPD Y  Kecamatan Utara      camat (kepala wilayah)  not signed
            y1 Kelurahan Satu    lurah (kepala wilayah, not a head: kelurahan is below)  signed
                                 staff x 1           not signed
    SKPD W  Dinas Kosong         nobody
    (no unit)                    1 person            not signed  (admin scope only)

By hand: X 8 people, 4 signed (50 %); Y 3 people, 1 signed; W 0; no unit 1/0; total 12/5. Units
of X: X itself 3/2, x1 3/2, x2 2/0. Heads: X's head signed, Y's camat not. Instansi B's SKPD Z
has a signer of B's own campaign: never in A's figures. The viewers are inactive accounts so
they are not counted themselves.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from elearn.accounts.models import JenisJabatan, Role, User
from elearn.db import db
from elearn.org.models import Unit
from elearn.pledges import reports, services
from elearn.pledges.models import Campaign

from pledge_support import insert_raw_signature, make_campaign, make_pledge_version


@pytest.fixture
def data(app: Flask, make_instansi, make_unit: Callable[..., Unit], make_user: Callable[..., User]) -> dict[str, Any]:
    inst_a = make_instansi(slug="kota-lapor", name="Pemerintah Kota Lapor")
    inst_b = make_instansi()
    x = make_unit("Dinas Pendidikan", instansi=inst_a)
    x1 = make_unit("SD Negeri 1", parent=x)
    x2 = make_unit("SD Negeri 2", parent=x)
    y = make_unit("Kecamatan Utara", instansi=inst_a)
    y1 = make_unit("Kelurahan Satu", parent=y)
    w = make_unit("Dinas Kosong", instansi=inst_a)
    z = make_unit("Dinas Kesehatan", instansi=inst_b)

    def person(unit: Unit | None, name: str, **fields: Any) -> User:
        if unit is None:
            return make_user(Role.PESERTA, None, name=name, password=None, **fields)
        return make_user(Role.PESERTA, unit, name=name, password=None, **fields)

    head_x = person(x, "Kepala Dinas", jenis_jabatan=JenisJabatan.JPT_PRATAMA, jabatan="Kepala Dinas Pendidikan")
    x_staff = [person(x, f"Staf Dinas {i}", jenis_jabatan=JenisJabatan.PELAKSANA, jabatan="Pengadministrasi")
               for i in (1, 2)]
    x1_staff = [person(x1, f"Guru Satu {i}", jabatan="Guru Ahli Pertama") for i in (1, 2, 3)]
    x1_gone = person(x1, "Guru Pensiun", active=False)
    x2_staff = [person(x2, f"Guru Dua {i}") for i in (1, 2)]
    camat = person(y, "Camat Utara", jenis_jabatan=JenisJabatan.ADMINISTRATOR, is_kepala_wilayah=True,
                   jabatan="Camat")
    lurah = person(y1, "Lurah Satu", jenis_jabatan=JenisJabatan.PENGAWAS, is_kepala_wilayah=True, jabatan="Lurah")
    y1_staff = person(y1, "Staf Kelurahan")
    # a person of instansi A without a unit: only a unit-less user of the instansi
    loose = make_user(Role.PESERTA, x, name="Tanpa Unit", password=None)
    z_staff = person(z, "Pegawai Kota B")
    viewers = {
        "operator_x": make_user(Role.OPERATOR_SKPD, x, active=False),
        "operator_y": make_user(Role.OPERATOR_SKPD, y1, active=False),
        "admin": make_user(Role.ADMIN_BKPSDM, w, active=False),
        "superadmin": make_user(Role.SUPERADMIN, None),
    }
    with app.app_context():
        db.session.get(User, loose.id).unit_id = None  # type: ignore[union-attr]
        version = make_pledge_version()
        k = make_campaign(inst_a.id, version, slug="k")
        k2 = make_campaign(inst_a.id, version, slug="k2")
        kb = make_campaign(inst_b.id, version, slug="kb")
        seq = 0
        for campaign, user in ((k, head_x), (k, x_staff[0]), (k, x1_staff[0]), (k, x1_staff[1]), (k, x1_gone),
                               (k, lurah), (k2, x2_staff[0]), (k2, camat)):
            seq += 1
            insert_raw_signature(campaign, db.session.get(User, user.id), seq=seq, prev_hash=f"{seq:064d}")
        insert_raw_signature(kb, db.session.get(User, z_staff.id), seq=1)
        db.session.commit()
        return {
            "campaign": k.id, "campaign_b": kb.id, "x": x.id, "x1": x1.id, "x2": x2.id, "y": y.id, "y1": y1.id,
            "w": w.id, "head_x": head_x.id, "camat": camat.id, "lurah": lurah.id,
            "viewers": {k: v.id for k, v in viewers.items()},
        }


def _ctx(data: dict[str, Any], viewer: str) -> tuple[Campaign, User]:
    campaign = db.session.get(Campaign, data["campaign"])
    user = db.session.get(User, data["viewers"][viewer])
    assert campaign is not None and user is not None
    return campaign, user


def _by_skpd(overview: reports.Overview) -> dict[int | None, tuple[int, int]]:
    return {row.skpd_id: (row.tally.people, row.tally.signed) for row in overview.skpds}


@pytest.mark.parametrize("viewer", ["admin", "superadmin"])
def test_overview_counts_per_skpd_and_heads_separately(app: Flask, data: dict[str, Any], viewer: str) -> None:
    with app.app_context():
        campaign, user = _ctx(data, viewer)
        result = reports.overview(campaign, user)
        assert _by_skpd(result) == {data["x"]: (8, 4), data["y"]: (3, 1), data["w"]: (0, 0), None: (1, 0)}
        assert [row.name for row in result.skpds] == ["Dinas Kosong", "Dinas Pendidikan", "Kecamatan Utara", ""]
        assert (result.total.people, result.total.signed) == (12, 5)
        assert result.total.share == pytest.approx(5 / 12)
        # every signature of the campaign, the inactive signer's too
        assert result.signatures == 6
        heads = {h.user_id: h for h in result.heads}
        assert set(heads) == {data["head_x"], data["camat"]}
        assert heads[data["head_x"]].signature_id is not None and heads[data["head_x"]].signed_at is not None
        assert heads[data["camat"]].signature_id is None  # signed k2 only
        x_row = next(r for r in result.skpds if r.skpd_id == data["x"])
        assert [h.name for h in x_row.heads] == ["Kepala Dinas"]
        assert next(r for r in result.skpds if r.skpd_id == data["w"]).heads == []


def test_sql_head_rule_matches_the_service(app: Flask, data: dict[str, Any]) -> None:
    with app.app_context():
        campaign, admin = _ctx(data, "admin")
        from_sql = {h.user_id for h in reports.heads(campaign, admin)}
        people = db.session.query(User).filter(User.instansi_id == campaign.instansi_id, User.active.is_(True)).all()
        assert from_sql == {p.id for p in people if services.is_skpd_head(p)}


def test_units_of_an_skpd(app: Flask, data: dict[str, Any]) -> None:
    with app.app_context():
        campaign, admin = _ctx(data, "admin")
        skpd = db.session.get(Unit, data["x"])
        rows = reports.units_of_skpd(campaign, admin, skpd)
        assert [(r.unit.id, r.tally.people, r.tally.signed) for r in rows] == [
            (data["x"], 3, 2), (data["x1"], 3, 2), (data["x2"], 2, 0)]
        assert [r.depth for r in rows] == [0, 1, 1]


def test_unit_lists(app: Flask, data: dict[str, Any]) -> None:
    with app.app_context():
        campaign, admin = _ctx(data, "admin")
        x1 = db.session.get(Unit, data["x1"])
        signed = db.session.execute(reports.signed_in_unit(campaign, admin, x1)).all()
        assert [row[0].name for row in signed] == ["Guru Satu 1", "Guru Satu 2"]
        assert all(row.signed_at is not None and row.seq for row in signed)
        unsigned = list(db.session.scalars(reports.unsigned_in_unit(campaign, admin, x1)))
        assert [u.name for u in unsigned] == ["Guru Satu 3"]  # the inactive person is not listed
        tally = reports.unit_tally(campaign, admin, x1)
        assert (tally.people, tally.signed, tally.unsigned) == (3, 2, 1)
        x2 = db.session.get(Unit, data["x2"])
        assert db.session.execute(reports.signed_in_unit(campaign, admin, x2)).all() == []  # k2 does not count


def test_operator_sees_only_own_skpd(app: Flask, data: dict[str, Any]) -> None:
    with app.app_context():
        campaign, operator = _ctx(data, "operator_x")
        result = reports.overview(campaign, operator)
        assert _by_skpd(result) == {data["x"]: (8, 4)}
        assert [h.user_id for h in result.heads] == [data["head_x"]]
        assert (result.total.people, result.total.signed) == (8, 4)
        # asking for another SKPD gives nothing
        y = db.session.get(Unit, data["y"])
        assert reports.units_of_skpd(campaign, operator, y) == []
        y1 = db.session.get(Unit, data["y1"])
        assert db.session.execute(reports.signed_in_unit(campaign, operator, y1)).all() == []
        assert list(reports.export_rows(campaign, operator, data["y"])) == []
        assert {r.skpd for r in reports.export_rows(campaign, operator)} == {"Dinas Pendidikan"}
        # an operator of a sub-unit (kelurahan) is confined to their SKPD (the kecamatan)
        campaign, operator_y = _ctx(data, "operator_y")
        assert _by_skpd(reports.overview(campaign, operator_y)) == {data["y"]: (3, 1)}


def test_export_rows(app: Flask, data: dict[str, Any]) -> None:
    with app.app_context():
        campaign, admin = _ctx(data, "admin")
        rows = list(reports.export_rows(campaign, admin))
        assert len(rows) == 12 and sum(r.signed for r in rows) == 5
        # by SKPD name, tree order, name; the unit-less person last
        assert [(r.skpd, r.unit, r.name) for r in rows[:4]] == [
            ("Dinas Pendidikan", "Dinas Pendidikan", "Kepala Dinas"),
            ("Dinas Pendidikan", "Dinas Pendidikan", "Staf Dinas 1"),
            ("Dinas Pendidikan", "Dinas Pendidikan", "Staf Dinas 2"),
            ("Dinas Pendidikan", "SD Negeri 1", "Guru Satu 1"),
        ]
        assert (rows[-1].skpd, rows[-1].unit, rows[-1].name) == ("", "", "Tanpa Unit")
        assert [r.name for r in rows if r.is_head] == ["Kepala Dinas", "Camat Utara"]
        only_y = list(reports.export_rows(campaign, admin, data["y"]))
        assert [(r.name, r.signed) for r in only_y] == [
            ("Camat Utara", False), ("Lurah Satu", True), ("Staf Kelurahan", False)]


def test_campaign_tallies_for_the_list(app: Flask, data: dict[str, Any]) -> None:
    with app.app_context():
        campaign, admin = _ctx(data, "admin")
        _, operator = _ctx(data, "operator_x")
        other = db.session.get(Campaign, data["campaign_b"])
        tallies = reports.campaign_tallies([campaign, other], admin)
        assert (tallies[campaign.id].people, tallies[campaign.id].signed) == (12, 5)
        assert (tallies[other.id].people, tallies[other.id].signed) == (1, 1)
        assert (reports.campaign_tallies([campaign], operator)[campaign.id].signed) == 4


def test_zip_signatures_of_an_skpd(app: Flask, data: dict[str, Any]) -> None:
    with app.app_context():
        campaign, admin = _ctx(data, "admin")
        names = [s.signer_name for s in reports.signatures_for_zip(campaign, admin, data["x"])]
        assert names == ["Kepala Dinas", "Staf Dinas 1", "Guru Satu 1", "Guru Satu 2"]
        _, operator = _ctx(data, "operator_x")
        assert list(reports.signatures_for_zip(campaign, operator, data["y"])) == []
