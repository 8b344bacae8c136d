"""The event's label on the phone's live page and the presenter view reads like the projector's
check-in screen (day, date, hour and minute in the instansi's zone), without seconds."""
from __future__ import annotations

import datetime as dt
import re

from flask import Flask

from elearn.accounts.models import Role
from elearn.db import db
from elearn.events.models import Attendance, CheckinMethod, Event, EventKind
from factories import new_instansi, new_unit, new_user
from support import login


def test_label_has_the_projectors_time_format(app: Flask) -> None:
    inst = new_instansi(app, timezone="WITA")
    unit = new_unit(app, "Dinas Pendidikan", instansi=inst)
    trainer = new_user(app, Role.PELATIH, unit)
    person = new_user(app, Role.PESERTA, unit)
    with app.app_context():
        # 02:05:30 UTC is 10:05:30 WITA
        event = Event(instansi_id=inst.id, kind=EventKind.APEL, title="Apel Pagi", place="Halaman Kantor",
                      starts_at=dt.datetime(2026, 3, 2, 2, 5, 30, tzinfo=dt.timezone.utc),
                      ends_at=dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.timezone.utc))
        db.session.add(event)
        db.session.flush()
        db.session.add(Attendance(event_id=event.id, user_id=person.id, method=CheckinMethod.CODE))
        db.session.commit()
        event_id = event.id
    expected = "Halaman Kantor · Senin, 2 Maret 2026 10.05 WITA"  # the one date format (issue 16)
    for user, url in ((person, f"/acara/{event_id}/langsung"), (trainer, f"/acara/{event_id}/presenter"),
                      (trainer, f"/acara/{event_id}/layar-hadir")):
        client = app.test_client()
        login(client, user)
        html = client.get(url).get_data(as_text=True)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
        assert "10.05 WITA" in text and "10.05.30" not in text and "10:05:30" not in text, url
        if "layar-hadir" not in url:
            assert expected in text, url
