"""``flask --app elearn quiz import-gift`` and ``quiz export-gift`` (runs on SQLite and PostgreSQL)."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from elearn.audit.models import AuditEvent
from elearn.content.gift import parse_gift
from elearn.content.quizzes import get_or_create_bank, sync_quizzes, upsert_question
from elearn.db import db
from elearn.quizzes.models import Question, QuestionBank, QuestionVersion

FIXTURES = Path(__file__).parent / "fixtures"
GIFT = FIXTURES / "gift"


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["quiz", *args])


def bank_data(slug: str) -> dict[str, dict]:
    rows = db.session.execute(
        select(Question.key, QuestionVersion.data)
        .join(QuestionBank, QuestionBank.id == Question.bank_id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(QuestionBank.slug == slug)
        .order_by(Question.position, Question.id)
    ).all()
    return {key: data for key, data in rows}


def version_count() -> int:
    return db.session.scalar(select(func.count()).select_from(QuestionVersion))


def test_import_creates_the_bank_and_prints_json_of_the_documented_shape(app):
    result = run(app, "import-gift", str(GIFT / "unsupported.gift"), "--bank", "impor-uji", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data)[:2] == ["imported", "skipped"]
    assert data["imported"] == 1
    assert all(set(item) == {"line", "reason"} for item in data["skipped"])
    assert data["skipped"][:3] == [
        {"line": 3, "reason": "matching questions are not supported"},
        {"line": 8, "reason": "numerical questions are not supported"},
        {"line": 10, "reason": "numerical questions are not supported"},
    ]
    assert len(data["skipped"]) == len(parse_gift((GIFT / "unsupported.gift").read_text()).skipped) == 23
    assert data["created"] == 1 and data["updated"] == 0 and data["unchanged"] == 0
    assert data["bank"] == "impor-uji" and data["bank_created"] is True
    assert data["drafts"] == [{"line": 52, "id": "masih-terbaca", "missing": [
        "election_types", "stage", "actor_role", "rule_refs", "sanctions", "tags", "sources", "feedback",
        "feedback_true", "feedback_false"]}]
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == "impor-uji"))
    assert bank.title == "impor-uji" and bank.instansi_id is None
    version = db.session.scalar(select(QuestionVersion).join(Question, Question.current_version_id == QuestionVersion.id)
                                .where(Question.bank_id == bank.id))
    assert version.draft is True and version.type == "true_false"


def test_import_reports_counts_drafts_and_skipped_questions(app):
    result = run(app, "import-gift", str(GIFT / "comments_metadata.gift"), "--bank", "impor-uji")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Bank impor-uji (impor-uji) dibuat: 10 soal diimpor dari comments_metadata.gift." in out
    assert "  baru: 10\n  diperbarui: 0\n  tidak berubah: 0\n" in out
    assert "  baris 60 tanpa-umpan-balik-umum: feedback\n" in out
    assert "  baris 42 lengkap-tapi-draf: ditandai [draft]\n" in out
    assert "Catatan (5):\n  baris 44: the metadata in this comment is ignored: it is not in the block" in out
    assert "  baris 67: [id:Bukan Slug] is not lower-case words joined by -; read as 'bukan-slug'\n" in out
    assert "Dilewati (9):\n  baris 64: the comments give two different values for [stage:]: calon and bakal_calon\n" \
        in out
    data = bank_data("impor-uji")
    assert list(data) == [q.data["id"] for q in parse_gift((GIFT / "comments_metadata.gift").read_text()).questions]
    assert data["lurah-like-calon-bupati"]["verified_against_primary"] is True
    assert "draft" not in data["lurah-like-calon-bupati"]


def test_reimporting_the_same_file_changes_nothing(app):
    path = str(GIFT / "multiple_choice.gift")
    first = json.loads(run(app, "import-gift", path, "--bank", "impor-uji", "--json").output)
    assert first["created"] == first["imported"] == 7
    versions = version_count()
    again = run(app, "import-gift", path, "--bank", "impor-uji", "--json")
    assert again.exit_code == 0
    second = json.loads(again.output)
    assert second["imported"] == 7 and second["unchanged"] == 7
    assert second["created"] == second["updated"] == 0 and second["bank_created"] is False
    assert version_count() == versions
    human = run(app, "import-gift", path, "--bank", "impor-uji")
    assert "7 soal diimpor" in human.output and "tidak berubah: 7" in human.output


def test_a_changed_question_gets_a_new_version(app, tmp_path):
    path = tmp_path / "soal.gift"
    path.write_text("// [id:satu]\n::Satu::ASN wajib netral.{T}\n", encoding="utf-8")
    run(app, "import-gift", str(path), "--bank", "impor-uji")
    path.write_text("// [id:satu]\n::Satu::ASN wajib netral di media sosial.{T}\n", encoding="utf-8")
    data = json.loads(run(app, "import-gift", str(path), "--bank", "impor-uji", "--json").output)
    assert (data["created"], data["updated"], data["unchanged"]) == (0, 1, 0)
    question = db.session.scalar(select(Question).where(Question.key == "satu"))
    assert question.current_version.number == 2
    assert question.current_version.data["stem"] == "ASN wajib netral di media sosial."


def test_import_is_audited(app):
    run(app, "import-gift", str(GIFT / "true_false.gift"), "--bank", "impor-uji")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "quiz.import_gift"))
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == "impor-uji"))
    assert (event.target_type, event.target_id, event.instansi_id, event.actor_id) == (
        "question_banks", bank.id, None, None)
    assert event.details == {"file": "true_false.gift", "bank": "impor-uji", "created": 10, "updated": 0,
                             "unchanged": 0, "drafts": 10, "skipped": 0}


def test_import_into_a_new_bank_of_an_instansi(app, make_instansi):
    instansi = make_instansi()
    result = run(app, "import-gift", str(GIFT / "true_false.gift"), "--bank", "impor-kota", "--instansi", instansi.slug)
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(QuestionBank.instansi_id).where(QuestionBank.slug == "impor-kota")) == instansi.id
    other = make_instansi()
    again = run(app, "import-gift", str(GIFT / "true_false.gift"), "--bank", "impor-kota", "--instansi", other.slug)
    assert again.exit_code == 0
    assert again.stderr == f"Bank impor-kota sudah ada; --instansi {other.slug} diabaikan (pemilik bank tidak diubah).\n"
    assert db.session.scalar(select(QuestionBank.instansi_id).where(QuestionBank.slug == "impor-kota")) == instansi.id
    unknown = run(app, "import-gift", str(GIFT / "true_false.gift"), "--bank", "impor-kota", "--instansi", "tidak-ada")
    assert unknown.exit_code != 0 and "Instansi tidak-ada tidak ditemukan" in unknown.output


def test_encodings(app, tmp_path):
    text = "::Camat::Camat menolak hadir — benar?{T#Keliru.#Tepat.}\n"
    for name, raw in [("bom.gift", b"\xef\xbb\xbf" + text.encode("utf-8")), ("win.gift", text.encode("cp1252")),
                      ("utf16.gift", text.encode("utf-16"))]:
        (tmp_path / name).write_bytes(raw)
        result = run(app, "import-gift", str(tmp_path / name), "--bank", "impor-uji", "--json")
        assert result.exit_code == 0, result.output
    assert bank_data("impor-uji")["camat"]["stem"] == "Camat menolak hadir — benar?"


def test_unreadable_or_undecodable_files_exit_non_zero(app, tmp_path):
    missing = run(app, "import-gift", str(tmp_path / "tidak-ada.gift"), "--bank", "impor-uji")
    assert missing.exit_code != 0 and "tidak bisa dibaca" in missing.output
    binary = tmp_path / "biner.gift"
    binary.write_bytes(b"\x81\x8d\x8f\x90\x9d")
    undecodable = run(app, "import-gift", str(binary), "--bank", "impor-uji")
    assert undecodable.exit_code != 0 and "bukan teks UTF-8" in undecodable.output
    bad_slug = run(app, "import-gift", str(GIFT / "true_false.gift"), "--bank", "Bank Baru")
    assert bad_slug.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(QuestionBank)) == 0
    # a file whose questions are all skipped is not an error
    (tmp_path / "kosong.gift").write_text("::Esai::Jelaskan.{}\n", encoding="utf-8")
    empty = run(app, "import-gift", str(tmp_path / "kosong.gift"), "--bank", "impor-uji", "--json")
    assert empty.exit_code == 0
    assert json.loads(empty.output)["skipped"] == [{"line": 1, "reason": "essay questions are not supported"}]


def test_export_then_reimport_gives_the_same_questions(app, tmp_path):
    sync_quizzes(FIXTURES / "quizzes" / "valid")
    db.session.commit()
    original = bank_data("contoh")
    output = tmp_path / "contoh.gift"
    result = run(app, "export-gift", "--bank", "contoh", "--output", str(output))
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "dilewati pesan-suara-sekda: branching scenarios have no GIFT form\n"
        "dilewati feed-tim-pemenangan: social-media feed questions have no GIFT form\n"
    )
    assert result.stdout == f"3 soal ditulis ke {output}, 2 dilewati.\n"
    text = output.read_text(encoding="utf-8")
    assert text.startswith("// Bank contoh\n")

    copy = json.loads(run(app, "import-gift", str(output), "--bank", "contoh-salinan", "--json").output)
    assert copy["imported"] == 3 and copy["skipped"] == [] and copy["drafts"] == []
    representable = {key: data for key, data in original.items() if data["type"] not in ("branching", "social_feed")}
    assert bank_data("contoh-salinan") == representable

    versions = version_count()
    same = json.loads(run(app, "import-gift", str(output), "--bank", "contoh", "--json").output)
    assert same["unchanged"] == 3 and version_count() == versions


def test_export_to_stdout_and_unknown_bank(app):
    run(app, "import-gift", str(GIFT / "escapes.gift"), "--bank", "impor-uji")
    result = run(app, "export-gift", "--bank", "impor-uji")
    assert result.exit_code == 0
    assert result.stderr == "3 soal ditulis, 0 dilewati.\n"
    assert [q.data for q in parse_gift(result.stdout).questions] == list(bank_data("impor-uji").values())
    unknown = run(app, "export-gift", "--bank", "tidak-ada")
    assert unknown.exit_code != 0 and "Bank soal tidak-ada tidak ditemukan" in unknown.output


def _authored(bank_slug: str, key: str, stem: str) -> None:
    """A question written in the bank by other means (YAML files, the authoring form)."""
    bank = get_or_create_bank(bank_slug)
    upsert_question(bank, {"id": key, "type": "true_false", "title": "Dari YAML", "stem": stem, "answer": True,
                           "draft": True})
    db.session.commit()


def test_an_import_never_replaces_a_question_from_another_source(app, tmp_path):
    _authored("impor-uji", "asn-wajib-netral", "Soal asli dari berkas YAML.")
    _authored("impor-uji", "diberi-id", "Soal lain dari berkas YAML.")
    path = tmp_path / "moodle.gift"
    path.write_text("ASN wajib netral.{T}\n\n// [id:diberi-id]\n::Diberi id::Id eksplisit yang sama.{F}\n",
                    encoding="utf-8")
    result = run(app, "import-gift", str(path), "--bank", "impor-uji")
    assert result.exit_code == 0, result.output
    data = bank_data("impor-uji")
    assert data["asn-wajib-netral"]["stem"] == "Soal asli dari berkas YAML."  # untouched
    assert data["asn-wajib-netral-2"]["stem"] == "ASN wajib netral."  # the derived id moved aside
    assert ("  baris 1: the id 'asn-wajib-netral' belongs to a question of bank impor-uji from another source; "
            "imported as 'asn-wajib-netral-2'\n") in result.output
    assert data["diberi-id"]["stem"] == "Soal lain dari berkas YAML."
    assert ("  baris 4: the id 'diberi-id' belongs to a question of bank impor-uji that was not imported "
            "from moodle.gift; it is left as it is (give another [id:], or import with --update to replace it)\n"
            ) in result.output
    sources = dict(db.session.execute(select(Question.key, Question.import_source)).all())
    assert sources == {"asn-wajib-netral": None, "diberi-id": None, "asn-wajib-netral-2": "gift:moodle.gift"}

    # the same file again: its own question is found again, nothing else changes
    again = json.loads(run(app, "import-gift", str(path), "--bank", "impor-uji", "--json").output)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    assert len(again["skipped"]) == 1

    # another file with the same derived id does not replace the first file's question either
    other = tmp_path / "lain.gift"
    other.write_text("ASN wajib netral.{F}\n", encoding="utf-8")
    third = json.loads(run(app, "import-gift", str(other), "--bank", "impor-uji", "--json").output)
    assert third["created"] == 1 and bank_data("impor-uji")["asn-wajib-netral-3"]["answer"] is False
    assert bank_data("impor-uji")["asn-wajib-netral-2"]["answer"] is True


def test_the_same_content_from_another_source_is_unchanged_not_refused(app, tmp_path):
    _authored("impor-uji", "sama", "Isi yang sama.")
    path = tmp_path / "sama.gift"
    path.write_text("// [id:sama] [draft]\n::Dari YAML::[markdown]Isi yang sama.{T}\n", encoding="utf-8")
    data = json.loads(run(app, "import-gift", str(path), "--bank", "impor-uji", "--json").output)
    assert (data["unchanged"], data["skipped"]) == (1, [])
    assert db.session.scalar(select(Question.import_source).where(Question.key == "sama")) is None


def test_update_replaces_a_question_from_another_source(app, tmp_path):
    _authored("impor-uji", "asn-wajib-netral", "Soal asli dari berkas YAML.")
    path = tmp_path / "moodle.gift"
    path.write_text("ASN wajib netral.{T}\n", encoding="utf-8")
    data = json.loads(run(app, "import-gift", str(path), "--bank", "impor-uji", "--update", "--json").output)
    assert (data["created"], data["updated"], data["notes"]) == (0, 1, [])
    assert bank_data("impor-uji") == {"asn-wajib-netral": parse_gift(path.read_text()).questions[0].data}
    question = db.session.scalar(select(Question).where(Question.key == "asn-wajib-netral"))
    assert question.import_source == "gift:moodle.gift" and question.current_version.number == 2


def test_a_question_edited_after_its_import_is_not_replaced_by_the_file_again(app, tmp_path, make_user):
    """An edit in the authoring form (or a YAML sync) makes the question no longer the file's: the
    next import of the same file leaves the edit alone, like any question from another source."""
    from elearn.accounts.models import Role
    from elearn.quizzes.authoring_services import save_question

    path = tmp_path / "soal.gift"
    path.write_text("ASN wajib netral.{T}\n\n// [id:diberi-id]\n::Diberi id::Id eksplisit.{F}\n", encoding="utf-8")
    assert run(app, "import-gift", str(path), "--bank", "impor-uji").exit_code == 0
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == "impor-uji"))
    trainer = make_user(role=Role.PELATIH)
    for key, stem in (("asn-wajib-netral", "ASN wajib netral (disunting pelatih)."),
                      ("diberi-id", "Id eksplisit (disunting pelatih).")):
        save_question(bank, {**bank_data("impor-uji")[key], "stem": stem}, trainer)
    db.session.commit()
    assert dict(db.session.execute(select(Question.key, Question.import_source)).all()) == {
        "asn-wajib-netral": None, "diberi-id": None}

    again = json.loads(run(app, "import-gift", str(path), "--bank", "impor-uji", "--json").output)
    data = bank_data("impor-uji")
    assert data["asn-wajib-netral"]["stem"] == "ASN wajib netral (disunting pelatih)."
    assert data["diberi-id"]["stem"] == "Id eksplisit (disunting pelatih)."
    assert again["updated"] == 0 and len(again["skipped"]) == 1
