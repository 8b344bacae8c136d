"""The demo's events: a past apel pagi with attendance, live answers and pakta signatures made on the
spot, and a sosialisasi starting in a few minutes whose check-in is open, so a visitor can open it as
presenter and join it from a second browser. Flushes only.

The past apel is the last Monday apel pagi before today (``pace.apel_days``; yesterday when there
was none in the last week), 07:30-08:30 local time, for the whole instansi. Who came: nearly every
head of an SKPD and kepala wilayah (HEAD_PRESENT), and in each perangkat daerah a share that grows
with the SKPD's drive (``pace.py``): BASE_PRESENT + DRIVE_PRESENT x drive. People who have activated
their account checked in by scanning the QR (or typing the code when their camera would not scan);
the others were ticked off a paper list the operator imported afterwards. The printed demo accounts
were not there (a visitor starts fresh). On the projector the trainer played LIVE_QUESTIONS questions
of the demo quiz; most people with a phone answered, right more often in SKPDs with more drive. Part
of the attendees who sign the pakta anyway signed it during the apel (``plan.window`` is handed to
``pledges.seed_pledges``, which keeps the signature chain in time order).

Rows are generated in memory and inserted with batched Core inserts (executemany), never ORM
objects one by one."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select

from ..accounts.models import User
from ..db import db, utcnow
from ..events.models import Attendance, CheckinMethod, Event, EventKind, EventSpeaker, LiveAnswer, LivePhase
from ..org.models import Instansi, Unit
from ..pledges.services import JPT_LEVELS
from ..quizzes.models import Question, QuestionVersion, Quiz
from ..quizzes.services import quiz_bank_ids
from ..quizzes.types import QUESTION_TYPES
from .pace import APEL_WEEKDAY, Pace

APEL_TITLE = "Apel pagi: ikrar netralitas ASN"
SOSIALISASI_TITLE = "Sosialisasi netralitas ASN menjelang Pemilu 2029"
#: chance that a head of an SKPD or a kepala wilayah came to the apel
HEAD_PRESENT = 0.92
#: the others: BASE_PRESENT + DRIVE_PRESENT x their SKPD's drive (0.15..0.97)
BASE_PRESENT, DRIVE_PRESENT = 0.45, 0.4
#: of those present with an account: typed the code instead of scanning
TYPED_SHARE = 0.12
#: of those present with an account: answered a live question
ANSWER_SHARE = 0.85
#: the number of quiz questions played live at the apel, and how much harder each is than the first
LIVE_QUESTIONS = 3
DIFFICULTY = (0.0, 0.15, 0.35)
#: of the attendees who sign the pakta anyway, the share who signed it during the apel
SIGN_AT_EVENT = 0.4
#: the upcoming sosialisasi starts this many minutes after seeding
UPCOMING_IN_MINUTES = 10
SPEAKERS = (
    ("Dr. Rahmat Hidayat, S.H., M.H.", "Bawaslu Kota Contoh"),
    ("Sri Wahyuni, S.Sos., M.Si.", "BKN Kantor Regional"),
    ("Ir. Bambang Sutrisno, M.M.", "Inspektorat Kota Contoh"),
)
BATCH = 1000


@dataclass
class EventPlan:
    """The past apel decided before the pakta signatures are seeded."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    #: attendance rows (dicts for a Core insert; event_id filled in later)
    rows: list[dict[str, Any]] = field(default_factory=list)
    #: user id -> (unit id, SKPD id) of everyone present who has an account (may answer, may sign)
    phones: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: (from, to, user ids, rng): who of them signs the pakta during the apel (seed_pledges)
    window: tuple[dt.datetime, dt.datetime, set[int], float, random.Random] | None = None
    #: people of the audience (active, placed, not a printed demo account) and heads among those present
    expected: int = 0
    heads_present: int = 0


@dataclass
class EventDemo:
    apel: str = ""
    present: int = 0
    expected: int = 0
    heads_present: int = 0
    answers: int = 0
    upcoming: str = ""
    upcoming_id: int | None = None
    note: str = ""


def _apel_day(pace: Pace) -> dt.date:
    today = pace.now.astimezone(pace.zone).date()
    for back in range(1, 8):
        day = today - dt.timedelta(days=back)
        if day.weekday() == APEL_WEEKDAY:
            return day
    return today - dt.timedelta(days=1)  # (unreachable: a week has a Monday)


def _local(pace: Pace, day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=pace.zone).astimezone(dt.timezone.utc)


def plan_apel(instansi: Instansi, rng: random.Random, pace: Pace, exclude_user_ids: set[int],
              marked_by_id: int | None) -> EventPlan:
    """Who came to the past apel (one query over the instansi's people)."""
    day = _apel_day(pace)
    plan = EventPlan(_local(pace, day, 7, 30), _local(pace, day, 8, 30))
    people = db.session.execute(
        select(User.id, User.unit_id, Unit.skpd_id, Unit.parent_id, User.jenis_jabatan, User.is_kepala_wilayah,
               User.password_hash.is_not(None))
        .join(Unit, Unit.id == User.unit_id)
        .where(User.instansi_id == instansi.id, User.active.is_(True)).order_by(User.id))
    opens = plan.starts_at - dt.timedelta(minutes=30)
    for uid, unit_id, skpd_id, parent_id, jenis, wilayah, has_account in people:
        if uid in exclude_user_ids:
            continue
        leader = bool(wilayah) or (parent_id is None and jenis in JPT_LEVELS)
        plan.expected += 1
        chance = HEAD_PRESENT if leader else BASE_PRESENT + DRIVE_PRESENT * pace.drive.get(skpd_id, 0.5)
        if rng.random() >= chance:
            continue
        plan.heads_present += parent_id is None and (jenis in JPT_LEVELS or bool(wilayah))
        if has_account:
            method = CheckinMethod.CODE if rng.random() < TYPED_SHARE else CheckinMethod.SCAN
            # most arrive in the half hour before the start, a few late
            at = opens + dt.timedelta(seconds=rng.triangular(0, 45 * 60, 25 * 60))
            plan.phones[uid] = (unit_id, skpd_id)
        else:
            method, at = CheckinMethod.IMPORT, plan.ends_at + dt.timedelta(hours=2, minutes=rng.uniform(0, 60))
        plan.rows.append({"user_id": uid, "checked_in_at": at, "method": method.value,
                          "marked_by_id": marked_by_id if method == CheckinMethod.IMPORT else None,
                          "outside_audience": False, "unit_id": unit_id, "skpd_id": skpd_id,
                          "note": "daftar hadir kertas" if method == CheckinMethod.IMPORT else ""})
    plan.window = (plan.starts_at, plan.ends_at, set(plan.phones), SIGN_AT_EVENT, random.Random(rng.random()))
    return plan


def _live_versions(quiz: Quiz | None) -> list[QuestionVersion]:
    """The first LIVE_QUESTIONS single-choice / true-false questions of the quiz's bank."""
    if quiz is None:
        return []
    return list(db.session.scalars(
        select(QuestionVersion).join(Question, Question.current_version_id == QuestionVersion.id)
        .where(Question.bank_id.in_(quiz_bank_ids(quiz)), Question.retired.is_(False),
               QuestionVersion.type.in_(("single_choice", "true_false")))
        .order_by(Question.position, Question.id).limit(LIVE_QUESTIONS)))


def _response(rng: random.Random, version: QuestionVersion, right: bool) -> dict[str, Any]:
    data = version.data
    if version.type == "true_false":
        raw: dict[str, Any] = {"answer": data["answer"] if right else not data["answer"]}
    else:
        good = [o["id"] for o in data["options"] if o.get("correct") is True]
        bad = [o["id"] for o in data["options"] if o.get("correct") is not True]
        raw = {"options": [rng.choice(good if right or not bad else bad)]}
    return QUESTION_TYPES[version.type].normalise_response(data, raw)


def seed_events(instansi: Instansi, rng: random.Random, pace: Pace, plan: EventPlan, *, created_by_id: int | None,
                quiz: Quiz | None, campaign_id: int | None, course_id: int | None) -> EventDemo:
    result = EventDemo()
    now = utcnow()
    versions = _live_versions(quiz)
    apel = Event(instansi_id=instansi.id, kind=EventKind.APEL, title=APEL_TITLE, place="Halaman Balai Kota",
                 description="Apel pagi mingguan: pembacaan ikrar netralitas ASN, kuis singkat di layar, "
                             "penandatanganan pakta integritas.",
                 starts_at=plan.starts_at, ends_at=plan.ends_at, audience_all=True, quiz_id=quiz.id if quiz else None,
                 campaign_id=campaign_id, leaderboard=True, created_by_id=created_by_id,
                 created_at=plan.starts_at - dt.timedelta(days=3),
                 live_phase=LivePhase.ENDED, live_questions=[v.id for v in versions],
                 live_position=len(versions) - 1 if versions else None, live_version=3 * len(versions) + 2,
                 live_changed_at=plan.ends_at - dt.timedelta(minutes=5))
    upcoming_start = now + dt.timedelta(minutes=UPCOMING_IN_MINUTES)
    upcoming = Event(instansi_id=instansi.id, kind=EventKind.SOSIALISASI, title=SOSIALISASI_TITLE,
                     place="Aula Balai Kota, lantai 3",
                     description="Netralitas ASN dalam Pemilu 2029: aturan, contoh kasus dan sanksi; "
                                 "kuis bersama di layar dan penandatanganan pakta integritas.",
                     starts_at=upcoming_start, ends_at=upcoming_start + dt.timedelta(hours=2), audience_all=True,
                     quiz_id=quiz.id if quiz else None, campaign_id=campaign_id, course_id=course_id,
                     leaderboard=True, created_by_id=created_by_id, created_at=now - dt.timedelta(days=7))
    db.session.add_all([apel, upcoming])
    db.session.flush()
    for position, (name, institution) in enumerate(SPEAKERS):
        db.session.add(EventSpeaker(event_id=upcoming.id, position=position, name=name, institution=institution))

    for row in plan.rows:
        row["event_id"] = apel.id
    for start in range(0, len(plan.rows), BATCH):
        db.session.execute(insert(Attendance.__table__), plan.rows[start:start + BATCH])

    # the live quiz: each question open for two minutes after the first twenty of the apel
    level = {skpd: 0.45 + 0.45 * drive for skpd, drive in pace.drive.items()}
    answers: list[dict[str, Any]] = []
    for position, version in enumerate(versions):
        opened = plan.starts_at + dt.timedelta(minutes=20 + 6 * position)
        qtype = QUESTION_TYPES[version.type]
        for uid, (unit_id, skpd_id) in plan.phones.items():
            if rng.random() >= ANSWER_SHARE:
                continue
            right = rng.random() < level.get(skpd_id, 0.6) - DIFFICULTY[position % len(DIFFICULTY)]
            response = _response(rng, version, right)
            grade = qtype.grade(version.data, response)
            answers.append({"event_id": apel.id, "position": position, "question_version_id": version.id,
                            "user_id": uid, "response": response, "score": grade.score, "fraction": grade.fraction,
                            "correct": grade.correct, "unit_id": unit_id, "skpd_id": skpd_id,
                            "answered_at": opened + dt.timedelta(seconds=rng.triangular(3, 120, 25))})
    for start in range(0, len(answers), BATCH):
        db.session.execute(insert(LiveAnswer.__table__), answers[start:start + BATCH])
    db.session.flush()

    result.apel, result.upcoming, result.upcoming_id = apel.title, upcoming.title, upcoming.id
    result.present, result.expected, result.heads_present = len(plan.rows), plan.expected, plan.heads_present
    result.answers = len(answers)
    if not versions:
        result.note = "no quiz questions for the live quiz"
    return result


def demo_events(instansi: Instansi) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.instansi_id == instansi.id).order_by(Event.starts_at)))
