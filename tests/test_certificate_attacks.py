"""Attacks on the completion certificates (issue 11), each a test: what an anonymous visitor, a
database administrator, an operator of another SKPD, a peserta or a holder of another certificate
from our signing CA can and cannot do."""
from __future__ import annotations

import datetime as dt
import io
import json
import zlib
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import Flask
from werkzeug.test import EnvironBuilder

from certificate_support import course_version, insert_certificate, simple_pdf
from elearn.accounts.models import Role, User
from elearn.certificates.models import Certificate, CertificateFile
from elearn.db import db

NAME = "Budi Santoso"


@pytest.fixture
def world(app: Flask, make_instansi, make_unit, make_user) -> dict[str, Any]:
    instansi = make_instansi(name="Pemerintah Kota Serangan")
    dinas = make_unit("Dinas Pendidikan", instansi=instansi)
    other_skpd = make_unit("Dinas Kesehatan", instansi=instansi)
    holder = make_user(Role.PESERTA, dinas, name=NAME)
    with app.test_request_context():
        version = course_version(title="Netralitas ASN", jp=4)
        cert = insert_certificate(holder.id, version)
        db.session.commit()
        return {"instansi": instansi, "dinas": dinas, "other_skpd": other_skpd, "holder": holder,
                "version_id": version.id, "cert_id": cert.id, "code": cert.code, "serial": cert.serial}


def _upload(client, data: bytes, name: str = "sertifikat.pdf") -> Any:
    builder = EnvironBuilder(path="/verifikasi/sertifikat", method="POST",
                             data={"pdf": (io.BytesIO(data), name)})
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def _stored_pdf(app: Flask, certificate_id: int) -> bytes:
    with app.app_context():
        return bytes(db.session.get(CertificateFile, certificate_id).pdf)


# --- a database administrator edits a certificate row ----------------------------------------------


def test_upload_page_says_not_valid_when_the_row_was_edited_after_issue(app, client, world) -> None:
    """FINDING: the verify page compared the row with its signed Open Badge, the upload page did
    not: a PDF whose row had its name changed in the database was "Dikenali ... masih berlaku"
    under the new name."""
    pdf = _stored_pdf(app, world["cert_id"])
    with app.app_context():
        db.session.get(Certificate, world["cert_id"]).holder_name = "Nama Palsu"
        db.session.commit()
    html = _upload(client, pdf).get_data(as_text=True)
    assert "masih berlaku" not in html
    assert "Tidak valid:" in html


@pytest.mark.parametrize("field", ["completed_at", "issued_at", "code"])
def test_verify_page_says_not_valid_when_dates_or_code_were_edited(app, client, world, field) -> None:
    """FINDING: the completion date shown on the page (and the code the QR names) were not compared
    with the signed badge: moving the date, or giving a row another row's code, went unnoticed."""
    code = world["code"]
    with app.app_context():
        row = db.session.get(Certificate, world["cert_id"])
        if field == "code":
            code = row.code = "a" * 24
        else:
            setattr(row, field, getattr(row, field) - dt.timedelta(days=40))
            if field == "completed_at":
                row.completed_on = row.completed_on - dt.timedelta(days=40)
        db.session.commit()
    html = client.get(f"/verifikasi/sertifikat/{code}").get_data(as_text=True)
    assert "Tidak valid:" in html and "Sah:" not in html


# --- a PDF signed by someone else holding a certificate from the same CA ---------------------------


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Uji")])


def _leaf(ca_key: Any, ca_name: x509.Name, cn: str) -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


@pytest.fixture
def shared_ca(app: Flask, world, tmp_path) -> dict[str, Any]:
    """Our instansi's signing certificate and a stranger's, both issued by one CA (a PSrE issues
    certificates to many organisations); ours installed in the signing folder."""
    from elearn.certificates import signing

    saved = {k: app.config.get(k) for k in ("CERTIFICATE_SIGNING_DIR", "CERTIFICATE_SIGNING_PASSPHRASES")}
    folder = tmp_path / "signing"
    folder.mkdir()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("PSrE Uji CA")
    now = dt.datetime.now(dt.UTC)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=2))
          .not_valid_after(now + dt.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    slug = world["instansi"].slug
    ours_key, ours = _leaf(ca_key, ca_name, world["instansi"].name)
    (folder / f"{slug}.p12").write_bytes(pkcs12.serialize_key_and_certificates(
        b"ours", ours_key, ours, [ca], serialization.BestAvailableEncryption(b"rahasia")))
    stranger_key, stranger = _leaf(ca_key, ca_name, world["instansi"].name)  # the same name as ours
    stranger_path = tmp_path / "stranger.p12"
    stranger_path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"x", stranger_key, stranger, [ca], serialization.BestAvailableEncryption(b"lain")))
    app.config["CERTIFICATE_SIGNING_DIR"] = str(folder)
    app.config["CERTIFICATE_SIGNING_PASSPHRASES"] = {slug: "rahasia"}
    signing.clear_cache()
    try:
        with app.app_context():
            ours_signer = signing.signer_for(slug)
            material = signing.load_pkcs12(stranger_path, "lain", slug="stranger")
        stranger_signer = signing.Pkcs12Signer(material, reason="x", location="x")
        yield {"ours": ours_signer, "stranger": stranger_signer}
    finally:
        app.config.update(saved)
        signing.clear_cache()


def test_a_pdf_signed_by_another_holder_of_our_ca_is_not_presented_as_ours(client, shared_ca) -> None:
    """FINDING: trust anchors were our signing certificates AND their CA chain, so a PDF signed by
    anyone else the same PSrE certified (with a look-alike name) showed "utuh" with no warning
    that the signer is not one of our instansi."""
    forged = shared_ca["stranger"].sign(simple_pdf("Sertifikat palsu"))
    html = _upload(client, forged).get_data(as_text=True)
    assert "Tidak dikenali" in html
    assert "bukan salah satu instansi yang terdaftar" in html


def test_a_pdf_signed_by_our_key_is_presented_as_ours(client, shared_ca) -> None:
    signed = shared_ca["ours"].sign(simple_pdf("Sertifikat asli"))
    html = _upload(client, signed).get_data(as_text=True)
    assert "Tanda tangan elektronik pada berkas: utuh." in html
    assert "bukan salah satu instansi yang terdaftar" not in html


def test_a_self_signed_look_alike_is_not_trusted(app, client, world, shared_ca, tmp_path) -> None:
    from elearn.certificates import signing

    key = ec.generate_private_key(ec.SECP256R1())
    key2, cert = _leaf(key, _name(world["instansi"].name), world["instansi"].name)
    path = tmp_path / "self.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"s", key2, cert, None,
                                                           serialization.BestAvailableEncryption(b"p")))
    with app.app_context():
        material = signing.load_pkcs12(path, "p", slug="self")
    forged = signing.Pkcs12Signer(material, reason="x", location="x").sign(simple_pdf("palsu"))
    html = _upload(client, forged).get_data(as_text=True)
    assert "bukan salah satu instansi yang terdaftar" in html and "Tidak dikenali" in html


# --- hostile uploads ---------------------------------------------------------------------------------


def _listing_one_signature_many_times(signed: bytes, times: int) -> bytes:
    """An incremental update whose AcroForm lists the (one, valid) signature field ``times`` times."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    field = writer.root["/AcroForm"].raw_get("/Fields")[0]
    ref = field if isinstance(field, generic.IndirectObject) else field.container_ref
    writer.root["/AcroForm"] = generic.DictionaryObject({
        generic.NameObject("/Fields"): generic.ArrayObject(
            [generic.IndirectObject(ref.idnum, ref.generation, writer)] * times),
        generic.NameObject("/SigFlags"): generic.NumberObject(3)})
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_one_signature_listed_thousands_of_times_is_not_validated_thousands_of_times(
        app, client, shared_ca, monkeypatch) -> None:
    """FINDING (denial of service): every listed signature was validated; a 45 KB upload listing
    one signature 5,000 times cost about 30 s of CPU (a 10 MB one, hours). Now more than a few
    signatures are refused unread."""
    from elearn.certificates import signing

    calls = []
    real = signing._check_signature
    monkeypatch.setattr(signing, "_check_signature", lambda *a, **k: calls.append(1) or real(*a, **k))
    signed = shared_ca["ours"].sign(simple_pdf("Sertifikat"))
    assert signing.check_pdf(_listing_one_signature_many_times(signed, 2)).status == signing.PdfStatus.MODIFIED
    assert len(calls) == 2
    calls.clear()
    hostile = _listing_one_signature_many_times(signed, 5000)
    assert signing.check_pdf(hostile).status == signing.PdfStatus.UNREADABLE
    assert calls == []
    html = _upload(client, hostile).get_data(as_text=True)
    assert "tidak dapat dibaca" in html and calls == []


def test_signature_check_is_bounded_below_the_upload_limit(app) -> None:
    """FINDING (denial of service): pyHanko parses hostile input at about 1 MB a second and the
    check read up to 10 MB; a real certificate is well under 4 MB."""
    from elearn.certificates import signing

    assert signing.CHECK_MAX_BYTES <= 4 * 1024 * 1024
    crafted = b"%PDF-1.7\n" + b"1 0 R " * ((signing.CHECK_MAX_BYTES // 6) + 1)
    assert signing.check_pdf(crafted).status == signing.PdfStatus.TOO_LARGE


def _raw_pdf(objects: list[tuple[int, bytes]], *, xref: bool = True) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = {}
    for num, body in objects:
        offsets[num] = out.tell()
        out.write(b"%d 0 obj\n" % num + body + b"\nendobj\n")
    size = max(offsets) + 1
    start = out.tell()
    if xref:
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for i in range(1, size):
            out.write(b"%010d 00000 n \n" % offsets.get(i, 0))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, start))
    return out.getvalue()


PAGES = (2, b"<< /Type /Pages /Kids [] /Count 0 >>")


@pytest.mark.parametrize("kind", ["kids_cycle", "deep_arrays", "deep_dicts", "flate_bomb", "no_xref", "zeros"])
def test_hostile_pdfs_get_an_answer_not_an_error(app, client, world, kind) -> None:
    if kind == "kids_cycle":
        data = _raw_pdf([(1, b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>"), PAGES,
                         (3, b"<< /T (a) /Kids [4 0 R] >>"), (4, b"<< /Parent 3 0 R /Kids [3 0 R] >>")])
    elif kind == "deep_arrays":
        data = _raw_pdf([(1, b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields " + b"[" * 100000
                          + b"]" * 100000 + b" >> >>"), PAGES])
    elif kind == "deep_dicts":
        data = _raw_pdf([(1, b"<< /Type /Catalog /Pages 2 0 R /AcroForm " + b"<< /A " * 30000 + b"1"
                          + b" >>" * 30000 + b" >>"), PAGES])
    elif kind == "flate_bomb":
        bomb = zlib.compress(b"\0" * (64 * 1024 * 1024), 9)
        data = _raw_pdf([(1, b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields 3 0 R >> >>"), PAGES,
                         (3, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb
                          + b"\nendstream")])
    elif kind == "no_xref":
        data = _raw_pdf([(1, b"<< /Type /Catalog /Pages 2 0 R >>"), PAGES]
                        + [(i, b"null") for i in range(3, 20000)], xref=False)
    else:
        data = b"%PDF-1.7\n" + b"\0" * (3 * 1024 * 1024)
    response = _upload(client, data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Tidak dikenali" in html
    assert "utuh." not in html


def test_a_19_mb_pdf_is_not_parsed_and_gets_an_answer(app, client, world, monkeypatch) -> None:
    from elearn.certificates import signing

    monkeypatch.setattr(signing, "_too_many_signatures", lambda reader: pytest.fail("parsed"))
    data = b"%PDF-1.7\n" + b"0" * (19 * 1024 * 1024)
    response = _upload(client, data)
    assert response.status_code == 200
    assert "Tidak dikenali" in response.get_data(as_text=True)


def test_a_non_pdf_is_refused_with_a_message(client, world) -> None:
    response = _upload(client, b"MZ\x90\x00 an executable", "sertifikat.pdf")
    assert response.status_code == 400
    assert "bukan PDF" in response.get_data(as_text=True)


def test_uploads_have_a_tighter_rate_limit_than_page_views(app, client, world, rate_limited) -> None:
    """FINDING: each upload costs up to seconds of CPU, yet had the page's 60 per minute."""
    app.config["VERIFY_UPLOAD_LIMIT_PER_IP"] = "2 per minute"
    try:
        uploads = [_upload(client, simple_pdf("x")).status_code for _ in range(3)]
        pages = [client.get("/verifikasi/sertifikat").status_code for _ in range(3)]
    finally:
        app.config["VERIFY_UPLOAD_LIMIT_PER_IP"] = "10 per minute;100 per hour"
    assert uploads == [200, 200, 429]
    assert pages == [200, 200, 200]
    assert app.config["VERIFY_UPLOAD_LIMIT_PER_IP"] != app.config["PUBLIC_LIMIT_PER_IP"]


# --- an admin of another instansi -------------------------------------------------------------------


def _settings_post(client, **fields: Any) -> Any:
    data = {"serial_prefix": "BKPSDM-KU", "signatory_name": "", "signatory_nip": "", "signatory_title": "",
            "template_key": "default"}
    data.update(fields)
    builder = EnvironBuilder(path="/admin/sertifikat/pengaturan", method="POST", data=data)
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def test_an_admin_cannot_take_another_instansis_serial_prefix(app, client, login_as, world, make_instansi,
                                                             make_unit, make_user) -> None:
    """FINDING: serials are unique across the installation but any prefix was accepted, so the admin
    of instansi B could set A's prefix and issue A's next numbers: A's issuance then failed."""
    from elearn.certificates import services
    from elearn.certificates.models import CertificateSettings

    other = make_instansi(name="Kabupaten Lain")
    admin = make_user(Role.ADMIN_BKPSDM, make_unit("BKPSDM", instansi=other))
    with app.app_context():
        db.session.add(CertificateSettings(instansi_id=world["instansi"].id, serial_prefix="BKPSDM-KS"))
        db.session.commit()
        default_of_a = services.default_prefix(world["instansi"])
    login_as(admin)
    for prefix in ("BKPSDM-KS", "BKPSDM-UJI"):  # A's saved prefix; the prefix of serials A issued
        response = _settings_post(client, serial_prefix=prefix)
        assert response.status_code == 400
        assert "sudah dipakai instansi lain" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CertificateSettings, other.id) is None
        db.session.delete(db.session.get(CertificateSettings, world["instansi"].id))
        db.session.commit()
    response = _settings_post(client, serial_prefix=default_of_a)  # A's default (A never saved any)
    assert response.status_code == 400
    assert _settings_post(client, serial_prefix="BKPSDM-LAIN").status_code == 302


def test_default_prefixes_of_long_slugs_do_not_collide(app, make_instansi) -> None:
    """FINDING: the default prefix was cut at 32 characters, so two instansi whose slugs start
    alike ("kabupaten-kepulauan-seribu-utara" / "-selatan") shared it."""
    from elearn.certificates import services
    from elearn.org.models import Instansi

    with app.app_context():
        a = Instansi(slug="kabupaten-kepulauan-seribu-utara", name="A", id=990001)
        b = Instansi(slug="kabupaten-kepulauan-seribu-selatan", name="B", id=990002)
        first, second = services.default_prefix(a), services.default_prefix(b)
    assert first != second
    assert len(first) <= 32 and len(second) <= 32
    from elearn.certificates.forms import SERIAL_PREFIX

    assert SERIAL_PREFIX.match(first) and SERIAL_PREFIX.match(second)


def test_a_serial_taken_by_another_instansi_fails_loudly_not_as_already_issued(app, world, make_user) -> None:
    """FINDING: issuance took a unique-constraint error on the serial for "issued by a concurrent
    request" and returned None: the person silently never got a certificate."""
    from elearn.certificates import services
    from elearn.certificates.models import CertificateSettings
    from elearn.db import utcnow

    person = make_user(Role.PESERTA, world["dinas"])
    with app.test_request_context():
        db.session.add(CertificateSettings(instansi_id=world["instansi"].id, serial_prefix="BKPSDM-UJI"))
        db.session.flush()
        row = db.session.get(Certificate, world["cert_id"])
        row.serial = "BKPSDM-UJI/2026/000001"
        row.instansi_id = world["instansi"].id
        db.session.flush()
        with pytest.raises(services.IssueError, match="sudah dipakai"):
            services.issue(db.session.get(User, person.id), course_version(title="Kursus Baru"),
                           completed_at=utcnow(), now=dt.datetime(2026, 6, 1, 3, tzinfo=dt.UTC))
        db.session.rollback()


# --- regression guards: CSRF, personal data on public documents, the reissue race ---------------------


def test_every_certificate_post_needs_the_csrf_token(app, client, login_as, world, make_user) -> None:
    from elearn.certificates.models import CertificateSettings, CertificateState

    login_as(make_user(Role.ADMIN_BKPSDM, world["dinas"]))
    url = f"/admin/sertifikat/{world['cert_id']}"
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"{url}/cabut", data={"reason": "x", "confirm": "y"}).status_code == 400
        assert client.post(f"{url}/terbitkan-ulang", data={"reason": "x", "confirm": "y"}).status_code == 400
        assert _settings_post(client, serial_prefix="BKPSDM-CSRF").status_code == 400
        assert _upload(client, simple_pdf("x")).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        assert db.session.get(Certificate, world["cert_id"]).state == CertificateState.VALID
        assert db.session.get(CertificateSettings, world["instansi"].id) is None


def test_no_full_nip_on_public_pages_or_in_the_badge(app, client, login_as, world) -> None:
    from elearn.accounts.nip import format_nip

    nip = world["holder"].employee_number
    with app.app_context():
        credential = db.session.get(Certificate, world["cert_id"]).credential
    public = [
        client.get(f"/verifikasi/sertifikat/{world['code']}"),
        _upload(client, _stored_pdf(app, world["cert_id"])),
        client.get(f"/sertifikat/penerbit/{world['instansi'].slug}"),
        client.get(f"/sertifikat/status/{world['instansi'].slug}"),
    ]
    login_as(world["holder"])
    public.append(client.get(f"/sertifikat/{world['cert_id']}/lencana.json"))
    texts = [r.get_data(as_text=True) for r in public] + [json.dumps(credential, ensure_ascii=False)]
    for text in texts:
        assert nip not in text and format_nip(nip) not in text
    assert [r.status_code for r in public] == [200] * len(public)


def test_verify_pages_are_not_cached_by_shared_caches(client, world) -> None:
    for response in (client.get(f"/verifikasi/sertifikat/{world['code']}"),
                     client.get("/verifikasi/sertifikat/zzzz"),
                     _upload(client, simple_pdf("x"))):
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_a_name_with_markup_is_escaped_on_the_verify_page(app, client, make_user, world) -> None:
    person = make_user(Role.PESERTA, world["dinas"], name='<script>alert(1)</script>"><img src=x onerror=alert(1)>')
    with app.test_request_context():
        cert = insert_certificate(person.id, db.session.get(type(course_version()), world["version_id"]))
        db.session.commit()
        code = cert.code
    html = client.get(f"/verifikasi/sertifikat/{code}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "Sah:" in html


def test_two_reissues_of_one_certificate_make_one_replacement(app, world, make_user) -> None:
    """The second of two reissues racing on the same (stale) certificate finds it no longer valid."""
    from elearn.certificates import services
    from elearn.certificates.models import CertificateState
    from elearn.errors import ServiceError
    from sqlalchemy import func, select

    admin = make_user(Role.ADMIN_BKPSDM, world["dinas"])
    with app.test_request_context():
        first = db.session.get(Certificate, world["cert_id"])
        services.reissue(first, db.session.get(User, admin.id), "Nama diperbaiki")
        first.state = CertificateState.VALID  # what a second request loaded before the first committed
        with pytest.raises(ServiceError):
            services.reissue(first, db.session.get(User, admin.id), "Nama diperbaiki lagi")
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(Certificate)
                                 .where(Certificate.replaces_id == world["cert_id"])) == 1
        db.session.rollback()


def test_a_row_and_badge_both_rewritten_under_a_foreign_issuer_are_not_valid(app, client, world) -> None:
    """FINDING: a badge whose key this server does not know was "unchecked", and the page still said
    "Sah". A database administrator could change the name AND write in a badge naming another
    issuer address (its proof by any key): the page said "Sah" under the new name."""
    with app.app_context():
        row = db.session.get(Certificate, world["cert_id"])
        credential = json.loads(json.dumps(row.credential))
        row.holder_name = "Nama Palsu"
        credential["credentialSubject"]["identifier"][0]["identityHash"] = "Nama Palsu"
        foreign = "https://palsu.example/sertifikat/penerbit/x"
        credential["issuer"]["id"] = foreign
        credential["proof"][0]["verificationMethod"] = foreign + "#kunci-1"
        row.credential = credential
        db.session.commit()
    html = client.get(f"/verifikasi/sertifikat/{world['code']}").get_data(as_text=True)
    assert "Tidak valid:" in html and "Sah:" not in html
    html = _upload(client, _stored_pdf(app, world["cert_id"])).get_data(as_text=True)
    assert "Tidak valid:" in html and "masih berlaku" not in html


def test_a_signed_certificate_whose_row_names_another_files_hash_is_not_valid(app, client, world,
                                                                              shared_ca) -> None:
    """FINDING: the upload check trusted the row's pdf_sha256. A database administrator who set it
    to the hash of a forged (unsigned, or self-signed) PDF made that file "Dikenali ... masih
    berlaku". A certificate issued signed must come with our intact signature."""
    import hashlib

    with app.test_request_context():
        genuine = shared_ca["ours"].sign(simple_pdf("Sertifikat asli"))
        cert = insert_certificate(world["holder"].id, course_version(title="Kursus Bertanda Tangan"), pdf=genuine)
        cert.pdf_signed = True
        db.session.commit()
        cert_id = cert.id
    html = _upload(client, genuine).get_data(as_text=True)
    assert "masih berlaku" in html and "Tidak valid:" not in html
    for forged in (simple_pdf("Sertifikat palsu"), shared_ca["stranger"].sign(simple_pdf("Sertifikat palsu"))):
        with app.app_context():
            db.session.get(Certificate, cert_id).pdf_sha256 = hashlib.sha256(forged).hexdigest()
            db.session.commit()
        html = _upload(client, forged).get_data(as_text=True)
        assert "Tidak valid:" in html and "masih berlaku" not in html


@pytest.mark.parametrize("emptied", [{}, None, []])
def test_a_row_whose_badge_was_removed_is_not_valid(app, client, world, emptied) -> None:
    """FINDING: without a stored badge the check was skipped and the page said "Sah": a database
    administrator could empty the credential and then change the name freely."""
    with app.app_context():
        row = db.session.get(Certificate, world["cert_id"])
        row.holder_name = "Nama Palsu"
        row.credential = emptied
        db.session.commit()
    html = client.get(f"/verifikasi/sertifikat/{world['code']}").get_data(as_text=True)
    assert "Tidak valid:" in html and "Sah:" not in html
    html = _upload(client, _stored_pdf(app, world["cert_id"])).get_data(as_text=True)
    assert "Tidak valid:" in html and "masih berlaku" not in html
