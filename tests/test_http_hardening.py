"""HTTP-level hardening across the whole app: input the databases refuse (NUL bytes, ids beyond
INTEGER) answers 404/400 instead of 500, caching and security headers, allowed hosts, 405 ``Allow``."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from elearn.accounts.models import Role, User
from elearn.db import db
from elearn.http_guards import MAX_DB_INT

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


def test_nul_in_a_form_answers_400_and_changes_nothing(app: Flask, client, make_user) -> None:
    user = make_user()
    response = client.post("/masuk", data={"nip": user.employee_number + "\x00", "password": "x"})
    assert response.status_code == 400
    login(client, user)
    before = _name_of(app, user.id)
    assert client.post("/akun/kata-sandi", data={"current": "\x00", "password": "a", "confirm": "a"}).status_code == 400
    assert _name_of(app, user.id) == before


def test_nul_in_a_json_body_answers_400(client, make_course, superadmin) -> None:
    version = make_course(modules=1, sections=1)
    url = f"/kursus/{version.course.slug}/modul/{version.modules[0].module.slug}/kemajuan"
    assert client.post(url, json={"reached": 0, "note": "\u0000"}).status_code == 400
    assert client.post(url, json={"reached": 0}).status_code == 200


def _name_of(app: Flask, user_id: int) -> Any:
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.id == user_id))
