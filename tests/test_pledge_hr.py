"""HR's campaign pages (``/pakta/kampanye``): creating and re-dating campaigns (audited), the
campaign page (per SKPD, heads apart, per unit; query count independent of the number of SKPDs),
the unit lists (paginated), CSV and XLSX exports (formula injection neutralised), the ZIP of
PDFs per SKPD and one person's PDF. Signatures go through ``services.sign`` (a real chain).

Data: instansi "Kota HR" with SKPD X (Dinas Pendidikan: a head, the operator, staff; unit x1 SD
Negeri 1 with teachers) and SKPD Y (Dinas Sosial); instansi B with one person."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from elearn.accounts.models import JenisJabatan, Role, User
from elearn.audit.models import AuditEvent
from elearn.db import db
from elearn.org.models import Unit
from elearn.pledges import hr_views, reports
from elearn.pledges.models import Campaign, ElectionType
from support import login

from pledge_support import make_campaign, make_pledge_version, sign_as, signature_png


@pytest.fixture
def org(app: Flask, make_instansi, make_unit: Callable[..., Unit], make_user: Callable[..., User]) -> dict[str, Any]:
    inst = make_instansi(slug="kota-hr", name="Pemerintah Kota HR")
    inst_b = make_instansi(slug="kota-hr-b", name="Pemerintah Kota HR B")
    x = make_unit("Dinas Pendidikan", instansi=inst)
    x1 = make_unit("SD Negeri 1", parent=x)
    y = make_unit("Dinas Sosial", instansi=inst)
    z = make_unit("Dinas Kesehatan", instansi=inst_b)
    head = make_user(Role.PESERTA, x, name="Kepala Dinas Pendidikan", jenis_jabatan=JenisJabatan.JPT_PRATAMA,
                     jabatan="Kepala Dinas")
    teachers = [make_user(Role.PESERTA, x1, name=f"Guru {n}", jabatan="Pengajar Kelas") for n in "ABCDE"]
    # a name and a jabatan that a spreadsheet would take for formulas
    risky = make_user(Role.PESERTA, x1, name="=HYPERLINK(\"http://x\")", jabatan="@SUM(A1)", password=None)
    social = make_user(Role.PESERTA, y, name="Pekerja Sosial", jabatan="Penyuluh Sosial")
    other = make_user(Role.PESERTA, z, name="Pegawai Kota B")
    users = {
        "operator": make_user(Role.OPERATOR_SKPD, x, name="Operator Pendidikan"),
        "operator_y": make_user(Role.OPERATOR_SKPD, y, name="Operator Sosial"),
        "admin": make_user(Role.ADMIN_BKPSDM, y, name="Admin BKPSDM"),
        "superadmin": make_user(Role.SUPERADMIN, None),
        "peserta": teachers[0],
    }
    with app.app_context():
        version = make_pledge_version()
        campaign = make_campaign(inst.id, version, slug="pilkada-hr")
        campaign_b = make_campaign(inst_b.id, version, slug="pilkada-b")
        load = lambda u: db.session.get(User, u.id)  # noqa: E731
        signed = [sign_as(campaign, load(head), method="drawn", signature_png=signature_png(), typed_name=None)]
        signed += [sign_as(campaign, load(t)) for t in teachers[:3]]
        signed.append(sign_as(campaign, load(social)))
        sign_as(campaign_b, load(other))
        db.session.commit()
        return {
            "campaign": campaign.id, "campaign_b": campaign_b.id, "version": version.id, "x": x.id, "x1": x1.id,
            "y": y.id, "z": z.id, "head": head.id, "risky": risky.id, "users": users,
            "signatures": {s.signer_name: s.id for s in signed}, "instansi": inst.id,
        }


def _get(client, url: str, status: int = 200):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


# --- campaigns ------------------------------------------------------------------------------------


def test_admin_creates_a_campaign_with_the_latest_text_by_default(client, app: Flask, org) -> None:
    login(client, org["users"]["admin"])
    page = _get(client, "/pakta/kampanye/baru").get_data(as_text=True)
    assert f'<option selected value="{org["version"]}">' in page or \
        re.search(rf'<option[^>]*value="{org["version"]}"[^>]*selected', page)
    response = client.post("/pakta/kampanye/baru", data={
        "name": "Pemilu 2029", "slug": "", "election_type": "pemilu", "pledge_version_id": org["version"],
        "place": "Kota HR", "opens_on": "2029-01-02", "closes_on": "2029-02-14"})
    assert response.status_code == 302
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "pemilu-2029"))
        assert campaign is not None and campaign.instansi_id == org["instansi"]
        assert campaign.election_type is ElectionType.PEMILU and campaign.place == "Kota HR"
        assert (campaign.opens_on, campaign.closes_on) == (dt.date(2029, 1, 2), dt.date(2029, 2, 14))
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pledge.campaign_create")).all()
        assert [e.target_id for e in events] == [campaign.id]
        assert response.headers["Location"].endswith(f"/pakta/kampanye/{campaign.id}")
    # the same name again: the derived code is taken
    again = client.post("/pakta/kampanye/baru", data={
        "name": "Pemilu 2029", "election_type": "pemilu", "pledge_version_id": org["version"],
        "place": "Kota HR", "opens_on": "2029-01-02", "closes_on": "2029-02-14"})
    assert again.status_code == 200 and "pemilu-2029" in again.get_data(as_text=True)


def test_campaign_form_refuses_closing_before_opening(client, app: Flask, org) -> None:
    login(client, org["users"]["admin"])
    response = client.post("/pakta/kampanye/baru", data={
        "name": "Pilkada 2029", "election_type": "pilkada", "pledge_version_id": org["version"],
        "place": "Kota HR", "opens_on": "2029-03-01", "closes_on": "2029-02-01"})
    assert response.status_code == 200
    assert "Tanggal tutup tidak boleh sebelum tanggal buka." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Campaign).where(Campaign.slug == "pilkada-2029")) is None


def test_superadmin_chooses_the_instansi(client, app: Flask, org) -> None:
    login(client, org["users"]["superadmin"])
    data = {"name": "Pemilu 2034", "election_type": "pemilu", "pledge_version_id": org["version"],
            "place": "Kota HR B", "opens_on": "2034-01-02", "closes_on": "2034-02-14"}
    missing = client.post("/pakta/kampanye/baru", data=data)
    assert missing.status_code == 200 and "Pilih instansi." in missing.get_data(as_text=True)
    assert client.post("/pakta/kampanye/baru", data={**data, "instansi": "kota-hr-b"}).status_code == 302
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "pemilu-2034"))
        assert campaign is not None and campaign.instansi.slug == "kota-hr-b"
    listing = _get(client, "/pakta/kampanye/").get_data(as_text=True)
    assert "Pemerintah Kota HR B" in listing and "Pemilu 2034" in listing


def test_edit_dates_is_audited(client, app: Flask, org) -> None:
    login(client, org["users"]["admin"])
    url = f"/pakta/kampanye/{org['campaign']}/ubah"
    bad = client.post(url, data={"opens_on": "2029-03-01", "closes_on": "2029-02-01"})
    assert bad.status_code == 200 and "Tanggal tutup tidak boleh" in bad.get_data(as_text=True)
    assert client.post(url, data={"opens_on": "2020-01-01", "closes_on": "2030-12-31"}).status_code == 302
    with app.app_context():
        campaign = db.session.get(Campaign, org["campaign"])
        assert (campaign.opens_on, campaign.closes_on) == (dt.date(2020, 1, 1), dt.date(2030, 12, 31))
        event_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pledge.campaign_dates"))
        assert event_row is not None and event_row.details["to"] == ["2020-01-01", "2030-12-31"]


def test_operator_list_is_read_only(client, org) -> None:
    login(client, org["users"]["operator"])
    page = _get(client, "/pakta/kampanye/").get_data(as_text=True)
    assert "Pilkada Serentak Uji" in page and "/pakta/kampanye/baru" not in page
    # own SKPD only: the head, 5 teachers, the risky person and the operator = 8; 4 signed
    assert "4 dari 8" in page
    campaign_page = _get(client, f"/pakta/kampanye/{org['campaign']}").get_data(as_text=True)
    assert "/ubah" not in campaign_page


# --- who has signed -------------------------------------------------------------------------------


def test_campaign_page_shows_skpds_heads_and_units(client, org) -> None:
    login(client, org["users"]["admin"])
    page = _get(client, f"/pakta/kampanye/{org['campaign']}").get_data(as_text=True)
    assert "Kepala perangkat daerah" in page and "Kepala Dinas Pendidikan" in page
    assert "Kepala belum tercatat di data pegawai" in page  # Dinas Sosial has no head in the roster
    assert "Dinas Sosial" in page and "Dinas Kesehatan" not in page  # instansi B is not shown
    assert "SD Negeri 1" not in page  # units only after drilling down
    drilled = _get(client, f"/pakta/kampanye/{org['campaign']}?skpd={org['x']}").get_data(as_text=True)
    assert f"/pakta/kampanye/{org['campaign']}/unit/{org['x1']}" in drilled
    assert "4 dari 8 pegawai sudah menandatangani" in drilled


def test_operator_sees_own_skpd_only(client, org) -> None:
    login(client, org["users"]["operator"])
    page = _get(client, f"/pakta/kampanye/{org['campaign']}").get_data(as_text=True)
    assert "Dinas Pendidikan" in page and "SD Negeri 1" in page  # units of the own SKPD directly
    assert "Dinas Sosial" not in page and "Pekerja Sosial" not in page
    _get(client, f"/pakta/kampanye/{org['campaign']}?skpd={org['y']}", 404)
    _get(client, f"/pakta/kampanye/{org['campaign']}/unit/{org['y']}", 404)
    _get(client, f"/pakta/kampanye/{org['campaign']}/dokumen/{org['signatures']['Pekerja Sosial']}.pdf", 404)


def test_campaign_page_query_count_does_not_grow_with_skpds(client, app: Flask, org, make_unit, make_user) -> None:
    login(client, org["users"]["admin"])
    url = f"/pakta/kampanye/{org['campaign']}"

    def measure() -> int:
        statements: list[str] = []

        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            statements.append(statement)

        engine = db.get_engine(app)
        event.listen(engine, "before_cursor_execute", count)
        try:
            _get(client, url)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    before = measure()
    with app.app_context():
        inst = db.session.get(Campaign, org["campaign"]).instansi
    for n in range(4):
        skpd = make_unit(f"Dinas Tambahan {n}", instansi=inst)
        make_user(Role.PESERTA, skpd, jenis_jabatan=JenisJabatan.JPT_PRATAMA, password=None)
    assert measure() == before


def test_unit_lists_are_paginated(client, org, monkeypatch) -> None:
    monkeypatch.setattr(reports, "PAGE_SIZE", 2)
    login(client, org["users"]["admin"])
    base = f"/pakta/kampanye/{org['campaign']}/unit/{org['x1']}"
    first = _get(client, base).get_data(as_text=True)
    assert "Guru A" in first and "Guru B" in first and "Guru C" not in first
    assert "nama diketik" in first
    assert f"/pakta/kampanye/{org['campaign']}/dokumen/{org['signatures']['Guru A']}.pdf" in first
    assert f'href="{base}?page=2"' in first
    second = _get(client, base + "?page=2").get_data(as_text=True)
    assert "Guru C" in second and "Guru A" not in second
    unsigned = _get(client, base + "?daftar=belum").get_data(as_text=True)
    assert "Guru D" in unsigned and "Guru A" not in unsigned
    # the formula-looking name is escaped text on the page
    assert "=HYPERLINK(&#34;http://x&#34;)" in unsigned or "=HYPERLINK(&quot;http://x&quot;)" in unsigned
    assert f'href="{base}?daftar=belum&amp;page=2"' in unsigned


# --- exports ---------------------------------------------------------------------------------------


def test_csv_export_neutralises_formulas(client, org) -> None:
    login(client, org["users"]["admin"])
    response = _get(client, f"/pakta/kampanye/{org['campaign']}/ekspor.csv")
    assert response.mimetype == "text/csv"
    assert 'filename="pakta-pilkada-hr.csv"' in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Perangkat daerah", "Unit kerja", "Nama", "NIP / NI PPPK"]
    assert header[7] == "Waktu tanda tangan (WIB)"
    by_name = {r[2]: r for r in body}
    # everyone active in the instansi: 8 in Dinas Pendidikan, Pekerja Sosial + 2 HR accounts in Dinas Sosial
    assert len(body) == 11 and sum(r[6] == "sudah" for r in body) == 5
    head = by_name["Kepala Dinas Pendidikan"]
    assert head[5] == "ya" and head[6] == "sudah" and head[8] == "digambar" and head[9] == "1"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", head[7])
    assert by_name["Guru D"][6] == "belum" and by_name["Guru D"][7] == ""
    risky = by_name["'=HYPERLINK(\"http://x\")"]
    assert risky[4] == "'@SUM(A1)"
    only_y = list(csv.reader(io.StringIO(
        _get(client, f"/pakta/kampanye/{org['campaign']}/ekspor.csv?skpd={org['y']}").get_data().decode("utf-8-sig"))))
    assert {r[0] for r in only_y[1:]} == {"Dinas Sosial"}


def test_xlsx_export_opens_with_openpyxl(client, org) -> None:
    from openpyxl import load_workbook

    login(client, org["users"]["operator"])
    response = _get(client, f"/pakta/kampanye/{org['campaign']}/ekspor.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2] == "Nama" and rows[0][7] == "Waktu tanda tangan (WIB)"
    body = rows[1:]
    assert len(body) == 8 and {r[0] for r in body} == {"Dinas Pendidikan"}  # the operator's SKPD only
    head = next(r for r in body if r[2] == "Kepala Dinas Pendidikan")
    assert isinstance(head[7], dt.datetime) and head[9] == 1 and head[6] == "sudah"
    risky = next(r for r in body if "HYPERLINK" in (r[2] or ""))
    assert risky[2] == "'=HYPERLINK(\"http://x\")" and risky[4] == "'@SUM(A1)"
    book.close()
    # no cell is a formula
    book = load_workbook(io.BytesIO(response.get_data()))
    assert all(cell.data_type != "f" for row in book.active.iter_rows() for cell in row)


# --- documents -------------------------------------------------------------------------------------


def test_zip_holds_one_pdf_per_signer_of_the_skpd(client, org) -> None:
    login(client, org["users"]["operator"])
    response = _get(client, f"/pakta/kampanye/{org['campaign']}/skpd/{org['x']}/dokumen.zip")
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == 4  # the head and three teachers; Dinas Sosial's signer is not in it
    assert all(re.fullmatch(r"\d{5}_[a-z0-9-]+\.pdf", n) for n in names)
    assert "00001_kepala-dinas-pendidikan.pdf" in names
    assert all(archive.read(n).startswith(b"%PDF") for n in names)


def test_zip_of_an_skpd_without_signatures(client, org, make_unit) -> None:
    login(client, org["users"]["admin"])
    with client.application.app_context():
        inst = db.session.get(Campaign, org["campaign"]).instansi
    empty = make_unit("Dinas Kosong", instansi=inst)
    archive = zipfile.ZipFile(io.BytesIO(
        _get(client, f"/pakta/kampanye/{org['campaign']}/skpd/{empty.id}/dokumen.zip").get_data()))
    assert archive.namelist() == ["BELUM-ADA-TANDA-TANGAN.txt"]


def test_hr_downloads_one_pdf(client, org) -> None:
    login(client, org["users"]["admin"])
    sig = org["signatures"]["Guru A"]
    response = _get(client, f"/pakta/kampanye/{org['campaign']}/dokumen/{sig}.pdf")
    assert response.mimetype == "application/pdf" and response.get_data().startswith(b"%PDF")
    assert response.headers["Cache-Control"] == "no-store"
    # a signature of another campaign under this campaign's URL
    _get(client, f"/pakta/kampanye/{org['campaign_b']}/dokumen/{sig}.pdf", 404)


def test_zip_member_names_are_ascii() -> None:
    class Sig:
        seq = 42
        signer_name = "Dra. Ni Luh Ayu Śrī Dewi, M.Pd."

    assert hr_views.zip_member_name(Sig()) == "00042_dra-ni-luh-ayu-sri-dewi-m-pd.pdf"  # type: ignore[arg-type]
