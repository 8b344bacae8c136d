import pytest, json
from playwright.sync_api import Page
from elearn.accounts.models import Role
pytestmark = pytest.mark.browser

@pytest.mark.parametrize("role", list(Role))
def test_explore(demo, page: Page, sign_in, role):
    sign_in(demo[role].nip, "sandi-uji-browser-1")
    print(role, page.evaluate("() => document.querySelector('header').getBoundingClientRect().height"))
    print("visible links", page.get_by_role("link").count(), page.locator("nav a").count())
    page.screenshot(path=f"/tmp/hrp/nav-{role.value}.png")
    page.get_by_text("Menu", exact=True).click()
    print("visible links open", page.get_by_role("link").count())
    page.screenshot(path=f"/tmp/hrp/nav-open-{role.value}.png", full_page=True)
