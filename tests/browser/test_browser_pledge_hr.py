"""HR's pakta integritas pages at 360 px on the demo data (seed-demo's "Pemilu 2029" campaign, signed
through the service): the campaign list, the campaign page with heads of SKPD, one SKPD's units,
a unit's signed and not-yet-signed lists, the new-campaign form, and the operator's own SKPD;
every page without sideways scrolling and without serious axe violations."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from elearn.accounts.models import Role

pytestmark = pytest.mark.browser


def test_admin_follows_who_has_signed_on_a_phone(page: Page, base_url, demo, sign_in, check_page) -> None:
    account = demo[Role.ADMIN_BKPSDM]
    sign_in(account.nip, account.password)
    page.goto("/pakta/kampanye/")
    expect(page.locator("h1")).to_have_text("Kampanye pakta integritas")
    check_page("pledge-hr-list")

    page.get_by_role("link", name="Pemilu 2029").click()
    expect(page.locator("h1")).to_have_text("Pemilu 2029")
    expect(page.get_by_role("heading", name="Kepala perangkat daerah")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Sudah")
    check_page("pledge-hr-campaign")

    page.get_by_role("link", name="Dinas Pendidikan", exact=True).click()
    expect(page.get_by_role("heading", name="Per unit: Dinas Pendidikan")).to_be_visible()
    check_page("pledge-hr-skpd")

    page.locator("#per-unit ~ div table tbody a, section[aria-labelledby=per-unit] tbody a").first.click()
    expect(page.get_by_role("link", name="Belum", exact=False)).to_be_visible()
    check_page("pledge-hr-unit-signed")
    page.get_by_role("link", name="Belum", exact=False).click()
    check_page("pledge-hr-unit-unsigned")

    page.goto("/pakta/kampanye/baru")
    expect(page.locator("h1")).to_have_text("Kampanye baru")
    check_page("pledge-hr-new")


def test_operator_sees_own_skpd_on_a_phone(page: Page, base_url, demo, sign_in, check_page) -> None:
    account = demo[Role.OPERATOR_SKPD]
    sign_in(account.nip, account.password)
    page.goto("/pakta/kampanye/")
    expect(page.locator("main")).not_to_contain_text("Kampanye baru")
    page.get_by_role("link", name="Pemilu 2029").click()
    expect(page.locator("main")).to_contain_text("Anda melihat perangkat daerah Anda sendiri: Dinas Pendidikan")
    expect(page.get_by_role("heading", name="Per unit: Dinas Pendidikan")).to_be_visible()
    check_page("pledge-hr-operator")
