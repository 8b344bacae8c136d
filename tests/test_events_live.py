"""The live part of an event (issue 13, part B): presenter transitions, phones' answers, the
state endpoint's ETag/304, state shared by two app instances, the phone page's weight, the
distribution, the leaderboard per SKPD, the signing phase and the live source of the item analysis."""
from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update

from elearn import create_app
from elearn.accounts.models import JenisJabatan, Role, User
from elearn.db import db, utcnow
from elearn.events import live
from elearn.events.models import Attendance, CheckinMethod, Event, EventKind, LiveAnswer, LivePhase
from elearn.org.models import Unit
from elearn.quizzes import analysis
from elearn.quizzes.models import Quiz
from factories import new_instansi, new_unit, new_user
from quiz_support import FEED, MULTIPLE, SINGLE, TRUE_FALSE, make_quiz
from support import login

ROOT = Path(__file__).resolve().parent.parent
LIVE_ORDER = (SINGLE, MULTIPLE, TRUE_FALSE, FEED)  # the fixture quiz without its branching question


def _page_weight() -> Any:
    if "page_weight" not in sys.modules:
        spec = importlib.util.spec_from_file_location("page_weight", ROOT / "benchmarks" / "page_weight.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["page_weight"] = module
        spec.loader.exec_module(module)
    return sys.modules["page_weight"]


def make_event(instansi_id: int, *, quiz_id: int | None = None, campaign_id: int | None = None,
               skpd_id: int | None = None, leaderboard: bool = False) -> Event:
    now = utcnow()
    event = Event(instansi_id=instansi_id, skpd_id=skpd_id, kind=EventKind.APEL, title="Apel Pagi Netralitas",
                  place="Halaman Balai Kota", starts_at=now - dt.timedelta(minutes=10),
                  ends_at=now + dt.timedelta(hours=1), quiz_id=quiz_id, campaign_id=campaign_id,
                  leaderboard=leaderboard)
    db.session.add(event)
    db.session.flush()
    return event


def check_in(event: Event, user: User) -> Attendance:
    unit = db.session.get(Unit, user.unit_id)
    row = Attendance(event_id=event.id, user_id=user.id, method=CheckinMethod.SCAN, unit_id=user.unit_id,
                     skpd_id=unit.skpd_id if unit is not None else None)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def room(app: Flask) -> dict[str, Any]:
    """Instansi with SKPD A (6 people, its head among them) and SKPD B (4 people), a trainer, a
    live quiz over the fixture bank and an event now; everyone but ``late`` checked in."""
    inst = new_instansi(app)
    skpd_a = new_unit(app, "Dinas Pendidikan", instansi=inst)
    skpd_b = new_unit(app, "Dinas Kesehatan", instansi=inst)
    trainer = new_user(app, Role.PELATIH, skpd_a)
    a_people = [new_user(app, Role.PESERTA, skpd_a) for _ in range(5)]
    head = new_user(app, Role.PESERTA, skpd_a, name="Kepala Dinas Pendidikan", jenis_jabatan=JenisJabatan.JPT_PRATAMA)
    b_people = [new_user(app, Role.PESERTA, skpd_b) for _ in range(4)]
    late = new_user(app, Role.PESERTA, skpd_b)
    with app.app_context():
        quiz = make_quiz("kuis-langsung")
        event = make_event(inst.id, quiz_id=quiz.id, leaderboard=True)
        for person in [*a_people, head, *b_people]:
            check_in(event, person)
        db.session.commit()
        ids = {"event": event.id, "quiz": quiz.id, "instansi": inst.id, "a": skpd_a.id, "b": skpd_b.id}
    return {"ids": ids, "trainer": trainer, "a": a_people, "head": head, "b": b_people, "late": late}


def as_user(app: Flask, user: User) -> Any:
    """A signed-in test client of its own. (pytest-flask's ``client`` keeps its last request's app
    context pushed, and with it flask-login's user in ``g``: another client would be served as that
    user.)"""
    client = app.test_client()
    login(client, user)
    return client


def _event(room: dict[str, Any]) -> Event:
    event = db.session.get(Event, room["ids"]["event"])
    assert event is not None
    return event


def _act(event: Event, action: str) -> None:
    live.transition(event, action, expected_version=event.live_version)


def _answer(event: Event, user: User, raw: Any, position: int | None = None) -> live.AnswerResult:
    person = db.session.get(User, user.id)
    return live.answer(event, person, event.live_position if position is None else position, raw)


# --- transitions ------------------------------------------------------------------------------------


def test_live_questions_are_the_quiz_draw_in_a_fixed_order(app: Flask, room) -> None:
    with app.app_context():
        event = _event(room)
        _act(event, "start")
        keys = [live.current_version(event).question.key]
        while live.has_next(event):
            _act(event, "close")
            _act(event, "next")
            keys.append(live.current_version(event).question.key)
        assert tuple(keys) == LIVE_ORDER  # branching is not played live
        assert live.question_count(event) == 4


def test_transitions_and_illegal_ones(app: Flask, room) -> None:
    with app.app_context():
        event = _event(room)
        assert live.allowed_actions(event) == ["start", "end"]
        for action in ("close", "reveal", "next", "sign"):
            with pytest.raises(live.LiveError) as err:
                _act(event, action)
            assert err.value.code in ("illegal", "no_campaign")
        assert event.live_version == 0 and event.live_phase == LivePhase.WAITING
        _act(event, "start")
        assert (event.live_phase, event.live_position, event.live_version) == (LivePhase.OPEN, 0, 1)
        with pytest.raises(live.LiveError):
            _act(event, "next")  # close first
        with pytest.raises(live.LiveError):
            _act(event, "reveal")
        with pytest.raises(live.LiveError):
            _act(event, "start")  # not twice
        _act(event, "close")
        _act(event, "reveal")
        # a stale version (another tab moved on) is refused, nothing changes
        with pytest.raises(live.LiveError) as err:
            live.transition(event, "next", expected_version=1)
        assert err.value.code == "stale"
        assert (event.live_phase, event.live_version) == (LivePhase.REVEALED, 3)
        for _ in range(3):
            _act(event, "next")
            _act(event, "close")
        assert event.live_position == 3
        with pytest.raises(live.LiveError):
            _act(event, "next")  # no question after the last
        _act(event, "end")
        assert live.allowed_actions(event) == []
        with pytest.raises(live.LiveError):
            _act(event, "end")


def test_presenter_page_resumes_and_a_stale_tab_gets_a_message(app: Flask, room) -> None:
    client = as_user(app, room["trainer"])
    eid = room["ids"]["event"]
    html = client.get(f"/acara/{eid}/presenter").get_data(as_text=True)
    assert "Apel Pagi Netralitas" in html and "Halaman Balai Kota" in html
    assert client.post(f"/acara/{eid}/presenter/start", data={"version": "0"}).status_code == 302
    # the browser is closed and opened again: the page shows the open question where it was
    html = client.get(f"/acara/{eid}/presenter").get_data(as_text=True)
    assert "Like unggahan tim pemenangan" in html and "0 jawaban masuk" in html
    assert 'name="version" value="1"' in html
    # a second tab still showing version 0 tries to start again / close: refused with a message
    response = client.post(f"/acara/{eid}/presenter/close", data={"version": "0"}, follow_redirects=True)
    assert "Tampilan ini sudah usang" in response.get_data(as_text=True)
    response = client.post(f"/acara/{eid}/presenter/close", data={}, follow_redirects=True)
    assert "Tampilan ini sudah usang" in response.get_data(as_text=True)
    with app.app_context():
        assert _event(room).live_phase == LivePhase.OPEN and _event(room).live_version == 1
    assert client.post(f"/acara/{eid}/presenter/close", data={"version": "1"}).status_code == 302
    assert client.post(f"/acara/{eid}/presenter/lompat", data={"version": "2"}).status_code == 404
    with app.app_context():
        assert _event(room).live_phase == LivePhase.CLOSED


def test_presenter_actions_and_answers_need_csrf(app: Flask, room) -> None:
    client = as_user(app, room["trainer"])
    phone = as_user(app, room["a"][0])
    eid = room["ids"]["event"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/acara/{eid}/presenter/start", data={"version": "0"}).status_code == 400
        html = client.get(f"/acara/{eid}/presenter").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        assert client.post(f"/acara/{eid}/presenter/start",
                           data={"version": "0", "csrf_token": token}).status_code == 302
        answer = {"position": "0", "options": "a"}
        assert phone.post(f"/acara/{eid}/langsung/jawab", data=answer, headers={"X-Live": "1"}).status_code == 400
        html = phone.get(f"/acara/{eid}/langsung").get_data(as_text=True)  # (the page holds the token)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        # the fetch sends the token in a header
        response = phone.post(f"/acara/{eid}/langsung/jawab", data=answer,
                              headers={"X-Live": "1", "X-CSRFToken": token})
        assert response.status_code == 200 and "Jawaban Anda tercatat." in response.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- answers ------------------------------------------------------------------------------------------


def test_first_answer_counts_and_retries_are_harmless(app: Flask, room) -> None:
    with app.app_context():
        event = _event(room)
        _act(event, "start")
        first = _answer(event, room["a"][0], {"options": ["a"]})
        assert not first.existing and first.answer.correct is True and first.answer.score == 1.0
        again = _answer(event, room["a"][0], {"options": ["a"]})
        assert again.existing and not again.changed and again.answer.id == first.answer.id
        other = _answer(event, room["a"][0], {"options": ["c"]})
        assert other.existing and other.changed and other.answer.response == {"options": ["a"]}
        with pytest.raises(live.LiveError) as err:
            _answer(event, room["a"][1], {"options": ["zz"]})
        assert err.value.code == "answer"
        with pytest.raises(live.LiveError) as err:
            _answer(event, room["a"][1], {"options": ["a"]}, position=1)  # not the open question
        assert err.value.code == "closed"
        rows = db.session.scalars(select(LiveAnswer).where(LiveAnswer.event_id == event.id)).all()
        assert len(rows) == 1 and rows[0].skpd_id == room["ids"]["a"]


def test_answer_after_close_is_refused_and_not_recorded(app: Flask, room) -> None:
    eid = room["ids"]["event"]
    with app.app_context():
        event = _event(room)
        _act(event, "start")
        db.session.commit()
    client = as_user(app, room["a"][0])
    html = client.get(f"/acara/{eid}/langsung").get_data(as_text=True)
    assert 'name="position" value="0"' in html
    with app.app_context():
        event = _event(room)
        _act(event, "close")
        db.session.commit()
    response = client.post(f"/acara/{eid}/langsung/jawab", data={"position": "0", "options": "a"},
                           headers={"X-Live": "1"})
    assert response.status_code == 409
    assert "Soal ini sudah ditutup; jawaban Anda tidak dicatat." in response.get_data(as_text=True)
    # without JS: back to the page with the same message
    response = client.post(f"/acara/{eid}/langsung/jawab", data={"position": "0", "options": "a"},
                           follow_redirects=True)
    assert "Soal ini sudah ditutup" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LiveAnswer)) == 0


def test_not_checked_in_is_sent_to_check_in(app: Flask, room) -> None:
    eid = room["ids"]["event"]
    with app.app_context():
        _act(_event(room), "start")
        db.session.commit()
    client = as_user(app, room["late"])
    html = client.get(f"/acara/{eid}/langsung").get_data(as_text=True)
    assert "Anda belum tercatat hadir" in html and 'href="/hadir"' in html
    assert 'name="position"' not in html
    state = client.get(f"/acara/{eid}/langsung/state").get_json()
    assert state["in"] == 0
    response = client.post(f"/acara/{eid}/langsung/jawab", data={"position": "0", "options": "a"},
                           headers={"X-Live": "1"})
    assert response.status_code == 403 and "belum tercatat hadir" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LiveAnswer)) == 0


def test_phone_answers_through_the_pages(app: Flask, room) -> None:
    eid = room["ids"]["event"]
    with app.app_context():
        _act(_event(room), "start")
        db.session.commit()
    client = as_user(app, room["a"][0])
    # a plain form POST (no JS): recorded, back to the page which says so
    html = client.post(f"/acara/{eid}/langsung/jawab", data={"position": "0", "options": "a"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Jawaban Anda tercatat." in html and 'name="position"' not in html
    # a second, different answer (fetch): the first counts, the phone says so
    response = client.post(f"/acara/{eid}/langsung/jawab", data={"position": "0", "options": "b"},
                           headers={"X-Live": "1"})
    assert response.status_code == 200
    assert "Jawaban pertama Anda sudah tercatat" in response.get_data(as_text=True)
    with app.app_context():
        answers = db.session.scalars(select(LiveAnswer)).all()
        assert [a.response for a in answers] == [{"options": ["a"]}]
        event = _event(room)
        _act(event, "close")
        _act(event, "reveal")
        db.session.commit()
    html = client.get(f"/acara/{eid}/langsung/soal").get_data(as_text=True)
    assert "Jawaban Anda benar." in html and "PP 42/2004 Pasal 11 huruf c" in html


def test_shared_question_views_never_carry_a_persons_answer(app: Flask, room) -> None:
    """The question fragment of phones that have not answered is rendered once per worker
    (``_shared_view``): an answer of one phone must not show on another's, and the revealed
    feedback is the same for both while right/wrong is each phone's own."""
    eid = room["ids"]["event"]
    with app.app_context():
        _act(_event(room), "start")
        db.session.commit()
    first, second = as_user(app, room["a"][0]), as_user(app, room["a"][1])
    url = f"/acara/{eid}/langsung/soal"
    before = second.get(url).get_data(as_text=True)
    assert 'name="position"' in before and "checked" not in before
    first.post(f"/acara/{eid}/langsung/jawab", data={"position": "0", "options": "a"}, headers={"X-Live": "1"})
    mine = first.get(url).get_data(as_text=True)
    assert 'name="position"' not in mine and "Jawaban Anda tercatat" in mine
    again = second.get(url).get_data(as_text=True)
    assert again == before  # the second phone's form: still empty, still open
    second.post(f"/acara/{eid}/langsung/jawab", data={"position": "0", "options": "b"}, headers={"X-Live": "1"})
    with app.app_context():
        event = _event(room)
        _act(event, "close")
        _act(event, "reveal")
        db.session.commit()
    right, wrong = first.get(url).get_data(as_text=True), second.get(url).get_data(as_text=True)
    assert "Jawaban Anda benar." in right and "Jawaban Anda benar." not in wrong
    assert "Jawaban Anda belum tepat." in wrong
    assert "PP 42/2004 Pasal 11 huruf c" in right and "PP 42/2004 Pasal 11 huruf c" in wrong


def test_concurrent_answers_make_one_row(own_app: Flask) -> None:
    with own_app.app_context():
        inst = new_instansi(own_app)
        unit = new_unit(own_app, "Dinas Serentak", instansi=inst)
        person = new_user(own_app, Role.PESERTA, unit)
        quiz = make_quiz("kuis-serentak")
        event = make_event(inst.id, quiz_id=quiz.id)
        check_in(event, person)
        live.transition(event, "start", expected_version=0)
        db.session.commit()
        eid, uid = event.id, person.get_id()
        db.session.remove()
    threads_n = 6
    barrier = threading.Barrier(threads_n)
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        client = own_app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = uid
            sess["_fresh"] = True
        try:
            barrier.wait()
            # the same answer (a double tap) from half, a different one from the other half
            response = client.post(f"/acara/{eid}/langsung/jawab", headers={"X-Live": "1"},
                                   data={"position": "0", "options": "a" if n % 2 else "b"})
            with lock:
                statuses.append(response.status_code)
            response.close()
        except BaseException as exc:  # noqa: BLE001
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert statuses == [200] * threads_n
    with own_app.app_context():
        rows = db.session.scalars(select(LiveAnswer).where(LiveAnswer.event_id == eid)).all()
        assert len(rows) == 1
        db.session.remove()


# --- the phone's state -----------------------------------------------------------------------------


def test_state_etag_304_and_size(app: Flask, room) -> None:
    eid = room["ids"]["event"]
    client = as_user(app, room["a"][0])
    url = f"/acara/{eid}/langsung/state"
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.get_json() == {"v": 0, "p": "waiting", "q": None, "n": 0, "a": 0, "in": 1}
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    with app.app_context():
        _act(_event(room), "start")
        db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    body = changed.get_data()
    assert len(body) < 2048
    assert changed.get_json()["p"] == "open" and changed.get_json()["q"] == 0
    etag = changed.headers["ETag"]
    # answering changes this phone's state (and only this phone's)
    client.post(f"/acara/{eid}/langsung/jawab", data={"position": "0", "options": "a"}, headers={"X-Live": "1"})
    mine = client.get(url, headers={"If-None-Match": etag})
    assert mine.status_code == 200 and mine.get_json()["a"] == 1
    other = as_user(app, room["a"][1])
    unchanged = other.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304, (etag, unchanged.headers.get("ETag"), unchanged.get_data())


def test_checked_in_phone_polls_the_shared_state(app: Flask, room, statements) -> None:
    """Once the live page has seen the person checked in, their session notes it and their polls
    get the event's shared state: no per-person fields, the same ETag for every phone, and with
    the worker's short cache no statement at all for most polls."""
    eid = room["ids"]["event"]
    first, second = as_user(app, room["a"][0]), as_user(app, room["a"][1])
    for client in (first, second):
        assert client.get(f"/acara/{eid}/langsung").status_code == 200
    url = f"/acara/{eid}/langsung/state"
    a, b = first.get(url), second.get(url)
    assert a.get_json() == {"v": 0, "p": "waiting", "q": None, "n": 0}
    assert a.headers["ETag"] == b.headers["ETag"]
    etag = a.headers["ETag"]
    with app.app_context():
        _act(_event(room), "start")
        db.session.commit()
    changed = first.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["p"] == "open"
    # answering does not change the shared state: the answer's own response updated the phone
    first.post(f"/acara/{eid}/langsung/jawab", data={"position": "0", "options": "a"}, headers={"X-Live": "1"})
    assert first.get(url, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 304
    # with the cache on, polls within its lifetime run no statement
    app.config["LIVE_STATE_CACHE_SECONDS"] = 30
    try:
        first.get(url)
        statements.clear()
        for client in (first, second):
            assert client.get(url, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 304
        assert [s for s in statements if not s.startswith(("BEGIN", "ROLLBACK", "COMMIT"))] == []
    finally:
        app.config["LIVE_STATE_CACHE_SECONDS"] = 0
        live._STATE_CACHE.clear()
    # signed out: the shared path is not open to the session any more
    first.post("/keluar")
    assert first.get(url).status_code == 302


def test_open_question_panel_is_shared_and_answers_carry_their_token(app: Flask, room) -> None:
    """A checked-in phone that has not answered gets the open question's shared panel (no
    per-person token in it: the script sends the page's); its answer with that token in the header
    is recorded, and then it gets its own panel again."""
    eid = room["ids"]["event"]
    client = as_user(app, room["a"][0])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        _shared_panel_flow(app, room, client, eid)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _shared_panel_flow(app: Flask, room: dict[str, Any], client: Any, eid: int) -> None:
    import re

    page = client.get(f"/acara/{eid}/langsung").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', page)
    assert token
    with app.app_context():
        _act(_event(room), "start")
        db.session.commit()
    panel = client.get(f"/acara/{eid}/langsung/soal", headers={"X-Live": "1"}).get_data(as_text=True)
    assert "data-live-answer" in panel and 'name="csrf_token"' not in panel
    assert client.post(f"/acara/{eid}/langsung/jawab", data={"position": "0", "options": "a"},
                       headers={"X-Live": "1"}).status_code == 400  # no token: refused
    answered = client.post(f"/acara/{eid}/langsung/jawab", data={"position": "0", "options": "a"},
                           headers={"X-Live": "1", "X-CSRFToken": token.group(1)})
    assert answered.status_code == 200 and "Jawaban Anda tercatat" in answered.get_data(as_text=True)
    own = client.get(f"/acara/{eid}/langsung/soal", headers={"X-Live": "1"}).get_data(as_text=True)
    assert "data-live-answer" not in own and "Jawaban Anda tercatat" in own
    # someone not signed in gets no panel at all
    assert app.test_client().get(f"/acara/{eid}/langsung/soal", headers={"X-Live": "1"}).status_code == 302


def test_shared_panel_is_kept_per_language(app: Flask, room) -> None:
    eid = room["ids"]["event"]
    indonesian, english = as_user(app, room["a"][0]), as_user(app, room["a"][1])
    english.set_cookie("elearn_lang", "en")
    for client in (indonesian, english):
        client.get(f"/acara/{eid}/langsung")
    with app.app_context():
        _act(_event(room), "start")
        db.session.commit()
    url = f"/acara/{eid}/langsung/soal"
    assert "Kirim jawaban" in indonesian.get(url, headers={"X-Live": "1"}).get_data(as_text=True)
    assert "Send answer" in english.get(url, headers={"X-Live": "1"}).get_data(as_text=True)


def test_state_of_another_instansi_is_404(app: Flask, room) -> None:
    stranger = new_user(app, Role.PESERTA, new_unit(app))
    client = as_user(app, stranger)
    eid = room["ids"]["event"]
    for path in ("/langsung", "/langsung/state", "/langsung/soal"):
        assert client.get(f"/acara/{eid}{path}").status_code == 404


def test_state_refuses_a_session_that_no_longer_holds(app: Flask, room) -> None:
    """The poll checks the account in its own statement (no user loader): deactivated, or a newer
    session version (password changed, signed out everywhere), and the poll is sent to sign in."""
    eid = room["ids"]["event"]
    person = room["a"][0]
    client = as_user(app, person)
    url = f"/acara/{eid}/langsung/state"
    assert client.get(url).status_code == 200
    with app.app_context():
        db.session.execute(update(User).where(User.id == person.id).values(session_version=User.session_version + 1))
        db.session.commit()
    gone = client.get(url)
    assert gone.status_code == 302 and "/masuk" in gone.headers["Location"]
    fresh = as_user(app, db.session.get(User, person.id))
    assert fresh.get(url).status_code == 200
    with app.app_context():
        db.session.execute(update(User).where(User.id == person.id).values(active=False))
        db.session.commit()
    assert fresh.get(url).status_code == 302
    anonymous = app.test_client()
    assert anonymous.get(url).status_code == 302
    with anonymous.session_transaction() as sess:
        sess["_user_id"] = "not-an-id"
    assert anonymous.get(url).status_code == 302


def test_state_is_shared_by_two_app_instances(own_app: Flask) -> None:
    """Two app servers on one database: a change through one is what the other serves."""
    other_app = create_app({**{k: own_app.config[k] for k in ("ELEARN_ENV", "TESTING", "SECRET_KEY",
                                                               "WTF_CSRF_ENABLED", "ARGON2_TIME_COST",
                                                               "ARGON2_MEMORY_COST")},
                            "DATABASE_URL": own_app.config["DATABASE_URL"]})
    try:
        with own_app.app_context():
            inst = new_instansi(own_app)
            unit = new_unit(own_app, "Dinas Dua Server", instansi=inst)
            trainer = new_user(own_app, Role.PELATIH, unit)
            person = new_user(own_app, Role.PESERTA, unit)
            quiz = make_quiz("kuis-dua-server")
            event = make_event(inst.id, quiz_id=quiz.id)
            check_in(event, person)
            db.session.commit()
            eid, trainer_id, person_id = event.id, trainer.get_id(), person.get_id()
            db.session.remove()

        def client_of(application: Flask, uid: str) -> Any:
            client = application.test_client()
            with client.session_transaction() as sess:
                sess["_user_id"] = uid
                sess["_fresh"] = True
            return client

        presenter = client_of(own_app, trainer_id)
        phone_1 = client_of(own_app, person_id)
        phone_2 = client_of(other_app, person_id)
        url = f"/acara/{eid}/langsung/state"
        etag = phone_2.get(url).headers["ETag"]
        assert presenter.post(f"/acara/{eid}/presenter/start", data={"version": "0"}).status_code == 302
        seen = phone_2.get(url, headers={"If-None-Match": etag})
        assert seen.status_code == 200 and seen.get_json()["p"] == "open"
        # an answer through server 1, seen by server 2; the question fragment from server 2
        phone_1.post(f"/acara/{eid}/langsung/jawab", data={"position": "0", "options": "a"}, headers={"X-Live": "1"})
        assert phone_2.get(url).get_json()["a"] == 1
        assert "Jawaban Anda tercatat" in phone_2.get(f"/acara/{eid}/langsung/soal").get_data(as_text=True)
        with own_app.app_context():
            db.session.remove()
    finally:
        db.session.remove()
        db.get_engine(other_app).dispose()


def test_phone_page_weighs_under_30_kb(app: Flask, room) -> None:
    """Everything a phone downloads on a first visit of the live page (HTML, app.css included, live.css,
    live-phone.js), uncompressed, with the heaviest question of the fixture (the social-media post)
    open; and the fragment it fetches when the question changes."""
    page_weight = _page_weight()
    eid = room["ids"]["event"]
    with app.app_context():
        event = _event(room)
        _act(event, "start")
        for _ in range(3):
            _act(event, "close")
            _act(event, "next")
        assert live.current_version(event).type == "social_feed"
        db.session.commit()
    client = as_user(app, room["a"][0])
    [weight] = page_weight.measure(client, [f"/acara/{eid}/langsung"])
    # (under their content-hashed names: elearn/static_files.py)
    assert any(re.fullmatch(r"/static/js/live-phone\.[0-9a-f]{10}\.js", r) for r in weight.static)
    assert any(re.fullmatch(r"/static/css/app\.[0-9a-f]{10}\.css", r) for r in weight.static)
    print(f"live page: html {weight.html} B, static {weight.static}, total {weight.first_visit_raw} B "
          f"(gzip {weight.first_visit_gz} B)")
    assert weight.first_visit_raw < 30 * 1024, (weight.html, weight.static)
    fragment = client.get(f"/acara/{eid}/langsung/soal").get_data()
    assert len(fragment) < 8 * 1024


# --- the projector ----------------------------------------------------------------------------------


def test_distribution_and_leaderboard_by_skpd(app: Flask, room) -> None:
    with app.app_context():
        event = _event(room)
        _act(event, "start")
        # SKPD A: 6 people, 4 answer a (right), 1 b, 1 c; SKPD B: 4 people, 1 a, 2 b, 1 silent
        for person, option in zip([*room["a"], room["head"]], "aaaabc", strict=True):
            _answer(event, person, {"options": [option]})
        for person, option in zip(room["b"][:3], "abb", strict=True):
            _answer(event, person, {"options": [option]})
        _act(event, "close")
        version = live.current_version(event)
        rows = live.distribution(event, version, 0)
        assert [(r.key, r.count, r.right) for r in rows] == [("a", 5, True), ("b", 3, False), ("c", 1, False)]
        _act(event, "reveal")
        _act(event, "next")
        # multiple response: A's first two choose both right ones, one of B chooses one right + wrong
        _answer(event, room["a"][0], {"options": ["tolak", "bukti"]})
        _answer(event, room["a"][1], {"options": ["tolak", "bukti"]})
        _answer(event, room["b"][0], {"options": ["tolak", "hadir"]})
        rows = live.distribution(event, live.current_version(event), 1)
        assert [(r.key, r.count, r.right) for r in rows] == [
            ("tolak", 3, True), ("bukti", 2, True), ("hadir", 1, False)]
        # SKPD A: 6 people answered 8 times, 6 right; SKPD B: 3 people (under 5: left off the board)
        board = live.leaderboard(event)
        assert [(s.skpd_id, s.people, s.answers, s.correct) for s in board] == [(room["ids"]["a"], 6, 8, 6)]
        live.MIN_LEADERBOARD_PEOPLE, saved = 3, live.MIN_LEADERBOARD_PEOPLE
        try:
            board = live.leaderboard(event)
        finally:
            live.MIN_LEADERBOARD_PEOPLE = saved
        assert [(s.skpd_id, s.people, s.answers, s.correct) for s in board] == [
            (room["ids"]["a"], 6, 8, 6), (room["ids"]["b"], 3, 4, 1)]
        _act(event, "close")
        _act(event, "reveal")
        db.session.commit()
    client = as_user(app, room["trainer"])
    html = client.get(f"/acara/{room['ids']['event']}/presenter").get_data(as_text=True)
    assert "Papan skor per perangkat daerah" in html and "Dinas Pendidikan: 75% benar" in html
    assert "Dinas Kesehatan:" not in html  # 3 people answering: not shown
    assert "PP 94/2021 Pasal 5 huruf n angka 3" in html  # the rule the right answer rests on
    # 3 answers to the question: tolak 3 (100 %), bukti 2, hadir 1
    assert 'width="100.0"' in html and 'width="66.7"' in html and 'width="33.3"' in html
    for person in [*room["a"], *room["b"]]:
        assert person.name not in html  # never by person


def test_presenter_status_json(app: Flask, room) -> None:
    client = as_user(app, room["trainer"])
    eid = room["ids"]["event"]
    client.post(f"/acara/{eid}/presenter/start", data={"version": "0"})
    with app.app_context():
        event = _event(room)
        _answer(event, room["a"][0], {"options": ["a"]})
        db.session.commit()
    status = client.get(f"/acara/{eid}/presenter/status").get_json()
    assert status["v"] == 1 and status["answers"] == 1 and "1 jawaban masuk" in status["html"]


def test_signing_phase_heads_first(app: Flask, room) -> None:
    from pledge_support import make_campaign, sign_as

    eid = room["ids"]["event"]
    with app.app_context():
        campaign = make_campaign(room["ids"]["instansi"])
        event = _event(room)
        event.campaign_id = campaign.id
        _act(event, "sign")
        for person in [room["a"][0], room["b"][0], room["head"]]:
            sign_as(campaign, db.session.get(User, person.id))
        sign_as(campaign, db.session.get(User, room["late"].id))  # signed, but not at the event
        db.session.commit()
        campaign_id = campaign.id
        signing = live.signing(event)
        assert signing.total == 3 and signing.present == 10
        assert signing.heads == [("Kepala Dinas Pendidikan", "Dinas Pendidikan")]
        assert signing.per_skpd == [("Dinas Pendidikan", 2), ("Dinas Kesehatan", 1)]
    client = as_user(app, room["a"][1])
    state = client.get(f"/acara/{eid}/langsung/state").get_json()
    assert state["p"] == "signing" and state["sign"] == f"/pakta/{campaign_id}/tandatangani"
    html = client.get(f"/acara/{eid}/langsung").get_data(as_text=True)
    assert f'href="/pakta/{campaign_id}/tandatangani"' in html
    trainer = as_user(app, room["trainer"])
    html = trainer.get(f"/acara/{eid}/presenter").get_data(as_text=True)
    assert "3 dari 10 peserta hadir sudah menandatangani" in html
    assert html.index("Kepala Dinas Pendidikan") < html.index("Per perangkat daerah")


# --- statement counts -------------------------------------------------------------------------------


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = db.get_engine(app)

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)


def test_state_and_status_statements_do_not_grow_with_answers(app: Flask, room, statements) -> None:
    people = [*room["a"], room["head"], *room["b"]]
    with app.app_context():
        second = make_event(room["ids"]["instansi"], quiz_id=room["ids"]["quiz"], leaderboard=True)
        for person in people:
            check_in(second, person)
        db.session.commit()
        events = (room["ids"]["event"], second.id)
    phone = as_user(app, room["a"][0])
    client = as_user(app, room["trainer"])

    def run(eid: int, answering: list[User]) -> tuple[int, int, int]:
        with app.app_context():
            event = db.session.get(Event, eid)
            _act(event, "start")
            for person in answering:
                _answer(event, person, {"options": ["a" if person.id % 2 else "b"]})
            db.session.commit()
        statements.clear()
        assert phone.get(f"/acara/{eid}/langsung/state").status_code == 200
        state_n = len(statements)
        statements.clear()
        assert client.get(f"/acara/{eid}/presenter/status").status_code == 200
        open_n = len(statements)
        with app.app_context():
            event = db.session.get(Event, eid)
            _act(event, "close")
            _act(event, "reveal")
            db.session.commit()
        statements.clear()
        assert client.get(f"/acara/{eid}/presenter/status").status_code == 200
        return state_n, open_n, len(statements)

    one = run(events[0], people[:1])
    ten = run(events[1], people)
    assert one == ten
    # the phone's poll: the signed-in person (flask-login), then ONE statement for the event's
    # live columns, attendance and this person's answer
    assert one[0] <= 2


# --- item analysis: the live source -------------------------------------------------------------------


def test_item_analysis_has_a_live_source(app: Flask, room) -> None:
    with app.app_context():
        event = _event(room)
        _act(event, "start")
        for person, option in zip([*room["a"], room["head"], *room["b"]], "aaaabcabba", strict=True):
            _answer(event, person, {"options": [option]})
        _act(event, "close")
        _act(event, "next")
        for person in room["a"][:3]:  # 3 people: under the k >= 5 rule
            _answer(event, person, {"options": ["tolak"]})
        db.session.commit()
        admin = new_user(app, Role.ADMIN_BKPSDM, db.session.get(Unit, room["ids"]["a"]))
        quiz = db.session.get(Quiz, room["ids"]["quiz"])
        result = analysis.analyse(quiz, db.session.get(User, admin.id), source=analysis.SOURCE_LIVE)
        assert result.people == 10
        by_key = {q.question.key: q for q in result.questions}
        single = by_key[SINGLE].versions[0]
        assert single.sums.n == 10 and single.sums.correct == 6
        assert [(c.key, c.count, c.hidden) for c in single.choices] == [("a", 6, False), ("b", 3, True),
                                                                         ("c", 1, True)]
        assert by_key[MULTIPLE].versions[0].hidden  # 3 people: no figures
        # the quiz source does not count live answers
        assert analysis.analyse(quiz, db.session.get(User, admin.id)).people == 0
    client = as_user(app, admin)
    html = client.get("/analisis/kuis/kuis-langsung?sumber=langsung").get_data(as_text=True)
    assert "Orang yang dihitung: 10." in html and "Acara langsung" in html
    html = client.get("/analisis/kuis/kuis-langsung").get_data(as_text=True)
    assert "Orang yang dihitung: kurang dari 5." in html
    csv = client.get("/analisis/kuis/kuis-langsung/csv?sumber=langsung").get_data(as_text=True)
    assert "Like unggahan tim pemenangan" in csv


def test_item_analysis_live_statements_are_flat(app: Flask, room, statements) -> None:
    with app.app_context():
        event = _event(room)
        _act(event, "start")
        admin = new_user(app, Role.ADMIN_BKPSDM, db.session.get(Unit, room["ids"]["a"]))
        quiz = db.session.get(Quiz, room["ids"]["quiz"])
        people = [*room["a"], room["head"], *room["b"]]
        for person in people[:5]:
            _answer(event, person, {"options": ["a"]})
        db.session.commit()
        statements.clear()
        analysis.analyse(quiz, db.session.get(User, admin.id), source=analysis.SOURCE_LIVE)
        few = len(statements)
        for person in people[5:]:
            _answer(event, person, {"options": ["b"]})
        db.session.commit()
        statements.clear()
        analysis.analyse(quiz, db.session.get(User, admin.id), source=analysis.SOURCE_LIVE)
        assert len(statements) == few
