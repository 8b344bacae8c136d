"""Error pages and the exceptions services raise for views and the CLI to turn into messages."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class ServiceError(Exception):
    """A rule of the domain refused the operation; ``message`` is shown to the user."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):  # type: ignore[no-untyped-def]
        return render_template(
            "errors/error.html",
            code=400,
            title=_("Sesi formulir kedaluwarsa"),
            message=_("Formulir ini sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."),
        ), 400

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):  # type: ignore[no-untyped-def]
        if request.accept_mimetypes.best == "application/json":
            return {"error": err.name, "code": err.code}, err.code
        titles = {
            400: _("Permintaan tidak sah"),
            403: _("Akses ditolak"),
            404: _("Halaman tidak ditemukan"),
            405: _("Metode tidak diizinkan"),
            413: _("Berkas terlalu besar"),
            429: _("Terlalu banyak percobaan"),
        }
        messages = {
            404: _("Halaman atau data yang Anda cari tidak ada, atau Anda tidak berhak melihatnya."),
            413: _("Berkas yang diunggah melebihi batas ukuran."),
            429: _("Terlalu banyak percobaan dari alamat ini. Tunggu beberapa menit lalu coba lagi."),
        }
        code = err.code or 500
        return render_template(
            "errors/error.html",
            code=code,
            title=titles.get(code, err.name),
            message=messages.get(code, ""),
        ), code
