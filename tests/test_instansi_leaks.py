"""One instansi learns nothing about another's rows: tags it created are not listed to others, and a
code (slug) another instansi uses is refused with the same words as any taken code."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from elearn.accounts.models import Role
from elearn.courses.models import Course
from elearn.db import db
from elearn.quizzes.models import QuestionBank, Tag

from support import login


@pytest.fixture
def trainers(make_instansi, make_unit, make_user) -> dict[str, Any]:
    a, b = make_instansi(), make_instansi()
    return {"a": make_user(Role.PELATIH, make_unit(instansi=a)), "b": make_user(Role.PELATIH, make_unit(instansi=b)),
            "superadmin": make_user(Role.SUPERADMIN)}


def _tag_page(client) -> str:  # type: ignore[no-untyped-def]
    return client.get("/penyusunan/soal/tag/").get_data(as_text=True)


def test_an_unused_tag_is_listed_to_its_instansi_only(app: Flask, client, trainers) -> None:
    login(client, trainers["b"])
    assert client.post("/penyusunan/soal/tag/", data={"slug": "mutasi-rahasia", "label": "Mutasi rahasia B"}
                       ).status_code == 302
    assert client.post("/penyusunan/soal/tag/", data={"slug": "tag-b-lain", "label": "Tag B lain"}).status_code == 302
    assert "Mutasi rahasia B" in _tag_page(client)
    assert client.get("/penyusunan/soal/tag/mutasi-rahasia").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Tag.instansi_id).where(Tag.slug == "mutasi-rahasia")) == trainers["b"].instansi_id
    client.post("/keluar")

    login(client, trainers["a"])
    assert client.post("/penyusunan/soal/tag/", data={"slug": "tag-a", "label": "Tag A"}).status_code == 302
    page = _tag_page(client)
    assert "Tag A" in page
    assert "mutasi-rahasia" not in page and "Mutasi rahasia B" not in page
    assert client.get("/penyusunan/soal/tag/mutasi-rahasia").status_code == 404
    # the merge picker of A's own tag offers none of B's tags, and merging into one is refused
    picker = client.get("/penyusunan/soal/tag/tag-a").get_data(as_text=True)
    assert "tag-b-lain" not in picker and "Tag B lain" not in picker
    assert client.post("/penyusunan/soal/tag/tag-a/gabung", data={"target": "tag-b-lain"}).status_code in (400, 404)
    client.post("/keluar")

    login(client, trainers["superadmin"])
    assert "Mutasi rahasia B" in _tag_page(client)


def test_a_code_another_instansi_uses_is_refused_like_any_taken_code(app: Flask, client, trainers) -> None:
    with app.app_context():
        db.session.add(Course(slug="kursus-b", instansi_id=trainers["b"].instansi_id))
        db.session.add(QuestionBank(slug="bank-b", title="Bank B", description="",
                                    instansi_id=trainers["b"].instansi_id))
        db.session.commit()
    login(client, trainers["b"])
    client.post("/penyusunan/soal/tag/", data={"slug": "tag-b", "label": "Tag B"})
    client.post("/keluar")
    login(client, trainers["a"])
    course = {"title": "Kursus A", "summary": "Ringkas.", "audience": ["pns"], "jp": "1", "label": "1"}
    assert client.post("/penyusunan/baru", data={**course, "slug": "kursus-a"}).status_code == 302

    pages = {
        "course": client.post("/penyusunan/baru", data={**course, "slug": "kursus-b"}),
        "bank": client.post("/penyusunan/soal/baru", data={"slug": "bank-b", "title": "Bank A"}),
        "tag": client.post("/penyusunan/soal/tag/", data={"slug": "tag-b", "label": "Tag A"}),
    }
    for kind, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200, kind
        slug = f"{kind if kind != 'course' else 'kursus'}-b"
        assert f"Kode {slug} tidak tersedia." in html, kind
        assert "sudah dipakai" not in html and "sudah ada" not in html, kind
    # ... exactly the words a code of one's own instansi gets
    own = client.post("/penyusunan/baru", data={**course, "slug": "kursus-a"}).get_data(as_text=True)
    assert "Kode kursus-a tidak tersedia." in own
