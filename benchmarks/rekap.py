"""Rekap per SKPD at the scale of a province, and the national roll-up (issue 12, item 5).

    # the dashboard of one instansi: 50,000 ASN + ~500,000 activity rows, then 150,000 ASN
    .venv/bin/python benchmarks/rekap.py --people 50000                       # SQLite (temp file)
    .venv/bin/python benchmarks/rekap.py --people 50000 --database-url postgresql+psycopg://127.0.0.1/elearn_rekapscale_bench
    # the national roll-up (PostgreSQL): 550 instansi, 5.6 million ASN in the summary table
    .venv/bin/python benchmarks/rekap.py --national 550 --national-people 5600000 --database-url ...
    #   --national-base also generates the 5.6 million users rows (generate_series), not only the summary

The database must be a scratch database: every table in it is dropped and created again.

Data: the demo (``seed_demo``, 200 people) provides the content (a course, its quiz, certificate
template, pakta text); a generated instansi ``bench-prov`` gets 40 SKPD x 4 units, ``--people``
active ASN (+2 % deactivated), and, by plain INSERT ... SELECT over a number series (generate_series
on PostgreSQL, a recursive CTE on SQLite), enrolments, module progress, quiz attempts (1-6 per
person), pakta signatures and certificates, with rates that differ per SKPD. ANALYZE after loading
(PostgreSQL, through elearn.db.analyze).

Measured in the same run, N requests each (mean and p95):

- (a) the raw GROUP BY: one hand-written SQL statement that computes headcount, read, passed,
  signed, certified per SKPD (LEFT JOINs to de-duplicated activity), the floor;
- (b) the counting service (``reports.services.skpd_rows`` when present, else ``national.count_skpd``);
- (c) the dashboard ``GET /rekap`` for the whole instansi through the test client as admin BKPSDM
  (when the ``reports`` blueprint is there), server time in the process, counted live; (c') the
  same served from its snapshot (REKAP_SNAPSHOT_MAX_AGE_SECONDS > 0, reports.snapshots); (c'-old)
  the same from an expired snapshot while its recount is queued; (c'') ``POST /rekap/hitung-ulang``
  (queue the recount job, redirect); (c-job) that job run by the worker (count, store);
- (d) ``flask rekap refresh`` of that instansi (national.refresh + commit);
- (e) ``GET /rekap/nasional`` as superadmin.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, make_url, select, text  # noqa: E402

from elearn import create_app  # noqa: E402
from elearn.db import Base, analyze, db  # noqa: E402
from elearn.models import import_all_models  # noqa: E402

PASSWORD = "Bangku-Kayu-Jati-2026!"
SKPDS = 40
UNITS_PER_SKPD = 4
#: quiz attempts per person: 1 to ATTEMPTS
ATTEMPTS = 6
TABLES = ("units", "users", "enrollments", "module_progress", "quiz_attempts", "pledge_signatures", "certificates",
          "rekap_summary", "instansi")


def timed(fn: Callable[[], object], n: int) -> tuple[float, float]:
    fn()  # warm
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.mean(times), times[max(0, int(round(0.95 * len(times))) - 1)]


def numbers(dialect: str, n: int) -> str:
    """A CTE ``g(i)`` of 1..n."""
    if dialect == "postgresql":
        return f"WITH g(i) AS (SELECT generate_series(1, {int(n)}))"
    return f"WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {int(n)})"


def h(expr: str, salt: int) -> str:
    """A deterministic pseudo-random 0..999 from an integer expression (same on both databases)."""
    return f"((({expr}) * 2654435761 + {salt * 97}) % 1000)"


def now_sql(dialect: str) -> str:
    return "CURRENT_TIMESTAMP" if dialect == "postgresql" else "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def make_app(url: str):  # type: ignore[no-untyped-def]
    import_all_models()
    return create_app({"ELEARN_ENV": "testing", "TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url,
                       "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 64,
                       "RATELIMIT_ENABLED": False})


def fresh_schema(app) -> None:  # type: ignore[no-untyped-def]
    engine = db.get_engine(app)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(conn)
        Base.metadata.create_all(conn)


def load_province(app, people: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The demo for content, then the bench instansi with ``people`` ASN and their activity."""
    from elearn.accounts.models import Role, User
    from elearn.courses.assignments import assign
    from elearn.courses.models import Course, CourseAssignment, CourseVersionModule
    from elearn.demo.services import seed_demo
    from elearn.org.services import create_instansi, create_unit
    from elearn.pledges.models import Campaign
    from elearn.quizzes.models import Quiz

    seed_demo(people=200, password=PASSWORD)
    db.session.commit()
    demo_assignment = db.session.scalars(select(CourseAssignment).order_by(CourseAssignment.id)).first()
    course = db.session.get(Course, demo_assignment.course_id)
    version_id = course.published_version_id
    modules = list(db.session.scalars(select(CourseVersionModule.module_version_id)
                                      .where(CourseVersionModule.course_version_id == version_id)))
    slug = (course.published_version.requires or {}).get("quiz")
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == slug)) if slug else db.session.scalars(select(Quiz)).first()
    demo_campaign = db.session.scalars(select(Campaign)).first()
    template_id = db.session.scalar(text("SELECT id FROM certificate_templates ORDER BY id LIMIT 1"))

    inst = create_instansi("bench-prov", "Pemerintah Provinsi Bangku")
    units: list[tuple[int, int]] = []  # (unit id, skpd id)
    for s in range(SKPDS):
        skpd = create_unit(inst, f"Dinas Bangku {s + 1:02d}")
        units.append((skpd.id, skpd.id))
        for u in range(UNITS_PER_SKPD - 1):
            child = create_unit(inst, f"Bidang {u + 1} Dinas {s + 1:02d}", skpd)
            units.append((child.id, skpd.id))
    admin = User(employee_number="199001012020011001", name="Admin Bangku", role=Role.ADMIN_BKPSDM,
                 instansi_id=inst.id, unit_id=units[0][0], password_hash=None)
    boss = User(employee_number="199001012020011002", name="Superadmin Bangku", role=Role.SUPERADMIN,
                password_hash=None)
    db.session.add_all([admin, boss])
    db.session.flush()
    assign(course, inst, [], None, admin)
    campaign = Campaign(instansi_id=inst.id, slug="pilkada-bangku", name="Pilkada Bangku",
                        election_type=demo_campaign.election_type, pledge_version_id=demo_campaign.pledge_version_id,
                        place="Bangku", opens_on=dt.date.today() - dt.timedelta(days=30),
                        closes_on=dt.date.today() + dt.timedelta(days=30))
    db.session.add(campaign)
    db.session.commit()

    dialect = db.session.get_bind().dialect.name
    now = now_sql(dialect)
    conn = db.session.connection()
    conn.execute(text("CREATE TEMP TABLE bench_units (k INTEGER PRIMARY KEY, unit_id INTEGER, skpd_k INTEGER)"))
    conn.execute(text("INSERT INTO bench_units VALUES (:k, :u, :s)"),
                 [{"k": k, "u": uid, "s": k // UNITS_PER_SKPD} for k, (uid, _skpd) in enumerate(units)])
    conn.execute(text("CREATE TEMP TABLE bench_modules (pos INTEGER PRIMARY KEY, module_version_id INTEGER)"))
    conn.execute(text("INSERT INTO bench_modules VALUES (:p, :m)"), [{"p": p, "m": m} for p, m in enumerate(modules)])
    n_units = len(units)
    total = int(people * 1.02)
    t = time.perf_counter()
    # users: 2 % deactivated; unit by i; the skpd's rate decides activity below
    conn.execute(text(f"""{numbers(dialect, total)}
        INSERT INTO users (instansi_id, unit_id, employee_number, employee_type, name, role, active,
                           is_kepala_wilayah, failed_logins, activation_failures, session_version, created_at, updated_at)
        SELECT {inst.id}, b.unit_id, '9' || CAST(1000000000 + i AS VARCHAR(12)), 'pns', 'Pegawai ' || i, 'peserta',
               CASE WHEN i % 50 = 0 THEN FALSE ELSE TRUE END, FALSE, 0, 0, 1, {now}, {now}
        FROM g JOIN bench_units b ON b.k = i % {n_units}"""))
    mine = f"FROM users u JOIN bench_units b ON b.unit_id = u.unit_id WHERE u.instansi_id = {inst.id}"
    # SKPD k's reach: 20 % .. 98 %
    rate = "(400 + b.skpd_k * 15)"
    conn.execute(text(f"""INSERT INTO enrollments (user_id, course_id, course_version_id, started_at, modules_completed_at)
        SELECT u.id, {course.id}, {version_id}, {now},
               CASE WHEN {h('u.id', 2)} < {rate} * 0.9 THEN {now} ELSE NULL END
        {mine} AND {h('u.id', 1)} < {rate}"""))
    conn.execute(text(f"""INSERT INTO module_progress (user_id, course_id, course_version_id, module_version_id,
                                     section_reached, completed_at, updated_at)
        SELECT e.user_id, e.course_id, e.course_version_id, m.module_version_id, 3,
               CASE WHEN e.modules_completed_at IS NOT NULL OR {h('e.user_id + m.pos', 3)} < 500 THEN {now} END, {now}
        FROM enrollments e JOIN users u ON u.id = e.user_id CROSS JOIN bench_modules m
        WHERE e.course_id = {course.id} AND u.instansi_id = {inst.id} AND (e.modules_completed_at IS NOT NULL OR m.pos <= {h('e.user_id', 4)} % 4)"""))
    # quiz attempts: 1-6 per reader; the last one passes for most
    for number in range(1, ATTEMPTS + 1):
        conn.execute(text(f"""INSERT INTO quiz_attempts (quiz_id, user_id, number, status, unit_id, skpd_id, started_at,
                                       submitted_at, score, max_score, percent, passed, pass_mark)
            SELECT {quiz.id}, u.id, {number}, 'submitted', u.unit_id, un.skpd_id, {now}, {now}, 8, 10, 80,
                   CASE WHEN {h('u.id', 5)} % {ATTEMPTS} = {number - 1} AND {h('u.id', 6)} < 850 THEN TRUE ELSE FALSE END, 70
            {mine.replace('JOIN bench_units b', 'JOIN units un ON un.id = u.unit_id JOIN bench_units b')}
              AND {h('u.id', 1)} < {rate} * 0.9 AND {h('u.id', 5)} % {ATTEMPTS} >= {number - 1}"""))
    conn.execute(text(f"""INSERT INTO pledge_signatures (instansi_id, seq, campaign_id, user_id, unit_id, skpd_id,
                                signer_name, signer_nip, is_skpd_head, pledge_version_id, rendered_text, text_hash,
                                method, signed_at, verify_code, prev_hash, record_hash)
        SELECT {inst.id}, u.id, {campaign.id}, u.id, u.unit_id, un.skpd_id, u.name, u.employee_number, FALSE,
               {campaign.pledge_version_id}, 'Saya bersikap netral.', 'h', 'typed', {now},
               'bench' || u.id, 'prev' || u.id, 'rec' || u.id
        {mine.replace('JOIN bench_units b', 'JOIN units un ON un.id = u.unit_id JOIN bench_units b')}
          AND {h('u.id', 7)} < {rate} + 50"""))
    conn.execute(text(f"""INSERT INTO certificates (code, serial, instansi_id, user_id, course_id, course_version_id,
                                generation, template_id, holder_name, holder_number, unit_id, unit_name, skpd_id,
                                skpd_name, instansi_name, course_title, jp, completed_at, completed_on, signatory,
                                issued_at, state, status_index, pdf_sha256, pdf_signed, credential)
        SELECT 'bc' || e.user_id, 'BENCH/' || e.user_id, {inst.id}, e.user_id, e.course_id, e.course_version_id, 1,
               {template_id}, 'x', 'x', NULL, '', NULL, '', 'x', 'x', 2, {now}, '2026-11-01', '{{}}', {now},
               CASE WHEN e.user_id % 97 = 0 THEN 'revoked' ELSE 'valid' END, e.user_id, 'x', FALSE, '{{}}'
        FROM enrollments e JOIN users u ON u.id = e.user_id
        WHERE u.instansi_id = {inst.id} AND e.modules_completed_at IS NOT NULL AND {h('e.user_id', 8)} < 800"""))
    db.session.commit()
    load_s = time.perf_counter() - t
    counts = {name: db.session.scalar(text(f"SELECT count(*) FROM {name}")) for name in TABLES[1:7]}
    t = time.perf_counter()
    analyze(*TABLES)
    db.session.commit()
    analyze_s = time.perf_counter() - t
    activity = sum(v for k, v in counts.items() if k != "users")
    print(f"loaded bench-prov: {counts['users']:,} users ({people:,} active+2 % left), {activity:,} activity rows "
          f"{ {k: v for k, v in counts.items() if k != 'users'} } in {load_s:.1f} s; ANALYZE {analyze_s * 1000:.0f} ms "
          f"({dialect})")
    return {"instansi": inst.id, "course": course.id, "quiz": quiz.id, "campaign": campaign.id, "admin": admin.id,
            "superadmin": boss.id}


RAW_SQL = """
SELECT un.skpd_id, count(*),
       sum(CASE WHEN u.id IN (SELECT user_id FROM enrollments
                              WHERE course_id = :course AND modules_completed_at IS NOT NULL) THEN 1 ELSE 0 END),
       sum(CASE WHEN u.id IN (SELECT user_id FROM quiz_attempts WHERE quiz_id = :quiz AND passed) THEN 1 ELSE 0 END),
       sum(CASE WHEN u.id IN (SELECT user_id FROM pledge_signatures WHERE campaign_id = :campaign) THEN 1 ELSE 0 END),
       sum(CASE WHEN u.id IN (SELECT user_id FROM certificates WHERE course_id = :course AND state = 'valid')
           THEN 1 ELSE 0 END)
FROM users u
LEFT JOIN units un ON un.id = u.unit_id
WHERE u.instansi_id = :instansi AND u.active
GROUP BY un.skpd_id
"""


def login(client, user_id: int) -> None:  # type: ignore[no-untyped-def]
    from elearn.accounts.models import User

    user = db.session.get(User, user_id)
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True


def get(client, url: str) -> None:  # type: ignore[no-untyped-def]
    """One request as a server would run it: in an app context of its own (not the benchmark's,
    whose ``g`` and session would carry the signed-in user and loaded rows over)."""
    from flask.globals import _cv_app

    token = _cv_app.set(None)  # type: ignore[arg-type]
    try:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        response.close()
    finally:
        _cv_app.reset(token)


def measure_dashboard(app, ids: dict[str, int], n: int) -> None:  # type: ignore[no-untyped-def]
    from elearn.org.models import Instansi
    from elearn.reports import national

    params = {"course": ids["course"], "quiz": ids["quiz"], "campaign": ids["campaign"]}
    raw = text(RAW_SQL)

    def run_raw() -> None:
        db.session.execute(raw, {**params, "instansi": ids["instansi"]}).all()
        db.session.rollback()

    raw_mean, raw_p95 = timed(run_raw, n)
    print(f"(a) raw GROUP BY per SKPD                 mean {raw_mean:7.1f} ms  p95 {raw_p95:7.1f} ms  (1.00x)")

    selection = national.Selection(ids["course"], ids["quiz"], ids["campaign"])
    try:
        from elearn.reports import services as rekap_services
    except ImportError:
        rekap_services = None

    def run_service() -> None:
        if rekap_services is not None:
            inst = db.session.get(Instansi, ids["instansi"])
            rekap_services.skpd_rows(national.service_selection(inst, selection))
        else:
            national.count_skpd(ids["instansi"], selection)
        db.session.rollback()

    name = "reports.services.skpd_rows" if rekap_services is not None else "national.count_skpd"
    m, p = timed(run_service, n)
    print(f"(b) counting service ({name:<26}) mean {m:7.1f} ms  p95 {p:7.1f} ms  ({m / raw_mean:.2f}x)")

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    client = app.test_client()
    login(client, ids["admin"])
    if "reports.index" in endpoints:
        url = f"/rekap/?kursus={ids['course']}&kuis={ids['quiz']}&kampanye={ids['campaign']}"

        def run_page() -> None:
            get(client, url)

        app.config["REKAP_SNAPSHOT_MAX_AGE_SECONDS"] = 0
        m, p = timed(run_page, n)
        print(f"(c) GET {url[:40]:<40} mean {m:7.1f} ms  p95 {p:7.1f} ms  ({m / raw_mean:.2f}x)  live")
        # the snapshot (reports.snapshots): the first request counts and stores, the rest read it
        app.config["REKAP_SNAPSHOT_MAX_AGE_SECONDS"] = 3600
        get(client, url)
        m, p = timed(run_page, n)
        print(f"(c') GET /rekap/ from the snapshot           mean {m:7.1f} ms  p95 {p:7.1f} ms  ({m / raw_mean:.2f}x)")
        recount_url = url.replace("/rekap/", "/rekap/hitung-ulang", 1)

        def run_recount() -> None:
            from flask.globals import _cv_app

            token = _cv_app.set(None)  # type: ignore[arg-type]
            try:
                response = client.post(recount_url)
                assert response.status_code == 302, response.status_code
                response.close()
            finally:
                _cv_app.reset(token)

        from sqlalchemy import update

        from elearn.jobs.services import run_pending
        from elearn.reports.summary_models import RekapSnapshot

        # an expired snapshot: served (flagged) while one recount job is queued; the first request
        # queues it, the others read the snapshot and see it pending
        db.session.execute(update(RekapSnapshot).values(computed_at=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)))
        db.session.commit()
        m, p = timed(run_page, n)
        print(f"(c'-old) GET /rekap/, expired, recount queued mean {m:7.1f} ms  p95 {p:7.1f} ms  ({m / raw_mean:.2f}x)")

        def reset_request() -> None:
            db.session.execute(update(RekapSnapshot).values(refresh_requested_at=None))
            db.session.commit()

        run_pending("bench")  # the job the expired snapshot queued
        queue_times, job_times = [], []
        for _ in range(max(3, n // 4)):
            reset_request()
            t = time.perf_counter()
            run_recount()  # queues the job
            queue_times.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            assert run_pending("bench") == 1  # the worker's side: count (rows, leaders, timeline), store
            job_times.append((time.perf_counter() - t) * 1000)
        for label, times in (("(c'') POST /rekap/hitung-ulang (queue a job)", queue_times),
                             ("(c-job) the worker's rekap.snapshot job  ", job_times)):
            times.sort()
            m = statistics.mean(times)
            print(f"{label} mean {m:7.1f} ms  p95 {times[-1]:7.1f} ms  ({m / raw_mean:.2f}x)")
        app.config["REKAP_SNAPSHOT_MAX_AGE_SECONDS"] = 0
    else:
        print("(c) GET /rekap: no reports blueprint in this tree (not measured)")

    def run_refresh() -> None:
        national.refresh(ids["instansi"], selection)
        db.session.commit()

    m, p = timed(run_refresh, max(3, n // 5))
    print(f"(d) rekap refresh of the instansi         mean {m:7.1f} ms  p95 {p:7.1f} ms  ({m / raw_mean:.2f}x)")
    measure_national_page(app, ids["superadmin"], n, "(e)")


def measure_national_page(app, superadmin_id: int, n: int, label: str) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, superadmin_id)

    def run_page() -> None:
        get(client, "/rekap/nasional")

    m, p = timed(run_page, n)
    print(f"{label} GET /rekap/nasional                   mean {m:7.1f} ms  p95 {p:7.1f} ms")


def load_national(app, instansi: int, people: int, base: bool) -> int:  # type: ignore[no-untyped-def]
    """``instansi`` instansi of 40 SKPD each; ``people`` ASN spread over them. The summary rows are
    generated directly (INSERT ... SELECT); with ``base`` the users rows too (then one instansi
    is refreshed through the service and timed)."""
    from elearn.accounts.models import Role, User

    dialect = db.session.get_bind().dialect.name
    now = now_sql(dialect)
    conn = db.session.connection()
    t = time.perf_counter()
    conn.execute(text(f"""{numbers(dialect, instansi)}
        INSERT INTO instansi (slug, name, timezone, created_at)
        SELECT 'nas-' || i, 'Pemerintah Daerah ' || i, 'WIB', {now} FROM g"""))
    conn.execute(text(f"""{numbers(dialect, SKPDS)}
        INSERT INTO units (instansi_id, parent_id, skpd_id, name, kind, sibling_key, path, depth, active, created_at)
        SELECT ins.id, NULL, NULL, 'Dinas ' || i, 'dinas', '0:dinas ' || i, '', 0, TRUE, {now}
        FROM instansi ins CROSS JOIN g WHERE ins.slug LIKE 'nas-%'"""))
    conn.execute(text("UPDATE units SET skpd_id = id, path = '/' || id || '/' WHERE skpd_id IS NULL"))
    per_skpd = people // (instansi * SKPDS)
    conn.execute(text(f"""
        INSERT INTO rekap_summary (instansi_id, skpd_id, course_id, quiz_id, campaign_id, headcount, read, passed,
                                   signed, certified, done, refreshed_at)
        SELECT un.instansi_id, un.id, NULL, NULL, NULL, {per_skpd}, {per_skpd} * 8 / 10, {per_skpd} * 7 / 10,
               {per_skpd} * 9 / 10, {per_skpd} * 6 / 10, {per_skpd} / 2, {now}
        FROM units un JOIN instansi ins ON ins.id = un.instansi_id WHERE ins.slug LIKE 'nas-%'"""))
    summary_s = time.perf_counter() - t
    rows = db.session.scalar(select(func.count()).select_from(text("rekap_summary")))
    total = db.session.scalar(text("SELECT sum(headcount) FROM rekap_summary"))
    print(f"national: {instansi} instansi, {rows:,} summary rows, {total:,} ASN in the summary ({summary_s:.1f} s)")
    if base:
        t = time.perf_counter()
        conn.execute(text(f"""INSERT INTO users (instansi_id, unit_id, employee_number, employee_type, name, role,
                                   active, is_kepala_wilayah, failed_logins, activation_failures, session_version,
                                   created_at, updated_at)
            SELECT un.instansi_id, un.id, '8' || CAST(100000000000 + CAST(un.id AS BIGINT) * 1000 + g AS VARCHAR(16)), 'pns',
                   'Pegawai ' || g, 'peserta', TRUE, FALSE, 0, 0, 1, {now}, {now}
            FROM units un JOIN instansi ins ON ins.id = un.instansi_id,
                 generate_series(1, {per_skpd}) AS g WHERE ins.slug LIKE 'nas-%'"""))
        print(f"national base rows: {per_skpd * rows:,} users generated in {time.perf_counter() - t:.1f} s")
    boss = User(employee_number="199001012020011009", name="Superadmin Nasional", role=Role.SUPERADMIN)
    db.session.add(boss)
    db.session.commit()
    analyze("instansi", "units", "rekap_summary", *(("users",) if base else ()))
    db.session.commit()
    return boss.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a scratch database (default: a temporary SQLite file)")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--national", type=int, default=0, help="instansi in the national roll-up (PostgreSQL)")
    parser.add_argument("--national-people", type=int, default=5_600_000)
    parser.add_argument("--national-base", action="store_true", help="also generate the users rows")
    parser.add_argument("--sqlite-analyze", action="store_true", help="SQLite: also measure after ANALYZE")
    args = parser.parse_args()
    tmp = None
    url = args.database_url
    if not url:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/rekap-bench.db"
    elif url.startswith("postgresql") and "bench" not in (make_url(url).database or ""):
        sys.exit("refusing: the PostgreSQL database name must contain 'bench' (every table is dropped)")
    app = make_app(url)
    with app.app_context():
        fresh_schema(app)
        if args.national:
            superadmin = load_national(app, args.national, args.national_people, args.national_base)
            measure_national_page(app, superadmin, args.requests, "   ")
        else:
            ids = load_province(app, args.people)
            measure_dashboard(app, ids, args.requests)
            if args.sqlite_analyze and db.session.get_bind().dialect.name == "sqlite":
                t = time.perf_counter()
                db.session.execute(text("ANALYZE"))
                db.session.commit()
                print(f"SQLite ANALYZE: {(time.perf_counter() - t) * 1000:.0f} ms; again:")
                measure_dashboard(app, ids, args.requests)
        db.session.remove()
    db.get_engine(app).dispose()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
