"""What the learner pages show of a question: its text rendered safely, options in the attempt's
order, the branching path so far, the social-media post, and the review with every feedback.

Pure over the pinned ``QuestionVersion`` and the item's saved response (no queries, no request):
the templates get plain dicts.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..content.quizzes import render_text
from .models import AttemptItem
from .types import ACTION_LABELS, ACTIONS, QUESTION_TYPES, TRUE_FALSE_LABELS, Branching, SocialFeed

#: the sanction class of the wrong conduct, as learners read it
SANCTION_LABELS = {
    "etik_moral_tertutup": _l("Sanksi moral tertutup (kode etik)"),
    "etik_moral_terbuka": _l("Sanksi moral terbuka (kode etik)"),
    "disiplin_ringan": _l("Hukuman disiplin ringan"),
    "disiplin_sedang": _l("Hukuman disiplin sedang"),
    "disiplin_berat": _l("Hukuman disiplin berat"),
    "ptdh": _l("Pemberhentian tidak dengan hormat (PTDH)"),
    "pidana": _l("Dapat dipidana menurut undang-undang pemilu/pilkada"),
    "sanksi_kontrak": _l("Sanksi menurut perjanjian kerja, sampai pemutusan"),
    "tidak_melanggar": _l("Tidak melanggar: boleh dilakukan"),
}

_ONE_PARAGRAPH = re.compile(r"\A<p>(.*)</p>\s*\Z", re.S)


def text(data: Mapping[str, Any], value: Any) -> Markup:
    """A text of the question (stem, feedback, ...) as safe HTML in the question's format."""
    return render_text(str(value or ""), data.get("stem_format") or "markdown")


def inline(data: Mapping[str, Any], value: Any) -> Markup:
    """A short text for inside a label: one paragraph loses its ``<p>``."""
    html = str(text(data, value))
    match = _ONE_PARAGRAPH.match(html)
    return Markup(match.group(1) if match and "<p>" not in match.group(1) else html)


def _ordered_options(item: AttemptItem) -> list[Mapping[str, Any]]:
    options = list(item.question_version.data.get("options") or [])
    if not item.option_order:
        return options
    by_id = {str(o["id"]): o for o in options}
    ordered = [by_id[key] for key in item.option_order if key in by_id]
    return ordered + [o for o in options if str(o["id"]) not in item.option_order]


def _count(value: Any) -> str | None:
    return format_decimal(value) if isinstance(value, int) and not isinstance(value, bool) else None


def post(data: Mapping[str, Any]) -> dict[str, Any]:
    """The mock social-media post (its text is plain text, escaped by the template)."""
    raw = data.get("post") or {}
    return {
        "author": raw.get("author", ""), "handle": raw.get("handle", ""), "kind": raw.get("author_kind", ""),
        "verified": bool(raw.get("verified")), "time": raw.get("time", ""), "text": raw.get("text", ""),
        "image_alt": raw.get("image_alt"), "likes": _count(raw.get("likes")),
        "comments": _count(raw.get("comments")), "shares": _count(raw.get("shares")),
    }


def branching_state(item: AttemptItem) -> dict[str, Any]:
    """The path so far (situation and choice per step) and the situation to decide now (None once
    the scenario has ended)."""
    data = item.question_version.data
    qtype = QUESTION_TYPES["branching"]
    assert isinstance(qtype, Branching)
    nodes = {str(n["id"]): n for n in data["nodes"]}
    path = list((item.response or {}).get("path") or [])
    steps = []
    for step in path:
        node = nodes[step["node"]]
        choice = next(c for c in node["choices"] if c["id"] == step["choice"])
        steps.append({"node": node["id"], "text": text(data, node["text"]), "choice": inline(data, choice["text"]),
                      "choice_id": choice["id"], "points": choice.get("points", 0),
                      "feedback": text(data, choice.get("feedback"))})
    current_id = qtype.next_node(data, path)
    current = None
    if current_id is not None:
        node = nodes[current_id]
        current = {"id": node["id"], "text": text(data, node["text"]),
                   "choices": [{"id": c["id"], "text": inline(data, c["text"])} for c in node["choices"]]}
    return {"steps": steps, "current": current}


def question(item: AttemptItem) -> dict[str, Any]:
    """Everything the answer page shows of one question."""
    version = item.question_version
    data = version.data
    response = item.response or {}
    view: dict[str, Any] = {
        "type": version.type, "title": version.title, "stem": text(data, data.get("stem")),
        "position": item.position,
    }
    if version.type in ("single_choice", "multiple_response"):
        chosen = set(response.get("options") or [])
        view["options"] = [{"id": o["id"], "text": inline(data, o["text"]), "checked": o["id"] in chosen}
                           for o in _ordered_options(item)]
    elif version.type == "true_false":
        answer = response.get("answer")
        view["choices"] = [{"id": key, "label": TRUE_FALSE_LABELS[key], "checked": answer is (key == "true")}
                           for key in ("true", "false")]
    elif version.type == "branching":
        view.update(branching_state(item))
    elif version.type == "social_feed":
        chosen = set(response.get("actions") or [])
        view["post"] = post(data)
        view["actions"] = [{"key": key, "label": ACTION_LABELS[key], "checked": key in chosen} for key in ACTIONS]
    return view


def review(item: AttemptItem) -> dict[str, Any]:
    """One question of a finished attempt: the learner's answer against the right one, the feedback of
    every option/action (branching: each step of the path in order), the general feedback, rule
    references, sanction classes and sources."""
    version = item.question_version
    data = version.data
    response = item.response or {}
    view: dict[str, Any] = {
        "type": version.type, "title": version.title, "position": item.position,
        "stem": text(data, data.get("stem")), "answered": item.response is not None,
        "score": item.score or 0.0, "max_points": QUESTION_TYPES[version.type].max_points(data),
        "fraction": item.fraction or 0.0, "correct": bool(item.correct),
        "feedback": text(data, data.get("feedback")),
        "rule_refs": list(data.get("rule_refs") or []),
        "sanctions": [SANCTION_LABELS.get(s, s) for s in data.get("sanctions") or []],
        "sources": [s for s in data.get("sources") or [] if isinstance(s, Mapping)],
    }
    if version.type in ("single_choice", "multiple_response"):
        chosen = set(response.get("options") or [])
        view["options"] = [{"id": o["id"], "text": inline(data, o["text"]), "chosen": o["id"] in chosen,
                            "correct": o.get("correct") is True, "feedback": text(data, o.get("feedback"))}
                           for o in _ordered_options(item)]
    elif version.type == "true_false":
        answer = response.get("answer")
        view["choices"] = [{"id": key, "label": TRUE_FALSE_LABELS[key], "chosen": answer is (key == "true"),
                            "correct": data.get("answer") is (key == "true"),
                            "feedback": text(data, data.get(f"feedback_{key}"))} for key in ("true", "false")]
    elif version.type == "branching":
        state = branching_state(item)
        qtype = QUESTION_TYPES["branching"]
        assert isinstance(qtype, Branching)
        view["steps"] = state["steps"]
        view["ended"] = state["current"] is None
        view["best"] = _best_path(item, qtype)
    elif version.type == "social_feed":
        chosen = set(response.get("actions") or [])
        actions = data.get("actions") or {}
        view["post"] = post(data)
        view["actions"] = [{"key": key, "label": ACTION_LABELS[key], "chosen": key in chosen,
                            "allowed": bool((actions.get(key) or {}).get("allowed")),
                            # percent of the points: below 100 for an allowed action that is not the best one
                            "credit": SocialFeed.credit(actions.get(key) or {}),
                            "feedback": text(data, (actions.get(key) or {}).get("feedback"))} for key in ACTIONS]
    return view


def _best_path(item: AttemptItem, qtype: Branching) -> list[dict[str, Any]]:
    """The best path's choices (situation, choice), for "the right answer" of a scenario."""
    data = item.question_version.data
    nodes = {str(n["id"]): n for n in data["nodes"]}
    result = []
    for step in qtype.best_path(data):
        node = nodes[step["node"]]
        choice = next(c for c in node["choices"] if c["id"] == step["choice"])
        result.append({"text": text(data, node["text"]), "choice": inline(data, choice["text"])})
    return result
