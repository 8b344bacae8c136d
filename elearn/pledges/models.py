"""Pledge texts, campaigns and signatures.

A ``PledgeText`` is the stable identity of a text in ``pledges/`` (its slug); every change of the
file makes a new immutable ``PledgeTextVersion``. A ``Campaign`` (per instansi) pins one version and
the dates between which its people sign.

``PledgeSignature`` rows are append-only. Each stores a snapshot of the signer, the exact text they
saw, and ``prev_hash`` = the ``record_hash`` of the previous signature of the same instansi (64 zeros
for the first), so editing, deleting or reordering a record breaks the chain (see ``chain.py``).
The database itself refuses UPDATE and DELETE (triggers below, also created by the migration) and a
fork (unique ``(instansi_id, seq)`` and ``(instansi_id, prev_hash)``). ``PledgeChainHead`` holds the
last seq/hash of each instansi's chain; signing locks its row (see ``services.sign``).
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    DDL,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Base, UTCDateTime, utcnow
from ..org.models import Instansi, Unit, enum_column

#: prev_hash of the first record of a chain
GENESIS_HASH = "0" * 64


class ElectionType(enum.StrEnum):
    PEMILU = "pemilu"
    PILKADA = "pilkada"


class SigningMethod(enum.StrEnum):
    DRAWN = "drawn"
    TYPED = "typed"


class PledgeText(Base):
    __tablename__ = "pledge_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: the number of the version the file in pledges/ holds now (new campaigns default to it;
    #: export writes it). A number, not a foreign key, so the two tables don't reference each other.
    current_number: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<PledgeText {self.slug}>"


class PledgeTextVersion(Base):
    """One text at one point in time; immutable once created (a change makes a new version)."""

    __tablename__ = "pledge_text_versions"
    __table_args__ = (
        UniqueConstraint("pledge_text_id", "number"),
        UniqueConstraint("pledge_text_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_text_id: Mapped[int] = mapped_column(ForeignKey("pledge_texts.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown with {placeholders} (pledges/README.md)
    body: Mapped[str] = mapped_column(Text)
    #: the whole file as loaded (front matter + body), for export
    source_text: Mapped[str] = mapped_column(Text)
    #: sha256 of the file's normalised text
    content_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="id")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    pledge_text: Mapped[PledgeText] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<PledgeTextVersion {self.pledge_text_id}#{self.number}>"


class Campaign(Base):
    """A signing round of one instansi (e.g. "Pilkada Serentak 2024"); each person signs once."""

    __tablename__ = "pledge_campaigns"
    __table_args__ = (
        UniqueConstraint("instansi_id", "slug"),
        CheckConstraint("closes_on >= opens_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="RESTRICT"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    election_type: Mapped[ElectionType] = mapped_column(enum_column(ElectionType, 16))
    pledge_version_id: Mapped[int] = mapped_column(ForeignKey("pledge_text_versions.id", ondelete="RESTRICT"),
                                                   index=True)
    #: the "tempat" of the signed document, e.g. "Kota Contoh"
    place: Mapped[str] = mapped_column(String(120))
    #: signing is allowed from opens_on to closes_on inclusive, in the instansi's time zone
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    #: the voting day (optional; not before opens_on): marked on the completion-over-time chart
    election_date: Mapped[dt.date | None] = mapped_column(Date)
    #: the share of the roster HR aims to have fully done (1..100, optional) by ``target_date``
    target_percent: Mapped[int | None] = mapped_column(Integer)
    #: when the target should be met (optional; ``target_day`` falls back to the election date, then
    #: closes_on)
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    instansi: Mapped[Instansi] = relationship(lazy="joined")
    pledge_version: Mapped[PledgeTextVersion] = relationship(lazy="joined")

    @property
    def target_day(self) -> dt.date:
        """The day the target applies to: ``target_date``, else the election date, else closes_on."""
        return self.target_date or self.election_date or self.closes_on

    def __repr__(self) -> str:
        return f"<Campaign {self.instansi_id}/{self.slug}>"


class PledgeSignature(Base):
    """One signed pledge: append-only, hash-chained per instansi. Never updated or deleted."""

    __tablename__ = "pledge_signatures"
    __table_args__ = (
        UniqueConstraint("campaign_id", "user_id"),
        UniqueConstraint("instansi_id", "seq"),
        UniqueConstraint("instansi_id", "prev_hash"),
        UniqueConstraint("verify_code"),
        Index("ix_pledge_signatures_campaign_skpd_unit", "campaign_id", "skpd_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="RESTRICT"))
    #: 1, 2, 3 ... per instansi: the position in the instansi's chain
    seq: Mapped[int] = mapped_column(Integer)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("pledge_campaigns.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # the signer at signing time (a later transfer or promotion does not change the record)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    skpd_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_nip: Mapped[str] = mapped_column(String(32))
    signer_jabatan: Mapped[str | None] = mapped_column(String(255))
    signer_golongan: Mapped[str | None] = mapped_column(String(8))
    #: kepala SKPD at signing time (services.is_skpd_head)
    is_skpd_head: Mapped[bool] = mapped_column(Boolean, default=False)
    pledge_version_id: Mapped[int] = mapped_column(ForeignKey("pledge_text_versions.id", ondelete="RESTRICT"))
    #: the exact text the signer saw (the pledge version rendered with their data), and its sha256 hex
    rendered_text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    method: Mapped[SigningMethod] = mapped_column(enum_column(SigningMethod, 16))
    #: the drawn signature (PNG), NULL when typed
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: the full name typed by the signer (method typed)
    typed_name: Mapped[str | None] = mapped_column(String(200))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    #: random, URL-safe: the public verification page and the QR code on the PDF
    verify_code: Mapped[str] = mapped_column(String(32))
    #: record_hash of the previous record of the same instansi (GENESIS_HASH for seq 1)
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: sha256 of the canonical serialisation of every other field (chain.record_hash)
    record_hash: Mapped[str] = mapped_column(String(64))
    #: HMAC-SHA256 (hex) of record_hash with the chain key kept outside the database, and the id of
    #: that key (keys.py); both NULL for records signed before the key existed ("unkeyed")
    hmac_key_id: Mapped[str | None] = mapped_column(String(16))
    record_mac: Mapped[str | None] = mapped_column(String(64))

    campaign: Mapped[Campaign] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="select")
    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id], lazy="select")
    skpd: Mapped[Unit | None] = relationship(foreign_keys=[skpd_id], lazy="select")
    pledge_version: Mapped[PledgeTextVersion] = relationship(lazy="select")

    def __repr__(self) -> str:
        return f"<PledgeSignature {self.instansi_id}#{self.seq}>"


class PledgeChainHead(Base):
    """The last record of each instansi's chain; its row is the per-instansi signing lock."""

    __tablename__ = "pledge_chain_heads"

    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="RESTRICT"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class PledgeCheckpoint(Base):
    """A signed statement "the chain of this instansi had ``seq`` records ending in ``head_hash`` at
    ``created_at``" (checkpoints.py). The JSON file HR exports and keeps offline is what counts; the
    copy here lists them on the campaign page."""

    __tablename__ = "pledge_checkpoints"
    __table_args__ = (Index("ix_pledge_checkpoints_instansi_created", "instansi_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: id of the Ed25519 public key (keys.public_key_id) and the signature (base64) of ``payload``
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))
    #: the signed canonical JSON
    payload: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<PledgeCheckpoint {self.instansi_id}@{self.seq}>"


# --- immutability: the database refuses UPDATE and DELETE on pledge_signatures ------------------
# The same statements are in migration 0004 (keep them in step). A later migration that rebuilds
# the table on SQLite (batch mode) must create the SQLite triggers again.

IMMUTABLE_MESSAGE = "pledge_signatures is append-only"

PG_TRIGGER_DDL = (
    "CREATE OR REPLACE FUNCTION pledge_signatures_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION USING MESSAGE = '{IMMUTABLE_MESSAGE}: ' || TG_OP || ' refused', "
    "ERRCODE = 'restrict_violation'; END $$",
    "CREATE TRIGGER pledge_signatures_immutable BEFORE UPDATE OR DELETE ON pledge_signatures "
    "FOR EACH ROW EXECUTE FUNCTION pledge_signatures_immutable()",
    "CREATE TRIGGER pledge_signatures_no_truncate BEFORE TRUNCATE ON pledge_signatures "
    "FOR EACH STATEMENT EXECUTE FUNCTION pledge_signatures_immutable()",
)
SQLITE_TRIGGER_DDL = (
    "CREATE TRIGGER pledge_signatures_no_update BEFORE UPDATE ON pledge_signatures "
    f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE_MESSAGE}: UPDATE refused'); END",
    "CREATE TRIGGER pledge_signatures_no_delete BEFORE DELETE ON pledge_signatures "
    f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE_MESSAGE}: DELETE refused'); END",
)

for _statement in PG_TRIGGER_DDL:
    event.listen(PledgeSignature.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_TRIGGER_DDL:
    event.listen(PledgeSignature.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
