"""PAdES signing speed of a certificate PDF (elearn/certificates/signing.py), against drawing a bare
reportlab page with an embedded TrueType font, measured in the same run (issue 11, point 9).

    .venv/bin/python benchmarks/certificate_signing.py [--n 200] [--font path/to/font.ttf]

Prints, per key type (ECDSA P-256, RSA-2048): milliseconds per signature with elearn's signer
(pyHanko lays out the PDF; the CMS is assembled from parts encoded once), with pyHanko's general
``PdfSigner.sign_pdf`` for the same key and document (the path a naive integration takes), and
``check_pdf`` (the verify upload form); each as a ratio to the bare page. One core, no network.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: E402
from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from elearn.certificates.dev_signing import make_dev_pkcs12  # noqa: E402
from elearn.certificates.signing import KeyMaterial, Pkcs12Signer, check_pdf  # noqa: E402

FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")


def font_path(wanted: str | None) -> str | None:
    candidates = [wanted] if wanted else [*sorted(str(p) for p in Path(__file__).resolve().parent.parent
                                                  .glob("**/fonts/**/*.ttf")), *FONTS]
    return next((c for c in candidates if c and Path(c).is_file()), None)


def bare_page(font: str) -> bytes:
    """An A4 landscape page with text in an embedded font, about the size of a certificate."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=landscape(A4))
    page.setFont(font, 28)
    page.drawCentredString(421, 480, "SERTIFIKAT")
    page.setFont(font, 12)
    lines = ("diberikan kepada", "Ṡiti Nur'aini Đặng, S.Sos., M.Si.", "NIP 19800101 200501 2 001",
             "Penata Muda (III/a) · Analis Kebijakan · Bagian Organisasi · Sekretariat Daerah",
             "telah menyelesaikan pelatihan Netralitas ASN dalam Pilkada (4 JP)",
             "Kota Contoh, 4 Desember 2026 · BKPSDM-KC/2026/000123")
    for number, line in enumerate(lines):
        page.drawCentredString(421, 420 - 24 * number, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


def per_call(function: Callable[[], object], n: int) -> float:
    function()  # warm up
    started = time.perf_counter()
    for _ in range(n):
        function()
    return (time.perf_counter() - started) * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--font")
    args = parser.parse_args()
    path = font_path(args.font)
    font = "Helvetica"
    if path:
        pdfmetrics.registerFont(TTFont("BenchFont", path))
        font = "BenchFont"
    pdf = bare_page(font)
    baseline = per_call(lambda: bare_page(font), args.n)
    print(f"font: {path or 'Helvetica (no TTF found)'}; PDF {len(pdf) / 1024:.1f} KB")
    print(f"bare reportlab page: {baseline:.2f} ms ({1000 / baseline:.0f}/s)")
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    for key_type in ("ec", "rsa"):
        p12 = make_dev_pkcs12("Pemerintah Kota Contoh", "bench", key_type=key_type)
        key, cert, extra = pkcs12.load_key_and_certificates(p12, b"bench")
        started = time.perf_counter()
        material = KeyMaterial(key, cert, list(extra), slug="kota-contoh")  # type: ignore[arg-type]
        load_ms = (time.perf_counter() - started) * 1000
        signer = Pkcs12Signer(material, reason="Sertifikat penyelesaian pelatihan", location="Kota Contoh")
        signed = signer.sign(pdf)
        pyhanko_signer = material.pdf_signer("Sertifikat penyelesaian pelatihan", "Kota Contoh")
        ours = per_call(lambda: signer.sign(pdf), args.n)
        general = per_call(lambda: pyhanko_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf))).getvalue(),
                           max(20, args.n // 4))
        checking = per_call(lambda: check_pdf(signed, trusted=[cert]), max(20, args.n // 4))
        assert check_pdf(signed, trusted=[cert]).intact
        name = {"ec": "ECDSA P-256", "rsa": "RSA-2048"}[key_type]
        print(f"{name}: key load {load_ms:.0f} ms (once per process); signed PDF {len(signed) / 1024:.1f} KB")
        print(f"  elearn signer      {ours:6.2f} ms  ({ours / baseline:.2f}x the bare page)")
        print(f"  pyHanko sign_pdf   {general:6.2f} ms  ({general / baseline:.2f}x)")
        print(f"  check_pdf          {checking:6.2f} ms  ({checking / baseline:.2f}x)")
        print(f"  bare page + elearn signer: {1000 / (baseline + ours):.0f}/s per core")


if __name__ == "__main__":
    main()
