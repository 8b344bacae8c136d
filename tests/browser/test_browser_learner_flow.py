"""Issue 16, the learner's walk at 360x640: after reading every module the next step is the quiz (not
module 1 again, and not 99 %); "Mulai" in "Kursus saya" opens the reader; the quiz review is short
(each question folded) and ends with "Tanda tangani pakta"; a teacher does not see the leaders'
quiz, a head of school does. axe and sideways scrolling checked on every page."""
from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from elearn.accounts.models import EmployeeType, JenisJabatan, Role, User
from elearn.auth import services as auth_services
from elearn.content.quizzes import quiz_data, upsert_quiz
from elearn.courses.models import Course, CourseVersion, CourseVersionModule, ModuleVersion, VersionStatus
from elearn.db import db, utcnow
from elearn.demo import data as demo_data
from elearn.org.models import Unit
from elearn.quizzes.models import Quiz

pytestmark = pytest.mark.browser

SLUG = "uji-alur-peserta"
TITLE = "Alur Peserta di Ponsel"
QUIZ = "kuis-alur-peserta"
#: the review of a shipped quiz of ten questions was 26,200 px tall before issue 16
REVIEW_MAX_HEIGHT = 6_000


def _person(sd: Unit, nip: str, name: str, jabatan: str, password: str) -> User:
    user = User(employee_number=nip, employee_type=EmployeeType.PNS, name=name, golongan="III/c",
                jabatan=jabatan, jenis_jabatan=JenisJabatan.FUNGSIONAL, role=Role.PESERTA,
                instansi_id=sd.instansi_id, unit_id=sd.id, password_hash=auth_services.hash_password(password))
    db.session.add(user)
    return user


@pytest.fixture(scope="module")
def flow(app: Flask, demo) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """A course of two short modules that asks for a quiz (the shipped basic quiz's draw, pass mark
    0 so that any submitted attempt passes) and for a pakta with an open campaign in the demo
    instansi; a teacher and a head of school of the first SD (committed: the server must see them)."""
    from pledge_support import make_campaign, make_pledge_version

    with app.app_context():
        sd = db.session.scalar(select(Unit).where(Unit.name == demo_data.FIRST_SD))
        assert sd is not None
        basic = db.session.scalar(select(Quiz).where(Quiz.slug == "netralitas-dasar"))
        assert basic is not None, "the demo syncs the shipped quizzes"
        upsert_quiz(basic.bank, {**quiz_data(basic), "slug": QUIZ, "title": "Kuis Alur Peserta", "pass_mark": 0,
                                 "attempt_limit": None, "time_limit_minutes": None})
        pakta = make_pledge_version()
        make_campaign(sd.instansi_id, pakta)
        course = Course(slug=SLUG)
        db.session.add(course)
        db.session.flush()
        version = CourseVersion(course_id=course.id, number=1, status=VersionStatus.PUBLISHED, label="2026.1",
                                title=TITLE, summary="Kursus uji alur peserta.", jp=2,
                                content_hash=hashlib.sha256(SLUG.encode()).hexdigest(), published_at=utcnow(),
                                requires={"quiz": QUIZ, "pledge": pakta.pledge_text.slug},
                                completion={"modules": "all", "quiz_pass": True, "pledge_signed": True})
        db.session.add(version)
        db.session.flush()
        for m in (1, 2):
            module = ModuleVersion(
                course_id=course.id, slug=f"0{m}-modul-alur", title=f"Modul alur {m}", minutes=4,
                objectives=["Menjelaskan asas netralitas ASN"], references=["UU 20/2023 Pasal 9 ayat (2)"],
                sources=[], source_text="", content_hash=hashlib.sha256(f"{SLUG}-{m}".encode()).hexdigest(),
                sections=[{"title": f"Bagian {s} modul {m}", "html": f"<p>Isi bagian {s}. ASN wajib netral.</p>",
                           "words": 80} for s in (1, 2)])
            db.session.add(module)
            db.session.flush()
            db.session.add(CourseVersionModule(course_version_id=version.id, module_version_id=module.id,
                                               position=m - 1))
        course.published_version_id = version.id
        password = demo[Role.PESERTA].password
        _person(sd, "198803122015031901", "Dewi Lestari, S.Pd.", "Guru Kelas Ahli Muda", password)
        _person(sd, "197905062005011902", "Bambang Sutrisno, S.Pd.", f"Kepala {demo_data.FIRST_SD}", password)
        db.session.commit()
        db.session.remove()
    yield {"teacher": "198803122015031901", "head": "197905062005011902", "password": password}


def test_read_everything_then_quiz_then_pakta(page: Page, base_url: str, flow, sign_in, check_page) -> None:
    sign_in(flow["teacher"], flow["password"])

    # "Mulai" in "Kursus saya" opens the reader at the first module, not the course page
    page.goto("/kursus/")
    card = page.locator(".course-list li", has_text=TITLE)
    card.get_by_role("link", name="Mulai").click()
    expect(page).to_have_url(f"{base_url}/kursus/{SLUG}/modul/01-modul-alur?bagian=1")
    check_page("alur-reader")
    for _module in (1, 2):
        page.get_by_role("button", name="Berikutnya").click()
        expect(page.locator("main")).to_contain_text("Bagian 2 dari 2")
        page.get_by_role("button", name="Tandai selesai").click()

    # every module read: the next step is the quiz, and the progress is honest (2 of 4 steps)
    expect(page).to_have_url(f"{base_url}/kursus/{SLUG}")
    next_step = page.locator("section.next-step")
    expect(next_step).to_contain_text("Langkah berikutnya: lulus kuis kursus ini.")
    expect(page.locator("main")).to_contain_text("50% selesai")
    expect(page.locator("main")).not_to_contain_text("99%")
    check_page("alur-kursus-kuis")
    page.goto("/kursus/")
    card = page.locator(".course-list li", has_text=TITLE)
    expect(card.get_by_role("link", name="Kerjakan kuis")).to_have_attribute("href", f"/kuis/{QUIZ}")
    page.goto(f"/kursus/{SLUG}")
    next_step.get_by_role("link", name="Kerjakan kuis").click()
    expect(page).to_have_url(f"{base_url}/kuis/{QUIZ}")

    # the quiz submitted unanswered (pass mark 0): the review
    page.get_by_role("button", name="Mulai kuis").click()
    expect(page.locator("main")).to_contain_text("Soal 1 dari")
    page.on("dialog", lambda dialog: dialog.accept())  # (a confirmation for unanswered questions)
    page.get_by_role("button", name="Kirim semua jawaban").click()
    page.wait_for_url("**/ulasan")
    expect(page.locator("h1")).to_contain_text("Ulasan percobaan 1")
    folded = page.locator("details.review-item")
    assert folded.count() >= 5
    assert page.locator("details.review-item[open]").count() == 0
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < REVIEW_MAX_HEIGHT, f"the review is {height} px tall"
    print(f"review height: {height} px")
    # one question opened shows its feedback
    folded.first.locator("> summary").click()
    expect(folded.first.locator(".feedback.general")).to_be_visible()
    check_page("alur-ulasan")

    # the page ends with the next step: the pakta of the open campaign
    last = page.locator("main > section").last
    expect(last).to_have_class("card next-step")
    sign = last.get_by_role("link", name="Tanda tangani pakta")
    expect(sign).to_be_visible()
    sign.click()
    page.wait_for_url("**/pakta/*/tandatangani")
    page.goto(f"/kursus/{SLUG}")
    expect(page.locator("main")).to_contain_text("75% selesai")
    expect(page.locator("section.next-step").get_by_role("link", name="Tanda tangani pakta")).to_be_visible()
    check_page("alur-kursus-pakta")


def test_the_leaders_quiz_is_only_for_leaders(page: Page, flow, sign_in, check_page) -> None:
    sign_in(flow["teacher"], flow["password"])
    page.goto("/kuis/")
    expect(page.locator("main")).to_contain_text("Kuis Netralitas ASN")
    expect(page.locator("main")).not_to_contain_text("untuk Pimpinan")
    check_page("alur-kuis-guru")
    assert page.goto("/kuis/netralitas-pimpinan").status == 404

    page.context.clear_cookies()
    sign_in(flow["head"], flow["password"])
    page.goto("/kuis/")
    expect(page.get_by_role("link", name="Kuis Netralitas untuk Pimpinan Perangkat Daerah", exact=True)).to_be_visible()
    check_page("alur-kuis-kepala-sekolah")
    assert page.goto("/kuis/netralitas-pimpinan").status == 200
