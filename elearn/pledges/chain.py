"""The hash chain over pledge signatures: canonical serialisation, record hashes, verification.

Every signature stores ``prev_hash`` (the ``record_hash`` of the previous signature of the same
instansi; ``GENESIS_HASH`` for seq 1) and ``record_hash``: sha256 (hex) of the canonical
serialisation of every stored field except ``id`` and ``record_hash`` itself:

- JSON, keys sorted, separators ``,`` and ``:``, UTF-8, non-ASCII characters unescaped;
- ``signed_at`` as UTC ISO 8601 with microseconds and a ``Z`` (``2026-11-23T02:05:09.123456Z``);
- the signature PNG as the sha256 hex of its bytes (``signature_png_sha256``; null when typed),
  the rendered text as the sha256 hex of its UTF-8 (``rendered_text_sha256``);
- enums as their values, NULL as ``null``; plus ``"format": 1`` for this layout.

Editing a record changes its hash; deleting one leaves a gap in ``seq`` and a broken ``prev_hash``
link; reordering breaks the links; removing the last records leaves the chain head pointing past
the end. The functions here are pure except ``verify_chain``/``verify_all`` (which read).

All of that is recomputable by whoever can write the table (a database administrator who
disables the triggers can edit a record, recompute its hash, the links after it and the head).
So each record also stores ``record_mac`` = HMAC-SHA256 of its ``record_hash`` with a key kept
outside the database (``keys.py``) and that key's id (``hmac_key_id``): without the key a rewrite
no longer verifies. Records signed before the key existed have no MAC and are reported as
*unkeyed*; an unkeyed record after a keyed one is broken (a MAC removed). Signed checkpoints of
the chain head (``checkpoints.py``) catch what the key alone does not: see the README.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import select

from ..db import db
from .keys import Keyring, keyring
from .models import GENESIS_HASH, PledgeChainHead, PledgeSignature

FORMAT = 1


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def text_hash(rendered_text: str) -> str:
    """The hash of the exact text a signer saw (what the signing page sends back)."""
    return sha256_hex(rendered_text)


def _utc_iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("signed_at must be timezone-aware")
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_fields(sig: PledgeSignature) -> dict[str, Any]:
    """Every stored field except ``id`` and ``record_hash``, in hashable form."""
    return {
        "format": FORMAT,
        "instansi_id": sig.instansi_id,
        "seq": sig.seq,
        "campaign_id": sig.campaign_id,
        "user_id": sig.user_id,
        "unit_id": sig.unit_id,
        "skpd_id": sig.skpd_id,
        "signer_name": sig.signer_name,
        "signer_nip": sig.signer_nip,
        "signer_jabatan": sig.signer_jabatan,
        "signer_golongan": sig.signer_golongan,
        "is_skpd_head": bool(sig.is_skpd_head),
        "pledge_version_id": sig.pledge_version_id,
        "rendered_text_sha256": sha256_hex(sig.rendered_text),
        "text_hash": sig.text_hash,
        "method": getattr(sig.method, "value", sig.method),
        "signature_png_sha256": sha256_hex(sig.signature_png) if sig.signature_png is not None else None,
        "typed_name": sig.typed_name,
        "signed_at": _utc_iso(sig.signed_at),
        "ip": sig.ip,
        "user_agent": sig.user_agent,
        "verify_code": sig.verify_code,
        "prev_hash": sig.prev_hash,
    }


def canonical_bytes(sig: PledgeSignature) -> bytes:
    return json.dumps(canonical_fields(sig), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(sig: PledgeSignature) -> str:
    return sha256_hex(canonical_bytes(sig))


class BrokenRecord(NamedTuple):
    """The first record where a chain fails: ``id`` is None when records are missing at the end."""

    seq: int
    id: int | None
    reason: str
    signer: str | None = None


@dataclass(frozen=True)
class VerifyResult:
    instansi_id: int
    ok: bool
    checked: int
    first_broken: BrokenRecord | None = None
    #: records without a MAC (signed before the chain key existed): intact as far as the hashes
    #: go, but not protected against a rewrite by whoever can write the table
    unkeyed: int = 0


def _own_problem(sig: PledgeSignature, ring: Keyring | None = None, keyed_before: bool = False) -> str | None:
    """Why one record is not intact on its own: its text or content hash, and (with ``ring``) its
    MAC. ``keyed_before``: a record before it in the chain has a MAC (so this one must have one)."""
    if sha256_hex(sig.rendered_text) != sig.text_hash:
        return "the stored text does not match its text_hash (text edited)"
    if record_hash(sig) != sig.record_hash:
        return "record_hash does not match the record's content (record edited)"
    if ring is None:
        return None
    if sig.record_mac is None and sig.hmac_key_id is None:
        return "no record_mac after records that have one (MAC removed)" if keyed_before else None
    if not ring.knows(sig.hmac_key_id):
        return f"record_mac made with key {sig.hmac_key_id}, which is not configured (cannot be checked)"
    if not ring.verify(sig.hmac_key_id, sig.record_hash, sig.record_mac):
        return "record_mac does not verify with the chain key (record rewritten in the database)"
    return None


def record_mac(record_hash_hex: str, ring: Keyring | None = None) -> tuple[str, str]:
    """(key id, MAC) for a new record: HMAC-SHA256 of its record_hash with the current chain key."""
    return (ring or keyring()).mac(record_hash_hex)


def verify_rows(instansi_id: int, rows: Iterable[PledgeSignature], head: PledgeChainHead | None = None,
                ring: Keyring | None = None) -> VerifyResult:
    """Walk records in seq order; pure (no database). ``head`` (when given) catches removed last
    records; ``ring`` (when given) checks each record's MAC and counts the unkeyed ones."""
    expected_seq, expected_prev, checked, unkeyed, keyed_before = 1, GENESIS_HASH, 0, 0, False

    def broken(seq: int, sig_id: int | None, reason: str, signer: str | None = None) -> VerifyResult:
        return VerifyResult(instansi_id, False, checked, BrokenRecord(seq, sig_id, reason, signer), unkeyed)

    for sig in rows:
        if sig.seq != expected_seq:
            reason = (f"seq {sig.seq} where {expected_seq} was expected (record(s) missing)" if sig.seq > expected_seq
                      else f"seq {sig.seq} where {expected_seq} was expected (records out of order)")
            return broken(sig.seq, sig.id, reason, sig.signer_name)
        if sig.prev_hash != expected_prev:
            return broken(sig.seq, sig.id, "prev_hash does not match the previous record (record removed or "
                                            "records reordered)", sig.signer_name)
        problem = _own_problem(sig, ring, keyed_before)
        if problem:
            return broken(sig.seq, sig.id, problem, sig.signer_name)
        checked += 1
        if sig.record_mac is None:
            unkeyed += 1
        else:
            keyed_before = True
        expected_seq, expected_prev = sig.seq + 1, sig.record_hash
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != expected_prev):
        if head.last_seq >= expected_seq:
            reason = f"the chain head records seq {head.last_seq} but the chain ends at seq {expected_seq - 1} " \
                     "(last record(s) removed)"
            return broken(expected_seq, None, reason)
        return broken(expected_seq - 1, None, f"the chain head (seq {head.last_seq}) does not match the last record")
    return VerifyResult(instansi_id, True, checked, unkeyed=unkeyed if ring is not None else 0)


def verify_chain(instansi_id: int, batch_size: int = 500) -> VerifyResult:
    """Recompute every record of one instansi's chain (streamed in seq order), with its MACs."""
    head = db.session.get(PledgeChainHead, instansi_id)
    result = db.session.execute(
        select(PledgeSignature)
        .where(PledgeSignature.instansi_id == instansi_id)
        .order_by(PledgeSignature.seq, PledgeSignature.id)
        .execution_options(yield_per=batch_size)
    )
    try:
        return verify_rows(instansi_id, result.scalars(), head, keyring())
    finally:
        result.close()  # a broken chain stops early: release the (server-side) cursor


def record_status(sig: PledgeSignature) -> str:
    """One record on its own (the public verification page): ``valid`` when its hashes recompute,
    its MAC verifies, its prev link matches the record before it (or GENESIS_HASH for seq 1) and
    the record after it (if any) links to it; ``unkeyed`` when it is intact but signed before the
    chain key existed (no MAC, and no record before it has one); ``invalid`` otherwise. (The link
    from the next record matters for an unkeyed one: with the MACs up to a record removed, its
    rewrite would otherwise pass for an old unkeyed record.)"""
    keyed_before = sig.record_mac is None and sig.seq > 1 and db.session.scalar(
        select(PledgeSignature.id).where(PledgeSignature.instansi_id == sig.instansi_id,
                                         PledgeSignature.seq < sig.seq, PledgeSignature.record_mac.is_not(None))
        .limit(1)
    ) is not None
    if _own_problem(sig, keyring(), keyed_before) is not None:
        return "invalid"
    if sig.seq == 1:
        linked = sig.prev_hash == GENESIS_HASH
    else:
        previous = db.session.scalar(
            select(PledgeSignature.record_hash).where(
                PledgeSignature.instansi_id == sig.instansi_id, PledgeSignature.seq == sig.seq - 1
            )
        )
        linked = previous is not None and previous == sig.prev_hash
    following = db.session.scalar(select(PledgeSignature.prev_hash).where(
        PledgeSignature.instansi_id == sig.instansi_id, PledgeSignature.seq == sig.seq + 1))
    if not linked or (following is not None and following != sig.record_hash):
        return "invalid"
    return "unkeyed" if sig.record_mac is None else "valid"


def verify_record(sig: PledgeSignature) -> bool:
    """Whether the record is valid and keyed (``record_status``)."""
    return record_status(sig) == "valid"
