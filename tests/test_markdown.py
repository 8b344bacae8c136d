from __future__ import annotations

from html.parser import HTMLParser

import pytest

from elearn.content.markdown import FrontMatterError, render, render_sections, split_front_matter

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[klik](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "<a href=\"https://e.example\" onclick=\"alert(1)\">a</a>",
    "<iframe src=https://e.example></iframe>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<svg onload=alert(1)>",
]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((name, value or "") for name, value in attrs)


def dangerous(html: str) -> list[str]:
    """Real elements/attributes that could run script (escaped text is harmless)."""
    parser = _Elements()
    parser.feed(html)
    found = [t for t in parser.tags if t in {"script", "iframe", "svg", "object", "embed", "style"}]
    found += [n for n, _v in parser.attrs if n.startswith("on")]
    found += [v for n, v in parser.attrs if n in {"href", "src"} and not v.startswith(("https:", "http:", "mailto:", "/"))
              and v]
    return found


@pytest.mark.parametrize("payload", XSS)
def test_raw_html_and_dangerous_urls_never_survive(payload: str) -> None:
    assert dangerous(render(payload)) == []


def test_the_checker_itself_catches_dangerous_html() -> None:
    assert dangerous('<a href="javascript:x" onclick="y">a</a><script></script>') == ["script", "onclick", "javascript:x"]


def test_markdown_features_render() -> None:
    html = render("**tebal** _miring_\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n- satu\n- dua\n\n[BKN](https://www.bkn.go.id)")
    assert "<strong>tebal</strong>" in html and "<em>miring</em>" in html
    assert "<table>" in html and 'style="text-align:right"' in html
    assert '<a href="https://www.bkn.go.id" rel="noopener noreferrer">BKN</a>' in html


def test_sections_split_at_level_two_headings_outside_code() -> None:
    body = "Pengantar.\n\n## Satu\nIsi satu.\n\n```\n## bukan judul\n```\n\n## Dua\n### Sub\nIsi dua."
    sections = render_sections(body, "Pendahuluan")
    assert [s.title for s in sections] == ["Pendahuluan", "Satu", "Dua"]
    assert "## bukan judul" in sections[1].html
    assert "<h3>Sub</h3>" in sections[2].html


def test_images_are_resolved() -> None:
    html = render("![Bagan](images/bagan.webp)", lambda src: f"/aset/{src.split('/')[-1]}")
    assert '<img src="/aset/bagan.webp" alt="Bagan">' in html


def test_front_matter() -> None:
    meta, body, line = split_front_matter("---\ntitle: Judul\nminutes: 5\n---\n\nIsi\n")
    assert meta == {"title": "Judul", "minutes": 5} and body.strip() == "Isi" and line == 5
    with pytest.raises(FrontMatterError) as err:
        split_front_matter("---\ntitle: [rusak\n---\nIsi")
    assert err.value.line >= 2
    with pytest.raises(FrontMatterError):
        split_front_matter("Tanpa front matter")
