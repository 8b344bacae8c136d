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
