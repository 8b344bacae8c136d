"""The access table: every route x every role x same/other unit, with the expected status.

Rows live in ``tests/access/*.py`` (one file per area, each defining ``ROWS``) so areas
don't edit one file. URLs are templates filled from the scenario below, e.g.
``/pegawai/{person_same}`` (a person in the operator's own SKPD) versus
``/pegawai/{person_other_skpd}`` (another SKPD of the same instansi) and
``/pegawai/{person_other_instansi}``. Objects outside a user's scope answer 404.

``test_every_route_is_in_the_table`` fails when a route is added without rows.
"""
from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection

from elearn.accounts.models import Role
from elearn.db import db
from factories import new_instansi, new_unit, new_user
from support import login

ROLES = ("anon", "peserta", "pelatih", "operator_skpd", "admin_bkpsdm", "superadmin")


@dataclass(frozen=True)
class Row:
    method: str
    url: str
    expect: dict[str, int]
    data: dict[str, Any] = field(default_factory=dict)
    #: "public-redirect": a 302 for anonymous users that is not the sign-in redirect
    note: str = ""

    def __post_init__(self) -> None:
        missing = set(ROLES) - set(self.expect)
        if missing:
            raise ValueError(f"{self.method} {self.url}: no expectation for {sorted(missing)}")


#: optional ``extend_scenario(app, ids, users) -> dict`` of area files: extra objects and their ids
SCENARIO_EXTENSIONS: list[Any] = []


def _load_rows() -> list[Row]:
    rows: list[Row] = []
    for path in sorted((Path(__file__).parent / "access").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"access_rows_{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        module.Row = Row  # type: ignore[attr-defined]
        spec.loader.exec_module(module)
        rows.extend(module.ROWS)
        if hasattr(module, "extend_scenario"):
            SCENARIO_EXTENSIONS.append(module.extend_scenario)
    return rows


ROWS = _load_rows()
CASES = [(row, role) for row in ROWS for role in ROLES]


def _case_id(case: tuple[Row, str]) -> str:
    row, role = case
    return f"{row.method} {row.url} as {role}"


def _bind_session(conn: Connection) -> None:
    db.session.remove()
    db.session.configure(bind=conn, join_transaction_mode="create_savepoint")


@pytest.fixture(scope="module")
def _table_connection(app: Flask) -> Iterator[Connection]:
    """One connection and outer transaction for the whole table: the scenario is built in it once,
    every test runs in a SAVEPOINT of its own, and everything is rolled back at the end."""
    conn = db.get_engine(app).connect()
    outer = conn.begin()
    try:
        yield conn
    finally:
        db.session.remove()
        outer.rollback()
        conn.close()
        db.session.configure(bind=None, join_transaction_mode="conservative_savepoint")


@pytest.fixture(scope="module")
def scenario(app: Flask, _table_connection: Connection) -> dict[str, Any]:
    """Instansi A: SKPD X (with sub-unit x1) and SKPD Y; instansi B: SKPD Z. Built once per run of
    the table (about 1,900 cases), not per case."""
    _bind_session(_table_connection)
    inst_a = new_instansi(app, slug="kota-a", name="Pemerintah Kota A")
    inst_b = new_instansi(app, slug="kota-b", name="Pemerintah Kota B")
    skpd_x = new_unit(app, "Dinas Pendidikan", instansi=inst_a)
    unit_x1 = new_unit(app, "SD Negeri 1", parent=skpd_x)
    skpd_y = new_unit(app, "Dinas Kesehatan", instansi=inst_a)
    skpd_z = new_unit(app, "Dinas Kesehatan", instansi=inst_b)
    users = {
        "peserta": new_user(app, Role.PESERTA, unit_x1),
        "pelatih": new_user(app, Role.PELATIH, skpd_x),
        "operator_skpd": new_user(app, Role.OPERATOR_SKPD, skpd_x),
        "admin_bkpsdm": new_user(app, Role.ADMIN_BKPSDM, new_unit(app, "Badan Kepegawaian", instansi=inst_a)),
        "superadmin": new_user(app, Role.SUPERADMIN, None),
    }
    person_same = new_user(app, Role.PESERTA, unit_x1, password=None)
    person_other_skpd = new_user(app, Role.PESERTA, skpd_y, password=None)
    person_other_instansi = new_user(app, Role.PESERTA, skpd_z, password=None)
    ids = {
        "instansi": inst_a.slug,
        "instansi_other": inst_b.slug,
        "skpd_same": skpd_x.id,
        "unit_same": unit_x1.id,
        "skpd_other": skpd_y.id,
        "skpd_other_instansi": skpd_z.id,
        "person_same": person_same.id,
        "person_other_skpd": person_other_skpd.id,
        "person_other_instansi": person_other_instansi.id,
    }
    for extend in SCENARIO_EXTENSIONS:
        ids.update(extend(app, ids, users))
    db.session.remove()
    return {"users": users, "ids": ids}


@pytest.fixture(autouse=True)
def _isolated_session(app: Flask, _table_connection: Connection, scenario: dict[str, Any]) -> Iterator[None]:
    """Replaces tests/conftest.py's: each case runs in a SAVEPOINT of the table's transaction (the
    app's own commits release SAVEPOINTs inside it) and is rolled back, so no case sees another's
    changes, and the scenario stays as built."""
    case = _table_connection.begin_nested()
    _bind_session(_table_connection)
    try:
        yield
    finally:
        db.session.remove()
        case.rollback()


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_access(case: tuple[Row, str], client, scenario) -> None:
    row, role = case
    if role != "anon":
        login(client, scenario["users"][role])
    url = row.url.format(**scenario["ids"])
    data = {k: v.format(**scenario["ids"]) if isinstance(v, str) else v for k, v in row.data.items()}
    response = client.open(url, method=row.method, data=data)
    expected = row.expect[role]
    assert response.status_code == expected, (
        f"{row.method} {url} as {role}: {response.status_code}, expected {expected}"
    )
    if expected == 302 and role == "anon" and row.note != "public-redirect":
        assert "/masuk" in response.headers["Location"]


def test_every_route_is_in_the_table(app: Flask) -> None:
    covered: set[tuple[str, str]] = set()
    for row in ROWS:
        path = re.sub(r"\{[^}]+\}", "<>", row.url.split("?")[0])
        covered.add((row.method, path))
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<[^>]+>", "<>", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, path) not in covered:
                missing.append(f"{method} {rule.rule}")
    assert not missing, "routes without access-table rows: " + ", ".join(missing)
