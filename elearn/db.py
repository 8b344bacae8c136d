"""Database wiring: engine, a session per request, and the declarative base.

Only request handlers and CLI commands commit; services and model methods flush.
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Any

from flask import Flask, current_app
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on both SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


#: the execution option that makes the SQLite transaction begin as a writer (begin_write)
WRITE_OPTION = "elearn_begin_write"


def begin_write() -> None:
    """End the session's transaction (commit) and start the next one as a writer.

    On SQLite a transaction that reads first and writes later fails at once ("database is
    locked", busy_timeout does not apply) when another connection committed in between: at an apel
    hundreds of phones write within the same second. ``BEGIN IMMEDIATE`` takes the write lock
    before the reads, so the unit of work waits its turn (up to busy_timeout) instead of failing;
    writers queue, readers are not blocked (WAL). On PostgreSQL it only commits. Call it where
    nothing is pending, at the start of a short read-then-write unit of work."""
    db.session.commit()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.connection(execution_options={WRITE_OPTION: True})


def _sqlite_setup(engine: Engine) -> None:
    """WAL, foreign keys, busy timeout, and SQLAlchemy-controlled BEGIN.

    The driver's own transaction handling is turned off (``isolation_level=None``) and
    ``BEGIN`` is emitted from the engine's ``begin`` event; without this SAVEPOINTs
    silently do nothing and the test suite's per-test rollback would leak rows.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock first (waiting up to busy_timeout for it): see begin_write
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")


#: a pooled PostgreSQL connection unused for longer than this is checked (``SELECT 1``) before use
PING_AFTER_IDLE_SECONDS = 10.0


def _ping_when_idle(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Check a pooled connection before use only when it sat idle for ``idle_seconds``.

    ``pool_pre_ping`` pings on every checkout: one more round trip on every request (issue 14: the
    fixed cost every request pays comes first). A connection busy a moment ago is alive; one that
    sat in the pool may have been closed by a database restart, a failover or an idle timeout,
    and is pinged first. A dead one raises DisconnectionError, which makes the pool discard it and
    take a new connection, as pre-ping does. (A server that dies within ``idle_seconds`` of the last
    use answers that one request with an error; SQLAlchemy then invalidates the connection.)"""
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_conn: Any, record: Any) -> None:
        record.info["elearn_used_at"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _used(_dbapi_conn: Any, record: Any) -> None:
        record.info["elearn_used_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _maybe_ping(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        used_at = record.info.get("elearn_used_at")
        if used_at is not None and time.monotonic() - used_at <= idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_conn, None):
                raise DisconnectionError() from error
            raise


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        engine = create_engine(url, **kwargs)
        _sqlite_setup(engine)
        return engine
    ping_when_idle = not kwargs.get("pool_pre_ping")
    if url.startswith("postgresql"):
        # No JIT: it pays off for long analytical queries, not for pages. The rekap aggregate over
        # 50,000 people is costed above jit_above_cost, and compiling took 1.9 s of its 2.9 s on
        # every request (benchmarks/rekap.py).
        connect_args = dict(kwargs.pop("connect_args", {}))
        options = connect_args.get("options", "")
        if "jit" not in options:
            connect_args["options"] = f"{options} -c jit=off".strip()
        kwargs["connect_args"] = connect_args
    engine = create_engine(url, **kwargs)
    if ping_when_idle:
        _ping_when_idle(engine)
    return engine


class _AppSession(Session):
    """A session that, unless bound explicitly (tests bind it to one connection), uses the
    engine of the current Flask app, so several apps (tests, tools) can live in one process."""

    def get_bind(self, mapper: Any = None, clause: Any = None, **kw: Any) -> Any:
        if self.bind is not None:
            return self.bind
        return current_app.extensions["elearn_db"].engine


class _AppDatabase:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine


class Database:
    """The scoped session (one per thread, removed at the end of each app context) and
    access to the current app's engine."""

    def __init__(self) -> None:
        self.session = scoped_session(sessionmaker(class_=_AppSession, expire_on_commit=False, autoflush=True))

    def init_app(self, app: Flask) -> None:
        app.extensions["elearn_db"] = _AppDatabase(make_engine(app.config["DATABASE_URL"]))

        @app.teardown_appcontext
        def _remove_session(exc: BaseException | None) -> None:
            if exc is not None:
                self.session.rollback()
            self.session.remove()

    def get_engine(self, app: Flask | None = None) -> Engine:
        app = app or current_app
        return app.extensions["elearn_db"].engine  # type: ignore[no-any-return]

    @property
    def engine(self) -> Engine:
        return self.get_engine()


db = Database()


#: rows written by one bulk operation from which its tables' planner statistics are refreshed
ANALYZE_AFTER_ROWS = 1_000


def analyze(*tables: str, rows: int | None = None) -> bool:
    """Refresh PostgreSQL's planner statistics of ``tables`` after a bulk load; returns whether it ran.

    Autovacuum analyzes a table only after a share of it changed and only when it gets to it, so
    straight after a bulk load the planner plans with statistics of a nearly empty table (issue 12:
    a campaign page took 278 ms per request after ``seed-demo`` and 25 ms after an ANALYZE).

    Runs in the caller's transaction, on purpose: PostgreSQL's ANALYZE samples the rows the
    transaction itself inserted, the new statistics become visible when the load commits, and
    they are rolled back with it if it fails. A no-op on SQLite (its planner works without
    ``sqlite_stat1``; writing it would change plans of every query, measured in
    benchmarks/rekap.py) and when ``rows`` (what the operation wrote) is below
    :data:`ANALYZE_AFTER_ROWS`. Table names come from the code, never from input.
    """
    if not tables or (rows is not None and rows < ANALYZE_AFTER_ROWS):
        return False
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        return False
    for name in tables:
        if not name.isidentifier():
            raise ValueError(f"not a table name: {name!r}")
    session.flush()
    from sqlalchemy import text

    session.execute(text("ANALYZE " + ", ".join(tables)))
    return True
