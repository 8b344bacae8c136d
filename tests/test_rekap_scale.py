"""Issue 12, item 5 and the superadmin part of item 6: fresh planner statistics after bulk loads,
the national roll-up's summary table (refresh, CLI, job, housekeeping) and its page."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text

from elearn.accounts.models import Role, User
from elearn.certificates.models import Certificate, CertificateState
from elearn.courses.models import Enrollment
from elearn.db import db, utcnow
from elearn.jobs.models import Job, JobStatus
from elearn.org.models import Instansi, Unit
from elearn.org.services import get_instansi
from elearn.pledges.models import PledgeSignature
from elearn.quizzes.models import Attempt
from elearn.reports import national
from elearn.reports import services as rekap_services
from elearn.reports.summary_models import RekapSummary
from elearn.roster import services as roster_services
from factories import new_instansi, new_unit, new_user
from support import login, make_nip

#: the bulk tables, and small ones the assignment pages plan with (benchmarks/after_seed.py)
DEMO_TABLES = ("users", "enrollments", "module_progress", "pledge_signatures", "quiz_attempts", "certificates",
               "course_assignments", "course_versions", "audit_events", "instansi", "quizzes")


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def last_analyzed(tables: tuple[str, ...]) -> dict[str, dt.datetime | None]:
    db.session.execute(text("SELECT pg_stat_clear_snapshot()"))
    rows = db.session.execute(
        text("SELECT relname, greatest(last_analyze, last_autoanalyze) FROM pg_stat_user_tables "
             "WHERE relname = ANY(:names)"), {"names": list(tables)}).all()
    return dict(rows)


def seed(app: Flask, people: int = 120) -> Instansi:
    result = app.test_cli_runner().invoke(args=["seed-demo", "--people", str(people), "--password", "demo-sandi-123"])
    assert result.exit_code == 0, result.output
    instansi = get_instansi("kota-contoh")
    assert instansi is not None
    return instansi


# --- planner statistics after bulk loads ---------------------------------------------------------


def test_seed_demo_leaves_fresh_planner_statistics(app: Flask) -> None:
    if not is_postgresql():
        pytest.skip("planner statistics (pg_stat_user_tables, ANALYZE) are PostgreSQL's; db.analyze is a no-op "
                    "on SQLite")
    with app.app_context():
        started = db.session.scalar(text("SELECT clock_timestamp()"))
        seed(app)
        analyzed = last_analyzed(DEMO_TABLES)
        assert set(analyzed) == set(DEMO_TABLES)
        stale = {name: at for name, at in analyzed.items() if at is None or at < started}
        assert not stale


def test_roster_apply_leaves_fresh_planner_statistics(app: Flask, make_instansi, monkeypatch) -> None:
    if not is_postgresql():
        pytest.skip("planner statistics (pg_stat_user_tables, ANALYZE) are PostgreSQL's; db.analyze is a no-op "
                    "on SQLite")
    monkeypatch.setattr(roster_services, "ANALYZE_AFTER_ROWS", 5)
    instansi = make_instansi()
    header = "NIP;Nama;Golongan;Jabatan;Jenis Jabatan;Jenis Pegawai;SKPD;Unit Kerja;Email;No HP"
    rows = [f"{make_nip()};Pegawai Impor {i};III/a;Analis;Pelaksana;PNS;Dinas Pendidikan;;;" for i in range(6)]
    with app.app_context():
        started = db.session.scalar(text("SELECT clock_timestamp()"))
        result = roster_services.import_roster(db.session.get(Instansi, instansi.id),
                                               ("\n".join([header, *rows]) + "\n").encode(),
                                               today=dt.date(2026, 3, 15))
        db.session.commit()
        assert result.created == 6
        at = last_analyzed(("users",))["users"]
        assert at is not None and at >= started


def test_analyze_is_skipped_below_the_threshold_and_on_sqlite(app: Flask) -> None:
    from elearn.db import ANALYZE_AFTER_ROWS, analyze

    with app.app_context():
        assert analyze("users", rows=ANALYZE_AFTER_ROWS - 1) is False
        assert analyze("users") is is_postgresql()
        with pytest.raises(ValueError):
            if is_postgresql():
                analyze("users; DROP TABLE users")
            else:
                raise ValueError("SQLite returns before checking names")


# --- the summary table ---------------------------------------------------------------------------


def expected_counts(instansi_id: int, selection: national.Selection) -> dict[int | None, tuple[int, ...]]:
    """The same figures counted person by person in Python (the hand check)."""
    people = db.session.execute(
        select(User.id, Unit.skpd_id).outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.instansi_id == instansi_id, User.active.is_(True))).all()
    read = set(db.session.scalars(select(Enrollment.user_id).where(
        Enrollment.course_id == selection.course_id, Enrollment.modules_completed_at.is_not(None))))
    passed = set(db.session.scalars(select(Attempt.user_id).where(
        Attempt.quiz_id == selection.quiz_id, Attempt.passed.is_(True))))
    signed = set(db.session.scalars(select(PledgeSignature.user_id).where(
        PledgeSignature.campaign_id == selection.campaign_id)))
    certified = set(db.session.scalars(select(Certificate.user_id).where(
        Certificate.course_id == selection.course_id, Certificate.state == CertificateState.VALID)))
    tally: dict[int | None, Counter[str]] = {}
    for user_id, skpd_id in people:
        c = tally.setdefault(skpd_id, Counter())
        c["headcount"] += 1
        facts = {"read": user_id in read, "passed": user_id in passed, "signed": user_id in signed,
                 "certified": user_id in certified}
        for name, value in facts.items():
            c[name] += value
        c["done"] += all(facts.values())
    return {k: tuple(c[f] for f in ("headcount", "read", "passed", "signed", "certified", "done"))
            for k, c in tally.items()}


def summary_counts(instansi_id: int) -> dict[int | None, tuple[int, ...]]:
    return {r.skpd_id: (r.headcount, r.read, r.passed, r.signed, r.certified, r.done)
            for r in db.session.scalars(select(RekapSummary).where(RekapSummary.instansi_id == instansi_id))}


def test_refresh_matches_the_live_counting_on_the_demo(app: Flask) -> None:
    with app.app_context():
        instansi = seed(app)
        selection = national.default_selection(instansi.id)
        assert None not in (selection.course_id, selection.quiz_id, selection.campaign_id)
        # someone leaves: they drop out of the denominator
        leaver = db.session.scalar(select(User).where(User.instansi_id == instansi.id, User.role == Role.PESERTA,
                                                      User.active.is_(True)).limit(1))
        leaver.active = False
        db.session.commit()
        written = national.refresh(instansi.id)
        db.session.commit()
        stored = summary_counts(instansi.id)
        # the live counting (the dashboard's service) gives the same per-SKPD figures, "done" included
        inst = db.session.get(Instansi, instansi.id)
        live = {r.key: (r.headcount, r.read, r.passed, r.signed, r.certified, r.done)
                for r in rekap_services.skpd_rows(national.service_selection(inst, selection))}
        assert written == len(live) == len(stored) >= 30
        # the dashboard's single aggregate gives the same SKPD and leader rows as the two apart
        rekap_selection = national.service_selection(inst, selection)
        assert rekap_services.skpd_and_head_rows(rekap_selection) == (
            rekap_services.skpd_rows(rekap_selection), rekap_services.head_rows(rekap_selection))
        one_skpd = next(k for k in live if k is not None)
        assert rekap_services.skpd_and_head_rows(rekap_selection, one_skpd) == (
            rekap_services.skpd_rows(rekap_selection, one_skpd), rekap_services.head_rows(rekap_selection, one_skpd))
        assert stored == live
        # and the hand check, person by person (headcount to certified; "done" is the course's rule)
        expected = expected_counts(instansi.id, selection)
        assert {k: v[:5] for k, v in stored.items() if v[0]} == {k: v[:5] for k, v in expected.items()}
        totals = [sum(v[i] for v in stored.values()) for i in range(6)]
        assert 0 < totals[5] < totals[1] <= totals[0]  # some fully done, not everyone
        assert totals[0] == db.session.scalar(select(func.count()).select_from(User).where(
            User.instansi_id == instansi.id, User.active.is_(True)))
        # the rows carry the selection and one refresh time
        rows = list(db.session.scalars(select(RekapSummary).where(RekapSummary.instansi_id == instansi.id)))
        assert {(r.course_id, r.quiz_id, r.campaign_id) for r in rows} == {
            (selection.course_id, selection.quiz_id, selection.campaign_id)}
        assert len({r.refreshed_at for r in rows}) == 1


def test_refresh_replaces_only_that_instansi(app: Flask) -> None:
    a, b = new_instansi(app), new_instansi(app)
    skpd_a, skpd_b = new_unit(app, "Dinas A", instansi=a), new_unit(app, "Dinas B", instansi=b)
    for _ in range(3):
        new_user(app, Role.PESERTA, skpd_a, password=None)
    new_user(app, Role.PESERTA, skpd_b, password=None)
    with app.app_context():
        national.refresh(a.id)
        national.refresh(b.id)
        db.session.commit()
        assert summary_counts(a.id) == {skpd_a.id: (3, 0, 0, 0, 0, 0)}
        new_user(app, Role.PESERTA, skpd_a, password=None)
        gone = new_user(app, Role.PESERTA, skpd_b, password=None)
        national.refresh(a.id)
        db.session.commit()
        assert summary_counts(a.id) == {skpd_a.id: (4, 0, 0, 0, 0, 0)}
        assert summary_counts(b.id) == {skpd_b.id: (1, 0, 0, 0, 0, 0)}  # untouched until its own refresh
        assert gone.id
        # an instansi with no roster yet: no rows, never an error
        empty = new_instansi(app)
        assert national.refresh(empty.id) == 0


def test_refresh_job_and_housekeeping(app: Flask) -> None:
    from elearn.jobs.services import claim_next, run_job

    inst = new_instansi(app)
    new_user(app, Role.PESERTA, new_unit(app, "Dinas Uji Job", instansi=inst), password=None)
    with app.app_context():
        queued = national.queue_stale_refreshes()
        assert queued >= 1
        # queued once: a second run adds no duplicate job for the same instansi
        assert national.queue_stale_refreshes() == 0
        db.session.commit()
        jobs = list(db.session.scalars(select(Job).where(Job.kind == national.REFRESH_JOB)))
        mine = [j for j in jobs if j.payload["instansi_id"] == inst.id]
        assert len(mine) == 1
        while (job := claim_next("test")) is not None:
            db.session.commit()
            assert run_job(job.id) == JobStatus.DONE
        assert [v[0] for v in summary_counts(inst.id).values()] == [1]
        assert inst.id not in national.stale_instansi()
        later = utcnow() + dt.timedelta(minutes=app.config["REKAP_SUMMARY_MAX_AGE_MINUTES"] + 1)
        assert inst.id in national.stale_instansi(later)


def test_cli_refresh(app: Flask) -> None:
    inst = new_instansi(app)
    skpd = new_unit(app, "Dinas Uji CLI", instansi=inst)
    new_user(app, Role.PESERTA, skpd, password=None)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rekap", "refresh", "--instansi", inst.slug])
    assert result.exit_code == 0, result.output
    assert f"{inst.slug}: 1 SKPD rows" in result.output
    with app.app_context():
        assert summary_counts(inst.id) == {skpd.id: (1, 0, 0, 0, 0, 0)}
    every = runner.invoke(args=["rekap", "refresh"])
    assert every.exit_code == 0 and "refreshed" in every.output
    unknown = runner.invoke(args=["rekap", "refresh", "--instansi", "tidak-ada"])
    assert unknown.exit_code != 0 and "no instansi tidak-ada" in unknown.output


# --- the national page ---------------------------------------------------------------------------


def test_national_page_shows_the_summary_only(app: Flask, client) -> None:
    a = new_instansi(app, name="Pemerintah Kabupaten Alfa")
    b = new_instansi(app, name="Pemerintah Kabupaten Beta")
    skpd = new_unit(app, "Dinas Alfa", instansi=a)
    for _ in range(4):
        new_user(app, Role.PESERTA, skpd, password=None)
    with app.app_context():
        national.refresh(a.id)
        db.session.commit()
        # a person added after the refresh is not on the page until the next refresh
    new_user(app, Role.PESERTA, skpd, password=None)
    admin = new_user(app, Role.SUPERADMIN, None)
    login(client, admin)
    page = client.get("/rekap/nasional")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    alfa = html[html.index("Pemerintah Kabupaten Alfa"):]
    alfa = alfa[:alfa.index("</tr>")]
    assert ">4<" in alfa and "belum dihitung" not in alfa
    beta = html[html.index("Pemerintah Kabupaten Beta"):]
    assert "belum dihitung" in beta[:beta.index("</tr>")]
    assert b.id


def test_national_page_statements_do_not_grow_with_instansi(app: Flask, client) -> None:
    admin = new_user(app, Role.SUPERADMIN, None)
    login(client, admin)

    def statements() -> int:
        seen: list[str] = []
        engine = db.get_engine(app)

        def count(*_args) -> None:  # type: ignore[no-untyped-def]
            seen.append("x")

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/rekap/nasional").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    for _ in range(2):
        inst = new_instansi(app)
        new_user(app, Role.PESERTA, new_unit(app, instansi=inst), password=None)
        with app.app_context():
            national.refresh(inst.id)
            db.session.commit()
    few = statements()
    for _ in range(3):
        inst = new_instansi(app)
        new_user(app, Role.PESERTA, new_unit(app, instansi=inst), password=None)
        with app.app_context():
            national.refresh(inst.id)
            db.session.commit()
    assert statements() == few


def test_content_sync_leaves_fresh_planner_statistics(app: Flask) -> None:
    if not is_postgresql():
        pytest.skip("planner statistics (pg_stat_user_tables, ANALYZE) are PostgreSQL's; db.analyze is a no-op "
                    "on SQLite")
    from elearn.content.courses import SYNCED_TABLES as COURSE_TABLES
    from elearn.content.quizzes import SYNCED_TABLES as QUIZ_TABLES

    tables = (*COURSE_TABLES, *QUIZ_TABLES, "pledge_texts", "pledge_text_versions")
    with app.app_context():
        started = db.session.scalar(text("SELECT clock_timestamp()"))
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["content", "sync"])  # the checkout's folders, all kinds
        assert result.exit_code == 0, result.output
        analyzed = last_analyzed(tables)
        assert set(analyzed) == set(tables)
        stale = {name: at for name, at in analyzed.items() if at is None or at < started}
        assert not stale
