"""Test data factories as plain functions (the ``make_*`` fixtures of tests/conftest.py wrap them;
module-scoped fixtures, such as the access table's scenario, call them directly). Each commits like a
request would, so the app sees the rows, and returns a detached row."""
from __future__ import annotations

from typing import Any

from flask import Flask

from elearn.accounts.models import EmployeeType, Role, User
from elearn.auth import services as auth_services
from elearn.db import db
from elearn.org import services as org_services
from elearn.org.models import Instansi, Unit

from support import TEST_PASSWORD, make_nip, next_seq


def new_instansi(app: Flask, slug: str | None = None, name: str | None = None, timezone: str = "WIB") -> Instansi:
    n = next_seq()
    with app.app_context():
        instansi = org_services.create_instansi(slug or f"instansi-{n}", name or f"Pemerintah Kota Uji {n}", timezone)
        db.session.commit()
        return instansi


def new_unit(app: Flask, name: str | None = None, parent: Unit | None = None,
             instansi: Instansi | None = None) -> Unit:
    if instansi is None and parent is None:
        instansi = new_instansi(app)
    with app.app_context():
        parent_row = db.session.get(Unit, parent.id) if parent is not None else None
        instansi_row = db.session.get(Instansi, instansi.id if instansi is not None else parent_row.instansi_id)
        unit = org_services.create_unit(instansi_row, name or f"Dinas Uji {next_seq()}", parent_row)
        db.session.commit()
        db.session.refresh(unit)
        return unit


def new_user(
    app: Flask,
    role: Role = Role.PESERTA,
    unit: Unit | None = None,
    password: str | None = TEST_PASSWORD,
    employee_type: EmployeeType = EmployeeType.PNS,
    **fields: Any,
) -> User:
    """A person; committed like a request would, so the app sees them. Returns a detached row."""
    if unit is None and role != Role.SUPERADMIN:
        unit = new_unit(app)
    with app.app_context():
        user = User(
            employee_number=fields.pop("employee_number", None) or make_nip(),
            employee_type=employee_type,
            name=fields.pop("name", None) or f"Pegawai Uji {next_seq()}",
            role=role,
            instansi_id=unit.instansi_id if unit is not None else None,
            unit_id=unit.id if unit is not None else None,
            password_hash=auth_services.hash_password(password) if password else None,
            **fields,
        )
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        return user
