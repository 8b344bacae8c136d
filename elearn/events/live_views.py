"""The live event: the trainer's presenter view (projector) and the phones' live page.

Presenter (``authz.can_manage_event``):
    GET  /acara/<id>/presenter            the current question, answers coming in, distribution,
                                          right answer with feedback and rule, signatures, leaderboard
    POST /acara/<id>/presenter/<action>   start / next / close / reveal / sign / end; carries the
                                          ``version`` the page showed (a stale tab is refused)
    GET  /acara/<id>/presenter/status     the status panel (JSON with its HTML) for the page's polling

Phone (``authz.can_join_event`` and checked in):
    GET  /acara/<id>/langsung             the live page (works without JS: reload to update)
    GET  /acara/<id>/langsung/state       a tiny JSON with a weak ETag; 304 when unchanged
    GET  /acara/<id>/langsung/soal        the current question (or phase) as an HTML fragment
    POST /acara/<id>/langsung/jawab       the answer: a plain form POST (redirects back) or a fetch
                                          (``X-Live: 1``, CSRF token in ``X-CSRFToken``; the fragment)

Transport: short polling with conditional requests. The state endpoint is one statement (a
primary-key read of the event's live columns with two indexed EXISTS probes) after flask-login
loads the user; it renders no template and builds no URL except in the signing phase.
"""
from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import OperationalError
from werkzeug.routing import BuildError

from .. import authz
from ..db import begin_write, db
from ..quizzes import display
from ..quizzes.models import QuestionVersion
from . import live
from .models import Event, LivePhase

bp = Blueprint("events_live", __name__, url_prefix="/acara")

#: the event's start on the presenter view and the phone (as on the projector's check-in screen):
#: the day's name, then the one date format with the time (templating.local_dt)
LABEL_FORMAT = "weekday"
#: the phones poll this often (milliseconds; the page adds jitter so 1,000 phones spread out)
POLL_MS = 2000


def _number(value: str | None) -> int | None:
    """A small non-negative integer from a form field, else None."""
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _event_or_404(event_id: int, predicate: Any) -> Event:
    return authz.get_or_404(db.session.get(Event, event_id), predicate)


def checkin_url(event: Event) -> str:
    """Part A's check-in page (``/hadir``)."""
    try:
        return url_for("events.checkin")
    except BuildError:
        return "/hadir"


def signing_url(campaign_id: int) -> str:
    return url_for("pledges.sign", campaign_id=campaign_id)


def _label(event: Event) -> dict[str, Any]:
    from ..templating import local_dt

    # (the projector's check-in screen's format: the same label on the wall and on the phone, no seconds)
    return {"title": event.title, "place": event.place,
            "starts": local_dt(event.starts_at, event.instansi.timezone.iana, LABEL_FORMAT)}


# --- presenter -------------------------------------------------------------------------------------


def _presenter_context(event: Event) -> dict[str, Any]:
    version = live.current_version(event)
    position = event.live_position
    context: dict[str, Any] = {
        "event": event, "label": _label(event), "version": version, "phase": str(event.live_phase),
        "position": position, "count": live.question_count(event), "actions": live.allowed_actions(event),
        "answers": 0, "distribution": [], "review": None, "signing": None, "leaderboard": None,
    }
    if version is not None and position is not None and event.live_phase in (
            LivePhase.OPEN, LivePhase.CLOSED, LivePhase.REVEALED):
        context["answers"] = live.answer_count(event)
        context["question"] = _show(version, position)
        if event.live_phase != LivePhase.OPEN:
            context["distribution"] = live.distribution(event, version, position)
        if event.live_phase == LivePhase.REVEALED:
            context["review"] = display.review(_item(version, position, None))
    if event.live_phase in (LivePhase.SIGNING, LivePhase.ENDED) and event.campaign_id is not None:
        context["signing"] = live.signing(event)
    if event.leaderboard and event.live_phase in (LivePhase.REVEALED, LivePhase.ENDED):
        context["leaderboard"] = live.leaderboard(event)
    return context


def _item(version: Any, position: int, response: dict[str, Any] | None) -> Any:
    """What ``quizzes.display`` reads of an attempt item, for a live question (fixed option order)."""
    return SimpleNamespace(question_version=version, response=response, option_order=None, position=position,
                           score=None, fraction=None, correct=None)


def _show(version: Any, position: int, response: dict[str, Any] | None = None) -> dict[str, Any]:
    return display.question(_item(version, position, response))


#: (kind, question version id, position) -> what ``quizzes.display`` makes of it without a response.
#: Question versions are immutable, so a worker may keep these (nothing another worker needs): when
#: a question opens, every phone fetches it in the same second, and rendering its Markdown for each
#: one is most of what the fetch costs. Bounded; cleared when full.
_SHARED_VIEWS: dict[tuple[str, int, int], dict[str, Any]] = {}
SHARED_VIEWS_MAX = 256


def _shared_view(kind: str, version_id: int, position: int) -> dict[str, Any]:
    key = (kind, version_id, position)
    found = _SHARED_VIEWS.get(key)
    if found is None:
        version = db.session.get(QuestionVersion, version_id)
        if version is None:
            abort(404)
        make = display.question if kind == "question" else display.review
        found = make(_item(version, position, None))
        if len(_SHARED_VIEWS) >= SHARED_VIEWS_MAX:
            _SHARED_VIEWS.clear()
        _SHARED_VIEWS[key] = found
    return found


@bp.route("/<int:event_id>/presenter")
@login_required
@authz.require(authz.can_create_events)
def presenter(event_id: int):  # type: ignore[no-untyped-def]
    event = _event_or_404(event_id, authz.can_manage_event)
    return render_template("events/live_presenter.html", **_presenter_context(event), poll_ms=POLL_MS)


@bp.route("/<int:event_id>/presenter/status")
@login_required
@authz.require(authz.can_create_events)
def presenter_status(event_id: int):  # type: ignore[no-untyped-def]
    event = _event_or_404(event_id, authz.can_manage_event)
    context = _presenter_context(event)
    html = render_template("events/_live_status.html", **context)
    response = jsonify(v=event.live_version, phase=context["phase"], answers=context["answers"], html=html)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:event_id>/presenter/<action>", methods=["POST"])
@login_required
@authz.require(authz.can_create_events)
def presenter_action(event_id: int, action: str):  # type: ignore[no-untyped-def]
    _event_or_404(event_id, authz.can_manage_event)
    if action not in live.ACTIONS:
        abort(404)
    # no version (or garbage): refused as stale, never applied blindly
    expected = _number(request.form.get("version"))
    expected = -1 if expected is None else expected
    begin_write()  # SQLite: take the write lock first (PostgreSQL: the row lock below)
    event = live.lock_event(event_id)
    assert event is not None
    try:
        live.transition(event, action, expected_version=expected, actor=current_user)
    except live.LiveError as err:
        db.session.rollback()
        flash(err.message, "warning" if err.code == "stale" else "error")
        return redirect(url_for(".presenter", event_id=event_id))
    db.session.commit()
    return redirect(url_for(".presenter", event_id=event_id))


# --- phone -----------------------------------------------------------------------------------------


def _phone_event(event_id: int) -> Event:
    return _event_or_404(event_id, authz.can_join_event)


def _phone_context(event: Event) -> dict[str, Any]:
    """What the phone shows now (the fragment ``_live_phone.html``)."""
    checked_in = live.attendance_of(event, current_user) is not None
    context: dict[str, Any] = {"event": event, "phase": str(event.live_phase), "checked_in": checked_in,
                               "checkin_url": checkin_url(event), "position": event.live_position,
                               "count": live.question_count(event), "question": None, "mine": None,
                               "review": None, "signing_url": None, "signed": False, "results": None}
    if not checked_in or event.cancelled:
        return context
    position = event.live_position
    mine = live.answer_of(event, current_user, position) if position is not None else None
    context["mine"] = mine
    version_id = live.current_version_id(event)
    if version_id is not None and position is not None and event.live_phase in (
            LivePhase.OPEN, LivePhase.CLOSED, LivePhase.REVEALED):
        if mine is None:  # the same for every phone that has not answered: one render per worker
            context["question"] = _shared_view("question", version_id, position)
        else:
            version = live.current_version(event)
            context["question"] = _show(version, position, mine.response)
        if event.live_phase == LivePhase.REVEALED:
            # the phone shows the feedback and the rule (the same for everyone) and mine.correct
            context["review"] = _shared_view("review", version_id, position)
    if event.live_phase == LivePhase.SIGNING and event.campaign_id is not None:
        context["signing_url"] = signing_url(event.campaign_id)
        context["signed"] = live.has_signed(event, current_user)
    if event.live_phase == LivePhase.ENDED:
        context["results"] = live.my_results(event, current_user)
    return context


@bp.route("/<int:event_id>/langsung")
@login_required
def phone(event_id: int):  # type: ignore[no-untyped-def]
    event = _phone_event(event_id)
    context = _phone_context(event)
    if context["checked_in"]:
        live.remember_joined(event.id)
    return render_template("events/live_phone.html", **context, label=_label(event), poll_ms=POLL_MS)


#: (event id, live version, language) -> the open question's panel as every checked-in phone that has not
#: answered it sees it (no CSRF token: the phone's script sends its own, from the page). Rendered once
#: per worker when the question opens and every phone fetches it in the same second.
_SHARED_PANELS: dict[tuple[int, int, str], str] = {}


def _shared_panel(event_id: int) -> str | None:
    """The open question's shared panel for a checked-in phone (``live.joined``) that has not
    answered it: one statement (did they answer?) with the event's state from the worker's cache;
    None when this phone needs its own panel (not open, answered, not joined)."""
    user_id, _version = _session_user()
    if user_id is None or not live.joined(event_id):
        return None
    state = live.event_state(event_id)
    if state is None or state.cancelled or state.phase != LivePhase.OPEN or state.position is None:
        return None
    if live.answered(event_id, state.position, user_id):
        return None
    key = (event_id, state.version, str(get_locale()))  # (the panel's words are the phone's language)
    html = _SHARED_PANELS.get(key)
    if html is None:
        event = db.session.get(Event, event_id)
        version_id = live.current_version_id(event) if event is not None else None
        if event is None or version_id is None or event.live_version != state.version:
            return None  # (the cache is behind the row: render this phone's own panel)
        context: dict[str, Any] = {"event": event, "phase": str(event.live_phase), "checked_in": True,
                                   "checkin_url": "", "position": event.live_position,
                                   "count": live.question_count(event), "mine": None, "review": None,
                                   "signing_url": None, "signed": False, "results": None, "shared": True,
                                   "question": _shared_view("question", version_id, state.position)}
        html = render_template("events/_live_phone.html", **context)
        if len(_SHARED_PANELS) >= SHARED_VIEWS_MAX:
            _SHARED_PANELS.clear()
        _SHARED_PANELS[key] = html
    return html


@bp.route("/<int:event_id>/langsung/soal")
def phone_question(event_id: int):  # type: ignore[no-untyped-def]
    """The phone's panel (the script fetches it when the state changed). A checked-in phone that has
    not answered the open question gets the shared panel without loading the user; any other
    request goes through sign-in and the person's own panel."""
    shared = _shared_panel(event_id) if request.headers.get("X-Live") == "1" else None
    if shared is not None:
        response = Response(shared)
        response.headers["Cache-Control"] = "no-store"
        return response
    return _own_panel(event_id)


@login_required
def _own_panel(event_id: int):  # type: ignore[no-untyped-def]
    event = _phone_event(event_id)
    response = Response(render_template("events/_live_phone.html", **_phone_context(event)))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Live-Version"] = str(event.live_version)
    return response


@bp.route("/<int:event_id>/langsung/state")
def phone_state(event_id: int):  # type: ignore[no-untyped-def]
    """The hot path: one statement, no template, no user object. 304 when the phone has this
    version already.

    Signed in is checked as ``login_required`` would, but without flask-login's user loader (a
    query with the person's instansi and unit joined, and an ORM object): the session's
    ``_user_id`` ("id:session_version", signed with the app's secret) is checked by the poll's own
    statement against an active account with that session version."""
    user_id, version = _session_user()
    if user_id is None:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if live.joined(event_id):
        return _shared_state(event_id)
    state = live.phone_state(event_id, user_id, version)
    if state is None:
        abort(404)
    if state.user_id is None:  # signed out elsewhere, deactivated, password changed
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if state.user_instansi_id is None or state.instansi_id != state.user_instansi_id:
        abort(404)
    etag = state.etag
    headers = {"ETag": f'W/"{etag}"', "Cache-Control": "private, no-cache"}
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    body: dict[str, Any] = {"v": state.version, "p": state.phase, "q": state.position, "n": state.count,
                            "a": int(state.answered), "in": int(state.checked_in)}
    if state.cancelled:
        body["x"] = 1
    if state.phase == LivePhase.SIGNING and state.campaign_id is not None:
        body["sign"] = signing_url(state.campaign_id)
    response = jsonify(body)
    response.headers.update(headers)
    return response


def _shared_state(event_id: int) -> Response:
    """The poll of a phone whose session says it checked in to this event (``live.remember_joined``,
    set once the server had checked the person, their instansi and their attendance): the event's
    shared state (``live.event_state``: no statement most of the time), the same for every phone,
    so most polls end in a 304 without touching the database. What the person did (answered) the
    phone knows from its own answer's response. (A copy of a signed-out session's cookie could
    still read the phase and the question number: nothing personal.)"""
    state = live.event_state(event_id)
    if state is None:
        abort(404)
    etag = state.etag
    headers = {"ETag": f'W/"{etag}"', "Cache-Control": "private, no-cache"}
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    body: dict[str, Any] = {"v": state.version, "p": state.phase, "q": state.position, "n": state.count}
    if state.cancelled:
        body["x"] = 1
    if state.phase == LivePhase.SIGNING and state.campaign_id is not None:
        body["sign"] = signing_url(state.campaign_id)
    response = jsonify(body)
    response.headers.update(headers)
    return response


def _session_user() -> tuple[int | None, int]:
    """(user id, session version) from the signed session (what flask-login stored at sign-in)."""
    raw = session.get("_user_id")
    if not isinstance(raw, str) or ":" not in raw:
        return None, 0
    ident, version = raw.split(":", 1)
    if not (ident.isascii() and ident.isdigit() and version.isascii() and version.isdigit()
            and len(ident) <= 12 and len(version) <= 9):
        return None, 0
    return int(ident), int(version)


#: tries of the answer's unit of work when SQLite's write-lock wait runs out
ANSWER_ATTEMPTS = 4


def _answer_and_commit(event_id: int, position: int) -> live.AnswerResult:
    """The answer's unit of work, committed. On SQLite it starts as a writer (``db.begin_write``:
    BEGIN IMMEDIATE, so it queues for the write lock instead of failing with "database is locked"
    when another phone committed between its reads and its insert) and is tried again should the
    wait run out. On PostgreSQL two concurrent first answers meet on the unique key (``live.answer``
    re-reads the winner's row)."""
    for attempt in range(ANSWER_ATTEMPTS):
        begin_write()
        event = db.session.get(Event, event_id)
        assert event is not None
        try:
            result = live.answer(event, current_user, position, request.form)
            db.session.commit()
            return result
        except OperationalError:
            db.session.rollback()
            if attempt == ANSWER_ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _wants_fragment() -> bool:
    return request.headers.get("X-Live") == "1"


@bp.route("/<int:event_id>/langsung/jawab", methods=["POST"])
@login_required
def phone_answer(event_id: int):  # type: ignore[no-untyped-def]
    event = _phone_event(event_id)
    position = _number(request.form.get("position"))
    message, category, status = None, "success", 200
    try:
        if position is None:
            raise live.LiveError(_("Soal ini sudah ditutup; jawaban Anda tidak dicatat."), "closed")
        result = _answer_and_commit(event_id, position)
        if result.changed:
            message, category = _("Jawaban pertama Anda sudah tercatat dan itulah yang dihitung; jawaban "
                                  "berikutnya tidak mengubahnya."), "warning"
        elif not result.existing:
            message = _("Jawaban Anda tercatat.")
        else:
            message = _("Jawaban Anda sudah tercatat.")
    except live.LiveError as err:
        db.session.rollback()
        message, category = err.message, "error"
        status = {"not_checked_in": 403, "closed": 409}.get(err.code, 422)
    if not _wants_fragment():
        flash(message, category)
        return redirect(url_for(".phone", event_id=event_id))
    html = render_template("events/_live_phone.html", **_phone_context(event), message=message,
                           message_category=category)
    response = Response(html, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response
