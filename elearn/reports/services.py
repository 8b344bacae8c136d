"""Rekap per SKPD: who has read, passed, signed and been certified, counted against the roster.
The single source of truth for these figures (the dashboard, its exports, the charts, the
national summary and the time series call it). Read-only queries (no flush, no commit).

Public API (for the other report modules)::

    Selection(instansi, course=None, quiz=None, campaign=None)   # what is counted; Selection.build(...)
    RekapRow(key, name, headcount, read, passed, signed, certified, done, in_progress, not_started)
        .share(field) / .done_share / .read_share / ... (0..1 or None), .depth (units)
    skpd_rows(selection, skpd_id=None) -> list[RekapRow]       # one row per SKPD (+ "no unit" row)
    skpd_and_head_rows(selection, skpd_id=None) -> (skpd rows, head rows)  # both from one aggregate
    unit_rows(selection, skpd_id=None) -> list[RekapRow]       # one row per unit, tree order
    head_rows(selection, skpd_id=None) -> list[RekapRow]       # key "head" / "wilayah": the leaders
    totals(rows) -> RekapRow                                   # the sum of rows
    people(selection, skpd_id=None, unit_id=None, filters=PersonFilters()) -> Select  # page it
    person_rows(selection, ...) -> Iterator[PersonRow]          # streamed (exports)

``skpd_id`` narrows to one perangkat daerah (an operator SKPD's scope: the views pass it).

**The counting rules** (also on the page, "Cara menghitung"):

- The denominator is the **roster now**: active people (``users.active``) of the instansi, each
  counted in the unit (and that unit's SKPD) where they are placed now. People who never signed
  in count (as not started); deactivated people drop out; someone who moved is counted where they
  are now, with everything they did before the move.
- *Membaca semua modul*: their enrolment in the chosen course has every module read
  (``Enrollment.modules_completed_at``), whatever the version.
- *Lulus kuis*: a submitted or expired attempt of the chosen quiz at or above its pass mark.
- *Menandatangani pakta*: a signature **in the chosen campaign** (a signature of the same text in
  another campaign does not count here).
- *Sertifikat berlaku*: a certificate of the chosen course in state ``valid``.
- *Selesai* (fully done): every chosen part is met: the course's own completion rule (modules,
  and its required quiz / pakta text when its version says so, as ``courses.completion``), the
  chosen quiz passed, the chosen campaign signed, and, when the chosen course gives a certificate
  (its published version has ``certificate:``), a valid certificate of it.
- *Sedang berjalan*: not done, but started something of the selection (enrolled in the course,
  attempted the quiz, signed, or holds a certificate). *Belum mulai*: the rest.
- *Pimpinan*: heads of SKPD (``pledges.reports.head_condition``: placed in the SKPD itself with a
  JPT jabatan or as its kepala wilayah) and other kepala wilayah (``users.is_kepala_wilayah``
  below the SKPD, e.g. a lurah) are shown apart in ``head_rows``; they are also counted in their
  SKPD and unit.

Every level is **one** aggregated statement (GROUP BY) over a per-person subquery whose columns
are correlated EXISTS probes served by covering indexes (migration ``0007_rekap``); the statement
count never depends on the number of rows. Passed-quiz counts are completion counts, not answer
patterns, so the k >= 5 rule of the item analysis does not apply to them.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, literal, or_, select, text
from sqlalchemy.orm import aliased

from ..accounts.models import EmployeeType, JenisJabatan, User
from ..certificates.models import Certificate, CertificateState
from ..courses.completion import CompletionRule, completed_condition, version_rules
from ..courses.models import Course, Enrollment
from ..db import db
from ..org.models import Instansi, Unit
from ..pledges.models import Campaign, PledgeSignature
from ..pledges.reports import JPT_LEVELS
from ..quizzes.models import Attempt, Quiz

#: what a person may lack (the "what is missing" filter and PersonRow.missing)
PARTS = ("modules", "quiz", "pakta", "certificate")
#: the counted columns of a RekapRow
COUNTS = ("headcount", "read", "passed", "signed", "certified", "done", "in_progress", "not_started")
#: people per page of the people list
PAGE_SIZE = 50


@dataclass(frozen=True)
class Selection:
    """What the rekap is about: one instansi and any of a course, a quiz and a pakta campaign
    (the views have checked they belong to the instansi or are shipped)."""

    instansi: Instansi
    course: Course | None = None
    quiz: Quiz | None = None
    campaign: Campaign | None = None
    #: version id -> completion rule, for every version of ``course`` (see ``build``)
    rules: tuple[tuple[int, CompletionRule], ...] = ()
    #: whether the course gives a certificate (its published version has ``certificate:``)
    gives_certificate: bool = False

    @classmethod
    def build(cls, instansi: Instansi, course: Course | None = None, quiz: Quiz | None = None,
              campaign: Campaign | None = None) -> Selection:
        """Read the course's completion rules (one query when a course is chosen)."""
        rules: tuple[tuple[int, CompletionRule], ...] = ()
        gives = False
        if course is not None:
            rules = tuple(sorted(version_rules([course.id]).items()))
            version = course.published_version
            gives = bool(version is not None and version.certificate)
        return cls(instansi, course, quiz, campaign, rules, gives)

    @property
    def empty(self) -> bool:
        return self.course is None and self.quiz is None and self.campaign is None

    @property
    def wants_certificate(self) -> bool:
        return self.course is not None and self.gives_certificate

    @property
    def parts(self) -> tuple[str, ...]:
        """The parts chosen, in PARTS order."""
        chosen = {"modules": self.course is not None, "quiz": self.quiz is not None,
                  "pakta": self.campaign is not None, "certificate": self.wants_certificate}
        return tuple(p for p in PARTS if chosen[p])


@dataclass
class RekapRow:
    """Counts of one SKPD, unit or group of leaders. ``key``: the unit id (None: people without a
    unit), or "head" / "wilayah" for ``head_rows``."""

    key: Any
    name: str
    headcount: int = 0
    read: int = 0
    passed: int = 0
    signed: int = 0
    certified: int = 0
    done: int = 0
    in_progress: int = 0
    not_started: int = 0
    depth: int = 0
    skpd_id: int | None = None

    @property
    def unit_id(self) -> int | None:
        return self.key if isinstance(self.key, int) else None

    def share(self, name: str) -> float | None:
        """count / headcount (0..1); None when nobody is counted."""
        return getattr(self, name) / self.headcount if self.headcount else None

    @property
    def read_share(self) -> float | None:
        return self.share("read")

    @property
    def passed_share(self) -> float | None:
        return self.share("passed")

    @property
    def signed_share(self) -> float | None:
        return self.share("signed")

    @property
    def certified_share(self) -> float | None:
        return self.share("certified")

    @property
    def done_share(self) -> float | None:
        return self.share("done")

    @property
    def in_progress_share(self) -> float | None:
        return self.share("in_progress")

    @property
    def not_started_share(self) -> float | None:
        return self.share("not_started")

    def add(self, other: RekapRow) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class PersonFilters:
    """Filters of the people list. ``missing``: one of PARTS, "any" (not fully done) or None."""

    employee_type: EmployeeType | None = None
    jenis_jabatan: JenisJabatan | None = None
    heads_only: bool = False
    missing: str | None = None
    search: str = ""


@dataclass
class PersonRow:
    user_id: int
    name: str
    nip: str
    instansi_id: int
    skpd_id: int | None
    skpd: str
    unit_id: int | None
    unit: str
    employee_type: EmployeeType | None
    jenis_jabatan: JenisJabatan | None
    jabatan: str
    is_head: bool
    is_kepala_wilayah: bool
    done: bool
    started: bool
    #: what the person still lacks, among the chosen parts
    missing: set[str] = field(default_factory=set)


# --- the per-person subquery ----------------------------------------------------------------------


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def head_condition() -> ColumnElement[bool]:
    """Head of SKPD (as ``pledges.services.is_skpd_head``); needs ``Unit`` joined on User.unit_id."""
    return and_(Unit.id.is_not(None), Unit.parent_id.is_(None),
                or_(User.jenis_jabatan.in_(JPT_LEVELS), User.is_kepala_wilayah.is_(True)))


def _facts(selection: Selection, skpd_id: int | None = None, unit_id: int | None = None) -> Select[Any]:
    """One row per active person of the instansi in scope: placement and 0/1 facts.

    The probes are ``users.id IN (SELECT user_id ... WHERE <the chosen item>)``, not correlated
    EXISTS: the database builds each set once (a hashed subplan on PostgreSQL, an ephemeral index
    on SQLite) instead of one index probe per person and fact."""
    read = started_course = course_done = literal(0)
    passed = tried = signed = certified = literal(0)
    stmt = select(User.id.label("user_id")).select_from(User).outerjoin(Unit, Unit.id == User.unit_id)
    if selection.course is not None:
        stmt = stmt.outerjoin(Enrollment, and_(Enrollment.user_id == User.id,
                                               Enrollment.course_id == selection.course.id))
        read = _flag(Enrollment.modules_completed_at.is_not(None))
        started_course = _flag(Enrollment.id.is_not(None))
        course_done = _flag(completed_condition(dict(selection.rules), User.id))
        if selection.wants_certificate:
            certified = _flag(User.id.in_(select(Certificate.user_id).where(
                Certificate.course_id == selection.course.id, Certificate.state == CertificateState.VALID)))
    if selection.quiz is not None:
        passed = _flag(User.id.in_(select(Attempt.user_id).where(Attempt.quiz_id == selection.quiz.id,
                                                                 Attempt.passed.is_(True))))
        tried = _flag(User.id.in_(select(Attempt.user_id).where(Attempt.quiz_id == selection.quiz.id)))
    if selection.campaign is not None:
        signed = _flag(User.id.in_(select(PledgeSignature.user_id).where(
            PledgeSignature.campaign_id == selection.campaign.id)))
    stmt = stmt.add_columns(
        User.unit_id.label("unit_id"), Unit.skpd_id.label("skpd_id"),
        _flag(head_condition()).label("is_head"),
        _flag(User.is_kepala_wilayah.is_(True)).label("is_wilayah"),
        read.label("read"), started_course.label("started_course"), course_done.label("course_done"),
        passed.label("passed"), tried.label("tried"), signed.label("signed"), certified.label("certified"),
    ).where(User.instansi_id == selection.instansi.id, User.active.is_(True))
    if skpd_id is not None:
        stmt = stmt.where(Unit.skpd_id == skpd_id)
    if unit_id is not None:
        stmt = stmt.where(User.unit_id == unit_id)
    return stmt


def _done_expr(selection: Selection, f: Any) -> ColumnElement[Any]:
    """1 when every chosen part is met, over the columns ``f`` of the facts subquery."""
    if selection.empty:
        return literal(0)
    parts: list[ColumnElement[Any]] = []
    if selection.course is not None:
        parts.append(f.c.course_done)
        if selection.wants_certificate:
            parts.append(f.c.certified)
    if selection.quiz is not None:
        parts.append(f.c.passed)
    if selection.campaign is not None:
        parts.append(f.c.signed)
    expr = parts[0]
    for part in parts[1:]:
        expr = expr * part
    return expr


def _started_expr(f: Any) -> ColumnElement[Any]:
    c = f.c
    return case((or_(c.started_course == 1, c.tried == 1, c.signed == 1, c.certified == 1, c.read == 1), 1),
                else_=0)


#: PostgreSQL's memory for one aggregate's IN sets. Each set is hashed once only when the planner
#: expects it to fit in work_mem; otherwise it falls back to scanning the set again for every person
#: (benchmarks/rekap.py, 150,000 ASN and 334,000 quiz attempts with the default 4 MB: minutes).
AGGREGATE_WORK_MEM = "64MB"


def _run(stmt: Select[Any]) -> Any:
    """Execute an aggregate; on PostgreSQL with room for its hashed IN sets (this transaction only)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL work_mem = '{AGGREGATE_WORK_MEM}'"))
    return db.session.execute(stmt)


def _aggregate(selection: Selection, group: list[Any], skpd_id: int | None) -> Select[Any]:
    # OFFSET 0 keeps the per-person subquery a subquery: flattened into the aggregate, each of its
    # probe columns is evaluated again wherever done/started repeat it (3-4 times a person on
    # PostgreSQL; benchmarks/rekap.py, 50,000 ASN: 900 ms -> 190 ms with the IN probes below)
    f = _facts(selection, skpd_id).offset(0).subquery("f")
    done = _done_expr(selection, f)
    started = _started_expr(f)
    columns = [getattr(f.c, g) if isinstance(g, str) else g(f) for g in group]
    total = func.count()
    return select(
        *columns, total, func.sum(f.c.read), func.sum(f.c.passed), func.sum(f.c.signed), func.sum(f.c.certified),
        func.sum(done), func.sum(case((and_(done == 0, started == 1), 1), else_=0)),
    ).select_from(f).group_by(*columns)


def _row(key: Any, name: str, counts: tuple[Any, ...], **extra: Any) -> RekapRow:
    headcount, read, passed, signed, certified, done, in_progress = (int(c or 0) for c in counts)
    return RekapRow(key, name, headcount, read, passed, signed, certified, done, in_progress,
                    headcount - done - in_progress, **extra)


# --- the levels -----------------------------------------------------------------------------------


def _kind(f: Any) -> ColumnElement[Any]:
    return case((f.c.is_head == 1, "head"), (f.c.is_wilayah == 1, "wilayah"), else_="staff")


def _skpd_list(selection: Selection, counts: dict[Any, tuple[Any, ...]], skpd_id: int | None) -> list[RekapRow]:
    stmt = select(Unit).where(Unit.instansi_id == selection.instansi.id, Unit.parent_id.is_(None))
    if skpd_id is not None:
        stmt = stmt.where(Unit.id == skpd_id)
    rows = []
    for unit in db.session.scalars(stmt.order_by(Unit.sort_key, Unit.id)):
        found = counts.pop(unit.id, None)
        if found is not None or unit.active:
            rows.append(_row(unit.id, unit.name, found or (0,) * 7, skpd_id=unit.id))
    loose = counts.pop(None, None)
    if loose is not None and skpd_id is None:
        rows.append(_row(None, "", loose))
    return rows


def _head_list(counts: dict[Any, tuple[Any, ...]]) -> list[RekapRow]:
    from flask_babel import gettext

    names = {"head": gettext("Kepala perangkat daerah"), "wilayah": gettext("Kepala wilayah lainnya (lurah, ...)")}
    return [_row(key, names[key], counts.get(key, (0,) * 7)) for key in ("head", "wilayah")]


def skpd_rows(selection: Selection, skpd_id: int | None = None) -> list[RekapRow]:
    """One row per perangkat daerah of the instansi (active, or with people), by name, plus a row
    with key None for people without a unit (only without ``skpd_id``). Two statements."""
    sub = _aggregate(selection, [lambda f: f.c.skpd_id], skpd_id).subquery()
    counts = {row[0]: tuple(row[1:]) for row in _run(select(sub))}
    return _skpd_list(selection, counts, skpd_id)


def skpd_and_head_rows(selection: Selection, skpd_id: int | None = None) -> tuple[list[RekapRow], list[RekapRow]]:
    """``skpd_rows`` and ``head_rows`` from one aggregate (grouped by SKPD and kind of person, then
    summed here): the dashboard counts the roster once, not twice. Two statements."""
    sub = _aggregate(selection, [lambda f: f.c.skpd_id, _kind], skpd_id).subquery()
    by_skpd: dict[Any, list[int]] = {}
    by_kind: dict[Any, list[int]] = {}
    for row in _run(select(sub)):
        values = [int(v or 0) for v in row[2:]]
        for table, key in ((by_skpd, row[0]), (by_kind, row[1])):
            total = table.setdefault(key, [0] * len(values))
            for i, v in enumerate(values):
                total[i] += v
    skpds = _skpd_list(selection, {k: tuple(v) for k, v in by_skpd.items()}, skpd_id)
    return skpds, _head_list({k: tuple(v) for k, v in by_kind.items()})


def unit_rows(selection: Selection, skpd_id: int | None = None) -> list[RekapRow]:
    """One row per unit (people placed directly in it), in tree order, of one SKPD or of the
    whole instansi. Two statements."""
    sub = _aggregate(selection, [lambda f: f.c.unit_id], skpd_id).subquery()
    counts = {row[0]: tuple(row[1:]) for row in _run(select(sub))}
    stmt = select(Unit).where(Unit.instansi_id == selection.instansi.id)
    if skpd_id is not None:
        stmt = stmt.where(Unit.skpd_id == skpd_id)
    stmt = stmt.order_by(Unit.sort_key, Unit.id)
    rows = []
    for unit in db.session.scalars(stmt):
        found = counts.pop(unit.id, None)
        if found is not None or unit.active:
            rows.append(_row(unit.id, unit.name, found or (0,) * 7, depth=unit.depth, skpd_id=unit.skpd_id))
    return rows


def head_rows(selection: Selection, skpd_id: int | None = None) -> list[RekapRow]:
    """The leaders apart: key "head" (heads of SKPD) and "wilayah" (other kepala wilayah). One
    statement."""
    sub = _aggregate(selection, [_kind], skpd_id).subquery()
    counts = {row[0]: tuple(row[1:]) for row in _run(select(sub))}
    return _head_list(counts)


def totals(rows: list[RekapRow], name: str = "") -> RekapRow:
    total = RekapRow(None, name)
    for row in rows:
        total.add(row)
    return total


# --- people ---------------------------------------------------------------------------------------


def _missing_conditions(selection: Selection, f: Any) -> dict[str, ColumnElement[bool]]:
    """part -> SQL true when the person lacks it (only the chosen parts)."""
    found: dict[str, ColumnElement[bool]] = {}
    if selection.course is not None:
        found["modules"] = f.c.read == 0
        if selection.wants_certificate:
            found["certificate"] = f.c.certified == 0
    if selection.quiz is not None:
        found["quiz"] = f.c.passed == 0
    if selection.campaign is not None:
        found["pakta"] = f.c.signed == 0
    return found


def people(selection: Selection, skpd_id: int | None = None, unit_id: int | None = None,
           filters: PersonFilters = PersonFilters()) -> Select[Any]:
    """The people in scope with their facts, ordered by SKPD, unit (tree order), name: a statement
    to page (``pagination.paginate(..., scalars=False)``) or stream; turn each row into a
    ``PersonRow`` with ``person_row``."""
    f = _facts(selection, skpd_id, unit_id).offset(0).subquery("f")  # (see _aggregate)
    done = _done_expr(selection, f)
    unit = aliased(Unit)
    skpd = aliased(Unit)
    stmt = (
        select(User.id, User.name, User.employee_number, User.instansi_id, unit.skpd_id, skpd.name, User.unit_id,
               unit.name, User.employee_type, User.jenis_jabatan, User.jabatan, f.c.is_head, f.c.is_wilayah,
               done.label("done"), _started_expr(f).label("started"),
               f.c.read, f.c.passed, f.c.signed, f.c.certified)
        .select_from(f).join(User, User.id == f.c.user_id)
        .outerjoin(unit, unit.id == User.unit_id).outerjoin(skpd, skpd.id == unit.skpd_id)
    )
    if filters.employee_type is not None:
        stmt = stmt.where(User.employee_type == filters.employee_type)
    if filters.jenis_jabatan is not None:
        stmt = stmt.where(User.jenis_jabatan == filters.jenis_jabatan)
    if filters.heads_only:
        stmt = stmt.where(or_(f.c.is_head == 1, f.c.is_wilayah == 1))
    if filters.missing == "any":
        stmt = stmt.where(done == 0) if not selection.empty else stmt
    elif filters.missing is not None:
        condition = _missing_conditions(selection, f).get(filters.missing)
        stmt = stmt.where(condition if condition is not None else false())
    search = " ".join(filters.search.split())
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").lower() + "%"
        clauses = [func.lower(User.name).like(like, escape="\\")]
        if digits and len(digits) == len(search.replace(" ", "")):
            clauses.append(User.employee_number.like(digits + "%"))
        stmt = stmt.where(or_(*clauses))
    return stmt.order_by(unit.sort_key.is_(None), unit.sort_key, User.name, User.id)


def person_row(selection: Selection, row: Any) -> PersonRow:
    (user_id, name, nip, instansi_id, skpd_id, skpd_name, unit_id, unit_name, employee_type, jenis, jabatan,
     is_head, is_wilayah, done, started, read, passed, signed, certified) = tuple(row)
    lacks = {"modules": not read, "quiz": not passed, "pakta": not signed, "certificate": not certified}
    missing = {part for part in selection.parts if lacks[part]}
    return PersonRow(user_id, name, nip, instansi_id, skpd_id, skpd_name or "", unit_id, unit_name or "",
                     employee_type, jenis, jabatan or "", bool(is_head), bool(is_wilayah), bool(done),
                     bool(started), missing)


def person_rows(selection: Selection, skpd_id: int | None = None, unit_id: int | None = None,
                filters: PersonFilters = PersonFilters()) -> Iterator[PersonRow]:
    """``people`` streamed in batches (exports of a whole province)."""
    stmt = people(selection, skpd_id, unit_id, filters).execution_options(yield_per=2000)
    for row in db.session.execute(stmt):
        yield person_row(selection, row)

