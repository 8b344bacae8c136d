"""``seed-demo``'s events: last week's apel pagi with a credible attendance (heads mostly there,
SKPDs apart), live answers to the demo quiz's questions and pakta signatures made during the apel,
and a sosialisasi starting in about ten minutes with its check-in open and speakers from Bawaslu,
BKN and the Inspektorat; its report page opens for the admin BKPSDM."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import case, func, select

from elearn.accounts.models import Role, User
from elearn.db import db, utcnow
from elearn.demo import data
from elearn.demo import events as demo_events
from elearn.events import reports
from elearn.events.models import Attendance, CheckinMethod, EventKind, LiveAnswer
from elearn.org.models import Instansi
from elearn.pledges.models import PledgeSignature

from test_demo import accounts, seed


def test_demo_has_a_past_apel_and_an_upcoming_sosialisasi(app: Flask, client) -> None:
    output = seed(app, "--people", "300", "--password", "demo-sandi-123")
    assert "Apel lalu" in output and "/presenter" in output
    with app.app_context():
        inst = db.session.scalar(select(Instansi).where(Instansi.slug == data.INSTANSI_SLUG))
        apel, upcoming = demo_events.demo_events(inst)
        now = utcnow()

        # the apel: last week (a Monday), over, quiz and campaign attached, live quiz played
        assert apel.kind == EventKind.APEL and apel.ends_at < now
        assert dt.timedelta(days=1) <= now - apel.starts_at <= dt.timedelta(days=8)
        assert apel.starts_at.astimezone(ZoneInfo(inst.timezone.iana)).weekday() == 0
        assert apel.quiz_id is not None and apel.campaign_id is not None and len(apel.live_questions) == 3

        # attendance: most, not all; heads nearly all; SKPDs apart
        skpds = reports.attendance_rows(apel, "skpd")
        total = reports.totals(skpds, reports.AttendanceRow)
        assert 0.55 <= total.share <= 0.9, total.share
        shares = [r.share for r in skpds if r.expected >= 8]
        assert len(shares) >= 5 and max(shares) - min(shares) >= 0.2, shares
        methods = Counter(db.session.scalars(select(Attendance.method).where(Attendance.event_id == apel.id)))
        assert methods[CheckinMethod.SCAN] > methods[CheckinMethod.CODE] > 0 and methods[CheckinMethod.IMPORT] > 0
        # those ticked off the paper list have no account; those who scanned do
        no_account = db.session.scalar(
            select(func.count()).select_from(Attendance).join(User, User.id == Attendance.user_id)
            .where(Attendance.event_id == apel.id, Attendance.method == CheckinMethod.SCAN,
                   User.password_hash.is_(None)))
        assert no_account == 0
        heads = db.session.execute(
            select(User.id, Attendance.id).outerjoin(Attendance, (Attendance.user_id == User.id)
                                                     & (Attendance.event_id == apel.id))
            .where(User.instansi_id == inst.id, User.role == Role.PESERTA,
                   User.jenis_jabatan.in_(demo_events.JPT_LEVELS))).all()
        assert len(heads) >= 5 and sum(a is not None for _u, a in heads) / len(heads) >= 0.75
        # the printed demo accounts were not there (a visitor starts fresh)
        printed = [nip for nip, _pw in accounts(output).values()]
        assert not db.session.scalar(select(func.count()).select_from(Attendance).join(User, User.id == Attendance.user_id).where(
            User.employee_number.in_(printed)))

        # live answers: per question most of those present with a phone; right answers vary
        per_question = db.session.execute(
            select(LiveAnswer.position, func.count(), func.sum(case((LiveAnswer.correct.is_(True), 1), else_=0)))
            .where(LiveAnswer.event_id == apel.id).group_by(LiveAnswer.position).order_by(LiveAnswer.position)).all()
        assert [p for p, _n, _c in per_question] == [0, 1, 2]
        for _p, n, correct in per_question:
            assert 0.4 * total.present <= n <= total.present and 0.3 <= correct / n <= 0.95
        assert per_question[0][2] / per_question[0][1] > per_question[2][2] / per_question[2][1]
        answered_by_present = db.session.scalar(
            select(func.count()).select_from(LiveAnswer).where(
                LiveAnswer.event_id == apel.id,
                LiveAnswer.user_id.not_in(select(Attendance.user_id).where(Attendance.event_id == apel.id))))
        assert answered_by_present == 0

        # signatures during the apel, in the chain's time order
        at_event = sum(r.signed for r in reports.signature_rows(apel))
        assert at_event >= 10
        signed = db.session.execute(select(PledgeSignature.seq, PledgeSignature.signed_at)
                                    .where(PledgeSignature.instansi_id == inst.id)
                                    .order_by(PledgeSignature.seq)).all()
        assert [t for _s, t in signed] == sorted(t for _s, t in signed)

        # the sosialisasi: today, check-in open now, speakers from Bawaslu, BKN and Inspektorat
        assert upcoming.kind == EventKind.SOSIALISASI and not upcoming.cancelled
        assert dt.timedelta(minutes=5) <= upcoming.starts_at - now <= dt.timedelta(minutes=15)
        assert upcoming.checkin_open(now)
        institutions = " ".join(s.institution for s in upcoming.speakers)
        assert all(name in institutions for name in ("Bawaslu", "BKN", "Inspektorat"))
        assert upcoming.quiz_id == apel.quiz_id and upcoming.campaign_id == apel.campaign_id
        assert db.session.scalar(select(func.count()).select_from(Attendance)
                                 .where(Attendance.event_id == upcoming.id)) == 0
        apel_id = apel.id
        admin = db.session.scalar(select(User).where(User.instansi_id == inst.id, User.role == Role.ADMIN_BKPSDM))

    # HR opens the apel's report
    assert client.post("/masuk", data={"nip": admin.employee_number, "password": "demo-sandi-123"}).status_code == 302
    response = client.get(f"/acara/{apel_id}/laporan")
    assert response.status_code == 200
    assert "Apel pagi: ikrar netralitas ASN" in response.get_data(as_text=True)
