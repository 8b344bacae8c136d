"""Review of issue 13's events: one audience rule, attendance completing a course, attacks."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.db import db
from elearn.events import reports, services
from elearn.events.models import Event
from test_events_checkin import make_event


# --- one audience rule --------------------------------------------------------------------------------

@pytest.fixture
def audience_world(app: Flask, make_instansi, make_unit, make_user) -> dict[str, Any]:
    inst = make_instansi()
    x = make_unit("Dinas X", instansi=inst)
    x1 = make_unit("Bidang X1", parent=x)
    x1a = make_unit("Seksi X1a", parent=x1)
    x2 = make_unit("Bidang X2", parent=x)
    y = make_unit("Dinas Y", instansi=inst)
    y1 = make_unit("Bidang Y1", parent=y)
    other = make_unit("Dinas Lain", instansi=make_instansi())
    people = {
        "x": make_user(Role.PESERTA, x), "x1": make_user(Role.PESERTA, x1), "x1a": make_user(Role.PESERTA, x1a),
        "x2": make_user(Role.PESERTA, x2), "y": make_user(Role.PESERTA, y), "y1": make_user(Role.PESERTA, y1),
        "gone_x1": make_user(Role.PESERTA, x1), "gone_y": make_user(Role.PESERTA, y),
        "nounit": make_user(Role.PESERTA, x), "other": make_user(Role.PESERTA, other),
        "hr": make_user(Role.ADMIN_BKPSDM, x),
    }
    with app.app_context():
        for key in ("gone_x1", "gone_y"):
            db.session.get(User, people[key].id).active = False
        db.session.get(User, people["nounit"].id).unit_id = None
        db.session.commit()
    i = inst.id
    events = {
        "whole": make_event(app, i),
        "skpd_x_own": make_event(app, i, skpd_id=x.id),
        "units_x1_y": make_event(app, i, units=[x1.id, y.id]),
        "unit_x1a": make_event(app, i, units=[x1a.id]),
        "skpd_x_units": make_event(app, i, skpd_id=x.id, units=[x1.id]),
        # an SKPD's event whose chosen unit is (now) in another SKPD: still only inside the SKPD
        "skpd_x_units_of_y": make_event(app, i, skpd_id=x.id, units=[y1.id]),
    }
    return {"people": people, "events": events}


EXPECTED = {
    "whole": {"x", "x1", "x1a", "x2", "y", "y1", "nounit", "hr"},
    "skpd_x_own": {"x", "x1", "x1a", "x2", "hr"},
    "units_x1_y": {"x1", "x1a", "y", "y1"},
    "unit_x1a": {"x1a"},
    "skpd_x_units": {"x1", "x1a"},
    "skpd_x_units_of_y": set(),
}


def test_in_audience_agrees_with_the_report_roster(app: Flask, audience_world) -> None:
    people = audience_world["people"]
    with app.app_context():
        users = {k: db.session.get(User, p.id) for k, p in people.items()}
        for name, ev in audience_world["events"].items():
            event = db.session.get(Event, ev.id)
            roster = {row.user_id for row in db.session.execute(reports.audience_roster(event))}
            by_roster = {k for k, u in users.items() if u.id in roster}
            by_service = {k for k, u in users.items() if services.in_audience(event, u)}
            by_in_roster = {k for k, u in users.items() if reports.in_roster(event, u)}
            people_ids = set(db.session.scalars(services.audience_people(event).with_only_columns(User.id)))
            by_people = {k for k, u in users.items() if u.id in people_ids}
            by_ids = {k for k, u in users.items() if u.id in services.audience_ids(event, [u.id for u in users.values()])}
            assert by_service == by_roster == by_in_roster == by_people == by_ids == EXPECTED[name], name


# --- attendance completes a course at once -------------------------------------------------------------

def _attendance_course(app: Flask, make_course, people: list[User], kind: str = "apel") -> int:
    """A course with a certificate whose rule asks for attendance at an event of ``kind``; every
    one of ``people`` has read all its modules (so only the attendance is missing)."""
    from elearn.certificates.models import Certificate
    from elearn.courses.models import CourseVersion
    from elearn.courses.progress import enroll, record_progress

    cv = make_course(modules=1, sections=1)
    with app.app_context():
        version = db.session.get(CourseVersion, cv.id)
        version.certificate = {"criteria": "Membaca semua modul dan hadir di apel."}
        version.jp = 2
        version.completion = {"modules": "all", "attendance": kind}
        db.session.flush()
        for person in people:
            learner = db.session.get(User, person.id)
            enrollment = enroll(learner, version.course)
            for link in enrollment.course_version.modules:
                record_progress(learner, enrollment, link.module, 0, True)
        db.session.commit()
        assert not db.session.scalars(select(Certificate).where(Certificate.course_version_id == version.id)).all()
        return version.id


def _certified(app: Flask, user_id: int) -> list[Any]:
    from elearn.certificates.models import Certificate

    with app.app_context():
        return list(db.session.scalars(select(Certificate.course_version_id).where(Certificate.user_id == user_id)))


def test_check_in_issues_the_certificate_the_attendance_made_due(app: Flask, client, make_course, make_unit,
                                                                  make_user) -> None:
    import io

    from support import login
    from test_events_checkin import code_now

    unit = make_unit("Dinas Uji Sertifikat")
    selfie, marked, listed, sosialisasi_only = (make_user(Role.PESERTA, unit) for _ in range(4))
    hr = make_user(Role.ADMIN_BKPSDM, unit)
    version_id = _attendance_course(app, make_course, [selfie, marked, listed])
    event = make_event(app, unit.instansi_id)
    # self check-in with the typed code
    login(client, selfie)
    r = client.post("/hadir", data={"kode": code_now(event)})
    assert r.status_code == 302 and _certified(app, selfie.id) == [version_id]
    # by hand, and from a paper list
    with client.session_transaction() as s:
        s.clear()
    login(client, hr)
    assert client.post(f"/acara/{event.id}/kehadiran", data={"user_id": marked.id}).status_code == 302
    assert _certified(app, marked.id) == [version_id]
    data = {"file": (io.BytesIO(f"NIP\n{listed.employee_number}\n".encode()), "hadir.csv")}
    assert client.post(f"/acara/{event.id}/kehadiran/impor", data=data,
                       content_type="multipart/form-data").status_code == 200
    assert _certified(app, listed.id) == [version_id]
    # a course asking for a sosialisasi is not completed by an apel
    other = _attendance_course(app, make_course, [sosialisasi_only], kind="sosialisasi")
    assert client.post(f"/acara/{event.id}/kehadiran", data={"user_id": sosialisasi_only.id}).status_code == 302
    assert other not in _certified(app, sosialisasi_only.id)


def test_a_certificate_failure_never_breaks_the_check_in(app: Flask, client, make_course, make_unit, make_user,
                                                         monkeypatch) -> None:
    from support import login
    from test_events_checkin import attendance, code_now

    unit = make_unit("Dinas Uji Gagal")
    person = make_user(Role.PESERTA, unit)
    _attendance_course(app, make_course, [person])
    event = make_event(app, unit.instansi_id)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("database went away while drawing")

    monkeypatch.setattr(services, "issue_attendance_certificates", broken)
    login(client, person)
    r = client.post("/hadir", data={"kode": code_now(event)})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/acara/{event.id}/langsung")
    assert [a.user_id for a in attendance(app, event.id)] == [person.id]
    assert _certified(app, person.id) == []


# --- guessing the code -----------------------------------------------------------------------------------

def test_wrong_codes_are_limited_per_account_not_per_room(client, app: Flask, make_unit, make_user,
                                                          rate_limited) -> None:
    from support import login
    from test_events_checkin import code_now

    unit = make_unit("Dinas Uji Kode")
    guesser, neighbour = make_user(Role.PESERTA, unit), make_user(Role.PESERTA, unit)
    event = make_event(app, unit.instansi_id)
    app.config.update(CHECKIN_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LIMIT_PER_IP="4 per minute")
    try:
        login(client, guesser)
        # the QR's GET and the typed POST count alike for one account
        statuses = [client.get("/hadir?kode=ABCDEF").status_code, client.post("/hadir", data={"kode": "ABCDEG"})
                    .status_code, client.get("/hadir?kode=ABCDEH").status_code,
                    client.get("/hadir?kode=ABCDEJ").status_code]
        assert statuses == [200, 200, 200, 429]
        # the room behind the same address is not locked out: a neighbour's typos and check-in pass
        with client.session_transaction() as s:
            s.clear()
        login(client, neighbour)
        assert [client.get(f"/hadir?kode=XYZXY{c}").status_code for c in "AB"] == [200] * 2  # 5 refusals from one IP
        assert client.post("/hadir", data={"kode": code_now(event)}).status_code == 302
        # anonymous guesses by GET are limited per address
        with client.session_transaction() as s:
            s.clear()
        assert [client.get(f"/hadir?kode=QWERT{c}").status_code for c in "ABCDEF"][-1] == 429
    finally:
        app.config.update(CHECKIN_LIMIT_PER_ACCOUNT="10 per minute;60 per hour", LOGIN_LIMIT_PER_IP="20 per minute")


# --- the question fragment weighs under 2 KB --------------------------------------------------------------

def test_every_shipped_live_question_fragment_is_under_2_kb(app: Flask, client, make_unit, make_user) -> None:
    from pathlib import Path

    from elearn.content.quizzes import sync_quizzes
    from elearn.events import live
    from elearn.events.models import Attendance, CheckinMethod, LivePhase
    from elearn.quizzes.models import Quiz, QuizStatus
    from support import login

    unit = make_unit("Dinas Uji Ukuran")
    person = make_user(Role.PESERTA, unit)
    event = make_event(app, unit.instansi_id)
    with app.app_context():
        sync_quizzes(Path(__file__).resolve().parent.parent / "quizzes")
        ids: list[int] = []
        for quiz in db.session.scalars(select(Quiz).where(Quiz.instansi_id.is_(None),
                                                          Quiz.status == QuizStatus.PUBLISHED)):
            ids += [i for i in live.live_question_ids(quiz) if i not in ids]
        assert len(ids) >= 10
        row = db.session.get(Event, event.id)
        row.live_questions = ids
        db.session.add(Attendance(event_id=event.id, user_id=person.id, method=CheckinMethod.SCAN,
                                  unit_id=unit.id, skpd_id=unit.id))
        db.session.commit()
    login(client, person)
    client.get(f"/acara/{event.id}/langsung")  # joined: the shared panel
    sizes: dict[tuple[int, str], int] = {}
    types: set[str] = set()
    for position, version_id in enumerate(ids):
        with app.app_context():
            row = db.session.get(Event, event.id)
            row.live_position, row.live_phase = position, LivePhase.OPEN
            row.live_version = (row.live_version or 0) + 1
            db.session.commit()
            from elearn.quizzes.models import QuestionVersion
            types.add(db.session.get(QuestionVersion, version_id).type)
        live._STATE_CACHE.clear()
        for how, headers in (("shared", {"X-Live": "1"}), ("own", {})):
            r = client.get(f"/acara/{event.id}/langsung/soal", headers=headers)
            assert r.status_code == 200 and 'name="position"' in r.get_data(as_text=True)
            sizes[(version_id, how)] = len(r.get_data())
    assert {"single_choice", "multiple_response", "true_false", "social_feed"} <= types
    too_big = {k: v for k, v in sizes.items() if v >= 2048}
    print("largest fragment", max(sizes.values()), "bytes")
    assert not too_big, too_big


# --- the "joined" note in the session belongs to the person who joined -------------------------------------

def _open_question_event(app: Flask, instansi_id: int, checked_in: list[User]) -> int:
    from elearn.events import live
    from elearn.events.models import Attendance, CheckinMethod, LivePhase
    from quiz_support import SINGLE, make_quiz

    event = make_event(app, instansi_id)
    with app.app_context():
        quiz = make_quiz("kuis-tinjau", (SINGLE,))
        row = db.session.get(Event, event.id)
        row.quiz_id = quiz.id
        row.live_questions = live.live_question_ids(quiz)
        row.live_position, row.live_phase, row.live_version = 0, LivePhase.OPEN, 3
        for person in checked_in:
            db.session.add(Attendance(event_id=event.id, user_id=person.id, method=CheckinMethod.SCAN,
                                      unit_id=person.unit_id, skpd_id=person.unit_id))
        db.session.commit()
        live._STATE_CACHE.clear()
        return event.id


def test_the_joined_note_does_not_outlive_the_sign_in(app: Flask, client, make_instansi, make_unit,
                                                      make_user) -> None:
    from support import login

    unit = make_unit("Dinas Uji Sesi")
    joiner = make_user(Role.PESERTA, unit)
    stranger = make_user(Role.PESERTA, make_unit("Dinas Lain", instansi=make_instansi()))
    event_id = _open_question_event(app, unit.instansi_id, [joiner])
    login(client, joiner)
    assert client.get(f"/acara/{event_id}/langsung").status_code == 200
    panel = client.get(f"/acara/{event_id}/langsung/soal", headers={"X-Live": "1"})
    assert panel.status_code == 200 and 'name="position"' in panel.get_data(as_text=True)
    assert client.post("/keluar").status_code == 302
    # another instansi's person signs in on the same browser: nothing of the event
    login(client, stranger)
    assert client.get(f"/acara/{event_id}/langsung/state").status_code == 404
    assert client.get(f"/acara/{event_id}/langsung/soal", headers={"X-Live": "1"}).status_code == 404


# --- the paper list and the search by NIP -----------------------------------------------------------------

def test_a_paper_list_that_is_not_csv_is_refused_not_a_crash(app: Flask, client, make_unit, make_user) -> None:
    import io

    from support import login

    unit = make_unit("Dinas Uji Berkas")
    hr = make_user(Role.ADMIN_BKPSDM, unit)
    event = make_event(app, unit.instansi_id)
    login(client, hr)
    for raw in (b"1" * 200_000, b"NIP\n199001012015031001\x00\n"):
        r = client.post(f"/acara/{event.id}/kehadiran/impor", data={"file": (io.BytesIO(raw), "hadir.csv")},
                        content_type="multipart/form-data")
        assert r.status_code == 200
        assert "bukan daftar NIP" in r.get_data(as_text=True) or "tidak dikenal" in r.get_data(as_text=True)


def test_only_hr_finds_people_by_the_start_of_their_nip(app: Flask, client, make_unit, make_user) -> None:
    from support import login

    unit = make_unit("Dinas Uji Cari")
    person = make_user(Role.PESERTA, unit, name="Pegawai Dicari")
    trainer, hr = make_user(Role.PELATIH, unit), make_user(Role.ADMIN_BKPSDM, unit)
    event = make_event(app, unit.instansi_id)
    nip = person.employee_number
    login(client, trainer)
    assert "Pegawai Dicari" not in client.get(f"/acara/{event.id}/kehadiran?q={nip[:10]}").get_data(as_text=True)
    page = client.get(f"/acara/{event.id}/kehadiran?q={nip}").get_data(as_text=True)
    assert "Pegawai Dicari" in page  # the whole NIP (typed from a paper list) finds them
    client.post("/keluar")
    login(client, hr)
    assert "Pegawai Dicari" in client.get(f"/acara/{event.id}/kehadiran?q={nip[:10]}").get_data(as_text=True)
