"""Events: create/edit/cancel with validation, the list in the instansi's zone, the audience, the
projector, marking by hand (audited) and the paper list, statement counts."""
from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.audit.models import AuditEvent
from elearn.db import db, utcnow
from elearn.events import codes, services
from elearn.events.models import Attendance, CheckinMethod, Event, EventKind
from support import login
from test_events_checkin import attendance, make_event


@pytest.fixture
def org(app: Flask, make_instansi, make_unit, make_user) -> dict[str, Any]:
    inst = make_instansi(timezone="WITA")
    skpd_x = make_unit("Dinas Pendidikan", instansi=inst)
    unit_x1 = make_unit("SD Negeri 1", parent=skpd_x)
    skpd_y = make_unit("Dinas Kesehatan", instansi=inst)
    other_inst = make_instansi()
    other = make_unit("Dinas Lain", instansi=other_inst)
    return {
        "instansi": inst, "other_instansi": other_inst, "skpd_x": skpd_x, "unit_x1": unit_x1, "skpd_y": skpd_y,
        "admin": make_user(Role.ADMIN_BKPSDM, skpd_x),
        "pelatih": make_user(Role.PELATIH, skpd_x),
        "operator": make_user(Role.OPERATOR_SKPD, skpd_x),
        "in_x": make_user(Role.PESERTA, unit_x1, name="Budi Santoso"),
        "in_y": make_user(Role.PESERTA, skpd_y, name="Citra Lestari"),
        "other_instansi_person": make_user(Role.PESERTA, other),
    }


def form(**overrides: Any) -> dict[str, Any]:
    data = {"kind": "apel", "title": "Apel Pagi Netralitas", "place": "Halaman Balai Kota", "day": "2026-09-01",
            "start": "07:30", "end": "08:30", "audience_all": "y", "outsiders_allowed": "y",
            "checkin_before_minutes": "30", "checkin_after_minutes": "15",
            "speakers-0-name": "Dr. Siti, M.Si.", "speakers-0-institution": "Bawaslu Kota"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def only_event(app: Flask) -> Event:
    with app.app_context():
        row = db.session.scalars(select(Event).order_by(Event.id.desc())).first()
        assert row is not None
        _ = (row.speakers, row.audience)
        db.session.expunge(row)
        return row


def test_create_in_the_instansi_zone(client, app: Flask, org) -> None:
    login(client, org["admin"])
    r = client.post("/acara/baru", data=form())
    assert r.status_code == 302, r.get_data(as_text=True)
    event = only_event(app)
    # 07:30 WITA (UTC+8) is 23:30 UTC the day before
    assert event.starts_at == dt.datetime(2026, 8, 31, 23, 30, tzinfo=dt.timezone.utc)
    assert event.ends_at - event.starts_at == dt.timedelta(hours=1)
    assert event.skpd_id is None and event.kind == EventKind.APEL and event.audience_all
    assert [(s.name, s.institution) for s in event.speakers] == [("Dr. Siti, M.Si.", "Bawaslu Kota")]
    page = client.get(f"/acara/{event.id}").get_data(as_text=True)
    import re
    assert re.search(r"Selasa, 1 September 2026 07[.:]30 WITA", page), re.findall(r"<dd>.*?</dd>", page)
    assert "Bawaslu Kota" in page and f"/acara/{event.id}/layar-hadir" in page
    listing = client.get("/acara/").get_data(as_text=True)
    assert "Apel Pagi Netralitas" in listing and "WITA" in listing
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.target_id == event.id)) == "event.create"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"end": "07:00"}, "Waktu selesai harus setelah waktu mulai"),
    ({"title": ""}, "Judul acara wajib diisi"),
    ({"kind": "pesta"}, "Pilih jenis acara"),
    ({"day": "bukan-tanggal"}, None),
    ({"quiz_id": "999999"}, "Pilih kuis dari daftar"),
    ({"quiz_id": "abc"}, "Pilih kuis dari daftar"),
    ({"course_id": "2147483648"}, "Pilih kursus dari daftar"),
    ({"campaign_id": "999999"}, "Pilih kampanye pakta dari daftar"),
    ({"audience_all": None, "unit_ids": None}, "Pilih SKPD atau unit peserta"),
    ({"checkin_before_minutes": "100000"}, "antara 0 dan 240"),
    ({"speakers-0-name": ""}, "Isi nama narasumber"),
])
def test_form_validation(client, app: Flask, org, overrides, message) -> None:
    login(client, org["admin"])
    r = client.post("/acara/baru", data=form(**overrides))
    assert r.status_code == 200
    if message:
        assert message in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Event.id)) is None


def test_content_of_another_instansi_is_refused(client, app: Flask, org) -> None:
    from elearn.courses.models import Course, CourseVersion, VersionStatus

    with app.app_context():
        course = Course(slug="kursus-lain", instansi_id=org["other_instansi"].id)
        db.session.add(course)
        db.session.flush()
        version = CourseVersion(course_id=course.id, number=1, status=VersionStatus.PUBLISHED, label="1",
                                title="Kursus lain", audience=["pns"], jp=2, content_hash="1" * 64,
                                manifest_text="", published_at=utcnow())
        db.session.add(version)
        db.session.flush()
        course.published_version_id = version.id
        db.session.commit()
        course_id = course.id
    login(client, org["admin"])
    r = client.post("/acara/baru", data=form(course_id=str(course_id)))
    assert "Pilih kursus dari daftar" in r.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(Course, course_id)
        row.instansi_id = None  # shipped content: fine
        db.session.commit()
    assert client.post("/acara/baru", data=form(course_id=str(course_id))).status_code == 302
    assert only_event(app).course_id == course_id


def test_operator_events_are_their_skpd(client, app: Flask, org) -> None:
    login(client, org["operator"])
    r = client.post("/acara/baru", data=form(audience_all=None, unit_ids=str(org["skpd_y"].id)))
    assert "Pilih SKPD atau unit peserta dari daftar" in r.get_data(as_text=True)
    r = client.post("/acara/baru", data=form(audience_all=None, unit_ids=str(org["unit_x1"].id)))
    assert r.status_code == 302
    event = only_event(app)
    assert event.skpd_id == org["skpd_x"].id and [a.unit_id for a in event.audience] == [org["unit_x1"].id]
    # the admin's whole-instansi event is not the operator's
    admin_event = make_event(app, org["instansi"].id)
    assert client.get(f"/acara/{admin_event.id}/ubah").status_code == 404
    assert client.get(f"/acara/{event.id}/ubah").status_code == 200


def test_edit_and_cancel(client, app: Flask, org) -> None:
    login(client, org["pelatih"])
    client.post("/acara/baru", data=form())
    event = only_event(app)
    page = client.get(f"/acara/{event.id}/ubah").get_data(as_text=True)
    assert 'value="Dr. Siti, M.Si."' in page and 'value="07:30"' in page
    r = client.post(f"/acara/{event.id}/ubah", data=form(title="Sosialisasi", kind="sosialisasi",
                                                          **{"speakers-0-name": "", "speakers-0-institution": ""}))
    assert r.status_code == 302
    edited = only_event(app)
    assert edited.title == "Sosialisasi" and edited.speakers == []
    assert client.post(f"/acara/{event.id}/batal").status_code == 302
    assert only_event(app).cancelled
    assert "sudah dibatalkan" in client.post(f"/acara/{event.id}/batal", follow_redirects=True).get_data(as_text=True)
    assert client.get(f"/acara/{event.id}/ubah").status_code == 302


def test_audience(app: Flask, org) -> None:
    whole = make_event(app, org["instansi"].id)
    chosen = make_event(app, org["instansi"].id, units=[org["skpd_x"].id])
    skpd_only = make_event(app, org["instansi"].id, skpd_id=org["skpd_y"].id)
    with app.app_context():
        people = {k: db.session.get(User, org[k].id) for k in ("in_x", "in_y", "other_instansi_person")}
        for ev, inside in ((whole, {"in_x", "in_y"}), (chosen, {"in_x"}), (skpd_only, {"in_y"})):
            row = db.session.get(Event, ev.id)
            assert {k for k, p in people.items() if services.in_audience(row, p)} == inside
            ids = set(db.session.scalars(services.audience_people(row).with_only_columns(User.id)))
            assert {people[k].id for k in inside} <= ids
            assert not {p.id for k, p in people.items() if k not in inside} & ids


def test_projector_shows_label_code_qr_and_counts(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id)
    login(client, org["admin"])
    page = client.get(f"/acara/{event.id}/layar-hadir").get_data(as_text=True)
    code = codes.current_code(event.secret, event.id, utcnow())
    assert "Apel Pagi Netralitas" in page and "Halaman Balai Kota" in page
    assert "<svg" in page and re.search(r"js/event-projector\.[0-9a-f]{10}\.js", page) and "<script>" not in page
    assert code in page or codes.current_code(event.secret, event.id, utcnow()) in page
    with app.app_context():
        for key in ("in_x", "in_y"):
            services.check_in(db.session.get(Event, event.id), db.session.get(User, org[key].id), CheckinMethod.SCAN)
        db.session.commit()
    state = client.get(f"/acara/{event.id}/layar-hadir/status").get_json()
    assert state["total"] == 2 and state["open"] is True
    assert sorted((c["skpd"], c["n"]) for c in state["counts"]) == [("Dinas Kesehatan", 1), ("Dinas Pendidikan", 1)]
    assert state["qr_svg"].startswith("<svg") and state["url"].endswith(f"/hadir?kode={state['code']}")
    assert codes.matches(event.secret, event.id, state["code"], utcnow())


def test_mark_by_hand_is_audited(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id, skpd_id=org["skpd_x"].id)
    login(client, org["operator"])
    page = client.get(f"/acara/{event.id}/kehadiran?q=budi").get_data(as_text=True)
    assert "Budi Santoso" in page
    # the operator only finds and marks people of their SKPD
    assert "Citra" not in client.get(f"/acara/{event.id}/kehadiran?q=citra").get_data(as_text=True)
    assert client.post(f"/acara/{event.id}/kehadiran", data={"user_id": org["in_y"].id}).status_code == 404
    r = client.post(f"/acara/{event.id}/kehadiran", data={"user_id": org["in_x"].id})
    assert r.status_code == 302
    client.post(f"/acara/{event.id}/kehadiran", data={"user_id": org["in_x"].id})  # again: nothing new
    (row,) = attendance(app, event.id)
    assert row.method == CheckinMethod.MANUAL and row.marked_by_id == org["operator"].id
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "event.attendance.mark")))
        assert [(a.actor_id, a.details["user_id"]) for a in actions] == [(org["operator"].id, org["in_x"].id)]
    # by NIP
    assert "Budi Santoso" in client.get(
        f"/acara/{event.id}/kehadiran?q={org['in_x'].employee_number[:8]}").get_data(as_text=True)


def _upload(client, event_id: int, content: bytes):  # type: ignore[no-untyped-def]
    return client.post(f"/acara/{event_id}/kehadiran/impor",
                       data={"file": (io.BytesIO(content), "hadir.csv")}, content_type="multipart/form-data")


def test_import_paper_list(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id)
    login(client, org["admin"])
    content = ("No;Nama;NIP\n1;Budi;'" + org["in_x"].employee_number + "\n2;Citra;" + org["in_y"].employee_number
               + "\n3;Orang lain;" + org["other_instansi_person"].employee_number + "\n4;Salah;199001012020011999\n")
    r = _upload(client, event.id, content.encode())
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "2 ditandai hadir" in page and "2 NIP tidak dikenal" in page and "199001012020011999" in page
    assert org["other_instansi_person"].employee_number in page
    rows = attendance(app, event.id)
    assert {(a.user_id, a.method) for a in rows} == {(org["in_x"].id, CheckinMethod.IMPORT),
                                                      (org["in_y"].id, CheckinMethod.IMPORT)}
    # one NIP per line, again: already there
    r = _upload(client, event.id, (org["in_x"].employee_number + "\n").encode())
    assert "1 sudah tercatat" in r.get_data(as_text=True)
    with app.app_context():
        audits = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "event.attendance.import")
                                         .order_by(AuditEvent.id)))
        assert [a.details for a in audits] == [{"marked": 2, "already": 0, "unknown": 2},
                                               {"marked": 0, "already": 1, "unknown": 0}]


def test_import_is_bounded(client, app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id)
    login(client, org["admin"])
    r = _upload(client, event.id, b"1" * (services.IMPORT_MAX_BYTES + 10))
    assert "Berkas terlalu besar" in r.get_data(as_text=True)
    r = _upload(client, event.id, b"1\n" * (services.IMPORT_MAX_LINES + 1))
    assert "Terlalu banyak baris" in r.get_data(as_text=True)
    r = _upload(client, event.id, b"\n\n")
    assert "tidak memuat NIP" in r.get_data(as_text=True)
    assert attendance(app, event.id) == []


def test_present_count_by_skpd_is_one_statement(app: Flask, org) -> None:
    event = make_event(app, org["instansi"].id)
    with app.app_context():
        row = db.session.get(Event, event.id)
        for key in ("in_x", "in_y", "pelatih"):
            services.check_in(row, db.session.get(User, org[key].id), CheckinMethod.CODE)
        db.session.commit()
        statements = _listen(app)
        try:
            counts = services.present_count_by_skpd(event.id)
        finally:
            for remove in app.extensions.pop("_test_listeners", []):
                remove()
        assert len(statements) == 1
        assert counts[0][1:] == ("Dinas Pendidikan", 2) and counts[1][1:] == ("Dinas Kesehatan", 1)


def _listen(app: Flask) -> list[str]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.startswith(("SAVEPOINT", "RELEASE")):
            statements.append(statement)

    engine = db.get_engine(app)
    sa_event.listen(engine, "before_cursor_execute", count)
    app.extensions.setdefault("_test_listeners", []).append(lambda: sa_event.remove(engine, "before_cursor_execute",
                                                                                   count))
    return statements


def _count(app: Flask, client, url: str) -> int:
    statements = _listen(app)
    try:
        response = client.get(url)
        assert response.status_code == 200, url
        response.get_data()
    finally:
        for remove in app.extensions.pop("_test_listeners", []):
            remove()
    return len(statements)


def test_statement_counts_do_not_grow(client, app: Flask, org, make_user) -> None:
    event = make_event(app, org["instansi"].id)
    login(client, org["admin"])
    urls = ["/acara/", f"/acara/{event.id}/layar-hadir/status", f"/acara/{event.id}/layar-hadir",
            f"/acara/{event.id}/kehadiran", f"/acara/{event.id}"]
    before = [_count(app, client, url) for url in urls]
    for n in range(6):
        make_event(app, org["instansi"].id, starts_in=dt.timedelta(days=n - 3))
    with app.app_context():
        row = db.session.get(Event, event.id)
        for n in range(8):
            person = make_user(Role.PESERTA, org["skpd_y"] if n % 2 else org["unit_x1"])
            services.check_in(row, db.session.get(User, person.id), CheckinMethod.SCAN)
        db.session.commit()
    after = [_count(app, client, url) for url in urls]
    assert after == before
    for remove in app.extensions.pop("_test_listeners", []):
        remove()


def test_the_event_form_labels_a_quiz_written_for_leaders(client, app: Flask, org) -> None:
    """Played live, a quiz is answered by everyone present: the leaders' quiz is labelled in the event form so
    the organiser picks it for a gathering of leaders, not for an apel of all staff."""
    from quiz_support import make_quiz  # noqa: PLC0415

    with app.app_context():
        make_quiz("kuis-semua", title="Kuis untuk semua")
        make_quiz("kuis-pimpinan", title="Kuis pemimpin", audience="pimpinan")
        db.session.commit()
        labels = dict((title, quiz_id) for quiz_id, title in services.quiz_choices(org["instansi"].id))
    assert "Kuis untuk semua" in labels and "Kuis pemimpin (untuk pimpinan)" in labels
    login(client, org["admin"])
    page = client.get("/acara/baru").get_data(as_text=True)
    assert "Kuis pemimpin (untuk pimpinan)</option>" in page
