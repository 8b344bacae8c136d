"""Markdown for modules: front matter, CommonMark with raw HTML off, an allow-list sanitiser,
and the split into sections (one ``## `` heading = one section = one phone screen).

Rendering happens when content is saved (sync or publishing), never per page view.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import nh3
import yaml
from markdown_it import MarkdownIt

from . import checks

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_FENCE = re.compile(r"^(```|~~~)")
_H2 = re.compile(r"^##[ \t]+(.+?)[ \t#]*$")

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote",
    "a", "img", "table", "thead", "tbody", "tr", "th", "td", "s",
    "b", "i", "u", "sub", "sup",  # in HTML questions from Moodle (GIFT); Markdown never writes them
    "aside", "details", "summary",  # knowledge checks (content.checks); Markdown alone never writes them
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"style"},  # markdown-it writes text-align for table columns; filtered below
    "td": {"style"},
    "ol": {"start"},
}
#: the only class a tag may keep: the knowledge check's box (reader.css)
ALLOWED_CLASSES = {"aside": {"cek"}}


class FrontMatterError(ValueError):
    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Section:
    title: str
    html: str
    words: int

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "html": self.html, "words": self.words}


@dataclass
class ParsedDocument:
    meta: dict[str, Any]
    body: str
    #: line number in the file where the body starts (for error messages)
    body_line: int
    sections: list[Section] = field(default_factory=list)


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    match = FRONT_MATTER.match(text)
    if not match:
        raise FrontMatterError("file must start with front matter between '---' lines", 1)
    try:
        meta = yaml.load(match.group(1), Loader=yaml.CSafeLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        raise FrontMatterError(f"front matter is not valid YAML: {getattr(exc, 'problem', exc)}", line) from None
    if not isinstance(meta, dict):
        raise FrontMatterError("front matter must be a mapping of keys to values", 2)
    body_line = text[: match.end()].count("\n") + 1
    return meta, text[match.end():], body_line


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


_MD = _markdown()
_STYLE = re.compile(r"^text-align:(left|right|center)$")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "style":
        return value if _STYLE.match(value.replace(" ", "")) else None
    return value


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        attribute_filter=_attribute_filter,
    )


def render(markdown: str, resolve_image: Callable[[str], str | None] | None = None,
           language: str | None = None) -> str:
    """CommonMark (raw HTML off) -> sanitised HTML. ``resolve_image`` maps ``images/x.webp`` to a URL.
    A valid ``cek`` fence becomes a knowledge check (content.checks) with its labels in ``language``;
    an invalid one stays a code block (``content validate`` and saving refuse it)."""
    env: dict[str, Any] = {}
    tokens = _MD.parse(markdown, env)
    words = None
    for token in tokens:
        if checks.is_check_fence(token):
            check, _problems = checks.parse_check(token.content)
            if check is not None:
                words = words or checks.labels(language)
                # rendered verbatim by the html_block rule (whatever the parser's html option)
                token.type, token.content = "html_block", checks.render_check(check, words)
    if resolve_image is not None:
        for token in tokens:
            for child in token.children or []:
                if child.type == "image":
                    src = str(child.attrGet("src") or "")
                    resolved = resolve_image(src)
                    child.attrSet("src", resolved if resolved is not None else "")
    return sanitize(_MD.renderer.render(tokens, _MD.options, env))


def words(html: str) -> int:
    return len(re.sub(r"<[^>]+>", " ", html).split())


def split_sections(body: str, default_title: str) -> list[tuple[str, str]]:
    """Split a module body at level-2 headings outside code fences: [(title, markdown)].

    Text before the first heading becomes a section titled ``default_title``.
    """
    chunks: list[tuple[str, list[str]]] = [(default_title, [])]
    in_fence = False
    for line in body.splitlines():
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
        heading = None if in_fence else _H2.match(line)
        if heading:
            chunks.append((heading.group(1).strip(), []))
        else:
            chunks[-1][1].append(line)
    result = [(title, "\n".join(lines).strip()) for title, lines in chunks]
    if not result[0][1] and len(result) > 1:
        result = result[1:]
    return result


def render_sections(body: str, default_title: str,
                    resolve_image: Callable[[str], str | None] | None = None,
                    language: str | None = None) -> list[Section]:
    sections = []
    for title, markdown in split_sections(body, default_title):
        html = render(markdown, resolve_image, language)
        # plain text: templates escape it (nh3.clean_text would turn spaces into &#32;)
        sections.append(Section(title=title, html=html, words=words(html) + len(title.split())))
    return sections
