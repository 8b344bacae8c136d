"""The certificate pages on a 360×640 phone, with axe: "Sertifikat saya" (copy the verify link with
JavaScript; the link is plain text without it), the public verification page opened from the QR URL,
the upload check with the certificate's own PDF, and HR's detail and settings pages. The certificate
is this module's own row (issuance has its own tests). (The certificate and demo fixtures come
before the page ones: signing the demo's PDFs runs an event loop, which cannot start inside
Playwright's.)"""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from certificate_support import course_version, insert_certificate
from elearn.accounts.models import Role, User
from elearn.certificates.models import CertificateFile
from elearn.db import db

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def certificate(app: Flask, demo, base_url: str) -> dict[str, Any]:
    with app.test_request_context(base_url=base_url):
        user_id = db.session.scalar(select(User.id).where(User.employee_number == demo[Role.PESERTA].nip))
        row = insert_certificate(user_id, course_version(title="Sertifikat Uji di Ponsel"))
        db.session.commit()
        pdf = db.session.get(CertificateFile, row.id).pdf
        result = {"id": row.id, "code": row.code, "serial": row.serial, "pdf": bytes(pdf)}
        db.session.remove()
    return result


def test_my_certificates_copy_link_and_verify_page(certificate, demo, page: Page, sign_in, check_page,
                                                   tmp_path) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(demo[Role.PESERTA].nip, "sandi-uji-browser-1")
    page.locator("nav.main-nav summary").click()  # the "Menu" disclosure
    page.get_by_role("link", name="Sertifikat saya").first.click()
    expect(page.get_by_role("heading", name="Sertifikat Uji di Ponsel")).to_be_visible()
    card = page.locator(f"#sertifikat-{certificate['id']}")
    link = card.locator(".verify-link")
    url = link.inner_text().strip()
    assert url.endswith(f"/verifikasi/sertifikat/{certificate['code']}")
    card.get_by_role("button", name="Salin tautan").click()
    expect(card.locator(".copy-status")).to_have_text("Tautan disalin.")
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    check_page("sertifikat-saya")

    page.goto(url)  # what the QR code opens
    expect(page.get_by_text("Sah: sertifikat ini diterbitkan oleh Pemerintah Kota Contoh melalui elearn dan "
                            "masih berlaku.")).to_be_visible()
    check_page("verifikasi-sertifikat")

    page.get_by_role("link", name="Periksa berkas PDF").click()
    pdf = tmp_path / "sertifikat.pdf"
    pdf.write_bytes(certificate["pdf"])
    page.get_by_label("Berkas PDF sertifikat").set_input_files(str(pdf))
    page.get_by_role("button", name="Periksa", exact=True).click()
    expect(page.get_by_text("Dikenali: berkas ini sama persis")).to_be_visible()
    check_page("verifikasi-sertifikat-unggah")


def test_without_javascript_the_link_is_text_and_no_button(certificate, demo, phone_without_js) -> None:
    page = phone_without_js(demo[Role.PESERTA].nip, "sandi-uji-browser-1")
    page.goto("/sertifikat/")
    card = page.locator(f"#sertifikat-{certificate['id']}")
    assert card.locator(".verify-link").inner_text().endswith(certificate["code"])
    expect(card.get_by_role("button", name="Salin tautan")).to_be_hidden()


def test_hr_detail_and_settings_pages(certificate, demo, page: Page, sign_in, check_page) -> None:
    sign_in(demo[Role.ADMIN_BKPSDM].nip, "sandi-uji-browser-1")
    page.goto(f"/admin/sertifikat/{certificate['id']}")
    expect(page.get_by_role("heading", name="Cabut sertifikat")).to_be_visible()
    check_page("sertifikat-admin")
    page.goto("/admin/sertifikat/pengaturan")
    expect(page.get_by_label("Awalan nomor seri")).to_be_visible()
    check_page("sertifikat-pengaturan")
