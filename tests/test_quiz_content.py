"""Question bank folders: validation with file:line, idempotent sync into versions, retirement,
export round trip, rendering, and the content CLI for quizzes."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from elearn.audit.models import AuditEvent
from elearn.content.courses import ContentInvalid
from elearn.content.quizzes import (
    QuestionInvalid,
    canonical_quiz,
    export_quizzes,
    get_or_create_bank,
    load_bank_dir,
    question_hash,
    render_text,
    sync_quizzes,
    upsert_question,
    upsert_quiz,
    validate_quiz,
    validate_quiz_tree,
)
from elearn.db import db
from elearn.quizzes.models import (
    Question,
    QuestionBank,
    QuestionTag,
    QuestionVersion,
    Quiz,
    QuizStatus,
    Tag,
)
from elearn.quizzes.types import canonical_question

FIXTURES = Path(__file__).parent / "fixtures" / "quizzes"
VALID = FIXTURES / "valid"
INVALID = FIXTURES / "invalid"
REPO_QUIZZES = Path(__file__).parent.parent / "quizzes"
KEYS = ["like-tim-pemenangan", "sikap-saat-diajak-hadir", "nonton-debat", "pesan-suara-sekda", "feed-tim-pemenangan"]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture tree."""
    root = tmp_path / "quizzes"
    shutil.copytree(VALID, root)
    return root


def bank_dir(tree: Path) -> Path:
    return tree / "contoh"


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def messages(errors: list[Any]) -> list[str]:
    return [str(e) for e in errors]


def question(key: str) -> Question:
    found = db.session.scalar(select(Question).join(QuestionBank).where(QuestionBank.slug == "contoh",
                                                                      Question.key == key))
    assert found is not None
    return found


def version_count() -> int:
    return db.session.scalar(select(func.count()).select_from(QuestionVersion)) or 0


def tag_slugs(q: Question) -> list[str]:
    return sorted(db.session.scalars(select(Tag.slug).join(QuestionTag, QuestionTag.tag_id == Tag.id)
                                     .where(QuestionTag.question_id == q.id)))


def parsed_questions(folder: Path) -> dict[str, list[dict[str, Any]]]:
    return {f.name: [canonical_question(q) for q in yaml.safe_load(f.read_text())["questions"]]
            for f in sorted((folder / "questions").glob("*.yaml"))}


# --- validation ----------------------------------------------------------------------------


def test_fixture_tree_is_valid() -> None:
    assert validate_quiz_tree(VALID) == []


def test_the_shipped_quizzes_folder_is_valid() -> None:
    """Whatever bank is in quizzes/ (none yet is fine: an empty tree is valid) has no errors."""
    errors = [e for e in validate_quiz_tree(REPO_QUIZZES) if not e.warning]
    assert errors == [], "\n".join(messages(errors))


def test_an_empty_or_missing_root_is_valid(tmp_path: Path) -> None:
    assert validate_quiz_tree(tmp_path) == []
    assert validate_quiz_tree(tmp_path / "tidak-ada") == []


def test_load_bank_dir_reads_questions_in_file_order_and_quizzes() -> None:
    doc = load_bank_dir(VALID / "contoh")
    assert doc.ok
    assert doc.meta["title"] == "Bank contoh"
    assert [q.data["id"] for q in doc.questions] == KEYS
    assert [(q.file, q.position, q.line) for q in doc.questions] == [
        ("01-pilihan.yaml", 0, 3), ("01-pilihan.yaml", 1, 33), ("01-pilihan.yaml", 2, 52),
        ("02-skenario.yaml", 3, 2), ("02-skenario.yaml", 4, 33),
    ]
    assert [q.file for q in doc.quizzes] == ["kuis-contoh.yaml"]


def test_every_error_has_its_file_and_line() -> None:
    assert messages(validate_quiz_tree(INVALID)) == [
        "rusak/bank.yaml:1: slug 'bank-lain' must equal the folder name 'rusak'",
        "rusak/bank.yaml:3: language must be one of: id, en",
        "rusak/questions/01-salah.yaml:8: stage must be one of: bakal_calon, calon, semua_tahap",
        "rusak/questions/01-salah.yaml:11: sanctions: 'tidak_melanggar' (allowed conduct) must be used alone",
        "rusak/questions/01-salah.yaml:12: tags: 'Media Sosial' is not a slug (a-z, 0-9 and '-')",
        "rusak/questions/01-salah.yaml:14: sources item 1 must have exactly 'title' and 'url'",
        "rusak/questions/01-salah.yaml:17: options item 2: feedback must be non-empty text (every option explains "
        "why it is right or wrong)",
        "rusak/questions/01-salah.yaml:33: the scenario has a cycle: satu -> dua -> satu (the graph must be acyclic)",
        "rusak/questions/01-salah.yaml:58: actions.like: engaging with a candidate account is a violation, so "
        "allowed must be false",
        "rusak/questions/02-ganda.yaml:2: id 'skenario-berputar' is already used at rusak/questions/01-salah.yaml:18",
        "rusak/questions/03-yaml-rusak.yaml:4: not valid YAML: did not find expected ',' or ']'",
        "rusak/quizzes/kuis-rusak.yaml:1: slug 'kuis-lain' must equal the file name 'kuis-rusak'",
        "rusak/quizzes/kuis-rusak.yaml:3: pass_mark must be a whole number from 0 to 100 (percent)",
        "rusak/quizzes/kuis-rusak.yaml:5: draw item 1: no question of the bank has the tag 'tidak-ada'",
        "rusak/quizzes/kuis-rusak.yaml:6: draw item 2: question 'draf-impor' is a draft (never drawn)",
        "rusak/quizzes/kuis-rusak.yaml:6: draw item 2: the bank has no question 'hilang'",
        "rusak/quizzes/kuis-rusak.yaml:7: draw item 3: needs 9 question(s) but only 3 match",
    ]


def test_missing_fields_point_at_the_question_and_unknown_keys_at_themselves(tree: Path) -> None:
    file = bank_dir(tree) / "questions" / "01-pilihan.yaml"
    replace(file, "    actor_role: kepala_bidang\n", "    aktor: kepala_bidang\n")
    assert messages(validate_quiz_tree(tree)) == [
        "contoh/questions/01-pilihan.yaml:40: unknown key 'aktor'",
        "contoh/questions/01-pilihan.yaml:33: 'actor_role' is missing",
    ]


def test_duplicate_yaml_keys_and_a_file_without_questions(tree: Path) -> None:
    file = bank_dir(tree) / "questions" / "02-skenario.yaml"
    replace(file, "    title: Pesan suara Sekda\n", "    title: Pesan suara Sekda\n    title: Lagi\n")
    (bank_dir(tree) / "questions" / "03-kosong.yaml").write_text("soal: []\n")
    (bank_dir(tree) / "questions" / "catatan.txt").write_text("x")
    assert messages(validate_quiz_tree(tree)) == [
        "contoh/questions/catatan.txt:1: warning: ignored: not a .yaml file",
        "contoh/questions/02-skenario.yaml:5: key 'title' appears twice in one mapping",
        "contoh/questions/03-kosong.yaml:1: a questions file must have a 'questions:' list",
    ]


def test_bank_yaml_and_questions_folder_are_required(tmp_path: Path) -> None:
    (tmp_path / "kosong").mkdir()
    (tmp_path / "tanpa-soal").mkdir()
    (tmp_path / "tanpa-soal" / "bank.yaml").write_text("slug: tanpa-soal\ntitle: T\nwarna: merah\n")
    assert messages(validate_quiz_tree(tmp_path)) == [
        "kosong/bank.yaml:1: bank.yaml is missing",
        "tanpa-soal/bank.yaml:3: unknown key 'warna' (allowed: slug, title, description, language)",
        "tanpa-soal/questions:1: the questions/ folder is missing",
    ]


def test_drafts_relax_the_metadata_but_quizzes_never_draw_them(tree: Path) -> None:
    (bank_dir(tree) / "questions" / "03-draf.yaml").write_text(
        "questions:\n  - id: draf-gift\n    type: true_false\n    title: Dari GIFT\n    stem: Soal?\n"
        "    draft: true\n    category: Netralitas/Umum\n    stem_format: plain\n    answer: true\n")
    assert validate_quiz_tree(tree) == []
    replace(bank_dir(tree) / "quizzes" / "kuis-contoh.yaml", "questions: [pesan-suara-sekda, nonton-debat]",
            "questions: [draf-gift]")
    assert messages(validate_quiz_tree(tree)) == [
        "contoh/quizzes/kuis-contoh.yaml:12: draw item 2: question 'draf-gift' is a draft (never drawn)"]


def test_quiz_slugs_are_unique_across_banks(tree: Path) -> None:
    shutil.copytree(bank_dir(tree), tree / "kedua")
    replace(tree / "kedua" / "bank.yaml", "slug: contoh", "slug: kedua")
    assert messages(validate_quiz_tree(tree)) == [
        "kedua/quizzes/kuis-contoh.yaml:1: quiz slug 'kuis-contoh' is already used by contoh/quizzes/kuis-contoh.yaml"]


def test_quiz_fields_validation() -> None:
    pool = {"a": ["x"], "b": ["x"], "c": ["y"]}
    data = {"slug": "k", "title": "K", "pass_mark": 50, "attempt_limit": 0, "time_limit_minutes": 601,
            "shuffle_options": "ya", "bonus": 1,
            "draw": [{"count": 1, "tags": ["x"], "questions": ["a"]}, {"count": 0}, "semua"]}
    assert validate_quiz(data, pool) == [
        "unknown key 'bonus' (allowed: slug, title, description, audience, pass_mark, attempt_limit, "
        "time_limit_minutes, shuffle_questions, shuffle_options, bank, banks, draw)",
        "attempt_limit must be a whole number, 1 or more (leave it out for unlimited)",
        "time_limit_minutes must be a whole number from 1 to 600 (leave it out for no limit)",
        "shuffle_options must be true or false",
        "draw item 1: give tags or questions, not both",
        "draw item 2: count must be a whole number, 1 or more",
        "draw item 3 must be a mapping like {count: 3, tags: [media-sosial]}",
    ]
    assert validate_quiz({"slug": "k", "title": "K", "pass_mark": 50, "audience": "guru", "draw": [{"count": 1}]},
                         pool) == ["audience must be one of: pimpinan (leave it out for everyone)"]
    assert validate_quiz({"slug": "k", "title": "K", "pass_mark": 50, "audience": "pimpinan",
                          "draw": [{"count": 1}]}, pool) == []
    assert validate_quiz({"slug": "k", "title": "K", "pass_mark": 0, "draw": []}, pool) == [
        "draw must be a non-empty list of rules like {count: 3, tags: [media-sosial]}"]


def test_draw_counts_must_be_possible_whatever_the_earlier_rules_drew() -> None:
    pool = {"a": ["x"], "b": ["x", "y"], "c": ["y"], "d": []}
    base = {"slug": "k", "title": "K", "pass_mark": 70}
    # 1 of {a, b} then 2 of {b, c}: the first rule may take b, leaving only c
    assert validate_quiz({**base, "draw": [{"count": 1, "tags": ["x"]}, {"count": 2, "tags": ["y"]}]}, pool) == [
        "draw item 2: needs 2 question(s) but only 2 match (1 of them may already be drawn by the rules above)"]
    assert validate_quiz({**base, "draw": [{"count": 1, "tags": ["x"]}, {"count": 1, "tags": ["y"]},
                                           {"count": 2}]}, pool) == []
    assert validate_quiz({**base, "draw": [{"count": 2, "questions": ["a", "b"]}, {"count": 3}]}, pool) == [
        "draw item 2: needs 3 question(s) but only 4 match (2 of them may already be drawn by the rules above)"]
    assert validate_quiz({**base, "draw": [{"count": 1, "questions": ["a", "a"]}]}, pool) == [
        "draw item 1: question 'a' is listed twice"]


# --- sync ----------------------------------------------------------------------------------


def test_sync_loads_bank_questions_tags_and_a_published_quiz(tree: Path, make_user) -> None:
    actor = make_user(role="superadmin")
    report = sync_quizzes(tree, actor)
    assert report.banks == {"contoh": "created"}
    assert report.questions == {f"contoh/{key}": "created" for key in KEYS}
    assert report.quizzes == {"kuis-contoh": "created"}
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == "contoh"))
    assert bank is not None and bank.instansi_id is None
    assert (bank.title, bank.language) == ("Bank contoh", "id")
    q = question("pesan-suara-sekda")
    version = q.current_version
    assert version is not None
    assert (version.number, version.type, version.draft, version.stage, version.actor_role) == (
        1, "branching", False, "calon", "kepala_dinas")
    assert version.tags == ["tekanan-atasan", "mobilisasi"]
    assert version.sanctions == ["disiplin_berat"]
    assert version.election_types == ["pilkada"]
    assert version.created_by_id == actor.id
    assert version.data["nodes"][0]["id"] == "pesan"
    assert version.content_hash == question_hash(version.data)
    assert (q.source_file, q.position, q.retired) == ("02-skenario.yaml", 3, False)
    assert tag_slugs(q) == ["mobilisasi", "tekanan-atasan"]
    assert [t.slug for t in q.tags] == ["mobilisasi", "tekanan-atasan"]
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "kuis-contoh"))
    assert quiz is not None
    assert (quiz.bank_id, quiz.status, quiz.pass_mark, quiz.attempt_limit, quiz.time_limit_minutes) == (
        bank.id, QuizStatus.PUBLISHED, 70, 3, 20)
    assert (quiz.shuffle_questions, quiz.shuffle_options, quiz.question_count) == (True, False, 4)
    assert quiz.draw == [{"count": 1, "tags": ["media-sosial"]},
                         {"count": 1, "questions": ["pesan-suara-sekda", "nonton-debat"]}, {"count": 2}]
    assert quiz.source_text == (bank_dir(tree) / "quizzes" / "kuis-contoh.yaml").read_text()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "quiz.sync"))
    assert event is not None and event.details["created"] == 5 and event.details["bank"] == "contoh"


def test_sync_is_idempotent(tree: Path) -> None:
    sync_quizzes(tree)
    versions, events = version_count(), db.session.scalar(select(func.count()).select_from(AuditEvent))
    report = sync_quizzes(tree)
    assert report.banks == {"contoh": "unchanged"}
    assert set(report.questions.values()) == {"unchanged"}
    assert report.quizzes == {"kuis-contoh": "unchanged"}
    assert version_count() == versions
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_a_changed_question_gets_a_new_version_and_the_old_one_stays(tree: Path) -> None:
    sync_quizzes(tree)
    old = question("nonton-debat").current_version
    assert old is not None
    replace(bank_dir(tree) / "questions" / "01-pilihan.yaml", "ASN boleh menonton debat calon",
            "ASN boleh menonton debat pasangan calon")
    report = sync_quizzes(tree)
    assert report.questions["contoh/nonton-debat"] == "updated"
    assert [s for k, s in report.questions.items() if k != "contoh/nonton-debat"] == ["unchanged"] * 4
    q = question("nonton-debat")
    new = q.current_version
    assert new is not None and new.id != old.id
    assert new.number == 2 and "pasangan calon" in new.data["stem"]
    db.session.expire_all()
    kept = db.session.get(QuestionVersion, old.id)
    assert kept is not None and kept.number == 1 and "debat calon di televisi" in kept.data["stem"]
    # going back to the earlier text makes the earlier version current again: no third version
    replace(bank_dir(tree) / "questions" / "01-pilihan.yaml", "debat pasangan calon", "debat calon")
    assert sync_quizzes(tree).questions["contoh/nonton-debat"] == "updated"
    assert question("nonton-debat").current_version_id == old.id
    assert db.session.scalar(select(func.count()).select_from(QuestionVersion)
                             .where(QuestionVersion.question_id == q.id)) == 2


def test_changed_tags_keep_question_tags_in_step(tree: Path) -> None:
    sync_quizzes(tree)
    replace(bank_dir(tree) / "questions" / "01-pilihan.yaml", "tags: [tekanan-atasan, melapor]",
            "tags: [tekanan-atasan, kegiatan-keberpihakan]")
    sync_quizzes(tree)
    q = question("sikap-saat-diajak-hadir")
    assert tag_slugs(q) == ["kegiatan-keberpihakan", "tekanan-atasan"]
    assert q.current_version is not None and q.current_version.number == 2


def test_placement_changes_make_no_new_version(tree: Path) -> None:
    sync_quizzes(tree)
    versions = version_count()
    scenario = bank_dir(tree) / "questions" / "02-skenario.yaml"
    scenario.rename(bank_dir(tree) / "questions" / "00-skenario.yaml")
    report = sync_quizzes(tree)
    assert set(report.questions.values()) == {"unchanged"}
    assert version_count() == versions
    q = question("pesan-suara-sekda")
    assert (q.source_file, q.position) == ("00-skenario.yaml", 0)


def test_removed_questions_are_retired_never_deleted_and_come_back(tree: Path) -> None:
    sync_quizzes(tree)
    file = bank_dir(tree) / "questions" / "01-pilihan.yaml"
    original = file.read_text()
    start = original.index("  - id: sikap-saat-diajak-hadir")
    end = original.index("  - id: nonton-debat")
    file.write_text(original[:start] + original[end:])
    report = sync_quizzes(tree)
    assert report.questions["contoh/sikap-saat-diajak-hadir"] == "retired"
    assert report.counts("contoh") == {"created": 0, "updated": 0, "unchanged": 4, "retired": 1}
    q = question("sikap-saat-diajak-hadir")
    assert q.retired is True and q.current_version is not None
    assert sync_quizzes(tree).questions.get("contoh/sikap-saat-diajak-hadir") is None  # already retired
    file.write_text(original)
    assert sync_quizzes(tree).questions["contoh/sikap-saat-diajak-hadir"] == "updated"
    assert question("sikap-saat-diajak-hadir").retired is False
    assert question("sikap-saat-diajak-hadir").current_version.number == 1  # type: ignore[union-attr]


def test_a_changed_quiz_is_updated(tree: Path) -> None:
    sync_quizzes(tree)
    replace(bank_dir(tree) / "quizzes" / "kuis-contoh.yaml", "pass_mark: 70", "pass_mark: 80")
    assert sync_quizzes(tree).quizzes == {"kuis-contoh": "updated"}
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "kuis-contoh"))
    assert quiz is not None and quiz.pass_mark == 80


def test_sync_refuses_an_invalid_tree_and_writes_nothing(tree: Path) -> None:
    replace(bank_dir(tree) / "questions" / "01-pilihan.yaml", "stage: calon", "stage: kampanye")
    with pytest.raises(ContentInvalid) as exc:
        sync_quizzes(tree)
    assert messages(exc.value.errors) == [
        "contoh/questions/01-pilihan.yaml:39: stage must be one of: bakal_calon, calon, semua_tahap"]
    assert db.session.scalar(select(func.count()).select_from(QuestionBank)) == 0


def test_sync_refuses_a_slug_of_an_instansi_bank(tree: Path, make_instansi) -> None:
    get_or_create_bank("contoh", "Milik instansi", instansi=make_instansi())
    with pytest.raises(ContentInvalid, match="already used by a bank of an instansi"):
        sync_quizzes(tree)


# --- upsert_question -----------------------------------------------------------------------


def test_upsert_question_statuses_and_validation(make_user) -> None:
    bank = get_or_create_bank("latihan")
    assert (bank.title, bank.instansi_id) == ("latihan", None)
    assert get_or_create_bank("latihan").id == bank.id
    data = load_bank_dir(VALID / "contoh").questions[2].data
    trainer = make_user(role="pelatih")
    version, status = upsert_question(bank, data, trainer)
    assert (status, version.number, version.created_by_id) == ("created", 1, trainer.id)
    assert upsert_question(bank, dict(reversed(list(data.items()))))[1] == "unchanged"  # key order is not content
    changed, status = upsert_question(bank, {**data, "answer": False})
    assert (status, changed.number) == ("updated", 2)
    assert version.data["answer"] is True  # versions are never modified
    with pytest.raises(QuestionInvalid) as exc:
        upsert_question(bank, {**data, "stage": "kampanye"})
    assert exc.value.problems == ["stage must be one of: bakal_calon, calon, semua_tahap"]
    draft, status = upsert_question(bank, {"id": "draf", "type": "true_false", "title": "T", "stem": "S",
                                           "draft": True, "answer": True})
    assert (status, draft.draft, draft.stage, draft.tags) == ("created", True, None, [])


# --- export --------------------------------------------------------------------------------


def test_export_round_trip_changes_nothing(tree: Path, tmp_path: Path) -> None:
    sync_quizzes(tree)
    versions = version_count()
    out = tmp_path / "keluar"
    written = export_quizzes(out)
    assert sorted(p.relative_to(out).as_posix() for p in written["contoh"]) == [
        "contoh/bank.yaml", "contoh/questions/01-pilihan.yaml", "contoh/questions/02-skenario.yaml",
        "contoh/quizzes/kuis-contoh.yaml"]
    assert validate_quiz_tree(out) == []
    assert parsed_questions(out / "contoh") == parsed_questions(bank_dir(tree))
    assert yaml.safe_load((out / "contoh" / "bank.yaml").read_text()) == yaml.safe_load(
        (bank_dir(tree) / "bank.yaml").read_text())
    # the quiz file still matches what was read: written back as it was (comments kept)
    assert (out / "contoh" / "quizzes" / "kuis-contoh.yaml").read_text() == (
        bank_dir(tree) / "quizzes" / "kuis-contoh.yaml").read_text()
    report = sync_quizzes(out)
    assert report.banks == {"contoh": "unchanged"}
    assert set(report.questions.values()) == {"unchanged"}
    assert report.quizzes == {"kuis-contoh": "unchanged"}
    assert version_count() == versions
    again = tmp_path / "lagi"
    export_quizzes(again)
    for file in sorted((out / "contoh").rglob("*.yaml")):
        assert file.read_text() == (again / file.relative_to(out)).read_text(), file


def test_export_writes_multiline_text_as_blocks_and_leaves_out_retired(tree: Path, tmp_path: Path) -> None:
    sync_quizzes(tree)
    question("nonton-debat").retired = True
    db.session.flush()
    export_quizzes(tmp_path, ["contoh"])
    text = (tmp_path / "contoh" / "questions" / "01-pilihan.yaml").read_text()
    assert "    stem: |\n      Anda staf Dinas Pendidikan." in text
    assert "nonton-debat" not in text
    assert export_quizzes(tmp_path / "x", ["tidak-ada"]) == {}


def test_export_composes_a_quiz_built_without_a_file(tmp_path: Path) -> None:
    bank = get_or_create_bank("dibangun", "Dibangun di peramban")
    for data in load_bank_dir(VALID / "contoh").questions:
        upsert_question(bank, data.data)
    quiz_data = {"slug": "kuis-peramban", "title": "Kuis", "pass_mark": 60, "shuffle_questions": False,
                 "draw": [{"tags": ["media-sosial"], "count": 2}]}
    quiz, status = upsert_quiz(bank, quiz_data, status=QuizStatus.DRAFT)
    assert (status, quiz.status, quiz.source_text) == ("created", QuizStatus.DRAFT, "")
    export_quizzes(tmp_path, ["dibangun"])
    file = tmp_path / "dibangun" / "quizzes" / "kuis-peramban.yaml"
    assert file.read_text() == (
        "slug: kuis-peramban\ntitle: Kuis\npass_mark: 60\nshuffle_questions: false\nshuffle_options: true\n"
        "draw:\n  - count: 2\n    tags:\n      - media-sosial\n")
    assert canonical_quiz(yaml.safe_load(file.read_text())) == canonical_quiz(quiz_data)
    # questions without a file go to questions/<bank>.yaml
    assert (tmp_path / "dibangun" / "questions" / "dibangun.yaml").is_file()
    assert upsert_quiz(bank, quiz_data, status=QuizStatus.DRAFT)[1] == "unchanged"
    assert upsert_quiz(bank, quiz_data)[1] == "updated"  # published now


# --- rendering -----------------------------------------------------------------------------


def test_render_text_formats_are_sanitised() -> None:
    assert render_text("Ini **tebal** <script>alert(1)</script>") == (
        "<p>Ini <strong>tebal</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>\n")
    assert render_text('<p onclick="x()">Halo <strong>ya</strong><script>alert(1)</script></p>', "html") == (
        "<p>Halo <strong>ya</strong></p>")
    assert render_text("Baris 1\nBaris <2>\n\nParagraf", "plain") == (
        "<p>Baris 1<br>\nBaris &lt;2&gt;</p>\n<p>Paragraf</p>\n")
    assert render_text(None) == ""


# --- CLI -----------------------------------------------------------------------------------


def test_cli_validate_quizzes(app, tree: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "validate", "--quizzes-root", str(tree)])
    assert result.exit_code == 0, result.output
    assert f"{tree}: 1 bank(s), 5 question(s), 1 quiz(zes) valid." in result.output
    assert "course(s)" not in result.output
    result = runner.invoke(args=["content", "validate", "--quizzes-root", str(INVALID)])
    assert result.exit_code == 1
    assert "rusak/bank.yaml:3: language must be one of: id, en" in result.output
    assert f"17 error(s) in {INVALID}" in result.output


def test_cli_validate_without_roots_covers_courses_and_quizzes(app, tree: Path) -> None:
    app.config["QUIZ_ROOT"] = str(tree)
    try:
        result = app.test_cli_runner().invoke(args=["content", "validate"])
    finally:
        app.config["QUIZ_ROOT"] = None
    assert result.exit_code == 0, result.output
    assert "course(s) valid" in result.output
    assert f"{tree}: 1 bank(s), 5 question(s), 1 quiz(zes) valid." in result.output


def test_cli_sync_and_export_quizzes(app, tree: Path, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "sync", "--quizzes-root", str(tree)])
    assert result.exit_code == 0, result.output
    assert ("contoh: bank created; questions: 5 created, 0 updated, 0 unchanged, 0 retired; quizzes: 1 (1 changed)"
            in result.output)
    result = runner.invoke(args=["content", "sync", "--quizzes-root", str(tree), "--bank", "contoh"])
    assert ("contoh: bank unchanged; questions: 0 created, 0 updated, 5 unchanged, 0 retired; quizzes: 1 "
            "(0 changed)" in result.output)
    out = tmp_path / "keluar"
    result = runner.invoke(args=["content", "export", "--quizzes-root", str(out), "--bank", "contoh"])
    assert result.exit_code == 0, result.output
    assert f"contoh: 4 file(s) written to {out / 'contoh'}" in result.output
    assert validate_quiz_tree(out) == []
    result = runner.invoke(args=["content", "export", "--quizzes-root", str(out), "--bank", "tidak-ada"])
    assert result.exit_code == 1
    result = runner.invoke(args=["content", "export"])
    assert result.exit_code == 2


def test_cli_sync_refuses_invalid_quizzes(app, tree: Path) -> None:
    replace(bank_dir(tree) / "quizzes" / "kuis-contoh.yaml", "pass_mark: 70", "pass_mark: 700")
    result = app.test_cli_runner().invoke(args=["content", "sync", "--quizzes-root", str(tree)])
    assert result.exit_code == 1
    assert "contoh/quizzes/kuis-contoh.yaml:5: pass_mark must be a whole number from 0 to 100" in result.output
    assert "nothing was loaded" in result.output
    assert db.session.scalar(select(func.count()).select_from(QuestionBank)) == 0


def test_the_shipped_banks_round_trip(tmp_path: Path) -> None:
    """Whatever is in quizzes/ exports to files that parse to the same questions and re-sync unchanged."""
    if [e for e in validate_quiz_tree(REPO_QUIZZES) if not e.warning]:
        pytest.fail("quizzes/ has problems: see test_the_shipped_quizzes_folder_is_valid")
    sync_quizzes(REPO_QUIZZES)
    export_quizzes(tmp_path)
    for bank in [p for p in REPO_QUIZZES.iterdir() if (p / "bank.yaml").is_file()]:
        assert parsed_questions(tmp_path / bank.name) == parsed_questions(bank)
    report = sync_quizzes(tmp_path)
    assert set(report.questions.values()) <= {"unchanged"}
    assert set(report.quizzes.values()) <= {"unchanged"}


def test_a_quiz_audience_is_synced_validated_and_exported(tree: Path, tmp_path: Path) -> None:
    """Issue 16: ``audience: pimpinan`` reaches the quiz; removing it clears it; an unknown value is
    refused with its line; a quiz without one keeps its hash (no key in the canonical dict)."""
    file = bank_dir(tree) / "quizzes" / "kuis-contoh.yaml"
    sync_quizzes(tree)
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "kuis-contoh"))
    assert quiz is not None and quiz.audience is None
    assert "audience" not in canonical_quiz(yaml.safe_load(file.read_text()))
    replace(file, "pass_mark: 70", "audience: pimpinan\npass_mark: 70")
    assert sync_quizzes(tree).quizzes == {"kuis-contoh": "updated"}
    assert db.session.scalar(select(Quiz.audience).where(Quiz.slug == "kuis-contoh")) == "pimpinan"
    out = tmp_path / "ekspor"
    export_quizzes(out)
    assert "audience: pimpinan" in (out / "contoh" / "quizzes" / "kuis-contoh.yaml").read_text()
    replace(file, "audience: pimpinan", "audience: guru")
    with pytest.raises(ContentInvalid) as exc:
        sync_quizzes(tree)
    assert any("audience must be one of: pimpinan" in m for m in messages(exc.value.errors))
    replace(file, "audience: guru\n", "")
    assert sync_quizzes(tree).quizzes == {"kuis-contoh": "updated"}
    assert db.session.scalar(select(Quiz.audience).where(Quiz.slug == "kuis-contoh")) is None


def test_the_shipped_leaders_quiz_is_for_leaders() -> None:
    doc = yaml.safe_load((REPO_QUIZZES / "netralitas" / "quizzes" / "netralitas-pimpinan.yaml").read_text())
    assert doc["audience"] == "pimpinan"
    basic = yaml.safe_load((REPO_QUIZZES / "netralitas" / "quizzes" / "netralitas-dasar.yaml").read_text())
    assert "audience" not in basic
