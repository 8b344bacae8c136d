"""HTTP-level hardening across the whole app: input the databases refuse (NUL bytes, ids beyond
INTEGER) answers 404/400 instead of 500, caching and security headers, allowed hosts, 405 ``Allow``."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from elearn import create_app
from elearn.accounts.models import Role, User
from elearn.courses.models import CourseAsset
from elearn.db import db
from elearn.http_guards import MAX_DB_INT

from pledge_support import make_campaign
from quiz_support import make_quiz
from support import login

BEYOND_INT = MAX_DB_INT + 1  # 2**31


def _cases(app: Flask) -> list[tuple[str, str]]:
    """(method, url) for every route and every argument of it: a NUL byte in a text argument, 2**31
    in an int one (the other arguments valid)."""
    adapter = app.url_map.bind("localhost")
    cases = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for name, converter in rule._converters.items():
            values = {arg: 1 if isinstance(conv, IntegerConverter) else "x" for arg, conv in rule._converters.items()}
            values[name] = BEYOND_INT if isinstance(converter, IntegerConverter) else "a\x00b"
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                cases.append((method, adapter.build(rule.endpoint, values, method=method)))
    return cases


@pytest.fixture
def superadmin(client, make_user) -> User:
    """The widest scope, so every route reaches its database lookup."""
    user = make_user(Role.SUPERADMIN)
    login(client, user)
    return user


def test_nul_bytes_and_ids_beyond_integer_answer_404_on_every_route(app: Flask, client, superadmin) -> None:
    cases = _cases(app)
    assert len(cases) > 60  # every route with an argument, GET and POST
    answers = {f"{method} {url}": client.open(url, method=method).status_code for method, url in cases}
    # (405 where another method has a route of the same shape: werkzeug compares the method before
    # the converter's range, e.g. POST /kuis/x/percobaan/2147483648 next to the GET route)
    assert {case: code for case, code in answers.items() if code not in (404, 405)} == {}
    assert list(answers.values()).count(404) > len(answers) - 5


def test_the_largest_integer_id_still_routes(app: Flask, client, superadmin) -> None:
    """2**31 - 1 is a valid INTEGER: it reaches the view (and the database), which finds nothing."""
    for url in ("/pegawai/2147483647", "/unit/2147483647", "/pakta/kampanye/2147483647",
                "/impor/2147483647", "/penyusunan/2147483647"):
        assert client.get(url).status_code == 404, url


def test_named_probes_of_the_issue(client, superadmin) -> None:
    assert client.get("/verifikasi/pakta/%00").status_code == 404
    assert client.get("/kursus/%00").status_code == 404
    assert client.get("/pegawai/2147483648").status_code == 404
    response = client.get("/pegawai/?q=%00")
    assert response.status_code == 400
    assert "tidak sah" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", [
    "/pegawai/?q=%00", "/pegawai/?q=budi&status=%00", "/audit/?instansi=%00", "/kursus/?%00=1",
    "/pakta/kampanye/?skpd=%00", "/analisis/kuis/?skpd=a%00", "/penugasan/?kursus=%00",
])
def test_nul_in_the_query_answers_400(client, superadmin, url: str) -> None:
    assert client.get(url).status_code == 400


@pytest.mark.parametrize("url", [
    "/pegawai/?skpd=2147483648", "/pegawai/?unit=99999999999999999999", "/pegawai/?page=99999999999999999999",
    "/audit/?page=2147483648", "/penugasan/?kursus=2147483648", "/penugasan/?page=2147483648",
])
def test_huge_numbers_in_the_query_never_answer_500(client, superadmin, url: str) -> None:
    assert client.get(url).status_code in (200, 302, 404)


@pytest.mark.parametrize("value", ["2147483648", "99999999999999999999", "\u00b2", "-1"])
def test_ids_typed_into_queries_and_forms_never_answer_500(app: Flask, client, make_user, make_unit,
                                                           value: str) -> None:
    """Ids that arrive as text (``?skpd=``, a select's value) go through one parser: beyond INTEGER
    (PostgreSQL refuses it, SQLite overflows past 2**63) or not ASCII digits (``int('\u00b2')``
    raises) finds nothing, and changes nothing."""
    admin = make_user(Role.ADMIN_BKPSDM)
    with app.app_context():
        campaign_id = make_campaign(admin.instansi_id).id
        quiz_slug = make_quiz("kuis-id-uji").slug
        db.session.commit()
    unit = make_unit(instansi=db.session.get(User, admin.id).instansi)
    login(client, admin)
    assert client.get(f"/pakta/kampanye/{campaign_id}?skpd={value}").status_code == 404
    assert client.get(f"/analisis/kuis/{quiz_slug}").status_code == 200
    assert client.get(f"/analisis/kuis/{quiz_slug}?skpd={value}").status_code == 404
    assert client.post("/unit/baru", data={"parent_id": value, "name": "Bidang Uji"}).status_code == 404
    assert client.post(f"/unit/{unit.id}/pindah", data={"parent_id": value}).status_code == 404
    assert client.get(f"/pegawai/slip?skpd={value}").status_code == 404
    response = client.post("/pakta/kampanye/baru", data={
        "pledge_version_id": value, "slug": "uji-id", "name": "Uji", "place": "Kota Uji", "election_type": "pilkada",
        "opens_on": "2026-01-01", "closes_on": "2026-02-01"})
    assert response.status_code == 200  # the form again, with its error
    with app.app_context():
        assert db.session.get(type(unit), unit.id).parent_id == unit.parent_id


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31", "date_from=0001-01-01&date_to=0001-01-01"])
def test_dates_at_the_ends_of_the_calendar_in_the_audit_filter(app: Flask, client, make_user, query: str) -> None:
    """Turning a local day into UTC bounds overflowed at year 1 and 9999 (500)."""
    login(client, make_user(Role.ADMIN_BKPSDM))
    assert client.get(f"/audit/?{query}").status_code == 200


def test_nul_in_a_form_answers_400_and_changes_nothing(app: Flask, client, make_user) -> None:
    user = make_user()
    response = client.post("/masuk", data={"nip": user.employee_number + "\x00", "password": "x"})
    assert response.status_code == 400
    login(client, user)
    before = _name_of(app, user.id)
    assert client.post("/akun/kata-sandi", data={"current": "\x00", "password": "a", "confirm": "a"}).status_code == 400
    assert _name_of(app, user.id) == before


def test_a_number_beyond_any_integer_in_a_json_body_answers_400(client, make_course, superadmin) -> None:
    """``1e999`` is a valid JSON number (infinity once parsed): int() of it overflows."""
    version = make_course(modules=1, sections=1)
    url = f"/kursus/{version.course.slug}/modul/{version.modules[0].module.slug}/kemajuan"
    response = client.post(url, data=b'{"reached": 1e999}', content_type="application/json")
    assert response.status_code == 400


def test_nul_in_a_json_body_answers_400(client, make_course, superadmin) -> None:
    version = make_course(modules=1, sections=1)
    url = f"/kursus/{version.course.slug}/modul/{version.modules[0].module.slug}/kemajuan"
    assert client.post(url, json={"reached": 0, "note": "\u0000"}).status_code == 400
    assert client.post(url, json={"reached": 0}).status_code == 200


def _name_of(app: Flask, user_id: int) -> Any:
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.id == user_id))


# --- caching ---------------------------------------------------------------------------------------

def test_pages_of_a_signed_in_user_are_not_stored(client, make_user) -> None:
    login(client, make_user())
    for url in ("/", "/kursus/", "/pakta/", "/akun/kata-sandi"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.cache_control.no_store, url


def test_downloads_are_not_stored(app: Flask, client, make_user) -> None:
    """The XLSX export answers through send_file (``no-cache, max-age=0``): no-store is added."""
    admin = make_user(Role.ADMIN_BKPSDM)
    with app.app_context():
        campaign_id = make_campaign(admin.instansi_id).id
        db.session.commit()
    login(client, admin)
    for url in (f"/pakta/kampanye/{campaign_id}/ekspor.xlsx", f"/pakta/kampanye/{campaign_id}/ekspor.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.cache_control.no_store, url


def test_static_files_keep_their_caching(client) -> None:
    response = client.get("/static/favicon.svg")
    response.close()
    assert response.status_code == 200
    assert not response.cache_control.no_store


def _course_image(app: Flask, course_id: int) -> str:
    data = b"\x89PNG\r\n\x1a\n" + hashlib.sha256(str(course_id).encode()).digest()
    digest = hashlib.sha256(data).hexdigest()
    with app.app_context():
        db.session.add(CourseAsset(course_id=course_id, path="images/x.png", content_hash=digest,
                                   mimetype="image/png", data=data))
        db.session.commit()
    return f"/kursus/aset/{digest}.png"


def test_images_of_an_instansi_course_are_cached_privately(app: Flask, client, make_course, make_user) -> None:
    person = make_user()
    own = _course_image(app, make_course(instansi_id=person.instansi_id).course_id)
    shipped = _course_image(app, make_course().course_id)
    login(client, person)
    response = client.get(own)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert client.get(shipped).headers["Cache-Control"] == "public, max-age=31536000, immutable"


# --- 405, HSTS, allowed hosts ---------------------------------------------------------------------

def test_method_not_allowed_names_the_allowed_methods(client) -> None:
    response = client.delete("/masuk")
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} >= {"GET", "POST"}
    assert "Metode tidak diizinkan" in response.get_data(as_text=True)
    response = client.put("/keluar", headers={"Accept": "application/json"})
    assert response.status_code == 405 and response.headers["Allow"].strip() in ("POST, OPTIONS", "OPTIONS, POST")


@pytest.fixture
def production(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Flask]:
    """create_app in production mode (sharing the test database), with extra settings."""
    created: list[Flask] = []
    monkeypatch.setenv("ELEARN_SECRET_KEY", "k" * 64)
    monkeypatch.setenv("ELEARN_PLEDGE_HMAC_KEY", "h" * 64)
    for name in ("ELEARN_ALLOWED_HOSTS", "ELEARN_PUBLIC_BASE_URL", "ELEARN_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)

    def build(**settings: Any) -> Flask:
        prod = create_app({"ELEARN_ENV": "production", "DATABASE_URL": app.config["DATABASE_URL"], **settings})
        created.append(prod)
        return prod

    yield build
    for prod in created:
        db.get_engine(prod).dispose()


def test_production_sends_hsts(production) -> None:
    prod = production(ALLOWED_HOSTS="elearn.kotacontoh.go.id")
    response = prod.test_client().get("/masuk", base_url="https://elearn.kotacontoh.go.id")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_development_sends_no_hsts(client) -> None:
    assert "Strict-Transport-Security" not in client.get("/masuk").headers


def test_production_needs_allowed_hosts_or_a_public_base_url(production) -> None:
    with pytest.raises(RuntimeError, match="ELEARN_ALLOWED_HOSTS"):
        production()


def test_hosts_outside_the_allowed_list_get_400(production, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELEARN_ALLOWED_HOSTS", "elearn.kotacontoh.go.id, .bkpsdm.kotacontoh.go.id")
    prod = production()
    client = prod.test_client()
    assert client.get("/masuk", base_url="https://elearn.kotacontoh.go.id").status_code == 200
    assert client.get("/masuk", base_url="https://uji.bkpsdm.kotacontoh.go.id").status_code == 200
    refused = client.get("/masuk", base_url="https://penipu.example")
    assert refused.status_code == 400
    assert "Alamat situs ini tidak dikenal" in refused.get_data(as_text=True)
    assert client.get("/verifikasi/pakta/ABCD", base_url="https://penipu.example").status_code == 400


def test_a_forwarded_host_is_never_trusted(production) -> None:
    """The README's nginx passes Host on and sets no X-Forwarded-Host, so one in a request came from
    the client: it neither replaces the host nor reaches an absolute URL."""
    prod = production(ALLOWED_HOSTS="elearn.kotacontoh.go.id", TRUSTED_PROXIES=1)
    client = prod.test_client()
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    assert client.get("/masuk", base_url="http://elearn.kotacontoh.go.id", headers=headers).status_code == 200
    forged = {**headers, "X-Forwarded-Host": "penipu.example"}
    environ = EnvironBuilder(path="/masuk", base_url="http://elearn.kotacontoh.go.id", headers=forged).get_environ()
    statuses: list[str] = []
    body = b"".join(prod.wsgi_app(environ, lambda status, *_: statuses.append(status)))
    assert statuses[0].startswith("200")
    assert environ["HTTP_HOST"] == "elearn.kotacontoh.go.id" and environ["REMOTE_ADDR"] == "203.0.113.7"
    assert b"penipu.example" not in body


def test_public_base_url_alone_allows_its_host(production) -> None:
    prod = production(PUBLIC_BASE_URL="https://elearn.kotacontoh.go.id/")
    client = prod.test_client()
    assert client.get("/masuk", base_url="https://elearn.kotacontoh.go.id").status_code == 200
    assert client.get("/masuk", base_url="https://penipu.example").status_code == 400
