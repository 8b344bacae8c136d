"""Instansi (a government agency) and its tree of units.

Top-level units of an instansi are its perangkat daerah (SKPD/OPD); below them sit
unit kerja of any depth (kecamatan -> kelurahan, dinas -> sekolah / puskesmas / UPTD).
Every unit stores a materialised ``path`` ("/3/17/42/") and the id of its SKPD so that
scoping an operator to "their SKPD and everything below" is one indexed comparison.
"""
from __future__ import annotations

import datetime as dt
import enum
import re

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow


class Timezone(enum.StrEnum):
    WIB = "WIB"
    WITA = "WITA"
    WIT = "WIT"

    @property
    def iana(self) -> str:
        return {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}[self.value]


class UnitKind(enum.StrEnum):
    SEKRETARIAT = "sekretariat"
    INSPEKTORAT = "inspektorat"
    DINAS = "dinas"
    BADAN = "badan"
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"
    BAGIAN = "bagian"
    BIDANG = "bidang"
    SEKOLAH = "sekolah"
    PUSKESMAS = "puskesmas"
    RSUD = "rsud"
    UPTD = "uptd"
    LAINNYA = "lainnya"


def enum_column(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def name_key(name: str) -> str:
    """Case- and whitespace-insensitive key used to match unit names from rosters."""
    return " ".join(name.split()).casefold()


_NUMBER = re.compile(r"[0-9]+")
#: how much of a name its natural key keeps (ordering past it does not matter)
NATURAL_KEY_LENGTH = 120


def natural_key(name: str) -> str:
    """The key that sorts unit names as people read them ("SD Negeri 2" before "SD Negeri 10"),
    compared code point by code point: Python's ``str`` order, and the database's for
    ``Unit.sort_key`` (collation "C" on PostgreSQL; SQLite compares code points). Case- and
    whitespace-insensitive; each run of digits is written as its length (two digits) then the
    number without leading zeros, so numbers compare by value and sort before letters. One key
    for every place that orders units or SKPDs (issue 16)."""
    text = "".join(ch for ch in name_key(name) if ch.isprintable())

    def number(match: re.Match[str]) -> str:
        digits = match.group().lstrip("0")[:99] or "0"
        return f"{len(digits):02d}{digits}"

    return _NUMBER.sub(number, text)[:NATURAL_KEY_LENGTH]


#: ends each unit's part of ``Unit.sort_key``: below every character of a natural key, so a unit
#: sorts before its children and before a sibling whose name continues its own
SORT_KEY_END = "\x01"


def sort_key_part(unit_id: int, name: str) -> str:
    """One unit's part of ``Unit.sort_key``: its natural key, then its id (fixed width: two units
    whose names have the same key keep their subtrees apart)."""
    return f"{natural_key(name)}{SORT_KEY_END}{unit_id:010d}{SORT_KEY_END}"


class Instansi(Base):
    __tablename__ = "instansi"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[Timezone] = mapped_column(enum_column(Timezone, 8), default=Timezone.WIB)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    units: Mapped[list[Unit]] = relationship(back_populates="instansi", lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Instansi {self.slug}>"


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("instansi_id", "sibling_key"),
        Index("ix_units_instansi_path", "instansi_id", "path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    #: the perangkat daerah this unit belongs to (itself for a top-level unit)
    skpd_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind), default=UnitKind.LAINNYA)
    #: "<parent id or 0>:<name key>": names are unique among siblings
    sibling_key: Mapped[str] = mapped_column(String(220))
    #: where the unit stands in the natural order of the tree: the ``sort_key_part`` of each unit
    #: from its SKPD down to itself. Ordering by it lists SKPDs by name ("SD Negeri 2" before
    #: "SD Negeri 10"), each followed by its subtree with siblings by name; set by org.services
    #: when a unit is created, renamed or moved. Collation "C": compared code point by code point,
    #: as Python compares the same strings.
    sort_key: Mapped[str] = mapped_column(Text().with_variant(Text(collation="C"), "postgresql"), default="",
                                          server_default="")
    path: Mapped[str] = mapped_column(String(255), default="")
    depth: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    instansi: Mapped[Instansi] = relationship(back_populates="units", lazy="joined")
    parent: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[parent_id], lazy="select")

    @property
    def is_skpd(self) -> bool:
        return self.parent_id is None

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name!r}>"
