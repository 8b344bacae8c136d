"""``seed-demo``'s picture for the rekap: a campaign opened about six weeks ago with the voting
day and a 90 % target set; SKPDs far apart (some nearly done, some far behind); heads of SKPD and
kepala wilayah mostly signed, more than their staff; activity spread over the weeks, busier
after each apel and as the campaign goes on, so the completion line climbs day by day."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.certificates.models import Certificate
from elearn.courses.models import Course, Enrollment
from elearn.db import db
from elearn.demo import data, pace
from elearn.org.models import Instansi, Unit
from elearn.pledges import services as pledge_services
from elearn.pledges.models import Campaign, PledgeSignature
from elearn.quizzes.models import Quiz
from elearn.reports import timeline
from elearn.reports.services import Selection, skpd_rows, totals

from test_demo import seed


def test_demo_gives_the_rekap_a_credible_picture(app: Flask) -> None:
    seed(app, "--people", "300", "--password", "demo-sandi-123")
    with app.app_context():
        inst = db.session.scalar(select(Instansi).where(Instansi.slug == data.INSTANSI_SLUG))
        zone = ZoneInfo(inst.timezone.iana)
        today = timeline.local_today(inst)
        campaign = db.session.scalar(select(Campaign).where(Campaign.instansi_id == inst.id))
        # dates: opened six weeks ago, the voting day and the target ahead, still open
        assert campaign.opens_on == today - dt.timedelta(days=pace.OPENED_DAYS_AGO)
        assert campaign.election_date is not None and today < campaign.election_date <= campaign.closes_on
        assert campaign.target_percent == 90 and campaign.target_day == campaign.election_date
        assert pledge_services.campaign_is_open(campaign)

        course = db.session.scalar(select(Course).where(Course.slug == "netralitas-asn"))
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "netralitas-dasar"))
        selection = Selection.build(inst, course=course, quiz=quiz, campaign=campaign)
        assert selection.parts == ("modules", "quiz", "pakta", "certificate")

        # SKPDs far apart: the best SKPD (of five people or more) well ahead of the worst
        people = db.session.execute(
            select(User.id, Unit.skpd_id, User.jenis_jabatan, User.is_kepala_wilayah, User.unit_id)
            .join(Unit, Unit.id == User.unit_id).where(User.instansi_id == inst.id, User.active.is_(True))).all()
        size = Counter(skpd for _u, skpd, *_r in people)
        shares = {}
        for skpd_id, n in size.items():
            if n >= 5:
                result = timeline.progress(selection, skpd_id)
                shares[skpd_id] = result.done_by(today) / result.headcount
        assert len(shares) >= 10
        assert max(shares.values()) - min(shares.values()) >= 0.4, sorted(shares.values())
        assert min(shares.values()) <= 0.1

        # heads of SKPD and kepala wilayah: mostly signed, more than the staff
        signed = set(db.session.scalars(select(PledgeSignature.user_id)
                                         .where(PledgeSignature.campaign_id == campaign.id)))
        users = {u.id: u for u in db.session.scalars(select(User).where(User.instansi_id == inst.id))}
        leaders = [uid for uid, *_r in people
                   if pledge_services.is_skpd_head(users[uid]) or users[uid].is_kepala_wilayah]
        staff = [uid for uid, *_r in people if uid not in set(leaders) and users[uid].role == Role.PESERTA]
        leader_share = sum(uid in signed for uid in leaders) / len(leaders)
        staff_share = sum(uid in signed for uid in staff) / len(staff)
        assert len(leaders) >= 20 and leader_share >= 0.85 and leader_share > staff_share + 0.2

        # activity in the past, over the weeks since the opening
        opened = dt.datetime.combine(campaign.opens_on, dt.time(), tzinfo=zone)
        now = dt.datetime.now(dt.timezone.utc)
        times = {
            "signatures": list(db.session.scalars(select(PledgeSignature.signed_at)
                                                  .where(PledgeSignature.campaign_id == campaign.id))),
            "reading": list(db.session.scalars(select(Enrollment.modules_completed_at).where(
                Enrollment.course_id == course.id, Enrollment.modules_completed_at.is_not(None)))),
            "certificates": list(db.session.scalars(select(Certificate.issued_at)
                                                    .where(Certificate.instansi_id == inst.id))),
        }
        for what, moments in times.items():
            assert moments and all(opened <= t <= now for t in moments), what
            weeks = {(t.astimezone(zone).date() - campaign.opens_on).days // 7 for t in moments}
            assert len(weeks) >= 5, (what, weeks)
        # busier on and after the apel days than at weekends; busier in the last weeks than the first
        days = Counter(t.astimezone(zone).date() for t in times["signatures"])
        apel = sum(n for d, n in days.items() if d.weekday() in (0, 1) and d != campaign.opens_on)
        # (weekends other than the two days after the opening apel, which is today - 42 days: on a
        # Friday the opening's busy days after it are a Saturday and a Sunday)
        weekend = sum(n for d, n in days.items() if d.weekday() >= 5 and (d - campaign.opens_on).days > 2)
        assert apel > 4 * weekend, (apel, weekend)
        days.update(t.astimezone(zone).date() for t in times["reading"])
        first = sum(n for d, n in days.items() if 1 <= (d - campaign.opens_on).days <= 14)
        last = sum(n for d, n in days.items() if (today - d).days < 14)
        assert last > first

        # the completion line climbs over the weeks and stays below the target
        series = timeline.completion_series(inst.id, selection, campaign.opens_on, campaign.closes_on)
        assert series[0][0] == campaign.opens_on and series[-1][0] == today
        shares_by_day = [share for _d, share in series]
        assert shares_by_day == sorted(shares_by_day)
        assert 0.1 <= shares_by_day[-1] < 0.9
        assert len(set(shares_by_day)) >= 15
        chart = timeline.campaign_timeline(campaign, selection)
        assert chart.end == campaign.closes_on and chart.headcount == len(people)
        assert chart.done == round(shares_by_day[-1] * len(people))
        # the line ends where the dashboard's total is
        dashboard = totals(skpd_rows(selection))
        assert (dashboard.headcount, dashboard.done) == (chart.headcount, chart.done)
