"""Behind a reverse proxy (ELEARN_TRUSTED_PROXIES) and one NAT address (an apel): the real client's
address reaches the audit log, the pakta records and the per-IP limits, and successful sign-ins do
not use up the per-IP budget of refused ones."""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from elearn import create_app
from elearn.accounts.models import Role, User
from elearn.audit.models import AuditEvent
from elearn.auth import services as auth_services
from elearn.db import db
from elearn.extensions import limiter
from elearn.pledges.models import PledgeSignature

from pledge_support import make_campaign
from support import TEST_PASSWORD, login, make_nip

PROXY = "10.0.0.2"
CLIENT = "203.0.113.7"
OTHER_CLIENT = "198.51.100.9"
_addresses = itertools.count(1)


@pytest.fixture
def proxied(app: Flask) -> Iterator[Flask]:
    """The same application built with ELEARN_TRUSTED_PROXIES=1 (one nginx in front)."""
    config = {key: app.config[key] for key in ("ELEARN_ENV", "TESTING", "SECRET_KEY", "DATABASE_URL",
                                               "WTF_CSRF_ENABLED", "ARGON2_TIME_COST", "ARGON2_MEMORY_COST")}
    # (RATELIMIT_ENABLED: Flask-Limiter hooks into an app only when enabled at init; like the session
    # app, it is then switched off, and tests opt in with ``rate_limited``)
    proxied_app = create_app({**config, "SERVER_NAME": None, "TRUSTED_PROXIES": "1", "RATELIMIT_ENABLED": True})
    limiter.enabled = False
    yield proxied_app
    db.get_engine(proxied_app).dispose()


def via_proxy(proxied_app: Flask, client_address: str) -> FlaskClient:
    """A browser at ``client_address`` whose requests arrive from the proxy, which appends the
    address it saw to X-Forwarded-For (after whatever the browser itself claimed)."""
    client = proxied_app.test_client()
    client.environ_base.update({
        "REMOTE_ADDR": PROXY,
        "HTTP_X_FORWARDED_FOR": f"6.6.6.6, {client_address}",
        "HTTP_X_FORWARDED_PROTO": "https",
    })
    return client


def test_without_trusted_proxies_forwarded_headers_are_ignored(client, make_user, make_unit, app) -> None:
    """The default (0): a client cannot choose its address by sending X-Forwarded-For."""
    admin = make_user(Role.ADMIN_BKPSDM)
    login(client, admin)
    client.environ_base["HTTP_X_FORWARDED_FOR"] = CLIENT
    parent = make_unit(instansi=_instansi_of(app, admin))
    assert client.post("/unit/baru", data={"parent_id": parent.id, "name": "Bidang Uji"}).status_code == 302
    assert _last_audit_ip(app) == "127.0.0.1"


def test_audit_log_stores_the_client_behind_the_proxy(proxied, make_user, make_unit, app) -> None:
    admin = make_user(Role.ADMIN_BKPSDM)
    client = via_proxy(proxied, CLIENT)
    login(client, admin)
    parent = make_unit(instansi=_instansi_of(app, admin))
    response = client.post("/unit/baru", data={"parent_id": parent.id, "name": "Bidang Uji"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/unit/")
    assert _last_audit_ip(app) == CLIENT


def test_pakta_record_stores_the_client_behind_the_proxy(proxied, make_user, app) -> None:
    signer = make_user(Role.PESERTA, name="Ahmad Fauzi")
    with app.app_context():
        campaign = make_campaign(signer.instansi_id)
        db.session.commit()
        campaign_id = campaign.id
    client = via_proxy(proxied, CLIENT)
    login(client, signer)
    url = f"/pakta/{campaign_id}/tandatangani"
    page = client.get(url).get_data(as_text=True)
    text_hash = re.search(r'name="text_hash"[^>]*value="([0-9a-f]{64})"', page)
    assert text_hash
    response = client.post(url, data={"method": "typed", "typed_name": "Ahmad Fauzi", "password": TEST_PASSWORD,
                                      "consent": "y", "text_hash": text_hash.group(1)})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(PledgeSignature.ip).where(PledgeSignature.user_id == signer.id)) == CLIENT


def test_the_limit_counts_per_client_behind_the_proxy(proxied, rate_limited) -> None:
    """Two people behind the same proxy: one guessing does not lock the other out."""
    guesser, colleague = via_proxy(proxied, CLIENT), via_proxy(proxied, OTHER_CLIENT)
    proxied.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    for _ in range(3):
        assert _wrong_sign_in(guesser).status_code == 200
    assert _wrong_sign_in(guesser).status_code == 429
    assert _wrong_sign_in(colleague).status_code == 200


# --- an apel: hundreds of people sign in from one NAT address -----------------------------------

APEL_SIZE = 600


@pytest.fixture
def apel(app: Flask, make_unit) -> list[str]:
    """APEL_SIZE activated people of one SKPD (one bulk insert; one password hash shared)."""
    unit = make_unit()
    with app.app_context():
        password_hash = auth_services.hash_password(TEST_PASSWORD)
        numbers = [make_nip() for _ in range(APEL_SIZE)]
        db.session.execute(insert(User), [
            {"employee_number": nip, "name": f"Peserta Apel {i}", "role": Role.PESERTA,
             "instansi_id": unit.instansi_id, "unit_id": unit.id, "password_hash": password_hash}
            for i, nip in enumerate(numbers)
        ])
        db.session.commit()
    return numbers


def test_an_apel_behind_one_address_signs_in_while_guesses_stay_limited(app: Flask, apel: list[str],
                                                                        rate_limited) -> None:
    """600 sign-ins from one address under the default limit, one person in ten mistyping the password
    first (60 refusals in a minute, more than an apel on phones makes): every one of them gets in;
    wrong passwords from that same address are still stopped once the budget is spent."""
    budget = int(app.config["LOGIN_LIMIT_PER_IP"].split(" per minute")[0])
    typos = 0
    statuses = []
    for i, nip in enumerate(apel):
        browser = app.test_client()  # each phone has its own cookie jar; all share the NAT address
        if i % 10 == 0:
            assert browser.post("/masuk", data={"nip": nip, "password": "salah-ketik"}).status_code == 200
            typos += 1
        statuses.append(browser.post("/masuk", data={"nip": nip, "password": TEST_PASSWORD}).status_code)
    assert typos == APEL_SIZE // 10 and typos < budget
    assert statuses == [302] * APEL_SIZE
    guesser = app.test_client()
    for _ in range(budget - typos):
        assert _wrong_sign_in(guesser).status_code == 200
    refused = _wrong_sign_in(guesser)
    assert refused.status_code == 429
    assert "Terlalu banyak percobaan dari alamat ini" in refused.get_data(as_text=True)
    # ... and once the address is stopped, a right password from it waits too (no oracle for guesses)
    assert app.test_client().post("/masuk", data={"nip": apel[1], "password": TEST_PASSWORD}).status_code == 429


def test_activation_counts_wrong_codes_not_refused_new_passwords(app: Flask, client, make_user,
                                                                 rate_limited) -> None:
    """A person retyping a new password the policy refuses (at an apel: many) guesses nothing; a
    wrong activation code does."""
    user = make_user(password=None)
    with app.app_context():
        code = auth_services.issue_activation_code(db.session.get(User, user.id))
        db.session.commit()
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    try:
        mismatch = {"nip": user.employee_number, "code": code, "password": "Kata-sandi-baru-9",
                    "confirm": "Kata-sandi-lain-9"}
        for _ in range(5):
            assert client.post("/aktivasi", data=mismatch).status_code == 200
        wrong_code = {"nip": "199001012015011999", "code": "ZZZZ-ZZZZ", "password": "Kata-sandi-baru-9",
                      "confirm": "Kata-sandi-baru-9"}
        for _ in range(3):
            assert client.post("/aktivasi", data=wrong_code).status_code == 200
        assert client.post("/aktivasi", data=wrong_code).status_code == 429
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "100 per minute;1000 per hour"


# --- helpers ---------------------------------------------------------------------------------------

def _wrong_sign_in(client: FlaskClient) -> Any:
    """A refused sign-in of an unknown NIP (no account gets locked, only the address counts)."""
    return client.post("/masuk", data={"nip": f"19900101201501{next(_addresses) % 10}{next(_addresses):03d}",
                                       "password": "salah-sekali"})


def _instansi_of(app: Flask, user: User) -> Any:
    from elearn.org.models import Instansi

    with app.app_context():
        return db.session.get(Instansi, user.instansi_id)


def _last_audit_ip(app: Flask) -> str | None:
    with app.app_context():
        return db.session.scalar(select(AuditEvent.ip).order_by(AuditEvent.id.desc()).limit(1))


def test_the_login_limit_comes_from_the_environment(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELEARN_LOGIN_LIMIT_PER_IP", "60 per minute;600 per hour")
    monkeypatch.setenv("ELEARN_TRUSTED_PROXIES", "2")
    other = create_app({"ELEARN_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": app.config["DATABASE_URL"]})
    assert other.config["LOGIN_LIMIT_PER_IP"] == "60 per minute;600 per hour"
    assert other.config["TRUSTED_PROXIES"] == 2
    db.get_engine(other).dispose()
    monkeypatch.setenv("ELEARN_TRUSTED_PROXIES", "satu")
    with pytest.raises(RuntimeError, match="ELEARN_TRUSTED_PROXIES"):
        create_app({"ELEARN_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": app.config["DATABASE_URL"]})
