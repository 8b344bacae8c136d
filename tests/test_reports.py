"""Rekap per SKPD (``/rekap``, ``elearn.reports``): the counting rules on a hand-checked data set,
constant statement counts, scope, the XLSX and CSV exports and bad input.

Data (instansi "kota-rekap"): SKPD X (Dinas Pendidikan) with unit x1 (SD Negeri 1), SKPD Y
(Dinas Sosial), SKPD E (Dinas Kosong, nobody). Course C (2 modules, gives a certificate), quiz Q,
campaign K (and K2, another campaign of the same instansi). Instansi B has its own course, quiz,
campaign and one person.

| person | placed | did | expected |
|---|---|---|---|
| head (JPT pratama) | X | read, passed, signed K, valid cert | done, head |
| a1 | X | read, passed, signed K, valid cert | done |
| t1 | x1 | read | in progress; lacks quiz, pakta, certificate |
| t2 (never signed in) | x1 | nothing | not started |
| t3 | x1 | signed K2 only | not started (K2 is not the chosen campaign) |
| lurah (kepala wilayah) | x1 | read | in progress, "wilayah" |
| r1 | x1 | read, passed, signed K, REVOKED cert | in progress (no valid certificate) |
| gone (deactivated) | x1 | everything | not counted |
| mover | Y now (did it all in X) | everything | done, counted in Y |
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from elearn.accounts.models import JenisJabatan, Role, User
from elearn.certificates.models import CertificateState
from elearn.courses.models import CourseVersion, Enrollment
from elearn.db import db, utcnow
from elearn.org.models import Instansi, Unit
from elearn.quizzes.models import Attempt, AttemptStatus
from elearn.reports import services
from support import login

from certificate_hr_support import issue_row
from pledge_support import insert_raw_signature, make_campaign
from quiz_support import make_quiz

UTC = dt.timezone.utc


def _enrol(user: User, version: CourseVersion, read: bool = True) -> None:
    db.session.add(Enrollment(user_id=user.id, course_id=version.course_id, course_version_id=version.id,
                              modules_completed_at=utcnow() if read else None))


def _attempt(user: User, quiz: Any, passed: bool, number: int = 1) -> None:
    db.session.add(Attempt(quiz_id=quiz.id, user_id=user.id, number=number, status=AttemptStatus.SUBMITTED,
                           unit_id=user.unit_id, skpd_id=user.skpd_id, submitted_at=utcnow(), score=1, max_score=1,
                           percent=100.0 if passed else 10.0, passed=passed, pass_mark=70))


_SEQ = {"n": 0}


def _sign(campaign: Any, user: User) -> None:
    _SEQ["n"] += 1
    import secrets

    insert_raw_signature(campaign, user, seq=_SEQ["n"], prev_hash=secrets.token_hex(32))


@pytest.fixture
def org(app: Flask, make_instansi, make_unit, make_user, make_course) -> dict[str, Any]:
    inst = make_instansi(slug="kota-rekap", name="Pemerintah Kota Rekap")
    inst_b = make_instansi(slug="kota-rekap-b", name="Pemerintah Kota Rekap B")
    x = make_unit("Dinas Pendidikan", instansi=inst)
    x1 = make_unit("SD Negeri 1", parent=x)
    y = make_unit("Dinas Sosial", instansi=inst)
    e = make_unit("Dinas Kosong", instansi=inst)
    z = make_unit("Dinas Kesehatan", instansi=inst_b)
    p = {
        "head": make_user(Role.PESERTA, x, name="Kepala Dinas", jenis_jabatan=JenisJabatan.JPT_PRATAMA),
        "a1": make_user(Role.PESERTA, x, name="Ani"),
        "t1": make_user(Role.PESERTA, x1, name="Guru Satu"),
        "t2": make_user(Role.PESERTA, x1, name="Guru Dua", password=None),
        "t3": make_user(Role.PESERTA, x1, name="=Guru Tiga", password=None),
        "lurah": make_user(Role.PESERTA, x1, name="Pak Lurah", is_kepala_wilayah=True),
        "r1": make_user(Role.PESERTA, x1, name="Guru Dicabut"),
        "gone": make_user(Role.PESERTA, x1, name="Guru Nonaktif", active=False),
        "mover": make_user(Role.PESERTA, x, name="Pindahan"),
        "b1": make_user(Role.PESERTA, z, name="Orang B"),
    }
    users = {
        "admin": make_user(Role.ADMIN_BKPSDM, make_unit("Badan Kepegawaian", instansi=inst), name="Admin BKPSDM"),
        "op_y": make_user(Role.OPERATOR_SKPD, y, name="Operator Y"),
        "super": make_user(Role.SUPERADMIN, None, name="Super"),
    }
    course = make_course(slug="rekap-kursus", title="Netralitas ASN")
    course_b = make_course(slug="rekap-kursus-b", title="Kursus B", instansi_id=inst_b.id)
    with app.app_context():
        version = db.session.get(CourseVersion, course.id)
        version.certificate = {"template": "default"}
        version.requires = {"quiz": "kuis-rekap"}  # (the page's default quiz; completion does not ask for it)
        quiz = make_quiz("kuis-rekap")
        quiz_b = make_quiz("kuis-rekap-b", instansi=db.session.get(Instansi, inst_b.id))
        k = make_campaign(inst.id, slug="pilkada-rekap")
        k2 = make_campaign(inst.id, slug="lama-rekap", opens_on=dt.date(2020, 1, 1), closes_on=dt.date(2020, 2, 1))
        kb = make_campaign(inst_b.id, slug="pilkada-b")
        rows = {key: db.session.get(User, u.id) for key, u in p.items()}
        when = dt.datetime(2026, 3, 10, 3, tzinfo=UTC)
        for key in ("head", "a1", "r1", "gone", "mover"):
            _enrol(rows[key], version)
            _attempt(rows[key], quiz, passed=True)
            _sign(k, rows[key])
            issue_row(rows[key], version, issued_at=when,
                      state=CertificateState.REVOKED if key == "r1" else CertificateState.VALID)
        _attempt(rows["r1"], quiz, passed=False, number=2)
        for key in ("t1", "lurah"):
            _enrol(rows[key], version)
        _sign(k2, rows["t3"])
        # the mover did everything in X, then moved to Y
        rows["mover"].unit_id = y.id
        rows["gone"].active = False
        db.session.commit()
        ids = {"x": x.id, "x1": x1.id, "y": y.id, "e": e.id, "z": z.id, "course": course.course_id,
               "course_b": course_b.course_id, "quiz": quiz.id, "quiz_b": quiz_b.id, "k": k.id, "k2": k2.id,
               "kb": kb.id}
    return {"ids": ids, "users": users, "people": p}


def _selection(org: dict[str, Any], **overrides: Any) -> services.Selection:
    from elearn.courses.models import Course
    from elearn.pledges.models import Campaign
    from elearn.quizzes.models import Quiz

    ids = org["ids"]
    inst = db.session.scalar(select(Instansi).where(Instansi.slug == "kota-rekap"))
    parts = {"course": db.session.get(Course, ids["course"]), "quiz": db.session.get(Quiz, ids["quiz"]),
             "campaign": db.session.get(Campaign, ids["k"])}
    parts.update(overrides)
    return services.Selection.build(inst, **parts)


def _counts(row: services.RekapRow) -> tuple[int, ...]:
    return tuple(getattr(row, name) for name in services.COUNTS)


def test_skpd_counts_follow_the_rules(app: Flask, org) -> None:
    sel = _selection(org)
    assert sel.parts == ("modules", "quiz", "pakta", "certificate")
    rows = {row.key: row for row in services.skpd_rows(sel)}
    ids = org["ids"]
    #            headcount read passed signed certified done in_progress not_started
    assert _counts(rows[ids["x"]]) == (7, 5, 3, 3, 2, 2, 3, 2)
    # the mover counts where they are now (with operator Y, who has done nothing)
    assert _counts(rows[ids["y"]]) == (2, 1, 1, 1, 1, 1, 0, 1)
    assert _counts(rows[ids["e"]]) == (0,) * 8  # an empty SKPD is listed, with nobody
    assert rows[ids["e"]].done_share is None
    assert ids["z"] not in rows  # another instansi
    total = services.totals(list(rows.values()))
    assert _counts(total) == (10, 6, 4, 4, 3, 3, 3, 4)  # + admin (BKPSDM) and operator Y
    assert rows[ids["x"]].done_share == pytest.approx(2 / 7)


def test_unit_rows_and_heads(app: Flask, org) -> None:
    sel = _selection(org)
    ids = org["ids"]
    units = {row.key: row for row in services.unit_rows(sel, ids["x"])}
    assert list(units) == [ids["x"], ids["x1"]]
    assert _counts(units[ids["x"]]) == (2, 2, 2, 2, 2, 2, 0, 0)
    assert _counts(units[ids["x1"]]) == (5, 3, 1, 1, 0, 0, 3, 2)
    assert units[ids["x1"]].depth == 1
    heads = {row.key: row for row in services.head_rows(sel)}
    assert _counts(heads["head"]) == (1, 1, 1, 1, 1, 1, 0, 0)
    assert _counts(heads["wilayah"]) == (1, 1, 0, 0, 0, 0, 1, 0)
    assert _counts(services.head_rows(sel, ids["y"])[0]) == (0,) * 8


def test_done_needs_only_the_chosen_parts(app: Flask, org) -> None:
    ids = org["ids"]
    only_pakta = _selection(org, course=None, quiz=None)
    x = next(r for r in services.skpd_rows(only_pakta) if r.key == ids["x"])
    assert (x.signed, x.done, x.in_progress, x.not_started) == (3, 3, 0, 4)
    k2 = _selection(org, course=None, quiz=None,
                    campaign=db.session.get(__import__("elearn.pledges.models", fromlist=["Campaign"]).Campaign,
                                            ids["k2"]))
    x = next(r for r in services.skpd_rows(k2) if r.key == ids["x"])
    assert (x.signed, x.done) == (1, 1)  # signed in that campaign only: t3
    nothing = _selection(org, course=None, quiz=None, campaign=None)
    assert nothing.empty
    x = next(r for r in services.skpd_rows(nothing) if r.key == ids["x"])
    assert (x.headcount, x.done) == (7, 0)


def test_people_say_what_is_missing(app: Flask, org) -> None:
    sel = _selection(org)
    ids = org["ids"]
    found = {p.name: p for p in services.person_rows(sel, ids["x"])}
    assert "Guru Nonaktif" not in found and "Pindahan" not in found
    assert found["Guru Satu"].missing == {"quiz", "pakta", "certificate"}
    assert found["Guru Dua"].missing == {"modules", "quiz", "pakta", "certificate"}
    assert found["Guru Dicabut"].missing == {"certificate"}
    assert found["Kepala Dinas"].is_head and found["Kepala Dinas"].done
    assert found["Pak Lurah"].is_kepala_wilayah and not found["Pak Lurah"].is_head
    lacking = [p.name for p in services.person_rows(sel, ids["x"], filters=services.PersonFilters(missing="any"))]
    assert sorted(lacking) == sorted(["Guru Satu", "Guru Dua", "=Guru Tiga", "Pak Lurah", "Guru Dicabut"])
    quiz = [p.name for p in services.person_rows(sel, ids["x"], ids["x1"], services.PersonFilters(missing="quiz"))]
    assert sorted(quiz) == sorted(["Guru Satu", "Guru Dua", "=Guru Tiga", "Pak Lurah"])
    heads = [p.name for p in services.person_rows(sel, ids["x"], filters=services.PersonFilters(heads_only=True))]
    assert sorted(heads) == ["Kepala Dinas", "Pak Lurah"]
    jpt = [p.name for p in services.person_rows(
        sel, ids["x"], filters=services.PersonFilters(jenis_jabatan=JenisJabatan.JPT_PRATAMA))]
    assert jpt == ["Kepala Dinas"]
    nip = org["people"]["t1"].employee_number
    assert [p.name for p in services.person_rows(sel, filters=services.PersonFilters(search=nip[:10]))] == ["Guru Satu"]
    assert [p.name for p in services.person_rows(sel, filters=services.PersonFilters(search="guru d"))] == [
        "Guru Dicabut", "Guru Dua"]
    assert list(services.person_rows(sel, filters=services.PersonFilters(search="100%_"))) == []


def _count(app: Flask, client, url: str) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
        assert response.status_code == 200, url
        response.get_data()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_statement_counts_do_not_grow_with_rows(app: Flask, client, org, make_unit, make_user) -> None:
    ids = org["ids"]
    login(client, org["users"]["admin"])
    urls = ["/rekap/", f"/rekap/skpd/{ids['x']}", f"/rekap/skpd/{ids['x']}/pegawai",
            f"/rekap/skpd/{ids['x']}/pegawai?kurang=any", "/rekap/ekspor.csv", "/rekap/ekspor.xlsx"]
    before = [_count(app, client, url) for url in urls]
    with app.app_context():
        inst = db.session.scalar(select(Instansi).where(Instansi.slug == "kota-rekap"))
    x = db.session.get(Unit, ids["x"])
    for n in range(3):
        unit = make_unit(f"SD Negeri {n + 10}", parent=x)
        other = make_unit(f"Dinas Baru {n}", instansi=inst)
        for m in range(4):
            make_user(Role.PESERTA, unit, name=f"Guru Baru {n}-{m}", password=None)
            make_user(Role.PESERTA, other, name=f"Staf Baru {n}-{m}", password=None)
    after = [_count(app, client, url) for url in urls]
    assert before == after


def test_pages_render_with_sort_and_cues(app: Flask, client, org) -> None:
    ids = org["ids"]
    login(client, org["users"]["admin"])
    html = client.get("/rekap/").get_data(as_text=True)
    assert "Dinas Pendidikan" in html and "Dinas Sosial" in html and "Dinas Kesehatan" not in html
    assert "rekap-level-low" in html and "tertinggal" in html
    # default: done share ascending (X 29 % before Y 100 %)
    assert html.index("Dinas Pendidikan") < html.index("Dinas Sosial")
    html = client.get("/rekap/?sort=selesai&arah=desc").get_data(as_text=True)
    assert html.index("Dinas Sosial") < html.index("Dinas Pendidikan")
    html = client.get("/rekap/?sort=nama").get_data(as_text=True)
    assert html.index("Dinas Kosong") < html.index("Dinas Pendidikan")
    html = client.get(f"/rekap/skpd/{ids['x']}").get_data(as_text=True)
    assert "SD Negeri 1" in html and "Kepala perangkat daerah" in html
    html = client.get(f"/rekap/skpd/{ids['x']}/pegawai?kurang=any&unit={ids['x1']}").get_data(as_text=True)
    assert "Guru Satu" in html and "Kepala Dinas" not in html and "belum lulus kuis" in html
    assert org["people"]["t1"].employee_number[:8] in html


def test_operator_sees_own_skpd_only(app: Flask, client, org) -> None:
    ids = org["ids"]
    login(client, org["users"]["op_y"])
    html = client.get("/rekap/").get_data(as_text=True)
    assert "Dinas Sosial" in html and "Dinas Pendidikan" not in html
    assert client.get(f"/rekap/skpd/{ids['x']}").status_code == 404
    assert client.get(f"/rekap/skpd/{ids['x']}/pegawai").status_code == 404
    assert client.get(f"/rekap/ekspor.csv?skpd={ids['x']}").status_code == 404
    assert client.get(f"/rekap/skpd/{ids['y']}/pegawai?unit={ids['x1']}").status_code == 404
    text = client.get("/rekap/ekspor.csv").get_data(as_text=True)
    assert "Pindahan" in text and "Guru Satu" not in text


def test_admin_never_sees_another_instansi(app: Flask, client, org) -> None:
    login(client, org["users"]["admin"])
    assert client.get("/rekap/?instansi=kota-rekap-b").status_code == 404
    assert client.get(f"/rekap/skpd/{org['ids']['z']}").status_code == 404
    assert client.get(f"/rekap/ekspor.csv?skpd={org['ids']['z']}").status_code == 404


def test_superadmin_chooses_an_instansi(app: Flask, client, org) -> None:
    login(client, org["users"]["super"])
    assert "Pilih instansi" in client.get("/rekap/").get_data(as_text=True)
    assert "Dinas Kesehatan" in client.get("/rekap/?instansi=kota-rekap-b").get_data(as_text=True)


def test_bad_input_gives_messages(app: Flask, client, org) -> None:
    ids = org["ids"]
    login(client, org["users"]["admin"])
    for query, words in [
        (f"kursus={ids['course_b']}", "Kursus yang dipilih"),
        (f"kuis={ids['quiz_b']}", "Kuis yang dipilih"),
        (f"kampanye={ids['kb']}", "Kampanye yang dipilih"),
        ("kampanye=abc", "Kampanye yang dipilih"),
        ("kursus=99999999999", "Kursus yang dipilih"),
        ("sort=bogus", "Urutan tidak dikenal"),
    ]:
        response = client.get("/rekap/?" + query)
        assert response.status_code == 200, query
        assert words in response.get_data(as_text=True), query
    response = client.get(f"/rekap/skpd/{ids['x']}/pegawai?jenis_pegawai=xyz&kurang=nothing")
    assert response.status_code == 200
    assert "saringan itu diabaikan" in response.get_data(as_text=True)
    assert client.get(f"/rekap/ekspor.xlsx?kursus={ids['course_b']}").status_code == 404
    assert client.get(f"/rekap/skpd/{ids['x']}/pegawai?q=%00").status_code in (200, 400, 404)
    html = client.get("/rekap/?kursus=&kuis=&kampanye=").get_data(as_text=True)
    assert "Pilih kursus, kuis atau kampanye" in html


def test_instansi_without_roster_shows_empty_state(app: Flask, client, org, make_instansi, make_user) -> None:
    make_instansi(slug="kota-kosong", name="Kota Kosong")
    login(client, org["users"]["super"])
    html = client.get("/rekap/?instansi=kota-kosong").get_data(as_text=True)
    assert "Belum ada pegawai aktif" in html
    html = client.get(f"/rekap/skpd/{org['ids']['e']}?instansi=kota-rekap").get_data(as_text=True)
    assert "Belum ada pegawai aktif di perangkat daerah ini" in html


def test_xlsx_is_a_report(app: Flask, client, org) -> None:
    import openpyxl

    login(client, org["users"]["admin"])
    response = client.get("/rekap/ekspor.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    try:
        assert book.sheetnames == ["Perangkat daerah", "Unit kerja", "Pimpinan"]
        sheet = book["Perangkat daerah"]
        assert sheet["A1"].value.startswith("Rekap")
        assert sheet["A2"].value == "Pemerintah Kota Rekap"
        assert sheet.freeze_panes == "B9"
        header = [c.value for c in sheet[8]]
        assert header[:3] == ["Perangkat daerah", "Pegawai aktif", "Membaca semua modul"]
        rows = {sheet.cell(r, 1).value: r for r in range(9, sheet.max_row + 1)}
        r = rows["Dinas Pendidikan"]
        assert sheet.cell(r, 2).value == 7
        assert sheet.cell(r, 11).value == 2  # done
        assert sheet.cell(r, 12).value == pytest.approx(2 / 7)
        assert sheet.cell(r, 12).number_format == "0.0%"
        assert sheet.cell(rows["Jumlah"], 2).value == 10
        units = book["Unit kerja"]
        names = [units.cell(r, 1).value for r in range(9, units.max_row + 1)]
        assert "  SD Negeri 1" in names
    finally:
        book.close()


def test_csv_streams_and_neutralises(app: Flask, client, org) -> None:
    login(client, org["users"]["admin"])
    response = client.get("/rekap/ekspor.csv")
    assert response.status_code == 200 and response.is_streamed
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Perangkat daerah"
    by_name = {row[2]: row for row in rows[1:]}
    assert "'=Guru Tiga" in by_name and "=Guru Tiga" not in by_name
    assert "Guru Nonaktif" not in by_name
    assert by_name["Guru Satu"][8] == "sedang berjalan"
    assert "belum lulus kuis" in by_name["Guru Satu"][9]
    assert by_name["Kepala Dinas"][7] == "kepala perangkat daerah"
