"""Helpers for the attempt tests: the fixture bank ``contoh`` (tests/fixtures/quizzes/valid, one
question of each type) and quizzes over it whose draw is fixed (every question, or named ones)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from elearn.content.quizzes import sync_quizzes, upsert_quiz
from elearn.db import db
from elearn.quizzes.models import Question, QuestionBank, Quiz, QuizStatus

FIXTURE_BANKS = Path(__file__).parent / "fixtures" / "quizzes" / "valid"
SINGLE = "like-tim-pemenangan"
MULTIPLE = "sikap-saat-diajak-hadir"
TRUE_FALSE = "nonton-debat"
BRANCHING = "pesan-suara-sekda"
FEED = "feed-tim-pemenangan"
ALL = (SINGLE, MULTIPLE, TRUE_FALSE, BRANCHING, FEED)

#: a full-marks answer per question (branching: the steps of the best path)
RIGHT = {
    SINGLE: {"options": ["a"]},
    MULTIPLE: {"options": ["tolak", "bukti"]},
    TRUE_FALSE: {"answer": "true"},
    BRANCHING: [{"node": "pesan", "choice": "tidak-hadir"}, {"node": "melapor", "choice": "lapor"}],
    FEED: {"actions": ["ignore"]},
}


def fixture_bank() -> QuestionBank:
    """Sync the fixture bank (idempotent) and return it. Its own quiz (a random draw) is set back to
    draft so that learners only see the quizzes a test makes. Needs an app context."""
    sync_quizzes(FIXTURE_BANKS)
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == "contoh"))
    assert bank is not None
    for quiz in db.session.scalars(select(Quiz).where(Quiz.slug == "kuis-contoh")):
        quiz.status = QuizStatus.DRAFT
    db.session.flush()
    return bank


def make_quiz(slug: str = "kuis-uji", keys: tuple[str, ...] = ALL, *, instansi: Any = None,
              bank: QuestionBank | None = None, **options: Any) -> Quiz:
    """A published quiz drawing exactly ``keys`` from ``bank`` (default: the fixture bank, synced
    again, which retires questions added outside its files), in that order unless
    ``shuffle_questions`` is given. Other options: pass_mark, attempt_limit, time_limit_minutes, ..."""
    bank = bank or fixture_bank()
    data = {"slug": slug, "title": options.pop("title", "Kuis uji"), "pass_mark": options.pop("pass_mark", 70),
            "shuffle_questions": options.pop("shuffle_questions", False),
            "shuffle_options": options.pop("shuffle_options", False),
            "draw": [{"count": 1, "questions": [key]} for key in keys], **options}
    quiz, _status = upsert_quiz(bank, data, instansi=instansi)
    return quiz


def question(key: str) -> Question:
    found = db.session.scalar(select(Question).join(QuestionBank).where(QuestionBank.slug == "contoh",
                                                                       Question.key == key))
    assert found is not None
    return found


def position_of(attempt: Any, key: str) -> int:
    return next(item.position for item in attempt.items if item.question_version.question.key == key)
