"""Question bank folders (``quizzes/<bank>/``) <-> the database.

``validate_quiz_tree`` checks every bank folder and reports every problem with its file and line;
``sync_quizzes`` loads the folders (idempotent: an unchanged question creates nothing; a changed
one gets a new version and becomes current; a question removed from the files is retired, never
deleted); ``export_quizzes`` writes the banks back so that a round trip changes nothing.

Layout and fields: quizzes/README.md. This module is the only code that reads the quiz folders.
Services flush, never commit.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup, escape
from sqlalchemy import delete, func, select

from ..accounts.models import User
from ..audit.services import record
from ..db import analyze, db
from ..org.models import Instansi
from ..quizzes.models import (Question, QuestionBank, QuestionTag, QuestionVersion, Quiz, QuizAudience, QuizBank,
                              QuizStatus, Tag)
from ..quizzes.types import SLUG, Problem, canonical_question, is_draft, validate_question
from .courses import ContentError, ContentInvalid, sha256
from .markdown import render, sanitize

__all__ = [
    "BankDoc", "ContentError", "ContentInvalid", "QuestionInvalid", "QuizSyncReport", "bank_dirs",
    "canonical_quiz", "compose_questions_file", "compose_quiz_file", "export_quizzes", "get_or_create_bank",
    "load_bank_dir", "question_hash", "render_text", "sync_quizzes", "upsert_question", "upsert_quiz",
    "validate_question", "validate_quiz", "validate_quiz_tree",
]

BANK_KEYS = ("slug", "title", "description", "language")
BANK_REQUIRED = ("slug", "title")
LANGUAGES = ("id", "en")
QUIZ_KEYS = ("slug", "title", "description", "audience", "pass_mark", "attempt_limit", "time_limit_minutes",
             "shuffle_questions", "shuffle_options", "bank", "banks", "draw")
QUIZ_REQUIRED = ("slug", "title", "pass_mark", "draw")
#: the values of a quiz's ``audience`` (none: everyone)
QUIZ_AUDIENCES = tuple(a.value for a in QuizAudience)
DRAW_KEYS = ("count", "tags", "questions")
MAX_TIME_LIMIT = 600


class QuestionInvalid(ValueError):
    """upsert_question was given a question that does not validate."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# --- YAML with line numbers ---------------------------------------------------------------


def _load(text: str, rel: str) -> tuple[Any, yaml.Node | None, list[ContentError]]:
    """The data, the node tree (for lines) and any YAML error of one file."""
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
        data = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return None, None, [ContentError(rel, line, f"not valid YAML: {problem}")]
    return data, node, [ContentError(rel, line, message) for line, message in _duplicate_keys(node)]


def _duplicate_keys(node: yaml.Node | None) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        found.append((key.start_mark.line + 1, f"key '{key.value}' appears twice in one mapping"))
                    seen.add(key.value)
                todo.append(value)
        elif isinstance(current, yaml.SequenceNode):
            todo.extend(current.value)
    return sorted(found)


def _line(node: yaml.Node | None, path: Iterable[str | int] = ()) -> int:
    """The line (1-based) of the value at ``path`` under ``node``: the line of its key in a mapping, of
    the item in a list; as deep as the path exists (a missing key: the line of its parent)."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _item_node(node: yaml.Node | None, key: str, index: int) -> yaml.Node | None:
    """The ``index``-th item of the list under ``key`` of a mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            if isinstance(value, yaml.SequenceNode) and 0 <= index < len(value.value):
                return value.value[index]
    return None


# --- documents -----------------------------------------------------------------------------


@dataclass
class QuestionDoc:
    data: dict[str, Any]
    #: file name under questions/, e.g. "01-media-sosial.yaml"
    file: str
    position: int
    line: int
    ok: bool = True


@dataclass
class QuizDoc:
    data: dict[str, Any]
    file: str
    text: str
    ok: bool = True
    #: the banks it draws from as written (``banks:``), when more than its own folder's: its draw rules
    #: are checked by ``validate_quiz_tree``, which knows every bank folder
    banks: list[str] = field(default_factory=list)


@dataclass
class BankDoc:
    path: Path
    slug: str
    meta: dict[str, Any]
    questions: list[QuestionDoc] = field(default_factory=list)
    quizzes: list[QuizDoc] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(not e.warning for e in self.errors)


@dataclass
class QuizSyncReport:
    #: bank slug -> "created" | "updated" (title etc.) | "unchanged"
    banks: dict[str, str] = field(default_factory=dict)
    #: "bank/id" -> "created" | "updated" | "unchanged" | "retired"
    questions: dict[str, str] = field(default_factory=dict)
    #: quiz slug -> "created" | "updated" | "unchanged"
    quizzes: dict[str, str] = field(default_factory=dict)
    #: warnings
    errors: list[ContentError] = field(default_factory=list)

    def counts(self, bank: str | None = None) -> dict[str, int]:
        result = {"created": 0, "updated": 0, "unchanged": 0, "retired": 0}
        for key, status in self.questions.items():
            if bank is None or key.startswith(f"{bank}/"):
                result[status] += 1
        return result


def bank_dirs(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _check_bank_meta(meta: Any, node: yaml.Node | None, folder: str, rel: str) -> list[ContentError]:
    if not isinstance(meta, dict):
        return [ContentError(rel, 1, "bank.yaml must be a mapping of keys to values")]
    errors: list[ContentError] = []

    def err(key: str | None, message: str) -> None:
        errors.append(ContentError(rel, _line(node, (key,) if key else ()), message))

    for key in meta:
        if key not in BANK_KEYS:
            err(str(key), f"unknown key '{key}' (allowed: {', '.join(BANK_KEYS)})")
    for key in BANK_REQUIRED:
        if key not in meta:
            err(None, f"'{key}' is missing")
    if "slug" in meta:
        slug = meta["slug"]
        if not isinstance(slug, str) or not SLUG.match(slug) or len(slug) > 64:
            err("slug", "slug must use a-z, 0-9 and '-' (at most 64 characters)")
        elif slug != folder:
            err("slug", f"slug '{slug}' must equal the folder name '{folder}'")
    if "title" in meta and (not isinstance(meta["title"], str) or not meta["title"].strip()
                            or len(meta["title"]) > 200):
        err("title", "title must be non-empty text (at most 200 characters)")
    if "description" in meta and not isinstance(meta["description"], str):
        err("description", "description must be text")
    if "language" in meta and meta["language"] not in LANGUAGES:
        err("language", f"language must be one of: {', '.join(LANGUAGES)}")
    return errors


def _load_questions_file(path: Path, rel: str, start: int) -> tuple[list[QuestionDoc], list[ContentError]]:
    text = path.read_text(encoding="utf-8")
    data, node, errors = _load(text, rel)
    if errors and data is None:
        return [], errors
    if not isinstance(data, dict) or "questions" not in data:
        return [], errors + [ContentError(rel, 1, "a questions file must have a 'questions:' list")]
    for key in data:
        if key != "questions":
            errors.append(ContentError(rel, _line(node, (key,)), f"unknown key '{key}' (only 'questions')"))
    items = data["questions"]
    if not isinstance(items, list) or not items:
        return [], errors + [ContentError(rel, _line(node, ("questions",)), "questions must be a non-empty list")]
    docs = []
    for i, item in enumerate(items):
        item_node = _item_node(node, "questions", i)
        line = _line(item_node)
        problems = validate_question(item)
        for problem in problems:
            errors.append(ContentError(rel, _line(item_node, getattr(problem, "path", ())), str(problem)))
        if isinstance(item, dict):
            docs.append(QuestionDoc(item, path.name, start + i, line, ok=not problems))
    return docs, errors


def _yaml_files(folder: Path, rel: str, errors: list[ContentError]) -> list[Path]:
    files = []
    for file in sorted(folder.iterdir()):
        if file.name.startswith("."):
            continue
        if file.is_file() and file.suffix == ".yaml":
            files.append(file)
        else:
            errors.append(ContentError(f"{rel}/{file.name}", 1, "ignored: not a .yaml file", warning=True))
    return files


def load_bank_dir(path: Path) -> BankDoc:
    """Read and check one bank folder. Problems (and warnings) are in ``.errors``."""
    folder = path.name
    bank_file = path / "bank.yaml"
    if not bank_file.is_file():
        return BankDoc(path, folder, {}, errors=[ContentError(f"{folder}/bank.yaml", 1, "bank.yaml is missing")])
    meta, node, errors = _load(bank_file.read_text(encoding="utf-8"), f"{folder}/bank.yaml")
    doc = BankDoc(path, folder, meta if isinstance(meta, dict) else {}, errors=errors)
    if meta is not None or not errors:
        doc.errors.extend(_check_bank_meta(meta, node, folder, f"{folder}/bank.yaml"))
    for entry in sorted(path.iterdir()):
        if entry.name not in ("bank.yaml", "questions", "quizzes") and not entry.name.startswith("."):
            doc.errors.append(ContentError(f"{folder}/{entry.name}", 1,
                                           "ignored: a bank holds bank.yaml, questions/ and quizzes/", warning=True))
    questions_dir = path / "questions"
    first_line: dict[str, tuple[str, int]] = {}
    if questions_dir.is_dir():
        for file in _yaml_files(questions_dir, f"{folder}/questions", doc.errors):
            rel = f"{folder}/questions/{file.name}"
            questions, errors = _load_questions_file(file, rel, len(doc.questions))
            doc.errors.extend(errors)
            for question in questions:
                key = question.data.get("id")
                if not isinstance(key, str):
                    continue
                if key in first_line:
                    where = "{}:{}".format(*first_line[key])
                    doc.errors.append(ContentError(rel, question.line, f"id '{key}' is already used at {where}"))
                    question.ok = False
                    continue
                first_line[key] = (rel, question.line)
                doc.questions.append(question)
    else:
        doc.errors.append(ContentError(f"{folder}/questions", 1, "the questions/ folder is missing"))
    quizzes_dir = path / "quizzes"
    if quizzes_dir.is_dir():
        pool = {q.data["id"]: list(q.data.get("tags") or []) for q in doc.questions if not is_draft(q.data)}
        drafts = {q.data["id"] for q in doc.questions if is_draft(q.data)}
        for file in _yaml_files(quizzes_dir, f"{folder}/quizzes", doc.errors):
            rel = f"{folder}/quizzes/{file.name}"
            text = file.read_text(encoding="utf-8")
            data, node, errors = _load(text, rel)
            if data is None and errors:
                doc.errors.extend(errors)
                continue
            if isinstance(data, dict) and isinstance(data.get("slug"), str) and data["slug"] != file.stem:
                errors.append(ContentError(rel, _line(node, ("slug",)),
                                           f"slug '{data['slug']}' must equal the file name '{file.stem}'"))
            banks = quiz_bank_slugs(data, folder) if isinstance(data, dict) else [folder]
            if banks is None:  # a malformed bank:/banks: (reported below)
                banks = [folder]
            elif folder not in banks:
                key = "banks" if "banks" in data else "bank"
                errors.append(ContentError(rel, _line(node, (key,)),
                                           f"{key} must include this quiz's own bank '{folder}' (the folder it is in)"))
            if len(banks) > 1:
                # the other banks' questions are known to validate_quiz_tree only: the draw is checked there
                problems = [p for p in validate_quiz(data, {}, ()) if not getattr(p, "path", ())[:1] == ("draw",)]
            else:
                problems = validate_quiz(data, pool, drafts)
            errors += [ContentError(rel, _line(node, getattr(p, "path", ())), str(p)) for p in problems]
            doc.errors.extend(errors)
            if isinstance(data, dict):
                doc.quizzes.append(QuizDoc(data, file.name, text, ok=not errors, banks=banks if len(banks) > 1 else []))
    return doc


def validate_quiz_tree(root: Path) -> list[ContentError]:
    """Every error and warning in every bank folder under ``root`` (an empty or missing root is valid:
    there is nothing to load)."""
    if root.exists() and not root.is_dir():
        return [ContentError(str(root), 1, "quiz folder is not a folder")]
    errors: list[ContentError] = []
    quiz_files: dict[str, str] = {}
    docs = {path.name: load_bank_dir(path) for path in bank_dirs(root)}
    for doc in docs.values():
        errors.extend(doc.errors)
        for quiz in doc.quizzes:
            if quiz.banks:
                errors.extend(_check_multi_bank_quiz(doc, quiz, docs))
            slug = quiz.data.get("slug")
            rel = f"{doc.slug}/quizzes/{quiz.file}"
            if isinstance(slug, str) and slug in quiz_files:
                errors.append(ContentError(rel, 1, f"quiz slug '{slug}' is already used by {quiz_files[slug]}"))
            elif isinstance(slug, str):
                quiz_files[slug] = rel
    return errors


def _doc_pool(doc: BankDoc) -> tuple[dict[str, list[str]], set[str]]:
    pool = {q.data["id"]: list(q.data.get("tags") or []) for q in doc.questions if not is_draft(q.data)}
    return pool, {q.data["id"] for q in doc.questions if is_draft(q.data)}


def _check_multi_bank_quiz(doc: BankDoc, quiz: QuizDoc, docs: Mapping[str, BankDoc]) -> list[ContentError]:
    """The draw rules of a quiz drawing from several bank folders, against all of them."""
    rel = f"{doc.slug}/quizzes/{quiz.file}"
    _data, node, _errors = _load(quiz.text, rel)
    missing = [slug for slug in quiz.banks if slug not in docs]
    if missing:
        return [ContentError(rel, _line(node, ("banks",)), f"banks: there is no bank folder '{slug}'")
                for slug in missing]
    merged = merge_pools([(slug, *_doc_pool(docs[slug])) for slug in quiz.banks])
    problems = [p for p in validate_quiz(quiz.data, merged.pool, merged.drafts, merged.aliases)
                if getattr(p, "path", ())[:1] == ("draw",)]
    return [ContentError(rel, _line(node, getattr(p, "path", ())), str(p)) for p in problems]


# --- quizzes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergedPool:
    """What ``validate_quiz`` checks the draw rules of a quiz over one or more banks against.

    ``pool`` maps each drawable question's id to its tags, ``drafts`` are the ids of draft
    questions. With one bank the ids are the question ids (``medsos-like``); with several they are
    qualified by the bank (``netralitas/medsos-like``), since two banks may use the same id.
    ``aliases`` maps the other way of writing an id to the ids it stands for: ``bank/id`` with one
    bank, the bare ``id`` with several (more than one target: ambiguous, the rule must qualify it)."""

    pool: dict[str, list[str]]
    drafts: set[str]
    aliases: dict[str, list[str]]


def merge_pools(banks: Iterable[tuple[str, Mapping[str, Iterable[str]], Iterable[str]]]) -> MergedPool:
    """One pool over ``(bank slug, pool, drafts)`` of each bank a quiz draws from (see MergedPool)."""
    banks = list(banks)
    if len(banks) == 1:
        slug, pool, drafts = banks[0]
        keys = [*pool, *drafts]
        return MergedPool({k: list(v) for k, v in pool.items()}, set(drafts), {f"{slug}/{k}": [k] for k in keys})
    merged: dict[str, list[str]] = {}
    merged_drafts: set[str] = set()
    aliases: dict[str, list[str]] = {}
    for slug, pool, drafts in banks:
        for key, tags in pool.items():
            merged[f"{slug}/{key}"] = list(tags)
            aliases.setdefault(key, []).append(f"{slug}/{key}")
        for key in drafts:
            merged_drafts.add(f"{slug}/{key}")
            aliases.setdefault(key, []).append(f"{slug}/{key}")
    return MergedPool(merged, merged_drafts, aliases)


def quiz_bank_slugs(data: Mapping[str, Any], home: str) -> list[str] | None:
    """The banks a quiz mapping draws from, in order: ``banks: [a, b]``, ``bank: a`` (one bank) or,
    with neither, ``home`` (the bank whose folder holds the quiz). None when malformed."""
    if "banks" in data:
        banks = data["banks"]
        if "bank" in data or not isinstance(banks, list) or not banks or not all(isinstance(b, str) for b in banks):
            return None
        return list(dict.fromkeys(banks))
    if "bank" in data:
        return [data["bank"]] if isinstance(data["bank"], str) else None
    return [home]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_quiz(data: Any, pool: Mapping[str, Iterable[str]], drafts: Iterable[str] = (),
                  aliases: Mapping[str, list[str]] | None = None) -> list[str]:
    """A quiz mapping (quizzes/README.md) against its bank(s): ``pool`` maps every drawable question id
    (current, not retired, not a draft) to its tags; ``drafts`` are ids of draft questions;
    ``aliases`` other ways of writing an id (``MergedPool``: ``bank/id``, or a bare id over several banks).

    The counts must be possible whatever the earlier rules happened to draw."""
    if not isinstance(data, Mapping):
        return [Problem("a quiz file must be a mapping of keys to values")]
    problems: list[str] = []
    for key in data:
        if key not in QUIZ_KEYS:
            problems.append(Problem(f"unknown key '{key}' (allowed: {', '.join(QUIZ_KEYS)})", (key,)))
    for key in QUIZ_REQUIRED:
        if key not in data:
            problems.append(Problem(f"'{key}' is missing"))
    if "slug" in data and (not isinstance(data["slug"], str) or not SLUG.match(data["slug"])
                           or len(data["slug"]) > 64):
        problems.append(Problem("slug must use a-z, 0-9 and '-' (at most 64 characters)", ("slug",)))
    if "title" in data and (not isinstance(data["title"], str) or not data["title"].strip()
                            or len(data["title"]) > 200):
        problems.append(Problem("title must be non-empty text (at most 200 characters)", ("title",)))
    if "description" in data and not isinstance(data["description"], str):
        problems.append(Problem("description must be text", ("description",)))
    if data.get("audience") is not None and data["audience"] not in QUIZ_AUDIENCES:
        problems.append(Problem(f"audience must be one of: {', '.join(QUIZ_AUDIENCES)} (leave it out for everyone)",
                                ("audience",)))
    if "pass_mark" in data and (not _is_int(data["pass_mark"]) or not 0 <= data["pass_mark"] <= 100):
        problems.append(Problem("pass_mark must be a whole number from 0 to 100 (percent)", ("pass_mark",)))
    if data.get("attempt_limit") is not None and (not _is_int(data["attempt_limit"]) or data["attempt_limit"] < 1):
        problems.append(Problem("attempt_limit must be a whole number, 1 or more (leave it out for unlimited)",
                                ("attempt_limit",)))
    limit = data.get("time_limit_minutes")
    if limit is not None and (not _is_int(limit) or not 1 <= limit <= MAX_TIME_LIMIT):
        problems.append(Problem(f"time_limit_minutes must be a whole number from 1 to {MAX_TIME_LIMIT} "
                                "(leave it out for no limit)", ("time_limit_minutes",)))
    for key in ("shuffle_questions", "shuffle_options"):
        if key in data and not isinstance(data[key], bool):
            problems.append(Problem(f"{key} must be true or false", (key,)))
    if "bank" in data and "banks" in data:
        problems.append(Problem("give bank or banks, not both", ("banks",)))
    elif "banks" in data:
        banks = data["banks"]
        if (not isinstance(banks, list) or not banks
                or not all(isinstance(b, str) and SLUG.match(b) for b in banks)):
            problems.append(Problem("banks must be a non-empty list of bank slugs", ("banks",)))
        elif len(set(banks)) != len(banks):
            problems.append(Problem("banks: a bank is listed twice", ("banks",)))
    elif "bank" in data and (not isinstance(data["bank"], str) or not SLUG.match(data["bank"])):
        problems.append(Problem("bank must be a bank slug", ("bank",)))
    if "draw" in data:
        problems.extend(_draw_problems(data["draw"], {k: set(v) for k, v in pool.items()}, set(drafts),
                                       aliases or {}))
    return problems


def _draw_problems(draw: Any, pool: dict[str, set[str]], drafts: set[str],
                   aliases: Mapping[str, list[str]]) -> list[str]:
    if not isinstance(draw, list) or not draw:
        return [Problem("draw must be a non-empty list of rules like {count: 3, tags: [media-sosial]}", ("draw",))]
    problems: list[str] = []
    all_tags = set().union(*pool.values()) if pool else set()
    pools: list[tuple[int, set[str]]] = []
    for i, rule in enumerate(draw):
        path: tuple[str | int, ...] = ("draw", i)
        where = f"draw item {i + 1}"
        if not isinstance(rule, Mapping):
            problems.append(Problem(f"{where} must be a mapping like {{count: 3, tags: [media-sosial]}}", path))
            continue
        rule_problems: list[str] = []
        for key in rule:
            if key not in DRAW_KEYS:
                rule_problems.append(Problem(f"{where}: unknown key '{key}' (allowed: count, tags, questions)",
                                             path + (key,)))
        count = rule.get("count")
        if not _is_int(count) or count < 1:
            rule_problems.append(Problem(f"{where}: count must be a whole number, 1 or more", path + ("count",)))
        if "tags" in rule and "questions" in rule:
            rule_problems.append(Problem(f"{where}: give tags or questions, not both", path))
        candidates = set(pool)
        if "tags" in rule:
            tags = rule["tags"]
            if not isinstance(tags, list) or not tags or not all(isinstance(t, str) for t in tags):
                rule_problems.append(Problem(f"{where}: tags must be a non-empty list of tag slugs", path + ("tags",)))
            else:
                for j, tag in enumerate(tags):
                    if tag not in all_tags:
                        rule_problems.append(Problem(f"{where}: no question of the bank has the tag '{tag}'",
                                                     path + ("tags", j)))
                candidates = {key for key, question_tags in pool.items() if question_tags & set(tags)}
        if "questions" in rule:
            ids = rule["questions"]
            if not isinstance(ids, list) or not ids or not all(isinstance(q, str) for q in ids):
                rule_problems.append(Problem(f"{where}: questions must be a non-empty list of question ids",
                                             path + ("questions",)))
            else:
                resolved: list[str] = []
                for j, key in enumerate(ids):
                    targets = [key] if key in pool or key in drafts else aliases.get(key, [])
                    if len(targets) > 1:
                        rule_problems.append(Problem(
                            f"{where}: question '{key}' is in several banks ({', '.join(sorted(targets))}): "
                            "write which one", path + ("questions", j)))
                        continue
                    ref = targets[0] if targets else key
                    if ref in drafts:
                        rule_problems.append(Problem(f"{where}: question '{key}' is a draft (never drawn)",
                                                     path + ("questions", j)))
                    elif ref not in pool:
                        rule_problems.append(Problem(f"{where}: the bank has no question '{key}'",
                                                     path + ("questions", j)))
                    elif ref in resolved:
                        rule_problems.append(Problem(f"{where}: question '{key}' is listed twice",
                                                     path + ("questions", j)))
                    resolved.append(ref)
                candidates = set(resolved) & set(pool)
        problems.extend(rule_problems)
        if rule_problems:
            continue
        # the most the earlier rules can take out of this rule's candidates, whatever they drew
        taken = min(sum(min(n, len(earlier & candidates)) for n, earlier in pools),
                    len(candidates & set().union(*(earlier for _, earlier in pools))))
        if len(candidates) - taken < count:
            detail = f" ({taken} of them may already be drawn by the rules above)" if taken else ""
            problems.append(Problem(f"{where}: needs {count} question(s) but only {len(candidates)} match"
                                    f"{detail}", path + ("count",)))
        pools.append((count, candidates))
    return problems


def canonical_quiz(data: Mapping[str, Any]) -> dict[str, Any]:
    """The quiz with every key, defaults filled in, in the written order (hash and export)."""
    rules = []
    for rule in data.get("draw") or []:
        canonical = {"count": rule.get("count")}
        for key in ("tags", "questions"):
            if key in rule:
                canonical[key] = list(rule[key])
        rules.append(canonical)
    canonical = {
        "slug": data.get("slug"),
        "title": data.get("title"),
        "description": data.get("description") or "",
    }
    if data.get("audience"):  # (only when set: the quizzes without one keep their hash)
        canonical["audience"] = str(data["audience"])
    return {
        **canonical,
        "pass_mark": data.get("pass_mark"),
        "attempt_limit": data.get("attempt_limit"),
        "time_limit_minutes": data.get("time_limit_minutes"),
        "shuffle_questions": data.get("shuffle_questions", True),
        "shuffle_options": data.get("shuffle_options", True),
        **({"banks": list(data["banks"])} if len(data.get("banks") or []) > 1 else {}),
        "draw": rules,
    }


def _json_hash(value: Any) -> str:
    return sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def quiz_data(quiz: Quiz) -> dict[str, Any]:
    return canonical_quiz({
        "slug": quiz.slug, "title": quiz.title, "description": quiz.description, "audience": quiz.audience,
        "pass_mark": quiz.pass_mark,
        "attempt_limit": quiz.attempt_limit, "time_limit_minutes": quiz.time_limit_minutes,
        "shuffle_questions": quiz.shuffle_questions, "shuffle_options": quiz.shuffle_options,
        "banks": [bank.slug for bank in quiz.banks], "draw": quiz.draw,
    })


def set_quiz_banks(quiz: Quiz, banks: list[QuestionBank]) -> bool:
    """Make the quiz draw from ``banks`` (in this order; default by the caller: its home bank).
    True when that changed. Flushes."""
    wanted = [bank.id for bank in dict.fromkeys(banks)]
    have = list(db.session.scalars(select(QuizBank.bank_id).where(QuizBank.quiz_id == quiz.id)
                                   .order_by(QuizBank.position)))
    if have == wanted:
        return False
    db.session.execute(delete(QuizBank).where(QuizBank.quiz_id == quiz.id))
    db.session.add_all(QuizBank(quiz_id=quiz.id, bank_id=bank_id, position=i) for i, bank_id in enumerate(wanted))
    db.session.flush()
    db.session.expire(quiz, ["bank_links", "banks"])
    return True


def upsert_quiz(bank: QuestionBank, data: Mapping[str, Any], *, source_text: str = "",
                status: QuizStatus = QuizStatus.PUBLISHED, instansi: Instansi | None = None,
                banks: list[QuestionBank] | None = None) -> tuple[Quiz, str]:
    """Create or update the quiz ``data["slug"]`` of ``bank`` (its home bank; data already validated),
    drawing from ``banks`` in this order (default: ``bank`` alone; ``data["banks"]`` must name the
    same banks when it has more than one). Returns the quiz and "created", "updated" or "unchanged".
    Flushes."""
    banks = list(dict.fromkeys(banks or [bank]))
    data = {**data, "banks": [b.slug for b in banks]}
    data.pop("bank", None)
    canonical = canonical_quiz(data)
    digest = _json_hash(canonical)
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == canonical["slug"]))
    if quiz is not None and (quiz.bank_id != bank.id or quiz.instansi_id != (instansi.id if instansi else None)):
        raise ValueError(f"quiz slug '{canonical['slug']}' is already used by another bank or instansi")
    if quiz is not None and quiz.content_hash == digest and quiz.status == status and quiz.source_text == source_text \
            and quiz.bank_ids == [b.id for b in banks]:
        return quiz, "unchanged"
    created = quiz is None
    if quiz is None:
        quiz = Quiz(slug=canonical["slug"], bank_id=bank.id, instansi_id=instansi.id if instansi else None)
        db.session.add(quiz)
    changed = created or quiz.content_hash != digest or quiz.status != status
    quiz.title = canonical["title"]
    quiz.description = canonical["description"]
    quiz.audience = canonical.get("audience")
    quiz.pass_mark = canonical["pass_mark"]
    quiz.attempt_limit = canonical["attempt_limit"]
    quiz.time_limit_minutes = canonical["time_limit_minutes"]
    quiz.shuffle_questions = canonical["shuffle_questions"]
    quiz.shuffle_options = canonical["shuffle_options"]
    quiz.draw = canonical["draw"]
    quiz.status = status
    quiz.source_text = source_text
    quiz.content_hash = digest
    db.session.flush()
    changed = set_quiz_banks(quiz, banks) or changed
    return quiz, "created" if created else ("updated" if changed else "unchanged")


# --- banks and questions -------------------------------------------------------------------


def get_or_create_bank(slug: str, title: str | None = None, instansi: Instansi | None = None) -> QuestionBank:
    """The bank with this slug, created (title defaults to the slug) when missing. Flushes."""
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
    if bank is None:
        bank = QuestionBank(slug=slug, title=title or slug, description="", language="id",
                            instansi_id=instansi.id if instansi is not None else None)
        db.session.add(bank)
        db.session.flush()
    return bank


def question_hash(data: Mapping[str, Any]) -> str:
    """sha256 of the canonical question dict: equal hashes mean equal content."""
    return _json_hash(canonical_question(data))


def get_or_create_tag(slug: str, label: str | None = None) -> Tag:
    tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
    if tag is None:
        tag = Tag(slug=slug, label=label or slug)
        db.session.add(tag)
        db.session.flush()
    return tag


def set_question_tags(question: Question, slugs: Iterable[str]) -> None:
    """Make QuestionTag mirror ``slugs`` (the current version's tags). Flushes."""
    wanted = {get_or_create_tag(slug).id for slug in dict.fromkeys(slugs)}
    have = set(db.session.scalars(select(QuestionTag.tag_id).where(QuestionTag.question_id == question.id)))
    if have - wanted:
        db.session.execute(delete(QuestionTag).where(QuestionTag.question_id == question.id,
                                                     QuestionTag.tag_id.in_(have - wanted)))
    for tag_id in wanted - have:
        db.session.add(QuestionTag(question_id=question.id, tag_id=tag_id))
    db.session.flush()
    db.session.expire(question, ["tags"])


def upsert_question(bank: QuestionBank, data: Mapping[str, Any], actor: User | None = None, *,
                    source_file: str | None = None, position: int | None = None,
                    import_source: str | None = None) -> tuple[QuestionVersion, str]:
    """Make ``data`` (a canonical question dict) the current version of question ``data["id"]``.

    Returns the current version and "created" (new question), "updated" (a new version, or an earlier
    version with the same content made current again) or "unchanged". Versions are never modified.
    ``source_file``/``position`` (where export writes it) are updated when given. A new current
    version records ``import_source`` (the GIFT file it comes from; None from YAML files and the
    authoring form), so a later import of that file replaces only content it wrote. Raises
    QuestionInvalid when the data does not validate. Flushes."""
    problems = validate_question(data)
    if problems:
        raise QuestionInvalid(problems)
    canonical = canonical_question(data)
    digest = question_hash(canonical)
    question = db.session.scalar(select(Question).where(Question.bank_id == bank.id,
                                                        Question.key == canonical["id"]))
    created = question is None
    if question is None:
        question = Question(bank_id=bank.id, key=canonical["id"], retired=False, position=position or 0,
                            source_file=source_file)
        db.session.add(question)
        db.session.flush()
    if source_file is not None:
        question.source_file = source_file
    if position is not None:
        question.position = position
    current = question.current_version
    if current is not None and current.content_hash == digest:
        db.session.flush()
        return current, "unchanged"
    version = db.session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == question.id,
                                                              QuestionVersion.content_hash == digest))
    if version is None:
        number = db.session.scalar(select(func.max(QuestionVersion.number))
                                   .where(QuestionVersion.question_id == question.id))
        version = QuestionVersion(
            question_id=question.id,
            number=(number or 0) + 1,
            type=canonical["type"],
            title=canonical["title"],
            data=canonical,
            content_hash=digest,
            draft=is_draft(canonical),
            election_types=list(canonical.get("election_types") or []),
            stage=canonical.get("stage"),
            actor_role=canonical.get("actor_role"),
            sanctions=list(canonical.get("sanctions") or []),
            tags=list(canonical.get("tags") or []),
            created_by_id=actor.id if actor is not None else None,
        )
        db.session.add(version)
        db.session.flush()
    question.current_version_id = version.id
    question.current_version = version
    question.import_source = import_source
    db.session.flush()
    set_question_tags(question, version.tags)
    return version, "created" if created else "updated"


def _sync_bank(doc: BankDoc, actor: User | None, report: QuizSyncReport) -> None:
    meta = doc.meta
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == doc.slug))
    if bank is not None and bank.instansi_id is not None:
        raise ContentInvalid([ContentError(f"{doc.slug}/bank.yaml", 1,
                                           f"slug '{doc.slug}' is already used by a bank of an instansi")])
    status = "unchanged"
    if bank is None:
        bank = get_or_create_bank(doc.slug, meta["title"])
        status = "created"
    fields = {"title": meta["title"], "description": meta.get("description") or "",
              "language": meta.get("language") or "id"}
    for key, value in fields.items():
        if getattr(bank, key) != value:
            setattr(bank, key, value)
            status = "updated" if status == "unchanged" else status
    db.session.flush()
    report.banks[doc.slug] = status
    in_files: set[str] = set()
    for question in doc.questions:
        key = question.data["id"]
        in_files.add(key)
        _version, result = upsert_question(bank, question.data, actor, source_file=question.file,
                                           position=question.position)
        existing = db.session.scalar(select(Question).where(Question.bank_id == bank.id, Question.key == key))
        assert existing is not None
        if existing.retired:
            existing.retired = False
            result = "updated" if result == "unchanged" else result
        report.questions[f"{doc.slug}/{key}"] = result
    for question in db.session.scalars(select(Question).where(Question.bank_id == bank.id,
                                                              Question.retired.is_(False))):
        if question.key not in in_files:
            question.retired = True
            report.questions[f"{doc.slug}/{question.key}"] = "retired"
    db.session.flush()


def _sync_bank_quizzes(doc: BankDoc, actor: User | None, report: QuizSyncReport) -> None:
    """The quizzes of a bank folder, once every bank folder's questions are loaded (a quiz may draw
    from other banks too), and the audit record of the bank's sync."""
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == doc.slug))
    assert bank is not None
    for quiz in doc.quizzes:
        rel = f"{doc.slug}/quizzes/{quiz.file}"
        slugs = quiz.banks or [doc.slug]
        found = {b.slug: b for b in db.session.scalars(select(QuestionBank).where(QuestionBank.slug.in_(slugs)))}
        missing = [slug for slug in slugs if slug not in found]
        if missing or any(found[slug].instansi_id is not None for slug in slugs):
            raise ContentInvalid([ContentError(rel, 1, f"banks: bank '{slug}' is not a loaded bank folder")
                                  for slug in missing or [s for s in slugs if found[s].instansi_id is not None]])
        try:
            _quiz, result = upsert_quiz(bank, quiz.data, source_text=quiz.text, banks=[found[s] for s in slugs])
        except ValueError as exc:
            raise ContentInvalid([ContentError(rel, 1, str(exc))]) from None
        report.quizzes[quiz.data["slug"]] = result
    counts = report.counts(doc.slug)
    changed = [q for q in doc.quizzes if report.quizzes[q.data["slug"]] != "unchanged"]
    if report.banks[doc.slug] != "unchanged" or counts["created"] or counts["updated"] or counts["retired"] or changed:
        record("quiz.sync", actor=actor, instansi_id=None, target=bank,
               details={"bank": doc.slug, **counts, "quizzes": len(changed)})


#: the tables a question bank sync writes, ANALYZEd after it on PostgreSQL
SYNCED_TABLES = ("question_banks", "questions", "question_versions", "tags", "question_tags", "quizzes")


def sync_quizzes(root: Path, actor: User | None = None, *, slugs: list[str] | None = None) -> QuizSyncReport:
    """Load every bank folder under ``root``. Nothing is written when any folder has errors (raises
    ContentInvalid). Flushes only."""
    errors = validate_quiz_tree(root)
    hard = [e for e in errors if not e.warning]
    if hard:
        raise ContentInvalid(hard)
    report = QuizSyncReport(errors=errors)
    docs = [load_bank_dir(path) for path in bank_dirs(root) if not slugs or path.name in slugs]
    for doc in docs:
        _sync_bank(doc, actor, report)
    for doc in docs:
        _sync_bank_quizzes(doc, actor, report)
    statuses = [*report.banks.values(), *report.questions.values(), *report.quizzes.values()]
    if any(status != "unchanged" for status in statuses):
        # a bulk load: fresh planner statistics on PostgreSQL (issue 14; a no-op on SQLite)
        analyze(*SYNCED_TABLES)
    return report


# --- export --------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block lists indented under their key; multi-line text as ``|`` blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def _dump(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def compose_questions_file(questions: list[Mapping[str, Any]]) -> str:
    return _dump({"questions": [canonical_question(q) for q in questions]})


def compose_quiz_file(data: Mapping[str, Any]) -> str:
    canonical = canonical_quiz(data)
    if not canonical["description"]:
        del canonical["description"]
    for key in ("attempt_limit", "time_limit_minutes"):
        if canonical[key] is None:
            del canonical[key]
    return _dump(canonical)


def _write(path: Path, text: str, written: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    written.append(path)


def export_bank(bank: QuestionBank, target: Path) -> list[Path]:
    written: list[Path] = []
    meta = {"slug": bank.slug, "title": bank.title, "description": bank.description, "language": bank.language}
    if not meta["description"]:
        del meta["description"]
    _write(target / "bank.yaml", _dump(meta), written)
    rows = db.session.execute(
        select(Question, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == bank.id, Question.retired.is_(False))
        .order_by(Question.position, Question.id)
    ).all()
    files: dict[str, list[dict[str, Any]]] = {}
    for question, version in rows:
        files.setdefault(question.source_file or f"{bank.slug}.yaml", []).append(version.data)
    for name, questions in sorted(files.items()):
        _write(target / "questions" / name, compose_questions_file(questions), written)
    if not files:
        (target / "questions").mkdir(parents=True, exist_ok=True)
    for quiz in db.session.scalars(select(Quiz).where(Quiz.bank_id == bank.id).order_by(Quiz.slug)):
        text = quiz.source_text
        if not text or _source_hash(text) != quiz.content_hash:
            text = compose_quiz_file(quiz_data(quiz))
        _write(target / "quizzes" / f"{quiz.slug}.yaml", text, written)
    return written


def _source_hash(text: str) -> str | None:
    try:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return None
    return _json_hash(canonical_quiz(data)) if isinstance(data, dict) else None


def export_quizzes(root: Path, slugs: list[str] | None = None) -> dict[str, list[Path]]:
    """Write each bank (its current, non-retired questions grouped by their file, and its quizzes)
    into ``root/<bank>/``. A quiz whose file text still matches is written back as it was read."""
    stmt = select(QuestionBank).order_by(QuestionBank.slug)
    if slugs:
        stmt = stmt.where(QuestionBank.slug.in_(slugs))
    return {bank.slug: export_bank(bank, root / bank.slug) for bank in db.session.scalars(stmt)}


# --- rendering -----------------------------------------------------------------------------


def render_text(text: str | None, fmt: str | None = "markdown") -> Markup:
    """Question text as safe HTML: Markdown (raw HTML off), HTML (from GIFT) or plain text, always
    sanitised. ``fmt`` is the question's ``stem_format`` (default markdown); it applies to all its text.

    A pure function of its two arguments, remembered per process (issue 14: a question page
    rendered the Markdown of its stem and every option again on every request, for every phone at
    an apel); bounded, so authoring many texts cannot grow a worker without limit."""
    if not text:
        return Markup("")
    return _render_text(text, fmt)


@functools.lru_cache(maxsize=8192)
def _render_text(text: str, fmt: str | None) -> Markup:
    if not text:
        return Markup("")
    if fmt == "html":
        return Markup(sanitize(text))
    if fmt == "plain":
        paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
        return Markup("".join(
            "<p>" + str(Markup("<br>\n").join(escape(line) for line in p.strip("\n").split("\n"))) + "</p>\n"
            for p in paragraphs))
    return Markup(render(text))
