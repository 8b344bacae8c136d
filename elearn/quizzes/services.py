"""Quiz services over the database: which questions a bank offers and drawing them for an attempt.

Services take plain values and flush, never commit.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from ..content.quizzes import MergedPool, merge_pools
from ..db import db
from .models import Question, QuestionBank, QuestionTag, QuestionVersion, Quiz, QuizBank, Tag


class DrawError(ValueError):
    """A draw rule of a quiz can't be satisfied by the bank as it is now."""

    def __init__(self, quiz: Quiz, rule_index: int, needed: int, available: int) -> None:
        super().__init__(f"quiz '{quiz.slug}', draw item {rule_index + 1}: needs {needed} question(s), "
                         f"only {available} left in the bank")
        self.quiz_slug = quiz.slug
        self.rule_index = rule_index
        self.needed = needed
        self.available = available


def _ids(bank_ids: int | Sequence[int]) -> list[int]:
    return [bank_ids] if isinstance(bank_ids, int) else list(bank_ids)


def drawable_questions(bank_ids: int | Sequence[int]) -> list[tuple[Question, QuestionVersion]]:
    """The questions a quiz of the bank(s) may draw: current version, not retired, not a draft; in bank
    order (banks in the given order, then each bank's order)."""
    ids = _ids(bank_ids)
    rows = db.session.execute(
        select(Question, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id.in_(ids), Question.retired.is_(False), QuestionVersion.draft.is_(False))
        .order_by(Question.position, Question.id)
    ).all()
    place = {bank_id: i for i, bank_id in enumerate(ids)}
    return sorted(((question, version) for question, version in rows), key=lambda row: place[row[0].bank_id])


def question_tags(bank_ids: int | Sequence[int]) -> dict[int, set[str]]:
    """Question id -> tag slugs (QuestionTag mirrors each question's current version)."""
    result: dict[int, set[str]] = {}
    rows = db.session.execute(
        select(QuestionTag.question_id, Tag.slug)
        .join(Tag, Tag.id == QuestionTag.tag_id)
        .join(Question, Question.id == QuestionTag.question_id)
        .where(Question.bank_id.in_(_ids(bank_ids)))
    )
    for question_id, slug in rows:
        result.setdefault(question_id, set()).add(slug)
    return result


def quiz_bank_ids(quiz: Quiz) -> list[int]:
    """The ids of the banks ``quiz`` draws from, in order (one query; a quiz without quiz_banks rows:
    its home bank)."""
    return list(db.session.scalars(select(QuizBank.bank_id).where(QuizBank.quiz_id == quiz.id)
                                   .order_by(QuizBank.position))) or [quiz.bank_id]


def bank_pool(bank_id: int) -> tuple[dict[str, list[str]], set[str]]:
    """(drawable question key -> tags, keys of current draft questions) of one bank."""
    tags = question_tags(bank_id)
    pool = {q.key: sorted(tags.get(q.id, set())) for q, _v in drawable_questions(bank_id)}
    drafts = set(db.session.scalars(
        select(Question.key)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == bank_id, Question.retired.is_(False), QuestionVersion.draft.is_(True))
    ))
    return pool, drafts


def quiz_pool(banks: Sequence[QuestionBank]) -> MergedPool:
    """What ``content.quizzes.validate_quiz`` checks the draw rules of a quiz over ``banks`` against
    (ids qualified by the bank when there are several: ``MergedPool``)."""
    return merge_pools([(bank.slug, *bank_pool(bank.id)) for bank in banks])


@dataclass(frozen=True)
class _Entry:
    """One drawable question as plain values (quick to filter): its place in the bank order."""

    position: int
    question_id: int
    key: str
    #: ``bank/key``: how a rule names it when two banks of the quiz use the same key
    ref: str
    tags: frozenset[str]
    version: QuestionVersion


@dataclass(frozen=True)
class DrawPool:
    """What a bank offers to draws: its drawable questions (bank order) and their tags."""

    candidates: list[tuple[Question, QuestionVersion]]
    tags: dict[int, set[str]]
    entries: tuple[_Entry, ...] = field(init=False)

    def __post_init__(self) -> None:
        entries = tuple(_Entry(i, q.id, q.key, f"{q.bank.slug}/{q.key}", frozenset(self.tags.get(q.id, ())), v)
                        for i, (q, v) in enumerate(self.candidates))
        object.__setattr__(self, "entries", entries)


def draw_pool(bank_ids: int | Sequence[int]) -> DrawPool:
    """The pool of the bank(s) as it is now (two queries; a quiz's: ``draw_pool(quiz_bank_ids(quiz))``); pass
    it to ``draw_questions`` to draw many attempts at once (the demo data does)."""
    return DrawPool(drawable_questions(bank_ids), question_tags(bank_ids))


def draw_questions(quiz: Quiz, rng: random.Random, pool: DrawPool | None = None) -> list[QuestionVersion]:
    """The question versions of a new attempt: the draw rules in order (``{count, tags}``: questions having
    any of the tags; ``{count, questions}``: from these ids, bare or ``bank/id``; ``{count}``: from the rest
    of the quiz's banks), never
    the same question twice, only current versions of questions that are neither retired nor drafts.

    Within a rule the questions are chosen at random with ``rng``. The result is shuffled when
    ``quiz.shuffle_questions``; otherwise it keeps the rule order and, within a rule, the bank order.
    ``pool``: the bank's ``draw_pool`` (loaded when not given). Raises DrawError when a rule can't be
    satisfied."""
    pool = pool if pool is not None else draw_pool(quiz_bank_ids(quiz))
    taken: set[int] = set()
    drawn: list[QuestionVersion] = []
    for index, rule in enumerate(quiz.draw or []):
        count = int(rule.get("count") or 0)
        eligible: Sequence[_Entry]
        if rule.get("tags"):
            wanted = set(rule["tags"])
            eligible = [e for e in pool.entries if e.tags & wanted]
        elif rule.get("questions"):
            keys = set(rule["questions"])
            eligible = [e for e in pool.entries if e.key in keys or e.ref in keys]
        else:
            eligible = pool.entries
        eligible = [e for e in eligible if e.question_id not in taken]
        if len(eligible) < count:
            raise DrawError(quiz, index, count, len(eligible))
        chosen = rng.sample(eligible, count)
        if not quiz.shuffle_questions:
            chosen.sort(key=lambda e: e.position)
        taken.update(e.question_id for e in chosen)
        drawn.extend(e.version for e in chosen)
    if quiz.shuffle_questions:
        rng.shuffle(drawn)
    return drawn
