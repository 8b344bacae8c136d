"""Pakta integritas signing speed: the real signing endpoint under gunicorn against a plain
single-row insert endpoint, measured in the same run on the same database (issue 5, point 6).

    .venv/bin/pip install -e '.[bench]'                                  # gunicorn
    .venv/bin/python benchmarks/pledge_signing.py                        # SQLite (temporary file, WAL)
    .venv/bin/python benchmarks/pledge_signing.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres

With ``--database-url`` (a PostgreSQL server, any database on it to connect to) the benchmark
creates a throwaway database ``elearn_pledge_bench_<random>`` next to it and drops it at the end.

What runs:

1. Setup (in this process, not measured): the schema (``create_all``, with the immutability
   triggers), an instansi with SKPDs and units, ``--signers`` people sharing ONE password hash made
   with the app's production argon2 settings (argon2id t=2, m=19456 KiB, p=1: every signing request
   verifies it at full cost), the shipped pakta text and ``--campaigns`` open campaigns.
2. gunicorn ``-w 2 -k sync`` on 127.0.0.1 serving ``create_app()`` in production mode (CSRF on,
   limiter on; the per-IP sign-in limit is raised because every simulated signer signs in from
   127.0.0.1). ``--signers`` threads, each with its own HTTP session (cookie jar), sign in first
   (not measured) and sign campaign 1 (warm-up). Then, measured, each signer signs every other
   campaign in turn exactly as a browser does: GET ``/pakta/<id>/tandatangani`` (CSRF token and
   the hash of the text shown), then POST with the password, a drawn PNG (~17 KB, as a data URL)
   and the consent tick; a 302 to the receipt is a signature.
3. The baseline: gunicorn with the same settings serving a bare Flask app whose one POST endpoint
   inserts one row into a scratch table of the same database (same engine setup as elearn:
   SQLite WAL + synchronous=NORMAL + busy_timeout, or psycopg) and commits; the same number of
   threads POST to it, ``--baseline-requests`` each.
4. ``flask --app elearn pledges verify`` on the result (exit code 0 = every chain intact).

Printed: signatures/s (whole GET + POST journeys, i.e. what an apel needs from the server), the
signing POST alone as requests/s of its own time share, the baseline inserts/s, the ratio
(target >= 40 %), and p50/p95/p99 latency of the signing POST and of the form GET (target: POST
p95 < 300 ms at 50 concurrent signers). Closed loop, no think time: every signer sends its next
request as soon as the previous one is answered. The client threads run on the same 2 cores as
the server, for the baseline as for the signing, so both rates carry the same client overhead.
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
import statistics
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


def make_database(server_url: str | None) -> Database:
    if server_url is None:
        folder = tempfile.mkdtemp(prefix="pledge-bench-")
        return Database(f"sqlite:///{folder}/bench.db", lambda: shutil.rmtree(folder, ignore_errors=True))
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(server_url)
    name = f"elearn_pledge_bench_{secrets.token_hex(4)}"
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
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-setup", "ELEARN_ENV": "production"})
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
    def __init__(self, app_spec: str, url: str, workers: int) -> None:
        self.port = free_port()
        env = {**os.environ, "ELEARN_DATABASE_URL": url, "ELEARN_SECRET_KEY": secrets.token_hex(32),
               "ELEARN_ENV": "production", "PYTHONPATH": str(ROOT)}
        env.pop("ELEARN_RATELIMIT_STORAGE_URI", None)
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
        "signature_data": data_url, "signature_strokes": "", "typed_name": "", "password": PASSWORD,
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


# --- main ---------------------------------------------------------------------------------------------------


def report(label: str, signatures: int, wall: float, timings: list[Timings]) -> list[float]:
    posts = [x for t in timings for x in t.post]
    gets = [x for t in timings for x in t.get]
    failures = [f for t in timings for f in t.failures]
    print(f"  {label}: {signatures / wall:8.1f} signatures/s ({signatures} in {wall:.1f} s; {len(failures)} failures)")
    print(f"    POST /pakta/<id>/tandatangani   {ms(posts)}")
    print(f"    GET  /pakta/<id>/tandatangani   {ms(gets)}")
    for failure in failures[:5]:
        print("    failure:", failure)
    return posts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a throwaway database is made on it)")
    parser.add_argument("--signers", type=int, default=50, help="concurrent signers (threads)")
    parser.add_argument("--rounds", type=int, default=10,
                        help="stress rounds: campaigns every signer signs back to back (closed loop)")
    parser.add_argument("--apel-rounds", type=int, default=2,
                        help="apel rounds: campaigns signed with a pause between opening the page and submitting")
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 8.0), metavar=("MIN", "MAX"),
                        help="seconds between GET and POST in the apel rounds (reading and drawing)")
    parser.add_argument("--baseline-requests", type=int, default=60, help="inserts per thread for the baseline")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    args = parser.parse_args()

    database = make_database(args.database_url)
    kind = "PostgreSQL" if args.database_url else "SQLite"
    campaigns = 1 + args.rounds + args.apel_rounds
    try:
        print(f"{kind}: setting up {args.signers} signers and {campaigns} campaigns ...", flush=True)
        numbers, campaign_ids = setup_data(database.url, args.signers, campaigns)
        warm_up, stress, apel = campaign_ids[0], campaign_ids[1:1 + args.rounds], campaign_ids[1 + args.rounds:]
        data_url = signature_data_url()
        print(f"  drawn signature PNG: {len(base64.b64decode(data_url.split(',', 1)[1])) / 1024:.1f} KB", flush=True)

        # --- the baseline ---
        server = Server("pledge_signing:baseline_app()", database.url, args.workers)
        try:
            latencies: list[list[float]] = [[] for _ in range(args.signers)]
            errors: list[str] = []

            def insert_loop(i: int, barrier: threading.Barrier) -> None:
                client = Client(server.port)
                barrier.wait()
                for n in range(args.baseline_requests):
                    started = time.perf_counter()
                    status, _h, _b = client.request("POST", "/insert", {"note": f"t{i}-{n}"})
                    latencies[i].append(time.perf_counter() - started)
                    if status != 201:
                        errors.append(str(status))

            cpu_before = server.cpu_seconds()
            wall = run_threads(args.signers, insert_loop)
            baseline_cpu = server.cpu_seconds() - cpu_before
        finally:
            server.stop()
        inserts = args.signers * args.baseline_requests - len(errors)
        baseline_rate = inserts / wall

        # --- signing ---
        server = Server("pledge_signing:signing_app()", database.url, args.workers)
        try:
            clients = [Client(server.port) for _ in numbers]
            # sign-ins one after the other: concurrent sign-ins on SQLite can fail with "database is
            # locked" (the sign-in reads the account, verifies the password, then writes last_login_at
            # in the same deferred transaction)
            for client, number in zip(clients, numbers, strict=True):
                client.sign_in(number)
            setup_errors: list[str] = []

            def prepare(i: int, barrier: threading.Barrier) -> None:
                barrier.wait()
                if not sign_once(clients[i], warm_up, data_url, None):
                    setup_errors.append(f"warm-up signature of signer {i} failed")

            run_threads(len(numbers), prepare)
            if setup_errors:
                raise SystemExit("setup failed: " + "; ".join(setup_errors[:5]))

            stress_timings = [Timings() for _ in numbers]

            def stress_loop(i: int, barrier: threading.Barrier) -> None:
                barrier.wait()
                for campaign_id in stress:
                    sign_once(clients[i], campaign_id, data_url, stress_timings[i])

            cpu_before = server.cpu_seconds()
            wall_stress = run_threads(len(numbers), stress_loop)
            stress_cpu = server.cpu_seconds() - cpu_before

            apel_timings = [Timings() for _ in numbers]
            rng = random.Random(2029)
            pauses = [[rng.uniform(*args.think) for _ in apel] for _ in numbers]

            def apel_loop(i: int, barrier: threading.Barrier) -> None:
                barrier.wait()
                for campaign_id, pause in zip(apel, pauses[i], strict=True):
                    sign_once(clients[i], campaign_id, data_url, apel_timings[i], think=pause)

            wall_apel = run_threads(len(numbers), apel_loop) if apel else 0.0
        finally:
            server.stop()

        def signed(timings: list[Timings]) -> int:
            return sum(len(t.post) for t in timings) - sum(
                1 for t in timings for f in t.failures if f.startswith("POST"))

        stress_signed = signed(stress_timings)
        signing_rate = stress_signed / wall_stress
        print(f"\n{kind}, gunicorn -w {args.workers} -k sync on 127.0.0.1, {args.signers} concurrent clients")
        print(f"  baseline, one-row insert (closed loop): {baseline_rate:8.1f} inserts/s ({inserts} in {wall:.1f} s; "
              f"{len(errors)} errors)   {ms([x for per in latencies for x in per])}")
        posts = report("signing, closed loop (GET form + POST)", stress_signed, wall_stress, stress_timings)
        print(f"  ratio signatures/s : inserts/s = {100 * signing_rate / baseline_rate:.1f} % (target >= 40 %)")
        cpu_insert, cpu_signature = baseline_cpu / inserts, stress_cpu / max(stress_signed, 1)
        print(f"  server CPU (gunicorn processes{'' if kind == 'SQLite' else '; PostgreSQL backends not counted'}): "
              f"{1000 * cpu_insert:.1f} ms per insert, {1000 * cpu_signature:.1f} ms per signature (GET + POST) "
              f"-> ratio by CPU {100 * cpu_insert / cpu_signature:.1f} %; on {os.cpu_count()} idle cores at most "
              f"~{os.cpu_count() / cpu_signature:.0f} signatures/s")
        print(f"  POST p95 {1000 * percentile(posts, 95):.0f} ms at {args.signers} back-to-back signers "
              f"(target < 300 ms)")
        if apel:
            apel_posts = report(f"apel ({args.think[0]:g}-{args.think[1]:g} s between opening and submitting)",
                                signed(apel_timings), wall_apel, apel_timings)
            print(f"  POST p95 {1000 * percentile(apel_posts, 95):.0f} ms at {args.signers} signers in an apel "
                  f"(target < 300 ms)")
        failures = [f for t in stress_timings + apel_timings for f in t.failures]

        # --- the chain ---
        env = {**os.environ, "ELEARN_DATABASE_URL": database.url, "ELEARN_SECRET_KEY": "bench-verify",
               "ELEARN_ENV": "production"}
        verify = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "elearn", "pledges", "verify"],
                                env=env, cwd=ROOT, capture_output=True, text=True)
        print(f"\nflask --app elearn pledges verify (exit {verify.returncode}):")
        print("  " + (verify.stdout + verify.stderr).strip().replace("\n", "\n  "))
        return 0 if verify.returncode == 0 and not failures else 1
    finally:
        database.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
