"""An apel on one server: 1,000 phones check in, then answer one live question (issue 13, item 6).

    .venv/bin/pip install -e '.[bench]'                                   # gunicorn
    .venv/bin/python benchmarks/apel.py                                   # SQLite (temporary file, WAL)
    .venv/bin/python benchmarks/apel.py --database-url postgresql+psycopg://127.0.0.1/postgres
    .venv/bin/python benchmarks/apel.py --phones 2000                     # the stretch figure

With ``--database-url`` (any database of a PostgreSQL server to connect to) a throwaway database
``elearn_apel_bench_<random>`` is created next to it and dropped at the end.

What runs:

1. Setup (not measured): the schema, the demo instansi (``seed_demo``, 200 people: the shipped
   course, quiz and pakta campaign), ``--phones`` more people in its SKPDs sharing one password
   hash (production argon2 settings), a trainer, and an apel starting in five minutes (check-in
   open) with the demo quiz and campaign. gunicorn ``-w --workers -k sync`` serves
   ``elearn:create_app()`` in production mode (CSRF, limiter, secure cookies; the client keeps its
   cookies by hand). Every phone and the trainer sign in (not measured: at an apel they are
   signed in already).
2. **Check-in**: the phones arrive spread over ``--arrival`` seconds; each "scans" the projector's
   QR: ``GET /hadir?kode=<the code on the projector now>`` (the code is computed from the event's
   secret, as the projector does, at the moment of the scan), which marks it present and redirects
   to the live page, then ``GET`` of that page. Printed: the wall time until the last phone is
   present, the latency of the scan and of the page (p50/p95/p99), and the attendance rows
   counted afterwards.
3. **Polling**: every phone polls ``/acara/<id>/langsung/state`` every ``--poll`` seconds (a
   random phase each) with ``If-None-Match``. After ``--steady`` seconds of nothing changing
   (304s), the server's CPU per poll is printed (gunicorn's process group, user+system).
4. **The live question**: the trainer opens the quiz's first question (presenter POSTs). Each phone
   notices the new state at its next poll (the time from the trainer's click is recorded), fetches
   the question, thinks 2-12 s and posts an answer. Printed: 95th percentile of "saw the new
   question" (target < 3 s), answer POST p95 (target < 300 ms), the time until every answer is in
   (target < 20 s), answers stored, and the server CPU per request over the phase.

The load generator (aiohttp, one process) runs on the same 2 cores as the server; its own CPU is
printed too.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from multidict import CIMultiDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# the helpers the pakta benchmark already has (a free port, the page's form fields, percentiles, Redis)
from pledge_signing import _NAME, _VALUE, form_values, free_port, percentile, redis_answers  # noqa: E402

PASSWORD = "sandi-bench-2029-apel"
SECRET_KEY = secrets.token_hex(32)
CHAIN_KEY = secrets.token_hex(32)
UA = "apel-bench/1 (Android 10; Mobile)"


# --- the database and the data ---------------------------------------------------------------------


@dataclass
class Database:
    url: str
    cleanup: Any


def make_database(server_url: str | None) -> Database:
    if server_url is None:
        folder = tempfile.mkdtemp(prefix="apel-bench-")
        return Database(f"sqlite:///{folder}/bench.db", lambda: shutil.rmtree(folder, ignore_errors=True))
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(server_url)
    name = f"elearn_apel_bench_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return Database(server.set(database=name).render_as_string(hide_password=False), drop)


@dataclass
class Setup:
    event_id: int
    secret: str
    phones: list[str]
    trainer: str


def setup_data(url: str, phones: int) -> Setup:
    from sqlalchemy import insert, select

    from elearn import create_app
    from elearn.accounts.models import EmployeeType, JenisJabatan, Role, User
    from elearn.auth.services import hash_password
    from elearn.db import Base, analyze, db
    from elearn.demo import services as demo
    from elearn.events.models import Event, EventKind
    from elearn.models import import_all_models
    from elearn.org.models import Unit
    from elearn.pledges.models import Campaign
    from elearn.quizzes.models import Quiz

    import_all_models()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-setup", "ELEARN_ENV": "production",
                      "ALLOWED_HOSTS": "127.0.0.1", "PLEDGE_HMAC_KEY": CHAIN_KEY})
    with app.app_context():
        engine = db.get_engine(app)
        Base.metadata.create_all(engine)
        result = demo.seed_demo(people=200, seed=7)
        instansi = result.instansi
        assert app.config["ARGON2_TIME_COST"] == 2  # the production cost
        password_hash = hash_password(PASSWORD)
        skpds = list(db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id,
                                                           Unit.parent_id.is_(None)).order_by(Unit.id)))
        rows = []
        for i in range(phones + 1):
            unit = skpds[i % len(skpds)]
            rows.append({
                "instansi_id": instansi.id, "unit_id": unit.id,
                # NIP: a birth date per person, TMT 2005-01, male, sequence 001
                "employee_number": f"{dt.date(1975, 1, 1) + dt.timedelta(days=i):%Y%m%d}2005011001",
                "employee_type": EmployeeType.PNS, "name": f"Pegawai Apel {i + 1:04d}", "golongan": "III/b",
                "jabatan": "Analis Kebijakan", "jenis_jabatan": JenisJabatan.FUNGSIONAL,
                "role": Role.PELATIH if i == phones else Role.PESERTA,
                "active": True, "password_hash": password_hash, "is_kepala_wilayah": False,
                "failed_logins": 0, "session_version": 1,
            })
        db.session.execute(insert(User.__table__), rows)
        quiz = db.session.scalar(select(Quiz).order_by(Quiz.id))
        campaign = db.session.scalar(select(Campaign).where(Campaign.instansi_id == instansi.id).order_by(Campaign.id))
        now = dt.datetime.now(dt.timezone.utc)
        event = Event(instansi_id=instansi.id, kind=EventKind.APEL, title="Apel Pagi Netralitas ASN (benchmark)",
                      place="Halaman Kantor Wali Kota", starts_at=now + dt.timedelta(minutes=5),
                      ends_at=now + dt.timedelta(minutes=65), checkin_before_minutes=30,
                      checkin_after_minutes=30, audience_all=True, outsiders_allowed=True,
                      quiz_id=quiz.id if quiz is not None else None,
                      campaign_id=campaign.id if campaign is not None else None)
        db.session.add(event)
        db.session.commit()
        analyze("users", "units", "events")
        db.session.commit()
        found = Setup(event.id, event.secret, [r["employee_number"] for r in rows[:phones]],
                      rows[phones]["employee_number"])
        db.session.remove()
        engine.dispose()
    return found


def count_rows(url: str, table: str, event_id: int) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT count(*) FROM {table} WHERE event_id = :e"), {"e": event_id}).scalar_one()
    engine.dispose()
    return int(n)


# --- gunicorn ----------------------------------------------------------------------------------------




class Server:
    def __init__(self, url: str, workers: int) -> None:
        self.port = free_port()
        env = {**os.environ, "ELEARN_DATABASE_URL": url, "ELEARN_SECRET_KEY": SECRET_KEY, "ELEARN_ENV": "production",
               "ELEARN_ALLOWED_HOSTS": "127.0.0.1", "PYTHONPATH": str(ROOT), "ELEARN_PLEDGE_HMAC_KEY": CHAIN_KEY,
               # every simulated phone signs in from 127.0.0.1
               "ELEARN_LOGIN_LIMIT_PER_IP": "1000000 per minute"}
        env.pop("ELEARN_RATELIMIT_STORAGE_URI", None)
        if redis_answers("redis://127.0.0.1:6379/14"):
            env["ELEARN_RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/14"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{self.port}",
             "--backlog", "4096", "--log-level", "warning", "elearn:create_app()"],
            env=env, start_new_session=True, cwd=str(ROOT),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    time.sleep(1.5)  # let every worker boot
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"gunicorn exited with {self.process.returncode}") from None
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def cpu_seconds(self) -> float:
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # the process group
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()




# --- the phones ------------------------------------------------------------------------------------

#: the live page's CSRF token (its script sends it with each answer)
_DATA_CSRF = re.compile(r'data-csrf="([^"]*)"')




@dataclass
class Stats:
    values: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, name: str, seconds: float) -> None:
        self.values.setdefault(name, []).append(seconds)




def line(label: str, values: list[float]) -> str:
    return (f"    {label:<34} n {len(values):5d}   p50 {1000 * percentile(values, 50):6.0f} ms   "
            f"p95 {1000 * percentile(values, 95):6.0f} ms   p99 {1000 * percentile(values, 99):6.0f} ms")


class Phone:
    """One phone's browser: its own cookies (kept by hand: the production cookies are Secure and
    this is plain HTTP on loopback), one connection per request (sync workers close them)."""

    def __init__(self, session: Any, port: int) -> None:
        self.http = session
        self.base = f"http://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.etag: str | None = None
        self.csrf = ""

    async def request(self, method: str, path: str, *, data: dict[str, str] | None = None,
                      headers: dict[str, str] | None = None) -> tuple[int, Any, str]:
        send = {"User-Agent": UA, "Referer": self.base + path, **(headers or {})}
        if self.cookies:
            send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        async with self.http.request(method, self.base + path, data=data, headers=send,
                                     allow_redirects=False) as response:
            body = await response.text()
            for value in response.headers.getall("Set-Cookie", []):
                jar: SimpleCookie = SimpleCookie()
                jar.load(value)
                for key, morsel in jar.items():
                    self.cookies[key] = morsel.value
            return response.status, CIMultiDict(response.headers), body

    async def sign_in(self, number: str) -> None:
        _s, _h, page = await self.request("GET", "/masuk")
        token = form_values(page).get("csrf_token", "")
        status, _h, body = await self.request("POST", "/masuk", data={"csrf_token": token, "nip": number,
                                                                      "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"sign-in of {number}: {status} {body[:200]!r}")


async def gather_limited(coros: list[Any], limit: int) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def run(coro: Any) -> Any:
        async with gate:
            return await coro

    return await asyncio.gather(*(run(c) for c in coros))


def client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the run ---------------------------------------------------------------------------------------


async def run(args: argparse.Namespace, setup: Setup, server: Server, url: str) -> None:
    import aiohttp

    from elearn.events import codes

    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                     cookie_jar=aiohttp.DummyCookieJar()) as http:
        phones = [Phone(http, server.port) for _ in setup.phones]
        trainer = Phone(http, server.port)
        started = time.perf_counter()
        await gather_limited([p.sign_in(n) for p, n in zip(phones, setup.phones)] + [trainer.sign_in(setup.trainer)],
                             limit=2 * args.workers)
        print(f"  signed in {len(phones)} phones and the trainer in {time.perf_counter() - started:.1f} s "
              "(not measured)")

        # --- check-in ---
        stats = Stats()
        live_path = f"/acara/{setup.event_id}/langsung"

        async def arrive(phone: Phone, delay: float) -> None:
            await asyncio.sleep(delay)
            code = codes.current_code(setup.secret, setup.event_id, dt.datetime.now(dt.timezone.utc))
            t = time.perf_counter()
            status, headers, body = await phone.request("GET", f"/hadir?kode={code}")
            stats.add("scan GET /hadir?kode=", time.perf_counter() - t)
            target = headers.get("Location", "")
            if status != 302 or f"/acara/{setup.event_id}" not in target:
                stats.failures.append(f"scan: {status} {target} {body[:160]!r}")
                return
            t = time.perf_counter()
            parts = urllib.parse.urlsplit(target)
            status, _h, page = await phone.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
            found = _DATA_CSRF.search(page)
            phone.csrf = unescape(found.group(1)) if found else ""
            stats.add("GET the live page", time.perf_counter() - t)
            if status != 200:
                stats.failures.append(f"live page: {status}")

        cpu0, ccpu0 = server.cpu_seconds(), client_cpu()
        started = time.perf_counter()
        await asyncio.gather(*(arrive(p, random.uniform(0, args.arrival)) for p in phones))
        wall = time.perf_counter() - started
        cpu = server.cpu_seconds() - cpu0
        present = count_rows(url, "event_attendance", setup.event_id)
        print(f"  check-in: {present} of {len(phones)} present; the last at {wall:.1f} s "
              f"(arrivals spread over {args.arrival:.0f} s); {len(stats.failures)} failures")
        for name, values in stats.values.items():
            print(line(name, values))
        print(f"    server CPU {cpu:.1f} s = {1000 * cpu / max(1, 2 * len(phones)):.1f} ms per request; "
              f"load generator CPU {client_cpu() - ccpu0:.1f} s")
        for failure in stats.failures[:5]:
            print("    failure:", failure)

        if not args.check_in_only:
            await live_question(args, setup, server, url, phones, trainer)


_CHOICE = re.compile(r'<input\b[^>]*\btype="(?:radio|checkbox)"[^>]*>')


def answer_fields(fragment: str, rng: random.Random) -> dict[str, Any] | None:
    """The answer form of a question fragment, filled as a person would: the hidden fields, and one
    option of each radio or checkbox group chosen at random. None when the fragment has no form."""
    if "data-live-answer" not in fragment:
        return None
    fields: dict[str, Any] = {k: v for k, v in form_values(fragment).items()
                              if k in ("csrf_token", "position")}
    groups: dict[str, list[str]] = {}
    for tag in _CHOICE.findall(fragment):
        name, value = _NAME.search(tag), _VALUE.search(tag)
        if name and value:
            groups.setdefault(name.group(1), []).append(unescape(value.group(1)))
    for name, values in groups.items():
        fields[name] = rng.choice(values)
    return fields


async def presenter_do(trainer: Phone, event_id: int, action: str) -> None:
    """The trainer clicks ``action`` on the presenter view (its form carries the version shown)."""
    status, _h, page = await trainer.request("GET", f"/acara/{event_id}/presenter")
    forms = re.findall(r'<form method="post" action="([^"]*/presenter/' + action + r')">(.*?)</form>', page, re.S)
    if status != 200 or not forms:
        raise RuntimeError(f"presenter: no {action!r} button ({status})")
    path, body = forms[0]
    fields = form_values(body)
    status, headers, _b = await trainer.request("POST", unescape(path), data=fields)
    if status != 302:
        raise RuntimeError(f"presenter {action}: {status}")


async def live_question(args: argparse.Namespace, setup: Setup, server: Server, url: str, phones: list[Phone],
                        trainer: Phone) -> None:
    event_id = setup.event_id
    state_path = f"/acara/{event_id}/langsung/state"
    stats = Stats()
    counts = {"200": 0, "304": 0, "other": 0}
    rng = random.Random(31)
    opened_at: list[float] = []  # when the trainer's "start" returned
    stop = asyncio.Event()
    answered = 0
    last_answer = [0.0]

    async def poll_once(phone: Phone) -> dict[str, Any] | None:
        headers = {"If-None-Match": phone.etag} if phone.etag else {}
        t = time.perf_counter()
        status, got, body = await phone.request("GET", state_path, headers=headers)
        stats.add("poll " + ("304" if status == 304 else str(status)), time.perf_counter() - t)
        if status == 304:
            counts["304"] += 1
            return None
        if status != 200:
            counts["other"] += 1
            stats.failures.append(f"state: {status}")
            return None
        counts["200"] += 1
        phone.etag = got.get("ETag")
        return json.loads(body)

    async def run_phone(phone: Phone, index: int) -> None:
        nonlocal answered
        await asyncio.sleep(rng.uniform(0, args.poll))  # each phone its own phase
        done = False
        while not stop.is_set():
            started = time.perf_counter()
            state = await poll_once(phone)
            if state is not None and state.get("p") == "open" and not done and opened_at:
                stats.add("saw the question after the click", time.perf_counter() - opened_at[0])
                t = time.perf_counter()
                _s, _h, fragment = await phone.request("GET", f"/acara/{event_id}/langsung/soal",
                                                       headers={"X-Live": "1"})
                stats.add("GET the question fragment", time.perf_counter() - t)
                stats.add("fragment bytes", len(fragment.encode()) / 1000)  # (shown as "ms" = bytes)
                fields = answer_fields(fragment, rng)
                if fields is None:
                    stats.failures.append(f"no answer form: {fragment[:160]!r}")
                    done = True
                    continue
                await asyncio.sleep(rng.uniform(2, 12))  # reading the scenario, thinking
                token = fields.pop("csrf_token", "") or phone.csrf  # as the page's script does
                t = time.perf_counter()
                status, _h, body = await phone.request("POST", f"/acara/{event_id}/langsung/jawab", data=fields,
                                                       headers={"X-Live": "1", "X-CSRFToken": token})
                stats.add("POST the answer", time.perf_counter() - t)
                if status != 200:
                    stats.failures.append(f"answer: {status} {body[:160]!r}")
                else:
                    answered += 1
                    last_answer[0] = time.perf_counter()
                done = True
            await asyncio.sleep(max(0.0, args.poll * rng.uniform(0.8, 1.2) - (time.perf_counter() - started)))

    tasks = [asyncio.create_task(run_phone(p, i)) for i, p in enumerate(phones)]
    # steady polling, nothing changing: what a poll costs the server
    await asyncio.sleep(args.poll * 2)
    stats.values.clear()
    counts.update({"200": 0, "304": 0, "other": 0})
    cpu0, ccpu0, t0 = server.cpu_seconds(), client_cpu(), time.perf_counter()
    await asyncio.sleep(args.steady)
    cpu, polls, wall = server.cpu_seconds() - cpu0, sum(counts.values()), time.perf_counter() - t0
    print(f"  polling, nothing changing: {polls} polls in {wall:.1f} s ({polls / wall:.0f}/s; "
          f"{counts['304']} answered 304); server CPU {1000 * cpu / max(1, polls):.2f} ms per poll "
          f"({100 * cpu / wall:.0f} % of one core); load generator CPU {client_cpu() - ccpu0:.1f} s")
    print(line("poll (304)", stats.values.get("poll 304", [])))
    stats.values.clear()
    stats.failures.clear()
    counts.update({"200": 0, "304": 0, "other": 0})

    # the live question
    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    await presenter_do(trainer, event_id, "start")
    opened_at.append(t0)
    click = time.perf_counter() - t0
    deadline = t0 + 60
    while answered < len(phones) and time.perf_counter() < deadline and len(stats.failures) < len(phones):
        await asyncio.sleep(0.5)
    stop.set()
    await asyncio.gather(*tasks)
    cpu = server.cpu_seconds() - cpu0
    requests = sum(len(v) for k, v in stats.values.items() if k not in ("saw the question after the click",
                                                                        "fragment bytes"))
    stored = count_rows(url, "event_live_answers", event_id)
    seen = stats.values.get("saw the question after the click", [])
    print(f"  live question: the trainer's click took {1000 * click:.0f} ms; {answered} answers posted, {stored} "
          f"stored; the last {last_answer[0] - t0:.1f} s after the click (phones think 2-12 s); "
          f"{len(stats.failures)} failures")
    print(f"    95 % of phones saw the question {percentile(seen, 95):.2f} s after the click "
          f"(max {max(seen) if seen else math.nan:.2f} s; polling every {args.poll:.1f} s)")
    for name in ("poll 200", "poll 304", "GET the question fragment", "POST the answer"):
        print(line(name, stats.values.get(name, [])))
    sizes = stats.values.get("fragment bytes", [])
    if sizes:
        print(f"    question fragment: {1000 * max(sizes):.0f} bytes (uncompressed)")
    print(f"    server CPU over the phase {cpu:.1f} s = {1000 * cpu / max(1, requests):.2f} ms per request "
          f"({requests} requests)")
    for failure in stats.failures[:5]:
        print("    failure:", failure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--database-url", help="a PostgreSQL server (any database on it); default SQLite")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4 on 2 cores)")
    parser.add_argument("--arrival", type=float, default=45.0, help="seconds over which phones arrive")
    parser.add_argument("--poll", type=float, default=2.0, help="seconds between a phone's state polls")
    parser.add_argument("--steady", type=float, default=10.0, help="seconds of unchanged polling measured")
    parser.add_argument("--check-in-only", action="store_true", help="stop after the check-in")
    args = parser.parse_args()
    random.seed(13)
    database = make_database(args.database_url)
    server = None
    try:
        started = time.perf_counter()
        setup = setup_data(database.url, args.phones)
        print(f"apel benchmark: {args.phones} phones, {args.workers} sync workers, "
              f"{'PostgreSQL' if args.database_url else 'SQLite'}; setup {time.perf_counter() - started:.1f} s")
        server = Server(database.url, args.workers)
        asyncio.run(run(args, setup, server, database.url))
    finally:
        if server is not None:
            server.stop()
        database.cleanup()


if __name__ == "__main__":
    main()
