"""Knowledge checks inside a module: a fenced block with the info string ``cek``.

    ```cek
    Tanya: Staf dinas menekan "suka" pada unggahan calon yang sudah ditetapkan KPU. Bolehkah?
    - [ ] Boleh, karena memakai akun pribadi.
    - [x] Tidak boleh: itu dukungan di media sosial.
    - [ ] Boleh, asal di luar jam kerja.
    Penjelasan: Akun pribadi tetap ruang publik ...
    ```

One question, two to six options of which exactly one is marked right (``- [x]``), and an
explanation. A line that starts with a space or a tab continues the line before it. ``Question:``
and ``Explanation:`` are accepted for courses written in English.

The block is checked by ``content validate`` (each problem with its file and line, through
``content.courses.parse_module_source``) and turned into plain HTML when the module is saved
(``content.markdown.render``): the question and its options are shown, the answer and the
explanation sit in a ``<details>`` element the learner opens. It works without JavaScript and
costs no query: the HTML is stored with the module's sections like the rest of its text. Nothing
the learner chooses is recorded; the scored quiz stays the course's quiz.

The fixed labels ("Cek pemahaman", "Lihat jawaban", ...) are rendered in the course's language
(``course.yaml`` ``language``), through gettext, when the module is saved.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Any

from markdown_it import MarkdownIt

FENCE_INFO = "cek"
MIN_OPTIONS = 2
MAX_OPTIONS = 6
MAX_QUESTION = 600
MAX_OPTION = 300
MAX_EXPLANATION = 1500

_QUESTION = re.compile(r"^(?:tanya|question)[ \t]*:[ \t]*(.*)$", re.I)
_EXPLANATION = re.compile(r"^(?:penjelasan|explanation)[ \t]*:[ \t]*(.*)$", re.I)
_OPTION = re.compile(r"^[-*][ \t]+\[([ xX])\][ \t]*(.*)$")

#: inline Markdown for the check's texts: emphasis, code and links; raw HTML off (escaped), no images
_INLINE = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable("image")
#: finds the fences in a module body (the same CommonMark the module is rendered with)
_BLOCKS = MarkdownIt("commonmark", {"html": False}).enable("table")


@dataclass(frozen=True)
class CheckOption:
    text: str
    correct: bool


@dataclass(frozen=True)
class Check:
    question: str
    options: tuple[CheckOption, ...]
    explanation: str
    #: line of the opening fence (in the file when ``first_line`` was given, else in the text)
    line: int


@dataclass(frozen=True)
class CheckProblem:
    line: int
    message: str


@dataclass(frozen=True)
class CheckLabels:
    title: str
    show: str
    answer: str


def is_check_fence(token: Any) -> bool:
    return token.type == "fence" and (token.info.strip().split() or [""])[0].lower() == FENCE_INFO


def parse_check(content: str, fence_line: int = 1) -> tuple[Check | None, list[CheckProblem]]:
    """Read the inside of a ``cek`` fence. ``fence_line`` is the line of the opening fence; the
    content starts on the line after it. Returns the check (None when there are problems) and the
    problems, each with its line."""
    problems: list[CheckProblem] = []

    def problem(line: int, message: str) -> None:
        problems.append(CheckProblem(line, message))

    # [kind, text, line, correct]; kind: "q" question, "o" option, "e" explanation
    items: list[list[Any]] = []
    for offset, raw in enumerate(content.splitlines()):
        line = fence_line + 1 + offset
        if not raw.strip():
            continue
        if raw[:1] in (" ", "\t"):
            if not items:
                problem(line, "an indented line continues the line before it, but nothing comes before it")
            else:
                items[-1][1] = f"{items[-1][1]} {raw.strip()}".strip()
            continue
        text = raw.rstrip()
        if match := _QUESTION.match(text):
            items.append(["q", match.group(1).strip(), line, False])
        elif match := _OPTION.match(text):
            items.append(["o", match.group(2).strip(), line, match.group(1) in "xX"])
        elif match := _EXPLANATION.match(text):
            items.append(["e", match.group(1).strip(), line, False])
        else:
            problem(line, "line is not part of a check: start it with 'Tanya:', '- [ ] ' (an option), "
                          "'- [x] ' (the right option) or 'Penjelasan:'; indent it to continue the line before")

    questions = [i for i in items if i[0] == "q"]
    options = [i for i in items if i[0] == "o"]
    explanations = [i for i in items if i[0] == "e"]
    if not questions:
        problem(fence_line, "the check has no question: add a line 'Tanya: ...' after the opening ```cek")
    for extra in questions[1:]:
        problem(extra[2], "a check has one question: 'Tanya:' appears again")
    if not explanations:
        problem(fence_line, "the check has no explanation: add a line 'Penjelasan: ...' after the options")
    for extra in explanations[1:]:
        problem(extra[2], "a check has one explanation: 'Penjelasan:' appears again")
    order = [i[0] for i in items]
    if questions and options and order.index("o") < order.index("q"):
        problem(options[0][2], "options come after the question ('Tanya:')")
    if explanations and options and "o" in order[order.index("e") + 1:]:
        problem(explanations[0][2], "the explanation ('Penjelasan:') comes after every option")
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        problem(options[0][2] if options else fence_line,
                f"a check needs {MIN_OPTIONS} to {MAX_OPTIONS} options ('- [ ] ...'), found {len(options)}")
    right = sum(1 for o in options if o[3])
    if options and right != 1:
        problem(options[0][2], f"a check needs exactly one right option marked '- [x]', found {right}")
    for kind, text, line, _correct in items:
        name, limit = {"q": ("the question", MAX_QUESTION), "o": ("an option", MAX_OPTION),
                       "e": ("the explanation", MAX_EXPLANATION)}[kind]
        if not text:
            problem(line, f"{name} is empty")
        elif len(text) > limit:
            problem(line, f"{name} is longer than {limit} characters")
        elif "![" in text:
            problem(line, f"{name} has an image: a check holds text only (put the picture above the check)")
    if problems:
        return None, sorted(problems, key=lambda p: p.line)
    return Check(question=questions[0][1], explanation=explanations[0][1],
                 options=tuple(CheckOption(o[1], o[3]) for o in options), line=fence_line), []


def _fence_closed(token: Any, lines: list[str]) -> bool:
    start, end = token.map
    if end - start < 2 or end > len(lines):
        return False
    closing = lines[end - 1].strip()
    char = token.markup[:1]
    return len(closing) >= len(token.markup) and set(closing) == {char}


def find_checks(body: str, body_line: int = 1) -> list[tuple[Check | None, list[CheckProblem]]]:
    """Every ``cek`` block of a module body, parsed; lines are file lines when ``body_line`` (the
    file line where the body starts) is given."""
    lines = body.splitlines()
    found = []
    for token in _BLOCKS.parse(body):
        if not is_check_fence(token) or not token.map:
            continue
        fence_line = body_line + token.map[0]
        check, problems = parse_check(token.content, fence_line)
        if not _fence_closed(token, lines):
            problems = [CheckProblem(fence_line, f"the check is not closed: end it with a line {token.markup}"),
                        *problems]
            check = None
        found.append((check, problems))
    return found


def has_checks(body: str) -> bool:
    return any(is_check_fence(token) for token in _BLOCKS.parse(body))


def labels(language: str | None = None) -> CheckLabels:
    """The fixed words around a check, in ``language`` (the course's; Bahasa Indonesia without an
    application context)."""
    from flask import has_app_context
    from flask_babel import force_locale, gettext as _

    language = language if language in ("id", "en") else "id"
    if not has_app_context():
        return CheckLabels("Cek pemahaman", "Lihat jawaban", "Jawaban yang benar:")
    with force_locale(language):
        return CheckLabels(_("Cek pemahaman"), _("Lihat jawaban"), _("Jawaban yang benar:"))


def _inline(text: str) -> str:
    return _INLINE.renderInline(text)


def render_check(check: Check, words: CheckLabels) -> str:
    """The check as HTML (sanitised again with the rest of the section by ``markdown.render``)."""
    options = "".join(f"<li>{_inline(o.text)}</li>\n" for o in check.options)
    right = next(o for o in check.options if o.correct)
    return (
        '<aside class="cek">\n'
        f"<p><strong>{escape(words.title)}</strong></p>\n"
        f"<p>{_inline(check.question)}</p>\n"
        f"<ol>\n{options}</ol>\n"
        "<details>\n"
        f"<summary>{escape(words.show)}</summary>\n"
        f"<p><strong>{escape(words.answer)}</strong> {_inline(right.text)}</p>\n"
        f"<p>{_inline(check.explanation)}</p>\n"
        "</details>\n"
        "</aside>\n"
    )
