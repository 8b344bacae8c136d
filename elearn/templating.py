"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from . import authz
from .accounts.nip import format_nip, mask_employee_number
from .i18n import install_template_gettext, local_datetime


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    install_template_gettext(app)
    app.jinja_env.filters["local_dt"] = local_datetime
    app.jinja_env.filters["nip"] = format_nip
    app.jinja_env.filters["masked_nip"] = mask_employee_number
    app.jinja_env.globals["authz"] = authz
    app.jinja_env.globals["get_locale"] = get_locale
