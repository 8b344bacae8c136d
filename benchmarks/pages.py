"""Every main page under load, against the bare framework on the same stack, in one run (issue 14).

    apt-get install wrk                                         # the load generator
    .venv/bin/pip install -e '.[bench]'                         # gunicorn
    .venv/bin/python benchmarks/pages.py                        # SQLite (a temporary file, WAL)
    .venv/bin/python benchmarks/pages.py --database-url postgresql+psycopg://127.0.0.1/postgres
    .venv/bin/python benchmarks/pages.py --pages home,reader --duration 3     # a few pages, shorter

With ``--database-url`` (a PostgreSQL server; any database on it to connect to) a throwaway database
``elearn_pages_bench_<random>`` is created next to it and dropped at the end.

What runs:

1. Setup (this process, not measured): the schema, then ``seed-demo --people N`` (5,000 by default:
   the demo instansi with its courses, quizzes, assignments, pakta campaign, events and activity),
   committed; it ANALYZEs what it loaded, as the CLI does. ``--learners`` demo peserta (20 by
   default, one per wrk connection) get the bench password.
2. The floor: gunicorn ``-w 2 -k sync`` on 127.0.0.1 serving a bare Flask app on the same stack
   (same Python, same SQLAlchemy engine setup): ``/hello`` returns a word; ``/group`` runs one
   indexed GROUP BY of the same database (a person's enrollments per course, on its index) through a pooled
   connection. Loaded by ``wrk -t2 -c<connections>`` for ``--duration`` seconds each.
3. elearn, same gunicorn settings, production config (CSRF, limiter, secure headers; rate limits
   in Redis when it answers, as in production). Each learner signs in over HTTP, opens the course
   and starts the demo quiz; HR roles sign in too. Then wrk loads each page, every request carrying
   the cookie of the next learner in turn (20 people, not one warm session), for ``--duration``
   seconds. The answer POST alternates between two options, so every request saves a change.
4. Printed per page: req/s, p50/p95/p99 latency, gunicorn's CPU per request, the ratio to the hello
   floor and the target of issue 14 (learner pages >= 15 % of hello on SQLite and >= 10 % on
   PostgreSQL; /healthz >= 50 %). Non-2xx/3xx answers are counted and reported.

wrk shares the two cores with the server, for the floor as for the pages, so both carry the same
client overhead. The machine is noisy: compare ratios of one run, not req/s across runs.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# the pakta benchmark's helpers: gunicorn in a process group, an HTTP client with cookies, wrk
from pledge_signing import Client, Server, WrkResult, form_values, lua_string, make_database, run_wrk  # noqa: E402

PASSWORD = "sandi-bench-2029-halaman"
CHAIN_KEY = secrets.token_hex(32)
#: production signs Open Badges only with keys kept in a directory of their own (made by main())
KEY_DIR = ""

#: the targets of issue 14 (share of the hello floor's req/s)
LEARNER_TARGET = {"sqlite": 0.15, "postgresql": 0.10}
HEALTH_TARGET = 0.50


# --- the apps gunicorn serves (imported by the workers as ``pages:...``) ------------------------------


def elearn_app() -> Any:
    """elearn as in production (database and secret from ELEARN_* variables)."""
    from elearn import create_app

    from flask import render_template
    from flask_login import login_required
    from jinja2 import ChoiceLoader, DictLoader

    # every simulated learner signs in from 127.0.0.1 during the setup
    app = create_app({"LOGIN_LIMIT_PER_IP": "100000 per minute"})
    app.jinja_env.loader = ChoiceLoader([
        app.jinja_loader,  # type: ignore[list-item]
        DictLoader({"bench/floor.html": "{% extends 'base.html' %}{% block content %}<p>.</p>{% endblock %}"}),
    ])

    @app.get("/__bench/signed-in")
    @login_required
    def signed_in_floor():  # type: ignore[no-untyped-def]
        """The fixed cost of a signed-in page (diagnostic, this benchmark only): the session, the
        user's row, the layout with its menu, and no content."""
        return render_template("bench/floor.html")

    return app


def floor_app() -> Any:
    """The bare framework on the same stack: a word, and one indexed GROUP BY through the pool."""
    from flask import Flask, request
    from sqlalchemy import text

    from elearn.db import make_engine

    app = Flask(__name__)
    engine = make_engine(os.environ["ELEARN_DATABASE_URL"])
    query = text("SELECT course_id, count(*) FROM enrollments WHERE user_id = :u GROUP BY course_id")

    @app.get("/hello")
    def hello():  # type: ignore[no-untyped-def]
        return "hello"

    @app.get("/group")
    def group():  # type: ignore[no-untyped-def]
        with engine.connect() as conn:
            rows = conn.execute(query, {"u": int(request.args.get("u", "1"))}).all()
        return {str(status): count for status, count in rows}

    return app


# --- the database and the data ------------------------------------------------------------------


@dataclass
class Setup:
    learners: list[str]  # NIPs
    hr: dict[str, str]  # role -> NIP
    course: str
    module: str
    quiz: str
    campaign_id: int | None
    user_ids: list[int] = field(default_factory=list)


def setup_data(url: str, people: int, learners: int) -> Setup:
    """Schema and ``seed-demo``; returns who signs in and what they open."""
    from sqlalchemy import func, select, update

    from elearn import create_app
    from elearn.accounts.models import Role, User
    from elearn.auth.services import hash_password
    from elearn.courses.models import Course, CourseAssignment, CourseVersion
    from elearn.db import Base, db
    from elearn.demo.pledges import demo_campaign
    from elearn.demo.services import seed_demo
    from elearn.models import import_all_models

    import_all_models()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-setup", "ELEARN_ENV": "production",
                      "ALLOWED_HOSTS": "127.0.0.1", "PLEDGE_HMAC_KEY": CHAIN_KEY,
                      "CERTIFICATE_KEY_DIR": KEY_DIR})
    with app.app_context():
        engine = db.get_engine(app)
        Base.metadata.create_all(engine)
        started = time.perf_counter()
        result = seed_demo(people=people, password=PASSWORD)
        db.session.commit()
        print(f"seed-demo --people {people:,}: {result.people_count:,} people in "
              f"{time.perf_counter() - started:.0f} s ({engine.dialect.name})")
        instansi_id = result.instansi.id
        hr = {a.role.value: a.employee_number for a in result.accounts if a.role != Role.PESERTA}
        # the learners: active peserta of the instansi's first assigned course's audience, in NIP order
        assignment = db.session.scalars(select(CourseAssignment).where(CourseAssignment.instansi_id == instansi_id)
                                        .order_by(CourseAssignment.id)).first()
        course = db.session.get(Course, assignment.course_id)
        version = db.session.get(CourseVersion, course.published_version_id)
        module = version.modules[0].module.slug
        from elearn.courses.assignments import assigned_courses_for

        candidates = db.session.scalars(
            select(User).where(User.instansi_id == instansi_id, User.role == Role.PESERTA, User.active.is_(True))
            .order_by(func.random()).limit(learners * 20)).all()
        chosen = [u for u in candidates if any(c.id == course.id for c, _due in assigned_courses_for(u))][:learners]
        if len(chosen) < learners:
            raise SystemExit(f"only {len(chosen)} learners have the course {course.slug} assigned")
        password_hash = hash_password(PASSWORD)
        db.session.execute(update(User).where(User.id.in_([u.id for u in chosen]))
                           .values(password_hash=password_hash, failed_logins=0, locked_until=None))
        quizzes = result.quizzes.quizzes if result.quizzes is not None else []
        campaign = demo_campaign(result.instansi)
        setup = Setup(learners=[u.employee_number for u in chosen], hr=hr, course=course.slug, module=module,
                      quiz=quizzes[0].slug, campaign_id=campaign.id if campaign is not None else None,
                      user_ids=[u.id for u in chosen])
        db.session.commit()
        db.session.remove()
        engine.dispose()
    return setup


# --- signing in and preparing each learner's pages over HTTP --------------------------------------------


_TAKE = re.compile(r'/kuis/[^/"]+/percobaan/(\d+)(?:\?[^"]*)?"')
_SIGN = re.compile(r'href="(/pakta/\d+/tandatangani)"')
_OPTION = re.compile(r'<input type="radio" name="(options|answer)" value="([^"]+)"')


def signed_in(port: int, number: str) -> Client:
    client = Client(port)
    status, _h, page = client.request("GET", "/masuk")
    token = form_values(page).get("csrf_token", "")
    status, _h, _ = client.request("POST", "/masuk", {"csrf_token": token, "nip": number, "password": PASSWORD})
    if status != 302:
        raise SystemExit(f"sign-in of {number} answered {status}")
    return client


@dataclass
class Learner:
    cookie: str
    question: str | None  # the path of a choice question of an open attempt (?no=N)
    answer_bodies: list[str]  # two form bodies choosing different options
    sign: str | None  # the signing page of an open campaign not yet signed


def prepare_learner(port: int, number: str, setup: Setup) -> Learner:
    import urllib.parse

    client = signed_in(port, number)
    client.request("GET", f"/kursus/{setup.course}")  # enrolls
    status, _h, page = client.request("GET", f"/kuis/{setup.quiz}")
    attempt = _TAKE.search(page)
    if attempt is None:
        token = form_values(page).get("csrf_token", "")
        status, headers, _ = client.request("POST", f"/kuis/{setup.quiz}/mulai", {"csrf_token": token})
        attempt = _TAKE.search(headers.get("Location", "") + '"')
    question, bodies = None, []
    # (no attempt: this person may not start another one, e.g. the attempt limit is reached)
    base = f"/kuis/{setup.quiz}/percobaan/{attempt.group(1)}" if attempt else ""
    for no in range(1, 40 if attempt else 1):
        status, _h, page = client.request("GET", f"{base}?no={no}")
        if status != 200:
            break
        options = _OPTION.findall(page)
        if len({value for _name, value in options}) >= 2:
            token = form_values(page)["csrf_token"]
            question = f"{base}?no={no}"
            bodies = [urllib.parse.urlencode({"csrf_token": token, name: value}) for name, value in options[:2]]
            break
    status, _h, page = client.request("GET", "/pakta/")
    sign = _SIGN.search(page)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return Learner(cookie, question, bodies, sign.group(1) if sign else None)


# --- wrk scripts -------------------------------------------------------------------------------------------


def rotating_get(requests: list[tuple[str, str]]) -> str:
    """Each request the next (path, cookie) of the list, per wrk thread."""
    entries = ",\n".join(f"  {{{lua_string(path)}, {lua_string(cookie)}}}" for path, cookie in requests)
    return f"""
local entries = {{
{entries}
}}
local n = 0
function init(args) n = math.random(#entries) end
function request()
  n = n % #entries + 1
  local e = entries[n]
  return wrk.format("GET", e[1], {{["Cookie"] = e[2], ["User-Agent"] = "pages-bench/1 (Android 10; Mobile)"}})
end
"""


def rotating_post(requests: list[tuple[str, str, list[str]]], origin: str) -> str:
    """Each request the next (path, cookie) of the list, its body alternating between two."""
    entries = ",\n".join(
        f"  {{{lua_string(path)}, {lua_string(cookie)}, {lua_string(bodies[0])}, {lua_string(bodies[1])}}}"
        for path, cookie, bodies in requests)
    return f"""
local entries = {{
{entries}
}}
local n = 0
local turn = 0
function init(args) n = math.random(#entries) end
function request()
  n = n % #entries + 1
  if n == 1 then turn = 1 - turn end
  local e = entries[n]
  return wrk.format("POST", e[1], {{["Cookie"] = e[2], ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Referer"] = {lua_string(origin)} .. e[1], ["User-Agent"] = "pages-bench/1 (Android 10; Mobile)"}}, e[3 + turn])
end
"""


# --- the run -------------------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    result: WrkResult
    cpu_ms: float
    kind: str  # floor | learner | health | hr | diagnostic

    @property
    def rate(self) -> float:
        return self.result.requests / self.result.seconds


def load(server: Server, label: str, kind: str, script: str, path: str, args: argparse.Namespace) -> Row:
    cpu = server.cpu_seconds()
    result = run_wrk(server.port, path, script, args.connections, args.duration)
    cpu = server.cpu_seconds() - cpu
    row = Row(label, result, 1000 * cpu / max(result.requests, 1), kind)
    errors = {k: v for k, v in result.errors.items() if v}
    print(f"  {label:<34} {row.rate:8.0f} req/s   {result.line()}   cpu {row.cpu_ms:5.2f} ms/req"
          + (f"   ERRORS {errors}" if errors else ""), flush=True)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server (default: a temporary SQLite file)")
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pages", help="comma-separated labels to run (default: all)")
    parser.add_argument("--ratelimit-storage", default="redis://127.0.0.1:6379/15",
                        help="the rate limits' storage, as in production (memory:// when Redis does not answer)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    from pledge_signing import redis_answers

    global KEY_DIR
    KEY_DIR = tempfile.mkdtemp(prefix="pages-bench-keys-")
    database = make_database(args.database_url, "pages")
    dialect = "postgresql" if args.database_url else "sqlite"
    storage = args.ratelimit_storage
    env = {"ELEARN_RATELIMIT_STORAGE_URI": storage} if not storage.startswith("redis") or redis_answers(storage) else {}
    servers: list[Server] = []
    try:
        setup = setup_data(database.url, args.people, args.learners)
        rows: list[Row] = []
        wanted = set(args.pages.split(",")) if args.pages else None

        def want(label: str) -> bool:
            return wanted is None or label.split(" ")[0] in wanted

        print(f"\nfloor: bare Flask on gunicorn -w {args.workers} sync, wrk -t2 -c{args.connections} "
              f"-d{args.duration:g}s ({dialect})")
        floor = Server("pages:floor_app()", database.url, args.workers, env)
        servers.append(floor)
        hello = load(floor, "hello", "floor", "", "/hello", args)
        rows.append(hello)
        rows.append(load(floor, "group (one indexed GROUP BY)", "floor", "", f"/group?u={setup.user_ids[0]}", args))
        floor.stop()

        print(f"\nelearn: production config, gunicorn -w {args.workers} sync, {len(setup.learners)} learners in turn")
        app = Server("pages:elearn_app()", database.url, args.workers,
                     {**env, "ELEARN_PLEDGE_HMAC_KEY": CHAIN_KEY, "ELEARN_CERTIFICATE_KEY_DIR": KEY_DIR})
        servers.append(app)
        learners = [prepare_learner(app.port, number, setup) for number in setup.learners]
        print(f"  {sum(1 for le in learners if le.question)} of them with a quiz attempt open, "
              f"{sum(1 for le in learners if le.sign)} with a pakta to sign")
        hr_cookies = {}
        for role, number in setup.hr.items():
            client = signed_in(app.port, number)
            hr_cookies[role] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        reader = f"/kursus/{setup.course}/modul/{setup.module}?bagian=1"
        learner_pages: list[tuple[str, list[tuple[str, str]]]] = [
            ("home /", [("/", le.cookie) for le in learners]),
            ("courses /kursus/", [("/kursus/", le.cookie) for le in learners]),
            ("course /kursus/<slug>", [(f"/kursus/{setup.course}", le.cookie) for le in learners]),
            ("reader /kursus/<slug>/modul/<m>", [(reader, le.cookie) for le in learners]),
            ("quizzes /kuis/", [("/kuis/", le.cookie) for le in learners]),
            ("question /kuis/<slug>/percobaan/<id>", [(le.question, le.cookie) for le in learners if le.question]),
            ("pledges /pakta/", [("/pakta/", le.cookie) for le in learners]),
            ("sign /pakta/<id>/tandatangani", [(le.sign, le.cookie) for le in learners if le.sign]),
            ("certificates /sertifikat/", [("/sertifikat/", le.cookie) for le in learners]),
        ]
        if want("health"):
            rows.append(load(app, "health /healthz", "health", "", "/healthz", args))
        if want("signed-in"):
            rows.append(load(app, "signed-in floor (layout, no content)", "diagnostic",
                             rotating_get([("/__bench/signed-in", le.cookie) for le in learners]),
                             "/__bench/signed-in", args))
        for label, requests in learner_pages:
            if want(label) and requests:
                rows.append(load(app, label, "learner", rotating_get(requests), requests[0][0], args))
        origin = f"http://127.0.0.1:{app.port}"
        posts: list[tuple[str, str, list[str]]] = []
        if want("answer"):
            posts = [(le.question, le.cookie, le.answer_bodies) for le in learners if le.question]
        if want("answer") and posts:
            rows.append(load(app, "answer POST /kuis/.../percobaan/<id>", "learner",
                             rotating_post(posts, origin), posts[0][0], args))
        admin = hr_cookies.get("admin_bkpsdm")
        hr_pages = [("hr-home / (admin)", "/"), ("hr-rekap /rekap/", "/rekap/"), ("hr-people /pegawai/", "/pegawai/"),
                    ("hr-assignments /penugasan/", "/penugasan/"),
                    ("hr-analysis /analisis/kuis/<slug>", f"/analisis/kuis/{setup.quiz}")]
        if setup.campaign_id is not None:
            hr_pages.append(("hr-campaign /pakta/kampanye/<id>", f"/pakta/kampanye/{setup.campaign_id}"))
        for label, path in hr_pages:
            if admin and want(label):
                rows.append(load(app, label, "hr", rotating_get([(path, admin)]), path, args))
        app.stop()
        summary(rows, hello, dialect)
    finally:
        for server in servers:
            server.stop()
        database.cleanup()
        shutil.rmtree(KEY_DIR, ignore_errors=True)
    return 0


def summary(rows: list[Row], hello: Row, dialect: str) -> None:
    target = LEARNER_TARGET[dialect]
    print(f"\n{'page':<40} {'req/s':>8} {'% hello':>8} {'target':>7} {'p95 ms':>7} {'p99 ms':>7} {'cpu ms':>7}")
    for row in rows:
        share = row.rate / hello.rate
        goal = {"learner": target, "health": HEALTH_TARGET}.get(row.kind)
        verdict = "" if goal is None else ("  ok" if share >= goal else "  BELOW")
        goal_text = f"{goal:.0%}" if goal is not None else ""
        print(f"{row.label:<40} {row.rate:8.0f} {share:8.1%} {goal_text:>7} {row.result.latency_ms[95]:7.0f} "
              f"{row.result.latency_ms[99]:7.0f} {row.cpu_ms:7.2f}{verdict}")


if __name__ == "__main__":
    sys.exit(main())
