"""Activation, sign-in, keyboard use and the language switch on a 360×640 phone."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from elearn.accounts.models import Role

pytestmark = pytest.mark.browser

NEW_PASSWORD = "kopi-sawah-melati-47"


def spaced(nip: str) -> str:
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"


@pytest.mark.browser
def test_activation_then_sign_in_on_a_phone(page: Page, base_url, activation_person, check_page, sign_in) -> None:
    nip, code = activation_person["nip"], activation_person["code"]

    page.goto("/masuk")
    expect(page.locator("h1")).to_have_text("Masuk")
    check_page("01-masuk")

    page.get_by_role("link", name="Aktivasi akun").click()
    expect(page).to_have_url(f"{base_url}/aktivasi")
    check_page("02-aktivasi")

    # NIP typed the way it is printed on the slip, the code in lower case, a too-short password
    page.get_by_label("NIP / NI PPPK").press_sequentially(spaced(nip))
    page.get_by_label("Kode aktivasi").fill(code.lower())
    page.get_by_label("Kata sandi baru", exact=True).fill("pendek")
    page.get_by_label("Ulangi kata sandi baru").fill("pendek")
    page.get_by_role("button", name="Aktifkan").click()
    expect(page.get_by_role("alert")).to_contain_text("Kata sandi minimal 10 karakter.")
    expect(page.get_by_label("NIP / NI PPPK")).to_have_value(spaced(nip))
    expect(page.get_by_label("Kode aktivasi")).to_have_value(code.lower())
    expect(page.get_by_label("Kata sandi baru", exact=True)).to_have_value("")
    expect(page.get_by_label("Ulangi kata sandi baru")).to_have_value("")
    check_page("03-aktivasi-error")

    page.get_by_label("Kata sandi baru", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Ulangi kata sandi baru").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Aktifkan").click()
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_role("status")).to_contain_text("Akun Anda sudah aktif")
    expect(page.locator("h1")).to_contain_text(activation_person["name"])
    check_page("04-beranda-peserta-baru")

    page.locator("nav.main-nav summary").click()  # the "Menu" disclosure
    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(re.compile(r"/masuk$"))
    expect(page.get_by_role("status")).to_contain_text("Anda sudah keluar")

    sign_in(nip, NEW_PASSWORD)
    expect(page).to_have_url(f"{base_url}/")
    expect(page.locator("h1")).to_contain_text(activation_person["name"])
    page.locator("nav.main-nav summary").click()  # the "Menu" disclosure
    page.get_by_role("button", name="Keluar").click()

    sign_in(spaced(nip), "kata-sandi-yang-salah")
    # the same answer as for a NIP never activated (no enumeration): the message and a hint to activate
    expect(page.get_by_role("alert")).to_contain_text("NIP atau kata sandi salah. Belum pernah masuk?")
    expect(page.get_by_label("NIP / NI PPPK")).to_have_value(spaced(nip))
    expect(page.get_by_label("Kata sandi", exact=True)).to_have_value("")
    check_page("05-masuk-error")


@pytest.mark.browser
def test_skip_link_and_sign_in_with_the_keyboard_only(page: Page, base_url, demo, check_page) -> None:
    account = demo[Role.PESERTA]
    page.goto("/masuk")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Langsung ke isi")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, "skip link not visible on focus"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.keyboard.press("Tab")
    expect(page.get_by_label("NIP / NI PPPK")).to_be_focused()
    page.keyboard.type(account.nip)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Kata sandi", exact=True)).to_be_focused()
    page.keyboard.type(account.password)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Masuk", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base_url}/")
    expect(page.locator("h1")).to_contain_text(account.name)

    # the skip link works on a signed-in page too (it jumps over the menu)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Langsung ke isi")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


@pytest.mark.browser
def test_language_switch_changes_html_lang(page: Page, base_url) -> None:
    page.goto("/masuk")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(re.compile(r"/masuk\??$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    back = page.get_by_role("button", name="Bahasa Indonesia")
    expect(back).to_be_visible()
    back.click()
    expect(page).to_have_url(re.compile(r"/masuk\??$"))
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("button", name="English")).to_be_visible()
