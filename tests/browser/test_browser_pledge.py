"""Signing the pakta integritas on a 360×640 phone: a peserta opens the campaign from the home
page, reads the text with their own data, draws a signature with the mouse, tries undo and
clear (and an empty pad is refused), signs (no password again right after signing in), sees the receipt and downloads
the PDF; axe on the signing page and the receipt. A second test signs with JavaScript off by
typing the full name. The campaigns are this module's own (the demo's campaign may already be
signed by the demo accounts)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.db import db
from elearn.org.models import Instansi
from elearn.pledges.models import Campaign, ElectionType, PledgeSignature, PledgeText, PledgeTextVersion

pytestmark = pytest.mark.browser

CAMPAIGN = "Pilkada Serentak Uji Ponsel"
CAMPAIGN_NO_JS = "Pemilu Uji Tanpa JavaScript"
BODY = """# Pakta Integritas Netralitas ASN (uji ponsel)

Saya yang bertanda tangan di bawah ini:

- Nama: {nama}
- NIP: {nip}
- Pangkat/golongan: {pangkat_golongan}
- Jabatan: {jabatan}
- Unit kerja: {unit}, {skpd}
- Instansi: {instansi}

dengan ini menyatakan:

1. Menjaga netralitas dalam pelayanan publik sebelum, selama, dan sesudah pemungutan suara.
2. Tidak berpihak kepada peserta pemilihan mana pun dan tidak terlibat kampanye.
3. Bijak bermedia sosial: tidak menyukai, membagikan atau mengomentari unggahan peserta pemilihan.
4. Menolak politik uang dan pemberian dalam bentuk apa pun.
5. Tidak menggunakan fasilitas negara untuk kepentingan peserta pemilihan.
6. Bersedia menerima sanksi sesuai peraturan perundang-undangan bila melanggar.

{tempat}, {tanggal}
"""


@pytest.fixture(scope="module")
def campaigns(app: Flask, demo) -> dict[str, int]:
    """Two open campaigns of the demo instansi with a text of their own."""
    with app.app_context():
        instansi_id = db.session.scalar(
            select(User.instansi_id).where(User.employee_number == demo[Role.PESERTA].nip))
        assert db.session.get(Instansi, instansi_id) is not None
        text = PledgeText(slug="pakta-uji-ponsel", title="Pakta Integritas Uji Ponsel")
        db.session.add(text)
        db.session.flush()
        version = PledgeTextVersion(pledge_text_id=text.id, number=1, title=text.title, body=BODY, source_text=BODY,
                                    content_hash="c" * 64)
        db.session.add(version)
        db.session.flush()
        today = dt.date.today()
        ids = {}
        for slug, name in (("uji-ponsel", CAMPAIGN), ("uji-tanpa-js", CAMPAIGN_NO_JS)):
            campaign = Campaign(instansi_id=instansi_id, slug=slug, name=name, election_type=ElectionType.PILKADA,
                                pledge_version_id=version.id, place="Kota Contoh",
                                opens_on=today - dt.timedelta(days=3), closes_on=today + dt.timedelta(days=10))
            db.session.add(campaign)
            db.session.flush()
            ids[name] = campaign.id
        db.session.commit()
        db.session.remove()
    return ids


def signature_of(app: Flask, nip: str, campaign_id: int) -> PledgeSignature | None:
    with app.app_context():
        try:
            row = db.session.scalar(
                select(PledgeSignature).join(User, User.id == PledgeSignature.user_id)
                .where(User.employee_number == nip, PledgeSignature.campaign_id == campaign_id))
            if row is not None:
                db.session.expunge(row)
            return row
        finally:
            db.session.remove()


def draw(page: Page, strokes: list[list[tuple[float, float]]]) -> None:
    """Draw with the mouse: each stroke is a list of (x, y) fractions of the canvas."""
    canvas = page.locator(".sign-pad canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 250 and box["height"] > 120
    for stroke in strokes:
        x, y = stroke[0]
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=6)
        page.mouse.up()


SIGNATURE = [
    [(0.10, 0.70), (0.20, 0.25), (0.30, 0.75), (0.40, 0.30), (0.50, 0.70)],
    [(0.55, 0.60), (0.65, 0.30), (0.75, 0.65), (0.90, 0.35)],
]


def test_draw_sign_and_download_on_a_phone(page: Page, app: Flask, demo, sign_in, check_page, campaigns) -> None:
    account = demo[Role.PESERTA]
    campaign_id = campaigns[CAMPAIGN]
    sign_in(account.nip, account.password)

    # the home page asks for the signature; the link opens the text
    expect(page.locator(".pledge-home")).to_contain_text(CAMPAIGN)
    page.locator(".pledge-home").get_by_role("link", name=CAMPAIGN).click()
    expect(page.locator("h1")).to_have_text(CAMPAIGN)
    text = page.locator(".pledge-text")
    expect(text).to_contain_text(account.name)
    expect(text).to_contain_text(f"NIP: {account.nip}")
    expect(text).to_contain_text("Menolak politik uang")
    expect(text).to_contain_text("Kota Contoh, ")
    text.get_by_text("Bersedia menerima sanksi").scroll_into_view_if_needed()  # read to the end

    # drawing is the default with JavaScript; the typed name is the alternative
    expect(page.get_by_label("Gambar tanda tangan", exact=True)).to_be_checked()
    expect(page.get_by_label("Nama lengkap", exact=True)).to_be_hidden()
    undo = page.get_by_role("button", name="Urungkan")
    clear = page.get_by_role("button", name="Hapus")
    expect(undo).to_be_disabled()
    check_page("pledge-sign")

    # two strokes, undo the last one, clear the rest: the pad is empty again
    draw(page, SIGNATURE)
    expect(undo).to_be_enabled()
    # the canvas's pixels follow its CSS size and the pixel density
    size = page.evaluate("() => { const c = document.querySelector('.sign-pad canvas');"
                         " return [c.width, c.offsetWidth, window.devicePixelRatio]; }")
    assert size[0] == int(size[1] * min(size[2], 2)) and size[1] > 250
    undo.click()
    expect(page.get_by_role("status").filter(has_text="Goresan terakhir dihapus.")).to_have_count(1)
    expect(undo).to_be_enabled()  # one stroke left
    undo.click()
    expect(undo).to_be_disabled()
    draw(page, SIGNATURE[:1])
    clear.click()
    expect(undo).to_be_disabled()
    expect(clear).to_be_disabled()

    # just signed in: the password is not asked again (recent authentication)
    expect(page.locator("#password-proved")).to_contain_text("tidak perlu mengetiknya lagi")
    expect(page.get_by_label("Kata sandi", exact=True)).to_have_count(0)

    # an empty pad is refused in the browser with a message
    page.get_by_label("Saya sudah membaca seluruh isi").check()
    page.get_by_role("button", name="Tanda tangani pakta").click()
    expect(page.get_by_role("alert")).to_contain_text("Tanda tangan belum digambar")
    expect(page).to_have_url(re.compile(rf"/pakta/{campaign_id}/tandatangani$"))
    assert signature_of(app, account.nip, campaign_id) is None

    # draw again and sign
    draw(page, SIGNATURE)
    expect(page.get_by_role("alert")).to_be_hidden()
    page.get_by_role("button", name="Tanda tangani pakta").click()

    # the receipt
    expect(page.locator("h1")).to_have_text("Pakta integritas sudah ditandatangani")
    expect(page.locator("main")).to_contain_text("Terima kasih. Pakta integritas Anda sudah ditandatangani")
    row = signature_of(app, account.nip, campaign_id)
    assert row is not None and row.method == "drawn" and row.signature_png is not None
    assert row.signature_png.startswith(b"\x89PNG")
    expect(page.locator("main")).to_contain_text(row.verify_code)
    expect(page.locator("main")).to_contain_text("WIB")
    expect(page.get_by_role("img", name="Tanda tangan Anda")).to_be_visible()
    check_page("pledge-receipt")

    # the PDF
    with page.expect_download() as info:
        page.get_by_role("link", name="Unduh PDF").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as fh:
        pdf = fh.read()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000
    assert f"/verifikasi/pakta/{row.verify_code}".encode() in pdf

    # the public verification page behind the QR code
    page.goto(f"/verifikasi/pakta/{row.verify_code}")
    expect(page.locator("main")).to_contain_text("Sah:")
    expect(page.locator("main")).not_to_contain_text(account.nip)


def test_sign_by_typing_the_name_without_javascript(phone_without_js, app: Flask, demo, campaigns) -> None:
    account = demo[Role.PELATIH]
    campaign_id = campaigns[CAMPAIGN_NO_JS]
    page = phone_without_js(account.nip, account.password)
    page.goto(f"/pakta/{campaign_id}/tandatangani")
    expect(page.locator(".pledge-text")).to_contain_text(account.name)
    # without JavaScript only the typed name is offered, and it is chosen
    expect(page.get_by_label("Gambar tanda tangan", exact=True)).to_be_hidden()
    expect(page.get_by_label("Ketik nama lengkap", exact=True)).to_be_checked()
    expect(page.locator("main")).to_contain_text("Menggambar tanda tangan memerlukan JavaScript")
    page.get_by_label("Nama lengkap", exact=True).fill("Nama Orang Lain")
    page.get_by_label("Saya sudah membaca seluruh isi").check()
    page.get_by_role("button", name="Tanda tangani pakta").click()
    expect(page.locator("#typed_name-error")).to_contain_text("Nama yang diketik tidak sama")
    expect(page.get_by_label("Nama lengkap", exact=True)).to_have_value("Nama Orang Lain")
    page.get_by_label("Nama lengkap", exact=True).fill(account.name)
    page.get_by_role("button", name="Tanda tangani pakta").click()
    expect(page.locator("h1")).to_have_text("Pakta integritas sudah ditandatangani")
    row = signature_of(app, account.nip, campaign_id)
    assert row is not None and row.method == "typed" and row.signature_png is None
