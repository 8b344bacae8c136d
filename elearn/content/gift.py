"""Moodle GIFT text <-> canonical question dicts (the shape of ``quizzes/README.md``).

Pure functions: no database, no Flask. ``parse_gift`` reads a GIFT file into canonical dicts and
reports every question it can't represent with the line it starts on and a reason;
``write_gift`` writes canonical dicts back so that parse -> write -> parse changes nothing.

What GIFT carries and how it maps (Moodle's own reader, question/format/gift/format.php, is the
reference; deviations are marked "unlike Moodle"):

* Questions are separated by blank lines. Whole-line ``//`` comments are dropped; the comment
  lines of a question's own block (no blank line between them and the question, after any
  ``$CATEGORY:`` line) carry elearn's metadata:
  ``[id:...]``, ``[tag:...]``, ``[rule:...]``, ``[sanction:...]``, ``[election:...]``,
  ``[stage:...]``, ``[actor:...]``, ``[source:URL title]``, ``[points:N]``, ``[verified]``,
  ``[draft]`` and ``[options:id,id,...]`` (option ids other than a, b, ...). Inside a value,
  ``\\]``, ``\\\\`` and ``\\n`` are escapes. The values are checked like the YAML bank's
  (``validate_question``); a question that fails is skipped with the validator's message. A tag
  or id that is not a slug (``[tag:Media Sosial]``, ``[id:Q-01]``) is slugified, with a note.
  A block of comments only (a file header) belongs to no question: metadata in it is ignored,
  with a note.
* ``::title::`` is the title; without it the title is derived from the question text.
* ``$CATEGORY: $course$/top/A/B`` sets ``category: A/B`` for the questions after it (the
  context prefix ``$course$/`` etc. and Moodle's ``top`` are dropped; the writer adds
  ``$course$/top/`` back). Unlike Moodle, a question may follow the ``$CATEGORY:`` line
  without a blank line in between.
* ``{=right ~wrong}`` is a single-choice question (Moodle's rule: an answer marked ``=`` makes
  it single-answer); ``~%50%`` gives partial credit. Without any ``=``, the positive weights
  (``~%50%``, which must add up to 100 within ``WEIGHT_TOTAL_TOLERANCE``, the question
  validator's rule: ``~%33.3%`` three times is fine) mark the right answers of a multiple-response
  question; ``~%-50%`` is a penalty. ``=%100%`` is read as ``=`` (unlike Moodle, which keeps
  ``%100%`` in the answer text).
* ``{T}``/``{TRUE}``/``{F}``/``{FALSE}`` (any case, unlike Moodle) is true/false. As in Moodle,
  ``{TRUE#A#B}`` means: A is shown to whoever answers wrongly, B to whoever answers rightly;
  elearn stores feedback by the choice made (``feedback_true``/``feedback_false``).
* ``#`` after an answer is that answer's feedback; ``####`` before the closing brace is the
  general feedback (``feedback``).
* Text after the closing brace makes the missing-word form: the stem gets ``_____`` where the
  answers stood.
* Format markers: ``[markdown]``, ``[html]``, ``[plain]``, ``[moodle]``. A stem without a marker
  is ``[moodle]`` (Moodle's auto-format); an answer or feedback without one has the stem's format
  (as in Moodle). Auto-format text is HTML with line breaks kept: with tags or entities in it,
  it is read as ``html`` (newlines become ``<br>``), else as ``plain`` (Markdown would
  reinterpret ``*``, ``_`` and ``#``). elearn keeps one ``stem_format`` per question: when the
  parts of a question differ (an ``[html]`` feedback on a plain stem, as Moodle exports them),
  every part is converted to HTML (plain text escaped, newlines as ``<br>``, Markdown
  rendered), with a note. The learner's page sanitises HTML (``content.markdown.sanitize``).
* Escapes ``\\~ \\= \\# \\{ \\} \\: \\n \\\\``; any other backslash is kept as it is.

A question missing elearn's required metadata or any feedback is kept with ``draft: true``
(nothing is invented). Matching, numerical, short-answer, essay and description items,
malformed questions and files that GIFT does not carry (``@@PLUGINFILE@@``) are skipped with
a reason. What was changed on the way in (slugs, converted formats, ignored comments) is listed
in ``GiftResult.notes``.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ..quizzes.types import QUESTION_TYPES, SLUG, canonical_question, validate_question, weights_add_up
from .markdown import render as render_markdown

BLANK = "_____"
DEFAULT_FORMAT = "markdown"  # a canonical dict without stem_format is Markdown
UNMARKED = "moodle"  # a stem without a marker is Moodle's auto-format
REQUIRED_METADATA = ("election_types", "stage", "actor_role", "rule_refs", "sanctions", "tags", "sources")
WRITABLE_TYPES = ("single_choice", "multiple_response", "true_false")
NO_GIFT_FORM = {
    "branching": "branching scenarios have no GIFT form",
    "social_feed": "social-media feed questions have no GIFT form",
}
_WS = " \t\n\r\x0b\f"

# Escaped GIFT characters become private-use placeholders while the structure is parsed.
_ESCAPABLE = {":": ":", "#": "#", "=": "=", "{": "{", "}": "}", "~": "~", "n": "\n", "\\": "\\"}
_PLACEHOLDER = {key: chr(0xF0000 + i) for i, key in enumerate(_ESCAPABLE)}
_RESTORE = str.maketrans({_PLACEHOLDER[key]: value for key, value in _ESCAPABLE.items()})
_WRITE_ESCAPES = str.maketrans({"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}",
                                ":": "\\:", "\n": "\\n", "\r": ""})

_MARKER = re.compile(r"^\[(html|markdown|plain|moodle)\]")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_BAD_WEIGHT = re.compile(r"^%[^%\s#]{0,12}%")
_CONTEXT = re.compile(r"^\$[a-z]+\$/?")
_META_NAMES = "id|tag|rule|sanction|election|stage|actor|source|points|options|verified|draft"
# a value ends at its first unescaped ] and never runs into the next [key: an unclosed [tag: then
# fails at once instead of scanning to the end of the line from every [ (quadratic on a long line)
_META = re.compile(rf"(?<!\\)\[({_META_NAMES})"
                   rf"(?::((?:[^\]\\\[]|\\.|\[(?!(?:{_META_NAMES})[:\]]))*))?\]")
_META_UNESCAPE = re.compile(r"\\(.)")
_URL = re.compile(r"^https?://\S+$")
_TAGS = re.compile(r"<[^<>]*>")  # stops at the next <: linear on unclosed tags
# HTML in Moodle auto-format text: a tag, a comment or an entity
_MARKUP = re.compile(r"<(?:[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?|/[A-Za-z][A-Za-z0-9]*\s*|!--[^<>]*?--)>"
                     r"|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);", re.S)

# comment key -> (canonical key, list?)
_META_KEYS = {
    "id": ("id", False),
    "election": ("election_types", True),
    "stage": ("stage", False),
    "actor": ("actor_role", False),
    "rule": ("rule_refs", True),
    "sanction": ("sanctions", True),
    "tag": ("tags", True),
    "source": ("sources", True),
    "points": ("points", False),
    "options": ("option_ids", False),  # not a canonical key: renames the options after parsing
}
_SPLIT_ON_COMMA = {"tag", "sanction", "election"}
_FLAGS = {"": True, "true": True, "false": False}


def _default_option_id(number: int) -> str:
    return chr(ord("a") + number - 1) if number <= 26 else f"o{number}"


@dataclass(frozen=True)
class ImportedQuestion:
    line: int
    data: dict[str, Any]
    missing: tuple[str, ...] = ()  # why it is a draft: canonical keys that were empty
    derived_id: bool = False  # the id comes from the title (no [id:] comment)


@dataclass(frozen=True)
class Skipped:
    line: int
    reason: str


@dataclass(frozen=True)
class Note:
    """Something the import changed or ignored on the way in (the question is imported)."""
    line: int
    note: str


@dataclass
class GiftResult:
    questions: list[ImportedQuestion] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


@dataclass
class _Text:
    """One text of a question while its format is not settled: its marker (or the inherited one)."""
    kind: str  # html, markdown, plain or moodle
    text: str


class _Skip(Exception):
    """A question that can't be imported; the message is the operator's reason."""


# ---------------------------------------------------------------------------------------------
# Reading

def decode_gift(raw: bytes) -> str:
    """Bytes of a GIFT file -> text: UTF-8 (with or without BOM), UTF-16 with a BOM, else
    Windows-1252. Raises UnicodeDecodeError when none fits."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def _protect(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in _PLACEHOLDER:
            out.append(_PLACEHOLDER[text[i + 1]])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _text_part(raw: str) -> tuple[str | None, str]:
    """A protected piece of text -> (its format marker or None, the text). Literal white space
    around it is trimmed; escaped newlines (``\\n``) at its ends are kept."""
    text = raw.strip(_WS)
    match = _MARKER.match(text)
    marker = None
    if match:
        marker = match.group(1)
        text = text[match.end():].strip(_WS)
    return marker, _restore(text)


def _plain_title(text: str, fmt: str) -> str:
    if fmt == "html":
        text = html.unescape(_TAGS.sub(" ", text))
    text = " ".join(text.split())
    if len(text) <= 80:
        return text
    cut = text[:80].rsplit(" ", 1)[0] if " " in text[:80] else text[:80]
    return cut.rstrip(" ,.;:") + "…"


UNTITLED = "Soal tanpa judul"  # a title for a question whose text has no words (an image only)


def _slug(text: str) -> str:
    """Lower-case ASCII words joined by -, at most 60 characters; "" when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > 60:
        slug = slug[:60].rsplit("-", 1)[0] if "-" in slug[:60] else slug[:60]
    return slug


def slugify(text: str) -> str:
    return _slug(text) or "soal"


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value == int(value) else value


def _format_number(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _blocks(text: str) -> list[list[tuple[int, str, bool]]]:
    """Split into blank-line separated blocks of (line number, line, is a comment) lines; a
    comment line is given without its ``//``."""
    blocks: list[list[tuple[int, str, bool]]] = []
    block: list[tuple[int, str, bool]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip(_WS)
        if not stripped:
            if block:
                blocks.append(block)
            block = []
        elif stripped.startswith("//"):
            block.append((number, stripped[2:], True))
        else:
            block.append((number, line, False))
    if block:
        blocks.append(block)
    return blocks


def _as_slug(key: str, value: str, notes: list[str]) -> str | None:
    """A tag or id that is not a slug -> its slug (None when it has no letters or digits)."""
    if SLUG.match(value):
        return value
    slug = _slug(value)
    if slug:
        notes.append(f"[{key}:{value}] is not lower-case words joined by -; read as {slug!r}")
        return slug
    notes.append(f"[{key}:{value}] has no letters or digits; left out")
    return None


def _metadata(comments: list[str], notes: list[str]) -> dict[str, Any]:
    """elearn's metadata from a question's comment lines; what was changed on the way goes to
    ``notes``. Raises _Skip."""
    found: dict[str, Any] = {}
    for comment in comments:
        for match in _META.finditer(comment):
            key, raw = match.group(1), match.group(2)
            value = _META_UNESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), raw or "").strip()
            if key in ("verified", "draft"):
                if value.lower() not in _FLAGS:
                    raise _Skip(f"[{key}:{value}] must be [{key}], [{key}:true] or [{key}:false]")
                if found.get(key, _FLAGS[value.lower()]) != _FLAGS[value.lower()]:
                    raise _Skip(f"the comments give two different values for [{key}:]")
                found[key] = _FLAGS[value.lower()]
                continue
            if not value:
                raise _Skip(f"the comment tag [{key}:] has no value")
            target, is_list = _META_KEYS[key]
            if key == "source":
                url, _, title = value.partition(" ")
                if not _URL.match(url) or not title.strip():
                    raise _Skip(f"[source:{value}] needs a URL and then a title, e.g. "
                                "[source:https://example.go.id/page Title of the page]")
                found.setdefault(target, []).append({"title": title.strip(), "url": url})
            elif is_list:
                values = [v.strip() for v in value.split(",")] if key in _SPLIT_ON_COMMA else [value]
                for item in values:
                    if item and key == "tag":
                        item = _as_slug(key, item, notes)
                    if item and item not in found.setdefault(target, []):
                        found[target].append(item)
            else:
                if key == "id":
                    value = _as_slug(key, value, notes)
                    if value is None:
                        continue
                if key == "points":
                    try:
                        number = _number(value)
                    except (ValueError, OverflowError):
                        raise _Skip(f"[points:{value}] is not a number") from None
                    if number <= 0:
                        raise _Skip(f"[points:{value}] must be more than 0")
                    value = number
                if target in found and found[target] != value:
                    raise _Skip(f"the comments give two different values for [{key}:]: "
                                f"{found[target]} and {value}")
                found[target] = value
    return found


def _category(line: str) -> str | None:
    path = line.strip(_WS)[len("$CATEGORY:"):].strip(_WS)
    path = _CONTEXT.sub("", path).strip("/ ")
    if path == "top":
        return None
    if path.startswith("top/"):
        path = path[4:]
    return path or None


def _plain_to_html(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>\n")


def _effective(part: _Text) -> str:
    """The stem_format a text would have on its own: auto-format is HTML when it holds markup."""
    if part.kind == UNMARKED:
        return "html" if _MARKUP.search(part.text) else "plain"
    return part.kind


def _to_html(part: _Text) -> str:
    if part.kind == "html":
        return part.text
    if part.kind == "markdown":
        return render_markdown(part.text).strip()
    if part.kind == UNMARKED and _MARKUP.search(part.text):
        return part.text.replace("\n", "<br>\n")
    return _plain_to_html(part.text)


def _settle_formats(data: dict[str, Any]) -> tuple[str, str | None]:
    """Replace the _Text parts of ``data`` by strings in one format: the format they share, else
    HTML. Returns the format and a note when parts were converted."""
    parts: list[tuple[dict[str, Any], str]] = [(data, key) for key in ("stem", "feedback", "feedback_true",
                                                                       "feedback_false") if key in data]
    for option in data.get("options", []):
        parts += [(option, key) for key in ("text", "feedback") if key in option]
    texts = [holder[key] for holder, key in parts]
    formats = {_effective(part) for part in texts}
    fmt = next(iter(formats)) if len(formats) == 1 else "html"
    for holder, key in parts:
        part = holder[key]
        holder[key] = _to_html(part) if fmt == "html" else part.text
    kinds = sorted({part.kind for part in texts})
    if len(formats) > 1 and len(kinds) > 1:  # all auto-format (plain and HTML) is no news
        return fmt, (f"the texts of the question are in different formats ({', '.join('auto-format' if k == UNMARKED else f'[{k}]' for k in kinds)}); "
                     "all were converted to HTML")
    return fmt, None


def _parse_question(lines: list[str]) -> dict[str, Any]:
    """The content lines of one question (comments removed) -> a canonical dict without
    metadata, id and draft. Raises _Skip with the reason."""
    text = _protect("\n".join(lines).strip(_WS))
    if "@@PLUGINFILE@@" in text:
        raise _Skip("the question refers to files (@@PLUGINFILE@@) that GIFT does not carry; "
                    "images and attachments can't be imported")
    title: str | None = None
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise _Skip("the title has no closing ::")
        title = _restore(text[2:end].strip(_WS))
        text = text[end + 2:].strip(_WS)

    opens, closes = text.count("{"), text.count("}")
    if opens == 0 and closes == 0:
        raise _Skip("description items (text without answers) are not supported")
    if opens != closes or text.find("}") < text.find("{"):
        raise _Skip("the braces { } are unbalanced (escape a literal brace as \\{ or \\})")
    if opens > 1:
        raise _Skip("the question has more than one answer block { }; embedded answers are not "
                    "supported (or a blank line between two questions is missing)")
    start, end = text.index("{"), text.index("}")
    answers = text[start + 1:end].strip(_WS)
    after = text[end + 1:].strip(_WS)
    stem_raw = text[:start] + (BLANK + text[end + 1:] if after else "")

    general_raw = ""
    separator = answers.rfind("####")
    if separator >= 0:
        general_raw = answers[separator + 4:]
        answers = answers[:separator].strip(_WS)

    marker, stem = _text_part(stem_raw)
    if not stem:
        raise _Skip("the question has no text")
    fmt = marker or UNMARKED  # answers and feedback without a marker have the stem's format
    data: dict[str, Any] = {"stem": _Text(fmt, stem)}

    if answers == "":
        raise _Skip("essay questions are not supported")
    if answers.startswith("#"):
        raise _Skip("numerical questions are not supported")
    if "~" in answers:
        data.update(_choice(answers, fmt))
    elif "=" in answers and "->" in answers:
        raise _Skip("matching questions are not supported")
    else:
        head, _, rest = answers.partition("#")
        if head.strip(_WS).upper() not in ("T", "TRUE", "F", "FALSE"):
            raise _Skip("short-answer questions are not supported")
        data.update(_true_false(head.strip(_WS).upper(), rest if "#" in answers else None, fmt))
    general = _part_of(general_raw, fmt)
    if general is not None:
        data["feedback"] = general
    stem_format, note = _settle_formats(data)
    data = {"title": title or _plain_title(data["stem"], stem_format) or UNTITLED, **data}
    if stem_format != DEFAULT_FORMAT:
        data["stem_format"] = stem_format
    if note:
        data["_note"] = note
    return data


def _part_of(raw: str, fmt: str) -> _Text | None:
    """An answer's or a feedback's text with its own marker or the stem's; None when empty."""
    marker, text = _text_part(raw)
    return _Text(marker or fmt, text) if text else None


def _choice(answers: str, fmt: str) -> dict[str, Any]:
    pieces = re.split(r"(?=[~=])", answers)
    if pieces[0].strip(_WS):
        raise _Skip(f"the answers start with text before the first = or ~: "
                    f"{_restore(pieces[0].strip(_WS))!r}")
    pieces = pieces[1:]
    if len(pieces) < 2:
        raise _Skip("a multiple-choice question needs at least two answers")
    single = any(piece.startswith("=") for piece in pieces)
    options: list[dict[str, Any]] = []
    weights: list[float] = []
    for number, piece in enumerate(pieces, start=1):
        body = piece[1:].lstrip(_WS)
        weight: float = 100 if piece[0] == "=" else 0
        match = _WEIGHT.match(body)
        if match:
            weight = _number(match.group(1))
            body = body[match.end():]
        elif _BAD_WEIGHT.match(body):
            raise _Skip(f"answer {number} has a malformed weight {_restore(_BAD_WEIGHT.match(body).group(0))}")
        if not -100 <= weight <= 100:
            raise _Skip(f"answer {number} weighs {_format_number(weight)} %; weights go from -100 to 100")
        text_raw, _, feedback_raw = body.partition("#")
        option_text = _part_of(text_raw, fmt)
        feedback = _part_of(feedback_raw, fmt)
        if option_text is None:
            raise _Skip(f"answer {number} has no text")
        option: dict[str, Any] = {"id": _default_option_id(number), "text": option_text}
        if feedback is not None:
            option["feedback"] = feedback
        options.append(option)
        weights.append(weight)

    kind = "single_choice" if single else "multiple_response"
    most = QUESTION_TYPES[kind].max_options  # type: ignore[attr-defined]
    if len(options) > most:
        label = "single-choice" if single else "multiple-response"
        raise _Skip(f"a {label} question takes at most {most} answers; this one has {len(options)}")
    if single:
        full = [i for i, w in enumerate(weights) if w == 100]
        if len(full) != 1:
            raise _Skip(f"a single-answer question (one that uses =) needs exactly one answer worth 100 %, "
                        f"this one has {len(full)}; for several right answers use ~%N% weights without =")
        for i, (option, weight) in enumerate(zip(options, weights)):
            if i == full[0]:
                option["correct"] = True
            elif weight < 0:
                raise _Skip(f"answer {i + 1} weighs {_format_number(weight)} %: a single-answer question can't "
                            "take away points in elearn (only a question without = can)")
            elif weight:
                option["weight"] = weight
        return {"type": kind, "options": options}

    right = [w for w in weights if w > 0]
    if not right:
        raise _Skip("the question has no right answer (no = and no positive ~%N% weight)")
    total = sum(right)
    if not weights_add_up(total):
        raise _Skip(f"the positive weights add up to {_format_number(round(total, 5))} %, not 100 %")
    k = len(right)
    default = all(abs(w - (100 / k if w > 0 else -100 / k)) < 0.01 for w in weights)
    for option, weight in zip(options, weights):
        if weight > 0:
            option["correct"] = True
        if not default and weight:
            option["weight"] = weight
    return {"type": kind, "options": options}


def _true_false(answer: str, feedback_raw: str | None, fmt: str) -> dict[str, Any]:
    wrong = right = None
    if feedback_raw is not None:
        parts = feedback_raw.split("#", 1)
        wrong = _part_of(parts[0], fmt)
        if len(parts) > 1:
            right = _part_of(parts[1], fmt)
    value = answer in ("T", "TRUE")
    data: dict[str, Any] = {"type": "true_false", "answer": value}
    for key, text in (("feedback_true", right if value else wrong), ("feedback_false", wrong if value else right)):
        if text is not None:
            data[key] = text
    return data


def _missing(data: dict[str, Any]) -> tuple[str, ...]:
    missing = [key for key in REQUIRED_METADATA if not data.get(key)]
    if not data.get("feedback"):
        missing.append("feedback")
    if data["type"] == "true_false":
        missing += [key for key in ("feedback_true", "feedback_false") if not data.get(key)]
    elif any(not option.get("feedback") for option in data.get("options", [])):
        missing.append("options.feedback")
    return tuple(missing)


def parse_gift(text: str) -> GiftResult:
    """Read GIFT text. Every question elearn can represent becomes a canonical dict; every
    other one is reported with the line it starts on (its first non-comment line)."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    result = GiftResult()
    parsed: list[tuple[int, dict[str, Any], bool, list[str]]] = []  # line, data, id given, notes
    category: str | None = None
    for block in _blocks(text):
        content = [i for i, (_, _, is_comment) in enumerate(block) if not is_comment]
        orphans = [] if content else block  # a comment-only block (a file header) belongs to no question
        if content and block[content[0]][1].strip(_WS).startswith("$CATEGORY:"):
            category = _category(block[content[0]][1])
            orphans = block[:content[0]]  # comments above the $CATEGORY: line are not the question's
            block = block[content[0] + 1:]
            if len(content) == 1:
                orphans += block
        for number, comment, _ in orphans:
            if _META.search(comment):
                result.notes.append(Note(number, "the metadata in this comment is ignored: it is not in the block "
                                                 "of a question (only comments with no blank line or $CATEGORY: "
                                                 "between them and the question belong to it)"))
        if not any(not is_comment for _, _, is_comment in block):
            continue
        lines = [line for _, line, is_comment in block if not is_comment]
        comments = [line for _, line, is_comment in block if is_comment]
        line = next(number for number, _, is_comment in block if not is_comment)
        notes: list[str] = []
        try:
            data = _parse_question(lines)
            meta = _metadata(comments, notes)
        except _Skip as skip:
            result.skipped.append(Skipped(line, str(skip)))
            continue
        format_note = data.pop("_note", None)
        if format_note:
            notes.append(format_note)
        option_ids = meta.pop("option_ids", None)
        if option_ids is not None:
            ids = [part.strip() for part in option_ids.split(",")]
            if "options" not in data or len(ids) != len(data["options"]):
                found = len(data.get("options", []))
                result.skipped.append(Skipped(line, f"the [options:] comment names {len(ids)} answer ids but the "
                                                    f"question has {found} answers"))
                continue
            if len(set(ids)) != len(ids) or not all(SLUG.match(i) for i in ids):
                result.skipped.append(Skipped(line, f"the [options:] comment must name distinct ids made of "
                                                    f"lower-case words joined by -: {option_ids}"))
                continue
            for option, option_id in zip(data["options"], ids):
                option["id"] = option_id
        draft = meta.pop("draft", None)
        if "verified" in meta:
            data["verified_against_primary"] = meta.pop("verified")
        data.update(meta)
        if category:
            data["category"] = category
        missing = _missing(data)
        if draft or missing:
            data["draft"] = True
        elif draft is False:
            data["draft"] = False
        parsed.append((line, data, "id" in data, notes))

    taken: dict[str, int] = {}
    accepted: list[tuple[int, dict[str, Any], bool, list[str]]] = []
    for line, data, given, notes in parsed:
        if given:
            if data["id"] in taken:
                result.skipped.append(Skipped(
                    line, f"the id {data['id']!r} is already used by the question on line {taken[data['id']]}"))
                continue
            taken[data["id"]] = line
        accepted.append((line, data, given, notes))
    next_suffix: dict[str, int] = {}  # base -> the suffix to try next (many equal titles stay linear)
    for line, data, given, notes in accepted:
        if not given:
            base = slugify(data["title"])
            candidate, n = base, next_suffix.get(base, 2)
            while candidate in taken:
                candidate, n = f"{base}-{n}", n + 1
            next_suffix[base] = n
            data["id"] = candidate
            taken[candidate] = line
        problems = validate_question(data)
        if problems:
            result.skipped.append(Skipped(line, "; ".join(problems)))
            continue
        result.questions.append(ImportedQuestion(line, canonical_question(data), _missing(data), not given))
        result.notes += [Note(line, note) for note in notes]
    result.skipped.sort(key=lambda s: s.line)
    result.notes.sort(key=lambda n: n.line)
    return result


# ---------------------------------------------------------------------------------------------
# Writing

def escape(text: str) -> str:
    """Escape GIFT's control characters (and newlines) in a piece of text."""
    return text.translate(_WRITE_ESCAPES)


def _escape_meta(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace("]", "\\]").replace("\n", "\\n").replace("\r", "")


def _part(text: str, fmt: str) -> str:
    """An answer or feedback text; repeats the question's marker when the text itself starts
    like a marker, so the reader doesn't take it for one."""
    escaped = escape(text)
    if _MARKER.match(escaped):
        escaped = f"[{fmt}]{escaped}"
    return escaped


def _comments(data: dict[str, Any]) -> list[str]:
    out = [f"// [id:{_escape_meta(data['id'])}]"] if data.get("id") else []
    for key, (target, is_list) in _META_KEYS.items():
        if key == "id" or target not in data or data[target] in (None, "", []):
            continue
        if key == "points":
            out.append(f"// [points:{_format_number(data['points'])}]")
            continue
        values = data[target] if is_list else [data[target]]
        for value in values:
            if key == "source":
                value = f"{value.get('url', '')} {value.get('title', '')}".strip()
            out.append(f"// [{key}:{_escape_meta(value)}]")
    ids = [str(option.get("id")) for option in data.get("options") or []]
    if ids != [_default_option_id(n) for n in range(1, len(ids) + 1)]:
        out.append(f"// [options:{_escape_meta(','.join(ids))}]")
    for key, flag in (("verified_against_primary", "verified"), ("draft", "draft")):
        if key in data:
            out.append(f"// [{flag}]" if data[key] else f"// [{flag}:false]")
    return out


def _option_weights(data: dict[str, Any]) -> list[float]:
    options = data["options"]
    if data["type"] == "single_choice":
        return [100 if option.get("correct") else option.get("weight") or 0 for option in options]
    if any("weight" in option for option in options):
        return [option.get("weight") or 0 for option in options]
    k = sum(1 for option in options if option.get("correct")) or 1
    return [100 / k if option.get("correct") else -100 / k for option in options]


def _write_choice(data: dict[str, Any], fmt: str) -> list[str]:
    lines = []
    single = data["type"] == "single_choice"
    for option, weight in zip(data["options"], _option_weights(data)):
        text = _part(option.get("text", ""), fmt)
        protected = _protect(text)
        looks_weighted = bool(_WEIGHT.match(protected) or _BAD_WEIGHT.match(protected))
        if single and option.get("correct"):
            prefix = "=%100%" if looks_weighted else "="
        elif weight == 0 and not looks_weighted:
            prefix = "~"
        else:
            prefix = f"~%{_format_number(weight)}%"
        feedback = f"#{_part(option['feedback'], fmt)}" if option.get("feedback") else ""
        lines.append(f"\t{prefix}{text}{feedback}")
    if data.get("feedback"):
        lines.append(f"\t####{_part(data['feedback'], fmt)}")
    return lines


def _write_true_false(data: dict[str, Any], fmt: str) -> str:
    value = bool(data.get("answer"))
    right = data.get("feedback_true" if value else "feedback_false") or ""
    wrong = data.get("feedback_false" if value else "feedback_true") or ""
    out = "TRUE" if value else "FALSE"
    if wrong or right:
        out += f"#{_part(wrong, fmt)}"
    if right:
        out += f"#{_part(right, fmt)}"
    if data.get("feedback"):
        out += f"####{_part(data['feedback'], fmt)}"
    return out


def _unwritable(data: dict[str, Any]) -> str | None:
    kind = data.get("type")
    if kind in NO_GIFT_FORM:
        return NO_GIFT_FORM[kind]
    if kind not in WRITABLE_TYPES:
        return f"the question type {kind!r} has no GIFT form"
    if kind == "multiple_response":
        for option, weight in zip(data.get("options", []), _option_weights(data)):
            if bool(option.get("correct")) != (weight > 0):
                return (f"option {option.get('id')!r} is marked {'right' if option.get('correct') else 'wrong'} "
                        f"but weighs {_format_number(weight)} %, which GIFT can't express")
    return None


def write_gift(questions: list[dict[str, Any]], bank_title: str | None = None
               ) -> tuple[str, list[tuple[str | None, str]]]:
    """Canonical dicts -> GIFT text, and the (id, reason) of every question left out."""
    out: list[str] = []
    skipped: list[tuple[str | None, str]] = []
    if bank_title:
        out += [f"// {_escape_meta(bank_title).replace('[', chr(92) + '[')}", ""]
    category: str | None = None
    for data in questions:
        reason = _unwritable(data)
        if reason:
            skipped.append((data.get("id"), reason))
            continue
        if data.get("category") != category:
            category = data.get("category")
            out += ["$CATEGORY: $course$/top" + (f"/{category}" if category else ""), ""]
        fmt = data.get("stem_format") or DEFAULT_FORMAT
        head = f"::{escape(data.get('title', ''))}::[{fmt}]{escape(data.get('stem', ''))}"
        out += _comments(data)
        if data["type"] == "true_false":
            out.append(f"{head}{{{_write_true_false(data, fmt)}}}")
        else:
            out += [f"{head}{{", *_write_choice(data, fmt), "}"]
        out.append("")
    return "\n".join(out), skipped
