"""Certificates as Open Badges 3.0 (OpenBadgeCredential, DataIntegrityProof eddsa-rdfc-2022).

The independent check (``independent_verify``) imports nothing of elearn's signing code: it loads
the shipped context files itself, re-canonicalises with PyLD, takes the public key from the issuer
profile the app serves (through the test client) and verifies with ``cryptography``.
"""
from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jsonschema import Draft201909Validator
from pyld import jsonld
from sqlalchemy import event

from badge_support import insert_certificate, template_row
from elearn.certificates.models import CertificateState
from elearn.db import db

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests/vendor/openbadges/achievementcredential.json").read_text())
_CONTEXT_DIR = ROOT / "elearn/certificates/jsonld"
_TEST_CONTEXTS = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-context-3.0.3.json",
}
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


# --- the independent verifier (no elearn imports) ----------------------------------------------------

def _loader(url: str, options: Any = None) -> dict[str, Any]:
    if url not in _TEST_CONTEXTS:
        raise ValueError(f"the test loader has no {url}")
    document = json.loads((_CONTEXT_DIR / _TEST_CONTEXTS[url]).read_text())
    return {"contextUrl": None, "documentUrl": url, "document": document}


def _b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def _canonical_hash(document: dict[str, Any]) -> bytes:
    nquads = jsonld.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                         "documentLoader": _loader})
    return hashlib.sha256(nquads.encode()).digest()


def independent_verify(client: Any, doc: dict[str, Any]) -> bool:
    assert isinstance(doc["proof"], list) and len(doc["proof"]) == 1
    proof = doc["proof"][0]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    method = proof["verificationMethod"]
    controller, _, fragment = method.partition("#")
    issuer = doc["issuer"]["id"] if isinstance(doc["issuer"], dict) else doc["issuer"]
    assert fragment and controller == issuer
    response = client.get(urlsplit(controller).path)
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    profile = json.loads(response.get_data())
    assert profile["id"] == issuer and method in profile["assertionMethod"]
    key = next(m for m in profile["verificationMethod"] if m["id"] == method)
    assert key["type"] == "Multikey" and key["controller"] == issuer
    assert key["publicKeyMultibase"].startswith("z6Mk")
    raw = _b58decode(key["publicKeyMultibase"][1:])
    assert raw[:2] == b"\xed\x01" and len(raw) == 34
    public = Ed25519PublicKey.from_public_bytes(raw[2:])
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = unsecured["@context"]
    assert proof["proofValue"].startswith("z")
    try:
        public.verify(_b58decode(proof["proofValue"][1:]), _canonical_hash(config) + _canonical_hash(unsecured))
    except InvalidSignature:
        return False
    return True


def _decode_status_list(encoded: str) -> bytes:
    assert encoded.startswith("u")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _bit(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


# --- fixtures ---------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _key_dir(app, tmp_path):  # type: ignore[no-untyped-def]
    """Keys of their own per test (never the instance folder's)."""
    before = app.config.get("CERTIFICATE_KEY_DIR")
    app.config["CERTIFICATE_KEY_DIR"] = str(tmp_path / "keys")
    app.extensions.pop("badge_keyrings", None)
    yield tmp_path / "keys"
    app.config["CERTIFICATE_KEY_DIR"] = before
    app.extensions.pop("badge_keyrings", None)


@pytest.fixture
def issued(app, make_user, make_course, make_instansi, make_unit):  # type: ignore[no-untyped-def]
    """An instansi with a course version (with criteria) and three certificates: valid (index 0),
    revoked (index 5), replaced (index 131080, beyond the first 16 KB). Returns ids and the slug."""
    from elearn.certificates.badges import build_credential, sign_credential
    from elearn.courses.models import CourseVersion
    from elearn.org.models import Instansi

    instansi = make_instansi(slug="kota-lencana", name="Pemerintah Kota Lencana")
    unit = make_unit("Dinas Lencana", instansi=instansi)
    people = [make_user(unit=unit, name=f"Dra. Ṡiti Nur'aini {n}, M.Si.") for n in range(3)]
    version = make_course(title="Netralitas ASN", instansi_id=instansi.id)
    with app.test_request_context():
        row = db.session.get(CourseVersion, version.id)
        row.certificate = {"template": "default", "criteria": "Membaca semua modul, lulus kuis, menandatangani pakta."}
        template = template_row()
        ids = []
        for person, index, state in zip(people, (0, 5, 131080),
                                        (CertificateState.VALID, CertificateState.REVOKED, CertificateState.REPLACED)):
            certificate = insert_certificate(person, row, status_index=index, template=template, state=state)
            certificate.credential = sign_credential(build_credential(certificate),
                                                     db.session.get(Instansi, instansi.id))
            ids.append(certificate.id)
        db.session.commit()
    return {"slug": instansi.slug, "instansi_id": instansi.id, "certificates": ids, "version": version.id,
            "nips": [p.employee_number for p in people]}


def _credential(app, certificate_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from elearn.certificates.models import Certificate

    with app.app_context():
        return copy.deepcopy(db.session.get(Certificate, certificate_id).credential)


# --- tests ------------------------------------------------------------------------------------------

def test_credential_validates_against_the_official_ob30_schema(app, issued):  # type: ignore[no-untyped-def]
    doc = _credential(app, issued["certificates"][0])
    validator = Draft201909Validator(SCHEMA, format_checker=Draft201909Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []
    assert isinstance(doc["proof"], list) and len(doc["proof"]) == 1
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["id"].startswith("urn:uuid:")
    assert doc["issuer"]["type"] == ["Profile"] and doc["issuer"]["name"] == "Pemerintah Kota Lencana"
    assert doc["issuer"]["id"].endswith("/sertifikat/penerbit/kota-lencana")
    achievement = doc["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "CertificateOfCompletion" and achievement["inLanguage"] == "id"
    assert achievement["creditsAvailable"] == 2 and achievement["name"] == "Netralitas ASN"
    assert achievement["criteria"]["narrative"].startswith("Membaca semua modul")
    assert doc["credentialStatus"] == {
        "id": doc["credentialStatus"]["statusListCredential"] + "#0", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "0",
        "statusListCredential": doc["issuer"]["id"].replace("/penerbit/", "/status/"),
    }
    # a proof as a single object fails 1EdTech's schema: that is why it is always an array
    single = {**doc, "proof": doc["proof"][0]}
    assert list(validator.iter_errors(single))


def test_independent_verification_passes_and_fails_after_a_change(app, client, issued):  # type: ignore[no-untyped-def]
    doc = _credential(app, issued["certificates"][0])
    assert independent_verify(client, doc)
    for change in (
        lambda d: d.update(name="Sertifikat Palsu"),
        lambda d: d["credentialSubject"]["achievement"].update(creditsAvailable=40),
        lambda d: d["credentialSubject"]["identifier"][0].update(identityHash="Orang Lain"),
        lambda d: d.update(validFrom="2020-01-01T00:00:00Z"),
    ):
        forged = copy.deepcopy(doc)
        change(forged)
        assert not independent_verify(client, forged)


def test_elearn_verifies_its_credentials(app, issued):  # type: ignore[no-untyped-def]
    from elearn.certificates.badges import verify_credential

    doc = _credential(app, issued["certificates"][1])
    with app.test_request_context():
        assert verify_credential(doc)
        forged = copy.deepcopy(doc)
        forged["name"] = "Sertifikat Palsu"
        result = verify_credential(forged)
        assert not result and "signature" in result.reason
        assert not verify_credential({**doc, "proof": doc["proof"][0]})
        foreign = copy.deepcopy(doc)
        foreign["proof"][0]["verificationMethod"] = "https://example.org/issuer#key-0000000000000000"
        assert not verify_credential(foreign)


def test_no_nip_anywhere_in_the_json(app, client, issued):  # type: ignore[no-untyped-def]
    documents = [json.dumps(_credential(app, cid)) for cid in issued["certificates"]]
    documents.append(client.get(f"/sertifikat/penerbit/{issued['slug']}").get_data(as_text=True))
    documents.append(client.get(f"/sertifikat/status/{issued['slug']}").get_data(as_text=True))
    for text in documents:
        for nip in issued["nips"]:
            assert nip not in text
        assert "196001011985031001" not in text  # the signatory's NIP neither


def test_status_list_sets_revoked_and_replaced_bits_only(app, client, issued):  # type: ignore[no-untyped-def]
    engine = db.get_engine(app)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(f"/sertifikat/status/{issued['slug']}")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200 and response.mimetype == "application/vc+ld+json"
    assert sum("certificates" in s for s in statements) == 1  # one query over the instansi's certificates
    doc = json.loads(response.get_data())
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = doc["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    bits = _decode_status_list(subject["encodedList"])
    assert len(bits) * 8 == 2 * 131072  # whole 16 KB blocks, index 131080 included
    assert not _bit(bits, 0)
    assert _bit(bits, 5) and _bit(bits, 131080)
    assert sum(bin(b).count("1") for b in bits) == 2
    assert independent_verify(client, doc)
    # the entry of a credential points at this list
    assert _credential(app, issued["certificates"][1])["credentialStatus"]["statusListCredential"].endswith(
        f"/sertifikat/status/{issued['slug']}")


def test_status_list_of_an_instansi_without_certificates_is_16_kb_of_zeros(client, make_instansi):  # type: ignore[no-untyped-def]
    instansi = make_instansi()
    doc = json.loads(client.get(f"/sertifikat/status/{instansi.slug}").get_data())
    bits = _decode_status_list(doc["credentialSubject"]["encodedList"])
    assert len(bits) == 16384 and not any(bits)


def test_issuer_profile_and_achievement_documents(app, client, issued):  # type: ignore[no-untyped-def]
    response = client.get(f"/sertifikat/penerbit/{issued['slug']}")
    profile = json.loads(response.get_data())
    assert profile["type"] == ["Profile"] and profile["name"] == "Pemerintah Kota Lencana"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age=60" in response.headers["Cache-Control"]
    response = client.get(f"/sertifikat/capaian/{issued['version']}")
    assert response.mimetype == "application/ld+json"
    assert json.loads(response.get_data())["criteria"]["narrative"].startswith("Membaca semua modul")
    assert client.get("/sertifikat/penerbit/tidak-ada").status_code == 404
    assert client.get("/sertifikat/status/tidak-ada").status_code == 404
    assert client.get("/sertifikat/capaian/999999").status_code == 404
    # the documents the app serves lose nothing when expanded with the shipped contexts
    from elearn.certificates.contexts import expand_checked

    expand_checked(profile)
    expand_checked(json.loads(client.get(f"/sertifikat/capaian/{issued['version']}").get_data()))


def test_achievement_of_a_version_without_certificate_is_404(client, make_course):  # type: ignore[no-untyped-def]
    version = make_course()
    assert client.get(f"/sertifikat/capaian/{version.id}").status_code == 404


def test_criteria_made_from_the_completion_rule_when_course_yaml_has_none(app, make_course):  # type: ignore[no-untyped-def]
    from elearn.certificates.badges import criteria_narrative
    from elearn.courses.models import CourseVersion

    version = make_course(title="Kursus Aturan")
    with app.app_context():
        row = db.session.get(CourseVersion, version.id)
        row.certificate = {}
        row.requires = {"quiz": "kuis-a", "pledge": "pakta-a"}
        row.completion = {"modules": "all", "quiz_pass": True, "pledge_signed": True}
        assert criteria_narrative(row) == ("Menyelesaikan kursus Kursus Aturan: membaca seluruh modul, lulus kuis "
                                           "dan menandatangani pakta integritas.")


def test_loader_refuses_every_other_url(app, issued):  # type: ignore[no-untyped-def]
    from elearn.certificates.badges import BadgeError, sign_credential
    from elearn.certificates.contexts import UnknownContextError, canonical_nquads, document_loader

    with pytest.raises(UnknownContextError):
        document_loader("https://example.org/context.jsonld")
    with pytest.raises(UnknownContextError):
        document_loader("https://w3id.org/security/data-integrity/v2")
    with pytest.raises(Exception) as caught:  # PyLD wraps the loader's error
        canonical_nquads({"@context": "https://example.org/context.jsonld", "name": "x"})
    chain, error = [], caught.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or getattr(error, "cause", None) or error.__context__
    assert any(isinstance(e, UnknownContextError) for e in chain)
    doc = _credential(app, issued["certificates"][0])
    doc["@context"] = [*doc["@context"], "https://example.org/context.jsonld"]
    with app.test_request_context(), pytest.raises(BadgeError):
        sign_credential({k: v for k, v in doc.items() if k != "proof"}, issued["slug"])


def test_a_term_the_contexts_do_not_define_fails_loudly(app, issued):  # type: ignore[no-untyped-def]
    from elearn.certificates.badges import BadgeError, sign_credential
    from elearn.certificates.contexts import DroppedTermError, expand_checked

    doc = {k: v for k, v in _credential(app, issued["certificates"][0]).items() if k != "proof"}
    expand_checked(doc)
    for where in (doc, doc["credentialSubject"], doc["credentialSubject"]["achievement"]):
        bad = copy.deepcopy(doc)
        target = bad if where is doc else (bad["credentialSubject"] if where is doc["credentialSubject"]
                                           else bad["credentialSubject"]["achievement"])
        target["nipPegawai"] = "199001012015031001"
        with pytest.raises(DroppedTermError):
            expand_checked(bad)
        with app.test_request_context(), pytest.raises(BadgeError):
            sign_credential(bad, issued["slug"])


def test_key_rotation_keeps_old_credentials_verifying(app, client, issued, _key_dir):  # type: ignore[no-untyped-def]
    from elearn.certificates import badge_keys
    from elearn.certificates.badges import build_credential, sign_credential, verify_credential
    from elearn.certificates.models import Certificate

    old_doc = _credential(app, issued["certificates"][0])
    old_method = old_doc["proof"][0]["verificationMethod"]
    with app.app_context():
        old_id, new_id = badge_keys.rotate(issued["slug"])
    assert old_method.endswith("#" + old_id)
    directory = _key_dir / issued["slug"]
    assert not (directory / f"{old_id}.pem").exists() and (directory / f"{old_id}.pub.pem").exists()
    assert (directory / f"{new_id}.pem").stat().st_mode & 0o077 == 0
    profile = json.loads(client.get(f"/sertifikat/penerbit/{issued['slug']}").get_data())
    assert {m["id"].rpartition("#")[2] for m in profile["verificationMethod"]} == {old_id, new_id}
    assert independent_verify(client, old_doc)
    with app.test_request_context():
        assert verify_credential(old_doc)
        certificate = db.session.get(Certificate, issued["certificates"][0])
        new_doc = sign_credential(build_credential(certificate), issued["slug"])
    assert new_doc["proof"][0]["verificationMethod"].endswith("#" + new_id)
    assert independent_verify(client, new_doc)


def test_cli_lists_and_rotates_keys(app, issued):  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["badge-keys", "list", "--instansi", issued["slug"]])
    assert listed.exit_code == 0 and listed.output.startswith("* key-") and "z6Mk" in listed.output
    rotated = runner.invoke(args=["badge-keys", "rotate", "--instansi", issued["slug"]])
    assert rotated.exit_code == 0 and "still published" in rotated.output
    listed = runner.invoke(args=["badge-keys", "list", "--instansi", issued["slug"]])
    assert listed.output.count("key-") == 2 and "verify only" in listed.output
    assert runner.invoke(args=["badge-keys", "list", "--instansi", "tidak-ada"]).exit_code != 0


def test_production_refuses_to_sign_without_a_key_directory(app):  # type: ignore[no-untyped-def]
    from elearn.certificates import badge_keys

    app.config["CERTIFICATE_KEY_DIR"] = None
    app.config["ELEARN_ENV"] = "production"
    try:
        with app.app_context(), pytest.raises(RuntimeError, match="ELEARN_CERTIFICATE_KEY_DIR"):
            badge_keys.keyring("kota-lencana")
    finally:
        app.config["ELEARN_ENV"] = "testing"


def test_urls_outside_a_request_are_absolute(app, issued):  # type: ignore[no-untyped-def]
    """A CLI run (backfill, seed-demo) has no request: the URLs inside a signed credential must still
    be absolute (PUBLIC_BASE_URL, else the development address; production refuses)."""
    from elearn.certificates.badges import BadgeError, build_credential, sign_credential, verify_credential
    from elearn.certificates.models import Certificate

    with app.app_context():
        certificate = db.session.get(Certificate, issued["certificates"][0])
        doc = sign_credential(build_credential(certificate), issued["slug"])
        assert doc["issuer"]["id"] == "http://127.0.0.1:5000/sertifikat/penerbit/kota-lencana"
        assert verify_credential(doc)
        app.config["PUBLIC_BASE_URL"] = "https://elearn.kotacontoh.go.id"
        try:
            doc = build_credential(certificate)
            assert doc["credentialStatus"]["statusListCredential"] == \
                "https://elearn.kotacontoh.go.id/sertifikat/status/kota-lencana"
        finally:
            app.config["PUBLIC_BASE_URL"] = None
        app.config["ELEARN_ENV"] = "production"
        try:
            with pytest.raises(BadgeError, match="ELEARN_PUBLIC_BASE_URL"):
                build_credential(certificate)
        finally:
            app.config["ELEARN_ENV"] = "testing"
