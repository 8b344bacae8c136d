"""Browser tests: Playwright (sync API) driving Debian's chromium against a real server.

Run with ``pytest -m browser``; the normal run deselects them. The app is served by werkzeug
from a background thread and has its OWN database (the server thread must see committed
data, so the SAVEPOINT isolation of tests/conftest.py cannot be used): a fresh SQLite file,
or, when ELEARN_TEST_DATABASE_URL points at PostgreSQL, a fresh database created on that
server and dropped afterwards. The fixtures below replace tests/conftest.py's ``app`` and
its autouse fixtures for this folder.

Never run ``playwright install``: the tests use /usr/bin/chromium.
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from elearn import create_app
from elearn.accounts.models import EmployeeType, Role, User
from elearn.auth import services as auth_services
from elearn.db import Base, db
from elearn.demo import data as demo_data
from elearn.demo import services as demo_services
from elearn.models import import_all_models
from elearn.org.models import Unit

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "tests" / "vendor" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}
#: every demo account gets this password
PASSWORD = "sandi-uji-browser-1"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


# --- the app, its own database, and a real server ----------------------------------------------


@pytest.fixture(scope="session")
def browser_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("ELEARN_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'elearn-browser.db'}"
        return
    name = f"elearn_browser_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def app(browser_database_url: str) -> Iterator[Flask]:
    """Overrides tests/conftest.py's ``app``: no SAVEPOINTs, real commits, CSRF on."""
    import_all_models()
    application = create_app(
        {
            "ELEARN_ENV": "testing",
            "SECRET_KEY": "browser-test-secret",
            "DATABASE_URL": browser_database_url,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 64,
            # sign-in is tried many times from 127.0.0.1 within a minute
            "RATELIMIT_ENABLED": False,
        }
    )
    engine = db.get_engine(application)
    with engine.begin() as conn:
        Base.metadata.create_all(conn)
    yield application
    db.session.remove()
    engine.dispose()


@pytest.fixture(autouse=True)
def _isolated_session() -> None:
    """Overrides tests/conftest.py's per-test SAVEPOINT: the server thread must see commits."""


@pytest.fixture(autouse=True)
def _push_request_context() -> None:
    """No request context is pushed around browser tests."""


@pytest.fixture(scope="session")
def base_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="elearn-browser-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


# --- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    nip: str
    name: str
    password: str = PASSWORD


@pytest.fixture(scope="session")
def demo(app: Flask) -> dict[Role, Account]:
    """A small demo instansi (the seed-demo service) with one account per role."""
    with app.app_context():
        result = demo_services.seed_demo(people=400, password=PASSWORD)
        db.session.commit()
        return {a.role: Account(a.employee_number, a.name) for a in result.accounts}


_activation_seq = iter(range(101, 999))


@pytest.fixture
def activation_person(app: Flask, demo: dict[Role, Account]) -> dict[str, str]:
    """A teacher who has not activated yet, with a fresh activation code issued by HR."""
    with app.app_context():
        sd = db.session.scalar(select(Unit).where(Unit.name == demo_data.FIRST_SD))
        assert sd is not None
        nip = f"199104172016092{next(_activation_seq):03d}"
        assert db.session.scalar(select(User.id).where(User.employee_number == nip)) is None
        user = User(employee_number=nip, employee_type=EmployeeType.PNS, name="Ratna Sari Dewi, S.Pd.",
                    golongan="III/b", jabatan="Guru Kelas Ahli Pertama", role=Role.PESERTA,
                    instansi_id=sd.instansi_id, unit_id=sd.id)
        db.session.add(user)
        code = auth_services.issue_activation_code(user)
        db.session.commit()
        return {"nip": nip, "code": code, "name": user.name}


# --- the browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A phone-sized page in a fresh context (no cookies). CSP is bypassed only so that axe-core
    can be injected; the app's own pages never need it."""
    context = browser.new_context(base_url=base_url, bypass_csp=True, **PHONE)
    context.set_default_timeout(10_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


# --- checks --------------------------------------------------------------------------------------


def axe_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: tags})", AXE_TAGS
    )
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(map(str, node["target"])) for node in v["nodes"]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{v.get('helpUrl', '')}]\n    on: "
                     + json.dumps(targets, ensure_ascii=False))
    return "\n".join(lines)


def check_layout_and_axe(page: Page, label: str, phone: bool = True) -> None:
    """Screenshot ``page``; on a phone, fail on sideways scrolling at 360 px; fail on any
    serious/critical axe violation. (For pages of contexts a test makes itself, e.g. a projector.)"""
    page.wait_for_load_state("load")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{label}.png"), full_page=True)
    if phone:
        widths = page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
        )
        assert widths["inner"] == 360, f"{label}: layout viewport widened to {widths['inner']} px"
        assert widths["scroll"] <= widths["inner"], f"{label}: sideways scrolling ({widths})"
    violations = axe_violations(page)
    assert not violations, f"{label}: accessibility violations:\n{describe(violations)}"


@pytest.fixture
def check_page(page: Page) -> Callable[[str], None]:
    """Screenshot the page, fail on sideways scrolling at 360 px or any serious/critical axe violation."""

    def check(label: str) -> None:
        check_layout_and_axe(page, label)

    return check


@pytest.fixture
def check_any() -> Callable[..., None]:
    """``check(page, label, phone=True)``: ``check_page`` for any page (another context's)."""
    return check_layout_and_axe


@pytest.fixture
def phone_without_js(browser: Browser, base_url: str) -> Iterator[Callable[[str, str], Page]]:
    """``open(nip, password)``: a 360 px page with JavaScript off, signed in (plain form posts only)."""
    contexts = []

    def open_page(nip: str, password: str) -> Page:
        context = browser.new_context(base_url=base_url, java_script_enabled=False,
                                      viewport={"width": 360, "height": 640}, is_mobile=True)
        contexts.append(context)
        pg = context.new_page()
        pg.goto("/masuk")
        pg.get_by_label("NIP / NI PPPK").fill(nip)
        pg.get_by_label("Kata sandi", exact=True).fill(password)
        pg.get_by_role("button", name="Masuk", exact=True).click()
        return pg

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in(page: Page) -> Callable[[str, str], None]:
    def do(nip: str, password: str) -> None:
        page.goto("/masuk")
        page.get_by_label("NIP / NI PPPK").fill(nip)
        page.get_by_label("Kata sandi", exact=True).fill(password)
        page.get_by_role("button", name="Masuk", exact=True).click()
        page.wait_for_load_state("load")

    return do
