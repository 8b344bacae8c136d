"""An event, live (issue 13): a presenter (desktop, the projector) and two phones at 360×640, each
in its own browser context, go through check-in, one live question and the pakta; axe on every
page they see.

The trainer's projector shows the event's label and the typed code; the first phone signs in and
types the code at /hadir (lower case, with a space), the second opens the QR's URL
(``/hadir?kode=``) before signing in, as a scan does, and is checked in after signing in. Both land
on the live page; the projector's count present rises to 2. The presenter starts the quiz: the
question appears on both phones without a reload (the polling script), one answers right and one
wrong, the presenter sees "2 jawaban masuk", closes and reveals; the phones show right/wrong and the
feedback with its rule. The presenter opens the signing: the phones show the button to the pakta,
one signs (typed name) and the presenter's count of signatures rises. Last, the event list and the
event report.

The data is this module's own instansi (two SKPDs, a trainer and two participants), a quiz of one
question of the fixture bank (tests/fixtures/quizzes/valid), a pakta campaign with its own text and
an event starting in a few minutes (check-in open), made through the events service. The demo
fixture is requested first (it cannot be seeded once Playwright's event loop runs)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.content.quizzes import sync_quizzes, upsert_quiz
from elearn.db import db
from elearn.events import services as event_services
from elearn.events.models import Attendance, CheckinMethod, LiveAnswer
from elearn.org.models import Instansi
from elearn.pledges.models import Campaign, ElectionType, PledgeSignature, PledgeText, PledgeTextVersion
from elearn.quizzes.models import QuestionBank
from factories import new_instansi, new_unit, new_user

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quizzes" / "valid"
TITLE = "Sosialisasi Netralitas Uji Ponsel"
PLACE = "Aula Kantor Bupati"
CAMPAIGN = "Pilkada Uji Acara"
QUESTION = "Like unggahan tim pemenangan"
RIGHT = "Menghapus like dan tidak mengulanginya"
WRONG = "Membiarkannya karena hanya like"
#: the phones and the presenter poll every ~2 s (with jitter); a change shows within this
POLL_WAIT = 10_000
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}
PASSWORD = "sandi-uji-browser-1"
BODY = """# Pakta Integritas Netralitas ASN (uji acara)

Saya yang bertanda tangan di bawah ini, {nama}, NIP {nip}, {jabatan} pada {unit}, {skpd}, {instansi},
menyatakan menjaga netralitas dan menolak politik uang.

{tempat}, {tanggal}
"""


def _times(zone: Any) -> tuple[dt.date, dt.time, dt.time]:
    """An event starting in a few minutes (local time), ending the same day."""
    now = dt.datetime.now(zone).replace(second=0, microsecond=0)
    start = now + dt.timedelta(minutes=3)
    end = start + dt.timedelta(hours=1)
    if end.date() != start.date():
        end = start.replace(hour=23, minute=59)
    if end <= start:  # (23:59: start a few minutes ago instead; the window is open 15 minutes after)
        start = now - dt.timedelta(minutes=3)
    return start.date(), start.time(), end.time()


@pytest.fixture(scope="module")
def room(app: Flask, demo) -> dict[str, Any]:
    inst = new_instansi(app, slug="kab-uji-acara", name="Pemerintah Kabupaten Uji Acara")
    kominfo = new_unit(app, "Dinas Komunikasi dan Informatika", instansi=inst)
    dinkes = new_unit(app, "Dinas Kesehatan", instansi=inst)
    trainer = new_user(app, Role.PELATIH, kominfo, password=PASSWORD, name="Yohanes Pelatih, S.Sos.")
    first = new_user(app, Role.PESERTA, kominfo, password=PASSWORD, name="Dewi Lestari, S.Kom.",
                     jabatan="Pranata Komputer Ahli Pertama", golongan="III/a")
    second = new_user(app, Role.PESERTA, dinkes, password=PASSWORD, name="Bambang Sutrisno, S.K.M.",
                      jabatan="Epidemiolog Kesehatan Ahli Muda", golongan="III/c")
    with app.app_context():
        instansi = db.session.get(Instansi, inst.id)
        assert instansi is not None
        sync_quizzes(FIXTURES)
        bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == "contoh"))
        assert bank is not None
        quiz, _status = upsert_quiz(bank, {
            "slug": "kuis-acara-ponsel", "title": "Kuis Sosialisasi", "pass_mark": 70,
            "shuffle_questions": False, "shuffle_options": False,
            "draw": [{"count": 1, "questions": ["like-tim-pemenangan"]}]}, instansi=instansi)
        text = PledgeText(slug="pakta-uji-acara", title="Pakta Integritas Uji Acara")
        db.session.add(text)
        db.session.flush()
        version = PledgeTextVersion(pledge_text_id=text.id, number=1, title=text.title, body=BODY, source_text=BODY,
                                    content_hash="e" * 64)
        db.session.add(version)
        db.session.flush()
        today = dt.date.today()
        campaign = Campaign(instansi_id=instansi.id, slug="uji-acara", name=CAMPAIGN,
                            election_type=ElectionType.PILKADA, pledge_version_id=version.id, place="Kabupaten Uji",
                            opens_on=today - dt.timedelta(days=2), closes_on=today + dt.timedelta(days=10))
        db.session.add(campaign)
        db.session.flush()
        day, start, end = _times(event_services.zone_of(instansi))
        actor = db.session.get(User, trainer.id)
        assert actor is not None
        event = event_services.create_event(actor, instansi, event_services.EventData(
            kind="sosialisasi", title=TITLE, day=day, start=start, end=end, place=PLACE,
            speakers=[("Rahmat Hidayat, S.H.", "Bawaslu Kabupaten")], quiz_id=quiz.id, campaign_id=campaign.id))
        db.session.commit()
        ids = {"event": event.id, "campaign": campaign.id}
        db.session.remove()
    return {"ids": ids, "trainer": trainer, "first": first, "second": second}


@pytest.fixture
def open_page(browser: Browser, base_url: str) -> Iterator[Callable[[dict[str, Any]], Page]]:
    """``open_page(size)``: a page in a fresh browser context (its own cookies: another device).
    CSP is bypassed only so that axe-core can be injected. JavaScript errors fail the test."""
    contexts = []
    errors: list[str] = []

    def open_one(size: dict[str, Any]) -> Page:
        context = browser.new_context(base_url=base_url, bypass_csp=True, **size)
        context.set_default_timeout(10_000)
        contexts.append(context)
        pg = context.new_page()
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        return pg

    yield open_one
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


def fill_sign_in(page: Page, nip: str) -> None:
    page.get_by_label("NIP / NI PPPK").fill(nip)
    page.get_by_label("Kata sandi", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_load_state("load")


def read_code(projector: Page) -> str:
    code = projector.locator("#projector-code").inner_text().strip()
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", code), code  # 6 characters, no 0/O/1/I
    return code


def test_presenter_and_two_phones_check_in_answer_and_sign(app: Flask, room, open_page, check_any) -> None:
    check_layout_and_axe = check_any
    event_id, campaign_id = room["ids"]["event"], room["ids"]["campaign"]
    live_url = re.compile(rf"/acara/{event_id}/langsung$")

    # the trainer puts the check-in screen on the projector: the event's label and the typed code
    presenter = open_page(DESKTOP)
    presenter.goto("/masuk")
    fill_sign_in(presenter, room["trainer"].employee_number)
    presenter.goto(f"/acara/{event_id}/layar-hadir")
    expect(presenter.locator("h1")).to_have_text(TITLE)
    expect(presenter.locator(".projector-label")).to_contain_text(PLACE)
    expect(presenter.locator("#projector-qr svg")).to_be_visible()
    expect(presenter.locator("#projector-total")).to_have_text("0")
    check_layout_and_axe(presenter, "event-projector-checkin", phone=False)

    # phone 1 signs in, then types the code (lower case, with a space: both accepted)
    phone1 = open_page(PHONE)
    phone1.goto("/masuk")
    fill_sign_in(phone1, room["first"].employee_number)
    phone1.goto("/hadir")
    expect(phone1.get_by_role("heading", name="Hadir di acara")).to_be_visible()
    check_layout_and_axe(phone1, "event-checkin")
    code = read_code(presenter)
    phone1.get_by_label("Kode hadir").fill(f"{code[:3].lower()} {code[3:].lower()}")
    phone1.get_by_role("button", name="Hadir", exact=True).click()
    expect(phone1).to_have_url(live_url)
    expect(phone1.locator("main")).to_contain_text(f"Anda tercatat hadir di {TITLE}")
    expect(phone1.locator("#live-panel")).to_contain_text("Tunggu: soal akan muncul di sini")
    # the same label as on the wall (title, place, date and time), so nobody is in the wrong event
    expect(phone1.locator(".live-label h1")).to_have_text(TITLE)
    expect(phone1.locator(".live-label p")).to_contain_text(presenter.locator(".projector-label").inner_text().strip())

    # phone 2 scans the QR (its URL) before signing in: the code is kept across the sign-in
    phone2 = open_page(PHONE)
    phone2.goto(f"/hadir?kode={read_code(presenter)}")
    expect(phone2.locator("main")).to_contain_text(f"Kode benar untuk {TITLE}")
    fill_sign_in(phone2, room["second"].employee_number)
    expect(phone2).to_have_url(live_url)
    expect(phone2.locator("#live-panel")).to_contain_text("Tunggu: soal akan muncul di sini")
    check_layout_and_axe(phone2, "event-live-waiting")

    # the projector's count present rises (its own polling), per SKPD
    expect(presenter.locator("#projector-total")).to_have_text("2", timeout=POLL_WAIT)
    expect(presenter.locator("#projector-counts tr")).to_have_count(2)
    with app.app_context():
        methods = dict(db.session.execute(
            select(Attendance.user_id, Attendance.method).where(Attendance.event_id == event_id)).all())
        db.session.remove()
    assert methods == {room["first"].id: CheckinMethod.CODE, room["second"].id: CheckinMethod.SCAN}

    # the phones must not reload from here on: a mark on their window would be lost
    for phone in (phone1, phone2):
        phone.evaluate("() => { window.stillThisPage = true; }")

    # the presenter view: waiting, then the quiz starts on the first question
    presenter.goto(f"/acara/{event_id}/presenter")
    expect(presenter.locator("#presenter-status")).to_contain_text("Menunggu")
    check_layout_and_axe(presenter, "event-presenter-waiting", phone=False)
    presenter.get_by_role("button", name="Mulai kuis").click()
    expect(presenter.get_by_role("heading", name=QUESTION)).to_be_visible()
    expect(presenter.locator(".presenter-count")).to_have_text("0 jawaban masuk")

    # the question appears on both phones without a reload
    for phone in (phone1, phone2):
        expect(phone.get_by_role("heading", name=QUESTION)).to_be_visible(timeout=POLL_WAIT)
        expect(phone.get_by_text("Soal 1 dari 1")).to_be_visible()
    check_layout_and_axe(phone1, "event-live-question")

    # one answers right, the other wrong
    for phone, choice in ((phone1, RIGHT), (phone2, WRONG)):
        phone.get_by_label(choice).check()
        phone.get_by_role("button", name="Kirim jawaban").click()
        expect(phone.locator("#live-panel")).to_contain_text("Jawaban Anda tercatat")
        expect(phone.get_by_role("button", name="Kirim jawaban")).to_have_count(0)

    # the presenter sees the answers come in, closes and reveals
    expect(presenter.locator(".presenter-count")).to_have_text("2 jawaban masuk", timeout=POLL_WAIT)
    check_layout_and_axe(presenter, "event-presenter-open", phone=False)
    presenter.get_by_role("button", name="Tutup jawaban").click()
    expect(presenter.locator("#presenter-status")).to_contain_text("2 jawaban")
    expect(presenter.locator(".bars li")).to_have_count(3)
    for phone in (phone1, phone2):
        expect(phone.locator("#live-panel")).to_contain_text("Jawaban ditutup", timeout=POLL_WAIT)
    presenter.get_by_role("button", name="Tampilkan jawaban benar").click()
    expect(presenter.get_by_role("heading", name="Pembahasan")).to_be_visible()
    expect(presenter.locator(".bars li.right")).to_contain_text(RIGHT)
    expect(presenter.locator("#presenter-status")).to_contain_text("PP 42/2004 Pasal 11 huruf c")
    check_layout_and_axe(presenter, "event-presenter-revealed", phone=False)

    # the phones: right or not, the feedback and the rule it rests on
    expect(phone1.locator("#live-panel")).to_contain_text("Jawaban Anda benar.", timeout=POLL_WAIT)
    expect(phone2.locator("#live-panel")).to_contain_text("Jawaban Anda belum tepat.", timeout=POLL_WAIT)
    for phone in (phone1, phone2):
        expect(phone.locator(".live-review .feedback")).to_contain_text("Jangan memberi like")
        expect(phone.locator(".live-review")).to_contain_text("PP 42/2004 Pasal 11 huruf c")
    check_layout_and_axe(phone2, "event-live-revealed")
    with app.app_context():
        answers = dict(db.session.execute(
            select(LiveAnswer.user_id, LiveAnswer.correct).where(LiveAnswer.event_id == event_id)).all())
        db.session.remove()
    assert answers == {room["first"].id: True, room["second"].id: False}

    # the room signs: the phones show the way to the pakta
    presenter.get_by_role("button", name="Buka penandatanganan pakta").click()
    signed = presenter.locator("#presenter-status .presenter-count")
    expect(signed).to_have_text("0 dari 2 peserta hadir sudah menandatangani")
    sign_link = "Tandatangani pakta integritas"
    for phone in (phone1, phone2):
        expect(phone.get_by_role("link", name=sign_link)).to_be_visible(timeout=POLL_WAIT)
        assert phone.evaluate("() => window.stillThisPage === true"), "the live page reloaded"
    check_layout_and_axe(phone1, "event-live-signing")

    # phone 1 signs (the typed name: drawing is covered by test_browser_pledge.py)
    phone1.get_by_role("link", name=sign_link).click()
    expect(phone1).to_have_url(re.compile(rf"/pakta/{campaign_id}/tandatangani$"))
    expect(phone1.locator("h1")).to_have_text(CAMPAIGN)
    phone1.get_by_label("Ketik nama lengkap", exact=True).check()
    phone1.get_by_label("Nama lengkap", exact=True).fill(room["first"].name)
    phone1.get_by_label("Saya sudah membaca seluruh isi").check()
    phone1.get_by_role("button", name="Tanda tangani pakta").click()
    expect(phone1.locator("h1")).to_have_text("Pakta integritas sudah ditandatangani")

    # the presenter's count of signatures rises (its polling), per SKPD
    expect(signed).to_have_text("1 dari 2 peserta hadir sudah menandatangani", timeout=POLL_WAIT)
    expect(presenter.locator("#presenter-status")).to_contain_text("Dinas Komunikasi dan Informatika: 1")
    check_layout_and_axe(presenter, "event-presenter-signing", phone=False)
    with app.app_context():
        signers = list(db.session.scalars(
            select(PledgeSignature.user_id).where(PledgeSignature.campaign_id == campaign_id)))
        db.session.remove()
    assert signers == [room["first"].id]

    # back on the live page the signer is thanked; the other phone still has the button
    phone1.goto(f"/acara/{event_id}/langsung")
    expect(phone1.locator("#live-panel")).to_contain_text("Anda sudah menandatangani pakta integritas")
    expect(phone2.get_by_role("link", name=sign_link)).to_be_visible()

    # the event list, on a phone and on the trainer's screen
    phone2.goto("/acara/")
    expect(phone2.get_by_role("link", name=TITLE)).to_be_visible()
    check_layout_and_axe(phone2, "event-list-phone")
    presenter.goto("/acara/")
    expect(presenter.get_by_role("link", name=TITLE).first).to_be_visible()
    check_layout_and_axe(presenter, "event-list-trainer", phone=False)

    # the event report: 2 of the 3 invited present (the trainer is one of the instansi), 1 signature
    presenter.goto(f"/acara/{event_id}/laporan")
    expect(presenter.locator("main")).to_contain_text("2 dari 3 orang sasaran hadir")
    signatures = presenter.locator("div[aria-labelledby=tanda-tangan] tbody tr")
    expect(signatures).to_have_count(1)
    expect(signatures.locator("th")).to_have_text("Dinas Komunikasi dan Informatika")
    expect(signatures.locator("td").first).to_have_text("1")
    check_layout_and_axe(presenter, "event-report", phone=False)
