"""The certificate pages: "Sertifikat saya" and its downloads, the course page's "Sertifikat terbit",
the public verification page and upload check, HR's revoke / reissue, and the settings page."""
from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import zlib
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select
from werkzeug.test import EnvironBuilder

from certificate_support import course_version, insert_certificate, simple_pdf
from elearn.accounts.models import Role, User
from elearn.accounts.nip import format_nip, mask_employee_number
from elearn.audit.models import AuditEvent
from elearn.certificates import logo as logo_check
from elearn.certificates.models import Certificate, CertificateSettings, CertificateState
from elearn.courses.models import CourseVersion, Enrollment
from elearn.db import db, utcnow

NAME = "Ṡiti Nur'aini, S.Sos."


@pytest.fixture
def world(app: Flask, make_instansi, make_unit, make_user) -> dict[str, Any]:
    instansi = make_instansi(name="Pemerintah Kota Uji Sertifikat")
    dinas = make_unit("Dinas Pendidikan", instansi=instansi)
    school = make_unit("SD Negeri 3", parent=dinas)
    other_skpd = make_unit("Dinas Kesehatan", instansi=instansi)
    holder = make_user(Role.PESERTA, school, name=NAME)
    colleague = make_user(Role.PESERTA, school)
    with app.test_request_context():
        version = course_version(title="Netralitas ASN", jp=4)
        cert = insert_certificate(holder.id, version)
        other = insert_certificate(colleague.id, version)
        db.session.commit()
        return {"instansi": instansi, "dinas": dinas, "school": school, "other_skpd": other_skpd, "holder": holder,
                "colleague": colleague, "version_id": version.id, "course_id": version.course_id,
                "course_slug": version.course.slug, "cert_id": cert.id, "code": cert.code, "serial": cert.serial,
                "other_id": other.id}


def _cert(app: Flask, certificate_id: int) -> Certificate:
    with app.app_context():
        row = db.session.get(Certificate, certificate_id)
        assert row is not None
        db.session.expunge(row)
        return row


def _stored_pdf(app: Flask, certificate_id: int) -> bytes:
    from elearn.certificates.models import CertificateFile

    with app.app_context():
        return bytes(db.session.get(CertificateFile, certificate_id).pdf)


# --- the learner -------------------------------------------------------------------------------


def test_my_certificates_lists_mine_with_the_verify_link_as_text(app, client, login_as, world) -> None:
    login_as(world["holder"])
    response = client.get("/sertifikat/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert world["serial"] in html and "Netralitas ASN" in html and "4 JP" in html and "berlaku" in html
    assert _cert(app, world["other_id"]).serial not in html
    # the link is plain text (works without JavaScript); the copy button appears with copy-link.js
    assert re.search(rf'<span class="verify-link"[^>]*>http://localhost/verifikasi/sertifikat/{world["code"]}</span>',
                     html)
    assert re.search(r'<button type="button" class="link-button" data-copy="[^"]+" hidden', html)
    assert re.search(r"/static/js/copy-link\.[0-9a-f]{10}\.js", html)
    assert 'href="/sertifikat/">Sertifikat saya</a>' in html  # the nav entry
    script = client.get("/static/js/copy-link.js")
    assert script.status_code == 200
    script.close()


def test_an_empty_list_says_how_certificates_come(client, login_as, world, make_user) -> None:
    login_as(make_user(Role.PESERTA, world["school"]))
    html = client.get("/sertifikat/").get_data(as_text=True)
    assert "Anda belum memiliki sertifikat." in html


def test_pdf_download_is_the_owners_only(app, client, login_as, world) -> None:
    login_as(world["holder"])
    response = client.get(f"/sertifikat/{world['cert_id']}/sertifikat.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data == _stored_pdf(app, world["cert_id"])
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/sertifikat/{world['other_id']}/sertifikat.pdf").status_code == 404
    assert client.get(f"/sertifikat/{world['other_id']}/lencana.json").status_code == 404


def test_badge_download_is_the_stored_credential_as_json_ld(app, client, login_as, world) -> None:
    login_as(world["holder"])
    response = client.get(f"/sertifikat/{world['cert_id']}/lencana.json")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    serial_name = re.sub(r"[^A-Za-z0-9.-]+", "-", world["serial"])
    assert response.headers["Content-Disposition"] == f'attachment; filename="{serial_name}.json"'
    with app.app_context():
        stored = db.session.get(Certificate, world["cert_id"]).credential
    assert json.loads(response.get_data(as_text=True)) == stored


def test_revoked_download_is_a_marked_copy_not_the_issued_pdf(app, client, login_as, world, monkeypatch) -> None:
    """services.pdf_for_download draws a copy marked revoked (unsigned); the issued, valid-looking
    PDF is never handed out again."""
    from elearn.certificates import render, services

    with app.app_context():
        actor = db.session.get(User, world["holder"].id)
        services.revoke(db.session.get(Certificate, world["cert_id"]), actor, "uji")
        db.session.commit()
    drawn: list[Any] = []
    real_render = render.render_pdf

    def spy(document, template, logo):  # type: ignore[no-untyped-def]
        drawn.append(document)
        return real_render(document, template, logo)

    monkeypatch.setattr(render, "render_pdf", spy)
    login_as(world["holder"])
    response = client.get(f"/sertifikat/{world['cert_id']}/sertifikat.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert response.data != _stored_pdf(app, world["cert_id"])
    assert len(drawn) == 1 and drawn[0].revoked_on is not None and drawn[0].signed is False
    # the other's certificate stays theirs
    assert client.get(f"/sertifikat/{world['other_id']}/sertifikat.pdf").status_code == 404


def test_course_page_says_certificate_issued_in_the_same_number_of_statements(app, client, login_as,
                                                                              world) -> None:
    login_as(world["holder"])
    url = f"/kursus/{world['course_slug']}"
    with app.app_context():
        db.session.add(Enrollment(user_id=world["holder"].id, course_id=world["course_id"],
                                  course_version_id=world["version_id"]))
        db.session.add(Enrollment(user_id=world["colleague"].id, course_id=world["course_id"],
                                  course_version_id=world["version_id"]))
        db.session.commit()
    engine = db.get_engine(app)

    def measure() -> tuple[int, str]:
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            html = client.get(url).get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len([s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]), html

    client.get(url)  # warm-up
    with_certificate, html = measure()
    assert "Sertifikat terbit." in html and f"/sertifikat/#sertifikat-{world['cert_id']}" in html
    # a revoked certificate is not "issued"
    with app.app_context():
        db.session.get(Certificate, world["cert_id"]).state = CertificateState.REVOKED
        db.session.commit()
    without, html = measure()
    assert "Sertifikat terbit." not in html
    assert with_certificate == without


# --- the public verification page --------------------------------------------------------------


def test_verify_page_valid_shows_minimal_data_and_masks_the_nip(app, client, world) -> None:
    response = client.get(f"/verifikasi/sertifikat/{world['code']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sah: sertifikat ini diterbitkan oleh Pemerintah Kota Uji Sertifikat melalui elearn" in html
    number = world["holder"].employee_number
    assert NAME.replace("'", "&#39;") in html and "Netralitas ASN" in html and "4 JP" in html
    assert "Pemerintah Kota Uji Sertifikat" in html and "23 November 2026" in html
    assert mask_employee_number(number) in html
    assert number not in html and format_nip(number) not in html and number[:8] not in html
    assert 'name="robots" content="noindex, nofollow"' in html
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_verify_page_revoked_shows_the_date_not_the_reason(app, client, world) -> None:
    from elearn.certificates import services

    with app.app_context():
        admin = db.session.get(User, world["holder"].id)
        services.revoke(db.session.get(Certificate, world["cert_id"]), admin, "Data palsu rahasia")
        db.session.commit()
    html = client.get(f"/verifikasi/sertifikat/{world['code']}").get_data(as_text=True)
    assert "Dicabut: sertifikat ini sudah tidak berlaku sejak" in html and "Sah:" not in html
    assert "Data palsu rahasia" not in html


def test_verify_page_replaced_links_to_the_newer_certificate(app, client, world) -> None:
    with app.test_request_context():
        old = db.session.get(Certificate, world["cert_id"])
        old.state, old.replaced_at = CertificateState.REPLACED, utcnow()
        new = insert_certificate(world["holder"].id, db.session.get(CourseVersion, world["version_id"]),
                                 replaces=old)
        db.session.commit()
        new_code = new.code
    html = client.get(f"/verifikasi/sertifikat/{world['code']}").get_data(as_text=True)
    assert "Diganti:" in html
    assert f'href="/verifikasi/sertifikat/{new_code}"' in html
    assert "Sah:" in client.get(f"/verifikasi/sertifikat/{new_code}").get_data(as_text=True)


def _counted_get(app: Flask, client, url: str) -> tuple[Any, int]:
    engine = db.get_engine(app)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response, len(statements)


def _without_csrf_token(page: bytes) -> bytes:
    masked, count = re.subn(rb'name="csrf_token" value="[^"]+"', b'name="csrf_token" value=""', page)
    assert count == 1
    return masked


@pytest.mark.parametrize("malformed", ["x", "'; DROP TABLE certificates;--", "A" * 200, "%E2%80%8B", "abc.def"])
def test_unknown_and_malformed_codes_get_the_same_answer_and_work(app, client, world, malformed) -> None:
    unknown_code = "a" * 24  # well-formed, no such certificate
    unknown, unknown_statements = _counted_get(app, client, f"/verifikasi/sertifikat/{unknown_code}")
    bad, bad_statements = _counted_get(app, client, f"/verifikasi/sertifikat/{malformed}")
    assert unknown.status_code == bad.status_code == 404
    # The CSRF token carries a timestamp that may tick between the two requests; everything else is identical.
    assert _without_csrf_token(unknown.get_data()) == _without_csrf_token(bad.get_data())
    assert unknown.headers["X-Robots-Tag"] == bad.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert unknown_statements == bad_statements


def test_verify_pages_are_rate_limited(app, client, world, rate_limited) -> None:
    app.config["PUBLIC_LIMIT_PER_IP"] = "3 per minute"
    try:
        statuses = [client.get(f"/verifikasi/sertifikat/{world['code']}").status_code for _ in range(4)]
        uploads = [client.get("/verifikasi/sertifikat").status_code for _ in range(2)]
        uploads += [_upload(client, simple_pdf("x")).status_code for _ in range(2)]
    finally:
        app.config["PUBLIC_LIMIT_PER_IP"] = "60 per minute;1000 per hour"
    assert statuses == [200, 200, 200, 429]
    assert uploads == [200, 200, 200, 429]


# --- the upload check ----------------------------------------------------------------------------


def post_closing(client, path: str, fields: dict[str, Any]) -> Any:
    """A multipart POST whose body the test client may spool to a temporary file (above 500 KB),
    closed here (the client leaves it open)."""
    builder = EnvironBuilder(path=path, method="POST", data=fields)
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def _upload(client, data: bytes, name: str = "sertifikat.pdf") -> Any:
    return post_closing(client, "/verifikasi/sertifikat", {"pdf": (io.BytesIO(data), name)})


def test_upload_recognises_an_issued_pdf(app, client, world) -> None:
    response = _upload(client, _stored_pdf(app, world["cert_id"]))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Dikenali: berkas ini sama persis" in html
    assert world["serial"] in html and mask_employee_number(world["holder"].employee_number) in html
    assert world["holder"].employee_number not in html
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_upload_of_an_altered_pdf_is_not_recognised(app, client, world) -> None:
    data = bytearray(_stored_pdf(app, world["cert_id"]))
    data[len(data) // 2] ^= 0x01
    html = _upload(client, bytes(data)).get_data(as_text=True)
    assert "Tidak dikenali" in html and "Dikenali:" not in html and world["serial"] not in html


def test_upload_of_a_revoked_certificate_says_revoked(app, client, world) -> None:
    with app.app_context():
        db.session.get(Certificate, world["cert_id"]).state = CertificateState.REVOKED
        db.session.commit()
    html = _upload(client, _stored_pdf(app, world["cert_id"])).get_data(as_text=True)
    assert "Dikenali, tetapi sertifikat ini sudah dicabut." in html


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Berkas yang diunggah kosong."),
    (b"PK\x03\x04 not a pdf at all", "Berkas ini bukan PDF."),
    ("<html>sertifikat</html>".encode(), "Berkas ini bukan PDF."),
])
def test_upload_refusals_say_why(client, world, data, message) -> None:
    response = _upload(client, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_upload_without_a_file_asks_for_one(client, world) -> None:
    response = client.post("/verifikasi/sertifikat", data={})
    assert response.status_code == 400
    assert "Pilih berkas PDF sertifikat" in response.get_data(as_text=True)


def test_an_oversized_upload_gets_the_form_with_a_clear_message(app, client, world) -> None:
    data = b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024)
    response = _upload(client, data, "besar.pdf")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Berkas terlalu besar: paling besar 20 MB." in html
    assert 'enctype="multipart/form-data"' in html  # the form again, not the bare error page


def test_upload_needs_the_csrf_token(client, world, csrf_enabled) -> None:
    response = _upload(client, simple_pdf("x"))
    assert response.status_code == 400
    assert "Dikenali" not in response.get_data(as_text=True)


def test_upload_with_the_form_token_works(app, client, world, csrf_enabled) -> None:
    page = client.get("/verifikasi/sertifikat").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/verifikasi/sertifikat", data={"csrf_token": token,
                                                          "pdf": (io.BytesIO(_stored_pdf(app, world["cert_id"])),
                                                                  "s.pdf")})
    assert response.status_code == 200 and "Dikenali:" in response.get_data(as_text=True)


# --- HR: revoke and reissue ------------------------------------------------------------------------


def test_admin_revokes_with_a_reason_and_confirmation(app, client, login_as, world, make_user) -> None:
    admin = make_user(Role.ADMIN_BKPSDM, world["dinas"])
    login_as(admin)
    url = f"/admin/sertifikat/{world['cert_id']}"
    page = client.get(url).get_data(as_text=True)
    assert "Cabut sertifikat" in page and format_nip(world["holder"].employee_number) in page
    # no reason / no confirmation: refused, nothing changes
    assert client.post(f"{url}/cabut", data={"confirm": "y"}).status_code == 400
    assert client.post(f"{url}/cabut", data={"reason": "Nama salah"}).status_code == 400
    assert _cert(app, world["cert_id"]).state == CertificateState.VALID
    response = client.post(f"{url}/cabut", data={"reason": "Terbukti tidak mengikuti", "confirm": "y"})
    assert response.status_code == 302
    row = _cert(app, world["cert_id"])
    assert row.state == CertificateState.REVOKED and row.revoke_reason == "Terbukti tidak mengikuti"
    assert row.revoked_by_id == admin.id
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.revoke")).all()
        assert [e.target_id for e in events] == [world["cert_id"]]
    page = client.get(url).get_data(as_text=True)
    assert "dicabut" in page and "Terbukti tidak mengikuti" in page and "Cabut sertifikat</button>" not in page
    # a second revoke changes nothing
    client.post(f"{url}/cabut", data={"reason": "lagi", "confirm": "y"})
    assert _cert(app, world["cert_id"]).revoke_reason == "Terbukti tidak mengikuti"
    assert "Dicabut:" in client.get(f"/verifikasi/sertifikat/{world['code']}").get_data(as_text=True)


def test_operator_skpd_views_their_skpd_but_cannot_revoke(app, client, login_as, world, make_user) -> None:
    operator = make_user(Role.OPERATOR_SKPD, world["dinas"])
    login_as(operator)
    url = f"/admin/sertifikat/{world['cert_id']}"
    page = client.get(url)
    assert page.status_code == 200 and "Cabut sertifikat" not in page.get_data(as_text=True)
    assert client.post(f"{url}/cabut", data={"reason": "x", "confirm": "y"}).status_code == 403
    assert client.post(f"{url}/terbitkan-ulang", data={"reason": "x", "confirm": "y"}).status_code == 403
    assert _cert(app, world["cert_id"]).state == CertificateState.VALID
    client.post("/keluar")
    login_as(make_user(Role.OPERATOR_SKPD, world["other_skpd"]))
    assert client.get(url).status_code == 404


def test_admin_of_another_instansi_gets_404(app, client, login_as, world, make_user, make_unit) -> None:
    login_as(make_user(Role.ADMIN_BKPSDM, make_unit("BKPSDM Lain")))
    url = f"/admin/sertifikat/{world['cert_id']}"
    assert client.get(url).status_code == 404
    assert client.post(f"{url}/cabut", data={"reason": "x", "confirm": "y"}).status_code == 404
    assert client.post(f"{url}/terbitkan-ulang", data={"reason": "x", "confirm": "y"}).status_code == 404
    assert _cert(app, world["cert_id"]).state == CertificateState.VALID


def test_reissue_replaces_and_links_both_ways(app, client, login_as, world, make_user, monkeypatch) -> None:
    """services.reissue makes the new row; the pages show the new one and the old one "diganti"."""
    from elearn.certificates import services

    def fake_issue(user, version, *, completed_at, replaces=None, now=None):  # type: ignore[no-untyped-def]
        return insert_certificate(user.id, version, replaces=replaces)

    monkeypatch.setattr(services, "issue", fake_issue)
    login_as(make_user(Role.ADMIN_BKPSDM, world["dinas"]))
    url = f"/admin/sertifikat/{world['cert_id']}"
    assert client.post(f"{url}/terbitkan-ulang", data={"confirm": "y"}).status_code == 400
    response = client.post(f"{url}/terbitkan-ulang", data={"reason": "Perbaikan gelar", "confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        new = db.session.scalar(select(Certificate).where(Certificate.replaces_id == world["cert_id"]))
        assert new is not None and new.state == CertificateState.VALID
        new_id, new_serial, new_code = new.id, new.serial, new.code
        assert db.session.get(Certificate, world["cert_id"]).state == CertificateState.REPLACED
    assert response.headers["Location"].endswith(f"/admin/sertifikat/{new_id}")
    new_page = client.get(f"/admin/sertifikat/{new_id}").get_data(as_text=True)
    assert world["serial"] in new_page and "Menggantikan" in new_page
    old_page = client.get(url).get_data(as_text=True)
    assert f"penggantinya: <a href=\"/admin/sertifikat/" in old_page and f">{new_serial}</a>" in old_page
    assert "Terbitkan ulang</button>" not in old_page
    assert old_page.count("diganti") == 1  # the state, not said twice
    public = client.get(f"/verifikasi/sertifikat/{world['code']}").get_data(as_text=True)
    assert "Diganti:" in public and f"/verifikasi/sertifikat/{new_code}" in public


# --- HR: settings ----------------------------------------------------------------------------------


def _png(width: int, height: int, *, idat: bytes | None = None, extra: list[tuple[bytes, bytes]] | None = None,
         colour: int = 6) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    channels = {0: 1, 2: 3, 6: 4}[colour]
    if idat is None:
        raw = b"".join(b"\x00" + b"\xff" * (width * channels) for _ in range(height))
        idat = zlib.compress(raw)
    body = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    chunks = [chunk(b"IHDR", body), *(chunk(k, v) for k, v in (extra or [])), chunk(b"IDAT", idat),
              chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


@pytest.fixture
def admin(client, login_as, world, make_user) -> User:
    user = make_user(Role.ADMIN_BKPSDM, world["dinas"])
    login_as(user)
    return user


def _settings_post(client, **fields: Any) -> Any:
    data = {"serial_prefix": "BKPSDM-KU", "signatory_name": "Dr. Budi Santoso, M.Si.",
            "signatory_nip": "197001011990031001", "signatory_title": "Kepala BKPSDM", "template_key": "default"}
    data.update(fields)
    return post_closing(client, "/admin/sertifikat/pengaturan", data)


def test_settings_are_saved_and_audited(app, client, world, admin) -> None:
    page = client.get("/admin/sertifikat/pengaturan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tanda tangan elektronik (PAdES)" in html and 'value="BKPSDM-' in html
    logo = _png(40, 20)
    response = _settings_post(client, serial_prefix="bkpsdm-ku.2", signatory_nip="19700101 199003 1 001",
                              logo=(io.BytesIO(logo), "logo.png"))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(CertificateSettings, world["instansi"].id)
        assert row.serial_prefix == "BKPSDM-KU.2" and row.signatory_nip == "197001011990031001"
        assert row.signatory_title == "Kepala BKPSDM" and row.logo == logo
        assert row.logo_sha256 == hashlib.sha256(logo).hexdigest() and row.updated_by_id == admin.id
        event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate_settings.update"))
        assert event_ is not None and event_.instansi_id == world["instansi"].id
        assert event_.details["changed"]["serial_prefix"][1] == "BKPSDM-KU.2"
    # saved again without a file: the logo stays; "Hapus logo" removes it
    assert _settings_post(client, serial_prefix="BKPSDM-KU.2").status_code == 302
    with app.app_context():
        assert db.session.get(CertificateSettings, world["instansi"].id).logo == logo
    assert _settings_post(client, serial_prefix="BKPSDM-KU.2", remove_logo="y").status_code == 302
    with app.app_context():
        assert db.session.get(CertificateSettings, world["instansi"].id).logo is None


@pytest.mark.parametrize(("fields", "message"), [
    ({"serial_prefix": "BKPSDM/KU"}, "Awalan nomor seri hanya boleh berisi huruf A–Z"),
    ({"serial_prefix": "BKPSDM KU"}, "Awalan nomor seri hanya boleh berisi huruf A–Z"),
    ({"serial_prefix": "A" * 33}, "Awalan nomor seri paling panjang 32 karakter."),
    ({"serial_prefix": "-ABC"}, "Awalan nomor seri hanya boleh berisi huruf A–Z"),
    ({"serial_prefix": ""}, "Isi awalan nomor seri."),
    ({"signatory_nip": "123"}, "NIP penanda tangan tidak sah"),
    ({"signatory_nip": "197001011990031000"}, "NIP penanda tangan tidak sah"),
    ({"template_key": "tidak-ada"}, 'id="template_key-error"'),
])
def test_settings_validation(app, client, world, admin, fields, message) -> None:
    response = _settings_post(client, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CertificateSettings, world["instansi"].id) is None


def _bomb_idat() -> bytes:
    compressor = zlib.compressobj(9)
    zeros = b"\x00" * (1024 * 1024)
    out = b"".join(compressor.compress(zeros) for _ in range(64))
    return out + compressor.flush()


@pytest.mark.parametrize(("logo", "message"), [
    (_png(100_000, 100_000, idat=zlib.compress(b"\x00" * 100)), "Ukuran logo 100000×100000 piksel tidak diterima"),
    (_png(2001, 10), "Ukuran logo 2001×10 piksel tidak diterima"),
    # the header says 100x100; the image data inflates to 64 MB (a zlib bomb): refused one step past it
    (_png(100, 100, idat=_bomb_idat()), "Berkas logo rusak"),
    (_png(10, 10, extra=[(b"zTXt", b"k\x00\x00" + zlib.compress(b"x" * 1000))]), "Berkas logo rusak"),
    (_png(10, 10)[:-5], "Berkas logo rusak"),
    (b"GIF89a" + b"\x00" * 100, "Logo harus berupa berkas PNG."),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024 + 1), "Logo terlalu besar"),
])
def test_settings_refuse_bad_logos(app, client, world, admin, logo, message) -> None:
    response = _settings_post(client, logo=(io.BytesIO(logo), "logo.png"))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CertificateSettings, world["instansi"].id) is None


def test_logo_check_reads_the_header_before_inflating(monkeypatch) -> None:
    """A PNG claiming 100000x100000 is refused without inflating anything."""
    def no_inflate(*args: Any) -> Any:
        raise AssertionError("inflated")

    monkeypatch.setattr(logo_check.zlib, "decompressobj", no_inflate)
    with pytest.raises(logo_check.LogoError) as refused:
        logo_check.check_logo(_png(100_000, 100_000, idat=b"x"))
    assert refused.value.code == "dimensions"


def test_logo_check_accepts_palette_and_grey_pngs() -> None:
    assert logo_check.check_logo(_png(30, 30, colour=2)) == logo_check.LogoInfo(30, 30)
    assert logo_check.check_logo(_png(5, 7, colour=0)) == logo_check.LogoInfo(5, 7)


def test_settings_are_for_admins_of_the_instansi(app, client, login_as, world, make_user) -> None:
    login_as(make_user(Role.OPERATOR_SKPD, world["dinas"]))
    assert client.get("/admin/sertifikat/pengaturan").status_code == 403
    assert _settings_post(client).status_code == 403
    client.post("/keluar")
    login_as(make_user(Role.SUPERADMIN, None))
    choose = client.get("/admin/sertifikat/pengaturan").get_data(as_text=True)
    assert f"?instansi={world['instansi'].slug}" in choose
    response = client.post(f"/admin/sertifikat/pengaturan?instansi={world['instansi'].slug}",
                           data={"serial_prefix": "KOTA-UJI", "template_key": "default"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(CertificateSettings, world["instansi"].id).serial_prefix == "KOTA-UJI"


def test_revocation_date_is_the_instansi_day(app, client, make_instansi, make_unit, make_user) -> None:
    import datetime as dt

    holder = make_user(Role.PESERTA, make_unit(instansi=make_instansi(timezone="WIT")))
    with app.test_request_context():
        late = dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.UTC)  # 1 December, 05.00 WIT
        cert = insert_certificate(holder.id, course_version(), state=CertificateState.REVOKED, revoked_at=late)
        db.session.commit()
        code = cert.code
    html = client.get(f"/verifikasi/sertifikat/{code}").get_data(as_text=True)
    assert "sejak 1 Desember 2026." in html


def test_my_certificates_page_statements_do_not_grow_with_rows(app, client, login_as, world) -> None:
    login_as(world["holder"])
    client.get("/sertifikat/")
    _response, one = _counted_get(app, client, "/sertifikat/")
    with app.test_request_context():
        for _ in range(4):
            insert_certificate(world["holder"].id, course_version())
        db.session.commit()
    response, five = _counted_get(app, client, "/sertifikat/")
    assert response.get_data(as_text=True).count('class="card certificate"') == 5
    assert five == one


def test_verify_page_says_not_valid_when_the_row_no_longer_matches_its_signed_badge(app, client, world) -> None:
    """Someone with database access changes the name on a certificate row: the signed Open Badge
    still carries the name it was issued with, so the page says "Tidak valid"."""
    with app.app_context():
        db.session.get(Certificate, world["cert_id"]).holder_name = "Nama Lain"
        db.session.commit()
    html = client.get(f"/verifikasi/sertifikat/{world['code']}").get_data(as_text=True)
    assert "Tidak valid:" in html and "Sah:" not in html


def test_verify_page_says_not_valid_when_the_badge_proof_is_broken(app, client, world) -> None:
    with app.app_context():
        row = db.session.get(Certificate, world["cert_id"])
        credential = json.loads(json.dumps(row.credential))
        credential["validFrom"] = "2020-01-01T00:00:00Z"
        row.credential = credential
        db.session.commit()
    html = client.get(f"/verifikasi/sertifikat/{world['code']}").get_data(as_text=True)
    assert "Tidak valid:" in html and "Sah:" not in html


def test_a_badge_naming_another_public_address_is_unchecked_not_invalid(app, client, make_user, world) -> None:
    person = make_user(Role.PESERTA, world["school"])
    """Issued outside a request without PUBLIC_BASE_URL (the development address): this server does
    not publish that issuer key, so the proof cannot be checked here; the page says so, quietly."""
    with app.app_context():  # (no request: the credential names http://127.0.0.1:5000)
        cert = insert_certificate(person.id, db.session.get(CourseVersion, world["version_id"]))
        db.session.commit()
        code = cert.code
    html = client.get(f"/verifikasi/sertifikat/{code}").get_data(as_text=True)
    assert "Sah:" in html and "tidak dapat diperiksa di server ini" in html


# --- with the instansi's PAdES signature ------------------------------------------------------------


@pytest.fixture
def signing_dir(app: Flask, tmp_path) -> Any:
    from elearn.certificates import signing

    saved = {k: app.config.get(k) for k in ("CERTIFICATE_SIGNING_DIR", "CERTIFICATE_SIGNING_PASSPHRASES")}
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


def _readable_pdf(text: str) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=landscape(A4), pageCompression=0)  # text to alter in place
    for line in range(10):
        page.drawString(72, 500 - 20 * line, f"{text} - baris {line}")
    page.showPage()
    page.save()
    return buffer.getvalue()


@pytest.fixture
def signed_certificate(app: Flask, world, signing_dir) -> dict[str, Any]:
    from elearn.certificates import signing
    from elearn.certificates.dev_signing import write_dev_key

    write_dev_key(signing_dir, world["instansi"].slug, world["instansi"].name)
    with app.test_request_context():
        signer = signing.signer_for(db.session.get(type(world["instansi"]), world["instansi"].id))
        assert signer is not None
        pdf = signer.sign(_readable_pdf("Sertifikat penyelesaian"))
        person = db.session.get(User, world["holder"].id)
        cert = insert_certificate(person.id, course_version(title="Kursus Bertanda Tangan"), pdf=pdf)
        cert.pdf_signed = True
        db.session.commit()
        return {"pdf": pdf, "serial": cert.serial, "signer": signer.description.common_name,
                "expires": signer.description.not_after}


def test_upload_of_a_signed_certificate_is_recognised_and_its_signature_intact(client, signed_certificate) -> None:
    html = _upload(client, signed_certificate["pdf"]).get_data(as_text=True)
    assert "Dikenali: berkas ini sama persis" in html and signed_certificate["serial"] in html
    assert "Tanda tangan elektronik pada berkas: utuh." in html
    assert f"Penanda tangan: {signed_certificate['signer']}." in html
    assert "bukan salah satu instansi yang terdaftar" not in html


def test_upload_of_a_signed_certificate_with_one_byte_changed_is_broken(client, signed_certificate) -> None:
    data = bytearray(signed_certificate["pdf"])
    at = bytes(data).index(b"baris 5")
    data[at] = ord("B")
    html = _upload(client, bytes(data)).get_data(as_text=True)
    assert "Tidak dikenali" in html and signed_certificate["serial"] not in html
    assert "Tanda tangan elektronik pada berkas: RUSAK." in html


def test_settings_show_the_signing_status(app, client, world, admin, signing_dir) -> None:
    from elearn.certificates.dev_signing import write_dev_key

    html = client.get("/admin/sertifikat/pengaturan").get_data(as_text=True)
    assert "Belum dikonfigurasi" in html
    write_dev_key(signing_dir, world["instansi"].slug, world["instansi"].name)
    html = client.get("/admin/sertifikat/pengaturan").get_data(as_text=True)
    assert "Terpasang: " in html and "berlaku sampai" in html and "Belum dikonfigurasi" not in html
    assert "Ini kunci uji coba untuk pengembangan, bukan sertifikat elektronik dari PSrE." in html


def test_a_really_issued_signed_certificate_is_recognised_and_a_changed_byte_breaks_it(
        app, client, world, signing_dir) -> None:
    """Issued by the service (drawn, PAdES-signed with the instansi's dev key, stored): uploading the
    learner's download is recognised, its signature intact; one byte changed is neither."""
    from elearn.certificates import services
    from elearn.certificates.dev_signing import write_dev_key

    write_dev_key(signing_dir, world["instansi"].slug, world["instansi"].name)
    with app.test_request_context():
        person = db.session.get(User, world["colleague"].id)
        issued = services.issue(person, course_version(title="Kursus Terbit Sungguhan"), completed_at=utcnow())
        assert issued is not None and issued.pdf_signed
        db.session.commit()
        issued_id, serial = issued.id, issued.serial
    pdf = _stored_pdf(app, issued_id)
    html = _upload(client, pdf).get_data(as_text=True)
    assert "Dikenali: berkas ini sama persis" in html and serial in html
    assert "Tanda tangan elektronik pada berkas: utuh." in html
    data = bytearray(pdf)
    data[len(data) // 3] ^= 0x20
    html = _upload(client, bytes(data)).get_data(as_text=True)
    assert "Tidak dikenali" in html and serial not in html
    assert "Tanda tangan elektronik pada berkas: utuh." not in html


def test_finishing_the_course_in_the_reader_shows_certificate_issued(app, client, login_as, make_course,
                                                                     world) -> None:
    """End to end: the last module marked read issues the certificate in that request; the course
    page then says "Sertifikat terbit" with the link, and "Sertifikat saya" lists it."""
    from elearn.courses.models import CourseVersion as Version

    made = make_course(modules=1, sections=1, title="Kursus Bersertifikat")
    with app.app_context():
        version = db.session.get(Version, made.id)
        version.certificate = {"criteria": "Membaca semua modul."}
        db.session.commit()
        slug, module = version.course.slug, version.modules[0].module.slug
    login_as(world["holder"])
    assert "Sertifikat terbit." not in client.get(f"/kursus/{slug}").get_data(as_text=True)
    client.post(f"/kursus/{slug}/modul/{module}/kemajuan", data={"reached": "0", "complete": "1"})
    html = client.get(f"/kursus/{slug}").get_data(as_text=True)
    assert "Sertifikat terbit." in html
    with app.app_context():
        issued = db.session.scalar(select(Certificate).where(Certificate.course_id == made.course_id))
        assert issued is not None
        assert f'href="/sertifikat/#sertifikat-{issued.id}"' in html
    assert "Kursus Bersertifikat" in client.get("/sertifikat/").get_data(as_text=True)


def test_settings_say_why_the_signing_certificate_cannot_be_used(app, client, world, admin, signing_dir) -> None:
    from elearn.certificates.dev_signing import write_dev_key

    write_dev_key(signing_dir, world["instansi"].slug, world["instansi"].name)
    (signing_dir / f"{world['instansi'].slug}.passphrase").write_text("keliru-xyz-123\n")
    html = client.get("/admin/sertifikat/pengaturan").get_data(as_text=True)
    assert "Sertifikat penanda tangan tidak dapat dibaca:" in html and "keliru-xyz-123" not in html


# --- HR: one certificate's PDF --------------------------------------------------------------------


def test_hr_downloads_one_pdf_and_an_operator_loses_it_when_the_holder_moves(app, client, login_as, world,
                                                                            make_user) -> None:
    """The admin and the operator of the SKPD download the issued PDF from the detail page; after the
    holder moves to another SKPD the operator still sees the certificate (it counts for their SKPD)
    but the NIP masked and no PDF (it prints the NIP), like the per-SKPD ZIP."""
    admin = make_user(Role.ADMIN_BKPSDM, world["dinas"])
    operator = make_user(Role.OPERATOR_SKPD, world["dinas"])
    url = f"/admin/sertifikat/{world['cert_id']}"
    stored = _stored_pdf(app, world["cert_id"])
    number = _cert(app, world["cert_id"]).holder_number
    for who in (admin, operator):
        client.post("/keluar")
        login_as(who)
        page = client.get(url).get_data(as_text=True)
        assert format_nip(number) in page and f'href="{url}/sertifikat.pdf"' in page
        download = client.get(f"{url}/sertifikat.pdf")
        assert download.status_code == 200 and download.data == stored
        assert download.headers["Content-Disposition"].startswith('attachment; filename="sertifikat-')
    with app.app_context():
        db.session.get(User, world["holder"].id).unit_id = world["other_skpd"].id
        db.session.commit()
        assert db.session.scalar(select(User.unit_id).where(User.id == world["holder"].id)) == world["other_skpd"].id
    page = client.get(url)  # still the operator
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert format_nip(number) not in html and mask_employee_number(number) in html
    assert "sertifikat.pdf" not in html
    assert client.get(f"{url}/sertifikat.pdf").status_code == 404
    client.post("/keluar")
    login_as(admin)
    assert client.get(f"{url}/sertifikat.pdf").status_code == 200
