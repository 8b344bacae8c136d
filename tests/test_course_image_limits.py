"""Course images are decoded on learners' phones: the upload and the content sync check the
dimensions and pixel count from the image header, not only the first bytes (issue 10, item 1)."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import select

from elearn.content.courses import check_image, image_size_problem
from elearn.courses.models import CourseAsset
from elearn.db import db
from test_authoring import new_course, png, trainer  # noqa: F401 (fixture)
from test_content import course_dir, messages, tree  # noqa: F401 (fixture)
from elearn.content.courses import validate_tree


def png_header_only(width: int, height: int, rows: int = 1) -> bytes:
    """A small, well-formed PNG whose header claims ``width`` × ``height`` (its pixel data covers only
    ``rows`` rows: a checker that decodes would fail, one that reads the header must refuse it
    before). 12,000 × 12,000 here is about 120 bytes; the probe's 140 KB file was the same idea."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    idat = zlib.compress(b"\0" * ((width + 7) // 8 + 1) * rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def real_png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("1", size, 1).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(("width", "height", "code"), [
    (12_000, 12_000, "too_large"),     # Pillow's own decompression-bomb warning (144 Mpx)
    (30_000, 30_000, "too_large"),     # Pillow's decompression-bomb error (900 Mpx)
    (5_000, 100, "too_large"),         # one side over 4096
    (4_000, 4_001, "too_large"),       # 16.004 Mpx, each side within 4096
    (4_096, 3_000, None),
])
def test_image_size_problem_reads_the_header(app, width: int, height: int, code: str | None) -> None:
    with app.app_context():
        problem = image_size_problem(png_header_only(width, height))
    assert (problem.code if problem else None) == code


def test_limits_come_from_the_config(app, monkeypatch) -> None:
    data = real_png((300, 200))
    monkeypatch.setitem(app.config, "COURSE_IMAGE_MAX_SIDE", 256)
    with app.app_context():
        problem = image_size_problem(data)
        assert problem is not None and (problem.width, problem.height, problem.max_side) == (300, 200, 256)
        monkeypatch.setitem(app.config, "COURSE_IMAGE_MAX_SIDE", 4096)
        monkeypatch.setitem(app.config, "COURSE_IMAGE_MAX_PIXELS", 50_000)
        assert image_size_problem(data) is not None
        monkeypatch.setitem(app.config, "COURSE_IMAGE_MAX_PIXELS", 60_000)
        assert image_size_problem(data) is None


def test_a_damaged_header_is_refused() -> None:
    data = png_header_only(10, 10)
    broken = data[:16] + b"\xff" * 17 + data[33:]  # IHDR body and CRC overwritten
    assert check_image("images/rusak.png", broken) == (
        "image images/rusak.png: the image header cannot be read (damaged file?)")


def test_upload_refuses_a_huge_canvas_with_a_clear_message(app, client, login_as, trainer) -> None:  # noqa: F811
    login_as(trainer)
    course_id = new_course(client)

    def upload(data: bytes, name: str) -> str:
        return client.post(f"/penyusunan/{course_id}/gambar", data={"image": (io.BytesIO(data), name)},
                           content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)

    page = upload(png_header_only(12_000, 12_000), "bom.png")
    assert ("Gambar 12000×12000 piksel terlalu besar untuk ponsel peserta: paling besar 4096 piksel per sisi "
            "dan 16 megapiksel. Perkecil dulu.") in page
    page = upload(png_header_only(30_000, 30_000), "bom-besar.png")
    assert "Gambar ini terlalu besar untuk ponsel peserta" in page
    page = upload(real_png((4_000, 4_001)), "hampir.png")
    assert "Gambar 4000×4001 piksel terlalu besar" in page
    assert "Gambar ini rusak atau tidak terbaca." in upload(b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "rusak.png")
    assert "images/kecil.png" in upload(png((640, 480)), "kecil.png")
    with app.app_context():
        paths = db.session.scalars(select(CourseAsset.path).where(CourseAsset.course_id == course_id)).all()
    assert paths == ["images/kecil.png"]


def test_content_sync_refuses_a_huge_canvas(tree) -> None:  # noqa: F811
    (course_dir(tree) / "images" / "bagan.png").write_bytes(png_header_only(12_000, 12_000))
    assert ("kursus-contoh/01-pengantar.md:19: image images/bagan.png: 12000×12000 pixels, at most 4096 pixels "
            "a side and 16 megapixels allowed (scale it down)") in messages(validate_tree(tree))
