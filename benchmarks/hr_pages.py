"""HR pages at N ASN against the raw SQL computing the same numbers (issue 14, point 4).

Seeds the demo (``demo.services.seed_demo``, as ``flask seed-demo --people N``; timed) in a scratch
database, then, signed in as the demo admin BKPSDM through the test client (each request in its own
app context), times N GETs of each HR page (server time in the process, mean and p95):

- the quiz item analysis (``GET /analisis/kuis/<slug>``) of each demo quiz,
- the assignment list and one assignment (``GET /penugasan/``, ``/penugasan/<id>``),
- the pakta campaign page (``GET /pakta/kampanye/<id>``),
- the people list (``GET /pegawai/``),

next to a floor measured in the same run: the minimal hand-written query/queries for the same
numbers (the tally rows of the quiz; the people each assignment covers, with how many started, read
every module and finished (modules, the required quiz passed, the pakta signed), per course;
the campaign's signatures against the active roster per SKPD; one page of 50 people with their
unit, its count and the SKPD filter's choices). Prints page/raw. Target: each page < 100 ms and <= 2x raw.

Run (PostgreSQL: the database name must contain 'bench'; SQLite: a temporary file by default)::

    createdb -h 127.0.0.1 elearn_hr_bench
    .venv/bin/python benchmarks/hr_pages.py --people 50000 \\
        --database-url postgresql+psycopg://127.0.0.1/elearn_hr_bench
    .venv/bin/python benchmarks/hr_pages.py --people 50000      # SQLite
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from after_seed import admin_id, seed  # noqa: E402
from rekap import fresh_schema, get, login, make_app, timed  # noqa: E402
from sqlalchemy import make_url, select, text  # noqa: E402

from elearn.db import db  # noqa: E402


def raw(sql: str, **params: object):  # type: ignore[no-untyped-def]
    """One hand-written statement, in its own app context like a request; rows fetched."""
    def run() -> None:
        db.session.execute(text(sql), params).all()
        db.session.remove()
    return run


def raw_many(*statements):  # type: ignore[no-untyped-def]
    def run() -> None:
        for sql, params in statements:
            db.session.execute(text(sql), params).all()
        db.session.remove()
    return run


def _demo_rule(instansi_id: int) -> dict[str, object]:
    """The required quiz and pakta of the demo's assigned course (bind parameters of the raw SQL)."""
    from elearn.courses.models import Course, CourseAssignment, CourseVersion

    requires = db.session.scalar(
        select(CourseVersion.requires).join(Course, Course.published_version_id == CourseVersion.id)
        .join(CourseAssignment, CourseAssignment.course_id == Course.id)
        .where(CourseAssignment.instansi_id == instansi_id).order_by(CourseAssignment.id).limit(1)) or {}
    return {"quiz": requires.get("quiz", ""), "pledge": requires.get("pledge", ""), "yes": True}


def cases(instansi_row):  # type: ignore[no-untyped-def]
    """(label, url, raw callable) per page."""
    from elearn.courses.models import CourseAssignment
    from elearn.demo.pledges import demo_campaign
    from elearn.quizzes.models import Quiz

    instansi = instansi_row.id
    out = []
    for quiz_id, slug in db.session.execute(select(Quiz.id, Quiz.slug).order_by(Quiz.id)).all():
        out.append((f"item analysis {slug}", f"/analisis/kuis/{slug}", raw_many(
            ("SELECT question_version_id, n, fraction, correct, m, x, y, xx, yy, xy FROM quiz_item_tallies "
             "WHERE quiz_id = :q AND skpd_key = :k", {"q": quiz_id, "k": -instansi}),
            ("SELECT * FROM quiz_choice_tallies WHERE quiz_id = :q AND skpd_key = :k", {"q": quiz_id, "k": -instansi}),
            ("SELECT skpd_key, people, passed, attempts FROM quiz_skpd_tallies WHERE quiz_id = :q", {"q": quiz_id}),
        )))
    assignments = "SELECT a.id, a.course_id FROM course_assignments a WHERE a.instansi_id = :i AND a.active"
    # "finished" as the pages count it: every module read, the required quiz passed, the pakta signed
    # (the demo's one assigned course requires both; see courses.completion)
    finished = ("e.modules_completed_at IS NOT NULL"
                " AND EXISTS (SELECT 1 FROM quiz_attempts qa JOIN quizzes q ON q.id = qa.quiz_id"
                " WHERE qa.user_id = u.id AND qa.passed = :yes AND q.slug = :quiz)"
                " AND EXISTS (SELECT 1 FROM pledge_signatures s JOIN pledge_text_versions v ON v.id = s.pledge_version_id"
                " JOIN pledge_texts t ON t.id = v.pledge_text_id WHERE s.user_id = u.id AND t.slug = :pledge)")
    rule = _demo_rule(instansi)
    coverage = ("SELECT a.id, count(u.id), count(e.id), count(e.modules_completed_at), "
                f"sum(CASE WHEN {finished} THEN 1 ELSE 0 END) "
                "FROM course_assignments a JOIN users u ON u.instansi_id = a.instansi_id "
                "LEFT JOIN units t ON t.id = a.unit_id LEFT JOIN units h ON h.id = u.unit_id "
                "LEFT JOIN enrollments e ON e.user_id = u.id AND e.course_id = a.course_id "
                "WHERE a.instansi_id = :i AND a.active = :yes AND u.active = :yes "
                "AND (a.unit_id IS NULL OR h.path LIKE t.path || '%') GROUP BY a.id")
    out.append(("assignments list", "/penugasan/", raw_many((assignments, {"i": instansi}),
                                                            (coverage, {"i": instansi, **rule}))))
    assignment = db.session.execute(select(CourseAssignment.id, CourseAssignment.course_id)
                                    .where(CourseAssignment.instansi_id == instansi)
                                    .order_by(CourseAssignment.id).limit(1)).first()
    if assignment is not None:
        out.append(("assignment detail", f"/penugasan/{assignment.id}", raw_many(
            ("SELECT u.unit_id, count(*), count(e.id), count(e.modules_completed_at), "
             f"sum(CASE WHEN {finished} THEN 1 ELSE 0 END) FROM users u "
             "LEFT JOIN enrollments e ON e.user_id = u.id AND e.course_id = :c "
             "WHERE u.instansi_id = :i AND u.active = :yes GROUP BY u.unit_id",
             {"i": instansi, "c": assignment.course_id, **rule}),
        )))
    campaign = demo_campaign(instansi_row)
    if campaign is not None:
        out.append(("pakta campaign", f"/pakta/kampanye/{campaign.id}", raw_many(
            ("SELECT u.unit_id, count(*), count(s.id) FROM users u LEFT JOIN pledge_signatures s "
             "ON s.user_id = u.id AND s.campaign_id = :c WHERE u.instansi_id = :i AND u.active "
             "GROUP BY u.unit_id", {"i": instansi, "c": campaign.id}),
        )))
    out.append(("people list", "/pegawai/", raw_many(
        # one page of 50 with their unit and activation state, the count, the SKPD filter's choices
        ("SELECT p.id, p.name, p.employee_number, p.employee_type, p.role, p.active, p.password_hash IS NULL, "
         "un.name FROM users p LEFT JOIN units un ON un.id = p.unit_id WHERE p.instansi_id = :i "
         "ORDER BY p.name, p.id LIMIT 50", {"i": instansi}),
        ("SELECT count(*) FROM users WHERE instansi_id = :i", {"i": instansi}),
        ("SELECT id, name FROM units WHERE instansi_id = :i AND parent_id IS NULL ORDER BY name", {"i": instansi}),
    )))
    db.session.rollback()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a scratch database (default: a temporary SQLite file)")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--no-seed", action="store_true",
                        help="measure a database a previous run seeded (give its --database-url; SQLite: a file)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    tmp = None
    url = args.database_url
    if not url:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/hr-pages-bench.db"
    elif "bench" not in (make_url(url).database or ""):
        sys.exit("refusing: the database name must contain 'bench' (every table is dropped)")
    app = make_app(url)
    with app.app_context():
        if args.no_seed:
            from elearn.accounts.models import Role, User
            from elearn.org.services import get_instansi

            instansi = get_instansi("kota-contoh")
            user_id = db.session.scalar(select(User.id).where(User.instansi_id == instansi.id,
                                                              User.role == Role.ADMIN_BKPSDM).order_by(User.id))
        else:
            fresh_schema(app)
            t = time.perf_counter()
            result = seed(args.people)
            print(f"seed total {time.perf_counter() - t:.1f} s")
            user_id = admin_id(result)
            instansi = result.instansi
        rows = cases(instansi)
        client = app.test_client()
        login(client, user_id)
        db.session.rollback()
        print(f"{args.requests} requests each; page and raw SQL: mean / p95 ms")
        worst = 0.0
        for label, url_, floor in rows:
            get(client, url_)  # first read warms caches for both
            floor()
            mean, p95 = timed(lambda u=url_: get(client, u), args.requests)
            rmean, rp95 = timed(floor, args.requests)
            ratio = mean / rmean if rmean else float("inf")
            worst = max(worst, ratio)
            flag = "ok" if mean < 100 and ratio <= 2 else "MISS"
            print(f"  {label:<34} {url_:<28} page {mean:7.1f} / {p95:7.1f}  raw {rmean:6.1f} / {rp95:6.1f}"
                  f"  {ratio:6.2f}x  {flag}")
        db.session.remove()
    db.get_engine(app).dispose()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
