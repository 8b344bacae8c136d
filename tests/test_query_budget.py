"""Query budgets of the learner pages (issue 14, point 3): the SQL statements a page sends, and
that none grows with the number of courses, modules, quizzes, questions or campaigns it shows.

Counted: what the app sends to the database, except transaction control (BEGIN, SAVEPOINT and
RELEASE: the tests run inside a SAVEPOINT per commit; production sends a BEGIN per request on SQLite).
Every page is opened once before counting, as a learner's second visit: the per-process cache of
published course versions (courses/published.py) is warm then, and the enrollment exists.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from elearn.accounts.models import User
from elearn.courses.models import CourseAssignment, CourseVersion
from elearn.db import db
from elearn.pledges.models import PledgeText
from pledge_support import make_campaign, make_pledge_version
from quiz_support import SINGLE, TRUE_FALSE, make_quiz
from support import count_statements

#: statements per learner page on a learner's second visit (the user's row included): at most 5
#: (issue 14), each at what the page runs today so that a new statement is a decision, not drift.
BUDGET = {
    "/": 5,
    "/kursus/": 3,
    "course": 5,
    "reader": 5,
    "/kuis/": 4,
    "quiz": 5,
    "question": 4,
    "/pakta/": 2,
    "sign": 4,
    "/sertifikat/": 2,
}


def test_no_learner_page_is_over_five_statements() -> None:
    assert max(BUDGET.values()) <= 5, BUDGET


def statements_of(app: Flask, client: Any, url: str) -> list[str]:
    assert client.get(url).status_code == 200, url  # the first visit: enrollments, caches
    with count_statements(app, transaction_control=False) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


@pytest.fixture
def learner_with(app: Flask, client: Any, make_unit: Any, make_user: Any, make_course: Any, login_as: Any) -> Any:
    """A signed-in learner of a fresh instansi with ``n`` assigned courses (``modules`` modules each,
    each course opened and one module read), ``n`` quizzes and ``n`` open pakta campaigns. Every
    course requires a quiz and the pakta for completion, as the demo's and the shipped ones do."""

    def build(n: int, modules: int = 2) -> dict[str, Any]:
        unit = make_unit(f"Dinas Anggaran {n}-{modules}")
        person = make_user(unit=unit)
        courses = [make_course(modules=modules, sections=3) for _ in range(n)]
        with app.app_context():
            pledge = make_pledge_version()
            pledge_slug = db.session.get(PledgeText, pledge.pledge_text_id).slug
            quizzes = [make_quiz(f"kuis-anggaran-{n}-{i}", (SINGLE,) if i % 2 else (SINGLE, TRUE_FALSE)).slug
                       for i in range(n)]
            for i, version in enumerate(courses):
                db.session.execute(update(CourseVersion).where(CourseVersion.id == version.id).values(
                    requires={"quiz": quizzes[i], "pledge": pledge_slug},
                    completion={"quiz_pass": True, "pledge_signed": True}))
                db.session.add(CourseAssignment(course_id=version.course_id, instansi_id=unit.instansi_id,
                                                unit_id=None, due_date=dt.date.today() + dt.timedelta(days=30),
                                                active=True))
            campaigns = [make_campaign(unit.instansi_id, pledge).id for _ in range(n)]
            db.session.commit()
        login_as(db.session.get(User, person.id) or person)
        for version in courses:
            slug = version.course.slug
            client.get(f"/kursus/{slug}")
            client.get(f"/kursus/{slug}/modul/{version.modules[0].module.slug}?bagian=2")
        return {"courses": courses, "quizzes": quizzes, "campaigns": campaigns}

    return build


LISTS = ["/", "/kursus/", "/kuis/", "/pakta/", "/sertifikat/"]


@pytest.mark.parametrize("url", LISTS)
def test_list_pages_do_not_grow_with_what_they_list(app: Flask, client: Any, learner_with: Any, url: str) -> None:
    learner_with(1)
    one = statements_of(app, client, url)
    client.post("/keluar")
    learner_with(6)
    six = statements_of(app, client, url)
    assert len(six) == len(one), (len(one), len(six), six)
    assert len(six) <= BUDGET[url], six


def test_course_and_reader_pages_do_not_grow_with_modules(app: Flask, client: Any, learner_with: Any) -> None:
    counts = {}
    for modules in (1, 8):
        client.post("/keluar")
        version = learner_with(1, modules=modules)["courses"][0]
        slug = version.course.slug
        course = statements_of(app, client, f"/kursus/{slug}")
        reader = statements_of(app, client, f"/kursus/{slug}/modul/{version.modules[0].module.slug}?bagian=1")
        assert len(course) <= BUDGET["course"], course
        assert len(reader) <= BUDGET["reader"], reader
        counts[modules] = (len(course), len(reader))
    assert counts[1] == counts[8], counts


def _open_attempt(client: Any, quiz: str) -> str:
    response = client.post(f"/kuis/{quiz}/mulai")
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert "/percobaan/" in location, client.get(location).get_data(as_text=True)
    return location.split("?")[0]


def test_quiz_and_question_pages_do_not_grow_with_questions(app: Flask, client: Any, make_unit: Any,
                                                            make_user: Any, login_as: Any) -> None:
    unit = make_unit("Dinas Kuis Anggaran")
    login_as(make_user(unit=unit))
    with app.app_context():
        make_quiz("kuis-satu-soal", (SINGLE,))
        make_quiz("kuis-lima-soal")  # every type of the fixture bank
        db.session.commit()
    counts = {}
    for quiz in ("kuis-satu-soal", "kuis-lima-soal"):
        page = statements_of(app, client, f"/kuis/{quiz}")
        attempt = _open_attempt(client, quiz)
        question = statements_of(app, client, f"{attempt}?no=1")
        assert len(page) <= BUDGET["quiz"], page
        assert len(question) <= BUDGET["question"], question
        counts[quiz] = (len(page), len(question))
    assert counts["kuis-satu-soal"] == counts["kuis-lima-soal"], counts


def test_signing_page_budget(app: Flask, client: Any, learner_with: Any) -> None:
    campaign = learner_with(1)["campaigns"][0]
    statements = statements_of(app, client, f"/pakta/{campaign}/tandatangani")
    assert len(statements) <= BUDGET["sign"], statements


def test_health_check_is_one_statement_without_the_session(app: Flask, client: Any) -> None:
    with count_statements(app, transaction_control=False) as statements:
        response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert statements == ["SELECT 1"]
    assert "Set-Cookie" not in response.headers


# --- the fixed cost of every request -----------------------------------------------------------------


def test_every_view_with_rate_limits_is_marked_and_only_those_consult_the_limiter(app: Flask, client: Any,
                                                                                  monkeypatch: Any) -> None:
    """Only views marked by ``extensions.rate_limit`` consult Flask-Limiter (issue 14: asking it on
    every request cost about 0.1 ms of each page). A view given limits by ``limiter.limit`` directly
    would silently lose them: every view Flask-Limiter holds limits for must carry the mark."""
    from elearn.extensions import LIMITED, limiter

    limited = {name for name in limiter.limit_manager._decorated_limits}  # the callables' qualified names
    marked = set()
    for endpoint, view in app.view_functions.items():
        name = f"{view.__module__}.{view.__name__}"
        if name in limited:
            assert getattr(view, LIMITED, False), f"{endpoint} has rate limits but is not marked"
        if getattr(view, LIMITED, False):
            marked.add(endpoint)
    assert {"auth.login", "auth.activate", "pledges.sign", "events.checkin"} <= marked, marked

    consulted: list[str] = []
    original = limiter._check_request_limit.__func__

    def spy(self: Any, *args: Any, **kwargs: Any) -> None:
        from flask import request

        consulted.append(request.endpoint or "")
        original(self, *args, **kwargs)

    monkeypatch.setattr(type(limiter), "_check_request_limit", spy)
    client.get("/healthz")
    client.get("/masuk")
    client.get("/kursus/")
    assert consulted and set(consulted) == {"auth.login"}, consulted


def test_health_check_reads_the_database_once_per_window_and_reports_a_failure(app: Flask, client: Any,
                                                                               monkeypatch: Any) -> None:
    monkeypatch.setitem(app.config, "HEALTHZ_DATABASE_CHECK_SECONDS", 60)
    app.extensions.pop("elearn_healthz_seen_at", None)
    with count_statements(app, transaction_control=False) as statements:
        first = client.get("/healthz")
        second = client.get("/healthz")
    assert first.status_code == second.status_code == 200
    assert statements == ["SELECT 1"]  # the second probe answered from the first one's check

    # the database stops answering: with no window every probe checks, and says so
    monkeypatch.setitem(app.config, "HEALTHZ_DATABASE_CHECK_SECONDS", 0)
    from sqlalchemy.exc import OperationalError

    engine = db.get_engine(app)

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(type(engine), "connect", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "database unavailable"}
    app.extensions.pop("elearn_healthz_seen_at", None)


def test_a_cached_course_version_of_another_course_is_read_again(app: Flask, make_course: Any) -> None:
    """SQLite may hand a deleted newest row's id to the next row: the per-process cache of course
    versions (courses/published.py) must not serve the old course's structure under it."""
    from elearn.courses import published

    version = make_course(modules=2)
    with app.app_context():
        cached = published.versions([version.id])[version.id]
        assert cached.course_id == version.course_id and len(cached.modules) == 2
        # the same id claimed by another course: read again, not served from the cache
        other = published.versions([version.id], {version.id: version.course_id + 1000})
        assert other[version.id] is not cached and other[version.id].course_id == version.course_id
