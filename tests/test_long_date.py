"""Issue 16: one date format on the learner's pages: the ``long_date`` filter ("4 Desember 2026", "4
December 2026" in English; a timestamp on its local day, optionally with the time and zone), used by
the course list's due dates, the quiz pages, the pakta list and the certificates."""
from __future__ import annotations

import datetime as dt
import re

from flask import Flask, render_template_string

from elearn.courses.models import CourseAssignment
from elearn.db import db
from elearn.templating import long_date

DAY = dt.date(2026, 12, 4)


def test_long_date_in_both_languages(app: Flask) -> None:
    with app.test_request_context():
        assert long_date(DAY) == "4 Desember 2026"
        assert long_date(None) == ""
        # 4 December 2026 23:30 UTC is the 5th in Jakarta (UTC+7) and still the 4th nowhere west of it
        late = dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC)
        assert long_date(late, "Asia/Jakarta") == "5 Desember 2026"
        assert long_date(late, "Asia/Jayapura", time=True) == "5 Desember 2026 08.30 WIT"
        assert render_template_string("{{ d|long_date }}", d=DAY) == "4 Desember 2026"
    with app.test_request_context(headers={"Cookie": "elearn_lang=en"}):
        assert long_date(DAY) == "4 December 2026"
        assert long_date(dt.datetime(2026, 8, 17, 3, 5, tzinfo=dt.UTC), "Asia/Makassar", time=True) == \
            "17 August 2026 11:05 WITA"
        assert render_template_string("{{ d|long_date }}", d=DAY) == "4 December 2026"


def test_the_course_list_prints_due_dates_in_the_one_format(app: Flask, client, make_course, make_user,
                                                            login_as) -> None:
    cv = make_course(modules=1, sections=1)
    person = make_user()
    with app.app_context():
        db.session.add(CourseAssignment(course_id=cv.course_id, instansi_id=person.instansi_id,
                                        unit_id=person.unit_id, due_date=dt.date(2099, 12, 4)))
        db.session.commit()
    login_as(person)
    for url in ("/kursus/", "/"):
        page = client.get(url).get_data(as_text=True)
        assert "4 Desember 2099" in page, url
    client.set_cookie("elearn_lang", "en")
    for url in ("/kursus/", "/"):
        page = client.get(url).get_data(as_text=True)
        assert "4 December 2099" in page and "Desember" not in page, url


def test_no_learner_template_formats_dates_its_own_way() -> None:
    """The learner's templates print dates with ``long_date`` only (no dateformat/local_dt/strftime)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "elearn" / "templates"
    learner = [*root.glob("courses/*.html"), *root.glob("quizzes/*.html"), root / "pledges" / "index.html",
               root / "pledges" / "sign.html", root / "certificates" / "index.html",
               root / "core" / "home_peserta.html"]
    own_way = re.compile(r"\|\s*(dateformat|datetimeformat|local_dt)\b|strftime|isoformat|(?<![|\w])long_date\(")
    offenders = [f"{path.relative_to(root)}: {m.group(0)}" for path in learner
                 for m in own_way.finditer(path.read_text())]
    assert offenders == []


def test_timestamps_on_every_page_use_the_one_format(app: Flask) -> None:
    """HR, authoring and event pages print timestamps with ``local_dt``, which is ``long_date`` with the time:
    one format everywhere (issue 16), not Babel's "medium"/"short" date styles."""
    import datetime as dt  # noqa: PLC0415

    from elearn.templating import local_dt  # noqa: PLC0415

    moment = dt.datetime(2026, 12, 4, 7, 5, 30, tzinfo=dt.timezone.utc)  # 14.05 WIB, a Friday
    with app.test_request_context("/"):
        assert local_dt(moment, "Asia/Jakarta") == "4 Desember 2026 14.05 WIB"
        assert local_dt(moment, "Asia/Makassar", "time") == "15.05 WITA"
        assert local_dt(moment, "Asia/Jakarta", "weekday") == "Jumat, 4 Desember 2026 14.05 WIB"
        assert local_dt(moment, "Asia/Jakarta", "seconds") == "4 Desember 2026 14.05.30 WIB"  # the audit log
    with app.test_request_context("/", headers={"Cookie": "elearn_lang=en"}):
        assert local_dt(moment, "Asia/Jakarta") == "4 December 2026 14:05 WIB"
        assert local_dt(moment, "Asia/Jakarta", "weekday") == "Friday, 4 December 2026 14:05 WIB"


def test_no_template_formats_dates_its_own_way() -> None:
    """Every template: no strftime/isoformat/dateformat, and ``local_dt`` only in its three forms."""
    from pathlib import Path  # noqa: PLC0415

    root = Path(__file__).resolve().parent.parent / "elearn" / "templates"
    own_way = re.compile(r"\|\s*(dateformat|datetimeformat)\b|strftime|isoformat")
    offenders = [f"{path.relative_to(root)}: {m.group(0)}" for path in root.rglob("*.html")
                 for m in own_way.finditer(path.read_text())]
    for path in root.rglob("*.html"):
        for args in re.findall(r"local_dt\(([^)]*)\)", path.read_text()):
            offenders += [f"{path.relative_to(root)}: local_dt({args})" for literal in re.findall(r",\s*'([^']*)'\s*$", args)
                          if literal not in ("time", "weekday", "seconds")]
    assert offenders == []


def test_clock(app: Flask) -> None:
    """Times of day in the format of ``long_date(time=True)`` (the rekap's "Dihitung pukul", check-in
    messages, the event report; found by the issue 16 walk); nothing for no timestamp."""
    from elearn.templating import clock

    start = dt.datetime(2026, 11, 30, 0, 30, tzinfo=dt.UTC)  # 07.30 in Jakarta
    with app.test_request_context():
        assert clock(start, "Asia/Jakarta") == "07.30 WIB"
        assert clock(None) == ""
    with app.test_request_context(headers={"Cookie": "elearn_lang=en"}):
        assert clock(start, "Asia/Makassar") == "08:30 WITA"


def test_the_event_pages_and_messages_use_the_one_format(app: Flask) -> None:
    """The check-in refusals and the event report's heading (Python-side texts)."""
    from types import SimpleNamespace

    from elearn.events import checkin
    from elearn.events.report_views import _when

    zone = SimpleNamespace(iana="Asia/Jakarta")
    start = dt.datetime(2026, 11, 30, 0, 30, tzinfo=dt.UTC)
    event = SimpleNamespace(cancelled=False, instansi=SimpleNamespace(timezone=zone), starts_at=start,
                            ends_at=start + dt.timedelta(hours=1),
                            checkin_window=lambda: (start - dt.timedelta(minutes=30), start + dt.timedelta(minutes=15)))
    with app.test_request_context():
        early = checkin.window_error(event, start - dt.timedelta(hours=2))
        late = checkin.window_error(event, start + dt.timedelta(hours=2))
        assert early is not None and "Dibuka 30 November 2026 07.00 WIB." in early.message
        assert late is not None and "(pukul 07.45 WIB)" in late.message
        assert _when(event) == "Senin, 30 November 2026 07.30 WIB – 08.30 WIB"


def test_a_slip_file_is_named_after_the_instansi_s_day(monkeypatch) -> None:
    """At 23:30 UTC it is already the next day in Jayapura (UTC+9): the slips printed there are dated
    that day, not the server's."""
    from elearn.accounts import slips

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC).astimezone(tz)

    monkeypatch.setattr(slips.dt, "datetime", Clock)
    batch = slips.SlipBatch(instansi_name="Pemerintah Kota Jayapura", skpd_name="Dinas Pendidikan",
                            activation_url="https://elearn.example/aktivasi", expires_at=None,
                            tz_iana="Asia/Jayapura", slips=[])
    assert slips.filename(batch, "pdf") == "slip-aktivasi-dinas-pendidikan-20261205.pdf"
    assert slips.filename(batch, "csv", dt.date(2026, 1, 2)) == "slip-aktivasi-dinas-pendidikan-20260102.csv"
