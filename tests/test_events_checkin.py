"""Check-in: the rotating code, the check-in window, /hadir (scan, typed code, ticket across sign-in
and activation), outsiders, idempotence (also under concurrent requests)."""
from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from elearn.accounts.models import Role, User
from elearn.db import db, utcnow
from elearn.errors import ServiceError
from elearn.events import checkin, codes, services
from elearn.events.models import Attendance, CheckinMethod, Event, EventAudienceUnit, EventKind
from support import login

T0 = dt.datetime(2026, 8, 17, 0, 0, 0, tzinfo=dt.timezone.utc)  # a period boundary (multiple of 30 s)
SECRET = "a" * 64


# --- the code ---------------------------------------------------------------------------------------

def test_code_rotation_accepts_current_and_previous_only() -> None:
    assert codes.period(T0) * codes.PERIOD == int(T0.timestamp())
    now = T0 + dt.timedelta(seconds=40)  # period p0 + 1
    p = codes.period(now)
    current, previous = codes.code_for(SECRET, 7, p), codes.code_for(SECRET, 7, p - 1)
    older, future = codes.code_for(SECRET, 7, p - 2), codes.code_for(SECRET, 7, p + 1)
    assert len({current, previous, older, future}) == 4
    assert all(len(c) == 6 and not set(c) & set("01OI") for c in (current, previous, older, future))
    assert codes.current_code(SECRET, 7, now) == current
    assert codes.matches(SECRET, 7, current, now)
    assert codes.matches(SECRET, 7, previous, now)
    assert not codes.matches(SECRET, 7, older, now)
    assert not codes.matches(SECRET, 7, future, now)
    # typed on a phone: lower case and spaces are fine
    assert codes.matches(SECRET, 7, f" {current[:3].lower()} {current[3:].lower()} ", now)
    # another event's code (same secret and period) is not this event's
    assert not codes.matches(SECRET, 8, current, now)
    # a photo of the QR stops working within a minute
    assert not codes.matches(SECRET, 7, current, now + dt.timedelta(seconds=2 * codes.PERIOD))
    assert codes.seconds_left(now) == 20


# --- fixtures ---------------------------------------------------------------------------------------

@pytest.fixture
def org(app: Flask, make_instansi, make_unit, make_user) -> dict[str, Any]:
    inst = make_instansi()
    skpd_x = make_unit("Dinas Pendidikan", instansi=inst)
    unit_x1 = make_unit("SD Negeri 1", parent=skpd_x)
    skpd_y = make_unit("Dinas Kesehatan", instansi=inst)
    other = make_unit("Dinas Lain", instansi=make_instansi())
    return {
        "instansi": inst, "skpd_x": skpd_x, "unit_x1": unit_x1, "skpd_y": skpd_y,
        "admin": make_user(Role.ADMIN_BKPSDM, skpd_x),
        "operator": make_user(Role.OPERATOR_SKPD, skpd_x),
        "in_x": make_user(Role.PESERTA, unit_x1, name="Budi Santoso"),
        "in_y": make_user(Role.PESERTA, skpd_y, name="Citra Lestari"),
        "other_instansi": make_user(Role.PESERTA, other),
    }


def make_event(app: Flask, instansi_id: int, *, starts_in: dt.timedelta = dt.timedelta(minutes=5),
               units: list[int] | None = None, outsiders: bool = True, skpd_id: int | None = None,
               cancelled: bool = False) -> Event:
    now = utcnow()
    with app.app_context():
        event = Event(instansi_id=instansi_id, skpd_id=skpd_id, kind=EventKind.APEL, title="Apel Pagi Netralitas",
                      place="Halaman Balai Kota", starts_at=now + starts_in,
                      ends_at=now + starts_in + dt.timedelta(hours=1), checkin_before_minutes=30,
                      checkin_after_minutes=15, audience_all=units is None, outsiders_allowed=outsiders,
                      cancelled_at=now if cancelled else None)
        event.audience = [EventAudienceUnit(unit_id=u) for u in units or []]
        db.session.add(event)
        db.session.commit()
        db.session.refresh(event)
        db.session.expunge(event)
        return event


def code_now(event: Event) -> str:
    return codes.current_code(event.secret, event.id, utcnow())


def attendance(app: Flask, event_id: int) -> list[Attendance]:
    with app.app_context():
        return list(db.session.scalars(select(Attendance).where(Attendance.event_id == event_id)))


# --- the window -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("starts_in", "expect"), [
    (dt.timedelta(minutes=31), "not_open"),  # before the window opens (30 min before the start)
    (dt.timedelta(minutes=29), None),  # open
    (dt.timedelta(minutes=-14), None),  # open (15 min after the start)
    (dt.timedelta(minutes=-16), "closed"),  # after it closed
])
def test_checkin_window(app: Flask, org, starts_in, expect) -> None:
    event = make_event(app, org["instansi"].id, starts_in=starts_in)
    with app.app_context():
        row = db.session.get(Event, event.id)
        now = utcnow()
        error = checkin.window_error(row, now)
        assert (error.code if error else None) == expect
        if expect:
            with pytest.raises(ServiceError) as exc:
                checkin.find_event(code_now(event), now, org["instansi"].id)
            assert exc.value.code == expect
        else:
            assert checkin.find_event(code_now(event), now, org["instansi"].id).id == event.id


def test_window_with_an_injected_clock(app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id)
    with app.app_context():
        row = db.session.get(Event, event.id)
        opens, closes = row.checkin_window()
        for now, expect in ((opens - dt.timedelta(seconds=1), "not_open"), (opens, None), (closes, None),
                            (closes + dt.timedelta(seconds=1), "closed")):
            code = codes.current_code(row.secret, row.id, now)
            if expect is None:
                assert checkin.find_event(code, now).id == row.id
            else:
                with pytest.raises(ServiceError) as exc:
                    checkin.find_event(code, now)
                assert exc.value.code == expect


def test_cancelled_event_refuses(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id, cancelled=True)
    login(client, org["in_x"])
    r = client.get(f"/hadir?kode={code_now(event)}")
    assert r.status_code == 200
    assert "dibatalkan" in r.get_data(as_text=True)
    assert attendance(app, event.id) == []


def test_not_yet_open_is_refused_on_the_phone(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id, starts_in=dt.timedelta(days=1, minutes=-60))
    login(client, org["in_x"])
    r = client.post("/hadir", data={"kode": code_now(event)})
    assert "Check-in belum dibuka" in r.get_data(as_text=True)
    assert attendance(app, event.id) == []


def test_future_event_beyond_a_day_is_just_a_wrong_code(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id, starts_in=dt.timedelta(days=3))
    login(client, org["in_x"])
    r = client.post("/hadir", data={"kode": code_now(event)})
    assert "salah atau sudah kedaluwarsa" in r.get_data(as_text=True)
    assert attendance(app, event.id) == []


# --- /hadir signed in --------------------------------------------------------------------------------

def test_scan_marks_present_and_redirects(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id)
    login(client, org["in_x"])
    r = client.get(f"/hadir?kode={code_now(event)}")
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"/acara/{event.id}/langsung")  # the live page (events_live)
    rows = attendance(app, event.id)
    assert [(a.user_id, a.method, a.outside_audience, a.skpd_id, a.unit_id) for a in rows] == [
        (org["in_x"].id, CheckinMethod.SCAN, False, org["skpd_x"].id, org["unit_x1"].id)]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Anda tercatat hadir" in page


def test_typed_code_lower_case_with_spaces(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id)
    login(client, org["in_x"])
    code = code_now(event)
    r = client.post("/hadir", data={"kode": f"{code[:3].lower()} {code[3:].lower()}"})
    assert r.status_code == 302
    assert [a.method for a in attendance(app, event.id)] == [CheckinMethod.CODE]


def test_wrong_code_and_code_of_another_event(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id)
    elsewhere = make_event(app, org["other_instansi"].instansi_id)
    login(client, org["in_x"])
    for typed in ("ABCDEF", "12", "", codes.code_for(event.secret, event.id, codes.period(utcnow()) - 2),
                  code_now(elsewhere)):
        r = client.post("/hadir", data={"kode": typed})
        assert r.status_code == 200, typed
    assert attendance(app, event.id) == [] and attendance(app, elsewhere.id) == []
    r = client.get(f"/hadir?kode={code_now(elsewhere)}")
    assert "salah atau sudah kedaluwarsa" in r.get_data(as_text=True)


def test_outsider_allowed_with_a_note(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id, units=[org["skpd_x"].id], outsiders=True)
    login(client, org["in_y"])
    r = client.get(f"/hadir?kode={code_now(event)}", follow_redirects=True)
    assert "di luar undangan" in r.get_data(as_text=True)
    (row,) = attendance(app, event.id)
    assert row.outside_audience is True and row.user_id == org["in_y"].id


def test_outsider_refused(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id, units=[org["skpd_x"].id], outsiders=False)
    login(client, org["in_y"])
    r = client.get(f"/hadir?kode={code_now(event)}")
    assert r.status_code == 200
    assert "tidak termasuk peserta" in r.get_data(as_text=True)
    assert attendance(app, event.id) == []
    # someone of a unit below the chosen SKPD is in
    client.post("/keluar")
    login(client, org["in_x"])
    assert client.get(f"/hadir?kode={code_now(event)}").status_code == 302
    assert [a.outside_audience for a in attendance(app, event.id)] == [False]


def test_check_in_is_idempotent(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id)
    login(client, org["in_x"])
    for _ in range(3):
        assert client.get(f"/hadir?kode={code_now(event)}").status_code == 302
    assert len(attendance(app, event.id)) == 1
    with app.app_context():
        row_event = db.session.get(Event, event.id)
        person = db.session.get(User, org["in_x"].id)
        first = services.check_in(row_event, person, CheckinMethod.CODE)
        again = services.check_in(row_event, person, CheckinMethod.MANUAL)
        assert first.id == again.id and again.method == CheckinMethod.SCAN


# --- the ticket across sign-in -------------------------------------------------------------------------

def test_scan_before_sign_in_then_sign_in(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id)
    r = client.get(f"/hadir?kode={code_now(event)}")
    assert r.status_code == 302
    assert "/masuk" in r.headers["Location"] and r.headers["Location"].endswith("next=/hadir")
    assert attendance(app, event.id) == []
    r = client.post("/masuk", data={"nip": org["in_x"].employee_number, "password": "rahasia-uji-123",
                                    "next": "/hadir"})
    assert r.headers["Location"] == "/hadir"
    r = client.get("/hadir")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/acara/{event.id}/langsung")
    assert [a.user_id for a in attendance(app, event.id)] == [org["in_x"].id]
    # the ticket is used up
    assert client.get("/hadir").status_code == 200


def test_wrong_code_before_sign_in_gives_no_ticket(client, app: Flask, org) -> None:
    make_event(app, org["instansi"].id)
    r = client.post("/hadir", data={"kode": "ABCDEF"})
    assert r.status_code == 200
    with client.session_transaction() as sess:
        assert checkin.TICKET_KEY not in sess


def test_ticket_across_activation(client, app: Flask, org, make_user) -> None:
    from elearn.auth import services as auth_services

    newcomer = make_user(Role.PESERTA, org["unit_x1"], password=None)
    with app.app_context():
        code = auth_services.issue_activation_code(db.session.get(User, newcomer.id))
        db.session.commit()
    event = make_event(app, org["instansi"].id)
    client.post("/hadir", data={"kode": code_now(event)})
    login_page = client.get("/masuk?next=/hadir").get_data(as_text=True)
    assert "/aktivasi?next=/hadir" in login_page
    r = client.post("/aktivasi?next=/hadir", data={"nip": newcomer.employee_number, "code": code,
                                                   "password": "kata-sandi-baru-1", "confirm": "kata-sandi-baru-1"})
    assert r.status_code == 302 and r.headers["Location"] == "/hadir"
    assert client.get("/hadir").status_code == 302
    (row,) = attendance(app, event.id)
    assert row.user_id == newcomer.id and row.method == CheckinMethod.CODE


def test_expired_ticket_and_closed_window(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id)
    client.get(f"/hadir?kode={code_now(event)}")
    with client.session_transaction() as sess:
        ticket = dict(sess[checkin.TICKET_KEY])
        ticket["t"] -= checkin.TICKET_SECONDS + 1
        sess[checkin.TICKET_KEY] = ticket
    login(client, org["in_x"])
    assert client.get("/hadir").status_code == 200  # too old: the form, nobody marked
    assert attendance(app, event.id) == []
    # a fresh ticket whose event closed meanwhile
    client.post("/keluar")
    client.get(f"/hadir?kode={code_now(event)}")
    with app.app_context():
        row = db.session.get(Event, event.id)
        row.starts_at = utcnow() - dt.timedelta(hours=2)
        row.ends_at = utcnow() - dt.timedelta(hours=1)
        db.session.commit()
    login(client, org["in_x"])
    r = client.get("/hadir")
    assert r.status_code == 200 and "sudah ditutup" in r.get_data(as_text=True)
    assert attendance(app, event.id) == []


def test_ticket_of_another_instansi_is_refused(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id)
    client.get(f"/hadir?kode={code_now(event)}")
    login(client, org["other_instansi"])
    r = client.get("/hadir")
    assert "instansi lain" in r.get_data(as_text=True)
    assert attendance(app, event.id) == []


def test_typed_code_post_is_rate_limited_on_refusals(client, app: Flask, org, rate_limited) -> None:
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    try:
        statuses = [client.post("/hadir", data={"kode": "ABCDEF"}).status_code for _ in range(5)]
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "20 per minute"
    assert statuses[:3] == [200, 200, 200]
    assert statuses[-1] == 429


# --- concurrency ---------------------------------------------------------------------------------------

def test_two_concurrent_check_ins_do_not_fail(own_app: Flask) -> None:
    from elearn.org import services as org_services
    from support import make_nip

    with own_app.app_context():
        instansi = org_services.create_instansi("serentak", "Pemerintah Kota Serentak", "WIB")
        unit = org_services.create_unit(instansi, "Dinas Sosial")
        person = User(employee_number=make_nip(), name="Pegawai", instansi_id=instansi.id, unit_id=unit.id)
        db.session.add(person)
        now = utcnow()
        event = Event(instansi_id=instansi.id, kind=EventKind.APEL, title="Apel", starts_at=now,
                      ends_at=now + dt.timedelta(hours=1))
        db.session.add(event)
        db.session.commit()
        user_id, event_id, secret = person.get_id(), event.id, event.secret

    threads_n = 4
    barrier = threading.Barrier(threads_n)
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        client = own_app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = user_id
            sess["_fresh"] = True
        try:
            barrier.wait()
            code = codes.current_code(secret, event_id, utcnow())
            if n % 2:
                response = client.get(f"/hadir?kode={code}")
            else:
                response = client.post("/hadir", data={"kode": code})
            with lock:
                statuses.append(response.status_code)
            response.close()
        except BaseException as exc:  # noqa: BLE001
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert statuses == [302] * threads_n
    with own_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1
