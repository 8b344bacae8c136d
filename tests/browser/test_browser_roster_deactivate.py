""""Nonaktifkan pegawai yang tidak ada di berkas ini" in a real browser at 360 px (issue 16, point 5): a
3-row file with the option ticked shows how many people it would switch off and who, with a strong
warning; a wrong number typed is refused with nothing changed; the right number applies it."""
from __future__ import annotations


import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from elearn.accounts.models import Role, User
from elearn.auth import services as auth_services
from elearn.db import db
from elearn.jobs.services import run_pending
from elearn.org import services as org_services

pytestmark = pytest.mark.browser

PASSWORD = "sandi-uji-roster-1"


def nip(n: int) -> str:
    """A valid PNS number (born 1980-01-01, appointed 2005-01, male), distinct by its last digits."""
    return f"19800101200501{1000 + n:04d}"


@pytest.fixture
def own_instansi(app):
    """An instansi of its own (the session's demo accounts are never switched off here): an admin
    and 24 participants in two SD units of one Dinas."""
    with app.app_context():
        instansi = org_services.create_instansi("kab-nonaktif", "Pemerintah Kabupaten Nonaktif", "WIB")
        dinas = org_services.create_unit(instansi, "Dinas Pendidikan Nonaktif")
        sd10 = org_services.create_unit(instansi, "SD Negeri 10", dinas)
        sd2 = org_services.create_unit(instansi, "SD Negeri 2", dinas)
        admin = User(employee_number=nip(1), name="Admin Nonaktif", role=Role.ADMIN_BKPSDM,
                     instansi_id=instansi.id, unit_id=dinas.id,
                     password_hash=auth_services.hash_password(PASSWORD))
        people = [User(employee_number=nip(10 + i), name=f"Guru {'Dua' if i % 2 else 'Sepuluh'} {i:02d}",
                       role=Role.PESERTA, instansi_id=instansi.id, unit_id=(sd2 if i % 2 else sd10).id)
                  for i in range(24)]
        db.session.add_all([admin, *people])
        db.session.commit()
        return {"instansi_id": instansi.id, "admin": admin.employee_number,
                "people": [p.id for p in people]}


def active(app, ids) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User)
                                 .where(User.id.in_(ids), User.active.is_(True)))


def test_deactivation_needs_the_typed_count(page: Page, app, own_instansi, sign_in, check_page, tmp_path) -> None:
    sign_in(own_instansi["admin"], PASSWORD)
    roster = tmp_path / "tiga-baris.csv"
    roster.write_text("NIP;Nama;SKPD\n" + "".join(
        f"{nip(900 + i)};Pegawai Baru {i};Dinas Pendidikan Nonaktif\n" for i in range(3)), encoding="utf-8")
    page.goto("/impor/")
    page.get_by_label("Berkas data pegawai (.xlsx atau .csv)").set_input_files(str(roster))
    page.get_by_role("button", name="Unggah dan pratinjau").click()
    page.wait_for_url("**/proses")
    with app.app_context():  # what `flask --app elearn worker` does
        assert run_pending("browser-test") == 1
    expect(page.locator("h1")).to_have_text("Pratinjau impor", timeout=10_000)
    main = page.locator("main")
    expect(main).to_contain_text("24 pegawai akan dinonaktifkan")
    expect(page.locator("#roster-deactivate-warning")).to_contain_text("Perhatian: jumlah ini besar")
    sample = page.locator("#roster-deactivate-sample")
    expect(sample).to_contain_text("10 pertama dari 24")
    # natural unit order: SD Negeri 2 before SD Negeri 10
    expect(sample.locator("tbody tr").first).to_contain_text("Dinas Pendidikan Nonaktif / SD Negeri 2")
    check_page("roster-deactivate-preview")

    # ticked with a wrong number: the preview again, the error named, nothing queued
    page.get_by_label("Nonaktifkan pegawai yang tidak ada di berkas ini").check()
    page.get_by_label("Ketik jumlah pegawai yang akan dinonaktifkan").fill("3")
    page.get_by_role("button", name="Terapkan impor").click()
    page.wait_for_load_state("load")
    expect(page.locator("#error-summary")).to_contain_text("Angka yang Anda ketik (3) tidak sama")
    expect(page.get_by_label("Ketik jumlah pegawai yang akan dinonaktifkan")).to_have_attribute("aria-invalid", "true")
    check_page("roster-deactivate-wrong-number")
    with app.app_context():
        assert run_pending("browser-test") == 0
    assert active(app, own_instansi["people"]) == 24

    # the right number: applied by the job
    page.get_by_label("Nonaktifkan pegawai yang tidak ada di berkas ini").check()
    page.get_by_label("Ketik jumlah pegawai yang akan dinonaktifkan").fill("24")
    page.get_by_role("button", name="Terapkan impor").click()
    page.wait_for_url("**/proses")
    with app.app_context():
        assert run_pending("browser-test") == 1
    page.wait_for_url("**/ringkasan")
    expect(page.locator("h1")).to_have_text("Hasil impor")
    check_page("roster-deactivate-summary")
    assert active(app, own_instansi["people"]) == 0
