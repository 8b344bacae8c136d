"""Error pages and the exceptions services raise for views and the CLI to turn into messages."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, SecurityError


class ServiceError(Exception):
    """A rule of the domain refused the operation; ``message`` is shown to the user."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def code_unavailable(slug: str) -> ServiceError:
    """A code (slug) some row already has. Course, bank, quiz and tag codes are unique across every
    instansi, so the answer is the same whoever owns that row: it never tells that another instansi
    uses the code, nor what that row is."""
    return ServiceError(_("Kode %(slug)s tidak tersedia. Pilih kode lain, misalnya dengan awalan singkatan "
                          "instansi Anda.", slug=slug), "slug_taken")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):  # type: ignore[no-untyped-def]
        return render_template(
            "errors/error.html",
            code=400,
            title=_("Sesi formulir kedaluwarsa"),
            message=_("Formulir ini sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."),
        ), 400

    @app.errorhandler(SecurityError)
    def _untrusted_host(err: SecurityError):  # type: ignore[no-untyped-def]
        """A Host header outside ALLOWED_HOSTS: no URL can be built for it, so a page without the
        layout (its links)."""
        title, message = _("Permintaan tidak sah"), _("Alamat situs ini tidak dikenal oleh server.")
        return (f"<!doctype html><html lang=\"id\"><meta charset=\"utf-8\"><title>{escape(title)}</title>"
                f"<h1>{escape(title)}</h1><p>{escape(message)}</p></html>"), 400

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):  # type: ignore[no-untyped-def]
        # the exception's own headers (Allow on 405), not its HTML content type
        headers = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
        if request.accept_mimetypes.best == "application/json":
            return {"error": err.name, "code": err.code}, err.code, headers
        titles = {
            400: _("Permintaan tidak sah"),
            403: _("Akses ditolak"),
            404: _("Halaman tidak ditemukan"),
            405: _("Metode tidak diizinkan"),
            413: _("Berkas terlalu besar"),
            429: _("Terlalu banyak percobaan"),
        }
        messages = {
            400: _("Alamat atau isian yang dikirim memuat data yang tidak sah. Periksa kembali lalu coba lagi."),
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
        ), code, headers
