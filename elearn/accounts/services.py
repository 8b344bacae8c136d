"""HR work on people: the scoped list, edits, first activation codes (slips) and resets, role
changes, (de)activation, new accounts.

Services take plain values, flush and record an audit event; the view or CLI command commits.
Authorization is the caller's job (``authz``); these functions enforce domain rules only.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import aliased

from .. import authz
from ..audit.services import record
from ..auth import services as auth_services
from ..db import db, utcnow
from ..errors import ServiceError
from ..org.models import Instansi, Unit
from .models import EmployeeType, JenisJabatan, Role, User
from .nip import InvalidEmployeeNumber, NipParts, normalize, parse_ni_pppk, parse_nip, validate_employee_number

PAGE_SIZE = 50

#: PNS/CPNS golongan/ruang I/a ... IV/e
PNS_GOLONGAN: tuple[str, ...] = tuple(
    f"{g}/{r}" for g, ruang in (("I", "abcd"), ("II", "abcd"), ("III", "abcd"), ("IV", "abcde")) for r in ruang
)
#: PPPK golongan I ... XVII
PPPK_GOLONGAN: tuple[str, ...] = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII",
)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 .-]{5,30}$")
_LIKE_ESCAPE = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


class ActivationFilter:
    ACTIVATED = "activated"
    PENDING = "pending"
    CODE_ISSUED = "code_issued"
    NO_CODE = "no_code"


# --- golongan ------------------------------------------------------------------------------


def golongan_choices(employee_type: EmployeeType) -> tuple[str, ...]:
    if employee_type.uses_nip:
        return PNS_GOLONGAN
    if employee_type.uses_ni_pppk:
        return PPPK_GOLONGAN
    return ()


def normalize_golongan(raw: str | None, employee_type: EmployeeType) -> str | None:
    """``'iii/A'``, ``'III a'`` -> ``'III/a'`` (PNS/CPNS); ``'ix'`` -> ``'IX'`` (PPPK); empty -> None."""
    text = " ".join((raw or "").split())
    if not text:
        return None
    allowed = golongan_choices(employee_type)
    if employee_type.uses_nip:
        m = re.fullmatch(r"(?i)(IV|III|II|I)\s*[/ .-]?\s*([a-e])", text)
        value = f"{m.group(1).upper()}/{m.group(2).lower()}" if m else None
    else:
        value = text.upper()
    if value is None or value not in allowed:
        if not allowed:
            raise ServiceError(_("Pegawai non-ASN tidak memiliki golongan; kosongkan isian ini."), "bad_golongan")
        if employee_type.uses_nip:
            raise ServiceError(_("Golongan PNS/CPNS harus antara I/a dan IV/e, mis. III/b."), "bad_golongan")
        raise ServiceError(_("Golongan PPPK harus angka Romawi I sampai XVII, mis. IX."), "bad_golongan")
    return value


# --- reading -------------------------------------------------------------------------------


@dataclass
class PeopleFilter:
    q: str = ""
    instansi_id: int | None = None
    skpd_id: int | None = None
    unit: Unit | None = None
    employee_type: EmployeeType | None = None
    role: Role | None = None
    activation: str = ""
    active: bool | None = None


def _prefix_range(column: Any, prefix: str) -> Any:
    """``column LIKE 'prefix%'`` as a range, so the unique index on the column is used."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)


def code_works(now: dt.datetime) -> Any:
    """SQL: the person holds an activation code that still works (a slip handed out, not yet
    expired; a code voided by wrong guesses is gone). ``activation_state`` in Python."""
    return and_(
        User.activation_code_hash.is_not(None),
        or_(User.activation_expires_at.is_(None), User.activation_expires_at > now),
    )


def people_query(viewer: User, f: PeopleFilter, *, now: dt.datetime | None = None) -> Select[Any]:
    """People the viewer may see as HR, filtered, with the name of each person's SKPD.

    Rows are ``(User, skpd_name)`` ordered by name."""
    now = now or utcnow()
    unit = aliased(Unit, name="person_unit")
    skpd = aliased(Unit, name="person_skpd")
    stmt = (
        select(User, skpd.name)
        .outerjoin(unit, unit.id == User.unit_id)
        .outerjoin(skpd, skpd.id == unit.skpd_id)
    )
    stmt = authz.scope_people(stmt, viewer)
    if f.instansi_id is not None:
        stmt = stmt.where(User.instansi_id == f.instansi_id)
    q = " ".join(f.q.split())
    if q:
        compact = normalize(q).upper()
        if compact.isdigit():
            stmt = stmt.where(_prefix_range(User.employee_number, compact))
        else:
            conditions = [User.name.ilike(f"%{q.translate(_LIKE_ESCAPE)}%", escape="\\")]
            if compact and len(compact) <= 32:
                conditions.append(_prefix_range(User.employee_number, compact))
            stmt = stmt.where(or_(*conditions))
    if f.skpd_id is not None:
        stmt = stmt.where(unit.skpd_id == f.skpd_id)
    if f.unit is not None:
        stmt = stmt.where(unit.instansi_id == f.unit.instansi_id, unit.path.startswith(f.unit.path))
    if f.employee_type is not None:
        stmt = stmt.where(User.employee_type == f.employee_type)
    if f.role is not None:
        stmt = stmt.where(User.role == f.role)
    if f.active is not None:
        stmt = stmt.where(User.active.is_(f.active))
    code_valid = code_works(now)
    if f.activation == ActivationFilter.ACTIVATED:
        stmt = stmt.where(User.password_hash.is_not(None))
    elif f.activation == ActivationFilter.PENDING:
        stmt = stmt.where(User.password_hash.is_(None))
    elif f.activation == ActivationFilter.CODE_ISSUED:
        stmt = stmt.where(User.password_hash.is_(None), code_valid)
    elif f.activation == ActivationFilter.NO_CODE:
        stmt = stmt.where(User.password_hash.is_(None), ~code_valid)
    return stmt.order_by(User.name, User.id)


def unit_path(unit: Unit | None) -> list[Unit]:
    """The unit and its ancestors, top-level SKPD first (one query)."""
    if unit is None:
        return []
    ids = unit.ancestor_ids()
    rows = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def nip_facts(person: User) -> NipParts | None:
    """Birth date and gender read from the NIP / NI PPPK (None for non-ASN identifiers)."""
    try:
        if person.employee_type.uses_nip:
            return parse_nip(person.employee_number)
        if person.employee_type.uses_ni_pppk:
            return parse_ni_pppk(person.employee_number)
    except InvalidEmployeeNumber:
        return None
    return None


def activation_state(person: User, now: dt.datetime | None = None) -> str:
    now = now or utcnow()
    if person.password_hash is not None:
        return ActivationFilter.ACTIVATED
    if person.activation_code_hash is not None and (
        person.activation_expires_at is None or person.activation_expires_at > now
    ):
        return ActivationFilter.CODE_ISSUED
    return ActivationFilter.NO_CODE


# --- changes -------------------------------------------------------------------------------


def _check_may_administer(actor: User | None, person: User) -> None:
    """Refuse a change to an account the actor may not administer (``actor`` None: the command
    line). The views answer 403 before calling; this keeps every other caller to the same rule."""
    if actor is not None and not authz.can_administer_account(actor, person):
        raise ServiceError(_("Anda tidak berwenang mengelola akun ini."), "forbidden")


def _clean(text: str | None, max_len: int) -> str | None:
    value = " ".join((text or "").split())
    return value[:max_len] if value else None


def update_person(
    actor: User | None,
    person: User,
    *,
    name: str,
    unit: Unit | None,
    employee_type: EmployeeType,
    golongan: str | None,
    jabatan: str | None,
    jenis_jabatan: JenisJabatan | None,
    email: str | None,
    phone: str | None,
    is_kepala_wilayah: bool,
    active: bool,
) -> dict[str, list[Any]]:
    """Change a person's data; returns ``{field: [old, new]}`` of what changed (audited).

    Validates everything before touching the row, so a refusal changes nothing."""
    _check_may_administer(actor, person)
    clean_name = _clean(name, 200)
    if not clean_name:
        raise ServiceError(_("Nama wajib diisi."), "missing_name")
    if unit is not None and unit.instansi_id != person.instansi_id:
        raise ServiceError(_("Unit harus berada di instansi yang sama."), "bad_unit")
    if employee_type != person.employee_type:
        try:
            validate_employee_number(person.employee_number, employee_type)
        except InvalidEmployeeNumber as exc:
            raise ServiceError(
                _("Nomor pegawai orang ini tidak sah untuk jenis pegawai tersebut: %(reason)s", reason=exc.message),
                "bad_employee_type",
            ) from None
    clean_golongan = normalize_golongan(golongan, employee_type)
    clean_email = _clean(email, 254)
    if clean_email is not None:
        clean_email = clean_email.lower()
        if not _EMAIL_RE.match(clean_email):
            raise ServiceError(_("Alamat email tidak sah."), "bad_email")
    clean_phone = _clean(phone, 32)
    if clean_phone is not None and not _PHONE_RE.match(clean_phone):
        raise ServiceError(_("Nomor HP hanya boleh angka, spasi, titik, tanda hubung dan + di depan."), "bad_phone")
    new_values: dict[str, Any] = {
        "name": clean_name,
        "unit_id": unit.id if unit is not None else None,
        "employee_type": employee_type,
        "golongan": clean_golongan,
        "jabatan": _clean(jabatan, 255),
        "jenis_jabatan": jenis_jabatan,
        "email": clean_email,
        "phone": clean_phone,
        "is_kepala_wilayah": bool(is_kepala_wilayah),
        "active": bool(active),
    }
    changes: dict[str, list[Any]] = {}
    for field, value in new_values.items():
        old = getattr(person, field)
        if old != value:
            changes[field] = [_plain(old), _plain(value)]
            setattr(person, field, value)
    if "unit_id" in changes:
        person.unit = unit
    if "active" in changes and not active:
        auth_services.bump_session_version(person)
    if not changes:
        return changes
    if "active" in changes:
        record(
            "account.reactivate" if active else "account.deactivate",
            actor=actor, instansi_id=person.instansi_id, target=person,
            details={"name": person.name},
        )
    other = {k: v for k, v in changes.items() if k != "active"}
    if other:
        record("account.update", actor=actor, instansi_id=person.instansi_id, target=person,
               details={"name": person.name, "changes": other})
    db.session.flush()
    return changes


def _plain(value: Any) -> Any:
    if hasattr(value, "value"):
        return value.value
    return value


def set_active(actor: User | None, person: User, active: bool) -> bool:
    """Deactivate or reactivate an account; False when nothing changed."""
    _check_may_administer(actor, person)
    if person.active == active:
        return False
    person.active = active
    if not active:
        auth_services.bump_session_version(person)
    record("account.reactivate" if active else "account.deactivate", actor=actor,
           instansi_id=person.instansi_id, target=person, details={"name": person.name})
    db.session.flush()
    return True


def has_valid_code(person: User, now: dt.datetime | None = None) -> bool:
    """Whether the person holds an activation code that still works (issued, not expired, not
    voided by wrong guesses): a slip already handed out."""
    return activation_state(person, now) == ActivationFilter.CODE_ISSUED


def issue_slip(actor: User | None, person: User, *, now: dt.datetime | None = None) -> str:
    """A slip for one person not yet activated: a fresh activation code (an earlier one stops
    working); returns the code. Not a reset: nothing of an activated account is touched, and an
    activated account is refused (``reset`` is the way there). Audited as
    ``account.activation_code``."""
    _check_may_administer(actor, person)
    if person.is_activated:
        raise ServiceError(
            _("%(name)s sudah aktivasi. Untuk memberi kode baru, atur ulang akunnya.", name=person.name),
            "already_activated",
        )
    if not person.active:
        raise ServiceError(_("Akun ini nonaktif. Aktifkan kembali dahulu sebelum mencetak slip."), "inactive")
    replaced = has_valid_code(person, now)
    code = auth_services.issue_activation_code(person, now=now)
    record("account.activation_code", actor=actor, instansi_id=person.instansi_id, target=person,
           details={"name": person.name, "replaced": replaced})
    db.session.flush()
    return code


def reset(actor: User | None, person: User) -> str:
    """HR reset of an activated account (password void, sessions end, fresh activation code);
    returns the code. A person who never activated gets a slip instead (``issue_slip``)."""
    _check_may_administer(actor, person)
    if not person.is_activated:
        raise ServiceError(
            _("%(name)s belum aktivasi, jadi tidak ada yang perlu diatur ulang. Cetak slip aktivasi.",
              name=person.name),
            "not_activated",
        )
    code = auth_services.reset_account(person)
    record("account.reset", actor=actor, instansi_id=person.instansi_id, target=person,
           details={"name": person.name})
    db.session.flush()
    return code


def change_role(actor: User | None, person: User, new_role: Role) -> Role:
    """Give ``person`` another role (the caller checked ``authz.can_change_role``)."""
    old = person.role
    if old == new_role:
        raise ServiceError(_("Peran orang ini sudah %(role)s.", role=role_label(new_role)), "unchanged")
    if new_role == Role.OPERATOR_SKPD and person.skpd_id is None:
        raise ServiceError(
            _("Operator SKPD harus ditempatkan di sebuah unit; pilih unitnya dahulu."), "needs_unit"
        )
    if new_role == Role.ADMIN_BKPSDM and person.instansi_id is None:
        raise ServiceError(_("Admin BKPSDM harus terdaftar di sebuah instansi."), "needs_instansi")
    person.role = new_role
    details: dict[str, Any] = {"name": person.name, "old": old.value, "new": new_role.value}
    if new_role == Role.OPERATOR_SKPD:
        details["skpd_id"] = person.skpd_id
    record("account.role", actor=actor, instansi_id=person.instansi_id, target=person, details=details)
    db.session.flush()
    return old


def create_account(
    number: str,
    *,
    name: str,
    role: Role,
    instansi: Instansi | None,
    unit: Unit | None,
    employee_type: EmployeeType = EmployeeType.PNS,
    actor: User | None = None,
) -> User:
    """A single account (bootstrap from the command line). Flushes; no password yet."""
    try:
        number = validate_employee_number(number, employee_type)
    except InvalidEmployeeNumber as exc:
        raise ServiceError(exc.message, exc.code) from None
    clean_name = _clean(name, 200)
    if not clean_name:
        raise ServiceError(_("Nama wajib diisi."), "missing_name")
    if unit is not None:
        if instansi is None:
            instansi = db.session.get(Instansi, unit.instansi_id)
        elif unit.instansi_id != instansi.id:
            raise ServiceError(_("Unit harus berada di instansi yang sama."), "bad_unit")
    if role != Role.SUPERADMIN and instansi is None:
        raise ServiceError(_("Peran ini memerlukan instansi (--instansi)."), "needs_instansi")
    if role == Role.OPERATOR_SKPD and unit is None:
        raise ServiceError(_("Operator SKPD memerlukan unit (--unit-id)."), "needs_unit")
    if db.session.scalar(select(User.id).where(User.employee_number == number)) is not None:
        raise ServiceError(_("Akun dengan nomor pegawai ini sudah ada."), "duplicate")
    user = User(
        employee_number=number,
        employee_type=employee_type,
        name=clean_name,
        role=role,
        instansi_id=instansi.id if instansi is not None else None,
        unit_id=unit.id if unit is not None else None,
    )
    db.session.add(user)
    db.session.flush()
    record("account.create", actor=actor, instansi_id=user.instansi_id, target=user,
           details={"name": user.name, "role": role.value})
    db.session.flush()
    return user


def find_account(raw_number: str) -> User | None:
    return auth_services.find_by_employee_number(raw_number)


# --- labels --------------------------------------------------------------------------------


def role_label(role: Role | str) -> str:
    labels = {
        Role.PESERTA: _("Peserta"),
        Role.PELATIH: _("Pelatih"),
        Role.OPERATOR_SKPD: _("Operator SKPD"),
        Role.ADMIN_BKPSDM: _("Admin BKPSDM"),
        Role.SUPERADMIN: _("Superadmin"),
    }
    try:
        return labels[Role(role)]
    except ValueError:
        return str(role)


def employee_type_label(value: EmployeeType | str) -> str:
    labels = {
        EmployeeType.PNS: _("PNS"),
        EmployeeType.CPNS: _("CPNS"),
        EmployeeType.PPPK: _("PPPK"),
        EmployeeType.PPPK_PARUH_WAKTU: _("PPPK paruh waktu"),
        EmployeeType.NON_ASN: _("Non-ASN"),
    }
    try:
        return labels[EmployeeType(value)]
    except ValueError:
        return str(value)


def jenis_jabatan_label(value: JenisJabatan | str | None) -> str:
    if value is None:
        return ""
    labels = {
        JenisJabatan.JPT_UTAMA: _("JPT utama"),
        JenisJabatan.JPT_MADYA: _("JPT madya"),
        JenisJabatan.JPT_PRATAMA: _("JPT pratama"),
        JenisJabatan.ADMINISTRATOR: _("Administrator"),
        JenisJabatan.PENGAWAS: _("Pengawas"),
        JenisJabatan.FUNGSIONAL: _("Fungsional"),
        JenisJabatan.PELAKSANA: _("Pelaksana"),
    }
    try:
        return labels[JenisJabatan(value)]
    except ValueError:
        return str(value)
