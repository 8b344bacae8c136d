"""Knowledge checks inside modules (```cek blocks): the parser, the validator's errors with file and
line, the rendering (escaped, no JavaScript needed), the labels' language, sync and authoring."""
from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from elearn.accounts.models import Role
from elearn.content import courses as content
from elearn.content.checks import Check, CheckOption, find_checks, has_checks, parse_check
from elearn.content.courses import sync_courses, validate_tree
from elearn.content.markdown import render, render_sections
from elearn.courses.models import Course, ModuleVersion
from elearn.db import db

FIXTURES = Path(__file__).parent / "fixtures" / "courses"

VALID = """Tanya: Staf menekan "suka" pada unggahan calon yang sudah ditetapkan. Bolehkah?
- [ ] Boleh, karena akun pribadi.
- [x] Tidak boleh: itu dukungan
  di media sosial.
- [ ] Boleh di luar jam kerja.

Penjelasan: Akun pribadi tetap ruang publik.
"""

BLOCK = "```cek\n" + VALID + "```\n"


class _Tree(HTMLParser):
    """Start tags with their attributes, and the text, of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(html: str) -> _Tree:
    tree = _Tree()
    tree.feed(html)
    return tree


# --- parser ----------------------------------------------------------------------------------

def test_a_valid_check_is_read_with_continued_lines() -> None:
    check, problems = parse_check(VALID, fence_line=10)
    assert problems == []
    assert check == Check(
        question='Staf menekan "suka" pada unggahan calon yang sudah ditetapkan. Bolehkah?',
        options=(CheckOption("Boleh, karena akun pribadi.", False),
                 CheckOption("Tidak boleh: itu dukungan di media sosial.", True),
                 CheckOption("Boleh di luar jam kerja.", False)),
        explanation="Akun pribadi tetap ruang publik.",
        line=10,
    )


def test_english_keywords_and_star_bullets_are_accepted() -> None:
    check, problems = parse_check("question: Is it allowed?\n* [X] No.\n* [ ] Yes.\nExplanation: Because.")
    assert problems == [] and check is not None
    assert check.question == "Is it allowed?" and [o.correct for o in check.options] == [True, False]


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("- [x] a\n- [ ] b\nPenjelasan: c", 1, "the check has no question"),
        ("Tanya: q\n- [x] a\n- [ ] b", 1, "the check has no explanation"),
        ("Tanya: q\n- [x] a\nPenjelasan: c", 3, "a check needs 2 to 6 options ('- [ ] ...'), found 1"),
        ("Tanya: q\n" + "".join(f"- [ ] o{i}\n" for i in range(6)) + "- [x] r\nPenjelasan: c", 3,
         "a check needs 2 to 6 options ('- [ ] ...'), found 7"),
        ("Tanya: q\n- [ ] a\n- [ ] b\nPenjelasan: c", 3, "exactly one right option marked '- [x]', found 0"),
        ("Tanya: q\n- [x] a\n- [x] b\nPenjelasan: c", 3, "exactly one right option marked '- [x]', found 2"),
        ("Tanya: q\n- [x] a\nJawaban: b\n- [ ] c\nPenjelasan: d", 4, "line is not part of a check"),
        ("  lanjut\nTanya: q\n- [x] a\n- [ ] b\nPenjelasan: c", 2, "nothing comes before it"),
        ("Tanya: q\nTanya: r\n- [x] a\n- [ ] b\nPenjelasan: c", 3, "'Tanya:' appears again"),
        ("Tanya: q\n- [x] a\n- [ ] b\nPenjelasan: c\nPenjelasan: d", 6, "'Penjelasan:' appears again"),
        ("- [x] a\nTanya: q\n- [ ] b\nPenjelasan: c", 2, "options come after the question"),
        ("Tanya: q\n- [x] a\nPenjelasan: c\n- [ ] b", 4, "comes after every option"),
        ("Tanya:\n- [x] a\n- [ ] b\nPenjelasan: c", 2, "the question is empty"),
        ("Tanya: q\n- [x]\n- [ ] b\nPenjelasan: c", 3, "an option is empty"),
        ("Tanya: q\n- [x] a\n- [ ] " + "b" * 301 + "\nPenjelasan: c", 4, "an option is longer than 300 characters"),
        ("Tanya: q ![foto](images/a.png)\n- [x] a\n- [ ] b\nPenjelasan: c", 2, "the question has an image"),
    ],
)
def test_parser_problems_have_their_line(text: str, line: int, message: str) -> None:
    check, problems = parse_check(text, fence_line=1)
    assert check is None
    assert any(p.line == line and message in p.message for p in problems), problems


def test_find_checks_gives_file_lines_and_catches_an_unclosed_block() -> None:
    body = "\nTeks.\n\n" + BLOCK + "\n```cek\nTanya: q\n- [x] a\n- [ ] b\nPenjelasan: c\n"
    (first, first_problems), (second, second_problems) = find_checks(body, body_line=20)
    assert first is not None and first.line == 23 and first_problems == []
    assert second is None
    assert [p.message for p in second_problems] == ["the check is not closed: end it with a line ```"]
    assert second_problems[0].line == 20 + body.splitlines().index("```cek", 5)
    # other code blocks are not checks
    assert find_checks("```\nTanya: q\n```\n\n```python\nx = 1\n```\n") == []
    assert has_checks(BLOCK) and not has_checks("```\nTanya: q\n```\n")


# --- rendering -------------------------------------------------------------------------------

def test_a_check_renders_as_a_question_with_the_answer_in_details() -> None:
    html = render("Sebelum.\n\n" + BLOCK + "\nSesudah.")
    tree = parsed(html)
    tags = [t for t, _a in tree.tags]
    assert tags == ["p", "aside", "p", "strong", "p", "ol", "li", "li", "li", "details", "summary", "p", "strong",
                    "p", "p"]
    assert ("aside", {"class": "cek"}) in tree.tags
    text = "".join(tree.text)
    assert "Cek pemahaman" in text and "Lihat jawaban" in text
    assert "Jawaban yang benar: Tidak boleh: itu dukungan di media sosial." in " ".join(text.split())
    # the answer and the explanation come after <summary>, inside <details>
    details = html[html.index("<details>"):html.index("</details>")]
    assert "Akun pribadi tetap ruang publik." in details and "Jawaban yang benar:" in details
    assert "Akun pribadi" not in html[:html.index("<details>")]


def test_a_check_escapes_html_and_keeps_only_safe_inline_markdown() -> None:
    block = ("```cek\nTanya: Bolehkah <script>alert(1)</script> **ini**?\n"
             "- [ ] <img src=x onerror=alert(1)>\n- [x] [klik](javascript:alert(1)) dan [BKN](https://www.bkn.go.id)\n"
             "Penjelasan: `kode` <b onclick=\"x\">tebal</b>\n```\n")
    html = render(block)
    tree = parsed(html)
    assert [t for t, _a in tree.tags if t in {"script", "img", "b"}] == []
    assert all(not name.startswith("on") for _t, attrs in tree.tags for name in attrs)
    assert [a.get("href") for t, a in tree.tags if t == "a"] == ["https://www.bkn.go.id"] * 2
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <strong>ini</strong>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<code>kode</code> &lt;b onclick=\"x\"&gt;tebal&lt;/b&gt;" in html


def test_an_invalid_check_stays_a_code_block() -> None:
    html = render("```cek\nTanya: q\n- [x] a\n```\n")
    assert "<aside" not in html and "<pre><code>Tanya: q\n- [x] a\n</code></pre>" in html


def test_the_sanitiser_keeps_only_the_check_class() -> None:
    from elearn.content.markdown import sanitize

    assert sanitize('<aside class="cek lain" onclick="x"><details open><summary>s</summary></details></aside>') == \
        '<aside class="cek"><details><summary>s</summary></details></aside>'
    assert sanitize('<p class="cek">x</p>') == "<p>x</p>"


def test_a_heading_inside_a_check_does_not_start_a_section() -> None:
    body = "## Satu\n\n```cek\nTanya: ## bukan judul?\n- [x] a\n- [ ] b\nPenjelasan: c\n```\n\n## Dua\nx"
    assert [s.title for s in render_sections(body, "Modul")] == ["Satu", "Dua"]


def test_labels_follow_the_course_language(app) -> None:
    with app.test_request_context("/", headers={"Cookie": "elearn_lang=en"}):
        # the reader's own language does not matter: the course's does
        assert "Cek pemahaman" in render(BLOCK, language="id")
        english = render(BLOCK, language="en")
    assert "Check your understanding" in english and "Show the answer" in english
    assert "Right answer:" in english and "Cek pemahaman" not in english


# --- validator -------------------------------------------------------------------------------

@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "courses"
    shutil.copytree(FIXTURES, root)
    return root


def add_to_module(tree: Path, text: str) -> Path:
    module = tree / "kursus-contoh" / "02-media-sosial.md"
    module.write_text(module.read_text() + "\n" + text)
    return module


def test_validate_reports_check_problems_with_file_and_line(tree: Path) -> None:
    module = add_to_module(tree, BLOCK + "\n```cek\nTanya: q\n- [x] a\n- [x] b\nPenjelasan: c\n```\n")
    lines = module.read_text().splitlines()
    second = len(lines) - 5  # the second block's opening fence (1-based)
    assert lines[second - 1] == "```cek"
    errors = [str(e) for e in validate_tree(tree) if not e.warning]
    assert errors == [f"kursus-contoh/02-media-sosial.md:{second + 2}: knowledge check: a check needs exactly one "
                      "right option marked '- [x]', found 2"]


def test_the_cli_validate_fails_on_a_broken_check(app, tree: Path) -> None:
    add_to_module(tree, "```cek\nTanya: q\n- [x] a\n- [ ] b\n```\n")
    result = app.test_cli_runner().invoke(args=["content", "validate", "--root", str(tree)])
    assert result.exit_code == 1
    assert "02-media-sosial.md:" in result.output and "the check has no explanation" in result.output


# --- sync and authoring ----------------------------------------------------------------------

def test_sync_stores_the_rendered_check_and_its_language(app, tree: Path) -> None:
    add_to_module(tree, BLOCK)
    with app.app_context():
        sync_courses(tree)
        course = db.session.scalar(select(Course).where(Course.slug == "kursus-contoh"))
        version = course.published_version
        intro, social = (link.module for link in version.modules)
        assert '<aside class="cek">' in social.sections[-1]["html"]
        # a module without checks keeps the hash it always had; one with checks records the language
        assert intro.content_hash == content.module_hash(intro.source_text, [
            a.content_hash for a in content.course_assets(course.id).values()])
        assert social.content_hash == content.module_hash(social.source_text, [], language="id")
        english = content.get_or_create_module_version(course, social.slug, social.source_text, language="en")
        assert english.id != social.id and "Check your understanding" in english.sections[-1]["html"]
        again = content.get_or_create_module_version(course, social.slug, social.source_text, language="id")
        assert again.id == social.id
        db.session.rollback()


def test_authoring_refuses_a_broken_check_with_its_line_and_previews_a_valid_one(
        app, client, login_as, make_user, make_unit) -> None:
    from test_authoring import MODULE, new_course

    login_as(make_user(Role.PELATIH, make_unit()))
    course_id = new_course(client)
    body = "## Bagian\r\n\r\nTeks.\r\n\r\n```cek\r\nTanya: q\r\n- [x] a\r\n- [x] b\r\nPenjelasan: c\r\n```"
    page = client.post(f"/penyusunan/{course_id}/modul/baru", data={**MODULE, "body": body}).get_data(as_text=True)
    assert "Cek pemahaman di baris 7 isi modul tidak sah" in page and "found 2" in page
    with app.app_context():
        assert db.session.scalar(select(ModuleVersion).where(ModuleVersion.course_id == course_id)) is None
    page = client.post(f"/penyusunan/{course_id}/modul/baru",
                       data={**MODULE, "body": body.replace("- [x] b", "- [ ] b"), "action": "preview"}
                       ).get_data(as_text=True)
    assert '<aside class="cek">' in page and "<summary>Lihat jawaban</summary>" in page


# --- the shipped course's checks ---------------------------------------------------------------

SHIPPED = Path(__file__).resolve().parents[1] / "courses" / "netralitas-asn"


def _shipped_checks() -> list[Check]:
    checks = []
    for path in sorted(SHIPPED.glob("*.md")):
        for check, problems in find_checks(path.read_text(encoding="utf-8")):
            assert check is not None and problems == [], (path.name, problems)
            checks.append(check)
    return checks


def test_the_shipped_checks_cannot_be_answered_by_length_or_position() -> None:
    """A learner who always picks the longest option, the shortest, or the same position must not be
    right most of the time: each of those strategies wins in at most a quarter of the checks."""
    checks = _shipped_checks()
    assert len(checks) >= 8
    positions: dict[int, int] = {}
    longest = shortest = 0
    for check in checks:
        lengths = [len(option.text) for option in check.options]
        right = next(i for i, option in enumerate(check.options) if option.correct)
        positions[right] = positions.get(right, 0) + 1
        others = lengths[:right] + lengths[right + 1:]
        longest += lengths[right] > max(others)
        shortest += lengths[right] < min(others)
    quarter = len(checks) / 4
    assert longest <= quarter and shortest <= quarter, (longest, shortest, len(checks))
    assert max(positions.values()) <= len(checks) / 2 and len(positions) >= 3, positions
