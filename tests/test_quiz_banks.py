"""Quizzes drawing from several question banks (issue 16 point 6): the quiz_banks table and its
migration from quizzes.bank_id, draws and validation across banks, ``banks:`` in quiz files, the
quiz form."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import yaml
from alembic import command
from sqlalchemy import create_engine, func, select, text

from elearn.accounts.models import Role
from elearn.content.quizzes import (
    ContentInvalid,
    export_quizzes,
    get_or_create_bank,
    sync_quizzes,
    upsert_question,
    upsert_quiz,
    validate_quiz_tree,
)
from elearn.db import db
from elearn.migrations import alembic_config
from elearn.org.models import Instansi
from elearn.quizzes import authoring_services
from elearn.quizzes.attempts import start_attempt
from elearn.quizzes.models import Attempt, Question, QuestionBank, Quiz, QuizBank, QuizStatus
from elearn.quizzes.services import DrawError, draw_questions, quiz_bank_ids
from support import count_statements
from test_migrations import empty_database_url  # noqa: F401  (the fixture)


def question(key: str, tags: list[str], title: str | None = None) -> dict:
    return {
        "id": key, "type": "single_choice", "title": title or f"Soal {key}", "stem": f"Situasi {key}?",
        "election_types": ["pilkada"], "stage": "calon", "actor_role": "pns",
        "rule_refs": ["PP 94/2021 Pasal 5"], "sanctions": ["disiplin_sedang"], "tags": tags,
        "sources": [{"title": "BKN", "url": "https://www.bkn.go.id/"}], "feedback": "Umum.",
        "options": [{"id": "a", "text": "Ya", "correct": True, "feedback": "Tepat."},
                    {"id": "b", "text": "Tidak", "feedback": "Keliru."}],
    }


def two_banks(instansi_id: int | None = None) -> tuple[QuestionBank, QuestionBank]:
    """Bank ``bank-a`` (a1: x, sama: y) and ``bank-b`` (b1: x, sama: y, b2: z). Needs an app context."""
    instansi = db.session.get(Instansi, instansi_id) if instansi_id is not None else None
    a = get_or_create_bank("bank-a", "Bank A", instansi)
    b = get_or_create_bank("bank-b", "Bank B", instansi)
    for position, (key, tags) in enumerate((("a1", ["tag-x"]), ("sama", ["tag-y"]))):
        upsert_question(a, question(key, tags), position=position)
    for position, (key, tags) in enumerate((("b1", ["tag-x"]), ("sama", ["tag-y"]), ("b2", ["tag-z"]))):
        upsert_question(b, question(key, tags), position=position)
    return a, b


def quiz_data(slug: str, draw: list[dict]) -> dict:
    return {"slug": slug, "title": "Kuis dua bank", "pass_mark": 70, "shuffle_questions": False, "draw": draw}


def drawn(quiz: Quiz, seed: int = 1) -> list[tuple[str, str]]:
    return [(v.question.bank.slug, v.question.key) for v in draw_questions(quiz, random.Random(seed))]


def test_a_quiz_draws_across_its_banks(app) -> None:
    with app.app_context():
        a, b = two_banks()
        draw = [{"count": 2, "tags": ["tag-x"]}, {"count": 1, "questions": ["bank-b/sama"]}, {"count": 2}]
        quiz, status = upsert_quiz(a, quiz_data("kuis-dua", draw), banks=[a, b])
        assert status == "created" and quiz_bank_ids(quiz) == [a.id, b.id] and quiz.bank_id == a.id
        for seed in range(5):
            result = drawn(quiz, seed)
            # tags reach both banks; bank/id names one bank's question; the rest comes from both
            assert result[:2] == [("bank-a", "a1"), ("bank-b", "b1")]
            assert result[2] == ("bank-b", "sama")
            assert sorted(result[3:]) == [("bank-a", "sama"), ("bank-b", "b2")]
        # a bare id that only one bank has needs no bank
        quiz, _s = upsert_quiz(a, quiz_data("kuis-dua", [{"count": 2, "questions": ["b2", "a1"]}]), banks=[a, b])
        assert sorted(drawn(quiz)) == [("bank-a", "a1"), ("bank-b", "b2")]
        # one bank only: the other bank's questions are out of reach
        single, _s = upsert_quiz(a, quiz_data("kuis-satu", [{"count": 3}]))
        assert quiz_bank_ids(single) == [a.id]
        with pytest.raises(DrawError):
            draw_questions(single, random.Random(1))


def test_draw_rules_are_validated_across_the_banks(app) -> None:
    with app.app_context():
        a, b = two_banks()
        problems = authoring_services.quiz_problems
        assert problems([a, b], quiz_data("k", [{"count": 2, "tags": ["tag-x"]}, {"count": 3}])) == []
        assert problems([a, b], quiz_data("k", [{"count": 1, "questions": ["sama"]}])) == [
            "draw item 1: question 'sama' is in several banks (bank-a/sama, bank-b/sama): write which one"]
        assert problems([a, b], quiz_data("k", [{"count": 1, "questions": ["bank-a/tidak-ada"]}])) == [
            "draw item 1: the bank has no question 'bank-a/tidak-ada'"]
        assert problems([a, b], quiz_data("k", [{"count": 1, "questions": ["bank-a/a1", "a1"]}])) == [
            "draw item 1: question 'a1' is listed twice"]
        assert problems([a, b], quiz_data("k", [{"count": 6}])) == [
            "draw item 1: needs 6 question(s) but only 5 match"]
        # with one bank, bank/id is accepted as well as the bare id
        assert problems([b], quiz_data("k", [{"count": 2, "questions": ["bank-b/sama", "b2"]}])) == []
        assert problems([a], quiz_data("k", [{"count": 1, "tags": ["tag-z"]}])) == [
            "draw item 1: no question of the bank has the tag 'tag-z'"]


def test_the_old_bank_column_is_migrated_into_quiz_banks(empty_database_url: str) -> None:  # noqa: F811
    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "0012_unitsort")
    engine = create_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO question_banks (id, slug, title, description, language, created_at) "
                              "VALUES (7, 'lama', 'Bank lama', '', 'id', CURRENT_TIMESTAMP)"))
            for quiz_id, slug in ((3, 'kuis-lama'), (4, 'kuis-lain')):
                conn.execute(text(
                    "INSERT INTO quizzes (id, slug, bank_id, title, description, pass_mark, shuffle_questions, "
                    "shuffle_options, draw, status, source_text, content_hash, updated_at) VALUES "
                    f"({quiz_id}, '{slug}', 7, 'Kuis', '', 70, true, true, '[]', 'published', '', '', "
                    "CURRENT_TIMESTAMP)"))
        command.upgrade(cfg, "0013_quizbanks")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT quiz_id, bank_id, position FROM quiz_banks ORDER BY quiz_id")).all()
        assert [tuple(r) for r in rows] == [(3, 7, 0), (4, 7, 0)]
        command.downgrade(cfg, "0012_unitsort")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT bank_id FROM quizzes WHERE id = 3")).scalar() == 7
    finally:
        engine.dispose()


def test_attempts_over_two_banks_pin_their_versions(app, make_user) -> None:
    person = make_user(Role.PESERTA)
    with app.app_context():
        a, b = two_banks()
        quiz, _s = upsert_quiz(a, quiz_data("kuis-riwayat", [{"count": 2, "questions": ["a1", "b1"]}]),
                               banks=[a, b])
        attempt = start_attempt(db.session.get(type(person), person.id), quiz, rng=random.Random(3))
        pinned = [item.question_version_id for item in attempt.items]
        assert len(pinned) == 2
        # editing a question of the second bank and dropping that bank keep the attempt as it was
        upsert_question(b, question("b1", ["tag-x"], title="Judul baru"))
        upsert_quiz(a, quiz_data("kuis-riwayat", [{"count": 1, "questions": ["a1"]}]))
        db.session.flush()
        db.session.expire_all()
        again = db.session.get(Attempt, attempt.id)
        assert [item.question_version_id for item in again.items] == pinned
        assert quiz_bank_ids(db.session.get(Quiz, quiz.id)) == [a.id]


# --- quiz files ----------------------------------------------------------------------------


def write_bank(root: Path, slug: str, questions: list[dict], quizzes: dict[str, dict] | None = None) -> None:
    folder = root / slug
    (folder / "questions").mkdir(parents=True)
    (folder / "bank.yaml").write_text(yaml.safe_dump({"slug": slug, "title": f"Bank {slug}"}), encoding="utf-8")
    (folder / "questions" / f"{slug}.yaml").write_text(yaml.safe_dump({"questions": questions}, allow_unicode=True),
                                                       encoding="utf-8")
    if quizzes:
        (folder / "quizzes").mkdir()
        for name, data in quizzes.items():
            (folder / "quizzes" / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def tree(root: Path, quiz: dict) -> Path:
    write_bank(root, "bank-a", [question("a1", ["tag-x"]), question("sama", ["tag-y"])], {quiz["slug"]: quiz})
    write_bank(root, "bank-b", [question("b1", ["tag-x"]), question("sama", ["tag-y"]), question("b2", ["tag-z"])])
    return root


def messages(root: Path) -> list[str]:
    return [str(e) for e in validate_quiz_tree(root) if not e.warning]


def test_quiz_files_may_name_several_banks(app, tmp_path) -> None:
    data = {**quiz_data("kuis-berkas", [{"count": 2, "tags": ["tag-x"]}, {"count": 1, "questions": ["bank-b/sama"]},
                                         {"count": 1, "questions": ["b2"]}]), "banks": ["bank-a", "bank-b"]}
    root = tree(tmp_path / "quizzes", data)
    assert messages(root) == []
    with app.app_context():
        report = sync_quizzes(root)
        assert report.quizzes == {"kuis-berkas": "created"}
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "kuis-berkas"))
        banks = {b.slug: b.id for b in db.session.scalars(select(QuestionBank))}
        assert quiz_bank_ids(quiz) == [banks["bank-a"], banks["bank-b"]] and quiz.bank_id == banks["bank-a"]
        assert sorted(drawn(quiz)) == [("bank-a", "a1"), ("bank-b", "b1"), ("bank-b", "b2"), ("bank-b", "sama")]
        # unchanged files change nothing; export writes banks: back and the files load the same
        assert sync_quizzes(root).quizzes == {"kuis-berkas": "unchanged"}
        out = tmp_path / "export"
        export_quizzes(out)
        exported = yaml.safe_load((out / "bank-a" / "quizzes" / "kuis-berkas.yaml").read_text(encoding="utf-8"))
        assert exported["banks"] == ["bank-a", "bank-b"]
        assert messages(out) == []
        quiz.source_text = ""  # as if built in the browser: export composes the file from the data
        db.session.flush()
        out2 = tmp_path / "export2"
        export_quizzes(out2)
        composed = yaml.safe_load((out2 / "bank-a" / "quizzes" / "kuis-berkas.yaml").read_text(encoding="utf-8"))
        assert composed["banks"] == ["bank-a", "bank-b"] and composed["draw"] == data["draw"]


def test_a_single_bank_may_still_be_named_with_bank(app, tmp_path) -> None:
    root = tree(tmp_path / "quizzes", {**quiz_data("kuis-satu", [{"count": 2}]), "bank": "bank-a"})
    assert messages(root) == []
    with app.app_context():
        assert sync_quizzes(root).quizzes == {"kuis-satu": "created"}
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "kuis-satu"))
        assert [b.slug for b in quiz.banks] == ["bank-a"]


@pytest.mark.parametrize(("extra", "draw", "at", "expected"), [
    ({"banks": ["bank-b"]}, [{"count": 1}], "banks:",
     "banks must include this quiz's own bank 'bank-a' (the folder it is in)"),
    ({"banks": ["bank-a", "bank-c"]}, [{"count": 1}], "banks:", "banks: there is no bank folder 'bank-c'"),
    ({"banks": ["bank-a", "bank-b"]}, [{"count": 1, "questions": ["sama"]}], "- sama",
     "draw item 1: question 'sama' is in several banks (bank-a/sama, bank-b/sama): write which one"),
    ({"banks": ["bank-a", "bank-b"]}, [{"count": 1, "tags": ["tag-w"]}], "- tag-w",
     "draw item 1: no question of the bank has the tag 'tag-w'"),
    ({"banks": ["bank-a", "bank-a"]}, [{"count": 1}], "banks:", "banks: a bank is listed twice"),
    ({"bank": "bank-a", "banks": ["bank-a", "bank-b"]}, [{"count": 1}], "banks:", "give bank or banks, not both"),
    ({"bank": "bank-b"}, [{"count": 1}], "bank:",
     "bank must include this quiz's own bank 'bank-a' (the folder it is in)"),
])
def test_bank_lists_in_quiz_files_are_checked(app, tmp_path, extra, draw, at, expected) -> None:
    root = tree(tmp_path / "quizzes", {**quiz_data("kuis-salah", draw), **extra})
    lines = (root / "bank-a" / "quizzes" / "kuis-salah.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith(at))
    assert f"bank-a/quizzes/kuis-salah.yaml:{line}: {expected}" in messages(root)
    with app.app_context(), pytest.raises(ContentInvalid):
        sync_quizzes(root)


# --- the quiz form -------------------------------------------------------------------------


FORM = {"slug": "kuis-gabungan", "title": "Kuis gabungan", "description": "", "pass_mark": "70",
        "attempt_limit": "", "time_limit_minutes": "", "shuffle_questions": "y", "shuffle_options": "y",
        "draw-0-count": "2", "draw-0-kind": "tags", "draw-0-values": "tag-x",
        "draw-1-count": "1", "draw-1-kind": "questions", "draw-1-values": "bank-b/sama", "action": "save"}


def test_the_quiz_form_chooses_several_banks(app, client, login_as, make_user) -> None:
    trainer = make_user(Role.PELATIH)
    with app.app_context():
        two_banks(trainer.instansi_id)
        db.session.commit()
    login_as(trainer)
    page = client.get("/penyusunan/kuis/baru?bank=bank-a").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="bank-a"|<input[^>]*value="bank-a"[^>]*checked', page)
    # nothing chosen: a clear error, what was typed stays
    page = client.post("/penyusunan/kuis/baru", data=FORM).get_data(as_text=True)
    assert "Pilih setidaknya satu bank soal." in page and 'value="Kuis gabungan"' in page
    # an ambiguous id is explained in Bahasa Indonesia
    page = client.post("/penyusunan/kuis/baru", data={**FORM, "banks": ["bank-a", "bank-b"],
                                                      "draw-1-values": "sama"}).get_data(as_text=True)
    assert "ada di beberapa bank" in page and "bank-a/sama" in page
    response = client.post("/penyusunan/kuis/baru", data={**FORM, "banks": ["bank-a", "bank-b"]})
    assert response.status_code == 302
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "kuis-gabungan"))
        assert [b.slug for b in quiz.banks] == ["bank-a", "bank-b"] and quiz.status == QuizStatus.DRAFT
    page = client.get("/penyusunan/kuis/kuis-gabungan").get_data(as_text=True)
    assert "Bank A" in page and "Bank B" in page
    assert client.post("/penyusunan/kuis/kuis-gabungan/terbitkan").status_code == 302
    # editing: dropping bank B makes bank-b/sama unreachable
    page = client.post("/penyusunan/kuis/kuis-gabungan/ubah",
                       data={**FORM, "banks": ["bank-a"]}).get_data(as_text=True)
    assert "Bank ini tidak punya soal" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuizBank).where(QuizBank.quiz_id == quiz.id)) == 2


def test_a_quiz_draws_only_from_its_instansi_and_shipped_banks(app, client, login_as, make_user) -> None:
    trainer = make_user(Role.PELATIH)
    stranger = make_user(Role.PELATIH)
    with app.app_context():
        two_banks(stranger.instansi_id)
        shipped = get_or_create_bank("bank-bawaan", "Bank bawaan")
        upsert_question(shipped, question("s1", ["tag-x"]))
        db.session.commit()
    login_as(trainer)
    page = client.get("/penyusunan/kuis/baru").get_data(as_text=True)
    assert 'value="bank-bawaan"' in page and 'value="bank-a"' not in page
    # another instansi's bank is not a choice: posting it chooses nothing
    page = client.post("/penyusunan/kuis/baru", data={**FORM, "banks": ["bank-a"], "draw-0-count": "1",
                                                      "draw-1-count": ""}).get_data(as_text=True)
    assert "Pilih setidaknya satu bank soal." in page
    response = client.post("/penyusunan/kuis/baru", data={**FORM, "banks": ["bank-bawaan"], "draw-0-count": "1",
                                                          "draw-1-count": "", "draw-1-values": ""})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Question.id).where(Question.key == "s1")) is not None
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "kuis-gabungan"))
        assert [b.slug for b in quiz.banks] == ["bank-bawaan"] and quiz.instansi_id == trainer.instansi_id


def test_the_quiz_list_does_not_grow_with_quizzes_and_banks(app, client, login_as, make_user) -> None:
    trainer = make_user(Role.PELATIH)
    with app.app_context():
        a, b = two_banks(trainer.instansi_id)
        instansi = db.session.get(Instansi, trainer.instansi_id)
        upsert_quiz(a, quiz_data("kuis-daftar-0", [{"count": 1}]), banks=[a, b], instansi=instansi)
        db.session.commit()
    login_as(trainer)
    counts = []
    for more in (0, 5):
        with app.app_context():
            a, b = (db.session.scalar(select(QuestionBank).where(QuestionBank.slug == s)) for s in ("bank-a", "bank-b"))
            instansi = db.session.get(Instansi, trainer.instansi_id)
            for i in range(more):
                upsert_quiz(b if i % 2 else a, quiz_data(f"kuis-daftar-{i + 1}", [{"count": 1}]),
                            banks=[b, a] if i % 2 else [a], instansi=instansi)
            db.session.commit()
        client.get("/penyusunan/kuis/")
        with count_statements(app, transaction_control=False) as statements:
            page = client.get("/penyusunan/kuis/").get_data(as_text=True)
        counts.append(len(statements))
    assert "Bank A, Bank B" in page and "Bank B, Bank A" in page
    assert counts[0] == counts[1], counts


def test_the_item_analysis_names_questions_of_other_banks_with_their_bank(app) -> None:
    from elearn.quizzes.analysis import QuestionStats

    with app.app_context():
        a, b = two_banks()
        quiz, _s = upsert_quiz(a, quiz_data("kuis-analisis", [{"count": 2}]), banks=[a, b])
        same = {bank.slug: db.session.scalar(select(Question).where(Question.bank_id == bank.id,
                                                                    Question.key == "sama")) for bank in (a, b)}
        assert QuestionStats(same["bank-a"], []).ref(quiz) == "sama"
        assert QuestionStats(same["bank-b"], []).ref(quiz) == "bank-b/sama"


def test_a_tampered_form_never_reaches_another_instansis_bank(app, client, login_as, make_user) -> None:
    """Security probe: an author of instansi A posting B's bank (next to A's own, on a new quiz and
    on an edit) with a draw rule naming B's question as ``bank/id``: B's bank is never a bank of the
    quiz, the rule is refused, and a draw gives only A's questions. The superadmin, who sees every
    bank, may not add B's bank to A's quiz either."""
    trainer = make_user(Role.PELATIH)
    stranger = make_user(Role.PELATIH)
    superadmin = make_user(Role.SUPERADMIN)
    with app.app_context():
        two_banks(stranger.instansi_id)  # bank-a, bank-b of instansi B
        own = get_or_create_bank("bank-sendiri", "Bank sendiri", db.session.get(Instansi, trainer.instansi_id))
        upsert_question(own, question("o1", ["tag-x"]), position=0)
        upsert_question(own, question("o2", ["tag-z"]), position=1)
        db.session.commit()
    login_as(trainer)
    tampered = {**FORM, "banks": ["bank-sendiri", "bank-b"], "draw-0-count": "1", "draw-1-values": "bank-b/b1"}
    page = client.post("/penyusunan/kuis/baru", data=tampered).get_data(as_text=True)
    assert "Bank ini tidak punya soal" in page and "Situasi b1" not in page
    with app.app_context():
        assert db.session.scalar(select(Quiz).where(Quiz.slug == "kuis-gabungan")) is None
    honest = {**FORM, "banks": ["bank-sendiri"], "draw-0-count": "1", "draw-1-values": "o2"}
    assert client.post("/penyusunan/kuis/baru", data=honest).status_code == 302
    page = client.post("/penyusunan/kuis/kuis-gabungan/ubah", data=tampered).get_data(as_text=True)
    assert "Bank ini tidak punya soal" in page
    client.post("/keluar")
    login_as(superadmin)
    page = client.post("/penyusunan/kuis/kuis-gabungan/ubah",
                       data={**tampered, "draw-1-values": "bank-sendiri/o2"}).get_data(as_text=True)
    assert "hanya boleh memakai bank bawaan dan bank milik instansinya sendiri" in page
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "kuis-gabungan"))
        assert [b.slug for b in quiz.banks] == ["bank-sendiri"]
        for seed in range(5):
            assert {bank for bank, _key in drawn(quiz, seed)} == {"bank-sendiri"}
