"""What the issue 16 walk (every role, 360x640, Indonesian and English) still found, on the demo data:

- a learner who has passed the quiz but not yet signed the pakta opened the quiz page and saw "Mulai
  percobaan baru" as the only (primary) action, with no word of the next step; the attempts table cut
  off its "Ulasan" link in English;
- an empty typed name on the signing form was called "not the same as your name"; the receipt of a
  signed pakta had no word of the course's next step (the quiz, or the certificate);
- dates in a dozen formats outside the learner's pages ("Dec 5, 2026, 4:27:41 AM WIB until 12/5/26,
  6:27 AM WIB" on the events list);
- the campaign page's facts squeezed into a 62 px column on a phone (the longest label set the width);
- the question form's error list began with "Options: ..." (English) and an unlabelled repeat of the
  code's error.

Each page is checked for sideways scrolling and serious axe violations (``check_page``)."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import exists, select

from elearn.accounts.models import Role, User
from elearn.auth import services as auth_services
from elearn.courses.models import Enrollment
from elearn.db import db
from elearn.pledges.models import Campaign, PledgeSignature
from elearn.quizzes.models import Attempt, Quiz

pytestmark = pytest.mark.browser

PASSWORD = "sandi-uji-jalan-1"


@pytest.fixture(scope="module")
def passed_not_signed(app: Flask, demo) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A demo participant who has read every module and passed the basic quiz but has not signed the
    open campaign (the seed has such people), given a known password."""
    with app.app_context():
        quiz_id = db.session.scalar(select(Quiz.id).where(Quiz.slug == "netralitas-dasar"))
        user = db.session.scalars(
            select(User).where(
                User.role == Role.PESERTA, User.active.is_(True), User.password_hash.is_not(None),
                exists().where(Attempt.user_id == User.id, Attempt.quiz_id == quiz_id, Attempt.passed.is_(True)),
                exists().where(Enrollment.user_id == User.id, Enrollment.modules_completed_at.is_not(None)),
                ~exists().where(PledgeSignature.user_id == User.id),
            ).order_by(User.id).limit(1)
        ).first()
        assert user is not None, "the demo has people who passed the quiz and have not signed"
        user.password_hash = auth_services.hash_password(PASSWORD)
        assert db.session.scalar(select(Campaign.id).where(Campaign.instansi_id == user.instansi_id)) is not None
        db.session.commit()
        result = {"nip": user.employee_number, "name": user.name}
        db.session.remove()
        return result


def test_a_passed_quiz_leads_to_the_pakta(page: Page, passed_not_signed, sign_in, check_page) -> None:
    sign_in(passed_not_signed["nip"], PASSWORD)
    page.goto("/kuis/netralitas-dasar")
    step = page.locator("section.next-step")
    expect(step).to_contain_text("Lulus")
    sign = step.get_by_role("link", name="Tanda tangani pakta")
    expect(sign).to_have_attribute("href", re.compile(r"^/pakta/\d+/tandatangani$"))
    # the next step comes before the rules, and another attempt is only a secondary button
    assert page.evaluate("() => document.querySelector('section.next-step').compareDocumentPosition("
                         "document.getElementById('rules-title')) & Node.DOCUMENT_POSITION_FOLLOWING")
    retry = page.get_by_role("button", name="Mulai percobaan baru")
    if retry.count():
        expect(retry).not_to_have_class("button primary")
    check_page("jalan-kuis-lulus")

    # English: the attempts are cards; the review link is inside the 360 px screen
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("load")
    expect(page.locator("section.next-step")).to_contain_text("Next step")
    review = page.get_by_role("link", name="Review").first
    box = review.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 360, box
    check_page("jalan-kuis-lulus-en")
    page.get_by_role("button", name="Bahasa Indonesia").click()
    page.wait_for_load_state("load")

    # the pakta with the typed-name method and nothing typed: asked for the name, not told it differs
    sign = page.locator("section.next-step").get_by_role("link", name="Tanda tangani pakta")
    sign.click()
    page.wait_for_url("**/tandatangani")
    page.get_by_label("Ketik nama lengkap", exact=True).check()
    page.get_by_role("button", name="Tanda tangani pakta").click()
    page.wait_for_load_state("load")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Ketik nama lengkap Anda (")
    expect(summary).not_to_contain_text("tidak sama")
    expect(summary).to_contain_text("Centang pernyataan ini")
    check_page("jalan-pakta-nama-kosong")

    # signed: the receipt ends with the course's next step (here its last: the certificate)
    page.get_by_label("Ketik nama lengkap", exact=True).check()
    page.locator("#typed_name").fill(passed_not_signed["name"])
    page.locator("#consent").check()
    page.get_by_role("button", name="Tanda tangani pakta").click()
    page.wait_for_url("**/bukti")
    step = page.locator("section.next-step")
    expect(step).to_contain_text("Netralitas ASN dalam Pilkada dan Pemilu")
    expect(step.get_by_role("link", name="Lihat sertifikat")).to_have_attribute("href", "/sertifikat/")
    check_page("jalan-pakta-bukti")


def test_hr_pages_in_the_one_date_format(page: Page, demo, sign_in, check_page) -> None:  # type: ignore[no-untyped-def]
    account = demo[Role.OPERATOR_SKPD]
    sign_in(account.nip, account.password)
    page.goto("/acara/")
    main = page.locator("main")
    expect(main.locator("tbody td").nth(1)).to_contain_text(re.compile(r"\d+ \w+ 20\d\d \d\d\.\d\d WIB"))
    for other in (" AM ", " PM "):
        expect(main).not_to_contain_text(other)
    check_page("jalan-acara")

    page.goto("/pakta/kampanye/")
    page.get_by_role("link", name="Pemilu 2029").click()
    expect(page.locator("h1")).to_have_text("Pemilu 2029")
    # the facts are stacked on a phone: no value squeezed beside a long label
    widths = page.eval_on_selector_all("dl.facts dd", "els => els.map(e => e.getBoundingClientRect().width)")
    assert widths and min(widths) > 250, widths
    # the dates as "26 Desember 2026" (babel's "medium" wrote "26 Des 2026")
    expect(page.locator("dl.facts")).to_contain_text(re.compile(r"\d Desember 2026"))
    expect(page.locator("dl.facts")).not_to_contain_text(re.compile(r"\d Des 2026"))
    check_page("jalan-kampanye")


def test_question_form_errors_speak_indonesian(  # type: ignore[no-untyped-def]
        page: Page, demo, sign_in, check_page) -> None:
    account = demo[Role.PELATIH]
    sign_in(account.nip, account.password)
    page.goto("/penyusunan/soal/")
    page.get_by_role("button", name="Salin ke instansi saya").first.click()
    page.wait_for_url("**/penyusunan/soal/bank/**")
    page.get_by_role("link", name="Pilihan tunggal", exact=True).first.click()
    page.wait_for_url("**/baru/single_choice")
    page.get_by_role("button", name="Simpan", exact=True).click()
    page.wait_for_load_state("load")
    problems = page.locator("#masalah")
    expect(problems).to_contain_text("Pilihan jawaban: Isi 2 sampai 8 pilihan.")
    expect(problems).to_contain_text("Kode soal: Wajib diisi.")
    expect(problems).not_to_contain_text("Options")
    # the code's problem is said once, next to "Kode soal", not again without a label
    expect(problems).not_to_contain_text("Hanya huruf kecil")
    check_page("jalan-soal-galat")
