"""Flask extensions, created unbound and bound in create_app()."""
from __future__ import annotations

from typing import Any

from flask import Response, current_app, g
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
#: keyed on request.remote_addr: the client's address once ProxyFix (ELEARN_TRUSTED_PROXIES) has
#: read it from X-Forwarded-For
limiter = Limiter(key_func=get_remote_address, default_limits=[])


# --- the per-IP limit on guessing passwords (sign-in, activation, the pakta confirmation) -----------

def mark_password_refused() -> None:
    """This request typed a wrong password (or activation code): the per-IP limit counts it."""
    g.password_refused = True


def _password_was_refused(_response: Response) -> bool:
    return bool(g.get("password_refused"))


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def refused_password_limit(**options: Any) -> Any:
    """``LOGIN_LIMIT_PER_IP`` on a view's POSTs, counting only those that call
    ``mark_password_refused()``: a refused address is still stopped, while a successful sign-in
    costs nothing, so an apel of hundreds behind one NAT address is never throttled."""
    return limiter.limit(_login_limit, methods=["POST"], deduct_when=_password_was_refused, **options)
