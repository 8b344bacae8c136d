"""Drawn signatures carry only the chunks a canvas writes, bounded (issue 10, item 1): a zTXt or
iCCP chunk that inflates hugely is refused; and a bad image already stored (the record is
immutable) never breaks the signer's PDF, HR's PDF or the SKPD's ZIP: a placeholder box and a
logged error instead."""
from __future__ import annotations

import io
import logging
import struct
import zipfile
import zlib
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from elearn.accounts.models import User
from elearn.db import db
from elearn.errors import ServiceError
from elearn.pledges import pdf, services
from elearn.pledges.models import Campaign, PledgeSignature
from support import login
from test_pledge_hr import org  # noqa: F401 (fixture)

from pledge_support import sign_as


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _pad_png(*extra: tuple[bytes, bytes], after_idat: tuple[tuple[bytes, bytes], ...] = ()) -> bytes:
    """A 400×150 RGBA drawing like signature_pad's, with ``extra`` chunks between IHDR and IDAT."""
    width, height = 400, 150
    row = bytearray(width * 4)
    for x in range(30, 370):
        row[x * 4:x * 4 + 4] = b"\x14\x14\x3c\xff"
    raw = b"".join(b"\0" + (bytes(row) if 40 <= y < 110 else bytes(width * 4)) for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunks = [(b"IHDR", ihdr), *extra, (b"IDAT", zlib.compress(raw, 9)), *after_idat, (b"IEND", b"")]
    return services.PNG_MAGIC + b"".join(_chunk(kind, body) for kind, body in chunks)


def _bomb(size: int = 64 * 1024 * 1024) -> bytes:
    """A zlib stream of ``size`` zero bytes (64 MB: about 64 KB compressed)."""
    compressor = zlib.compressobj(9)
    block = bytes(1024 * 1024)
    return b"".join(compressor.compress(block) for _ in range(size // len(block))) + compressor.flush()


#: the probe's signature: 2.5 KB of PNG whose zTXt chunk inflates to 10 MB
ZTXT_BOMB = _pad_png((b"zTXt", b"Comment\0\0" + zlib.compress(bytes(10 * 1024 * 1024), 9)))
ICC_BOMB = _pad_png((b"iCCP", b"Skia\0\0" + _bomb()))


def _code(call: Any) -> str:
    with pytest.raises(ServiceError) as info:
        call()
    return info.value.code


@pytest.mark.parametrize("png", [
    _pad_png(),
    _pad_png((b"sBIT", b"\x08\x08\x08\x08"), (b"sRGB", b"\0")),                       # Chromium (Skia)
    _pad_png((b"iCCP", b"Skia\0\0" + zlib.compress(bytes(548)))),                       # a wide-gamut canvas
    _pad_png((b"gAMA", struct.pack(">I", 45455)), (b"cHRM", bytes(32)), (b"pHYs", bytes(9))),
    _pad_png((b"sRGB", b"\0"), (b"pHYs", bytes(9)), (b"iDOT", bytes(28))),           # Safari (ImageIO)
], ids=["bare", "chromium", "icc-profile", "colour-info", "safari"])
def test_what_browsers_write_is_accepted(app: Flask, png: bytes) -> None:
    with app.app_context():
        assert services.check_signature_png(png) == (400, 150)


@pytest.mark.parametrize("png", [
    ZTXT_BOMB,
    ICC_BOMB,
    _pad_png((b"iCCP", b"Skia\0\0" + zlib.compress(bytes(65 * 1024)))),         # a profile over 64 KB
    _pad_png((b"iCCP", b"\0\0" + zlib.compress(bytes(500)))),                   # no profile name
    _pad_png((b"iCCP", b"Skia\0\0not zlib")),
    _pad_png((b"tEXt", b"Software\0pad")),
    _pad_png((b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x/>")),
    _pad_png((b"eXIf", b"MM\0*")),
    _pad_png((b"PLTE", bytes(6))),
    _pad_png((b"sRGB", b"\0"), (b"sRGB", b"\0")),                               # twice
    _pad_png((b"gAMA", bytes(400))),                                            # longer than a gAMA is
    _pad_png(after_idat=((b"pHYs", bytes(9)),)),                                # after the image data
    _pad_png(after_idat=((b"zTXt", b"c\0\0" + zlib.compress(bytes(10 * 1024 * 1024), 9)),)),
], ids=["ztxt-bomb", "iccp-bomb", "iccp-large", "iccp-unnamed", "iccp-garbage", "text", "itxt", "exif",
        "palette", "twice", "long-gama", "after-idat", "ztxt-after-idat"])
def test_other_or_unbounded_chunks_are_refused(app: Flask, png: bytes) -> None:
    with app.app_context():
        assert _code(lambda: services.check_signature_png(png)) == "bad_png"
        assert services.stored_signature_problem(png) == "bad_png"
    assert len(ZTXT_BOMB) < 16 * 1024


@pytest.mark.parametrize("chunk", [
    (b"sRGB", b""), (b"gAMA", b"\0\1"), (b"cHRM", bytes(16)), (b"pHYs", bytes(5)), (b"tIME", bytes(3)),
    (b"sBIT", b"\x08"), (b"bKGD", b"\0\0"),   # (sBIT: 4 bytes, bKGD: 6 for RGBA)
], ids=lambda c: c[0].decode() if isinstance(c, tuple) else None)
def test_a_fixed_size_chunk_of_another_size_is_refused(app: Flask, chunk: tuple[bytes, bytes]) -> None:
    """Shorter than the PNG specification says: Pillow (so reportlab) refuses to decode such an
    image (``Truncated gAMA chunk``), so the immutable record's documents would never show it."""
    png = _pad_png(chunk)
    if chunk[0] in (b"sRGB", b"gAMA", b"cHRM", b"pHYs"):
        from PIL import Image

        with pytest.raises(ValueError, match="Truncated"):
            Image.open(io.BytesIO(png)).load()
    with app.app_context():
        assert _code(lambda: services.check_signature_png(png)) == "bad_png"
        assert services.stored_signature_problem(png) == "bad_png"


def test_an_idat_bomb_is_refused_without_inflating_it(app: Flask) -> None:
    ihdr = struct.pack(">IIBBBBB", 400, 150, 8, 6, 0, 0, 0)
    png = services.PNG_MAGIC + b"".join(_chunk(k, b) for k, b in [
        (b"IHDR", ihdr), (b"IDAT", _bomb()), (b"IEND", b"")])
    with app.app_context():
        assert _code(lambda: services.check_signature_png(png)) in ("bad_png", "png_too_large")
        layout = services.parse_png(png)
        assert _code(lambda: services.inflate_pixels(layout)) == "bad_png"


# --- a bad image already stored ----------------------------------------------------------------


@pytest.fixture
def bad_record(app: Flask, org, monkeypatch) -> dict[str, Any]:  # noqa: F811
    """Guru D signs with the zTXt bomb, validation switched off (as a record stored before the
    check existed): a real link of the chain, immutable from then on."""
    monkeypatch.setattr(services, "check_signature_png", lambda data: (400, 150))
    with app.app_context():
        campaign = db.session.get(Campaign, org["campaign"])
        user = db.session.scalar(select(User).where(User.name == "Guru D"))
        row = sign_as(campaign, user, method="drawn", signature_png=ZTXT_BOMB, typed_name=None)
        db.session.commit()
        monkeypatch.undo()
        return {**org, "bad": row.id, "bad_user": user, "bad_seq": row.seq}


def _assert_placeholder_pdf(body: bytes) -> None:
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert b"/Subtype /Image" not in body  # the box, not the image


def _logged(caplog: pytest.LogCaptureFixture, signature_id: int) -> bool:
    return any(r.levelno == logging.ERROR and f"pakta signature {signature_id}" in r.getMessage()
               for r in caplog.records)


def test_signer_pdf_of_a_bad_stored_image(app: Flask, client, bad_record, caplog) -> None:
    caplog.set_level(logging.ERROR)
    login(client, bad_record["bad_user"])
    response = client.get(f"/pakta/{bad_record['campaign']}/dokumen.pdf")
    assert response.status_code == 200
    _assert_placeholder_pdf(response.data)
    assert _logged(caplog, bad_record["bad"])
    # the receipt page does not embed it either
    page = client.get(f"/pakta/{bad_record['campaign']}/bukti").get_data(as_text=True)
    assert "Tanda tangan tidak dapat ditampilkan" in page and "data:image/png" not in page


def test_hr_pdf_of_a_bad_stored_image(app: Flask, client, bad_record, caplog) -> None:
    caplog.set_level(logging.ERROR)
    login(client, bad_record["users"]["admin"])
    response = client.get(f"/pakta/kampanye/{bad_record['campaign']}/dokumen/{bad_record['bad']}.pdf")
    assert response.status_code == 200
    _assert_placeholder_pdf(response.data)
    assert _logged(caplog, bad_record["bad"])
    # a good drawn signature still has its image
    head = bad_record["signatures"]["Kepala Dinas Pendidikan"]
    good = client.get(f"/pakta/kampanye/{bad_record['campaign']}/dokumen/{head}.pdf").data
    assert b"/Subtype /Image" in good


def test_skpd_zip_with_a_bad_stored_image_is_complete(app: Flask, client, bad_record, caplog) -> None:
    caplog.set_level(logging.ERROR)
    login(client, bad_record["users"]["operator"])
    response = client.get(f"/pakta/kampanye/{bad_record['campaign']}/skpd/{bad_record['x']}/dokumen.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == 5 and f"{bad_record['bad_seq']:05d}_guru-d.pdf" in names
    _assert_placeholder_pdf(archive.read(f"{bad_record['bad_seq']:05d}_guru-d.pdf"))
    assert all(archive.read(n).startswith(b"%PDF") for n in names)
    assert _logged(caplog, bad_record["bad"])


def test_a_decoder_failure_past_the_checks_still_gives_a_document(app: Flask, bad_record, monkeypatch,
                                                                   caplog) -> None:
    caplog.set_level(logging.ERROR)
    with app.app_context():
        signature = db.session.get(PledgeSignature, bad_record["bad"])
        # the checks miss it: the decoder's own error becomes the placeholder
        monkeypatch.setattr(pdf, "stored_signature_problem", lambda data: None)
        _assert_placeholder_pdf(pdf.signature_pdf(signature, url="https://contoh.example/v"))
        # drawing fails only while the document is built: built again with the placeholder
        head = db.session.get(PledgeSignature, bad_record["signatures"]["Kepala Dinas Pendidikan"])

        class Exploding(pdf.Image):  # type: ignore[misc,name-defined]
            def draw(self) -> None:
                raise OSError("decoder gave up")

        monkeypatch.setattr(pdf, "Image", Exploding)
        _assert_placeholder_pdf(pdf.signature_pdf(head, url="https://contoh.example/v"))
    assert _logged(caplog, bad_record["bad"]) and _logged(caplog, head.id)


def test_zip_survives_a_document_that_cannot_be_made(app: Flask, client, org, monkeypatch) -> None:  # noqa: F811
    from elearn.pledges import pdf as pdf_module

    real = pdf_module.signature_pdf

    def failing(signature: PledgeSignature, url: str | None = None) -> bytes:
        if signature.signer_name == "Guru B":
            raise RuntimeError("boom")
        return real(signature, url)

    monkeypatch.setattr(pdf_module, "signature_pdf", failing)
    login(client, org["users"]["operator"])
    response = client.get(f"/pakta/kampanye/{org['campaign']}/skpd/{org['x']}/dokumen.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == 4 and sum(n.endswith("_guru-b-GAGAL.txt") for n in names) == 1
    assert "tidak dapat dibuat" in archive.read(next(n for n in names if n.endswith("GAGAL.txt"))).decode()
