"""Admin pages straight after ``seed-demo``, then after a manual ANALYZE (issue 12).

The issue measured the pakta campaign page at 278 ms per request on PostgreSQL straight after
``flask seed-demo`` and 25 ms after a manual ANALYZE: a bulk load must leave the planner
statistics fresh. This script checks that on the current code:

1. a fresh schema in a scratch database (every table in it is dropped and created again);
2. the demo seed exactly as ``flask seed-demo --people N`` runs it (``demo.services.seed_demo``,
   then commit), timed;
3. at once, with no manual ANALYZE, signed in as the demo admin BKPSDM through the test client,
   N GETs each (server time in the process, each request in its own app context, mean and p95) of
   - the campaign page HR opens (``GET /pakta/kampanye/<id>``, pledges/hr_views.py ``campaign``),
   - the assignment list with its coverage figures (``GET /penugasan/``) and one assignment
     (``GET /penugasan/<id>``),
   - the quiz item analysis (``GET /analisis/kuis/<slug>``) of each demo quiz;
   on PostgreSQL also the planner's row estimate (pg_class.reltuples) against the real count of
   each bulk-loaded table, and when each was last analyzed (by hand or by autovacuum);
4. the same pages a second time, still without ANALYZE: a control, since the first pass is also
   the first read after the load (cold caches; PostgreSQL sets hint bits on first read);
5. ``ANALYZE`` (the whole database; on SQLite too, where it writes sqlite_stat1) and the same
   pages again. Second pass / after ANALYZE near 1.00x means seed-demo already left the
   statistics fresh; first pass / after ANALYZE is the comparison the issue made.

Run (PostgreSQL: the database name must contain 'bench'; SQLite: a temporary file by default)::

    createdb -h 127.0.0.1 elearn_afterseed_bench
    .venv/bin/python benchmarks/after_seed.py --people 50000 --requests 10 \\
        --database-url postgresql+psycopg://127.0.0.1/elearn_afterseed_bench
    .venv/bin/python benchmarks/after_seed.py --people 50000 --requests 10      # SQLite
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rekap import PASSWORD, fresh_schema, get, login, make_app, timed  # noqa: E402
from sqlalchemy import make_url, select, text  # noqa: E402

from elearn.db import db  # noqa: E402


def seed(people: int):  # type: ignore[no-untyped-def]
    """What ``flask seed-demo --people N --password ...`` does (demo/cli.py): the service, commit."""
    from elearn.demo import services

    t = time.perf_counter()
    result = services.seed_demo(people=people, seed=services.DEFAULT_SEED, password=PASSWORD)
    db.session.commit()
    seconds = time.perf_counter() - t
    print(f"seed-demo --people {people:,}: {result.people_count:,} people, {result.skpd_count} SKPD, "
          f"{result.unit_count} units in {seconds:.1f} s ({db.session.get_bind().dialect.name})")
    return result


def pages(result) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(label, url) of the admin pages to time."""
    from elearn.courses.models import CourseAssignment
    from elearn.demo.pledges import demo_campaign

    urls = []
    campaign = demo_campaign(result.instansi)
    if campaign is not None:
        urls.append(("pakta campaign", f"/pakta/kampanye/{campaign.id}"))
    urls.append(("assignments list", "/penugasan/"))
    assignment_id = db.session.scalar(select(CourseAssignment.id)
                                      .where(CourseAssignment.instansi_id == result.instansi.id)
                                      .order_by(CourseAssignment.id).limit(1))
    if assignment_id is not None:
        urls.append(("assignment detail", f"/penugasan/{assignment_id}"))
    for counts in (result.quizzes.quizzes if result.quizzes is not None else []):
        urls.append((f"quiz item analysis {counts.slug}", f"/analisis/kuis/{counts.slug}"))
    db.session.rollback()
    return urls


def admin_id(result) -> int:  # type: ignore[no-untyped-def]
    from elearn.accounts.models import Role, User

    number = next(a.employee_number for a in result.accounts if a.role == Role.ADMIN_BKPSDM)
    return db.session.scalar(select(User.id).where(User.employee_number == number))


def planner_stats() -> None:
    """PostgreSQL: estimated vs real rows of the bulk-loaded tables, and when they were analyzed."""
    from elearn.demo.services import BULK_TABLES

    if db.session.get_bind().dialect.name != "postgresql":
        return
    for name in BULK_TABLES:
        real = db.session.scalar(text(f"SELECT count(*) FROM {name}"))
        estimate, analyzed, autoanalyzed, changed = db.session.execute(text(
            "SELECT c.reltuples, s.last_analyze, s.last_autoanalyze, s.n_mod_since_analyze "
            "FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
            "WHERE c.oid = CAST(:t AS regclass)"), {"t": name}).one()
        when = lambda v: v.strftime("%H:%M:%S") if v is not None else "never"  # noqa: E731
        print(f"    {name:<20} rows {real:>9,}  planner estimate {int(estimate):>9,}  "
              f"analyzed {when(analyzed)}  autoanalyzed {when(autoanalyzed)}  changed since {changed}")
    db.session.rollback()


def measure(app, user_id: int, urls: list[tuple[str, str]], n: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, user_id)
    db.session.rollback()
    means = {}
    for label, url in urls:
        mean, p95 = timed(lambda url=url: get(client, url), n)
        means[label] = mean
        print(f"    {label:<40} GET {url:<40} mean {mean:7.1f} ms  p95 {p95:7.1f} ms")
    return means


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a scratch database (default: a temporary SQLite file)")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]  # progress when redirected
    tmp = None
    url = args.database_url
    if not url:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/after-seed-bench.db"
    elif url.startswith("postgresql") and "bench" not in (make_url(url).database or ""):
        sys.exit("refusing: the PostgreSQL database name must contain 'bench' (every table is dropped)")
    app = make_app(url)
    with app.app_context():
        fresh_schema(app)
        result = seed(args.people)
        user_id = admin_id(result)
        urls = pages(result)
        print(f"straight after seed-demo, no manual ANALYZE ({args.requests} requests each):")
        first = measure(app, user_id, urls, args.requests)
        planner_stats()
        print("the same pages again, still no manual ANALYZE (control: warm caches):")
        second = measure(app, user_id, urls, args.requests)
        t = time.perf_counter()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"manual ANALYZE: {(time.perf_counter() - t) * 1000:.0f} ms; the same pages again:")
        after = measure(app, user_id, urls, args.requests)
        print("mean, first pass / after ANALYZE and second pass / after ANALYZE:")
        for label, _url in urls:
            print(f"    {label:<40} {first[label] / after[label]:5.2f}x  {second[label] / after[label]:5.2f}x")
        db.session.remove()
    db.get_engine(app).dispose()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
