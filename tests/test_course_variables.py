"""Course variables: facts that change over time (who supervises neutrality now) written once in
course.yaml ``variables:`` and shown wherever a module says ``{{name}}``; validated with file:line,
due for review by date, versioned like the rest of the content, kept by browser authoring."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from elearn.accounts.models import Role
from elearn.content.courses import load_course_dir, sync_courses, validate_tree
from elearn.courses.models import Course, CourseVersion
from elearn.db import db

FIXTURES = Path(__file__).parent / "fixtures" / "courses"
REPO_COURSES = Path(__file__).parent.parent / "courses"

VARIABLES = """variables:
  pengawas:
    text: Lembaga **Pengawas Lama**
    review_by: 2027-10-16
  kanal: sbt.contoh.go.id
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The fixture course with two variables, used by its second module."""
    root = tmp_path / "courses"
    shutil.copytree(FIXTURES, root)
    course = root / "kursus-contoh"
    with (course / "course.yaml").open("a", encoding="utf-8") as manifest:
        manifest.write(VARIABLES)
    module = course / "02-media-sosial.md"
    module.write_text(module.read_text(encoding="utf-8").replace(
        "adalah bentuk keberpihakan.",
        "adalah bentuk keberpihakan. Yang mengawasi: {{pengawas}}; lapor lewat {{ kanal }}.\n\n"
        "## Pengawas sekarang\n\n{{pengawas}} mengawasi netralitas."), encoding="utf-8")
    return root


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def messages(root: Path, today: dt.date = dt.date(2026, 1, 1)) -> list[str]:
    return [str(e) for e in validate_tree(root, today=today)]


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def published(slug: str) -> CourseVersion:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    return course.published_version


def module_html(version: CourseVersion, slug: str) -> str:
    link = next(link for link in version.modules if link.module.slug == slug)
    return "\n".join(f"{s['title']}\n{s['html']}" for s in link.module.sections)


# --- the shipped course ------------------------------------------------------------------------


def test_the_shipped_course_shows_the_supervisor_written_once_in_course_yaml(app) -> None:
    manifest = yaml.safe_load((REPO_COURSES / "netralitas-asn" / "course.yaml").read_text(encoding="utf-8"))
    status = manifest["variables"]["status_pengawasan_netralitas"]
    assert isinstance(status["review_by"], dt.date)
    # the text itself says who, and the deadline the Constitutional Court set
    assert "BKN" in status["text"] and "121/PUU-XXII/2024" in status["text"] and "Oktober 2027" in status["text"]
    sources = "".join(p.read_text(encoding="utf-8") for p in (REPO_COURSES / "netralitas-asn").glob("*.md"))
    # the modules say it through the variable, never in their own words
    assert "{{status_pengawasan_netralitas}}" in sources and "saat ini (2026)" not in sources.lower()
    with app.app_context():
        sync_courses(REPO_COURSES)
        version = published("netralitas-asn")
        rendered = "\n".join(module_html(version, link.module.slug) for link in version.modules)
        assert "{{" not in rendered and "}}" not in rendered
        for slug in ("06-melapor-dan-pengawasan", "07-ringkasan"):
            html = module_html(version, slug)
            assert "<strong>Saat ini pengawasan netralitas ASN dijalankan BKN</strong>" in html, slug
            assert "sekitar Oktober 2027" in html, slug
        reporting = module_html(version, "06-melapor-dan-pengawasan")
        assert "Dulu rekomendasinya ke KASN, sekarang\nke BKN." in reporting
        assert "<li><strong>BKN</strong>: mengawasi netralitas," in reporting  # (the roles list)


def test_the_shipped_variables_come_due_for_review_after_the_court_deadline() -> None:
    assert [m for m in messages(REPO_COURSES, dt.date(2027, 10, 16)) if "review_by" in m] == []
    due = [m for m in messages(REPO_COURSES, dt.date(2027, 10, 17)) if "review_by" in m]
    assert len(due) == 2 and all("warning: variables." in m and "has passed" in m for m in due), due


# --- validation ----------------------------------------------------------------------------------


def test_the_fixture_with_variables_is_valid(tree: Path) -> None:
    assert messages(tree) == []


def test_an_unknown_variable_is_an_error_at_its_line(tree: Path) -> None:
    module = tree / "kursus-contoh" / "02-media-sosial.md"
    replace(module, "{{pengawas}} mengawasi", "{{ pengawas_baru }} mengawasi")
    line = line_of(module, "pengawas_baru")
    assert f"kursus-contoh/02-media-sosial.md:{line}: unknown variable {{{{pengawas_baru}}}} " \
           "(course.yaml variables: kanal, pengawas)" in messages(tree)
    # a course without variables says so
    manifest = tree / "kursus-contoh" / "course.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").split("variables:")[0], encoding="utf-8")
    assert any(m.endswith("unknown variable {{kanal}} (course.yaml variables: none)") for m in messages(tree))


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  kanal: sbt", "  Kanal-Lapor: sbt", "variables.Kanal-Lapor: a variable name uses a-z"),
    ("    text: Lembaga **Pengawas Lama**\n", "", "variables.pengawas: text must be non-empty text"),
    ("  kanal: sbt.contoh.go.id", "  kanal: ''", "variables.kanal: text must be non-empty text"),
    ("    review_by: 2027-10-16", "    review_by: 2027-10-16\n    sumber: BKN", "variables.pengawas: unknown key 'sumber'"),
    ("    review_by: 2027-10-16", "    review_by: Oktober 2027", "variables.pengawas: review_by must be a date"),
    ("  kanal: sbt.contoh.go.id", "  kanal: lewat {{pengawas}}", "variables.kanal: text must not contain {{...}}"),
])
def test_variable_rules(tree: Path, old: str, new: str, expected: str) -> None:
    manifest = tree / "kursus-contoh" / "course.yaml"
    replace(manifest, old, new)
    found = [m for m in messages(tree) if expected in m]
    assert found, messages(tree)
    name = expected.split(":")[0].removeprefix("variables.")
    assert found[0].startswith(f"kursus-contoh/course.yaml:{line_of(manifest, '  ' + name + ':')}:"), found


def test_variables_must_be_a_mapping(tree: Path) -> None:
    manifest = tree / "kursus-contoh" / "course.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").split("variables:")[0] + "variables: [BKN]\n",
                        encoding="utf-8")
    assert any(m.startswith(f"kursus-contoh/course.yaml:{line_of(manifest, 'variables:')}: variables must be a "
                            "mapping") for m in messages(tree)), messages(tree)


def test_review_dates_and_unused_variables_are_warnings(tree: Path) -> None:
    assert messages(tree, dt.date(2027, 10, 16)) == []
    (due,) = validate_tree(tree, today=dt.date(2027, 10, 17))
    assert due.warning and str(due) == (
        f"kursus-contoh/course.yaml:{line_of(tree / 'kursus-contoh' / 'course.yaml', '  pengawas:')}: warning: "
        "variables.pengawas: review_by 2027-10-16 has passed: check that the text is still true, then set the "
        "next review date")
    replace(tree / "kursus-contoh" / "02-media-sosial.md", "lapor lewat {{ kanal }}", "lapor lewat kanal resmi")
    (unused,) = validate_tree(tree, today=dt.date(2026, 1, 1))
    assert unused.warning and str(unused).endswith("warning: variables.kanal: not used by any module")
    assert load_course_dir(tree / "kursus-contoh", dt.date(2026, 1, 1)).ok


# --- sync and versions ---------------------------------------------------------------------------


def test_a_changed_variable_renders_a_new_version_of_the_modules_that_use_it(app, tree: Path) -> None:
    with app.app_context():
        sync_courses(tree)
        db.session.commit()
        first = published("kursus-contoh")
        first_modules = {link.module.slug: link.module.id for link in first.modules}
        html = module_html(first, "02-media-sosial")
        assert "Yang mengawasi: Lembaga <strong>Pengawas Lama</strong>; lapor lewat sbt.contoh.go.id." in html
        assert "Lembaga <strong>Pengawas Lama</strong> mengawasi netralitas." in html
        # the module file keeps its placeholders (export writes it back as it was)
        assert "{{pengawas}}" in next(l.module for l in first.modules if l.module.slug == "02-media-sosial").source_text

        replace(tree / "kursus-contoh" / "course.yaml", "Lembaga **Pengawas Lama**", "Lembaga Pengawas Independen")
        report = sync_courses(tree)
        db.session.commit()
        assert (report.courses, report.versions) == ({"kursus-contoh": "updated"}, {"kursus-contoh": 2})
        second = published("kursus-contoh")
        second_modules = {link.module.slug: link.module.id for link in second.modules}
        # the module without variables is the same row; the one using them is a new one
        assert second_modules["01-pengantar"] == first_modules["01-pengantar"]
        assert second_modules["02-media-sosial"] != first_modules["02-media-sosial"]
        assert "Lembaga Pengawas Independen mengawasi netralitas." in module_html(second, "02-media-sosial")
        # the earlier version (and whoever read it) keeps the text it had
        old = db.session.get(CourseVersion, first.id)
        assert "Pengawas Lama" in module_html(old, "02-media-sosial")
        assert "Pengawas Independen" not in module_html(old, "02-media-sosial")

        # changing only a variable's review date is a new course.yaml, but no module renders differently
        replace(tree / "kursus-contoh" / "course.yaml", "review_by: 2027-10-16", "review_by: 2028-01-31")
        assert sync_courses(tree).versions == {"kursus-contoh": 3}
        third = published("kursus-contoh")
        assert {link.module.slug: link.module.id for link in third.modules} == second_modules


# --- browser authoring ---------------------------------------------------------------------------


MODULE = {
    "title": "Media sosial",
    "minutes": "6",
    "objectives": "Mengenali unggahan yang memihak.",
    "references": "",
    "sources": "",
    "body": "## Pengawas\r\n\r\nSekarang {{pengawas}} mengawasi.",
    "action": "save",
}


def test_browser_authoring_keeps_and_renders_the_variables(app, tree: Path, client, login_as, make_user) -> None:
    with app.app_context():
        sync_courses(tree)
        db.session.commit()
        course_id = db.session.scalar(select(Course.id).where(Course.slug == "kursus-contoh"))
    login_as(make_user(Role.SUPERADMIN, None))
    url = f"/penyusunan/{course_id}/modul/02-media-sosial"
    page = client.post(url, data={**MODULE, "action": "preview"}).get_data(as_text=True)
    assert "Sekarang Lembaga <strong>Pengawas Lama</strong> mengawasi." in page
    page = client.post(url, data={**MODULE, "body": "## Pengawas\r\n\r\nSekarang {{pengawas_lain}} mengawasi."}
                       ).get_data(as_text=True)
    assert "Kursus ini tidak punya variabel {{pengawas_lain}}" in page
    assert client.post(url, data=MODULE).status_code == 302
    # a module added in the browser renders them too, and the draft's course.yaml still has them
    assert client.post(f"/penyusunan/{course_id}/modul/baru",
                       data={**MODULE, "title": "Ringkasan", "body": "## Lapor\r\n\r\nLewat {{kanal}}."}
                       ).status_code == 302
    with app.app_context():
        draft = db.session.scalars(select(CourseVersion).where(CourseVersion.course_id == course_id)
                                   .order_by(CourseVersion.number.desc())).first()
        assert draft.number == 2
        html = {link.module.slug: module_html(draft, link.module.slug) for link in draft.modules}
        assert "Sekarang Lembaga <strong>Pengawas Lama</strong> mengawasi." in html["02-media-sosial"]
        (added,) = [h for slug, h in html.items() if re.match(r"03-", slug)]
        assert "Lewat sbt.contoh.go.id." in added
        manifest = yaml.safe_load(draft.manifest_text)
        assert manifest["variables"]["pengawas"] == {"text": "Lembaga **Pengawas Lama**",
                                                     "review_by": dt.date(2027, 10, 16)}
        assert manifest["variables"]["kanal"] == "sbt.contoh.go.id"
