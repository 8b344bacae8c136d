"""HR's certificate pages (``/rekap-sertifikat``): counts per SKPD and unit for a course and a range
of issue dates (certificates where they were issued, people not yet certified where they are now),
one SKPD's list with the NIP rule, the operator SKPD's scope (page, list, CSV, XLSX, ZIP), constant
statement counts, CSV / XLSX contents and the streamed ZIP of PDFs.

Data: instansi "Kota Sert" (WIB) with SKPD X (Dinas Pendidikan, unit x1 SD Negeri 1) and SKPD Y
(Dinas Sosial); instansi B with SKPD Z. Certificates are written straight into the tables
(``certificate_hr_support``)."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from elearn import authz
from elearn.accounts.models import Role, User
from elearn.certificates import hr_views, reports
from elearn.certificates.models import CertificateState
from elearn.courses import assignments
from elearn.db import db
from elearn.org.models import Instansi, Unit
from support import login

from certificate_hr_support import enable_certificate, issue_row, sample_pdf

UTC = dt.timezone.utc
V, R, P = CertificateState.VALID, CertificateState.REVOKED, CertificateState.REPLACED


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


@pytest.fixture
def org(app: Flask, make_instansi, make_unit: Callable[..., Unit], make_user: Callable[..., User],
        make_course) -> dict[str, Any]:
    inst = make_instansi(slug="kota-sert", name="Pemerintah Kota Sert")
    inst_b = make_instansi(slug="kota-sert-b", name="Pemerintah Kota Sert B")
    x = make_unit("Dinas Pendidikan", instansi=inst)
    x1 = make_unit("SD Negeri 1", parent=x)
    y = make_unit("Dinas Sosial", instansi=inst)
    z = make_unit("Dinas Kesehatan", instansi=inst_b)
    p = {
        "a1": make_user(Role.PESERTA, x, name="Ani Pendidikan"),
        "a2": make_user(Role.PESERTA, x, name="Budi Pendidikan", password=None),
        "t1": make_user(Role.PESERTA, x1, name="Guru Satu", password=None),
        "t2": make_user(Role.PESERTA, x1, name="Guru Dua", password=None),
        "t3": make_user(Role.PESERTA, x1, name="Guru Tiga", password=None),
        "t4": make_user(Role.PESERTA, x1, name="Guru Empat", password=None),
        "risky": make_user(Role.PESERTA, x1, name="=HYPERLINK(\"http://x\")", password=None),
        "gone": make_user(Role.PESERTA, x1, name="Guru Nonaktif", password=None, active=False),
        "mover": make_user(Role.PESERTA, y, name="Pindahan Dari Pendidikan", password=None),
        "s1": make_user(Role.PESERTA, y, name="Sosial Satu", password=None),
        "s2": make_user(Role.PESERTA, y, name="Sosial Dua", password=None),
        "z1": make_user(Role.PESERTA, z, name="Pegawai Kota B", password=None),
    }
    users = {
        "operator": make_user(Role.OPERATOR_SKPD, x, name="Operator Pendidikan"),
        "operator_y": make_user(Role.OPERATOR_SKPD, y, name="Operator Sosial"),
        "admin": make_user(Role.ADMIN_BKPSDM, y, name="Admin BKPSDM"),
        "admin_b": make_user(Role.ADMIN_BKPSDM, z, name="Admin Kota B"),
        "superadmin": make_user(Role.SUPERADMIN, None),
        "peserta": p["t4"],
    }
    course = make_course(slug="netralitas-sert", title="Netralitas ASN")
    plain = make_course(slug="tanpa-sertifikat", title="Tanpa Sertifikat")
    own_b = make_course(slug="kursus-kota-b", title="Kursus Kota B", instansi_id=inst_b.id)
    with app.app_context():
        enable_certificate(course)
        enable_certificate(own_b)
        units = {u.id: u for u in db.session.query(Unit).filter(Unit.id.in_([x.id, x1.id, y.id, z.id]))}
        serials = {}

        def issue(key: str, when: dt.datetime, state: CertificateState = V, **kw: Any) -> None:
            row = issue_row(p[key], course, issued_at=when, state=state, **kw)
            serials[(key, state)] = row.serial

        issue("a1", at(2026, 3, 10, 3))
        issue("t1", at(2026, 3, 15, 3))
        issue("t2", at(2026, 3, 20, 3), R)
        issue("t3", at(2026, 2, 1, 3), P)
        issue("t3", at(2026, 4, 5, 3), V, generation=2)
        issue("risky", at(2026, 3, 21, 3), serial="=cmd|' /C calc'!A0/2026/1")
        # issued while in SD Negeri 1; in Dinas Sosial now
        issue("mover", at(2026, 3, 12, 3), unit=units[x1.id], skpd=units[x.id])
        issue("s1", at(2026, 3, 11, 3))
        # 31 March 18:00 UTC is 1 April 01:00 WIB: outside a range that ends on 31 March
        issue("s2", at(2026, 3, 31, 18))
        issue_row(p["z1"], course, issued_at=at(2026, 3, 10, 3))
        db.session.commit()
    return {"inst": inst.id, "inst_b": inst_b.id, "x": x.id, "x1": x1.id, "y": y.id, "z": z.id, "people": p,
            "users": users, "course": course.course_id, "plain": plain.course_id, "own_b": own_b.course_id,
            "serials": serials}


def _viewer(app: Flask, org: dict[str, Any], key: str) -> User:
    return db.session.get(User, org["users"][key].id)


def _filters(org: dict[str, Any], start: dt.date | None = None, end: dt.date | None = None) -> reports.Filters:
    from elearn.courses.models import Course

    return reports.Filters(db.session.get(Instansi, org["inst"]), db.session.get(Course, org["course"]), start, end)


def _counts(overview: reports.Overview) -> dict[int | None, tuple[int, int, int, int]]:
    return {r.skpd_id: (r.tally.valid, r.tally.revoked, r.tally.replaced, r.tally.not_yet) for r in overview.skpds}


def _get(client, url: str, status: int = 200):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


# --- counts ------------------------------------------------------------------------------------------


def test_counts_per_skpd_all_dates(app: Flask, org) -> None:
    result = reports.overview(_filters(org), _viewer(app, org, "admin"))
    counts = _counts(result)
    # X: a1, t1, t3 (2nd), risky, mover valid; t2 revoked; t3 (1st) replaced; not yet: a2, t4, operator
    #    (the inactive teacher is not counted)
    assert counts[org["x"]] == (5, 1, 1, 3)
    # Y: s1, s2; not yet: operator_y, admin (the mover has a certificate, counted in X)
    assert counts[org["y"]] == (2, 0, 0, 2)
    assert org["z"] not in counts and None not in counts
    assert (result.total.valid, result.total.issued, result.total.not_yet) == (7, 9, 5)


def test_counts_in_a_date_range_use_the_instansi_day(app: Flask, org) -> None:
    result = reports.overview(_filters(org, dt.date(2026, 3, 1), dt.date(2026, 3, 31)), _viewer(app, org, "admin"))
    counts = _counts(result)
    # February's replaced and April's reissue fall outside; not-yet is about having none at all
    assert counts[org["x"]] == (4, 1, 0, 3)
    # s2's certificate is dated 1 April in WIB
    assert counts[org["y"]] == (1, 0, 0, 2)
    april = _counts(reports.overview(_filters(org, dt.date(2026, 4, 1)), _viewer(app, org, "admin")))
    assert april[org["x"]] == (1, 0, 0, 3) and april[org["y"]] == (1, 0, 0, 2)


def test_not_yet_follows_the_course_assignments(app: Flask, org) -> None:
    from elearn.courses.models import Course

    instansi = db.session.get(Instansi, org["inst"])
    assignments.assign(db.session.get(Course, org["course"]), instansi, [db.session.get(Unit, org["x1"])], None,
                       actor=None)
    db.session.commit()
    counts = _counts(reports.overview(_filters(org), _viewer(app, org, "admin")))
    # only SD Negeri 1 is assigned: Guru Empat is the one left there
    assert counts[org["x"]][3] == 1 and counts[org["y"]][3] == 0
    assert counts[org["x"]][:3] == (5, 1, 1)  # certificates are counted whoever was assigned


def test_units_of_an_skpd(app: Flask, org) -> None:
    rows = reports.units_of_skpd(_filters(org), _viewer(app, org, "admin"), db.session.get(Unit, org["x"]))
    by_unit = {r.unit_id: (r.tally.valid, r.tally.revoked, r.tally.replaced, r.tally.not_yet) for r in rows}
    assert [r.unit_id for r in rows] == [org["x"], org["x1"]]
    assert by_unit[org["x"]] == (1, 0, 0, 2)  # a1; a2 and the operator
    assert by_unit[org["x1"]] == (4, 1, 1, 1)  # t1, t3, risky, mover; t2; t3's first; t4


def test_people_of_an_skpd_and_the_nip_rule(app: Flask, org) -> None:
    filters = _filters(org)
    for viewer, mover_nip in (("admin", True), ("operator", False), ("superadmin", True)):
        user = _viewer(app, org, viewer)
        rows = reports.person_rows(db.session.execute(reports.people_of_skpd(filters, user, org["x"])), user)
        names = [r.name for r in rows]
        assert names == sorted(names)
        assert len(rows) == 10  # 7 certificates + 3 without
        mover = next(r for r in rows if r.name == "Pindahan Dari Pendidikan")
        assert mover.state == "valid" and mover.unit == "SD Negeri 1" and mover.nip_visible is mover_nip
        assert all(r.nip_visible for r in rows if r is not mover)
        waiting = {r.name for r in rows if r.state == reports.NOT_YET}
        assert waiting == {"Budi Pendidikan", "Guru Empat", "Operator Pendidikan"}
    revoked = db.session.execute(reports.people_of_skpd(filters, _viewer(app, org, "admin"), org["x"], "revoked"))
    assert [r.name for r in revoked] == ["Guru Dua"]


def test_nip_rule_matches_can_view_person(app: Flask, org) -> None:
    people = [db.session.get(User, u.id) for u in org["people"].values()]
    for key in ("admin", "operator", "operator_y", "superadmin", "admin_b"):
        viewer = _viewer(app, org, key)
        for person in people:
            assert authz.can_view_person_at(viewer, person.instansi_id, person.skpd_id) == \
                authz.can_view_person(viewer, person), (key, person.name)


# --- pages and scope ---------------------------------------------------------------------------------


def test_overview_page_for_admin(client, org) -> None:
    login(client, org["users"]["admin"])
    page = _get(client, "/rekap-sertifikat/").get_data(as_text=True)
    # the course with a certificate is chosen by default; a course without one is not offered
    assert "Netralitas ASN" in page and "Tanpa Sertifikat" not in page and "Kursus Kota B" not in page
    assert "Dinas Pendidikan" in page and "Dinas Sosial" in page and "Dinas Kesehatan" not in page
    assert f"/rekap-sertifikat/skpd/{org['x']}?course={org['course']}" in page
    assert "penempatan pegawai saat sertifikat terbit" in page
    assert '<a href="/rekap-sertifikat/">Rekap sertifikat</a>' in page  # the HR menu
    ranged = _get(client, f"/rekap-sertifikat/?course={org['course']}&dari=2026-03-01&sampai=2026-03-31")
    assert "dari=2026-03-01" in ranged.get_data(as_text=True)
    bad = _get(client, f"/rekap-sertifikat/?course={org['course']}&dari=2026-04-01&sampai=2026-03-01")
    assert "Tanggal akhir sebelum tanggal awal." in bad.get_data(as_text=True)


def test_superadmin_chooses_the_instansi(client, org) -> None:
    login(client, org["users"]["superadmin"])
    assert "Pilih instansi." in _get(client, "/rekap-sertifikat/").get_data(as_text=True)
    page = _get(client, "/rekap-sertifikat/?instansi=kota-sert-b").get_data(as_text=True)
    assert "Dinas Kesehatan" in page and "Kursus Kota B" in page
    _get(client, "/rekap-sertifikat/?instansi=tidak-ada", 404)
    _get(client, f"/rekap-sertifikat/skpd/{org['x']}?course={org['course']}", 404)  # no instansi chosen
    _get(client, f"/rekap-sertifikat/skpd/{org['x']}?course={org['course']}&instansi=kota-sert")


def test_operator_sees_only_own_skpd(client, org) -> None:
    login(client, org["users"]["operator"])
    course = org["course"]
    page = _get(client, "/rekap-sertifikat/").get_data(as_text=True)
    assert "/ekspor.csv" not in page  # the per-SKPD export is for the whole instansi's HR
    assert "Dinas Pendidikan" in page and "Dinas Sosial" not in page
    list_page = _get(client, f"/rekap-sertifikat/skpd/{org['x']}?course={course}").get_data(as_text=True)
    assert "Guru Dua" in list_page and "Pindahan Dari Pendidikan" in list_page
    for suffix in ("", "/ekspor.csv", "/ekspor.xlsx", "/sertifikat.zip"):
        _get(client, f"/rekap-sertifikat/skpd/{org['y']}{suffix}?course={course}", 404)
        _get(client, f"/rekap-sertifikat/skpd/{org['x1']}{suffix}?course={course}", 404)  # not an SKPD
        _get(client, f"/rekap-sertifikat/skpd/{org['z']}{suffix}?course={course}", 404)
        # a course of another instansi, or another instansi by form value
        _get(client, f"/rekap-sertifikat/skpd/{org['x']}{suffix}?course={org['own_b']}", 404)
        _get(client, f"/rekap-sertifikat/skpd/{org['x']}{suffix}?course={course}&instansi=kota-sert-b", 404)
    # the per-SKPD export holds their SKPD only
    rows = list(csv.reader(io.StringIO(
        _get(client, f"/rekap-sertifikat/ekspor.csv?course={course}").get_data().decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["Dinas Pendidikan", "Jumlah"]


def test_admin_of_another_instansi_gets_404(client, org) -> None:
    login(client, org["users"]["admin_b"])
    _get(client, f"/rekap-sertifikat/skpd/{org['x']}?course={org['course']}", 404)
    _get(client, f"/rekap-sertifikat/skpd/{org['z']}?course={org['course']}")
    _get(client, "/rekap-sertifikat/?instansi=kota-sert", 404)


def test_list_is_paginated_and_filtered(client, org, monkeypatch) -> None:
    monkeypatch.setattr(reports, "PAGE_SIZE", 3)
    login(client, org["users"]["admin"])
    base = f"/rekap-sertifikat/skpd/{org['x']}?course={org['course']}"
    first = _get(client, base).get_data(as_text=True)
    assert "1–3 dari 10" in first and "page=2" in first
    revoked = _get(client, base + "&status=revoked").get_data(as_text=True)
    assert "Guru Dua" in revoked and "Guru Satu" not in revoked and org["serials"][("t2", R)] in revoked
    waiting = _get(client, base + "&status=belum").get_data(as_text=True)
    assert "Guru Empat" in waiting and "Guru Satu" not in waiting


def _measure(app: Flask, client, url: str) -> int:
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


def test_statement_counts_do_not_grow_with_rows(client, app: Flask, org, make_unit, make_user) -> None:
    from elearn.courses.models import CourseVersion

    login(client, org["users"]["admin"])
    urls = [f"/rekap-sertifikat/?course={org['course']}",
            f"/rekap-sertifikat/skpd/{org['x']}?course={org['course']}",
            f"/rekap-sertifikat/ekspor.csv?course={org['course']}",
            f"/rekap-sertifikat/skpd/{org['x']}/ekspor.csv?course={org['course']}"]
    before = [_measure(app, client, url) for url in urls]
    with app.app_context():
        inst = db.session.get(Instansi, org["inst"])
        x = db.session.get(Unit, org["x"])
    version = db.session.query(CourseVersion).filter_by(course_id=org["course"]).one()
    for n in range(3):
        skpd = make_unit(f"Dinas Tambahan {n}", instansi=inst)
        sub = make_unit(f"Bidang {n}", parent=x)
        for unit in (skpd, sub, skpd):
            person = make_user(Role.PESERTA, unit, password=None)
            issue_row(person, version, issued_at=at(2026, 3, 5 + n), state=R if n == 1 else V)
            make_user(Role.PESERTA, unit, password=None)
    db.session.commit()
    assert [_measure(app, client, url) for url in urls] == before


# --- exports ---------------------------------------------------------------------------------------


def test_overview_csv(client, org) -> None:
    login(client, org["users"]["admin"])
    response = _get(client, f"/rekap-sertifikat/ekspor.csv?course={org['course']}&dari=2026-03-01&sampai=2026-03-31")
    assert response.is_streamed and response.mimetype == "text/csv"
    assert 'filename="sertifikat-netralitas-sert-2026-03-01-sd-2026-03-31.csv"' in \
        response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Perangkat daerah", "Berlaku", "Dicabut", "Diganti", "Jumlah terbit", "Belum bersertifikat"]
    assert rows[1:] == [["Dinas Pendidikan", "4", "1", "0", "5", "3"], ["Dinas Sosial", "1", "0", "0", "1", "2"],
                        ["Jumlah", "5", "1", "0", "6", "5"]]


def test_skpd_csv_neutralises_formulas_and_hides_nip_of_former_staff(client, org) -> None:
    login(client, org["users"]["operator"])
    response = _get(client, f"/rekap-sertifikat/skpd/{org['x']}/ekspor.csv?course={org['course']}")
    assert response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["Nama", "NIP / NI PPPK", "Unit kerja", "Status", "Nomor sertifikat"]
    assert header[5] == "Tanggal terbit (WIB)"
    by_name = {r[0]: r for r in body}
    assert len(body) == 10
    risky = by_name["'=HYPERLINK(\"http://x\")"]
    assert risky[4] == "'=cmd|' /C calc'!A0/2026/1" and risky[3] == "berlaku"
    assert by_name["Guru Dua"][3] == "dicabut" and by_name["Guru Dua"][6] != ""
    assert by_name["Guru Empat"][3] == "belum bersertifikat" and by_name["Guru Empat"][4] == ""
    assert by_name["Pindahan Dari Pendidikan"][1] == ""  # left the operator's SKPD
    assert re.fullmatch(r"\d{8} \d{6} \d \d{3}", by_name["Guru Satu"][1])
    assert by_name["Guru Satu"][5] == "2026-03-15 10:00:00" and by_name["Guru Satu"][7] == "2"


def test_xlsx_exports_open_with_openpyxl(client, org) -> None:
    from openpyxl import load_workbook

    login(client, org["users"]["admin"])
    response = _get(client, f"/rekap-sertifikat/skpd/{org['x']}/ekspor.xlsx?course={org['course']}")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    assert rows[0][0] == "Nama" and rows[0][5] == "Tanggal terbit (WIB)"
    body = rows[1:]
    assert len(body) == 10
    t1 = next(r for r in body if r[0] == "Guru Satu")
    assert t1[3] == "berlaku" and t1[5] == dt.datetime(2026, 3, 15, 10, 0) and t1[7] == 2
    risky = next(r for r in body if "HYPERLINK" in (r[0] or ""))
    assert risky[0] == "'=HYPERLINK(\"http://x\")" and risky[4].startswith("'=")
    mover = next(r for r in body if r[0] == "Pindahan Dari Pendidikan")
    assert mover[1]  # the admin may see it
    book = load_workbook(io.BytesIO(response.get_data()))
    assert all(cell.data_type != "f" for row in book.active.iter_rows() for cell in row)
    book.close()
    summary = load_workbook(io.BytesIO(_get(client, f"/rekap-sertifikat/ekspor.xlsx?course={org['course']}")
                                       .get_data()), read_only=True)
    rows = list(summary.active.iter_rows(values_only=True))
    summary.close()
    assert rows[1] == ("Dinas Pendidikan", 5, 1, 1, 7, 3) and rows[-1] == ("Jumlah", 7, 1, 1, 9, 5)


# --- the ZIP -----------------------------------------------------------------------------------------


def _zip(client, url: str) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    response = _get(client, url)
    assert response.is_streamed and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    return archive


def test_zip_holds_the_pdfs_and_a_manifest(client, org) -> None:
    login(client, org["users"]["admin"])
    archive = _zip(client, f"/rekap-sertifikat/skpd/{org['x']}/sertifikat.zip?course={org['course']}")
    names = archive.namelist()
    assert names[0] == "DAFTAR-SERTIFIKAT.csv"
    pdfs = names[1:]
    assert len(pdfs) == 7 and len(set(pdfs)) == 7
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+_[a-z0-9-]+(_DICABUT|_DIGANTI)?(-\d+)?\.pdf", n) for n in pdfs)
    assert all(archive.getinfo(n).compress_type == zipfile.ZIP_STORED for n in pdfs)
    t2 = org["serials"][("t2", R)].replace("/", "-")
    assert f"{t2}_guru-dua_DICABUT.pdf" in pdfs
    assert any(n.endswith("_guru-tiga_DIGANTI.pdf") for n in pdfs)
    risky = next(n for n in pdfs if n.endswith("_hyperlink-http-x.pdf"))
    assert "/" not in risky and not risky.startswith((".", "-"))
    expected = hashlib.sha256(sample_pdf()).hexdigest()
    assert all(archive.read(n).startswith(b"%PDF") and hashlib.sha256(archive.read(n)).hexdigest() == expected
               for n in pdfs)
    manifest = list(csv.reader(io.StringIO(archive.read("DAFTAR-SERTIFIKAT.csv").decode("utf-8-sig"))))
    assert manifest[0][:3] == ["Berkas", "Nomor sertifikat", "Nama"]
    assert {r[0] for r in manifest[1:]} == set(pdfs)
    assert all(r[8] == expected for r in manifest[1:])
    archive.close()
    valid = _zip(client, f"/rekap-sertifikat/skpd/{org['x']}/sertifikat.zip?course={org['course']}&sah_saja=1")
    assert len(valid.namelist()) == 1 + 5 and not any("_DICABUT" in n or "_DIGANTI" in n for n in valid.namelist())
    valid.close()


def test_zip_for_an_operator_leaves_out_former_staff(client, org) -> None:
    login(client, org["users"]["operator"])
    archive = _zip(client, f"/rekap-sertifikat/skpd/{org['x']}/sertifikat.zip?course={org['course']}"
                           "&dari=2026-03-01&sampai=2026-03-31")
    pdfs = archive.namelist()[1:]
    assert len(pdfs) == 4  # a1, t1, t2, risky; the mover's PDF (with NIP) is left out
    manifest = list(csv.reader(io.StringIO(archive.read("DAFTAR-SERTIFIKAT.csv").decode("utf-8-sig"))))
    mover = next(r for r in manifest if r[2] == "Pindahan Dari Pendidikan")
    assert mover[0] == "(tidak disertakan)" and mover[3] == ""
    archive.close()


def test_zip_of_an_skpd_without_certificates(client, org, make_unit) -> None:
    login(client, org["users"]["admin"])
    with client.application.app_context():
        inst = db.session.get(Instansi, org["inst"])
    empty = make_unit("Dinas Kosong", instansi=inst)
    archive = _zip(client, f"/rekap-sertifikat/skpd/{empty.id}/sertifikat.zip?course={org['course']}")
    assert archive.namelist() == ["DAFTAR-SERTIFIKAT.csv"]
    archive.close()


def test_zip_is_built_while_streaming(app: Flask, org) -> None:
    """``build_zip`` hands on each PDF before the next one is fetched."""
    filters = _filters(org)
    entries = reports.zip_entries(filters, _viewer(app, org, "admin"), org["x"])
    fetched: list[int] = []
    sizes: list[int] = []

    def fetch(ids: list[int]):  # type: ignore[no-untyped-def]
        for cid in ids:
            fetched.append(cid)
            yield cid, sample_pdf() + f"%{cid}\n".encode()

    stream = hr_views.build_zip(filters, entries, fetch)
    manifest_chunk = next(stream)
    assert manifest_chunk.startswith(b"PK") and fetched == []
    for chunk in stream:
        sizes.append(len(chunk))
        if len(fetched) < len(entries):
            # one PDF fetched, one PDF's worth of bytes sent
            assert len(chunk) < len(sample_pdf()) + 200
    assert len(fetched) == 7


def test_zip_member_names() -> None:
    taken: set[str] = set()
    assert hr_views.zip_member_name("BKPSDM-KC/2026/000123", "Ṡiti Nur'aini", "valid", taken) == \
        "BKPSDM-KC-2026-000123_siti-nur-aini.pdf"
    assert hr_views.zip_member_name("../../etc/passwd", "Đặng", "revoked", taken) == "etc-passwd_ang_DICABUT.pdf"
    assert hr_views.zip_member_name("BKPSDM-KC/2026/000123", "Siti Nur Aini", "valid", taken) == \
        "BKPSDM-KC-2026-000123_siti-nur-aini-2.pdf"
    assert hr_views.zip_member_name("", "", "replaced", taken) == "sertifikat_pegawai_DIGANTI.pdf"
