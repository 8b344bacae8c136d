"""A throw-away CA and signing certificate for development and tests (never for production).

``flask --app elearn certificates dev-signing-key --instansi SLUG`` writes ``<slug>.p12`` and
``<slug>.passphrase`` where ``signing.signer_for`` finds them in development; the certificate's
subject starts with "DEVELOPMENT ONLY - NOT FOR PRODUCTION" so no reader can mistake it for an
e-seal from a recognised PSrE.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEV_MARK = "DEVELOPMENT ONLY - NOT FOR PRODUCTION"
#: X.520 upper bound of a common name / organisation name
_NAME_MAX = 64


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:_NAME_MAX]),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEV_MARK),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name[:_NAME_MAX]),
    ])


def make_dev_pkcs12(instansi_name: str, passphrase: str, *, key_type: str = "ec",
                    not_before: dt.datetime | None = None, not_after: dt.datetime | None = None,
                    days: int = 730) -> bytes:
    """A PKCS#12 (encrypted with ``passphrase``) holding a fresh signing key, its certificate
    (key usage digitalSignature + nonRepudiation) and the throw-away CA that issued it.
    ``key_type``: "ec" (ECDSA P-256) or "rsa" (RSA-2048)."""
    now = dt.datetime.now(dt.UTC)
    not_before = not_before or now - dt.timedelta(minutes=5)
    not_after = not_after or not_before + dt.timedelta(days=days)

    def new_key() -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
        if key_type == "rsa":
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return ec.generate_private_key(ec.SECP256R1())

    ca_key, leaf_key = new_key(), new_key()
    ca_name = _name(f"{DEV_MARK} CA", instansi_name)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{DEV_MARK} {instansi_name}", instansi_name)).issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"elearn development signing key", leaf_key, leaf, [ca],
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only (0600), atomically (temporary file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def write_dev_key(folder: Path, slug: str, instansi_name: str, *, key_type: str = "ec") -> Path:
    """Write ``<slug>.p12`` and ``<slug>.passphrase`` (both 0600) into ``folder``; the .p12 path."""
    passphrase = secrets.token_urlsafe(24)
    path = folder / f"{slug}.p12"
    write_private(folder / f"{slug}.passphrase", (passphrase + "\n").encode())
    write_private(path, make_dev_pkcs12(instansi_name, passphrase, key_type=key_type))
    return path
