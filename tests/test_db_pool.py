"""PostgreSQL connections are pinged before use only after sitting idle (elearn/db.py,
``_ping_when_idle``; issue 14: ``pool_pre_ping`` cost a round trip on every request)."""
from __future__ import annotations

import os
import time
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from elearn import db as elearn_db
from elearn.db import PING_AFTER_IDLE_SECONDS, make_engine

PG_URL = os.environ.get("ELEARN_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL.startswith("postgresql"),
                                reason="PostgreSQL only: a SQLite file has no server connection to lose")


def _backend_pid(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_busy_connection_is_not_pinged_an_idle_dead_one_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(PG_URL, pool_size=1, max_overflow=0)
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    pings: list[int] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: (pings.append(1), ping(conn))[1])
    try:
        first = _backend_pid(engine)
        # used a moment ago: the same connection, no round trip before it
        assert _backend_pid(engine) == first
        assert pings == []

        # the server drops it (a restart, a failover) while it sits in the pool long enough
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
        later = time.monotonic() + PING_AFTER_IDLE_SECONDS + 1
        monkeypatch.setattr(elearn_db.time, "monotonic", lambda: later)
        # pinged, found dead, replaced: the request does not see the error
        second = _backend_pid(engine)
        assert second != first
        assert len(pings) == 1
    finally:
        engine.dispose()
        admin.dispose()
