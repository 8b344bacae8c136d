"""The learner's pages: my courses, a course page, the section reader, saving progress with
and without JavaScript, resuming, the pinned version, and course images."""
from __future__ import annotations

import datetime as dt
import hashlib
import re

from flask import Flask
from sqlalchemy import select

from elearn.accounts.models import Role
from elearn.courses.models import (
    Course,
    CourseAsset,
    CourseAssignment,
    CourseVersion,
    Enrollment,
    ModuleProgress,
    ModuleVersion,
)
from elearn.db import db
from test_progress import publish_new_version


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def assign(app: Flask, course_id: int, instansi_id: int, due: dt.date | None, unit_id: int | None = None) -> None:
    with app.app_context():
        db.session.add(CourseAssignment(course_id=course_id, instansi_id=instansi_id, unit_id=unit_id, due_date=due))
        db.session.commit()


def progress_rows(app: Flask, user_id: int) -> dict[str, tuple[int, bool]]:
    with app.app_context():
        rows = db.session.execute(
            select(ModuleVersion.slug, ModuleProgress.section_reached, ModuleProgress.completed_at)
            .join(ModuleVersion, ModuleVersion.id == ModuleProgress.module_version_id)
            .where(ModuleProgress.user_id == user_id)
        ).all()
        return {slug: (reached, done is not None) for slug, reached, done in rows}


def test_list_shows_assigned_first_with_due_dates(app: Flask, client, make_course, make_user, login_as) -> None:
    person = make_user()
    late = make_course(title="Kursus Terlambat")
    soon = make_course(title="Kursus Segera")
    free = make_course(title="Aaa Kursus Bebas")
    own = make_course(title="Kursus Instansi Sendiri", instansi_id=person.instansi_id)
    make_course(title="Kursus Instansi Lain", instansi_id=make_user().instansi_id)
    assign(app, soon.course_id, person.instansi_id, dt.date(2099, 1, 31), unit_id=person.unit_id)
    assign(app, late.course_id, person.instansi_id, dt.date(2020, 1, 1))
    login_as(person)
    page = text(client.get("/kursus/"))
    titles = re.findall(r'<h2><a href="/kursus/[^"]+">([^<]+)</a></h2>', page)
    assert titles[:2] == ["Kursus Terlambat", "Kursus Segera"]
    assert set(titles[2:]) >= {"Aaa Kursus Bebas", "Kursus Instansi Sendiri"}
    assert "Kursus Instansi Lain" not in page
    # overdue is said in words, not only in colour
    assert "Lewat tenggat:" in page and "Tenggat:" in page
    assert "Mulai" in page and free.course.slug in page


def test_course_page_enrolls_and_shows_modules(app: Flask, client, make_course, make_user, login_as) -> None:
    cv = make_course(modules=3, sections=2)
    person = make_user()
    login_as(person)
    page = text(client.get(f"/kursus/{cv.course.slug}"))
    assert cv.title in page and "2 JP" in page and "15 menit" in page
    assert page.count("Belum dibaca") == 3
    assert f'href="/kursus/{cv.course.slug}/modul/01-modul?bagian=1"' in page and ">Mulai<" in page
    with app.app_context():
        enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == person.id))
        assert enrollment is not None and enrollment.course_version_id == cv.id


def test_reader_sections_objectives_sources_and_navigation(app: Flask, client, make_course, make_user,
                                                           login_as) -> None:
    cv = make_course(modules=2, sections=3)
    login_as(make_user())
    base = f"/kursus/{cv.course.slug}/modul/01-modul"
    first = text(client.get(base))
    assert "Bagian 1 dari 3" in first and "Isi bagian 1 modul 1." in first
    assert "Memahami sesuatu" in first  # objectives on the first section
    assert "PP 94/2021 Pasal 5" not in first
    assert "Sebelumnya" not in first and "Berikutnya" in first
    assert f'action="{base}/kemajuan"' in first and 'name="reached" value="1"' in first
    assert "Sisa modul ini: sekitar 5 menit" in first and "Sisa kursus: sekitar 10 menit" in first
    last = text(client.get(f"{base}?bagian=3"))
    assert "Bagian 3 dari 3" in last and "PP 94/2021 Pasal 5" in last and "Memahami sesuatu" not in last
    assert "Tandai selesai" in last and 'name="complete" value="1"' in last
    assert f'href="{base}?bagian=2"' in last
    # out of range goes to the nearest section; garbage to the first
    assert client.get(f"{base}?bagian=9").headers["Location"].endswith("bagian=3")
    assert client.get(f"{base}?bagian=0").headers["Location"].endswith("bagian=1")
    assert client.get(f"{base}?bagian=x").status_code == 200
    # the second module's first section goes back to the first module's last
    second = text(client.get(f"/kursus/{cv.course.slug}/modul/02-modul"))
    assert f'href="{base}?bagian=3"' in second


def test_section_html_is_rendered_and_other_fields_escaped(app: Flask, client, make_course, make_user,
                                                          login_as) -> None:
    cv = make_course(modules=1, sections=1)
    with app.app_context():
        module = db.session.get(ModuleVersion, cv.modules[0].module_version_id)
        module.sections = [{"title": "<b>Judul</b>", "html": "<p><strong>Tebal</strong></p>", "words": 2}]
        module.objectives = ["<script>alert(1)</script>"]
        db.session.commit()
    login_as(make_user())
    page = text(client.get(f"/kursus/{cv.course.slug}/modul/01-modul"))
    assert "<p><strong>Tebal</strong></p>" in page
    assert "&lt;b&gt;Judul&lt;/b&gt;" in page and "<script>alert" not in page


def test_progress_without_javascript_and_resume(app: Flask, client, make_course, make_user, login_as) -> None:
    cv = make_course(modules=2, sections=3)
    person = make_user()
    login_as(person)
    slug = cv.course.slug
    base = f"/kursus/{slug}/modul/01-modul"
    r = client.post(f"{base}/kemajuan", data={"reached": "1"})
    assert r.status_code == 302 and r.headers["Location"] == f"{base}?bagian=2"
    r = client.post(f"{base}/kemajuan", data={"reached": "2"})
    assert r.headers["Location"] == f"{base}?bagian=3"
    assert progress_rows(app, person.id) == {"01-modul": (2, False)}
    # "Lanjutkan" on the course page resumes at the third section
    page = text(client.get(f"/kursus/{slug}"))
    assert f'<a class="button primary" href="{base}?bagian=3">Lanjutkan</a>' in page
    assert "Sedang dibaca" in page
    # a retried older save does not move back
    client.post(f"{base}/kemajuan", data={"reached": "1"})
    assert progress_rows(app, person.id) == {"01-modul": (2, False)}
    # finishing the module goes on to the next module
    r = client.post(f"{base}/kemajuan", data={"reached": "2", "complete": "1"})
    assert r.headers["Location"] == f"/kursus/{slug}/modul/02-modul?bagian=1"
    assert "selesai" in text(client.get(r.headers["Location"]))
    r = client.post(f"/kursus/{slug}/modul/02-modul/kemajuan", data={"reached": "2", "complete": "1"})
    assert r.headers["Location"] == f"/kursus/{slug}"
    page = text(client.get(f"/kursus/{slug}"))
    assert "100% selesai" in page and "Anda telah membaca seluruh modul" in page
    listing = text(client.get("/kursus/"))
    assert ">Selesai<span" in listing
    with app.app_context():
        enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == person.id))
        assert enrollment.modules_completed_at is not None


def test_progress_as_json(app: Flask, client, make_course, make_user, login_as) -> None:
    cv = make_course(modules=1, sections=4)
    person = make_user()
    login_as(person)
    url = f"/kursus/{cv.course.slug}/modul/01-modul/kemajuan"
    r = client.post(url, json={"reached": 2, "complete": False})
    assert r.status_code == 200
    assert r.json == {"section_reached": 2, "completed": False, "course_completed": False,
                      "next_url": f"/kursus/{cv.course.slug}/modul/01-modul?bagian=3"}
    # duplicate and older saves answer the saved state, unchanged
    assert client.post(url, json={"reached": 2}).json["section_reached"] == 2
    assert client.post(url, json={"reached": 1}).json["section_reached"] == 2
    r = client.post(url, json={"reached": 3, "complete": True})
    assert r.json["completed"] and r.json["course_completed"]
    assert r.json["next_url"] == f"/kursus/{cv.course.slug}"
    assert client.post(url, json={"reached": "x"}).status_code == 400
    assert client.post(url, json={"reached": -1}).status_code == 400


def test_json_progress_needs_the_csrf_header(app: Flask, client, make_course, make_user, login_as) -> None:
    cv = make_course(modules=1, sections=2)
    person = make_user()
    login_as(person)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        reader = text(client.get(f"/kursus/{cv.course.slug}/modul/01-modul"))
        token = re.search(r'name="csrf_token" value="([^"]+)"', reader).group(1)
        url = f"/kursus/{cv.course.slug}/modul/01-modul/kemajuan"
        assert client.post(url, json={"reached": 1}).status_code == 400
        assert client.post(url, data={"reached": "1"}).status_code == 400
        r = client.post(url, json={"reached": 1}, headers={"X-CSRFToken": token})
        assert r.status_code == 200 and r.json["section_reached"] == 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_enrolled_version_is_kept_when_a_new_one_is_published(app: Flask, client, make_course, make_user,
                                                              login_as) -> None:
    cv = make_course(modules=2, sections=3)
    person = make_user()
    login_as(person)
    client.post(f"/kursus/{cv.course.slug}/modul/01-modul/kemajuan", data={"reached": "1"})
    with app.app_context():
        publish_new_version(cv.course_id, db.session.get(CourseVersion, cv.id))
        db.session.commit()
    page = text(client.get(f"/kursus/{cv.course.slug}/modul/01-modul?bagian=2"))
    assert "Bagian 2 dari 3" in page and "Isi bagian 2 modul 1." in page  # the old version's 3 sections
    assert "Versi baru kursus ini sudah terbit" in page
    assert "Versi baru" in text(client.get(f"/kursus/{cv.course.slug}"))
    # someone starting now gets the new version (4 sections in its first module)
    client.post("/keluar")
    login_as(make_user())
    fresh = text(client.get(f"/kursus/{cv.course.slug}/modul/01-modul"))
    assert "Bagian 1 dari 4" in fresh and "Versi baru" not in fresh


def test_other_instansi_course_unknown_module_and_unpublished_are_404(app: Flask, client, make_course,
                                                                     make_user, login_as) -> None:
    person = make_user()
    other = make_course(instansi_id=make_user().instansi_id)
    mine = make_course()
    with app.app_context():
        draft = Course(slug="kursus-draf")
        db.session.add(draft)
        db.session.commit()
    login_as(person)
    assert client.get(f"/kursus/{other.course.slug}").status_code == 404
    assert client.get(f"/kursus/{other.course.slug}/modul/01-modul").status_code == 404
    assert client.post(f"/kursus/{other.course.slug}/modul/01-modul/kemajuan", data={"reached": "1"}).status_code == 404
    assert client.get(f"/kursus/{mine.course.slug}/modul/99-tidak-ada").status_code == 404
    assert client.post(f"/kursus/{mine.course.slug}/modul/99-tidak-ada/kemajuan",
                       json={"reached": 1}).status_code == 404
    assert client.get("/kursus/kursus-draf").status_code == 404
    assert client.get("/kursus/tidak-ada").status_code == 404


def _asset(app: Flask, course_id: int, data: bytes, mimetype: str = "image/png") -> str:
    digest = hashlib.sha256(data).hexdigest()
    with app.app_context():
        db.session.add(CourseAsset(course_id=course_id, path="images/x.png", content_hash=digest,
                                   mimetype=mimetype, data=data))
        db.session.commit()
    return digest


def test_assets_are_served_with_long_cache_to_signed_in_users(app: Flask, client, make_course, make_user,
                                                              login_as) -> None:
    cv = make_course()
    data = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    digest = _asset(app, cv.course_id, data)
    url = f"/kursus/aset/{digest}.png"
    assert client.get(url).status_code == 302  # anonymous: sign in first
    login_as(make_user())
    r = client.get(url)
    assert r.status_code == 200 and r.data == data and r.mimetype == "image/png"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(url, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    assert client.get(f"/kursus/aset/{digest}.webp").status_code == 404  # wrong extension
    assert client.get(f"/kursus/aset/{digest}").status_code == 404
    assert client.get(f"/kursus/aset/{'0' * 64}.png").status_code == 404


def test_asset_of_another_instansi_course_is_404(app: Flask, client, make_course, make_user, login_as) -> None:
    owner = make_user()
    cv = make_course(instansi_id=owner.instansi_id)
    digest = _asset(app, cv.course_id, b"RIFF0000WEBPVP8 ", "image/webp")
    login_as(make_user())
    assert client.get(f"/kursus/aset/{digest}.webp").status_code == 404
    client.post("/keluar")
    login_as(owner)
    assert client.get(f"/kursus/aset/{digest}.webp").status_code == 200


def test_home_shows_the_top_course(app: Flask, client, make_course, make_user, login_as) -> None:
    person = make_user()
    login_as(person)
    assert "Belum ada kursus yang tersedia" in text(client.get("/"))
    make_course(title="Kursus Lain")
    cv = make_course(title="Kursus Wajib")
    assign(app, cv.course_id, person.instansi_id, dt.date(2099, 3, 1))
    client.post(f"/kursus/{cv.course.slug}/modul/01-modul/kemajuan", data={"reached": "2"})
    home = text(client.get("/"))
    assert "Kursus Wajib" in home and "Tenggat:" in home and "Lanjutkan" in home
    assert "Semua kursus (2)" in home and "Kursus Lain" not in home


def test_superadmin_reads_shipped_courses(app: Flask, client, make_course, make_user, login_as) -> None:
    cv = make_course()
    login_as(make_user(Role.SUPERADMIN, None))
    assert client.get(f"/kursus/{cv.course.slug}").status_code == 200
    assert cv.title in text(client.get("/kursus/"))


def test_home_and_my_courses_open_the_reader_at_the_next_module(app: Flask, client, make_course, make_user,
                                                                 login_as) -> None:
    """Issue 16: "Mulai" on the home page opened the course page; it opens the reader at the first
    module, and "Lanjutkan" where the learner is (here: module 2, after module 1 was finished)."""
    cv = make_course(modules=2, sections=2)
    person = make_user()
    assign(app, cv.course_id, person.instansi_id, dt.date(2099, 1, 31), unit_id=person.unit_id)
    login_as(person)
    slug = cv.course.slug
    home = client.get("/").get_data(as_text=True)
    assert f'<a class="button primary" href="/kursus/{slug}/modul/01-modul?bagian=1">Mulai' in home
    client.post(f"/kursus/{slug}/modul/01-modul/kemajuan", data={"reached": "1", "complete": "1"})
    for url in ("/", "/kursus/"):
        page = client.get(url).get_data(as_text=True)
        assert re.search(rf'href="/kursus/{slug}/modul/02-modul\?bagian=1">Lanjutkan', page), url
