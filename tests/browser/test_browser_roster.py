"""Roster import in a real browser at 360 px: upload, the check job's progress page, the preview of what it
found, the apply job's progress page, summary."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from elearn.accounts.models import Role
from elearn.jobs.services import run_pending

pytestmark = pytest.mark.browser


def test_roster_import_with_progress(page: Page, app, base_url, demo, sign_in, check_page, tmp_path) -> None:
    account = demo[Role.ADMIN_BKPSDM]
    sign_in(account.nip, account.password)
    roster = tmp_path / "pegawai-browser.csv"
    roster.write_text(
        "NIP;Nama Lengkap;Gol/Ruang;Jabatan;Perangkat Daerah;Unit Kerja\n"
        "19790312 200501 2 007;Sri Wahyuni, S.Sos.;III/c;Analis Kebijakan;Dinas Sosial Browser;Bidang Rehabilitasi\n"
        "197805152006041008;Agus Salim;Penata, III/c;Camat Kota Browser;Kecamatan Kota Browser;\n"
        "1.98609E+17;Rusak Excel;III/a;Staf;Dinas Sosial Browser;\n",
        encoding="utf-8",
    )
    page.goto("/impor/")
    check_page("roster-upload")
    page.get_by_label("Berkas data pegawai (.xlsx atau .csv)").set_input_files(str(roster))
    page.get_by_role("button", name="Unggah dan pratinjau").click()
    # the request stored the file; the check job reads it while this page waits
    page.wait_for_url("**/proses")
    expect(page.locator("h1")).to_have_text("Proses impor")
    check_page("roster-checking")
    with app.app_context():  # what `flask --app elearn worker` does
        assert run_pending("browser-test") == 1
    expect(page.locator("h1")).to_have_text("Pratinjau impor", timeout=10_000)  # the page follows the job by itself (job-progress.js)
    main = page.locator("main")
    expect(main).to_contain_text("Sri Wahyuni, S.Sos.")
    expect(main).to_contain_text("Hasil pemeriksaan")
    expect(main).to_contain_text("diubah Excel menjadi angka ilmiah")  # the message, not the code
    expect(main).not_to_contain_text("excel_mangled")
    check_page("roster-preview")
    # the first rows are cards on a phone: no column hides at the right of a scrolling table
    first_rows = page.get_by_role("region", name="Baris pertama")
    assert first_rows.evaluate("el => el.scrollWidth <= el.clientWidth"), "the first rows scroll sideways"
    expect(first_rows.locator("td[data-label='Unit kerja']").first).to_be_visible()
    page.get_by_role("button", name="Terapkan impor").click()
    page.wait_for_url("**/proses")
    expect(page.locator("h1")).to_have_text("Proses impor")
    check_page("roster-progress")
    with app.app_context():  # what `flask --app elearn worker` does
        assert run_pending("browser-test") == 1
    page.wait_for_url("**/ringkasan")  # the page follows the job by itself (job-progress.js)
    expect(page.locator("h1")).to_have_text("Hasil impor")
    main = page.locator("main")
    expect(main).to_contain_text("Dinas Sosial Browser / Bidang Rehabilitasi")
    expect(main).to_contain_text("diubah Excel menjadi angka ilmiah")
    expect(main).not_to_contain_text("excel_mangled")
    check_page("roster-summary")
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh laporan galat (CSV)").click()
    assert "excel_mangled" in download.value.path().read_text(encoding="utf-8-sig")
