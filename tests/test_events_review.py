"""Review of issue 13's events: one audience rule, attendance completing a course, attacks."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.db import db
from elearn.events import reports, services
from elearn.events.models import Event
from test_events_checkin import make_event


# --- one audience rule --------------------------------------------------------------------------------

@pytest.fixture
def audience_world(app: Flask, make_instansi, make_unit, make_user) -> dict[str, Any]:
    inst = make_instansi()
    x = make_unit("Dinas X", instansi=inst)
    x1 = make_unit("Bidang X1", parent=x)
    x1a = make_unit("Seksi X1a", parent=x1)
    x2 = make_unit("Bidang X2", parent=x)
    y = make_unit("Dinas Y", instansi=inst)
    y1 = make_unit("Bidang Y1", parent=y)
    other = make_unit("Dinas Lain", instansi=make_instansi())
    people = {
        "x": make_user(Role.PESERTA, x), "x1": make_user(Role.PESERTA, x1), "x1a": make_user(Role.PESERTA, x1a),
        "x2": make_user(Role.PESERTA, x2), "y": make_user(Role.PESERTA, y), "y1": make_user(Role.PESERTA, y1),
        "gone_x1": make_user(Role.PESERTA, x1), "gone_y": make_user(Role.PESERTA, y),
        "nounit": make_user(Role.PESERTA, x), "other": make_user(Role.PESERTA, other),
        "hr": make_user(Role.ADMIN_BKPSDM, x),
    }
    with app.app_context():
        for key in ("gone_x1", "gone_y"):
            db.session.get(User, people[key].id).active = False
        db.session.get(User, people["nounit"].id).unit_id = None
        db.session.commit()
    i = inst.id
    events = {
        "whole": make_event(app, i),
        "skpd_x_own": make_event(app, i, skpd_id=x.id),
        "units_x1_y": make_event(app, i, units=[x1.id, y.id]),
        "unit_x1a": make_event(app, i, units=[x1a.id]),
        "skpd_x_units": make_event(app, i, skpd_id=x.id, units=[x1.id]),
        # an SKPD's event whose chosen unit is (now) in another SKPD: still only inside the SKPD
        "skpd_x_units_of_y": make_event(app, i, skpd_id=x.id, units=[y1.id]),
    }
    return {"people": people, "events": events}


EXPECTED = {
    "whole": {"x", "x1", "x1a", "x2", "y", "y1", "nounit", "hr"},
    "skpd_x_own": {"x", "x1", "x1a", "x2", "hr"},
    "units_x1_y": {"x1", "x1a", "y", "y1"},
    "unit_x1a": {"x1a"},
    "skpd_x_units": {"x1", "x1a"},
    "skpd_x_units_of_y": set(),
}


def test_in_audience_agrees_with_the_report_roster(app: Flask, audience_world) -> None:
    people = audience_world["people"]
    with app.app_context():
        users = {k: db.session.get(User, p.id) for k, p in people.items()}
        for name, ev in audience_world["events"].items():
            event = db.session.get(Event, ev.id)
            roster = {row.user_id for row in db.session.execute(reports.audience_roster(event))}
            by_roster = {k for k, u in users.items() if u.id in roster}
            by_service = {k for k, u in users.items() if services.in_audience(event, u)}
            by_in_roster = {k for k, u in users.items() if reports.in_roster(event, u)}
            people_ids = set(db.session.scalars(services.audience_people(event).with_only_columns(User.id)))
            by_people = {k for k, u in users.items() if u.id in people_ids}
            by_ids = {k for k, u in users.items() if u.id in services.audience_ids(event, [u.id for u in users.values()])}
            assert by_service == by_roster == by_in_roster == by_people == by_ids == EXPECTED[name], name
