"""The demo's quiz attempts: load the shipped question banks from ``quizzes/`` and leave realistic
attempts at ``netralitas-dasar`` (and ``netralitas-pimpinan`` for heads of units) across perangkat
daerah, so item analysis has patterns to show. Flushes only.

Who. Most people who finished the course requiring the quiz take it, some of those half-way try it
early; the printed demo accounts start fresh. Many who fail try again after reading the feedback,
within the quiz's attempt limit. Times are spread over the last weeks, after the reading.

How they answer. A person's skill (their SKPD's level plus their own) against a question's
difficulty gives the chance of the right answer. Each SKPD has its misconceptions
(:data:`MISCONCEPTIONS`: one likes candidates' posts, another thinks the rules start only when KPU
names the candidates, teachers forward campaign material in WhatsApp groups, ...): people holding
one answer the questions it touches wrong more often, and then the way the belief suggests (its
distractor, feed action or branch choice). Other wrong answers are plausible ones: a popular
distractor, a right option missed or a wrong one added, a like on a partisan post, a branch
choice that still earns some points.

Real attempts. Each attempt is what the engine would store: questions drawn as ``start_attempt``
draws them (``draw_questions`` over the quiz's draw rules, then ``option_order`` with its shuffle
setting, from the same generator), every answer stored as ``save_answer`` stores it (the type
registry's ``normalise_response``; a branching path grown step by step with ``append_step``),
items graded and totalled as ``submit_attempt`` does (the registry's ``grade``), times inside the
time limit, unit and SKPD snapshots. Built in memory (no ORM objects, which would cost more than
the rest together) and inserted with batched Core inserts.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, null, select

from ..accounts.models import EmployeeType, JenisJabatan, Role, User
from ..courses.models import CourseVersion, Enrollment
from ..db import db, utcnow
from ..org.models import Instansi, Unit, UnitKind
from ..quizzes.attempts import option_order
from ..quizzes.models import Attempt, AttemptItem, AttemptStatus, QuestionVersion, Quiz, QuizStatus
from ..quizzes.services import DrawError, DrawPool, draw_pool, draw_questions, quiz_bank_ids
from ..quizzes.types import ACTIONS, QUESTION_TYPES, Branching, InvalidResponse, MultipleResponse
from . import data
from .courses import sync_shipped
from .pace import Pace

BATCH = 1000
QUIZ = "netralitas-dasar"
LEADERS_QUIZ = "netralitas-pimpinan"
LEADER_JENIS = (JenisJabatan.JPT_PRATAMA, JenisJabatan.ADMINISTRATOR, JenisJabatan.PENGAWAS)

#: chance of taking the quiz by where a person is in the course (``none``: no course was seeded)
TAKE = {"done": 0.92, "half": 0.3, "none": 0.3}
#: chance that a leader who finished the course also takes the leaders' quiz
TAKE_LEADERS = 0.6
#: chance of trying again after failing (while attempts are left); what a retry learnt
RETAKE = 0.7
LEARNT = 0.6
KEEP_BELIEF = 0.4
#: how much a held misconception lowers the chance of the right answer (logit), and how often a
#: wrong answer then is the one the belief suggests
PULL = 3.0
LURE_SHARE = 0.8
#: how much an SKPD's drive (pace.py, 0..1 around 0.6) adds to its people's skill (logit)
DRIVE_SKILL = 1.5
#: everybody's chance of holding any misconception, whatever their SKPD
BACKGROUND = 0.06
#: a question left unanswered (not branching)
SKIP = 0.005
#: logit offset: a person of average skill on a question of average difficulty
BASE = 1.0
TYPE_DIFFICULTY = {"true_false": -0.3, "single_choice": 0.0, "multiple_response": 0.7, "social_feed": -0.1,
                   "branching": -0.9}  # branching: per step
FEED_WRONG = {"like": 5.0, "share": 2.5, "comment": 2.0, "follow": 1.5}
#: an attempt ends at least this long before now (the time limit is 20 minutes)
END_MARGIN = dt.timedelta(minutes=25)


@dataclass(frozen=True)
class Misconception:
    """A wrong belief shared in some perangkat daerah, and the answers it suggests per question key.

    Answers are alternatives: an option id (single choice); ``{"drop": [...], "add": [...]}`` against
    the right options (multiple response); the wrong boolean (true/false); a list of feed actions
    (social feed); ``{node: choice}`` preferences along a branching path."""

    name: str
    lures: Mapping[str, tuple[Any, ...]]


MISCONCEPTIONS: tuple[Misconception, ...] = (
    # "a like is just a like": engaging with candidates' and parties' posts on a personal account
    Misconception("likes_candidate_posts", {
        "medsos-feed-program-calon-bupati": (["like"], ["like", "comment"], ["like", "share"]),
        "medsos-feed-tim-pemenangan-bakal-calon": (["like"], ["like", "follow"]),
        "medsos-feed-komentar-mantan-atasan": (["like"], ["like", "comment"]),
        "medsos-feed-partai-caleg": (["like"], ["follow"]),
        "medsos-feed-berita-calon": (["like"], ["share"]),
        "medsos-feed-unggahan-rekan": (["like"], ["like", "comment"]),
        "medsos-feed-petahana-tag-dinas": (["like"], ["share"]),
        "medsos-like-lurah-program": ("a", "c"),
        "medsos-mana-yang-melanggar": ({"drop": ["a"]}, {"drop": ["a", "b"]}),
        "medsos-twibbon-cpns": (False,),
        "medsos-sindiran-tagar-capres": (True,),
    }),
    # "before KPU names the candidates there are no rules yet"
    Misconception("stage_rules", {
        "spanduk-pagar-bakal-calon": ("c", "d"),
        "foto-gestur-bakal-calon": (True,),
        "medsos-feed-tim-pemenangan-bakal-calon": (["like"], ["follow"]),
        "politik-uang-sembako-kartu-nama": ("c",),
        "dukungan-ktp-kepala-sekolah": ("d",),
        "dukungan-ktp-kelurahan": ({"drop": ["a"]},),
        "dukungan-pppk-admin-grup-relawan": ("d",),
        "pencalonan-sekda-penjaringan": ("b",),
        "pencalonan-promosi-diri": ("b", "c"),
        "keluarga-suami-deklarasi-tanpa-cltn": (True,),
        "tekanan-pesan-suara-sekda": ({"pesan-suara": "hadir-sendiri"},),
    }),
    # "forwarding is not campaigning": WhatsApp groups of the office, of parents, of the RT
    Misconception("forwards_in_groups", {
        "melapor-grup-wa-kantor": ({"flyer": "teruskan"}, {"flyer": "balas-jempol"}),
        "medsos-poster-grup-wali-murid": ("c", "b", "d"),
        "dukungan-ktp-kelurahan": ({"drop": ["c"]},),
        "medsos-feed-unggahan-rekan": (["share"], ["like", "share"]),
        "medsos-feed-program-calon-bupati": (["share"],),
        "atasan-grup-wa-video-kampanye": ("c",),
    }),
    # "I only follow my superior's orders"
    Misconception("obeys_superiors", {
        "tekanan-pesan-suara-sekda": ({"pesan-suara": "hadir-bawa-staf", "di-kpu": "berpose", "bukti": "hapus"},),
        "tekanan-silaturahmi-camat": ({"ajakan": "terima-simpan", "sesudahnya": "ikut-saja"},),
        "keputusan-mutasi-tidak-mendukung": ("b", "c"),
        "tekanan-janji-promosi": ("b", "d"),
        "mobilisasi-imbauan-apel-camat": (True,),
        "mobilisasi-guru-ke-kampanye": ({"drop": ["b"]}, {"drop": ["c"]}),
        "atasan-menunggu-laporan": (False,),
        "keputusan-rapat-pimpinan": ({"drop": ["c"]},),
        "fasilitas-mobil-dinas-tim-kampanye": ({"permintaan": "pinjamkan", "sopir-bertanya": "baju-bebas"},),
    }),
    # "outside office hours, or without the car, state facilities are fine"
    Misconception("state_facilities", {
        "fasilitas-mobil-dinas-tim-kampanye": ({"permintaan": "pikir-dulu", "desakan": "pinjamkan-tenda"},
                                               {"permintaan": "pinjamkan", "sopir-bertanya": "baju-bebas"}),
        "fasilitas-aula-sekolah-caleg": ("b", "d"),
        "fasilitas-brosur-puskesmas": ("c", "b"),
        "kampanye-hari-libur-kaos": ("b", "c"),
        "kampanye-narasumber-acara-partai": ("d", "b"),
        "kampanye-seragam-dinas": (True,),
        "keputusan-bansos-stiker": ("c", "b"),
        "dukungan-ktp-kelurahan": ({"drop": ["b"]},),
    }),
    # "family comes first"
    Misconception("family_first", {
        "keluarga-kakak-calon-bupati": ({"ajakan-kakak": "bantu-diam-diam", "foto-keluarga": "ikut-berpose",
                                         "hari-pemungutan": "ajak-antrean"},),
        "keluarga-suami-deklarasi-tanpa-cltn": (True,),
        "keluarga-pasangan-tetap-dilarang": ({"drop": ["a"]}, {"drop": ["b"]}),
        "politik-uang-sembako-kartu-nama": ("d",),
        "boleh-pasangan-cltn-mendampingi": ("b", "c"),
    }),
    # "anything political is forbidden": over-cautious about allowed conduct
    Misconception("overcautious", {
        "boleh-mencoblos": (False,),
        "boleh-membaca-program": (False,),
        "boleh-ajak-gunakan-hak-pilih": (False,),
        "boleh-acara-dinas-netral": ("b",),
        "keluarga-kakak-calon-bupati": ({"foto-keluarga": "tidak-datang", "hari-pemungutan": "tidak-memilih"},),
        "tekanan-silaturahmi-camat": ({"undangan": "lapor-duluan"},),
        "keluarga-pasangan-tetap-dilarang": ({"add": ["d"]}, {"add": ["e"]}),
        "keputusan-rapat-pimpinan": ({"add": ["d"]},),
        # ignoring KPU's and Bawaslu's neutral notices one was asked to pass on
        "boleh-feed-kpu-jadwal": (["ignore"],),
        "boleh-feed-kpu-daftar-pemilih": (["ignore"],),
        "melapor-feed-bawaslu": (["ignore"],),
    }),
    # reports go to KASN (dissolved), to social media, or nowhere
    Misconception("reporting_channels", {
        "melapor-kanal-resmi": ({"add": ["e"]}, {"add": ["e"], "drop": ["a"]}),
        "tekanan-pesan-suara-sekda": ({"bukti": "lapor-kasn"}, {"bukti": "viralkan"}),
        "melapor-grup-wa-kantor": ({"cara-melapor": "sbt-nama-saja"}, {"cara-melapor": "unggah-facebook"}),
        "atasan-bawahan-tim-sukses": ({"temuan": "tegur-di-grup", "pemeriksaan": "selesai-kekeluargaan"},),
        "fasilitas-mobil-dinas-tim-kampanye": ({"langkah-lanjut": "sebar-grup"}, {"langkah-lanjut": "diam"}),
        "tekanan-janji-promosi": ("d",),
        "atasan-grup-wa-video-kampanye": ("b", "d"),
    }),
    # "the neutrality rules are for PNS only"
    Misconception("only_pns", {
        "kampanye-konvoi-honorer": ("b", "d"),
        "partai-pppk-anggota": (False,),
        "kampanye-tim-kampanye-resmi": (True,),
        "dukungan-pppk-admin-grup-relawan": ("b", "c"),
        "medsos-feed-partai-caleg": (["like"], ["follow"], ["share"]),
    }),
)
BY_NAME = {m.name: m for m in MISCONCEPTIONS}
#: fixed profiles: teachers forward in groups (more in the schools than at the office), the
#: kecamatan follow the camat, PPPK and non-ASN staff think the rules are for PNS
SCHOOL_PROFILE = {"forwards_in_groups": 0.75}
PENDIDIKAN_PROFILE = {"forwards_in_groups": 0.35}
KECAMATAN_PROFILE = {"obeys_superiors": 0.55}
NON_PNS_PROFILE = {"only_pns": 0.35}
NON_PNS = (EmployeeType.PPPK, EmployeeType.PPPK_PARUH_WAKTU, EmployeeType.NON_ASN)


@dataclass
class QuizCounts:
    slug: str
    attempts: int = 0
    #: attempts after the first
    retakes: int = 0
    #: people with an attempt, and of those how many passed
    people: int = 0
    passed: int = 0
    skpds: int = 0


@dataclass
class QuizDemo:
    quizzes: list[QuizCounts] = field(default_factory=list)
    #: why no attempts were made (no bank folders, invalid content, ...), for the CLI to print
    note: str = ""


def quiz_root() -> Path:
    from ..content.cli import default_quiz_root

    return default_quiz_root()


def load_shipped_quizzes(root: Path) -> tuple[list[Quiz], str]:
    """Sync the bank folders (idempotent); the published quizzes they hold."""
    from ..content.quizzes import sync_quizzes

    report, note = sync_shipped(root, "bank.yaml", "question bank", sync_quizzes)
    if report is None:
        return [], note
    quizzes = list(db.session.scalars(
        select(Quiz).where(Quiz.slug.in_(list(report.quizzes)), Quiz.status == QuizStatus.PUBLISHED)
        .order_by(Quiz.slug)
    ))
    return quizzes, ""


# --- people --------------------------------------------------------------------------------


@dataclass
class _Person:
    user_id: int
    unit_id: int
    skpd_id: int
    unit_kind: UnitKind
    employee_type: EmployeeType
    leader: bool
    #: "done", "half" or "none" (course not started, or no course seeded)
    stage: str = "none"
    #: reading started / finished (the earliest a quiz attempt may start)
    since: dt.datetime | None = None
    skill: float = 0.0
    beliefs: frozenset[str] = frozenset()


def _people(instansi: Instansi, exclude_user_ids: set[int]) -> list[_Person]:
    rows = db.session.execute(
        select(User.id, User.unit_id, Unit.skpd_id, Unit.kind, User.employee_type, User.jenis_jabatan,
               User.is_kepala_wilayah)
        .join(Unit, Unit.id == User.unit_id)
        .where(User.instansi_id == instansi.id, User.role == Role.PESERTA, User.active.is_(True),
               User.password_hash.is_not(None))
        .order_by(User.id)
    ).all()
    return [
        _Person(uid, unit_id, skpd_id, UnitKind(kind), EmployeeType(et), jenis in LEADER_JENIS or bool(kepala))
        for uid, unit_id, skpd_id, kind, et, jenis, kepala in rows if uid not in exclude_user_ids
    ]


def _reading(instansi: Instansi, slug: str) -> dict[int, tuple[dt.datetime, dt.datetime | None]]:
    """user id -> (started, modules completed) in the courses requiring quiz ``slug``."""
    rows = db.session.execute(
        select(Enrollment.user_id, Enrollment.started_at, Enrollment.modules_completed_at, CourseVersion.requires)
        .join(CourseVersion, CourseVersion.id == Enrollment.course_version_id)
        .join(User, User.id == Enrollment.user_id)
        .where(User.instansi_id == instansi.id)
    ).all()
    return {uid: (started, done) for uid, started, done, requires in rows if (requires or {}).get("quiz") == slug}


def _profiles(rng: random.Random, skpds: list[tuple[int, str, UnitKind]], takers: Counter[int]
              ) -> dict[int, dict[str, float]]:
    """SKPD id -> misconception name -> the share of its people holding it. Every misconception is
    strong in at least one sizeable SKPD: the SKPDs with the most takers get one each, the biggest
    the two most common in practice (liking candidates' posts, the stage rules)."""
    profiles: dict[int, dict[str, float]] = {}
    free = []
    for skpd_id, name, kind in skpds:
        if name == data.DINAS_PENDIDIKAN:
            profiles[skpd_id] = dict(PENDIDIKAN_PROFILE)
        elif kind == UnitKind.KECAMATAN:
            profiles[skpd_id] = dict(KECAMATAN_PROFILE)
        else:
            free.append(skpd_id)
    free.sort(key=lambda skpd_id: (-takers[skpd_id], skpd_id))
    first = ["likes_candidate_posts", "stage_rules"]
    rest = [m.name for m in MISCONCEPTIONS if m.name not in (*first, "forwards_in_groups", "obeys_superiors")]
    rng.shuffle(rest)
    names = first + rest
    for i, skpd_id in enumerate(free):
        if i < len(names):
            profiles[skpd_id] = {names[i]: rng.uniform(0.5, 0.8)}
        elif rng.random() < 0.5:
            profiles[skpd_id] = {rng.choice([m.name for m in MISCONCEPTIONS]): rng.uniform(0.3, 0.7)}
        else:
            profiles[skpd_id] = {}
    return profiles


def _beliefs(rng: random.Random, person: _Person, profile: Mapping[str, float]) -> frozenset[str]:
    extra: dict[str, float] = {}
    if person.unit_kind == UnitKind.SEKOLAH:
        extra.update(SCHOOL_PROFILE)
    if person.employee_type in NON_PNS:
        extra.update(NON_PNS_PROFILE)
    held = set()
    for m in MISCONCEPTIONS:
        share = max(BACKGROUND, profile.get(m.name, 0.0), extra.get(m.name, 0.0))
        if rng.random() < share:
            held.add(m.name)
    return frozenset(held)


# --- answering -----------------------------------------------------------------------------


def _chance(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-logit))


@dataclass
class _Question:
    """What the demo knows about one question version: its difficulty and its distractors' pull."""

    version: QuestionVersion
    difficulty: float
    #: the right options (single and multiple choice)
    right: list[str] = field(default_factory=list)
    #: wrong option id -> how attractive it is (single and multiple choice)
    attraction: dict[str, float] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.version.question.key

    @property
    def data(self) -> Mapping[str, Any]:
        return self.version.data


def _question(rng: random.Random, version: QuestionVersion) -> _Question:
    data_ = version.data
    difficulty = TYPE_DIFFICULTY.get(version.type, 0.0) + rng.gauss(0, 0.35)
    if "boleh-dilakukan" in (version.tags or []):
        difficulty -= 0.3
    question = _Question(version, difficulty)
    if version.type in ("single_choice", "multiple_response"):
        question.right = right = _right_options(version)
        for option in data_["options"]:
            if option["id"] not in right:
                partial = version.type == "single_choice" and float(option.get("weight", 0)) > 0
                question.attraction[option["id"]] = rng.uniform(0.2, 1.0) ** 2 * (3 if partial else 1)
    return question


def _right_options(version: QuestionVersion) -> list[str]:
    """The options to choose for full marks (multiple response: every option of positive weight)."""
    qtype = QUESTION_TYPES[version.type]
    if isinstance(qtype, MultipleResponse):
        return [key for key, weight in qtype.weights(version.data).items() if weight > 0]
    return [o["id"] for o in version.data["options"] if o.get("correct") is True]


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def lure_response(version: QuestionVersion, lure: Any) -> dict[str, Any] | None:
    """The response a belief suggests (canonical, through the type registry), or None when it does
    not fit this version (the content changed). Branching preferences are followed step by step
    instead (see ``_branch_steps``)."""
    if version.type == "single_choice":
        raw: Any = {"options": [lure]}
    elif version.type == "multiple_response":
        chosen = (set(_right_options(version)) - set(lure.get("drop", ()))) | set(lure.get("add", ()))
        raw = {"options": sorted(chosen)}
    elif version.type == "true_false":
        raw = {"answer": lure}
    elif version.type == "social_feed":
        raw = {"actions": list(lure)}
    else:
        return None
    try:
        return QUESTION_TYPES[version.type].normalise_response(version.data, raw)
    except (InvalidResponse, AttributeError, TypeError):
        return None


def _right_answer(rng: random.Random, question: _Question) -> dict[str, Any]:
    version, data_ = question.version, question.data
    if version.type in ("single_choice", "multiple_response"):
        return {"options": list(question.right)}
    if version.type == "true_false":
        return {"answer": data_["answer"]}
    full = QUESTION_TYPES["social_feed"].full_credit(data_)  # type: ignore[attr-defined]
    others = [k for k in full if k != "ignore"]
    if not others or ("ignore" in full and rng.random() < 0.45):
        return {"actions": ["ignore"]}
    return {"actions": rng.sample(others, min(len(others), rng.choice((1, 1, 2))))}


def _wrong_answer(rng: random.Random, question: _Question) -> dict[str, Any]:
    version, data_ = question.version, question.data
    if version.type == "single_choice":
        return {"options": [_weighted(rng, question.attraction)]}
    if version.type == "multiple_response":
        right = question.right
        chosen = set(right)
        roll = rng.random()
        if (roll < 0.45 or roll >= 0.85) and len(right) > 1:
            chosen.discard(rng.choice(right))
        if roll >= 0.45 and question.attraction:
            chosen.add(_weighted(rng, question.attraction))
        if chosen == set(right) and question.attraction:
            chosen.add(_weighted(rng, question.attraction))
        return {"options": sorted(chosen)}
    if version.type == "true_false":
        return {"answer": not data_["answer"]}
    wrong = {k: w for k, w in FEED_WRONG.items() if not data_["actions"][k]["allowed"]}
    if not wrong:  # every action is allowed (KPU's notice): only one not worth full credit can be wrong
        feed = QUESTION_TYPES["social_feed"]
        weaker = [k for k in ACTIONS if k not in feed.full_credit(data_)]  # type: ignore[attr-defined]
        return {"actions": [rng.choice(weaker)]} if weaker else _right_answer(rng, question)
    actions = {_weighted(rng, wrong)}
    if rng.random() < 0.3:
        actions.add(rng.choice([k for k in ACTIONS if k != "ignore"]))
    return {"actions": [k for k in ACTIONS if k in actions]}


def _branch_steps(rng: random.Random, question: _Question, skill: float, lures: Sequence[Any]
                  ) -> list[dict[str, str]]:
    """A path through a branching scenario, one step per situation. At each situation the best
    choice (most points on the way to the end) is taken with the person's chance; otherwise the
    belief's choice there, or another one (those still earning points more often)."""
    nodes = {str(n["id"]): n for n in question.data["nodes"]}
    best: dict[str, int] = {}

    def value(node_id: str | None) -> int:
        if node_id is None:
            return 0
        if node_id not in best:
            best[node_id] = max(int(c["points"]) + value(c.get("next")) for c in nodes[node_id]["choices"])
        return best[node_id]

    preference = rng.choice(list(lures)) if lures else {}
    steps = []
    node_id: str | None = str(question.data["start"])
    while node_id is not None:
        choices = nodes[node_id]["choices"]
        values = {str(c["id"]): int(c["points"]) + value(c.get("next")) for c in choices}
        top = max(values.values())
        lure = preference.get(node_id) if isinstance(preference, Mapping) else None
        lure = lure if lure in values and values[lure] < top else None
        if rng.random() < _chance(BASE + skill - question.difficulty - (PULL if lure else 0.0)):
            choice = next(k for k, v in values.items() if v == top)
        elif lure is not None and rng.random() < LURE_SHARE:
            choice = lure
        else:
            others = {k: 1.0 + v for k, v in values.items() if v < top}
            choice = _weighted(rng, others) if others else next(k for k, v in values.items() if v == top)
        steps.append({"node": node_id, "choice": choice})
        node_id = next(c.get("next") for c in choices if str(c["id"]) == choice)
    return steps


def _answers(rng: random.Random, question: _Question, skill: float, beliefs: frozenset[str]) -> list[Any]:
    """The raw inputs ``save_answer`` receives for this question (several for a branching path,
    none when the question is left unanswered)."""
    lures = [lure for name in sorted(beliefs) for lure in BY_NAME[name].lures.get(question.key, ())]
    if question.version.type == "branching":
        return list(_branch_steps(rng, question, skill, lures))
    if rng.random() < SKIP:
        return []
    pull = PULL if lures else 0.0
    if rng.random() < _chance(BASE + skill - question.difficulty - pull):
        return [_right_answer(rng, question)]
    if lures and rng.random() < LURE_SHARE:
        answer = lure_response(question.version, rng.choice(lures))
        if answer is not None:
            return [answer]
    return [_wrong_answer(rng, question)]


# --- attempts ------------------------------------------------------------------------------


class _Builder:
    """Builds attempts as the engine does and collects their rows for batched inserts."""

    def __init__(self, rng: random.Random) -> None:
        #: draws each question's difficulty and distractors' pull (once per version)
        self.rng = rng
        self.questions: dict[int, _Question] = {}
        self.attempts: list[dict[str, Any]] = []
        self.items: list[list[dict[str, Any]]] = []

    def question(self, version: QuestionVersion) -> _Question:
        if version.id not in self.questions:
            self.questions[version.id] = _question(self.rng, version)
        return self.questions[version.id]

    def attempt(self, rng: random.Random, quiz: Quiz, pool: DrawPool, person: _Person, number: int,
                started: dt.datetime, skill: float, beliefs: frozenset[str]) -> dict[str, Any]:
        """One submitted attempt's row (its items' rows kept alongside), as the engine would store it:
        drawn as ``start_attempt`` draws (the quiz's rules, then each item's option order, from the
        same generator), every answer stored as ``save_answer`` stores it (``normalise_response``, or a
        branching path grown step by step with ``append_step``), graded and totalled as
        ``submit_attempt`` does (the type registry's ``grade``)."""
        versions = draw_questions(quiz, rng, pool)
        orders = [option_order(version, quiz.shuffle_options, rng) for version in versions]
        deadline = started + dt.timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
        plan = [_answers(rng, self.question(version), skill, beliefs) for version in versions]
        # reading and answering take 20 s to 2 min per step, inside the time limit
        pauses = [[rng.uniform(20, 110) for _ in raws] for raws in plan]
        total = sum(sum(p) for p in pauses) + 60
        limit = (deadline - started).total_seconds() - 60 if deadline else total
        scale = min(1.0, limit / total)
        at = started + dt.timedelta(seconds=rng.uniform(10, 40) * scale)
        items = []
        score = max_score = 0.0
        for position, (version, order, raws, waits) in enumerate(zip(versions, orders, plan, pauses, strict=True),
                                                                 start=1):
            qtype = QUESTION_TYPES[version.type]
            response: dict[str, Any] | None = None
            answered_at = None
            updated_at = started
            for raw, wait in zip(raws, waits, strict=True):
                at += dt.timedelta(seconds=wait * scale)
                if isinstance(qtype, Branching):
                    response = qtype.append_step(version.data, response, raw["node"], raw["choice"])
                else:
                    response = qtype.normalise_response(version.data, raw)
                answered_at = answered_at or at
                updated_at = at
            grade = qtype.grade(version.data, response) if response is not None else None
            item_score = grade.score if grade else 0.0
            score += item_score
            max_score += qtype.max_points(version.data)
            items.append({
                "position": position, "question_version_id": version.id, "option_order": order,
                # unanswered: SQL NULL like a row the engine never saved an answer to
                "response": response if response is not None else null(),
                "score": item_score, "fraction": grade.fraction if grade else 0.0,
                "correct": grade.correct if grade else False, "answered_at": answered_at, "updated_at": updated_at,
            })
        percent = round(100 * score / max_score, 2) if max_score else 0.0
        row = {
            "quiz_id": quiz.id, "user_id": person.user_id, "number": number, "status": AttemptStatus.SUBMITTED,
            "unit_id": person.unit_id, "skpd_id": person.skpd_id, "started_at": started, "deadline_at": deadline,
            "submitted_at": at + dt.timedelta(seconds=rng.uniform(5, 50) * scale),
            "score": round(score, 6), "max_score": round(max_score, 6), "percent": percent,
            "passed": percent >= quiz.pass_mark, "pass_mark": quiz.pass_mark,
        }
        self.attempts.append(row)
        self.items.append(items)
        return row

    def insert(self) -> None:
        table = Attempt.__table__
        for start in range(0, len(self.attempts), BATCH):
            chunk = self.attempts[start:start + BATCH]
            ids = db.session.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk
            ).scalars().all()
            rows = [dict(item, attempt_id=attempt_id)
                    for attempt_id, items in zip(ids, self.items[start:start + BATCH], strict=True)
                    for item in items]
            for first in range(0, len(rows), BATCH * 5):
                db.session.execute(insert(AttemptItem.__table__), rows[first:first + BATCH * 5])
        db.session.flush()


def _first_start(rng: random.Random, person: _Person, latest: dt.datetime) -> dt.datetime | None:
    """When the first attempt starts: soon after the reading for those who finished it, somewhere
    during the reading for those half-way; None when that would not end before now."""
    if person.stage == "done" and person.since is not None:
        start = person.since + dt.timedelta(minutes=rng.uniform(5, 60 * 24 * 3))
        if start > latest:
            if person.since >= latest:
                return None
            start = person.since + (latest - person.since) * rng.random()
        return start
    if person.stage == "half" and person.since is not None:
        return person.since + (latest - person.since) * rng.random() if person.since < latest else None
    return latest - dt.timedelta(minutes=rng.uniform(30, 60 * 24 * 30))


def seed_quizzes(instansi: Instansi, rng: random.Random, exclude_user_ids: set[int],
                 root: Path | None = None, pace: Pace | None = None) -> QuizDemo:
    result = QuizDemo()
    quizzes, result.note = load_shipped_quizzes(root or quiz_root())
    by_slug = {q.slug: q for q in quizzes}
    main = by_slug.get(QUIZ)
    if main is None:
        result.note = result.note or f"quiz {QUIZ} is not in the question banks"
        return result
    now = utcnow()
    latest = now - END_MARGIN

    people = _people(instansi, exclude_user_ids)
    reading = _reading(instansi, QUIZ)
    for person in people:
        started, done = reading.get(person.user_id, (None, None))
        person.stage = "done" if done is not None else ("half" if started is not None else "none")
        person.since = done or started
    if reading:  # with the course seeded, only its readers take the quiz
        takers = [p for p in people if p.stage != "none" and rng.random() < TAKE[p.stage]]
    else:
        takers = [p for p in people if rng.random() < TAKE["none"]]

    skpds = [(uid, name, UnitKind(kind)) for uid, name, kind in db.session.execute(
        select(Unit.id, Unit.name, Unit.kind).where(Unit.instansi_id == instansi.id, Unit.parent_id.is_(None))
        .order_by(Unit.id))]
    profiles = _profiles(rng, skpds, Counter(p.skpd_id for p in takers))
    # an SKPD that is ahead (pace.py) also prepared its people better
    drive = pace.drive if pace is not None else {}
    level = {skpd_id: rng.gauss(0, 0.45) + DRIVE_SKILL * (drive.get(skpd_id, 0.6) - 0.6) for skpd_id, _n, _k in skpds}
    for person in takers:
        bonus = {"done": 0.3, "half": -0.3}.get(person.stage, 0.0) + (0.2 if person.leader else 0.0)
        person.skill = level[person.skpd_id] + bonus + rng.gauss(0, 0.8)
        person.beliefs = _beliefs(rng, person, profiles[person.skpd_id])

    builder = _Builder(rng)
    plans: list[tuple[Quiz, list[_Person]]] = [(main, takers)]
    leaders = by_slug.get(LEADERS_QUIZ)
    if leaders is not None:
        plans.append((leaders, [p for p in takers if p.leader and p.stage != "half" and rng.random() < TAKE_LEADERS]))
    for quiz, group in plans:
        pool = draw_pool(quiz_bank_ids(quiz))
        for _question_, version in pool.candidates:  # in bank order, before anyone answers
            builder.question(version)
        limit = quiz.attempt_limit or 3
        first = len(builder.attempts)
        try:
            for person in group:
                # one generator per person: a time that falls after "now" on another day changes
                # only that person's attempts
                own = random.Random(rng.getrandbits(64))
                _take(builder, own, quiz, pool, person, limit, latest)
        except DrawError as exc:
            result.note = str(exc)
            continue
        rows = builder.attempts[first:]
        result.quizzes.append(QuizCounts(
            quiz.slug, attempts=len(rows), retakes=sum(1 for r in rows if r["number"] > 1),
            people=len({r["user_id"] for r in rows}), passed=len({r["user_id"] for r in rows if r["passed"]}),
            skpds=len({r["skpd_id"] for r in rows}),
        ))
    builder.insert()
    # a bulk load behind the submit path: the item analysis counts these quizzes now, not on the
    # first request that opens them (quizzes/tallies.py)
    from ..quizzes.tallies import rebuild

    for quiz, _group in plans:
        rebuild(quiz.id)
    return result


def _take(builder: _Builder, rng: random.Random, quiz: Quiz, pool: DrawPool, person: _Person, limit: int,
          latest: dt.datetime) -> None:
    """A person's attempts: until they pass, give up, run out of attempts or reach today."""
    started = _first_start(rng, person, latest)
    skill, beliefs = person.skill, person.beliefs
    number = 0
    while started is not None and number < limit:
        number += 1
        attempt = builder.attempt(rng, quiz, pool, person, number, started, skill, beliefs)
        if attempt["passed"] or rng.random() >= RETAKE:
            return
        started = attempt["submitted_at"] + dt.timedelta(minutes=rng.uniform(10, 60 * 24 * 4))
        if started > latest:
            return
        # the feedback taught them something
        skill += LEARNT
        beliefs = frozenset(b for b in beliefs if rng.random() < KEEP_BELIEF)
