"""pledge_signatures is append-only at the database level: the triggers (created by create_all here,
by migration 0004 in production) refuse UPDATE and DELETE whatever the client, on SQLite and PostgreSQL.
The statements are raw SQL on the session's connection, not the ORM."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from elearn.db import db
from elearn.pledges.models import PledgeSignature

from pledge_support import insert_raw_signature, make_campaign
from test_migrations import empty_database_url  # noqa: F401  (fixture: a scratch database)


@pytest.fixture
def signature_id(app, make_user) -> int:
    user = make_user()
    with app.app_context():
        campaign = make_campaign(user.instansi_id)
        row = insert_raw_signature(campaign, db.session.get(type(user), user.id))
        db.session.commit()
        return row.id


def _refused(app, statement: str, **params: object) -> str:
    with app.app_context():
        savepoint = db.session.begin_nested()
        with pytest.raises(DBAPIError) as info:
            db.session.execute(text(statement), params)
        savepoint.rollback()
        return str(info.value)


def test_insert_works(app, signature_id: int) -> None:
    with app.app_context():
        row = db.session.get(PledgeSignature, signature_id)
        assert row is not None and row.seq == 1


@pytest.mark.parametrize("statement", [
    "UPDATE pledge_signatures SET signer_name = 'Orang Lain' WHERE id = :id",
    "UPDATE pledge_signatures SET seq = seq + 100 WHERE id = :id",
    "UPDATE pledge_signatures SET signed_at = signed_at WHERE id = :id",
    "DELETE FROM pledge_signatures WHERE id = :id",
])
def test_update_and_delete_refused_by_the_database(app, signature_id: int, statement: str) -> None:
    message = _refused(app, statement, id=signature_id)
    assert "append-only" in message
    with app.app_context():
        row = db.session.execute(text("SELECT signer_name, seq FROM pledge_signatures WHERE id = :id"),
                                 {"id": signature_id}).one()
        assert row.seq == 1 and row.signer_name != "Orang Lain"


def test_bulk_delete_refused(app, signature_id: int) -> None:
    assert "append-only" in _refused(app, "DELETE FROM pledge_signatures")
    with app.app_context():
        assert db.session.scalar(select(PledgeSignature.id).where(PledgeSignature.id == signature_id)) == signature_id


def test_orm_update_refused_too(app, signature_id: int) -> None:
    with app.app_context():
        row = db.session.get(PledgeSignature, signature_id)
        savepoint = db.session.begin_nested()
        row.typed_name = "Nama Lain"
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.flush()
        savepoint.rollback()


def test_truncate_refused(app, signature_id: int) -> None:
    """PostgreSQL: a statement-level trigger refuses TRUNCATE. SQLite has no TRUNCATE; its
    truncate optimisation of an unqualified DELETE is off while a DELETE trigger exists."""
    with app.app_context():
        postgresql = db.session.get_bind().dialect.name == "postgresql"
    statement = "TRUNCATE pledge_signatures CASCADE" if postgresql else "DELETE FROM pledge_signatures"
    assert "append-only" in _refused(app, statement)
    with app.app_context():
        assert db.session.get(PledgeSignature, signature_id) is not None


def test_migration_creates_the_triggers(empty_database_url: str) -> None:
    """Production databases get the triggers from migration 0004 (create_all is for tests)."""
    from alembic import command
    from sqlalchemy import create_engine

    from elearn.migrations import alembic_config

    command.upgrade(alembic_config(empty_database_url), "head")
    engine = create_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                names = set(conn.scalars(text(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'pledge_signatures'::regclass AND NOT tgisinternal")))
                assert names == {"pledge_signatures_immutable", "pledge_signatures_no_truncate"}
            else:
                names = set(conn.scalars(text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'pledge_signatures'")))
                assert names == {"pledge_signatures_no_update", "pledge_signatures_no_delete"}
    finally:
        engine.dispose()
