"""HTTP-level guards shared by every route, wired once by ``init_app`` in create_app():

- ``ProxyFix`` when ``TRUSTED_PROXIES`` > 0: ``request.remote_addr`` (audit log, pakta records, rate
  limits), the scheme and the host come from the X-Forwarded-* headers the trusted proxies append;
- ``<int:...>`` in every route stops at PostgreSQL's INTEGER range: a larger id answers 404 instead
  of reaching the database, which refuses it (500);
- a NUL byte in the path (404) or in the query, a form, a file name or a JSON body (400): both
  databases would be asked to store or compare it, and PostgreSQL refuses text with NUL;
- response headers: HSTS in production, ``Cache-Control: no-store`` on every dynamic response that
  does not opt into caching with a max-age (pages and downloads with personal data stay out of
  shared and browser caches; static files and course images keep theirs). (``Allow`` on 405: the
  error handler, errors.py.)
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, has_request_context, request, url_for
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

F = TypeVar("F", bound=Callable[..., Any])

#: the largest value of a PostgreSQL INTEGER column (every id of the schema)
MAX_DB_INT = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's ``int`` converter with ``max`` defaulting to the database's INTEGER range."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_DB_INT, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def optional_id(value: object) -> int | None:
    """An id sent in a query parameter or a form field (``?skpd=``, a select's value): None when
    empty (nothing chosen), the id when it is ASCII digits within the INTEGER range, else 0, an id
    no row has (so the caller's lookup finds nothing: 404 or "choose from the list", never "nothing
    chosen"). ``int()`` alone lets ``2147483648`` reach the database and ``²`` raise: both 500s."""
    if value is None or isinstance(value, bool):
        return None if value is None else 0
    if isinstance(value, int):
        return value if 0 <= value <= MAX_DB_INT else 0
    text = str(value).strip()
    if not text:
        return None
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_DB_INT)) and int(text) <= MAX_DB_INT:
        return int(text)
    return 0


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint`` for print (a signed PDF's QR code, activation slips): under
    PUBLIC_BASE_URL when configured (the public host, whichever allowed host the request came in
    by), else the current request's host (in ALLOWED_HOSTS in production); outside a request and
    without SERVER_NAME, the path alone."""
    path = url_for(endpoint, **values)
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if base:
        return base + path
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    return path


def init_app(app: Flask) -> None:
    """Call before the blueprints are registered (their rules pick the converter when added)."""
    app.url_map.converters["int"] = BoundedIntConverter
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        # the Host header is the proxy's to pass on (nginx: proxy_set_header Host $host); an
        # X-Forwarded-Host is not trusted: a proxy that does not set it would pass the client's on
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)  # type: ignore[method-assign]
    app.before_request(_body_limit)
    app.before_request(_refuse_nul_bytes)
    app.after_request(_http_headers)


def large_body(config_key: str) -> Callable[[F], F]:
    """Let one view take a request body up to ``config[config_key]`` bytes (plus 1 MB for the rest of
    the form) instead of MAX_CONTENT_LENGTH, which bounds every other request."""
    def mark(view: F) -> F:
        view.large_body = config_key  # type: ignore[attr-defined]
        return view
    return mark


def _body_limit() -> None:
    """Runs before anything reads the body (the NUL check parses forms)."""
    view = current_app.view_functions.get(request.endpoint or "")
    key = getattr(view, "large_body", None)
    if key is not None:
        request.max_content_length = int(current_app.config[key]) + 1024 * 1024


def _has_nul(values: Iterable[str | None]) -> bool:
    return any(value is not None and "\x00" in value for value in values)


def _refuse_nul_bytes() -> None:
    if "\x00" in request.path:
        abort(404)
    if _has_nul(_keys_and_values(request.args)):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH"):
        if request.is_json:
            body = request.get_data(cache=True)
            if b"\x00" in body or b"\\u0000" in body:
                abort(400)
        elif _has_nul(_keys_and_values(request.form)) or _has_nul(
            f.filename for f in request.files.values()
        ):
            abort(400)


def _keys_and_values(data: Any) -> Iterable[str]:
    for key, values in data.lists():
        yield key
        yield from values


def _http_headers(response: Response) -> Response:
    if current_app.config["ELEARN_ENV"] == "production":  # (served over HTTPS; ignored over HTTP)
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={current_app.config['HSTS_MAX_AGE']}; includeSubDomains"
        )
    # (a view opts into caching with a max-age: a course image; send_file's max_age=0 does not)
    cache = response.cache_control
    if request.endpoint != "static" and not cache.max_age and not cache.no_store:
        cache.no_store = True
    return response
