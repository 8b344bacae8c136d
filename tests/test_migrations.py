"""Migrations are code: one head; upgrading an empty database gives exactly the models'
schema; downgrading to base and upgrading again works. Runs on SQLite and PostgreSQL
(a scratch database on the server named by ELEARN_TEST_DATABASE_URL)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from elearn.db import Base, make_engine
from elearn.migrations import alembic_config
from elearn.models import import_all_models


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    base_url = os.environ.get("ELEARN_TEST_DATABASE_URL")
    if not base_url or base_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"elearn_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _diff(url: str) -> list[object]:
    import_all_models()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            return compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_upgrade_from_empty_matches_models(empty_database_url: str) -> None:
    command.upgrade(alembic_config(empty_database_url), "head")
    assert _diff(empty_database_url) == []


def test_downgrade_to_base_and_up_again(empty_database_url: str) -> None:
    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    assert _tables(empty_database_url) <= {"alembic_version"}
    command.upgrade(cfg, "head")
    assert _diff(empty_database_url) == []
    assert set(Base.metadata.tables) <= _tables(empty_database_url)


def test_flask_db_upgrade_command(tmp_path) -> None:
    """A second app in the same process applies migrations to its own database."""
    from elearn import create_app
    from elearn.db import db

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    other = create_app({"ELEARN_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": url})
    result = other.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "users" in _tables(url)
    db.get_engine(other).dispose()


def test_unit_sort_key_is_filled_in_for_existing_units_and_dropped_again(empty_database_url: str) -> None:
    """0012_unitsort (issue 16) computes the natural-order key of units that exist, parents before
    children; downgrading drops it with the units still there (no table copy on SQLite)."""
    import datetime as dt

    import sqlalchemy as sa

    from elearn.org.models import sort_key_part

    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "0011_itemtally")
    engine = make_engine(empty_database_url)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    instansi = sa.table("instansi", *(sa.column(c) for c in ("id", "slug", "name", "timezone", "created_at")))
    units = sa.table("units", *(sa.column(c) for c in ("id", "instansi_id", "parent_id", "skpd_id", "name", "kind",
                                                       "sibling_key", "path", "depth", "active", "created_at")))
    rows = [(5, None, "Dinas Pendidikan", "/5/"), (6, 5, "SD Negeri 10", "/5/6/"), (7, 5, "SD Negeri 2", "/5/7/"),
            (8, 7, "Kelas 1", "/5/7/8/"), (9, None, "Bagian Umum", "/9/")]
    try:
        with engine.begin() as conn:
            conn.execute(instansi.insert().values(id=1, slug="kota", name="Kota", timezone="WIB", created_at=now))
            for unit_id, parent_id, name, path in rows:
                conn.execute(units.insert().values(
                    id=unit_id, instansi_id=1, parent_id=parent_id, skpd_id=int(path.split("/")[1]), name=name,
                    kind="lainnya", sibling_key=f"{parent_id or 0}:{name.lower()}", path=path,
                    depth=path.count("/") - 2, active=True, created_at=now))
        command.upgrade(cfg, "head")
        with engine.connect() as conn:
            names = list(conn.execute(text("SELECT name FROM units ORDER BY sort_key, id")).scalars())
            kelas = conn.execute(text("SELECT sort_key FROM units WHERE id = 8")).scalar_one()
        assert names == ["Bagian Umum", "Dinas Pendidikan", "SD Negeri 2", "Kelas 1", "SD Negeri 10"]
        assert kelas == (sort_key_part(5, "Dinas Pendidikan") + sort_key_part(7, "SD Negeri 2")
                         + sort_key_part(8, "Kelas 1"))
        command.downgrade(cfg, "0011_itemtally")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM units")).scalar_one() == 5
            assert "sort_key" not in {c["name"] for c in inspect(conn).get_columns("units")}
    finally:
        engine.dispose()
