"""Issue 16: a quiz is shown only to its audience. The leaders' quiz (``audience: pimpinan``) was
listed for every teacher. ``authz.is_leader`` says who a leader is; ``authz.in_quiz_audience`` is the
one rule; the quiz list applies it in SQL; starting or answering outside the audience is 404, while
someone who already has an attempt keeps the quiz page and their review."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import select

from elearn import authz
from elearn.accounts.models import JenisJabatan, Role
from elearn.db import db
from elearn.quizzes.models import Attempt
from quiz_support import make_quiz


def _person(jabatan: str | None = None, jenis: JenisJabatan | None = None, kepala_wilayah: bool = False,
            role: Role = Role.PESERTA) -> SimpleNamespace:
    return SimpleNamespace(jabatan=jabatan, jenis_jabatan=jenis, is_kepala_wilayah=kepala_wilayah, role=role,
                           is_authenticated=True)


@pytest.mark.parametrize(("person", "leader"), [
    (_person("Kepala Dinas Pendidikan", JenisJabatan.JPT_PRATAMA), True),
    (_person("Sekretaris Daerah", JenisJabatan.JPT_MADYA), True),
    (_person("Kepala Bidang Pembinaan SD", JenisJabatan.ADMINISTRATOR), True),
    (_person("Kepala Subbagian Umum dan Kepegawaian", JenisJabatan.PENGAWAS), True),
    (_person("Lurah Pasar Baru", JenisJabatan.PENGAWAS, kepala_wilayah=True), True),
    (_person("Camat Kota Lama", None, kepala_wilayah=True), True),
    # heads who are fungsional with a tugas tambahan: the jabatan names the headship
    (_person("Kepala SD Negeri 3 Kota Contoh", JenisJabatan.FUNGSIONAL), True),
    (_person("Kepala Puskesmas Sukamaju", JenisJabatan.FUNGSIONAL), True),
    (_person("Plt. Kepala SMP Negeri 2 Kota Contoh", JenisJabatan.FUNGSIONAL), True),
    (_person("kepala sekolah", None), True),
    # not leaders
    (_person("Guru Ahli Pertama", JenisJabatan.FUNGSIONAL), False),
    (_person("Guru Kelas SD Negeri 3", JenisJabatan.FUNGSIONAL), False),
    (_person("Pengadministrasi Umum", JenisJabatan.PELAKSANA), False),
    (_person("Staf Kepala Dinas", JenisJabatan.PELAKSANA), False),
    (_person(None, None), False),
])
def test_who_is_a_leader(person: SimpleNamespace, leader: bool) -> None:
    assert authz.is_leader(person) is leader
    quiz = SimpleNamespace(audience="pimpinan")
    assert authz.in_quiz_audience(person, quiz) is leader
    assert authz.in_quiz_audience(person, SimpleNamespace(audience=None))


def test_the_superadmin_is_in_every_audience() -> None:
    assert authz.in_quiz_audience(_person(role=Role.SUPERADMIN), SimpleNamespace(audience="pimpinan"))


@pytest.fixture
def quizzes(app: Flask) -> tuple[str, str]:
    with app.app_context():
        make_quiz("kuis-semua", title="Kuis Untuk Semua")
        make_quiz("kuis-pimpinan", title="Kuis Untuk Pimpinan", audience="pimpinan")
        db.session.commit()
    return "kuis-semua", "kuis-pimpinan"


def test_a_teacher_does_not_see_nor_start_the_leaders_quiz(app: Flask, client, make_user, login_as,
                                                          quizzes) -> None:
    teacher = make_user(jabatan="Guru Ahli Pertama", jenis_jabatan=JenisJabatan.FUNGSIONAL)
    login_as(teacher)
    listing = client.get("/kuis/").get_data(as_text=True)
    assert "Kuis Untuk Semua" in listing and "Kuis Untuk Pimpinan" not in listing
    home = client.get("/").get_data(as_text=True)
    assert "Kuis Untuk Pimpinan" not in home
    assert client.get("/kuis/kuis-pimpinan").status_code == 404
    assert client.post("/kuis/kuis-pimpinan/mulai").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Attempt).where(Attempt.user_id == teacher.id)) is None
    assert client.get("/kuis/kuis-semua").status_code == 200


def test_a_head_of_school_sees_and_takes_it(app: Flask, client, make_user, login_as, quizzes) -> None:
    head = make_user(jabatan="Kepala SD Negeri 3 Kota Contoh", jenis_jabatan=JenisJabatan.FUNGSIONAL)
    login_as(head)
    listing = client.get("/kuis/").get_data(as_text=True)
    assert "Kuis Untuk Semua" in listing and "Kuis Untuk Pimpinan" in listing
    assert client.get("/kuis/kuis-pimpinan").status_code == 200
    response = client.post("/kuis/kuis-pimpinan/mulai")
    assert response.status_code == 302 and "/percobaan/" in response.headers["Location"]
    assert client.get(response.headers["Location"], follow_redirects=True).status_code == 200


def test_someone_who_left_the_audience_keeps_their_results(app: Flask, client, make_user, login_as,
                                                           quizzes) -> None:
    """A head who took the quiz and is now a teacher again: the quiz page shows their attempts and
    their review, without a start button; the questions and a new start are 404."""
    person = make_user(jabatan="Kepala SD Negeri 3 Kota Contoh", jenis_jabatan=JenisJabatan.FUNGSIONAL)
    login_as(person)
    location = client.post("/kuis/kuis-pimpinan/mulai").headers["Location"]
    base = location.split("?")[0]
    with app.app_context():
        from elearn.accounts.models import User

        db.session.get(User, person.id).jabatan = "Guru Ahli Madya"
        db.session.commit()
    assert client.get(f"{base}?no=1").status_code == 404
    assert client.post("/kuis/kuis-pimpinan/mulai").status_code == 404
    assert client.post(f"{base}/kirim").status_code == 302  # what was saved is graded
    quiz_page = client.get("/kuis/kuis-pimpinan").get_data(as_text=True)
    assert "Kuis ini ditujukan untuk pimpinan." in quiz_page and "Mulai percobaan baru" not in quiz_page
    assert client.get(f"{base}/ulasan").status_code == 200
    assert "Kuis Untuk Pimpinan" in client.get("/kuis/").get_data(as_text=True)  # their attempt stays listed


def test_the_quiz_list_statement_count_does_not_grow_with_quizzes(app: Flask, client, make_user, login_as,
                                                                  quizzes) -> None:
    """The audience is filtered in the list's one query, not per quiz."""
    from sqlalchemy import event

    teacher = make_user(jabatan="Guru Ahli Pertama", jenis_jabatan=JenisJabatan.FUNGSIONAL)
    login_as(teacher)
    client.get("/kuis/")

    def count() -> int:
        statements: list[str] = []
        with app.app_context():
            engine = db.engine

        def listener(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/kuis/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    before = count()
    with app.app_context():
        for n in range(4):
            make_quiz(f"kuis-pimpinan-{n}", title=f"Kuis Pimpinan {n}", audience="pimpinan")
            make_quiz(f"kuis-semua-{n}", title=f"Kuis Semua {n}")
        db.session.commit()
    assert count() == before


def test_a_course_may_not_require_a_quiz_written_for_one_audience(app: Flask, tmp_path) -> None:
    """content validate: a course requiring the leaders' quiz would leave every other learner with a step
    they can never take (the quiz answers 404 outside its audience), so it is an error; the shipped
    course (requiring the quiz for everyone) passes."""
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "courses", tmp_path / "courses")
    shutil.copytree(root / "quizzes", tmp_path / "quizzes")
    runner = app.test_cli_runner()
    args = ["content", "validate", "--root", str(tmp_path / "courses"), "--quizzes-root", str(tmp_path / "quizzes")]
    ok = runner.invoke(args=args)
    assert ok.exit_code == 0, ok.output
    manifest = tmp_path / "courses" / "netralitas-asn" / "course.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("quiz: netralitas-dasar",
                                                                     "quiz: netralitas-pimpinan"), encoding="utf-8")
    refused = runner.invoke(args=args)
    assert refused.exit_code != 0
    assert "course.yaml:24: requires.quiz netralitas-pimpinan is only for audience 'pimpinan'" in refused.output
