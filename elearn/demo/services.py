"""Generate the demo instansi "Pemerintah Kota Contoh": units, ~5,000 people, one account per role.

The data is reproducible: one ``random.Random(seed)`` drives every choice, and dates are
computed against a fixed reference date (:data:`AS_OF`) rather than today. Only the demo
passwords (unless given) and activation codes are random per run.

People are inserted with batched Core inserts and no password hashing: activation codes make
accounts cheap. To give the HR dashboards something to show, part of each perangkat daerah is
marked as already activated with ONE shared hash of a random password that is thrown away,
so nobody can sign in as those people: as large a part as the SKPD's drive (``pace.py``: some
SKPDs far ahead, some far behind), and nearly every head and kepala wilayah. The course, quiz,
pakta and certificate history (relative to today: the campaign opened six weeks ago) follows the
same pace. Services flush; the CLI commits.
"""
from __future__ import annotations

import datetime as dt
import random
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, delete, func, insert, inspect, or_, select, update

from ..accounts.models import EmployeeType, JenisJabatan, Role, User
from ..accounts.nip import validate_employee_number
from ..auth.services import hash_password, issue_activation_code
from ..db import Base, analyze, db, utcnow
from ..errors import ServiceError
from ..org.models import Instansi, Unit, UnitKind
from ..org.services import create_instansi, create_unit, get_instansi
from . import data
from .courses import CourseDemo, seed_courses
from .data import DEGREES, MASTERS, Job, Position, UnitSpec
from .pace import Pace
from .pledges import PledgeDemo, seed_pledges
from .quizzes import QuizDemo, seed_quizzes

#: the date the demo population is "as of" (ages, years of service, CPNS cohort)
AS_OF = dt.date(2026, 7, 1)
DEFAULT_SEED = 2024
DEFAULT_PEOPLE = 5000
BATCH = 1000

GOLONGAN_PNS = ("I/a", "I/b", "I/c", "I/d", "II/a", "II/b", "II/c", "II/d",
                "III/a", "III/b", "III/c", "III/d", "IV/a", "IV/b", "IV/c", "IV/d", "IV/e")
GOLONGAN_PPPK = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV",
                 "XV", "XVI", "XVII")

#: share of each employee type among the generated people
TYPE_SHARES = {
    EmployeeType.PNS: 0.60,
    EmployeeType.CPNS: 0.03,
    EmployeeType.PPPK: 0.30,
    EmployeeType.PPPK_PARUH_WAKTU: 0.03,
    EmployeeType.NON_ASN: 0.04,
}

# PNS golongan index (into GOLONGAN_PNS) at first appointment, by education
_PNS_START = {"SMA": 4, "D3": 6, "S1": 8, "PRO": 9, "SP": 10}
# the highest golongan a non-managerial PNS reaches, by (jenis, education)
_PELAKSANA_CAP = {"SMA": 9, "D3": 10, "S1": 11, "PRO": 11, "SP": 11}
_FUNGSIONAL_CAP = {"SMA": 11, "D3": 11, "S1": 14, "PRO": 14, "SP": 15}
# (minimum, maximum) golongan index for managerial positions
_MANAGERIAL_RANGE = {
    JenisJabatan.JPT_PRATAMA: (13, 15),
    JenisJabatan.ADMINISTRATOR: (11, 13),
    JenisJabatan.PENGAWAS: (9, 12),
    JenisJabatan.FUNGSIONAL: (11, 14),  # heads of schools and puskesmas
}
# earliest birth year for managerial positions (they need years of service)
_LATEST_BIRTH = {
    JenisJabatan.JPT_PRATAMA: 1977,
    JenisJabatan.ADMINISTRATOR: 1984,
    JenisJabatan.PENGAWAS: 1990,
    JenisJabatan.FUNGSIONAL: 1986,
}
# youngest age at first appointment, by education (everyone is appointed at 20–35)
_MIN_AGE = {"SMA": 20, "D3": 21, "S1": 23, "PRO": 24, "SP": 28}
# PPPK golongan (index into GOLONGAN_PPPK) by education
_PPPK_GOLONGAN = {"SMA": 4, "D3": 6, "S1": 8, "PRO": 9, "SP": 10}
#: share of women by job name (default: half)
_FEMALE_SHARE = {
    "Bidan": 1.0, "Perawat": 0.75, "Guru": 0.7, "Nutrisionis": 0.85, "Apoteker": 0.75, "Asisten Apoteker": 0.8,
    "Polisi Pamong Praja": 0.2, "Analis Kebakaran": 0.05, "Pengemudi": 0.0, "Petugas Keamanan": 0.05,
    "Pranata Komputer": 0.35, "Teknik Jalan dan Jembatan": 0.2, "Teknik Pengairan": 0.2,
}
_CHRISTIAN_GIVEN = {"Yohanes", "Petrus", "Stefanus", "Benny", "Daniel", "Hendrik", "Maria", "Fransiska",
                    "Yohana", "Theresia", "Agustina"}
_MASTERS_CHANCE = {
    JenisJabatan.JPT_PRATAMA: 0.9, JenisJabatan.ADMINISTRATOR: 0.6, JenisJabatan.PENGAWAS: 0.3,
    JenisJabatan.FUNGSIONAL: 0.12, JenisJabatan.PELAKSANA: 0.04,
}


class DemoExists(ServiceError):
    pass


@dataclass
class DemoAccount:
    role: Role
    name: str
    employee_number: str
    password: str
    unit_name: str


@dataclass
class PendingActivation:
    name: str
    employee_number: str
    code: str
    unit_name: str


@dataclass
class DemoResult:
    instansi: Instansi
    skpd_count: int
    unit_count: int
    people_count: int
    type_counts: dict[str, int]
    accounts: list[DemoAccount] = field(default_factory=list)
    pending: list[PendingActivation] = field(default_factory=list)
    courses: CourseDemo | None = None
    pledges: PledgeDemo | None = None
    quizzes: QuizDemo | None = None
    certificates: Any = None
    events: Any = None


# --- people -------------------------------------------------------------------------------------


@dataclass
class _Slot:
    """One person to generate: where, which job or position, which employee type."""

    unit: Unit
    employee_type: EmployeeType
    job: Job | None = None
    position: Position | None = None
    detail: str | None = None


class PersonFactory:
    """Generates people (rows for a Core insert) with unique, valid employee numbers."""

    def __init__(self, rng: random.Random, taken: set[str] | None = None) -> None:
        self.rng = rng
        #: numbers already used, in this run or by anyone in the database (they are unique)
        self.numbers: set[str] = set(taken or ())
        self.sequences: Counter[str] = Counter()
        self.non_asn = 0

    # numbers ------------------------------------------------------------------------------
    def _date(self, year: int) -> dt.date:
        start = dt.date(year, 1, 1)
        return start + dt.timedelta(days=self.rng.randrange(365))

    def _number(self, prefix: str, employee_type: EmployeeType) -> str:
        """prefix: the first 15 digits; the sequence makes it unique (001 unless taken)."""
        number = ""
        while not number or number in self.numbers:
            self.sequences[prefix] += 1
            number = f"{prefix}{self.sequences[prefix]:03d}"
        # every generated number passes the same validation as an imported roster row
        validate_employee_number(number, employee_type)
        self.numbers.add(number)
        return number

    def _non_asn_number(self) -> str:
        number = ""
        while not number or number in self.numbers:
            self.non_asn += 1
            number = f"NONASN-{self.non_asn:06d}"
        validate_employee_number(number, EmployeeType.NON_ASN)
        self.numbers.add(number)
        return number

    # names --------------------------------------------------------------------------------
    def _base_name(self, female: bool, birth_year: int) -> tuple[str, bool]:
        """A name and whether the person could carry H./Hj. (a Muslim-sounding name)."""
        rng = self.rng
        r = rng.random()
        if r < 0.04:
            return f"{'Ni' if female else 'I'} {rng.choice(data.BALI_ORDER)} {rng.choice(data.BALI_NAMES)}", False
        if r < 0.12 and birth_year <= 1975:
            return rng.choice(data.SINGLE_FEMALE if female else data.SINGLE_MALE), True
        given = rng.choice(data.GIVEN_FEMALE if female else data.GIVEN_MALE)
        middle = rng.choice(data.MIDDLE_FEMALE if female else data.MIDDLE_MALE)
        if rng.random() < 0.3:
            family = rng.choice(data.FAMILY_ANY)
        else:
            family = rng.choice(data.FAMILY_FEMALE if female else data.FAMILY_MALE)
        r = rng.random()
        if r < 0.45:
            parts = [given, family]
        elif r < 0.8:
            parts = [given, middle, family]
        else:
            parts = [given, middle]
        deduped = list(dict.fromkeys(parts))
        muslim = given not in _CHRISTIAN_GIVEN and family not in data.FAMILY_ANY
        return " ".join(deduped), muslim

    def _full_name(self, female: bool, birth_year: int, degree: str, jenis: JenisJabatan | None,
                   employee_type: EmployeeType) -> str:
        rng = self.rng
        name, muslim = self._base_name(female, birth_year)
        _edu, front, back = DEGREES[degree]
        fronts: list[str] = [front] if front else []
        backs: list[str] = [back] if back else []
        if back in data.OLD_STYLE_DEGREES and birth_year <= 1969 and rng.random() < 0.6:
            fronts, backs = ["Dra." if female else "Drs."], []
        elif back in data.ENGINEERING_DEGREES and birth_year <= 1972 and rng.random() < 0.6:
            fronts, backs = ["Ir."], []
        if (
            degree in MASTERS
            and employee_type != EmployeeType.NON_ASN
            and AS_OF.year - birth_year >= 30
            and rng.random() < _MASTERS_CHANCE.get(jenis, 0.0)  # type: ignore[arg-type]
        ):
            backs.append(rng.choice(MASTERS[degree]))
        if muslim and AS_OF.year - birth_year >= 45 and rng.random() < 0.12:
            fronts.append("Hj." if female else "H.")
        text = " ".join([*fronts, name])
        if backs:
            text += ", " + ", ".join(backs)
        return text

    # the person ---------------------------------------------------------------------------
    def person(self, slot: _Slot, *, instansi_id: int) -> dict[str, Any]:
        rng = self.rng
        et = slot.employee_type
        position = slot.position
        job = slot.job
        if position is not None:
            jenis: JenisJabatan | None = position.jenis
            degree = rng.choice(position.degrees)
            job_name = position.fungsional_name or position.jabatan
        else:
            assert job is not None
            jenis = job.jenis
            degree = rng.choice(job.degrees)
            job_name = job.name
        edu = DEGREES[degree][0]
        female = rng.random() < _FEMALE_SHARE.get(job_name, 0.5)
        if job_name == "Bidan":
            female = True
        gender = 2 if female else 1
        min_age = _MIN_AGE[edu]

        golongan: str | None = None
        if et in (EmployeeType.PNS, EmployeeType.CPNS):
            if et == EmployeeType.CPNS:
                # the latest CPNS cohort, appointed in the year before AS_OF
                appointed = dt.date(AS_OF.year - 1, 10, 1) + dt.timedelta(days=31 * rng.randrange(9))
                birth_year = rng.randint(max(1966, appointed.year - 35), min(2000, appointed.year - min_age))
            else:
                latest_appointment = AS_OF.year - 1
                latest_birth = min(2000, latest_appointment - min_age)
                if position is not None:
                    latest_birth = min(latest_birth, _LATEST_BIRTH[position.jenis])
                birth_year = rng.randint(1966, latest_birth)
                age = rng.randint(min_age, min(35, latest_appointment - birth_year))
                appointed = dt.date(birth_year + age, rng.randint(1, 12), 1)
                if appointed > AS_OF.replace(year=AS_OF.year - 1):
                    appointed = appointed.replace(month=rng.randint(1, AS_OF.month))
            born = self._date(birth_year)
            prefix = f"{born:%Y%m%d}{appointed:%Y%m}{gender}"
            number = self._number(prefix, et)
            index = _PNS_START[edu]
            if et == EmployeeType.PNS:
                index += (AS_OF.year - appointed.year) // 4
                if position is not None:
                    low, high = _MANAGERIAL_RANGE[position.jenis]
                    index = min(max(index, low), high)
                elif jenis == JenisJabatan.FUNGSIONAL:
                    index = min(index, _FUNGSIONAL_CAP[edu])
                else:
                    index = min(index, _PELAKSANA_CAP[edu])
            golongan = GOLONGAN_PNS[index]
        elif et in (EmployeeType.PPPK, EmployeeType.PPPK_PARUH_WAKTU):
            birth_year = rng.randint(1966, min(2000, AS_OF.year - 1 - min_age))
            if et == EmployeeType.PPPK:
                appointed_year = rng.randint(max(2021, birth_year + min_age), AS_OF.year - 1)
                middle = "21"
                golongan = GOLONGAN_PPPK[_PPPK_GOLONGAN[edu] + (1 if rng.random() < 0.1 else 0)]
            else:
                # part-time PPPK (appointed from 2025) usually have no golongan yet
                appointed_year, middle = AS_OF.year - 1, "24"
            born = self._date(birth_year)
            number = self._number(f"{born:%Y%m%d}{appointed_year}{middle}{gender}", et)
        else:
            birth_year = rng.randint(1970, 2003)
            number = self._non_asn_number()
            jenis = None

        jabatan = self._jabatan(slot, job_name, jenis, edu, et, golongan)
        return {
            "instansi_id": instansi_id,
            "unit_id": slot.unit.id,
            "employee_number": number,
            "employee_type": et,
            "name": self._full_name(female, birth_year, degree, jenis, et),
            "golongan": golongan,
            "jabatan": jabatan,
            "jenis_jabatan": jenis,
            "is_kepala_wilayah": bool(position is not None and position.kepala_wilayah),
            "role": Role.PESERTA,
            "active": True,
            "password_hash": None,
        }

    def _jabatan(self, slot: _Slot, job_name: str, jenis: JenisJabatan | None, edu: str,
                 et: EmployeeType, golongan: str | None) -> str:
        if slot.position is not None:
            return slot.position.jabatan
        name = f"{job_name} {slot.detail}" if slot.detail else job_name
        if jenis != JenisJabatan.FUNGSIONAL:
            return name
        skilled = edu in ("S1", "PRO", "SP")
        if et == EmployeeType.PNS and golongan in GOLONGAN_PNS:
            index = GOLONGAN_PNS.index(golongan)
            if skilled:
                level = "Ahli Pertama" if index <= 9 else "Ahli Muda" if index <= 11 else "Ahli Madya"
            else:
                level = "Terampil" if index <= 7 else "Mahir" if index <= 9 else "Penyelia"
        elif et == EmployeeType.PPPK and golongan in GOLONGAN_PPPK and GOLONGAN_PPPK.index(golongan) >= 10:
            level = "Ahli Muda"
        else:
            level = "Ahli Pertama" if skilled else "Terampil"
        return f"{name} {level}"


# --- the tree -----------------------------------------------------------------------------------


def _create_tree(instansi: Instansi) -> list[tuple[Unit, Unit, UnitSpec]]:
    """Create every unit; return (unit, its perangkat daerah, spec) in tree order."""
    created: list[tuple[Unit, Unit, UnitSpec]] = []

    def walk(spec: UnitSpec, parent: Unit | None, skpd: Unit | None) -> None:
        unit = create_unit(instansi, spec.name, parent, spec.kind)
        top = skpd or unit
        created.append((unit, top, spec))
        for child in spec.children:
            walk(child, unit, top)

    for spec in data.PERANGKAT_DAERAH:
        walk(spec, None, None)
    return created


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` proportionally to ``weights`` (largest remainder)."""
    weight_sum = sum(weights)
    raw = [total * w / weight_sum for w in weights]
    counts = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _employee_types(rng: random.Random, people: int, managerial: int) -> list[EmployeeType]:
    """Employee types for the non-managerial slots so that the whole population matches TYPE_SHARES
    (managerial positions are all PNS)."""
    types = list(TYPE_SHARES)
    counts = dict(zip(types, _apportion(people, [TYPE_SHARES[t] for t in types]), strict=True))
    counts[EmployeeType.PNS] = max(0, counts[EmployeeType.PNS] - managerial)
    pool = [t for t in types for _ in range(counts[t])]
    staff = people - managerial
    pool = pool[:staff] + [EmployeeType.PPPK] * max(0, staff - len(pool))
    rng.shuffle(pool)
    return pool


def _pick(rng: random.Random, jobs: tuple[Job, ...]) -> Job:
    return rng.choices(jobs, weights=[j.weight for j in jobs])[0]


def _slots(rng: random.Random, tree: list[tuple[Unit, Unit, UnitSpec]], people: int) -> list[_Slot]:
    counts = _apportion(people, [spec.weight for _u, _s, spec in tree])
    positions: list[_Slot] = []
    staff_places: list[tuple[Unit, UnitSpec]] = []
    for (unit, skpd, spec), count in zip(tree, counts, strict=True):
        held = spec.positions[:count]
        positions += [_Slot(unit, EmployeeType.PNS, position=p) for p in held]
        staff_places += [(unit, spec)] * (count - len(held))
    types = _employee_types(rng, people, len(positions))
    slots = positions
    for (unit, spec), et in zip(staff_places, types, strict=True):
        if et == EmployeeType.NON_ASN:
            job = _pick(rng, data.NON_ASN)
        elif rng.random() < spec.profile.fungsional_share:
            job = _pick(rng, spec.profile.fungsional)
        else:
            job = _pick(rng, spec.profile.pelaksana)
        detail = rng.choice(job.details) if job.details else None
        slots.append(_Slot(unit, et, job=job, detail=detail))
    return slots


def _pending_people(slots: list[_Slot], rows: list[dict[str, Any]], by_name: dict[str, Unit],
                    wanted: int) -> list[dict[str, Any]]:
    """People to print activation codes for: a teacher (PNS and PPPK) in SD Negeri 1 and someone at
    Dinas Pendidikan (the demo operator's SKPD), a lurah, a puskesmas nurse, a part-time PPPK."""
    sd1, dinas = by_name[data.FIRST_SD].id, by_name[data.DINAS_PENDIDIKAN].id
    predicates = (
        lambda s: s.unit.id == sd1 and s.job is not None and s.employee_type == EmployeeType.PNS,
        lambda s: s.unit.id == sd1 and s.employee_type == EmployeeType.PPPK,
        lambda s: s.unit.id == dinas and s.job is not None and s.employee_type == EmployeeType.PNS,
        lambda s: s.position is not None and s.position.kepala_wilayah and s.unit.kind == UnitKind.KELURAHAN,
        lambda s: s.unit.kind == UnitKind.PUSKESMAS and s.job is not None and s.job.name == "Perawat",
        lambda s: s.employee_type == EmployeeType.PPPK_PARUH_WAKTU,
    )
    chosen: list[dict[str, Any]] = []
    taken: set[int] = set()
    for predicate in predicates:
        for i, slot in enumerate(slots):
            if i not in taken and predicate(slot):
                taken.add(i)
                chosen.append(rows[i])
                break
    for i, slot in enumerate(slots):  # fewer matches (a small --people): fill with anyone ASN
        if len(chosen) >= wanted:
            break
        if i not in taken and slot.employee_type != EmployeeType.NON_ASN:
            taken.add(i)
            chosen.append(rows[i])
    return chosen[:wanted]


# --- role accounts --------------------------------------------------------------------------

_ROLE_ACCOUNTS = (
    (Role.PESERTA, data.FIRST_SD, data.F("Guru", "S.Pd.", details=("Kelas",))),
    (Role.PELATIH, data.BKPSDM, data.F("Analis Sumber Daya Manusia Aparatur", "S.Psi.", "S.Sos.")),
    (Role.OPERATOR_SKPD, data.DINAS_PENDIDIKAN, data.F("Analis Sumber Daya Manusia Aparatur", "S.Psi.", "S.Sos.")),
    (Role.ADMIN_BKPSDM, data.BKPSDM, data.F("Analis Sumber Daya Manusia Aparatur", "S.Psi.", "S.AP.")),
    (Role.SUPERADMIN, data.DISKOMINFO, data.F("Pranata Komputer", "S.Kom.")),
)


def demo_account_email(role: Role) -> str:
    """The marker that finds the demo's role accounts again (``demo_accounts``): an address under the
    reserved ``.invalid`` domain, so it can never reach anybody."""
    return f"demo.{role.value}@{data.INSTANSI_SLUG}.invalid"


def readable_password(words: int = 3) -> str:
    """e.g. ``kopi-sawah-melati-47``: easy to read aloud, about 50 bits."""
    chosen = [secrets.choice(data.PASSWORD_WORDS) for _ in range(words)]
    return "-".join(chosen) + f"-{secrets.randbelow(90) + 10}"


# --- deleting an instansi's data ---------------------------------------------------------------


def delete_instansi_data(instansi: Instansi) -> None:
    """Delete an instansi with its units, people and every row that belongs to them.

    Generic over the schema so later tables are covered: a table's rows go when they carry
    this ``instansi_id`` or reference (RESTRICT/CASCADE) a row that goes; ``SET NULL``
    references are left to the database. Flushes only.
    """
    inst_id = instansi.id
    # signatures are append-only (database triggers): their own service removes them with the campaigns
    from ..pledges.services import delete_instansi_pledges

    delete_instansi_pledges(inst_id)
    # so are certificates
    from ..certificates.services import delete_instansi_certificates

    delete_instansi_certificates(inst_id)
    unit_ids = select(Unit.id).where(Unit.instansi_id == inst_id)
    doomed: dict[str, Select[Any]] = {
        "units": unit_ids,
        "users": select(User.id).where(or_(User.instansi_id == inst_id, User.unit_id.in_(unit_ids))),
    }
    existing = set(inspect(db.session.connection()).get_table_names())
    plan = []
    for table in Base.metadata.sorted_tables:
        if table.name in ("instansi", "units", "users") or table.name not in existing:
            continue
        conditions = []
        if "instansi_id" in table.c:
            conditions.append(table.c.instansi_id == inst_id)
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if target in doomed and (fk.ondelete or "").upper() != "SET NULL":
                conditions.append(fk.parent.in_(doomed[target]))
        if not conditions:
            continue
        where = or_(*conditions)
        plan.append((table, where))
        pk = list(table.primary_key.columns)
        if len(pk) == 1:
            doomed[table.name] = select(pk[0]).where(where)
    db.session.flush()
    for table, where in reversed(plan):
        db.session.execute(delete(table).where(where))
    db.session.execute(delete(User.__table__).where(User.id.in_(doomed["users"])))
    # their quiz attempts went with them: the item analysis counts every quiz again when next read
    from ..quizzes.tallies import mark_all_stale

    mark_all_stale()
    db.session.execute(
        update(Unit.__table__).where(Unit.instansi_id == inst_id).values(parent_id=None, skpd_id=None)
    )
    db.session.execute(delete(Unit.__table__).where(Unit.instansi_id == inst_id))
    db.session.execute(delete(Instansi.__table__).where(Instansi.id == inst_id))
    db.session.expunge_all()


# --- the service ----------------------------------------------------------------------------------


def seeded_tables() -> tuple[str, ...]:
    """Every table of the schema: the demo writes most of them (content, assignments, campaigns,
    audit events, events), and a small table with statistics of an empty one misleads the planner
    as much as a large one (benchmarks/after_seed.py, 20,000 people on PostgreSQL: the assignment
    pages 1.7-2.2x faster once course_assignments, course_versions, audit_events ... were ANALYZEd).
    ANALYZE of the small ones costs a few ms each."""
    from ..db import Base

    return tuple(sorted(Base.metadata.tables))


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


#: jabatan levels of the heads of perangkat daerah (pledges.services.is_skpd_head), and the chance
#: that a head or kepala wilayah has activated their account
_HEAD_LEVELS = (JenisJabatan.JPT_PRATAMA, JenisJabatan.JPT_MADYA, JenisJabatan.JPT_UTAMA)
LEADER_ACTIVE = 0.95


def seed_demo(
    *,
    people: int = DEFAULT_PEOPLE,
    seed: int = DEFAULT_SEED,
    password: str | None = None,
    reset: bool = False,
    pending: int = 6,
) -> DemoResult:
    """Create the demo instansi. Refuses (DemoExists) when it exists, unless ``reset``."""
    if people < 50:
        raise ServiceError(_("Jumlah pegawai demo minimal 50."), "too_few")
    existing = get_instansi(data.INSTANSI_SLUG)
    if existing is not None:
        if not reset:
            raise DemoExists(
                _(
                    "Instansi demo %(slug)s sudah ada; data demo tidak dibuat ulang. Jalankan dengan --reset "
                    "untuk menghapus instansi itu beserta seluruh datanya lalu membuatnya lagi.",
                    slug=data.INSTANSI_SLUG,
                ),
                "demo_exists",
            )
        delete_instansi_data(existing)

    rng = random.Random(seed)
    factory = PersonFactory(rng, set(db.session.scalars(select(User.employee_number))))
    instansi = create_instansi(data.INSTANSI_SLUG, data.INSTANSI_NAME, data.INSTANSI_TIMEZONE)
    tree = _create_tree(instansi)
    by_name = {unit.name: unit for unit, _skpd, _spec in tree}

    slots = _slots(rng, tree, people)
    rows = [factory.person(slot, instansi_id=instansi.id) for slot in slots]

    # some people in each perangkat daerah have "already activated" (see the module docstring): as
    # many as the SKPD's drive says (pace.py); heads and kepala wilayah nearly all
    unusable = hash_password(secrets.token_urlsafe(32))
    pace = Pace.build(random.Random(seed + 4), instansi, [unit.id for unit, skpd, _s in tree if skpd.id == unit.id])
    skpd_of = {unit.id: skpd.id for unit, skpd, _spec in tree}
    for row in rows:
        leader = row.get("is_kepala_wilayah") or row.get("jenis_jabatan") in _HEAD_LEVELS
        if rng.random() < (LEADER_ACTIVE if leader else pace.drive[skpd_of[row["unit_id"]]]):
            row["password_hash"] = unusable

    chosen = _pending_people(slots, rows, by_name, pending)
    for row in chosen:
        row["password_hash"] = None

    accounts: list[DemoAccount] = []
    for role, unit_name, job in _ROLE_ACCOUNTS:
        unit = by_name[unit_name]
        slot = _Slot(unit, EmployeeType.PNS, job=job, detail=job.details[0] if job.details else None)
        row = factory.person(slot, instansi_id=instansi.id)
        secret = password or readable_password()
        row.update(role=role, password_hash=hash_password(secret), email=demo_account_email(role))
        rows.append(row)
        accounts.append(DemoAccount(role, row["name"], row["employee_number"], secret, unit.name))

    db.session.flush()
    now = utcnow()
    for chunk in _chunks(rows, BATCH):
        for row in chunk:
            row["created_at"] = row["updated_at"] = now
            row.setdefault("email", None)  # one set of keys for the whole executemany batch
        db.session.execute(insert(User.__table__), chunk)

    chosen_order = {row["employee_number"]: i for i, row in enumerate(chosen)}
    pending_list = _issue_pending_codes(sorted(
        db.session.scalars(select(User).where(User.employee_number.in_(chosen_order))).all(),
        key=lambda user: chosen_order[user.employee_number]))

    # the shipped courses, assigned to the demo instansi, with reading progress across SKPDs
    account_ids = set(db.session.scalars(
        select(User.id).where(User.employee_number.in_([a.employee_number for a in accounts]))))
    admin_id = db.session.scalar(select(User.id).where(
        User.instansi_id == instansi.id, User.role == Role.ADMIN_BKPSDM).limit(1))
    course_demo = seed_courses(instansi, random.Random(seed + 1), account_ids, assigned_by_id=admin_id, pace=pace)
    # the shipped quizzes: attempts by those readers, with each SKPD's misconceptions
    quiz_demo = seed_quizzes(instansi, random.Random(seed + 2), account_ids, pace=pace)
    # the shipped pledge texts (pledges/), for the demo campaign (idempotent)
    from ..content.pledges import load_shipped_pledges

    load_shipped_pledges()
    # last week's apel pagi: who came (some of them sign the pakta there)
    from .events import plan_apel, seed_events

    apel_plan = plan_apel(instansi, random.Random(seed + 5), pace, account_ids, admin_id)
    # a campaign open now, signed through the signing service by the heads and part of the staff
    pledge_demo = seed_pledges(instansi, random.Random(seed + 3), account_ids, created_by_id=admin_id, pace=pace,
                               at_event=apel_plan.window)
    # the apel (attendance, live answers) and a sosialisasi about to start (check-in open)
    from ..courses.models import Course
    from ..quizzes.models import Quiz
    from .pledges import demo_campaign
    from .quizzes import QUIZ

    campaign = demo_campaign(instansi)
    event_demo = seed_events(
        instansi, random.Random(seed + 6), pace, apel_plan, created_by_id=admin_id,
        quiz=db.session.scalar(select(Quiz).where(Quiz.slug == QUIZ)),
        campaign_id=campaign.id if campaign is not None else None,
        course_id=db.session.scalar(select(Course.id).where(Course.slug.in_(course_demo.courses)).order_by(Course.slug)
                                    .limit(1)) if course_demo.courses else None)
    # certificates for everyone who completed, through the issuing service; one revoked, one reissued
    from .certificates import seed_certificates

    certificate_demo = seed_certificates(instansi, admin_id)
    # fresh planner statistics for what was just loaded (PostgreSQL; see db.analyze)
    analyze(*seeded_tables())

    type_counts = dict(
        db.session.execute(
            select(User.employee_type, func.count()).where(User.instansi_id == instansi.id)
            .group_by(User.employee_type)
        ).all()
    )
    return DemoResult(
        instansi=instansi,
        skpd_count=sum(1 for unit, skpd, _s in tree if unit.id == skpd.id),
        unit_count=len(tree),
        people_count=len(rows),
        type_counts={EmployeeType(k).value: v for k, v in type_counts.items()},
        accounts=accounts,
        pending=pending_list,
        courses=course_demo,
        pledges=pledge_demo,
        quizzes=quiz_demo,
        certificates=certificate_demo,
        events=event_demo,
    )


# --- printing the demo accounts again ----------------------------------------------------------


@dataclass
class DemoAccounts:
    accounts: list[DemoAccount]
    pending: list[PendingActivation]
    inactive: list[str] = field(default_factory=list)


def _issue_pending_codes(people: list[User]) -> list[PendingActivation]:
    """A fresh activation code for each of ``people`` (their earlier code stops working)."""
    result = [PendingActivation(user.name, user.employee_number, issue_activation_code(user),
                                user.unit.name if user.unit is not None else "-") for user in people]
    db.session.flush()
    return result


def demo_accounts(*, password: str | None = None, pending: int = 6) -> DemoAccounts:
    """Give the demo's role accounts new passwords and a few not-yet-activated people new codes, to print
    them again (passwords are stored hashed, so the ones printed by ``seed_demo`` can't be read back).

    Touches only the demo instansi: the role accounts are found by their marker address
    (``demo_account_email``); their other sessions end. Flushes; the caller commits."""
    from ..auth.services import set_password

    instansi = get_instansi(data.INSTANSI_SLUG)
    if instansi is None:
        raise ServiceError(_("Instansi demo %(slug)s belum ada; jalankan seed-demo dahulu.", slug=data.INSTANSI_SLUG),
                           "no_demo")
    order = {role: i for i, (role, _unit, _job) in enumerate(_ROLE_ACCOUNTS)}
    users = sorted(db.session.scalars(select(User).where(
        User.instansi_id == instansi.id, User.email.in_([demo_account_email(role) for role in order]))).all(),
        key=lambda user: order[user.role] if user.role in order else len(order))
    if not users:
        raise ServiceError(_("Akun demo tidak ditemukan (data demo dibuat oleh versi sebelumnya). Jalankan seed-demo "
                             "--reset untuk membuatnya ulang."), "no_demo_accounts")
    accounts: list[DemoAccount] = []
    for user in users:
        secret = password or readable_password()
        set_password(user, secret)
        accounts.append(DemoAccount(user.role, user.name, user.employee_number, secret,
                                    user.unit.name if user.unit is not None else "-"))
    # people not yet activated: those holding a code first (the ones seed_demo printed), then others
    people = db.session.scalars(
        select(User).where(User.instansi_id == instansi.id, User.active.is_(True), User.password_hash.is_(None),
                           User.role == Role.PESERTA)
        .order_by(User.activation_code_hash.is_(None), User.id).limit(pending)).all()
    pending_list = _issue_pending_codes(list(people))
    from ..audit.services import record

    record("demo.accounts", actor=None, instansi_id=instansi.id,
           details={"accounts": [a.employee_number for a in accounts],
                    "codes": [p.employee_number for p in pending_list]})
    return DemoAccounts(accounts, pending_list, [u.employee_number for u in users if not u.active])
