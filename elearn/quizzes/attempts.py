"""Taking quizzes: which quizzes a learner sees, starting, answering, timing, submitting, reviewing.

Services take plain values and flush; the view commits. Every write is safe to repeat:

- starting twice (a double tap, a retried request, two tabs) gives the same attempt: an attempt in
  progress is resumed, and two concurrent first starts race on the unique (user, quiz, number) key,
  the loser re-reads the winner's row;
- an answer is one ``AttemptItem`` row per question, updated in place; saving the same answer again
  changes nothing; a branching path only grows, and a step for a node already on the path is
  ignored (so a retried POST never appends twice and a choice made can't be changed);
- submitting an attempt that is no longer in progress returns it as it is (never regraded).

**The timing rule.** An attempt of a quiz with a time limit has ``deadline_at = started_at + limit``.
Saves and submits are accepted until ``deadline_at + GRACE`` (30 s for a request in flight on a slow
connection); later ones are refused. An attempt found past ``deadline_at + GRACE`` while still in
progress (when it is opened, listed, saved to or submitted) is finalised: graded with the answers
saved until then, status ``expired``, ``submitted_at = deadline_at``. An expired attempt counts as
an attempt, shows its review and passes like a submitted one when its score reaches the pass mark;
the status only records that time ran out rather than that the learner pressed "Kirim".
"""
from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload

from .. import authz
from ..accounts.models import Role, User
from ..db import begin_write, db, utcnow
from ..errors import ServiceError
from .models import Attempt, AttemptItem, AttemptStatus, QuestionVersion, Quiz
from .services import DrawError, draw_questions
from .types import QUESTION_TYPES, Branching, InvalidResponse

#: how long after the deadline a save or submit is still accepted (network latency)
GRACE = dt.timedelta(seconds=30)


class AttemptError(ServiceError):
    """A refused operation on an attempt. ``code``: ``limit`` (no attempts left), ``empty`` (the quiz
    has no questions to draw), ``closed`` (already submitted), ``expired`` (time is up: the attempt
    has just been finalised; the caller should commit), ``answer`` (not a valid answer)."""


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else utcnow()


# --- which quizzes -------------------------------------------------------------------------


@dataclass
class QuizEntry:
    """One quiz in a learner's list, with their attempts at it."""

    quiz: Quiz
    attempts: list[Attempt] = field(default_factory=list)
    #: titles of the assigned courses requiring this quiz (empty: not required)
    required_by: list[str] = field(default_factory=list)
    due: dt.date | None = None

    @property
    def required(self) -> bool:
        return bool(self.required_by)

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.attempts)

    @property
    def best_percent(self) -> float | None:
        done = [a.percent for a in self.attempts if a.percent is not None]
        return max(done) if done else None

    @property
    def in_progress(self) -> Attempt | None:
        return next((a for a in self.attempts if a.status == AttemptStatus.IN_PROGRESS), None)

    @property
    def attempts_left(self) -> int | None:
        return attempts_left(self.quiz, len(self.attempts))

    def overdue(self, today: dt.date) -> bool:
        return self.due is not None and self.due < today and not self.passed


def attempts_left(quiz: Quiz, used: int) -> int | None:
    """Attempts the learner may still start (None: unlimited)."""
    if quiz.attempt_limit is None:
        return None
    return max(quiz.attempt_limit - used, 0)


def _required_quizzes(user: User, assigned: list[Any] | None = None) -> dict[str, tuple[list[str], dt.date | None]]:
    """quiz slug -> (titles of the assigned courses requiring it, earliest due date). ``assigned``:
    ``assigned_courses_for(user)`` when the caller has it (the home page: from its course list)."""
    from ..courses import published
    from ..courses.assignments import assigned_courses_for

    required: dict[str, tuple[list[str], dt.date | None]] = {}
    if assigned is None:
        assigned = assigned_courses_for(user)
    versions = published.versions(course.published_version_id for course, _due in assigned)
    for course, due in assigned:
        version = versions.get(course.published_version_id) if course.published_version_id else None
        slug = (version.requires or {}).get("quiz") if version is not None else None
        if not slug:
            continue
        titles, earliest = required.get(slug, ([], None))
        titles.append(version.title)
        if due is not None and (earliest is None or due < earliest):
            earliest = due
        required[slug] = (titles, earliest)
    return required


def my_quizzes(user: User, now: dt.datetime | None = None, *, finalise: bool = True,
               assigned: list[Any] | None = None) -> list[QuizEntry]:
    """The published quizzes ``user`` may take (shipped ones and their instansi's), with their
    attempts (overdue ones finalised first unless ``finalise`` is false: read-only callers). Quizzes
    required by a course assigned to them come first, soonest due date first; then the rest by
    title. Three queries (four when finalising)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if finalise:
        finalise_overdue(user, now=now)
    # the quizzes with the person's attempts at them, in one query (issue 14: the home page's budget)
    quizzes: dict[int, Quiz] = {}
    attempts: dict[int, list[Attempt]] = {}
    params = {"instansi_id": user.instansi_id, "user_id": user.id, "audiences": sorted(authz.quiz_audiences(user))}
    for quiz, attempt in db.session.execute(_quizzes_statement(user.role == Role.SUPERADMIN), params):
        quizzes.setdefault(quiz.id, quiz)
        if attempt is not None:
            attempts.setdefault(quiz.id, []).append(attempt)
    required = _required_quizzes(user, assigned)
    entries = []
    for quiz in quizzes.values():
        titles, due = required.get(quiz.slug, ([], None))
        entries.append(QuizEntry(quiz, attempts.get(quiz.id, []), titles, due))
    # stable: the title order stays within each group
    entries.sort(key=lambda e: (0, e.due or dt.date.max) if e.required else (1, dt.date.max))
    return entries


@functools.cache
def _quizzes_statement(superadmin: bool) -> Select[tuple[Quiz, Attempt]]:
    """The quizzes a person of ``:instansi_id`` may take, by title, each with ``:user_id``'s attempts
    (a row per attempt, in order; one row with None for a quiz not attempted), without the attempts'
    items; built once per process (issue 14: building a statement took longer than running it),
    from the one access rule."""
    person = authz.ParametricPerson(Role.SUPERADMIN if superadmin else Role.PESERTA)
    mine = and_(Attempt.quiz_id == Quiz.id, Attempt.user_id == bindparam("user_id"))
    stmt = (authz.scope_quizzes(select(Quiz, Attempt), person)  # type: ignore[arg-type]
            .outerjoin(Attempt, mine)
            .options(lazyload(Attempt.items), lazyload(Attempt.quiz))
            .order_by(Quiz.title, Quiz.id, Attempt.number))
    if superadmin:
        return stmt
    # only the quizzes for the person (authz.in_quiz_audience: ``:audiences`` are theirs); a quiz they
    # have attempts at stays listed (their attempts and reviews)
    return stmt.where(or_(Quiz.audience.is_(None), Quiz.audience.in_(bindparam("audiences", expanding=True)),
                          Attempt.id.is_not(None)))


@functools.cache
def _attempts_statement() -> Select[tuple[Attempt]]:
    """A person's attempts at ``:quiz_ids`` without their items (a list shows none of them; the
    quizzes are in the session already)."""
    return (select(Attempt).options(lazyload(Attempt.items), lazyload(Attempt.quiz))
            .where(Attempt.user_id == bindparam("user_id"), Attempt.quiz_id.in_(bindparam("quiz_ids", expanding=True)))
            .order_by(Attempt.number))


def quiz_entry(user: User, quiz: Quiz, now: dt.datetime | None = None) -> QuizEntry:
    """One quiz with the user's attempts (overdue ones finalised first) and whether it is required."""
    finalise_overdue(user, quiz, now=now)
    titles, due = _required_quizzes(user).get(quiz.slug, ([], None))
    return QuizEntry(quiz, user_attempts(user, quiz), titles, due)


def user_attempts(user: User, quiz: Quiz) -> list[Attempt]:
    return list(db.session.scalars(_attempts_statement(), {"user_id": user.id, "quiz_ids": [quiz.id]}).unique())


def passed_quizzes(user_id: int | ColumnElement[int], slugs: Iterable[str]) -> Select[tuple[str]]:
    """The slugs among ``slugs`` of the quizzes the user has passed (a submitted or expired attempt
    at or above its pass mark), as a query. ``user_id`` may be a column of an enclosing query, for
    ``.exists()`` (see ``courses.completion``)."""
    return (
        select(Quiz.slug).join(Attempt, Attempt.quiz_id == Quiz.id)
        .where(Attempt.user_id == user_id, Attempt.passed.is_(True), Quiz.slug.in_(slugs if isinstance(slugs, BindParameter) else list(slugs)))
    )


def passed_quiz_slugs(user_id: int, slugs: Iterable[str]) -> set[str]:
    """The quizzes among ``slugs`` that the user has passed. One query (none without slugs)."""
    wanted = list(set(slugs))
    if not wanted:
        return set()
    return set(db.session.scalars(passed_quizzes(user_id, wanted).distinct()))


def find_quiz(slug: str) -> Quiz | None:
    return db.session.scalar(_quiz_by_slug(), {"slug": slug})


@functools.cache
def _quiz_by_slug() -> Select[tuple[Quiz]]:
    return select(Quiz).where(Quiz.slug == bindparam("slug"))


# --- starting ------------------------------------------------------------------------------


def _find_attempt(user_id: int, quiz_id: int, number: int) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id, Attempt.number == number)
    )


def _in_progress(user_id: int, quiz_id: int) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id,
                              Attempt.status == AttemptStatus.IN_PROGRESS)
        .order_by(Attempt.number.desc()).limit(1)
    )


def _draw(quiz: Quiz, rng: random.Random) -> list[QuestionVersion]:
    """The quiz's draw (already in the attempt's order: shuffled when ``quiz.shuffle_questions``)."""
    try:
        return draw_questions(quiz, rng)
    except DrawError:
        raise AttemptError(_("Soal kuis ini belum lengkap di bank soal. Hubungi pelatih Anda."), "empty") from None


def option_order(version: QuestionVersion, shuffle: bool, rng: random.Random) -> list[str] | None:
    """The order the attempt shows the version's options in; None when shown as written. Social-feed
    actions and true/false are never shuffled (the type gives no keys); branching choices stay in
    the author's order."""
    keys = QUESTION_TYPES[version.type].shuffle_keys(version.data)
    if not shuffle or len(keys) < 2:
        return None
    order = list(keys)
    rng.shuffle(order)
    return order


def start_attempt(user: User, quiz: Quiz, *, now: dt.datetime | None = None,
                  rng: random.Random | None = None) -> Attempt:
    """The user's attempt in progress at ``quiz``, or a new one. Idempotent and race-safe (see the
    module docstring). Raises AttemptError "limit" when no attempts are left, "empty" when the
    quiz draws no questions. Flushes."""
    now = _now(now)
    rng = rng or random.SystemRandom()
    finalise_overdue(user, quiz, now=now)
    current = _in_progress(user.id, quiz.id)
    if current is not None:
        return current
    used = db.session.scalar(
        select(func.count(Attempt.id)).where(Attempt.user_id == user.id, Attempt.quiz_id == quiz.id)
    ) or 0
    if attempts_left(quiz, used) == 0:
        raise AttemptError(_("Kesempatan mengerjakan kuis ini sudah habis."), "limit")
    number = (db.session.scalar(
        select(func.max(Attempt.number)).where(Attempt.user_id == user.id, Attempt.quiz_id == quiz.id)
    ) or 0) + 1
    versions = _draw(quiz, rng)
    if not versions:
        raise AttemptError(_("Kuis ini belum memiliki soal."), "empty")
    deadline = now + dt.timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
    try:
        with db.session.begin_nested():
            attempt = Attempt(
                quiz_id=quiz.id, user_id=user.id, number=number, status=AttemptStatus.IN_PROGRESS,
                unit_id=user.unit_id, skpd_id=user.skpd_id, started_at=now, deadline_at=deadline,
                pass_mark=quiz.pass_mark,
            )
            attempt.items = [
                AttemptItem(position=i, question_version_id=version.id,
                            option_order=option_order(version, quiz.shuffle_options, rng), updated_at=now)
                for i, version in enumerate(versions, start=1)
            ]
            db.session.add(attempt)
    except IntegrityError:
        # another request started this attempt in the meantime: continue with theirs
        attempt = _find_attempt(user.id, quiz.id, number)
        if attempt is None:  # pragma: no cover - the constraint that failed guarantees the row
            raise
    return attempt


# --- timing --------------------------------------------------------------------------------


def is_overdue(attempt: Attempt, now: dt.datetime | None = None) -> bool:
    """In progress and past its deadline plus the grace period."""
    return (attempt.status == AttemptStatus.IN_PROGRESS and attempt.deadline_at is not None
            and _now(now) > attempt.deadline_at + GRACE)


def seconds_left(attempt: Attempt, now: dt.datetime | None = None) -> int | None:
    """Whole seconds until the deadline (0 once it passed); None without a time limit."""
    if attempt.deadline_at is None:
        return None
    return max(int((attempt.deadline_at - _now(now)).total_seconds()), 0)


def finalise_overdue(user: User, quiz: Quiz | None = None, *, now: dt.datetime | None = None) -> list[Attempt]:
    """Finalise the user's attempts (at ``quiz``, or at any quiz) whose time ran out. Flushes."""
    now = _now(now)
    params: dict[str, Any] = {"user_id": user.id, "before": now - GRACE}
    if quiz is not None:
        params["quiz_id"] = quiz.id
    overdue = list(db.session.scalars(_overdue_statement(quiz is not None), params).unique())
    for attempt in overdue:
        _finalise(attempt, AttemptStatus.EXPIRED, attempt.deadline_at or now)
    return overdue


@functools.cache
def _overdue_statement(one_quiz: bool) -> Select[tuple[Attempt]]:
    """A person's attempts still open after their deadline (``:before``: now minus the grace), at
    ``:quiz_id`` when ``one_quiz``; built once per process."""
    stmt = select(Attempt).where(Attempt.user_id == bindparam("user_id"), Attempt.status == AttemptStatus.IN_PROGRESS,
                                 Attempt.deadline_at.is_not(None), Attempt.deadline_at < bindparam("before"))
    if one_quiz:
        stmt = stmt.where(Attempt.quiz_id == bindparam("quiz_id"))
    return stmt


def touch(attempt: Attempt, now: dt.datetime | None = None) -> bool:
    """Finalise ``attempt`` if its time ran out; True when it did. Flushes."""
    if is_overdue(attempt, now):
        _finalise(attempt, AttemptStatus.EXPIRED, attempt.deadline_at or _now(now))
        return True
    return False


def _check_open(attempt: Attempt, now: dt.datetime) -> None:
    if touch(attempt, now):
        raise AttemptError(_("Waktu mengerjakan kuis sudah habis. Jawaban yang tersimpan sebelum batas waktu "
                             "sudah dinilai."), "expired")
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptError(_("Percobaan ini sudah dikirim; jawabannya tidak dapat diubah lagi."), "closed")


# --- answering -----------------------------------------------------------------------------


def lock_attempt(attempt_id: int) -> Attempt | None:
    """The attempt, locked for the rest of the transaction: a save and a submit of the same attempt
    don't interleave. Starts a new transaction as a writer (``db.begin_write``): on SQLite a
    transaction that read first and writes later fails at once ("database is locked") when another
    phone saved in between, which the benchmark of issue 14 hit with 20 phones answering; BEGIN
    IMMEDIATE makes the save wait its turn. Call it first in a request's unit of work."""
    begin_write()
    return db.session.scalars(_attempt_statement(True), {"id": attempt_id}).unique().one_or_none()


def load_attempt(attempt_id: int) -> Attempt | None:
    """The attempt with its items and their question versions: two queries (the attempt, then the
    items with their versions joined), not the chain of every version's question, bank and current
    version the models' default loading brings."""
    return db.session.scalars(_attempt_statement(False), {"id": attempt_id}).unique().one_or_none()


@functools.cache
def _attempt_statement(lock: bool) -> Select[tuple[Attempt]]:
    stmt = (select(Attempt)
            .options(lazyload(Attempt.quiz), selectinload(Attempt.items).joinedload(AttemptItem.question_version)
                     .lazyload(QuestionVersion.question))
            .where(Attempt.id == bindparam("id")))
    return stmt.with_for_update(of=Attempt) if lock else stmt


def item_at(attempt: Attempt, position: int) -> AttemptItem | None:
    return next((item for item in attempt.items if item.position == position), None)


def is_answered(item: AttemptItem) -> bool:
    """A branching item counts as answered once its path has ended; other types once saved."""
    if item.response is None:
        return False
    version = item.question_version
    qtype = QUESTION_TYPES[version.type]
    if isinstance(qtype, Branching):
        return qtype.is_complete(version.data, item.response)
    return True


def resume_position(attempt: Attempt) -> int | None:
    """The first question not answered yet (None when every question is answered)."""
    return next((item.position for item in attempt.items if not is_answered(item)), None)


def save_answer(attempt: Attempt, position: int, raw: Any, *, now: dt.datetime | None = None) -> AttemptItem:
    """Save the answer to question ``position`` (1-based) from raw form or JSON input.

    Choice, true/false and social-feed answers replace the saved one; a branching answer is one step
    ``{"node": ..., "choice": ...}`` appended to the path (ignored when that node is already on it).
    Saving what is already saved changes nothing. Raises AttemptError ("expired", "closed",
    "answer"). Flushes."""
    now = _now(now)
    _check_open(attempt, now)
    item = item_at(attempt, position)
    if item is None:
        raise AttemptError(_("Soal ini tidak ada dalam percobaan Anda."), "answer")
    version = item.question_version
    qtype = QUESTION_TYPES[version.type]
    try:
        if isinstance(qtype, Branching):
            node, choice = _branch_step(raw)
            response = qtype.append_step(version.data, item.response, node, choice)
        else:
            response = qtype.normalise_response(version.data, raw)
    except InvalidResponse as exc:
        raise AttemptError(answer_error(version.type, raw), "answer") from exc
    if response != item.response:
        item.response = response
        item.answered_at = item.answered_at or now
        item.updated_at = now
        db.session.flush()
    return item


def _first(raw: Any, name: str) -> Any:
    if hasattr(raw, "getlist"):
        values = raw.getlist(name)
        return values[0] if values else None
    if isinstance(raw, Mapping):
        value = raw.get(name)
        if isinstance(value, list | tuple):
            return value[0] if value else None
        return value
    return None


def _branch_step(raw: Any) -> tuple[str, str]:
    node, choice = _first(raw, "node"), _first(raw, "choice")
    if not isinstance(node, str) or not isinstance(choice, str) or not node or not choice:
        raise InvalidResponse("a branching answer needs a node and a choice")
    return node, choice


def answer_error(qtype: str, raw: Any) -> str:
    """What to tell a learner whose input was not an answer to a question of this type."""
    if qtype == "single_choice":
        return _("Pilih satu jawaban.")
    if qtype == "multiple_response":
        return _("Pilih setidaknya satu jawaban.")
    if qtype == "true_false":
        return _("Pilih Benar atau Salah.")
    if qtype == "branching":
        return _("Pilih salah satu tindakan untuk situasi ini.")
    values = raw.getlist("actions") if hasattr(raw, "getlist") else (
        raw.get("actions") if isinstance(raw, Mapping) else None)
    if isinstance(values, list | tuple) and "ignore" in values and len(values) > 1:
        return _("\u201cAbaikan\u201d tidak dapat digabung dengan tindakan lain.")
    return _("Pilih setidaknya satu tindakan.")


# --- submitting ----------------------------------------------------------------------------


def grade_item(item: AttemptItem) -> None:
    """Store the item's score, fraction and correctness (an unanswered item scores 0)."""
    version = item.question_version
    if item.response is None:
        item.score, item.fraction, item.correct = 0.0, 0.0, False
        return
    grade = QUESTION_TYPES[version.type].grade(version.data, item.response)
    item.score, item.fraction, item.correct = grade.score, grade.fraction, grade.correct


def _finalise(attempt: Attempt, status: AttemptStatus, at: dt.datetime) -> None:
    score = 0.0
    max_score = 0.0
    for item in attempt.items:
        grade_item(item)
        score += item.score or 0.0
        max_score += QUESTION_TYPES[item.question_version.type].max_points(item.question_version.data)
    attempt.score = round(score, 6)
    attempt.max_score = round(max_score, 6)
    attempt.percent = round(100 * score / max_score, 2) if max_score else 0.0
    attempt.passed = attempt.percent >= attempt.pass_mark
    attempt.status = status
    attempt.submitted_at = at
    db.session.flush()
    # the item analysis's figures, in the same transaction (tallies.py)
    from .tallies import record_finished

    record_finished(attempt)
    if attempt.passed:
        # the quiz may have been the last part of a course: issue its certificate in this request
        from ..certificates.services import issue_due

        slug = attempt.quiz.slug if attempt.quiz is not None else db.session.scalar(
            select(Quiz.slug).where(Quiz.id == attempt.quiz_id))
        issue_due(attempt.user_id, quiz=slug, now=at)


def submit_attempt(attempt: Attempt, *, now: dt.datetime | None = None) -> Attempt:
    """Grade and close the attempt. Idempotent: an attempt no longer in progress is returned as it
    is. Past its deadline (plus grace) it is finalised as expired instead. Flushes."""
    now = _now(now)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return attempt
    if not touch(attempt, now):
        _finalise(attempt, AttemptStatus.SUBMITTED, now)
    return attempt


# --- review --------------------------------------------------------------------------------


def is_finished(attempt: Attempt) -> bool:
    return attempt.status in (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED)
