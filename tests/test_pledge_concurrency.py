"""Concurrent signing never forks or breaks a chain: threads with their own sessions and real
commits (not the SAVEPOINT-isolated session of tests/conftest.py) sign through
``sign_and_commit`` against a database of their own (the ``own_app`` fixture of tests/conftest.py:
an SQLite file, and a fresh PostgreSQL database when ELEARN_TEST_DATABASE_URL names a server)."""
from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from sqlalchemy import func, select, text

from elearn.accounts.models import User
from elearn.db import db, utcnow
from elearn.errors import ServiceError
from elearn.org import services as org_services
from elearn.pledges import chain, services
from elearn.pledges.models import PledgeChainHead, PledgeSignature

from pledge_support import make_campaign, make_pledge_version
from support import make_nip

THREADS = 8
PER_THREAD = 10


def _seed(app: Flask, instansi_count: int, people_per_instansi: int) -> list[dict[str, Any]]:
    worlds = []
    with app.app_context():
        version = make_pledge_version()
        for i in range(instansi_count):
            instansi = org_services.create_instansi(f"instansi-{i}", f"Pemerintah Kota Serentak {i}", "WIB")
            units = [org_services.create_unit(instansi, f"Dinas {k}") for k in range(3)]
            users = [User(employee_number=make_nip(), name=f"Pegawai {i}-{n}", instansi_id=instansi.id,
                          unit_id=units[n % 3].id, golongan="II/c") for n in range(people_per_instansi)]
            db.session.add_all(users)
            campaign = make_campaign(instansi.id, version)
            db.session.flush()
            worlds.append({"instansi_id": instansi.id, "campaign_id": campaign.id, "user_ids": [u.id for u in users]})
        db.session.commit()
    return worlds


def _sign(app: Flask, campaign_id: int, user_id: int) -> None:
    from elearn.pledges.models import Campaign

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        user = db.session.get(User, user_id)
        now = utcnow()
        seen = chain.text_hash(services.render_pledge(campaign.pledge_version, user, campaign, now))
        services.sign_and_commit(campaign, user, method="typed", signature_png=None, typed_name=user.name,
                                 rendered_text_hash=seen, ip="10.1.2.3", user_agent="thread", now=now)


def _run(app: Flask, jobs: list[list[tuple[int, int]]]) -> list[BaseException]:
    """One thread per job list, all released at once; returns what the threads raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(job: list[tuple[int, int]]) -> None:
        barrier.wait()
        for campaign_id, user_id in job:
            try:
                _sign(app, campaign_id, user_id)
            except BaseException as exc:  # noqa: BLE001 - collected and asserted by the test
                with lock:
                    errors.append(exc)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _assert_one_valid_chain(instansi_id: int, expected: int) -> None:
    result = chain.verify_chain(instansi_id)
    assert (result.ok, result.checked, result.first_broken) == (True, expected, None)
    seqs = db.session.scalars(select(PledgeSignature.seq).where(PledgeSignature.instansi_id == instansi_id)
                              .order_by(PledgeSignature.seq)).all()
    assert seqs == list(range(1, expected + 1))
    prevs = db.session.scalars(select(PledgeSignature.prev_hash).where(PledgeSignature.instansi_id == instansi_id))
    assert len(set(prevs)) == expected  # no two records point at the same predecessor: no fork
    head = db.session.get(PledgeChainHead, instansi_id)
    assert head.last_seq == expected


def test_concurrent_signers_leave_one_valid_chain(own_app: Flask) -> None:
    """8 threads × 10 signers of one instansi, and every thread also submits for one shared person
    (a double submit from eight devices): one chain with seq 1..81, one row for the shared person."""
    (world,) = _seed(own_app, 1, THREADS * PER_THREAD + 1)
    campaign_id, contested = world["campaign_id"], world["user_ids"][-1]
    jobs = []
    for t in range(THREADS):
        own = [(campaign_id, uid) for uid in world["user_ids"][t * PER_THREAD:(t + 1) * PER_THREAD]]
        jobs.append(own[:t % PER_THREAD] + [(campaign_id, contested)] + own[t % PER_THREAD:])
    errors = _run(own_app, jobs)
    assert all(isinstance(e, ServiceError) and e.code == "already_signed" for e in errors), errors
    assert len(errors) == THREADS - 1
    with own_app.app_context():
        _assert_one_valid_chain(world["instansi_id"], THREADS * PER_THREAD + 1)
        assert db.session.scalar(select(func.count()).select_from(PledgeSignature)
                                 .where(PledgeSignature.user_id == contested)) == 1


def test_concurrent_signers_of_two_instansi(own_app: Flask) -> None:
    """Two chains grow side by side (each thread alternates between the two instansi)."""
    worlds = _seed(own_app, 2, THREADS // 2 * PER_THREAD)
    jobs: list[list[tuple[int, int]]] = [[] for _ in range(THREADS)]
    for w, world in enumerate(worlds):
        for n, uid in enumerate(world["user_ids"]):
            jobs[(n + w) % THREADS].append((world["campaign_id"], uid))
    errors = _run(own_app, jobs)
    assert errors == []
    with own_app.app_context():
        for world in worlds:
            _assert_one_valid_chain(world["instansi_id"], THREADS // 2 * PER_THREAD)
