"""Pakta integritas signing speed: the real signing endpoint under gunicorn against a plain
single-row insert endpoint, measured in the same run on the same database (issue 5, point 6).

    apt-get install wrk                                                  # the load generator
    .venv/bin/pip install -e '.[bench]'                                  # gunicorn
    .venv/bin/python benchmarks/pledge_signing.py                        # SQLite (temporary file, WAL)
    .venv/bin/python benchmarks/pledge_signing.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres

With ``--database-url`` (a PostgreSQL server, any database on it to connect to) the benchmark
creates a throwaway database ``elearn_pledge_bench_<random>`` next to it and drops it at the end.
Rate limits are kept in Redis (``--ratelimit-storage``, default redis://127.0.0.1:6379/15 when it
answers, else memory://), as in production.

What runs:

1. Setup (in this process, not measured): the schema (``create_all``, with the immutability
   triggers), an instansi with SKPDs and units, ``--people`` people sharing ONE password hash made
   with the app's production argon2 settings, the shipped pakta text and open campaigns (same place
   and dates, so a person's text, and its hash, is the same in each).
2. The baseline: gunicorn ``-w 2 -k sync`` on 127.0.0.1 serving a bare Flask app whose one POST
   endpoint inserts one row into a scratch table of the same database (same engine setup as
   elearn: SQLite WAL + synchronous=NORMAL + busy_timeout, or psycopg) and commits, loaded by
   ``wrk -t2 -c<signers>`` for ``--duration`` seconds (the way the floor in ../shared/libraries.md
   was measured).
3. The signing endpoint, same gunicorn settings, ``create_app()`` in production mode (CSRF on,
   limiter on). Every person signs in (argon2, not measured), opens the signing page once (the
   CSRF token and the hash of their text) and signs the warm-up campaign. Then wrk with the same
   connections and duration POSTs signatures exactly as the browser does right after signing in
   (no password again inside the recent-authentication window; a drawn ~17 KB PNG as a data URL;
   the consent tick), each request a different (person, campaign), campaign by campaign as in an
   apel. Signatures/s = answered requests / duration, checked against the records added.
4. The stack's floor for such a request: the same people POST the same body to the language switch
   (``/bahasa``: CSRF check, form parsing, session, redirect and nothing else).
5. An apel with ``--signers`` phones (Python threads): each opens the signing page, reads and
   draws for 2-8 s, then submits: latency of the page and of the submit as people feel them.
6. ``flask --app elearn pledges verify`` on the result (exit code 0 = every chain intact).

Printed: inserts/s and signatures/s with p50/p95/p99 latency, the ratio (target >= 40 %), the
POST p95 at ``--signers`` concurrent signers (target < 300 ms), gunicorn's CPU per request, and
the apel latencies. wrk runs on the same 2 cores as the server, for the baseline as for the
signing, so both rates carry the same client overhead.
"""
from __future__ import annotations

import argparse
import base64
import http.client
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

PASSWORD = "sandi-bench-2029-apel"
SCRATCH_TABLE = "bench_scratch_inserts"
#: the pakta chain key of this run (production requires one; setup, servers and verify share it)
CHAIN_KEY = secrets.token_hex(32)


# --- the apps gunicorn serves (imported by the workers as ``pledge_signing:...``) ----------------------


def signing_app() -> Any:
    """elearn as in production (database and secret from ELEARN_* variables)."""
    from elearn import create_app

    # every simulated signer signs in from 127.0.0.1: the per-IP sign-in limit would stop the
    # setup after 20 sign-ins a minute. Signing requests are limited only on wrong passwords.
    return create_app({"LOGIN_LIMIT_PER_IP": "100000 per minute"})


def baseline_app() -> Any:
    """A bare Flask app: POST /insert adds one row to the scratch table and commits."""
    from flask import Flask
    from sqlalchemy import Column, Integer, MetaData, String, Table, insert

    from elearn.db import make_engine

    app = Flask(__name__)
    engine = make_engine(os.environ["ELEARN_DATABASE_URL"])
    table = Table(SCRATCH_TABLE, MetaData(), Column("id", Integer, primary_key=True), Column("note", String(64)))

    @app.post("/insert")
    def insert_one():  # type: ignore[no-untyped-def]
        from flask import request

        with engine.begin() as conn:
            conn.execute(insert(table).values(note=request.form.get("note", "")[:64]))
        return "ok", 201

    return app


# --- setup ----------------------------------------------------------------------------------------------


@dataclass
class Database:
    url: str
    cleanup: Any


def make_database(server_url: str | None, name: str = "pledge") -> Database:
    """A throwaway database: a SQLite file in a temporary folder, or ``elearn_<name>_bench_<random>``
    created on the PostgreSQL server ``server_url`` (dropped by ``cleanup``)."""
    if server_url is None:
        folder = tempfile.mkdtemp(prefix=f"{name}-bench-")
        return Database(f"sqlite:///{folder}/bench.db", lambda: shutil.rmtree(folder, ignore_errors=True))
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(server_url)
    name = f"elearn_{name}_bench_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return Database(server.set(database=name).render_as_string(hide_password=False), drop)


def setup_data(url: str, signers: int, campaigns: int) -> tuple[list[str], list[int]]:
    """Schema, people and campaigns; returns the signers' NIPs and the campaign ids."""
    import datetime as dt

    from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

    from elearn import create_app
    from elearn.accounts.models import EmployeeType, JenisJabatan, Role, User
    from elearn.auth.services import hash_password
    from elearn.content.pledges import load_shipped_pledges
    from elearn.db import Base, db
    from elearn.models import import_all_models
    from elearn.org.services import create_instansi, create_unit
    from elearn.pledges import services
    from elearn.pledges.models import Campaign, ElectionType

    import_all_models()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-setup", "ELEARN_ENV": "production",
                      "ALLOWED_HOSTS": "127.0.0.1", "PLEDGE_HMAC_KEY": CHAIN_KEY})
    with app.app_context():
        engine = db.get_engine(app)
        Base.metadata.create_all(engine)
        Table(SCRATCH_TABLE, MetaData(), Column("id", Integer, primary_key=True),
              Column("note", String(64))).create(engine)
        # production cost: the app's own hash_password with the default (OWASP minimum) settings
        assert app.config["ARGON2_TIME_COST"] == 2 and app.config["ARGON2_MEMORY_COST"] == 19456
        password_hash = hash_password(PASSWORD)
        instansi = create_instansi("kota-bench", "Pemerintah Kota Bench", "WIB")
        skpds = [create_unit(instansi, f"Dinas Bench {n}") for n in range(1, 6)]
        units = [create_unit(instansi, f"UPT Bench {s.id}-{k}", s) for s in skpds for k in (1, 2)]
        rows = []
        for i in range(signers):
            unit = (skpds + units)[i % (len(skpds) + len(units))]
            rows.append({
                "instansi_id": instansi.id, "unit_id": unit.id,
                # NIP: birth date (one per person), TMT 2005-01, male, sequence 001
                "employee_number": f"{dt.date(1980, 1, 1) + dt.timedelta(days=i):%Y%m%d}2005011001",
                "employee_type": EmployeeType.PNS, "name": f"Pegawai Bench {i + 1:03d}", "golongan": "III/b",
                "jabatan": "Analis Kebijakan", "jenis_jabatan": JenisJabatan.FUNGSIONAL, "role": Role.PESERTA,
                "active": True, "password_hash": password_hash, "is_kepala_wilayah": False,
                "failed_logins": 0, "session_version": 1,
            })
        db.session.execute(insert(User.__table__), rows)
        problem = load_shipped_pledges()
        if problem:
            raise SystemExit(problem)
        version = services.current_pledge_version("pakta-netralitas")
        assert version is not None
        today = services.local_date(instansi)
        for n in range(1, campaigns + 1):
            services.create_campaign(
                instansi, slug=f"pemilu-bench-{n}", name=f"Pemilu Bench {n}", election_type=ElectionType.PEMILU,
                pledge_version=version, place="Kota Bench", opens_on=today - dt.timedelta(days=1),
                closes_on=today + dt.timedelta(days=1), actor=None,
            )
        db.session.commit()
        campaign_ids = list(db.session.scalars(select(Campaign.id).order_by(Campaign.id)))
        numbers = [r["employee_number"] for r in rows]
        db.session.remove()
        engine.dispose()
    return numbers, campaign_ids


def signature_data_url(seed: int = 7) -> str:
    """A drawn signature like signature_pad's at a phone's width (~17 KB PNG)."""
    from elearn.demo.pledges import scribble_png

    png = scribble_png(random.Random(seed), width=800, height=260)
    return "data:image/png;base64," + base64.b64encode(png).decode()


# --- gunicorn ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, app_spec: str, url: str, workers: int, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        env = {**os.environ, "ELEARN_DATABASE_URL": url, "ELEARN_SECRET_KEY": secrets.token_hex(32),
               "ELEARN_ENV": "production", "ELEARN_ALLOWED_HOSTS": "127.0.0.1", "PYTHONPATH": str(ROOT),
               "ELEARN_PLEDGE_HMAC_KEY": CHAIN_KEY}
        env.pop("ELEARN_RATELIMIT_STORAGE_URI", None)
        env.update(extra_env or {})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{self.port}",
             "--chdir", str(BENCH_DIR), "--log-level", "warning", app_spec],
            env=env, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    time.sleep(1.0)  # let every worker boot
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"gunicorn exited with {self.process.returncode}") from None
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by gunicorn's processes (its process group): the
        server's own cost, whatever else the machine is running."""
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # pgrp
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# --- the client ---------------------------------------------------------------------------------------------


_INPUT = re.compile(r"<input\b[^>]*>")
_NAME = re.compile(r'\bname="([^"]*)"')
_VALUE = re.compile(r'\bvalue="([^"]*)"')


def form_values(html: str) -> dict[str, str]:
    """name -> value of the page's <input> elements (regular expressions: the client shares the
    server's cores, so it must stay cheap)."""
    values: dict[str, str] = {}
    for tag in _INPUT.findall(html):
        name, value = _NAME.search(tag), _VALUE.search(tag)
        if name:
            values.setdefault(name.group(1), unescape(value.group(1)) if value else "")
    return values


class Client:
    """One signer's browser: its own cookies, a new connection per request (gunicorn's sync
    workers close every connection)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "pledge-bench/1 (Android; Mobile)"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            # bytes: http.client then sends headers and body in one write (no Nagle/delayed-ACK stall)
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        try:
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(value)
                for key, morsel in jar.items():
                    self.cookies[key] = morsel.value
            return response.status, dict(response.headers.items()), text
        finally:
            conn.close()

    def sign_in(self, number: str) -> None:
        status, _h, page = self.request("GET", "/masuk")
        token = form_values(page).get("csrf_token", "")
        status, headers, _ = self.request("POST", "/masuk", {"csrf_token": token, "nip": number, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"sign-in of {number} answered {status}")


@dataclass
class Timings:
    get: list[float] = field(default_factory=list)
    post: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def sign_once(client: Client, campaign_id: int, data_url: str, timings: Timings | None,
              think: float = 0.0) -> bool:
    """GET the signing page, wait ``think`` seconds (reading, drawing), POST the signature."""
    path = f"/pakta/{campaign_id}/tandatangani"
    started = time.perf_counter()
    status, _h, page = client.request("GET", path)
    values = form_values(page)
    if status != 200 or "text_hash" not in values:
        if timings is not None:
            timings.failures.append(f"GET {path}: {status}")
        return False
    if think:
        time.sleep(think)
    got = time.perf_counter()
    status, headers, body = client.request("POST", path, {
        "csrf_token": values.get("csrf_token", ""), "text_hash": values["text_hash"], "method": "drawn",
        "signature_data": data_url, "signature_strokes": "", "typed_name": "", "password": "",
        "consent": "y",
    })
    done = time.perf_counter()
    ok = status == 302 and "/bukti" in headers.get("Location", "")
    if timings is not None:
        timings.get.append(got - started - think)
        timings.post.append(done - got)
        if not ok:
            timings.failures.append(f"POST {path}: {status} {body[:200]!r}")
    return ok


def run_threads(count: int, target: Any) -> float:
    """Start ``count`` threads on ``target(i, barrier)``; returns the wall time from the barrier."""
    barrier = threading.Barrier(count + 1)
    threads = [threading.Thread(target=target, args=(i, barrier)) for i in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def ms(values: list[float]) -> str:
    return (f"p50 {1000 * percentile(values, 50):6.0f} ms   p95 {1000 * percentile(values, 95):6.0f} ms   "
            f"p99 {1000 * percentile(values, 99):6.0f} ms")


def report(label: str, signatures: int, wall: float, timings: list[Timings]) -> None:
    posts = [x for t in timings for x in t.post]
    gets = [x for t in timings for x in t.get]
    failures = [f for t in timings for f in t.failures]
    print(f"  {label}: {signatures} signatures in {wall:.1f} s; {len(failures)} failures")
    print(f"    GET  /pakta/<id>/tandatangani   {ms(gets)}")
    print(f"    POST /pakta/<id>/tandatangani   {ms(posts)}")
    for failure in failures[:5]:
        print("    failure:", failure)


# --- wrk ------------------------------------------------------------------------------------------------

WRK_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout))
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("WRK_LATENCY %d %d\\n", p, latency:percentile(p)))
  end
end
"""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: dict[str, int]
    latency_ms: dict[int, float]

    def line(self) -> str:
        return (f"p50 {self.latency_ms[50]:6.0f} ms   p95 {self.latency_ms[95]:6.0f} ms   "
                f"p99 {self.latency_ms[99]:6.0f} ms")


def lua_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def run_wrk(port: int, path: str, script: str, connections: int, seconds: float) -> WrkResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script + WRK_DONE)
        script_path = fh.name
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s", "-s", script_path,
             f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True,
        ).stdout
    finally:
        os.unlink(script_path)
    result = re.search(r"^WRK_RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", out, re.M)
    if result is None:
        raise SystemExit("wrk printed no result:\n" + out)
    numbers = [int(x) for x in result.groups()]
    latency = {int(p): int(us) / 1000 for p, us in re.findall(r"^WRK_LATENCY (\d+) (\d+)$", out, re.M)}
    errors = dict(zip(("connect", "read", "write", "status", "timeout"), numbers[2:], strict=True))
    return WrkResult(numbers[0], numbers[1] / 1e6, errors, latency)


def baseline_script() -> str:
    return """
wrk.method = "POST"
wrk.body = "note=wrk"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
"""


def floor_script(port: int, people: list[dict[str, str]], data_url: str) -> str:
    """The stack's floor for this request: the same signed-in people POST the same body (CSRF token,
    ~23 KB form) to the language switch, which checks the token, parses the form, saves the session
    and redirects, and does nothing else."""
    return signing_script(port, people, [0], data_url, path='"/bahasa"')


#: the signing page of the campaign of pair ``i`` (a Lua expression)
SIGNING_PATH = '"/pakta/" .. campaigns[math.floor(i / #people) + 1] .. "/tandatangani"'


def signing_script(port: int, people: list[dict[str, str]], campaign_ids: list[int], data_url: str,
                   path: str = SIGNING_PATH) -> str:
    """Each request a different (person, campaign): person by person within a campaign, campaign
    after campaign; wrk's two threads take alternate pairs. Past the last pair it starts again
    (those would be double submits: the caller checks the records added against the requests)."""
    rows = ",\n".join(
        "{" + f"cookie={lua_string(p['cookie'])}, tail={lua_string(p['tail'])}" + "}" for p in people)
    fields = urllib.parse.urlencode({"method": "drawn", "signature_strokes": "", "typed_name": "", "password": "",
                                     "consent": "y", "signature_data": data_url})
    return f"""
local people = {{
{rows}
}}
local campaigns = {{{", ".join(str(c) for c in campaign_ids)}}}
local body_head = {lua_string(fields)}
local origin = "http://127.0.0.1:{port}"
local total = #people * #campaigns
local counter = 0
local thread_count = 0
tid = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
end

function request()
  local i = (tid + counter * 2) % total
  counter = counter + 1
  local person = people[(i % #people) + 1]
  local path = {path}
  local headers = {{}}
  headers["Cookie"] = person.cookie
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["Referer"] = origin .. path
  headers["User-Agent"] = "pledge-bench/2 (Android; Mobile)"
  return wrk.format("POST", path, headers, body_head .. person.tail)
end
"""


def count_signatures(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM pledge_signatures")).scalar_one())
    finally:
        engine.dispose()


def redis_answers(uri: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(uri, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means: not available
        return False


# --- main ---------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a throwaway database is made on it)")
    parser.add_argument("--signers", type=int, default=50, help="concurrent signers (wrk connections, apel phones)")
    parser.add_argument("--people", type=int, default=200, help="people who sign (distinct signers)")
    parser.add_argument("--campaigns", type=int, default=40, help="campaigns wrk signs (people x campaigns pairs)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of each wrk run")
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 8.0), metavar=("MIN", "MAX"),
                        help="seconds between opening the page and submitting, in the apel")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--ratelimit-storage", default=None,
                        help="Flask-Limiter storage URI (default: redis://127.0.0.1:6379/15 if it answers)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    storage = args.ratelimit_storage or (
        "redis://127.0.0.1:6379/15" if redis_answers("redis://127.0.0.1:6379/15") else "memory://")

    database = make_database(args.database_url)
    kind = "PostgreSQL" if args.database_url else "SQLite"
    people_count = max(args.people, args.signers)
    try:
        print(f"{kind}: setting up {people_count} people and {args.campaigns + 2} campaigns ...", flush=True)
        numbers, campaign_ids = setup_data(database.url, people_count, args.campaigns + 2)
        warm_up, wrk_campaigns, apel = campaign_ids[0], campaign_ids[1:-1], campaign_ids[-1]
        data_url = signature_data_url()
        print(f"  drawn signature PNG: {len(base64.b64decode(data_url.split(',', 1)[1])) / 1024:.1f} KB; "
              f"rate limits in {storage}", flush=True)

        # --- the baseline ---
        server = Server("pledge_signing:baseline_app()", database.url, args.workers)
        try:
            cpu_before = server.cpu_seconds()
            baseline = run_wrk(server.port, "/insert", baseline_script(), args.signers, args.duration)
            baseline_cpu = server.cpu_seconds() - cpu_before
        finally:
            server.stop()
        baseline_rate = baseline.requests / baseline.seconds

        # --- signing ---
        server = Server("pledge_signing:signing_app()", database.url, args.workers,
                        {"ELEARN_RATELIMIT_STORAGE_URI": storage})
        try:
            clients = [Client(server.port) for _ in numbers]
            people: list[dict[str, str]] = []
            for client, number in zip(clients, numbers, strict=True):
                client.sign_in(number)  # one at a time: sign-in is not what is measured here
                status, _h, page = client.request("GET", f"/pakta/{warm_up}/tandatangani")
                values = form_values(page)
                if status != 200 or "text_hash" not in values:
                    raise SystemExit(f"signing page of {number}: {status}")
                if not sign_once(client, warm_up, data_url, None):
                    raise SystemExit(f"warm-up signature of {number} failed")
                people.append({
                    "cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items()),
                    "tail": "&" + urllib.parse.urlencode({"csrf_token": values["csrf_token"],
                                                          "text_hash": values["text_hash"]}),
                })
            before = count_signatures(database.url)
            cpu_before = server.cpu_seconds()
            signing = run_wrk(server.port, "/", signing_script(server.port, people, wrk_campaigns, data_url),
                              args.signers, args.duration)
            signing_cpu = server.cpu_seconds() - cpu_before
            added = count_signatures(database.url) - before
            floor = run_wrk(server.port, "/", floor_script(server.port, people, data_url), args.signers,
                            args.duration)

            # --- the apel: phones that read and draw before submitting ---
            apel_timings = [Timings() for _ in range(args.signers)]
            rng = random.Random(2029)
            pauses = [rng.uniform(*args.think) for _ in range(args.signers)]

            def apel_phone(i: int, barrier: threading.Barrier) -> None:
                barrier.wait()
                sign_once(clients[i], apel, data_url, apel_timings[i], think=pauses[i])

            wall_apel = run_threads(args.signers, apel_phone)
        finally:
            server.stop()

        # wrk counts the answers it read before its deadline; requests still in flight then are
        # recorded too (at most one per connection)
        signing_rate = signing.requests / signing.seconds
        anomaly = not signing.requests <= added <= signing.requests + args.signers
        print(f"\n{kind}, gunicorn -w {args.workers} -k sync on 127.0.0.1, wrk -t2 -c{args.signers}, "
              f"{args.duration:g} s each")
        print(f"  baseline, one-row insert : {baseline_rate:8.1f} inserts/s    ({baseline.requests} requests, "
              f"errors {sum(baseline.errors.values())})   {baseline.line()}")
        print(f"  signing endpoint (POST)  : {signing_rate:8.1f} signatures/s ({signing.requests} answered, {added} "
              f"records, errors {sum(signing.errors.values())})   {signing.line()}")
        if anomaly:
            print(f"    records added ({added}) do not match the answered requests ({signing.requests}): refusals, or "
                  f"double submits past the last (person, campaign) pair (raise --campaigns)")
        print(f"  stack floor (same POST to /bahasa: CSRF, form, session, redirect only): "
              f"{floor.requests / floor.seconds:8.1f} requests/s = {100 * floor.requests / floor.seconds / baseline_rate:.1f} % "
              f"of the insert rate   {floor.line()}")
        print(f"  ratio signatures/s : inserts/s = {100 * signing_rate / baseline_rate:.1f} % (target >= 40 %)")
        print(f"  POST p95 {signing.latency_ms[95]:.0f} ms at {args.signers} concurrent signers (target < 300 ms)")
        print(f"  gunicorn CPU: {1000 * baseline_cpu / max(baseline.requests, 1):.2f} ms per insert, "
              f"{1000 * signing_cpu / max(signing.requests, 1):.2f} ms per signature"
              f"{'' if kind == 'SQLite' else ' (PostgreSQL backends not counted)'}")
        report(f"apel: {args.signers} phones, {args.think[0]:g}-{args.think[1]:g} s reading and drawing before "
               f"submitting", sum(len(t.post) for t in apel_timings), wall_apel, apel_timings)
        failures = [f for t in apel_timings for f in t.failures]

        # --- the chain ---
        env = {**os.environ, "ELEARN_DATABASE_URL": database.url, "ELEARN_SECRET_KEY": "bench-verify",
               "ELEARN_ENV": "production", "ELEARN_ALLOWED_HOSTS": "127.0.0.1", "ELEARN_PLEDGE_HMAC_KEY": CHAIN_KEY}
        verify = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "elearn", "pledges", "verify"],
                                env=env, cwd=ROOT, capture_output=True, text=True)
        print(f"\nflask --app elearn pledges verify (exit {verify.returncode}):")
        print("  " + (verify.stdout + verify.stderr).strip().replace("\n", "\n  "))
        ok = verify.returncode == 0 and not failures and not anomaly and not sum(signing.errors.values())
        return 0 if ok else 1
    finally:
        database.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
