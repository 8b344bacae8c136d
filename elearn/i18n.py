"""Language and time zone: Bahasa Indonesia by default, English when chosen."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request
from flask_babel import format_datetime, get_translations
from markupsafe import Markup
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


# --- translations for templates, without flask-babel's per-call lookups ---------------------------------

#: locale -> its catalogue, loaded once per process by flask-babel (catalogues do not change while
#: the app runs; flask-babel keeps the same per-process cache)
_CATALOGUES: dict[object, Any] = {}


def _catalogue() -> Any:
    """The current request's catalogue. flask-babel's ``get_translations()`` walks the app context,
    the domain and the locale selector on every string: about 12 us, and a page shows 20 to 80
    strings. The locale it settled on (``babel_locale``, also what ``force_locale`` sets) keys a
    per-process cache of the same catalogue objects."""
    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        return get_translations()
    catalogue = _CATALOGUES.get(locale)
    if catalogue is None:
        catalogue = _CATALOGUES[locale] = get_translations()
    return catalogue


def _template_gettext(string: str, **variables: Any) -> Markup:
    """``_('...')`` in templates: what Jinja's newstyle ``gettext`` does (the translation as Markup,
    so that only the variables are escaped, then ``%`` with them, always: ``%%`` is a percent sign)
    in one plain call instead of two context calls and a name lookup per string."""
    return Markup(_catalogue().ugettext(string)) % variables


def install_template_gettext(app: Flask) -> None:
    """Replace the callables flask-babel installed into Jinja (same newstyle semantics: autoescape,
    ``%(name)s`` variables) with ones reading :func:`_catalogue`; ``_`` calls them directly. (Every
    template here autoescapes: they are all HTML.)"""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["_"] = _template_gettext
