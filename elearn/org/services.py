"""Instansi and the unit tree. Services flush; views and CLI commands commit."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, literal, select, update

from ..db import db
from ..errors import ServiceError
from .models import Instansi, Timezone, Unit, UnitKind, name_key, sort_key_part

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")

#: guess the kind of a unit from its name when a roster creates it
_KIND_PREFIXES = (
    ("sekretariat", UnitKind.SEKRETARIAT),
    ("inspektorat", UnitKind.INSPEKTORAT),
    ("dinas", UnitKind.DINAS),
    ("badan", UnitKind.BADAN),
    ("kecamatan", UnitKind.KECAMATAN),
    ("kelurahan", UnitKind.KELURAHAN),
    ("bagian", UnitKind.BAGIAN),
    ("bidang", UnitKind.BIDANG),
    ("puskesmas", UnitKind.PUSKESMAS),
    ("rsud", UnitKind.RSUD),
    ("rumah sakit", UnitKind.RSUD),
    ("uptd", UnitKind.UPTD),
    ("sd ", UnitKind.SEKOLAH),
    ("smp ", UnitKind.SEKOLAH),
    ("sma ", UnitKind.SEKOLAH),
    ("smk ", UnitKind.SEKOLAH),
    ("tk ", UnitKind.SEKOLAH),
    ("satuan polisi", UnitKind.DINAS),
)


def guess_kind(name: str) -> UnitKind:
    key = name_key(name) + " "
    for prefix, kind in _KIND_PREFIXES:
        if key.startswith(prefix):
            return kind
    return UnitKind.LAINNYA


def create_instansi(slug: str, name: str, timezone: str | Timezone = Timezone.WIB) -> Instansi:
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise ServiceError(
            _("Kode instansi hanya boleh huruf kecil, angka dan tanda hubung (3–64 karakter)."), "bad_slug"
        )
    if not name.strip():
        raise ServiceError(_("Nama instansi wajib diisi."), "missing_name")
    try:
        tz = Timezone(str(timezone).upper())
    except ValueError:
        raise ServiceError(_("Zona waktu harus WIB, WITA atau WIT."), "bad_timezone") from None
    if db.session.scalar(select(Instansi.id).where(Instansi.slug == slug)) is not None:
        raise ServiceError(_("Instansi dengan kode %(slug)s sudah ada.", slug=slug), "duplicate")
    instansi = Instansi(slug=slug, name=" ".join(name.split()), timezone=tz)
    db.session.add(instansi)
    db.session.flush()
    return instansi


def get_instansi(slug: str) -> Instansi | None:
    return db.session.scalar(select(Instansi).where(Instansi.slug == slug))


def _sibling_key(parent_id: int | None, name: str) -> str:
    return f"{parent_id or 0}:{name_key(name)}"[:220]


def find_unit(instansi_id: int, parent_id: int | None, name: str) -> Unit | None:
    return db.session.scalar(
        select(Unit).where(Unit.instansi_id == instansi_id, Unit.sibling_key == _sibling_key(parent_id, name))
    )


def create_unit(instansi: Instansi, name: str, parent: Unit | None = None, kind: UnitKind | None = None) -> Unit:
    name = " ".join(name.split())
    if not name:
        raise ServiceError(_("Nama unit wajib diisi."), "missing_name")
    if len(name) > 200:
        raise ServiceError(_("Nama unit terlalu panjang (maksimal 200 karakter)."), "name_too_long")
    if parent is not None and parent.instansi_id != instansi.id:
        raise ServiceError(_("Unit induk berasal dari instansi lain."), "bad_parent")
    parent_id = parent.id if parent is not None else None
    if find_unit(instansi.id, parent_id, name) is not None:
        raise ServiceError(_("Unit bernama %(name)s sudah ada di bawah induk yang sama.", name=name), "duplicate")
    unit = Unit(
        instansi_id=instansi.id,
        parent_id=parent_id,
        name=name,
        kind=kind or guess_kind(name),
        sibling_key=_sibling_key(parent_id, name),
        depth=(parent.depth + 1) if parent is not None else 0,
    )
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent is not None else '/'}{unit.id}/"
    unit.skpd_id = parent.skpd_id if parent is not None else unit.id
    unit.sort_key = (parent.sort_key if parent is not None else "") + sort_key_part(unit.id, name)
    db.session.flush()
    return unit


def _resort_subtree(unit: Unit, parent: Unit | None) -> None:
    """Give ``unit`` and every unit below it the sort key of its (new) name and place: one UPDATE
    swapping the start of their keys."""
    old = unit.sort_key
    new = (parent.sort_key if parent is not None else "") + sort_key_part(unit.id, unit.name)
    if new == old:
        return
    db.session.flush()
    db.session.execute(
        update(Unit)
        .where(Unit.instansi_id == unit.instansi_id, Unit.path.startswith(unit.path, autoescape=True))
        .values(sort_key=literal(new) + func.substr(Unit.sort_key, len(old) + 1))
        .execution_options(synchronize_session="fetch")
    )


def rename_unit(unit: Unit, name: str, kind: UnitKind | None = None) -> None:
    name = " ".join(name.split())
    if not name:
        raise ServiceError(_("Nama unit wajib diisi."), "missing_name")
    other = find_unit(unit.instansi_id, unit.parent_id, name)
    if other is not None and other.id != unit.id:
        raise ServiceError(_("Unit bernama %(name)s sudah ada di bawah induk yang sama.", name=name), "duplicate")
    unit.name = name
    unit.sibling_key = _sibling_key(unit.parent_id, name)
    if kind is not None:
        unit.kind = kind
    _resort_subtree(unit, db.session.get(Unit, unit.parent_id) if unit.parent_id is not None else None)
    db.session.flush()


def move_unit(unit: Unit, new_parent: Unit | None) -> None:
    """Re-hang a unit (and its subtree) under another parent of the same instansi."""
    if new_parent is not None:
        if new_parent.instansi_id != unit.instansi_id:
            raise ServiceError(_("Unit induk berasal dari instansi lain."), "bad_parent")
        if new_parent.path.startswith(unit.path):
            raise ServiceError(_("Unit tidak bisa dipindah ke bawah dirinya sendiri."), "cycle")
    new_parent_id = new_parent.id if new_parent is not None else None
    clash = find_unit(unit.instansi_id, new_parent_id, unit.name)
    if clash is not None and clash.id != unit.id:
        raise ServiceError(_("Unit bernama %(name)s sudah ada di bawah induk tujuan.", name=unit.name), "duplicate")
    old_path = unit.path
    new_path = f"{new_parent.path if new_parent is not None else '/'}{unit.id}/"
    new_skpd = new_parent.skpd_id if new_parent is not None else unit.id
    depth_delta = ((new_parent.depth + 1) if new_parent is not None else 0) - unit.depth
    descendants = db.session.scalars(
        select(Unit).where(Unit.instansi_id == unit.instansi_id, Unit.path.startswith(old_path))
    ).all()
    for node in descendants:
        node.path = new_path + node.path[len(old_path):]
        node.depth = node.depth + depth_delta
        node.skpd_id = new_skpd
    unit.parent_id = new_parent_id
    unit.sibling_key = _sibling_key(new_parent_id, unit.name)
    db.session.flush()
    _resort_subtree(unit, new_parent)
    db.session.flush()


def set_unit_active(unit: Unit, active: bool) -> None:
    """Deactivating a unit deactivates its subtree (units only; people stay where they are)."""
    db.session.execute(
        update(Unit)
        .where(Unit.instansi_id == unit.instansi_id, Unit.path.startswith(unit.path))
        .values(active=active)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()


def subtree(instansi_id: int, root: Unit | None = None) -> list[Unit]:
    """Units of an instansi (or ``root`` and the units below it) ordered for display as a tree:
    each unit followed by its subtree, siblings in natural order of their names (Unit.sort_key)."""
    stmt = select(Unit).where(Unit.instansi_id == instansi_id)
    if root is not None:
        stmt = stmt.where(Unit.path.startswith(root.path))
    return list(db.session.scalars(stmt.order_by(Unit.sort_key, Unit.id)))


def people_counts(instansi_id: int) -> dict[int, int]:
    """Active people per unit of an instansi (one GROUP BY)."""
    from ..accounts.models import User

    rows = db.session.execute(
        select(User.unit_id, func.count(User.id))
        .where(User.instansi_id == instansi_id, User.unit_id.is_not(None), User.active.is_(True))
        .group_by(User.unit_id)
    )
    return {unit_id: count for unit_id, count in rows}


def subtree_totals(units: list[Unit], direct: dict[int, int]) -> dict[int, int]:
    """People in each unit and everything below it, summed along the materialised paths."""
    totals: dict[int, int] = {u.id: 0 for u in units}
    for unit in units:
        n = direct.get(unit.id, 0)
        if n:
            for ancestor in unit.ancestor_ids():
                if ancestor in totals:
                    totals[ancestor] += n
    return totals
