"""Configuration, security headers, and rate limits shared across workers through Redis."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid

import pytest

from elearn import create_app
from elearn.db import db

WORKER = textwrap.dedent(
    """
    import json, sys
    from elearn import create_app
    from elearn.db import Base, db
    from elearn.models import import_all_models

    storage, prefix, url, attempts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    import_all_models()
    app = create_app({"ELEARN_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": url,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": storage,
                      "RATELIMIT_KEY_PREFIX": prefix, "LOGIN_LIMIT_PER_IP": "5 per minute"})
    with app.app_context():
        Base.metadata.create_all(db.engine)
    client = app.test_client()
    codes = [client.post("/masuk", data={"nip": "1", "password": "x"}).status_code for _ in range(attempts)]
    print(json.dumps(codes))
    """
)


def _worker(storage: str, prefix: str, url: str, attempts: int) -> list[int]:
    out = subprocess.run(
        [sys.executable, "-c", WORKER, storage, prefix, url, str(attempts)],
        capture_output=True, text=True, check=True, timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_redis_storage_shares_the_limit_between_workers(tmp_path) -> None:
    """Two processes (like two gunicorn workers) count sign-in attempts together in Redis."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    prefix = f"elearn-test-{uuid.uuid4().hex}"
    first = _worker("redis://127.0.0.1:6379/0", prefix, url, 3)
    second = _worker("redis://127.0.0.1:6379/0", prefix, url, 3)
    assert first == [200, 200, 200]
    assert second == [200, 200, 429]


def test_memory_storage_counts_per_worker(tmp_path) -> None:
    """Why production needs Redis: with memory:// each worker has its own count."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    assert _worker("memory://", "m", url, 3) == [200, 200, 200]
    assert _worker("memory://", "m", url, 3) == [200, 200, 200]


def test_production_requires_a_secret_key(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("ELEARN_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="ELEARN_SECRET_KEY"):
        create_app({"ELEARN_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})


def test_production_requires_the_pakta_chain_key(tmp_path, monkeypatch) -> None:
    """A key generated per machine would differ between app servers: production refuses to start."""
    monkeypatch.setenv("ELEARN_SECRET_KEY", "k" * 64)
    for name in ("ELEARN_PLEDGE_HMAC_KEY", "ELEARN_PLEDGE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    settings = {"ELEARN_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
                "ALLOWED_HOSTS": "elearn.kotacontoh.go.id"}
    with pytest.raises(RuntimeError, match="ELEARN_PLEDGE_HMAC_KEY"):
        create_app(settings)
    key_file = tmp_path / "chain.key"
    key_file.write_text("c" * 64 + "\n")
    prod = create_app({**settings, "PLEDGE_KEY_FILE": str(key_file)})
    from elearn.pledges.keys import key_id, keyring

    assert keyring(prod).current_id == key_id(b"c" * 64)
    db.get_engine(prod).dispose()
    # a key file that cannot be read, or a key too short, stops the start (not the first signer: a 500)
    with pytest.raises(RuntimeError, match="ELEARN_PLEDGE_KEY_FILE cannot be read"):
        create_app({**settings, "PLEDGE_KEY_FILE": str(tmp_path / "hilang.key")})
    with pytest.raises(RuntimeError, match="at least 32 characters"):
        create_app({**settings, "PLEDGE_HMAC_KEY": "pendek"})


def test_production_cookies_are_secure(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ELEARN_SECRET_KEY", "k" * 64)
    prod = create_app({"ELEARN_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
                       "ALLOWED_HOSTS": "elearn.kotacontoh.go.id", "PLEDGE_HMAC_KEY": "h" * 64})
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert prod.config["REMEMBER_COOKIE_SECURE"] is True
    assert prod.config["SESSION_COOKIE_HTTPONLY"] is True
    assert prod.config["SECRET_KEY"] == "k" * 64
    db.get_engine(prod).dispose()


def test_database_url_from_environment(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("ELEARN_DATABASE_URL", url)
    other = create_app({"ELEARN_ENV": "testing", "SECRET_KEY": "x"})
    assert str(db.get_engine(other).url) == url
    db.get_engine(other).dispose()


def test_sqlite_pragmas(tmp_path) -> None:
    from elearn.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    engine.dispose()


def test_security_headers(client) -> None:
    response = client.get("/masuk")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_is_404_in_indonesian(client) -> None:
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)


def test_pledge_reauth_window_from_environment(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("ELEARN_PLEDGE_REAUTH_SECONDS", "0")
    assert create_app({"ELEARN_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": url}).config[
        "PLEDGE_REAUTH_SECONDS"] == 0
    monkeypatch.setenv("ELEARN_PLEDGE_REAUTH_SECONDS", "lima menit")
    with pytest.raises(RuntimeError, match="whole number of seconds"):
        create_app({"ELEARN_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": url})
