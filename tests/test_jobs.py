"""Background jobs: enqueue, claim (once), run, progress, failure, stale jobs, the worker command,
and the roster import run through it (progress page, retention of unapplied uploads)."""
from __future__ import annotations

import datetime as dt
import io
import re
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from elearn.accounts.models import Role, User
from elearn.db import db, utcnow
from elearn.errors import ServiceError
from elearn.jobs import services
from elearn.jobs.models import Job, JobStatus
from elearn.jobs.services import JobFailed, Task
from elearn.roster import services as roster_services
from elearn.roster.models import ImportStatus, RosterImport
from support import make_nip

CALLS: list[dict] = []


def _echo(ctx, payload):
    CALLS.append(payload)
    ctx.progress(1, 3, "first", commit=True)
    ctx.progress(3, 3, "second")
    if payload.get("fail") == "service":
        raise ServiceError("Pesan untuk pengguna.", "x")
    if payload.get("fail") == "crash":
        raise RuntimeError("boom")
    if payload.get("fail") == "job":
        raise JobFailed("Ditolak.")
    return {"echo": payload.get("n")}


FAILED: list[tuple[dict, str]] = []


@pytest.fixture(autouse=True)
def echo_task() -> Iterator[None]:
    CALLS.clear()
    FAILED.clear()
    services.register("test.echo", Task(_echo, lambda payload, message: FAILED.append((payload, message))))
    try:
        yield
    finally:
        services.TASKS.pop("test.echo", None)


def test_a_job_is_claimed_run_and_reports_progress(app):
    with app.app_context():
        job = services.enqueue("test.echo", {"n": 7})
        db.session.commit()
        assert job.status == JobStatus.QUEUED and job.attempts == 0
        claimed = services.claim_next("w1")
        db.session.commit()
        assert claimed.id == job.id and claimed.status == JobStatus.RUNNING and claimed.worker == "w1"
        assert claimed.attempts == 1 and claimed.started_at is not None
        # claimed once: nothing left for a second worker
        assert services.claim_next("w2") is None
        assert services.run_job(job.id) == JobStatus.DONE
        db.session.expire_all()
        done = db.session.get(Job, job.id)
        assert done.status == JobStatus.DONE and done.result == {"echo": 7} and done.finished_at is not None
        assert (done.phase, done.done, done.total) == ("second", 3, 3)
        assert CALLS == [{"n": 7}]
        # running it again does nothing
        assert services.run_job(job.id) == JobStatus.DONE and len(CALLS) == 1


@pytest.mark.parametrize(("fail", "message"), [
    ("service", "Pesan untuk pengguna."),
    ("job", "Ditolak."),
    ("crash", "kesalahan sistem"),
])
def test_a_failing_job_rolls_back_and_says_why(app, make_instansi, fail, message):
    instansi = make_instansi()
    with app.app_context():
        job = services.enqueue("test.echo", {"fail": fail, "instansi": instansi.id})
        db.session.commit()
        assert services.run_pending("w") == 1
        db.session.expire_all()
        failed = db.session.get(Job, job.id)
        assert failed.status == JobStatus.FAILED and message in failed.error and "boom" not in failed.error
        # the progress committed before the failure stays; the rest was rolled back
        assert (failed.phase, failed.done) == ("first", 1)
        assert FAILED == [({"fail": fail, "instansi": instansi.id}, failed.error)]


def test_an_unknown_kind_fails_its_job(app):
    with app.app_context():
        job = Job(kind="nobody.knows", payload={}, status=JobStatus.QUEUED)
        db.session.add(job)
        db.session.commit()
        services.run_pending("w")
        db.session.expire_all()
        assert db.session.get(Job, job.id).status == JobStatus.FAILED
        with pytest.raises(ValueError):
            services.enqueue("nobody.knows", {})


def test_stale_jobs_are_queued_again_then_failed(app):
    with app.app_context():
        job = services.enqueue("test.echo", {})
        db.session.commit()
        services.claim_next("gone")
        db.session.commit()
        old = utcnow() - dt.timedelta(hours=2)
        db.session.execute(update(Job).where(Job.id == job.id).values(heartbeat_at=old))
        assert services.requeue_stale(dt.timedelta(minutes=30)) == 1
        db.session.refresh(job)
        assert job.status == JobStatus.QUEUED and job.worker is None
        db.session.execute(update(Job).where(Job.id == job.id).values(status=JobStatus.RUNNING, attempts=3,
                                                                       heartbeat_at=old))
        services.requeue_stale(dt.timedelta(minutes=30))
        db.session.refresh(job)
        assert job.status == JobStatus.FAILED and FAILED
        # a fresh heartbeat is left alone
        fresh = services.enqueue("test.echo", {})
        services.claim_next("alive")
        assert services.requeue_stale(dt.timedelta(minutes=30)) == 0
        db.session.refresh(fresh)
        assert fresh.status == JobStatus.RUNNING


def test_finished_jobs_are_purged_after_their_time(app):
    with app.app_context():
        old = services.enqueue("test.echo", {})
        new = services.enqueue("test.echo", {})
        waiting = services.enqueue("test.echo", {})
        for job in (old, new):
            job.status = JobStatus.DONE
        old.finished_at = utcnow() - dt.timedelta(days=40)
        new.finished_at = utcnow()
        db.session.flush()
        assert services.purge_finished(dt.timedelta(days=30)) == 1
        ids = set(db.session.scalars(select(Job.id)))
        assert old.id not in ids and {new.id, waiting.id} <= ids


def test_the_worker_command_runs_queued_jobs(app):
    with app.app_context():
        first = services.enqueue("test.echo", {"n": 1})
        second = services.enqueue("test.echo", {"n": 2})
        db.session.commit()
        ids = (first.id, second.id)
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert [c["n"] for c in CALLS] == [1, 2]
    with app.app_context():
        assert [db.session.get(Job, i).status for i in ids] == [JobStatus.DONE, JobStatus.DONE]


def test_two_workers_never_claim_the_same_job(own_app: Flask):
    """Real commits on a database of its own (SQLite file, and PostgreSQL when configured)."""
    with own_app.app_context():
        for n in range(12):
            services.enqueue("test.echo", {"n": n})
        db.session.commit()
    claims: list[list[int]] = [[] for _ in range(4)]
    barrier = threading.Barrier(4)

    def worker(index: int) -> None:
        with own_app.app_context():
            barrier.wait()
            while True:
                job = services.claim_next(f"w{index}")
                db.session.commit()
                if job is None:
                    break
                claims[index].append(job.id)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    taken = [job_id for ids in claims for job_id in ids]
    assert len(taken) == 12 and len(set(taken)) == 12
    with own_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job).where(Job.status == JobStatus.RUNNING)) == 12
        assert set(db.session.scalars(select(Job.attempts))) == {1}


# --- the roster import through the worker ---------------------------------------------------------

def _upload(client, data: bytes) -> int:
    response = client.post("/impor/", data={"file": (io.BytesIO(data), "pegawai.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/impor/(\d+)/proses$", response.headers["Location"]).group(1))


def _checked(app, client, data: bytes) -> int:
    """Upload, and let a worker run the check job."""
    iid = _upload(client, data)
    with app.app_context():
        assert services.run_pending("w") == 1
    return iid


def _stored(uploader, filename: str, data: bytes) -> RosterImport:
    """An upload whose check ran (inside the caller's app context; commits)."""
    imp = roster_services.create_upload(uploader.instansi, uploader, filename, data)
    db.session.commit()
    services.run_pending("w")
    db.session.refresh(imp)
    assert imp.status == ImportStatus.CHECKED
    return imp


def test_a_roster_import_runs_through_the_worker_command(app, client, make_instansi, make_unit, make_user,
                                                         login_as):
    instansi = make_instansi()
    skpd = make_unit("Dinas Sosial", instansi=instansi)
    login_as(make_user(Role.ADMIN_BKPSDM, skpd))
    numbers = [make_nip() for _ in range(5)]
    iid = _upload(client, ("NIP;Nama;SKPD\n" + "".join(f"{n};Pegawai;Dinas Sosial\n" for n in numbers)).encode())
    # the worker checks the upload; the preview shows what it found
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        imp = db.session.get(RosterImport, iid)
        assert imp.status == ImportStatus.CHECKED and imp.row_count == 5 and imp.job.result["errors"] == 0
    assert client.post(f"/impor/{iid}/terapkan", data={}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.employee_number.in_(numbers))) == 0
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        imp = db.session.get(RosterImport, iid)
        assert imp.status == ImportStatus.APPLIED and imp.created == 5 and imp.data is None
        assert imp.job.status == JobStatus.DONE and imp.job.result["created"] == 5
    assert client.get(f"/impor/{iid}/proses").headers["Location"].endswith(f"/impor/{iid}/ringkasan")


def test_the_progress_page_follows_the_job(app, client, make_instansi, make_unit, make_user, login_as):
    instansi = make_instansi()
    login_as(make_user(Role.ADMIN_BKPSDM, make_unit("Dinas Sosial", instansi=instansi)))
    iid = _checked(app, client, f"NIP;Nama;SKPD\n{make_nip()};Budi;Dinas Sosial\n".encode())
    client.post(f"/impor/{iid}/terapkan", data={})

    def set_job(**values):
        with app.app_context():
            job = db.session.get(RosterImport, iid).job
            for name, value in values.items():
                setattr(job, name, value)
            db.session.commit()

    def page():
        response = client.get(f"/impor/{iid}/proses")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    set_job(status=JobStatus.RUNNING, phase="checking", done=4, total=15)
    text = page()
    assert 'max="15" value="4"' in text and "4 dari 15" in text and 'data-job-progress="2"' in text
    set_job(done=12)
    assert 'value="12"' in page()
    set_job(phase="applying", done=0)
    text = page()
    assert "Menyimpan data pegawai" in text and 'data-job-progress=' in text
    assert '<progress id="roster-progress-bar" aria-describedby' in text  # indeterminate
    set_job(done=7)  # published from inside the apply's transaction (PostgreSQL)
    text = page()
    assert 'max="15" value="7"' in text and "Menyimpan data pegawai: 7 dari 15 baris" in text
    set_job(status=JobStatus.FAILED, error="Alasan gagal.")
    text = page()
    assert "Alasan gagal." in text and 'data-job-progress=' not in text and f"/impor/{iid}" in text
    # failed: the preview offers the import again, and a new job is queued
    assert client.get(f"/impor/{iid}").status_code == 200
    assert client.post(f"/impor/{iid}/terapkan", data={}).headers["Location"].endswith("/proses")
    with app.app_context():
        assert db.session.get(RosterImport, iid).job.status == JobStatus.QUEUED


def test_the_job_checks_the_uploader_again(app, client, make_instansi, make_unit, make_user, login_as):
    instansi = make_instansi()
    skpd = make_unit("Dinas Sosial", instansi=instansi)
    operator = make_user(Role.OPERATOR_SKPD, skpd)
    login_as(operator)
    iid = _checked(app, client, f"NIP;Nama;SKPD\n{make_nip()};Budi;\n".encode())
    client.post(f"/impor/{iid}/terapkan", data={})
    with app.app_context():
        db.session.get(User, operator.id).role = Role.PESERTA  # demoted meanwhile
        db.session.commit()
        services.run_pending("w")
        imp = db.session.get(RosterImport, iid)
        assert imp.status == ImportStatus.FAILED and imp.created == 0
        assert "tidak lagi berwenang" in imp.job.error


def test_the_check_job_checks_the_uploader_too(app, client, make_instansi, make_unit, make_user, login_as):
    instansi = make_instansi()
    operator = make_user(Role.OPERATOR_SKPD, make_unit("Dinas Sosial", instansi=instansi))
    login_as(operator)
    iid = _upload(client, f"NIP;Nama;SKPD\n{make_nip()};Budi;\n".encode())
    with app.app_context():
        db.session.get(User, operator.id).role = Role.PESERTA
        db.session.commit()
        services.run_pending("w")
        imp = db.session.get(RosterImport, iid)
        assert imp.status == ImportStatus.REJECTED and "tidak lagi berwenang" in imp.failure and imp.data is None


# --- uploads never applied are removed after a set time ------------------------------------------

def test_unapplied_uploads_are_removed_after_the_retention_time(app, make_instansi, make_unit, make_user):
    instansi = make_instansi()
    admin = make_user(Role.ADMIN_BKPSDM, make_unit("Dinas Sosial", instansi=instansi))
    data = f"NIP;Nama;SKPD\n{make_nip()};Budi;Dinas Sosial\n".encode()
    with app.app_context():
        uploader = db.session.get(User, admin.id)
        stale = _stored(uploader, "lama.csv", data)
        failed = _stored(uploader, "gagal.csv", data)
        failed.mark_failed("x")
        applied = _stored(uploader, "selesai.csv", data)
        applied.mark_applied(created=1, updated=0, unchanged=0, deactivated=0, new_units=[], errors=[])
        refused = roster_services.create_upload(uploader.instansi, uploader, "ditolak.csv", b"Nama\nBudi\n")
        db.session.commit()
        services.run_pending("w")
        assert refused.status == ImportStatus.REJECTED and refused.data is None
        busy = _stored(uploader, "proses.csv", data)
        roster_services.start_import(busy, actor=uploader, deactivate_missing=False)
        fresh = _stored(uploader, "baru.csv", data)
        old = utcnow() - dt.timedelta(hours=25)
        for imp in (stale, failed, applied, refused, busy):
            imp.created_at = old
        db.session.commit()
        ids = {name: imp.id for name, imp in
               (("stale", stale), ("failed", failed), ("applied", applied), ("refused", refused), ("busy", busy),
                ("fresh", fresh))}
    # the worker's housekeeping removes them
    app.config["JOBS_MAINTENANCE_SECONDS"] = 0
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        left = set(db.session.scalars(select(RosterImport.id).where(RosterImport.id.in_(ids.values()))))
        # "busy" ran meanwhile (its job was queued): applied now, so it stays
        assert left == {ids["applied"], ids["busy"], ids["fresh"]}
        # the setting decides; an upload also clears what is due
        app.config["ROSTER_UPLOAD_RETENTION_HOURS"] = 0
        try:
            uploader = db.session.get(User, admin.id)
            _stored(uploader, "lagi.csv", data)
            names = set(db.session.scalars(
                select(RosterImport.filename).where(RosterImport.instansi_id == instansi.id)))
            assert names == {"selesai.csv", "proses.csv", "lagi.csv"}
        finally:
            app.config["ROSTER_UPLOAD_RETENTION_HOURS"] = 24
        db.session.rollback()


def test_an_upload_a_job_is_working_on_is_kept(app, make_instansi, make_unit, make_user):
    instansi = make_instansi()
    admin = make_user(Role.ADMIN_BKPSDM, make_unit("Dinas Sosial", instansi=instansi))
    with app.app_context():
        uploader = db.session.get(User, admin.id)
        busy = _stored(uploader, "a.csv", f"NIP;Nama;SKPD\n{make_nip()};Budi;Dinas Sosial\n".encode())
        roster_services.start_import(busy, actor=uploader, deactivate_missing=False)
        busy.created_at = utcnow() - dt.timedelta(days=3)
        db.session.flush()
        assert roster_services.purge_stale_uploads() == 0
        assert roster_services.purge_stale_uploads(utcnow() + dt.timedelta(days=1)) == 0
        busy.job.status = JobStatus.FAILED
        db.session.flush()
        assert roster_services.purge_stale_uploads() == 1
        db.session.rollback()


def test_an_upload_waiting_for_its_check_is_kept(app, make_instansi, make_unit, make_user):
    instansi = make_instansi()
    admin = make_user(Role.ADMIN_BKPSDM, make_unit("Dinas Sosial", instansi=instansi))
    with app.app_context():
        uploader = db.session.get(User, admin.id)
        waiting = roster_services.create_upload(uploader.instansi, uploader, "a.csv", b"NIP;Nama\n1;Budi\n")
        waiting.created_at = utcnow() - dt.timedelta(days=3)
        db.session.flush()
        assert waiting.job.status == JobStatus.QUEUED
        assert roster_services.purge_stale_uploads() == 0
        db.session.rollback()


def test_progress_inside_a_long_transaction(own_app: Flask):
    """On PostgreSQL the page sees progress made while the task's work is still uncommitted (a short
    transaction of its own); on SQLite (one writer) it shows when the work commits. Never a wait."""
    from sqlalchemy import text

    seen: list[tuple] = []

    def long_task(ctx, payload):
        ctx.progress(0, 10, "applying", commit=True)
        db.session.execute(update(Job).where(Job.id == -1).values(done=0))  # the task's own transaction is open
        ctx.progress(5, 10, "applying")
        with db.engine.connect() as other:  # what the progress page would read now
            seen.append(tuple(other.execute(text("SELECT phase, done, total FROM jobs WHERE id = :id"),
                                            {"id": ctx.job.id}).one()))
        return {"ok": True}

    services.register("test.long", Task(long_task))
    try:
        with own_app.app_context():
            job = services.enqueue("test.long", {})
            db.session.commit()
            assert services.run_pending("w") == 1
            db.session.expire_all()
            final = db.session.get(Job, job.id)
            assert final.status == JobStatus.DONE and (final.phase, final.done, final.total) == ("applying", 5, 10)
            dialect = db.engine.dialect.name
    finally:
        services.TASKS.pop("test.long", None)
    assert seen == [("applying", 5, 10)] if dialect == "postgresql" else seen == [("applying", 0, 10)]


# --- two "Terapkan" posts at once queue one job ---------------------------------------------------

def test_two_simultaneous_applies_queue_one_job(own_app: Flask) -> None:
    """Threads with real commits (own_app: SQLite file, and PostgreSQL when configured): both pass
    the view's "no pending job" check, both call start_import; one job is queued, the other
    request is told the file is already being applied and queues nothing (on SQLite its stale
    snapshot may be refused as "database is locked" instead, which the view treats the same)."""
    from elearn.org import services as org_services

    with own_app.app_context():
        instansi = org_services.create_instansi("serentak", "Pemerintah Kota Serentak", "WIB")
        org_services.create_unit(instansi, "Dinas Sosial")
        admin = User(employee_number=make_nip(), name="Admin", instansi_id=instansi.id, role=Role.ADMIN_BKPSDM)
        db.session.add(admin)
        db.session.commit()
        imp = _stored(admin, "a.csv", f"NIP;Nama;SKPD\n{make_nip()};Budi;Dinas Sosial\n".encode())
        import_id, admin_id = imp.id, admin.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def apply() -> None:
        with own_app.app_context():
            mine = db.session.get(RosterImport, import_id)
            actor = db.session.get(User, admin_id)
            assert mine.job_id is None or not mine.job.is_pending
            barrier.wait()
            try:
                roster_services.start_import(mine, actor=actor, deactivate_missing=False)
                db.session.commit()
                outcomes.append("queued")
            except ServiceError as exc:
                db.session.rollback()
                outcomes.append(exc.code)
            except OperationalError:
                db.session.rollback()
                outcomes.append("already_started")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_started", "queued"]
    with own_app.app_context():
        jobs = db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == roster_services.IMPORT_JOB))
        assert jobs == 1
        assert db.session.get(RosterImport, import_id).job.kind == roster_services.IMPORT_JOB
