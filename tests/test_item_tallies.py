"""The item analysis kept per finished attempt (quizzes/tallies.py; issue 14): what the app adds at
each submit equals a full recount, and the analysis page reads the same number of statements
whatever the number of attempts."""
from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.db import db
from elearn.quizzes import attempts as svc
from elearn.quizzes import tallies
from elearn.quizzes.models import (
    Attempt,
    QuizChoiceTally,
    QuizItemTally,
    QuizSkpdTally,
    QuizTallyMark,
)
from quiz_support import BRANCHING, FEED, MULTIPLE, RIGHT, SINGLE, TRUE_FALSE, make_quiz
from support import count_statements

#: wrong (or partly right) answers, so the figures vary
WRONG = {
    SINGLE: {"options": ["b"]},
    MULTIPLE: {"options": ["tolak"]},
    TRUE_FALSE: {"answer": "false"},
    BRANCHING: [{"node": "pesan", "choice": "hadir"}],
    FEED: {"actions": ["like", "share"]},
}


def _snapshot(quiz_id: int) -> dict[str, Any]:
    def rows(model: Any, key: tuple[str, ...], values: tuple[str, ...]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        return {tuple(getattr(r, k) for k in key): tuple(round(float(getattr(r, v)), 9) for v in values)
                for r in db.session.scalars(select(model).where(model.quiz_id == quiz_id))
                if any(getattr(r, v) for v in values)}

    return {
        "skpds": rows(QuizSkpdTally, ("skpd_key",), ("people", "passed", "attempts")),
        "items": rows(QuizItemTally, ("skpd_key", "question_version_id"),
                      ("n", "fraction", "correct", "m", "x", "y", "xx", "yy", "xy")),
        "choices": rows(QuizChoiceTally, ("skpd_key", "question_version_id", "choice_key"), ("count",)),
    }


def _take(person: User, quiz: Any, rng: random.Random, *, leave_one_open: bool = False,
          now: dt.datetime | None = None) -> Attempt:
    attempt = svc.start_attempt(person, quiz, now=now)
    for item in attempt.items:
        key = item.question_version.question.key
        if leave_one_open and item.position == 1:
            continue
        answer = RIGHT[key] if rng.random() < 0.6 else WRONG[key]
        steps = answer if isinstance(answer, list) else [answer]
        for step in steps:
            svc.save_answer(attempt, item.position, step, now=now)
    return svc.submit_attempt(attempt, now=now)


def test_what_each_submit_adds_equals_a_full_recount(app: Flask, make_unit: Any, make_user: Any) -> None:
    skpd_a = make_unit("Dinas Tally A")
    skpd_b = make_unit("Dinas Tally B", instansi=skpd_a.instansi)
    people = [make_user(unit=skpd_a if n % 3 else skpd_b) for n in range(9)]
    rng = random.Random(14)
    with app.app_context():
        quiz = make_quiz("kuis-tally", attempt_limit=3)
        db.session.commit()
        tallies.ensure_fresh(quiz.id)  # nothing finished yet: the mark of an empty quiz
        db.session.commit()
        for n, row in enumerate(people):
            person = db.session.get(User, row.id)
            _take(person, quiz, rng, leave_one_open=n == 4)
            if n % 2 == 0:  # a retake: counted in attempts only
                _take(person, quiz, rng)
            db.session.commit()
        # an attempt whose time ran out, finalised as expired when the person next opens the quizzes
        late = db.session.get(User, make_user(unit=skpd_b).id)
        timed = make_quiz("kuis-tally", attempt_limit=3, time_limit_minutes=5)
        assert timed.id == quiz.id
        attempt = svc.start_attempt(late, timed, now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2))
        svc.save_answer(attempt, 1, RIGHT[attempt.items[0].question_version.question.key],
                        now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2))
        svc.finalise_overdue(late)
        db.session.commit()
        assert attempt.status.value == "expired"

        kept = _snapshot(quiz.id)
        mark = db.session.get(QuizTallyMark, quiz.id)
        assert (mark.finished, mark.last_id) == tallies.finished_mark(quiz.id) == (15, mark.last_id)
        assert tallies.ensure_fresh(quiz.id) is False  # nothing to count again
        per_skpd = {k: v for k, v in kept["skpds"].items() if k[0] >= 0}
        whole = kept["skpds"][(-skpd_a.instansi_id,)]  # the instansi's row: both SKPDs together
        assert sum(v[0] for v in per_skpd.values()) == whole[0] == 10  # people: first finished attempts
        assert sum(v[2] for v in per_skpd.values()) == whole[2] == 15  # every finished attempt
        tallies.rebuild(quiz.id)
        assert _snapshot(quiz.id) == kept


def test_figures_are_counted_again_when_attempts_change_behind_the_app(app: Flask, make_unit: Any,
                                                                      make_user: Any) -> None:
    skpd = make_unit("Dinas Tally C")
    rng = random.Random(7)
    with app.app_context():
        quiz = make_quiz("kuis-tally-c")
        for _ in range(3):
            _take(db.session.get(User, make_user(unit=skpd).id), quiz, rng)
        db.session.commit()
        assert tallies.ensure_fresh(quiz.id) is False
        # the newest attempt deleted by hand in the database: the newest finished attempt changed
        victim = db.session.scalars(select(Attempt).where(Attempt.quiz_id == quiz.id).order_by(Attempt.id.desc())).first()
        db.session.delete(victim)
        db.session.flush()
        assert tallies.ensure_fresh(quiz.id) is True
        assert sum(r.people for r in db.session.scalars(
            select(QuizSkpdTally).where(QuizSkpdTally.quiz_id == quiz.id, QuizSkpdTally.skpd_key >= 0))) == 2
        assert tallies.ensure_fresh(quiz.id) is False
        # attempts deleted in bulk by the app (an instansi's data removed): marked stale, counted again
        oldest = db.session.scalars(select(Attempt).where(Attempt.quiz_id == quiz.id).order_by(Attempt.id)).first()
        db.session.delete(oldest)
        tallies.mark_all_stale()
        db.session.flush()
        # a submit before the next read adds to the figures but does not make them fresh again
        _take(db.session.get(User, make_user(unit=skpd).id), quiz, rng)
        db.session.flush()
        assert tallies.ensure_fresh(quiz.id) is True
        assert sum(r.people for r in db.session.scalars(
            select(QuizSkpdTally).where(QuizSkpdTally.quiz_id == quiz.id, QuizSkpdTally.skpd_key >= 0))) == 2


def _statements_of_analysis(app: Flask, client: Any, slug: str) -> list[str]:
    assert client.get(f"/analisis/kuis/{slug}").status_code == 200  # counts again when stale
    with count_statements(app, transaction_control=False) as statements:
        response = client.get(f"/analisis/kuis/{slug}")
    assert response.status_code == 200
    return statements


@pytest.mark.parametrize("more", [6])
def test_the_analysis_page_does_not_grow_with_attempts(app: Flask, client: Any, make_unit: Any, make_user: Any,
                                                       login_as: Any, more: int) -> None:
    skpd = make_unit("Dinas Tally D")
    admin = make_user(unit=skpd, role=Role.ADMIN_BKPSDM)
    rng = random.Random(3)
    with app.app_context():
        quiz = make_quiz("kuis-tally-d")
        for _ in range(5):
            _take(db.session.get(User, make_user(unit=skpd).id), quiz, rng)
        db.session.commit()
    login_as(admin)
    few = _statements_of_analysis(app, client, "kuis-tally-d")
    with app.app_context():
        quiz = svc.find_quiz("kuis-tally-d")
        for _ in range(more):
            _take(db.session.get(User, make_user(unit=skpd).id), quiz, rng)
        db.session.commit()
    many = _statements_of_analysis(app, client, "kuis-tally-d")
    assert len(many) == len(few), (len(few), len(many))
    # the figures come from the tallies: no statement reads the attempts' answers
    assert not [s for s in many if "quiz_attempt_items" in s], many


def test_recount_command(app: Flask, make_unit: Any, make_user: Any) -> None:
    skpd = make_unit("Dinas Tally E")
    with app.app_context():
        quiz = make_quiz("kuis-tally-e")
        _take(db.session.get(User, make_user(unit=skpd).id), quiz, random.Random(1))
        db.session.commit()
        db.session.execute(QuizSkpdTally.__table__.update().values(people=99))  # figures gone wrong by hand
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["quiz", "recount-analysis", "--quiz", "kuis-tally-e"])
    assert result.exit_code == 0, result.output
    assert "kuis-tally-e: dihitung ulang." in result.output
    with app.app_context():
        assert sum(r.people for r in db.session.scalars(select(QuizSkpdTally).where(
            QuizSkpdTally.quiz_id == svc.find_quiz("kuis-tally-e").id, QuizSkpdTally.skpd_key >= 0))) == 1
    missing = app.test_cli_runner().invoke(args=["quiz", "recount-analysis", "--quiz", "tidak-ada"])
    assert missing.exit_code != 0 and "tidak ditemukan" in missing.output
