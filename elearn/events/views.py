"""Events (``/acara``) and the phone's check-in (``/hadir``).

Managers (``authz.can_manage_event``: trainers and admin BKPSDM of the instansi, the operator SKPD
of the event's SKPD, superadmin) create, edit and cancel events, show the projector's check-in
screen, mark people present by hand and import a paper list. People of the instansi see the event
and check in. Another instansi's (or, for an operator, another SKPD's) event answers 404.
Order in every view: load, authorize, validate, call the service, respond."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import segno
from flask import (Blueprint, Response, abort, current_app, flash, g, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import authz
from ..accounts.models import Role, User
from ..db import db, utcnow
from ..errors import ServiceError
from ..extensions import mark_password_refused, rate_limit, refused_password_limit
from ..http_guards import public_url
from ..org.forms import options
from ..org.models import Instansi
from ..pagination import page_number, paginate
from . import checkin, codes, services
from .forms import KIND_LABELS, SPEAKER_ROWS, CodeForm, EventForm, ImportForm, MarkForm
from .models import Attendance, CheckinMethod, Event

log = logging.getLogger(__name__)

bp = Blueprint("events", __name__)


def endpoint_url(endpoint: str, **values: Any) -> str | None:
    """``url_for(endpoint)`` when that endpoint exists (the presenter and the report are built by
    other parts of the events area), else None."""
    if endpoint in current_app.view_functions:
        return url_for(endpoint, **values)
    return None


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"endpoint_url": endpoint_url, "event_kind_label": lambda kind: KIND_LABELS.get(kind, kind)}


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _managed_event(event_id: int) -> Event:
    """Load an event the current user manages: 403 for who manages no events, 404 for another's."""
    user = _user()
    if not authz.can_create_events(user):
        abort(403)
    event = db.session.get(Event, event_id)
    if event is None or not authz.can_manage_event(user, event):
        abort(404)
    return event


def _visible_event(event_id: int) -> Event:
    user = _user()
    event = db.session.get(Event, event_id)
    if event is None or not (authz.can_manage_event(user, event) or authz.can_join_event(user, event)):
        abort(404)
    return event


def _after_check_in_url(event_id: int) -> str:
    return endpoint_url("events_live.phone", event_id=event_id) or url_for("events.detail", event_id=event_id)


# --- the list -----------------------------------------------------------------------------------

@bp.route("/acara/")
@login_required
def index():  # type: ignore[no-untyped-def]
    user = _user()
    upcoming, past = services.upcoming_and_past(user)
    return render_template("events/index.html", upcoming=upcoming, past=past,
                           can_create=authz.can_create_events(user))


# --- create / edit / cancel ---------------------------------------------------------------------

def _fill_choices(form: EventForm, instansi: Instansi, skpd_id: int | None) -> None:
    units = services.unit_choices(instansi.id, skpd_id)
    form.unit_ids.choices = options((u.id, ("— " * u.depth) + u.name) for u in units)
    none = [(None, _("— tidak ada —"))]
    form.course_id.choices = options(none + services.course_choices(instansi.id))
    form.quiz_id.choices = options(none + services.quiz_choices(instansi.id))
    form.campaign_id.choices = options(none + services.campaign_choices(instansi.id))


def _data(form: EventForm) -> services.EventData:
    return services.EventData(
        kind=form.kind.data, title=form.title.data, day=form.day.data, start=form.start.data, end=form.end.data,
        place=form.place.data or "", description=form.description.data or "", audience_all=form.audience_all.data,
        unit_ids=form.unit_ids.data or [], outsiders_allowed=form.outsiders_allowed.data,
        speakers=[(s.form.name.data, s.form.institution.data) for s in form.speakers],
        course_id=form.course_id.data, quiz_id=form.quiz_id.data, campaign_id=form.campaign_id.data,
        checkin_before_minutes=form.checkin_before_minutes.data,
        checkin_after_minutes=form.checkin_after_minutes.data, leaderboard=form.leaderboard.data,
    )


def _put_error(form: EventForm, exc: ServiceError) -> str | None:
    """The service's message under the field it names; a message for the whole form otherwise."""
    field = getattr(form, exc.code, None) if exc.code in form._fields else None
    if field is None:
        return exc.message
    field.errors = list(field.errors) + [exc.message]
    return None


def _instansi_for_create(user: User) -> Instansi | None:
    if user.role == Role.SUPERADMIN:
        slug = request.args.get("instansi", "")
        return db.session.scalar(select(Instansi).where(Instansi.slug == slug)) if slug else None
    return user.instansi


@bp.route("/acara/baru", methods=["GET", "POST"])
@login_required
def create():  # type: ignore[no-untyped-def]
    user = _user()
    if not authz.can_create_events(user):
        abort(403)
    instansi = _instansi_for_create(user)
    if instansi is None:
        if user.role != Role.SUPERADMIN or request.args.get("instansi"):
            abort(404)
        all_instansi = list(db.session.scalars(select(Instansi).order_by(Instansi.name)))
        return render_template("events/choose_instansi.html", all_instansi=all_instansi)
    form = EventForm()
    skpd_id = services.owner_skpd(user)
    _fill_choices(form, instansi, skpd_id)
    error = None
    if form.validate_on_submit():
        try:
            event = services.create_event(user, instansi, _data(form))
        except ServiceError as exc:
            db.session.rollback()
            error = _put_error(form, exc)
        else:
            db.session.commit()
            flash(_("Acara %(title)s sudah dibuat.", title=event.title), "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, error=error, instansi=instansi, event=None)


@bp.route("/acara/<int:event_id>/ubah", methods=["GET", "POST"])
@login_required
def edit(event_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    event = _managed_event(event_id)
    if event.cancelled:
        flash(_("Acara yang dibatalkan tidak dapat diubah."), "error")
        return redirect(url_for("events.detail", event_id=event.id))
    form = EventForm()
    _fill_choices(form, event.instansi, event.skpd_id)
    if request.method == "GET":
        start, end = services.to_local(event.starts_at, event.instansi), services.to_local(event.ends_at, event.instansi)
        form.kind.data = event.kind.value
        form.title.data, form.place.data, form.description.data = event.title, event.place, event.description
        form.day.data, form.start.data, form.end.data = start.date(), start.time(), end.time()
        form.audience_all.data = event.audience_all
        form.unit_ids.data = [a.unit_id for a in event.audience]
        form.outsiders_allowed.data = event.outsiders_allowed
        form.course_id.data, form.quiz_id.data, form.campaign_id.data = event.course_id, event.quiz_id, event.campaign_id
        form.checkin_before_minutes.data = event.checkin_before_minutes
        form.checkin_after_minutes.data = event.checkin_after_minutes
        form.leaderboard.data = event.leaderboard
        while len(form.speakers):
            form.speakers.pop_entry()
        for speaker in event.speakers:
            form.speakers.append_entry({"name": speaker.name, "institution": speaker.institution})
        while len(form.speakers) < max(SPEAKER_ROWS, len(event.speakers) + 1) and \
                len(form.speakers) < services.MAX_SPEAKERS:
            form.speakers.append_entry()
    error = None
    if form.validate_on_submit():
        try:
            services.update_event(event, user, _data(form))
        except ServiceError as exc:
            db.session.rollback()
            error = _put_error(form, exc)
        else:
            db.session.commit()
            flash(_("Acara sudah diperbarui."), "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, error=error, instansi=event.instansi, event=event)


@bp.route("/acara/<int:event_id>/batal", methods=["POST"])
@login_required
def cancel(event_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    event = _managed_event(event_id)
    try:
        services.cancel_event(event, user)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Acara %(title)s dibatalkan.", title=event.title), "success")
    return redirect(url_for("events.detail", event_id=event_id))


# --- the event's page ---------------------------------------------------------------------------

@bp.route("/acara/<int:event_id>")
@login_required
def detail(event_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    event = _visible_event(event_id)
    manage = authz.can_manage_event(user, event)
    mine = services.attendance_of(event.id, user.id)
    opens, closes = event.checkin_window()
    return render_template("events/detail.html", event=event, manage=manage, attendance=mine,
                           invited=services.in_audience(event, user), opens=opens, closes=closes,
                           checkin_open=event.checkin_open(utcnow()))


# --- the projector's check-in screen ------------------------------------------------------------

def _projector_state(event: Event, now: dt.datetime) -> dict[str, Any]:
    code = codes.current_code(event.secret, event.id, now)
    url = public_url("events.checkin", kode=code)
    qr = segno.make(url, error="m")
    error = checkin.window_error(event, now)
    counts = services.present_count_by_skpd(event)
    return {
        "code": code, "url": url, "seconds_left": codes.seconds_left(now), "period": codes.period(now),
        "qr_svg": qr.svg_inline(scale=6, border=2, title=_("Kode QR untuk hadir")),
        "open": error is None, "status": error.code if error else "open", "message": error.message if error else "",
        "counts": [{"skpd": name or _("Tanpa SKPD"), "n": n} for _id, name, n in counts],
        "total": sum(n for _i, _n, n in counts),
    }


@bp.route("/acara/<int:event_id>/layar-hadir")
@login_required
def projector(event_id: int):  # type: ignore[no-untyped-def]
    event = _managed_event(event_id)
    state = _projector_state(event, utcnow())
    response = Response(render_template("events/projector.html", event=event, state=state))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/acara/<int:event_id>/layar-hadir/status")
@login_required
def projector_status(event_id: int):  # type: ignore[no-untyped-def]
    event = _managed_event(event_id)
    response = jsonify(_projector_state(event, utcnow()))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the phone's check-in -----------------------------------------------------------------------

def _checkin_page(form: CodeForm, error: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("events/checkin.html", form=form, error=error), status


def _issue_after_check_in(event: Event, user_ids: list[int], now: dt.datetime | None = None,
                          tell: bool = False) -> None:
    """After the check-in's commit: the certificates the attendance made due (a course whose rule
    asks for attendance), committed apart. A failure here never undoes nor breaks the check-in."""
    try:
        issued = services.issue_attendance_certificates(event, user_ids, now)
        db.session.commit()
    except Exception:  # noqa: BLE001 (the check-in is committed: log and go on)
        db.session.rollback()
        log.exception("certificates after the check-in at event %s not issued", event.id)
        return
    if tell:
        for certificate in issued:
            flash(_("Sertifikat %(course)s sudah terbit.", course=certificate.course_title), "success")


def _complete(event_id: int, method: CheckinMethod):  # type: ignore[no-untyped-def]
    user = _user()
    try:
        row = checkin.commit_check_in(event_id, user, method)
    except ServiceError as exc:
        return _checkin_page(CodeForm(), exc.message)
    event = db.session.get(Event, event_id)
    assert event is not None
    _issue_after_check_in(event, [user.id], row.checked_in_at, tell=True)
    from .live import remember_joined

    remember_joined(event.id)
    flash(_("Anda tercatat hadir di %(title)s.", title=event.title), "success")
    if row.outside_audience:
        flash(_("Catatan: Anda tidak termasuk peserta undangan acara ini; kehadiran Anda dicatat sebagai di luar "
                "undangan."), "info")
    return redirect(_after_check_in_url(event_id))


def _signed_in() -> bool:
    return bool(current_user.is_authenticated)


def _anonymous() -> bool:
    return not current_user.is_authenticated


def _account_key() -> str:
    return f"checkin-account:{current_user.get_id()}"


def _account_limit() -> str:
    return current_app.config.get("CHECKIN_LIMIT_PER_ACCOUNT", "10 per minute;60 per hour")


#: Wrong codes are limited on GET (the QR's ?kode=) and POST (typed) alike: per account for people
#: signed in (hundreds of phones share one NAT address at an apel: a per-IP count would lock the
#: room out), per IP (``LOGIN_LIMIT_PER_IP``) only for anonymous guesses. A right code costs nothing.
@bp.route("/hadir", methods=["GET", "POST"], endpoint="checkin")
@rate_limit(_account_limit, key_func=_account_key, methods=["GET", "POST"], exempt_when=_anonymous,
               deduct_when=lambda _response: bool(g.get("password_refused")))
@refused_password_limit(exempt_when=_signed_in)
@rate_limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["GET"], exempt_when=_signed_in,
               deduct_when=lambda _response: bool(g.get("password_refused")))
def checkin_view():  # type: ignore[no-untyped-def]
    now = utcnow()
    form = CodeForm()
    signed_in = current_user.is_authenticated
    if request.method == "GET":
        typed = request.args.get("kode", "")[:40]
        if not typed:
            if signed_in:
                ticket = checkin.take_ticket(now)
                if ticket is not None:
                    return _complete(ticket.event_id, ticket.method)
            return _checkin_page(form)
        form.kode.data = typed
        method = CheckinMethod.SCAN
    else:
        if not form.validate_on_submit():
            return _checkin_page(form)
        typed = form.kode.data
        method = CheckinMethod.CODE
    try:
        event = checkin.find_event(typed, now, instansi_id=_user().instansi_id if signed_in else None)
    except ServiceError as exc:
        if exc.code == "wrong_code":
            mark_password_refused()
        return _checkin_page(form, exc.message)
    if not signed_in:
        checkin.give_ticket(event, method, now)
        flash(_("Kode benar untuk %(title)s. Masuk (atau aktivasi akun bila ini pertama kali) untuk mencatat "
                "kehadiran Anda.", title=event.title), "info")
        return redirect(url_for("auth.login", next=url_for("events.checkin")))
    return _complete(event.id, method)


# --- marking by hand and the paper list --------------------------------------------------------

def _attendance_page(event: Event, *, import_form: ImportForm | None = None, result: Any = None,
                     import_error: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    user = _user()
    query = request.args.get("q", "")[:100]
    found = services.search_people(event, user, query) if query else []
    present_ids = set()
    invited_ids: set[int] = set()
    if found:
        present_ids = set(db.session.scalars(select(Attendance.user_id).where(
            Attendance.event_id == event.id, Attendance.user_id.in_([p.id for p in found]))))
        invited_ids = services.audience_ids(event, [p.id for p in found])
    rows = paginate(
        select(Attendance, User).join(User, User.id == Attendance.user_id).where(Attendance.event_id == event.id)
        .order_by(Attendance.checked_in_at.desc(), Attendance.id.desc()),
        page_number(request.args.get("page")), 50, scalars=False)
    return render_template(
        "events/attendance.html", event=event, query=query, found=found, present_ids=present_ids, rows=rows,
        counts=services.present_count_by_skpd(event), mark_form=MarkForm(), import_form=import_form or ImportForm(),
        result=result, import_error=import_error, show_nip=authz.is_hr(user),
        invited_ids=invited_ids,
    ), status


@bp.route("/acara/<int:event_id>/kehadiran", methods=["GET", "POST"])
@login_required
def attendance(event_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    event = _managed_event(event_id)
    if request.method == "GET":
        return _attendance_page(event)
    form = MarkForm()
    if not form.validate_on_submit():
        flash(_("Pilih pegawai yang akan ditandai hadir."), "error")
        return redirect(url_for("events.attendance", event_id=event.id))
    person = db.session.scalar(services.people_scope(event, user).where(User.id == form.user_id.data))
    if person is None:
        abort(404)
    try:
        _row, created = services.mark_present(event, user, person)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        if created:
            _issue_after_check_in(event, [person.id])
            flash(_("%(name)s ditandai hadir.", name=person.name), "success")
        else:
            flash(_("%(name)s sudah tercatat hadir.", name=person.name), "info")
    return redirect(url_for("events.attendance", event_id=event.id, q=request.args.get("q") or None))


@bp.route("/acara/<int:event_id>/kehadiran/impor", methods=["POST"])
@login_required
def attendance_import(event_id: int):  # type: ignore[no-untyped-def]
    user = _user()
    event = _managed_event(event_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return _attendance_page(event, import_form=form)
    raw = form.file.data.stream.read(services.IMPORT_MAX_BYTES + 1)
    try:
        nips = services.parse_nip_list(raw)
        result = services.import_attendance(event, user, nips)
    except ServiceError as exc:
        db.session.rollback()
        return _attendance_page(event, import_form=form, import_error=exc.message)
    db.session.commit()
    if result.marked_ids:
        _issue_after_check_in(event, result.marked_ids)
    return _attendance_page(event, result=result)
