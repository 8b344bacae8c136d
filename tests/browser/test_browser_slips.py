"""Activation slips on a 360×640 phone (issue 16, point 4): the operator's slip page offers new
arrivals only by default (slips already handed out keep working); a slip for one person shows the
unit kerja, the code and a QR code; the QR's address (the activation page with ``#nip=``) opens
the activation page with the NIP filled in by a static script, and the code from the slip activates."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.db import db

pytestmark = pytest.mark.browser

NEW_PASSWORD = "bunga-melati-putih-27"


def test_operator_slips_default_scope_and_one_person_slip(
    page: Page, app: Flask, base_url, demo, activation_person, sign_in, check_page
) -> None:
    operator = demo[Role.OPERATOR_SKPD]
    sign_in(operator.nip, operator.password)

    # the SKPD's slip page: the default is new arrivals only, nothing handed out is cancelled
    page.goto("/pegawai/slip")
    expect(page.locator("h1")).to_have_text("Slip aktivasi per perangkat daerah")
    new_only = page.get_by_role("radio", name=re.compile(r"^Hanya pegawai baru"))
    everyone = page.get_by_role("radio", name=re.compile(r"^Semua pegawai yang belum aktivasi"))
    expect(new_only).to_be_checked()
    expect(everyone).not_to_be_checked()
    expect(page.locator("#scope-semua-warning")).to_contain_text("tidak berlaku lagi")
    check_page("slips-skpd-operator")

    # one person's page: a new arrival with a code already handed out gets a slip, not a reset
    with app.app_context():
        person_id = db.session.scalar(select(User.id).where(User.employee_number == activation_person["nip"]))
    page.goto(f"/pegawai/{person_id}")
    expect(page.get_by_role("link", name="Atur ulang akun")).to_have_count(0)
    expect(page.get_by_text("slip lama tidak berlaku lagi")).to_be_visible()
    page.get_by_role("button", name="Cetak slip aktivasi").click()
    expect(page.locator("h1")).to_have_text("Kode aktivasi diterbitkan")
    slip = page.get_by_role("region", name="Slip aktivasi")
    expect(slip).to_contain_text("Unit kerja: SD Negeri 1 Kota Contoh (Dinas Pendidikan")
    qr = slip.get_by_role("img", name=re.compile("Kode QR menuju halaman aktivasi"))
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 80 and box["x"] + box["width"] <= 360
    code = page.locator(".slip-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    check_page("slip-one-person")

    # the person scans the QR: the activation page with the NIP in the fragment
    page.context.clear_cookies()
    page.goto(f"/aktivasi#nip={activation_person['nip']}")
    expect(page.locator("h1")).to_have_text("Aktivasi akun")
    expect(page.get_by_label("NIP / NI PPPK")).to_have_value(activation_person["nip"])
    expect(page.get_by_label("Kode aktivasi")).to_be_focused()
    expect(page.get_by_label("Kode aktivasi")).to_have_value("")  # the code is never in the QR
    check_page("aktivasi-nip-from-qr")
    page.get_by_label("Kode aktivasi").fill(code)
    page.get_by_label("Kata sandi baru", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Ulangi kata sandi baru").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Aktifkan").click()
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_role("status")).to_contain_text("Akun Anda sudah aktif")
