"""Trainers on a 360 px phone (issue 16 point 6): a trainer of an instansi without courses of its own
reads why the shipped course can't be edited here and copies it into the instansi; copies a shipped
question bank; the single-choice form, its metadata folded into sections, is measured (height folded
and with every section open) and opens the section holding an error. Axe and no sideways scrolling
on every page."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from elearn.accounts.models import Role
from elearn.courses.models import Course
from elearn.db import db
from elearn.quizzes.models import QuestionBank
from factories import new_instansi, new_unit, new_user

pytestmark = pytest.mark.browser

PASSWORD = "sandi-uji-browser-1"
#: the single-choice form is at most this tall at 360x640 with its sections folded (it was 5,300 px)
FOLDED_MAX = 2600  # (2,462 px when first folded; the one-line note on what is required added ~46 px)


@pytest.fixture(scope="module")
def trainer(app: Flask, demo):  # type: ignore[no-untyped-def]
    """A trainer of an instansi of their own (no course yet); ``demo`` loads the shipped content."""
    instansi = new_instansi(app, slug="kab-uji-pelatih", name="Pemerintah Kabupaten Uji Pelatih")
    unit = new_unit(app, "Dinas Pendidikan", instansi=instansi)
    return new_user(app, Role.PELATIH, unit, password=PASSWORD, name="Rina Pelatih, S.Pd.")


def height(page: Page) -> int:
    return int(page.evaluate("() => document.documentElement.scrollHeight"))


def test_trainer_reads_why_and_copies_the_shipped_course(page: Page, app: Flask, trainer, sign_in,
                                                         check_page) -> None:
    sign_in(trainer.employee_number, PASSWORD)
    page.goto("/penyusunan/")
    empty = page.locator("#belum-ada")
    expect(empty).to_contain_text("Instansi Anda belum punya kursus sendiri.")
    expect(empty).to_contain_text("dipelihara oleh operator instalasi")
    expect(empty).to_contain_text("salin kursus bawaan ke instansi Anda")
    check_page("trainers-empty-courses")

    with app.app_context():
        shipped = db.session.scalars(select(Course).where(Course.instansi_id.is_(None))
                                     .order_by(Course.slug)).unique().first()
        title = shipped.published_version.title
    page.get_by_role("button", name=re.compile(r"^Salin ke instansi saya\s+" + re.escape(title))).click()
    expect(page.locator(".flash")).to_contain_text("dibuat sebagai draf milik instansi Anda")
    expect(page.locator("h1")).to_have_text(f"{title} (salinan)")
    check_page("trainers-course-copy")
    with app.app_context():
        copy = db.session.scalar(select(Course).where(Course.instansi_id == trainer.instansi_id))
        assert copy is not None and copy.slug == f"{shipped.slug}-kab-uji-pelatih"
    # the list now shows the copy, and the shipped course is still offered
    page.goto("/penyusunan/")
    expect(page.locator("table")).to_contain_text(f"{shipped.slug}-kab-uji-pelatih")
    expect(page.locator("#belum-ada")).to_have_count(0)


def test_trainer_copies_a_shipped_bank(page: Page, app: Flask, trainer, sign_in, check_page) -> None:
    sign_in(trainer.employee_number, PASSWORD)
    with app.app_context():
        bank = db.session.scalars(select(QuestionBank).where(QuestionBank.instansi_id.is_(None))
                                  .order_by(QuestionBank.slug)).first()
        slug, title = bank.slug, bank.title
    page.goto(f"/penyusunan/soal/bank/{slug}")
    expect(page.locator("main")).to_contain_text("dipelihara lewat berkas di folder quizzes/")
    page.get_by_role("button", name="Salin ke instansi saya").click()
    expect(page.locator(".flash")).to_contain_text("Salinan")
    expect(page.locator("h1")).to_have_text(f"{title} (salinan)")
    check_page("trainers-bank-copy")
    assert page.url.endswith(f"/penyusunan/soal/bank/{slug}-kab-uji-pelatih")
    # the copy is the instansi's: its questions can be added here
    expect(page.get_by_role("heading", name="Soal baru")).to_be_visible()


def test_single_choice_form_is_folded_on_a_phone(page: Page, app: Flask, trainer, sign_in, check_page) -> None:
    sign_in(trainer.employee_number, PASSWORD)
    page.goto("/penyusunan/soal/baru")
    page.get_by_label("Kode bank soal").fill("bank-lipat")
    page.get_by_label("Judul").fill("Bank uji formulir")
    page.get_by_role("button", name="Simpan").click()
    page.goto("/penyusunan/soal/bank/bank-lipat/baru/single_choice")
    expect(page.locator("h1")).to_contain_text("Soal baru")
    folded = height(page)
    # the stem and the options come before the folded question data
    stem = page.get_by_label("Situasi / pertanyaan").bounding_box()
    data = page.locator("#data-soal").bounding_box()
    assert stem["y"] < page.locator("#pilihan").bounding_box()["y"] < data["y"]
    expect(page.locator("#bagian-pemilihan summary")).to_contain_text("Pemilihan, tahap")
    expect(page.locator("#bagian-pemilihan summary")).to_contain_text("belum diisi")
    check_page("trainers-question-form-folded")
    page.evaluate("() => document.querySelectorAll('details.qa-fold').forEach(d => { d.open = true; })")
    unfolded = height(page)
    print(f"single-choice form at 360x640: {folded} px folded, {unfolded} px with every section open")
    assert folded < FOLDED_MAX, f"the folded form is {folded} px tall"
    assert folded < unfolded * 0.6, (folded, unfolded)

    # a save with the question data left empty: the sections with errors open by themselves, their
    # summaries say so; the others stay folded
    page.reload()
    page.get_by_label("Kode soal").fill("uji-lipat")
    page.get_by_label("Judul singkat").fill("Uji formulir terlipat")
    page.get_by_label("Situasi / pertanyaan").fill("Seorang calon mengajak Anda berfoto.")
    page.locator("#options-0-text").fill("Menolak dengan sopan")
    page.locator("#options-0-correct").check()
    page.locator("#options-1-text").fill("Berfoto sambil berpose jari")
    page.get_by_label("Umpan balik umum").fill("Tolak dengan sopan: berfoto dengan pose dukungan melanggar.")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.locator("#masalah")).to_be_visible()
    assert page.locator("#bagian-pemilihan").get_attribute("open") is not None
    expect(page.locator("#bagian-pemilihan summary")).to_contain_text("perlu diperbaiki")
    assert page.locator("#bagian-format").get_attribute("open") is None
    expect(page.get_by_label("Pilkada", exact=True)).to_be_visible()
    check_page("trainers-question-form-errors")
    # what was typed is kept
    expect(page.get_by_label("Situasi / pertanyaan")).to_have_value("Seorang calon mengajak Anda berfoto.")


def test_quiz_preview_is_folded_per_question_on_a_phone(page: Page, demo, sign_in, check_page) -> None:
    """One draw of the leaders' quiz (nine situations) was about 36,000 px tall at 360x640; each question is
    now folded under its number, code and title, and opens as the learner sees it."""
    account = demo[Role.SUPERADMIN]
    sign_in(account.nip, account.password)
    page.goto("/penyusunan/kuis/netralitas-pimpinan/pratinjau")
    expect(page.locator("h1")).to_have_text("Pratinjau satu undian")
    folds = page.locator("main details.qa-fold")
    expect(folds).to_have_count(9)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 2500, f"the folded preview is {height} px tall"
    check_page("quiz-preview-folded")
    folds.first.locator("summary").click()
    expect(folds.first.locator(".qa-preview")).to_be_visible()
