import pytest, json
from playwright.sync_api import Page
from elearn.accounts.models import Role
pytestmark = pytest.mark.browser

JS = """() => {
 const h = document.querySelector('header.site-header').getBoundingClientRect().height;
 const wraps = [...document.querySelectorAll('main table')].map(t => {const w=t.closest('.table-wrap')||t.parentElement; return [w.scrollWidth, w.clientWidth, t.querySelector('thead th:last-child')?.textContent.trim()]});
 return {header: h, scroll: document.documentElement.scrollWidth, wraps};
}"""

@pytest.mark.parametrize("role", [Role.OPERATOR_SKPD, Role.ADMIN_BKPSDM, Role.PESERTA, Role.PELATIH])
def test_explore(demo, page: Page, sign_in, role):
    sign_in(demo[role].nip, "sandi-uji-browser-1")
    urls = ["/", "/rekap/", "/pegawai/", "/penugasan/", "/pakta/kampanye/", "/analisis/kuis/"]
    for u in urls:
        r = page.goto(u)
        if r.status != 200:
            print(role, u, r.status); continue
        print(role, u, json.dumps(page.evaluate(JS)))
    if role in (Role.ADMIN_BKPSDM, Role.OPERATOR_SKPD):
        page.goto("/pakta/kampanye/"); page.get_by_role("link", name="Pemilu 2029").click()
        print(role, page.url, json.dumps(page.evaluate(JS)))
        page.goto("/analisis/kuis/"); page.locator("main a").first.click()
        print(role, page.url, json.dumps(page.evaluate(JS)))
        page.goto("/rekap/"); 
        l = page.locator("table.rekap tbody th a").first
        if l.count():
            l.click(); print(role, page.url, json.dumps(page.evaluate(JS)))
            page.get_by_role("link", name="Semua pegawai").click(); print(role, page.url, json.dumps(page.evaluate(JS)))
        page.screenshot(path=f"/tmp/hrp/{role.value}.png")
