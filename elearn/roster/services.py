"""Roster import: validate every row, upsert people by employee number, in one transaction.

Called by the CLI (``flask --app elearn import-roster``) and the web views. Like every
service it flushes and never commits: the caller commits, or rolls back on an exception,
so a crash leaves nothing half-imported.

Speed matters (a kabupaten has ~10,000 ASN, a province far more), so:
- existing people of the instansi are loaded once, by employee number, in one query;
- numbers not found there are looked up per chunk (to refuse people of another instansi);
- inserts and updates are SQLAlchemy Core ``executemany`` per chunk, never one ORM object
  or one SELECT per row; nothing is hashed per row (activation codes come later).

Update rules: a row always sets name, unit, employee type and ``active``; an optional
column that is absent, or an empty cell, leaves the stored value as it is. A person is
"updated" only when some value really changes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Enum, MetaData, Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.types import NullType, TypeDecorator

from ..accounts.models import EmployeeType, Role, User
from ..accounts.nip import MESSAGES as NIP_MESSAGES
from ..accounts.nip import InvalidEmployeeNumber, normalize, validate_employee_number
from ..audit.services import record
from ..authz import can_manage_role, is_superadmin
from ..db import analyze, db, utcnow
from ..errors import ServiceError
from ..jobs.models import Job, JobStatus
from ..jobs.services import enqueue
from ..org.models import Instansi, Unit, name_key
from ..org.services import create_unit, find_unit
from .models import ImportStatus, RosterImport
from .parsing import (
    DEFAULT_LIMITS,
    F_EMAIL,
    F_GOLONGAN,
    F_JABATAN,
    F_JENIS_JABATAN,
    F_NAME,
    F_NIP,
    F_PHONE,
    F_SKPD,
    F_TYPE,
    F_UNIT,
    FIELD_LABELS,
    FIELDS,
    Limits,
    RosterFile,
    RosterFileError,
    check_upload,
    open_roster,
    open_roster_path,
)
from .values import (
    is_kepala_wilayah,
    normalize_email,
    normalize_employee_type,
    normalize_golongan,
    normalize_jenis_jabatan,
    normalize_phone,
)

#: rows per executemany / per lookup query
CHUNK_SIZE = 2000
#: rows per lookup query and progress report while validating
VALIDATE_CHUNK_SIZE = 5000
#: the background job that reads and checks an upload (queued by the upload request)
CHECK_JOB = "roster.check"
#: the background job that applies a checked upload (queued by the apply button)
IMPORT_JOB = "roster.import"
#: after writing at least this many people, PostgreSQL's statistics of the table are refreshed
#: rows written by an import from which ``users``' planner statistics are refreshed (db.analyze)
ANALYZE_AFTER_ROWS = 1_000
#: data rows shown on the preview page
PREVIEW_ROWS = 10
_IN_BATCH = 500

MESSAGES = {
    "missing_name": _l("Nama kosong. Isi nama lengkap pegawai beserta gelarnya."),
    "unknown_golongan": _l(
        "Golongan \"%(value)s\" tidak dikenal untuk %(type)s. PNS dan CPNS memakai I/a sampai IV/e "
        "(mis. III/b); PPPK memakai I sampai XVII (mis. IX)."
    ),
    "duplicate_in_file": _l(
        "NIP ini sudah ada di baris %(first)s. Baris pertama yang dipakai; hapus atau perbaiki baris ini."
    ),
    "unknown_employee_type": _l(
        "Jenis pegawai \"%(value)s\" tidak dikenal. Tulis PNS, CPNS, PPPK, PPPK Paruh Waktu atau Non ASN."
    ),
    "unknown_jenis_jabatan": _l(
        "Jenis jabatan \"%(value)s\" tidak dikenal. Tulis JPT Utama, JPT Madya, JPT Pratama, Administrator, "
        "Pengawas, Fungsional atau Pelaksana."
    ),
    "missing_skpd": _l("Perangkat daerah (SKPD/OPD) kosong. Isi nama perangkat daerah tempat pegawai bekerja."),
    "outside_scope": _l(
        "Perangkat daerah \"%(value)s\" bukan perangkat daerah Anda (%(skpd)s). "
        "Anda hanya dapat mengimpor pegawai %(skpd)s; baris ini dilewati."
    ),
    "outside_scope_person": _l(
        "Pegawai dengan NIP ini terdaftar di perangkat daerah lain. Datanya tidak diubah; "
        "minta admin BKPSDM untuk memindahkannya."
    ),
    "other_instansi": _l(
        "NIP ini sudah terdaftar pada instansi lain. Datanya tidak diubah; hubungi BKPSDM instansi "
        "tersebut atau superadmin."
    ),
    "not_permitted": _l(
        "Anda tidak berwenang mengubah data pegawai dengan NIP ini (akun Anda sendiri, akun dengan peran yang "
        "tidak dapat Anda kelola, atau akun di luar instansi Anda). Datanya tidak diubah; minta admin BKPSDM "
        "atau superadmin."
    ),
    "bad_email": _l("Alamat email \"%(value)s\" tidak sah."),
    "bad_phone": _l("No HP \"%(value)s\" tidak sah. Tulis 6–15 angka, boleh diawali +."),
    "too_long": _l("%(field)s terlalu panjang (paling banyak %(max)s karakter)."),
}

_TYPE_LABELS = {
    EmployeeType.PNS: "PNS",
    EmployeeType.CPNS: "CPNS",
    EmployeeType.PPPK: "PPPK",
    EmployeeType.PPPK_PARUH_WAKTU: "PPPK paruh waktu",
    EmployeeType.NON_ASN: "non-ASN",
}


#: every code a refused row can carry: the employee number's (accounts.nip) and the row's own. Each
#: has a message in NIP_MESSAGES or MESSAGES (besides these, MESSAGES has "outside_scope_person": a
#: second message of "outside_scope")
ROW_ERROR_CODES = (*NIP_MESSAGES, *(code for code in MESSAGES if code != "outside_scope_person"))


def _template(key: str) -> Any:
    return MESSAGES.get(key) or NIP_MESSAGES.get(key)


def _render_message(key: str, params: Mapping[str, Any]) -> str:
    """The message ``key`` in the current language; a ``field`` parameter is a FIELD_LABELS key,
    shown as that column's label."""
    template = str(_template(key))
    if not params:
        return template
    values = {name: FIELD_LABELS[value] if name == "field" and value in FIELD_LABELS else value
              for name, value in params.items()}
    return template % values


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    message: str
    nip: str = ""
    #: what the message says besides its text (a value, a length): stored with the import, so the
    #: pages show the message in the reader's language (``row_error_message``)
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    #: the message's key in MESSAGES when it is not ``code`` (outside_scope_person)
    key: str | None = None

    def as_dict(self, *, with_nip: bool = False) -> dict[str, Any]:
        """The CLI's ``--json`` shape; ``with_nip``: as stored with the import (also the number as
        written, the message's parameters and key)."""
        data: dict[str, Any] = {"line": self.line, "code": self.code, "message": self.message}
        if with_nip:
            data["nip"] = self.nip
            data["params"] = dict(self.params)
            if self.key is not None and self.key != self.code:
                data["key"] = self.key
        return data


def _error(line: int, code: str, nip: str, message_key: str | None = None, **params: object) -> RowError:
    key = message_key or code
    return RowError(line, code, _render_message(key, params), nip, params, key if key != code else None)


def _number_error(line: int, exc: InvalidEmployeeNumber, nip: str) -> RowError:
    return RowError(line, exc.code, exc.message, nip, dict(exc.params))


def row_error_message(error: Mapping[str, Any]) -> str:
    """A stored row error (``RowError.as_dict(with_nip=True)``) as a sentence in the current
    language, never its bare code. An error stored before the parameters were kept, or with an
    unknown code, keeps the message written at the time."""
    key = str(error.get("key") or error.get("code") or "")
    params = error.get("params")
    template = _template(key)
    if template is not None and (isinstance(params, Mapping) or "%(" not in str(template)):
        try:
            return _render_message(key, params or {})
        except (KeyError, TypeError, ValueError):
            pass
    return str(error.get("message") or _("Baris ini tidak dapat diimpor."))


def describe_row_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stored row errors with their message in the current language (the pages and the CSV)."""
    return [{**error, "message": row_error_message(error)} for error in errors]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    new_units: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The CLI's ``--json`` shape."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
            "new_units": list(self.new_units),
            "errors": [e.as_dict() for e in self.errors],
        }


class _Existing(NamedTuple):
    id: int
    instansi_id: int | None
    employee_number: str
    employee_type: EmployeeType
    name: str
    golongan: str | None
    jabatan: str | None
    jenis_jabatan: Any
    is_kepala_wilayah: bool
    email: str | None
    phone: str | None
    unit_id: int | None
    active: bool
    role: Role
    skpd_id: int | None


_EXISTING_COLUMNS = (
    User.id, User.instansi_id, User.employee_number, User.employee_type, User.name, User.golongan, User.jabatan,
    User.jenis_jabatan, User.is_kepala_wilayah, User.email, User.phone, User.unit_id, User.active, User.role,
    Unit.skpd_id,
)
#: columns an import may change on an existing person
_UPDATABLE = ("employee_type", "name", "golongan", "jabatan", "jenis_jabatan", "is_kepala_wilayah", "email",
              "phone", "unit_id", "active")


def _untyped(table: Table) -> Table:
    """The same table with untyped columns, for executemany of values already in database form.

    SQLAlchemy then skips its per-row, per-column bind processing (enums, booleans,
    timestamps), which on 100,000 rows costs more than the database write itself.
    Callers pass enum values as their strings and timestamps already processed.
    """
    def plain(column: Column[Any]) -> Any:
        processed = isinstance(column.type, (Enum, Boolean, TypeDecorator))
        return NullType() if processed else column.type.copy()

    return Table(table.name, MetaData(),
                 *(Column(c.name, plain(c), primary_key=c.primary_key) for c in table.columns))


_BULK_USERS = _untyped(User.__table__)  # type: ignore[arg-type]


def _enum_value(value: Any) -> Any:
    return value.value if value is not None else None


def _existing_select():  # type: ignore[no-untyped-def]
    return select(*_EXISTING_COLUMNS).outerjoin(Unit, User.unit_id == Unit.id)


def _lookup(numbers: Iterable[str]) -> dict[str, _Existing]:
    found: dict[str, _Existing] = {}
    batch = sorted(set(numbers))
    for i in range(0, len(batch), _IN_BATCH):
        stmt = _existing_select().where(User.employee_number.in_(batch[i:i + _IN_BATCH]))
        for row in db.session.execute(stmt):
            found[row.employee_number] = _Existing(*row)
    return found


def number_key(raw: str) -> str:
    """The form under which a number is stored and compared (duplicates, lookups)."""
    return normalize(raw).upper()


class _Checker:
    """Validates rows of one roster for one instansi; resolves (and, when importing, creates) units."""

    def __init__(self, instansi: Instansi, roster: RosterFile, *, limit_to_skpd: Unit | None,
                 today: dt.date, create_units: bool, actor: User | None = None) -> None:
        self.instansi = instansi
        #: who imports from the web (their rank limits whom a row may change); None: the CLI
        self.actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        self.limit = limit_to_skpd
        self.limit_key = name_key(limit_to_skpd.name) if limit_to_skpd is not None else None
        self.today = today
        self.create_units = create_units
        self.has_type = roster.has("employee_type")
        self.first_line: dict[str, int] = {}
        self.new_units: list[str] = []
        self._skpd: dict[str, int] = {}
        self._sub: dict[tuple[int, str], tuple[int, int]] = {}
        self._planned: set[tuple[str, str]] = set()
        self._unit_cache: dict[tuple[str, str], int] = {}
        rows = db.session.execute(
            select(Unit.id, Unit.parent_id, Unit.skpd_id, Unit.name, Unit.depth).where(Unit.instansi_id == instansi.id)
        )
        for unit_id, parent_id, skpd_id, name, depth in rows:
            if parent_id is None:
                self._skpd[name_key(name)] = unit_id
            elif skpd_id is not None:
                key = (skpd_id, name_key(name))
                if key not in self._sub or depth < self._sub[key][0]:
                    self._sub[key] = (depth, unit_id)

    # --- units ---------------------------------------------------------------------------

    def _unit_id(self, skpd_name: str, unit_name: str) -> int:
        cached = self._unit_cache.get((skpd_name, unit_name))
        if cached is None:
            cached = self._unit_cache[(skpd_name, unit_name)] = self._resolve_unit(skpd_name, unit_name)
        return cached

    def _resolve_unit(self, skpd_name: str, unit_name: str) -> int:
        """The unit a row belongs to: the unit kerja anywhere below its SKPD (shallowest first),
        else the SKPD itself. Unknown names are created (import) or noted (validation); -1 then."""
        skey = name_key(skpd_name)
        skpd_id = self._skpd.get(skey)
        if skpd_id is None:
            if not self.create_units:
                if (skey, "") not in self._planned:
                    self._planned.add((skey, ""))
                    self.new_units.append(skpd_name)
                skpd_id = -1
            else:
                unit = find_unit(self.instansi.id, None, skpd_name) or create_unit(self.instansi, skpd_name)
                skpd_id = self._skpd[skey] = unit.id
                self.new_units.append(unit.name)
        ukey = name_key(unit_name)
        if not ukey or ukey == skey:
            return skpd_id
        hit = self._sub.get((skpd_id, ukey)) if skpd_id != -1 else None
        if hit is not None:
            return hit[1]
        if not self.create_units:
            if (skey, ukey) not in self._planned:
                self._planned.add((skey, ukey))
                self.new_units.append(f"{skpd_name} / {unit_name}")
            return -1
        parent = db.session.get(Unit, skpd_id)
        unit = find_unit(self.instansi.id, skpd_id, unit_name) or create_unit(self.instansi, unit_name, parent)
        self._sub[(skpd_id, ukey)] = (unit.depth, unit.id)
        self.new_units.append(f"{parent.name} / {unit.name}")  # type: ignore[union-attr]
        return unit.id

    # --- rows ----------------------------------------------------------------------------

    def note_seen(self, line: int, key: str) -> None:
        if key and key not in self.first_line:
            self.first_line[key] = line

    def check(self, line: int, v: tuple[str, ...], key: str,
              existing: _Existing | None) -> tuple[dict[str, Any] | None, list[RowError]]:
        """Return the values this row sets (``None`` when it has errors) and its errors."""
        raw_nip = v[F_NIP]
        if key:
            first = self.first_line.get(key)
            if first is not None and first != line:
                return None, [_error(line, "duplicate_in_file", raw_nip, first=first)]
            self.first_line[key] = line
        errors: list[RowError] = []
        mine = existing is not None and existing.instansi_id == self.instansi.id

        etype: EmployeeType | None
        if v[F_TYPE]:
            etype = normalize_employee_type(v[F_TYPE])
            if etype is None:
                errors.append(_error(line, "unknown_employee_type", raw_nip, value=v[F_TYPE]))
        else:
            etype = existing.employee_type if mine else EmployeeType.PNS  # type: ignore[union-attr]

        number = None
        if etype is not None:
            try:
                number = validate_employee_number(raw_nip, etype, today=self.today)
            except InvalidEmployeeNumber as exc:
                errors.append(_number_error(line, exc, raw_nip))
        elif not key:
            errors.append(_number_error(line, InvalidEmployeeNumber("missing_number"), raw_nip))

        name = " ".join(v[F_NAME].split())
        if not name:
            errors.append(_error(line, "missing_name", raw_nip))
        elif len(name) > 200:
            errors.append(_error(line, "too_long", raw_nip, field="name", max=200))

        values: dict[str, Any] = {"name": name, "employee_type": etype, "active": True}
        if v[F_GOLONGAN] and etype is not None and etype != EmployeeType.NON_ASN:
            golongan = normalize_golongan(v[F_GOLONGAN], etype)
            if golongan is None:
                errors.append(_error(line, "unknown_golongan", raw_nip, value=v[F_GOLONGAN], type=_TYPE_LABELS[etype]))
            values["golongan"] = golongan
        if v[F_JABATAN]:
            jabatan = " ".join(v[F_JABATAN].split())
            if len(jabatan) > 255:
                errors.append(_error(line, "too_long", raw_nip, field="jabatan", max=255))
            values["jabatan"] = jabatan
            values["is_kepala_wilayah"] = is_kepala_wilayah(jabatan)
        if v[F_JENIS_JABATAN]:
            jenis = normalize_jenis_jabatan(v[F_JENIS_JABATAN])
            if jenis is None:
                errors.append(_error(line, "unknown_jenis_jabatan", raw_nip, value=v[F_JENIS_JABATAN]))
            values["jenis_jabatan"] = jenis
        if v[F_EMAIL]:
            email = normalize_email(v[F_EMAIL])
            if email is None:
                errors.append(_error(line, "bad_email", raw_nip, value=v[F_EMAIL]))
            values["email"] = email
        if v[F_PHONE]:
            phone = normalize_phone(v[F_PHONE])
            if phone is None:
                errors.append(_error(line, "bad_phone", raw_nip, value=v[F_PHONE]))
            values["phone"] = phone

        skpd_name = " ".join(v[F_SKPD].split())
        unit_name = " ".join(v[F_UNIT].split())
        scope_ok = True
        if self.limit is not None:
            if not skpd_name:
                skpd_name = self.limit.name
            elif name_key(skpd_name) != self.limit_key:
                scope_ok = False
                errors.append(_error(line, "outside_scope", raw_nip, value=skpd_name, skpd=self.limit.name))
        elif not skpd_name:
            errors.append(_error(line, "missing_skpd", raw_nip))
        if len(skpd_name) > 200:
            errors.append(_error(line, "too_long", raw_nip, field="skpd", max=200))
        if len(unit_name) > 200:
            errors.append(_error(line, "too_long", raw_nip, field="unit_kerja", max=200))

        if existing is not None:
            if not mine:
                # NIPs are unique nationwide, so the row must be refused; only whoever sees every
                # instansi (the superadmin, the CLI) is told where the person is: to an instansi's HR
                # it reads like any account they may not change
                errors.append(_error(line, "other_instansi" if self.actor is None or is_superadmin(self.actor)
                                     else "not_permitted", raw_nip))
            elif self.limit is not None and scope_ok and existing.skpd_id != self.limit.id:
                errors.append(_error(line, "outside_scope", raw_nip, "outside_scope_person"))
            elif self.actor is not None and (existing.id == self.actor.id
                                             or not can_manage_role(self.actor, existing.role)):
                # the same rule as the web edit: never one's own account, never a higher one
                errors.append(_error(line, "not_permitted", raw_nip))

        if errors:
            return None, errors
        values["employee_number"] = number
        values["unit_id"] = self._unit_id(skpd_name, unit_name)
        return values, []


def roster_limits() -> Limits:
    """The parsing limits, with ``ROSTER_MAX_ROWS`` from the configuration."""
    return replace(DEFAULT_LIMITS, max_rows=int(current_app.config.get("ROSTER_MAX_ROWS") or DEFAULT_LIMITS.max_rows))


def _open(rows_source: RosterFile | bytes | str | Path, filename: str = "") -> RosterFile:
    if isinstance(rows_source, RosterFile):
        return rows_source
    if isinstance(rows_source, bytes):
        return open_roster(rows_source, filename, roster_limits())
    return open_roster_path(rows_source, roster_limits())


def _chunks(rows: Iterator[tuple[int, tuple[str, ...]]], size: int) -> Iterator[list[tuple[int, tuple[str, ...], str]]]:
    chunk: list[tuple[int, tuple[str, ...], str]] = []
    for line, values in rows:
        chunk.append((line, values, number_key(values[F_NIP])))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _to_deactivate(existing: dict[str, _Existing], seen: set[str], actor: User | None,
                   limit_to_skpd: Unit | None) -> list[int]:
    """People of the instansi not in the file whom "deactivate missing" switches off: active
    participants and trainers (never HR accounts), within the SKPD of an operator's import, whom
    the web actor may manage (never themselves)."""
    return [
        p.id for key, p in existing.items()
        if key not in seen
        and p.active
        and p.role in (Role.PESERTA, Role.PELATIH)  # HR accounts are never switched off by a file
        and (actor is None or (p.id != actor.id and can_manage_role(actor, p.role)))
        and (limit_to_skpd is None or p.skpd_id == limit_to_skpd.id)
    ]


def _instansi_people(instansi: Instansi) -> dict[str, _Existing]:
    return {row.employee_number: _Existing(*row)
            for row in db.session.execute(_existing_select().where(User.instansi_id == instansi.id))}


def _analyze_after_bulk_write(rows: int) -> None:
    """A large write leaves PostgreSQL's planner statistics of ``users`` stale until autovacuum
    gets to them; refresh them now, in the import's transaction (see :func:`elearn.db.analyze`)."""
    if rows >= ANALYZE_AFTER_ROWS:
        analyze("users")


def import_roster(
    instansi: Instansi,
    rows_source: RosterFile | bytes | str | Path,
    *,
    actor: User | None = None,
    deactivate_missing: bool = False,
    limit_to_skpd: Unit | None = None,
    today: dt.date | None = None,
    audit_details: dict[str, Any] | None = None,
    progress: Callable[[int], object] | None = None,
) -> ImportResult:
    """Validate and upsert every row; return counts and row errors. Flushes, never commits.

    ``limit_to_skpd`` (an operator SKPD's perangkat daerah) refuses rows of other SKPDs and
    people registered elsewhere, and limits ``deactivate_missing`` to that SKPD. ``actor`` (the
    person importing from the web) may change only people they may manage (authz.can_manage_role).
    ``progress(rows done)`` is called after each chunk. Raises :class:`RosterFileError` when the
    file can't be read at all.
    """
    roster = _open(rows_source)
    filename = roster.filename
    if roster.format == "xlsx":
        # read the workbook once; the passes below then re-read fast CSV
        _count, converted = roster.snapshot(roster_limits())
        roster = open_roster(converted or b"", "converted.csv", roster_limits())
    today = today or dt.date.today()
    result = ImportResult()
    checker = _Checker(instansi, roster, limit_to_skpd=limit_to_skpd, today=today, create_units=True, actor=actor)
    existing = _instansi_people(instansi)
    # Numbers in the file that this instansi doesn't have: are they someone else's? Looked up
    # before anything is written (an extra pass over the number column only), so that on
    # PostgreSQL the lookups never run against a table growing inside this transaction.
    elsewhere = _lookup(
        key for key in {number_key(cell) for cell in roster.column("nip")} if key and key not in existing
    )
    seen: set[str] = set()
    users = _BULK_USERS
    update_stmt = (
        update(users)
        .where(users.c.id == bindparam("_id"))
        .values({name: bindparam(name) for name in (*_UPDATABLE, "updated_at")})
    )
    dialect = db.session.get_bind().dialect
    to_db_time = User.__table__.c.updated_at.type._cached_bind_processor(dialect)  # type: ignore[attr-defined]
    now = utcnow()
    now = to_db_time(now) if to_db_time is not None else now
    base_new = {
        "instansi_id": instansi.id,
        "golongan": None,
        "jabatan": None,
        "jenis_jabatan": None,
        "is_kepala_wilayah": False,
        "email": None,
        "phone": None,
        "role": Role.PESERTA.value,
        "active": True,
        "failed_logins": 0,
        "session_version": 1,
        "created_at": now,
        "updated_at": now,
    }

    for chunk in _chunks(roster.rows(), CHUNK_SIZE):
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for line, v, key in chunk:
            result.rows += 1
            seen.add(key)
            person = existing.get(key) or elsewhere.get(key)
            values, errors = checker.check(line, v, key, person)
            if errors:
                result.errors.extend(errors)
                continue
            assert values is not None
            if person is None:
                row = dict(base_new)
                row.update(values)
                row["employee_type"] = row["employee_type"].value
                row["jenis_jabatan"] = _enum_value(row["jenis_jabatan"])
                inserts.append(row)
                continue
            if all(getattr(person, name) == value for name, value in values.items() if name != "employee_number"):
                result.unchanged += 1
                continue
            merged = {name: values.get(name, getattr(person, name)) for name in _UPDATABLE}
            merged["employee_type"] = merged["employee_type"].value
            merged["jenis_jabatan"] = _enum_value(merged["jenis_jabatan"])
            merged["_id"] = person.id
            merged["updated_at"] = now
            updates.append(merged)
        if inserts:
            db.session.execute(insert(users), inserts)
            result.created += len(inserts)
        if updates:
            db.session.execute(update_stmt, updates)
            result.updated += len(updates)
        if progress is not None:
            progress(result.rows)

    if deactivate_missing:
        gone = _to_deactivate(existing, seen, checker.actor, limit_to_skpd)
        for i in range(0, len(gone), CHUNK_SIZE):
            db.session.execute(
                update(users).where(users.c.id == bindparam("_id")).values(active=False, updated_at=now),
                [{"_id": pid} for pid in gone[i:i + CHUNK_SIZE]],
            )
        result.deactivated = len(gone)
    _analyze_after_bulk_write(result.created + result.updated + result.deactivated)

    result.new_units = checker.new_units
    details = {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "deactivated": result.deactivated,
        "errors": len(result.errors),
        "rows": result.rows,
        "new_units": result.new_units[:50],
        "deactivate_missing": deactivate_missing,
        "skpd": limit_to_skpd.name if limit_to_skpd is not None else None,
        "file": filename,
    }
    details.update(audit_details or {})
    record("roster.import", actor=actor, instansi_id=instansi.id, details=details)
    # the dashboard's stored figures of this instansi count the roster before the import: served,
    # flagged, only until the next request has them counted again
    from ..reports.snapshots import mark_stale

    mark_stale(instansi.id)
    db.session.flush()
    return result


# --- the web flow: upload (stored unread), a job reads and checks it, the preview, a job applies ----


def purge_stale_uploads(now: dt.datetime | None = None) -> int:
    """Remove uploads never applied that are older than ROSTER_UPLOAD_RETENTION_HOURS (a roster is
    personal data), except those a job is working on. Flushes; returns how many went."""
    hours = float(current_app.config["ROSTER_UPLOAD_RETENTION_HOURS"])
    cutoff = (now or utcnow()) - dt.timedelta(hours=hours)
    busy = select(Job.id).where(Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
    ids = db.session.scalars(
        select(RosterImport.id).where(
            RosterImport.status != ImportStatus.APPLIED,
            RosterImport.created_at < cutoff,
            or_(RosterImport.job_id.is_(None), RosterImport.job_id.not_in(busy)),
        )
    ).all()
    for i in range(0, len(ids), _IN_BATCH):
        db.session.execute(delete(RosterImport).where(RosterImport.id.in_(ids[i:i + _IN_BATCH]))
                           .execution_options(synchronize_session=False))
    db.session.flush()
    return len(ids)


def create_upload(instansi: Instansi, uploader: User, filename: str, data: bytes,
                  skpd: Unit | None = None) -> RosterImport:
    """Store an upload as it came and queue the job that reads and checks it (:func:`check_import`).

    Only what is cheap and bounded whatever the rows is checked here (the kind of file, a
    workbook's zip directory: :func:`.parsing.check_upload`); the caller bounds ``data`` by
    ROSTER_MAX_BYTES. Raises RosterFileError. Flushes."""
    purge_stale_uploads()
    file_format = check_upload(data, filename, roster_limits())
    imp = RosterImport(
        instansi_id=instansi.id,
        uploader_id=uploader.id,
        skpd_id=skpd.id if skpd is not None else None,
        filename=(Path(filename).name or "roster")[:255],
        file_format=file_format,
        size=len(data),
        data=data,
        row_count=0,
        status=ImportStatus.UPLOADED,
        errors=[],
        new_units=[],
    )
    db.session.add(imp)
    db.session.flush()
    imp.job_id = enqueue(CHECK_JOB, {"import_id": imp.id, "actor_id": uploader.id}, created_by_id=uploader.id).id
    db.session.flush()
    return imp


def open_import(imp: RosterImport) -> RosterFile:
    data, filename = imp.source_bytes()
    return open_roster(data, filename, roster_limits())


def check_import(imp: RosterImport, *, actor: User | None, today: dt.date | None = None,
                 reading: Callable[[int], object] | None = None,
                 checking: Callable[[int, int], object] | None = None) -> int:
    """Read the stored upload once (a workbook is converted to CSV, within :func:`roster_limits`),
    then check every row; mark the import checked. Returns the number of row errors. Flushes.

    ``reading(rows read)`` and ``checking(rows done, rows in all)`` report progress. Raises
    RosterFileError when the file can't be imported (too many rows, unreadable...)."""
    imp.ensure_open()
    limits = roster_limits()
    roster = open_import(imp)
    count, converted = roster.snapshot(limits, progress=reading)
    if count == 0:
        raise RosterFileError("no_rows", _("Berkas ini tidak berisi baris data di bawah baris judul."))
    if converted is not None:
        roster = open_roster(converted, "converted.csv", limits)
    errors = validate_import(imp, roster, actor=actor, today=today,
                             progress=None if checking is None else (lambda done: checking(done, count)))
    imp.row_count = count
    if converted is not None:
        # the workbook is not unpacked again: the apply reads this CSV (same row numbers)
        imp.csv_data, imp.data = converted, None
    imp.status = ImportStatus.CHECKED
    db.session.flush()
    return errors


def validate_import(imp: RosterImport, roster: RosterFile, *, actor: User | None, today: dt.date | None = None,
                    progress: Callable[[int], object] | None = None) -> int:
    """Check every row in one pass over ``roster`` (the position is kept; nothing is re-read) and
    store on the import its errors, the units it would create, how many people "deactivate
    missing" would switch off, and the preview (columns, first rows).

    Changes no person and creates no unit. ``progress(rows done)`` is called after each chunk.
    Returns the number of errors. Flushes."""
    imp.ensure_open()
    checker = _Checker(imp.instansi, roster, limit_to_skpd=imp.skpd, today=today or dt.date.today(),
                       create_units=False, actor=actor)
    fields = [f for f in FIELDS if roster.has(f)]
    picks = [FIELDS.index(f) for f in fields]
    first_rows: list[list[Any]] = []
    seen: set[str] = set()
    errors: list[RowError] = []
    done = 0
    for chunk in _chunks(roster.rows(), VALIDATE_CHUNK_SIZE):
        found = _lookup(key for _line, _v, key in chunk if key)
        for line, v, key in chunk:
            if len(first_rows) < PREVIEW_ROWS:
                first_rows.append([line, [v[i] for i in picks]])
            seen.add(key)
            _values, row_errors = checker.check(line, v, key, found.get(key))
            errors.extend(row_errors)
        done += len(chunk)
        if progress is not None:
            progress(done)
    imp.errors = [e.as_dict(with_nip=True) for e in errors]
    imp.new_units = list(checker.new_units)
    imp.validated_rows = done
    imp.would_deactivate = len(_to_deactivate(_instansi_people(imp.instansi), seen, checker.actor, imp.skpd))
    imp.preview = {
        "header_line": roster.header_line,
        "fields": fields,
        "headers": [roster.headers[roster.mapping[f]] for f in fields],
        "unknown": list(roster.unknown_columns),
        "rows": first_rows,
    }
    db.session.flush()
    return len(errors)


def start_import(imp: RosterImport, *, actor: User, deactivate_missing: bool) -> Job:
    """Queue the job that applies a checked upload (see :mod:`.tasks`). Flushes."""
    imp.ensure_open()
    if not imp.is_checked:
        raise ServiceError(_("Berkas ini belum selesai diperiksa."), "not_checked")
    previous_job_id = imp.job_id
    job = enqueue(IMPORT_JOB, {"import_id": imp.id, "actor_id": actor.id, "deactivate_missing": deactivate_missing},
                  created_by_id=actor.id)
    # compare-and-set on the import's job: of two "Terapkan" posts at once, the second finds the
    # job changed (on PostgreSQL it waits for the first to commit) and queues nothing
    claimed = db.session.execute(
        update(RosterImport)
        .where(RosterImport.id == imp.id,
               RosterImport.status.in_((ImportStatus.CHECKED, ImportStatus.FAILED)),
               RosterImport.job_id.is_(None) if previous_job_id is None else RosterImport.job_id == previous_job_id)
        .values(job_id=job.id, deactivate_missing=deactivate_missing)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise ServiceError(_("Berkas ini sudah sedang diterapkan."), "already_started")
    db.session.refresh(imp)
    return job


def apply_import(imp: RosterImport, *, actor: User | None, deactivate_missing: bool,
                 today: dt.date | None = None, progress: Callable[[int], object] | None = None) -> ImportResult:
    """Run the whole import in the caller's transaction and record the outcome on ``imp``."""
    imp.ensure_open()
    # claim the row: a second concurrent apply waits for this transaction, then finds it applied
    claimed = db.session.execute(
        update(RosterImport)
        .where(RosterImport.id == imp.id, RosterImport.status != ImportStatus.APPLIED)
        .values(status=ImportStatus.UPLOADED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ServiceError(_("Impor ini sudah diterapkan."), "already_applied")
    limit = db.session.get(Unit, imp.skpd_id) if imp.skpd_id is not None else None
    result = import_roster(
        imp.instansi, open_import(imp), actor=actor, deactivate_missing=deactivate_missing,
        limit_to_skpd=limit, today=today, audit_details={"import_id": imp.id, "file": imp.filename},
        progress=progress,
    )
    imp.deactivate_missing = deactivate_missing
    imp.mark_applied(
        created=result.created, updated=result.updated, unchanged=result.unchanged,
        deactivated=result.deactivated, new_units=result.new_units,
        errors=[e.as_dict(with_nip=True) for e in result.errors],
    )
    db.session.flush()
    return result
