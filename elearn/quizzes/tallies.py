"""The item analysis kept up to date per finished attempt (issue 14: the page read every first
attempt's every answer on every request: 1.1 s at 50,000 ASN, growing with the attempts).

``record_finished(attempt)`` adds a finished attempt to additive per-SKPD figures (models:
``QuizSkpdTally``, ``QuizItemTally``, ``QuizChoiceTally``) in the transaction that finishes it, by
upserts that add (``n = n + 1``), so concurrent submits on PostgreSQL each add their share and
SQLite's writers queue. ``QuizTallyMark`` says which finished attempts the figures cover (how many,
and the largest id); ``ensure_fresh`` compares it with the newest finished attempt (an index
descent) and counts everything again (``rebuild``) when attempts came another way (the demo seed, a
bulk load, figures from before this table existed) or were deleted (``mark_all_stale``). ``read`` sums the rows of the SKPDs a
viewer may see.

What is counted is exactly what ``analysis`` counted from the attempts (its module docstring):
each person's first finished attempt for people, passes, versions and choices (the item-rest sums
included); every finished attempt in ``attempts``.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, literal, select, union_all, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite

from ..db import db
from .models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    QuestionVersion,
    QuizChoiceTally,
    QuizItemTally,
    QuizSkpdTally,
    QuizTallyMark,
)
from .types import QUESTION_TYPES, InvalidResponse

FINISHED = (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED)
#: the choice key of a question left unanswered
UNANSWERED = ""
STREAM_BATCH = 2000
_SUM_COLUMNS = ("n", "fraction", "correct", "m", "x", "y", "xx", "yy", "xy")
#: ``QuizTallyMark.finished`` of figures marked stale: far enough below 0 that the submits which still
#: add 1 to it before the next read cannot bring it back to a count
STALE = -(2**30)


def skpd_key(skpd_id: int | None) -> int:
    return skpd_id or 0


def chosen_keys(version: QuestionVersion, response: Any) -> list[str]:
    """The choices a response made, as the analysis counts them (none when it cannot be graded)."""
    try:
        return QUESTION_TYPES[version.type].grade(version.data, response).chosen
    except (InvalidResponse, KeyError, TypeError, ValueError, ZeroDivisionError):
        return []


# --- adding one finished attempt ---------------------------------------------------------------------------


def _upsert_insert(table: Any) -> Any:
    """The dialect's INSERT, which has ON CONFLICT DO UPDATE (both PostgreSQL and SQLite)."""
    module = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


def _upsert_add(table: Any, keys: dict[str, Any], values: dict[str, Any]) -> None:
    """INSERT the row, or add ``values`` to the existing one (the unique key ``keys``)."""
    stmt = _upsert_insert(table).values(**keys, **values)
    stmt = stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={name: table.c[name] + stmt.excluded[name] for name in values})
    db.session.execute(stmt)


def record_finished(attempt: Attempt) -> None:
    """Add ``attempt``, just finished and graded (its items carry fraction and correct), to its quiz's
    figures. Flushes; runs in the caller's transaction. An attempt that is not stored (graded on a
    copy that never enters the session) is not counted."""
    if attempt.id is None or not sa_inspect(attempt).persistent:
        return
    quiz_id = attempt.quiz_id
    others = db.session.execute(
        select(func.min(Attempt.number), func.count(Attempt.id)).where(
            Attempt.user_id == attempt.user_id, Attempt.quiz_id == quiz_id, Attempt.status.in_(FINISHED),
            Attempt.id != attempt.id)
    ).one()
    earlier_number, other_count = others
    if other_count and earlier_number is not None and earlier_number > attempt.number:
        # finished after a later attempt of the same person (never in the app's order of things):
        # which attempt is "first" changed; count the quiz again
        _mark_stale(quiz_id)
        return
    first = not other_count
    for key in _keys_of(attempt.skpd_id):
        _add_attempt(quiz_id, key, attempt, first)
    mark = QuizTallyMark.__table__
    stmt = _upsert_insert(mark).values(quiz_id=quiz_id, finished=1, last_id=attempt.id)
    stmt = stmt.on_conflict_do_update(index_elements=["quiz_id"], set_={
        "finished": mark.c.finished + 1,
        "last_id": case((mark.c.last_id < attempt.id, attempt.id), else_=mark.c.last_id),
    })
    db.session.execute(stmt)


def _keys_of(skpd_id: int | None) -> list[int]:
    """The tally rows an attempt of ``skpd_id`` adds to: its SKPD's, and its instansi's (the negative
    instansi id), which is what trainers and admin BKPSDM read (all SKPDs of the instansi)."""
    if skpd_id is None:
        return [0]
    from ..org.models import Unit

    unit = db.session.get(Unit, skpd_id)
    return [skpd_id] + ([-unit.instansi_id] if unit is not None else [])


def _add_attempt(quiz_id: int, key: int, attempt: Attempt, first: bool) -> None:
    _upsert_add(QuizSkpdTally.__table__, {"quiz_id": quiz_id, "skpd_key": key},
                {"people": int(first), "passed": int(first and bool(attempt.passed)), "attempts": 1})
    if not first:
        return
    items = list(attempt.items)
    fsum = sum(item.fraction or 0.0 for item in items)
    rest = len(items) > 1
    for item in items:
        x = item.fraction or 0.0
        y = (fsum - x) / (len(items) - 1) if rest else 0.0
        sums = {"n": 1, "fraction": x, "correct": int(bool(item.correct)), "m": int(rest),
                "x": x if rest else 0.0, "y": y, "xx": x * x if rest else 0.0, "yy": y * y, "xy": x * y}
        _upsert_add(QuizItemTally.__table__, {"quiz_id": quiz_id, "skpd_key": key,
                                              "question_version_id": item.question_version_id}, sums)
        keys = set(chosen_keys(item.question_version, item.response)) if item.response else {UNANSWERED}
        for choice in sorted(keys):
            _upsert_add(QuizChoiceTally.__table__, {"quiz_id": quiz_id, "skpd_key": key,
                                                    "question_version_id": item.question_version_id,
                                                    "choice_key": choice[:200]}, {"count": 1})


def _mark_stale(quiz_id: int) -> None:
    """Make the figures of the quiz count as stale: the next read counts everything again."""
    db.session.execute(update(QuizTallyMark).where(QuizTallyMark.quiz_id == quiz_id).values(finished=STALE))


# --- counting a quiz again ---------------------------------------------------------------------------------


def finished_mark(quiz_id: int) -> tuple[int, int]:
    """(count, largest id) of the quiz's finished attempts (the count reads every one of them: for
    ``rebuild`` and checks, not for each page)."""
    count, last = db.session.execute(
        select(func.count(Attempt.id), func.max(Attempt.id))
        .where(Attempt.quiz_id == quiz_id, Attempt.status.in_(FINISHED))
    ).one()
    return int(count or 0), int(last or 0)


def last_finished_ids(quiz_ids: Iterable[int]) -> dict[int, int]:
    """quiz id -> the largest id among its finished attempts, in one statement: one short descent
    of the (quiz, status, id) index per quiz and finished status, whatever the number of attempts."""
    ids = sorted(set(quiz_ids))
    if not ids:
        return {}
    parts = [select(literal(quiz_id).label("quiz_id"), func.max(Attempt.id).label("last"))
             .where(Attempt.quiz_id == quiz_id, Attempt.status == status)
             for quiz_id in ids for status in FINISHED]
    rows = union_all(*parts).subquery("last_ids")
    found = dict(db.session.execute(select(rows.c.quiz_id, func.max(rows.c.last)).group_by(rows.c.quiz_id)).all())
    return {quiz_id: int(found.get(quiz_id) or 0) for quiz_id in ids}


def ensure_fresh(quiz_id: int) -> bool:
    """Count the quiz again when its figures may not cover its finished attempts; True when it did.
    Flushes (the caller commits).

    The check costs the same at 100 or 100,000 attempts: the newest finished attempt must be the
    one the figures last counted. Attempts inserted another way (the demo, a bulk load) are newer
    and are noticed; a deletion through the app (``mark_all_stale``: an instansi's data removed)
    marks the figures stale; a row deleted or edited by hand in the database is not noticed unless
    it was the newest: run ``flask --app elearn quiz recount-analysis`` after such an edit."""
    return bool(ensure_fresh_all([quiz_id]))


def ensure_fresh_all(quiz_ids: Iterable[int]) -> list[int]:
    """``ensure_fresh`` for several quizzes (the analysis index): two statements however many
    quizzes, plus a recount of each stale one. Returns the quizzes counted again."""
    ids = sorted(set(quiz_ids))
    if not ids:
        return []
    marks = {m.quiz_id: m for m in db.session.scalars(select(QuizTallyMark).where(QuizTallyMark.quiz_id.in_(ids)))}
    newest = last_finished_ids(ids)
    stale = [quiz_id for quiz_id in ids
             if (mark := marks.get(quiz_id)) is None or mark.finished < 0 or mark.last_id != newest[quiz_id]]
    for quiz_id in stale:
        rebuild(quiz_id)
    return stale


def mark_all_stale() -> None:
    """Every quiz's figures are counted again when next read (after deleting attempts in bulk)."""
    db.session.execute(update(QuizTallyMark).values(finished=STALE))


def rebuild(quiz_id: int, mark: tuple[int, int] | None = None) -> None:
    """Every figure of the quiz counted from its attempts (as ``analysis`` did on each request)."""
    mark = mark or finished_mark(quiz_id)
    for model in (QuizSkpdTally, QuizItemTally, QuizChoiceTally):
        db.session.execute(delete(model).where(model.quiz_id == quiz_id))
    firsts = (
        select(Attempt.user_id.label("user_id"), func.min(Attempt.number).label("number"))
        .where(Attempt.quiz_id == quiz_id, Attempt.status.in_(FINISHED))
        .group_by(Attempt.user_id)
        .subquery("firsts")
    )
    key = func.coalesce(Attempt.skpd_id, 0)
    first = (
        select(Attempt.id.label("id"), key.label("skpd_key"), Attempt.passed.label("passed"))
        .join(firsts, and_(firsts.c.user_id == Attempt.user_id, firsts.c.number == Attempt.number))
        .where(Attempt.quiz_id == quiz_id)
        .subquery("first")
    )
    # people and passes per SKPD (first attempts), attempts per SKPD (every finished one)
    skpds: dict[int, dict[str, int]] = defaultdict(lambda: {"people": 0, "passed": 0, "attempts": 0})
    for k, people, passed in db.session.execute(
        select(first.c.skpd_key, func.count(first.c.id), func.sum(case((first.c.passed.is_(True), 1), else_=0)))
        .group_by(first.c.skpd_key)
    ):
        skpds[int(k)].update(people=int(people), passed=int(passed or 0))
    for k, attempts in db.session.execute(
        select(key, func.count(Attempt.id)).where(Attempt.quiz_id == quiz_id, Attempt.status.in_(FINISHED))
        .group_by(key)
    ):
        skpds[int(k)]["attempts"] = int(attempts)
    instansi_of = _instansi_of([k for k in skpds if k])
    for k, values in list(skpds.items()):
        if k in instansi_of:
            whole = skpds[-instansi_of[k]]
            for name, value in values.items():
                whole[name] += value
    if skpds:
        db.session.execute(insert(QuizSkpdTally), [{"quiz_id": quiz_id, "skpd_key": k, **v} for k, v in skpds.items()])

    # the sums per SKPD and question version (with each attempt's rest) and the choices, in ONE pass
    # over the first attempts' answers, streamed in attempt order: the same arithmetic as
    # record_finished, and no plan for the database to get wrong (a double self-join of the first
    # attempts ran for minutes on PostgreSQL before the demo's ANALYZE)
    sums: dict[tuple[int, int], list[float]] = {}
    counts: Counter[tuple[int, int, str]] = Counter()
    versions: dict[int, QuestionVersion] = {}
    seen: dict[tuple[int, str], list[str]] = {}

    def add(attempt_key: int, items: list[tuple[int, float, bool, Any]]) -> None:
        fsum = sum(fraction for _vid, fraction, _c, _r in items)
        rest = len(items) > 1
        for vid, x, correct, response in items:
            y = (fsum - x) / (len(items) - 1) if rest else 0.0
            row = sums.setdefault((attempt_key, vid), [0.0] * len(_SUM_COLUMNS))
            for i, value in enumerate((1, x, int(correct), int(rest), x if rest else 0.0, y,
                                       x * x if rest else 0.0, y * y, x * y)):
                row[i] += value
            if not response:
                counts[(attempt_key, vid, UNANSWERED)] += 1
                continue
            if vid not in versions:
                versions[vid] = db.session.get(QuestionVersion, vid)  # type: ignore[assignment]
            cache_key = (vid, json.dumps(response, sort_keys=True))
            if cache_key not in seen:
                seen[cache_key] = chosen_keys(versions[vid], response) if versions[vid] is not None else []
            for choice in set(seen[cache_key]):
                counts[(attempt_key, vid, choice[:200])] += 1

    current: tuple[int, int] | None = None
    items: list[tuple[int, float, bool, Any]] = []
    for attempt_id, k, vid, fraction, correct, response in db.session.execute(
        select(AttemptItem.attempt_id, first.c.skpd_key, AttemptItem.question_version_id, AttemptItem.fraction,
               AttemptItem.correct, AttemptItem.response)
        .join(first, first.c.id == AttemptItem.attempt_id)
        .order_by(AttemptItem.attempt_id)
        .execution_options(yield_per=STREAM_BATCH)
    ):
        if current is not None and current[0] != attempt_id:
            add(current[1], items)
            items = []
        current = (attempt_id, int(k))
        items.append((vid, float(fraction or 0.0), bool(correct), response))
    if current is not None:
        add(current[1], items)

    rows = [{"quiz_id": quiz_id, "skpd_key": k, "question_version_id": vid,
             **{name: (int(v) if name in ("n", "correct", "m") else float(v)) for name, v in zip(_SUM_COLUMNS, values,
                                                                                                  strict=True)}}
            for (k, vid), values in sums.items()]
    wholes: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        if row["skpd_key"] in instansi_of:
            whole = wholes.setdefault((-instansi_of[row["skpd_key"]], row["question_version_id"]), {
                "quiz_id": quiz_id, "skpd_key": -instansi_of[row["skpd_key"]],
                "question_version_id": row["question_version_id"], **{name: 0 for name in _SUM_COLUMNS}})
            for name in _SUM_COLUMNS:
                whole[name] += row[name]
    rows.extend(wholes.values())
    if rows:
        db.session.execute(insert(QuizItemTally), rows)
    for (k, vid, choice), n in list(counts.items()):
        if k in instansi_of:
            counts[(-instansi_of[k], vid, choice)] += n
    if counts:
        db.session.execute(insert(QuizChoiceTally), [
            {"quiz_id": quiz_id, "skpd_key": k, "question_version_id": vid, "choice_key": choice, "count": n}
            for (k, vid, choice), n in counts.items()])

    existing = db.session.get(QuizTallyMark, quiz_id)
    if existing is None:
        db.session.add(QuizTallyMark(quiz_id=quiz_id, finished=mark[0], last_id=mark[1]))
    else:
        existing.finished, existing.last_id = mark
    db.session.flush()


def _instansi_of(skpd_ids: list[int]) -> dict[int, int]:
    from ..org.models import Unit

    if not skpd_ids:
        return {}
    return dict(db.session.execute(select(Unit.id, Unit.instansi_id).where(Unit.id.in_(skpd_ids))).all())


# --- reading ----------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """The figures of one quiz over a set of SKPDs (``read``)."""

    people: int = 0
    #: question version id -> the additive sums (as in analysis.Sums)
    sums: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    #: question version id -> choice key -> people ("" : left unanswered)
    choices: dict[int, Counter[str]] = field(default_factory=dict)
    #: skpd key -> (people, passed, attempts)
    skpds: dict[int, tuple[int, int, int]] = field(default_factory=dict)


def read(quiz_id: int, keys: list[int] | None, skpds: Any = None) -> Figures:
    """The figures of ``quiz_id`` summed over the tally rows ``keys`` (an SKPD id, 0 for attempts
    without an SKPD, or a negative instansi id for the whole instansi; None: every SKPD row), and
    the pass table's rows of ``skpds`` (a list or a SELECT of SKPD ids; None: every SKPD row).
    Three small queries: a few rows per question."""
    def rows_of(model: Any, selected: Any) -> Any:
        if selected is None:
            return and_(model.quiz_id == quiz_id, model.skpd_key >= 0)
        return and_(model.quiz_id == quiz_id, model.skpd_key.in_(selected))

    figures = Figures()
    for k, people, passed, attempts in db.session.execute(
        select(QuizSkpdTally.skpd_key, QuizSkpdTally.people, QuizSkpdTally.passed, QuizSkpdTally.attempts)
        .where(rows_of(QuizSkpdTally, skpds))
    ):
        if people or attempts:
            figures.skpds[int(k)] = (int(people), int(passed), int(attempts))
    figures.people = int(db.session.scalar(
        select(func.coalesce(func.sum(QuizSkpdTally.people), 0)).where(rows_of(QuizSkpdTally, keys))) or 0)
    columns = [func.sum(getattr(QuizItemTally, name)) for name in _SUM_COLUMNS]
    for vid, *sums in db.session.execute(
        select(QuizItemTally.question_version_id, *columns).where(rows_of(QuizItemTally, keys))
        .group_by(QuizItemTally.question_version_id)
    ):
        figures.sums[vid] = tuple(sums)
    for vid, choice, count in db.session.execute(
        select(QuizChoiceTally.question_version_id, QuizChoiceTally.choice_key, func.sum(QuizChoiceTally.count))
        .where(rows_of(QuizChoiceTally, keys))
        .group_by(QuizChoiceTally.question_version_id, QuizChoiceTally.choice_key)
    ):
        figures.choices.setdefault(vid, Counter())[choice] += int(count or 0)
    return figures


def quizzes_people(quiz_ids: Iterable[int], keys: list[int] | None) -> dict[int, int]:
    """quiz id -> people (first finished attempts) over the tally rows ``keys`` (as ``read``)."""
    ids = list(quiz_ids)
    if not ids:
        return {}
    condition = QuizSkpdTally.quiz_id.in_(ids)
    condition = and_(condition, QuizSkpdTally.skpd_key >= 0 if keys is None else QuizSkpdTally.skpd_key.in_(keys))
    return {quiz_id: int(n or 0) for quiz_id, n in db.session.execute(
        select(QuizSkpdTally.quiz_id, func.sum(QuizSkpdTally.people)).where(condition)
        .group_by(QuizSkpdTally.quiz_id))}
