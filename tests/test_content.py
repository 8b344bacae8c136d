"""The content engine: validating course folders, syncing them into versions, exporting them back."""
from __future__ import annotations

import filecmp
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from elearn.audit.models import AuditEvent
from elearn.content import courses as content
from elearn.content.courses import (
    compose_module_source,
    export_courses,
    load_course_dir,
    parse_module_source,
    sync_courses,
    validate_tree,
)
from elearn.courses.models import (
    Course,
    CourseAsset,
    CourseVersion,
    ModuleProgress,
    ModuleVersion,
    VersionStatus,
)
from elearn.db import db

FIXTURES = Path(__file__).parent / "fixtures" / "courses"
REPO_COURSES = Path(__file__).parent.parent / "courses"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A writable copy of the fixture course tree."""
    root = tmp_path / "courses"
    shutil.copytree(FIXTURES, root)
    return root


def course_dir(tree: Path) -> Path:
    return tree / "kursus-contoh"


def messages(errors) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(e) for e in errors]


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def png(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 20, 20)).save(out, format="PNG")
    return out.getvalue()


# --- validation ----------------------------------------------------------------------------

def test_fixture_tree_is_valid() -> None:
    assert validate_tree(FIXTURES) == []


def test_the_shipped_courses_folder_is_valid() -> None:
    errors = [e for e in validate_tree(REPO_COURSES) if not e.warning]
    assert errors == [], "\n".join(messages(errors))


def test_load_course_dir_reads_manifest_modules_and_images() -> None:
    doc = load_course_dir(FIXTURES / "kursus-contoh")
    assert doc.ok
    assert doc.slug == "kursus-contoh"
    assert [m.slug for m in doc.modules] == ["01-pengantar", "02-media-sosial"]
    assert list(doc.images) == ["images/bagan.png"]
    assert doc.modules[0].meta["minutes"] == 5


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("slug: kursus-contoh", "slug: kursus-lain", "course.yaml:1: slug 'kursus-lain' must equal the folder name"),
        ("slug: kursus-contoh", "slug: Kursus Contoh", "course.yaml:1: slug must use a-z"),
        ("title: Kursus Contoh Netralitas\n", "", "course.yaml:1: 'title' is missing"),
        ("jp: 1\n", "", "course.yaml:1: 'jp' is missing"),
        ("audience: [pns, pppk]\n", "", "course.yaml:1: 'audience' is missing"),
        ("audience: [pns, pppk]", "audience: []", "course.yaml:5: audience must be a non-empty list"),
        ("title: Kursus Contoh Netralitas", "title: ''", "course.yaml:2: title must be non-empty text"),
        ("audience: [pns, pppk]", "audience: [pns, honorer]", "course.yaml:5: audience: unknown employee type 'honorer'"),
        ('version: "2026.1"', "version: 2026", "course.yaml:6: version must be text in quotes"),
        ("jp: 1", "jp: -2", "course.yaml:7: jp must be a whole number, 0 or more"),
        ("jp: 1", "jp: satu", "course.yaml:7: jp must be a whole number"),
        ("language: id", "language: jv", "course.yaml:8: language must be one of"),
        ("language: id", "language: [id, en]", "course.yaml:8: language must be one of"),
        ("  - 02-media-sosial.md", "  - 01-pengantar.md", "course.yaml:11: module 01-pengantar.md is listed twice"),
        ("  - 02-media-sosial.md", "  - 03-tidak-ada.md", "course.yaml:11: module file 03-tidak-ada.md does not exist"),
        ("  - 02-media-sosial.md", "  - Modul Dua.txt", "course.yaml:11: modules item 2: 'Modul Dua.txt' is not a module file"),
        ("  quiz: netralitas-dasar", "  kuis: netralitas-dasar", "course.yaml:12: requires: unknown key 'kuis'"),
        ("  modules: all", "  modules: some", "course.yaml:15: completion.modules must be 'all'"),
        ("  quiz_pass: true", "  quiz_pass: ya", "course.yaml:15: completion.quiz_pass must be true or false"),
        ("jp: 1", "jp: 1\nlevel: dasar", "course.yaml:8: unknown key 'level'"),
        ("modules:", "modules: [", "course.yaml:"),  # broken YAML still gives a line
    ],
)
def test_manifest_rules(tree: Path, old: str, new: str, expected: str) -> None:
    replace(course_dir(tree) / "course.yaml", old, new)
    found = messages(validate_tree(tree))
    assert any(m.startswith("kursus-contoh/" + expected) for m in found), found


def test_broken_yaml_reports_its_line(tree: Path) -> None:
    replace(course_dir(tree) / "course.yaml", "jp: 1", "jp: [1")
    (error,) = [e for e in validate_tree(tree) if not e.warning]
    assert error.file == "kursus-contoh/course.yaml"
    assert error.line >= 6
    assert "not valid YAML" in error.message


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("title: Pengantar netralitas\n", "", "01-pengantar.md:1: front matter: 'title' is missing"),
        ("minutes: 5", "minutes: 0", "01-pengantar.md:3: minutes must be a whole number from 1 to 120"),
        ("minutes: 5", "minutes: 121", "01-pengantar.md:3: minutes must be a whole number from 1 to 120"),
        ("minutes: 5", "minutes: lima", "01-pengantar.md:3: minutes must be"),
        ("objectives:\n  - Menjelaskan arti netralitas ASN.", "objectives: []", "01-pengantar.md:4: objectives must be a non-empty list"),
        ("  - Menjelaskan arti netralitas ASN.", "  - ''", "01-pengantar.md:5: objectives item 1 must be non-empty text"),
        ("references:\n  - UU 20/2023 Pasal 9 ayat (2)", "references: UU 20/2023", "01-pengantar.md:6: references must be a list"),
        ("    url: https://peraturan.bpk.go.id/Details/269470/uu-no-20-tahun-2023", "    url: javascript:alert(1)",
         "01-pengantar.md:9: sources item 1: url must start with http:// or https://"),
        ("    url: https://peraturan.bpk.go.id/Details/269470/uu-no-20-tahun-2023", "    link: https://x.example",
         "01-pengantar.md:9: sources item 1 must have exactly 'title' and 'url'"),
        ("minutes: 5", "minutes: 5\nauthor: Budi", "01-pengantar.md:4: unknown key 'author'"),
        ("---\ntitle", "title", "01-pengantar.md:1: file must start with front matter"),
        ("minutes: 5", "minutes: [5", "01-pengantar.md:"),
        ("## Arti netral", "### Arti netral", None),  # still has "## Hak memilih": valid
        ("![Bagan dua ujian netralitas]", "![]", "01-pengantar.md:19: image images/bagan.png needs alt text"),
        ("images/bagan.png", "images/tidak-ada.png", "01-pengantar.md:19: image images/tidak-ada.png does not exist"),
        ("images/bagan.png", "https://contoh.example/bagan.png", "01-pengantar.md:19: image https://contoh.example/bagan.png must be a file in images/"),
    ],
)
def test_module_rules(tree: Path, old: str, new: str, expected: str | None) -> None:
    replace(course_dir(tree) / "01-pengantar.md", old, new)
    found = [m for m in messages(validate_tree(tree)) if "warning" not in m]
    if expected is None:
        assert found == []
    else:
        assert any(m.startswith("kursus-contoh/" + expected) for m in found), found


def test_module_body_needs_a_section(tree: Path) -> None:
    replace(course_dir(tree) / "02-media-sosial.md", "## Suka dan bagikan", "Suka dan bagikan")
    assert "kursus-contoh/02-media-sosial.md:9: the body needs at least one section heading ('## ')" in messages(
        validate_tree(tree))


def test_images_are_checked_by_content_and_size(tree: Path) -> None:
    images = course_dir(tree) / "images"
    (images / "bagan.png").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>")
    found = messages(validate_tree(tree))
    assert "kursus-contoh/01-pengantar.md:19: image images/bagan.png: content is not a PNG, JPEG or WebP image" in found
    # a JPEG named .png
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="JPEG")
    (images / "bagan.png").write_bytes(out.getvalue())
    assert "kursus-contoh/01-pengantar.md:19: image images/bagan.png: file is image/jpeg but named .png" in messages(
        validate_tree(tree))
    # too big
    (images / "bagan.png").write_bytes(png() + b"\0" * (151 * 1024))
    assert any("at most 150 KB allowed" in m for m in messages(validate_tree(tree)))
    # a type not allowed at all
    (images / "bagan.gif").write_bytes(b"GIF89a")
    replace(course_dir(tree) / "01-pengantar.md", "images/bagan.png", "images/bagan.gif")
    assert any("type .gif not allowed" in m for m in messages(validate_tree(tree)))


def test_every_error_in_every_file_is_reported(tree: Path) -> None:
    replace(course_dir(tree) / "course.yaml", "jp: 1", "jp: -1")
    replace(course_dir(tree) / "course.yaml", "language: id", "language: xx")
    replace(course_dir(tree) / "01-pengantar.md", "minutes: 5", "minutes: 500")
    replace(course_dir(tree) / "02-media-sosial.md", "minutes: 4", "minutes: 0")
    replace(course_dir(tree) / "02-media-sosial.md", "## Suka", "Suka")
    shutil.copytree(course_dir(tree), tree / "kursus-kedua")
    errors = [e for e in validate_tree(tree) if not e.warning]
    files = {e.file for e in errors}
    assert files == {
        f"{slug}/{name}" for slug in ("kursus-contoh", "kursus-kedua")
        for name in ("course.yaml", "01-pengantar.md", "02-media-sosial.md")
    }
    # kursus-kedua's slug also differs from its folder: 5 errors in the first, 6 in the second
    assert len(errors) == 11


def test_orphan_files_are_warnings(tree: Path) -> None:
    (course_dir(tree) / "catatan.md").write_text("draft")
    (course_dir(tree) / "images" / "lama.png").write_bytes(png())
    problems = validate_tree(tree)
    assert all(p.warning for p in problems)
    assert {p.file for p in problems} == {"kursus-contoh/catatan.md", "kursus-contoh/images/lama.png"}


def test_compose_and_parse_module_source() -> None:
    meta = {"title": "Judul: dengan titik dua", "minutes": 3, "objectives": ["Satu"], "references": [],
            "sources": [{"title": "Sumber", "url": "https://contoh.example/a"}]}
    text = compose_module_source(meta, "## Bagian\r\n\r\nIsi.\r\n")
    assert text.startswith("---\ntitle: 'Judul: dengan titik dua'\n")
    doc = parse_module_source(text, "01-judul.md")
    assert doc.errors == []
    assert doc.meta == meta
    assert doc.body.strip() == "## Bagian\n\nIsi."
    assert doc.slug == "01-judul"


# --- sync ----------------------------------------------------------------------------------

def count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model))


def test_sync_creates_a_published_version_and_is_idempotent(app, tree: Path) -> None:
    with app.app_context():
        report = sync_courses(tree)
        db.session.commit()
        assert report.courses == {"kursus-contoh": "created"}
        course = db.session.scalar(select(Course).where(Course.slug == "kursus-contoh"))
        assert course.instansi_id is None
        version = course.published_version
        assert (version.number, version.status, version.label, version.jp) == (1, VersionStatus.PUBLISHED, "2026.1", 1)
        assert version.audience == ["pns", "pppk"]
        assert version.requires == {"quiz": "netralitas-dasar", "pledge": "pakta-netralitas"}
        assert [link.module.slug for link in version.modules] == ["01-pengantar", "02-media-sosial"]
        first = version.modules[0].module
        assert [s["title"] for s in first.sections] == ["Pengantar netralitas", "Arti netral", "Hak memilih"]
        asset = db.session.scalar(select(CourseAsset).where(CourseAsset.course_id == course.id))
        assert asset.mimetype == "image/png"
        assert f'src="/kursus/aset/{asset.content_hash}.png"' in first.sections[1]["html"]
        assert 'alt="Bagan dua ujian netralitas"' in first.sections[1]["html"]
        assert "<table>" in version.modules[1].module.sections[0]["html"]
        before = {m: count(m) for m in (Course, CourseVersion, ModuleVersion, CourseAsset, AuditEvent)}

        again = sync_courses(tree)
        db.session.commit()
        assert again.courses == {"kursus-contoh": "unchanged"}
        assert {m: count(m) for m in before} == before


def test_sync_refuses_invalid_content_and_writes_nothing(app, tree: Path) -> None:
    replace(course_dir(tree) / "01-pengantar.md", "minutes: 5", "minutes: 0")
    with app.app_context():
        with pytest.raises(content.ContentInvalid) as info:
            sync_courses(tree)
        assert "minutes must be" in str(info.value)
        assert db.session.scalar(select(Course).where(Course.slug == "kursus-contoh")) is None


def test_a_changed_module_makes_version_2_and_old_progress_keeps_pointing_at_v1(app, tree: Path, make_user) -> None:
    person = make_user()
    with app.app_context():
        sync_courses(tree)
        db.session.commit()
        course = db.session.scalar(select(Course).where(Course.slug == "kursus-contoh"))
        v1 = course.published_version
        v1_modules = [link.module_version_id for link in v1.modules]
        progress = ModuleProgress(user_id=person.id, course_id=course.id, course_version_id=v1.id,
                                  module_version_id=v1_modules[1], section_reached=0)
        db.session.add(progress)
        db.session.commit()
        v1_id, progress_id = v1.id, progress.id

    replace(course_dir(tree) / "02-media-sosial.md", "adalah bentuk keberpihakan.", "menunjukkan keberpihakan.")
    with app.app_context():
        report = sync_courses(tree)
        db.session.commit()
        assert report.courses == {"kursus-contoh": "updated"} and report.versions == {"kursus-contoh": 2}
        course = db.session.scalar(select(Course).where(Course.slug == "kursus-contoh"))
        v2 = course.published_version
        assert v2.number == 2 and v2.status == VersionStatus.PUBLISHED
        v2_modules = [link.module_version_id for link in v2.modules]
        assert v2_modules[0] == v1_modules[0]  # unchanged module reused
        assert v2_modules[1] != v1_modules[1]
        old = db.session.get(CourseVersion, v1_id)
        assert old.status == VersionStatus.ARCHIVED
        assert [link.module_version_id for link in old.modules] == v1_modules
        kept = db.session.get(ModuleProgress, progress_id)
        assert (kept.course_version_id, kept.module_version_id) == (v1_id, v1_modules[1])
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "content.sync")) == 2


def test_added_and_split_modules_leave_learners_on_their_version(app, tree: Path, make_user) -> None:
    """What a restructured course (modules added, one split in two) means for people mid-course: they keep
    the version they started, its modules and its certificate criteria; only new enrollments get the new one."""
    from elearn.courses.progress import course_view, enroll, record_progress

    finished, halfway, newcomer = make_user(), make_user(), make_user()
    replace(course_dir(tree) / "course.yaml", "  pledge_signed: true\n",
            "  pledge_signed: true\ncertificate:\n  criteria: Membaca kedua modul.\n")
    with app.app_context():
        sync_courses(tree)
        course = db.session.scalar(select(Course).where(Course.slug == "kursus-contoh"))
        v1 = course.published_version
        for person in (finished, halfway):
            enroll(person, course)
        for link in v1.modules:
            record_progress(finished, enroll(finished, course), link.module, len(link.module.sections) - 1, True)
        first = v1.modules[0].module
        record_progress(halfway, enroll(halfway, course), first, len(first.sections) - 1, True)
        db.session.commit()
        v1_id = v1.id

    # the second module split in two, a third topic added, the criteria no longer count modules
    module = course_dir(tree) / "02-media-sosial.md"
    (course_dir(tree) / "02b-grup-whatsapp.md").write_text(
        module.read_text().replace("title: Media sosial", "title: Grup WhatsApp"))
    (course_dir(tree) / "03-politik-uang.md").write_text(
        module.read_text().replace("title: Media sosial", "title: Politik uang"))
    replace(course_dir(tree) / "course.yaml", "  - 02-media-sosial.md\n",
            "  - 02-media-sosial.md\n  - 02b-grup-whatsapp.md\n  - 03-politik-uang.md\n")
    replace(course_dir(tree) / "course.yaml", "Membaca kedua modul.", "Membaca seluruh modul kursus.")
    with app.app_context():
        assert sync_courses(tree).versions == {"kursus-contoh": 2}
        db.session.commit()
        course = db.session.scalar(select(Course).where(Course.slug == "kursus-contoh"))
        v2 = course.published_version
        assert len(v2.modules) == 4 and v2.certificate == {"criteria": "Membaca seluruh modul kursus."}
        done = course_view(finished, course)
        assert done.version.id == v1_id and len(done.modules) == 2 and done.modules_completed
        assert done.version.certificate == {"criteria": "Membaca kedua modul."}
        middle = course_view(halfway, course)
        assert middle.version.id == v1_id and not middle.modules_completed
        # the half-way learner finishes the version they started, with its two modules
        second = db.session.get(CourseVersion, v1_id).modules[1].module
        record_progress(halfway, enroll(halfway, course), second, len(second.sections) - 1, True)
        assert course_view(halfway, course).modules_completed
        enroll(newcomer, course)
        fresh = course_view(newcomer, course)
        assert fresh.version.id == v2.id and len(fresh.modules) == 4 and not fresh.modules_completed


_COUNT_WORDS = {"kedua": 2, "ketiga": 3, "keempat": 4, "kelima": 5, "keenam": 6, "ketujuh": 7, "kedelapan": 8,
                "kesembilan": 9, "kesepuluh": 10, "kesebelas": 11}


def test_shipped_certificate_criteria_do_not_miscount_the_modules() -> None:
    """A criteria text that names a number of modules ("ketujuh modul", "12 modul") must match the list."""
    import re

    for path in sorted(REPO_COURSES.glob("*/course.yaml")):
        doc = load_course_dir(path.parent)
        criteria = str((doc.manifest.get("certificate") or {}).get("criteria") or "")
        for number in re.findall(r"(?i)\b(\d+|ke[a-z]+)\s+modul\b", criteria):
            count = int(number) if number.isdigit() else _COUNT_WORDS.get(number.lower())
            assert count == len(doc.modules), f"{path}: criteria say {number} modul, the course has {len(doc.modules)}"


def test_a_changed_image_or_manifest_makes_a_new_version(app, tree: Path) -> None:
    with app.app_context():
        sync_courses(tree)
        (course_dir(tree) / "images" / "bagan.png").write_bytes(png((9, 9)))
        assert sync_courses(tree).versions == {"kursus-contoh": 2}
        course = db.session.scalar(select(Course).where(Course.slug == "kursus-contoh"))
        v2 = course.published_version
        assets = db.session.scalars(select(CourseAsset).where(CourseAsset.course_id == course.id)).all()
        assert len(assets) == 2
        newest = max(assets, key=lambda a: a.id)
        assert newest.content_hash in v2.modules[0].module.sections[1]["html"]
        replace(course_dir(tree) / "course.yaml", "jp: 1", "jp: 2")
        report = sync_courses(tree)
        assert report.versions == {"kursus-contoh": 3}
        v3 = db.session.scalar(select(Course).where(Course.slug == "kursus-contoh")).published_version
        assert v3.jp == 2
        assert [link.module_version_id for link in v3.modules] == [link.module_version_id for link in v2.modules]


def test_sync_refuses_a_slug_owned_by_an_instansi(app, tree: Path, make_course, make_instansi) -> None:
    instansi = make_instansi()
    make_course(slug="kursus-contoh", instansi_id=instansi.id)
    with app.app_context(), pytest.raises(content.ContentInvalid) as info:
        sync_courses(tree)
    assert "already used by a course of an instansi" in str(info.value)


# --- export --------------------------------------------------------------------------------

def assert_same_tree(a: Path, b: Path) -> None:
    files_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for name in files_a:
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def test_export_round_trip_of_the_fixture(app, tree: Path, tmp_path: Path) -> None:
    with app.app_context():
        assert validate_tree(tree) == []
        sync_courses(tree)
        db.session.commit()
        out = tmp_path / "export"
        export_courses(out, ["kursus-contoh"])
    assert_same_tree(course_dir(tree), out / "kursus-contoh")
    with app.app_context():
        assert sync_courses(out).courses == {"kursus-contoh": "unchanged"}


def test_export_round_trip_of_the_shipped_course(app, tmp_path: Path) -> None:
    shipped = sorted(p.name for p in REPO_COURSES.iterdir() if (p / "course.yaml").is_file())
    assert shipped, "no course in courses/"
    with app.app_context():
        sync_courses(REPO_COURSES)
        export_courses(tmp_path / "export", shipped)
    for slug in shipped:
        exported = tmp_path / "export" / slug
        doc = load_course_dir(REPO_COURSES / slug)
        used = ["course.yaml"] + [m.filename for m in doc.modules] + list(doc.images)
        files = sorted(p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file())
        assert files == sorted(used)
        for name in used:
            assert filecmp.cmp(REPO_COURSES / slug / name, exported / name, shallow=False), name


# --- CLI -----------------------------------------------------------------------------------

def test_cli_validate_ok_and_errors(app, tree: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "validate", "--root", str(tree)])
    assert result.exit_code == 0, result.output
    assert "1 course(s) valid" in result.output
    replace(course_dir(tree) / "01-pengantar.md", "minutes: 5", "minutes: 0")
    replace(course_dir(tree) / "course.yaml", "jp: 1", "jp: -1")
    result = runner.invoke(args=["content", "validate", "--root", str(tree)])
    assert result.exit_code == 1
    assert "kursus-contoh/01-pengantar.md:3: minutes must be a whole number from 1 to 120" in result.output
    assert "kursus-contoh/course.yaml:7: jp must be a whole number, 0 or more" in result.output
    assert "2 error(s)" in result.output


def test_cli_validate_default_root_is_the_checkout_courses_folder(app) -> None:
    result = app.test_cli_runner().invoke(args=["content", "validate"])
    assert str(REPO_COURSES.resolve()) in result.output or str(REPO_COURSES) in result.output
    assert result.exit_code == 0, result.output


def test_cli_sync_and_export(app, tree: Path, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "sync", "--root", str(tree)])
    assert result.exit_code == 0, result.output
    assert "kursus-contoh: created (version 1)" in result.output
    result = runner.invoke(args=["content", "sync", "--root", str(tree)])
    assert "kursus-contoh: unchanged (version 1)" in result.output
    out = tmp_path / "keluar"
    result = runner.invoke(args=["content", "export", "--root", str(out), "--course", "kursus-contoh"])
    assert result.exit_code == 0, result.output
    assert_same_tree(course_dir(tree), out / "kursus-contoh")
    result = runner.invoke(args=["content", "export", "--root", str(out), "--course", "tidak-ada"])
    assert result.exit_code == 1


def test_cli_sync_refuses_invalid_content(app, tree: Path) -> None:
    replace(course_dir(tree) / "02-media-sosial.md", "minutes: 4", "minutes: 400")
    result = app.test_cli_runner().invoke(args=["content", "sync", "--root", str(tree)])
    assert result.exit_code == 1
    assert "kursus-contoh/02-media-sosial.md:3: minutes must be" in result.output
    assert "nothing was loaded" in result.output


def test_content_root_comes_from_config(app, tree: Path) -> None:
    app.config["CONTENT_ROOT"] = str(tree)
    try:
        result = app.test_cli_runner().invoke(args=["content", "validate"])
    finally:
        app.config["CONTENT_ROOT"] = None
    assert result.exit_code == 0, result.output
    assert f"{tree}: 1 course(s) valid." in result.output
