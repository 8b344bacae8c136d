"""Phone-side weight of the learner pages (issue 14, point 5): on a repeat visit a page is its HTML
alone, under 30 KB uncompressed, because every stylesheet and script it links carries a content
hash in its name and is served immutable for a year (elearn/static_files.py). Sizes, not timings."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

from flask import Flask

from elearn.accounts.models import User
from elearn.courses.models import CourseAssignment
from elearn.db import db
from pledge_support import make_campaign
from quiz_support import make_quiz

BUDGET = 30 * 1024
_LINKS = re.compile(r'<(?:link[^>]+rel="(?:stylesheet|icon)"[^>]+href|script[^>]+src)="([^"]+)"')
_HASHED = re.compile(r"/static/.+\.[0-9a-f]{10}\.[A-Za-z0-9]+")


def _learner_pages(app: Flask, client: Any, make_unit: Any, make_user: Any, make_course: Any,
                   login_as: Any) -> list[str]:
    unit = make_unit("Dinas Bobot Halaman")
    person = make_user(unit=unit)
    version = make_course(modules=3, sections=4)
    with app.app_context():
        db.session.add(CourseAssignment(course_id=version.course_id, instansi_id=unit.instansi_id,
                                        due_date=dt.date.today() + dt.timedelta(days=14), active=True))
        campaign = make_campaign(unit.instansi_id).id
        make_quiz("kuis-bobot")
        db.session.commit()
    login_as(db.session.get(User, person.id) or person)
    slug, module = version.course.slug, version.modules[0].module.slug
    started = client.post("/kuis/kuis-bobot/mulai")
    question = started.headers["Location"]
    assert "/percobaan/" in question
    return ["/", "/kursus/", f"/kursus/{slug}", f"/kursus/{slug}/modul/{module}?bagian=1", "/kuis/",
            "/kuis/kuis-bobot", question if "?no=" in question else question + "?no=1", "/pakta/",
            f"/pakta/{campaign}/tandatangani", "/sertifikat/", "/hadir"]


def test_every_learner_page_is_under_30_kb_on_a_repeat_visit(app: Flask, client: Any, make_unit: Any,
                                                               make_user: Any, make_course: Any,
                                                               login_as: Any) -> None:
    seen_static: set[str] = set()
    for url in _learner_pages(app, client, make_unit, make_user, make_course, login_as):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data()
        assert len(html) < BUDGET, (url, len(html))
        links = _LINKS.findall(html.decode())
        assert any("/css/app." in link for link in links), url
        for link in links:
            # every stylesheet, script and icon: a hashed name, so a repeat visit downloads none of them
            assert _HASHED.fullmatch(link), (url, link)
            seen_static.add(link)
    for link in sorted(seen_static):
        response = client.get(link)
        assert response.status_code == 200, link
        cache = response.cache_control
        response.close()
        assert cache.immutable and cache.public and cache.max_age == 365 * 24 * 3600, (link, response.headers)
    assert any("/js/" in link for link in seen_static)


def test_the_plain_and_an_older_hashed_name_still_answer_briefly(app: Flask, client: Any) -> None:
    manifest = app.extensions["elearn_static"]["by_name"]
    hashed = manifest["css/app.css"]
    bodies = []
    for url in (f"/static/{hashed}", "/static/css/app.css", "/static/css/app.0000000000.css"):
        response = client.get(url)
        bodies.append(response.get_data())
        assert response.status_code == 200
        if url != f"/static/{hashed}":
            assert response.cache_control.max_age == 300 and not response.cache_control.immutable
        response.close()
    assert bodies[0] and bodies[0] == bodies[1] == bodies[2]
    assert client.get("/static/css/tidak-ada.css").status_code == 404
    assert client.get("/static/../config.py").status_code == 404
    # a file's hash follows its bytes
    data = (Path(app.static_folder or "") / "css" / "app.css").read_bytes()
    assert hashlib.sha256(data).hexdigest()[:10] in hashed
