"""Helpers shared by tests (importable as ``support`` thanks to pytest's pythonpath setting)."""
from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterator

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from elearn.accounts.models import User
from elearn.db import db

TEST_PASSWORD = "rahasia-uji-123"

_seq = itertools.count(1)


def next_seq() -> int:
    return next(_seq)


def make_nip(
    birth: str = "19860926", appointment: str = "201505", gender: int = 1, sequence: int | None = None
) -> str:
    """A valid NIP; without explicit parts, birth year and sequence vary so each call is unique."""
    if sequence is None:
        n = next(_seq)
        birth = f"{1960 + n % 30}{birth[4:]}"
        sequence = n % 999 + 1
    return f"{birth}{appointment}{gender}{sequence:03d}"


def login(client: FlaskClient, user: User, password: str = TEST_PASSWORD) -> None:
    response = client.post("/masuk", data={"nip": user.employee_number, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


_TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|SAVEPOINT|RELEASE|ROLLBACK|COMMIT)\b", re.I)


@contextlib.contextmanager
def count_statements(app: Flask, *, transaction_control: bool = True) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block (an N+1 guard: compare the count
    for a page with 1 row and with 20). ``transaction_control=False`` leaves out BEGIN, SAVEPOINT,
    RELEASE, ROLLBACK and COMMIT (the tests' savepoints are not the page's work)."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if transaction_control or not _TRANSACTION_CONTROL.match(statement):
            statements.append(statement)

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
