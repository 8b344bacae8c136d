"""The certificate PDF renderer: what the page says (text extracted through the fonts' ToUnicode maps),
real glyphs for all of Unicode Latin, shrink-to-fit that never leaves the box or the page, the
unsigned note, the revoked / replaced marks, the logo, a background, and the per-process caches."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.pdfbase import pdfmetrics

from elearn.certificates import render
from elearn.certificates.document import CertificateDocument
from elearn.certificates.models import CertificateTemplate
from elearn.certificates.render import FONT_FILES, fit_text, font_has_glyphs, render_pdf
from elearn.certificates.templates import ensure_current
from elearn.content.certificates import load_template_dir

REPO_CERTIFICATES = Path(__file__).resolve().parents[1] / "certificates"
UNICODE_NAMES = ("Ṡiti Nur'aini", "Đặng Thị Ánh", "Çağrı Ñúñez", "Łukasz Żółć", "Ǆemal Ǧorđević", "Ŵyn Ẁỳ")
A4_LANDSCAPE = (841.89, 595.28)


def template_from(path: Path) -> CertificateTemplate:
    doc = load_template_dir(path)
    assert doc.ok, doc.errors
    return CertificateTemplate(key=doc.key, title=doc.title, layout=doc.layout, source_text=doc.source_text,
                               background=doc.background, background_mimetype=doc.background_mimetype,
                               content_hash=doc.content_hash, current=True)


@pytest.fixture(scope="module")
def template() -> CertificateTemplate:
    return template_from(REPO_CERTIFICATES / "default")


def document(**changes: object) -> CertificateDocument:
    base = CertificateDocument(
        serial="BKPSDM-KC/2026/000123",
        verify_url="https://elearn.kotacontoh.go.id/verifikasi/sertifikat/k3J9xQ2mVb7TzR4pL8wN",
        holder_name="Dra. Siti Rahmawati, M.Si.", holder_number_label="NIP", holder_number="19800101 200501 2 001",
        pangkat_golongan="Penata Muda (III/a)", jabatan="Analis Sumber Daya Manusia Aparatur",
        unit_name="Bidang Pengembangan Kompetensi", skpd_name="BKPSDM Kota Contoh",
        instansi_name="Pemerintah Kota Contoh", course_title="Netralitas ASN dalam Pemilu dan Pilkada", jp=2,
        completed_on=dt.date(2026, 12, 4), signatory_name="Budi Santoso, S.H., M.AP.",
        signatory_nip="197501012000031002", signatory_title="Kepala BKPSDM Kota Contoh", signed=False)
    return replace(base, **changes)  # type: ignore[arg-type]


# --- reading the PDF back -------------------------------------------------------------------------

_TOKEN = re.compile(rb"/(\S+) ([\d.]+) Tf|([\d.-]+) ([\d.-]+) ([\d.-]+) ([\d.-]+) ([\d.-]+) ([\d.-]+) Tm|"
                    rb"\(((?:\\.|[^\\)])*)\) Tj")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        ch = raw[i:i + 1]
        if ch == b"\\":
            nxt = raw[i + 1:i + 2]
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            if octal:
                out.append(int(octal.group(), 8) & 0xFF)
                i += 1 + len(octal.group())
                continue
            out += _ESCAPES.get(nxt, nxt)
            i += 2
        else:
            out += ch
            i += 1
    return bytes(out)


def _cmap(stream: bytes) -> dict[int, str]:
    mapping = {}
    for code, uni in re.findall(rb"<([0-9A-Fa-f]{2})> <([0-9A-Fa-f]{4,})>", stream):
        mapping[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    return mapping


class Run:
    def __init__(self, font: str, size: float, x: float, y: float, text: str) -> None:
        self.font, self.size, self.x, self.y, self.text = font, size, x, y, text


def text_runs(pdf: bytes) -> tuple[list[Run], dict]:
    """Every string drawn on the (only) page: its font (the embedded font's name), size, position, text."""
    reader = PdfFileReader(BytesIO(pdf))
    pages = reader.root["/Pages"]["/Kids"]
    assert len(pages) == 1
    page = pages[0]
    fonts = page["/Resources"]["/Font"]
    cmaps = {str(name)[1:]: _cmap(fonts[name]["/ToUnicode"].data) for name in fonts}
    base = {str(name)[1:]: str(fonts[name]["/BaseFont"]).split("+", 1)[1] for name in fonts}
    runs: list[Run] = []
    font, size, x, y = "", 0.0, 0.0, 0.0
    for m in _TOKEN.finditer(page["/Contents"].data):
        if m.group(1):
            font, size = m.group(1).decode(), float(m.group(2))
        elif m.group(3):
            x, y = float(m.group(7)), float(m.group(8))
        else:
            codes = _unescape(m.group(9))
            runs.append(Run(base[font], size, x, y, "".join(cmaps[font].get(c, "\ufffd") for c in codes)))
    return runs, page


def page_text(pdf: bytes) -> str:
    return "\n".join(r.text for r in text_runs(pdf)[0])


# --- what the page says ---------------------------------------------------------------------------


def test_the_page_says_who_what_which_and_how_to_check(template: CertificateTemplate) -> None:
    pdf = render_pdf(document(), template, None)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    runs, page = text_runs(pdf)
    assert [round(float(v), 2) for v in page["/MediaBox"]][2:] == list(A4_LANDSCAPE)
    text = "\n".join(r.text for r in runs)
    for expected in ("PEMERINTAH KOTA CONTOH", "Nomor: BKPSDM-KC/2026/000123", "diberikan kepada",
                     "Dra. Siti Rahmawati, M.Si.", "NIP", ": 19800101 200501 2 001", ": Penata Muda (III/a)",
                     ": Analis Sumber Daya Manusia Aparatur", ": Bidang Pengembangan Kompetensi, BKPSDM Kota Contoh",
                     "Netralitas ASN dalam Pemilu dan Pilkada",
                     "dengan bobot 2 JP (jam pelajaran), diselesaikan pada tanggal 4 Desember 2026.",
                     "Kepala BKPSDM Kota Contoh", "Budi Santoso, S.H., M.AP.", "NIP 19750101 200003 1 002",
                     "https://elearn.kotacontoh.go.id/verifikasi/sertifikat/k3J9xQ2mVb7TzR4pL8wN"):
        assert expected in text, (expected, text)
    assert "Dokumen ini tidak ditandatangani secara elektronik" in text
    assert "Ditandatangani secara elektronik" not in text
    assert "S E R T I F I K A T".replace(" ", "") in text
    # the QR code is clickable to the verification page
    assert b"/URI (https://elearn.kotacontoh.go.id/verifikasi/sertifikat/k3J9xQ2mVb7TzR4pL8wN)" in pdf
    assert b"DICABUT" not in pdf and "DICABUT" not in text and "DIGANTI" not in text


def test_a_signed_document_has_no_unsigned_note(template: CertificateTemplate) -> None:
    text = page_text(render_pdf(document(signed=True), template, None))
    assert "tidak ditandatangani" not in text
    assert "Ditandatangani secara elektronik" in text


def test_empty_values_print_a_dash_or_leave_the_line_out(template: CertificateTemplate) -> None:
    text = page_text(render_pdf(document(pangkat_golongan="", jabatan="", signatory_nip=""), template, None))
    assert ": -" in text.split("\n")
    assert not any(line.startswith("NIP 1975") for line in text.split("\n"))
    assert "Budi Santoso, S.H., M.AP." in text


def test_revoked_and_replaced_copies_are_marked(template: CertificateTemplate) -> None:
    revoked = page_text(render_pdf(document(revoked_on=dt.date(2026, 12, 10)), template, None))
    assert "DICABUT" in revoked.split("\n")
    assert "DICABUT: Sertifikat ini dicabut pada 10 Desember 2026" in revoked
    replaced = page_text(render_pdf(document(replaced=True), template, None))
    assert "DIGANTI" in replaced.split("\n")
    assert "DIGANTI: Sertifikat ini telah diganti dengan sertifikat baru" in replaced
    assert "DICABUT" not in replaced


# --- fonts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", UNICODE_NAMES)
def test_every_font_has_real_glyphs_for_unicode_latin_names(name: str) -> None:
    render.register_fonts()
    for registered, _ in FONT_FILES.values():
        assert font_has_glyphs(registered, name) == [], registered
        face = pdfmetrics.getFont(registered).face
        assert all(face.charToGlyph[ord(ch)] != 0 for ch in name if not ch.isspace())  # not .notdef


def test_all_of_latin_extended_is_covered() -> None:
    render.register_fonts()
    blocks = [range(0x00C0, 0x0250), range(0x1E00, 0x1F00)]  # Latin-1, Extended-A/B, Extended Additional
    for registered, _ in FONT_FILES.values():
        face = pdfmetrics.getFont(registered).face
        missing = [hex(c) for block in blocks for c in block
                   if c not in face.charToGlyph and c not in (0xD7, 0xF7)]
        assert missing == [], (registered, missing[:10])


def test_unicode_names_come_out_of_the_pdf_as_written(template: CertificateTemplate) -> None:
    for name in UNICODE_NAMES:
        runs, _ = text_runs(render_pdf(document(holder_name=name, signatory_name=name), template, None))
        drawn = [r for r in runs if r.text == name]
        assert {r.font for r in drawn} == {"NotoSerif-Bold", "NotoSans-Bold"}, name


def test_decomposed_input_is_normalised() -> None:
    assert render.clean("Đa\u0323ng\tThi\u0323\n Ánh") == "Đạng Thị Ánh"


def test_fonts_and_licence_are_shipped_as_package_data() -> None:
    fonts = Path(render.__file__).parent / "fonts"
    assert {f for _, f in FONT_FILES.values()} <= {p.name for p in fonts.glob("*.ttf")}
    licence = (fonts / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL Open Font License" in licence and "Google" in licence
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"*.ttf"' in pyproject


# --- shrink to fit --------------------------------------------------------------------------------


def _fits(fit: render.Fit, font: str, width: float, height: float) -> None:
    for line in fit.lines:
        assert pdfmetrics.stringWidth(line, font, fit.size) <= width + 1e-6, line
    ascent, descent = render._extents[font]
    assert fit.size * (ascent - descent) + (len(fit.lines) - 1) * fit.size * 1.05 <= height + 1e-6


def test_a_short_name_keeps_its_size() -> None:
    render.register_fonts()
    fit = fit_text("Siti", "CertSerif-Bold", 28, 16, 2, 237 * 2.8346, 15 * 2.8346, 1.05)
    assert fit == render.Fit(28, ("Siti",))


def test_a_long_name_shrinks_to_one_line_above_the_minimum() -> None:
    render.register_fonts()
    name = "Dr. Raden Mas Muhammad Ṡiti Nur'aini Wicaksono Hadiningrat, S.H., M.Hum."
    width, height = 237 * 2.8346, 15 * 2.8346
    assert pdfmetrics.stringWidth(name, "CertSerif-Bold", 28) > width  # too wide at full size
    fit = fit_text(name, "CertSerif-Bold", 28, 16, 2, width, height, 1.05)
    assert len(fit.lines) == 1 and 16 <= fit.size < 28
    _fits(fit, "CertSerif-Bold", width, height)
    assert pdfmetrics.stringWidth(name, "CertSerif-Bold", fit.size + 0.2) > width  # as large as fits


def test_a_very_long_name_wraps_to_two_lines() -> None:
    render.register_fonts()
    name = ("Prof. Dr. Ir. Raden Mas Muhammad Ṡiti Nur'aini Đặng Thị Ánh Çağrı Ñúñez Wicaksono Hadiningrat "
            "Sastrodiharjo, S.H., M.Hum., M.Kn., Ph.D.")
    width, height = 237 * 2.8346, 15 * 2.8346
    assert pdfmetrics.stringWidth(name, "CertSerif-Bold", 16) > width
    fit = fit_text(name, "CertSerif-Bold", 28, 16, 2, width, height, 1.05)
    assert len(fit.lines) == 2 and fit.size >= 4 and not fit.clipped
    assert " ".join(fit.lines) == name
    _fits(fit, "CertSerif-Bold", width, height)


def test_an_absurd_name_is_cut_inside_its_box() -> None:
    render.register_fonts()
    name = "Ṡiti" * 400  # no spaces, far too long for any size
    width, height = 100.0, 20.0
    fit = fit_text(name, "CertSerif-Bold", 28, 16, 2, width, height, 1.05)
    assert fit.clipped and fit.size >= 1 and fit.lines[-1].endswith("…")
    _fits(fit, "CertSerif-Bold", width, height)


def test_nothing_leaves_the_page(template: CertificateTemplate) -> None:
    long = ("Prof. Dr. Ir. Raden Mas Muhammad Ṡiti Nur'aini Đặng Thị Ánh Çağrı Ñúñez Wicaksono Hadiningrat "
            "Sastrodiharjo, S.H., M.Hum., M.Kn., Ph.D.")
    doc = document(holder_name=long, course_title=long, jabatan=long, unit_name=long, skpd_name=long,
                   signatory_title=long, signatory_name=long, instansi_name=long)
    runs, _ = text_runs(render_pdf(doc, template, None))
    name_runs = [r for r in runs if r.font == "NotoSerif-Bold" and r.text in long and r.size < 28]
    assert len(name_runs) >= 2  # the name (and the course title) shrank and wrapped
    for run in runs:
        if run.text in ("DICABUT", "DIGANTI"):
            continue
        width = pdfmetrics.stringWidth(run.text, {"NotoSerif-Bold": "CertSerif-Bold",
                                                  "NotoSerif-Regular": "CertSerif",
                                                  "NotoSerif-Italic": "CertSerif-Italic",
                                                  "NotoSans-Regular": "CertSans",
                                                  "NotoSans-Bold": "CertSans-Bold"}[run.font], run.size)
        assert 0 <= run.x and run.x + width <= A4_LANDSCAPE[0] - 7 * 2.83, run.text  # inside the frame
        assert 0 <= run.y <= A4_LANDSCAPE[1], run.text


# --- images, caches, a template from the database -------------------------------------------------


def _png_logo() -> bytes:
    image = Image.new("RGBA", (800, 800), (0, 0, 0, 0))
    image.paste((31, 58, 95, 255), (100, 100, 700, 700))
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_the_logo_is_drawn_scaled_down_once(template: CertificateTemplate) -> None:
    logo = _png_logo()
    without = render_pdf(document(), template, None)
    assert b"/Subtype /Image" not in without
    with_logo = render_pdf(document(), template, logo)
    assert with_logo.count(b"/Subtype /Image") == 2  # the picture and its transparency (SMask)
    # 25 mm at 240 dpi: the 800-pixel upload is embedded at 236 pixels
    assert re.search(rb"/Height 236\b", with_logo) and not re.search(rb"/Height 800\b", with_logo)
    reader = render._logo(logo, 25)
    assert render._logo(logo, 25) is reader


def test_a_background_image_is_embedded_as_jpeg(tmp_path: Path) -> None:
    folder = tmp_path / "latar"
    folder.mkdir()
    source = (REPO_CERTIFICATES / "default" / "template.yaml").read_text(encoding="utf-8")
    (folder / "template.yaml").write_text(source.replace("page:\n", "background: latar.png\npage:\n", 1),
                                          encoding="utf-8")
    image = Image.new("RGB", (600, 424), (250, 246, 235))
    image.save(folder / "latar.png", "PNG")
    tmpl = template_from(folder)
    pdf = render_pdf(document(), tmpl, None)
    assert b"/DCTDecode" in pdf and b"/Width 600" in pdf
    assert render.prepared(tmpl) is render.prepared(tmpl)  # parsed once per template version
    assert "Dra. Siti Rahmawati, M.Si." in page_text(pdf)


def test_renders_from_the_synced_row(app: Flask) -> None:
    with app.app_context():
        row = ensure_current("default")
        text = page_text(render_pdf(document(holder_name="Đặng Thị Ánh"), row, _png_logo()))
    assert "Đặng Thị Ánh" in text.split("\n")


def test_qr_path_draws_every_dark_module() -> None:
    import segno

    url = "https://elearn.kotacontoh.go.id/verifikasi/sertifikat/k3J9xQ2mVb7TzR4pL8wN"
    count, path = render.qr_path(url)
    qr = segno.make(url, error="m", micro=False)
    assert count == qr.symbol_size(border=2)[0]
    drawn = sum(int(float(w)) for w in re.findall(r"\S+ \S+ (\S+) 1.04 re", path))
    assert drawn == sum(sum(row) for row in qr.matrix)


def test_a_logo_that_cannot_be_decoded_is_left_out(template: CertificateTemplate,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    pdf = render_pdf(document(), template, b"\x89PNG\r\n\x1a\n not really")
    assert b"/Subtype /Image" not in pdf
    assert "Dra. Siti Rahmawati, M.Si." in page_text(pdf)
    assert "certificate logo" in caplog.text and "cannot be drawn" in caplog.text


def test_control_and_bidi_characters_do_not_reach_the_page(template: CertificateTemplate) -> None:
    text = page_text(render_pdf(document(holder_name="Siti\u202e Rahma\x00wati\nS.Pd."), template, None))
    assert "Siti Rahma wati S.Pd." in text.split("\n")


def test_a_long_jabatan_takes_two_readable_lines(template: CertificateTemplate) -> None:
    """Regional jabatan are often long ("Kepala Seksi ... pada Bidang ..."): the default template
    prints them on two lines of at least 7 pt, not one line shrunk out of legibility."""
    jabatan = ("Kepala Seksi Pengembangan Kompetensi Aparatur Sipil Negara pada Bidang Pengembangan Sumber "
               "Daya Manusia Aparatur")
    runs, _page = text_runs(render_pdf(document(jabatan=jabatan), template, None))
    lines = [r for r in runs if len(r.text) > 8 and r.text in f": {jabatan}"]
    assert len(lines) == 2, [(r.text, r.size) for r in lines]
    assert all(r.size >= 7 for r in lines)
    assert " ".join(r.text for r in lines) == f": {jabatan}"
    # a short one stays one line at the full size
    short = [r for r in text_runs(render_pdf(document(jabatan="Guru Ahli Pertama"), template, None))[0]
             if r.text == ": Guru Ahli Pertama"]
    assert len(short) == 1 and short[0].size == 10.5
