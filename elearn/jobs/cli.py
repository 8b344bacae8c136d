"""``flask --app elearn worker``: run background jobs (beside gunicorn in production)."""
from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import time
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..db import db
from . import services


@click.command("worker")
@click.option("--once", is_flag=True, help="Jalankan pekerjaan yang antre lalu berhenti (cron, uji).")
@click.option("--poll", type=float, default=1.0, show_default=True,
              help="Detik menunggu sebelum memeriksa antrean lagi.")
@with_appcontext
def worker_command(once: bool, poll: float) -> None:
    """Run queued background jobs (roster imports, ...) until stopped (Ctrl-C or SIGTERM).

    A job that is running when SIGTERM arrives is finished first."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    config = current_app.config
    stale = dt.timedelta(minutes=int(config["JOBS_STALE_MINUTES"]))
    keep = dt.timedelta(days=int(config["JOBS_RETENTION_DAYS"]))
    every = float(config["JOBS_MAINTENANCE_SECONDS"])
    stopping = {"now": False}

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping["now"] = True

    if not once:
        signal.signal(signal.SIGTERM, stop)
        click.echo(f"Pekerja {name} berjalan; Ctrl-C untuk berhenti.")
    last_maintenance = float("-inf")
    try:
        while not stopping["now"]:
            if time.monotonic() - last_maintenance >= every:
                services.requeue_stale(stale)
                services.purge_finished(keep)
                db.session.commit()
                services.run_maintenance()
                last_maintenance = time.monotonic()
            ran = services.run_pending(name, limit=1)
            db.session.remove()
            if ran:
                continue
            if once:
                break
            time.sleep(poll)
    except KeyboardInterrupt:
        pass
    finally:
        db.session.remove()


def register(app: Flask) -> None:
    app.cli.add_command(worker_command)
