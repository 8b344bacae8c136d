"""The whole certificate journey on a 360×640 phone, with axe on every page: a learner finishes a
course in the reader (a course with ``certificate:`` set, finished by reading its modules), the course
page says "Sertifikat terbit." with a link, "Sertifikat saya" lists it, the PDF is downloaded, the
QR code's target is read from the PDF (the link annotation over the code, and the code itself: the
printed modules are sampled from a rendering of the page and compared with the QR symbol of that
URL), and that URL opens the public page: "Sah", the NIP masked and never in full.

The certificate is issued by the server in the request that finished the course (nothing is
inserted by the test). (The course and demo fixtures come before the page ones: signing the demo's
PDFs runs an event loop, which cannot start inside Playwright's.)"""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
import segno
from flask import Flask
from PIL import Image
from playwright.sync_api import Page, expect
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.certificates.models import Certificate
from elearn.courses.models import Course, CourseVersion, CourseVersionModule, ModuleVersion, VersionStatus
from elearn.db import db, utcnow

pytestmark = pytest.mark.browser

SLUG = "uji-sertifikat-ponsel"
TITLE = "Netralitas ASN: Kursus Bersertifikat"
#: pdftoppm's resolution for sampling the QR code (a 30 mm code of 37 modules: ~12 px a module)
QR_DPI = 300


@pytest.fixture(scope="module")
def course(app: Flask) -> str:
    """A published course of two short modules, finished by reading them, with a certificate of the
    default template (``certificate: {}`` in its course.yaml)."""
    with app.app_context():
        row = Course(slug=SLUG)
        db.session.add(row)
        db.session.flush()
        version = CourseVersion(course_id=row.id, number=1, status=VersionStatus.PUBLISHED, label="2026.1",
                                title=TITLE, summary="Kursus uji: selesai setelah dua modul dibaca.", jp=3,
                                completion={}, certificate={},
                                content_hash=hashlib.sha256(SLUG.encode()).hexdigest(), published_at=utcnow())
        db.session.add(version)
        db.session.flush()
        for m in (1, 2):
            module = ModuleVersion(
                course_id=row.id, slug=f"0{m}-modul-sertifikat", title=f"Modul sertifikat {m}", minutes=5,
                objectives=["Menjelaskan asas netralitas ASN"], references=["UU 20/2023 Pasal 9 ayat (2)"],
                sources=[], source_text="",
                content_hash=hashlib.sha256(f"{SLUG}-{m}".encode()).hexdigest(),
                sections=[{"title": f"Bagian {s} modul {m}",
                           "html": f"<p>Isi bagian {s}. ASN wajib netral dan tidak memihak.</p>", "words": 40}
                          for s in (1, 2)],
            )
            db.session.add(module)
            db.session.flush()
            db.session.add(CourseVersionModule(course_version_id=version.id, module_version_id=module.id,
                                               position=m - 1))
        row.published_version_id = version.id
        db.session.commit()
    return SLUG


def certificates_of(app: Flask, nip: str) -> list[tuple[str, str]]:
    """(serial, code) of every certificate of ``nip`` for this module's course."""
    with app.app_context():
        try:
            return [tuple(r) for r in db.session.execute(
                select(Certificate.serial, Certificate.code)
                .join(User, User.id == Certificate.user_id)
                .join(Course, Course.id == Certificate.course_id)
                .where(User.employee_number == nip, Course.slug == SLUG)
            )]
        finally:
            db.session.remove()


def qr_link(pdf: Path) -> tuple[str, list[float]]:
    """The target and rectangle (PDF points) of the one link annotation on the first page."""
    with pdf.open("rb") as handle:
        reader = PdfFileReader(handle)
        page = reader.root["/Pages"]["/Kids"][0].get_object()
        links = [a.get_object() for a in page.get("/Annots", [])]
        links = [a for a in links if a.get("/Subtype") == "/Link" and "/A" in a]
        assert len(links) == 1, links
        uri = str(links[0]["/A"]["/URI"])
        rect = [float(v) for v in links[0]["/Rect"]]
        media_box = [float(v) for v in page["/MediaBox"]]
    return uri, rect + [media_box[3]]


def sampled_qr(pdf: Path, rect: list[float], count: int, tmp_path: Path) -> list[list[bool]]:
    """Render the square ``rect`` (x0, y0, x1, y1 in points, then the page height) at QR_DPI and read
    a ``count``×``count`` grid of modules from the centre of each cell (dark = True)."""
    x0, y0, x1, y1, page_height = rect
    scale = QR_DPI / 72
    left, top = round(x0 * scale), round((page_height - y1) * scale)
    side = round((x1 - x0) * scale)
    out = tmp_path / "qr"
    subprocess.run(["pdftoppm", "-png", "-gray", "-r", str(QR_DPI), "-f", "1", "-l", "1", "-singlefile",
                    "-x", str(left), "-y", str(top), "-W", str(side), "-H", str(side), str(pdf), str(out)],
                   check=True, timeout=30)
    with Image.open(out.with_suffix(".png")) as image:
        gray = image.convert("L")
        cell = gray.width / count
        return [[gray.getpixel((int((c + 0.5) * cell), int((r + 0.5) * cell))) < 128 for c in range(count)]
                for r in range(count)]


def qr_encodes(pdf: Path, rect: list[float], url: str, tmp_path: Path) -> bool:
    """Whether the printed code is a QR symbol of ``url``: equal, module for module, to one of the
    symbols of ``url`` (any error correction level and mask; a quiet zone of 2 modules inside the
    box, as the templates draw it). No QR decoder is installed; this is the next best thing."""
    sampled: dict[int, list[list[bool]]] = {}
    for error in "lmqh":
        for mask in range(8):
            symbol = [[bool(v) for v in row]
                      for row in segno.make(url, error=error, micro=False, mask=mask, boost_error=False)
                      .matrix_iter(border=2)]
            count = len(symbol)
            if count not in sampled:
                sampled[count] = sampled_qr(pdf, rect, count, tmp_path)
            if sampled[count] == symbol:
                return True
    return False


def test_finish_course_get_certificate_and_verify_from_the_qr(app: Flask, demo, course, page: Page, sign_in,
                                                               check_page, base_url: str, tmp_path) -> None:
    account = demo[Role.PESERTA]
    assert certificates_of(app, account.nip) == []
    sign_in(account.nip, account.password)

    page.goto(f"/kursus/{course}")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(".certificate-issued")).to_have_count(0)
    check_page("sertifikat-perjalanan-kursus")

    # read both modules in the reader: "Berikutnya", then "Tandai selesai" on the last section
    page.get_by_role("link", name="Mulai", exact=True).click()
    for m in (1, 2):
        expect(page).to_have_url(f"{base_url}/kursus/{course}/modul/0{m}-modul-sertifikat?bagian=1")
        if m == 1:
            check_page("sertifikat-perjalanan-modul")
        page.get_by_role("button", name="Berikutnya").click()
        expect(page.locator("main")).to_contain_text("Bagian 2 dari 2")
        page.get_by_role("button", name="Tandai selesai").click()

    # finishing the last module issued the certificate in that request; the course page says so
    expect(page).to_have_url(f"{base_url}/kursus/{course}")
    issued = certificates_of(app, account.nip)
    assert len(issued) == 1
    serial, code = issued[0]
    notice = page.locator(".certificate-issued")
    expect(notice).to_contain_text("Sertifikat terbit")
    expect(page.locator("main")).to_contain_text("Kursus ini sudah selesai.")
    expect(page.locator("main")).not_to_contain_text("Sisa waktu")  # (not "sekitar 0 menit")
    check_page("sertifikat-perjalanan-selesai")

    # "Sertifikat saya"
    notice.get_by_role("link", name=f"Lihat sertifikat {serial}").click()
    expect(page.get_by_role("heading", name="Sertifikat saya")).to_be_visible()
    card = page.locator("section.certificate", has=page.get_by_role("heading", name=TITLE))
    expect(card).to_contain_text(serial)
    expect(card).to_contain_text("3 JP")
    expect(card.locator(".badge")).to_have_text("berlaku")
    verify_url = card.locator(".verify-link").inner_text().strip()
    assert verify_url == f"{base_url}/verifikasi/sertifikat/{code}"
    expect(page.locator("main")).to_contain_text("Untuk dicetak atau dikirim, gunakan PDF.")
    check_page("sertifikat-perjalanan-saya")

    # the PDF, downloaded as a browser download
    with page.expect_download() as info:
        card.get_by_role("link", name="Unduh PDF").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = tmp_path / "sertifikat.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")

    # the QR code's target: the link over the code, and the code itself
    uri, rect = qr_link(pdf)
    assert uri == verify_url
    assert abs((rect[2] - rect[0]) - (rect[3] - rect[1])) < 0.5  # a square over the code
    assert qr_encodes(pdf, rect, uri, tmp_path), "the printed QR code is not the code of the link's URL"

    # what the QR code opens: valid, the NIP masked
    page.goto(uri)
    expect(page.get_by_text("Sah: sertifikat ini diterbitkan oleh Pemerintah Kota Contoh melalui elearn dan "
                            "masih berlaku.")).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text(TITLE)
    expect(main).to_contain_text("3 JP")
    expect(main).to_contain_text(serial)
    expect(main).to_contain_text(f"•••••••• •••••• • {account.nip[15:]}")
    assert account.nip not in page.content()
    assert page.locator("meta[name=robots]").get_attribute("content") == "noindex, nofollow"
    check_page("sertifikat-perjalanan-verifikasi")


def test_hr_rekap_per_skpd_and_exports_on_a_phone(demo, page: Page, sign_in, check_page) -> None:
    """HR's side of the same certificates at 360 px: the per-SKPD summary, one SKPD's page, a CSV
    export; the operator SKPD sees their own SKPD only."""
    sign_in(demo[Role.ADMIN_BKPSDM].nip, demo[Role.ADMIN_BKPSDM].password)
    page.goto("/rekap-sertifikat/")
    expect(page.get_by_role("heading", name="Rekap sertifikat")).to_be_visible()
    tiles = page.locator(".grid-3 .card")
    expect(tiles).to_have_count(3)
    expect(tiles.nth(2)).to_contain_text("belum memiliki sertifikat")
    # every word of the tiles fits its tile (no "bersertifika/t" broken over two lines at 360 px)
    assert page.evaluate("""() => [...document.querySelectorAll('.grid-3 .card')].every(card => {
        const probe = document.createElement('span');
        probe.style.whiteSpace = 'nowrap';
        card.appendChild(probe);
        const inner = card.clientWidth - parseFloat(getComputedStyle(card).paddingLeft)
                      - parseFloat(getComputedStyle(card).paddingRight);
        const fits = card.lastChild.previousSibling.textContent.trim().split(/\\s+/).every(word => {
            probe.textContent = word; return probe.getBoundingClientRect().width <= inner + 0.5; });
        probe.remove();
        return fits; })""")
    check_page("rekap-sertifikat")

    table = page.locator("table").first
    table.locator("a[href*='/rekap-sertifikat/skpd/']").first.click()
    expect(page.get_by_role("link", name="Unduh semua PDF (ZIP)")).to_be_visible()
    check_page("rekap-sertifikat-skpd")
    with page.expect_download() as info:
        page.get_by_role("link", name="Unduh CSV").click()
    header = Path(info.value.path()).read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("Nama,NIP / NI PPPK,Unit kerja,Status,Nomor sertifikat")


def test_operator_sees_only_their_skpd(demo, page: Page, sign_in, check_page) -> None:
    sign_in(demo[Role.OPERATOR_SKPD].nip, demo[Role.OPERATOR_SKPD].password)
    page.goto("/rekap-sertifikat/")
    expect(page.locator("table").first.locator("tbody tr")).to_have_count(1)
    check_page("rekap-sertifikat-operator")
