"""Trainers copy shipped content ("Salin ke instansi saya", issue 16 point 6): a shipped course or
question bank becomes an editable copy of the trainer's instansi, independent of the shipped one."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from elearn.accounts.models import Role
from elearn.audit.models import AuditEvent
from elearn.content.courses import sync_courses
from elearn.courses.models import Course, CourseAsset, CourseVersion, ModuleVersion, VersionStatus
from elearn.db import db
from elearn.org.models import Instansi
from elearn.quizzes import authoring_services
from elearn.quizzes.models import Question, QuestionBank, QuestionVersion
from quiz_support import SINGLE, fixture_bank

COURSES = Path(__file__).parent / "fixtures" / "courses"
MODULE = {
    "title": "Pengantar instansi", "minutes": "4", "objectives": "Memahami aturan di instansi kami.",
    "references": "", "sources": "", "body": "## Bagian kami\n\nIsi khusus instansi.", "action": "save",
}


@pytest.fixture
def shipped_course(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        sync_courses(COURSES)
        course_id = db.session.scalar(select(Course.id).where(Course.slug == "kursus-contoh"))
        db.session.commit()
        return course_id


@pytest.fixture
def switch(client, login_as):  # type: ignore[no-untyped-def]
    """Sign out, then in as ``user``."""
    def do(user):  # type: ignore[no-untyped-def]
        client.post("/keluar")
        return login_as(user)

    return do


@pytest.fixture
def trainer(make_user, make_unit):  # type: ignore[no-untyped-def]
    return make_user(Role.PELATIH, make_unit())


def instansi_slug(app, user) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.get(Instansi, user.instansi_id).slug


def copy_course(client, course_id: int) -> int:  # type: ignore[no-untyped-def]
    response = client.post(f"/penyusunan/{course_id}/salin")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/penyusunan/(\d+)$", response.headers["Location"]).group(1))


def test_empty_list_explains_shipped_courses_and_offers_the_copy(client, login_as, trainer, shipped_course) -> None:
    login_as(trainer)
    page = client.get("/penyusunan/").get_data(as_text=True)
    assert "Instansi Anda belum punya kursus sendiri." in page
    assert "dipelihara oleh operator instalasi" in page and "folder courses/" in page
    assert f'action="/penyusunan/{shipped_course}/salin"' in page
    assert "Salin ke instansi saya" in page


def test_copy_of_a_shipped_course_is_independent(app, client, login_as, trainer, shipped_course) -> None:
    login_as(trainer)
    copy_id = copy_course(client, shipped_course)
    expected_slug = f"kursus-contoh-{instansi_slug(app, trainer)}"
    with app.app_context():
        shipped = db.session.get(Course, shipped_course)
        shipped_modules = [(l.module.id, l.module.slug, l.module.source_text) for l in shipped.published_version.modules]
        shipped_assets = db.session.scalar(select(func.count()).select_from(CourseAsset)
                                           .where(CourseAsset.course_id == shipped_course))
        copy = db.session.get(Course, copy_id)
        assert copy.slug == expected_slug and copy.instansi_id == trainer.instansi_id
        assert copy.published_version_id is None
        draft = db.session.scalar(select(CourseVersion).where(CourseVersion.course_id == copy_id))
        assert (draft.number, draft.status) == (1, VersionStatus.DRAFT)
        assert draft.title == "Kursus Contoh Netralitas (salinan)"
        assert draft.requires == shipped.published_version.requires
        assert f"slug: {expected_slug}" in draft.manifest_text
        # own module rows with the same content, and own image rows with the same bytes
        copied = [(l.module.id, l.module.slug, l.module.source_text, l.module.course_id) for l in draft.modules]
        assert [(s, t) for _i, s, t, _c in copied] == [(s, t) for _i, s, t in shipped_modules]
        assert all(c == copy_id for *_rest, c in copied)
        assert not {i for i, *_rest in copied} & {i for i, *_rest in shipped_modules}
        assets = db.session.scalars(select(CourseAsset).where(CourseAsset.course_id == copy_id)).all()
        assert [a.path for a in assets] == ["images/bagan.png"] and shipped_assets == 1
        # the rendered module shows the image by its content address, which the copy's asset row serves
        assert f"/kursus/aset/{assets[0].content_hash}" in str(draft.modules[0].module.sections)
        assert draft.modules[0].module.sections == shipped.published_version.modules[0].module.sections
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.copy"))
        assert event.instansi_id == trainer.instansi_id and event.details["source"] == "kursus-contoh"

    # editing and publishing the copy leaves the shipped course as it was
    assert client.post(f"/penyusunan/{copy_id}/modul/01-pengantar", data=MODULE).status_code == 302
    assert client.post(f"/penyusunan/{copy_id}/terbitkan").status_code == 302
    with app.app_context():
        shipped = db.session.get(Course, shipped_course)
        assert [(l.module.id, l.module.slug, l.module.source_text)
                for l in shipped.published_version.modules] == shipped_modules
        assert db.session.scalar(select(func.count()).select_from(CourseVersion)
                                 .where(CourseVersion.course_id == shipped_course)) == 1
        copy = db.session.get(Course, copy_id)
        assert copy.published_version.modules[0].module.title == "Pengantar instansi"

    # a second copy gets a code of its own
    second = copy_course(client, shipped_course)
    with app.app_context():
        assert db.session.get(Course, second).slug == f"{expected_slug}-2"


def test_the_copy_belongs_to_its_instansi_only(app, client, login_as, switch, trainer, make_user,
                                              shipped_course) -> None:
    login_as(trainer)
    copy_id = copy_course(client, shipped_course)
    switch(make_user(Role.PELATIH))
    assert client.get(f"/penyusunan/{copy_id}").status_code == 404
    assert client.post(f"/penyusunan/{copy_id}/salin").status_code == 404
    page = client.get("/penyusunan/").get_data(as_text=True)
    assert f"/penyusunan/{copy_id}" not in page
    # learners of another instansi don't see it either
    assert client.get("/kursus/").status_code == 200
    assert f"kursus-contoh-{instansi_slug(app, trainer)}" not in client.get("/kursus/").get_data(as_text=True)


def test_copy_is_refused_clearly_without_an_instansi(app, client, login_as, switch, make_user,
                                                    shipped_course) -> None:
    superadmin = make_user(Role.SUPERADMIN)
    login_as(superadmin)
    response = client.post(f"/penyusunan/{shipped_course}/salin")
    assert response.status_code == 403
    assert "tidak terikat instansi" in response.get_data(as_text=True)
    # the superadmin edits the shipped course itself: no copy button
    assert "Salin ke instansi saya" not in client.get("/penyusunan/").get_data(as_text=True)
    for role in (Role.PESERTA, Role.OPERATOR_SKPD):
        switch(make_user(role))
        assert client.post(f"/penyusunan/{shipped_course}/salin").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Course)) == 1


def test_copying_an_own_course_or_an_unpublished_one_is_refused(app, client, login_as, trainer) -> None:
    login_as(trainer)
    response = client.post("/penyusunan/baru", data={"slug": "kursus-sendiri", "title": "Sendiri", "summary": "R.",
                                                     "audience": ["pns"], "jp": "1", "label": "1"})
    own = int(re.search(r"/penyusunan/(\d+)", response.headers["Location"]).group(1))
    assert client.post(f"/penyusunan/{own}/salin").status_code == 403
    with app.app_context():
        db.session.add(Course(slug="bawaan-belum-terbit", instansi_id=None))
        db.session.commit()
        unpublished = db.session.scalar(select(Course.id).where(Course.slug == "bawaan-belum-terbit"))
    response = client.post(f"/penyusunan/{unpublished}/salin", follow_redirects=True)
    assert "belum terbit" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Course)
                                 .where(Course.slug.like("bawaan-belum-terbit-%"))) == 0


def test_copy_needs_the_csrf_token(app, client, login_as, trainer, shipped_course) -> None:
    login_as(trainer)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/penyusunan/{shipped_course}/salin").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Course)) == 1


# --- banks -------------------------------------------------------------------------------


def test_copy_of_a_shipped_bank_is_independent(app, client, login_as, switch, trainer, make_user) -> None:
    with app.app_context():
        bank = fixture_bank()
        retired = db.session.scalar(select(Question).where(Question.bank_id == bank.id, Question.key == SINGLE))
        shipped_current = {q.key: (q.current_version_id, q.current_version.content_hash)
                           for q in db.session.scalars(select(Question).where(Question.bank_id == bank.id))}
        retired.retired = True
        db.session.commit()
    login_as(trainer)
    page = client.get("/penyusunan/soal/bank/contoh").get_data(as_text=True)
    assert 'action="/penyusunan/soal/bank/contoh/salin"' in page
    response = client.post("/penyusunan/soal/bank/contoh/salin")
    assert response.status_code == 302
    slug = f"contoh-{instansi_slug(app, trainer)}"
    assert response.headers["Location"].endswith(f"/penyusunan/soal/bank/{slug}")
    with app.app_context():
        copy = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
        assert copy.instansi_id == trainer.instansi_id and copy.title.endswith("(salinan)")
        rows = db.session.execute(select(Question, QuestionVersion)
                                  .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                                  .where(Question.bank_id == copy.id)).all()
        copied = {q.key: (v.number, v.content_hash, sorted(t.slug for t in q.tags)) for q, v in rows}
        assert SINGLE not in copied  # retired questions stay behind
        assert set(copied) == set(shipped_current) - {SINGLE}
        assert all(number == 1 and digest == shipped_current[key][1] for key, (number, digest, _t) in copied.items())
        assert all(tags for _n, _d, tags in copied.values())
        # editing a question of the copy makes a version there only
        question, version = next((q, v) for q, v in rows if v.type == "true_false")
        authoring_services.save_question(copy, {**version.data, "title": "Judul milik instansi"},
                                         db.session.get(trainer.__class__, trainer.id))
        db.session.commit()
        shipped_question = db.session.scalar(select(Question).where(Question.bank_id == bank.id,
                                                                    Question.key == question.key))
        assert (shipped_question.current_version_id, shipped_question.current_version.content_hash) == \
            shipped_current[question.key]
        assert shipped_question.current_version.title != "Judul milik instansi"
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "quiz.bank_copy")) is not None
    # the copy is the instansi's: another instansi's trainer doesn't see it
    switch(make_user(Role.PELATIH))
    assert client.get(f"/penyusunan/soal/bank/{slug}").status_code == 404
    assert slug not in client.get("/penyusunan/soal/").get_data(as_text=True)
    # a second copy by the first trainer gets a code of its own
    switch(trainer)
    response = client.post("/penyusunan/soal/bank/contoh/salin")
    assert response.headers["Location"].endswith(f"/penyusunan/soal/bank/{slug}-2")


def test_bank_copy_refused_for_the_superadmin_and_for_own_banks(app, client, login_as, switch, trainer,
                                                               make_user) -> None:
    with app.app_context():
        fixture_bank()
        db.session.commit()
    login_as(make_user(Role.SUPERADMIN))
    response = client.post("/penyusunan/soal/bank/contoh/salin")
    assert response.status_code == 403 and "tidak terikat instansi" in response.get_data(as_text=True)
    switch(trainer)
    assert client.post("/penyusunan/soal/baru", data={"slug": "bank-sendiri", "title": "Sendiri"}).status_code == 302
    assert client.post("/penyusunan/soal/bank/bank-sendiri/salin").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuestionBank)
                                 .where(QuestionBank.slug.like("contoh-%"))) == 0


def test_repeated_copies_find_a_free_code_in_one_statement(app, client, login_as, trainer, shipped_course) -> None:
    """The free code (-2, -3, ...) is found with one read of the taken codes, not one per earlier copy."""
    from support import count_statements  # noqa: PLC0415

    login_as(trainer)
    copy_course(client, shipped_course)
    copy_course(client, shipped_course)
    with count_statements(app, transaction_control=False) as third:
        copy_course(client, shipped_course)
    for _n in range(4):
        copy_course(client, shipped_course)
    with count_statements(app, transaction_control=False) as eighth:
        copy_course(client, shipped_course)
    assert len(eighth) == len(third), (len(third), len(eighth))
    base = f"kursus-contoh-{instansi_slug(app, trainer)}"
    with app.app_context():
        slugs = set(db.session.scalars(select(Course.slug).where(Course.slug.startswith(base))))
    assert slugs == {base} | {f"{base}-{n}" for n in range(2, 9)}


def test_two_copies_at_the_same_moment_give_a_message_not_an_error(app, client, login_as, trainer, shipped_course,
                                                                    monkeypatch) -> None:
    """Another request took the code between choosing it and inserting: the copy is refused with a message
    (nothing half-made is left), and the next try gets the next code."""
    from elearn.courses import services  # noqa: PLC0415

    login_as(trainer)
    first = copy_course(client, shipped_course)
    with app.app_context():
        taken = db.session.get(Course, first).slug
    monkeypatch.setattr(services, "copy_slug", lambda base, column: taken)  # as if chosen before the other commit
    with app.app_context():
        before = db.session.scalar(select(func.count(Course.id)))
    response = client.post(f"/penyusunan/{shipped_course}/salin", follow_redirects=True)
    assert response.status_code == 200
    assert "Salinan lain sedang dibuat pada saat yang sama" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Course.id))) == before
    monkeypatch.undo()
    assert copy_course(client, shipped_course) != first
