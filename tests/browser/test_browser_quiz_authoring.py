"""Authoring a social-media feed question on a 360 px phone: a trainer creates a question bank,
fills in the mock post and the five actions, previews it (the learner's view and every feedback,
fetched in place), fixes a problem the validator points at, saves, and opens the saved question;
axe and no sideways scrolling on every page. A second test does the same preview without
JavaScript (plain form posts) and adds a branching situation with the "tambah" button."""
from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from elearn.accounts.models import Role
from elearn.db import db
from elearn.quizzes.models import Question, QuestionBank

pytestmark = pytest.mark.browser


def _open_sections(page: Page) -> None:
    """Open the folded parts of the question data (issue 16 point 6) that are still closed."""
    for section in page.locator("#data-soal details.qa-fold").all():
        if section.get_attribute("open") is None:
            section.locator("summary").click()


def _fill_metadata(page: Page) -> None:
    _open_sections(page)
    page.get_by_label("Pilkada", exact=True).check()
    page.get_by_label("Tahap").select_option("calon")
    page.get_by_label("Peran pelaku").select_option("guru")
    page.get_by_label("Dasar hukum (satu per baris)").fill("PP 94/2021 Pasal 5 huruf n angka 6")
    page.get_by_label("Hukuman disiplin sedang").check()
    page.get_by_label("Tag (dipisah koma)").fill("media-sosial")
    page.get_by_label("Sumber (satu per baris: judul | https://alamat)").fill(
        "BKN, tanya jawab netralitas | https://www.bkn.go.id/netralitas")


def test_trainer_authors_a_social_feed_question_on_a_phone(page: Page, app: Flask, base_url, demo, sign_in,
                                                           check_page) -> None:
    account = demo[Role.PELATIH]
    sign_in(account.nip, account.password)
    page.locator("nav.main-nav summary").click()  # the "Menu" disclosure
    page.get_by_role("link", name="Bank soal").first.click()
    expect(page.locator("h1")).to_have_text("Bank soal")
    check_page("quiz-authoring-banks")

    page.get_by_role("link", name="Buat bank soal").click()
    page.get_by_label("Kode bank soal").fill("medsos-guru")
    page.get_by_label("Judul").fill("Media sosial untuk guru")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator(".flash")).to_contain_text("dibuat")
    check_page("quiz-authoring-bank")

    page.get_by_role("link", name="Dilema media sosial").click()
    expect(page.locator("h1")).to_contain_text("Dilema media sosial")
    check_page("quiz-authoring-feed-new")
    page.get_by_label("Kode soal").fill("feed-calon-guru")
    page.get_by_label("Judul singkat").fill("Unggahan calon di beranda guru")
    page.get_by_label("Situasi / pertanyaan").fill("Unggahan ini muncul di beranda Anda saat jam istirahat.")
    page.get_by_label("Nama akun").fill("Budi Santoso untuk Bupati")
    page.get_by_label("Nama pengguna (diawali @)").fill("budi untuk bupati")  # a space: the validator objects
    page.get_by_label("Jenis akun").select_option("candidate")
    page.get_by_label("Waktu unggah (mis. 2 jam)").fill("2 jam")
    page.get_by_label("Isi unggahan (teks biasa)").fill("Bersama guru, kita majukan pendidikan! <b>#BudiBisa</b>")
    page.get_by_label("Jumlah suka").fill("312")
    for action in ("Suka", "Komentar", "Bagikan", "Ikuti", "Abaikan"):
        group = page.get_by_role("group", name=action, exact=True)
        group.get_by_label("Umpan balik").fill(f"Umpan balik untuk {action.lower()}.")
    page.get_by_label("Umpan balik umum: perilaku yang benar, aturannya, sanksinya").fill(
        "Menyukai unggahan calon adalah bentuk dukungan. Abaikan.")
    _fill_metadata(page)

    page.evaluate("window.samePage = true")
    page.get_by_role("button", name="Pratinjau").click()
    preview = page.locator("#pratinjau")
    expect(preview).to_contain_text("Budi Santoso untuk Bupati")
    # the post is plain text: the tag shows as typed, nothing is rendered from it
    expect(preview.locator(".qa-post-text")).to_have_text("Bersama guru, kita majukan pendidikan! <b>#BudiBisa</b>")
    expect(preview).to_contain_text("Umpan balik untuk suka.")
    expect(preview.locator(".badge.err").first).to_have_text("pelanggaran")
    expect(page.locator("#pratinjau-status")).to_have_text("Pratinjau diperbarui.")
    assert page.evaluate("window.samePage === true")  # fetched in place, nothing stored
    check_page("quiz-authoring-feed-preview")

    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#post-handle-error")).to_have_text("Nama pengguna diawali @, tanpa spasi.")
    check_page("quiz-authoring-feed-error")
    page.get_by_label("Nama pengguna (diawali @)").fill("@budiuntukbupati")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator(".flash")).to_contain_text("disimpan (versi 1)")
    expect(page.locator("h1")).to_have_text("Unggahan calon di beranda guru")
    expect(page.locator(".qa-post")).to_contain_text("@budiuntukbupati")
    check_page("quiz-authoring-feed-saved")
    with app.app_context():
        question = db.session.scalar(select(Question).join(QuestionBank).where(QuestionBank.slug == "medsos-guru"))
        assert question is not None and question.key == "feed-calon-guru"
        assert question.current_version.data["post"]["handle"] == "@budiuntukbupati"
        assert question.current_version.data["actions"]["ignore"]["allowed"] is True
        db.session.remove()


def test_preview_and_rows_work_without_javascript(browser: Browser, base_url, demo) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False, bypass_csp=True,
                                  viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        account = demo[Role.PELATIH]
        page.goto("/masuk")
        page.get_by_label("NIP / NI PPPK").fill(account.nip)
        page.get_by_label("Kata sandi", exact=True).fill(account.password)
        page.get_by_role("button", name="Masuk", exact=True).click()
        page.goto("/penyusunan/soal/baru")
        page.get_by_label("Kode bank soal").fill("cabang-guru")
        page.get_by_label("Judul").fill("Skenario untuk guru")
        page.get_by_role("button", name="Simpan").click()
        page.get_by_role("link", name="Skenario bercabang").click()
        page.get_by_label("Situasi", exact=True).fill("Kepala sekolah meminta guru hadir di acara calon.")
        page.get_by_role("button", name="Tambah situasi").click()
        expect(page.locator("input[name=nodes-1-id]")).to_be_focused()
        page.locator("input[name=nodes-1-id]").fill("di-acara")
        page.get_by_role("button", name="Pratinjau").click()
        expect(page.locator("#pratinjau")).to_contain_text("Kepala sekolah meminta guru hadir")
        expect(page.locator("select[name=nodes-0-choices-0-next] option[value=di-acara]")).to_have_count(1)
    finally:
        context.close()


def test_situation_lists_follow_the_codes_as_they_are_typed(page: Page, base_url, demo, sign_in, check_page) -> None:
    """quiz-authoring.js: a new situation code appears in the "go on to" lists without a round trip;
    the item analysis pages pass the same checks."""
    account = demo[Role.PELATIH]
    sign_in(account.nip, account.password)
    page.goto("/penyusunan/soal/baru")
    page.get_by_label("Kode bank soal").fill("cabang-js")
    page.get_by_label("Judul").fill("Skenario dengan JavaScript")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("link", name="Skenario bercabang").click()
    page.get_by_role("button", name="Tambah situasi").click()
    code = page.locator("input[name=nodes-1-id]")
    expect(code).to_be_focused()
    code.fill("di-acara")
    code.press("Tab")
    expect(page.locator("select[name=nodes-0-choices-0-next] option[value=di-acara]")).to_have_count(1)
    expect(page.locator("select[name=nodes-1-choices-0-next] option[value=di-acara]")).to_have_count(0)
    expect(page.locator("select[name=start] option[value=di-acara]")).to_have_count(1)
    check_page("quiz-authoring-branching")
    page.locator("nav.main-nav summary").click()  # the "Menu" disclosure
    page.get_by_role("link", name="Analisis soal").click()
    expect(page.locator("h1")).to_have_text("Analisis butir soal")
    check_page("quiz-analysis-index")
