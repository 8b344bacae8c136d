"""Course completion with ``completion.pledge_signed``: the course is finished only once the learner
has signed the pakta integritas the course names (any version of that text, any campaign); the
course page and "Kursus saya" say so and link to /pakta/; courses without the flag are unaffected;
the pledges are loaded in one query for a whole page; the assignment figures count with the same rule."""
from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import event

from elearn.accounts.models import User
from elearn.courses import assignments
from elearn.courses.completion import CompletionRule
from elearn.courses.models import Course, CourseVersion, Enrollment
from elearn.courses.progress import course_view, course_views, enroll, record_progress
from elearn.db import db, utcnow
from elearn.org.models import Instansi
from elearn.pledges.models import Campaign, PledgeTextVersion
from elearn.quizzes.models import Attempt, AttemptStatus
from pledge_support import make_campaign, make_pledge_version, sign_as

PLEDGE_RULE = {"modules": "all", "pledge_signed": True}


def _require(version_id: int, requires: dict[str, Any], completion: dict[str, Any]) -> CourseVersion:
    version = db.session.get(CourseVersion, version_id)
    assert version is not None
    version.requires, version.completion = requires, completion
    db.session.flush()
    return version


def _read_everything(user_id: int, course: Course) -> None:
    learner = db.session.get(User, user_id)
    enrollment = enroll(learner, course)
    for link in enrollment.course_version.modules:
        record_progress(learner, enrollment, link.module, 0, True)


def _second_version(version: PledgeTextVersion) -> PledgeTextVersion:
    """A changed text of the same pakta (version 2, now current)."""
    body = version.body + "\n2. Tidak memihak.\n"
    newer = PledgeTextVersion(pledge_text_id=version.pledge_text_id, number=2, title=version.title, body=body,
                              source_text=body, content_hash="b" * 64, language="id")
    db.session.add(newer)
    db.session.flush()
    version.pledge_text.current_number = 2
    db.session.flush()
    return newer


def _view(user_id: int, course: Course):  # type: ignore[no-untyped-def]
    view = course_view(db.session.get(User, user_id), course)
    assert view is not None
    return view


def test_completion_waits_for_a_signature_of_that_pakta(app: Flask, make_course, make_user) -> None:
    cv = make_course(modules=2, sections=1)
    person = make_user()
    with app.app_context():
        pakta = make_pledge_version()
        other_pakta = make_pledge_version()
        version = _require(cv.id, {"pledge": pakta.pledge_text.slug}, PLEDGE_RULE)
        assert CompletionRule.of(version) == CompletionRule(quiz=None, pledge=pakta.pledge_text.slug)
        _read_everything(person.id, version.course)
        view = _view(person.id, version.course)
        assert view.modules_completed and view.pledge_needed and not view.pledge_signed
        # 2 modules + the pakta: 2 of 3 steps done, rounded down
        assert not view.completed and view.percent == 66 and view.next_step.kind == "pledge"

        # another pakta does not count
        sign_as(make_campaign(person.instansi_id, other_pakta), db.session.get(User, person.id))
        assert not _view(person.id, version.course).completed

        # a signature of any version of the named pakta does: here version 2, in a campaign made for it
        newer = _second_version(pakta)
        sign_as(make_campaign(person.instansi_id, newer), db.session.get(User, person.id))
        view = _view(person.id, version.course)
        assert view.pledge_signed and not view.pledge_needed
        assert view.completed and view.percent == 100
        db.session.rollback()


def test_signing_before_reading_does_not_finish_the_course(app: Flask, make_course, make_user) -> None:
    cv = make_course(modules=2, sections=1)
    person = make_user()
    with app.app_context():
        pakta = make_pledge_version()
        version = _require(cv.id, {"pledge": pakta.pledge_text.slug}, PLEDGE_RULE)
        sign_as(make_campaign(person.instansi_id, pakta), db.session.get(User, person.id))
        view = _view(person.id, version.course)
        assert view.pledge_signed and not view.modules_completed and not view.completed
        _read_everything(person.id, version.course)
        assert _view(person.id, version.course).completed
        db.session.rollback()


def test_a_course_without_pledge_signed_is_unaffected(app: Flask, make_course, make_user) -> None:
    named_only = make_course(modules=1, sections=1)  # names the pakta but does not ask for it
    plain = make_course(modules=1, sections=1)  # no requirements at all
    person = make_user()
    with app.app_context():
        pakta = make_pledge_version()
        _require(named_only.id, {"pledge": pakta.pledge_text.slug}, {"modules": "all", "pledge_signed": False})
        for cv in (named_only, plain):
            course = db.session.get(Course, cv.course_id)
            _read_everything(person.id, course)
            view = _view(person.id, course)
            assert view.rule.pledge is None and not view.pledge_needed
            assert view.completed and view.percent == 100
        db.session.rollback()


def _pledge_card(html: str) -> str | None:
    match = re.search(r'<section class="card" aria-labelledby="course-pledge-title">(.*?)</section>', html, re.S)
    return match.group(1) if match else None


def test_course_page_and_my_courses_tell_to_sign_with_a_link(app: Flask, client, make_course, make_user,
                                                             login_as) -> None:
    cv = make_course(modules=1, sections=1)
    person = make_user()
    with app.app_context():
        pakta = make_pledge_version()
        version = _require(cv.id, {"pledge": pakta.pledge_text.slug}, PLEDGE_RULE)
        campaign_id = make_campaign(person.instansi_id, pakta).id
        slug, module = version.course.slug, version.modules[0].module.slug
        db.session.commit()
    login_as(person)
    card = _pledge_card(client.get(f"/kursus/{slug}").get_data(as_text=True))
    assert card is not None
    assert "Kursus ini baru selesai setelah Anda menandatangani pakta integritas." in card
    assert 'href="/pakta/">Buka Pakta integritas</a>' in card

    client.post(f"/kursus/{slug}/modul/{module}/kemajuan", data={"reached": "0", "complete": "1"})
    html = client.get(f"/kursus/{slug}").get_data(as_text=True)
    assert "Anda telah membaca seluruh modul kursus ini." in html and "Kursus ini sudah selesai." not in html
    assert "50% selesai" in html  # the module and the pakta: 1 of 2 steps
    # the next step: the open campaign of the person's instansi
    assert f'class="button primary" href="/pakta/{campaign_id}/tandatangani">Tanda tangani pakta</a>' in html
    listing = client.get("/kursus/").get_data(as_text=True)
    assert "Kursus ini juga meminta Anda menandatangani pakta integritas." in listing
    assert '<a href="/pakta/">Buka Pakta integritas</a>' in listing

    with app.app_context():
        sign_as(db.session.get(Campaign, campaign_id), db.session.get(User, person.id))
        db.session.commit()
    html = client.get(f"/kursus/{slug}").get_data(as_text=True)
    card = _pledge_card(html)
    assert "Sudah ditandatangani" in card and "/pakta/" not in card
    assert "Kursus ini sudah selesai." in html and "100% selesai" in html
    listing = client.get("/kursus/").get_data(as_text=True)
    assert "menandatangani pakta integritas" not in listing and ">Selesai<" in listing


def test_quiz_and_pakta_together(app: Flask, client, make_course, make_user, login_as) -> None:
    from quiz_support import make_quiz

    cv = make_course(modules=1, sections=1)
    person = make_user()
    with app.app_context():
        make_quiz("kuis-kursus")
        pakta = make_pledge_version()
        version = _require(cv.id, {"quiz": "kuis-kursus", "pledge": pakta.pledge_text.slug},
                           {"modules": "all", "quiz_pass": True, "pledge_signed": True})
        slug, module = version.course.slug, version.modules[0].module.slug
        db.session.commit()
    login_as(person)
    client.post(f"/kursus/{slug}/modul/{module}/kemajuan", data={"reached": "0", "complete": "1"})
    html = client.get(f"/kursus/{slug}").get_data(as_text=True)
    assert ("Kursus ini selesai setelah Anda membaca semua modul, lulus kuisnya, dan menandatangani pakta "
            "integritas.") in html
    # the quiz is the next step; the pakta button is not highlighted before it
    assert 'class="button primary" href="/kuis/kuis-kursus"' in html
    assert '<a href="/pakta/">Buka Pakta integritas</a>' in _pledge_card(html)
    assert html.count('class="button primary"') == 1
    listing = client.get("/kursus/").get_data(as_text=True)
    assert "Kursus ini juga meminta Anda lulus kuisnya." in listing
    assert "Kursus ini juga meminta Anda menandatangani pakta integritas." in listing


def test_my_courses_loads_the_pakta_in_one_query(app: Flask, make_course, make_user) -> None:
    person = make_user()
    made = [make_course(modules=1, sections=1) for _ in range(4)]
    ids = [cv.course_id for cv in made]
    with app.app_context():
        pakta = make_pledge_version()
        other = make_pledge_version()
        for n, cv in enumerate(made):
            _require(cv.id, {"pledge": (pakta if n % 2 else other).pledge_text.slug}, PLEDGE_RULE)
        sign_as(make_campaign(person.instansi_id, pakta), db.session.get(User, person.id))
        db.session.flush()
        engine = db.session.get_bind()

        def measure(course_ids: list[int]) -> tuple[int, list[bool]]:
            courses = [db.session.get(Course, i) for i in course_ids]
            learner = db.session.get(User, person.id)
            statements: list[str] = []

            def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
                statements.append(statement)

            event.listen(engine, "before_cursor_execute", count)
            try:
                views = course_views(learner, courses)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            assert sum("pledge_signatures" in s for s in statements) == 1
            return len(statements), [v.pledge_signed for v in views]

        one, _signed = measure(ids[:1])
        four, signed = measure(ids)
        assert four == one
        assert signed == [False, True, False, True]
        db.session.rollback()


def _passed_attempt(quiz_id: int, user_id: int, passed: bool) -> None:
    db.session.add(Attempt(quiz_id=quiz_id, user_id=user_id, number=1, status=AttemptStatus.SUBMITTED,
                           submitted_at=utcnow(), score=1.0, max_score=1.0, percent=100.0 if passed else 0.0,
                           passed=passed, pass_mark=70))
    db.session.flush()


def test_assignment_figures_count_with_the_course_page_rule(app: Flask, make_course, make_unit, make_user) -> None:
    """Everyone in every combination of read / quiz passed / pakta signed, in a course asking for
    both and in one asking for nothing: the assignment's "selesai" equals the course pages'."""
    from quiz_support import make_quiz

    unit = make_unit()
    strict = make_course(modules=1, sections=1)
    plain = make_course(modules=1, sections=1)
    states = [(read, quiz, pakta) for read in (False, True) for quiz in (False, True) for pakta in (False, True)]
    people = [make_user(unit=unit) for _ in states] + [make_user(unit=unit)]  # the last never starts
    with app.app_context():
        quiz = make_quiz("kuis-wajib")
        pakta = make_pledge_version()
        other = make_pledge_version()
        _require(strict.id, {"quiz": "kuis-wajib", "pledge": pakta.pledge_text.slug},
                 {"modules": "all", "quiz_pass": True, "pledge_signed": True})
        campaign = make_campaign(unit.instansi_id, pakta)
        other_campaign = make_campaign(unit.instansi_id, other)
        courses = [db.session.get(Course, cv.course_id) for cv in (strict, plain)]
        ids = [a.id for course in courses
               for a in assignments.assign(course, db.session.get(Instansi, unit.instansi_id), [], None, None)]
        for person, (read, passed, signed) in zip(people, states):
            learner = db.session.get(User, person.id)
            for course in courses:
                enroll(learner, course)
                if read:
                    _read_everything(person.id, course)
            _passed_attempt(quiz.id, person.id, passed)
            sign_as(campaign if signed else other_campaign, learner)
        coverage = assignments.coverage(ids)
        for course, assignment_id in zip(courses, ids):
            views = [_view(p.id, course) for p in people]
            assert coverage[assignment_id] == assignments.Coverage(
                people=len(people), started=len(states), read=sum(v.modules_completed for v in views),
                completed=sum(v.completed for v in views),
            )
        assert coverage[ids[0]].completed == 1 and coverage[ids[0]].read == 4
        assert coverage[ids[1]].completed == 4
        db.session.rollback()


# --- issue 16: step-based progress and the next step ---------------------------------------------------


def test_progress_and_next_step_walk_modules_quiz_pakta_certificate(app: Flask, make_course, make_user) -> None:
    """3 modules + a required quiz + a required pakta = 5 steps. Reading every module is 60 %, not 99 %,
    and the next step is the quiz (not module 1 again); then the pakta; then done at 100 %."""
    from elearn.courses.progress import NextStep
    from quiz_support import make_quiz

    cv = make_course(modules=3, sections=2)
    person = make_user()
    with app.app_context():
        quiz = make_quiz("kuis-langkah")
        pakta = make_pledge_version()
        version = _require(cv.id, {"quiz": "kuis-langkah", "pledge": pakta.pledge_text.slug},
                           {"modules": "all", "quiz_pass": True, "pledge_signed": True})
        course = version.course
        view = _view(person.id, course)
        assert view.steps == 5 and view.percent == 0
        assert view.next_step.kind == NextStep.MODULE and view.next_step.module.position == 0

        learner = db.session.get(User, person.id)
        enrollment = enroll(learner, course)
        record_progress(learner, enrollment, version.modules[0].module, 0, True)
        record_progress(learner, enrollment, version.modules[1].module, 1, False)  # half of module 2
        view = _view(person.id, course)
        assert view.percent == 30  # (1 + 0.5) of 5
        assert view.next_step.kind == NextStep.MODULE and view.next_step.module.position == 1

        record_progress(learner, enrollment, version.modules[1].module, 1, True)
        record_progress(learner, enrollment, version.modules[2].module, 1, True)
        view = _view(person.id, course)
        assert view.modules_completed and not view.completed
        assert view.percent == 60 and view.next_step == NextStep(NextStep.QUIZ)

        _passed_attempt(quiz.id, person.id, passed=False)  # a failed attempt changes nothing
        assert _view(person.id, course).next_step.kind == NextStep.QUIZ
        db.session.execute(Attempt.__table__.update().where(Attempt.user_id == person.id).values(passed=True))
        view = _view(person.id, course)
        assert view.percent == 80 and view.next_step.kind == NextStep.PLEDGE

        sign_as(make_campaign(person.instansi_id, pakta), learner)
        view = _view(person.id, course)
        assert view.completed and view.percent == 100 and view.next_step.kind == NextStep.DONE
        db.session.rollback()


def test_percent_rounds_down_and_reaches_100_only_when_complete(app: Flask, make_course, make_user) -> None:
    cv = make_course(modules=2, sections=3)
    person = make_user()
    with app.app_context():
        version = _require(cv.id, {}, {"modules": "all"})
        learner = db.session.get(User, person.id)
        enrollment = enroll(learner, version.course)
        record_progress(learner, enrollment, version.modules[0].module, 1, False)  # 1 of 3 sections
        assert _view(person.id, version.course).percent == 16  # 1/6 = 16.7 %, rounded down
        _read_everything(person.id, version.course)
        view = _view(person.id, version.course)
        assert view.completed and view.percent == 100 and view.next_step.kind == "done"
        db.session.rollback()


def test_pledge_campaign_for_finds_the_open_campaign_of_the_persons_instansi(app: Flask, make_user) -> None:
    import datetime as dt

    from elearn.pledges.signed import pledge_campaign_for

    person = make_user()
    with app.app_context():
        pakta, other = make_pledge_version(), make_pledge_version()
        learner = db.session.get(User, person.id)
        assert pledge_campaign_for(learner, pakta.pledge_text.slug) is None
        make_campaign(person.instansi_id, other)  # another text
        today = dt.date.today()
        make_campaign(person.instansi_id, pakta, opens_on=today + dt.timedelta(days=30))  # not open yet
        assert pledge_campaign_for(learner, pakta.pledge_text.slug) is None
        open_one = make_campaign(person.instansi_id, pakta)
        assert pledge_campaign_for(learner, pakta.pledge_text.slug).id == open_one.id
        assert pledge_campaign_for(learner, None) is None
        db.session.rollback()
