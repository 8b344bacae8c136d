"""Authoring at 360 px: a trainer creates a course, writes a module with a preview, uploads an
image, publishes; every page passes axe and has no sideways scrolling."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from elearn.accounts.models import Role

pytestmark = pytest.mark.browser


def test_trainer_authors_and_publishes_a_course_on_a_phone(page: Page, base_url, demo, sign_in, check_page,
                                                          tmp_path: Path) -> None:
    account = demo[Role.PELATIH]
    sign_in(account.nip, account.password)
    page.get_by_role("link", name="Penyusunan kursus").click()
    expect(page.locator("h1")).to_have_text("Penyusunan kursus")
    check_page("authoring-list")

    page.get_by_role("link", name="Buat kursus baru").click()
    check_page("authoring-new-course")
    page.get_by_label("Kode kursus").fill("netralitas-pelatih")
    page.get_by_label("Judul kursus").fill("Netralitas untuk guru")
    page.get_by_label("Ringkasan").fill("Kursus singkat untuk guru menjelang pilkada.")
    page.get_by_label("PNS", exact=True).check()
    page.get_by_label("PPPK", exact=True).check()
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator(".flash")).to_contain_text("dibuat sebagai draf")
    check_page("authoring-course-draft")

    image = tmp_path / "bagan.png"
    out = io.BytesIO()
    Image.new("RGB", (60, 30), (20, 90, 160)).save(out, format="PNG")
    image.write_bytes(out.getvalue())
    page.get_by_label("Gambar (PNG, JPEG atau WebP, paling besar 150 KB)").set_input_files(str(image))
    page.get_by_role("button", name="Unggah gambar").click()
    expect(page.locator(".flash")).to_contain_text("images/bagan.png")

    page.get_by_role("link", name="Tambah modul").click()
    page.get_by_label("Judul modul").fill("Grup WhatsApp sekolah")
    page.get_by_label("Tujuan pembelajaran (satu per baris)").fill("Menahan diri di grup WhatsApp.")
    page.get_by_label("Isi modul (Markdown)").fill(
        "## Jangan meneruskan\n\nPoster calon **tidak** diteruskan.\n\n![Bagan dua ujian](images/bagan.png)")
    page.evaluate("window.samePage = true")
    page.get_by_role("button", name="Pratinjau").click()
    expect(page.locator("#pratinjau")).to_contain_text("Jangan meneruskan")
    expect(page.locator("#pratinjau strong")).to_have_text("tidak")
    # the preview was fetched and swapped in: same page, nothing stored
    assert page.evaluate("window.samePage === true")
    page.get_by_label("Isi modul (Markdown)").press("End")
    page.get_by_label("Isi modul (Markdown)").type("\n\n## Bagian kedua\n\nTeks baru.")
    page.get_by_role("button", name="Pratinjau").click()
    expect(page.locator("#pratinjau")).to_contain_text("Bagian kedua")
    expect(page.locator("#pratinjau-status")).to_have_text("Pratinjau diperbarui.")
    check_page("authoring-module-preview")
    page.get_by_role("button", name="Simpan ke draf").click()
    expect(page.locator(".flash")).to_contain_text("disimpan di draf")

    page.get_by_role("button", name="Terbitkan draf sebagai versi 1").click()
    expect(page.locator(".flash")).to_contain_text("Versi 1 diterbitkan")
    expect(page.locator("main")).to_contain_text("Terbit: versi 1")
    check_page("authoring-course-published")
