"""PAdES signing of certificate PDFs (elearn/certificates/signing.py) and the offline PDF check."""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import Flask
from pyhanko.pdf_utils.generic import pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from elearn.certificates import signing
from elearn.certificates.dev_signing import DEV_MARK, make_dev_pkcs12, write_dev_key, write_private
from elearn.certificates.signing import (
    KeyMaterial,
    PdfSigner,
    PdfStatus,
    SigningError,
    check_pdf,
    known_certificates,
    passphrase_env_name,
    signer_for,
)

PASSPHRASE = "rahasia-uji-123"


@pytest.fixture
def signing_dir(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """A fresh signing folder for one test (and no passphrases configured)."""
    saved = {k: app.config.get(k) for k in ("CERTIFICATE_SIGNING_DIR", "CERTIFICATE_SIGNING_PASSPHRASES", "ELEARN_ENV")}
    folder = tmp_path / "signing"
    folder.mkdir()
    app.config["CERTIFICATE_SIGNING_DIR"] = str(folder)
    app.config["CERTIFICATE_SIGNING_PASSPHRASES"] = {}
    signing.clear_cache()
    try:
        yield folder
    finally:
        app.config.update(saved)
        signing.clear_cache()


def small_pdf(text: str = "Sertifikat penyelesaian") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=landscape(A4), pageCompression=0)  # readable text to flip
    page.setFont("Helvetica", 14)
    for line in range(20):
        page.drawString(72, 500 - 20 * line, f"{text} - baris {line}")
    page.showPage()
    page.save()
    return buffer.getvalue()


def install(app: Flask, folder: Path, slug: str, p12: bytes, passphrase: str | None = PASSPHRASE) -> Path:
    path = folder / f"{slug}.p12"
    write_private(path, p12)
    if passphrase is not None:
        app.config["CERTIFICATE_SIGNING_PASSPHRASES"][slug] = passphrase
    return path


def ca_of(p12: bytes, passphrase: str = PASSPHRASE) -> asn1_x509.Certificate:
    _key, _cert, extra = pkcs12.load_key_and_certificates(p12, passphrase.encode())
    return asn1_x509.Certificate.load(extra[0].public_bytes(serialization.Encoding.DER))


def only_signature(data: bytes):  # type: ignore[no-untyped-def]
    signatures = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert len(signatures) == 1
    return signatures[0]


def signing_error(app: Flask, slug: str) -> SigningError:
    with app.app_context(), pytest.raises(SigningError) as caught:
        signer_for(slug)
    return caught.value


# --- signing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_signed_pdf_validates_intact_over_the_whole_file(app: Flask, signing_dir: Path, key_type: str) -> None:
    p12 = make_dev_pkcs12("Pemerintah Kota Contoh", PASSPHRASE, key_type=key_type)
    install(app, signing_dir, "kota-contoh", p12)
    pdf = small_pdf()
    with app.app_context():
        signer = signer_for("kota-contoh")
        assert signer is not None and isinstance(signer, PdfSigner)
        signed = signer.sign(pdf)
        assert DEV_MARK in signer.description.subject and "O=Pemerintah Kota Contoh" in signer.description.subject
        assert signer.description.common_name == f"{DEV_MARK} Pemerintah Kota Contoh"
        assert signer.description.not_after > dt.datetime.now(dt.UTC) + dt.timedelta(days=700)
        trusted = known_certificates()

    assert signed.startswith(pdf)  # an incremental update: the original bytes are untouched
    sig = only_signature(signed)
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert str(sig.sig_object["/Reason"]).startswith("Sertifikat penyelesaian")
    assert str(sig.sig_object["/Location"]) == "kota-contoh"
    # PAdES baseline: no signing-time attribute in the CMS (the time is /M), signing-certificate-v2 present
    attributes = {a["type"].native for a in sig.signer_info["signed_attrs"]}
    assert attributes == {"content_type", "message_digest", "signing_certificate_v2"}
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[ca_of(p12)], allow_fetching=False))
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.bottom_line

    check = check_pdf(signed, trusted=trusted)
    assert check.status == PdfStatus.INTACT and check.intact
    assert check.signature is not None and check.signature.trusted and check.signature.covers_whole_file
    assert check.signature.signer_common_name == f"{DEV_MARK} Pemerintah Kota Contoh"
    assert check.sha256 == hashlib.sha256(signed).hexdigest()


def test_signer_uses_the_instansi_name_for_reason_and_location(app: Flask, signing_dir: Path,
                                                               make_instansi) -> None:  # type: ignore[no-untyped-def]
    instansi = make_instansi(name="Pemerintah Kabupaten Uji Tanda Tangan")
    install(app, signing_dir, instansi.slug, make_dev_pkcs12(instansi.name, PASSPHRASE))
    with app.app_context():
        signer = signer_for(instansi)
        assert signer is not None
        signed = signer.sign(small_pdf())
    sig = only_signature(signed)
    assert str(sig.sig_object["/Reason"]) == \
        "Sertifikat penyelesaian pelatihan, diterbitkan oleh Pemerintah Kabupaten Uji Tanda Tangan"
    assert str(sig.sig_object["/Location"]) == "Pemerintah Kabupaten Uji Tanda Tangan"


def test_flipping_one_signed_byte_breaks_the_signature(app: Flask, signing_dir: Path) -> None:
    p12 = make_dev_pkcs12("Kota Contoh", PASSPHRASE)
    install(app, signing_dir, "kota-contoh", p12)
    pdf = small_pdf("Nama: Siti Nur'aini")
    with app.app_context():
        signer = signer_for("kota-contoh")
        assert signer is not None
        signed = signer.sign(pdf)
        trusted = known_certificates()
    byte_range = list(only_signature(signed).sig_object["/ByteRange"])
    position = signed.index(b"Siti")  # inside the first signed range, in the page content
    assert position < byte_range[1]
    tampered = bytearray(signed)
    tampered[position] ^= 0x01  # "Siti" -> "Riti"
    tampered_bytes = bytes(tampered)

    status = validate_pdf_signature(only_signature(tampered_bytes),
                                    ValidationContext(trust_roots=[ca_of(p12)], allow_fetching=False))
    assert not status.intact and not status.bottom_line
    check = check_pdf(tampered_bytes, trusted=trusted)
    assert check.status == PdfStatus.BROKEN and not check.intact
    assert check.signature is not None and not check.signature.intact


def test_a_change_appended_after_signing_is_reported(app: Flask, signing_dir: Path) -> None:
    install(app, signing_dir, "kota-contoh", make_dev_pkcs12("Kota Contoh", PASSPHRASE))
    with app.app_context():
        signer = signer_for("kota-contoh")
        assert signer is not None
        signed = signer.sign(small_pdf())
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = pdf_string("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    check = check_pdf(out.getvalue())
    assert check.status == PdfStatus.MODIFIED
    assert check.signature is not None and check.signature.intact and not check.signature.covers_whole_file


def test_fast_cms_is_the_cms_pyhanko_builds(app: Flask) -> None:
    """The CMS assembled from pre-encoded parts equals pyHanko's own for the same digest (RSA
    PKCS#1 v1.5 signatures are deterministic, so even the signature value is compared)."""
    p12 = make_dev_pkcs12("Kota Contoh", PASSPHRASE, key_type="rsa")
    key, cert, extra = pkcs12.load_key_and_certificates(p12, PASSPHRASE.encode())
    assert key is not None and cert is not None
    with app.app_context():
        material = KeyMaterial(key, cert, list(extra), slug="kota-contoh")  # type: ignore[arg-type]
    digest = bytes(range(32))
    ours = asn1_cms.ContentInfo.load(material.cms(digest))
    theirs = asyncio.run(material.pyhanko_signer.async_sign(digest, "sha256", use_pades=True))
    assert ours.native == theirs.native
    ours_info, theirs_info = ours["content"]["signer_infos"][0], theirs["content"]["signer_infos"][0]
    assert ours_info["signed_attrs"].dump() == theirs_info["signed_attrs"].dump()
    assert ours_info["signature"].native == theirs_info["signature"].native
    assert len(material.cms(digest)) * 2 <= material.bytes_reserved


# --- configuration and bad input --------------------------------------------------------------------


def test_no_certificate_configured_gives_no_signer(app: Flask, signing_dir: Path) -> None:
    with app.app_context():
        assert signer_for("kota-tanpa-kunci") is None
    app.config["CERTIFICATE_SIGNING_DIR"] = str(signing_dir / "does-not-exist")
    with app.app_context():
        assert signer_for("kota-tanpa-kunci") is None
    # production without ELEARN_CERTIFICATE_SIGNING_DIR signs nothing (and never looks in the instance folder)
    app.config["CERTIFICATE_SIGNING_DIR"] = None
    app.config["ELEARN_ENV"] = "production"
    with app.app_context():
        assert signing.signing_dir() is None
        assert signer_for("kota-contoh") is None
        assert known_certificates() == []


def test_missing_file_with_a_passphrase_set(app: Flask, signing_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(passphrase_env_name("kab-hilang"), PASSPHRASE)
    assert passphrase_env_name("kab-hilang") == "ELEARN_CERTIFICATE_SIGNING_PASSPHRASE_KAB_HILANG"
    error = signing_error(app, "kab-hilang")
    assert error.code == "signing_file_missing"
    assert "tidak ditemukan" in error.message and "kab-hilang.p12" in error.message
    assert PASSPHRASE not in error.message


def test_unreadable_and_non_pkcs12_files(app: Flask, signing_dir: Path) -> None:
    install(app, signing_dir, "kota-rusak", b"this is not a PKCS#12 file at all")
    error = signing_error(app, "kota-rusak")
    assert error.code == "signing_file_unreadable" and "bukan berkas PKCS#12" in error.message

    if os.geteuid() != 0:  # root reads any file
        path = install(app, signing_dir, "kota-terkunci", make_dev_pkcs12("Kota", PASSPHRASE))
        path.chmod(0)
        error = signing_error(app, "kota-terkunci")
        assert error.code == "signing_file_unreadable" and "tidak dapat dibaca" in error.message


def test_wrong_passphrase(app: Flask, signing_dir: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    install(app, signing_dir, "kota-contoh", make_dev_pkcs12("Kota Contoh", PASSPHRASE), passphrase="tebakan-salah")
    with caplog.at_level(logging.DEBUG):
        error = signing_error(app, "kota-contoh")
    assert error.code == "signing_wrong_passphrase"
    assert "salah" in error.message and "ELEARN_CERTIFICATE_SIGNING_PASSPHRASE_KOTA_CONTOH" in error.message
    assert "tebakan-salah" not in error.message and "tebakan-salah" not in caplog.text
    assert PASSPHRASE not in caplog.text


def test_missing_passphrase(app: Flask, signing_dir: Path) -> None:
    install(app, signing_dir, "kota-contoh", make_dev_pkcs12("Kota Contoh", PASSPHRASE), passphrase=None)
    error = signing_error(app, "kota-contoh")
    assert error.code == "signing_passphrase_missing"
    assert "belum diatur" in error.message and "ELEARN_CERTIFICATE_SIGNING_PASSPHRASE_KOTA_CONTOH" in error.message


def test_passphrase_from_the_environment(app: Flask, signing_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    install(app, signing_dir, "kab-lingkungan", make_dev_pkcs12("Kab", PASSPHRASE), passphrase=None)
    monkeypatch.setenv("ELEARN_CERTIFICATE_SIGNING_PASSPHRASE_KAB_LINGKUNGAN", PASSPHRASE)
    with app.app_context():
        assert signer_for("kab-lingkungan") is not None


def test_production_never_reads_a_passphrase_file(app: Flask, signing_dir: Path) -> None:
    with app.app_context():
        write_dev_key(signing_dir, "kota-contoh", "Kota Contoh")
        assert signer_for("kota-contoh") is not None  # development: the .passphrase file beside it
    signing.clear_cache()
    app.config["ELEARN_ENV"] = "production"
    error = signing_error(app, "kota-contoh")
    assert error.code == "signing_passphrase_missing"


def test_expired_and_not_yet_valid_certificates(app: Flask, signing_dir: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    expired = make_dev_pkcs12("Kota Lama", PASSPHRASE, not_before=now - dt.timedelta(days=800),
                              not_after=now - dt.timedelta(days=1))
    install(app, signing_dir, "kota-lama", expired)
    error = signing_error(app, "kota-lama")
    assert error.code == "signing_expired" and "kedaluwarsa" in error.message

    future = make_dev_pkcs12("Kota Baru", PASSPHRASE, not_before=now + dt.timedelta(days=3),
                             not_after=now + dt.timedelta(days=400))
    install(app, signing_dir, "kota-baru", future)
    error = signing_error(app, "kota-baru")
    assert error.code == "signing_not_yet_valid" and "belum berlaku" in error.message


def test_a_cached_key_that_expires_refuses_to_sign(app: Flask, signing_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    install(app, signing_dir, "kota-contoh", make_dev_pkcs12("Kota Contoh", PASSPHRASE, days=30))
    with app.app_context():
        signer = signer_for("kota-contoh")
        assert signer is not None
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
        real = signing.check_validity
        monkeypatch.setattr(signing, "check_validity", lambda cert, slug, now=None: real(cert, slug, later))
        with pytest.raises(SigningError) as caught:
            signer.sign(small_pdf())
    assert caught.value.code == "signing_expired"


def test_key_is_cached_per_file_and_reloaded_when_replaced(app: Flask, signing_dir: Path) -> None:
    path = install(app, signing_dir, "kota-contoh", make_dev_pkcs12("Kota Contoh", PASSPHRASE))
    with app.app_context():
        first, again = signer_for("kota-contoh"), signer_for("kota-contoh")
        assert first is not None and again is not None
        assert first._material is again._material  # type: ignore[attr-defined]
        # rotation: a new file (another mtime) is loaded by the next call, no restart
        write_private(path, make_dev_pkcs12("Kota Contoh", PASSPHRASE))
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
        rotated = signer_for("kota-contoh")
        assert rotated is not None
        assert rotated.description.fingerprint != first.description.fingerprint


def test_key_without_signing_key_usage_is_refused(app: Flask, signing_dir: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Kunci enkripsi saja")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=True, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(None, key, cert, None,
                                                serialization.BestAvailableEncryption(PASSPHRASE.encode()))
    install(app, signing_dir, "kota-enkripsi", p12)
    error = signing_error(app, "kota-enkripsi")
    assert error.code == "signing_key_unusable" and "tanda tangan" in error.message


# --- the dev-signing-key command --------------------------------------------------------------------


def test_dev_signing_key_writes_a_usable_key_and_refuses_to_overwrite(app: Flask, signing_dir: Path,
                                                                      make_instansi) -> None:  # type: ignore[no-untyped-def]
    instansi = make_instansi(name="Pemerintah Kota Pengembangan")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "dev-signing-key", "--instansi", instansi.slug])
    assert result.exit_code == 0, result.output
    assert "NOT FOR PRODUCTION" in result.output
    p12_path = signing_dir / f"{instansi.slug}.p12"
    passphrase_path = signing_dir / f"{instansi.slug}.passphrase"
    assert stat.S_IMODE(p12_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(passphrase_path.stat().st_mode) == 0o600
    assert passphrase_path.read_text().strip() not in result.output
    with app.app_context():
        signer = signer_for(instansi)
        assert signer is not None
        assert signer.description.common_name.startswith(DEV_MARK)
        first = signer.description.fingerprint
        signed = signer.sign(small_pdf())
        trusted = known_certificates()
    assert check_pdf(signed, trusted=trusted).status == PdfStatus.INTACT

    again = runner.invoke(args=["certificates", "dev-signing-key", "--instansi", instansi.slug])
    assert again.exit_code != 0 and "--force" in again.output
    with app.app_context():
        assert signer_for(instansi).description.fingerprint == first  # type: ignore[union-attr]

    forced = runner.invoke(args=["certificates", "dev-signing-key", "--instansi", instansi.slug, "--force",
                                 "--key-type", "rsa"])
    assert forced.exit_code == 0, forced.output
    with app.app_context():
        replaced = signer_for(instansi)
        assert replaced is not None and replaced.description.fingerprint != first


def test_dev_signing_key_refuses_production_and_unknown_instansi(app: Flask, signing_dir: Path,
                                                                 make_instansi) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["certificates", "dev-signing-key", "--instansi", "tidak-ada"])
    assert unknown.exit_code != 0 and "no instansi" in unknown.output
    instansi = make_instansi()
    app.config["ELEARN_ENV"] = "production"
    refused = runner.invoke(args=["certificates", "dev-signing-key", "--instansi", instansi.slug])
    assert refused.exit_code != 0 and "ELEARN_ENV=development" in refused.output
    assert not (signing_dir / f"{instansi.slug}.p12").exists()


# --- check_pdf on bad input -------------------------------------------------------------------------


def test_check_pdf_rejects_non_pdf_oversized_and_unreadable_input() -> None:
    assert check_pdf(b"PK\x03\x04 a zip file, not a PDF").status == PdfStatus.NOT_PDF
    assert check_pdf(b"").status == PdfStatus.NOT_PDF
    big = b"%PDF-1.7\n" + b"0" * signing.CHECK_MAX_BYTES
    result = check_pdf(big)
    assert result.status == PdfStatus.TOO_LARGE and result.sha256 is None
    assert check_pdf(small_pdf(), max_bytes=100).status == PdfStatus.TOO_LARGE
    assert check_pdf(b"%PDF-1.7\n garbage without any structure \x00\xff").status == PdfStatus.UNREADABLE
    truncated = small_pdf()[:400]
    assert check_pdf(truncated).status == PdfStatus.UNREADABLE


def test_check_pdf_on_an_unsigned_pdf() -> None:
    result = check_pdf(small_pdf())
    assert result.status == PdfStatus.UNSIGNED and result.signature is None and result.sha256


def test_check_pdf_without_trusted_certificates_reports_untrusted_but_intact(app: Flask, signing_dir: Path) -> None:
    install(app, signing_dir, "kota-contoh", make_dev_pkcs12("Kota Contoh", PASSPHRASE))
    with app.app_context():
        signer = signer_for("kota-contoh")
        assert signer is not None
        signed = signer.sign(small_pdf())
    result = check_pdf(signed)
    assert result.status == PdfStatus.INTACT
    assert result.signature is not None and not result.signature.trusted


def test_pdfs_signed_before_the_key_expired_stay_recognised(app: Flask, signing_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The key expires (or is rotated out and kept as a .pem): its earlier PDFs still chain to a
    certificate we know, judged at their signing time."""
    install(app, signing_dir, "kota-contoh", make_dev_pkcs12("Kota Contoh", PASSPHRASE, days=30))
    with app.app_context():
        signer = signer_for("kota-contoh")
        assert signer is not None
        signed = signer.sign(small_pdf())
        certificate = signer.certificate  # type: ignore[attr-defined]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=40)
    real = signing.check_validity
    monkeypatch.setattr(signing, "check_validity", lambda cert, slug, now=None: real(cert, slug, later))
    with app.app_context():
        with pytest.raises(SigningError):
            signer_for("kota-contoh")
        assert certificate in known_certificates()
        # rotated out: the old certificate kept as a PEM beside the new key
        (signing_dir / "kota-contoh.p12").unlink()
        (signing_dir / "kota-contoh-2026.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        trusted = known_certificates()
    assert trusted == [certificate]
    result = check_pdf(signed, trusted=trusted)
    assert result.status == PdfStatus.INTACT and result.signature is not None and result.signature.trusted


def test_check_pdf_stops_a_decompression_bomb(caplog) -> None:  # type: ignore[no-untyped-def]
    """A cross-reference stream of a few hundred bytes, deflated twice, that inflates to 16 MB is
    refused by pyHanko's limits for untrusted input instead of being expanded in memory."""
    import zlib

    bomb = zlib.compress(zlib.compress(b"\0" * (16 << 20), 9), 9)
    assert len(bomb) < 4096
    head = b"%PDF-1.7\n"
    obj = (b"1 0 obj\n<< /Type /XRef /Size 2 /W [1 1 1] /Root 2 0 R /Filter [/FlateDecode /FlateDecode] /Length "
           + str(len(bomb)).encode() + b" >>\nstream\n" + bomb + b"\nendstream\nendobj\n")
    data = head + obj + b"startxref\n" + str(len(head)).encode() + b"\n%%EOF\n"
    with caplog.at_level(logging.INFO, logger="elearn.certificates.signing"):
        result = check_pdf(data)
    assert result.status == PdfStatus.UNREADABLE
    assert "PdfDecodeLimitError" in caplog.text


def test_a_slug_is_never_a_path(app: Flask, signing_dir: Path) -> None:
    (signing_dir.parent / "outside.p12").write_bytes(make_dev_pkcs12("Luar", PASSPHRASE))
    app.config["CERTIFICATE_SIGNING_PASSPHRASES"]["../outside"] = PASSPHRASE
    with app.app_context():
        assert signer_for("../outside") is None


def test_signing_works_inside_a_running_event_loop(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """pyHanko is asynchronous; a caller whose thread already runs an event loop (an async server, a
    Playwright test seeding the demo) still gets a signed PDF."""
    import asyncio

    from cryptography.hazmat.primitives.serialization import pkcs12

    from elearn.certificates.dev_signing import make_dev_pkcs12
    from elearn.certificates.signing import KeyMaterial, Pkcs12Signer, check_pdf

    key, cert, extra = pkcs12.load_key_and_certificates(make_dev_pkcs12("Kota Uji", "uji"), b"uji")
    signer = Pkcs12Signer(KeyMaterial(key, cert, list(extra), slug="kota-uji"), reason="uji", location="Kota Uji")

    async def inside_a_loop() -> bytes:
        return signer.sign(small_pdf())

    with app.app_context():
        signed = asyncio.run(inside_a_loop())
        assert check_pdf(signed, trusted=[*extra, cert]).intact
