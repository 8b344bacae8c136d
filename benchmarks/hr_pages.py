"""HR pages as an instansi grows: server time per request against the raw SQL of the same numbers,
in one run (issue 14, point 4).

    .venv/bin/python benchmarks/hr_pages.py --people 50000                       # SQLite, temporary file
    createdb -h 127.0.0.1 elearn_hrpages_bench
    .venv/bin/python benchmarks/hr_pages.py --people 50000 \\
        --database-url postgresql+psycopg://127.0.0.1/elearn_hrpages_bench
    .venv/bin/python benchmarks/hr_pages.py --database-url sqlite:////tmp/hr.db --reuse   # seeded before

What runs:

1. The schema and ``seed-demo --people N`` (the demo instansi, its courses, quizzes with attempts,
   assignments, the pakta campaign, events), committed, as ``flask seed-demo`` does (it ANALYZEs
   what it loaded). ``--reuse``: a database seeded by an earlier run (the PostgreSQL name must
   contain 'bench', SQLite: any file).
2. Signed in as the demo admin BKPSDM through the test client, each page ``--requests`` times,
   each request in an app context of its own (server time in this process: routing, session, the
   page's queries, rendering; no network): the item analysis of each demo quiz, the assignment list
   with its coverage figures and one assignment, the pakta campaign page, the people list.
3. The raw SQL of the same numbers: every statement the page sent (captured from one request, with
   its parameters) sent again on a plain connection, and its rows fetched, ``--requests`` times.
   ``page / raw`` is what the page adds on top of the SQL it needs (target <= 2x), and the page
   itself must stay under 100 ms.
4. For the item analysis also the count from the attempts it replaced (``tallies.rebuild``: what
   the page cost on every request before issue 14, and what it costs once after a bulk load).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rekap import PASSWORD, fresh_schema, get, login, make_app  # noqa: E402
from sqlalchemy import event, func, make_url, select  # noqa: E402

from elearn.db import db  # noqa: E402

TARGET_MS = 100.0
TARGET_RATIO = 2.0


def seed(people: int) -> None:
    from elearn.demo import services

    t = time.perf_counter()
    result = services.seed_demo(people=people, seed=services.DEFAULT_SEED, password=PASSWORD)
    db.session.commit()
    print(f"seed-demo --people {people:,}: {result.people_count:,} people in {time.perf_counter() - t:.0f} s "
          f"({db.session.get_bind().dialect.name})")


def pages() -> tuple[int, list[tuple[str, str]]]:
    """The demo admin's id and the (label, url) of the HR pages."""
    from elearn.accounts.models import Role, User
    from elearn.courses.models import CourseAssignment
    from elearn.pledges.models import Campaign
    from elearn.quizzes.models import Attempt, Quiz

    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN_BKPSDM).order_by(User.id))
    assert admin is not None, "no admin BKPSDM: seed the demo first"
    urls: list[tuple[str, str]] = []
    quizzes = db.session.scalars(select(Quiz).where(Quiz.id.in_(select(Attempt.quiz_id).distinct()))
                                 .order_by(Quiz.slug)).all()
    for quiz in quizzes:
        urls.append((f"item analysis {quiz.slug}", f"/analisis/kuis/{quiz.slug}"))
    urls.append(("assignments (coverage figures)", "/penugasan/"))
    assignment = db.session.scalar(select(CourseAssignment.id).where(CourseAssignment.instansi_id == admin.instansi_id)
                                   .order_by(CourseAssignment.id).limit(1))
    if assignment is not None:
        urls.append(("one assignment", f"/penugasan/{assignment}"))
    campaign = db.session.scalar(select(Campaign.id).where(Campaign.instansi_id == admin.instansi_id)
                                 .order_by(Campaign.id).limit(1))
    if campaign is not None:
        urls.append(("pakta campaign", f"/pakta/kampanye/{campaign}"))
    urls.append(("people list", "/pegawai/"))
    admin_id = admin.id
    db.session.rollback()
    return admin_id, urls


def capture(app: Any, client: Any, url: str) -> list[tuple[str, Any]]:
    """The statements (and parameters) one request of ``url`` sends."""
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool) -> None:
        if not executemany and not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append((statement, parameters))

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        get(client, url)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def run_raw(app: Any, statements: list[tuple[str, Any]]) -> None:
    engine = db.get_engine(app)
    with engine.connect() as conn:
        for statement, parameters in statements:
            result = conn.exec_driver_sql(statement, parameters)
            if result.returns_rows:
                result.fetchall()
        conn.rollback()


def timed(fn: Any, n: int) -> tuple[float, float]:
    fn()  # warm
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.mean(times), times[max(0, int(round(0.95 * len(times))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a scratch database (default: a temporary SQLite file)")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="the database is seeded already")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    tmp = None
    url = args.database_url
    if not url:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/hr-pages-bench.db"
    elif url.startswith("postgresql") and "bench" not in (make_url(url).database or ""):
        sys.exit("refusing: the PostgreSQL database name must contain 'bench' (every table is dropped)")
    app = make_app(url)
    with app.app_context():
        if not args.reuse:
            fresh_schema(app)
            seed(args.people)
        else:  # (tables added since that seed)
            from elearn.db import Base

            Base.metadata.create_all(db.get_engine(app))
        from elearn.accounts.models import User
        from elearn.quizzes import tallies
        from elearn.quizzes.models import Quiz

        people = db.session.scalar(select(func.count(User.id)))
        print(f"{people:,} people in the database ({db.session.get_bind().dialect.name}); {args.requests} requests each")
        admin_id, urls = pages()
        client = app.test_client()
        login(client, admin_id)
        db.session.rollback()
        print(f"\n{'page':<44} {'mean ms':>8} {'p95 ms':>8} {'raw SQL ms':>11} {'page/raw':>9} {'stmts':>6}  verdict")
        for label, url_ in urls:
            get(client, url_)  # first request: stale figures are counted here, caches fill
            statements = capture(app, client, url_)
            mean, p95 = timed(lambda u=url_: get(client, u), args.requests)
            raw_mean, _raw_p95 = timed(lambda s=statements: run_raw(app, s), args.requests)
            ratio = mean / raw_mean if raw_mean else float("inf")
            ok = mean < TARGET_MS and ratio <= TARGET_RATIO
            print(f"{label:<44} {mean:8.1f} {p95:8.1f} {raw_mean:11.1f} {ratio:8.2f}x {len(statements):6d}  "
                  f"{'ok' if ok else 'OVER'}")
        print("\nthe item analysis counted from the attempts (what every request cost before; now once after a bulk load):")
        for quiz in db.session.scalars(select(Quiz).order_by(Quiz.slug)):
            if not tallies.finished_mark(quiz.id)[0]:
                continue
            mean, _p95 = timed(lambda q=quiz.id: (tallies.rebuild(q), db.session.rollback()), max(3, args.requests // 5))
            print(f"    {quiz.slug:<40} tallies.rebuild {mean:8.1f} ms")
        db.session.remove()
    db.get_engine(app).dispose()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
