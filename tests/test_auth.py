from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.auth import services
from elearn.db import db, utcnow
from support import TEST_PASSWORD, login


def test_login_with_spaced_nip_and_logout(client, make_user):
    user = make_user()
    spaced = f"{user.employee_number[:8]} {user.employee_number[8:14]} {user.employee_number[14]} {user.employee_number[15:]}"
    response = client.post("/masuk", data={"nip": spaced, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert user.name in home.get_data(as_text=True)
    client.post("/keluar")
    assert client.get("/").status_code == 302


def test_wrong_password_is_generic_and_locks_after_five(client, make_user, app):
    user = make_user()
    for _ in range(4):
        r = client.post("/masuk", data={"nip": user.employee_number, "password": "salah-salah-salah"})
        assert "NIP atau kata sandi salah" in r.get_data(as_text=True)
    r = client.post("/masuk", data={"nip": user.employee_number, "password": "salah-salah-salah"})
    assert r.status_code == 429
    assert "dikunci sementara" in r.get_data(as_text=True)
    # even the right password is refused while locked
    r = client.post("/masuk", data={"nip": user.employee_number, "password": TEST_PASSWORD})
    assert r.status_code == 429
    locked = db.session.get(User, user.id)
    assert locked.locked_until is not None and locked.locked_until > utcnow()


def test_lock_expires(app, make_user):
    user = make_user()
    with app.app_context():
        db.session.get(User, user.id).locked_until = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    with app.test_request_context():
        result = services.authenticate(user.employee_number, TEST_PASSWORD)
    assert result.user is not None


def test_unknown_nip_gets_same_message(client):
    r = client.post("/masuk", data={"nip": "199001012015011001", "password": "apa-saja-123"})
    assert "NIP atau kata sandi salah" in r.get_data(as_text=True)


def test_open_redirect_guard(client, make_user):
    user = make_user()
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        client.post("/keluar")
        r = client.post("/masuk", data={"nip": user.employee_number, "password": TEST_PASSWORD, "next": bad})
        assert r.headers["Location"] == "/", bad
    client.post("/keluar")
    r = client.post("/masuk", data={"nip": user.employee_number, "password": TEST_PASSWORD, "next": "/akun/kata-sandi"})
    assert r.headers["Location"] == "/akun/kata-sandi"


def test_activation_sets_password_once(client, make_user, app):
    user = make_user(password=None)
    with app.app_context():
        code = services.issue_activation_code(db.session.get(User, user.id))
        db.session.commit()
    # not activated yet: sign-in explains what to do
    r = client.post("/masuk", data={"nip": user.employee_number, "password": "apa-saja-123"})
    assert "Aktifkan akun Anda dahulu" in r.get_data(as_text=True)
    r = client.post("/aktivasi", data={"nip": user.employee_number, "code": code.lower(),
                                       "password": "kata-sandi-baru-1", "confirm": "kata-sandi-baru-1"})
    assert r.status_code == 302
    client.post("/keluar")
    # the code is one-time
    r = client.post("/aktivasi", data={"nip": user.employee_number, "code": code,
                                       "password": "kata-sandi-baru-2", "confirm": "kata-sandi-baru-2"})
    assert "tidak cocok" in r.get_data(as_text=True)
    login(client, user, "kata-sandi-baru-1")


def test_activation_rejects_expired_code_and_weak_passwords(client, make_user, app):
    user = make_user(password=None)
    with app.app_context():
        code = services.issue_activation_code(db.session.get(User, user.id))
        db.session.commit()
    r = client.post("/aktivasi", data={"nip": user.employee_number, "code": code,
                                       "password": "pendek", "confirm": "pendek"})
    assert "minimal 10" in r.get_data(as_text=True)
    r = client.post("/aktivasi", data={"nip": user.employee_number, "code": code,
                                       "password": f"x{user.employee_number}", "confirm": f"x{user.employee_number}"})
    assert "tidak boleh memuat NIP" in r.get_data(as_text=True)
    with app.app_context():
        db.session.get(User, user.id).activation_expires_at = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
    r = client.post("/aktivasi", data={"nip": user.employee_number, "code": code,
                                       "password": "kata-sandi-baru-1", "confirm": "kata-sandi-baru-1"})
    assert "kedaluwarsa" in r.get_data(as_text=True)
    assert db.session.get(User, user.id).password_hash is None


def test_reset_ends_other_sessions(client, make_user, app):
    user = make_user()
    login(client, user)
    assert client.get("/").status_code == 200
    with app.app_context():
        services.reset_account(db.session.get(User, user.id))
        db.session.commit()
    assert client.get("/").status_code == 302  # the old session no longer loads


def test_password_hash_is_argon2id(make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")


def test_inactive_user_cannot_sign_in(client, make_user):
    user = make_user(active=False)
    r = client.post("/masuk", data={"nip": user.employee_number, "password": TEST_PASSWORD})
    assert r.status_code == 200
    assert "tidak aktif" in r.get_data(as_text=True)


def test_ip_rate_limit(client, make_user, rate_limited, app):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    try:
        for _ in range(3):
            assert client.post("/masuk", data={"nip": "1", "password": "x"}).status_code == 200
        r = client.post("/masuk", data={"nip": "1", "password": "x"})
        assert r.status_code == 429
        assert "Terlalu banyak percobaan" in r.get_data(as_text=True)
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "100 per minute;1000 per hour"


def test_post_without_csrf_token_is_refused(client, make_user, csrf_enabled):
    user = make_user()
    r = client.post("/masuk", data={"nip": user.employee_number, "password": TEST_PASSWORD})
    assert r.status_code == 400
    assert db.session.scalar(select(User.last_login_at).where(User.id == user.id)) is None


def test_language_switch(client):
    r = client.get("/masuk")
    assert "Kata sandi" in r.get_data(as_text=True)
    r = client.post("/bahasa", data={"lang": "en", "next": "/masuk"})
    assert r.headers["Location"] == "/masuk"
    r = client.get("/masuk")
    assert r.headers.get("Content-Language") in (None, "en")
    assert 'lang="en"' in r.get_data(as_text=True)


def test_roles_exist():
    assert {r.value for r in Role} == {"peserta", "pelatih", "operator_skpd", "admin_bkpsdm", "superadmin"}


def _lock_during_the_check(monkeypatch) -> None:
    """Wrong guesses sent at the same moment lock the account while this request checks the
    (right) password: they passed the lock check before it too."""
    from sqlalchemy import update

    real = services.check_password

    def check_then_locked(user, password):  # type: ignore[no-untyped-def]
        ok = real(user, password)
        db.session.execute(update(User).where(User.id == user.id)
                           .values(locked_until=utcnow() + dt.timedelta(minutes=15), failed_logins=0))
        return ok

    monkeypatch.setattr(services, "check_password", check_then_locked)


def test_a_lock_set_during_the_password_check_refuses_the_sign_in(app, make_user, monkeypatch):
    user = make_user()
    _lock_during_the_check(monkeypatch)
    with app.test_request_context():
        result = services.authenticate(user.employee_number, TEST_PASSWORD)
        assert result.user is None and result.locked_until is not None and "dikunci" in result.error
        db.session.commit()
        row = db.session.get(User, user.id)
        assert row.locked_until is not None and row.last_login_at is None  # the lock stands, no sign-in


def test_a_lock_set_during_the_password_check_refuses_the_confirmation(app, make_user, monkeypatch):
    import pytest

    from elearn.errors import ServiceError

    user = make_user()
    _lock_during_the_check(monkeypatch)
    with app.test_request_context():
        row = db.session.get(User, user.id)
        with pytest.raises(ServiceError) as refused:
            services.confirm_password(row, TEST_PASSWORD)
        assert refused.value.code == "locked"
        assert db.session.get(User, user.id).locked_until is not None


# --- password change, sessions, guessing (issue 10, items 3 and 4) ---------------------------

NEW_PASSWORD = "kopi-tubruk-pagi-hari"


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def _browsers(app, n: int = 2):  # type: ignore[no-untyped-def]
    """Independent clients (browsers). Not pytest-flask's ``client``: it keeps its last request
    context pushed, and a request from another client in the meantime would share its ``g`` (and
    so its signed-in user)."""
    return [app.test_client() for _ in range(n)]


def test_password_change_keeps_this_session_and_ends_the_others(app, make_user):
    user = make_user()
    client, other = _browsers(app)
    login(client, user)
    login(other, user)
    r = client.post("/akun/kata-sandi", data={"current": TEST_PASSWORD, "password": NEW_PASSWORD,
                                               "confirm": NEW_PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert "Kata sandi sudah diganti" in client.get("/").get_data(as_text=True)
    assert _signed_in(client)  # the changing session goes on
    assert not _signed_in(other)  # the other one ended
    client.post("/keluar")
    r = client.post("/masuk", data={"nip": user.employee_number, "password": TEST_PASSWORD})
    assert "NIP atau kata sandi salah" in r.get_data(as_text=True)
    login(client, user, NEW_PASSWORD)


def test_activation_ends_the_other_sessions(app, make_user):
    """A code issued to an activated person (e.g. the demo accounts) lets them set a new password:
    whoever was signed in with the old one is signed out."""
    user = make_user()
    client, other = _browsers(app)
    login(other, user)
    with app.app_context():
        code = services.issue_activation_code(db.session.get(User, user.id))
        db.session.commit()
    r = client.post("/aktivasi", data={"nip": user.employee_number, "code": code, "password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD})
    assert r.status_code == 302
    assert _signed_in(client) and not _signed_in(other)


def test_wrong_current_passwords_count_toward_the_lock_out(app, make_user):
    user = make_user()
    client, elsewhere = _browsers(app)
    login(client, user)
    data = {"current": "bukan-sandi-ini", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for _ in range(4):
        r = client.post("/akun/kata-sandi", data=data)
        assert r.status_code == 200 and "Kata sandi salah" in r.get_data(as_text=True)
    r = client.post("/akun/kata-sandi", data=data)
    assert r.status_code == 429 and "dikunci sementara" in r.get_data(as_text=True)
    # locked: the right current password is refused too, and so is a sign-in elsewhere
    r = client.post("/akun/kata-sandi", data={**data, "current": TEST_PASSWORD})
    assert r.status_code == 429
    assert elsewhere.post("/masuk", data={"nip": user.employee_number, "password": TEST_PASSWORD}).status_code == 429
    with app.app_context():
        assert services.check_password(db.session.get(User, user.id), TEST_PASSWORD)  # unchanged


def test_a_right_current_password_clears_the_failures(client, make_user):
    user = make_user()
    login(client, user)
    client.post("/akun/kata-sandi", data={"current": "bukan-sandi-ini", "password": NEW_PASSWORD,
                                          "confirm": NEW_PASSWORD})
    assert db.session.get(User, user.id).failed_logins == 1
    client.post("/akun/kata-sandi", data={"current": TEST_PASSWORD, "password": NEW_PASSWORD,
                                          "confirm": NEW_PASSWORD})
    assert db.session.get(User, user.id).failed_logins == 0


def test_wrong_current_passwords_are_limited_per_ip(client, make_user, rate_limited, app):
    user = make_user()
    login(client, user)
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    try:
        data = {"current": "bukan-sandi-ini", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        for _ in range(3):
            assert client.post("/akun/kata-sandi", data=data).status_code == 200
        r = client.post("/akun/kata-sandi", data=data)
        assert r.status_code == 429 and "Terlalu banyak percobaan" in r.get_data(as_text=True)
        assert db.session.get(User, user.id).failed_logins == 3  # the fourth was not even checked
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "100 per minute;1000 per hour"


def test_sign_out_ends_a_copied_session_cookie(app, make_user):
    user = make_user()
    client, copy = _browsers(app)
    login(client, user)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    copy.set_cookie(cookie.key, cookie.value)
    assert _signed_in(copy)
    client.post("/keluar")
    assert not _signed_in(client)
    assert not _signed_in(copy)  # the copied cookie no longer loads the account
    login(client, user)  # signing in again works
    assert _signed_in(client)


def test_the_session_check_adds_no_query(client, app, make_user):
    """The generation is compared with the user row flask-login loads anyway: one SELECT of the
    user per request, no other."""
    from sqlalchemy import event

    user = make_user()
    login(client, user)
    statements: list[str] = []
    engine = db.get_engine(app)

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "FROM users" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/akun/kata-sandi").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_csrf_token_is_rotated_at_sign_in(client, make_user, csrf_enabled):
    import re

    user = make_user()
    html = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    with client.session_transaction() as sess:
        before = sess["csrf_token"]
    r = client.post("/masuk", data={"nip": user.employee_number, "password": TEST_PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    client.get("/")
    with client.session_transaction() as sess:
        assert sess.get("csrf_token") not in (None, before)
    # a token from before the sign-in is refused after it
    assert client.post("/keluar", data={"csrf_token": token}).status_code == 400
    assert _signed_in(client)


def test_a_password_change_keeps_the_forms_open_in_other_tabs(client, make_user, csrf_enabled):
    """The same person goes on after a password change: a page opened before it in another tab
    still signs out (the CSRF token is renewed at sign-in only, when the person changes)."""
    import re

    user = make_user()
    page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/masuk", data={"nip": user.employee_number, "password": TEST_PASSWORD, "csrf_token": token})
    html = client.get("/").get_data(as_text=True)  # a tab open with the sign-out button
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = client.post("/akun/kata-sandi", data={"current": TEST_PASSWORD, "password": NEW_PASSWORD,
                                               "confirm": NEW_PASSWORD, "csrf_token": token})
    assert r.status_code == 302 and _signed_in(client)
    assert client.post("/keluar", data={"csrf_token": token}).status_code == 302  # not 400
    assert not _signed_in(client)


def test_unknown_and_not_activated_nips_answer_alike(client, make_user, monkeypatch):
    pending = make_user(password=None)
    unknown = "199001012015011001"
    burned: list[str] = []
    real = services._burn_time
    monkeypatch.setattr(services, "_burn_time", lambda password: (burned.append(password), real(password)))
    answers = []
    for nip in (pending.employee_number, unknown):
        r = client.post("/masuk", data={"nip": nip, "password": "apa-saja-123"})
        answers.append((r.status_code, r.get_data(as_text=True).replace(nip, "NIP")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200 and "NIP atau kata sandi salah" in answers[0][1]
    assert burned == ["apa-saja-123", "apa-saja-123"]  # one argon2 verification each


def test_bad_activation_codes_void_the_code_not_the_sign_in(client, app, make_user):
    user = make_user()  # activated, with a code from a slip
    with app.app_context():
        code = services.issue_activation_code(db.session.get(User, user.id))
        db.session.commit()
    limit = app.config["ACTIVATION_MAX_FAILURES"]
    for _ in range(limit - 1):
        r = client.post("/aktivasi", data={"nip": user.employee_number, "code": "AAAA-BBBB-CCCC",
                                           "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert "tidak cocok" in r.get_data(as_text=True)
    row = db.session.get(User, user.id)
    assert row.locked_until is None and row.failed_logins == 0 and row.activation_code_hash is not None
    login(client, user)  # the sign-in is not locked by bad codes
    client.post("/keluar")
    client.post("/aktivasi", data={"nip": user.employee_number, "code": "AAAA-BBBB-CCCC",
                                   "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert db.session.get(User, user.id).activation_code_hash is None  # the code is void
    r = client.post("/aktivasi", data={"nip": user.employee_number, "code": code,
                                       "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert "tidak cocok" in r.get_data(as_text=True)  # even the right code: HR issues a new one
    with app.app_context():
        fresh = services.issue_activation_code(db.session.get(User, user.id))
        db.session.commit()
    assert db.session.get(User, user.id).activation_failures == 0
    r = client.post("/aktivasi", data={"nip": user.employee_number, "code": fresh,
                                       "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 302
