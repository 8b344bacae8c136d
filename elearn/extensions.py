"""Flask extensions, created unbound and bound in create_app()."""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, request
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

#: set on a view function by :func:`rate_limit`: the limiter is consulted for its requests only
LIMITED = "_elearn_rate_limited"


def rate_limit(*args: Any, **kwargs: Any) -> Any:
    """``limiter.limit(...)`` for a view, marking it as limited. Only marked views consult the
    limiter (``init_limiter``): there are no default, application or blueprint limits, and asking
    Flask-Limiter on every other request cost about 0.1 ms of each page (issue 14)."""
    decorator = limiter.limit(*args, **kwargs)

    def apply(view: Any) -> Any:
        wrapped = decorator(view)
        setattr(wrapped, LIMITED, True)
        return wrapped

    return apply


def init_limiter(app: Flask) -> None:
    """Bind the limiter and check limits only for views marked by :func:`rate_limit`."""
    limiter.init_app(app)
    hooks = app.before_request_funcs.setdefault(None, [])
    check = limiter._check_request_limit  # the hook Flask-Limiter registers for every request
    if check not in hooks:  # RATELIMIT_ENABLED false: no hook at all
        return
    position = hooks.index(check)

    def check_marked_views() -> None:
        view = app.view_functions.get(request.endpoint or "")
        if view is not None and getattr(view, LIMITED, False):
            limiter._check_request_limit()

    hooks[position] = check_marked_views


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
    return rate_limit(_login_limit, methods=["POST"], deduct_when=_password_was_refused, **options)
