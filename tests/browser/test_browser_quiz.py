"""Taking a quiz on a 360 px phone: a single-choice question, a social-media feed dilemma (tapping
Ignore), a branching scenario through two situations, submitting and reading the review with its
feedback; axe on every page. The quiz draws fixed questions from the fixture bank (tests/fixtures/
quizzes/valid), so the test does not depend on the shipped bank's random draw. A second test
answers with JavaScript off (plain form posts)."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.content.quizzes import sync_quizzes, upsert_quiz
from elearn.db import db
from elearn.quizzes.models import Attempt, QuestionBank

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quizzes" / "valid"
SLUG = "kuis-ponsel"
TITLE = "Kuis Netralitas di Ponsel"


@pytest.fixture(scope="module")
def quiz(app: Flask) -> str:
    """The fixture bank synced, and a quiz of three fixed questions (options shuffled, 15 minutes)."""
    with app.app_context():
        sync_quizzes(FIXTURES)
        bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == "contoh"))
        assert bank is not None
        upsert_quiz(bank, {
            "slug": SLUG, "title": TITLE, "description": "Tiga situasi yang sering dihadapi ASN.", "pass_mark": 70,
            "attempt_limit": 3, "time_limit_minutes": 15, "shuffle_questions": False, "shuffle_options": True,
            "draw": [{"count": 1, "questions": ["like-tim-pemenangan"]},
                     {"count": 1, "questions": ["feed-tim-pemenangan"]},
                     {"count": 1, "questions": ["pesan-suara-sekda"]}],
        })
        db.session.commit()
        db.session.remove()
    return SLUG


def attempts_of(app: Flask, nip: str) -> list[Attempt]:
    with app.app_context():
        try:
            rows = list(db.session.scalars(
                select(Attempt).join(User, User.id == Attempt.user_id).where(User.employee_number == nip)
            ).unique())
            for row in rows:
                _ = [item.response for item in row.items]
            db.session.expunge_all()
            return rows
        finally:
            db.session.remove()


def test_take_a_quiz_on_a_phone(page: Page, app: Flask, base_url, demo, sign_in, check_page, quiz) -> None:
    account = demo[Role.PESERTA]
    sign_in(account.nip, account.password)
    page.goto("/kuis/")
    card = page.locator(".quiz-list li", has_text=TITLE)
    expect(card).to_contain_text("Belum dikerjakan")
    check_page("quiz-list")
    card.get_by_role("link", name=TITLE, exact=True).click()
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("main")).to_contain_text("15 menit")
    check_page("quiz-page")
    page.get_by_role("button", name="Mulai kuis").click()

    # 1: single choice (options in a shuffled order: chosen by their label)
    expect(page.locator("main")).to_contain_text("Soal 1 dari 3")
    expect(page.locator("[role=timer]")).to_be_visible()
    check_page("quiz-single-choice")
    page.get_by_label("Menghapus like dan tidak mengulanginya").check()
    page.get_by_role("button", name="Simpan jawaban").click()

    # 2: the social-media feed: Like first, then Ignore, which unticks Like
    expect(page.locator("main")).to_contain_text("Soal 2 dari 3")
    post = page.get_by_role("article", name="Unggahan media sosial dari Tim Maju Bersama")
    expect(post).to_contain_text("@majubersama")
    expect(post).to_contain_text("Ayo dukung pasangan nomor urut 2!")
    check_page("quiz-social-feed")
    like = page.get_by_role("checkbox", name="Suka")
    ignore = page.get_by_role("checkbox", name="Abaikan")
    page.locator("label[for=act-like]").click()
    expect(like).to_be_checked()
    page.locator("label[for=act-ignore]").click()
    expect(ignore).to_be_checked()
    expect(like).not_to_be_checked()
    page.get_by_role("button", name="Simpan jawaban").click()

    # 3: a branching scenario, one situation at a time
    expect(page.locator("main")).to_contain_text("Soal 3 dari 3")
    expect(page.locator("main")).to_contain_text("Sekda meminta semua hadir")
    page.get_by_label("Tidak hadir dan menyimpan bukti").check()
    page.get_by_role("button", name="Pilih", exact=True).click()
    expect(page.locator("main")).to_contain_text("Apakah Anda melapor?")
    expect(page.locator(".path")).to_contain_text("Tidak hadir dan menyimpan bukti")
    check_page("quiz-branching-step-2")
    page.get_by_label("Melapor ke BKPSDM").check()
    page.get_by_role("button", name="Pilih", exact=True).click()

    # all answered: the overview, then submit
    expect(page.locator("h1")).to_have_text("Semua soal terjawab")
    check_page("quiz-overview")
    [attempt] = attempts_of(app, account.nip)
    assert [item.response for item in attempt.items] == [
        {"options": ["a"]}, {"actions": ["ignore"]},
        {"path": [{"node": "pesan", "choice": "tidak-hadir"}, {"node": "melapor", "choice": "lapor"}]}]
    page.get_by_role("button", name="Kirim semua jawaban").click()

    # the review: the result and the feedback of each option, action and step
    expect(page.locator("h1")).to_have_text("Ulasan percobaan 1")
    main = page.locator("main")
    expect(main).to_contain_text("Jawaban Anda sudah dikirim dan dinilai.")
    expect(page.locator(".result")).to_contain_text("100%")
    expect(page.locator(".result")).to_contain_text("Lulus")
    # each question is folded (issue 16): open them all to read the feedback
    questions = page.locator("details.review-item")
    expect(questions).to_have_count(3)
    for n in range(3):
        questions.nth(n).locator("> summary").click()
    for text in ("Tepat. Like adalah bentuk dukungan di ruang publik.", "Membagikan memperluas kampanye.",
                 "Like adalah dukungan.", "Mengikuti akun pemenangan dilarang.",
                 "Penerima tidak hadir, menyimpan bukti dan melapor.",
                 "Jangan menanggapi akun calon dan tim pemenangannya.", "Hukuman disiplin berat",
                 "PP 94/2021 Pasal 5 huruf n angka 3"):
        expect(main).to_contain_text(text)
    expect(page.get_by_role("link", name="BKN Kanreg VI Medan").first).to_have_attribute(
        "href", "https://medan.bkn.go.id/?p=6556")
    check_page("quiz-review")
    [attempt] = attempts_of(app, account.nip)
    assert attempt.passed is True and attempt.percent == 100


def test_answer_without_javascript(phone_without_js, app: Flask, base_url, demo, quiz) -> None:
    """With JavaScript off every answer is a plain form post; the server redirects onwards."""
    account = demo[Role.PELATIH]
    page = phone_without_js(account.nip, account.password)
    page.goto(f"/kuis/{quiz}")
    page.get_by_role("button", name="Mulai kuis").click()
    expect(page.locator("main")).to_contain_text("Soal 1 dari 3")
    page.get_by_label("Membagikan unggahan itu juga").check()
    page.get_by_role("button", name="Simpan jawaban").click()
    expect(page.locator("main")).to_contain_text("Soal 2 dari 3")
    # Like and Ignore together: the server refuses and says why
    page.locator("label[for=act-like]").click()
    page.locator("label[for=act-ignore]").click()
    page.get_by_role("button", name="Simpan jawaban").click()
    expect(page.get_by_role("alert")).to_contain_text("tidak dapat digabung")
    page.locator("label[for=act-like]").click()
    page.get_by_role("button", name="Simpan jawaban").click()
    expect(page.locator("main")).to_contain_text("Soal 3 dari 3")
    page.get_by_label("Hadir", exact=True).check()
    page.get_by_role("button", name="Pilih", exact=True).click()
    expect(page.locator("main")).to_contain_text("Anda sudah di KPU")
    page.get_by_role("button", name="Kirim semua jawaban").click()
    expect(page.locator("h1")).to_have_text("Ulasan percobaan 1")
    expect(page.locator(".result")).to_contain_text("Belum lulus")
    expect(page.locator("main")).to_contain_text("Skenario ini tidak Anda selesaikan.")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    [attempt] = attempts_of(app, account.nip)
    assert [item.response for item in attempt.items] == [
        {"options": ["c"]}, {"actions": ["like"]}, {"path": [{"node": "pesan", "choice": "hadir"}]}]
