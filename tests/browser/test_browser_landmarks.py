"""Landmarks on HR pages are unique (axe ``landmark-unique``, a "moderate" rule the general
``check_page`` does not fail on). A section titled by its heading and the scrollable table inside it,
labelled by the same heading, made two regions of one name on the pakta campaign page (issue 16,
point 7) and on the report pages built the same way. Each page is visited by the role that sees it
in the demo, at 360x640, and must also pass ``check_page``."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from elearn.accounts.models import Role

from tests.browser.conftest import AXE_JS, describe

pytestmark = pytest.mark.browser

RULES = ["landmark-unique", "landmark-no-duplicate-main", "landmark-no-duplicate-banner",
         "landmark-no-duplicate-contentinfo", "region"]


def landmark_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "async (rules) => await axe.run(document, {runOnly: {type: 'rule', values: rules}})", RULES)
    return result["violations"]


def assert_unique_landmarks(page: Page, check_page, label: str) -> None:
    check_page(label)
    violations = landmark_violations(page)
    assert not violations, f"{label}: {describe(violations)}"


def open_first_row_link(page: Page) -> None:
    page.locator("main table tbody a").first.click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("role", [Role.OPERATOR_SKPD, Role.ADMIN_BKPSDM])
def test_campaign_and_report_pages_have_unique_landmarks(page: Page, base_url, demo, sign_in, check_page,
                                                         role: Role) -> None:
    account = demo[role]
    sign_in(account.nip, account.password)

    page.goto("/pakta/kampanye/")
    page.get_by_role("link", name="Pemilu 2029").click()
    expect(page.locator("h1")).to_have_text("Pemilu 2029")
    # the two tables of the campaign page are regions named by their own headings, once each
    expect(page.get_by_role("region", name="Kepala perangkat daerah")).to_have_count(1)
    assert_unique_landmarks(page, check_page, f"landmarks-campaign-{role.value}")

    page.goto("/rekap/")
    assert_unique_landmarks(page, check_page, f"landmarks-rekap-{role.value}")
    if role is Role.ADMIN_BKPSDM:  # the operator's /rekap/ is their SKPD's page already
        open_first_row_link(page)
        assert_unique_landmarks(page, check_page, f"landmarks-rekap-skpd-{role.value}")

    page.goto("/rekap-sertifikat/")
    assert_unique_landmarks(page, check_page, f"landmarks-certificates-{role.value}")
    if role is Role.ADMIN_BKPSDM:
        open_first_row_link(page)
        assert_unique_landmarks(page, check_page, f"landmarks-certificates-skpd-{role.value}")


def test_quiz_page_with_attempts_has_unique_landmarks(page: Page, base_url, demo, sign_in, check_page) -> None:
    account = demo[Role.PESERTA]
    sign_in(account.nip, account.password)
    page.goto("/kuis/")
    page.locator("main a[href^='/kuis/']").first.click()
    page.wait_for_load_state("load")
    assert_unique_landmarks(page, check_page, "landmarks-quiz")
