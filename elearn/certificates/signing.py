"""PAdES signing of certificate PDFs with the instansi's signing certificate (an e-seal), and an
offline check of a PDF's signature (the verify upload form).

The one interface the rest of the app uses is ``signer_for(instansi) -> PdfSigner | None``: a
``PdfSigner`` signs PDF bytes and describes itself (``description``). Today it is a PKCS#12 file on
disk (``Pkcs12Signer``); a remote signing service (BSrE through the regional Diskominfo) can replace
it by implementing the same two members: ``signer_for`` is the only place that chooses.
``signer_for`` returns None when the instansi has no signing certificate (the certificate is then
issued unsigned and says so), and raises ``SigningError`` (a message in Bahasa Indonesia) when one is
configured but cannot be used.

Configuration (README: Certificate signing):

- ``ELEARN_CERTIFICATE_SIGNING_DIR`` (``CERTIFICATE_SIGNING_DIR``): a directory holding one
  ``<instansi-slug>.p12`` per instansi that signs. Development and testing default to
  ``instance/certificate-signing`` (where ``flask certificates dev-signing-key`` writes); production
  has no default (nothing is signed until it is set).
- The passphrase of ``<slug>.p12`` comes from the environment variable
  ``ELEARN_CERTIFICATE_SIGNING_PASSPHRASE_<SLUG>`` (the slug upper-cased, ``-`` as ``_``: instansi
  ``kota-contoh`` reads ``ELEARN_CERTIFICATE_SIGNING_PASSPHRASE_KOTA_CONTOH``), or from the app config
  mapping ``CERTIFICATE_SIGNING_PASSPHRASES`` ({slug: passphrase}, for create_app(config)). In
  development and testing only, a file ``<slug>.passphrase`` beside the ``.p12`` is read too (the
  dev key); production never reads a passphrase from a file next to the key.

An instansi counts as configured when its ``.p12`` exists or its passphrase is set; a passphrase
without a file is an error (the file went missing), a file without a passphrase too.

The loaded key is cached per process, keyed by the file's path, mtime, size and a hash of the
passphrase: replacing the file (rotation) is picked up by the next signature without a restart.
Passphrases are never logged nor put in messages.

Speed: pyHanko lays out the PDF side (the incremental update, the signature field, the
``/ByteRange`` digest); the CMS container is assembled from DER parts encoded once when the key is
loaded (the certificates, the signer id, the signed attributes with a fixed-length slot for the
document digest), so each signature costs one digest, one private-key operation and some byte
concatenation, instead of pyHanko's ASN.1 re-encoding of the certificate chain (about 10 ms). The
parts come from pyHanko's own CMS for the same key, and a test checks the two agree byte for byte.
Nothing is fetched over the network: no timestamp server, no OCSP or CRL.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import enum
import hashlib
import io
import logging
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from asn1crypto import cms as asn1_cms
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import current_app
from flask_babel import gettext as _

from ..errors import ServiceError

log = logging.getLogger(__name__)

#: the environment variable naming an instansi's passphrase is this prefix + the slug, upper-cased
PASSPHRASE_ENV_PREFIX = "ELEARN_CERTIFICATE_SIGNING_PASSPHRASE_"
#: the folder in the instance path used in development and testing
DEV_DIR_NAME = "certificate-signing"
#: the signature field of a certificate PDF (invisible: readers show it in their signature panel)
FIELD_NAME = "SertifikatBKPSDM"
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
#: check_pdf refuses larger inputs: a certificate is about 40 KB, at most about 3 MB with a 1 MB
#: background, a 1 MB logo and its fonts; pyHanko parses hostile input at about 1 MB a second
CHECK_MAX_BYTES = 4 * 1024 * 1024
#: check_pdf refuses PDFs with more filled signature fields (a certificate has one): each costs a
#: full validation, and one field listed thousands of times costs seconds per kilobyte
CHECK_MAX_SIGNATURES = 4


class SigningError(ServiceError):
    """A signing certificate is configured but cannot be used; ``message`` says why, in Bahasa
    Indonesia, for the operator (never containing the passphrase)."""

    def __init__(self, message: str, code: str = "signing") -> None:
        super().__init__(message, code)


@dataclass(frozen=True)
class SignerDescription:
    #: the signing certificate's subject (RFC 4514, e.g. "CN=...,O=...")
    subject: str
    #: its common name alone (what a PDF reader shows as the signer)
    common_name: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    #: sha256 of the certificate (DER), hex
    fingerprint: str


@runtime_checkable
class PdfSigner(Protocol):
    """Signs a certificate PDF for one instansi (PAdES). Implementations: ``Pkcs12Signer`` (a key
    file on this machine); later a remote signing service."""

    @property
    def description(self) -> SignerDescription: ...

    def sign(self, pdf: bytes) -> bytes:
        """The PDF with the instansi's signature added (an incremental update covering the whole
        input). Raises SigningError when the certificate cannot be used (e.g. it expired)."""
        ...


# --- configuration -----------------------------------------------------------------------------------


def _development() -> bool:
    return current_app.config.get("ELEARN_ENV") in ("development", "testing")


def signing_dir() -> Path | None:
    """The folder holding ``<slug>.p12`` files, or None (production without the setting)."""
    configured = current_app.config.get("CERTIFICATE_SIGNING_DIR")
    if configured:
        return Path(configured)
    if _development():
        return Path(current_app.instance_path) / DEV_DIR_NAME
    return None


def passphrase_env_name(slug: str) -> str:
    return PASSPHRASE_ENV_PREFIX + slug.upper().replace("-", "_")


def _passphrase(slug: str, folder: Path) -> str | None:
    mapping = current_app.config.get("CERTIFICATE_SIGNING_PASSPHRASES") or {}
    if slug in mapping:
        return str(mapping[slug])
    value = os.environ.get(passphrase_env_name(slug))
    if value:
        return value
    if _development():
        path = folder / f"{slug}.passphrase"
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError:
            return None
    return None


def _slug_of(instansi: Any) -> tuple[str, str]:
    if isinstance(instansi, str):
        return instansi, instansi
    return instansi.slug, getattr(instansi, "name", instansi.slug)


def signer_for(instansi: Any) -> PdfSigner | None:
    """The signer of an instansi (an ``Instansi`` or its slug), or None when it has no signing
    certificate. Raises SigningError when one is configured but unusable (file unreadable, wrong or
    missing passphrase, certificate expired or not yet valid, key unusable)."""
    slug, name = _slug_of(instansi)
    material = _material(slug)
    if material is None:
        return None
    check_validity(material.cert, slug)
    return Pkcs12Signer(material, reason=SIGNATURE_REASON.format(instansi=name), location=name)


def _material(slug: str) -> KeyMaterial | None:
    """The instansi's loaded key (cached per process), without the validity-period check."""
    folder = signing_dir()
    if folder is None or not _SLUG.fullmatch(slug):  # a slug names a file: never a path
        return None
    path = folder / f"{slug}.p12"
    passphrase = _passphrase(slug, folder)
    try:
        stat = path.stat()
    except FileNotFoundError:
        if passphrase is None:
            return None
        raise SigningError(_("Berkas sertifikat penanda tangan %(path)s tidak ditemukan, padahal kata sandinya "
                             "diatur. Pasang berkas PKCS#12 instansi di sana atau hapus pengaturan kata "
                             "sandinya.", path=str(path)), "signing_file_missing") from None
    except OSError as exc:
        raise SigningError(_("Berkas sertifikat penanda tangan %(path)s tidak dapat dibaca (%(error)s).",
                             path=str(path), error=exc.strerror or exc.__class__.__name__),
                           "signing_file_unreadable") from None
    if passphrase is None:
        raise SigningError(_("Kata sandi sertifikat penanda tangan instansi %(slug)s belum diatur. Isi variabel "
                             "lingkungan %(env)s.", slug=slug, env=passphrase_env_name(slug)),
                           "signing_passphrase_missing")
    key = (str(path), stat.st_mtime_ns, stat.st_size, hashlib.sha256(passphrase.encode()).hexdigest())
    with _cache_lock:
        material = _cache.get(str(path))
        if material is None or material[0] != key:
            material = (key, load_pkcs12(path, passphrase, slug=slug))  # raises: nothing cached
            _cache[str(path)] = material
    return material[1]


_cache: dict[str, tuple[tuple[Any, ...], KeyMaterial]] = {}
_cache_lock = threading.Lock()

#: the signature's /Reason: part of the signed document, in Bahasa Indonesia like the certificate
SIGNATURE_REASON = "Sertifikat penyelesaian pelatihan, diterbitkan oleh {instansi}"


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


# --- loading a PKCS#12 file --------------------------------------------------------------------------


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def check_validity(cert: x509.Certificate, slug: str, now: dt.datetime | None = None) -> None:
    now = now or dt.datetime.now(dt.UTC)
    if now >= cert.not_valid_after_utc:
        raise SigningError(_("Sertifikat penanda tangan instansi %(slug)s sudah kedaluwarsa sejak %(date)s. "
                             "Pasang sertifikat baru dari PSrE.", slug=slug,
                             date=cert.not_valid_after_utc.strftime("%Y-%m-%d %H:%M UTC")), "signing_expired")
    if now < cert.not_valid_before_utc:
        raise SigningError(_("Sertifikat penanda tangan instansi %(slug)s belum berlaku (berlaku mulai %(date)s).",
                             slug=slug, date=cert.not_valid_before_utc.strftime("%Y-%m-%d %H:%M UTC")),
                           "signing_not_yet_valid")


def load_pkcs12(path: Path, passphrase: str, *, slug: str) -> KeyMaterial:
    """Read and check a PKCS#12 file; every failure is a SigningError saying what to fix. The
    validity period is checked by the caller (at every signature: a cached key can expire)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(_("Berkas sertifikat penanda tangan %(path)s tidak dapat dibaca (%(error)s).",
                             path=str(path), error=exc.strerror or exc.__class__.__name__),
                           "signing_file_unreadable") from None
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase.encode("utf-8"))
    except ValueError:
        if _is_pkcs12(data):
            log.warning("certificate signing: wrong passphrase for %s", path)  # never the passphrase itself
            raise SigningError(_("Kata sandi sertifikat penanda tangan instansi %(slug)s salah (berkas %(path)s). "
                                 "Periksa variabel lingkungan %(env)s.", slug=slug, path=str(path),
                                 env=passphrase_env_name(slug)), "signing_wrong_passphrase") from None
        raise SigningError(_("Berkas %(path)s bukan berkas PKCS#12 (.p12/.pfx) yang sah.", path=str(path)),
                           "signing_file_unreadable") from None
    if cert is None or key is None:
        raise SigningError(_("Berkas %(path)s tidak berisi kunci privat beserta sertifikatnya.", path=str(path)),
                           "signing_key_unusable")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningError(_("Kunci di berkas %(path)s tidak dapat dipakai: hanya kunci RSA atau ECDSA yang "
                             "didukung.", path=str(path)), "signing_key_unusable")
    if key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) \
            != cert.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo):
        raise SigningError(_("Kunci privat di berkas %(path)s bukan pasangan sertifikatnya.", path=str(path)),
                           "signing_key_unusable")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            raise SigningError(_("Sertifikat di berkas %(path)s tidak boleh dipakai untuk tanda tangan (key usage "
                                 "tanpa digitalSignature/nonRepudiation).", path=str(path)), "signing_key_unusable")
    except x509.ExtensionNotFound:
        pass
    return KeyMaterial(key, cert, [c for c in extra if c is not None], slug=slug)


def _is_pkcs12(data: bytes) -> bool:
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native in ("data", "signed_data")
    except Exception:  # noqa: BLE001 - any parse failure means "not a PKCS#12 structure"
        return False


# --- the CMS container, assembled from parts encoded once --------------------------------------------


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


_PLACEHOLDER_DIGEST = bytes.fromhex("5a" * 32)
_SIGNED_DATA_OID = bytes.fromhex("06092a864886f70d010702")


class KeyMaterial:
    """A loaded signing key with its certificates and the pre-encoded parts of its CMS container."""

    def __init__(self, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, cert: x509.Certificate,
                 chain: list[x509.Certificate], slug: str) -> None:
        self.key = key
        self.cert = cert
        self.chain = chain
        self.slug = slug
        self.description = SignerDescription(
            subject=cert.subject.rfc4514_string(),
            common_name=_common_name(cert.subject) or cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            serial=format(cert.serial_number, "x"),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            fingerprint=hashlib.sha256(_der(cert)).hexdigest(),
        )
        from pyhanko.sign import fields, signers
        from pyhanko.sign.fields import SigSeedSubFilter

        self.pyhanko_signer = signers.SimpleSigner.load_pkcs12_data(
            pkcs12.serialize_key_and_certificates(None, key, cert, chain or None, serialization.NoEncryption()),
            other_certs=[],
        )
        self._field_spec = fields.SigFieldSpec(FIELD_NAME)
        self._subfilter = SigSeedSubFilter.PADES
        self._prepare_template()

    def _prepare_template(self) -> None:
        """pyHanko's own CMS for a placeholder digest, cut into constant DER parts."""
        template = _run(self.pyhanko_signer.async_sign(_PLACEHOLDER_DIGEST, "sha256", use_pades=True))
        parsed = asn1_cms.ContentInfo.load(template.dump())
        signed_data = parsed["content"]
        signer_info = signed_data["signer_infos"][0]
        attrs = signer_info["signed_attrs"].dump()  # [0] IMPLICIT SET OF Attribute
        offset = attrs.find(_PLACEHOLDER_DIGEST)
        if offset < 0 or attrs.find(_PLACEHOLDER_DIGEST, offset + 1) >= 0:
            raise SigningError(_("Kunci di berkas sertifikat instansi %(slug)s tidak dapat dipakai.", slug=self.slug),
                               "signing_key_unusable")
        self._attrs_head, self._attrs_tail = attrs[:offset], attrs[offset + len(_PLACEHOLDER_DIGEST):]
        self._version = signed_data["version"].dump()
        self._digest_algorithms = signed_data["digest_algorithms"].dump()
        self._encap = signed_data["encap_content_info"].dump()
        self._certificates = signed_data["certificates"].dump()
        self._si_version = signer_info["version"].dump()
        self._sid = signer_info["sid"].dump()
        self._si_digest_algorithm = signer_info["digest_algorithm"].dump()
        self._si_signature_algorithm = signer_info["signature_algorithm"].dump()
        self._mechanism = signer_info["signature_algorithm"]["algorithm"].native
        if self._mechanism not in ("sha256_rsa", "sha256_ecdsa"):
            raise SigningError(_("Kunci di berkas sertifikat instansi %(slug)s tidak dapat dipakai (algoritme "
                                 "%(algorithm)s tidak didukung).", slug=self.slug, algorithm=self._mechanism),
                               "signing_key_unusable")
        # hex in /Contents: twice the DER, with room for the longest signature value
        longest = self.cms(_PLACEHOLDER_DIGEST, signature=b"\0" * 600)
        self.bytes_reserved = 2 * len(longest) + 64

    def raw_sign(self, data: bytes) -> bytes:
        if isinstance(self.key, rsa.RSAPrivateKey):
            return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))

    def cms(self, document_digest: bytes, *, signature: bytes | None = None) -> bytes:
        """The DER of a CMS SignedData (PAdES baseline B-B: content-type, message-digest and
        signing-certificate-v2 signed; no signing time, which is the signature dictionary's /M)."""
        if len(document_digest) != len(_PLACEHOLDER_DIGEST):
            raise ValueError("a SHA-256 digest is 32 bytes")
        attrs = self._attrs_head + document_digest + self._attrs_tail
        if signature is None:
            # the signature is over the attributes as a SET OF (tag 0x31), not the [0] they are stored as
            signature = self.raw_sign(b"\x31" + attrs[1:])
        signer_info = _tlv(0x30, self._si_version + self._sid + self._si_digest_algorithm + attrs
                           + self._si_signature_algorithm + _tlv(0x04, signature))
        signed_data = _tlv(0x30, self._version + self._digest_algorithms + self._encap + self._certificates
                           + _tlv(0x31, signer_info))
        return _tlv(0x30, _SIGNED_DATA_OID + _tlv(0xA0, signed_data))

    def pdf_signer(self, reason: str, location: str) -> Any:
        from pyhanko.sign import signers

        meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, subfilter=self._subfilter, md_algorithm="sha256",
                                            reason=reason, location=location)
        return signers.PdfSigner(meta, signer=self.pyhanko_signer, new_field_spec=self._field_spec)


def _common_name(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    return str(values[0].value) if values else None


class Pkcs12Signer:
    """A ``PdfSigner`` over a key loaded from a PKCS#12 file (shared, cached per process)."""

    def __init__(self, material: KeyMaterial, *, reason: str, location: str) -> None:
        self._material = material
        self.reason = reason
        self.location = location

    @property
    def description(self) -> SignerDescription:
        return self._material.description

    @property
    def certificate(self) -> x509.Certificate:
        return self._material.cert

    @property
    def chain(self) -> list[x509.Certificate]:
        return list(self._material.chain)

    def sign(self, pdf: bytes) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign.signers.pdf_signer import PdfTBSDocument

        material = self._material
        check_validity(material.cert, material.slug)
        pdf_signer = material.pdf_signer(self.reason, self.location)
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        prepared, _tbs, output = _run(
            pdf_signer.async_digest_doc_for_signing(writer, bytes_reserved=material.bytes_reserved))
        PdfTBSDocument.resume_signing(output, prepared, material.cms(prepared.document_digest))
        return output.getvalue()


def _run(coroutine: Any) -> Any:
    """Run one of pyHanko's coroutines to its end. In a thread whose event loop is already running
    (an async server, a Playwright test) ``asyncio.run`` is refused: run it in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# --- checking a PDF (offline) ------------------------------------------------------------------------


class PdfStatus(enum.StrEnum):
    #: signed, the signature is intact and covers the whole file
    INTACT = "intact"
    #: the signature is intact but the file was changed after signing (an incremental update)
    MODIFIED = "modified"
    #: a signature does not match the bytes it covers: the file was altered
    BROKEN = "broken"
    UNSIGNED = "unsigned"
    NOT_PDF = "not_pdf"
    TOO_LARGE = "too_large"
    #: starts like a PDF but cannot be read
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    intact: bool
    #: the signature covers the whole file (nothing appended after signing)
    covers_whole_file: bool
    #: the signer's certificate chains to one of the trusted certificates (ours)
    trusted: bool
    signer_subject: str | None
    signer_common_name: str | None
    signer_fingerprint: str | None
    signed_at: dt.datetime | None


@dataclass(frozen=True)
class PdfCheck:
    status: PdfStatus
    #: sha256 of the bytes as given (None for inputs over the limit, which are not read)
    sha256: str | None
    signatures: tuple[SignatureCheck, ...] = ()

    @property
    def signature(self) -> SignatureCheck | None:
        """The last signature (the one covering the most)."""
        return self.signatures[-1] if self.signatures else None

    @property
    def intact(self) -> bool:
        return self.status == PdfStatus.INTACT


def check_pdf(data: bytes, *, trusted: Iterable[x509.Certificate] = (),
              max_bytes: int = CHECK_MAX_BYTES) -> PdfCheck:
    """Parse a PDF safely (size-bounded, magic bytes, parse errors caught) and check its embedded
    signatures offline: integrity, whether the last one covers the whole file, the signer, and
    whether the signer chains to one of ``trusted`` (e.g. ``known_certificates()``)."""
    if len(data) > max_bytes:
        return PdfCheck(PdfStatus.TOO_LARGE, None)
    digest = hashlib.sha256(data).hexdigest()
    if not data.startswith(b"%PDF-"):
        return PdfCheck(PdfStatus.NOT_PDF, digest)
    from pyhanko.pdf_utils.decode_limits import DecodeLimits
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = [asn1_x509.Certificate.load(_der(c)) for c in trusted]
    try:
        # pyHanko's limits for untrusted input bound how far compressed streams may expand
        reader = PdfFileReader(io.BytesIO(data), strict=False, decode_limits=DecodeLimits.for_untrusted_input())
        if _too_many_signatures(reader):
            log.info("check_pdf: more than %s signatures, not checked", CHECK_MAX_SIGNATURES)
            return PdfCheck(PdfStatus.UNREADABLE, digest)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # noqa: BLE001 - hostile input: any parser failure means "unreadable"
        log.info("check_pdf: unreadable PDF (%s: %s)", exc.__class__.__name__, exc)
        return PdfCheck(PdfStatus.UNREADABLE, digest)
    if not embedded:
        return PdfCheck(PdfStatus.UNSIGNED, digest)
    results = []
    for sig in embedded:
        results.append(_check_signature(sig, roots, ValidationContext, validate_pdf_signature))
    if any(not r.intact for r in results):
        status = PdfStatus.BROKEN
    elif not results[-1].covers_whole_file:
        status = PdfStatus.MODIFIED
    else:
        status = PdfStatus.INTACT
    return PdfCheck(status, digest, tuple(results))


def _too_many_signatures(reader: Any) -> bool:
    """Whether the PDF has more than CHECK_MAX_SIGNATURES filled signature fields (counting stops
    there: the same field listed a million times costs nothing more)."""
    from itertools import islice

    from pyhanko.sign.fields import enumerate_sig_fields

    found = islice(enumerate_sig_fields(reader, filled_status=True), CHECK_MAX_SIGNATURES + 1)
    return sum(1 for _ in found) > CHECK_MAX_SIGNATURES


def _check_signature(sig: Any, roots: list[Any], context_class: Any, validate: Any) -> SignatureCheck:
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    field = str(sig.field_name)
    signer_subject = common_name = fingerprint = None
    try:
        der = sig.signer_cert.dump()
        subject = x509.load_der_x509_certificate(der).subject
        signer_subject, common_name = subject.rfc4514_string(), _common_name(subject)
        fingerprint = hashlib.sha256(der).hexdigest()
    except Exception:  # noqa: BLE001 - a signature without a readable certificate is simply broken
        pass
    try:
        # Offline: fetching off, so revocation is not checked (soft-fail). Trust is judged at the
        # time the PDF says it was signed (/M), so a certificate signed before our signing
        # certificate expired (or was rotated out) still chains; an e-seal may carry either key usage.
        moment = sig.self_reported_timestamp
        context = context_class(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail",
                                moment=moment, retroactive_revinfo=True)
        usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
        # no difference analysis of later revisions (costly on hostile input): the coverage says
        # whether anything was appended after signing, which is all the verify form needs
        status = validate(sig, context, key_usage_settings=usage, skip_diff=True)
    except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        log.info("check_pdf: signature %s cannot be validated (%s)", field, exc.__class__.__name__)
        return SignatureCheck(field, False, False, False, signer_subject, common_name, fingerprint, None)
    except Exception as exc:  # noqa: BLE001 - hostile input
        log.info("check_pdf: signature %s cannot be validated (%s: %s)", field, exc.__class__.__name__, exc)
        return SignatureCheck(field, False, False, False, signer_subject, common_name, fingerprint, None)
    return SignatureCheck(
        field=field,
        intact=bool(status.intact and status.valid),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        trusted=bool(status.trusted),
        signer_subject=signer_subject,
        signer_common_name=common_name,
        signer_fingerprint=fingerprint,
        signed_at=status.signer_reported_dt,
    )


def known_certificates() -> list[x509.Certificate]:
    """The signing certificates (and their chains) of every instansi whose key this installation
    can load (expired ones included): the trust anchors for ``check_pdf``. Instansi whose key fails
    to load are skipped (logged). A rotated-out certificate is not in any .p12 any more: keep it as
    ``<slug>-<year>.pem`` (certificate only, no key) in the signing folder to keep recognising PDFs
    it signed."""
    folder = signing_dir()
    if folder is None or not folder.is_dir():
        return []
    found: list[x509.Certificate] = []
    for path in sorted(folder.glob("*.p12")):
        try:
            material = _material(path.stem)
        except SigningError as exc:
            log.warning("certificate signing: %s skipped for verification: %s", path.name, exc.code)
            continue
        if material is not None:  # expired keys too: PDFs they signed while valid stay ours
            found.append(material.cert)
            found.extend(material.chain)
    for path in sorted(folder.glob("*.pem")):
        try:
            found.extend(x509.load_pem_x509_certificates(path.read_bytes()))
        except (OSError, ValueError):
            log.warning("certificate signing: %s is not a PEM certificate file", path.name)
    return found


def signer_fingerprints(certificates: Iterable[x509.Certificate]) -> set[str]:
    """sha256 (hex, DER) of the end-entity certificates among ``certificates`` (those that are not
    a CA): the signers a PDF must be signed by to be ours. A CA in the chain certifies other
    organisations too, so chaining to it alone does not make a signature ours."""
    found = set()
    for cert in certificates:
        try:
            is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            found.add(hashlib.sha256(_der(cert)).hexdigest())
    return found
