"""Passwords, activation codes, sign-in with per-account lock-out.

Activation codes are long random strings, so a fast SHA-256 of the code is enough to
store them (argon2 is for human-chosen passwords); issuing thousands of codes for a
roster therefore takes milliseconds, and the import never hashes a password per row.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, session
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from ..accounts.models import User
from ..accounts.nip import normalize
from ..db import db, utcnow
from ..errors import ServiceError
from . import passwords

#: no 0/O, 1/I/L: the code is read off paper and typed on a phone
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
MIN_PASSWORD_LENGTH = 10


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


# A hash of a fixed password, verified when the account does not exist, so response times
# don't reveal which NIPs have accounts.
_DUMMY_HASH: dict[str, str] = {}


def _burn_time(password: str) -> None:
    key = "dummy"
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_password("elearn-dummy-password")
    try:
        _hasher().verify(_DUMMY_HASH[key], password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        pass


def new_password_problems(password: str, confirm: str, user: User | None, *,
                          employee_number: str = "") -> list[tuple[str, str, str]]:
    """Every problem of a new password at once, as (field, message, code) with field ``password``
    or ``confirm``: the confirmation differs, too short, contains the NIP, too easy to guess (asked
    only when it is long enough and free of the NIP: that answer would repeat them).

    ``user`` None: the account is not known to the caller (an activation whose code was refused);
    the rules then use only ``employee_number`` as typed, never the data of an account with that
    number, so the answer reveals nothing about whether it exists."""
    problems: list[tuple[str, str, str]] = []
    if password != confirm:
        problems.append(("confirm", _("Kedua kata sandi tidak sama."), "password_mismatch"))
    number = user.employee_number if user is not None else employee_number
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(("password", _("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH),
                         "password_short"))
    elif number and number in password.replace(" ", ""):
        problems.append(("password", _("Kata sandi tidak boleh memuat NIP Anda."), "password_contains_nip"))
    else:
        weak = passwords.weakness(password, user, employee_number=number)
        if weak is not None:
            problems.append(("password", weak, "password_weak"))
    return problems


def validate_new_password(password: str, confirm: str, user: User) -> None:
    """Raise a ServiceError with the first problem of ``new_password_problems`` (the password
    change and the command line)."""
    problems = new_password_problems(password, confirm, user)
    if problems:
        _field, message, code = problems[0]
        raise ServiceError(message, code)


def set_password(user: User, password: str, *, password_hash: str | None = None) -> None:
    """Store a new password (``password_hash``: already hashed by the caller) and end other sessions
    (the session that set it signs in again with the new generation: ``login_user``)."""
    user.password_hash = password_hash or hash_password(password)
    user.activation_code_hash = None
    user.activation_expires_at = None
    user.activation_failures = 0
    user.failed_logins = 0
    user.locked_until = None
    bump_session_version(user)


def bump_session_version(user: User) -> None:
    """End every session of the account: the generation goes up by one in SQL (a bump by a request
    at the same moment is never lost, so no session survives a reset or a sign-out by racing it).
    Flushes; reading ``user.session_version`` afterwards loads the new value."""
    user.session_version = User.session_version + 1
    db.session.flush()


def end_all_sessions(user: User) -> None:
    """Sign-out: bump the account's session generation, so every session cookie of the account,
    this one and any copy of it, stops loading (incremented in SQL; flushes).

    The generation is part of the id flask-login keeps in the session cookie and is compared with
    the user row it loads on every request anyway, so the check costs no query. Ending only the
    session that signs out would need a table of sessions and a query per request: signing out
    ends the account's other sessions too (the phone, the shared computer at an apel)."""
    bump_session_version(user)


# --- activation codes ----------------------------------------------------------------------


def new_activation_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def hash_code(code: str) -> str:
    cleaned = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(cleaned.encode()).hexdigest()


def issue_activation_code(user: User, *, now: dt.datetime | None = None) -> str:
    """Give the person a fresh one-time code (any earlier code stops working). Flushes nothing."""
    now = now or utcnow()
    code = new_activation_code()
    user.activation_code_hash = hash_code(code)
    user.activation_expires_at = now + dt.timedelta(days=current_app.config["ACTIVATION_CODE_DAYS"])
    user.activation_failures = 0
    return format_code(code)


def reset_account(user: User) -> str:
    """HR reset: the password stops working, other sessions end, a new activation code is issued."""
    user.password_hash = None
    user.failed_logins = 0
    user.locked_until = None
    bump_session_version(user)
    return issue_activation_code(user)


# --- sign-in -------------------------------------------------------------------------------


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None
    locked_until: dt.datetime | None = None


def find_by_employee_number(raw: str) -> User | None:
    number = normalize(raw).upper()
    if not number:
        return None
    return db.session.scalar(select(User).where(User.employee_number == number))


def _lock_message(until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() // 60) + 1)
    return _(
        "Akun ini dikunci sementara karena terlalu banyak percobaan masuk yang gagal. "
        "Coba lagi dalam %(minutes)d menit, atau minta operator SKPD Anda mengatur ulang akun.",
        minutes=minutes,
    )


def end_read_before_write() -> None:
    """Call between a slow check (a password hash) and the writes that follow it: commits the
    transaction that read the account, so the writes start a new one.

    SQLite lets one connection write at a time; a transaction that has read cannot start writing
    once another connection committed after its read began ("database is locked" at once: its
    snapshot is stale, and busy_timeout does not apply). A transaction whose first statement is the
    write simply waits its turn. A whole apel signing in within the same second depends on this.
    (Harmless on PostgreSQL.) Commits whatever the caller has pending: call it only where nothing
    is, as in the sign-in, activation and password confirmation here."""
    db.session.commit()


def record_failure(user: User, now: dt.datetime) -> bool:
    """Count a wrong password or activation code against the account; after LOGIN_MAX_FAILURES the
    account is locked for LOGIN_LOCK_MINUTES (and the count starts again). True when it just locked.
    The count is incremented in SQL (two wrong passwords at once both count)."""
    cfg = current_app.config
    user.failed_logins = User.failed_logins + 1
    db.session.flush()
    if user.failed_logins >= cfg["LOGIN_MAX_FAILURES"]:
        user.locked_until = now + dt.timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0
        return True
    return False


def record_code_failure(user: User) -> bool:
    """Count a wrong activation code against the account's current code (not its sign-in); after
    ACTIVATION_MAX_FAILURES the code stops working and HR issues a new one. True when it was just
    voided. Incremented in SQL, like ``record_failure``."""
    user.activation_failures = User.activation_failures + 1
    db.session.flush()
    if user.activation_failures >= current_app.config["ACTIVATION_MAX_FAILURES"]:
        user.activation_code_hash = None
        user.activation_expires_at = None
        user.activation_failures = 0
        return True
    return False


def clear_failures_unless_locked(user: User, now: dt.datetime, **values: object) -> dt.datetime | None:
    """After a right password: reset the failure count (and write ``values``) in one conditional
    statement, unless the account was locked meanwhile by wrong guesses sent at the same moment
    (they passed the lock check before the slow password check too). Returns None on success, or
    the lock's end (nothing written). Without this, parallel guesses would get past the lock-out."""
    not_locked = or_(User.locked_until.is_(None), User.locked_until <= now)
    result = db.session.execute(
        update(User).where(User.id == user.id, not_locked)
        .values(failed_logins=0, locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user)
    if result.rowcount:
        return None
    return user.locked_until or now


#: session key: [user id, UTC epoch seconds] of the last time this session proved the password
PASSWORD_PROOF_KEY = "_password_at"


def mark_password_proved(user: User, now: dt.datetime | None = None) -> None:
    """Remember in the (signed) session cookie that ``user`` typed the right password just now:
    after sign-in, activation, a password change and a confirmation on the signing page."""
    session[PASSWORD_PROOF_KEY] = [user.id, int((now or utcnow()).timestamp())]


def forget_password_proof() -> None:
    session.pop(PASSWORD_PROOF_KEY, None)


def password_proved_at(user: User, now: dt.datetime | None = None) -> dt.datetime | None:
    """When this session last proved ``user``'s password, if that is at most PLEDGE_REAUTH_SECONDS
    ago (the "recent authentication" window); None otherwise (also when the window is 0, when the
    proof belongs to another account or lies in the future, and while the account is locked)."""
    window = int(current_app.config["PLEDGE_REAUTH_SECONDS"])
    proof = session.get(PASSWORD_PROOF_KEY)
    if window <= 0 or not isinstance(proof, list) or len(proof) != 2:
        return None
    user_id, at = proof
    if user_id != user.id or not isinstance(at, int):
        return None
    now = now or utcnow()
    if user.locked_until is not None and user.locked_until > now:
        return None  # someone is guessing this password: ask it (confirm_password refuses while locked)
    age = now.timestamp() - at
    if not 0 <= age <= window:
        return None
    return dt.datetime.fromtimestamp(at, dt.timezone.utc)


def confirm_password(user: User, password: str, *, now: dt.datetime | None = None) -> None:
    """A signed-in person types their password again (before signing a pakta integritas). Wrong
    passwords count toward the same lock-out as sign-in, and a locked account is refused even with
    the right password. Raises ServiceError ``wrong_password`` or ``locked``; the caller commits
    in both cases so the count is kept."""
    now = now or utcnow()
    if user.locked_until is not None and user.locked_until > now:
        raise ServiceError(_lock_message(user.locked_until, now), "locked")
    ok = check_password(user, password or "")
    end_read_before_write()
    if not ok:
        if record_failure(user, now):
            assert user.locked_until is not None
            raise ServiceError(_lock_message(user.locked_until, now), "locked")
        raise ServiceError(_("Kata sandi salah. Ketik kata sandi yang Anda pakai untuk masuk."), "wrong_password")
    locked_until = clear_failures_unless_locked(user, now)
    if locked_until is not None:
        raise ServiceError(_lock_message(locked_until, now), "locked")


def authenticate(raw_number: str, password: str, *, now: dt.datetime | None = None) -> LoginResult:
    """Check NIP + password, counting failures per account in the database (shared by workers)."""
    now = now or utcnow()
    user = find_by_employee_number(raw_number)
    # the same answer (message, status, one argon2 verification) for an unknown NIP and for an
    # account not activated yet, so that NIPs cannot be enumerated
    generic = _(
        "NIP atau kata sandi salah. Belum pernah masuk? Aktifkan akun Anda dahulu dengan kode aktivasi "
        "dari operator SKPD pada halaman Aktivasi."
    )
    if user is None or not user.is_activated:
        _burn_time(password)
        return LoginResult(None, generic)
    if user.locked_until is not None and user.locked_until > now:
        return LoginResult(None, _lock_message(user.locked_until, now), user.locked_until)
    ok = check_password(user, password)
    end_read_before_write()
    if not ok:
        if record_failure(user, now):
            assert user.locked_until is not None
            return LoginResult(None, _lock_message(user.locked_until, now), user.locked_until)
        return LoginResult(None, generic)
    if not user.active:
        return LoginResult(None, _("Akun ini tidak aktif. Hubungi operator SKPD atau BKPSDM."))
    locked_until = clear_failures_unless_locked(user, now, last_login_at=now)
    if locked_until is not None:
        return LoginResult(None, _lock_message(locked_until, now), locked_until)
    return LoginResult(user)


class ActivationRefused(ServiceError):
    """Every reason an activation was refused, at once. ``problems``: (field, message, code), field
    one of ``nip``, ``code``, ``password``, ``confirm`` or None (the account as a whole);
    ``message``/``code`` are the first problem's. ``guessed``: a wrong or void code was typed
    (counted against the code once; the per-IP limit counts it too). ``counted``: the per-IP limit
    counts this refusal: a guess, or a typed new password judged without a right code (the
    strength estimate costs tens of milliseconds: nobody may ask for it without end)."""

    ORDER = (None, "nip", "code", "password", "confirm")

    def __init__(self, problems: list[tuple[str | None, str, str]], *, judged_blind: bool = False) -> None:
        problems = sorted(problems, key=lambda p: self.ORDER.index(p[0]))  # in the order of the form
        super().__init__(problems[0][1], problems[0][2])
        self.problems = problems
        self.guessed = any(code == "bad_code" for _field, _message, code in problems)
        self.counted = self.guessed or judged_blind

    def messages(self, field: str | None) -> list[str]:
        return [message for f, message, _code in self.problems if f == field]


def activate(raw_number: str, code: str, password: str, confirm: str, *, now: dt.datetime | None = None) -> User:
    """First sign-in: a valid, unexpired activation code lets the person set a password.

    Every problem is reported at once (``ActivationRefused``): the code is checked and the new
    password too, whatever the other answers; a missing value is a problem of its own. Wrong codes
    count against the code (``record_code_failure``, once per attempt), not the sign-in: nobody can
    lock someone else's account by typing bad codes, and guessing a code ends with the code void. An
    unknown NIP, an account without a code and a void code get the same answer, and the password
    rules then use only the number as typed (``new_password_problems`` without the account)."""
    now = now or utcnow()
    problems: list[tuple[str | None, str, str]] = []
    number = normalize(raw_number or "").upper()
    user = None
    if not number:
        problems.append(("nip", _("Isi NIP atau NI PPPK Anda."), "missing_nip"))
    if not (code or "").strip():
        problems.append(("code", _("Isi kode aktivasi dari slip."), "missing_code"))
    if number and (code or "").strip():
        user = find_by_employee_number(number)
        if user is None or user.activation_code_hash is None:
            user = None
        elif not hmac.compare_digest(user.activation_code_hash, hash_code(code)) or (
            user.activation_expires_at is not None and user.activation_expires_at < now
        ):
            end_read_before_write()  # as for a wrong password: other activations commit meanwhile (SQLite)
            record_code_failure(user)
            user = None
        if user is None:
            problems.append(("code", _("NIP atau kode aktivasi tidak cocok, atau kode sudah kedaluwarsa. "
                                       "Minta kode baru ke operator SKPD."), "bad_code"))
        elif not user.active:
            raise ActivationRefused([(None, _("Akun ini tidak aktif. Hubungi operator SKPD atau BKPSDM."), "inactive")])
    if not password:
        problems.append(("password", _("Buat kata sandi baru."), "missing_password"))
    if not confirm:
        problems.append(("confirm", _("Ketik kata sandi baru sekali lagi."), "missing_confirm"))
    if password:  # (an empty confirmation is reported above, not as a mismatch)
        problems.extend(new_password_problems(password, confirm or password, user, employee_number=number))
    if problems or user is None:
        raise ActivationRefused(problems, judged_blind=bool(password) and user is None)
    password_hash = hash_password(password)
    end_read_before_write()
    set_password(user, password, password_hash=password_hash)
    user.last_login_at = now
    return user


def change_password(user: User, current: str, password: str, confirm: str, *, now: dt.datetime | None = None) -> None:
    """A signed-in person sets a new password. The current password is checked like a sign-in's
    (``confirm_password``: wrong ones count toward the account's lock-out, a locked account is
    refused); the caller commits also on ServiceError ``wrong_password``/``locked`` so the count is
    kept. The new password is checked and hashed first, so no write waits for a hash."""
    validate_new_password(password, confirm, user)
    password_hash = hash_password(password)
    confirm_password(user, current, now=now)
    set_password(user, password, password_hash=password_hash)
