"""Completion over time (``reports/timeline.py``) and the campaign's election date and target.

Hand-checked data: instansi "Kota Waktu" (WITA, UTC+8) with SKPD X (Dinas Pendidikan, unit x1 SD
Negeri 1) and SKPD Y (Dinas Sosial); instansi "Kota Barat" (WIB, UTC+7) with SKPD Z. One course
(its modules and its certificate), one quiz and campaign K (opens 1 March 2026) of Kota Waktu; a
second campaign K2 whose signatures never count. Times are UTC; the local day in brackets.

    p1  X    all four parts, the last at 3 Mar 16:30 UTC (4 Mar 00:30 WITA)       -> done 4 Mar
    p2  x1   all four, the last at 5 Mar 15:59 UTC (5 Mar 23:59 WITA)            -> done 5 Mar
    p3  Y    all four before the campaign opened (27 Feb)                          -> done before 1 Mar
    p4  Y    modules, quiz, pakta; no certificate                                  -> never
    p5  x1   fails the quiz on 2 Mar, passes on 6 Mar 02:00 UTC (6 Mar 10:00),
             passes again on 9 Mar (the first pass counts)                         -> done 6 Mar
    p6  X    all four on 2 Mar, then deactivated (left)                            -> not on the roster
    p7  Y    modules, quiz, certificate; signed K2, not K                          -> never
    p8  X    modules, quiz, pakta; the only certificate revoked                     -> never
    p9  Y    nothing                                                                -> never
    z1  Z    (Kota Barat) all four, last at 3 Mar 16:30 UTC (3 Mar 23:30 WIB)        -> done 3 Mar in B
    z2  Z    nothing

Kota Waktu's active roster: 8 (p1-p5, p7-p9). Shares 1 to 7 March: 1, 1, 1, 2, 3, 4, 4 of 8.
SKPD X now: p1, p8, and p2, p5 in x1 = 4: 0, 0, 0, 1, 2, 3, 3 of 4. Kota Barat: 0, 0, 1/2 from 3 Mar.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from elearn.accounts.models import Role, User
from elearn.audit.models import AuditEvent
from elearn.certificates.models import CertificateState
from elearn.courses.models import Enrollment
from elearn.db import db
from elearn.errors import ServiceError
from elearn.org.models import Instansi, Unit
from elearn.pledges import services as pledge_services
from elearn.pledges.models import Campaign, PledgeSignature, SigningMethod
from elearn.quizzes.models import Attempt, AttemptStatus
from elearn.reports import timeline
from elearn.reports.services import Selection, skpd_rows, totals
from support import login

from certificate_hr_support import enable_certificate, issue_row
from pledge_support import make_campaign, make_pledge_version
from quiz_support import make_quiz

UTC = dt.timezone.utc
D = dt.date
NOW = dt.datetime(2026, 3, 7, 12, 0, tzinfo=UTC)


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def _signature(campaign: Campaign, user: User, signed_at: dt.datetime, seq: int) -> None:
    db.session.add(PledgeSignature(
        instansi_id=campaign.instansi_id, seq=seq, campaign_id=campaign.id, user_id=user.id, unit_id=user.unit_id,
        skpd_id=user.skpd_id, signer_name=user.name, signer_nip=user.employee_number, signer_jabatan=None,
        signer_golongan=None, is_skpd_head=False, pledge_version_id=campaign.pledge_version_id,
        rendered_text="teks", text_hash=hashlib.sha256(b"teks").hexdigest(), method=SigningMethod.TYPED,
        signature_png=None, typed_name=user.name, signed_at=signed_at, ip="127.0.0.1", user_agent="pytest",
        verify_code=secrets.token_urlsafe(16), prev_hash=secrets.token_hex(32), record_hash=secrets.token_hex(32),
    ))


@pytest.fixture
def world(app: Flask, make_instansi, make_unit: Callable[..., Unit], make_user: Callable[..., User],
          make_course) -> dict[str, Any]:
    inst = make_instansi(slug="kota-waktu", name="Pemerintah Kota Waktu", timezone="WITA")
    inst_b = make_instansi(slug="kota-barat", name="Pemerintah Kota Barat", timezone="WIB")
    x = make_unit("Dinas Pendidikan", instansi=inst)
    x1 = make_unit("SD Negeri 1", parent=x)
    y = make_unit("Dinas Sosial", instansi=inst)
    z = make_unit("Dinas Kesehatan", instansi=inst_b)
    where = {"p1": x, "p2": x1, "p3": y, "p4": y, "p5": x1, "p6": x, "p7": y, "p8": x, "p9": y, "z1": z, "z2": z}
    p = {key: make_user(Role.PESERTA, unit, name=f"Pegawai {key}", password=None) for key, unit in where.items()}
    admin = make_user(Role.ADMIN_BKPSDM, y, name="Admin BKPSDM", active=False)
    course = make_course(slug="netralitas-waktu", title="Netralitas ASN")
    with app.app_context():
        enable_certificate(course)
        quiz = make_quiz("kuis-waktu", instansi=None)
        version = make_pledge_version()
        k = make_campaign(inst.id, version, slug="k", opens_on=D(2026, 3, 1), closes_on=D(2026, 3, 31))
        k2 = make_campaign(inst.id, version, slug="k2", opens_on=D(2026, 3, 1), closes_on=D(2026, 3, 31))
        kb = make_campaign(inst_b.id, version, slug="kb", opens_on=D(2026, 3, 1), closes_on=D(2026, 3, 31))
        seq = {inst.id: 0, inst_b.id: 0}

        def person(key: str) -> User:
            user = db.session.get(User, p[key].id)
            assert user is not None
            return user

        def modules(key: str, when: dt.datetime) -> None:
            db.session.add(Enrollment(user_id=p[key].id, course_id=course.course_id, course_version_id=course.id,
                                      started_at=when - dt.timedelta(days=1), modules_completed_at=when))

        def attempt(key: str, when: dt.datetime, passed: bool, number: int = 1) -> None:
            user = person(key)
            db.session.add(Attempt(quiz_id=quiz.id, user_id=user.id, number=number, status=AttemptStatus.SUBMITTED,
                                   unit_id=user.unit_id, skpd_id=user.skpd_id, started_at=when - dt.timedelta(minutes=9),
                                   submitted_at=when, score=1.0, max_score=1.0, percent=100.0 if passed else 0.0,
                                   passed=passed, pass_mark=70))

        def sign(key: str, when: dt.datetime, campaign: Campaign = k) -> None:
            seq[campaign.instansi_id] += 1
            _signature(campaign, person(key), when, seq[campaign.instansi_id])

        def certificate(key: str, when: dt.datetime, state: CertificateState = CertificateState.VALID) -> None:
            issue_row(person(key), course, issued_at=when, state=state)

        def everything(key: str, last: dt.datetime, campaign: Campaign = k) -> None:
            modules(key, last - dt.timedelta(hours=3))
            attempt(key, last - dt.timedelta(hours=2), True)
            sign(key, last - dt.timedelta(hours=1), campaign)
            certificate(key, last)

        everything("p1", at(2026, 3, 3, 16, 30))
        # the last part is the pakta this time
        modules("p2", at(2026, 3, 4, 1))
        attempt("p2", at(2026, 3, 4, 2), True)
        certificate("p2", at(2026, 3, 4, 3))
        sign("p2", at(2026, 3, 5, 15, 59))
        everything("p3", at(2026, 2, 27, 4))
        modules("p4", at(2026, 3, 2, 1))
        attempt("p4", at(2026, 3, 2, 2), True)
        sign("p4", at(2026, 3, 2, 3))
        modules("p5", at(2026, 3, 1, 23))
        attempt("p5", at(2026, 3, 2, 2), False, 1)
        attempt("p5", at(2026, 3, 6, 2), True, 2)
        attempt("p5", at(2026, 3, 9, 2), True, 3)
        sign("p5", at(2026, 3, 3, 1))
        certificate("p5", at(2026, 3, 3, 2))
        everything("p6", at(2026, 3, 2, 5))
        person("p6").active = False
        modules("p7", at(2026, 3, 2, 1))
        attempt("p7", at(2026, 3, 2, 2), True)
        certificate("p7", at(2026, 3, 2, 3))
        sign("p7", at(2026, 3, 2, 4), k2)
        modules("p8", at(2026, 3, 2, 1))
        attempt("p8", at(2026, 3, 2, 2), True)
        sign("p8", at(2026, 3, 2, 3))
        certificate("p8", at(2026, 3, 2, 4), CertificateState.REVOKED)
        everything("z1", at(2026, 3, 3, 16, 30), kb)
        db.session.commit()
        return {"inst": inst.id, "inst_b": inst_b.id, "x": x.id, "y": y.id, "z": z.id, "course": course.course_id,
                "quiz": quiz.id, "k": k.id, "k2": k2.id, "kb": kb.id, "admin": admin, "people": p,
                "version": version.id}


def _all(world: dict[str, Any], campaign: str = "k", **parts: Any) -> Selection:
    """The rekap's selection (needs an app context): the course (with its certificate), the quiz
    and a campaign of the campaign's instansi, or only the parts given (None: left out)."""
    from elearn.courses.models import Course
    from elearn.quizzes.models import Quiz

    chosen = {"course": world["course"], "quiz": world["quiz"], "campaign": world[campaign] if campaign else None,
              **parts}
    kampanye = db.session.get(Campaign, chosen["campaign"]) if chosen["campaign"] else None
    instansi = db.session.get(Instansi, kampanye.instansi_id if kampanye else world["inst"])
    return Selection.build(instansi, course=db.session.get(Course, chosen["course"]) if chosen["course"] else None,
                           quiz=db.session.get(Quiz, chosen["quiz"]) if chosen["quiz"] else None, campaign=kampanye)


def _days(first: dt.date, shares: list[float]) -> list[tuple[dt.date, float]]:
    return [(first + dt.timedelta(days=i), share) for i, share in enumerate(shares)]


def test_series_on_the_hand_checked_data(app: Flask, world) -> None:
    with app.app_context():
        series = timeline.completion_series(world["inst"], _all(world), D(2026, 3, 1), D(2026, 3, 31), now=NOW)
        assert series == _days(D(2026, 3, 1), [1 / 8, 1 / 8, 1 / 8, 2 / 8, 3 / 8, 4 / 8, 4 / 8])
        # one SKPD: its people now (p2 and p5 in the unit below it)
        own = timeline.completion_series(world["inst"], _all(world), D(2026, 3, 1), D(2026, 3, 31),
                                         skpd_id=world["x"], now=NOW)
        assert own == _days(D(2026, 3, 1), [0, 0, 0, 1 / 4, 2 / 4, 3 / 4, 3 / 4])
        # an end before today stops there
        assert timeline.completion_series(world["inst"], _all(world), D(2026, 3, 3), D(2026, 3, 5), now=NOW) == \
            _days(D(2026, 3, 3), [1 / 8, 2 / 8, 3 / 8])


def test_day_boundaries_are_the_instansi_zone(app: Flask, world) -> None:
    with app.app_context():
        # 3 Mar 16:30 UTC is 4 Mar in WITA (p1 above) but still 3 Mar in WIB: z1 counts on 3 Mar
        series = timeline.completion_series(world["inst_b"], _all(world, "kb"), D(2026, 3, 1), D(2026, 3, 31),
                                            now=NOW)
        assert series[:4] == _days(D(2026, 3, 1), [0, 0, 1 / 2, 1 / 2])
        # "today" is the local day too: 7 Mar 20:00 UTC is already 8 Mar in WITA
        late = timeline.completion_series(world["inst"], _all(world), D(2026, 3, 1), D(2026, 3, 31),
                                          now=at(2026, 3, 7, 20))
        assert late[-1][0] == D(2026, 3, 8)


def test_parts_follow_the_selection(app: Flask, world) -> None:
    with app.app_context():
        # the pakta alone: p1 (3 Mar 15:30 UTC = 3 Mar 23:30), p3 before, p4, p5, p8 signed K; p7 signed K2 only
        pakta = timeline.completion_series(world["inst"], _all(world, course=None, quiz=None), D(2026, 3, 1),
                                           D(2026, 3, 6), now=NOW)
        assert [round(s * 8) for _d, s in pakta] == [1, 3, 5, 5, 6, 6]
        # the quiz alone: the first passing attempt counts (p5 on 6 Mar, not 9 Mar; the failed one never)
        quiz = timeline.completion_series(world["inst"], _all(world, None, course=None), D(2026, 3, 5),
                                          D(2026, 3, 7), now=NOW)
        assert [round(s * 8) for _d, s in quiz] == [6, 7, 7]
        # the certificate is a part only when the course gives one: without it p4 and p8 (revoked) are done
        no_cert = dataclasses.replace(_all(world), gives_certificate=False)
        assert timeline.completion_series(world["inst"], no_cert, D(2026, 3, 2), D(2026, 3, 2), now=NOW) == \
            [(D(2026, 3, 2), 3 / 8)]
        # nothing selected: nobody is done
        nothing = _all(world, None, course=None, quiz=None)
        assert timeline.completion_series(world["inst"], nothing, D(2026, 3, 1), D(2026, 3, 2), now=NOW) == \
            [(D(2026, 3, 1), 0.0), (D(2026, 3, 2), 0.0)]


def test_bad_ranges_give_an_empty_series(app: Flask, world) -> None:
    with app.app_context():
        assert timeline.completion_series(world["inst"], _all(world), D(2026, 3, 5), D(2026, 3, 1), now=NOW) == []
        assert timeline.completion_series(world["inst"], _all(world), D(2026, 4, 1), D(2026, 4, 30), now=NOW) == []
        # another instansi's id than the selection's
        assert timeline.completion_series(world["inst_b"], _all(world), D(2026, 3, 1), D(2026, 3, 5), now=NOW) == []


_COUNTING: list[Callable[[], object]] = []


def _statements_of(call: Callable[[], object]) -> object:
    """Run ``call`` as the measured part (the selection is built before, outside the count)."""
    _COUNTING.append(call)
    return None


def _statements(app: Flask, prepare: Callable[[], object]) -> int:
    _COUNTING.clear()
    prepare()
    call = _COUNTING.pop()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # the test harness's SAVEPOINT is not the code's
    return sum(1 for s in statements if not s.startswith("SAVEPOINT"))


def test_a_constant_number_of_statements(app: Flask, world, make_user, make_unit) -> None:
    def run() -> object:
        selection = _all(world)
        return _statements_of(lambda: timeline.completion_series(world["inst"], selection, D(2026, 3, 1),
                                                                 D(2026, 3, 31), now=NOW))

    with app.app_context():
        before = _statements(app, run)
    with app.app_context():
        inst = db.session.get(Instansi, world["inst"])
    for n in range(4):
        skpd = make_unit(f"Dinas Tambahan {n}", instansi=inst)
        for _ in range(3):
            make_user(Role.PESERTA, skpd, password=None)
    with app.app_context():
        after = _statements(app, run)
        series = timeline.completion_series(world["inst"], _all(world), D(2026, 3, 1), D(2026, 3, 31), now=NOW)
    assert before == after == 1
    assert series[-1] == (D(2026, 3, 7), 4 / 20)


def test_the_last_point_is_the_dashboard_total(app: Flask, world) -> None:
    with app.app_context():
        selection = _all(world)
        today = timeline.local_today(selection.instansi, NOW)
        result = timeline.progress(selection)
        assert result.headcount == totals(skpd_rows(selection)).headcount == 8
        assert result.done_by(today) == totals(skpd_rows(selection)).done == 4
        x = timeline.progress(selection, world["x"])
        assert (x.headcount, x.done_by(today)) == (4, 3)
        assert (totals(skpd_rows(selection, world["x"])).headcount, totals(skpd_rows(selection, world["x"])).done) \
            == (4, 3)


def test_the_course_rule_adds_its_quiz_and_pakta_text(app: Flask, world) -> None:
    """A course version whose completion rule requires the quiz and the pakta text: the course part
    is met when the last of the three is (the text signed in any campaign: p7 signed K2)."""
    from elearn.courses.models import CourseVersion
    from elearn.pledges.models import PledgeTextVersion

    with app.app_context():
        version = db.session.scalar(select(CourseVersion).where(CourseVersion.course_id == world["course"]))
        text = db.session.get(PledgeTextVersion, world["version"]).pledge_text
        version.requires = {"quiz": "kuis-waktu", "pledge": text.slug}
        version.completion = {"quiz_pass": True, "pledge_signed": True}
        db.session.flush()
        selection = dataclasses.replace(_all(world, None, quiz=None), gives_certificate=False)
        assert selection.rules and selection.rules[0][1].pledge == text.slug
        series = timeline.completion_series(world["inst"], selection, D(2026, 3, 1), D(2026, 3, 31), now=NOW)
        assert [round(share * 8) for _d, share in series] == [1, 4, 5, 5, 6, 7, 7]
        assert totals(skpd_rows(selection)).done == 7
        db.session.rollback()


def test_campaign_timeline_and_projection(app: Flask, world) -> None:
    with app.app_context():
        campaign = db.session.get(Campaign, world["k"])
        campaign.election_date = D(2026, 4, 9)
        campaign.target_percent = 90
        result = timeline.campaign_timeline(campaign, _all(world), now=NOW)
        assert (result.start, result.end, result.election_date) == (D(2026, 3, 1), D(2026, 4, 9), D(2026, 4, 9))
        # the target's day falls back to the election date
        assert (result.target_percent, result.target_date) == (90, D(2026, 4, 9))
        assert (result.done, result.headcount) == (4, 8) and result.points[-1] == (D(2026, 3, 7), 0.5)
        # pace over the 6 days shown: (4/8 - 1/8) / 6 days; 0.4 to go -> 7 more days
        assert result.projection == D(2026, 3, 14)
    assert timeline.projected_day([], 0.9) is None
    flat = _days(D(2026, 3, 1), [0.2, 0.2, 0.2])
    assert timeline.projected_day(flat, 0.9) is None
    assert timeline.projected_day(_days(D(2026, 3, 1), [0.5, 0.95, 0.97]), 0.9) == D(2026, 3, 2)


# --- the campaign's election date and target --------------------------------------------------------------


def test_target_day_defaults(app: Flask, world) -> None:
    with app.app_context():
        campaign = db.session.get(Campaign, world["k"])
        assert campaign.target_day == D(2026, 3, 31)  # closes_on
        campaign.election_date = D(2026, 3, 20)
        assert campaign.target_day == D(2026, 3, 20)
        campaign.target_date = D(2026, 3, 15)
        assert campaign.target_day == D(2026, 3, 15)
        db.session.rollback()


@pytest.mark.parametrize(("fields", "code"), [
    ({"target_percent": 0}, "bad_target"),
    ({"target_percent": 101}, "bad_target"),
    ({"target_percent": True}, "bad_target"),
    ({"election_date": D(2029, 9, 30)}, "bad_election_date"),
    ({"target_percent": 90, "target_date": D(2029, 9, 1)}, "bad_target_date"),
    ({"target_date": D(2029, 11, 1)}, "bad_target"),
])
def test_service_refuses_a_bad_goal(app: Flask, make_instansi, fields: dict[str, Any], code: str) -> None:
    instansi = make_instansi()
    with app.app_context():
        version = make_pledge_version()
        with pytest.raises(ServiceError) as caught:
            pledge_services.create_campaign(
                db.session.get(Instansi, instansi.id), slug="pemilu-2029", name="Pemilu 2029",
                election_type="pemilu", pledge_version=version, place="Kota Uji", opens_on=D(2029, 10, 1),
                closes_on=D(2029, 11, 20), actor=None, **fields)
        assert caught.value.code == code
        db.session.rollback()


def _form(world: dict[str, Any], **fields: str) -> dict[str, Any]:
    return {"name": "Pemilu 2029", "election_type": "pemilu", "pledge_version_id": world["version"],
            "place": "Kota Waktu", "opens_on": "2029-01-02", "closes_on": "2029-02-14", **fields}


def test_create_form_takes_and_checks_the_goal(client, app: Flask, world, make_user) -> None:
    admin = make_user(Role.ADMIN_BKPSDM, world["admin"].unit, name="Admin Aktif")
    login(client, admin)
    page = client.get("/pakta/kampanye/baru").get_data(as_text=True)
    assert 'name="election_date"' in page and 'name="target_percent"' in page and 'name="target_date"' in page
    for fields, message in (
        ({"target_percent": "150"}, "Target harus antara 1 dan 100 persen."),
        ({"election_date": "2029-01-01"}, "Tanggal pemungutan suara tidak boleh sebelum tanggal kampanye dibuka."),
        ({"target_percent": "90", "target_date": "2028-12-31"},
         "Tanggal target tidak boleh sebelum tanggal kampanye dibuka."),
        ({"target_date": "2029-02-01"}, "Isi target (persen) bila tanggal target diisi."),
    ):
        response = client.post("/pakta/kampanye/baru", data=_form(world, **fields))
        assert response.status_code == 200 and message in response.get_data(as_text=True), fields
    response = client.post("/pakta/kampanye/baru", data=_form(world, election_date="2029-02-14",
                                                               target_percent="90"))
    assert response.status_code == 302
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "pemilu-2029"))
        assert campaign is not None
        assert (campaign.election_date, campaign.target_percent, campaign.target_date) == (D(2029, 2, 14), 90, None)
        assert campaign.target_day == D(2029, 2, 14)
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pledge.campaign_create",
                                                           AuditEvent.target_id == campaign.id))
        assert audit.details["target_percent"] == 90 and audit.details["election_date"] == "2029-02-14"
        campaign_id = campaign.id
    shown = client.get(f"/pakta/kampanye/{campaign_id}").get_data(as_text=True)
    assert "Pemungutan suara" in shown and "14 Februari 2029" in shown
    assert "90% pegawai aktif selesai semua pada 14 Februari 2029" in shown
    # the edit form sets and clears them (audited)
    url = f"/pakta/kampanye/{campaign_id}/ubah"
    edit = client.get(url).get_data(as_text=True)
    assert 'value="90"' in edit and 'value="2029-02-14"' in edit
    bad = client.post(url, data={"opens_on": "2029-01-02", "closes_on": "2029-02-14", "target_percent": "0"})
    assert bad.status_code == 200 and "Target harus antara 1 dan 100 persen." in bad.get_data(as_text=True)
    assert client.post(url, data={"opens_on": "2029-01-02", "closes_on": "2029-02-14", "election_date": "2029-02-10",
                                  "target_percent": "80", "target_date": "2029-02-01"}).status_code == 302
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert (campaign.election_date, campaign.target_percent, campaign.target_date) == (
            D(2029, 2, 10), 80, D(2029, 2, 1))
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pledge.campaign_dates",
                                                           AuditEvent.target_id == campaign_id))
        assert audit.details["goal_from"]["target_percent"] == 90 and audit.details["goal_to"]["target_percent"] == 80
    assert client.post(url, data={"opens_on": "2029-01-02", "closes_on": "2029-02-14"}).status_code == 302
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert (campaign.election_date, campaign.target_percent, campaign.target_date) == (None, None, None)


CREATE = ["pledges", "campaign-create", "--slug", "pilkada-2029", "--name", "Pilkada 2029", "--election", "pilkada",
          "--place", "Kota Uji", "--opens", "2029-10-01", "--closes", "2029-11-20"]


def test_cli_takes_and_checks_the_goal(app: Flask, make_instansi) -> None:
    instansi = make_instansi()
    with app.app_context():
        make_pledge_version(slug="pakta-netralitas")
        db.session.commit()
    runner = app.test_cli_runner()
    base = [*CREATE, "--instansi", instansi.slug]
    bad = runner.invoke(args=[*base, "--target", "150"])
    assert bad.exit_code == 1 and "Target harus bilangan bulat antara 1 dan 100 persen." in bad.output
    early = runner.invoke(args=[*base, "--election-date", "2029-09-01"])
    assert early.exit_code == 1 and "Tanggal pemungutan suara tidak boleh sebelum" in early.output
    good = runner.invoke(args=[*base, "--election-date", "2029-11-27", "--target", "90", "--target-date",
                               "2029-11-20"])
    assert good.exit_code == 0, good.output
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.instansi_id == instansi.id))
        assert (campaign.election_date, campaign.target_percent, campaign.target_date) == (
            D(2029, 11, 27), 90, D(2029, 11, 20))
    # without the new options a campaign is as before
    plain = runner.invoke(args=[*CREATE[:3], "pilkada-2030", *CREATE[4:], "--instansi", instansi.slug])
    assert plain.exit_code == 0, plain.output
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "pilkada-2030"))
        assert (campaign.election_date, campaign.target_percent, campaign.target_date) == (None, None, None)
        assert campaign.target_day == campaign.closes_on
