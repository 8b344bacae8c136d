"""Issue 16, point 2 on a 360×640 phone: every error at once (activation with a wrong code and a
short password; signing without the consent tick and with a name that is not mine), the required
marks, the signing hint after a name with academic titles, and the question editor's error box
gone after a successful "Pratinjau" (fetched in place by authoring.js). axe on every page."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from elearn.accounts.models import EmployeeType, Role, User
from elearn.auth import services as auth_services
from elearn.db import db
from elearn.pledges.models import Campaign, ElectionType, PledgeText, PledgeTextVersion

pytestmark = pytest.mark.browser

TITLED_NAME = "Dr. Budi Santoso, S.H."
TITLED_NIP = "198001152006041003"
CAMPAIGN = "Pilkada Uji Formulir"
BODY = """# Pakta Integritas Uji Formulir

Saya yang bertanda tangan di bawah ini:

- Nama: {nama}
- NIP: {nip}

1. Menjaga netralitas sebelum, selama, dan sesudah pemungutan suara.

{tempat}, {tanggal}
"""


@pytest.fixture(scope="module")
def signer(app: Flask, demo) -> dict[str, object]:
    """A person of the demo instansi whose recorded name ends with an academic title (with the demo
    accounts' password), and an open campaign of this module's own."""
    password = demo[Role.PESERTA].password
    with app.app_context():
        peserta = db.session.scalar(select(User).where(User.employee_number == demo[Role.PESERTA].nip))
        assert peserta is not None
        user = User(employee_number=TITLED_NIP, employee_type=EmployeeType.PNS, name=TITLED_NAME, golongan="III/c",
                    jabatan="Analis Hukum", role=Role.PESERTA, instansi_id=peserta.instansi_id,
                    unit_id=peserta.unit_id, password_hash=auth_services.hash_password(password))
        db.session.add(user)
        text = PledgeText(slug="pakta-uji-formulir", title="Pakta Uji Formulir")
        db.session.add(text)
        db.session.flush()
        version = PledgeTextVersion(pledge_text_id=text.id, number=1, title=text.title, body=BODY, source_text=BODY,
                                    content_hash="f" * 64)
        db.session.add(version)
        db.session.flush()
        today = dt.date.today()
        campaign = Campaign(instansi_id=peserta.instansi_id, slug="uji-formulir", name=CAMPAIGN,
                            election_type=ElectionType.PILKADA, pledge_version_id=version.id, place="Kota Contoh",
                            opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=10))
        db.session.add(campaign)
        db.session.commit()
        info = {"nip": TITLED_NIP, "password": password, "campaign_id": campaign.id}
        db.session.remove()
    return info


def test_activation_shows_a_wrong_code_and_a_short_password_at_once(page: Page, base_url, activation_person,
                                                                     check_page) -> None:
    page.goto("/aktivasi")
    # every field is required, and says so beside its label
    expect(page.locator(".required-mark")).to_have_count(4)
    expect(page.get_by_label("Kode aktivasi")).to_have_attribute("aria-required", "true")
    check_page("forms-01-aktivasi")

    page.get_by_label("NIP / NI PPPK").fill(activation_person["nip"])
    page.get_by_label("Kode aktivasi").fill("AAAA-BBBB-CCCC")
    page.get_by_label("Kata sandi baru", exact=True).fill("pendek")
    page.get_by_label("Ulangi kata sandi baru").fill("pendek")
    page.get_by_role("button", name="Aktifkan").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("NIP atau kode aktivasi tidak cocok")
    expect(summary).to_contain_text("Kata sandi minimal 10 karakter.")
    expect(summary.get_by_role("link")).to_have_count(2)
    expect(page.locator("#code-error")).to_contain_text("tidak cocok")
    expect(page.locator("#password-error")).to_have_text("Kata sandi minimal 10 karakter.")
    expect(page.get_by_label("Kode aktivasi")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Kata sandi baru", exact=True)).to_have_attribute("aria-invalid", "true")
    check_page("forms-02-aktivasi-dua-galat")

    # the summary's link takes the phone to the field
    summary.get_by_role("link", name="Kata sandi baru").click()
    expect(page).to_have_url(re.compile(r"/aktivasi#password$"))


def test_signing_shows_missing_consent_and_a_wrong_name_at_once(page: Page, base_url, signer, sign_in,
                                                                check_page) -> None:
    sign_in(str(signer["nip"]), str(signer["password"]))
    page.goto(f"/pakta/{signer['campaign_id']}/tandatangani")
    expect(page.locator("h1")).to_have_text(CAMPAIGN)
    # one full stop after the title that ends the name, never ".."
    hint = page.locator("#typed_name-hint")
    expect(hint).to_have_text(f"Ketik nama lengkap Anda seperti tercatat: {TITLED_NAME} Gelar boleh tidak ditulis.")
    assert ".." not in hint.inner_text()
    check_page("forms-03-tanda-tangan")

    page.get_by_label("Ketik nama lengkap").check()
    page.get_by_label("Nama lengkap", exact=True).fill("Andi Wijaya")
    page.get_by_role("button", name="Tanda tangani pakta").click()

    summary = page.get_by_role("alert").filter(has_text="Periksa kembali")
    expect(summary).to_contain_text("Nama yang diketik tidak sama")
    expect(summary).to_contain_text("Centang pernyataan ini")
    expect(page.locator("#typed_name-error")).to_contain_text("Nama yang diketik tidak sama")
    expect(page.locator("#consent-error")).to_contain_text("Centang pernyataan ini")
    expect(page.get_by_label("Nama lengkap", exact=True)).to_have_value("Andi Wijaya")  # kept
    check_page("forms-04-tanda-tangan-dua-galat")

    # both fixed: signed
    page.get_by_label("Nama lengkap", exact=True).fill("budi santoso")
    page.locator("#consent").check()
    page.get_by_role("button", name="Tanda tangani pakta").click()
    expect(page).to_have_url(re.compile(r"/bukti$"))


def _fill_feed_question(page: Page) -> None:
    page.get_by_label("Kode soal").fill("feed-formulir")
    page.get_by_label("Judul singkat").fill("Unggahan calon di beranda")
    page.get_by_label("Situasi / pertanyaan").fill("Unggahan ini muncul di beranda Anda saat jam istirahat.")
    page.get_by_label("Nama akun").fill("Budi Santoso untuk Bupati")
    page.get_by_label("Nama pengguna (diawali @)").fill("budi untuk bupati")  # a space: refused
    page.get_by_label("Jenis akun").select_option("candidate")
    page.get_by_label("Waktu unggah (mis. 2 jam)").fill("2 jam")
    page.get_by_label("Isi unggahan (teks biasa)").fill("Bersama guru, kita majukan pendidikan!")
    for action in ("Suka", "Komentar", "Bagikan", "Ikuti", "Abaikan"):
        group = page.get_by_role("group", name=action, exact=True)
        group.get_by_label("Umpan balik").fill(f"Umpan balik untuk {action.lower()}.")
    page.get_by_label("Umpan balik umum: perilaku yang benar, aturannya, sanksinya").fill(
        "Menyukai unggahan calon adalah bentuk dukungan. Abaikan.")
    for section in page.locator("#data-soal details.qa-fold").all():  # the folded question data
        if section.get_attribute("open") is None:
            section.locator("summary").click()
    page.get_by_label("Pilkada", exact=True).check()
    page.get_by_label("Tahap").select_option("calon")
    page.get_by_label("Peran pelaku").select_option("guru")
    page.get_by_label("Dasar hukum (satu per baris)").fill("PP 94/2021 Pasal 5 huruf n angka 6")
    page.get_by_label("Hukuman disiplin sedang").check()
    page.get_by_label("Tag (dipisah koma)").fill("media-sosial")
    page.get_by_label("Sumber (satu per baris: judul | https://alamat)").fill(
        "BKN, tanya jawab netralitas | https://www.bkn.go.id/netralitas")


def test_a_successful_preview_clears_the_old_error_box(page: Page, base_url, demo, sign_in, check_page) -> None:
    account = demo[Role.PELATIH]
    sign_in(account.nip, account.password)
    page.goto("/penyusunan/soal/baru")
    page.get_by_label("Kode bank soal").fill("formulir-pratinjau")
    page.get_by_label("Judul").fill("Bank uji pratinjau")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator(".flash")).to_contain_text("dibuat")
    page.get_by_role("link", name="Dilema media sosial").click()
    _fill_feed_question(page)

    # a refused save: the box at the top and the error beside the field
    page.get_by_role("button", name="Simpan").click()
    box = page.locator("#masalah")
    expect(box).to_be_visible()
    expect(box).to_contain_text("Nama pengguna diawali @")
    expect(page.locator("#post-handle-error")).to_have_text("Nama pengguna diawali @, tanpa spasi.")
    check_page("forms-05-pratinjau-galat")

    # fixed, then previewed in place: the answer has no problem left, so neither has the page
    page.get_by_label("Nama pengguna (diawali @)").fill("@budiuntukbupati")
    page.evaluate("window.samePage = true")
    page.get_by_role("button", name="Pratinjau").click()
    expect(page.locator("#pratinjau")).to_contain_text("@budiuntukbupati")
    expect(page.locator("#pratinjau-status")).to_have_text("Pratinjau diperbarui.")
    assert page.evaluate("window.samePage === true")  # fetched in place (authoring.js), not a page load
    expect(page.locator("#masalah")).to_have_count(0)
    expect(page.locator("#post-handle-error")).to_have_count(0)
    expect(page.get_by_label("Nama pengguna (diawali @)")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field.has-error")).to_have_count(0)
    check_page("forms-06-pratinjau-bersih")

    # broken again, previewed: the box comes back with the answer's problem
    page.get_by_label("Nama pengguna (diawali @)").fill("tanpa at")
    page.get_by_role("button", name="Pratinjau").click()
    expect(page.locator("#masalah")).to_contain_text("Nama pengguna diawali @")
    expect(page.locator("#post-handle-error")).to_have_text("Nama pengguna diawali @, tanpa spasi.")
    assert page.evaluate("window.samePage === true")
