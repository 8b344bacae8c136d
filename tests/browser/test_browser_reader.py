"""Reading a course on a 360 px phone: sections, a progress save that fails while offline and is
retried once back online, resuming later with "Lanjutkan"; axe on the course and reader pages."""
from __future__ import annotations

import hashlib

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.courses.models import (
    Course,
    CourseVersion,
    CourseVersionModule,
    ModuleProgress,
    ModuleVersion,
    VersionStatus,
)
from elearn.db import db, utcnow

pytestmark = pytest.mark.browser

SLUG = "uji-baca-ponsel"


@pytest.fixture(scope="module")
def course(app: Flask) -> str:
    """A published course of two modules with four sections each (committed: the server must see it)."""
    with app.app_context():
        row = Course(slug=SLUG)
        db.session.add(row)
        db.session.flush()
        version = CourseVersion(course_id=row.id, number=1, status=VersionStatus.PUBLISHED, label="2026.1",
                                title="Netralitas ASN di Ponsel", summary="Kursus uji untuk layar kecil.",
                                jp=2, content_hash=hashlib.sha256(SLUG.encode()).hexdigest(), published_at=utcnow())
        db.session.add(version)
        db.session.flush()
        for m in (1, 2):
            module = ModuleVersion(
                course_id=row.id, slug=f"0{m}-modul-ponsel", title=f"Modul ponsel {m}", minutes=8,
                objectives=["Menjelaskan asas netralitas ASN"], references=["UU 20/2023 Pasal 9 ayat (2)"],
                sources=[{"title": "Contoh sumber", "url": "https://example.org/sumber"}], source_text="",
                content_hash=hashlib.sha256(f"{SLUG}-{m}".encode()).hexdigest(),
                sections=[{"title": f"Bagian {s} modul {m}",
                           "html": f"<p>Isi bagian {s}. ASN wajib netral dan tidak memihak.</p>"
                                   "<table><thead><tr><th>Perbuatan</th><th>Boleh?</th></tr></thead>"
                                   "<tbody><tr><td>Memberi suara di TPS</td><td>Boleh</td></tr></tbody></table>",
                           "words": 120} for s in range(1, 5)],
            )
            db.session.add(module)
            db.session.flush()
            db.session.add(CourseVersionModule(course_version_id=version.id, module_version_id=module.id,
                                               position=m - 1))
        row.published_version_id = version.id
        db.session.commit()
    return SLUG


def saved_section(app: Flask, nip: str) -> int | None:
    with app.app_context():
        try:
            return db.session.scalar(
                select(ModuleProgress.section_reached)
                .join(User, User.id == ModuleProgress.user_id)
                .join(ModuleVersion, ModuleVersion.id == ModuleProgress.module_version_id)
                .where(User.employee_number == nip, ModuleVersion.slug == "01-modul-ponsel")
            )
        finally:
            db.session.remove()


def test_read_offline_save_retry_and_resume(page: Page, app: Flask, base_url, demo, sign_in, check_page,
                                            course) -> None:
    account = demo[Role.PESERTA]
    sign_in(account.nip, account.password)
    page.goto(f"/kursus/{course}")
    expect(page.locator("h1")).to_have_text("Netralitas ASN di Ponsel")
    expect(page.locator("main")).to_contain_text("2 JP")
    check_page("reader-course")

    page.get_by_role("link", name="Mulai", exact=True).click()
    expect(page).to_have_url(f"{base_url}/kursus/{course}/modul/01-modul-ponsel?bagian=1")
    expect(page.locator("main")).to_contain_text("Bagian 1 dari 4")
    expect(page.locator("main")).to_contain_text("Menjelaskan asas netralitas ASN")
    check_page("reader-section-1")

    # read two sections: each "Berikutnya" saves with fetch() and moves on
    for number in (2, 3):
        page.get_by_role("button", name="Berikutnya").click()
        expect(page).to_have_url(f"{base_url}/kursus/{course}/modul/01-modul-ponsel?bagian={number}")
        expect(page.locator("main")).to_contain_text(f"Bagian {number} dari 4")
    assert saved_section(app, account.nip) == 2

    # the connection drops just as the learner moves on (once reader.js has taken over the form;
    # before that a click posts the form and the offline browser shows its own error page)
    status = page.locator("#save-status")
    expect(page.locator("form[data-reader][data-enhanced]")).to_have_count(1)
    page.context.set_offline(True)
    page.get_by_role("button", name="Berikutnya").click()
    expect(status).to_have_text("Kemajuan belum tersimpan, mencoba lagi…")
    expect(page).to_have_url(f"{base_url}/kursus/{course}/modul/01-modul-ponsel?bagian=3")
    queued = page.evaluate("() => JSON.parse(localStorage.getItem('elearn.progress-queue'))")
    assert queued and queued[0]["body"]["reached"] == 3
    assert saved_section(app, account.nip) == 2

    # back online: the queued save goes through by itself
    page.context.set_offline(False)
    expect(status).to_have_text("Tersimpan")
    assert saved_section(app, account.nip) == 3
    assert page.evaluate("() => JSON.parse(localStorage.getItem('elearn.progress-queue'))") == []
    check_page("reader-section-3-saved")

    # later: the course page shows the module being read, and "Lanjutkan" in "Kursus saya" opens the
    # reader at the fourth section (issue 16: straight to the next step)
    page.goto(f"/kursus/{course}")
    expect(page.locator("main")).to_contain_text("Sedang dibaca")
    page.goto("/kursus/")
    card = page.locator(".course-list li", has_text="Netralitas ASN di Ponsel")
    expect(card).to_contain_text("% selesai")
    card.get_by_role("link", name="Lanjutkan").click()
    expect(page).to_have_url(f"{base_url}/kursus/{course}/modul/01-modul-ponsel?bagian=4")
    expect(page.locator("main")).to_contain_text("Bagian 4 dari 4")
    expect(page.locator("main")).to_contain_text("Dasar hukum dan sumber")
    check_page("reader-section-4")

    page.get_by_role("button", name="Tandai selesai").click()
    expect(page).to_have_url(f"{base_url}/kursus/{course}/modul/02-modul-ponsel?bagian=1")
    page.goto(f"/kursus/{course}")
    expect(page.locator(".module-list li").first).to_contain_text("Selesai")


def test_reader_works_without_javascript(phone_without_js, app: Flask, base_url, demo, course) -> None:
    """With JavaScript off the "Berikutnya" form posts and the server redirects to the next section."""
    account = demo[Role.PELATIH]
    page = phone_without_js(account.nip, account.password)
    page.goto(f"/kursus/{course}/modul/01-modul-ponsel?bagian=1")
    page.get_by_role("button", name="Berikutnya").click()
    expect(page).to_have_url(f"{base_url}/kursus/{course}/modul/01-modul-ponsel?bagian=2")
    expect(page.locator("main")).to_contain_text("Bagian 2 dari 4")
    assert saved_section(app, account.nip) == 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
