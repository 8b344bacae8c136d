"""HR on a 360×640 phone (issue 16, point 3): the main menu is one row with a "Menu" disclosure
(<details>, no JavaScript needed), so the first screen shows the page; the HR tables (rekap, people,
assignments, pakta campaign, item analysis) are stacked cards that never scroll sideways, the
figure that matters first; the operator sees the instansi-wide course with their SKPD's numbers.
(axe runs on the open menu and on the item analysis; the other HR pages pass axe in
test_browser_home.py::test_every_menu_page_works_on_a_phone and the rekap / pledge / assignment tests.)"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from elearn.accounts.models import Role

pytestmark = pytest.mark.browser

#: the header (brand, language, menu row) must leave most of the 640 px first screen to the page
HEADER_BUDGET = 160

_TABLES = """() => [...document.querySelectorAll('main table')].map(t => {
  const box = (t.closest('.table-wrap') || t);
  return {scroll: box.scrollWidth, client: box.clientWidth, right: t.getBoundingClientRect().right};
})"""


def _header_height(page: Page) -> float:
    return page.evaluate("() => document.querySelector('header.site-header').getBoundingClientRect().height")


def _tables_fit(page: Page, label: str) -> None:
    tables = page.evaluate(_TABLES)
    assert tables, f"{label}: no table"
    for t in tables:
        assert t["scroll"] <= t["client"] + 1 and t["right"] <= 361, f"{label}: a table scrolls sideways ({t})"
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{label}: the page scrolls sideways ({widths})"


def _key_figure_visible(page: Page, label: str, heading: str | None = None) -> None:
    """The first row's key figure (a ``.stack-key`` cell, shown right under the row's name with
    its column's ``heading``) is on screen, not clipped by a scrolling table."""
    key = page.locator("main table.stack tbody .stack-key").first
    key.scroll_into_view_if_needed()
    expect(key).to_be_in_viewport()
    box = key.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, f"{label}: {box}"
    if heading is not None:
        expect(key).to_have_attribute("data-label", heading)


@pytest.mark.parametrize("role", [Role.OPERATOR_SKPD, Role.ADMIN_BKPSDM], ids=lambda r: r.value)
def test_hr_menu_and_tables_fit_a_phone(page: Page, base_url, demo, sign_in, check_page, role) -> None:
    account = demo[role]
    sign_in(account.nip, account.password)

    # one row of menu: the page's heading is in the first screen, well above the fold
    height = _header_height(page)
    assert height < HEADER_BUDGET, f"header {height:.0f} px"
    heading = page.locator("main h1").bounding_box()
    assert heading is not None and heading["y"] < 250
    nav = page.get_by_role("navigation", name="Menu utama")
    expect(nav.get_by_role("link", name="Pegawai", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Log audit")).to_be_hidden()
    # "Menu" opens every other entry, grouped; it overlays the page, the header keeps its height
    nav.get_by_text("Menu", exact=True).click()
    expect(nav.get_by_text("Kepegawaian", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Penugasan kursus")).to_be_visible()
    expect(nav.get_by_role("button", name="Keluar")).to_be_visible()
    if role == Role.ADMIN_BKPSDM:
        expect(nav.get_by_role("link", name="Log audit")).to_be_visible()
    assert _header_height(page) == height
    check_page(f"hr-menu-open-{role.value}")

    # rekap: per SKPD, one SKPD's units, its people (paged)
    nav.get_by_role("link", name="Rekap per SKPD").click()
    expect(page.locator("h1")).to_have_text("Rekap per SKPD")
    _tables_fit(page, "rekap")
    _key_figure_visible(page, "rekap", "Selesai")
    page.locator("table.rekap tbody th a").first.click()
    expect(page.get_by_role("heading", name="Per unit kerja")).to_be_visible()
    _tables_fit(page, "rekap-skpd")
    _key_figure_visible(page, "rekap-skpd", "Selesai")
    page.get_by_role("link", name="Semua pegawai").click()
    _tables_fit(page, "rekap-people")
    _key_figure_visible(page, "rekap-people", "Status")

    # people
    page.goto("/pegawai/")
    _tables_fit(page, "people")
    _key_figure_visible(page, "people", "Status")

    # assignments: the admin's list; the operator's instansi-wide course with their SKPD's numbers
    page.goto("/penugasan/")
    if role == Role.OPERATOR_SKPD:
        wide = page.get_by_role("region", name="Penugasan ke seluruh instansi")
        expect(wide).to_contain_text("Netralitas ASN")
        expect(page.locator("main")).to_contain_text("perangkat daerah Anda: Dinas Pendidikan")
        expect(wide.locator(".stack-key").first).to_have_attribute("data-label", "Selesai kursus")
        expect(page.locator("main")).not_to_contain_text("Belum ada penugasan kursus.")
    _tables_fit(page, "assignments")
    _key_figure_visible(page, "assignments")
    if role == Role.ADMIN_BKPSDM:
        page.locator("main table tbody a").first.click()
        expect(page.get_by_role("heading", name="Ubah tenggat")).to_be_visible()
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1]

    # pakta campaign: the list and one campaign (heads, per SKPD or the operator's units)
    page.goto("/pakta/kampanye/")
    _tables_fit(page, "pakta-list")
    page.get_by_role("link", name="Pemilu 2029").click()
    expect(page.locator("h1")).to_have_text("Pemilu 2029")
    _tables_fit(page, "pakta-campaign")
    _key_figure_visible(page, "pakta-campaign", "Status")

    # item analysis of the demo quiz
    page.goto("/analisis/kuis/")
    page.locator("main table a, main li a").first.click()
    expect(page.get_by_role("heading", name="Per soal")).to_be_visible()
    _tables_fit(page, "item-analysis")
    _key_figure_visible(page, "item-analysis")
    if role == Role.ADMIN_BKPSDM:
        check_page("hr-item-analysis")


def test_menu_opens_without_javascript(demo, phone_without_js) -> None:
    account = demo[Role.ADMIN_BKPSDM]
    page = phone_without_js(account.nip, account.password)
    nav = page.get_by_role("navigation", name="Menu utama")
    expect(nav.get_by_role("link", name="Log audit")).to_be_hidden()
    nav.get_by_text("Menu", exact=True).click()
    nav.get_by_role("link", name="Log audit").click()
    expect(page.locator("h1")).to_contain_text("Log audit")
