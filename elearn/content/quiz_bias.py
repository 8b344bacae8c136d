"""Guessing cues in a question bank: patterns in the answer keys that let a learner pass without knowing.

``content validate`` prints a bias report per bank (``bank_bias``) next to the validator's findings. Each
check counts over the bank's questions that quizzes can draw (drafts are left out):

- single choice: how often the right option is the longest of its options, and how often the shortest
  (a writer's habit: the right answer is the carefully qualified one);
- true/false: how the keys split between "Benar" and "Salah";
- social feed: an action that earns full credit in every feed item ("Abaikan is always right");
- only when a quiz of the bank keeps the written option order (``shuffle_options: false``): how often
  the right option of a single-choice question sits at the same position.

A share above its limit (``BiasLimits``; there must be enough items for the share to mean anything) is a
finding. Findings are warnings; ``content validate --strict`` fails on them. Layout: quizzes/README.md.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..quizzes.types import ACTIONS, SocialFeed, is_draft
from .courses import ContentError
from .quizzes import bank_dirs, load_bank_dir

__all__ = ["BankBias", "BiasLimits", "bank_bias", "bias_tree", "bias_warnings", "visible_length"]

_MARKUP = re.compile(r"[*_`]+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class BiasLimits:
    """The share above which a cue is reported, and the fewest items a share needs to count."""

    #: by chance the right option is the longest of k options about 1/k of the time (1/4 with four options)
    key_longest: float = 0.40
    key_shortest: float = 0.40
    min_single_choice: int = 8
    #: the larger of "Benar" and "Salah", as a share of the true/false items
    true_false_majority: float = 0.65
    min_true_false: int = 6
    #: an action earning full credit in every one of at least this many feed items is a finding
    min_social_feed: int = 4
    #: the most common position of the right option (only with a quiz that does not shuffle options)
    key_position: float = 0.50


@dataclass
class BankBias:
    bank: str
    limits: BiasLimits
    single_choice: int = 0
    #: ids of the single-choice questions whose right option is the longest (ties count) / the shortest
    key_longest: list[str] = field(default_factory=list)
    key_shortest: list[str] = field(default_factory=list)
    true_false: int = 0
    true_keys: int = 0
    social_feed: int = 0
    #: action -> in how many feed items it earns full credit
    full_credit: Counter[str] = field(default_factory=Counter)
    #: slugs of the bank's quizzes with shuffle_options: false
    fixed_order_quizzes: list[str] = field(default_factory=list)
    #: position (1-based) of the right option -> single-choice questions
    key_positions: Counter[int] = field(default_factory=Counter)

    @property
    def false_keys(self) -> int:
        return self.true_false - self.true_keys

    def findings(self) -> list[str]:
        """One message per cue above its limit (English, for content authors)."""
        limits, found = self.limits, []
        if self.single_choice >= limits.min_single_choice:
            for ids, limit, word in ((self.key_longest, limits.key_longest, "longest"),
                                     (self.key_shortest, limits.key_shortest, "shortest")):
                if len(ids) / self.single_choice > limit:
                    found.append(f"the right option is the {word} in {len(ids)} of {self.single_choice} "
                                 f"single-choice questions ({_pct(len(ids), self.single_choice)}, limit "
                                 f"{limit:.0%}): a learner can pick it without reading; balance option lengths "
                                 f"in {_ids(ids)}")
        if self.true_false >= limits.min_true_false:
            majority = max(self.true_keys, self.false_keys)
            if majority / self.true_false > limits.true_false_majority:
                word = "Benar" if self.true_keys >= self.false_keys else "Salah"
                found.append(f"{majority} of {self.true_false} true/false questions are keyed \"{word}\" "
                             f"({_pct(majority, self.true_false)}, limit {limits.true_false_majority:.0%}): "
                             "rewrite some statements so that the other answer is right")
        if self.social_feed >= limits.min_social_feed:
            for action in ACTIONS:
                if self.full_credit[action] == self.social_feed:
                    found.append(f"the action '{action}' earns full credit in all {self.social_feed} social-feed "
                                 "questions: always choosing it passes every feed; add feeds where it is not the "
                                 "best answer (e.g. a KPU notice one is asked to pass on)")
        if self.fixed_order_quizzes and self.single_choice >= limits.min_single_choice:
            position, count = self.key_positions.most_common(1)[0]
            if count / self.single_choice > limits.key_position:
                found.append(f"the right option is option {position} in {count} of {self.single_choice} "
                             f"single-choice questions ({_pct(count, self.single_choice)}, limit "
                             f"{limits.key_position:.0%}) and {', '.join(self.fixed_order_quizzes)} keeps the "
                             "written order (shuffle_options: false)")
        return found

    def summary(self) -> str:
        """The figures of every check, one line."""
        parts = []
        if self.single_choice:
            parts.append(f"single choice {self.single_choice}: right option longest in {len(self.key_longest)} "
                         f"({_pct(len(self.key_longest), self.single_choice)}), shortest in "
                         f"{len(self.key_shortest)} ({_pct(len(self.key_shortest), self.single_choice)})")
        if self.true_false:
            parts.append(f"true/false {self.true_false}: {self.true_keys} Benar, {self.false_keys} Salah")
        if self.social_feed:
            credit = ", ".join(f"{a} {self.full_credit[a]}" for a in ACTIONS)
            parts.append(f"social feed {self.social_feed}: full credit for {credit}")
        return f"bias report ({self.bank}): " + ("; ".join(parts) if parts else "no choice questions") + "."


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "0%"


def _ids(ids: list[str], most: int = 8) -> str:
    return ", ".join(ids[:most]) + (f" and {len(ids) - most} more" if len(ids) > most else "")


def visible_length(text: Any) -> int:
    """The length a learner sees: Markdown emphasis marks dropped, runs of spaces counted once."""
    return len(_SPACE.sub(" ", _MARKUP.sub("", str(text or ""))).strip())


def bank_bias(bank: str, questions: Iterable[Mapping[str, Any]], quizzes: Iterable[Mapping[str, Any]] = (),
              limits: BiasLimits | None = None) -> BankBias:
    """The guessing cues of one bank: ``questions`` are question dicts (drafts are skipped), ``quizzes``
    the bank's quiz dicts (for shuffle_options)."""
    result = BankBias(bank, limits or BiasLimits())
    result.fixed_order_quizzes = [str(q.get("slug")) for q in quizzes if q.get("shuffle_options") is False]
    for question in questions:
        if is_draft(question):
            continue
        qtype = question.get("type")
        if qtype == "single_choice":
            options = question.get("options") or []
            right = [i for i, o in enumerate(options) if o.get("correct") is True]
            if len(right) != 1 or len(options) < 2:
                continue
            lengths = [visible_length(o.get("text")) for o in options]
            key = lengths[right[0]]
            others = lengths[:right[0]] + lengths[right[0] + 1:]
            result.single_choice += 1
            if key >= max(others):
                result.key_longest.append(str(question.get("id")))
            if key <= min(others):
                result.key_shortest.append(str(question.get("id")))
            result.key_positions[right[0] + 1] += 1
        elif qtype == "true_false" and isinstance(question.get("answer"), bool):
            result.true_false += 1
            result.true_keys += question["answer"] is True
        elif qtype == "social_feed" and isinstance(question.get("actions"), Mapping):
            result.social_feed += 1
            for action in ACTIONS:
                if SocialFeed.credit(question["actions"].get(action) or {}) == 100:
                    result.full_credit[action] += 1
    return result


def bias_tree(root: Path, limits: BiasLimits | None = None) -> list[BankBias]:
    """The bias of every bank folder under ``root``, over its questions and quizzes that validate."""
    reports = []
    for path in bank_dirs(root):
        doc = load_bank_dir(path)
        reports.append(bank_bias(doc.slug, [q.data for q in doc.questions if q.ok],
                                 [q.data for q in doc.quizzes if q.ok], limits))
    return reports


def bias_warnings(reports: Iterable[BankBias]) -> list[ContentError]:
    """The findings as warnings of the bank's questions folder (a bank-wide pattern has no single line)."""
    return [ContentError(f"{report.bank}/questions", 1, f"bias: {finding}", warning=True)
            for report in reports for finding in report.findings()]
