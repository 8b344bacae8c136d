"""Attempt services: starting (idempotent, race-safe, limited), versions pinned at the start,
answers saved in place, branching paths that only grow, the server-side time limit with an injected
clock, idempotent submission, resuming, which quizzes a learner sees, and course completion."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from flask import Flask
from sqlalchemy import func, select

from elearn.accounts.models import Role, User
from elearn.content.quizzes import upsert_question
from elearn.courses.models import CourseAssignment, CourseVersion, Enrollment
from elearn.courses.progress import course_view, enroll, record_progress
from elearn.db import db
from elearn.quizzes import attempts as svc
from elearn.quizzes.models import Attempt, AttemptItem, AttemptStatus, QuizStatus
from elearn.quizzes.types import canonical_question
from quiz_support import ALL, BRANCHING, FEED, MULTIPLE, RIGHT, SINGLE, TRUE_FALSE, make_quiz, position_of, question

T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.timezone.utc)


def user(user_id: int) -> User:
    row = db.session.get(User, user_id)
    assert row is not None
    return row


def answer_all(attempt: Attempt, now: dt.datetime = T0, right: bool = True) -> None:
    for key in ALL:
        position = position_of(attempt, key)
        if key == BRANCHING:
            steps = RIGHT[key] if right else [{"node": "pesan", "choice": "hadir"}, {"node": "di-kpu", "choice": "foto"}]
            for step in steps:
                svc.save_answer(attempt, position, step, now=now)
        else:
            svc.save_answer(attempt, position, RIGHT[key] if right else _wrong(key), now=now)


def _wrong(key: str) -> dict:
    return {SINGLE: {"options": ["c"]}, MULTIPLE: {"options": ["hadir"]}, TRUE_FALSE: {"answer": "false"},
            FEED: {"actions": ["like", "share"]}}[key]


def count_attempts(user_id: int) -> int:
    return db.session.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == user_id)) or 0


# --- starting --------------------------------------------------------------------------------


def test_start_pins_versions_snapshots_and_shuffles_options(app: Flask, make_user) -> None:
    person = make_user()
    with app.app_context():
        quiz = make_quiz(shuffle_options=True, time_limit_minutes=20, pass_mark=60)
        learner = user(person.id)
        attempt = svc.start_attempt(learner, quiz, now=T0, rng=random.Random(3))
        assert attempt.number == 1 and attempt.status == AttemptStatus.IN_PROGRESS
        assert (attempt.unit_id, attempt.skpd_id) == (learner.unit_id, learner.skpd_id)
        assert attempt.pass_mark == 60
        assert attempt.started_at == T0 and attempt.deadline_at == T0 + dt.timedelta(minutes=20)
        assert [item.position for item in attempt.items] == [1, 2, 3, 4, 5]
        for item in attempt.items:
            assert item.question_version_id == item.question_version.question.current_version_id
            assert item.response is None
        by_key = {item.question_version.question.key: item for item in attempt.items}
        assert sorted(by_key[SINGLE].option_order) == ["a", "b", "c"]
        assert sorted(by_key[MULTIPLE].option_order) == ["bukti", "hadir", "tolak"]
        # the feed's actions, true/false and a scenario's choices keep their order
        assert by_key[FEED].option_order is None
        assert by_key[TRUE_FALSE].option_order is None
        assert by_key[BRANCHING].option_order is None
        # options shuffled differently from attempt to attempt (some seed differs from the file order)
        orders = {tuple(svc.option_order(by_key[MULTIPLE].question_version, True, random.Random(seed)))
                  for seed in range(10)}
        assert len(orders) > 1
        assert svc.option_order(by_key[MULTIPLE].question_version, False, random.Random(1)) is None


def test_start_twice_resumes_the_attempt_in_progress(app: Flask, make_user) -> None:
    person = make_user()
    with app.app_context():
        quiz = make_quiz()
        first = svc.start_attempt(user(person.id), quiz, now=T0)
        again = svc.start_attempt(user(person.id), quiz, now=T0 + dt.timedelta(minutes=1))
        assert again.id == first.id
        assert count_attempts(person.id) == 1
        svc.submit_attempt(first, now=T0 + dt.timedelta(minutes=2))
        second = svc.start_attempt(user(person.id), quiz, now=T0 + dt.timedelta(minutes=3))
        assert second.id != first.id and second.number == 2


def test_concurrent_first_start_returns_the_winners_attempt(app: Flask, make_user, monkeypatch) -> None:
    """Two requests see no attempt and both try number 1: the loser's insert fails on the unique key
    and it continues with the winner's attempt."""
    person = make_user()
    with app.app_context():
        quiz = make_quiz()
        real_draw = svc._draw
        winner = {}

        def racing(quiz_arg, rng):  # type: ignore[no-untyped-def]
            versions = real_draw(quiz_arg, rng)
            # the other request inserts its attempt 1 between our checks and our insert
            row = Attempt(quiz_id=quiz_arg.id, user_id=person.id, number=1, pass_mark=70, started_at=T0)
            row.items = [AttemptItem(position=i, question_version_id=v.id, updated_at=T0)
                         for i, v in enumerate(versions, start=1)]
            db.session.add(row)
            db.session.flush()
            winner["id"] = row.id
            return versions

        monkeypatch.setattr(svc, "_draw", racing)
        attempt = svc.start_attempt(user(person.id), quiz, now=T0)
        assert attempt.id == winner["id"]
        assert count_attempts(person.id) == 1
        assert db.session.scalar(select(func.count(AttemptItem.id)).where(AttemptItem.attempt_id == attempt.id)) == 5


def test_attempt_limit(app: Flask, make_user) -> None:
    person = make_user()
    with app.app_context():
        quiz = make_quiz(attempt_limit=2)
        for n in range(2):
            attempt = svc.start_attempt(user(person.id), quiz, now=T0)
            svc.submit_attempt(attempt, now=T0)
        entry = svc.quiz_entry(user(person.id), quiz, now=T0)
        assert entry.attempts_left == 0 and len(entry.attempts) == 2
        with pytest.raises(svc.AttemptError) as err:
            svc.start_attempt(user(person.id), quiz, now=T0)
        assert err.value.code == "limit"
        assert count_attempts(person.id) == 2


def test_editing_a_question_after_the_start_does_not_change_the_attempt(app: Flask, make_user) -> None:
    person = make_user()
    with app.app_context():
        quiz = make_quiz(keys=(SINGLE,))
        attempt = svc.start_attempt(user(person.id), quiz, now=T0)
        pinned = attempt.items[0].question_version
        data = canonical_question(pinned.data)
        data["stem"] = "Teks soal yang sudah diubah."
        data["options"] = [dict(o, correct=(o["id"] == "c")) for o in data["options"]]
        data["options"][0].pop("weight", None)
        for o in data["options"]:
            o.pop("weight", None)
        new_version, status = upsert_question(quiz.bank, data)
        assert status == "updated" and new_version.id != pinned.id
        assert question(SINGLE).current_version_id == new_version.id
        db.session.expire_all()
        attempt = db.session.get(Attempt, attempt.id)
        item = attempt.items[0]
        assert item.question_version_id == pinned.id
        assert "sudah diubah" not in item.question_version.data["stem"]
        # graded against the version shown: "a" is still right there
        svc.save_answer(attempt, 1, {"options": ["a"]}, now=T0)
        svc.submit_attempt(attempt, now=T0)
        assert item.correct is True and attempt.percent == 100
        # a new attempt gets the new version
        fresh = svc.start_attempt(user(person.id), quiz, now=T0)
        assert fresh.items[0].question_version_id == new_version.id


# --- answering -------------------------------------------------------------------------------


def test_saving_the_same_answer_twice_is_harmless(app: Flask, make_user) -> None:
    person = make_user()
    with app.app_context():
        quiz = make_quiz()
        attempt = svc.start_attempt(user(person.id), quiz, now=T0)
        position = position_of(attempt, MULTIPLE)
        first = T0 + dt.timedelta(seconds=30)
        item = svc.save_answer(attempt, position, {"options": ["bukti", "tolak"]}, now=first)
        assert item.response == {"options": ["tolak", "bukti"]}  # in the question's order
        assert item.answered_at == first and item.updated_at == first
        later = T0 + dt.timedelta(minutes=1)
        again = svc.save_answer(attempt, position, {"options": ["tolak", "bukti"]}, now=later)
        assert again.id == item.id and again.updated_at == first  # nothing changed
        changed = svc.save_answer(attempt, position, {"options": ["tolak"]}, now=later)
        assert changed.response == {"options": ["tolak"]} and changed.updated_at == later
        assert changed.answered_at == first
        rows = db.session.scalar(select(func.count(AttemptItem.id)).where(AttemptItem.attempt_id == attempt.id))
        assert rows == 5


@pytest.mark.parametrize("key,raw", [
    (SINGLE, {"options": ["a", "b"]}), (SINGLE, {"options": ["x"]}), (MULTIPLE, {}),
    (TRUE_FALSE, {"answer": "mungkin"}), (FEED, {"actions": ["ignore", "like"]}), (FEED, {}),
    (BRANCHING, {"node": "melapor", "choice": "lapor"}), (BRANCHING, {"node": "pesan", "choice": "kabur"}),
])
def test_invalid_answers_are_refused(app: Flask, make_user, key: str, raw: dict) -> None:
    person = make_user()
    with app.app_context():
        attempt = svc.start_attempt(user(person.id), make_quiz(), now=T0)
        with pytest.raises(svc.AttemptError) as err:
            svc.save_answer(attempt, position_of(attempt, key), raw, now=T0)
        assert err.value.code == "answer" and err.value.message
        assert all(item.response is None for item in attempt.items)


def test_branching_path_grows_step_by_step_and_is_idempotent(app: Flask, make_user) -> None:
    person = make_user()
    with app.app_context():
        attempt = svc.start_attempt(user(person.id), make_quiz(), now=T0)
        position = position_of(attempt, BRANCHING)
        item = svc.save_answer(attempt, position, {"node": "pesan", "choice": "tidak-hadir"}, now=T0)
        assert item.response == {"path": [{"node": "pesan", "choice": "tidak-hadir"}]}
        assert not svc.is_answered(item)
        assert svc.resume_position(attempt) == 1
        # a retried POST, and a late attempt to change the first choice: the path stays
        for raw in ({"node": "pesan", "choice": "tidak-hadir"}, {"node": "pesan", "choice": "hadir"}):
            item = svc.save_answer(attempt, position, raw, now=T0)
            assert item.response == {"path": [{"node": "pesan", "choice": "tidak-hadir"}]}
        item = svc.save_answer(attempt, position, {"node": ["melapor"], "choice": ["lapor"]}, now=T0)
        assert item.response == {"path": [{"node": "pesan", "choice": "tidak-hadir"},
                                          {"node": "melapor", "choice": "lapor"}]}
        assert svc.is_answered(item)
        with pytest.raises(svc.AttemptError):  # the scenario has ended
            svc.save_answer(attempt, position, {"node": "di-kpu", "choice": "pulang"}, now=T0)
        svc.submit_attempt(attempt, now=T0)
        assert item.score == 1.0 and item.correct is True


def test_resume_goes_to_the_first_unanswered_question(app: Flask, make_user) -> None:
    person = make_user()
    with app.app_context():
        quiz = make_quiz()
        attempt = svc.start_attempt(user(person.id), quiz, now=T0)
        svc.save_answer(attempt, 1, RIGHT[SINGLE], now=T0)
        svc.save_answer(attempt, 3, RIGHT[TRUE_FALSE], now=T0)
        assert svc.resume_position(attempt) == 2
        # the connection drops; "start" again continues the same attempt where it was
        db.session.expire_all()
        resumed = svc.start_attempt(user(person.id), quiz, now=T0 + dt.timedelta(hours=1))
        assert resumed.id == attempt.id and svc.resume_position(resumed) == 2
        answer_all(resumed)
        assert svc.resume_position(resumed) is None


# --- time limit ------------------------------------------------------------------------------


def test_saves_after_the_deadline_and_grace_are_refused_and_the_attempt_expires(app: Flask, make_user) -> None:
    person = make_user()
    with app.app_context():
        quiz = make_quiz(time_limit_minutes=10)
        attempt = svc.start_attempt(user(person.id), quiz, now=T0)
        deadline = T0 + dt.timedelta(minutes=10)
        assert attempt.deadline_at == deadline
        assert svc.seconds_left(attempt, T0 + dt.timedelta(minutes=4)) == 360
        svc.save_answer(attempt, 1, RIGHT[SINGLE], now=deadline - dt.timedelta(seconds=1))
        # within the grace period a save in flight is still accepted
        svc.save_answer(attempt, 2, RIGHT[MULTIPLE], now=deadline + svc.GRACE)
        assert attempt.status == AttemptStatus.IN_PROGRESS
        assert svc.seconds_left(attempt, deadline + svc.GRACE) == 0
        late = deadline + svc.GRACE + dt.timedelta(seconds=1)
        with pytest.raises(svc.AttemptError) as err:
            svc.save_answer(attempt, 3, RIGHT[TRUE_FALSE], now=late)
        assert err.value.code == "expired"
        # finalised with what was saved before: 1 + 2 of 6 points
        assert attempt.status == AttemptStatus.EXPIRED and attempt.submitted_at == deadline
        assert attempt.items[2].response is None
        assert (attempt.score, attempt.max_score) == (3.0, 6.0)
        assert attempt.percent == 50.0 and attempt.passed is False
        # later saves and submits: refused / unchanged
        with pytest.raises(svc.AttemptError) as err:
            svc.save_answer(attempt, 3, RIGHT[TRUE_FALSE], now=late)
        assert err.value.code == "closed"
        assert svc.submit_attempt(attempt, now=late).status == AttemptStatus.EXPIRED
        assert attempt.score == 3.0


def test_an_overdue_attempt_is_finalised_when_listed_or_opened(app: Flask, make_user) -> None:
    person = make_user()
    with app.app_context():
        quiz = make_quiz(time_limit_minutes=5)
        attempt = svc.start_attempt(user(person.id), quiz, now=T0)
        answer_all(attempt)
        soon = T0 + dt.timedelta(minutes=5, seconds=20)
        entry = svc.my_quizzes(user(person.id), now=soon)[0]
        assert entry.in_progress is not None and attempt.status == AttemptStatus.IN_PROGRESS
        later = T0 + dt.timedelta(hours=2)
        assert svc.my_quizzes(user(person.id), now=later, finalise=False)[0].in_progress is not None
        entry = svc.my_quizzes(user(person.id), now=later)[0]
        assert entry.in_progress is None and entry.passed
        assert attempt.status == AttemptStatus.EXPIRED and attempt.percent == 100 and attempt.passed
        # opening a quiz (quiz_entry) or starting does the same for another attempt
        second = svc.start_attempt(user(person.id), quiz, now=later)
        assert second.number == 2
        assert svc.touch(second, later + dt.timedelta(minutes=5)) is False
        svc.quiz_entry(user(person.id), quiz, now=later + dt.timedelta(minutes=6))
        assert second.status == AttemptStatus.EXPIRED and second.percent == 0
        # a submit arriving too late closes it as expired too
        third = svc.start_attempt(user(person.id), quiz, now=later + dt.timedelta(minutes=7))
        svc.submit_attempt(third, now=later + dt.timedelta(minutes=13))
        assert third.status == AttemptStatus.EXPIRED


def test_no_time_limit_means_no_deadline(app: Flask, make_user) -> None:
    person = make_user()
    with app.app_context():
        attempt = svc.start_attempt(user(person.id), make_quiz(), now=T0)
        assert attempt.deadline_at is None and svc.seconds_left(attempt) is None
        svc.save_answer(attempt, 1, RIGHT[SINGLE], now=T0 + dt.timedelta(days=30))
        assert not svc.is_overdue(attempt, T0 + dt.timedelta(days=60))


# --- submitting ------------------------------------------------------------------------------


def test_submit_grades_every_item_and_is_idempotent(app: Flask, make_user) -> None:
    person = make_user()
    with app.app_context():
        quiz = make_quiz(pass_mark=70)
        attempt = svc.start_attempt(user(person.id), quiz, now=T0)
        answer_all(attempt, right=False)
        svc.submit_attempt(attempt, now=T0 + dt.timedelta(minutes=3))
        assert attempt.status == AttemptStatus.SUBMITTED
        assert attempt.submitted_at == T0 + dt.timedelta(minutes=3)
        by_key = {item.question_version.question.key: item for item in attempt.items}
        # wrong everywhere; the scenario's path hadir -> foto scores 0 of its best 4
        assert {k: (i.score, i.correct) for k, i in by_key.items()} == {
            SINGLE: (0.0, False), MULTIPLE: (0.0, False), TRUE_FALSE: (0.0, False), BRANCHING: (0.0, False),
            FEED: (0.0, False)}
        assert (attempt.score, attempt.max_score, attempt.percent, attempt.passed) == (0.0, 6.0, 0.0, False)
        graded = [(i.score, i.fraction, i.correct) for i in attempt.items]
        # submitting again (a double tap) changes nothing, whatever time it is
        assert svc.submit_attempt(attempt, now=T0 + dt.timedelta(days=1)) is attempt
        assert attempt.submitted_at == T0 + dt.timedelta(minutes=3)
        assert [(i.score, i.fraction, i.correct) for i in attempt.items] == graded
        with pytest.raises(svc.AttemptError) as err:
            svc.save_answer(attempt, 1, RIGHT[SINGLE], now=T0)
        assert err.value.code == "closed"


def test_partial_credit_and_an_unfinished_scenario(app: Flask, make_user) -> None:
    person = make_user()
    with app.app_context():
        attempt = svc.start_attempt(user(person.id), make_quiz(pass_mark=50), now=T0)
        svc.save_answer(attempt, position_of(attempt, SINGLE), {"options": ["b"]}, now=T0)  # weight 25
        svc.save_answer(attempt, position_of(attempt, MULTIPLE), {"options": ["tolak"]}, now=T0)  # 1 of 2
        svc.save_answer(attempt, position_of(attempt, BRANCHING), {"node": "pesan", "choice": "tidak-hadir"},
                        now=T0)  # 2 of 4, not finished
        svc.submit_attempt(attempt, now=T0)
        by_key = {item.question_version.question.key: item for item in attempt.items}
        assert by_key[SINGLE].score == 0.25 and by_key[MULTIPLE].score == 1.0
        assert by_key[BRANCHING].fraction == 0.5 and by_key[BRANCHING].correct is False
        assert by_key[TRUE_FALSE].score == 0.0 and by_key[TRUE_FALSE].response is None
        # 1.75 of 6 points (every question 1 point, the multiple-response one 2)
        assert attempt.score == pytest.approx(1.75) and attempt.percent == 29.17


def test_all_right_passes(app: Flask, make_user) -> None:
    person = make_user()
    with app.app_context():
        attempt = svc.start_attempt(user(person.id), make_quiz(), now=T0)
        answer_all(attempt)
        svc.submit_attempt(attempt, now=T0)
        assert attempt.percent == 100.0 and attempt.passed is True
        assert all(item.correct for item in attempt.items)
        assert svc.passed_quiz_slugs(person.id, ["kuis-uji", "lain"]) == {"kuis-uji"}


# --- which quizzes ---------------------------------------------------------------------------


def test_my_quizzes_shipped_own_instansi_and_required_first(app: Flask, make_unit, make_user, make_course) -> None:
    unit = make_unit()
    other_unit = make_unit()
    person = make_user(unit=unit)
    cv = make_course(title="Kursus wajib")
    with app.app_context():
        from elearn.org.models import Instansi

        own = db.session.get(Instansi, unit.instansi_id)
        other = db.session.get(Instansi, other_unit.instansi_id)
        make_quiz("a-umum", title="A umum")
        make_quiz("b-instansi", title="B instansi sendiri", instansi=own)
        make_quiz("c-lain", title="C instansi lain", instansi=other)
        draft = make_quiz("d-draf", title="D draf")
        draft.status = QuizStatus.DRAFT
        make_quiz("z-wajib", title="Z wajib")
        version = db.session.get(CourseVersion, cv.id)
        version.requires = {"quiz": "z-wajib"}
        db.session.add(CourseAssignment(course_id=version.course_id, instansi_id=own.id,
                                        due_date=dt.date(2026, 12, 1)))
        db.session.flush()
        entries = svc.my_quizzes(user(person.id), now=T0)
        assert [e.quiz.slug for e in entries] == ["z-wajib", "a-umum", "b-instansi"]
        assert entries[0].required and entries[0].due == dt.date(2026, 12, 1)
        assert entries[0].required_by == ["Kursus wajib"]
        assert entries[0].overdue(dt.date(2026, 12, 2)) and not entries[0].overdue(dt.date(2026, 12, 1))
        assert not entries[1].required


def test_superadmin_sees_every_published_quiz(app: Flask, make_unit, make_user) -> None:
    admin = make_user(Role.SUPERADMIN)
    unit = make_unit()
    with app.app_context():
        from elearn.org.models import Instansi

        make_quiz("a-umum")
        make_quiz("b-kota", instansi=db.session.get(Instansi, unit.instansi_id))
        assert {e.quiz.slug for e in svc.my_quizzes(user(admin.id), now=T0)} == {"a-umum", "b-kota"}


# --- course completion -----------------------------------------------------------------------


@pytest.mark.parametrize("quiz_pass", [True, False])
def test_course_completion_waits_for_the_quiz_when_required(app: Flask, make_user, make_course,
                                                            quiz_pass: bool) -> None:
    cv = make_course(modules=1, sections=1)
    person = make_user()
    with app.app_context():
        make_quiz("kuis-kursus")
        version = db.session.get(CourseVersion, cv.id)
        version.requires = {"quiz": "kuis-kursus", "pledge": "pakta-netralitas"}
        version.completion = {"modules": "all", "quiz_pass": quiz_pass, "pledge_signed": False}
        db.session.flush()
        learner = user(person.id)
        enrollment = enroll(learner, version.course)
        record_progress(learner, enrollment, version.modules[0].module, 0, True)
        view = course_view(learner, version.course)
        assert view.modules_completed and view.required_quiz == "kuis-kursus"
        assert view.completed is not quiz_pass
        assert view.quiz_needed is quiz_pass
        assert view.percent == (50 if quiz_pass else 100)  # 1 module + the quiz when it counts
        # a failed attempt does not complete it; a passed one does
        quiz = svc.find_quiz("kuis-kursus")
        failed = svc.start_attempt(learner, quiz, now=T0)
        svc.submit_attempt(failed, now=T0)
        assert course_view(learner, version.course).completed is not quiz_pass
        passed = svc.start_attempt(learner, quiz, now=T0)
        answer_all(passed)
        svc.submit_attempt(passed, now=T0)
        view = course_view(learner, version.course)
        assert view.completed and view.quiz_passed and view.percent == 100
        assert db.session.get(Enrollment, enrollment.id).modules_completed_at is not None


def test_passing_the_quiz_alone_does_not_complete_the_course(app: Flask, make_user, make_course) -> None:
    cv = make_course(modules=2, sections=1)
    person = make_user()
    with app.app_context():
        make_quiz("kuis-kursus")
        version = db.session.get(CourseVersion, cv.id)
        version.requires = {"quiz": "kuis-kursus"}
        version.completion = {"modules": "all", "quiz_pass": True}
        db.session.flush()
        learner = user(person.id)
        attempt = svc.start_attempt(learner, svc.find_quiz("kuis-kursus"), now=T0)
        answer_all(attempt)
        svc.submit_attempt(attempt, now=T0)
        view = course_view(learner, version.course)
        assert view.quiz_passed and not view.completed and not view.quiz_needed
