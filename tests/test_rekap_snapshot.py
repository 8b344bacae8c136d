"""The dashboard's snapshots (``reports.snapshots``, issue 12 item 5): with
REKAP_SNAPSHOT_MAX_AGE_SECONDS > 0 the whole-instansi page is served from stored figures (fewer
statements; a change is not visible until "Hitung ulang" or expiry), the recount POST needs CSRF,
an operator's snapshot is their own, and two first requests at once do not fail. An old or stale
snapshot is served while one background job (``rekap.snapshot``) counts it again."""
from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from elearn.accounts.models import Role, User
from elearn.db import db
from elearn.jobs.models import Job, JobStatus
from elearn.jobs.services import run_pending
from elearn.reports import snapshots
from elearn.reports.summary_models import RekapSnapshot
from support import login
from test_reports import _count, org  # noqa: F401  (the hand-checked data set)

URL = "/rekap/"


@pytest.fixture
def snapshotting(app: Flask):  # type: ignore[no-untyped-def]
    app.config["REKAP_SNAPSHOT_MAX_AGE_SECONDS"] = 300
    try:
        yield
    finally:
        app.config["REKAP_SNAPSHOT_MAX_AGE_SECONDS"] = 0


def _done_total(client) -> str:  # type: ignore[no-untyped-def]
    html = client.get(URL).get_data(as_text=True)
    found = re.search(r"(\d+) dari (\d+) pegawai aktif selesai", html)
    assert found, html
    return found.group(0)


def _jobs() -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.kind == snapshots.REFRESH_JOB).order_by(Job.id)))


def _run_jobs() -> int:
    ran = run_pending("test")
    db.session.expire_all()
    return ran


def _make_a1_not_done(org: dict[str, Any]) -> None:
    """A data change: Ani (done) is deactivated, so the live headcount drops by one."""
    db.session.execute(update(User).where(User.id == org["people"]["a1"].id).values(active=False))
    db.session.commit()


def test_testing_config_counts_live(app: Flask, client, org) -> None:  # noqa: F811
    assert app.config["REKAP_SNAPSHOT_MAX_AGE_SECONDS"] == 0
    login(client, org["users"]["admin"])
    before = _done_total(client)
    _make_a1_not_done(org)
    assert _done_total(client) != before  # live: visible at once
    assert db.session.scalar(select(func.count()).select_from(RekapSnapshot)) == 0


def test_second_request_is_served_from_the_snapshot(app: Flask, client, org, snapshotting) -> None:  # noqa: F811
    login(client, org["users"]["admin"])
    first = _count(app, client, URL)  # counts and stores
    assert db.session.scalar(select(func.count()).select_from(RekapSnapshot)) == 1
    second = _count(app, client, URL)
    assert second < first, (first, second)
    html = client.get(URL).get_data(as_text=True)
    assert "Dihitung pukul" in html and "WIB" in html and "Hitung ulang" in html
    before = _done_total(client)
    assert before == "3 dari 10 pegawai aktif selesai"
    _make_a1_not_done(org)
    assert _done_total(client) == before  # the snapshot: not visible yet
    response = client.post("/rekap/hitung-ulang")
    assert response.status_code == 302 and response.headers["Location"].startswith("/rekap/?")
    # queued for the worker: the page shows the stored figures, flagged, and no second button
    html = client.get(URL).get_data(as_text=True)
    assert "Angka sedang dihitung ulang" in html and "Sedang dihitung ulang." in html
    assert "3 dari 10 pegawai aktif selesai" in html and ">Hitung ulang</button>" not in html
    client.post("/rekap/hitung-ulang")  # a second click queues nothing more
    assert [job.status for job in _jobs()] == [JobStatus.QUEUED]
    assert _run_jobs() == 1
    html = client.get(URL).get_data(as_text=True)
    assert "2 dari 9 pegawai aktif selesai" in html  # recounted by the job
    assert "Sedang dihitung ulang." not in html and ">Hitung ulang</button>" in html
    assert db.session.scalar(select(RekapSnapshot.refresh_requested_at)) is None


def test_expired_snapshot_is_served_while_a_job_counts_it(app: Flask, client, org, snapshotting) -> None:  # noqa: F811
    login(client, org["users"]["admin"])
    before = _done_total(client)
    _make_a1_not_done(org)
    assert _done_total(client) == before
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=301)
    db.session.execute(update(RekapSnapshot).values(computed_at=old))
    db.session.commit()
    for _ in range(3):  # served old, flagged; one job however many requests see it
        html = client.get(URL).get_data(as_text=True)
        assert before in html and "Sedang dihitung ulang." in html
    assert len(_jobs()) == 1
    assert _run_jobs() == 1
    assert _done_total(client) == "2 dari 9 pegawai aktif selesai"
    (stored,) = db.session.scalars(select(RekapSnapshot.computed_at))
    assert stored > old + dt.timedelta(seconds=300)


def test_a_recount_nobody_took_is_queued_again(app: Flask, client, org, snapshotting) -> None:  # noqa: F811
    login(client, org["users"]["admin"])
    client.get(URL)
    client.post("/rekap/hitung-ulang")
    assert len(_jobs()) == 1
    long_ago = dt.datetime.now(dt.timezone.utc) - snapshots.REFRESH_RETRY - dt.timedelta(seconds=1)
    db.session.execute(update(RekapSnapshot).values(refresh_requested_at=long_ago))
    db.session.commit()
    client.post("/rekap/hitung-ulang")
    assert len(_jobs()) == 2


def test_without_background_recounting_the_request_counts(app: Flask, client, org, snapshotting) -> None:  # noqa: F811
    app.config["REKAP_RECOUNT_IN_BACKGROUND"] = False
    try:
        login(client, org["users"]["admin"])
        before = _done_total(client)
        _make_a1_not_done(org)
        assert _done_total(client) == before
        client.post("/rekap/hitung-ulang")
        assert _done_total(client) == "2 dari 9 pegawai aktif selesai"
        old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=301)
        db.session.execute(update(RekapSnapshot).values(computed_at=old))
        db.session.commit()
        html = client.get(URL).get_data(as_text=True)
        assert "Sedang dihitung ulang." not in html
        assert db.session.scalar(select(RekapSnapshot.computed_at)) > old + dt.timedelta(seconds=300)
        assert _jobs() == []
    finally:
        app.config["REKAP_RECOUNT_IN_BACKGROUND"] = True


def test_the_job_skips_a_selection_that_is_gone(app: Flask, client, org, snapshotting) -> None:  # noqa: F811
    login(client, org["users"]["admin"])
    client.get(URL)
    client.post("/rekap/hitung-ulang")
    (job,) = _jobs()
    job.payload = {**job.payload, "quiz_id": 10**6}
    db.session.commit()
    assert _run_jobs() == 1
    (job,) = _jobs()
    assert job.status == JobStatus.DONE and job.result == {"gone": True}


def test_recount_needs_csrf(app: Flask, client, org, snapshotting, csrf_enabled) -> None:  # noqa: F811
    admin = org["users"]["admin"]
    with app.app_context():
        app.config["WTF_CSRF_ENABLED"] = False
        login(client, admin)
        app.config["WTF_CSRF_ENABLED"] = True
    before = _done_total(client)
    _make_a1_not_done(org)
    assert client.post("/rekap/hitung-ulang").status_code == 400
    assert _done_total(client) == before  # nothing recounted
    html = client.get(URL).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token, html
    response = client.post("/rekap/hitung-ulang", data={"csrf_token": token.group(1)})
    assert response.status_code == 302
    assert len(_jobs()) == 1
    _run_jobs()
    assert _done_total(client) == "2 dari 9 pegawai aktif selesai"


def test_operator_snapshot_is_their_own(app: Flask, client, org, snapshotting) -> None:  # noqa: F811
    login(client, org["users"]["admin"])
    admin_html = client.get(URL).get_data(as_text=True)
    op_client = app.test_client()
    client.post("/keluar")
    login(op_client, org["users"]["op_y"])
    op_html = op_client.get(URL).get_data(as_text=True)
    keys = set(db.session.scalars(select(RekapSnapshot.selection_key)))
    assert len(keys) == 2
    assert {k.split(":")[1] for k in keys} == {"-", str(org["ids"]["y"])}
    # the operator sees their own SKPD only (Dinas Sosial: 2 people), the admin the instansi
    assert "1 dari 2 pegawai aktif selesai" in op_html and "Dinas Pendidikan" not in op_html
    assert "3 dari 10 pegawai aktif selesai" in admin_html
    # served again from their own snapshot
    assert "1 dari 2 pegawai aktif selesai" in op_client.get(URL).get_data(as_text=True)


def test_concurrent_first_requests_do_not_fail(own_app: Flask) -> None:
    from elearn.org import services as org_services
    from support import make_nip

    own_app.config["REKAP_SNAPSHOT_MAX_AGE_SECONDS"] = 300
    with own_app.app_context():
        instansi = org_services.create_instansi("serentak", "Pemerintah Kota Serentak", "WIB")
        unit = org_services.create_unit(instansi, "Dinas Sosial")
        admin = User(employee_number=make_nip(), name="Admin", instansi_id=instansi.id, unit_id=unit.id,
                     role=Role.ADMIN_BKPSDM)
        db.session.add(admin)
        db.session.add_all([User(employee_number=make_nip(), name=f"Pegawai {n}", instansi_id=instansi.id,
                                 unit_id=unit.id) for n in range(5)])
        db.session.commit()
        admin_id = admin.get_id()

    threads_n = 4
    barrier = threading.Barrier(threads_n)
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        client = own_app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = admin_id
            sess["_fresh"] = True
        try:
            barrier.wait()
            response = client.get(URL)
            with lock:
                statuses.append(response.status_code)
            response.close()
        except BaseException as exc:  # noqa: BLE001
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert statuses == [200] * threads_n
    with own_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RekapSnapshot)) == 1
        sel_key = db.session.scalar(select(RekapSnapshot.selection_key))
        assert sel_key.startswith(f"{instansi.id}:-:")
        db.session.remove()


def test_forget_instansi(app: Flask, client, org, snapshotting) -> None:  # noqa: F811
    login(client, org["users"]["admin"])
    client.get(URL)
    inst_id = db.session.scalar(select(RekapSnapshot.instansi_id))
    assert snapshots.forget_instansi(inst_id) == 1
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(RekapSnapshot)) == 0


def test_roster_import_marks_the_instansi_snapshots_stale(app: Flask, client, org, snapshotting) -> None:  # noqa: F811
    from elearn.org.models import Instansi
    from elearn.roster.services import import_roster
    from support import make_nip

    login(client, org["users"]["admin"])
    before = _done_total(client)
    assert db.session.scalar(select(func.count()).select_from(RekapSnapshot)) == 1
    inst = db.session.scalar(select(Instansi).where(Instansi.slug == "kota-rekap"))
    header = "NIP;Nama;Golongan;Jabatan;Jenis Jabatan;Jenis Pegawai;SKPD;Unit Kerja;Email;No HP"
    line = ";".join([make_nip(), "Pegawai Baru", "III/a", "Analis", "Pelaksana", "PNS", "Dinas Sosial", "", "", ""])
    import_roster(inst, (header + "\n" + line + "\n").encode(), today=dt.date(2026, 3, 15))
    db.session.commit()
    assert db.session.scalar(select(RekapSnapshot.stale)) is True
    html = client.get(URL).get_data(as_text=True)  # served, flagged, until the job has counted it
    assert before in html and "Sedang dihitung ulang." in html
    assert _run_jobs() == 1
    assert db.session.scalar(select(RekapSnapshot.stale)) is False
    assert _done_total(client) == before.replace("dari 10", "dari 11")  # counted again: the newcomer
