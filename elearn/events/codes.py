"""The rotating check-in code.

Every ``PERIOD`` seconds an event has a new code of ``LENGTH`` characters from ``ALPHABET`` (no
0/O/1/I, which are misread on a projector): the HMAC-SHA256 of the event id and the period number,
keyed with the event's secret. The projector shows the code and a QR code of the URL carrying it;
the server accepts the current and the previous period's code, computed from the server's own
clock (never the phone's or the projector's): a photo of the QR stops working within
``2 * PERIOD`` seconds.

``now`` is injectable everywhere (tests use a fixed clock).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac

#: 32 characters: digits 2-9 and A-Z without I and O
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 6
#: seconds a code is shown
PERIOD = 30
#: periods accepted: the current one and the one before
ACCEPTED_PERIODS = 2


def period(now: dt.datetime) -> int:
    return int(now.timestamp()) // PERIOD


def code_for(secret: str, event_id: int, number: int) -> str:
    digest = hmac.new(secret.encode(), f"{event_id}:{number}".encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(LENGTH):
        value, index = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def current_code(secret: str, event_id: int, now: dt.datetime) -> str:
    return code_for(secret, event_id, period(now))


def seconds_left(now: dt.datetime) -> int:
    """Seconds until the code shown now changes."""
    return PERIOD - int(now.timestamp()) % PERIOD


def normalise(typed: str) -> str:
    """What a person typed, as a code: upper case, spaces and dashes dropped, and the characters the
    alphabet leaves out read as the ones they look like (O -> 0 is not in it either, so O and 0 are
    refused as they are; 1 and I likewise)."""
    return "".join(ch for ch in (typed or "").upper() if ch not in " -\t")


def matches(secret: str, event_id: int, typed: str, now: dt.datetime) -> bool:
    """True when ``typed`` is the code of the current or the previous period (constant time)."""
    code = normalise(typed)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return False
    current = period(now)
    found = False
    for number in range(current - ACCEPTED_PERIODS + 1, current + 1):
        found |= hmac.compare_digest(code_for(secret, event_id, number), code)
    return found
