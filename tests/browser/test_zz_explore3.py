import pytest, json
from playwright.sync_api import Page
from elearn.accounts.models import Role
pytestmark = pytest.mark.browser

def shot(page, name, y=0, h=1400):
    page.screenshot(path=f"/tmp/hrp/{name}.png", full_page=True, clip={"x":0,"y":y,"width":360,"height":h})

def test_explore(demo, page: Page, sign_in):
    sign_in(demo[Role.ADMIN_BKPSDM].nip, "sandi-uji-browser-1")
    page.goto("/rekap/")
    y = page.evaluate("() => document.getElementById('per-skpd').getBoundingClientRect().top + scrollY")
    shot(page, "rekap", y)
    page.goto("/pegawai/"); shot(page, "pegawai", 400)
    page.goto("/penugasan/"); shot(page, "penugasan", 0, 900)
    page.goto("/pakta/kampanye/1"); 
    y = page.evaluate("() => document.getElementById('kepala').getBoundingClientRect().top + scrollY")
    shot(page, "kampanye", y)
    page.goto("/analisis/kuis/netralitas-dasar")
    y = page.evaluate("() => document.querySelector('table').getBoundingClientRect().top + scrollY")
    shot(page, "analisis", y)
    page.goto("/rekap/skpd/89/pegawai?kursus=1&kuis=1&kampanye=1"); shot(page, "rekap-people", 700)
