"""The guessing-cue check of question banks (issue 15): the right option mostly the longest, true/false keys
one-sided, a feed action right in every feed, a fixed option order. It fires on a biased synthetic bank, is
quiet below its minimum sizes, and the shipped bank passes it (the bias check in the suite)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask import Flask

from elearn.content.quiz_bias import BiasLimits, bank_bias, bias_tree, bias_warnings, visible_length
from elearn.content.quizzes import validate_quiz_tree

REPO_QUIZZES = Path(__file__).parent.parent / "quizzes"

META: dict[str, Any] = {
    "election_types": ["pilkada"], "stage": "calon", "actor_role": "pns", "rule_refs": ["PP 94/2021 Pasal 5"],
    "sanctions": ["disiplin_berat"], "tags": ["media-sosial"], "feedback": "Umpan balik umum.",
    "sources": [{"title": "Sumber", "url": "https://example.org/sumber"}],
}


def single(key: str, right: str, wrong: tuple[str, ...] = ("Diam saja.", "Ikut saja.", "Pura-pura setuju.")
           ) -> dict[str, Any]:
    options = [{"id": "a", "text": right, "correct": True, "feedback": "Tepat."}]
    options += [{"id": chr(ord("b") + i), "text": text, "feedback": "Keliru."} for i, text in enumerate(wrong)]
    return {"id": key, "type": "single_choice", "title": key, "stem": "Apa yang Anda lakukan?",
            "options": options, **META}


def true_false(key: str, answer: bool) -> dict[str, Any]:
    return {"id": key, "type": "true_false", "title": key, "stem": "Benar atau salah?", "answer": answer,
            "feedback_true": "Umpan balik Benar.", "feedback_false": "Umpan balik Salah.", **META}


def feed(key: str, kind: str = "candidate", ignore_weight: int | None = None) -> dict[str, Any]:
    partisan = kind in ("candidate", "winning_team")
    actions: dict[str, Any] = {action: {"allowed": not partisan, "feedback": f"{action}."}
                               for action in ("like", "comment", "share", "follow")}
    actions["ignore"] = {"allowed": True, "feedback": "ignore."}
    if ignore_weight is not None:
        actions["ignore"]["weight"] = ignore_weight
    return {"id": key, "type": "social_feed", "title": key, "stem": "Unggahan di beranda Anda.",
            "post": {"author": "Akun", "handle": "@akun", "author_kind": kind, "verified": True, "time": "1 jam",
                     "text": "Isi unggahan."},
            "actions": actions, **META}


def biased_bank() -> list[dict[str, Any]]:
    """The shape issue 15 found: careful long keys, "Salah" almost always, "Abaikan" always right."""
    questions = [single(f"pilihan-{i}", "Menolak dengan sopan, mencatat waktu dan saksinya, lalu melapor lewat "
                                        "SBT BKN, SP4N-LAPOR!, atau Bawaslu.") for i in range(9)]
    questions.append(single("pilihan-pendek", "Menolak.", ("Menerima karena hari libur.", "Menerima tanpa honor.",
                                                         "Menerima dengan baju bebas.")))
    questions += [true_false(f"bs-{i}", answer=i == 0) for i in range(7)]
    questions += [feed(f"unggahan-{i}") for i in range(4)]
    return questions


def write_bank(root: Path, questions: list[dict[str, Any]], shuffle_options: bool = True) -> Path:
    bank = root / "uji"
    (bank / "questions").mkdir(parents=True)
    (bank / "quizzes").mkdir()
    (bank / "bank.yaml").write_text("slug: uji\ntitle: Bank uji\n", encoding="utf-8")
    (bank / "questions" / "soal.yaml").write_text(yaml.safe_dump({"questions": questions}, allow_unicode=True),
                                                  encoding="utf-8")
    quiz = {"slug": "kuis-uji", "title": "Kuis uji", "pass_mark": 70, "shuffle_options": shuffle_options,
            "draw": [{"count": 3}]}
    (bank / "quizzes" / "kuis-uji.yaml").write_text(yaml.safe_dump(quiz), encoding="utf-8")
    return root


def test_the_check_fires_on_a_biased_bank() -> None:
    report = bank_bias("uji", biased_bank())
    assert (report.single_choice, len(report.key_longest), len(report.key_shortest)) == (10, 9, 1)
    assert (report.true_false, report.true_keys, report.false_keys) == (7, 1, 6)
    assert report.social_feed == 4 and report.full_credit["ignore"] == 4 and report.full_credit["like"] == 0
    findings = report.findings()
    assert len(findings) == 3, findings
    assert findings[0].startswith("the right option is the longest in 9 of 10 single-choice questions (90%, limit "
                                  "40%)")
    assert "pilihan-0" in findings[0] and "pilihan-pendek" not in findings[0]
    assert findings[1].startswith('6 of 7 true/false questions are keyed "Salah" (86%, limit 65%)')
    assert findings[2].startswith("the action 'ignore' earns full credit in all 4 social-feed questions")
    assert report.summary() == ("bias report (uji): single choice 10: right option longest in 9 (90%), shortest in "
                                "1 (10%); true/false 7: 1 Benar, 6 Salah; social feed 4: full credit for like 0, "
                                "comment 0, share 0, follow 0, ignore 4.")


def test_the_shortest_key_is_a_cue_too() -> None:
    questions = [single(f"pilihan-{i}", "Menolak.", ("Menerima karena hari libur.", "Menerima tanpa honor.",
                                                     "Menerima dengan baju bebas.")) for i in range(8)]
    findings = bank_bias("uji", questions).findings()
    assert len(findings) == 1 and findings[0].startswith("the right option is the shortest in 8 of 8")


def test_a_balanced_bank_is_clean() -> None:
    lengths = ("Tolak.", "Tolak dengan sopan.", "Tolak dengan sopan dan catat.", "Tolak, catat, dan laporkan.")
    questions = []
    for i in range(12):  # the right option's length rank goes round: longest, shortest and in between
        right = lengths[i % 4]
        questions.append(single(f"pilihan-{i}", right, tuple(t for t in lengths if t != right)))
    questions += [true_false(f"bs-{i}", answer=i % 2 == 0) for i in range(8)]
    questions += [feed(f"unggahan-{i}") for i in range(3)] + [feed("kpu", "kpu", ignore_weight=0)]
    report = bank_bias("uji", questions)
    assert report.findings() == [], report.findings()
    assert report.full_credit["ignore"] == 3  # ignoring the KPU notice earns no credit there


def test_a_weighted_ignore_is_not_full_credit_and_only_full_feeds_count() -> None:
    report = bank_bias("uji", [feed(f"unggahan-{i}") for i in range(3)] + [feed("kpu", "kpu", ignore_weight=50)])
    assert report.full_credit["ignore"] == 3 and report.findings() == []
    report = bank_bias("uji", [feed(f"unggahan-{i}") for i in range(4)] + [feed("kpu", "kpu")])
    assert [f.split(":")[0] for f in report.findings()] == [
        "the action 'ignore' earns full credit in all 5 social-feed questions"]


def test_too_few_items_are_no_finding_and_drafts_do_not_count() -> None:
    questions = biased_bank()
    few = [q for q in questions if q["id"] in {f"pilihan-{i}" for i in range(7)} | {f"bs-{i}" for i in range(5)}]
    few += [feed(f"unggahan-{i}") for i in range(3)]
    assert bank_bias("uji", few).findings() == []
    drafts = [{**q, "draft": True} for q in questions]
    report = bank_bias("uji", drafts)
    assert (report.single_choice, report.true_false, report.social_feed, report.findings()) == (0, 0, 0, [])


def test_limits_are_settable() -> None:
    strict = BiasLimits(key_longest=0.95, true_false_majority=0.9, min_social_feed=5)
    assert bank_bias("uji", biased_bank(), limits=strict).findings() == []


def test_key_position_counts_only_when_a_quiz_keeps_the_written_order() -> None:
    questions = biased_bank()
    assert not any("option 1" in f for f in bank_bias("uji", questions, [{"slug": "kuis", "shuffle_options": True}])
                   .findings())
    findings = bank_bias("uji", questions, [{"slug": "kuis-urut", "shuffle_options": False}]).findings()
    assert findings[-1] == ("the right option is option 1 in 10 of 10 single-choice questions (100%, limit 50%) "
                            "and kuis-urut keeps the written order (shuffle_options: false)")


def test_visible_length_ignores_markdown_emphasis_and_spacing() -> None:
    assert visible_length("**Disiplin  berat**\n menurut _BKN_") == len("Disiplin berat menurut BKN")
    assert visible_length(None) == 0


def test_the_bias_report_reads_bank_folders_and_warns(tmp_path: Path) -> None:
    root = write_bank(tmp_path, biased_bank())
    assert [e for e in validate_quiz_tree(root) if not e.warning] == []
    reports = bias_tree(root)
    assert [r.bank for r in reports] == ["uji"]
    warnings = bias_warnings(reports)
    assert len(warnings) == 3 and all(w.warning for w in warnings)
    assert str(warnings[1]).startswith('uji/questions:1: warning: bias: 6 of 7 true/false questions are keyed '
                                       '"Salah"')


def test_cli_prints_the_report_and_fails_only_with_strict(app: Flask, tmp_path: Path) -> None:
    root = write_bank(tmp_path, biased_bank())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "validate", "--quizzes-root", str(root)])
    assert result.exit_code == 0, result.output
    assert f"{root}: 1 bank(s), 21 question(s), 1 quiz(zes) valid." in result.output
    assert "bias report (uji): single choice 10: right option longest in 9 (90%)" in result.output
    assert "uji/questions:1: warning: bias: the action 'ignore' earns full credit in all 4" in result.output
    result = runner.invoke(args=["content", "validate", "--quizzes-root", str(root), "--strict"])
    assert result.exit_code == 1
    assert f"3 bias finding(s) in {root} (--strict)" in result.output


def test_the_shipped_bank_has_no_guessing_cue(app: Flask) -> None:
    """The bias check in the suite: quizzes/ as shipped passes ``content validate --strict``."""
    reports = bias_tree(REPO_QUIZZES)
    assert reports, "quizzes/ holds no bank"
    for report in reports:
        assert report.findings() == [], f"{report.summary()}\n" + "\n".join(report.findings())
    netralitas = next(r for r in reports if r.bank == "netralitas")
    # feeds where sharing is right and ignoring is not the best answer exist
    assert netralitas.full_credit["ignore"] < netralitas.social_feed
    result = app.test_cli_runner().invoke(args=["content", "validate", "--quizzes-root", str(REPO_QUIZZES),
                                                "--strict"])
    assert result.exit_code == 0, result.output
