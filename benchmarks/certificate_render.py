"""Certificate PDFs per second per core: the default template against a bare reportlab page.

    .venv/bin/python benchmarks/certificate_render.py            # 300 documents per case
    .venv/bin/python benchmarks/certificate_render.py -n 1000 --template path/to/certificates/key
    .venv/bin/python benchmarks/certificate_render.py --qr-mask 0   # what choosing the QR mask costs

Each case renders ``n`` different documents (a new name, serial and verification URL each time, so
each QR code is computed anew) in this one process, i.e. on one core, and prints documents per
second. The floor is a bare one-page A4 landscape reportlab canvas drawing a few strings in the same
five fonts (no layout, no QR code, no logo), measured in the same run so that the ratio holds on any
machine. Rates are per CPU second of this process (``time.process_time``), so other processes on a
shared machine do not lower them; the best of several interleaved rounds counts. No database and no
app are needed: the template is read from its folder.

Target (issue 11 item 9): rendering and signing at least 40 certificates per second per core. A
signing case is one more entry in ``cases()`` (``render_rate(lambda i: sign(render(i)), n)``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from elearn.certificates import render  # noqa: E402
from elearn.certificates.document import CertificateDocument  # noqa: E402
from elearn.certificates.models import CertificateTemplate  # noqa: E402
from elearn.content.certificates import load_template_dir  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("Dra. Ṡiti Nur'aini, M.Si.", "Đặng Thị Ánh", "Çağrı Ñúñez, S.Kom.", "Budi Santoso, S.H., M.AP.",
         "Prof. Dr. Ir. Raden Mas Muhammad Wicaksono Hadiningrat Sastrodiharjo, S.H., M.Hum., M.Kn.")


def render_rate(fn: Callable[[int], bytes], n: int, warmup: int = 3) -> float:
    """Documents per CPU second of ``fn(i)`` over ``n`` calls in this process (after ``warmup`` calls):
    per core, and not lowered by other processes taking turns on a shared machine."""
    for i in range(warmup):
        fn(-1 - i)
    start = time.process_time()
    for i in range(n):
        fn(i)
    return n / (time.process_time() - start)


def best_rates(named: list[tuple[str, Callable[[int], bytes]]], n: int, rounds: int) -> dict[str, float]:
    """The best rate of each case over ``rounds`` rounds of ``n // rounds`` documents, the cases taking
    turns within each round (so that a busy moment of a shared machine hurts no case more than another)."""
    best: dict[str, float] = {}
    per_round = max(1, n // rounds)
    for _ in range(rounds):
        for label, fn in named:
            best[label] = max(best.get(label, 0.0), render_rate(fn, per_round))
    return best


def load_template(path: Path) -> CertificateTemplate:
    doc = load_template_dir(path)
    if not doc.ok:
        raise SystemExit("\n".join(str(e) for e in doc.errors))
    return CertificateTemplate(key=doc.key, title=doc.title, layout=doc.layout, source_text=doc.source_text,
                               background=doc.background, background_mimetype=doc.background_mimetype,
                               content_hash=doc.content_hash, current=True)


BASE = CertificateDocument(
    serial="BKPSDM-KC/2026/000000", verify_url="", holder_name="", holder_number_label="NIP",
    holder_number="19800101 200501 2 001", pangkat_golongan="Penata Muda (III/a)",
    jabatan="Analis Sumber Daya Manusia Aparatur Ahli Pertama", unit_name="Bidang Pengembangan Kompetensi",
    skpd_name="Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", instansi_name="Pemerintah Kota Contoh",
    course_title="Netralitas ASN dalam Pemilihan Umum dan Pemilihan Kepala Daerah", jp=2,
    completed_on=dt.date(2026, 12, 4), signatory_name="Budi Santoso, S.H., M.AP.",
    signatory_nip="197501012000031002",
    signatory_title="Kepala Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Kota Contoh")


def document(i: int) -> CertificateDocument:
    code = f"{abs(i):06d}k3J9xQ2mVb7TzR4pL8"
    return replace(BASE, serial=f"BKPSDM-KC/2026/{abs(i):06d}", holder_name=NAMES[i % len(NAMES)],
                   verify_url=f"https://elearn.kotacontoh.go.id/verifikasi/sertifikat/{code}")


def logo_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (512, 512), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(256, 12), (490, 160), (430, 500), (82, 500), (22, 160)], fill=(31, 58, 95, 255))
    draw.ellipse((156, 156, 356, 356), fill=(166, 124, 46, 255))
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def bare_page(i: int) -> bytes:
    """The floor: one A4 landscape page with a string in each of the same fonts, embedded the same way."""
    doc = document(i)
    out = BytesIO()
    c = Canvas(out, pagesize=landscape(A4), pageCompression=1)
    y = 500
    for name, _ in render.FONT_FILES.values():
        c.setFont(name, 14)
        c.drawString(60, y, f"{doc.holder_name} {doc.serial} {doc.course_title}")
        y -= 40
    c.showPage()
    c.save()
    return out.getvalue()


def dev_signer(key_type: str):  # type: ignore[no-untyped-def]
    """elearn's PAdES signer over a throw-away key (as ``certificates dev-signing-key`` writes)."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    from elearn.certificates.dev_signing import make_dev_pkcs12
    from elearn.certificates.signing import KeyMaterial, Pkcs12Signer

    key, cert, extra = pkcs12.load_key_and_certificates(make_dev_pkcs12("Pemerintah Kota Contoh", "bench",
                                                                        key_type=key_type), b"bench")
    material = KeyMaterial(key, cert, list(extra), slug="kota-contoh")  # type: ignore[arg-type]
    return Pkcs12Signer(material, reason="Sertifikat penyelesaian pelatihan", location="Kota Contoh")


def cases(template: CertificateTemplate, logo: bytes) -> list[tuple[str, Callable[[int], bytes]]]:
    ec_signer, rsa_signer = dev_signer("ec"), dev_signer("rsa")
    return [
        ("bare reportlab page, same fonts (floor)", bare_page),
        (f"certificate '{template.key}', no logo", lambda i: render.render_pdf(document(i), template, None)),
        (f"certificate '{template.key}', with logo", lambda i: render.render_pdf(document(i), template, logo)),
        (f"certificate '{template.key}', logo, revoked mark",
         lambda i: render.render_pdf(replace(document(i), revoked_on=dt.date(2026, 12, 5)), template, logo)),
        # the target: rendering and signing (PAdES) >= 40 per second per core
        (f"'{template.key}', logo, signed (ECDSA P-256)",
         lambda i: ec_signer.sign(render.render_pdf(replace(document(i), signed=True), template, logo))),
        (f"'{template.key}', logo, signed (RSA-2048)",
         lambda i: rsa_signer.sign(render.render_pdf(replace(document(i), signed=True), template, logo))),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=300, help="documents per case (default 300)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the best round counts (default 5)")
    parser.add_argument("--qr-mask", type=int, choices=range(8), default=None,
                        help="a fixed QR mask pattern (default: segno chooses the best one, as ISO 18004 asks)")
    parser.add_argument("--template", type=Path, default=ROOT / "certificates" / "default",
                        help="a template folder (default: certificates/default)")
    args = parser.parse_args()
    render.register_fonts()
    render.QR_MASK = args.qr_mask
    template = load_template(args.template)
    logo = logo_png()
    sizes = {"no logo": len(render.render_pdf(document(0), template, None)),
             "with logo": len(render.render_pdf(document(0), template, logo))}
    print(f"{args.n} documents per case in {args.rounds} rounds (best round), one process (one core); "
          f"PDF size {sizes['no logo'] // 1024} KB, {sizes['with logo'] // 1024} KB with logo")
    named = cases(template, logo)
    rates = best_rates(named, args.n, args.rounds)
    floor = rates[named[0][0]]
    for label, _ in named:
        rate = rates[label]
        print(f"  {label:<48} {rate:7.1f} /s  {1000 / rate:6.2f} ms  ratio to floor {rate / floor:5.2f}")


if __name__ == "__main__":
    main()
