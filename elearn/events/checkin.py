"""The phone's check-in: which event a code belongs to, the check-in window, and the ticket that
carries a scan across sign-in or activation.

A code is looked up among the events starting within a day of now (of the person's instansi when
signed in; of any instansi for a scan before sign-in), matched with ``codes.matches`` on the
server's clock only. Then, in this order: cancelled, not open yet, closed: each refused with its
own message. A code of no event (wrong, expired, a photo of an old QR) is "wrong or expired".

**Ticket.** Someone who scans before signing in gets the event id and the scan time in their
Flask session (signed cookie); after sign-in or activation ``/hadir`` redeems it: within
``TICKET_SECONDS`` and while the event's window is still open.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from flask import session
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from ..accounts.models import User
from ..db import begin_write, db, utcnow
from ..errors import ServiceError
from ..templating import clock, long_date
from . import codes
from .models import Attendance, CheckinMethod, Event
from .services import check_in

TICKET_KEY = "event_checkin_ticket"
TICKET_SECONDS = 600
#: events looked at for a code: starting within this of now (the window is at most 4 h either side)
LOOKAROUND = dt.timedelta(hours=24)


def wrong_code() -> ServiceError:
    return ServiceError(_("Kode hadir salah atau sudah kedaluwarsa. Lihat kode terbaru di layar, lalu coba lagi."),
                        "wrong_code")


def window_error(event: Event, now: dt.datetime) -> ServiceError | None:
    """Why ``event`` refuses a check-in now (cancelled, not yet open, closed), or None."""
    if event.cancelled:
        return ServiceError(_("Acara ini dibatalkan: check-in tidak dibuka."), "cancelled")
    opens, closes = event.checkin_window()
    zone = event.instansi.timezone.iana
    if now < opens:
        return ServiceError(_("Check-in belum dibuka. Dibuka %(when)s.", when=long_date(opens, zone, time=True)),
                            "not_open")
    if now > closes:
        return ServiceError(_("Check-in sudah ditutup (pukul %(when)s).", when=clock(closes, zone)),
                            "closed")
    return None


def find_event(typed: str, now: dt.datetime | None = None, instansi_id: int | None = None) -> Event:
    """The event whose current or previous code is ``typed`` and whose check-in is open now.
    Raises ServiceError (wrong code, cancelled, not open yet, closed)."""
    now = now or utcnow()
    code = codes.normalise(typed)
    if len(code) != codes.LENGTH or any(ch not in codes.ALPHABET for ch in code):
        raise wrong_code()
    stmt = select(Event).where(Event.starts_at >= now - LOOKAROUND, Event.starts_at <= now + LOOKAROUND)
    if instansi_id is not None:
        stmt = stmt.where(Event.instansi_id == instansi_id)
    matching = [e for e in db.session.scalars(stmt.order_by(Event.starts_at, Event.id))
                if codes.matches(e.secret, e.id, code, now)]
    if not matching:
        raise wrong_code()
    for event in matching:  # (two events sharing a code: 1 in a billion; prefer the open one)
        if window_error(event, now) is None:
            return event
    error = window_error(matching[0], now)
    assert error is not None
    raise error


def check_in_self(event: Event, user: User, method: CheckinMethod, now: dt.datetime | None = None) -> Attendance:
    """The person checks themselves in (scan or typed code, or a redeemed ticket): the window must be
    open now; the audience rule is ``services.check_in``'s."""
    now = now or utcnow()
    if user.instansi_id != event.instansi_id:
        raise ServiceError(_("Acara ini untuk instansi lain."), "wrong_instansi")
    error = window_error(event, now)
    if error is not None:
        raise error
    return check_in(event, user, method, now=now)


def commit_check_in(event_id: int, user: User, method: CheckinMethod, now: dt.datetime | None = None,
                    attempts: int = 4) -> Attendance:
    """``check_in_self`` as the request's unit of work, committed. On SQLite the unit starts as a
    writer (``db.begin_write``: it waits for the write lock instead of failing with "database is
    locked" when another phone committed between its reads and its insert) and is retried a few
    times should the lock wait run out. (PostgreSQL waits on the unique index and then raises
    IntegrityError, handled in ``check_in``.)"""
    for attempt in range(attempts):
        begin_write()
        try:
            event = db.session.get(Event, event_id)
            if event is None:
                raise wrong_code()
            row = check_in_self(event, user, method, now)
            attendance_id = row.id
            db.session.commit()
            found = db.session.get(Attendance, attendance_id)
            assert found is not None
            return found
        except ServiceError:
            db.session.rollback()
            raise
        except OperationalError:
            db.session.rollback()
            if attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


# --- the ticket across sign-in ----------------------------------------------------------------------

@dataclass
class Ticket:
    event_id: int
    at: float
    method: CheckinMethod


def give_ticket(event: Event, method: CheckinMethod, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    session[TICKET_KEY] = {"e": event.id, "t": now.timestamp(), "m": method.value}


def take_ticket(now: dt.datetime | None = None) -> Ticket | None:
    """The ticket, removed from the session; None when there is none or it is older than ``TICKET_SECONDS``."""
    raw: Any = session.pop(TICKET_KEY, None)
    if not isinstance(raw, dict):
        return None
    try:
        ticket = Ticket(int(raw["e"]), float(raw["t"]), CheckinMethod(raw["m"]))
    except (KeyError, TypeError, ValueError):
        return None
    now = now or utcnow()
    if not 0 <= now.timestamp() - ticket.at <= TICKET_SECONDS:
        return None
    return ticket


def has_ticket() -> bool:
    return TICKET_KEY in session
