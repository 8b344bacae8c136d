"""Configuration: defaults, overridden by ``ELEARN_*`` environment variables, then by create_app(config)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

ENV_KEYS = {
    "ELEARN_DATABASE_URL": "DATABASE_URL",
    "ELEARN_SECRET_KEY": "SECRET_KEY",
    "ELEARN_RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "ELEARN_ENV": "ELEARN_ENV",
    "ELEARN_CONTENT_ROOT": "CONTENT_ROOT",
    "ELEARN_QUIZ_ROOT": "QUIZ_ROOT",
    "ELEARN_PLEDGE_ROOT": "PLEDGE_ROOT",
    "ELEARN_CERTIFICATE_ROOT": "CERTIFICATE_ROOT",
    "ELEARN_PUBLIC_BASE_URL": "PUBLIC_BASE_URL",
    "ELEARN_PLEDGE_REAUTH_SECONDS": "PLEDGE_REAUTH_SECONDS",
    "ELEARN_COURSE_IMAGE_MAX_SIDE": "COURSE_IMAGE_MAX_SIDE",
    "ELEARN_COURSE_IMAGE_MAX_PIXELS": "COURSE_IMAGE_MAX_PIXELS",
    "ELEARN_PLEDGE_HMAC_KEY": "PLEDGE_HMAC_KEY",
    "ELEARN_PLEDGE_KEY_FILE": "PLEDGE_KEY_FILE",
    "ELEARN_PLEDGE_CHECKPOINT_KEY_FILE": "PLEDGE_CHECKPOINT_KEY_FILE",
    "ELEARN_CERTIFICATE_KEY_DIR": "CERTIFICATE_KEY_DIR",
    "ELEARN_TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "ELEARN_ALLOWED_HOSTS": "ALLOWED_HOSTS",
    "ELEARN_LOGIN_LIMIT_PER_IP": "LOGIN_LIMIT_PER_IP",
    "ELEARN_VERIFY_UPLOAD_LIMIT_PER_IP": "VERIFY_UPLOAD_LIMIT_PER_IP",
    "ELEARN_ROSTER_MAX_ROWS": "ROSTER_MAX_ROWS",
    "ELEARN_ROSTER_MAX_BYTES": "ROSTER_MAX_BYTES",
    "ELEARN_ROSTER_UPLOAD_RETENTION_HOURS": "ROSTER_UPLOAD_RETENTION_HOURS",
    "ELEARN_SLIPS_PDF_MAX": "SLIPS_PDF_MAX",
    "ELEARN_CERTIFICATE_SIGNING_DIR": "CERTIFICATE_SIGNING_DIR",
    "ELEARN_REKAP_SUMMARY_MAX_AGE_MINUTES": "REKAP_SUMMARY_MAX_AGE_MINUTES",
    "ELEARN_REKAP_SNAPSHOT_MAX_AGE_SECONDS": "REKAP_SNAPSHOT_MAX_AGE_SECONDS",
    "ELEARN_REKAP_RECOUNT_IN_BACKGROUND": "REKAP_RECOUNT_IN_BACKGROUND",
    "ELEARN_LIVE_STATE_CACHE_SECONDS": "LIVE_STATE_CACHE_SECONDS",
    "ELEARN_HEALTHZ_DATABASE_CHECK_SECONDS": "HEALTHZ_DATABASE_CHECK_SECONDS",
}


class DefaultConfig:
    ELEARN_ENV = "production"
    DATABASE_URL: str | None = None
    SECRET_KEY: str | None = None
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    # rate limits: per IP through Flask-Limiter (memory:// per worker; redis:// in production),
    # per account in the database (shared by every worker)
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    LOGIN_LIMIT_PER_IP = "100 per minute;1000 per hour"
    #: wrong check-in codes (/hadir) per signed-in account (GET and POST)
    CHECKIN_LIMIT_PER_ACCOUNT = "10 per minute;60 per hour"
    #: public pages without sign-in (the pakta verification page behind the QR code), per IP
    PUBLIC_LIMIT_PER_IP = "60 per minute;1000 per hour"
    #: the certificate upload check (a PDF parsed and its signature validated: up to seconds of
    #: CPU each), per IP, on top of PUBLIC_LIMIT_PER_IP
    VERIFY_UPLOAD_LIMIT_PER_IP = "10 per minute;100 per hour"
    LOGIN_MAX_FAILURES = 5
    #: signing a pakta integritas within this many seconds of typing the password (sign-in,
    #: activation, password change or an earlier confirmation, in the same session) does not ask for
    #: it again ("recent authentication"); 0: always ask
    PLEDGE_REAUTH_SECONDS = 300
    LOGIN_LOCK_MINUTES = 15
    ACTIVATION_CODE_DAYS = 30
    #: the most slips one PDF may hold (each slip draws a QR code: about 2-3 ms a slip on a small
    #: server, so 2,000 slips take a few seconds); a larger SKPD prints its slips unit by unit
    SLIPS_PDF_MAX = 2000
    #: wrong activation codes typed for one account before its code stops working (HR issues a new
    #: one); the sign-in is not locked by them
    ACTIVATION_MAX_FAILURES = 10
    #: a roster upload's size (the upload route alone accepts a body this large; MAX_CONTENT_LENGTH
    #: bounds every other request): 64 MB is about 450,000 rows of CSV, over a million of XLSX
    ROSTER_MAX_BYTES = 64 * 1024 * 1024
    #: course images (authoring upload, content sync): largest side and pixel count, read from the header
    COURSE_IMAGE_MAX_SIDE = 4096
    COURSE_IMAGE_MAX_PIXELS = 16_000_000
    #: the pakta chain's HMAC key, kept outside the database: the key itself (hex or text) or a file
    #: holding it; in development/testing a key is generated in the instance folder (pledges/keys.py)
    PLEDGE_HMAC_KEY: str | None = None
    PLEDGE_KEY_FILE: str | None = None
    #: the Ed25519 private key (PEM) that signs chain checkpoints; development: generated in the instance folder
    PLEDGE_CHECKPOINT_KEY_FILE: str | None = None
    #: the directory of the Ed25519 keys that sign Open Badges, one sub-directory per instansi
    #: (certificates/badge_keys.py); development: instance/certificate_keys; production: required to sign
    CERTIFICATE_KEY_DIR: str | None = None
    #: rows a roster file may have (title and blank rows included); an XLSX is also bounded by
    #: its unpacked size, compression ratio, columns and cells (elearn.roster.parsing.Limits)
    ROSTER_MAX_ROWS = 1_000_000
    #: uploaded rosters never applied are removed after this many hours (by the worker, and on upload)
    ROSTER_UPLOAD_RETENTION_HOURS = 24
    #: background jobs (flask --app elearn worker): a running job silent this long is queued again;
    #: finished jobs are removed after JOBS_RETENTION_DAYS; housekeeping runs every JOBS_MAINTENANCE_SECONDS
    JOBS_STALE_MINUTES = 30
    JOBS_RETENTION_DAYS = 30
    JOBS_MAINTENANCE_SECONDS = 300
    #: the national roll-up (rekap_summary): the worker's housekeeping queues a refresh of every
    #: instansi whose rows are older than this
    REKAP_SUMMARY_MAX_AGE_MINUTES = 60
    #: the dashboard /rekap/ of a whole instansi (or an operator's SKPD) is served from a snapshot
    #: of its counted figures younger than this (reports.snapshots; "Hitung ulang" recounts now);
    #: 0: count on every request (the TESTING config, unless set explicitly)
    REKAP_SNAPSHOT_MAX_AGE_SECONDS = 300
    #: an older (or stale) snapshot is served while a ``rekap.snapshot`` job of the worker counts
    #: it again, and "Hitung ulang" queues that job: no request pays for counting a whole roster
    #: (only the very first of a selection). False: count in the request (no worker running).
    REKAP_RECOUNT_IN_BACKGROUND = True
    #: a worker reuses an event's live state it read for this long (seconds) when answering the
    #: polls of checked-in phones (events.live.event_state); 0: read it on every poll (TESTING)
    LIVE_STATE_CACHE_SECONDS = 0.5
    #: /healthz checks the database at most this often per worker (seconds) and answers from its last
    #: successful check in between (core/views.py); 0: on every probe (the TESTING config)
    HEALTHZ_DATABASE_CHECK_SECONDS = 1.0
    #: e.g. https://elearn.kotacontoh.go.id: the host the QR codes of signed PDFs point at (None: the
    #: host of the request that makes the PDF)
    PUBLIC_BASE_URL: str | None = None
    #: how many reverse proxies in front of the app append to X-Forwarded-For/-Proto/-Host (nginx
    #: terminating HTTPS: 1). 0: the connecting address is the client (no proxy, or not trusted)
    TRUSTED_PROXIES = 0
    #: host names the app answers to (comma-separated; ``.example.go.id`` also allows its subdomains);
    #: other Host headers get 400. Required in production unless PUBLIC_BASE_URL is set (then its host)
    ALLOWED_HOSTS: str | list[str] | None = None
    #: Strict-Transport-Security on every response in production (HTTPS only, a year)
    HSTS_MAX_AGE = 365 * 24 * 3600
    #: the course folders (content validate/sync); None: courses/ next to the package (a checkout)
    CONTENT_ROOT: str | None = None
    #: the question bank folders (content validate/sync); None: quizzes/ next to the package (a checkout)
    QUIZ_ROOT: str | None = None
    #: the pledge texts (content validate/sync, seed-demo); None: pledges/ next to the package (a checkout)
    PLEDGE_ROOT: str | None = None
    #: the certificate templates (content validate/sync, ensure_current); None: certificates/ next to the
    #: package (a checkout)
    CERTIFICATE_ROOT: str | None = None
    #: completion certificates are PAdES-signed with ``<dir>/<instansi-slug>.p12``, its passphrase in
    #: ELEARN_CERTIFICATE_SIGNING_PASSPHRASE_<SLUG> (slug upper-cased, '-' as '_') or in
    #: CERTIFICATE_SIGNING_PASSPHRASES ({slug: passphrase}); None: development/testing use
    #: instance/certificate-signing, production signs nothing (certificates/signing.py,
    #: README: Certificate signing)
    CERTIFICATE_SIGNING_DIR: str | None = None
    # argon2id, OWASP minimum (about 21 ms per hash on these machines)
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19456
    ARGON2_PARALLELISM = 1


def _instance_secret(app: Flask) -> str:
    """A development key kept in the instance folder, so every worker of one machine shares it."""
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    app.config.from_object(DefaultConfig)
    for env_name, key in ENV_KEYS.items():
        if os.environ.get(env_name):
            app.config[key] = os.environ[env_name]
    if overrides:
        app.config.update(overrides)
    try:
        app.config["PLEDGE_REAUTH_SECONDS"] = max(0, int(app.config["PLEDGE_REAUTH_SECONDS"]))
    except (TypeError, ValueError):
        raise RuntimeError("ELEARN_PLEDGE_REAUTH_SECONDS must be a whole number of seconds (0: always ask "
                           "for the password when signing a pakta)") from None
    try:
        app.config["TRUSTED_PROXIES"] = int(app.config["TRUSTED_PROXIES"])
        if app.config["TRUSTED_PROXIES"] < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise RuntimeError("ELEARN_TRUSTED_PROXIES must be the number of reverse proxies in front of the app "
                           "(0: none, 1: one nginx)") from None
    if app.config.get("TESTING") and "REKAP_SNAPSHOT_MAX_AGE_SECONDS" not in (overrides or {}):
        app.config["REKAP_SNAPSHOT_MAX_AGE_SECONDS"] = 0
    if app.config.get("TESTING") and "LIVE_STATE_CACHE_SECONDS" not in (overrides or {}):
        app.config["LIVE_STATE_CACHE_SECONDS"] = 0
    if app.config.get("TESTING") and "HEALTHZ_DATABASE_CHECK_SECONDS" not in (overrides or {}):
        app.config["HEALTHZ_DATABASE_CHECK_SECONDS"] = 0
    try:
        app.config["HEALTHZ_DATABASE_CHECK_SECONDS"] = max(0.0, min(60.0, float(app.config["HEALTHZ_DATABASE_CHECK_SECONDS"])))
    except (TypeError, ValueError):
        raise RuntimeError("ELEARN_HEALTHZ_DATABASE_CHECK_SECONDS must be a number of seconds (0 to 60)") from None
    background = app.config.get("REKAP_RECOUNT_IN_BACKGROUND", True)
    if isinstance(background, str):
        background = background.strip().lower() in ("1", "true", "yes", "ya", "on")
    app.config["REKAP_RECOUNT_IN_BACKGROUND"] = bool(background)
    try:
        app.config["LIVE_STATE_CACHE_SECONDS"] = max(0.0, min(5.0, float(app.config["LIVE_STATE_CACHE_SECONDS"])))
    except (TypeError, ValueError):
        raise RuntimeError("ELEARN_LIVE_STATE_CACHE_SECONDS must be a number of seconds (0 to 5)") from None
    for key, least in (("REKAP_SNAPSHOT_MAX_AGE_SECONDS", 0), ("ROSTER_MAX_ROWS", 1), ("ROSTER_MAX_BYTES", 1024), ("ROSTER_UPLOAD_RETENTION_HOURS", 0),
                       ("SLIPS_PDF_MAX", 1)):
        try:
            app.config[key] = int(app.config[key])
            if app.config[key] < least:
                raise ValueError
        except (TypeError, ValueError):
            raise RuntimeError(f"ELEARN_{key} must be a whole number of at least {least}") from None
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'elearn.db'}"
    development = app.config["ELEARN_ENV"] in ("development", "testing")
    if not app.config.get("SECRET_KEY"):
        if not development:
            raise RuntimeError(
                "ELEARN_SECRET_KEY is not set. Set it to a long random value in production "
                "(python -c 'import secrets; print(secrets.token_hex(32))'), "
                "or set ELEARN_ENV=development on a development machine."
            )
        app.config["SECRET_KEY"] = _instance_secret(app)
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if key not in (overrides or {}):
            app.config[key] = not development
    _load_allowed_hosts(app, development)
    if not development and not (app.config.get("PLEDGE_HMAC_KEY") or app.config.get("PLEDGE_KEY_FILE")):
        # a key generated per machine would differ between app servers (their MACs would not verify
        # on each other) and would sit next to the app, not where the README says to keep it
        raise RuntimeError(
            "ELEARN_PLEDGE_HMAC_KEY or ELEARN_PLEDGE_KEY_FILE is not set. Production needs the pakta chain "
            "key, the same on every app server and kept away from the database server "
            "(python -c 'import secrets; print(secrets.token_hex(32))'; README: Pakta integritas)."
        )
    if not development:
        # read and checked at start: a missing key file or a short key must stop the start, not
        # answer 500 to the first signer and on the public verification page
        from .pledges.keys import keyring

        try:
            keyring(app)
        except OSError as exc:
            raise RuntimeError(f"ELEARN_PLEDGE_KEY_FILE cannot be read: {exc}") from None


def _load_allowed_hosts(app: Flask, development: bool) -> None:
    """ALLOWED_HOSTS becomes Flask's TRUSTED_HOSTS (a request with another Host header gets 400),
    so no absolute URL (the QR code of a signed PDF, an activation slip) is built from a Host
    header an attacker chose. Production without ALLOWED_HOSTS: the host of PUBLIC_BASE_URL."""
    hosts = app.config.get("ALLOWED_HOSTS")
    if isinstance(hosts, str):
        hosts = [h.strip().lower() for h in hosts.split(",") if h.strip()]
    if not hosts and not development and app.config.get("PUBLIC_BASE_URL"):
        hostname = urlsplit(app.config["PUBLIC_BASE_URL"]).hostname
        hosts = [hostname] if hostname else None
    if not hosts and not development:
        raise RuntimeError(
            "ELEARN_ALLOWED_HOSTS is not set. Set it to the host names of this installation "
            "(e.g. elearn.kotacontoh.go.id), or set ELEARN_PUBLIC_BASE_URL, so links in PDFs and "
            "activation slips never come from a forged Host header."
        )
    app.config["ALLOWED_HOSTS"] = hosts or None
    if hosts:
        app.config["TRUSTED_HOSTS"] = hosts
