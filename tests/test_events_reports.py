"""After the event (``elearn.events.reports``, ``/acara/<id>/laporan``): attendance per SKPD and unit
against the audience's roster on a hand-checked data set, k-suppression of answers per SKPD, the
signatures-at-the-event window, the exports, constant statement counts, the rekap's attendance
figure and the completion rule ``completion.attendance``.

Data (instansi "kota-acara"): SKPD X (Dinas Pendidikan) with unit x1 (SD Negeri 1) and below it
x1a (Kelas Jauh); SKPD Y (Dinas Sosial); SKPD B (Badan Kepegawaian, the admin). Instansi other:
SKPD Z with one person.

Event S (sosialisasi, whole instansi, campaign K), 2 Nov 2026 08:00-09:30 WIB (01:00-02:30 UTC),
check-in opens 30 minutes before (00:30 UTC):

| person | placed now | at S | counted |
|---|---|---|---|
| head (JPT) | X | present | present X |
| a1 | X | present | present X |
| a2 | X | - | absent X |
| t1 | x1 | present | present x1 (SKPD X) |
| t2 | x1 | - | absent x1 |
| deep | x1a | - | absent x1a |
| gone (deactivated since) | x1 | present | present x1, never absent |
| mover (now Y) | Y | present while in X | present X, not absent in Y |
| y1, op_y | Y | - | absent Y |
| op_x | X | - | absent X |
| y2 | Y | present | present Y |
| admin, pelatih | B | - | absent B |
| z1 | other instansi | - | nowhere |

SKPD X: 5 present, 4 absent (share 5/9); Y: 1 present, 2 absent; B: 0 present, 2 absent.

Event U (bimtek, audience unit x1 only): t1 present; a1 present as an outsider (outside_audience);
roster x1 and below now: t1, t2, deep (gone is inactive). SKPD X: 1 present, 2 absent, 1 outsider.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import secrets
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import event as sa_event, select

from elearn.accounts.models import JenisJabatan, Role, User
from elearn.courses.completion import CompletionRule, completed_condition, learner_facts
from elearn.courses.models import CourseVersion, Enrollment
from elearn.db import db, utcnow
from elearn.events import reports
from elearn.events.models import Attendance, CheckinMethod, Event, EventAudienceUnit, EventKind, LiveAnswer
from elearn.org.models import Instansi, Unit
from elearn.pledges.models import PledgeSignature, SigningMethod
from elearn.quizzes.models import QuestionVersion
from support import login

from pledge_support import make_campaign
from quiz_support import make_quiz

UTC = dt.timezone.utc
START = dt.datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
END = dt.datetime(2026, 11, 2, 2, 30, tzinfo=UTC)


def _event(inst_id: int, kind: EventKind = EventKind.SOSIALISASI, **fields: Any) -> Event:
    row = Event(instansi_id=inst_id, kind=kind, title=fields.pop("title", f"Acara {kind.value}"),
                place="Aula", starts_at=fields.pop("starts_at", START), ends_at=fields.pop("ends_at", END),
                **fields)
    db.session.add(row)
    db.session.flush()
    return row


def _present(event: Event, user: User, unit_id: int | None = None, skpd_id: int | None = None,
             outside: bool = False, method: CheckinMethod = CheckinMethod.SCAN) -> Attendance:
    unit = db.session.get(Unit, unit_id if unit_id is not None else user.unit_id)
    row = Attendance(event_id=event.id, user_id=user.id, method=method, outside_audience=outside,
                     unit_id=unit.id if unit else None, skpd_id=skpd_id or (unit.skpd_id if unit else None),
                     checked_in_at=event.starts_at - dt.timedelta(minutes=5))
    db.session.add(row)
    return row


_SEQ = {"n": 1000}


def _sign(campaign: Any, user: User, at: dt.datetime, head: bool = False) -> None:
    _SEQ["n"] += 1
    db.session.add(PledgeSignature(
        instansi_id=campaign.instansi_id, seq=_SEQ["n"], campaign_id=campaign.id, user_id=user.id,
        unit_id=user.unit_id, skpd_id=user.skpd_id, signer_name=user.name, signer_nip=user.employee_number,
        is_skpd_head=head, pledge_version_id=campaign.pledge_version_id, rendered_text="teks",
        text_hash=hashlib.sha256(b"teks").hexdigest(), method=SigningMethod.TYPED, typed_name=user.name,
        signed_at=at, verify_code=secrets.token_urlsafe(16), prev_hash=secrets.token_hex(32),
        record_hash=secrets.token_hex(32)))
    db.session.flush()


@pytest.fixture
def world(app: Flask, make_instansi, make_unit, make_user) -> dict[str, Any]:
    inst = make_instansi(slug="kota-acara", name="Pemerintah Kota Acara")
    other = make_instansi(slug="kota-acara-lain", name="Pemerintah Kota Lain")
    x = make_unit("Dinas Pendidikan", instansi=inst)
    x1 = make_unit("SD Negeri 1", parent=x)
    x1a = make_unit("Kelas Jauh", parent=x1)
    y = make_unit("Dinas Sosial", instansi=inst)
    b = make_unit("Badan Kepegawaian", instansi=inst)
    z = make_unit("Dinas Kesehatan", instansi=other)
    p = {
        "head": make_user(Role.PESERTA, x, name="Kepala Dinas", jenis_jabatan=JenisJabatan.JPT_PRATAMA),
        "a1": make_user(Role.PESERTA, x, name="Ani"),
        "a2": make_user(Role.PESERTA, x, name="=HYPERLINK(\"x\")"),
        "t1": make_user(Role.PESERTA, x1, name="Guru Satu"),
        "t2": make_user(Role.PESERTA, x1, name="Guru Dua", password=None),
        "deep": make_user(Role.PESERTA, x1a, name="Guru Jauh"),
        "gone": make_user(Role.PESERTA, x1, name="Guru Pensiun"),
        "mover": make_user(Role.PESERTA, x, name="Pindahan"),
        "y1": make_user(Role.PESERTA, y, name="Yanti"),
        "y2": make_user(Role.PESERTA, y, name="Yudi"),
        "z1": make_user(Role.PESERTA, z, name="Orang Lain"),
    }
    users = {
        "admin": make_user(Role.ADMIN_BKPSDM, b, name="Admin BKPSDM"),
        "op_y": make_user(Role.OPERATOR_SKPD, y, name="Operator Y"),
        "op_x": make_user(Role.OPERATOR_SKPD, x, name="Operator X"),
        "pelatih": make_user(Role.PELATIH, b, name="Pelatih"),
        "super": make_user(Role.SUPERADMIN, None, name="Super"),
        "admin_other": make_user(Role.ADMIN_BKPSDM, z, name="Admin Lain"),
    }
    with app.app_context():
        rows = {k: db.session.get(User, u.id) for k, u in p.items()}
        k = make_campaign(inst.id, slug="pilkada-acara")
        s = _event(inst.id, EventKind.SOSIALISASI, title="Sosialisasi Netralitas", campaign_id=k.id)
        for key in ("head", "a1", "t1", "gone", "mover", "y2"):
            _present(s, rows[key], method=CheckinMethod.MANUAL if key == "y2" else CheckinMethod.SCAN)
        u = _event(inst.id, EventKind.BIMTEK, title="Bimtek SD", audience_all=False)
        db.session.add(EventAudienceUnit(event_id=u.id, unit_id=x1.id))
        _present(u, rows["t1"])
        _present(u, rows["a1"], outside=True)
        db.session.flush()
        # afterwards: the mover moves to Y, gone is deactivated
        rows["mover"].unit_id = y.id
        rows["gone"].active = False
        db.session.commit()
        ids = {"inst": inst.id, "other": other.id, "x": x.id, "x1": x1.id, "x1a": x1a.id, "y": y.id, "b": b.id,
               "z": z.id, "s": s.id, "u": u.id, "k": k.id}
    return {"ids": ids, "people": p, "users": users}


def _by_key(rows: list[Any]) -> dict[Any, Any]:
    return {row.key: row for row in rows}


def _triple(row: reports.AttendanceRow) -> tuple[int, int, int]:
    return (row.present, row.absent, row.outsiders)


def test_attendance_per_skpd_and_unit_is_hand_checked(app: Flask, world) -> None:
    ids = world["ids"]
    s = db.session.get(Event, ids["s"])
    skpds = _by_key(reports.attendance_rows(s, "skpd"))
    assert _triple(skpds[ids["x"]]) == (5, 4, 0)
    assert skpds[ids["x"]].share == pytest.approx(5 / 9)
    # the mover is present in X (where they were), not absent in Y; op_y is absent
    assert _triple(skpds[ids["y"]]) == (1, 2, 0)
    assert _triple(skpds[ids["b"]]) == (0, 2, 0)
    assert ids["z"] not in skpds and None not in skpds
    units = _by_key(reports.attendance_rows(s, "unit"))
    assert _triple(units[ids["x"]]) == (3, 2, 0)  # head, a1, mover / a2, op_x
    assert _triple(units[ids["x1"]]) == (2, 1, 0)  # t1, gone / t2
    assert _triple(units[ids["x1a"]]) == (0, 1, 0)  # deep
    assert [r.key for r in reports.attendance_rows(s, "unit")][:3] == [ids["b"], ids["x"], ids["x1"]]
    total = reports.totals(list(skpds.values()), reports.AttendanceRow)
    assert (total.present, total.expected) == (6, 14)


def test_op_x_is_counted_and_audience_of_chosen_units(app: Flask, world) -> None:
    ids = world["ids"]
    s = db.session.get(Event, ids["s"])
    roster = set(db.session.scalars(select(reports.audience_roster(s).subquery().c.user_id)))
    people = world["people"]
    assert people["z1"].id not in roster and people["gone"].id not in roster
    assert world["users"]["op_x"].id in roster and people["deep"].id in roster
    u = db.session.get(Event, ids["u"])
    skpds = _by_key(reports.attendance_rows(u, "skpd"))
    assert _triple(skpds[ids["x"]]) == (1, 2, 1)  # t1 / t2, deep / a1 outsider
    assert set(skpds) == {ids["x"]}
    units = _by_key(reports.attendance_rows(u, "unit"))
    assert _triple(units[ids["x1"]]) == (1, 1, 0) and _triple(units[ids["x1a"]]) == (0, 1, 0)
    assert _triple(units[ids["x"]]) == (0, 0, 1)
    assert reports.in_roster(u, db.session.get(User, people["deep"].id))
    assert not reports.in_roster(u, db.session.get(User, people["a1"].id))
    # an operator SKPD's event of their whole SKPD: Y's people now (the mover is one of them)
    e = _event(ids["inst"], EventKind.APEL, skpd_id=ids["y"])
    assert _triple(_by_key(reports.attendance_rows(e, "skpd"))[ids["y"]]) == (0, 4, 0)
    assert set(_by_key(reports.attendance_rows(e, "skpd"))) == {ids["y"]}


def _versions(n: int) -> list[int]:
    make_quiz("kuis-acara")
    return list(db.session.scalars(select(QuestionVersion.id).order_by(QuestionVersion.id).limit(n)))


def _answer(event: Event, position: int, version_id: int, user_id: int, skpd_id: int, correct: bool) -> None:
    db.session.add(LiveAnswer(event_id=event.id, position=position, question_version_id=version_id,
                              user_id=user_id, response={}, correct=correct, skpd_id=skpd_id))


def test_answers_per_skpd_hide_cells_of_fewer_than_five(app: Flask, world) -> None:
    ids, p, users = world["ids"], world["people"], world["users"]
    s = db.session.get(Event, ids["s"])
    v1, v2 = _versions(2)
    x_people = [p[k].id for k in ("head", "a1", "t1", "gone", "mover")]
    for i, uid in enumerate(x_people):
        _answer(s, 0, v1, uid, ids["x"], True)
        _answer(s, 1, v2, uid, ids["x"], i < 2)
    for uid in (p["y1"].id, p["y2"].id):
        _answer(s, 0, v1, uid, ids["y"], True)
    _answer(s, 0, v1, users["admin"].id, ids["b"], False)
    db.session.flush()
    rows = _by_key(reports.answer_rows(s))
    assert (rows[ids["x"]].people, rows[ids["x"]].answers, rows[ids["x"]].correct) == (5, 10, 7)
    assert rows[ids["x"]].share_correct == pytest.approx(0.7) and not rows[ids["x"]].hidden
    assert rows[ids["y"]].hidden and rows[ids["b"]].hidden and rows[ids["y"]].share_correct is None
    total = reports.answer_total(list(rows.values()))
    assert (total.people, total.answers, total.hidden) == (8, 13, False)
    # one small SKPD beside one shown: the shown one is hidden too (the total would give it away)
    u = db.session.get(Event, ids["u"])
    for uid in x_people:
        _answer(u, 0, v1, uid, ids["x"], True)
    _answer(u, 0, v1, p["y1"].id, ids["y"], False)
    db.session.flush()
    assert all(r.hidden for r in reports.answer_rows(u))
    admin = db.session.get(User, users["admin"].id)
    client = app.test_client()
    login(client, admin)
    html = client.get(f"/acara/{ids['u']}/laporan").get_data(as_text=True)
    assert html.count("kurang dari 5") == 2 and "100 %" not in html


def test_signatures_made_at_the_event_window_and_heads_first(app: Flask, world) -> None:
    ids, p = world["ids"], world["people"]
    s = db.session.get(Event, ids["s"])
    from elearn.pledges.models import Campaign

    k = db.session.get(Campaign, ids["k"])
    other = make_campaign(ids["inst"], slug="lain-acara")
    rows = {key: db.session.get(User, p[key].id) for key in ("head", "a1", "t1", "y1", "y2", "a2")}
    _sign(k, rows["y1"], END)  # the end itself counts
    _sign(k, rows["a1"], START + dt.timedelta(minutes=10))
    _sign(k, rows["head"], START - dt.timedelta(minutes=15), head=True)  # check-in open: counts
    _sign(k, rows["t1"], START - dt.timedelta(minutes=31))  # before check-in opened
    _sign(k, rows["y2"], END + dt.timedelta(minutes=1))  # after the end
    _sign(other, rows["a2"], START)  # another campaign
    got = reports.signature_rows(s)
    assert [(r.key, r.signed, r.heads) for r in got] == [(ids["x"], 2, 1), (ids["y"], 1, 0)]
    assert [h[0] for h in reports.heads_signed(s)] == ["Kepala Dinas"]
    u = db.session.get(Event, ids["u"])
    assert reports.signature_rows(u) == [] and reports.heads_signed(u) == []


def _statements(app: Flask, client, url: str) -> int:
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = db.get_engine(app)
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
        assert response.status_code == 200, url
        response.get_data()
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_statement_count_does_not_grow_with_skpds_units_or_people(app: Flask, client, world, make_unit,
                                                                   make_user) -> None:
    ids = world["ids"]
    login(client, world["users"]["admin"])
    urls = [f"/acara/{ids['s']}/laporan{suffix}" for suffix in ("", ".xlsx", ".csv")]
    before = [_statements(app, client, url) for url in urls]
    inst = db.session.get(Instansi, ids["inst"])
    v1 = _versions(1)[0]
    s = db.session.get(Event, ids["s"])
    for i in range(4):
        skpd = make_unit(f"Dinas Baru {i}", instansi=inst)
        unit = make_unit(f"UPTD {i}", parent=skpd)
        for j in range(3):
            person = make_user(Role.PESERTA, unit if j else skpd)
            _present(s, db.session.get(User, person.id))
            _answer(s, 0, v1, person.id, skpd.id, True)
    db.session.commit()
    assert [_statements(app, client, url) for url in urls] == before


def test_xlsx_has_levels_percent_format_frozen_header_and_neutralised_cells(app: Flask, client, world) -> None:
    ids = world["ids"]
    s = db.session.get(Event, ids["s"])
    s.title = "=SUM(A1:A9)"
    db.session.commit()
    login(client, world["users"]["admin"])
    response = client.get(f"/acara/{ids['s']}/laporan.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Perangkat daerah", "Unit kerja", "Jawaban", "Tanda tangan"]
    sheet = book["Perangkat daerah"]
    assert sheet["A1"].value == "Laporan acara: =SUM(A1:A9)"  # not at the start: harmless
    assert sheet["A2"].value == "Pemerintah Kota Acara"
    assert sheet.freeze_panes == "B7"
    assert [c.value for c in sheet[6]][:6] == ["Perangkat daerah", "Hadir", "Tidak hadir", "Sasaran", "Persen hadir",
                                               "Hadir di luar sasaran"]
    by_name = {row[0].value: row for row in sheet.iter_rows(min_row=7)}
    x = by_name["Dinas Pendidikan"]
    assert [c.value for c in x[1:6]] == [5, 4, 9, pytest.approx(5 / 9), 0]
    assert x[4].number_format == "0.0%"
    assert [c.value for c in by_name["Jumlah"][1:4]] == [6, 8, 14]
    units = {row[0].value.strip(): row for row in book["Unit kerja"].iter_rows(min_row=7) if row[0].value}
    assert units["Kelas Jauh"][2].value == 1
    # a unit named like a formula is neutralised
    unit = db.session.get(Unit, ids["x1a"])
    unit.name = "@Kelas Jauh"
    db.session.commit()
    book = load_workbook(io.BytesIO(client.get(f"/acara/{ids['s']}/laporan.xlsx").data))
    names = [row[0].value.strip() for row in book["Unit kerja"].iter_rows(min_row=7) if row[0].value]
    assert "'@Kelas Jauh" in names


def _csv(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_csv_lists_present_then_absent_neutralised_with_nip_for_hr_only(app: Flask, client, world) -> None:
    ids, p = world["ids"], world["people"]
    login(client, world["users"]["admin"])
    rows = _csv(client, f"/acara/{ids['s']}/laporan.csv")
    assert rows[0][:5] == ["Status", "Perangkat daerah", "Unit kerja", "Nama", "NIP / NI PPPK"]
    by_name = {r[3]: r for r in rows[1:]}
    assert len(rows) == 1 + 6 + 8
    assert by_name["Pindahan"][:3] == ["hadir", "Dinas Pendidikan", "Dinas Pendidikan"]
    assert by_name["Guru Pensiun"][0] == "hadir" and by_name["Guru Jauh"][:3] == ["tidak hadir", "Dinas Pendidikan",
                                                                                  "Kelas Jauh"]
    assert by_name["Yudi"][6] == "ditandai petugas"
    assert "'=HYPERLINK(\"x\")" in by_name and by_name["'=HYPERLINK(\"x\")"][0] == "tidak hadir"
    assert by_name["Ani"][4].replace(" ", "") == p["a1"].employee_number
    assert [r[0] for r in rows[1:7]] == ["hadir"] * 6
    # a trainer manages the event but sees no NIP
    client.get("/keluar")
    client.post("/keluar")
    login(client, world["users"]["pelatih"])
    rows = _csv(client, f"/acara/{ids['s']}/laporan.csv")
    assert all(r[4] == "" for r in rows[1:])


def test_report_page_and_scope(app: Flask, client, world) -> None:
    ids, users = world["ids"], world["users"]
    login(client, users["admin"])
    html = client.get(f"/acara/{ids['s']}/laporan").get_data(as_text=True)
    assert "Sosialisasi Netralitas" in html and "56 %" in html  # 5 of 9 in X
    assert "6 dari 14 orang sasaran hadir" in html
    other = _event(ids["other"], EventKind.APEL)
    own_y = _event(ids["inst"], EventKind.APEL, skpd_id=ids["y"])
    db.session.commit()
    assert client.get(f"/acara/{other.id}/laporan").status_code == 404
    assert client.get(f"/acara/{own_y.id}/laporan").status_code == 200  # HR: any event of the instansi
    assert client.get("/acara/999999/laporan").status_code == 404
    client.post("/keluar")
    login(client, users["op_x"])
    assert client.get(f"/acara/{own_y.id}/laporan.csv").status_code == 404
    assert client.get(f"/acara/{ids['s']}/laporan").status_code == 404  # the instansi's, not the SKPD's


# --- the rekap's attendance figure ---------------------------------------------------------------------


def test_rekap_counts_people_who_attended_per_skpd_now(app: Flask, client, world) -> None:
    ids, p = world["ids"], world["people"]
    cancelled = _event(ids["inst"], EventKind.SOSIALISASI, cancelled_at=utcnow())
    _present(cancelled, db.session.get(User, p["y1"].id))
    db.session.commit()
    got = reports.attended_by_skpd(ids["inst"])
    # S (sosialisasi): head, a1, t1 in X (gone is inactive, mover is in Y now); U (bimtek): t1, a1
    assert got[ids["x"]] == {"any": 3, "sosialisasi": 3, "bimtek": 2, "apel": 0}
    assert got[ids["y"]] == {"any": 2, "sosialisasi": 2, "bimtek": 0, "apel": 0}  # mover, y2 (not y1)
    assert ids["b"] not in got
    assert reports.attended_by_skpd(ids["inst"], ids["y"]) == {ids["y"]: got[ids["y"]]}
    # the dashboard: a column and a card
    login(client, world["users"]["admin"])
    html = client.get(f"/rekap/?kampanye={ids['k']}").get_data(as_text=True)
    assert "Hadir sosialisasi" in html
    assert "pegawai aktif hadir minimal satu sosialisasi" in html


def test_rekap_snapshot_keeps_the_figure_and_reads_old_snapshots(app: Flask, world) -> None:
    from elearn.reports import services, snapshots

    ids = world["ids"]
    inst = db.session.get(Instansi, ids["inst"])
    from elearn.pledges.models import Campaign

    sel = services.Selection.build(inst, campaign=db.session.get(Campaign, ids["k"]))
    fig = snapshots.count(sel)
    data = snapshots._encode(fig)
    back = snapshots._decode(data, fig.computed_at)
    assert back.attended(ids["x"]) == 3 and back.attended(ids["y"], "any") == 2
    assert back.attended_total() == 5
    data.pop("attendance")  # stored before events existed
    old = snapshots._decode(data, fig.computed_at)
    assert old.attendance == {} and old.attended(ids["x"]) == 0


# --- completion.attendance ---------------------------------------------------------------------------


def test_completion_rule_reads_attendance() -> None:
    assert CompletionRule.read({}, {"attendance": "sosialisasi"}).attendance == "sosialisasi"
    assert CompletionRule.read({}, {"attendance": "any"}).attendance == "any"
    assert CompletionRule.read({}, {"attendance": "rapat"}).attendance is None
    rule = CompletionRule(attendance="apel")
    assert not rule.is_met(modules_read=True, quiz_passed=False, pledge_signed=False)
    assert rule.is_met(modules_read=True, quiz_passed=False, pledge_signed=False, attended=True)
    assert CompletionRule().is_met(modules_read=True, quiz_passed=False, pledge_signed=False)


@pytest.mark.parametrize("kind, done", [("sosialisasi", {"head", "a1", "t1"}), ("bimtek", {"a1", "t1"}),
                                        ("apel", set()), ("any", {"head", "a1", "t1"})])
def test_attendance_completion_in_sql_and_python_agree(app: Flask, world, make_course, kind, done) -> None:
    p = world["people"]
    course = make_course(slug=f"kursus-hadir-{kind}")
    version = db.session.get(CourseVersion, course.id)
    version.completion = {"modules": "all", "attendance": kind}
    people = {key: db.session.get(User, p[key].id) for key in ("head", "a1", "t1", "t2", "y1")}
    for person in people.values():
        db.session.add(Enrollment(user_id=person.id, course_id=version.course_id, course_version_id=version.id,
                                  modules_completed_at=utcnow()))
    # y1 attended a cancelled sosialisasi: never counts
    cancelled = _event(world["ids"]["inst"], EventKind.SOSIALISASI, cancelled_at=utcnow())
    _present(cancelled, people["y1"])
    db.session.flush()
    rules = {version.id: CompletionRule.of(version)}
    sql_done = set(db.session.scalars(
        select(User.name).join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.course_id == version.course_id, completed_condition(rules, User.id))))
    names = {key: person.name for key, person in people.items()}
    assert sql_done == {names[k] for k in done}
    for key, person in people.items():
        facts = learner_facts(person.id, [version])
        rule = rules[version.id]
        assert rule.is_met(modules_read=True, quiz_passed=False, pledge_signed=False,
                           attended=facts.attended(rule)) == (key in done), key


def test_course_page_says_attendance_is_still_needed(app: Flask, world, make_course) -> None:
    from elearn.courses import progress
    from elearn.courses.models import Course

    p = world["people"]
    version = make_course(slug="kursus-apel")
    row = db.session.get(CourseVersion, version.id)
    row.completion = {"modules": "all", "attendance": "apel"}
    person = db.session.get(User, p["t2"].id)
    db.session.add(Enrollment(user_id=person.id, course_id=row.course_id, course_version_id=row.id,
                              modules_completed_at=utcnow()))
    db.session.commit()
    course = db.session.get(Course, row.course_id)
    view = progress.course_view(person, course)
    assert view is not None and view.attendance_needed and not view.completed
    apel = _event(world["ids"]["inst"], EventKind.APEL)
    _present(apel, person)
    db.session.commit()
    view = progress.course_view(person, course)
    assert view is not None and not view.attendance_needed and view.completed


@pytest.mark.parametrize("value, ok", [("sosialisasi", True), ("any", True), ("rapat", False), (True, False)])
def test_course_yaml_validates_attendance(value: Any, ok: bool) -> None:
    from elearn.content import courses as content

    manifest = {"slug": "uji", "title": "Uji", "summary": "Uji", "audience": ["pns"], "version": "1", "jp": 1,
                "modules": ["01-satu.md"], "completion": {"modules": "all", "attendance": value}}
    problems = [str(e) for e in content._check_manifest(manifest, "", "uji", "uji/course.yaml")]
    assert any("completion.attendance must be one of" in e for e in problems) == (not ok), problems


def test_rekap_attendance_is_one_statement_whatever_the_events(app: Flask, client, world) -> None:
    ids, p = world["ids"], world["people"]
    login(client, world["users"]["admin"])
    url = f"/rekap/?kampanye={ids['k']}"
    before = _statements(app, client, url)
    for kind in EventKind:
        extra = _event(ids["inst"], kind)
        for key in ("y1", "a2", "t2", "deep"):
            _present(extra, db.session.get(User, p[key].id))
    db.session.commit()
    assert _statements(app, client, url) == before
    html = client.get(url).get_data(as_text=True)
    # head, a1, t1, mover, y2 at S; y1, a2, t2, deep at the new sosialisasi; nobody else at any event
    assert '<div class="stat">9</div>pegawai aktif hadir minimal satu sosialisasi' in html
    assert "(9 hadir minimal satu acara)" in html
