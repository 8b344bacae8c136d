"""The question types: pure functions over the canonical question dict (quizzes/README.md).

Each type validates its own structure, computes its maximum points, turns raw form or JSON input
into a canonical response, grades a response and lists its choice keys for item analysis. No
database, no request: the content loader, the authoring forms, the attempt engine and item
analysis all call the same functions.

Canonical responses:
    single_choice / multiple_response  {"options": ["a", "c"]}  (in the question's option order)
    true_false                         {"answer": True}
    branching                          {"path": [{"node": "n1", "choice": "x"}, ...]}
    social_feed                        {"actions": ["like", "share"]}  (in ACTIONS order)

Validation messages are English (they are for content authors, next to a file and line). A message
is a ``Problem``: a ``str`` that also carries the path of the offending value inside the question
dict (``("options", 1, "feedback")``), so the loader can point at its line.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")

ELECTION_TYPES = ("pemilu", "pilkada")
STAGES = ("bakal_calon", "calon", "semua_tahap")
ACTOR_ROLES = (
    "pns", "cpns", "pppk", "pppk_paruh_waktu", "non_asn", "guru", "tenaga_kesehatan", "lurah", "camat",
    "kepala_desa_terkait", "kepala_sekolah", "kepala_puskesmas", "kepala_dinas", "kepala_bidang", "sekda", "jpt",
    "administrator", "pengawas", "pelaksana", "fungsional",
)
SANCTIONS = (
    "etik_moral_tertutup", "etik_moral_terbuka", "disiplin_ringan", "disiplin_sedang", "disiplin_berat", "ptdh",
    "pidana", "sanksi_kontrak", "tidak_melanggar",
)
ALLOWED_CONDUCT = "tidak_melanggar"
#: the tags shipped with elearn (new ones are allowed)
SHIPPED_TAGS = (
    "media-sosial", "kampanye", "fasilitas-negara", "keputusan-menguntungkan", "kegiatan-keberpihakan",
    "dukungan-ktp", "partai-politik", "pencalonan-diri", "keluarga-calon", "tekanan-atasan", "mobilisasi",
    "foto-dan-gestur", "alat-peraga", "politik-uang", "kewajiban-atasan", "melapor", "non-asn", "pppk",
    "boleh-dilakukan", "hak-pilih",
)
STEM_FORMATS = ("markdown", "html", "plain")
#: how far the positive weights of a multiple-response question may be from 100 (percent): three
#: answers of 33.3 % (99.9) or 33.33 % (99.99) add up to 100 "within rounding"
WEIGHT_TOTAL_TOLERANCE = 0.1


def weights_add_up(total: float) -> bool:
    """Whether positive option weights adding up to ``total`` percent count as 100 % (the one rule
    for the question validator and the GIFT importer)."""
    return abs(total - 100) <= WEIGHT_TOTAL_TOLERANCE + 1e-9  # 33.3 * 3 is 99.89999999999999 in floats

#: every key a question may have besides its type's own keys, in the order files are written
COMMON_KEYS = (
    "id", "type", "title", "category", "draft", "stem", "stem_format", "points", "election_types", "stage",
    "actor_role", "rule_refs", "sanctions", "tags", "sources", "verified_against_primary", "feedback",
)
#: required unless the question is a draft
METADATA_KEYS = ("election_types", "stage", "actor_role", "rule_refs", "sanctions", "tags", "sources")
ALWAYS_REQUIRED = ("id", "type", "title", "stem")

#: social feed actions, in the order they are shown and stored
ACTIONS = ("like", "comment", "share", "follow", "ignore")
#: the keys of one action, in the order files are written
ACTION_KEYS = ("allowed", "weight", "feedback")
ACTION_LABELS = {
    "like": _l("Suka"),
    "comment": _l("Komentar"),
    "share": _l("Bagikan"),
    "follow": _l("Ikuti"),
    "ignore": _l("Abaikan"),
}
AUTHOR_KINDS = ("candidate", "winning_team", "colleague", "kpu", "bawaslu", "party", "news", "government")
#: engaging with these accounts (like, comment, share, follow) is always a violation
PARTISAN_KINDS = ("candidate", "winning_team")
TRUE_FALSE_LABELS = {"true": _l("Benar"), "false": _l("Salah")}


class Problem(str):
    """A validation message that knows where in the question dict the problem is."""

    path: tuple[str | int, ...]

    def __new__(cls, message: str, path: Iterable[str | int] = ()) -> Problem:
        obj = super().__new__(cls, message)
        obj.path = tuple(path)
        return obj


class InvalidResponse(ValueError):
    """Raw input that is not an answer to this question (unknown option, bad path, ...)."""


@dataclass(frozen=True)
class Grade:
    #: points earned, 0..max_points
    score: float
    #: 0..1; correct means fraction == 1
    fraction: float
    correct: bool
    #: (key, Markdown) in the order to show: chosen option ids, "true"/"false", "node:choice", action keys.
    #: The question's general ``feedback`` is not included (show it after these).
    feedback: list[tuple[str, str]] = field(default_factory=list)
    #: the keys chosen (option ids / "true" or "false" / "node:choice" / action keys), for item analysis
    chosen: list[str] = field(default_factory=list)


def _round(value: float) -> float:
    return round(value, 6)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_draft(data: Mapping[str, Any]) -> bool:
    return data.get("draft") is True


def _raw_values(raw: Any, *names: str) -> list[Any]:
    """The values given under any of ``names`` in a form (``getlist``), a mapping, a list or a scalar."""
    if raw is None:
        return []
    if hasattr(raw, "getlist"):
        values: list[Any] = []
        for name in names:
            values.extend(raw.getlist(name))
        return values
    if isinstance(raw, Mapping):
        values = []
        for name in names:
            if name in raw:
                value = raw[name]
                values.extend(value if isinstance(value, list | tuple) else [value])
        return values
    if isinstance(raw, list | tuple):
        return list(raw)
    return [raw]


class QuestionType:
    """The interface every type implements. Subclasses set ``name`` and ``keys`` (their own keys)."""

    name: str = ""
    #: the type's own keys, in the order files are written
    keys: tuple[str, ...] = ()
    required: tuple[str, ...] = ()

    def validate(self, data: Mapping[str, Any]) -> list[str]:
        problems: list[str] = []
        for key in self.required:
            if key not in data:
                problems.append(Problem(f"'{key}' is missing (required for {self.name})"))
        if problems:
            return problems
        return self._validate(data)

    def _validate(self, data: Mapping[str, Any]) -> list[str]:
        raise NotImplementedError

    def max_points(self, data: Mapping[str, Any]) -> float:
        return float(data.get("points", 1))

    def normalise_response(self, data: Mapping[str, Any], raw: Any) -> dict[str, Any]:
        raise NotImplementedError

    def grade(self, data: Mapping[str, Any], response: Mapping[str, Any]) -> Grade:
        raise NotImplementedError

    def choice_keys(self, data: Mapping[str, Any]) -> list[tuple[str, str]]:
        raise NotImplementedError

    def shuffle_keys(self, data: Mapping[str, Any]) -> list[str]:
        """The keys an attempt may show in a shuffled order (empty: the order is fixed)."""
        return []

    def _grade(self, data: Mapping[str, Any], fraction: float, feedback: list[tuple[str, str]],
               chosen: list[str]) -> Grade:
        fraction = _round(min(max(fraction, 0.0), 1.0))
        return Grade(score=_round(self.max_points(data) * fraction), fraction=fraction, correct=fraction == 1.0,
                     feedback=feedback, chosen=chosen)


# --- choice types --------------------------------------------------------------------------


class _OptionsType(QuestionType):
    keys = ("options",)
    required = ("options",)
    min_options = 2
    max_options = 8

    def _validate(self, data: Mapping[str, Any]) -> list[str]:
        options = data["options"]
        if not isinstance(options, list) or not self.min_options <= len(options) <= self.max_options:
            return [Problem(f"options must be a list of {self.min_options} to {self.max_options} options",
                            ("options",))]
        problems: list[str] = []
        seen: set[str] = set()
        for i, option in enumerate(options):
            path: tuple[str | int, ...] = ("options", i)
            where = f"options item {i + 1}"
            if not isinstance(option, Mapping):
                problems.append(Problem(f"{where} must be a mapping with id, text and feedback", path))
                continue
            for key in option:
                if key not in ("id", "text", "feedback", "correct", "weight"):
                    problems.append(Problem(
                        f"{where}: unknown key '{key}' (allowed: correct, feedback, id, text, weight)", path + (key,)))
            option_id = option.get("id")
            if not isinstance(option_id, str) or not SLUG.match(option_id):
                problems.append(Problem(f"{where}: id must be a slug like 'a' or 'hapus-like'", path + ("id",)))
            elif option_id in seen:
                problems.append(Problem(f"{where}: id '{option_id}' is used twice", path + ("id",)))
            else:
                seen.add(option_id)
            if not _is_text(option.get("text")):
                problems.append(Problem(f"{where}: text must be non-empty text", path + ("text",)))
            if "feedback" in option or not is_draft(data):
                if not _is_text(option.get("feedback")):
                    problems.append(Problem(f"{where}: feedback must be non-empty text (every option explains "
                                            "why it is right or wrong)", path + ("feedback",)))
            if "correct" in option and not isinstance(option["correct"], bool):
                problems.append(Problem(f"{where}: correct must be true or false", path + ("correct",)))
            if "weight" in option and not _is_number(option["weight"]):
                problems.append(Problem(f"{where}: weight must be a number", path + ("weight",)))
        if not problems:
            problems.extend(self._validate_weights(data, options))
        return problems

    def _validate_weights(self, data: Mapping[str, Any], options: list[Mapping[str, Any]]) -> list[str]:
        raise NotImplementedError

    def _option_map(self, data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        return {str(o["id"]): o for o in data["options"]}

    def _chosen_options(self, data: Mapping[str, Any], raw: Any) -> list[str]:
        options = self._option_map(data)
        values = _raw_values(raw, "options", "option", "answer")
        chosen: set[str] = set()
        for value in values:
            if not isinstance(value, str) or value not in options:
                raise InvalidResponse(f"unknown option {value!r}")
            chosen.add(value)
        return [key for key in options if key in chosen]

    def choice_keys(self, data: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [(str(o["id"]), str(o["text"])) for o in data["options"]]

    def shuffle_keys(self, data: Mapping[str, Any]) -> list[str]:
        return [str(o["id"]) for o in data["options"]]

    def _feedback(self, data: Mapping[str, Any], chosen: list[str]) -> list[tuple[str, str]]:
        options = self._option_map(data)
        return [(key, str(options[key].get("feedback") or "")) for key in chosen]


class SingleChoice(_OptionsType):
    name = "single_choice"

    def _validate_weights(self, data: Mapping[str, Any], options: list[Mapping[str, Any]]) -> list[str]:
        problems: list[str] = []
        correct = [i for i, o in enumerate(options) if o.get("correct") is True]
        if len(correct) != 1:
            problems.append(Problem(f"exactly one option must have 'correct: true' (found {len(correct)})",
                                    ("options",)))
        for i, option in enumerate(options):
            if "weight" not in option:
                continue
            weight = option["weight"]
            path = ("options", i, "weight")
            if option.get("correct") is True:
                if weight != 100:
                    problems.append(Problem(f"options item {i + 1}: the correct option weighs 100", path))
            elif not 0 <= weight < 100:
                problems.append(Problem(f"options item {i + 1}: weight of a wrong option must be 0 to 99 "
                                        "(partial credit in percent)", path))
        return problems

    def weight(self, option: Mapping[str, Any]) -> float:
        if option.get("correct") is True:
            return 100.0
        return float(option.get("weight", 0))

    def normalise_response(self, data: Mapping[str, Any], raw: Any) -> dict[str, Any]:
        chosen = self._chosen_options(data, raw)
        if len(chosen) != 1:
            raise InvalidResponse("choose exactly one option")
        return {"options": chosen}

    def grade(self, data: Mapping[str, Any], response: Mapping[str, Any]) -> Grade:
        chosen = self.normalise_response(data, response)["options"]
        fraction = self.weight(self._option_map(data)[chosen[0]]) / 100
        return self._grade(data, fraction, self._feedback(data, chosen), chosen)


class MultipleResponse(_OptionsType):
    name = "multiple_response"
    max_options = 10

    def _validate_weights(self, data: Mapping[str, Any], options: list[Mapping[str, Any]]) -> list[str]:
        right = [o for o in options if o.get("correct") is True]
        if not right:
            return [Problem("at least one option must have 'correct: true'", ("options",))]
        if not any("weight" in o for o in options):
            return []
        problems: list[str] = []
        for i, option in enumerate(options):
            weight = option.get("weight", 0)
            path = ("options", i, "weight")
            if not -100 <= weight <= 100:
                problems.append(Problem(f"options item {i + 1}: weight must be from -100 to 100", path))
            elif option.get("correct") is True and weight <= 0:
                problems.append(Problem(f"options item {i + 1}: a correct option needs a positive weight", path))
            elif option.get("correct") is not True and weight > 0:
                problems.append(Problem(f"options item {i + 1}: a wrong option's weight must be 0 or negative",
                                        path))
        total = sum(float(o.get("weight", 0)) for o in right)
        if not problems and not weights_add_up(total):
            problems.append(Problem(f"the weights of the correct options must add up to 100 (they add up to "
                                    f"{total:g})", ("options",)))
        return problems

    def weights(self, data: Mapping[str, Any]) -> dict[str, float]:
        """Percent per option: explicit weights when any option has one, else +100/k and -100/k."""
        options = data["options"]
        if any("weight" in o for o in options):
            return {str(o["id"]): float(o.get("weight", 0)) for o in options}
        k = sum(1 for o in options if o.get("correct") is True)
        return {str(o["id"]): (100 / k if o.get("correct") is True else -100 / k) for o in options}

    def normalise_response(self, data: Mapping[str, Any], raw: Any) -> dict[str, Any]:
        chosen = self._chosen_options(data, raw)
        if not chosen:
            raise InvalidResponse("choose at least one option")
        return {"options": chosen}

    def grade(self, data: Mapping[str, Any], response: Mapping[str, Any]) -> Grade:
        chosen = self.normalise_response(data, response)["options"]
        weights = self.weights(data)
        # the positive weights add up to 100 within rounding: all the right answers score 100 %
        full = sum(weight for weight in weights.values() if weight > 0) or 100
        fraction = sum(weights[key] for key in chosen) / full
        return self._grade(data, fraction, self._feedback(data, chosen), chosen)


class TrueFalse(QuestionType):
    name = "true_false"
    keys = ("answer", "feedback_true", "feedback_false")
    required = ("answer",)

    def _validate(self, data: Mapping[str, Any]) -> list[str]:
        problems: list[str] = []
        if not isinstance(data["answer"], bool):
            problems.append(Problem("answer must be true or false", ("answer",)))
        for key in ("feedback_true", "feedback_false"):
            if key not in data and is_draft(data):
                continue
            if not _is_text(data.get(key)):
                problems.append(Problem(f"{key} must be non-empty text (the feedback shown for that choice)",
                                        (key,) if key in data else ()))
        return problems

    def normalise_response(self, data: Mapping[str, Any], raw: Any) -> dict[str, Any]:
        values = _raw_values(raw, "answer")
        if len(values) != 1:
            raise InvalidResponse("choose true or false")
        value = values[0]
        if isinstance(value, bool):
            return {"answer": value}
        if isinstance(value, str) and value.strip().lower() in ("true", "1", "benar", "t"):
            return {"answer": True}
        if isinstance(value, str) and value.strip().lower() in ("false", "0", "salah", "f"):
            return {"answer": False}
        raise InvalidResponse(f"not true or false: {value!r}")

    def grade(self, data: Mapping[str, Any], response: Mapping[str, Any]) -> Grade:
        answer = self.normalise_response(data, response)["answer"]
        key = "true" if answer else "false"
        feedback = [(key, str(data.get(f"feedback_{key}") or ""))]
        return self._grade(data, 1.0 if answer is data["answer"] else 0.0, feedback, [key])

    def choice_keys(self, data: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [("true", str(TRUE_FALSE_LABELS["true"])), ("false", str(TRUE_FALSE_LABELS["false"]))]


# --- branching -----------------------------------------------------------------------------


class Branching(QuestionType):
    name = "branching"
    keys = ("start", "nodes")
    required = ("start", "nodes")
    min_choices = 2
    max_choices = 5

    def _validate(self, data: Mapping[str, Any]) -> list[str]:
        nodes = data["nodes"]
        if not isinstance(nodes, list) or not nodes:
            return [Problem("nodes must be a non-empty list of situations", ("nodes",))]
        problems: list[str] = []
        ids: dict[str, int] = {}
        for i, node in enumerate(nodes):
            path: tuple[str | int, ...] = ("nodes", i)
            where = f"nodes item {i + 1}"
            if not isinstance(node, Mapping):
                problems.append(Problem(f"{where} must be a mapping with id, text and choices", path))
                continue
            for key in node:
                if key not in ("id", "text", "choices"):
                    problems.append(Problem(f"{where}: unknown key '{key}' (allowed: choices, id, text)",
                                            path + (key,)))
            node_id = node.get("id")
            if not isinstance(node_id, str) or not SLUG.match(node_id):
                problems.append(Problem(f"{where}: id must be a slug like 'pesan-suara'", path + ("id",)))
            elif node_id in ids:
                problems.append(Problem(f"{where}: node id '{node_id}' is used twice", path + ("id",)))
            else:
                ids[node_id] = i
            if not _is_text(node.get("text")):
                problems.append(Problem(f"{where}: text must be non-empty text", path + ("text",)))
            problems.extend(self._validate_choices(data, node, path, where))
        if problems:
            return problems
        start = data["start"]
        if not isinstance(start, str) or start not in ids:
            return [Problem(f"start '{start}' is not the id of a node", ("start",))]
        for i, node in enumerate(nodes):
            for j, choice in enumerate(node["choices"]):
                target = choice.get("next")
                if target is not None and target not in ids:
                    problems.append(Problem(f"node '{node['id']}', choice '{choice['id']}': next '{target}' is not "
                                            "the id of a node", ("nodes", i, "choices", j, "next")))
        if problems:
            return problems
        cycle = self._find_cycle(data)
        if cycle:
            return [Problem(f"the scenario has a cycle: {' -> '.join(cycle)} (the graph must be acyclic)",
                            ("nodes", ids[cycle[0]]))]
        reachable = self._reachable(data)
        for node_id, i in ids.items():
            if node_id not in reachable:
                problems.append(Problem(f"node '{node_id}' cannot be reached from start '{start}'",
                                        ("nodes", i, "id")))
        if not problems and self.best_path_points(data) <= 0:
            problems.append(Problem("the best path scores 0 points: give the right choices points", ("nodes",)))
        return problems

    def _validate_choices(self, data: Mapping[str, Any], node: Mapping[str, Any], path: tuple[str | int, ...],
                          where: str) -> list[str]:
        choices = node.get("choices")
        if not isinstance(choices, list) or not self.min_choices <= len(choices) <= self.max_choices:
            return [Problem(f"{where}: choices must be a list of {self.min_choices} to {self.max_choices} choices",
                            path + ("choices",))]
        problems: list[str] = []
        seen: set[str] = set()
        for j, choice in enumerate(choices):
            cpath = path + ("choices", j)
            cwhere = f"{where}, choices item {j + 1}"
            if not isinstance(choice, Mapping):
                problems.append(Problem(f"{cwhere} must be a mapping with id, text, feedback and points", cpath))
                continue
            for key in choice:
                if key not in ("id", "text", "feedback", "points", "next"):
                    problems.append(Problem(
                        f"{cwhere}: unknown key '{key}' (allowed: feedback, id, next, points, text)", cpath + (key,)))
            choice_id = choice.get("id")
            if not isinstance(choice_id, str) or not SLUG.match(choice_id):
                problems.append(Problem(f"{cwhere}: id must be a slug like 'tidak-hadir'", cpath + ("id",)))
            elif choice_id in seen:
                problems.append(Problem(f"{cwhere}: choice id '{choice_id}' is used twice in this node",
                                        cpath + ("id",)))
            else:
                seen.add(choice_id)
            if not _is_text(choice.get("text")):
                problems.append(Problem(f"{cwhere}: text must be non-empty text", cpath + ("text",)))
            if "feedback" in choice or not is_draft(data):
                if not _is_text(choice.get("feedback")):
                    problems.append(Problem(f"{cwhere}: feedback must be non-empty text", cpath + ("feedback",)))
            points = choice.get("points")
            if not _is_int(points) or points < 0:
                problems.append(Problem(f"{cwhere}: points must be a whole number, 0 or more", cpath + ("points",)))
            target = choice.get("next")
            if "next" in choice and (not isinstance(target, str) or target == node.get("id")):
                problems.append(Problem(f"{cwhere}: next must be the id of another node (or left out to end)",
                                        cpath + ("next",)))
        return problems

    # graph helpers (on validated data)

    def _nodes(self, data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        return {str(n["id"]): n for n in data["nodes"]}

    def _find_cycle(self, data: Mapping[str, Any]) -> list[str]:
        nodes = self._nodes(data)
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        stack: list[str] = []

        def visit(node_id: str) -> list[str]:
            state[node_id] = 1
            stack.append(node_id)
            for choice in nodes[node_id]["choices"]:
                target = choice.get("next")
                if target is None:
                    continue
                if state.get(target) == 1:
                    return stack[stack.index(target):] + [target]
                if target not in state:
                    found = visit(target)
                    if found:
                        return found
            stack.pop()
            state[node_id] = 2
            return []

        for node_id in nodes:
            if node_id not in state:
                found = visit(node_id)
                if found:
                    return found
        return []

    def _reachable(self, data: Mapping[str, Any]) -> set[str]:
        nodes = self._nodes(data)
        seen: set[str] = set()
        todo = [str(data["start"])]
        while todo:
            node_id = todo.pop()
            if node_id in seen:
                continue
            seen.add(node_id)
            todo.extend(str(c["next"]) for c in nodes[node_id]["choices"] if c.get("next") is not None)
        return seen

    def best_path(self, data: Mapping[str, Any]) -> list[dict[str, str]]:
        """The path with the most points (the first such path in file order)."""
        nodes = self._nodes(data)
        memo: dict[str, tuple[int, list[dict[str, str]]]] = {}

        def best(node_id: str) -> tuple[int, list[dict[str, str]]]:
            if node_id not in memo:
                result: tuple[int, list[dict[str, str]]] | None = None
                for choice in nodes[node_id]["choices"]:
                    points, rest = (0, []) if choice.get("next") is None else best(str(choice["next"]))
                    candidate = (int(choice["points"]) + points, [{"node": node_id, "choice": str(choice["id"])}] + rest)
                    if result is None or candidate[0] > result[0]:
                        result = candidate
                assert result is not None
                memo[node_id] = result
            return memo[node_id]

        return best(str(data["start"]))[1]

    def best_path_points(self, data: Mapping[str, Any]) -> int:
        return self.path_points(data, self.best_path(data))

    def path_points(self, data: Mapping[str, Any], path: list[Mapping[str, str]]) -> int:
        nodes = self._nodes(data)
        total = 0
        for step in path:
            choice = self._choice(nodes[step["node"]], step["choice"])
            total += int(choice["points"])
        return total

    @staticmethod
    def _choice(node: Mapping[str, Any], choice_id: str) -> Mapping[str, Any]:
        for choice in node["choices"]:
            if choice["id"] == choice_id:
                return choice
        raise InvalidResponse(f"node '{node['id']}' has no choice {choice_id!r}")

    def next_node(self, data: Mapping[str, Any], path: list[Mapping[str, str]]) -> str | None:
        """The node to show after ``path`` (a valid path), or None when the scenario has ended."""
        if not path:
            return str(data["start"])
        last = path[-1]
        target = self._choice(self._nodes(data)[last["node"]], last["choice"]).get("next")
        return None if target is None else str(target)

    def is_complete(self, data: Mapping[str, Any], response: Mapping[str, Any] | None) -> bool:
        if not response or not response.get("path"):
            return False
        return self.next_node(data, response["path"]) is None

    def append_step(self, data: Mapping[str, Any], response: Mapping[str, Any] | None, node: str,
                    choice: str) -> dict[str, Any]:
        """The response with ``choice`` taken at ``node``. Idempotent on the node: a node already on the
        path keeps its first choice (a retried request changes nothing)."""
        path = [dict(step) for step in (response or {}).get("path", [])]
        if any(step["node"] == node for step in path):
            return {"path": path}
        expected = self.next_node(data, path)
        if expected is None:
            raise InvalidResponse("the scenario has already ended")
        if node != expected:
            raise InvalidResponse(f"the current situation is {expected!r}, not {node!r}")
        self._choice(self._nodes(data)[node], choice)
        return {"path": path + [{"node": node, "choice": choice}]}

    def normalise_response(self, data: Mapping[str, Any], raw: Any) -> dict[str, Any]:
        steps = _raw_values(raw, "path")
        if not steps:
            raise InvalidResponse("the path is empty")
        nodes = self._nodes(data)
        path: list[dict[str, str]] = []
        expected: str | None = str(data["start"])
        for step in steps:
            if isinstance(step, str) and ":" in step:
                node_id, choice_id = step.split(":", 1)
            elif isinstance(step, Mapping) and isinstance(step.get("node"), str) and isinstance(step.get("choice"), str):
                node_id, choice_id = step["node"], step["choice"]
            else:
                raise InvalidResponse(f"not a step of a path: {step!r}")
            if expected is None:
                raise InvalidResponse("the path goes on after the scenario ended")
            if node_id != expected:
                raise InvalidResponse(f"expected situation {expected!r}, got {node_id!r}")
            choice = self._choice(nodes[node_id], choice_id)
            path.append({"node": node_id, "choice": choice_id})
            expected = None if choice.get("next") is None else str(choice["next"])
        return {"path": path}

    def grade(self, data: Mapping[str, Any], response: Mapping[str, Any]) -> Grade:
        """A finished or unfinished path: fraction = its points / the best path's points."""
        path = self.normalise_response(data, response)["path"]
        nodes = self._nodes(data)
        feedback = []
        chosen = []
        for step in path:
            key = f"{step['node']}:{step['choice']}"
            chosen.append(key)
            feedback.append((key, str(self._choice(nodes[step["node"]], step["choice"]).get("feedback") or "")))
        fraction = self.path_points(data, path) / self.best_path_points(data)
        return self._grade(data, fraction, feedback, chosen)

    def choice_keys(self, data: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [(f"{n['id']}:{c['id']}", str(c["text"])) for n in data["nodes"] for c in n["choices"]]


# --- social feed ---------------------------------------------------------------------------


class SocialFeed(QuestionType):
    name = "social_feed"
    keys = ("post", "actions")
    required = ("post", "actions")
    post_keys = ("author", "handle", "author_kind", "verified", "time", "text", "image_alt", "likes", "comments",
                 "shares")
    post_required = ("author", "handle", "author_kind", "verified", "time", "text")

    def _validate(self, data: Mapping[str, Any]) -> list[str]:
        problems = self._validate_post(data["post"])
        actions = data["actions"]
        if not isinstance(actions, Mapping):
            return problems + [Problem(f"actions must be a mapping with the keys {', '.join(ACTIONS)}",
                                       ("actions",))]
        for key in actions:
            if key not in ACTIONS:
                problems.append(Problem(f"actions: unknown action '{key}' (allowed: {', '.join(ACTIONS)})",
                                        ("actions", key)))
        for key in ACTIONS:
            if key not in actions:
                problems.append(Problem(f"actions: '{key}' is missing (give all five actions)", ("actions",)))
                continue
            action = actions[key]
            path: tuple[str | int, ...] = ("actions", key)
            if not isinstance(action, Mapping):
                problems.append(Problem(f"actions.{key} must be a mapping with allowed and feedback", path))
                continue
            for sub in action:
                if sub not in ACTION_KEYS:
                    problems.append(Problem(f"actions.{key}: unknown key '{sub}' (allowed: {', '.join(ACTION_KEYS)})",
                                            path + (sub,)))
            if not isinstance(action.get("allowed"), bool):
                problems.append(Problem(f"actions.{key}.allowed must be true or false", path + ("allowed",)))
            elif "weight" in action:
                weight = action["weight"]
                if not _is_number(weight):
                    problems.append(Problem(f"actions.{key}: weight must be a number", path + ("weight",)))
                elif not action["allowed"]:
                    problems.append(Problem(f"actions.{key}: a violation earns nothing, so it takes no weight "
                                            "(remove it)", path + ("weight",)))
                elif not 0 <= weight < 100:
                    problems.append(Problem(f"actions.{key}: weight of an allowed action must be 0 to 99 (partial "
                                            "credit in percent; leave it out for full credit)", path + ("weight",)))
            if "feedback" in action or not is_draft(data):
                if not _is_text(action.get("feedback")):
                    problems.append(Problem(f"actions.{key}.feedback must be non-empty text", path + ("feedback",)))
        if problems:
            return problems
        if not any(actions[key]["allowed"] for key in ACTIONS):
            problems.append(Problem("at least one action must be allowed (usually ignore)", ("actions",)))
        elif not any(self.credit(actions[key]) == 100 for key in ACTIONS):
            problems.append(Problem("at least one allowed action must earn full credit (no weight)", ("actions",)))
        post = data["post"]
        if post.get("author_kind") in PARTISAN_KINDS:
            for key in ("like", "comment", "share", "follow"):
                if actions[key]["allowed"]:
                    problems.append(Problem(f"actions.{key}: engaging with a {post['author_kind']} account is a "
                                            "violation, so allowed must be false", ("actions", key, "allowed")))
        return problems

    def _validate_post(self, post: Any) -> list[str]:
        if not isinstance(post, Mapping):
            return [Problem("post must be a mapping (author, handle, author_kind, verified, time, text)", ("post",))]
        problems: list[str] = []
        for key in post:
            if key not in self.post_keys:
                problems.append(Problem(f"post: unknown key '{key}' (allowed: {', '.join(sorted(self.post_keys))})",
                                        ("post", key)))
        for key in self.post_required:
            if key not in post:
                problems.append(Problem(f"post: '{key}' is missing", ("post",)))
        for key in ("author", "time", "text"):
            if key in post and not _is_text(post[key]):
                problems.append(Problem(f"post.{key} must be non-empty text", ("post", key)))
        if "handle" in post and (not isinstance(post["handle"], str) or not re.match(r"^@\S+$", post["handle"])):
            problems.append(Problem("post.handle must start with @ and have no spaces (quote it: \"@name\")",
                                    ("post", "handle")))
        if "author_kind" in post and post["author_kind"] not in AUTHOR_KINDS:
            problems.append(Problem(f"post.author_kind must be one of: {', '.join(AUTHOR_KINDS)}",
                                    ("post", "author_kind")))
        if "verified" in post and not isinstance(post["verified"], bool):
            problems.append(Problem("post.verified must be true or false", ("post", "verified")))
        if "image_alt" in post and not _is_text(post["image_alt"]):
            problems.append(Problem("post.image_alt must be non-empty text (describe the image)",
                                    ("post", "image_alt")))
        for key in ("likes", "comments", "shares"):
            if key in post and (not _is_int(post[key]) or post[key] < 0):
                problems.append(Problem(f"post.{key} must be a whole number, 0 or more", ("post", key)))
        return problems

    def normalise_response(self, data: Mapping[str, Any], raw: Any) -> dict[str, Any]:
        values = _raw_values(raw, "actions", "action")
        chosen: set[str] = set()
        for value in values:
            if value not in ACTIONS:
                raise InvalidResponse(f"unknown action {value!r}")
            chosen.add(value)
        if not chosen:
            raise InvalidResponse("choose at least one action")
        if "ignore" in chosen and len(chosen) > 1:
            raise InvalidResponse("ignore cannot be combined with other actions")
        return {"actions": [key for key in ACTIONS if key in chosen]}

    @staticmethod
    def credit(action: Mapping[str, Any]) -> float:
        """Percent of the points one action earns: 0 for a violation, its ``weight`` for an allowed action
        that is not the best one in the situation (e.g. ignoring a KPU notice one was asked to pass on),
        else 100."""
        if not action.get("allowed"):
            return 0.0
        return float(action.get("weight", 100))

    def full_credit(self, data: Mapping[str, Any]) -> list[str]:
        """The actions that alone earn every point, in ACTIONS order."""
        return [key for key in ACTIONS if self.credit(data["actions"][key]) == 100]

    def grade(self, data: Mapping[str, Any], response: Mapping[str, Any]) -> Grade:
        """As good as the weakest chosen action: 0 when any is a violation, full marks when every one is
        allowed without a weight; each chosen action's feedback in order."""
        chosen = self.normalise_response(data, response)["actions"]
        actions = data["actions"]
        fraction = min(self.credit(actions[key]) for key in chosen) / 100
        feedback = [(key, str(actions[key].get("feedback") or "")) for key in chosen]
        return self._grade(data, fraction, feedback, chosen)

    def choice_keys(self, data: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [(key, str(ACTION_LABELS[key])) for key in ACTIONS]


QUESTION_TYPES: dict[str, QuestionType] = {
    t.name: t for t in (SingleChoice(), MultipleResponse(), TrueFalse(), Branching(), SocialFeed())
}


# --- fields every type has -----------------------------------------------------------------


def _list_problems(data: Mapping[str, Any], key: str, allowed: Iterable[str] | None, what: str,
                   draft: bool) -> list[str]:
    value = data[key]
    if not isinstance(value, list) or (not value and not draft):
        return [Problem(f"{key} must be a non-empty list of {what}", (key,))]
    problems: list[str] = []
    seen: set[str] = set()
    allowed = tuple(allowed) if allowed is not None else None
    for i, item in enumerate(value):
        if allowed is not None:
            if item not in allowed:
                problems.append(Problem(f"{key}: unknown value {item!r} (allowed: {', '.join(allowed)})", (key, i)))
                continue
        elif not isinstance(item, str) or not SLUG.match(item):
            problems.append(Problem(f"{key}: {item!r} is not a slug (a-z, 0-9 and '-')", (key, i)))
            continue
        if item in seen:
            problems.append(Problem(f"{key}: {item!r} is listed twice", (key, i)))
        seen.add(item)
    return problems


def validate_common(data: Mapping[str, Any]) -> list[str]:
    """The fields every question has (quizzes/README.md). A draft may lack the metadata and feedback,
    but what it has must be valid."""
    if not isinstance(data, Mapping):
        return [Problem("a question must be a mapping of keys to values")]
    draft = is_draft(data)
    qtype = QUESTION_TYPES.get(str(data.get("type")))
    problems: list[str] = []
    allowed = set(COMMON_KEYS) | (set(qtype.keys) if qtype else set())
    for key in data:
        if key not in allowed:
            problems.append(Problem(f"unknown key '{key}'" + ("" if qtype else " (or unknown type)"), (key,)))
    required = list(ALWAYS_REQUIRED) + ([] if draft else [*METADATA_KEYS, "feedback"])
    for key in required:
        if key not in data:
            problems.append(Problem(f"'{key}' is missing"))
    if "id" in data and (not isinstance(data["id"], str) or not SLUG.match(data["id"]) or len(data["id"]) > 100):
        problems.append(Problem("id must be a slug: a-z, 0-9 and '-' (at most 100 characters)", ("id",)))
    if "type" in data and qtype is None:
        problems.append(Problem(f"type must be one of: {', '.join(QUESTION_TYPES)}", ("type",)))
    if "title" in data:
        if not _is_text(data["title"]):
            problems.append(Problem("title must be non-empty text", ("title",)))
        elif len(data["title"]) > 200:
            problems.append(Problem("title is longer than 200 characters", ("title",)))
    for key in ("stem", "feedback"):
        if key in data and not _is_text(data[key]):
            problems.append(Problem(f"{key} must be non-empty text", (key,)))
    if "category" in data and not _is_text(data["category"]):
        problems.append(Problem("category must be non-empty text", ("category",)))
    if "stem_format" in data and data["stem_format"] not in STEM_FORMATS:
        problems.append(Problem(f"stem_format must be one of: {', '.join(STEM_FORMATS)}", ("stem_format",)))
    for key in ("draft", "verified_against_primary"):
        if key in data and not isinstance(data[key], bool):
            problems.append(Problem(f"{key} must be true or false", (key,)))
    if "points" in data and (not _is_number(data["points"]) or data["points"] <= 0):
        problems.append(Problem("points must be a number greater than 0", ("points",)))
    if "election_types" in data:
        problems.extend(_list_problems(data, "election_types", ELECTION_TYPES, "election types", draft))
    if "stage" in data and data["stage"] not in STAGES:
        problems.append(Problem(f"stage must be one of: {', '.join(STAGES)}", ("stage",)))
    if "actor_role" in data and data["actor_role"] not in ACTOR_ROLES:
        problems.append(Problem(f"actor_role must be one of: {', '.join(ACTOR_ROLES)}", ("actor_role",)))
    if "rule_refs" in data:
        refs = data["rule_refs"]
        if not isinstance(refs, list) or (not refs and not draft):
            problems.append(Problem("rule_refs must be a non-empty list of rule references", ("rule_refs",)))
        else:
            for i, ref in enumerate(refs):
                if not _is_text(ref):
                    problems.append(Problem(f"rule_refs item {i + 1} must be non-empty text", ("rule_refs", i)))
    if "sanctions" in data:
        found = _list_problems(data, "sanctions", SANCTIONS, "sanction classes", draft)
        problems.extend(found)
        sanctions = data["sanctions"]
        if not found and ALLOWED_CONDUCT in sanctions and len(sanctions) > 1:
            problems.append(Problem(f"sanctions: '{ALLOWED_CONDUCT}' (allowed conduct) must be used alone",
                                    ("sanctions",)))
    if "tags" in data:
        problems.extend(_list_problems(data, "tags", None, "tag slugs", draft))
    if "sources" in data:
        problems.extend(_source_problems(data["sources"], draft))
    return problems


def _source_problems(sources: Any, draft: bool) -> list[str]:
    if not isinstance(sources, list) or (not sources and not draft):
        return [Problem("sources must be a non-empty list of {title, url}", ("sources",))]
    problems: list[str] = []
    for i, source in enumerate(sources):
        path = ("sources", i)
        if not isinstance(source, Mapping) or set(source) != {"title", "url"}:
            problems.append(Problem(f"sources item {i + 1} must have exactly 'title' and 'url'", path))
            continue
        if not _is_text(source["title"]):
            problems.append(Problem(f"sources item {i + 1}: title must be non-empty text", path + ("title",)))
        if not isinstance(source["url"], str) or not URL.match(source["url"]):
            problems.append(Problem(f"sources item {i + 1}: url must start with http:// or https://",
                                    path + ("url",)))
    return problems


def validate_question(data: Mapping[str, Any]) -> list[str]:
    """Common fields, then the type's structure (only when the common fields name a known type)."""
    problems = validate_common(data)
    if isinstance(data, Mapping):
        qtype = QUESTION_TYPES.get(str(data.get("type")))
        if qtype is not None:
            problems.extend(qtype.validate(data))
    return problems


def question_type(data: Mapping[str, Any]) -> QuestionType:
    return QUESTION_TYPES[str(data["type"])]


def canonical_question(data: Mapping[str, Any]) -> dict[str, Any]:
    """The question with its keys in the written order (common keys, then the type's own keys) and
    nested option/node/choice keys ordered too. Values are kept as given."""
    qtype = QUESTION_TYPES.get(str(data.get("type")))
    order = list(COMMON_KEYS[:COMMON_KEYS.index("feedback")])
    order += list(qtype.keys) if qtype else []
    order += ["feedback"]
    result = {key: data[key] for key in order if key in data}
    result.update({key: data[key] for key in data if key not in result})
    if isinstance(result.get("options"), list):
        result["options"] = [_ordered(o, ("id", "text", "correct", "weight", "feedback")) for o in result["options"]]
    if isinstance(result.get("nodes"), list):
        result["nodes"] = [_ordered_node(n) for n in result["nodes"]]
    if isinstance(result.get("post"), Mapping):
        result["post"] = _ordered(result["post"], SocialFeed.post_keys)
    if isinstance(result.get("actions"), Mapping):
        actions = result["actions"]
        result["actions"] = {key: _ordered(actions[key], ACTION_KEYS)
                             for key in [*ACTIONS, *(k for k in actions if k not in ACTIONS)] if key in actions}
    if isinstance(result.get("sources"), list):
        result["sources"] = [_ordered(s, ("title", "url")) for s in result["sources"]]
    return result


def _ordered(value: Any, keys: Iterable[str]) -> Any:
    if not isinstance(value, Mapping):
        return value
    keys = tuple(keys)
    result = {key: value[key] for key in keys if key in value}
    result.update({key: value[key] for key in value if key not in result})
    return result


def _ordered_node(node: Any) -> Any:
    node = _ordered(node, ("id", "text", "choices"))
    if isinstance(node, dict) and isinstance(node.get("choices"), list):
        node["choices"] = [_ordered(c, ("id", "text", "points", "next", "feedback")) for c in node["choices"]]
    return node
