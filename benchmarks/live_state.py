"""What one phone update costs in-process: the live state endpoint (304 and 200), the question
fragment, an answer, and the presenter's status, through the Flask test client (no network, no
WSGI server), against a temporary SQLite file or a PostgreSQL database.

    .venv/bin/python benchmarks/live_state.py                       # SQLite (temporary file, WAL)
    .venv/bin/python benchmarks/live_state.py --database-url postgresql+psycopg://127.0.0.1/elearn_bench
    .venv/bin/python benchmarks/live_state.py --people 1000 --rounds 2000

The PostgreSQL database is emptied (drop_all/create_all): give a throwaway one. Prints, per
request kind, the median and p95 wall time per request, the body and header bytes, and the
statements it runs (SQLite counts its BEGIN); as a baseline, a static file through Flask (the
framework's own cost per request, no session, no database). The full 1,000-phone load generator
over HTTP is ``benchmarks/apel.py``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=300, help="people checked in, all answering")
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args()

    from sqlalchemy import event as sa_event

    from elearn import create_app
    from elearn.accounts.models import Role, User
    from elearn.db import Base, db, utcnow
    from elearn.events import live
    from elearn.events.models import Attendance, CheckinMethod, Event, EventKind
    from elearn.extensions import limiter
    from elearn.models import import_all_models
    from elearn.org import services as org_services

    import_all_models()
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/live.db"
    app = create_app({"ELEARN_ENV": "testing", "TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url,
                      "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 64})
    limiter.enabled = False
    engine = db.get_engine(app)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        Base.metadata.create_all(conn)
    from quiz_support import make_quiz

    with app.app_context():
        inst = org_services.create_instansi("bench", "Pemerintah Kota Bench", "WIB")
        skpds = [org_services.create_unit(inst, f"Dinas {n}") for n in range(10)]
        trainer = User(employee_number="199001012020011001", name="Pelatih", instansi_id=inst.id,
                       unit_id=skpds[0].id, role=Role.PELATIH)
        people = [User(employee_number=f"1990010120200{n:05d}", name=f"Pegawai {n}", instansi_id=inst.id,
                       unit_id=skpds[n % 10].id) for n in range(args.people)]
        db.session.add_all([trainer, *people])
        db.session.flush()
        quiz = make_quiz("kuis-bench")
        now = utcnow()
        ev = Event(instansi_id=inst.id, kind=EventKind.APEL, title="Apel Bench", starts_at=now,
                   ends_at=now + dt.timedelta(hours=1), quiz_id=quiz.id, leaderboard=True)
        db.session.add(ev)
        db.session.flush()
        db.session.add_all([Attendance(event_id=ev.id, user_id=p.id, method=CheckinMethod.SCAN, unit_id=p.unit_id,
                                       skpd_id=p.unit_id) for p in people])
        live.transition(ev, "start", expected_version=0)
        db.session.commit()
        eid, trainer_id = ev.id, trainer.get_id()
        person_ids = [p.get_id() for p in people]

    def client_of(uid: str) -> Any:
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = uid
            sess["_fresh"] = True
        return client

    statements: list[str] = []
    sa_event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def measure(label: str, make: Any, rounds: int) -> None:
        times: list[float] = []
        size, count, status, head = 0, 0, 0, 0
        for i in range(rounds):
            statements.clear()
            start = time.perf_counter()
            response = make(i)
            body = response.get_data()
            times.append(time.perf_counter() - start)
            size, count, status = len(body), len(statements), response.status_code
            head = sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + len("HTTP/1.1 200 OK\r\n\r\n")
            response.close()
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"{label:<44} {status:>3}  median {1000 * statistics.median(times):6.2f} ms  p95 {1000 * p95:6.2f} ms"
              f"  body {size:>5} B  headers {head:>4} B  statements {count}")

    phone = client_of(person_ids[0])
    state_url = f"/acara/{eid}/langsung/state"
    first = phone.get(state_url)
    etag = first.headers["ETag"]
    print(f"database: {engine.dialect.name}; {args.people} people checked in; {args.rounds} rounds\n")
    measure("baseline: a static file through Flask", lambda i: phone.get("/static/favicon.svg"), args.rounds)
    measure("state, unchanged (If-None-Match -> 304)", lambda i: phone.get(state_url, headers={"If-None-Match": etag}),
            args.rounds)
    measure("state, changed (-> 200 JSON)", lambda i: phone.get(state_url), args.rounds)
    measure("question fragment (/langsung/soal)", lambda i: phone.get(f"/acara/{eid}/langsung/soal"),
            max(args.rounds // 5, 50))
    clients = [client_of(uid) for uid in person_ids]
    measure("answer (POST /langsung/jawab, first answer)",
            lambda i: clients[i % len(clients)].post(f"/acara/{eid}/langsung/jawab", headers={"X-Live": "1"},
                                                     data={"position": "0", "options": "a" if i % 3 else "b"}),
            len(clients))
    measure("answer again (a retry: the first counts)",
            lambda i: clients[i % len(clients)].post(f"/acara/{eid}/langsung/jawab", headers={"X-Live": "1"},
                                                     data={"position": "0", "options": "a"}),
            min(len(clients), 200))
    presenter = client_of(trainer_id)
    status_url = f"/acara/{eid}/presenter/status"
    measure(f"presenter status, open ({args.people} answers)", lambda i: presenter.get(status_url), 200)
    with app.app_context():
        ev = db.session.get(Event, eid)
        live.transition(ev, "close", expected_version=ev.live_version)
        live.transition(ev, "reveal", expected_version=ev.live_version)
        db.session.commit()
    measure("presenter status, revealed (distribution)", lambda i: presenter.get(status_url), 200)
    measure("phone page (/langsung, HTML only)", lambda i: phone.get(f"/acara/{eid}/langsung"), 200)
    fragment_sizes(app, client_of, trainer_id, person_ids[0], inst.id)
    if args.database_url:
        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
    engine.dispose()


def fragment_sizes(app: Any, client_of: Any, trainer_id: str, person_id: str, instansi_id: int) -> None:
    """The shipped quizzes (quizzes/): the bytes of each live question's fragment as a phone
    fetches it when the question changes (uncompressed and gzip)."""
    import gzip

    from elearn.content.quizzes import sync_quizzes
    from elearn.db import db, utcnow
    from elearn.events import live
    from elearn.events.models import Attendance, CheckinMethod, Event, EventKind
    from elearn.quizzes.models import Quiz

    root = Path(__file__).resolve().parent.parent / "quizzes"
    with app.app_context():
        sync_quizzes(root)
        db.session.commit()
        quizzes = [(q.id, q.slug) for q in db.session.query(Quiz).filter(Quiz.slug != "kuis-bench")]
    phone = client_of(person_id)
    print("\nquestion fragments of the shipped quizzes (bytes: raw / gzip)")
    for quiz_id, slug in quizzes:
        with app.app_context():
            now = utcnow()
            ev = Event(instansi_id=instansi_id, kind=EventKind.APEL, title="Apel", starts_at=now,
                       ends_at=now + dt.timedelta(hours=1), quiz_id=quiz_id)
            db.session.add(ev)
            db.session.flush()
            db.session.add(Attendance(event_id=ev.id, user_id=int(person_id.split(":")[0]),
                                      method=CheckinMethod.SCAN))
            try:
                live.transition(ev, "start", expected_version=0)
            except live.LiveError as err:
                print(f"  {slug}: {err.message}")
                db.session.rollback()
                continue
            db.session.commit()
            eid, count = ev.id, live.question_count(ev)
        sizes = []
        for position in range(count):
            body = phone.get(f"/acara/{eid}/langsung/soal").get_data()
            sizes.append((len(body), len(gzip.compress(body))))
            with app.app_context():
                ev = db.session.get(Event, eid)
                if live.has_next(ev):
                    live.transition(ev, "close", expected_version=ev.live_version)
                    live.transition(ev, "next", expected_version=ev.live_version)
                    db.session.commit()
        raw = [r for r, _g in sizes]
        gz = [g for _r, g in sizes]
        print(f"  {slug}: {count} questions; raw max {max(raw)} median {statistics.median(raw):.0f}; "
              f"gzip max {max(gz)} median {statistics.median(gz):.0f}")


if __name__ == "__main__":
    main()
