"""Snapshots of the dashboard's counted figures (``/rekap/`` of a whole instansi, or of an
operator's own SKPD), so that the page does not count the roster on every request: counting 50,000
ASN takes ~300-600 ms, reading a snapshot a few.

Public API::

    figures(selection, skpd_id=None, *, max_age=None, now=None) -> Figures   # snapshot or live
    recount(selection, skpd_id=None, *, now=None) -> Figures                  # live, stored
    request_refresh(selection, skpd_id=None, *, now=None) -> bool             # queue a recount job
    mark_stale(instansi_id) -> int                                            # after bulk changes
    forget_instansi(instansi_id) -> int                                       # drop them

One snapshot per (instansi, skpd filter, course, quiz, campaign) in ``rekap_snapshots``: the SKPD
rows, the leaders' rows and the campaign's progress per day (the timeline is drawn from it with
today's date, without a statement).

**Stale while revalidate.** A snapshot younger than ``REKAP_SNAPSHOT_MAX_AGE_SECONDS`` is served.
An older one, or one marked ``stale`` (a roster import changed who is counted), is still served,
flagged ``refreshing``, and a ``rekap.snapshot`` job is queued for the worker to count it again
(``REKAP_RECOUNT_IN_BACKGROUND``, the default); "Hitung ulang" queues the same job. Only the first
request of a selection (no snapshot yet) counts in the request. A compare-and-set on
``refresh_requested_at`` queues one job however many requests see the old snapshot at once (again
after ``REFRESH_RETRY`` when no worker took it). Without background recounting an old snapshot is
counted in the request and stored. ``max_age`` 0 counts live and stores nothing (the TESTING
config). Exports (CSV, XLSX, PDF) always count live.

Storing commits: it runs at the end of a read-only GET, in its own savepoint, and two requests
storing the same key at once do not fail (the loser of the INSERT race updates instead; a locked
SQLite file skips storing: the figures were counted and are shown anyway)."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from ..db import db, utcnow
from ..jobs.services import JobContext, Task, enqueue, register
from . import services, timeline
from .summary_models import RekapSnapshot

log = logging.getLogger(__name__)

#: the RekapRow fields a snapshot keeps (the head rows' names are translated when read)
_ROW_FIELDS = ("key", "name", *services.COUNTS, "depth", "skpd_id")


@dataclass
class Figures:
    rows: list[services.RekapRow]
    heads: list[services.RekapRow]
    #: the selected campaign's progress (None without a campaign)
    progress: timeline.Progress | None
    computed_at: dt.datetime
    #: True when read from a stored snapshot
    from_snapshot: bool = False
    #: True when a recount of this (old or stale) snapshot is queued or running
    refreshing: bool = False
    #: people who attended at least one event, per SKPD now (None: no unit) and kind
    #: (``events.reports.attended_by_skpd``); empty in snapshots stored before events existed
    attendance: dict[int | None, dict[str, int]] = field(default_factory=dict)

    def attended(self, skpd_id: int | None, kind: str = "sosialisasi") -> int:
        return self.attendance.get(skpd_id, {}).get(kind, 0)

    def attended_total(self, kind: str = "sosialisasi") -> int:
        return sum(counts.get(kind, 0) for counts in self.attendance.values())


#: the background recount's job kind; payload: instansi_id, skpd_id, course_id, quiz_id, campaign_id
REFRESH_JOB = "rekap.snapshot"
#: a recount queued longer ago than this (no worker took it, or it died) may be queued again
REFRESH_RETRY = dt.timedelta(minutes=10)


def selection_key(selection: services.Selection, skpd_id: int | None) -> str:
    def part(value: Any) -> str:
        return str(value.id) if value is not None and not isinstance(value, int) else str(value or "-")

    return ":".join([str(selection.instansi.id), part(skpd_id), part(selection.course), part(selection.quiz),
                     part(selection.campaign)])


def max_age_seconds() -> int:
    return int(current_app.config.get("REKAP_SNAPSHOT_MAX_AGE_SECONDS", 0) or 0)


def in_background() -> bool:
    return bool(current_app.config.get("REKAP_RECOUNT_IN_BACKGROUND", True))


def count(selection: services.Selection, skpd_id: int | None = None, *,
          now: dt.datetime | None = None) -> Figures:
    """Count live: the SKPD and head rows (one aggregate), the campaign's progress and who
    attended events (one aggregate)."""
    from ..events.reports import attended_by_skpd

    rows, heads = services.skpd_and_head_rows(selection, skpd_id)
    progress = timeline.progress(selection, skpd_id) if selection.campaign is not None else None
    attendance = attended_by_skpd(selection.instansi.id, skpd_id)
    return Figures(rows, heads, progress, now or utcnow(), attendance=attendance)


def _encode(fig: Figures) -> dict[str, Any]:
    def row(r: services.RekapRow) -> dict[str, Any]:
        values = asdict(r)
        return {k: values[k] for k in _ROW_FIELDS}

    progress = None
    if fig.progress is not None:
        progress = {"headcount": fig.progress.headcount,
                    "by_day": {day.isoformat(): n for day, n in fig.progress.by_day.items()}}
    attendance = [[key, counts] for key, counts in fig.attendance.items()]
    return {"skpd": [row(r) for r in fig.rows], "heads": [row(r) for r in fig.heads], "progress": progress,
            "attendance": attendance}


def _decode(data: dict[str, Any], computed_at: dt.datetime, refreshing: bool = False) -> Figures:
    from flask_babel import gettext

    names = {"head": gettext("Kepala perangkat daerah"), "wilayah": gettext("Kepala wilayah lainnya (lurah, ...)")}
    rows = [services.RekapRow(**r) for r in data["skpd"]]
    heads = [services.RekapRow(**{**r, "name": names.get(r["key"], r["name"])}) for r in data["heads"]]
    raw = data.get("progress")
    progress = None
    if raw is not None:
        progress = timeline.Progress(raw["headcount"],
                                     {dt.date.fromisoformat(d): n for d, n in raw["by_day"].items()})
    # snapshots stored before events existed have no "attendance": nobody attended then
    attendance = {key: dict(counts) for key, counts in data.get("attendance") or []}
    return Figures(rows, heads, progress, computed_at, from_snapshot=True, refreshing=refreshing,
                   attendance=attendance)


def _store(selection: services.Selection, skpd_id: int | None, fig: Figures) -> None:
    key = selection_key(selection, skpd_id)
    values = {"data": _encode(fig), "computed_at": fig.computed_at, "stale": False, "refresh_requested_at": None}
    table = RekapSnapshot.__table__

    def update_it() -> int:
        return db.session.execute(update(table).where(table.c.selection_key == key).values(**values)).rowcount

    db.session.commit()  # end the read transaction: the write starts afresh (SQLite WAL snapshots)
    try:
        try:
            with db.session.begin_nested():
                if not update_it():
                    db.session.execute(insert(table).values(
                        selection_key=key, instansi_id=selection.instansi.id, skpd_id=skpd_id,
                        course_id=selection.course.id if selection.course is not None else None,
                        quiz_id=selection.quiz.id if selection.quiz is not None else None,
                        campaign_id=selection.campaign.id if selection.campaign is not None else None,
                        **values))
        except IntegrityError:
            # another request stored the same key meanwhile: replace its figures with these
            with db.session.begin_nested():
                update_it()
        db.session.commit()
    except OperationalError as exc:  # e.g. SQLite locked past its busy timeout: serve without storing
        db.session.rollback()
        log.warning("rekap snapshot %s not stored: %s", key, exc)


def figures(selection: services.Selection, skpd_id: int | None = None, *, max_age: int | None = None,
            now: dt.datetime | None = None) -> Figures:
    """The snapshot of this selection when younger than ``max_age`` seconds (default:
    REKAP_SNAPSHOT_MAX_AGE_SECONDS) and not stale; an older or stale one while its recount is
    queued (in the background); else counted live and stored (``max_age`` 0: live, nothing
    stored)."""
    max_age = max_age_seconds() if max_age is None else max_age
    now = now or utcnow()
    if max_age <= 0:
        return count(selection, skpd_id, now=now)
    snap = db.session.execute(
        select(RekapSnapshot.data, RekapSnapshot.computed_at, RekapSnapshot.stale,
               RekapSnapshot.refresh_requested_at)
        .where(RekapSnapshot.selection_key == selection_key(selection, skpd_id))).first()
    if snap is not None:
        young = dt.timedelta(0) <= now - snap.computed_at < dt.timedelta(seconds=max_age)
        if young and not snap.stale:
            pending = snap.refresh_requested_at
            queued = pending is not None and dt.timedelta(0) <= now - pending < REFRESH_RETRY
            return _decode(snap.data, snap.computed_at, refreshing=queued)
        if in_background():
            data, computed_at = snap.data, snap.computed_at
            refreshing = request_refresh(selection, skpd_id, now=now, pending=snap.refresh_requested_at)
            return _decode(data, computed_at, refreshing=refreshing)
    fig = count(selection, skpd_id, now=now)
    _store(selection, skpd_id, fig)
    return fig


def recount(selection: services.Selection, skpd_id: int | None = None, *, now: dt.datetime | None = None) -> Figures:
    """Count now and store the snapshot, whatever the max age."""
    fig = count(selection, skpd_id, now=now)
    _store(selection, skpd_id, fig)
    return fig


def has_snapshot(selection: services.Selection, skpd_id: int | None = None) -> bool:
    return db.session.scalar(select(RekapSnapshot.id).where(
        RekapSnapshot.selection_key == selection_key(selection, skpd_id))) is not None


def request_refresh(selection: services.Selection, skpd_id: int | None = None, *, now: dt.datetime | None = None,
                    pending: dt.datetime | None = None) -> bool:
    """Queue a ``rekap.snapshot`` job for this selection's snapshot unless one was queued less than
    REFRESH_RETRY ago (``pending``: the ``refresh_requested_at`` the caller read, saving a write
    when it is recent). Commits (ends the caller's read transaction). True when a recount is
    queued (now or before); False when the snapshot is gone or the database was busy."""
    now = now or utcnow()
    if pending is not None and dt.timedelta(0) <= now - pending < REFRESH_RETRY:
        return True
    key = selection_key(selection, skpd_id)
    table = RekapSnapshot.__table__
    db.session.commit()
    try:
        claimed = db.session.execute(
            update(table).where(table.c.selection_key == key,
                                (table.c.refresh_requested_at.is_(None))
                                | (table.c.refresh_requested_at < now - REFRESH_RETRY)
                                | (table.c.refresh_requested_at > now))
            .values(refresh_requested_at=now)).rowcount
        if claimed:
            enqueue(REFRESH_JOB, {
                "instansi_id": selection.instansi.id, "skpd_id": skpd_id,
                "course_id": selection.course.id if selection.course is not None else None,
                "quiz_id": selection.quiz.id if selection.quiz is not None else None,
                "campaign_id": selection.campaign.id if selection.campaign is not None else None,
            })
            db.session.commit()
            return True
        db.session.rollback()
        return has_snapshot(selection, skpd_id)
    except OperationalError as exc:  # SQLite locked past its busy timeout: the next request asks again
        db.session.rollback()
        log.warning("rekap snapshot %s: recount not queued: %s", key, exc)
        return False


def mark_stale(instansi_id: int) -> int:
    """Mark the instansi's snapshots stale (after a roster import changed who is counted), in the
    caller's transaction: they are served, flagged, until their recount lands (the next request
    of each queues it). Returns how many."""
    return db.session.execute(update(RekapSnapshot).where(RekapSnapshot.instansi_id == instansi_id)
                              .values(stale=True)).rowcount


def forget_instansi(instansi_id: int) -> int:
    """Drop the instansi's snapshots (after a roster import or seed-demo), in the caller's
    transaction. Returns how many."""
    return db.session.execute(delete(RekapSnapshot).where(RekapSnapshot.instansi_id == instansi_id)).rowcount


# --- the background recount ------------------------------------------------------------------------


def run_refresh(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """The ``rekap.snapshot`` job: count the selection of ``payload`` and store its snapshot. A
    selection whose instansi or chosen items are gone (their snapshot went with them) is skipped."""
    from ..courses.models import Course
    from ..org.models import Instansi
    from ..pledges.models import Campaign
    from ..quizzes.models import Quiz

    instansi = db.session.get(Instansi, int(payload.get("instansi_id") or 0))
    if instansi is None:
        return {"gone": True}
    chosen: dict[str, Any] = {}
    for name, model in (("course", Course), ("quiz", Quiz), ("campaign", Campaign)):
        ident = payload.get(f"{name}_id")
        chosen[name] = db.session.get(model, int(ident)) if ident is not None else None
        if ident is not None and chosen[name] is None:
            return {"gone": True}
    skpd_id = payload.get("skpd_id")
    selection = services.Selection.build(instansi, **chosen)
    fig = recount(selection, int(skpd_id) if skpd_id is not None else None)
    return {"key": selection_key(selection, skpd_id), "headcount": sum(r.headcount for r in fig.rows)}


def _refresh_failed(payload: dict[str, Any], message: str) -> None:
    """Let the next request queue the recount again at once."""
    db.session.execute(update(RekapSnapshot).where(
        RekapSnapshot.instansi_id == payload.get("instansi_id"),
        RekapSnapshot.refresh_requested_at.is_not(None)).values(refresh_requested_at=None))


register(REFRESH_JOB, Task(run_refresh, _refresh_failed))
