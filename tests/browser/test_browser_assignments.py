"""Course assignment at 360 px: the admin BKPSDM assigns a course to two units with a due date,
sees it in the list with people covered, then changes the due date; pages pass axe."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from elearn.accounts.models import Role

pytestmark = pytest.mark.browser


def test_admin_assigns_a_course_on_a_phone(page: Page, base_url, demo, sign_in, check_page) -> None:
    account = demo[Role.ADMIN_BKPSDM]
    sign_in(account.nip, account.password)
    page.goto("/penugasan/")
    expect(page.locator("h1")).to_have_text("Penugasan kursus")
    check_page("assignments-list")

    page.get_by_role("link", name="Tugaskan kursus").click()
    expect(page.locator("h1")).to_have_text("Tugaskan kursus")
    check_page("assignments-new")
    course_select = page.get_by_label("Kursus")
    course_select.select_option(index=1)
    due = dt.date.today() + dt.timedelta(days=90)
    page.get_by_label("Tenggat (opsional)").fill(due.isoformat())
    boxes = page.locator("input[name=unit_ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Tugaskan", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("ditugaskan ke 2 sasaran")
    expect(page.locator("main table")).to_contain_text("orang")

    # re-date the first assignment of the list
    page.locator("main table tbody a").first.click()
    expect(page.get_by_role("heading", name="Ubah tenggat")).to_be_visible()
    check_page("assignments-detail")
    page.get_by_label("Tenggat (opsional)").fill((due + dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Simpan tenggat").click()
    expect(page.locator(".flash")).to_contain_text("Tenggat diperbarui")


def test_operator_sees_only_their_skpd_on_a_phone(page: Page, base_url, demo, sign_in, check_page) -> None:
    account = demo[Role.OPERATOR_SKPD]
    sign_in(account.nip, account.password)
    page.goto("/penugasan/baru")
    expect(page.locator("main")).not_to_contain_text("Seluruh instansi")
    expect(page.locator("main .unit-tree")).to_contain_text("Dinas Pendidikan")
    check_page("assignments-new-operator")
