"""Language and time zone: Bahasa Indonesia by default, English when chosen."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import format_datetime
from flask_login import current_user

LANG_COOKIE = "elearn_lang"


def select_locale() -> str:
    lang = request.cookies.get(LANG_COOKIE) if request else None
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    user = current_user
    if user and getattr(user, "is_authenticated", False) and user.instansi is not None:
        return user.instansi.timezone.iana
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def local_datetime(value: dt.datetime | None, tz_iana: str | None = None, fmt: str = "medium") -> str:
    """Format a UTC timestamp in the instansi's zone, with the WIB/WITA/WIT suffix."""
    if value is None:
        return ""
    zone = tz_iana or select_timezone()
    suffix = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(zone, zone)
    local = value.astimezone(ZoneInfo(zone))
    return f"{format_datetime(local.replace(tzinfo=None), fmt, rebase=False)} {suffix}"
