"""Drawing the questions of an attempt from a quiz's draw rules."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import select

from elearn.content.quizzes import sync_quizzes, upsert_question, upsert_quiz
from elearn.db import db
from elearn.quizzes.models import Question, QuestionBank, Quiz
from elearn.quizzes.services import DrawError, bank_pool, draw_pool, draw_questions, drawable_questions

VALID = Path(__file__).parent / "fixtures" / "quizzes" / "valid"
MEDSOS = {"like-tim-pemenangan", "feed-tim-pemenangan"}
POOL = {"pesan-suara-sekda", "nonton-debat"}


@pytest.fixture
def bank() -> QuestionBank:
    sync_quizzes(VALID)
    found = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == "contoh"))
    assert found is not None
    return found


def quiz(slug: str = "kuis-contoh") -> Quiz:
    found = db.session.scalar(select(Quiz).where(Quiz.slug == slug))
    assert found is not None
    return found


def question(bank: QuestionBank, key: str) -> Question:
    found = db.session.scalar(select(Question).where(Question.bank_id == bank.id, Question.key == key))
    assert found is not None
    return found


def make_quiz(bank: QuestionBank, draw: list[dict], shuffle: bool = False) -> Quiz:
    created, _ = upsert_quiz(bank, {"slug": "kuis-uji", "title": "Uji", "pass_mark": 50, "draw": draw,
                                    "shuffle_questions": shuffle})
    return created


def keys(versions) -> list[str]:  # type: ignore[no-untyped-def]
    return [v.question.key for v in versions]


def test_draw_follows_the_rules_in_order_without_duplicates(bank: QuestionBank) -> None:
    target = quiz()
    assert target.shuffle_questions is True
    target.shuffle_questions = False
    for seed in range(30):
        drawn = draw_questions(target, random.Random(seed))
        names = keys(drawn)
        assert len(names) == 4 and len(set(names)) == 4
        assert names[0] in MEDSOS
        assert names[1] in POOL
        for version in drawn:
            assert version.id == version.question.current_version_id


def test_rest_of_bank_keeps_bank_order_without_shuffling(bank: QuestionBank) -> None:
    target = make_quiz(bank, [{"count": 5}])
    assert keys(draw_questions(target, random.Random(1))) == [
        "like-tim-pemenangan", "sikap-saat-diajak-hadir", "nonton-debat", "pesan-suara-sekda", "feed-tim-pemenangan"]


def test_the_same_seed_draws_the_same_questions_and_shuffling_mixes_the_rules(bank: QuestionBank) -> None:
    target = quiz()
    assert keys(draw_questions(target, random.Random(7))) == keys(draw_questions(target, random.Random(7)))
    firsts = {keys(draw_questions(target, random.Random(seed)))[0] for seed in range(40)}
    assert firsts - MEDSOS, "with shuffle_questions the tag rule's question is not always first"
    drawn_sets = {frozenset(keys(draw_questions(target, random.Random(seed)))) for seed in range(40)}
    assert len(drawn_sets) > 1


def test_a_loaded_pool_draws_what_loading_it_each_time_draws(bank: QuestionBank) -> None:
    target = quiz()
    pool = draw_pool(target.bank_id)
    for seed in range(20):
        assert keys(draw_questions(target, random.Random(seed), pool)) == keys(draw_questions(target, random.Random(seed)))


def test_only_current_non_retired_non_draft_versions_are_drawn(bank: QuestionBank) -> None:
    question(bank, "sikap-saat-diajak-hadir").retired = True
    data = dict(question(bank, "nonton-debat").current_version.data)  # type: ignore[union-attr]
    old_id = question(bank, "nonton-debat").current_version_id
    new_version, status = upsert_question(bank, {**data, "stem": "Teks baru."})
    assert status == "updated"
    upsert_question(bank, {"id": "draf", "type": "true_false", "title": "Draf", "stem": "S", "draft": True,
                           "answer": True})
    db.session.flush()
    target = make_quiz(bank, [{"count": 4}])
    drawn = draw_questions(target, random.Random(3))
    assert sorted(keys(drawn)) == ["feed-tim-pemenangan", "like-tim-pemenangan", "nonton-debat",
                                   "pesan-suara-sekda"]
    ids = {v.id for v in drawn}
    assert new_version.id in ids and old_id not in ids
    assert len(drawable_questions(bank.id)) == 4
    pool, drafts = bank_pool(bank.id)
    assert drafts == {"draf"}
    assert pool["pesan-suara-sekda"] == ["mobilisasi", "tekanan-atasan"]
    assert "sikap-saat-diajak-hadir" not in pool


def test_a_rule_that_cannot_be_satisfied_is_a_clear_error(bank: QuestionBank) -> None:
    target = make_quiz(bank, [{"count": 1, "questions": ["pesan-suara-sekda"]},
                              {"count": 2, "tags": ["tekanan-atasan", "mobilisasi"]}])
    with pytest.raises(DrawError) as exc:
        draw_questions(target, random.Random(0))
    assert str(exc.value) == "quiz 'kuis-uji', draw item 2: needs 2 question(s), only 1 left in the bank"
    assert (exc.value.rule_index, exc.value.needed, exc.value.available) == (1, 2, 1)
    question(bank, "like-tim-pemenangan").retired = True
    question(bank, "feed-tim-pemenangan").retired = True
    db.session.flush()
    with pytest.raises(DrawError, match="draw item 1: needs 1 question"):
        draw_questions(quiz(), random.Random(0))


def test_tag_rules_use_the_current_tags(bank: QuestionBank) -> None:
    target = make_quiz(bank, [{"count": 1, "tags": ["hak-pilih"]}])
    assert keys(draw_questions(target, random.Random(0))) == ["nonton-debat"]
    data = dict(question(bank, "pesan-suara-sekda").current_version.data)  # type: ignore[union-attr]
    upsert_question(bank, {**data, "tags": ["hak-pilih"]})
    target.draw = [{"count": 2, "tags": ["hak-pilih"]}]
    assert sorted(keys(draw_questions(target, random.Random(0)))) == ["nonton-debat", "pesan-suara-sekda"]
