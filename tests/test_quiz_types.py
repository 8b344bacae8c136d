"""Grading and validation of every question type as pure functions (no database, no request)."""
from __future__ import annotations

import copy
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from elearn.quizzes.types import (
    ACTIONS,
    QUESTION_TYPES,
    Grade,
    InvalidResponse,
    Problem,
    canonical_question,
    validate_question,
)

SOURCES = [{"title": "BKN Kanreg VI Medan", "url": "https://medan.bkn.go.id/?p=6556"}]


def meta(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "q-1",
        "title": "Judul",
        "stem": "Situasi.",
        "feedback": "Sikap yang benar.",
        "election_types": ["pilkada"],
        "stage": "calon",
        "actor_role": "pns",
        "rule_refs": ["PP 94/2021 Pasal 5 huruf n"],
        "sanctions": ["disiplin_berat"],
        "tags": ["media-sosial"],
        "sources": copy.deepcopy(SOURCES),
    }
    data.update(fields)
    return data


def with_extra(data: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    data.update(extra)
    return data


def single(**extra: Any) -> dict[str, Any]:
    return with_extra(meta(type="single_choice", options=[
        {"id": "a", "text": "Hapus like", "correct": True, "feedback": "Benar."},
        {"id": "b", "text": "Diamkan", "weight": 50, "feedback": "Setengah."},
        {"id": "c", "text": "Bagikan", "feedback": "Salah."},
    ]), extra)


def multiple(**extra: Any) -> dict[str, Any]:
    return with_extra(meta(type="multiple_response", options=[
        {"id": "a", "text": "Tolak", "correct": True, "feedback": "Ya."},
        {"id": "b", "text": "Simpan bukti", "correct": True, "feedback": "Ya."},
        {"id": "c", "text": "Hadir", "feedback": "Tidak."},
        {"id": "d", "text": "Bagikan", "feedback": "Tidak."},
    ]), extra)


def true_false(**extra: Any) -> dict[str, Any]:
    return with_extra(meta(type="true_false", answer=False, feedback_true="Keliru.", feedback_false="Tepat."), extra)


def branching(**extra: Any) -> dict[str, Any]:
    return with_extra(meta(type="branching", start="pesan", nodes=[
        {"id": "pesan", "text": "Sekda mengirim pesan suara.", "choices": [
            {"id": "hadir", "text": "Hadir", "points": 0, "next": "di-kpu", "feedback": "Mobilisasi."},
            {"id": "tidak-hadir", "text": "Tidak hadir", "points": 2, "next": "melapor", "feedback": "Tepat."},
        ]},
        {"id": "di-kpu", "text": "Anda di KPU.", "choices": [
            {"id": "foto", "text": "Berfoto", "points": 0, "feedback": "Lebih buruk."},
            {"id": "pulang", "text": "Pulang", "points": 1, "feedback": "Lebih baik."},
        ]},
        {"id": "melapor", "text": "Apakah melapor?", "choices": [
            {"id": "lapor", "text": "Lapor ke BKPSDM", "points": 2, "feedback": "Tepat."},
            {"id": "diam", "text": "Diam", "points": 0, "feedback": "Atasan tahu."},
        ]},
    ]), extra)


def feed(kind: str = "winning_team", **extra: Any) -> dict[str, Any]:
    partisan = kind in ("candidate", "winning_team")
    return with_extra(meta(type="social_feed", post={
        "author": "Tim Maju Bersama", "handle": "@majubersama", "author_kind": kind, "verified": False,
        "time": "3 jam", "text": "Ayo dukung nomor 2!", "likes": 1204,
    }, actions={
        "like": {"allowed": not partisan, "feedback": "Like."},
        "comment": {"allowed": False, "feedback": "Komentar."},
        "share": {"allowed": not partisan, "feedback": "Bagikan."},
        "follow": {"allowed": False, "feedback": "Ikuti."},
        "ignore": {"allowed": True, "feedback": "Abaikan."},
    }), extra)


def kpu_notice() -> dict[str, Any]:
    data = feed("kpu")
    data["post"]["text"] = "Pemungutan suara 27 November."
    data["sanctions"] = ["tidak_melanggar"]
    return data


ALL = {"single_choice": single, "multiple_response": multiple, "true_false": true_false,
       "branching": branching, "social_feed": feed}


def grade(data: dict[str, Any], raw: Any) -> Grade:
    qtype = QUESTION_TYPES[data["type"]]
    return qtype.grade(data, qtype.normalise_response(data, raw))


@pytest.mark.parametrize("name", list(ALL))
def test_every_valid_example_validates(name: str) -> None:
    assert validate_question(ALL[name]()) == []


def test_registry_has_the_five_types() -> None:
    assert set(QUESTION_TYPES) == {"single_choice", "multiple_response", "true_false", "branching", "social_feed"}


# --- single choice -------------------------------------------------------------------------


def test_single_choice_grading() -> None:
    data = single(points=2)
    right = grade(data, {"option": "a"})
    assert (right.score, right.fraction, right.correct, right.chosen) == (2.0, 1.0, True, ["a"])
    assert right.feedback == [("a", "Benar.")]
    partial = grade(data, "b")
    assert (partial.score, partial.fraction, partial.correct) == (1.0, 0.5, False)
    wrong = grade(data, MultiDict([("options", "c")]))
    assert (wrong.score, wrong.fraction, wrong.correct, wrong.feedback) == (0.0, 0.0, False, [("c", "Salah.")])
    assert QUESTION_TYPES["single_choice"].max_points(data) == 2.0


@pytest.mark.parametrize("raw", [{"options": ["a", "b"]}, {"options": []}, {"option": "z"}, None, {"option": 1}])
def test_single_choice_rejects_invalid_responses(raw: Any) -> None:
    with pytest.raises(InvalidResponse):
        QUESTION_TYPES["single_choice"].normalise_response(single(), raw)


def test_single_choice_validation() -> None:
    data = single()
    data["options"][1]["correct"] = True
    assert "exactly one option must have 'correct: true' (found 2)" in validate_question(data)
    data = single()
    data["options"][1]["weight"] = 100
    assert any("weight of a wrong option" in p for p in validate_question(data))
    data = single()
    data["options"][2].pop("feedback")
    problems = validate_question(data)
    assert problems == ["options item 3: feedback must be non-empty text (every option explains why it is right or "
                        "wrong)"]
    assert problems[0].path == ("options", 2, "feedback")
    data = single()
    data["options"] = data["options"][:1]
    assert validate_question(data) == ["options must be a list of 2 to 8 options"]
    data = single()
    data["options"][1]["id"] = "a"
    assert "options item 2: id 'a' is used twice" in validate_question(data)


# --- multiple response ---------------------------------------------------------------------


def test_multiple_response_default_weights_partial_credit_and_clamping() -> None:
    data = multiple(points=4)
    assert grade(data, {"options": ["a", "b"]}).correct is True
    assert grade(data, {"options": ["b", "a"]}).chosen == ["a", "b"]  # the question's order
    half = grade(data, {"options": ["a"]})
    assert (half.fraction, half.score, half.correct) == (0.5, 2.0, False)
    assert grade(data, {"options": ["a", "b", "c"]}).fraction == 0.5
    assert grade(data, {"options": ["a", "c"]}).fraction == 0.0
    clamped = grade(data, {"options": ["c", "d"]})
    assert (clamped.fraction, clamped.score) == (0.0, 0.0)  # -100 % clamped to 0
    everything = grade(data, {"options": ["a", "b", "c", "d"]})
    assert everything.fraction == 0.0
    assert [key for key, _ in everything.feedback] == ["a", "b", "c", "d"]


def test_multiple_response_thirds_add_up_to_correct() -> None:
    data = multiple()
    data["options"][2]["correct"] = True
    assert grade(data, {"options": ["a", "b", "c"]}).correct is True
    assert grade(data, {"options": ["a"]}).fraction == pytest.approx(1 / 3, abs=1e-6)


def test_multiple_response_explicit_weights() -> None:
    data = multiple()
    for option, weight in zip(data["options"], (70, 30, -50, None), strict=True):
        if weight is not None:
            option["weight"] = weight
    assert validate_question(data) == []
    assert grade(data, {"options": ["a"]}).fraction == 0.7
    assert grade(data, {"options": ["a", "b"]}).correct is True
    assert grade(data, {"options": ["a", "b", "d"]}).correct is True  # no weight given: weighs 0
    assert grade(data, {"options": ["b", "c"]}).fraction == 0.0  # 30 - 50 clamped
    assert grade(data, {"options": ["a", "b", "c"]}).fraction == 0.5


def test_multiple_response_weight_validation() -> None:
    data = multiple()
    data["options"][0]["weight"] = 60
    data["options"][1]["weight"] = 30
    assert validate_question(data) == ["the weights of the correct options must add up to 100 (they add up to 90)"]
    data = multiple()
    data["options"][0]["weight"] = 100
    data["options"][2]["weight"] = 20
    problems = validate_question(data)
    assert "options item 2: a correct option needs a positive weight" in problems
    assert "options item 3: a wrong option's weight must be 0 or negative" in problems
    data = multiple()
    data["options"][0]["weight"] = 150
    assert "options item 1: weight must be from -100 to 100" in validate_question(data)
    data = multiple()
    for option in data["options"]:
        option.pop("correct", None)
    assert validate_question(data) == ["at least one option must have 'correct: true'"]


@pytest.mark.parametrize("raw", [{"options": []}, {"options": ["a", "x"]}, {}])
def test_multiple_response_rejects_invalid_responses(raw: Any) -> None:
    with pytest.raises(InvalidResponse):
        QUESTION_TYPES["multiple_response"].normalise_response(multiple(), raw)


# --- true/false ----------------------------------------------------------------------------


@pytest.mark.parametrize("raw, correct", [
    ({"answer": False}, True), ({"answer": "false"}, True), ("salah", True), (MultiDict([("answer", "0")]), True),
    ({"answer": True}, False), ({"answer": "true"}, False), ("1", False),
])
def test_true_false_grading(raw: Any, correct: bool) -> None:
    result = grade(true_false(), raw)
    assert result.correct is correct
    key = "false" if correct else "true"
    assert result.chosen == [key]
    assert result.feedback == [(key, "Tepat." if correct else "Keliru.")]


@pytest.mark.parametrize("raw", [{"answer": "mungkin"}, {}, {"answer": ["true", "false"]}, None])
def test_true_false_rejects_invalid_responses(raw: Any) -> None:
    with pytest.raises(InvalidResponse):
        QUESTION_TYPES["true_false"].normalise_response(true_false(), raw)


def test_true_false_validation() -> None:
    data = true_false(answer="no")
    data.pop("feedback_false")
    assert validate_question(data) == ["answer must be true or false",
                                       "feedback_false must be non-empty text (the feedback shown for that choice)"]
    assert QUESTION_TYPES["true_false"].choice_keys(true_false()) == [("true", "Benar"), ("false", "Salah")]


# --- branching -----------------------------------------------------------------------------


def test_branching_best_path() -> None:
    qtype = QUESTION_TYPES["branching"]
    data = branching()
    assert qtype.best_path(data) == [{"node": "pesan", "choice": "tidak-hadir"},
                                     {"node": "melapor", "choice": "lapor"}]
    assert qtype.best_path_points(data) == 4


def test_branching_path_scoring_and_feedback_in_order() -> None:
    data = branching(points=2)
    best = grade(data, {"path": [{"node": "pesan", "choice": "tidak-hadir"}, {"node": "melapor", "choice": "lapor"}]})
    assert (best.fraction, best.score, best.correct) == (1.0, 2.0, True)
    assert best.chosen == ["pesan:tidak-hadir", "melapor:lapor"]
    assert best.feedback == [("pesan:tidak-hadir", "Tepat."), ("melapor:lapor", "Tepat.")]
    half = grade(data, ["pesan:tidak-hadir", "melapor:diam"])
    assert (half.fraction, half.score, half.correct) == (0.5, 1.0, False)
    worse = grade(data, {"path": ["pesan:hadir", "di-kpu:pulang"]})
    assert (worse.fraction, worse.chosen) == (0.25, ["pesan:hadir", "di-kpu:pulang"])
    assert grade(data, {"path": ["pesan:hadir", "di-kpu:foto"]}).fraction == 0.0


def test_branching_unfinished_path_grades_what_it_has() -> None:
    qtype = QUESTION_TYPES["branching"]
    data = branching()
    response = qtype.normalise_response(data, {"path": ["pesan:tidak-hadir"]})
    assert qtype.is_complete(data, response) is False
    assert qtype.next_node(data, response["path"]) == "melapor"
    result = qtype.grade(data, response)
    assert (result.fraction, result.correct) == (0.5, False)


def test_branching_append_step_is_idempotent_on_the_node() -> None:
    qtype = QUESTION_TYPES["branching"]
    data = branching()
    first = qtype.append_step(data, None, "pesan", "hadir")
    assert first == {"path": [{"node": "pesan", "choice": "hadir"}]}
    assert qtype.append_step(data, first, "pesan", "hadir") == first
    assert qtype.append_step(data, first, "pesan", "tidak-hadir") == first  # the first choice stays
    done = qtype.append_step(data, first, "di-kpu", "pulang")
    assert qtype.is_complete(data, done) is True
    with pytest.raises(InvalidResponse):
        qtype.append_step(data, first, "melapor", "lapor")  # not the current node
    with pytest.raises(InvalidResponse):
        qtype.append_step(data, done, "melapor", "lapor")  # already ended
    with pytest.raises(InvalidResponse):
        qtype.append_step(data, first, "di-kpu", "kabur")  # no such choice


@pytest.mark.parametrize("raw", [
    {"path": []},
    {"path": ["melapor:lapor"]},  # does not start at start
    {"path": ["pesan:hadir", "melapor:lapor"]},  # not where the choice leads
    {"path": ["pesan:hadir", "di-kpu:pulang", "melapor:lapor"]},  # goes on after the end
    {"path": ["pesan:kabur"]},
    {"path": [{"node": "pesan"}]},
    {"path": [42]},
])
def test_branching_rejects_invalid_paths(raw: Any) -> None:
    with pytest.raises(InvalidResponse):
        QUESTION_TYPES["branching"].normalise_response(branching(), raw)


def test_branching_rejects_a_cycle() -> None:
    data = branching()
    data["nodes"][2]["choices"][1]["next"] = "pesan"
    problems = validate_question(data)
    assert problems == ["the scenario has a cycle: pesan -> melapor -> pesan (the graph must be acyclic)"]
    assert problems[0].path == ("nodes", 0)


def test_branching_rejects_unreachable_nodes_and_bad_references() -> None:
    data = branching()
    data["nodes"][0]["choices"][0].pop("next")
    problems = validate_question(data)
    assert problems == ["node 'di-kpu' cannot be reached from start 'pesan'"]
    assert problems[0].path == ("nodes", 1, "id")
    data = branching()
    data["nodes"][0]["choices"][0]["next"] = "hilang"
    assert validate_question(data) == ["node 'pesan', choice 'hadir': next 'hilang' is not the id of a node"]
    data = branching(start="hilang")
    assert validate_question(data) == ["start 'hilang' is not the id of a node"]
    data = branching()
    data["nodes"][0]["choices"][0]["next"] = "pesan"
    assert validate_question(data) == [
        "nodes item 1, choices item 1: next must be the id of another node (or left out to end)"]


def test_branching_structure_validation() -> None:
    data = branching()
    data["nodes"][1]["choices"] = data["nodes"][1]["choices"][:1]
    data["nodes"][2]["choices"][0]["points"] = -1
    data["nodes"][2]["choices"][1]["points"] = 1.5
    assert validate_question(data) == [
        "nodes item 2: choices must be a list of 2 to 5 choices",
        "nodes item 3, choices item 1: points must be a whole number, 0 or more",
        "nodes item 3, choices item 2: points must be a whole number, 0 or more",
    ]
    data = branching()
    for node in data["nodes"]:
        for choice in node["choices"]:
            choice["points"] = 0
    assert validate_question(data) == ["the best path scores 0 points: give the right choices points"]
    data = branching()
    data["nodes"][1]["id"] = "pesan"
    assert "nodes item 2: node id 'pesan' is used twice" in validate_question(data)


def test_branching_choice_keys() -> None:
    keys = QUESTION_TYPES["branching"].choice_keys(branching())
    assert keys[0] == ("pesan:hadir", "Hadir")
    assert len(keys) == 6


# --- social feed ---------------------------------------------------------------------------


def test_social_feed_candidate_like_is_a_violation() -> None:
    data = feed("candidate")
    like = grade(data, {"actions": ["like"]})
    assert (like.correct, like.fraction, like.feedback) == (False, 0.0, [("like", "Like.")])
    ignore = grade(data, {"actions": ["ignore"]})
    assert (ignore.correct, ignore.score, ignore.chosen) == (True, 1.0, ["ignore"])


def test_social_feed_kpu_notice_share_is_allowed() -> None:
    data = kpu_notice()
    assert validate_question(data) == []
    assert grade(data, {"actions": ["share"]}).correct is True
    both = grade(data, MultiDict([("actions", "share"), ("actions", "like")]))
    assert (both.correct, both.chosen) == (True, ["like", "share"])
    assert [key for key, _ in both.feedback] == ["like", "share"]
    assert grade(data, {"actions": ["share", "comment"]}).correct is False


def test_social_feed_ignore_cannot_be_combined() -> None:
    qtype = QUESTION_TYPES["social_feed"]
    with pytest.raises(InvalidResponse, match="ignore cannot be combined"):
        qtype.normalise_response(kpu_notice(), {"actions": ["ignore", "share"]})


@pytest.mark.parametrize("raw", [{"actions": []}, {"actions": ["retweet"]}, None, {"action": "Like"}])
def test_social_feed_rejects_invalid_responses(raw: Any) -> None:
    with pytest.raises(InvalidResponse):
        QUESTION_TYPES["social_feed"].normalise_response(feed(), raw)


def test_social_feed_validation() -> None:
    data = feed("winning_team")
    data["actions"]["share"]["allowed"] = True
    problems = validate_question(data)
    assert problems == ["actions.share: engaging with a winning_team account is a violation, so allowed must be false"]
    assert problems[0].path == ("actions", "share", "allowed")
    data = feed()
    del data["actions"]["follow"]
    data["actions"]["retweet"] = {"allowed": False, "feedback": "x"}
    data["post"]["handle"] = "majubersama"
    data["post"]["author_kind"] = "influencer"
    data["post"].pop("time")
    assert validate_question(data) == [
        "post: 'time' is missing",
        "post.handle must start with @ and have no spaces (quote it: \"@name\")",
        "post.author_kind must be one of: candidate, winning_team, colleague, kpu, bawaslu, party, news, government",
        "actions: unknown action 'retweet' (allowed: like, comment, share, follow, ignore)",
        "actions: 'follow' is missing (give all five actions)",
    ]
    data = kpu_notice()
    for key in ACTIONS:
        data["actions"][key]["allowed"] = False
    assert validate_question(data) == ["at least one action must be allowed (usually ignore)"]


def test_social_feed_weight_gives_partial_credit_and_caps_a_combination() -> None:
    """An allowed action with a weight is not a violation but not the best answer either (ignoring a KPU
    notice one was asked to pass on): it earns its weight, and the weakest chosen action sets the score."""
    data = kpu_notice()
    data["actions"]["comment"]["allowed"] = True
    data["actions"]["ignore"]["weight"] = 0
    data["actions"]["like"]["weight"] = 50
    assert validate_question(data) == []
    feed_type = QUESTION_TYPES["social_feed"]
    assert feed_type.full_credit(data) == ["comment", "share"]  # type: ignore[attr-defined]
    ignore = grade(data, {"actions": ["ignore"]})
    assert (ignore.correct, ignore.fraction, ignore.score) == (False, 0.0, 0.0)
    assert ignore.feedback == [("ignore", "Abaikan.")]
    like = grade(data, {"actions": ["like"]})
    assert (like.correct, like.fraction) == (False, 0.5)
    assert grade(data, {"actions": ["like", "share"]}).fraction == 0.5
    assert grade(data, {"actions": ["comment", "share"]}).correct is True
    data["actions"]["follow"]["allowed"] = False
    assert grade(data, {"actions": ["like", "follow"]}).fraction == 0.0


def test_social_feed_weight_validation() -> None:
    data = kpu_notice()
    data["actions"]["comment"]["weight"] = 50  # comment is a violation here
    data["actions"]["like"]["weight"] = 100
    data["actions"]["share"]["weight"] = "separuh"
    problems = validate_question(data)
    assert problems == [
        "actions.like: weight of an allowed action must be 0 to 99 (partial credit in percent; leave it out for "
        "full credit)",
        "actions.comment: a violation earns nothing, so it takes no weight (remove it)",
        "actions.share: weight must be a number",
    ]
    assert [p.path for p in problems] == [("actions", key, "weight") for key in ("like", "comment", "share")]
    data = feed("candidate")
    data["actions"]["ignore"]["weight"] = 20
    assert validate_question(data) == ["at least one allowed action must earn full credit (no weight)"]


def test_social_feed_weight_is_written_between_allowed_and_feedback() -> None:
    data = kpu_notice()
    data["actions"]["ignore"] = {"feedback": "Abaikan.", "weight": 0, "allowed": True}
    assert list(canonical_question(data)["actions"]["ignore"]) == ["allowed", "weight", "feedback"]


def test_social_feed_choice_keys_are_the_five_actions() -> None:
    assert [key for key, _ in QUESTION_TYPES["social_feed"].choice_keys(feed())] == list(ACTIONS)


# --- fields every type has -----------------------------------------------------------------


def test_common_fields_allowed_values() -> None:
    data = single(stage="kampanye", actor_role="bupati", election_types=["pileg"], sanctions=["teguran"],
                  tags=["Media Sosial"], sources=[{"title": "x", "url": "ftp://x"}], points=0,
                  verified_against_primary="ya", rule_refs=[])
    problems = validate_question(data)
    for expected in ("stage must be one of", "actor_role must be one of", "election_types: unknown value 'pileg'",
                     "sanctions: unknown value 'teguran'", "tags: 'Media Sosial' is not a slug",
                     "sources item 1: url must start", "points must be", "rule_refs must be",
                     "verified_against_primary must be true or false"):
        assert any(p.startswith(expected) for p in problems), expected


def test_tidak_melanggar_must_be_alone() -> None:
    assert validate_question(single(sanctions=["tidak_melanggar", "disiplin_berat"])) == [
        "sanctions: 'tidak_melanggar' (allowed conduct) must be used alone"]
    assert validate_question(single(sanctions=["tidak_melanggar"])) == []
    assert validate_question(single(sanctions=["etik_moral_tertutup", "etik_moral_tertutup"])) == [
        "sanctions: 'etik_moral_tertutup' is listed twice"]


def test_required_fields_and_unknown_keys() -> None:
    data = single(colour="red")
    for key in ("feedback", "sources", "stage"):
        data.pop(key)
    assert validate_question(data) == ["unknown key 'colour'", "'stage' is missing", "'sources' is missing",
                                       "'feedback' is missing"]
    assert validate_question({"id": "x", "type": "essay", "title": "t", "stem": "s", "draft": True}) == [
        "type must be one of: single_choice, multiple_response, true_false, branching, social_feed"]
    assert validate_question(["not", "a", "mapping"]) == ["a question must be a mapping of keys to values"]  # type: ignore[arg-type]
    problems = validate_question(meta(id="Bad Id", type="single_choice", options=single()["options"]))
    assert problems == ["id must be a slug: a-z, 0-9 and '-' (at most 100 characters)"]
    assert isinstance(problems[0], Problem) and problems[0].path == ("id",)


def test_drafts_may_lack_metadata_and_feedback_but_not_structure() -> None:
    data = {"id": "impor-1", "type": "single_choice", "title": "Dari GIFT", "stem": "Soal?", "draft": True,
            "category": "Netralitas/Medsos", "stem_format": "html",
            "options": [{"id": "a", "text": "Ya", "correct": True}, {"id": "b", "text": "Tidak"}]}
    assert validate_question(data) == []
    data["options"][1]["correct"] = "maybe"
    assert validate_question(data) == ["options item 2: correct must be true or false"]
    data = true_false(draft=True, stage="entah")
    data.pop("feedback_true")
    assert validate_question(data) == ["stage must be one of: bakal_calon, calon, semua_tahap"]


def test_canonical_question_orders_keys() -> None:
    data = single()
    shuffled = dict(reversed(list(data.items())))
    shuffled["options"] = [dict(reversed(list(o.items()))) for o in data["options"]]
    canonical = canonical_question(shuffled)
    assert canonical == data
    assert list(canonical)[:3] == ["id", "type", "title"]
    assert list(canonical)[-2:] == ["options", "feedback"]
    assert list(canonical["options"][0]) == ["id", "text", "correct", "feedback"]
