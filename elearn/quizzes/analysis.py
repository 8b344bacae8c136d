"""Item analysis of a quiz: how each question worked, over each person's first finished attempt.

What is counted
    Each person's **first finished attempt** (submitted, or closed when its time ran out) of the
    quiz, so retries after reading the feedback don't flatter the questions. Attempts are placed by
    the SKPD the person belonged to when the attempt started (``Attempt.skpd_id``) and limited to
    the SKPDs the viewer may analyse (``authz.scope_analysis_attempts``).

Per question version (a question's versions are grouped under the question)
    N         people who were given that version in their first attempt;
    facility  the mean fraction of the points earned (0-100 %) and the share fully correct;
    discrimination
              the item-rest correlation: Pearson's r between the fraction earned on this question
              and the mean fraction on the attempt's *other* questions. For a question scored right
              or wrong it is the point-biserial correlation. Near 0 or negative: people who did well
              on the rest of the quiz did no better here (the question may mislead, or its key may
              be wrong); 0.3 and above is a question that separates well.
    choices   how many people chose each option / true-false answer / feed action / branch choice
              (from ``AttemptItem.response`` through the type registry's ``grade(...).chosen``),
              and how many left the question unanswered.

Sources
    ``SOURCE_QUIZ`` (the default): first finished attempts, as above. ``SOURCE_LIVE``: answers given
    on phones at live events (``events.models.LiveAnswer``) of events that played the quiz, counted
    apart: each person's first live answer to each question version, placed by the SKPD of their
    attendance; the "rest" of the item-rest correlation is the person's other answers at the same
    event. The same k >= 5 rule; no per-SKPD pass table (a live quiz has no pass mark).

Privacy: no names anywhere, and no figure about fewer than ``MIN_CELL`` (5) people. A cell of
1 to 4 people shows "< 5" (0 is shown: it describes nobody); when the whole selection has fewer than 5 people nothing is shown but a
notice. Where a hidden cell could be worked out by subtraction (the choices of one single-choice
question add up to its N, the SKPD rows to the total) a second cell is hidden too.

The figures of quiz attempts are kept per finished attempt (``tallies``: additive sums per SKPD and
question version, choice counts), so a request sums a few rows per question whatever the number of
attempts; live answers are aggregated in SQL (GROUP BY) per request, their choices counted in
Python over the responses, streamed.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, select

from .. import authz
from ..accounts.models import Role, User
from ..db import db
from ..org.models import Instansi, Unit, natural_key
from . import tallies
from .models import AttemptStatus, Question, QuestionVersion, Quiz
from .types import QUESTION_TYPES, Branching

#: the smallest group of people a figure may describe
MIN_CELL = 5
FINISHED = (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED)
#: the pseudo-choice key of an unanswered question
UNANSWERED = ""
STREAM_BATCH = 2000
#: where the answers come from: quiz attempts, or phones at live events
SOURCE_QUIZ = "kuis"
SOURCE_LIVE = "langsung"
SOURCES = (SOURCE_QUIZ, SOURCE_LIVE)


def visible(count: int) -> bool:
    """A group of people big enough to describe."""
    return count >= MIN_CELL


def small(count: int) -> bool:
    """A cell to hide: 1 to 4 people (a cell of nobody describes nobody, so 0 is shown)."""
    return 0 < count < MIN_CELL


def pearson(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float) -> float | None:
    """Pearson's r from sums (n, Σx, Σy, Σx², Σy², Σxy); None when either side does not vary."""
    if n < 2:
        return None
    vx = sxx - sx * sx / n
    vy = syy - sy * sy / n
    if vx <= 1e-12 or vy <= 1e-12:
        return None
    r = (sxy - sx * sy / n) / math.sqrt(vx * vy)
    return max(-1.0, min(1.0, r))


def suppress(counts: Sequence[int], exclusive: bool) -> list[bool]:
    """Which cells to hide: every cell of 1 to 4 people; in an ``exclusive`` group (each person is
    in exactly one cell and the total is shown) a lone hidden cell could be worked out by
    subtraction, so the smallest shown cell is hidden with it."""
    hidden = [small(c) for c in counts]
    if exclusive and sum(hidden) == 1 and len(counts) > 1:
        shown = [(c, i) for i, c in enumerate(counts) if not hidden[i]]
        hidden[min(shown)[1]] = True
    return hidden


# --- results ---------------------------------------------------------------------------------


@dataclass
class Sums:
    """The SQL aggregates of one question version (additive, so versions combine)."""

    n: int = 0
    fraction: float = 0.0
    correct: int = 0
    #: rows with a rest score (attempts with more than one question) and their sums
    m: int = 0
    x: float = 0.0
    y: float = 0.0
    xx: float = 0.0
    yy: float = 0.0
    xy: float = 0.0

    def __add__(self, other: Sums) -> Sums:
        return Sums(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[Any, ...]:
        return (self.n, self.fraction, self.correct, self.m, self.x, self.y, self.xx, self.yy, self.xy)

    @property
    def facility(self) -> float | None:
        """Mean fraction of the points, 0..1."""
        return self.fraction / self.n if self.n else None

    @property
    def share_correct(self) -> float | None:
        return self.correct / self.n if self.n else None

    @property
    def discrimination(self) -> float | None:
        return pearson(self.m, self.x, self.y, self.xx, self.yy, self.xy)


@dataclass
class ChoiceCount:
    key: str
    label: str
    count: int
    hidden: bool = False
    #: branching: the situation (node id) the choice belongs to
    group: str = ""


@dataclass
class VersionStats:
    version: QuestionVersion
    current: bool
    sums: Sums
    choices: list[ChoiceCount] = field(default_factory=list)
    unanswered: ChoiceCount | None = None

    @property
    def hidden(self) -> bool:
        return not visible(self.sums.n)


@dataclass
class QuestionStats:
    question: Question
    versions: list[VersionStats]

    def ref(self, quiz: Quiz) -> str:
        """The question's id as the quiz's draw rules write it: ``bank/id`` for a question of another
        bank than the quiz's home bank (a quiz may draw from several, which may share an id)."""
        question = self.question
        return question.key if question.bank_id == quiz.bank_id else f"{question.bank.slug}/{question.key}"

    @property
    def title(self) -> str:
        current = next((v for v in self.versions if v.current), self.versions[0])
        return current.version.title

    @property
    def combined(self) -> Sums | None:
        """All versions together, when there are several and each is shown (a hidden version could
        otherwise be worked out from the total)."""
        if len(self.versions) < 2 or any(v.hidden for v in self.versions):
            return None
        total = Sums()
        for v in self.versions:
            total = total + v.sums
        return total


@dataclass
class SkpdRow:
    skpd_id: int | None
    name: str
    instansi: str
    people: int
    attempts: int
    passed: int
    hidden: bool = False

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.people if self.people else None


@dataclass
class QuizAnalysis:
    quiz: Quiz
    skpd: Unit | None
    people: int
    questions: list[QuestionStats]
    skpd_rows: list[SkpdRow]
    source: str = SOURCE_QUIZ

    @property
    def hidden(self) -> bool:
        return not visible(self.people)


# --- queries ---------------------------------------------------------------------------------


def _version_choices(version: QuestionVersion, counts: Counter[str], unanswered: int
                     ) -> tuple[list[ChoiceCount], ChoiceCount]:
    qtype = QUESTION_TYPES[version.type]
    choices = [ChoiceCount(key, label, counts.get(key, 0), group=key.split(":", 1)[0] if ":" in key else "")
               for key, label in qtype.choice_keys(version.data)]
    blank = ChoiceCount(UNANSWERED, "", unanswered)
    if version.type in ("single_choice", "true_false"):
        groups = [choices + [blank]]
    elif version.type == "branching":
        start = str(version.data.get("start"))
        groups = []
        for node in dict.fromkeys(c.group for c in choices):
            group = [c for c in choices if c.group == node]
            groups.append(group + [blank] if node == start else group)
    else:
        groups = [[c] for c in choices] + [[blank]]
    exclusive = version.type in ("single_choice", "true_false", "branching")
    for group in groups:
        for cell, hide in zip(group, suppress([c.count for c in group], exclusive), strict=True):
            cell.hidden = hide
    return choices, blank


def tally_scope(user: User, skpd: Unit | None = None) -> tuple[list[int] | None, Any]:
    """What ``user`` may analyse (as ``authz.scope_analysis_attempts``), as the tally rows to sum
    (``tallies.read``: an SKPD, or the whole instansi's row; None: every SKPD, for the superadmin)
    and the SKPDs of the pass table; ``skpd``: that one only."""
    if not authz.can_analyse_quizzes(user):
        return [], []
    if user.role == Role.SUPERADMIN:
        return ([skpd.id] if skpd is not None else None), None
    if user.role == Role.OPERATOR_SKPD:
        own = [user.skpd_id] if user.skpd_id is not None else []
        return own, own
    skpds = select(Unit.id).where(Unit.instansi_id == user.instansi_id, Unit.parent_id.is_(None))
    return ([skpd.id] if skpd is not None else [-user.instansi_id]), skpds


def analyse(quiz: Quiz, user: User, skpd: Unit | None = None, source: str = SOURCE_QUIZ) -> QuizAnalysis:
    """The item analysis of ``quiz`` as ``user`` may see it (one SKPD when ``skpd`` is given), from
    ``source``. Suppression is applied here (``hidden`` flags), so every view and export shows the same.

    The quiz source reads the figures kept per finished attempt (``tallies``): a few rows per
    question whatever the number of attempts; they are counted again first when attempts came or
    went another way (``tallies.ensure_fresh``; flushes, the view commits)."""
    if source == SOURCE_LIVE:
        return _analyse_live(quiz, user, skpd)
    tallies.ensure_fresh(quiz.id)
    keys, skpds = tally_scope(user, skpd)
    figures = tallies.read(quiz.id, keys, skpds)
    skpd_rows = _skpd_rows_from(figures)
    people = figures.people
    if not visible(people):
        return QuizAnalysis(quiz, skpd, people, [], skpd_rows)
    sums = {vid: Sums(int(n or 0), float(f or 0), int(c or 0), int(m or 0), float(x or 0), float(y or 0),
                      float(xx or 0), float(yy or 0), float(xy or 0))
            for vid, (n, f, c, m, x, y, xx, yy, xy) in figures.sums.items() if n}
    versions = {v.id: v for v in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(sums)))}
    by_question: dict[int, list[VersionStats]] = {}
    for vid, version in versions.items():
        question = version.question
        stats = VersionStats(version, question.current_version_id == vid, sums[vid])
        if not stats.hidden:
            counts = Counter(figures.choices.get(vid, {}))
            blank = counts.pop(tallies.UNANSWERED, 0)
            stats.choices, stats.unanswered = _version_choices(version, counts, blank)
        by_question.setdefault(question.id, []).append(stats)
    questions = []
    for items in by_question.values():
        items.sort(key=lambda s: -s.version.number)
        questions.append(QuestionStats(items[0].version.question, items))
    questions.sort(key=lambda q: (q.title.casefold(), q.question.key))
    return QuizAnalysis(quiz, skpd, people, questions, skpd_rows)


def _skpd_rows_from(scope_figures: tallies.Figures) -> list[SkpdRow]:
    """The pass table: every SKPD the viewer may analyse (whatever SKPD is filtered), as before."""
    keys = list(scope_figures.skpds)
    names = {uid: (name, inst) for uid, name, inst in db.session.execute(
        select(Unit.id, Unit.name, Instansi.name).join(Instansi, Instansi.id == Unit.instansi_id)
        .where(Unit.id.in_([k for k in keys if k]))).all()} if any(keys) else {}
    result = [
        SkpdRow(key or None, *names.get(key, ("", "")), people=people, attempts=attempts, passed=passed)
        for key, (people, passed, attempts) in scope_figures.skpds.items() if people
    ]
    result.sort(key=lambda r: (r.instansi, r.skpd_id is None, natural_key(r.name)))
    for row, hide in zip(result, suppress([r.people for r in result], exclusive=True), strict=True):
        row.hidden = hide
    return result


# --- the live source --------------------------------------------------------------------------------


def first_live_answers(quiz: Quiz, user: User, skpd: Unit | None = None) -> Any:
    """Each person's first live answer to each question version of ``quiz`` (events that played
    it), within what ``user`` may analyse: a subquery of id, user_id, event_id, question_version_id,
    fraction, correct, response."""
    from ..events.models import Event, LiveAnswer

    firsts = (
        select(func.min(LiveAnswer.id))
        .join(Event, Event.id == LiveAnswer.event_id)
        .where(Event.quiz_id == quiz.id)
        .group_by(LiveAnswer.user_id, LiveAnswer.question_version_id)
    )
    firsts = authz.scope_analysis_live_answers(firsts, user)
    if skpd is not None:
        firsts = firsts.where(LiveAnswer.skpd_id == skpd.id)
    return (
        select(LiveAnswer.id, LiveAnswer.user_id, LiveAnswer.event_id, LiveAnswer.question_version_id,
               LiveAnswer.fraction, LiveAnswer.correct, LiveAnswer.response)
        .where(LiveAnswer.id.in_(firsts))
        .subquery("live")
    )


def _live_sums(live: Any) -> dict[int, Sums]:
    """As ``_version_sums``; the "attempt" is a person's answers at one event."""
    totals = (
        select(live.c.event_id, live.c.user_id, func.sum(func.coalesce(live.c.fraction, 0.0)).label("fsum"),
               func.count(live.c.id).label("n_items"))
        .group_by(live.c.event_id, live.c.user_id)
        .subquery("live_totals")
    )
    x = func.coalesce(live.c.fraction, 0.0)
    has_rest = totals.c.n_items > 1
    y = (totals.c.fsum - x) / func.nullif(totals.c.n_items - 1, 0)

    def when_rest(value: Any) -> Any:
        return func.sum(case((has_rest, value), else_=0.0))

    stmt = (
        select(live.c.question_version_id, func.count(live.c.id), func.sum(x),
               func.sum(case((live.c.correct.is_(True), 1), else_=0)), func.sum(case((has_rest, 1), else_=0)),
               when_rest(x), when_rest(y), when_rest(x * x), when_rest(y * y), when_rest(x * y))
        .join(totals, and_(totals.c.event_id == live.c.event_id, totals.c.user_id == live.c.user_id))
        .group_by(live.c.question_version_id)
    )
    result = {}
    for vid, n, fsum, correct, m, sx, sy, sxx, syy, sxy in db.session.execute(stmt):
        result[vid] = Sums(int(n), float(fsum or 0), int(correct or 0), int(m or 0), float(sx or 0),
                           float(sy or 0), float(sxx or 0), float(syy or 0), float(sxy or 0))
    return result


def _analyse_live(quiz: Quiz, user: User, skpd: Unit | None) -> QuizAnalysis:
    live = first_live_answers(quiz, user, skpd)
    people = db.session.scalar(select(func.count(func.distinct(live.c.user_id)))) or 0
    if not visible(people):
        return QuizAnalysis(quiz, skpd, people, [], [], SOURCE_LIVE)
    sums = _live_sums(live)
    versions = {v.id: v for v in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(sums)))}
    counts: dict[int, Counter[str]] = {vid: Counter() for vid in versions}
    seen: dict[tuple[int, str], list[str]] = {}
    stmt = select(live.c.question_version_id, live.c.response).execution_options(yield_per=STREAM_BATCH)
    for vid, response in db.session.execute(stmt):
        if vid not in versions or not response:
            continue
        key = (vid, json.dumps(response, sort_keys=True))
        if key not in seen:
            seen[key] = tallies.chosen_keys(versions[vid], response)
        counts[vid].update(set(seen[key]))
    by_question: dict[int, list[VersionStats]] = {}
    for vid, version in versions.items():
        question = version.question
        stats = VersionStats(version, question.current_version_id == vid, sums[vid])
        if not stats.hidden:
            # a live question is answered by everyone who answers it: no "unanswered" cell
            stats.choices, _blank = _version_choices(version, counts[vid], 0)
        by_question.setdefault(question.id, []).append(stats)
    questions = []
    for items in by_question.values():
        items.sort(key=lambda s: -s.version.number)
        questions.append(QuestionStats(items[0].version.question, items))
    questions.sort(key=lambda q: (q.title.casefold(), q.question.key))
    return QuizAnalysis(quiz, skpd, people, questions, [], SOURCE_LIVE)


def skpd_choices(quiz: Quiz, user: User) -> list[Unit]:
    """The SKPDs the user may filter by (an operator SKPD: only their own)."""
    stmt = select(Unit).where(Unit.parent_id.is_(None))
    if not authz.is_superadmin(user):
        stmt = stmt.where(Unit.instansi_id == user.instansi_id)
    if user.role == Role.OPERATOR_SKPD:
        stmt = stmt.where(Unit.id == user.skpd_id)
    units = list(db.session.scalars(stmt))
    units.sort(key=lambda u: (u.instansi.name.casefold(), u.sort_key))
    return units


def quiz_people(quizzes: Iterable[Quiz], user: User) -> dict[int, int]:
    """Per quiz: the people (first finished attempts) the user may analyse, from the tallies (stale
    quizzes counted again first; flushes). Three statements however many quizzes."""
    ids = [q.id for q in quizzes]
    tallies.ensure_fresh_all(ids)
    return tallies.quizzes_people(ids, tally_scope(user)[0])


def branch_labels(version: QuestionVersion) -> dict[str, str]:
    """Branching: node id -> the situation's first words (to head each node's choices)."""
    if version.type != Branching.name:
        return {}
    labels = {}
    for node in version.data.get("nodes") or []:
        text = " ".join(re.sub(r"[*_`#>]+|\[|\]\([^)]*\)", "", str(node.get("text") or "")).split())
        labels[str(node.get("id"))] = text if len(text) <= 90 else text[:87].rstrip() + "…"
    return labels
