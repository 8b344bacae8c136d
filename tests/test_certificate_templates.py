"""Certificate templates as content (certificates/<key>/template.yaml): validation with file:line for
every bad case, bounded background images, sync (one row per content hash, ``current`` on the newest),
the content CLI, ensure_current and available_templates."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from elearn.certificates.models import CertificateTemplate
from elearn.certificates.templates import TemplateError, available_templates, ensure_current
from elearn.content.certificates import (
    FIELDS,
    load_template_dir,
    sync_templates,
    validate_template_tree,
)
from elearn.content.courses import ContentInvalid
from elearn.db import db

REPO_CERTIFICATES = Path(__file__).resolve().parents[1] / "certificates"

# line numbers matter: the tests below name them
VALID = """\
title: Sertifikat uji
version: 1
page:
  size: A4
  orientation: landscape
elements:
  - {kind: rect, x: 7, y: 7, width: 283, height: 196, thickness: 2, color: "#1f3a5f"}
  - {kind: text, text: SERTIFIKAT, x: 40, y: 40, width: 217, height: 16, size: 30, bold: true}
  - {kind: field, field: holder_name, x: 30, y: 80, width: 237, height: 15, size: 26, min_size: 14, max_lines: 2}
  - {kind: text, text: "telah menyelesaikan {course_title}", x: 30, y: 100, width: 237, height: 10}
  - {kind: text, text: "Nomor {serial}", x: 30, y: 112, width: 237, height: 8, font: sans, size: 10}
  - {kind: qr, x: 20, y: 160, width: 30}
  - {kind: field, field: unsigned_note, x: 55, y: 170, width: 80, height: 10, size: 7, max_lines: 3}
  - {kind: image, source: logo, x: 136, y: 15, width: 25, height: 25}
  - {kind: line, x: 78, y: 97, width: 141, thickness: 0.8}
"""


def _tree(tmp_path: Path, text: str = VALID, key: str = "uji") -> Path:
    root = tmp_path / "certificates"
    (root / key).mkdir(parents=True)
    (root / key / "template.yaml").write_text(text, encoding="utf-8")
    (root / "README.md").write_text("# templates\n", encoding="utf-8")
    return root


def _messages(tmp_path: Path, text: str) -> list[str]:
    root = _tree(tmp_path, text)
    return [str(e) for e in load_template_dir(root / "uji").errors]


# --- the shipped template -----------------------------------------------------------------------


def test_the_shipped_templates_are_valid() -> None:
    assert validate_template_tree(REPO_CERTIFICATES) == []
    doc = load_template_dir(REPO_CERTIFICATES / "default")
    assert doc.ok and doc.background is None  # a vector frame, no copied artwork
    shown = {name for e in doc.layout["elements"] for name in e.get("fields", [])}
    # the default template shows everything a certificate says
    assert shown >= set(FIELDS) - {"unit_name", "skpd_name", "jp_number"}
    assert any(e["kind"] == "qr" for e in doc.layout["elements"])
    assert (REPO_CERTIFICATES / "default" / "README.md").is_file()


def test_a_valid_template_has_no_errors_and_defaults_filled_in(tmp_path: Path) -> None:
    doc = load_template_dir(_tree(tmp_path) / "uji")
    assert doc.errors == []
    name = doc.layout["elements"][2]
    assert name["fields"] == ["holder_name"] and name["font"] == "serif" and name["align"] == "center"
    assert name["min_size"] == 14 and name["max_lines"] == 2
    assert doc.layout["elements"][3]["min_size"] == pytest.approx(7.2)  # 60 % of 12 pt
    assert doc.layout["page"]["width"] == 297 and doc.layout["texts"]["revoked_mark"] == "DICABUT"


# --- every bad case with its file and line ----------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("{kind: rect,", "{kind: circle,", "uji/template.yaml:7: element 1: unknown kind 'circle'"),
    ("field: holder_name,", "field: nama_lengkap,", "uji/template.yaml:9: element 3 (field): unknown field "
                                                    "'nama_lengkap'"),
    ("{course_title}", "{judul}", "uji/template.yaml:10: element 4 (text): unknown field {judul}"),
    ("{course_title}", "{course_title", "uji/template.yaml:10: element 4 (text): text has a malformed placeholder"),
    ("x: 30, y: 112, width: 237", "x: 100, y: 112, width: 237",
     "uji/template.yaml:11: element 5 (text): the box (100, 112) to (337, 120) mm leaves the page (297 × 210 mm)"),
    ("x: 20, y: 160, width: 30", "x: 20, y: 300, width: 30",
     "uji/template.yaml:12: element 6 (qr): y must be between 0 and 210 mm, not 300"),
    ("x: 20, y: 160, width: 30", "x: 20, y: -5, width: 30",
     "uji/template.yaml:12: element 6 (qr): y must be between 0 and 210 mm, not -5"),
    ("size: 26,", "size: besar,", "uji/template.yaml:9: element 3 (field): size must be a number (pt), not 'besar'"),
    ("size: 26,", "size: .nan,", "uji/template.yaml:9: element 3 (field): size must be a number (pt)"),
    ("size: 26,", "size: true,", "uji/template.yaml:9: element 3 (field): size must be a number (pt), not True"),
    ("size: 26,", "size: 500,", "uji/template.yaml:9: element 3 (field): size must be between 4 and 96 pt"),
    ("min_size: 14,", "min_size: 40,", "uji/template.yaml:9: element 3 (field): min_size (40) must not be "
                                       "larger than size (26)"),
    ("max_lines: 2}", "max_lines: 2.5}", "uji/template.yaml:9: element 3 (field): max_lines must be a whole number"),
    ("color: \"#1f3a5f\"}", "color: navy}", "uji/template.yaml:7: element 1 (rect): color must be a colour like"),
    ("bold: true}", "bold: ya}", "uji/template.yaml:8: element 2 (text): bold must be true or false"),
    ("size: 10}", "size: 10, italic: true}", "uji/template.yaml:11: element 5 (text): italic is only available"),
    ("size: 10}", "size: 10, align: justify}", "uji/template.yaml:11: element 5 (text): align must be one of"),
    ("size: 10}", "size: 10, warna: merah}", "uji/template.yaml:11: element 5 (text): unknown key 'warna'"),
    ("source: logo,", "source: stempel.png,", "uji/template.yaml:14: element 8 (image): unknown image source "
                                              "'stempel.png'"),
    ("{kind: line, x: 78,", "{kind: line,", "uji/template.yaml:15: element 9 (line): 'x' is missing"),
    ("{kind: qr, x: 20, y: 160, width: 30}", "{kind: qr, x: 20, y: 160, width: 10}",
     "uji/template.yaml:12: element 6 (qr): width must be between 15 and 210 mm, not 10"),
    ("version: 1\n", "version: 1\npenulis: saya\n", "uji/template.yaml:3: unknown key 'penulis'"),
    ("title: Sertifikat uji\n", "title: ''\n", "uji/template.yaml:1: title must be non-empty text"),
    ("  size: A4\n", "  size: A3\n", "uji/template.yaml:3: page must be size A4"),
    ("  - {kind: qr, x: 20, y: 160, width: 30}\n", "",
     "uji/template.yaml:6: the layout must have a qr element (the verification code)"),
    ("  - {kind: field, field: unsigned_note, x: 55, y: 170, width: 80, height: 10, size: 7, max_lines: 3}\n", "",
     "uji/template.yaml:6: the layout must show the field unsigned_note"),
    ("elements:\n", "elements: []\nunused:\n", "uji/template.yaml:6: elements must be a non-empty list"),
    ("version: 1\n", "version: [1\n", "uji/template.yaml:3: not valid YAML"),
    ("version: 1\n", "version: 1\ntexts:\n  revoked_mark: DICABUT {serial}\n",
     "uji/template.yaml:4: texts.revoked_mark: only texts.revoked_note may hold a placeholder"),
    ("version: 1\n", "version: 1\nbackground: ../rahasia.png\n",
     "uji/template.yaml:3: background must be the name of an image file in the template folder"),
    ("version: 1\n", "version: 1\nbackground: latar.png\n", "uji/template.yaml:3: background latar.png does not exist"),
    ("version: 1\n", "version: 1\nbackground: latar.gif\n",
     "uji/template.yaml:3: background latar.gif: type .gif not allowed (use .png or .jpg)"),
])
def test_errors_name_file_and_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in VALID
    messages = _messages(tmp_path, VALID.replace(old, new, 1))
    assert any(m.startswith(expected) for m in messages), messages


def test_texts_override_the_renderer_sentences(tmp_path: Path) -> None:
    text = VALID.replace("version: 1\n", "version: 1\ntexts:\n  revoked_note: 'Dicabut sejak {revoked_on}'\n"
                                          "  signed_note: 'Bertanda tangan elektronik {{BSrE}}'\n")
    doc = load_template_dir(_tree(tmp_path, text) / "uji")
    assert doc.errors == []
    assert doc.layout["texts"]["revoked_note"] == "Dicabut sejak {revoked_on}"
    assert doc.layout["texts"]["signed_note"] == "Bertanda tangan elektronik {BSrE}"
    assert doc.layout["texts"]["unsigned_note"].startswith("Dokumen ini tidak ditandatangani")


def test_missing_template_file_and_bad_folder_name(tmp_path: Path) -> None:
    root = tmp_path / "certificates"
    (root / "Tanpa File").mkdir(parents=True)
    messages = [str(e) for e in validate_template_tree(root)]
    assert "Tanpa File/template.yaml:1: template.yaml is missing" in messages
    assert any(m.startswith("Tanpa File:1: template folder name must use a-z") for m in messages)
    assert [str(e) for e in validate_template_tree(tmp_path / "nothing")] == [
        f"{tmp_path / 'nothing'}:1: folder does not exist"]


def _with_background(tmp_path: Path, name: str, data: bytes) -> list[str]:
    root = _tree(tmp_path, VALID.replace("version: 1\n", f"version: 1\nbackground: {name}\n"))
    (root / "uji" / name).write_bytes(data)
    return [str(e) for e in load_template_dir(root / "uji").errors]


def _png(width: int, height: int, noise: bool = False) -> bytes:
    from io import BytesIO

    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)) if noise else \
        Image.new("RGB", (width, height), (250, 246, 235))
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _jpeg(width: int, height: int) -> bytes:
    from io import BytesIO

    out = BytesIO()
    Image.new("RGB", (width, height), (250, 246, 235)).save(out, "JPEG")
    return out.getvalue()


def test_background_images_are_checked_and_bounded(tmp_path: Path) -> None:
    assert _with_background(tmp_path / "a", "latar.png", _png(1200, 850)) == []
    assert _with_background(tmp_path / "b", "latar.jpg", _jpeg(800, 560)) == []
    # content that is not an image, or not what its name says
    assert _with_background(tmp_path / "c", "latar.png", b"GIF89a not a png") == [
        "uji/template.yaml:3: background latar.png: content is not a PNG or JPEG image"]
    assert _with_background(tmp_path / "d", "latar.jpg", _png(10, 10)) == [
        "uji/template.yaml:3: background latar.jpg: file is image/png but named .jpg"]
    # a damaged header
    assert _with_background(tmp_path / "e", "latar.png", _png(10, 10)[:30]) == [
        "uji/template.yaml:3: background latar.png: the image header cannot be read (damaged file?)"]
    # too many pixels a side (the course image limits: 4096 a side)
    messages = _with_background(tmp_path / "f", "latar.png", _png(5000, 20))
    assert messages == ["uji/template.yaml:3: background latar.png: 5000×20 pixels, at most 4096 pixels a side "
                        "and 16 megapixels allowed (scale it down)"]
    # too many bytes
    messages = _with_background(tmp_path / "g", "latar.png", _png(700, 600, noise=True))
    assert len(messages) == 1 and messages[0].startswith("uji/template.yaml:3: background latar.png: ")
    assert messages[0].endswith("KB, at most 1024 KB allowed")


def test_background_is_kept_with_the_layout(tmp_path: Path) -> None:
    data = _png(300, 212)
    root = _tree(tmp_path, VALID.replace("version: 1\n", "version: 1\nbackground: latar.png\n"))
    (root / "uji" / "latar.png").write_bytes(data)
    doc = load_template_dir(root / "uji")
    assert doc.ok and doc.background == data and doc.background_mimetype == "image/png"
    assert doc.layout["background"] == "latar.png"
    # the hash covers the image: a new image is a new template version
    (root / "uji" / "latar.png").write_bytes(_png(300, 213))
    assert load_template_dir(root / "uji").content_hash != doc.content_hash


# --- sync -----------------------------------------------------------------------------------------


def _rows(key: str) -> list[CertificateTemplate]:
    return list(db.session.scalars(select(CertificateTemplate).where(CertificateTemplate.key == key)
                                   .order_by(CertificateTemplate.id)))


def test_sync_creates_keeps_and_versions_rows(app: Flask, tmp_path: Path) -> None:
    root = _tree(tmp_path)
    with app.app_context():
        assert sync_templates(root).templates == {"uji": "created"}
        assert sync_templates(root).templates == {"uji": "unchanged"}
        [first] = _rows("uji")
        assert first.current and first.title == "Sertifikat uji" and first.background is None
        assert first.source_text == VALID and first.layout["elements"][2]["field"] == "holder_name"

        (root / "uji" / "template.yaml").write_text(VALID.replace("size: 30", "size: 32"), encoding="utf-8")
        assert sync_templates(root).templates == {"uji": "updated"}
        first_again, second = _rows("uji")
        assert not first_again.current and second.current and second.content_hash != first.content_hash
        assert ensure_current("uji").id == second.id

        # the folder goes back to the first version: that row is current again, nothing new
        (root / "uji" / "template.yaml").write_text(VALID, encoding="utf-8")
        assert sync_templates(root).templates == {"uji": "updated"}
        assert [r.current for r in _rows("uji")] == [True, False]
        assert db.session.scalar(select(func.count()).select_from(CertificateTemplate)
                                 .where(CertificateTemplate.key == "uji")) == 2


def test_sync_refuses_everything_when_one_template_is_bad(app: Flask, tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "rusak").mkdir()
    (root / "rusak" / "template.yaml").write_text(VALID.replace("{kind: rect,", "{kind: bintang,"), encoding="utf-8")
    with app.app_context():
        with pytest.raises(ContentInvalid) as info:
            sync_templates(root)
        assert [str(e).split(": element")[0] for e in info.value.errors] == ["rusak/template.yaml:7"]
        assert _rows("uji") == [] and _rows("rusak") == []


# --- the CLI --------------------------------------------------------------------------------------


def test_content_validate_and_sync_cli(app: Flask, tmp_path: Path) -> None:
    root = _tree(tmp_path)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "validate", "--certificates-root", str(root)])
    assert result.exit_code == 0, result.output
    assert "1 certificate template(s) valid" in result.output

    result = runner.invoke(args=["content", "sync", "--certificates-root", str(root)])
    assert result.exit_code == 0, result.output
    assert "uji: certificate template created" in result.output
    result = runner.invoke(args=["content", "sync", "--certificates-root", str(root), "--template", "uji"])
    assert "uji: certificate template unchanged" in result.output

    (root / "uji" / "template.yaml").write_text(VALID.replace("field: holder_name", "field: nama"), encoding="utf-8")
    result = runner.invoke(args=["content", "validate", "--certificates-root", str(root)])
    assert result.exit_code == 1
    assert "uji/template.yaml:9: element 3 (field): unknown field 'nama'" in result.output
    result = runner.invoke(args=["content", "sync", "--certificates-root", str(root)])
    assert result.exit_code == 1 and "nothing was loaded" in result.output


def test_content_validate_without_options_checks_the_shipped_templates(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["content", "validate"])
    assert result.exit_code == 0, result.output
    assert "certificate template(s) valid" in result.output


def test_content_sync_template_only(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["content", "sync", "--template", "default"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("default: certificate template ")
    assert "pledge text" not in result.output and "bank" not in result.output


# --- ensure_current and the admin's choice ------------------------------------------------------------


def test_ensure_current_loads_a_never_synced_template(app: Flask, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    monkeypatch.setitem(app.config, "CERTIFICATE_ROOT", str(root))
    with app.app_context():
        row = ensure_current("uji")
        assert row.id is not None and row.current and row.key == "uji"
        assert ensure_current("uji").id == row.id
        assert len(_rows("uji")) == 1


def test_ensure_current_refuses_missing_and_invalid_templates(app: Flask, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path, VALID.replace("{kind: rect,", "{kind: bintang,"), key="rusak")
    monkeypatch.setitem(app.config, "CERTIFICATE_ROOT", str(root))
    with app.app_context():
        with pytest.raises(TemplateError, match="'tidak-ada' does not exist"):
            ensure_current("tidak-ada")
        with pytest.raises(TemplateError, match=r"'rusak' is not valid: rusak/template.yaml:7: element 1: "
                                                r"unknown kind 'bintang'"):
            ensure_current("rusak")
        with pytest.raises(TemplateError, match="not a template key"):
            ensure_current("../etc")
        assert _rows("rusak") == []


def test_ensure_current_default_from_the_checkout(app: Flask) -> None:
    with app.app_context():
        row = ensure_current("default")
        assert row.current and row.layout["page"]["orientation"] == "landscape"


def test_available_templates(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    shutil.copytree(REPO_CERTIFICATES / "default", root / "default")
    (root / "rusak").mkdir()
    (root / "rusak" / "template.yaml").write_text("title: [", encoding="utf-8")
    monkeypatch.setitem(app.config, "CERTIFICATE_ROOT", str(root))
    with app.app_context():
        choices = available_templates()
        assert [c.key for c in choices] == ["default", "uji"]  # the invalid folder is no choice
        ensure_current("uji")
        titles = {c.key: c.title for c in available_templates()}
        assert titles["uji"] == "Sertifikat uji"
        assert titles["default"].startswith("Sertifikat standar")
