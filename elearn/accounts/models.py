"""People: every ASN (and non-ASN staff) of an instansi, with one role each."""
from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ..org.models import Instansi, Unit, enum_column


class Role(enum.StrEnum):
    PESERTA = "peserta"
    PELATIH = "pelatih"
    OPERATOR_SKPD = "operator_skpd"
    ADMIN_BKPSDM = "admin_bkpsdm"
    SUPERADMIN = "superadmin"


class EmployeeType(enum.StrEnum):
    PNS = "pns"
    CPNS = "cpns"
    PPPK = "pppk"
    PPPK_PARUH_WAKTU = "pppk_paruh_waktu"
    NON_ASN = "non_asn"

    @property
    def uses_nip(self) -> bool:
        return self in (EmployeeType.PNS, EmployeeType.CPNS)

    @property
    def uses_ni_pppk(self) -> bool:
        return self in (EmployeeType.PPPK, EmployeeType.PPPK_PARUH_WAKTU)


class JenisJabatan(enum.StrEnum):
    JPT_UTAMA = "jpt_utama"
    JPT_MADYA = "jpt_madya"
    JPT_PRATAMA = "jpt_pratama"
    ADMINISTRATOR = "administrator"
    PENGAWAS = "pengawas"
    FUNGSIONAL = "fungsional"
    PELAKSANA = "pelaksana"

    @property
    def is_manajerial(self) -> bool:
        return self not in (JenisJabatan.FUNGSIONAL, JenisJabatan.PELAKSANA)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_instansi_unit", "instansi_id", "unit_id"),
        Index("ix_users_instansi_name", "instansi_id", "name"),
        # the rekap's roster scan: active people of an instansi with their unit
        Index("ix_users_instansi_active_unit", "instansi_id", "active", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id", ondelete="RESTRICT"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    #: NIP (PNS/CPNS), NI PPPK (PPPK), or an identifier chosen by HR for non-ASN staff
    employee_number: Mapped[str] = mapped_column(String(32), unique=True)
    employee_type: Mapped[EmployeeType] = mapped_column(enum_column(EmployeeType), default=EmployeeType.PNS)
    name: Mapped[str] = mapped_column(String(200))
    golongan: Mapped[str | None] = mapped_column(String(8))
    jabatan: Mapped[str | None] = mapped_column(String(255))
    jenis_jabatan: Mapped[JenisJabatan | None] = mapped_column(enum_column(JenisJabatan))
    is_kepala_wilayah: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.PESERTA)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    password_hash: Mapped[str | None] = mapped_column(String(255))
    activation_code_hash: Mapped[str | None] = mapped_column(String(64))
    activation_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    #: wrong activation codes typed since the current code was issued (ACTIVATION_MAX_FAILURES voids it)
    activation_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: the account's session generation, part of the flask-login id in the session cookie: bumped on
    #: password change/activation, reset, deactivation and sign-out, so that other sessions end
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    instansi: Mapped[Instansi | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")

    # flask-login
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def is_activated(self) -> bool:
        return self.password_hash is not None

    @property
    def skpd_id(self) -> int | None:
        return self.unit.skpd_id if self.unit is not None else None

    @property
    def masked_employee_number(self) -> str:
        from .nip import mask_employee_number

        return mask_employee_number(self.employee_number)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
