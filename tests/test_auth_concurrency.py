"""A whole apel signs in at the same second: every sign-in succeeds, on SQLite too.

The sign-in reads the account, checks the password (slow on purpose), then writes
(last_login_at, the failure count). On SQLite a transaction that read before another connection
committed cannot start writing ("database is locked" at once); the services end the read
transaction before writing (``auth.services.end_read_before_write``). The password check is
slowed down here so that every thread has read before the first one writes: without that fix
most of these sign-ins answered 500."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from elearn.accounts.models import User
from elearn.auth import services as auth_services
from elearn.db import db
from elearn.org import services as org_services

from support import TEST_PASSWORD, make_nip

PEOPLE = 10


def _seed(app: Flask) -> list[str]:
    with app.app_context():
        instansi = org_services.create_instansi("kota-apel", "Pemerintah Kota Apel", "WIB")
        unit = org_services.create_unit(instansi, "Dinas Apel")
        password_hash = auth_services.hash_password(TEST_PASSWORD)
        people = [User(employee_number=make_nip(), name=f"Peserta Apel {n}", instansi_id=instansi.id,
                       unit_id=unit.id, password_hash=password_hash, failed_logins=0) for n in range(PEOPLE)]
        db.session.add_all(people)
        db.session.commit()
        return [p.employee_number for p in people]


def _slow(check: Callable[[User, str], bool]) -> Callable[[User, str], bool]:
    def slowed(user: User, password: str) -> bool:
        time.sleep(0.2)
        return check(user, password)

    return slowed


def _all_at_once(app: Flask, numbers: list[str], passwords: list[str]) -> list[int]:
    barrier = threading.Barrier(len(numbers))
    statuses: list[int] = [0] * len(numbers)

    def sign_in(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/masuk", data={"nip": numbers[i], "password": passwords[i]})
        statuses[i] = response.status_code

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(len(numbers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_simultaneous_sign_ins_all_succeed(own_app: Flask, monkeypatch) -> None:
    numbers = _seed(own_app)
    monkeypatch.setattr(auth_services, "check_password", _slow(auth_services.check_password))
    statuses = _all_at_once(own_app, numbers, [TEST_PASSWORD] * PEOPLE)
    assert statuses == [302] * PEOPLE
    with own_app.app_context():
        signed_in = db.session.scalars(select(User.last_login_at).where(User.employee_number.in_(numbers))).all()
        assert len(signed_in) == PEOPLE and all(at is not None for at in signed_in)


def test_simultaneous_wrong_passwords_are_all_counted(own_app: Flask, monkeypatch) -> None:
    """Wrong passwords at the same moment: each refused with the form (not a 500), each counted,
    also several for one account (the count is incremented in SQL, not read-modify-written)."""
    numbers = _seed(own_app)
    monkeypatch.setattr(auth_services, "check_password", _slow(auth_services.check_password))
    targets = numbers[:PEOPLE - 3] + [numbers[0]] * 3  # account 0 gets four wrong passwords at once
    statuses = _all_at_once(own_app, targets, ["salah-sandi"] * PEOPLE)
    assert statuses == [200] * PEOPLE
    with own_app.app_context():
        counts = dict(db.session.execute(select(User.employee_number, User.failed_logins)
                                         .where(User.employee_number.in_(numbers))).all())
    assert counts[numbers[0]] == 4
    assert [counts[n] for n in numbers[1:PEOPLE - 3]] == [1] * (PEOPLE - 4)


def test_simultaneous_wrong_activation_codes_are_refused_and_counted(own_app: Flask, monkeypatch) -> None:
    """Wrong activation codes at the same moment (an apel activating, a few mistyping): each refused
    with the form, not a 500 ("database is locked" on SQLite when the code check's read was not
    ended before the failure count is written), and each counted against its code."""
    numbers = _seed(own_app)
    with own_app.app_context():
        for person in db.session.scalars(select(User).where(User.employee_number.in_(numbers))):
            person.password_hash = None
            auth_services.issue_activation_code(person)
        db.session.commit()
    slow_hash = auth_services.hash_code

    def slowed(code: str) -> str:
        time.sleep(0.2)
        return slow_hash(code)

    monkeypatch.setattr(auth_services, "hash_code", slowed)
    barrier = threading.Barrier(PEOPLE)
    statuses: list[int] = [0] * PEOPLE
    targets = numbers[:PEOPLE - 3] + [numbers[0]] * 3

    def activate(i: int) -> None:
        client = own_app.test_client()
        barrier.wait()
        response = client.post("/aktivasi", data={"nip": targets[i], "code": "AAAA-BBBB-CCCC",
                                                  "password": "kopi-tubruk-pagi-hari", "confirm": "kopi-tubruk-pagi-hari"})
        statuses[i] = response.status_code

    threads = [threading.Thread(target=activate, args=(i,)) for i in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * PEOPLE
    with own_app.app_context():
        counts = dict(db.session.execute(select(User.employee_number, User.activation_failures)
                                         .where(User.employee_number.in_(numbers))).all())
    assert counts[numbers[0]] == 4
    assert [counts[n] for n in numbers[1:PEOPLE - 3]] == [1] * (PEOPLE - 4)
