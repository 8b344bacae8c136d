"""Signed checkpoints of the pakta chains: "on <time>, the chain of instansi X had <seq> records,
the last one hashing to <head_hash>", signed with an Ed25519 key kept outside the database
(``keys.checkpoint_key``).

HR exports them (``flask --app elearn pledges checkpoint --output FILE``) and keeps the file
away from the database (a USB stick, the archive, an e-mail to the inspectorate). Later,
``pledges verify --checkpoint FILE`` checks each checkpoint's signature and that the chain still
holds the checkpointed head at that seq: since every record's hash covers the one before it, the
records 1..seq are then exactly the records of that day. Rewriting any of them (even with the
chain key) or removing records up to the checkpoint no longer matches. A copy of each checkpoint
is stored in ``pledge_checkpoints`` to show the latest on the campaign page (the file is what counts).

The file: ``{"format": "elearn-pakta-checkpoints/1", "checkpoints": [checkpoint, ...]}``, each
checkpoint a JSON object (``instansi_id``, ``instansi``, ``seq``, ``head_hash``, ``created_at``,
``campaigns`` [id, code, signatures], ``key_id``, ``format``) plus ``signature``: base64 Ed25519 over
the canonical JSON of the other fields (keys sorted, ``,``/``:`` separators, UTF-8).
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..db import db, utcnow
from ..errors import ServiceError
from ..org.models import Instansi
from . import chain
from .keys import checkpoint_key, public_key_id
from .models import Campaign, PledgeChainHead, PledgeCheckpoint, PledgeSignature

FILE_FORMAT = "elearn-pakta-checkpoints/1"
FORMAT = "elearn-pakta-checkpoint/1"


def canonical(checkpoint: dict[str, Any]) -> bytes:
    """What the signature covers: every field but ``signature``, canonical JSON."""
    fields = {k: v for k, v in checkpoint.items() if k != "signature"}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def create_checkpoint(instansi: Instansi, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """Sign the current head of the instansi's chain after verifying the whole chain (a checkpoint
    of a broken chain would vouch for the damage: ``chain_broken``). None when the instansi has no
    signatures yet. Stores a copy (flush only) and returns the checkpoint."""
    head = db.session.get(PledgeChainHead, instansi.id)
    if head is None or head.last_seq == 0:
        return None
    seq, head_hash = head.last_seq, head.last_hash
    result = chain.verify_chain(instansi.id)
    if not result.ok:
        raise ServiceError(_("Rantai pakta %(instansi)s rusak; titik periksa tidak dibuat. Jalankan "
                             "pledges verify.", instansi=instansi.slug), "chain_broken")
    campaigns = db.session.execute(
        select(Campaign.id, Campaign.slug, func.count(PledgeSignature.id))
        .outerjoin(PledgeSignature, (PledgeSignature.campaign_id == Campaign.id) & (PledgeSignature.seq <= seq))
        .where(Campaign.instansi_id == instansi.id).group_by(Campaign.id, Campaign.slug).order_by(Campaign.id)
    ).all()
    key = checkpoint_key()
    created = now or utcnow()
    checkpoint: dict[str, Any] = {
        "format": FORMAT, "instansi_id": instansi.id, "instansi": instansi.slug, "seq": seq, "head_hash": head_hash,
        "created_at": _iso(created), "key_id": public_key_id(key.public_key()),
        "campaigns": [{"id": cid, "code": slug, "signatures": count} for cid, slug, count in campaigns],
    }
    checkpoint["signature"] = base64.b64encode(key.sign(canonical(checkpoint))).decode()
    db.session.add(PledgeCheckpoint(instansi_id=instansi.id, seq=seq, head_hash=head_hash, created_at=created,
                                    key_id=checkpoint["key_id"], signature=checkpoint["signature"],
                                    payload=canonical(checkpoint).decode()))
    db.session.flush()
    return checkpoint


def checkpoint_file(checkpoints: list[dict[str, Any]]) -> str:
    return json.dumps({"format": FILE_FORMAT, "checkpoints": checkpoints}, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class CheckpointResult:
    instansi: str
    seq: int | None
    ok: bool
    reason: str = ""


def read_checkpoint_file(text: str) -> list[dict[str, Any]]:
    """The checkpoints of a file; raises ValueError when it is not one."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict) or doc.get("format") != FILE_FORMAT or not isinstance(doc.get("checkpoints"), list):
        raise ValueError(f"not a checkpoint file (format {FILE_FORMAT} expected)")
    if not all(isinstance(c, dict) for c in doc["checkpoints"]):
        raise ValueError("a checkpoint is not a JSON object")
    return doc["checkpoints"]


def verify_checkpoint(checkpoint: dict[str, Any], public_keys: dict[str, Ed25519PublicKey]) -> CheckpointResult:
    """A checkpoint's signature (with a trusted public key, never one named in the file) and that
    the chain still has the checkpointed head at its seq. (``pledges verify`` checks the chain
    itself as well: intact links plus the same hash at seq mean records 1..seq are unchanged.)"""
    name = str(checkpoint.get("instansi", "?"))
    seq = checkpoint.get("seq")
    seq_value = seq if isinstance(seq, int) else None

    def failed(reason: str) -> CheckpointResult:
        return CheckpointResult(name, seq_value, False, reason)

    if checkpoint.get("format") != FORMAT:
        return failed(f"unknown checkpoint format {checkpoint.get('format')!r}")
    public = public_keys.get(str(checkpoint.get("key_id")))
    if public is None:
        return failed(f"signed with key {checkpoint.get('key_id')}, which is not a trusted checkpoint key")
    try:
        public.verify(base64.b64decode(str(checkpoint.get("signature", "")), validate=True), canonical(checkpoint))
    except (InvalidSignature, binascii.Error, ValueError):
        return failed("the checkpoint's signature is not valid (the file was edited, or not made with this key)")
    instansi_id = checkpoint.get("instansi_id")
    if not isinstance(instansi_id, int) or seq_value is None or db.session.get(Instansi, instansi_id) is None:
        return failed("the checkpoint names an instansi that does not exist")
    stored = db.session.scalar(select(PledgeSignature.record_hash).where(
        PledgeSignature.instansi_id == instansi_id, PledgeSignature.seq == seq_value))
    if stored is None:
        return failed(f"the chain has no record {seq_value} any more (records removed after the checkpoint)")
    if stored != checkpoint.get("head_hash"):
        return failed(f"record {seq_value} no longer hashes to the checkpointed head (records up to it rewritten)")
    return CheckpointResult(name, seq_value, True)


def latest_checkpoint(instansi_id: int) -> PledgeCheckpoint | None:
    """The newest stored checkpoint of an instansi (the campaign page)."""
    return db.session.scalar(select(PledgeCheckpoint).where(PledgeCheckpoint.instansi_id == instansi_id)
                             .order_by(PledgeCheckpoint.created_at.desc(), PledgeCheckpoint.id.desc()).limit(1))


@dataclass(frozen=True)
class ShownCheckpoint:
    """What the campaign page says of the newest stored checkpoint. The row is the database's, so a
    database administrator could insert one: it is shown from its signed payload and checked with the
    checkpoint key when this app server has it (``state``: valid / invalid / unchecked)."""

    state: str
    seq: int | None = None
    head_hash: str = ""
    created_at: dt.datetime | None = None


def shown_checkpoint(instansi_id: int) -> ShownCheckpoint | None:
    stored = latest_checkpoint(instansi_id)
    if stored is None:
        return None
    try:
        payload = json.loads(stored.payload)
        payload["signature"] = stored.signature
        created = dt.datetime.fromisoformat(str(payload["created_at"]).replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError):
        return ShownCheckpoint("invalid")
    if not isinstance(payload, dict) or payload.get("instansi_id") != instansi_id:
        return ShownCheckpoint("invalid")
    try:
        public = checkpoint_key().public_key()
    except RuntimeError:  # production app server without the checkpoint key file
        state = "unchecked"
    else:
        state = "valid" if verify_checkpoint(payload, {public_key_id(public): public}).ok else "invalid"
    seq = payload.get("seq") if isinstance(payload.get("seq"), int) else None
    return ShownCheckpoint(state, seq, str(payload.get("head_hash", "")), created)
