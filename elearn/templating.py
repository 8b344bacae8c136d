"""Jinja filters and globals shared by every template."""
from __future__ import annotations

import datetime as dt
import functools
import threading
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from babel import numbers
from flask import Flask, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from . import authz
from .accounts.nip import format_nip, mask_employee_number
from .i18n import install_template_gettext, local_datetime


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    install_template_gettext(app)
    app.jinja_env.filters["local_dt"] = local_dt
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["nip"] = format_nip
    app.jinja_env.filters["masked_nip"] = mask_employee_number
    app.jinja_env.filters["full_stop"] = full_stop
    app.jinja_env.globals["authz"] = authz
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["main_nav"] = main_nav
    # flask-babel's number filters, remembered per (language, number, pattern): the item analysis
    # formats hundreds of percentages per page with Babel (tens of microseconds each)
    app.jinja_env.filters["percentformat"] = percent_format
    app.jinja_env.filters["decimalformat"] = decimal_format


#: the zones' abbreviations after a time of day
_ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def long_date(value: dt.date | dt.datetime | None, tz_iana: str | None = None, time: bool = False) -> str:
    """The one date format of the learner's pages (issue 16): "4 Desember 2026", "4 December 2026" in
    English (babel's ``format_date`` in the current language). A timestamp (UTC) is shown on its day
    in ``tz_iana`` (default: the person's instansi's zone); ``time`` adds the time of day and the
    zone: "4 Desember 2026 14.05 WIB" ("4 December 2026 14:05 WIB")."""
    from .i18n import select_timezone
    from .pledges.services import long_date as format_long

    if value is None:
        return ""
    language = str(get_locale() or "id")
    if not isinstance(value, dt.datetime):
        return format_long(value, language)
    zone = tz_iana or select_timezone()
    local = value.astimezone(ZoneInfo(zone))
    text = format_long(local.date(), language)
    if time:
        clock = f"{local:%H.%M}" if language == "id" else f"{local:%H:%M}"
        text = f"{text} {clock} {_ZONE_NAMES.get(zone, zone)}"
    return text


def clock(value: dt.datetime | None, tz_iana: str | None = None) -> str:
    """The time of day of a UTC timestamp in ``tz_iana`` with its zone: "14.05 WIB" ("14:05 WIB")."""
    from .i18n import select_timezone

    if value is None:
        return ""
    zone = tz_iana or select_timezone()
    local = value.astimezone(ZoneInfo(zone))
    text = f"{local:%H.%M}" if str(get_locale() or "id") == "id" else f"{local:%H:%M}"
    return f"{text} {_ZONE_NAMES.get(zone, zone)}"


def local_dt(value: dt.datetime | None, tz_iana: str | None = None, fmt: str | None = None) -> str:
    """Timestamps on every page in the one format of ``long_date`` with the time: "4 Desember 2026 14.05
    WIB" (issue 16). ``fmt="time"``: the time of day only, where the day is already said (an event's end,
    its check-in window, a check-in). ``fmt="weekday"``: the same, after the day's name, for an event's
    heading ("Jumat, 4 Desember 2026 07.30 WITA"). ``fmt="seconds"``: with the seconds, for the audit
    log. Any other ``fmt`` is a Babel pattern."""
    if value is None:
        return ""
    if fmt is None:
        return long_date(value, tz_iana, time=True)
    if fmt == "time":
        return clock(value, tz_iana)
    if fmt == "seconds":  # the audit log: the same, to the second
        from .i18n import select_timezone

        zone = tz_iana or select_timezone()
        local = value.astimezone(ZoneInfo(zone))
        seconds = f"{local:%H.%M.%S}" if str(get_locale() or "id") == "id" else f"{local:%H:%M:%S}"
        return f"{long_date(value, zone)} {seconds} {_ZONE_NAMES.get(zone, zone)}"
    if fmt == "weekday":
        from babel.dates import format_date
        from .i18n import select_timezone

        local = value.astimezone(ZoneInfo(tz_iana or select_timezone()))
        return f"{format_date(local.date(), 'EEEE', locale=get_locale() or 'id')}, {long_date(value, tz_iana, time=True)}"
    return local_datetime(value, tz_iana, fmt)


def full_stop(text: str) -> str:
    """End a sentence with a full stop, unless it ends with one already (or ``!``/``?``): a name
    with an academic title, "Dr. Budi, S.H.", closes the sentence itself, never with "..".
    Keeps Markup (a translated template string) as Markup."""
    stripped = text.rstrip()
    if not stripped or stripped.endswith((".", "!", "?", "…")):
        return stripped
    return stripped + "."


def percent_format(number: Any, format: str | None = None) -> str:  # noqa: A002 (flask-babel's name)
    return _number(get_locale(), "percent", number, format)


def decimal_format(number: Any, format: str | None = None) -> str:  # noqa: A002
    return _number(get_locale(), "decimal", number, format)


@functools.lru_cache(maxsize=16384)
def _number(locale: Any, kind: str, number: Any, pattern: str | None) -> str:
    """flask-babel's ``format_percent``/``format_decimal`` for ``locale``: a pure function, kept."""
    if kind == "percent":
        return numbers.format_percent(number, format=pattern, locale=locale)
    return numbers.format_decimal(number, format=pattern, locale=locale)


# --- the main menu, rendered once per process for each kind of person ----------------------------------


class NavFlags(NamedTuple):
    """Everything the main menu depends on besides the language: which links the person may open."""

    instansi: bool
    events: bool
    hr: bool
    campaigns: bool
    certificate_reports: bool
    author: bool
    analysis: bool
    admin: bool


def nav_flags(user: Any) -> NavFlags:
    return NavFlags(
        instansi=user.instansi_id is not None,
        events=authz.can_create_events(user),
        hr=authz.is_hr(user),
        campaigns=authz.can_view_campaigns(user),
        certificate_reports=authz.can_view_certificate_reports(user),
        author=authz.can_author_content(user),
        analysis=authz.can_analyse_quizzes(user),
        admin=authz.is_admin(user),
    )


class NavParts(NamedTuple):
    """The menu's HTML around the place of the sign-out form (base.html puts the form, with this
    session's CSRF token, between them)."""

    head: Markup
    tail: Markup


#: the place of the sign-out form in _nav.html
_LOGOUT_SLOT = "<!--LOGOUT-->"

#: (language, application root, flags) -> the menu's HTML. At most 2 languages x a few roots x the
#: handful of flag combinations the roles produce; nothing personal is in it (the sign-out form
#: with its CSRF token stays in base.html).
_NAV: dict[tuple[str, str, NavFlags], NavParts] = {}
_NAV_LOCK = threading.Lock()


def main_nav() -> NavParts:
    """The main menu for the signed-in person (templates/_nav.html), in two parts around the
    sign-out form. Rendering it took about a quarter of a millisecond on every page (a dozen links,
    their labels translated one by one); it only depends on the language and on what the person's
    role may open, so each combination is rendered once per process (issue 14)."""
    # (the person itself, not the proxy: every attribute read through current_user costs a lookup)
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    key = (str(get_locale()), request.script_root, nav_flags(user))
    parts = _NAV.get(key)
    if parts is None:
        head, tail = render_template("_nav.html", flags=key[2]).split(_LOGOUT_SLOT)
        parts = NavParts(Markup(head), Markup(tail))
        with _NAV_LOCK:
            _NAV[key] = parts
    return parts
