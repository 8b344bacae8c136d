"""Sign-in, activation, sign-out, password change and the language switch."""
from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required, login_user, logout_user


from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..db import db
from ..http_guards import MAX_DB_INT
from ..errors import ServiceError
from ..extensions import mark_password_refused, refused_password_limit
from ..i18n import LANG_COOKIE
from . import services
from .forms import ActivationForm, ChangePasswordForm, LanguageForm, LoginForm

bp = Blueprint("auth", __name__)


def init_login_manager(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")
    manager.login_message_category = "info"
    manager.session_protection = "basic"

    @manager.user_loader
    def _load(user_id: str) -> User | None:
        try:
            raw_id, version = user_id.split(":", 1)
            uid, ver = int(raw_id), int(version)
        except ValueError:
            return None
        if not 0 < uid <= MAX_DB_INT:
            return None
        # a statement built once per process (issue 14: building it took longer than running it)
        user = db.session.execute(_user_by_id(), {"id": uid}).unique().scalar_one_or_none()
        if user is None or user.session_version != ver or not user.active:
            return None
        return user


@functools.cache
def _user_by_id() -> Select[tuple[User]]:
    """Every request's user, with the instansi and unit it loads joined (models.User); the unit's
    own instansi is the person's, found in the session without a second join of it."""
    from ..org.models import Unit

    return select(User).options(joinedload(User.unit).lazyload(Unit.instansi)).where(User.id == bindparam("id"))


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: no scheme, no host, no '//' or backslash tricks."""
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if any(ord(c) < 32 for c in target):
        return None
    return target


def _start_session(user: User, *, new_csrf_token: bool = True) -> None:
    """Sign ``user`` in on this browser with the account's current session generation, with a new
    CSRF token (a token seen before the sign-in is not valid after it). ``new_csrf_token`` False:
    the same person goes on (password change), so the forms open in their other tabs (sign-out, a
    quiz, the pakta) keep working."""
    if new_csrf_token:
        session.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)
        g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)
    login_user(user)
    services.mark_password_proved(user)


@bp.route("/masuk", methods=["GET", "POST"])
@refused_password_limit()
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error, status = None, 200
    if form.validate_on_submit():
        result = services.authenticate(form.nip.data, form.password.data)
        db.session.commit()
        if result.user is not None:
            _start_session(result.user)
            return redirect(safe_next(form.next.data) or url_for("core.home"))
        mark_password_refused()
        error = result.error
        status = 429 if result.locked_until is not None else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/aktivasi", methods=["GET", "POST"])
@refused_password_limit()
def activate():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = ActivationForm()
    next_url = safe_next(request.args.get("next"))
    error = None
    if form.is_submitted():
        # every problem at once: the service checks the code and the new password whatever the
        # form found; a value the form refused (e.g. too long) goes to it as missing, so it never
        # activates with a value the form refused
        form.validate()
        values = {name: "" if form[name].errors else (form[name].data or "")
                  for name in ("nip", "code", "password", "confirm")}
        try:
            user = services.activate(values["nip"], values["code"], values["password"], values["confirm"])
        except services.ActivationRefused as exc:
            db.session.commit()  # keep the failure count
            if exc.counted:  # a wrong code, or a password judged without a right code (not a
                mark_password_refused()  # new password the policy refused after a right code)
            for name in values:
                field = form[name]
                field.errors = [*field.errors, *(m for m in exc.messages(name) if m not in field.errors)]
            error = " ".join(exc.messages(None)) or None
        else:
            db.session.commit()
            _start_session(user)
            flash(_("Akun Anda sudah aktif. Selamat datang!"), "success")
            return redirect(next_url or url_for("core.home"))
    return render_template("auth/activate.html", form=form, error=error, next_url=next_url)


@bp.route("/keluar", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        # end the session on the server side: a copy of this cookie stops working too (and so do
        # the account's other sessions: see services.end_all_sessions)
        services.end_all_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    services.forget_password_proof()
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
@refused_password_limit()
def change_password():  # type: ignore[no-untyped-def]
    user: User = current_user._get_current_object()
    form = ChangePasswordForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current.data, form.password.data, form.confirm.data)
        except ServiceError as exc:
            db.session.commit()  # keep the failure count
            error = exc.message
            if exc.code in ("wrong_password", "locked"):
                mark_password_refused()
                status = 429 if exc.code == "locked" else 200
        else:
            db.session.commit()
            # the session generation changed: this session goes on with it, as the same person
            _start_session(user, new_csrf_token=False)
            flash(_("Kata sandi sudah diganti."), "success")
            return redirect(url_for("core.home"))
    return render_template("auth/change_password.html", form=form, error=error), status


@bp.route("/bahasa", methods=["POST"])
def set_language():  # type: ignore[no-untyped-def]
    form = LanguageForm()
    target = url_for("core.home")
    if form.validate_on_submit():
        target = safe_next(form.next.data) or target
        lang = form.lang.data if form.lang.data in current_app.config["LANGUAGES"] else "id"
        response = redirect(target)
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
        return response
    return redirect(target)


