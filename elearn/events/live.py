"""The live part of an event: a quiz played on the projector, answered on phones, and the room
signing the pakta.

**State** lives on the event row only (``Event.live_*``; see models.py), never in a worker's memory:
every app server reads the same row, and a presenter who closed the browser finds the quiz where
it was. Every change is a checked transition that bumps ``live_version`` (the phones' ETag):

    waiting --start--> open(0) --close--> closed --reveal--> revealed --next--> open(1) ...
    waiting / closed / revealed --sign--> signing          (needs the event's pakta campaign)
    anything but ended --end--> ended

The presenter's forms carry the version they were rendered at; a stale tab (the presenter view
opened twice) is refused with ``LiveError(code="stale")`` instead of skipping a question.

**Answers** are one ``LiveAnswer`` per (event, position, person), accepted only while that
position is open and only from people checked in (an ``Attendance`` row). They are normalised and
graded by the quiz engine's question types (``quizzes.types``). The first answer counts: a
retry of the same answer, a double tap or two concurrent requests land on the same row (the
unique key; the loser of an insert race re-reads the winner's row in a SAVEPOINT), and a
different second answer is not recorded (``AnswerResult.changed`` tells the phone so).

Services flush, the views commit.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, session
from flask_babel import gettext as _
from sqlalchemy import Text, and_, case, cast, exists, func, literal, select, text
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..audit.services import record
from ..db import db, utcnow
from ..errors import ServiceError
from ..org.models import Unit, natural_key
from ..pledges.models import PledgeSignature
from ..quizzes.models import QuestionVersion, Quiz
from ..quizzes.services import draw_pool, quiz_bank_ids
from ..quizzes.types import QUESTION_TYPES, InvalidResponse
from .models import Attendance, Event, LiveAnswer, LivePhase

#: the question types a room can answer on phones in one tap or a few (branching is a path: not live)
LIVE_TYPES = ("single_choice", "multiple_response", "true_false", "social_feed")
#: at most this many questions in one live quiz (an apel is short)
MAX_LIVE_QUESTIONS = 20
#: the presenter's actions, in the order a quiz runs
ACTIONS = ("start", "close", "reveal", "next", "sign", "end")


class LiveError(ServiceError):
    """A refused live operation. ``code``: ``stale`` (the presenter's page is older than the
    state), ``illegal`` (not possible in this phase), ``no_quiz`` / ``no_questions`` /
    ``no_campaign``, ``cancelled``; for answers: ``not_checked_in``, ``closed`` (that question
    is not open), ``answer`` (not a valid answer)."""


# --- the questions -------------------------------------------------------------------------------


def live_question_ids(quiz: Quiz) -> list[int]:
    """The question versions a live run of ``quiz`` plays, in a fixed order: each draw rule in
    turn takes up to its ``count`` eligible questions in bank order (no randomness: the whole room
    sees the same questions), skipping types that are not answered live and questions already
    taken; a quiz without draw rules plays its bank in order. Current versions only (no retired
    questions, no drafts), at most ``MAX_LIVE_QUESTIONS``."""
    pool = draw_pool(quiz_bank_ids(quiz))
    entries = [e for e in pool.entries if e.version.type in LIVE_TYPES]
    taken: set[int] = set()
    chosen: list[int] = []
    rules = quiz.draw or [{"count": len(entries)}]
    for rule in rules:
        count = int(rule.get("count") or 0)
        if rule.get("tags"):
            wanted = set(rule["tags"])
            eligible = [e for e in entries if e.tags & wanted]
        elif rule.get("questions"):
            keys = set(rule["questions"])
            eligible = [e for e in entries if e.key in keys or e.ref in keys]
        else:
            eligible = entries
        for entry in [e for e in eligible if e.question_id not in taken][:count]:
            taken.add(entry.question_id)
            chosen.append(entry.version.id)
    return chosen[:MAX_LIVE_QUESTIONS]


def current_version_id(event: Event) -> int | None:
    """The id of the question version on the phones now (None before the quiz or after its last)."""
    if event.live_position is None or not event.live_questions:
        return None
    if not 0 <= event.live_position < len(event.live_questions):
        return None
    return int(event.live_questions[event.live_position])


def current_version(event: Event) -> QuestionVersion | None:
    """The question version on the phones now (None before the quiz or after its last question)."""
    if event.live_position is None or not event.live_questions:
        return None
    if not 0 <= event.live_position < len(event.live_questions):
        return None
    return db.session.get(QuestionVersion, event.live_questions[event.live_position])


def question_count(event: Event) -> int:
    return len(event.live_questions or [])


def has_next(event: Event) -> bool:
    return event.live_position is not None and event.live_position + 1 < question_count(event)


# --- transitions ------------------------------------------------------------------------------------


def allowed_actions(event: Event) -> list[str]:
    """The presenter's buttons for the current phase."""
    if event.cancelled:
        return []
    phase = event.live_phase
    result: list[str] = []
    if phase == LivePhase.WAITING and event.quiz_id is not None:
        result.append("start")
    if phase == LivePhase.OPEN:
        result.append("close")
    if phase == LivePhase.CLOSED:
        result.append("reveal")
    if phase in (LivePhase.CLOSED, LivePhase.REVEALED) and has_next(event):
        result.append("next")
    if phase in (LivePhase.WAITING, LivePhase.CLOSED, LivePhase.REVEALED) and event.campaign_id is not None:
        result.append("sign")
    if phase != LivePhase.ENDED:
        result.append("end")
    return result


def transition(event: Event, action: str, *, expected_version: int | None, actor: User | None = None,
               now: dt.datetime | None = None) -> Event:
    """Apply a presenter's action. ``expected_version``: the ``live_version`` the presenter's page
    showed; a different one (another tab moved on) is refused as ``stale``. The caller holds the
    event row locked (``lock_event``) so two concurrent actions are serialised. Flushes."""
    if action not in ACTIONS:
        raise LiveError(_("Tindakan tidak dikenal."), "illegal")
    if event.cancelled:
        raise LiveError(_("Acara ini dibatalkan."), "cancelled")
    if expected_version is not None and expected_version != event.live_version:
        raise LiveError(_("Tampilan ini sudah usang: keadaan kuis telah diubah (mungkin dari tab atau perangkat "
                          "lain). Halaman menampilkan keadaan terkini; periksa lalu ulangi bila perlu."), "stale")
    if action not in allowed_actions(event):
        if action == "start" and event.quiz_id is None:
            raise LiveError(_("Acara ini tidak memiliki kuis untuk dimainkan."), "no_quiz")
        if action == "sign" and event.campaign_id is None:
            raise LiveError(_("Acara ini tidak memiliki kampanye pakta integritas."), "no_campaign")
        raise LiveError(_("Tindakan ini tidak dapat dilakukan pada tahap sekarang."), "illegal")
    if action == "start":
        quiz = db.session.get(Quiz, event.quiz_id)
        ids = live_question_ids(quiz) if quiz is not None else []
        if not ids:
            raise LiveError(_("Kuis acara ini tidak memiliki soal yang dapat dimainkan langsung (pilihan tunggal, "
                              "pilihan ganda, benar/salah, media sosial)."), "no_questions")
        event.live_questions = ids
        event.live_position = 0
        event.live_phase = LivePhase.OPEN
    elif action == "close":
        event.live_phase = LivePhase.CLOSED
    elif action == "reveal":
        event.live_phase = LivePhase.REVEALED
    elif action == "next":
        event.live_position = (event.live_position or 0) + 1
        event.live_phase = LivePhase.OPEN
    elif action == "sign":
        event.live_phase = LivePhase.SIGNING
    elif action == "end":
        event.live_phase = LivePhase.ENDED
    event.bump(now)
    db.session.flush()
    record(f"event.live.{action}", actor=actor, instansi_id=event.instansi_id, target=event,
           details={"position": event.live_position, "version": event.live_version})
    return event


def lock_event(event_id: int) -> Event | None:
    """The event row, locked for update where the database can (PostgreSQL; SQLite serialises
    writers anyway)."""
    return db.session.scalar(
        select(Event).where(Event.id == event_id).with_for_update(of=Event)
        .execution_options(populate_existing=True))


# --- the phone's state (the hot path) --------------------------------------------------------------


@dataclass(frozen=True)
class PhoneState:
    event_id: int
    instansi_id: int
    cancelled: bool
    phase: str
    position: int | None
    count: int
    version: int
    campaign_id: int | None
    checked_in: bool
    answered: bool
    #: the polling account, checked by the same statement (None: no such active account with that
    #: session version: signed out, deactivated, or the password changed since)
    user_id: int | None = None
    user_instansi_id: int | None = None

    @property
    def etag(self) -> str:
        """Changes exactly when what this phone shows changes."""
        return f"{self.event_id}-{self.version}-{int(self.checked_in)}{int(self.answered)}{int(self.cancelled)}"


#: The phone's poll: written once as SQL text, so a poll builds no statement and computes no cache
#: key (building the equivalent select() cost more than running it: benchmarks/apel.py). One
#: primary-key read of the event, the account checked on its primary key (active, same session
#: version: what flask-login's user loader checks, without loading the user and their unit), and
#: two indexed EXISTS probes.
_POLL = text("""
SELECT e.instansi_id, e.cancelled_at IS NOT NULL AS cancelled, e.live_phase, e.live_position,
       e.live_questions, e.live_version, e.campaign_id,
       EXISTS (SELECT 1 FROM event_attendance a WHERE a.event_id = e.id AND a.user_id = u.id) AS attended,
       EXISTS (SELECT 1 FROM event_live_answers l
               WHERE l.event_id = e.id AND l.position = e.live_position AND l.user_id = u.id) AS answered,
       u.id AS user_id, u.instansi_id AS user_instansi_id
FROM events e
LEFT JOIN users u ON u.id = :user_id AND u.session_version = :session_version AND u.active = :active
WHERE e.id = :event_id
""")


def phone_state(event_id: int, user_id: int, session_version: int) -> PhoneState | None:
    """Everything a phone's poll needs in **one** statement (``_POLL``). None: no such event."""
    row = db.session.execute(_POLL, {"event_id": event_id, "user_id": user_id, "session_version": session_version,
                                     "active": True}).first()
    if row is None:
        return None
    questions = row.live_questions
    if isinstance(questions, (str, bytes)):  # SQLite hands JSON back as text
        questions = json.loads(questions)
    return PhoneState(event_id, row.instansi_id, bool(row.cancelled), str(row.live_phase), row.live_position,
                      len(questions or []), int(row.live_version or 0), row.campaign_id, bool(row.attended),
                      bool(row.answered), row.user_id, row.user_instansi_id)


# --- the shared state (the hot path of a checked-in phone) ------------------------------------------


@dataclass(frozen=True)
class EventState:
    """What is the same for every phone of an event: its live columns."""

    event_id: int
    instansi_id: int
    cancelled: bool
    phase: str
    position: int | None
    count: int
    version: int
    campaign_id: int | None

    @property
    def etag(self) -> str:
        return f"{self.event_id}-{self.version}-{int(self.cancelled)}"


_EVENT_STATE = text("""
SELECT e.instansi_id, e.cancelled_at IS NOT NULL AS cancelled, e.live_phase, e.live_position,
       e.live_questions, e.live_version, e.campaign_id
FROM events e WHERE e.id = :event_id
""")
#: how long a worker reuses an event's state it read (seconds): at most this much is added to the
#: time a phone takes to see a change, and the database answers a few reads per second per worker
#: instead of one per poll. A cache of the database's row, not state: every worker reads it again.
STATE_CACHE_SECONDS = 0.5
_STATE_CACHE: dict[int, tuple[float, EventState | None]] = {}
#: the session key listing the events this browser checked in to (see ``remember_joined``)
JOINED_KEY = "live_joined"


def event_state(event_id: int, *, now: float | None = None) -> EventState | None:
    """The event's live columns, read at most every STATE_CACHE_SECONDS per worker. None: no such event."""
    now = time.monotonic() if now is None else now
    ttl = float(current_app.config.get("LIVE_STATE_CACHE_SECONDS", STATE_CACHE_SECONDS))
    cached = _STATE_CACHE.get(event_id)
    if cached is not None and now < cached[0]:
        return cached[1]
    row = db.session.execute(_EVENT_STATE, {"event_id": event_id}).first()
    state = None
    if row is not None:
        questions = row.live_questions
        if isinstance(questions, (str, bytes)):
            questions = json.loads(questions)
        state = EventState(event_id, row.instansi_id, bool(row.cancelled), str(row.live_phase), row.live_position,
                           len(questions or []), int(row.live_version or 0), row.campaign_id)
    if len(_STATE_CACHE) > 1000:
        _STATE_CACHE.clear()
    if ttl > 0:
        _STATE_CACHE[event_id] = (now + ttl, state)
    return state


_ANSWERED = text("SELECT 1 FROM event_live_answers WHERE event_id = :e AND position = :p AND user_id = :u")


def answered(event_id: int, position: int, user_id: int) -> bool:
    """Whether the person answered that question of the event (one indexed probe)."""
    return db.session.execute(_ANSWERED, {"e": event_id, "p": position, "u": user_id}).first() is not None


def _joined_events() -> list[int]:
    """The events noted for the person signed in now: the note names the session's sign-in
    (``_user_id``, "id:session version"), so after signing out and someone else signing in on the
    same browser (a shared office PC, a borrowed phone), or a new session generation, it is void."""
    raw = session.get(JOINED_KEY)
    who = session.get("_user_id")
    if not isinstance(raw, dict) or who is None or raw.get("u") != who:
        return []
    return [e for e in raw.get("e") or [] if isinstance(e, int)]


def remember_joined(event_id: int) -> None:
    """Note in the (signed) session that this browser's person is checked in to ``event_id``, in
    the event's instansi: their polls are then answered from the shared state, without a
    statement about them (``joined``). The last five events are kept."""
    joined = [e for e in _joined_events() if e != event_id]
    session[JOINED_KEY] = {"u": session.get("_user_id"), "e": (joined + [event_id])[-5:]}


def joined(event_id: int) -> bool:
    return event_id in _joined_events()


# --- answers ------------------------------------------------------------------------------------------


def attendance_of(event: Event, user: User) -> Attendance | None:
    return db.session.scalar(select(Attendance).where(Attendance.event_id == event.id,
                                                      Attendance.user_id == user.id))


def answer_of(event: Event, user: User, position: int) -> LiveAnswer | None:
    return db.session.scalar(select(LiveAnswer).where(LiveAnswer.event_id == event.id,
                                                      LiveAnswer.position == position,
                                                      LiveAnswer.user_id == user.id))


@dataclass
class AnswerResult:
    answer: LiveAnswer
    #: False: this request recorded it; True: it was there already (a retry or a double tap)
    existing: bool = False
    #: a different answer than the one recorded first (not recorded: the first answer counts)
    changed: bool = False


def answer(event: Event, user: User, position: int, raw_response: Any, *,
           now: dt.datetime | None = None) -> AnswerResult:
    """Record ``user``'s answer to the question at ``position``. Refused (``LiveError``) unless the
    person is checked in and that position is the open one; an invalid answer is refused too.
    Idempotent: the first answer counts. Flushes."""
    attendance = attendance_of(event, user)
    if attendance is None:
        raise LiveError(_("Anda belum tercatat hadir di acara ini. Catat kehadiran Anda dulu."), "not_checked_in")
    if event.cancelled or event.live_phase != LivePhase.OPEN or position != event.live_position:
        raise LiveError(_("Soal ini sudah ditutup; jawaban Anda tidak dicatat."), "closed")
    version = current_version(event)
    if version is None:
        raise LiveError(_("Soal ini sudah ditutup; jawaban Anda tidak dicatat."), "closed")
    qtype = QUESTION_TYPES[version.type]
    try:
        response = qtype.normalise_response(version.data, raw_response)
        grade = qtype.grade(version.data, response)
    except InvalidResponse as exc:
        message = (_("Pilih satu tindakan atau lebih (\u201cAbaikan\u201d tidak dapat digabung dengan yang lain).")
                   if version.type == "social_feed" else _("Pilih jawaban Anda dulu."))
        raise LiveError(message, "answer") from exc
    found = answer_of(event, user, position)
    if found is not None:
        return AnswerResult(found, existing=True, changed=found.response != response)
    row = LiveAnswer(event_id=event.id, position=position, question_version_id=version.id, user_id=user.id,
                     response=response, score=grade.score, fraction=grade.fraction, correct=grade.correct,
                     unit_id=attendance.unit_id, skpd_id=attendance.skpd_id, answered_at=now or utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        # a concurrent request of the same person won the race: theirs is the first answer
        found = answer_of(event, user, position)
        if found is None:  # pragma: no cover - the unique key says it exists
            raise
        return AnswerResult(found, existing=True, changed=found.response != response)
    return AnswerResult(row)


# --- what the projector shows ----------------------------------------------------------------------


@dataclass
class OptionCount:
    key: str
    label: str
    count: int
    #: the right answer (single/multiple: a correct option; true/false: the answer; feed: an allowed action)
    right: bool

    def share(self, total: int) -> float:
        return self.count / total if total else 0.0


def answer_count(event: Event, position: int | None = None) -> int:
    position = event.live_position if position is None else position
    if position is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(LiveAnswer).where(
        LiveAnswer.event_id == event.id, LiveAnswer.position == position)) or 0


def _right_keys(version: QuestionVersion) -> set[str]:
    """The keys that are (part of) the right answer, as the question type grades them."""
    qtype = QUESTION_TYPES[version.type]
    data = version.data
    if version.type == "multiple_response":
        return {key for key, weight in qtype.weights(data).items() if weight > 0}  # type: ignore[attr-defined]
    if version.type == "social_feed":  # the actions that earn every point (an allowed one with a weight does not)
        return set(qtype.full_credit(data))  # type: ignore[attr-defined]
    right = set()
    for key, _label in qtype.choice_keys(data):
        raw = {"options": [key]} if version.type == "single_choice" else {"answer": key}
        try:
            if qtype.grade(data, raw).correct:
                right.add(key)
        except (InvalidResponse, KeyError, TypeError, ValueError):
            continue
    return right


def distribution(event: Event, version: QuestionVersion, position: int) -> list[OptionCount]:
    """How many people chose each option / answer / action of the question at ``position``: one
    GROUP BY over the distinct responses (a handful per question), each graded once by the type
    registry for its chosen keys. The statement count does not depend on the number of answers."""
    qtype = QUESTION_TYPES[version.type]
    counts: dict[str, int] = {}
    as_text = cast(LiveAnswer.response, Text)  # PostgreSQL can't group by json
    rows = db.session.execute(
        select(as_text, func.count()).where(LiveAnswer.event_id == event.id, LiveAnswer.position == position)
        .group_by(as_text)
    )
    for response, n in rows:
        try:
            chosen = qtype.grade(version.data, json.loads(response)).chosen
        except (InvalidResponse, KeyError, TypeError, ValueError):
            continue
        for key in set(chosen):
            counts[key] = counts.get(key, 0) + int(n)
    right = _right_keys(version)
    return [OptionCount(key, str(label), counts.get(key, 0), key in right)
            for key, label in qtype.choice_keys(version.data)]


@dataclass
class SkpdScore:
    skpd_id: int | None
    name: str
    people: int
    answers: int
    correct: int

    @property
    def share_correct(self) -> float:
        return self.correct / self.answers if self.answers else 0.0


#: an SKPD with fewer people answering is left off the leaderboard (its score would describe them;
#: the same k >= 5 rule as the item analysis)
MIN_LEADERBOARD_PEOPLE = 5


def leaderboard(event: Event) -> list[SkpdScore]:
    """Per SKPD (never per person): people who answered, answers, answers fully correct; best share
    of correct answers first. SKPDs with fewer than ``MIN_LEADERBOARD_PEOPLE`` people answering are
    left off. One aggregated statement."""
    rows = db.session.execute(
        select(LiveAnswer.skpd_id, Unit.name, func.count(func.distinct(LiveAnswer.user_id)), func.count(),
               func.sum(case((LiveAnswer.correct.is_(True), 1), else_=0)))
        .outerjoin(Unit, Unit.id == LiveAnswer.skpd_id)
        .where(LiveAnswer.event_id == event.id)
        .group_by(LiveAnswer.skpd_id, Unit.name)
    ).all()
    result = [SkpdScore(skpd_id, name or "", int(people), int(n), int(correct or 0))
              for skpd_id, name, people, n, correct in rows if people >= MIN_LEADERBOARD_PEOPLE]
    result.sort(key=lambda s: (-s.share_correct, -s.correct, natural_key(s.name)))
    return result


# --- the room signs -----------------------------------------------------------------------------------


@dataclass
class Signing:
    total: int = 0
    #: heads of SKPD who signed at the event (name, SKPD), first signed first
    heads: list[tuple[str, str]] = field(default_factory=list)
    #: (SKPD name, signatures) most first
    per_skpd: list[tuple[str, int]] = field(default_factory=list)
    present: int = 0


def signatures_since(event: Event) -> dt.datetime:
    """Signatures made at the event: by people checked in, from the check-in window's opening."""
    return event.checkin_window()[0]


def _at_event(event: Event) -> Any:
    return and_(PledgeSignature.campaign_id == event.campaign_id,
                PledgeSignature.signed_at >= signatures_since(event),
                PledgeSignature.user_id.in_(select(Attendance.user_id).where(Attendance.event_id == event.id)))


def signing(event: Event) -> Signing:
    """The pakta signatures made at the event: heads of SKPD first (``PledgeSignature.is_skpd_head``,
    recorded at signing by ``pledges.services.is_skpd_head``: the same rule as
    ``reports.services.head_condition``), then the count per SKPD. Three statements whatever the
    number of signatures."""
    result = Signing()
    result.present = db.session.scalar(select(func.count()).select_from(Attendance)
                                       .where(Attendance.event_id == event.id)) or 0
    if event.campaign_id is None:
        return result
    at_event = _at_event(event)
    result.heads = [(name, skpd or "") for name, skpd in db.session.execute(
        select(PledgeSignature.signer_name, Unit.name).outerjoin(Unit, Unit.id == PledgeSignature.skpd_id)
        .where(at_event, PledgeSignature.is_skpd_head.is_(True)).order_by(PledgeSignature.signed_at).limit(50))]
    rows = db.session.execute(
        select(Unit.name, func.count()).select_from(PledgeSignature)
        .outerjoin(Unit, Unit.id == PledgeSignature.skpd_id).where(at_event)
        .group_by(PledgeSignature.skpd_id, Unit.name)
    ).all()
    result.per_skpd = sorted(((name or "", int(n)) for name, n in rows), key=lambda r: (-r[1], natural_key(r[0])))
    result.total = sum(n for _name, n in result.per_skpd)
    return result


def has_signed(event: Event, user: User) -> bool:
    if event.campaign_id is None:
        return False
    return db.session.scalar(select(literal(True)).where(exists().where(
        PledgeSignature.campaign_id == event.campaign_id, PledgeSignature.user_id == user.id))) is True


# --- a person's results --------------------------------------------------------------------------------


def my_results(event: Event, user: User) -> tuple[int, int]:
    """(answers fully correct, answers given) at this event."""
    row = db.session.execute(
        select(func.count(), func.sum(case((LiveAnswer.correct.is_(True), 1), else_=0)))
        .where(LiveAnswer.event_id == event.id, LiveAnswer.user_id == user.id)
    ).one()
    return int(row[1] or 0), int(row[0] or 0)
