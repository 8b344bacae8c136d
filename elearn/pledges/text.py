"""The rendered pledge text (Markdown with the signer's data filled in) as HTML for the pages and
as tokens for the PDF. Headings move one level down on the pages (the page has its own h1)."""
from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from ..content.markdown import sanitize

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def tokens(markdown: str) -> list[Token]:
    return _MD.parse(markdown)


def to_html(markdown: str) -> Markup:
    """Sanitised HTML of the pledge text; ``#`` becomes h2, ``##`` h3 (at most h4)."""
    parsed = tokens(markdown)
    for token in parsed:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 4)}"
    return Markup(sanitize(_MD.renderer.render(parsed, _MD.options, {})))  # noqa: S704 (sanitised)
