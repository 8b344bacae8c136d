"""The home page of each role on a 360 px phone: accessible, no sideways scrolling."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from elearn.accounts.models import Role

pytestmark = pytest.mark.browser


@pytest.mark.browser
@pytest.mark.parametrize(
    ("role", "heading", "marker"),
    [
        (Role.PESERTA, None, "Pembelajaran saya"),
        (Role.PELATIH, None, "Ruang pelatih"),
        (Role.OPERATOR_SKPD, None, "Aktivasi akun per perangkat daerah"),
        (Role.ADMIN_BKPSDM, None, "Aktivasi akun per perangkat daerah"),
        (Role.SUPERADMIN, "Superadmin", "Pemerintah Kota Contoh"),
    ],
    ids=lambda v: v.value if isinstance(v, Role) else None,
)
def test_home_page_per_role(page: Page, base_url, demo, sign_in, check_page, role, heading, marker) -> None:
    account = demo[role]
    sign_in(account.nip, account.password)
    expect(page).to_have_url(f"{base_url}/")
    expect(page.locator("h1")).to_contain_text(heading or account.name)
    expect(page.locator("main")).to_contain_text(marker)
    if role == Role.OPERATOR_SKPD:
        # the operator's table covers their own perangkat daerah only
        rows = page.locator("main table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Dinas Pendidikan")
    if role == Role.ADMIN_BKPSDM:
        expect(page.locator("main table tbody tr")).to_have_count(39)
    check_page(f"home-{role.value}")


@pytest.mark.browser
@pytest.mark.parametrize("role", [Role.OPERATOR_SKPD, Role.ADMIN_BKPSDM], ids=lambda r: r.value)
def test_every_menu_page_works_on_a_phone(page: Page, base_url, demo, sign_in, check_page, role) -> None:
    """Each page of the main menu (people, import, units, audit log, password) at 360 px."""
    account = demo[role]
    sign_in(account.nip, account.password)
    links = page.locator("nav.main-nav a")
    hrefs = [h for h in links.evaluate_all("els => els.map(e => e.getAttribute('href'))") if h != "/"]
    assert len(hrefs) >= 3
    for href in hrefs:
        response = page.goto(href)
        assert response is not None and response.status == 200, f"{href}: {response and response.status}"
        check_page(f"menu-{role.value}{href.rstrip('/').replace('/', '-')}")
