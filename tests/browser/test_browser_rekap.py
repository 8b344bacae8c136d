"""The rekap per SKPD on a 360×640 phone, with axe: the dashboard of the demo instansi (sorted,
with the colour cue and its text), an SKPD's units, and the "Belum selesai" list of a unit with its
filters. (The demo fixture comes before the page ones: signing the demo's PDFs runs an event loop,
which cannot start inside Playwright's.)"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from elearn.accounts.models import Role

pytestmark = pytest.mark.browser


def test_dashboard_and_drill_down(demo, page: Page, sign_in, check_page) -> None:
    sign_in(demo[Role.ADMIN_BKPSDM].nip, "sandi-uji-browser-1")
    page.get_by_role("link", name="Rekap per SKPD").first.click()
    expect(page.get_by_role("heading", name="Rekap per SKPD", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Per perangkat daerah")).to_be_visible()
    expect(page.locator("table.rekap tbody tr").first).to_be_visible()
    check_page("rekap")

    page.get_by_role("link", name="Perangkat daerah").first.click()  # sort by name
    expect(page.locator("th[aria-sort]")).to_have_count(1)

    page.locator("table.rekap tbody th a").first.click()
    expect(page.get_by_role("heading", name="Per unit kerja")).to_be_visible()
    check_page("rekap-skpd")

    page.get_by_role("link", name="Daftar belum selesai").click()
    expect(page.get_by_role("heading", name="Belum selesai", exact=False).first).to_be_visible()
    page.get_by_label("Jenis pegawai").select_option("pns")
    page.get_by_role("button", name="Terapkan").click()
    expect(page.get_by_role("status").first).to_be_visible()
    check_page("rekap-belum-selesai")
