"""Test fixtures: one schema per session, every test inside a rolled-back SAVEPOINT.

The database comes from ELEARN_TEST_DATABASE_URL (e.g. postgresql+psycopg://127.0.0.1/test);
without it, an SQLite file in a temporary folder. The same suite runs on both.
"""
from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from elearn import create_app
from elearn.accounts.models import User
from elearn.db import Base, db, utcnow
from elearn.extensions import limiter
from elearn.models import import_all_models
from elearn.org.models import Instansi, Unit

from factories import new_instansi, new_unit, new_user
from support import login, next_seq


def test_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("ELEARN_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'elearn-test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    import_all_models()
    application = create_app(
        {
            "ELEARN_ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": test_database_url(tmp_path_factory),
            "WTF_CSRF_ENABLED": False,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 64,
            "SERVER_NAME": None,
            # never the developer's instance/certificate-signing keys
            "CERTIFICATE_SIGNING_DIR": str(tmp_path_factory.mktemp("certificate-signing")),
        }
    )
    limiter.enabled = False
    with db.get_engine(application).begin() as conn:
        Base.metadata.drop_all(conn)
        Base.metadata.create_all(conn)
    yield application
    db.get_engine(application).dispose()


@pytest.fixture(autouse=True)
def _isolated_session(app: Flask) -> Iterator[None]:
    """Bind the scoped session to one outer transaction; commits (by the app and by the
    factories, which commit like a request would) only release SAVEPOINTs, and the outer
    transaction is rolled back after the test."""
    from elearn.courses import published

    # the per-process cache of course versions is keyed by id, and the rollback below lets SQLite
    # hand the same ids to the next test's rows
    published.forget_all()
    conn = db.get_engine(app).connect()
    outer = conn.begin()
    db.session.remove()
    db.session.configure(bind=conn, join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        db.session.remove()
        outer.rollback()
        conn.close()
        db.session.configure(bind=None, join_transaction_mode="conservative_savepoint")


@pytest.fixture(autouse=True)
def _push_request_context() -> None:
    """Replace pytest-flask's request context per test: each client request gets its own
    app context, as in production, so per-request state (the session, flask-login's
    cached user) does not leak from one request into the next."""


@pytest.fixture
def csrf_enabled(app: Flask) -> Iterator[None]:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def rate_limited(app: Flask) -> Iterator[None]:
    limiter.enabled = True
    limiter.reset()
    try:
        yield
    finally:
        limiter.reset()
        limiter.enabled = False


# --- factories ---------------------------------------------------------------------------

@pytest.fixture
def make_instansi(app: Flask) -> Callable[..., Instansi]:
    return functools.partial(new_instansi, app)


@pytest.fixture
def make_unit(app: Flask) -> Callable[..., Unit]:
    return functools.partial(new_unit, app)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """A person (``new_user``): committed like a request would, so the app sees them. Returns a detached row."""
    return functools.partial(new_user, app)


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[[User], FlaskClient]:
    def do(user: User) -> FlaskClient:
        login(client, user)
        return client

    return do


@pytest.fixture
def make_course(app: Flask) -> Callable[..., Any]:
    """A published course with ``modules`` modules of ``sections`` sections each (HTML already
    rendered). Returns the CourseVersion (detached, with .course and .modules loaded)."""
    from elearn.courses.models import Course, CourseVersion, CourseVersionModule, ModuleVersion, VersionStatus

    def factory(slug: str | None = None, modules: int = 2, sections: int = 3, title: str | None = None,
                instansi_id: int | None = None) -> CourseVersion:
        n = next_seq()
        slug = slug or f"kursus-{n}"
        with app.app_context():
            course = Course(slug=slug, instansi_id=instansi_id)
            db.session.add(course)
            db.session.flush()
            version = CourseVersion(
                course_id=course.id, number=1, status=VersionStatus.PUBLISHED, label="1", title=title or f"Kursus {n}",
                summary="Ringkasan kursus uji.", audience=["pns"], jp=2, content_hash=f"{n:064d}",
                manifest_text="", published_at=utcnow(),
            )
            db.session.add(version)
            db.session.flush()
            for m in range(modules):
                module = ModuleVersion(
                    course_id=course.id, slug=f"{m + 1:02d}-modul", title=f"Modul {m + 1}", minutes=5,
                    objectives=["Memahami sesuatu"], references=["PP 94/2021 Pasal 5"], sources=[],
                    source_text="", content_hash=f"{n}-{m}".ljust(64, "0"),
                    sections=[{"title": f"Bagian {s + 1}", "html": f"<p>Isi bagian {s + 1} modul {m + 1}.</p>",
                               "words": 100} for s in range(sections)],
                )
                db.session.add(module)
                db.session.flush()
                db.session.add(CourseVersionModule(course_version_id=version.id, module_version_id=module.id,
                                                   position=m))
            course.published_version_id = version.id
            db.session.commit()
            db.session.expunge_all()
            version = db.session.get(CourseVersion, version.id)
            assert version is not None
            _ = (version.course.published_version_id, [link.module for link in version.modules])
            return version

    return factory


# --- a database of its own, for threads that commit for real ---------------------------------------------

_PG_URL = os.environ.get("ELEARN_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if _PG_URL.startswith("postgresql") else [])


@pytest.fixture(params=BACKENDS)
def own_app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:
    """An app on a database of its own, schema from create_all (with the triggers), for tests whose
    threads commit for real: always an SQLite file, and a fresh PostgreSQL database (created and
    dropped here) when ELEARN_TEST_DATABASE_URL names a server."""
    import_all_models()
    admin = None
    if request.param == "postgresql":
        name = f"elearn_pledges_{uuid.uuid4().hex[:10]}"
        admin = create_engine(_PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(_PG_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'pledges-concurrency.db'}"
    application = create_app({"ELEARN_ENV": "testing", "TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url,
                              "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 64})
    with db.get_engine(application).begin() as conn:
        Base.metadata.create_all(conn)
    # the scoped session is bound to the main test database's connection by tests/conftest.py;
    # here every thread opens its own session on this app's engine
    db.session.remove()
    db.session.configure(bind=None, join_transaction_mode="conditional_savepoint")
    try:
        yield application
    finally:
        db.session.remove()
        db.get_engine(application).dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
