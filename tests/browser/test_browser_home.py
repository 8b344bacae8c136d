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

