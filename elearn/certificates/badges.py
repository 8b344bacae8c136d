"""Certificates as Open Badges 3.0: an ``OpenBadgeCredential`` (W3C Verifiable Credentials 2.0, JSON-LD)
signed with a ``DataIntegrityProof``, cryptosuite ``eddsa-rdfc-2022``.

Issuance calls ``sign_credential(build_credential(certificate), instansi)`` and stores the result in
``Certificate.credential``; it is never rebuilt afterwards (a correction is a reissue).

- ``build_credential`` reads the certificate's snapshot only (and its course version's criteria):
  the holder appears by name, never by NIP (an 18-digit NIP has too little entropy for a hash to hide
  it; UU 27/2022). The issuer is the instansi's profile, a URL the app serves (``badge_views``),
  which is also the controller document listing the instansi's keys; ``credentialStatus`` points at
  the instansi's Bitstring Status List (revocation).
- ``sign_credential`` follows the W3C Data Integrity EdDSA Cryptosuites v1.0 ``eddsa-rdfc-2022``:
  the proof configuration (the proof without ``proofValue``, with the document's ``@context``) and
  the document without proof are each canonicalised with RDFC-1.0 (PyLD's URDNA2015) and hashed with
  SHA-256; Ed25519 signs proofConfigHash + documentHash; ``proofValue`` is base58btc multibase.
  ``proof`` is always an array (1EdTech's schema wants one). Contexts come from the package only
  (``contexts.py``) and a term they don't define fails the signing instead of silently going unsigned.
- ``verify_credential`` checks every proof against the instansi's published keys.

The strings inside a credential are Bahasa Indonesia whatever the reader's language (the achievement
says ``inLanguage: "id"``, and a signed document cannot change with the locale), so they are not
wrapped in ``_()``.
"""
from __future__ import annotations

import copy
import datetime as dt
import gzip
import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app, has_request_context, url_for
from pyld.jsonld import JsonLdError
from sqlalchemy import select

from ..db import db, utcnow
from ..http_guards import public_url
from ..org.models import Instansi
from . import badge_keys
from .contexts import OB_V3, VC_V2, canonical_nquads
from .models import Certificate, CertificateState
from .multibase import decode_base58btc, encode_base58btc, encode_base64url

CRYPTOSUITE = "eddsa-rdfc-2022"
#: credential ids are urn:uuid: derived from the verification code (stable, reveals nothing new)
_ID_NAMESPACE = uuid.UUID("0f6a3c52-3b7e-5a8e-9c1d-6b1f3f0d2a11")
#: the Bitstring Status List's minimum length (herd privacy), in bits: 16 KB
STATUS_LIST_MIN_BITS = 131072
#: states whose bit is set in the revocation list
REVOKED_STATES = (CertificateState.REVOKED, CertificateState.REPLACED)


class BadgeError(ValueError):
    """A credential cannot be built or signed (e.g. a term its contexts don't define)."""


def _iso(moment: dt.datetime) -> str:
    """A moment as the credentials write it (UTC, whole seconds, ``Z``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


iso_time = _iso


# --- URLs the app serves (badge_views) --------------------------------------------------------------

def absolute_url(endpoint: str, **values: Any) -> str:
    """``public_url`` made absolute: credentials name their issuer, status list and achievement by
    URL. Outside a request (a CLI run: backfill, seed-demo) the URL is built under PUBLIC_BASE_URL,
    else, in development only, the development server's address (as services.verify_url does);
    production refuses (the URLs are signed into the credential)."""
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        url = public_url(endpoint, **values)
        if not url.startswith("/"):
            return url
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base:
        if current_app.config.get("ELEARN_ENV") not in ("development", "testing"):
            raise BadgeError("Open Badges need the public address: set ELEARN_PUBLIC_BASE_URL")
        base = current_app.config.get("DEV_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def issuer_url(instansi_slug: str) -> str:
    return absolute_url("certificate_badges.issuer", instansi_slug=instansi_slug)


def status_list_url(instansi_slug: str) -> str:
    return absolute_url("certificate_badges.status_list", instansi_slug=instansi_slug)


def achievement_url(course_version_id: int) -> str:
    return absolute_url("certificate_badges.achievement", course_version_id=course_version_id)


def home_url() -> str:
    return absolute_url("core.home")


def credential_id(certificate: Certificate) -> str:
    return f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, certificate.code)}"


# --- documents --------------------------------------------------------------------------------------

def criteria_narrative(version: Any) -> str:
    """course.yaml's ``certificate.criteria``, or a sentence made from the completion rule."""
    from ..courses.completion import CompletionRule

    given = (version.certificate or {}).get("criteria")
    if given:
        return str(given).strip()
    rule = CompletionRule.of(version)
    parts = ["membaca seluruh modul"]
    if rule.quiz:
        parts.append("lulus kuis")
    if rule.pledge:
        parts.append("menandatangani pakta integritas")
    if rule.attendance:
        kinds = {"apel": "apel pagi", "sosialisasi": "sosialisasi", "bimtek": "bimtek"}
        parts.append(f"hadir di {kinds[rule.attendance]}" if rule.attendance in kinds else "hadir di sebuah acara")
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " dan " + parts[-1]
    return f"Menyelesaikan kursus {version.title}: {text}."


def achievement(version: Any, *, jp: int | None = None) -> dict[str, Any]:
    """The Achievement of a course version (embedded in credentials, also served on its own)."""
    summary = (version.summary or "").strip()
    return {
        "id": achievement_url(version.id),
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": version.title,
        "description": summary or f"Sertifikat penyelesaian kursus {version.title}.",
        "criteria": {"narrative": criteria_narrative(version)},
        "creditsAvailable": version.jp if jp is None else jp,
        "inLanguage": "id",
    }


def issuer_profile(instansi: Instansi, *, name: str | None = None) -> dict[str, Any]:
    """The issuer as embedded in a credential (``Profile``: id, type, name, url)."""
    return {"id": issuer_url(instansi.slug), "type": ["Profile"], "name": name or instansi.name, "url": home_url()}


def build_credential(certificate: Certificate) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of a certificate, from its snapshot (no NIP)."""
    from ..courses.models import CourseVersion

    instansi = db.session.get(Instansi, certificate.instansi_id)
    version = db.session.get(CourseVersion, certificate.course_version_id)
    if instansi is None or version is None:
        raise BadgeError(f"certificate {certificate.id}: its instansi or course version is missing")
    status_url = status_list_url(instansi.slug)
    return {
        "@context": [VC_V2, OB_V3],
        "id": credential_id(certificate),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(instansi, name=certificate.instansi_name),
        "validFrom": _iso(certificate.issued_at),
        "name": f"Sertifikat {certificate.course_title}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            # the name only: never the NIP (see the module docstring)
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": certificate.holder_name}],
            "activityEndDate": _iso(certificate.completed_at),
            "creditsEarned": certificate.jp,
            "achievement": {**achievement(version, jp=certificate.jp), "name": certificate.course_title},
        },
        "credentialStatus": {
            "id": f"{status_url}#{certificate.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.status_index),
            "statusListCredential": status_url,
        },
    }


# --- eddsa-rdfc-2022 --------------------------------------------------------------------------------

def _hash_data(unsecured: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    try:
        config_hash = hashlib.sha256(canonical_nquads(proof_config).encode("utf-8")).digest()
        document_hash = hashlib.sha256(canonical_nquads(unsecured).encode("utf-8")).digest()
    except (ValueError, JsonLdError) as exc:  # DroppedTermError, UnknownContextError (wrapped by PyLD)
        raise BadgeError(f"the credential cannot be canonicalised: {exc}") from exc
    return config_hash + document_hash


def _instansi(instansi: Instansi | str) -> Instansi:
    if isinstance(instansi, Instansi):
        return instansi
    found = db.session.scalar(select(Instansi).where(Instansi.slug == instansi))
    if found is None:
        raise BadgeError(f"no instansi {instansi!r}")
    return found


def sign_credential(doc: dict[str, Any], instansi: Instansi | str, *,
                    created: dt.datetime | None = None) -> dict[str, Any]:
    """A copy of ``doc`` with a DataIntegrityProof (eddsa-rdfc-2022) by the instansi's current key
    appended to its ``proof`` array (kept as an array even with one proof)."""
    instansi = _instansi(instansi)
    keys = badge_keys.keyring(instansi.slug)
    unsecured = {k: v for k, v in copy.deepcopy(doc).items() if k != "proof"}
    previous = doc.get("proof") or []
    previous = previous if isinstance(previous, list) else [previous]
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _iso(created or utcnow()),
        "verificationMethod": f"{issuer_url(instansi.slug)}#{keys.current.id}",
        "proofPurpose": "assertionMethod",
    }
    assert keys.current.private is not None
    signature = keys.current.private.sign(_hash_data(unsecured, {"@context": unsecured["@context"], **proof}))
    return {**unsecured, "proof": [*copy.deepcopy(previous), {**proof, "proofValue": encode_base58btc(signature)}]}


@dataclass(frozen=True)
class Verification:
    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


KeyResolver = Callable[[str], Ed25519PublicKey | None]


def published_key(verification_method: str) -> Ed25519PublicKey | None:
    """The public key behind ``<issuer profile URL>#<key id>`` from this app's key directories (the
    same keys the issuer profile publishes), or None."""
    url, _, fragment = verification_method.partition("#")
    parts = urlsplit(url)
    adapter = current_app.url_map.bind(parts.netloc or "localhost", url_scheme=parts.scheme or "https")
    try:
        endpoint, values = adapter.match(parts.path)
    except Exception:  # noqa: BLE001 (NotFound, MethodNotAllowed, RequestRedirect)
        return None
    if endpoint != "certificate_badges.issuer" or url != issuer_url(values["instansi_slug"]):
        return None
    try:
        key = badge_keys.keyring(values["instansi_slug"]).get(fragment)
    except ValueError:
        return None
    return key.public if key is not None else None


def verify_credential(doc: dict[str, Any], resolve_key: KeyResolver | None = None) -> Verification:
    """Whether every proof of ``doc`` is a valid eddsa-rdfc-2022 proof by a key of its issuer."""
    resolve_key = resolve_key or published_key
    proofs = doc.get("proof")
    if not isinstance(proofs, list) or not proofs:
        return Verification(False, "proof is not a non-empty array")
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    for proof in proofs:
        if not isinstance(proof, dict) or proof.get("type") != "DataIntegrityProof" \
                or proof.get("cryptosuite") != CRYPTOSUITE:
            return Verification(False, "not a DataIntegrityProof with eddsa-rdfc-2022")
        if proof.get("proofPurpose") != "assertionMethod":
            return Verification(False, "proofPurpose is not assertionMethod")
        method = str(proof.get("verificationMethod") or "")
        if not issuer_id or method.partition("#")[0] != issuer_id or "#" not in method:
            return Verification(False, "the verification method is not a key of the issuer")
        if "@context" in proof and proof["@context"] != unsecured.get("@context"):
            return Verification(False, "the proof's @context differs from the document's")
        public = resolve_key(method)
        if public is None:
            return Verification(False, "unknown verification method")
        try:
            signature = decode_base58btc(str(proof.get("proofValue") or ""))
        except ValueError:
            return Verification(False, "proofValue is not base58btc")
        config = {k: v for k, v in proof.items() if k != "proofValue"}
        config["@context"] = unsecured.get("@context")
        try:
            public.verify(signature, _hash_data(unsecured, config))
        except (InvalidSignature, BadgeError):
            return Verification(False, "the signature does not match the document")
    return Verification(True)


# --- the Bitstring Status List ----------------------------------------------------------------------

def encode_status_list(indexes: Iterable[int]) -> str:
    """GZIP + multibase base64url of a bitstring of at least 131,072 bits with ``indexes`` set (index 0
    is the left-most bit of the first byte)."""
    indexes = list(indexes)
    bits = max(STATUS_LIST_MIN_BITS, max(indexes, default=0) + 1)
    bits = -(-bits // STATUS_LIST_MIN_BITS) * STATUS_LIST_MIN_BITS  # whole 16 KB blocks
    data = bytearray(bits // 8)
    for index in indexes:
        data[index // 8] |= 0x80 >> (index % 8)
    return encode_base64url(gzip.compress(bytes(data), mtime=0))


def revoked_indexes(instansi_id: int) -> list[int]:
    """The status bits to set for an instansi: one query."""
    return list(db.session.scalars(
        select(Certificate.status_index).where(Certificate.instansi_id == instansi_id,
                                               Certificate.state.in_(REVOKED_STATES))
    ))


def status_list_credential(instansi: Instansi) -> dict[str, Any]:
    """The instansi's signed BitstringStatusListCredential (revocation), as of now."""
    url = status_list_url(instansi.slug)
    now = utcnow()
    document = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_url(instansi.slug),
        "validFrom": _iso(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list(revoked_indexes(instansi.id)),
        },
    }
    return sign_credential(document, instansi, created=now)
