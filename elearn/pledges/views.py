"""Signing the pakta integritas (everyone of an instansi): my campaigns, the signing page, the
receipt, my signed PDF; and the public verification page behind the QR code.

Signing re-asks the password (the sign-in lock-out counts wrong ones: ``auth.services.
confirm_password``), takes a drawn signature (a PNG data URL from static/js/pledge-sign.js) or
the typed full name (works without JavaScript), a consent tick and the hash of the text the
signer was shown; ``services.sign_and_commit`` does the rest. Every refusal comes back as a
message with the form kept (a drawing is restored from its strokes when JavaScript runs).

Per-IP rate limit: only refused passwords count (``LOGIN_LIMIT_PER_IP``), so a whole apel
signing from one office network is never throttled. The public page counts every request
(``PUBLIC_LIMIT_PER_IP``).
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import defer, lazyload

from .. import authz
from ..accounts.models import Role, User
from ..auth import services as auth_services
from ..db import db, utcnow
from ..errors import ServiceError
from ..extensions import mark_password_refused, rate_limit, refused_password_limit
from ..templating import long_date
from . import chain, services, text
from .forms import MAX_STROKES, SignForm
from .models import Campaign, PledgeSignature, PledgeText, PledgeTextVersion, SigningMethod
from .pdf import pdf_filename, signature_pdf, verification_url

bp = Blueprint("pledges", __name__, url_prefix="/pakta")
verify_bp = Blueprint("pledge_verify", __name__)

#: ServiceError codes shown next to a field (besides the message at the top of the form)
PASSWORD_ERRORS = {"wrong_password", "locked"}
TYPED_ERRORS = {"typed_name_mismatch"}
DRAWN_ERRORS = {"bad_png", "png_too_large", "png_dimensions", "signature_blank"}


# --- loading ----------------------------------------------------------------------------------

def _load_campaign(campaign_id: int) -> Campaign:
    # (the text version comes in the same query: lazy="joined"; the instansi is the person's, loaded
    # with them: from the session, not joined again)
    campaign = db.session.scalars(_campaign_statement(), {"id": campaign_id}).unique().one_or_none()
    return authz.get_or_404(campaign, authz.can_sign_campaign)


@functools.cache
def _campaign_statement() -> Any:
    return select(Campaign).options(lazyload(Campaign.instansi)).where(Campaign.id == bindparam("id"))


def _my_signature(campaign: Campaign) -> PledgeSignature | None:
    return services.signature_for(campaign.id, current_user.id)


def _load_mine(campaign_id: int) -> tuple[Campaign, PledgeSignature | None]:
    campaign = _load_campaign(campaign_id)
    return campaign, _my_signature(campaign)


def _me() -> User:
    """The signed-in User itself, not the ``current_user`` proxy (the services read it many times)."""
    return current_user._get_current_object()  # type: ignore[attr-defined, no-any-return]


def _zone(campaign: Campaign) -> str:
    return campaign.instansi.timezone.iana


# --- lists --------------------------------------------------------------------------------------

def my_campaigns(user: User, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The campaigns of the user's instansi with the user's signature (if any) and their state:
    open and not signed first, then signed, upcoming, and closed without a signature."""
    if not user.is_authenticated or user.instansi_id is None:
        return []
    now = now or utcnow()
    # the campaigns with the person's signature of each, in one query (issue 14: the home page's budget)
    rows = db.session.execute(_campaigns_statement(), {"instansi_id": user.instansi_id, "user_id": user.id}).all()
    order = {"open": 0, "signed": 1, "upcoming": 2, "closed": 3}
    entries = []
    for campaign, signature in rows:
        state = "signed" if signature is not None else services.campaign_state(campaign, now)
        entries.append({"campaign": campaign, "signature": signature, "state": state})
    entries.sort(key=lambda e: order[e["state"]])
    return entries


@functools.cache
def _campaigns_statement() -> Any:
    """The campaigns a person of ``:instansi_id`` signs, newest first, each with ``:user_id``'s
    signature or None (at most one per campaign: a unique key), without the drawn signature (the
    list does not show it: tens of KB per row); built once per process."""
    person = authz.ParametricPerson(Role.PESERTA)
    signature = and_(PledgeSignature.campaign_id == Campaign.id, PledgeSignature.user_id == bindparam("user_id"))
    return (authz.scope_signable_campaigns(select(Campaign, PledgeSignature), person)  # type: ignore[arg-type]
            .outerjoin(PledgeSignature, signature)
            .options(defer(PledgeSignature.signature_png))
            .order_by(Campaign.opens_on.desc(), Campaign.id.desc()))


@bp.app_template_global("my_open_pledges")
def my_open_pledges() -> list[Campaign]:
    """Open campaigns the current user has not signed yet (the home page box)."""
    if not current_user.is_authenticated:
        return []
    return [e["campaign"] for e in my_campaigns(current_user) if e["state"] == "open"]


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    return render_template("pledges/index.html", entries=my_campaigns(current_user))


# --- signing ----------------------------------------------------------------------------------------

def _no_password_typed() -> bool:
    """A signing POST without a password (inside the recent-authentication window) guesses
    nothing: the per-IP limit is not even consulted (no round trip to the limiter's storage)."""
    return not request.form.get("password")


def _password_proved_until(campaign: Campaign) -> str | None:
    """``08.19 WITA``: until when the session's recent password proof spares typing it again (None:
    the password is asked)."""
    proved_at = auth_services.password_proved_at(_me())
    if proved_at is None:
        return None
    until = proved_at + dt.timedelta(seconds=current_app.config["PLEDGE_REAUTH_SECONDS"])
    zone = campaign.instansi.timezone
    return f"{until.astimezone(_zoneinfo(campaign)):%H.%M} {zone.value}"


def _render_sign(campaign: Campaign, form: SignForm, problems: list[ServiceError] | tuple[()] = (),
                 status: int = 200) -> Any:
    """The signing page; ``problems``: refusals of the services, each shown next to its field
    (password, typed name, drawing) and all of them, with the form's own errors, at the top."""
    rendered, text_html = services.render_pledge_html(campaign.pledge_version, _me(), campaign)
    form.text_hash.data = chain.text_hash(rendered)
    form.password.data = ""
    general: list[str] = []
    drawn_errors: list[str] = []
    for problem in problems:
        if problem.code in PASSWORD_ERRORS:
            form.password.errors = [*form.password.errors, problem.message]
        elif problem.code in TYPED_ERRORS:
            form.typed_name.errors = [*form.typed_name.errors, problem.message]
        elif problem.code in DRAWN_ERRORS:
            drawn_errors.append(problem.message)
        else:
            general.append(problem.message)
    strokes = form.signature_strokes.data or ""
    form.signature_strokes.data = strokes if len(strokes) <= MAX_STROKES else ""
    form.signature_data.data = ""
    password_refused = any(problem.code in PASSWORD_ERRORS for problem in problems)
    return render_template(
        "pledges/sign.html", campaign=campaign, form=form, text_html=text_html, error=" ".join(general) or None,
        drawn_error=" ".join(drawn_errors) or None, state=services.campaign_state(campaign),
        password_proved_until=None if password_refused else _password_proved_until(campaign),
        method=form.method.data or "",
    ), status


@bp.route("/<int:campaign_id>/tandatangani", methods=["GET", "POST"])
@login_required
@refused_password_limit(exempt_when=_no_password_typed)
def sign(campaign_id: int):  # type: ignore[no-untyped-def]
    campaign = _load_campaign(campaign_id)
    user = _me()
    # the token was checked by CSRFProtect before the view (every POST): not a second time
    form = SignForm(meta={"csrf": False})
    # recent authentication: a password typed in this session a few minutes ago (the sign-in just
    # before, at an apel) is not asked again; typed anyway, it is checked
    form.password_required = auth_services.password_proved_at(user) is None
    form_ok = request.method == "POST" and form.validate()
    if not form_ok:
        # signed already: to the receipt. (A complete POST finds out under the chain lock instead:
        # sign_and_commit refuses a second signature, one query less on the busy path.)
        if services.has_signed(campaign.id, user.id):
            if request.method == "POST":
                flash(_("Anda sudah menandatangani pakta integritas kampanye ini."), "info")
            return redirect(url_for("pledges.receipt", campaign_id=campaign.id))
        if request.method == "GET":
            return _render_sign(campaign, form)
    # every problem of a refused form at once: the password typed is checked whatever else is
    # missing (a wrong one counts toward the lock-out; a right one spares typing it again), and the
    # drawing or typed name too
    problems: list[ServiceError] = []
    status = 200
    if form.password.data:
        try:
            auth_services.confirm_password(user, form.password.data)
        except ServiceError as exc:
            db.session.commit()  # keep the failure count (and a lock)
            auth_services.forget_password_proof()
            mark_password_refused()
            problems.append(exc)
            status = 429 if exc.code == "locked" else 200
        else:
            auth_services.mark_password_proved(user)
            db.session.commit()  # the right password clears earlier failures, whatever happens next
    if not form_ok or problems:
        problems += services.signature_input_problems(user, form.method.data, form.signature_data.data,
                                                      form.typed_name.data)
        return _render_sign(campaign, form, problems, status)
    try:
        png = None
        if form.method.data == SigningMethod.DRAWN.value:
            png = services.png_from_data_url(form.signature_data.data or "")
        services.sign_and_commit(
            campaign, user, method=form.method.data, signature_png=png, typed_name=form.typed_name.data,
            rendered_text_hash=form.text_hash.data or "", ip=request.remote_addr,
            user_agent=request.user_agent.string or None,
        )
    except ServiceError as exc:
        db.session.rollback()
        if exc.code == "already_signed" or services.has_signed(campaign_id, user.id):
            flash(_("Anda sudah menandatangani pakta integritas kampanye ini."), "info")
            return redirect(url_for("pledges.receipt", campaign_id=campaign_id))
        campaign = _load_campaign(campaign_id)
        return _render_sign(campaign, form, [exc])
    flash(_("Terima kasih. Pakta integritas Anda sudah ditandatangani dan tercatat."), "success")
    _issue_certificates(user.id, campaign_id)
    return redirect(url_for("pledges.receipt", campaign_id=campaign_id))


def _issue_certificates(user_id: int, campaign_id: int) -> None:
    """The pakta may have been the last part of a course: issue its certificate now (after the
    signature is committed, so the chain's lock is not held while the PDF is drawn)."""
    from ..certificates.services import issue_due

    slug = db.session.scalar(
        select(PledgeText.slug)
        .join(PledgeTextVersion, PledgeTextVersion.pledge_text_id == PledgeText.id)
        .join(Campaign, Campaign.pledge_version_id == PledgeTextVersion.id)
        .where(Campaign.id == campaign_id)
    )
    if slug is None:
        return
    for certificate in issue_due(user_id, pledge=slug):
        flash(_("Sertifikat %(course)s sudah terbit.", course=certificate.course_title), "success")
    db.session.commit()


@bp.route("/<int:campaign_id>/bukti")
@login_required
def receipt(campaign_id: int):  # type: ignore[no-untyped-def]
    """The confirmation: when (in the instansi's zone), how, the verification code, the PDF."""
    campaign, signature = _load_mine(campaign_id)
    if signature is None:
        return redirect(url_for("pledges.sign", campaign_id=campaign.id))
    png = None
    drawable = not signature.signature_png or services.stored_signature_problem(signature.signature_png) is None
    if signature.signature_png and drawable:
        png = base64.b64encode(signature.signature_png).decode()
    # the page ends with the next step of the course that asks for this pakta (issue 16 walk)
    from ..courses.views import course_asking_for_pledge

    course_view = course_asking_for_pledge(current_user, campaign.pledge_version.pledge_text.slug)
    return render_template(
        "pledges/receipt.html", campaign=campaign, signature=signature, signature_png=png, drawable=drawable,
        course_view=course_view,
        signed_at=long_date(signature.signed_at, campaign.instansi.timezone.iana, time=True),
        text_html=text.to_html(signature.rendered_text),
        verify_url=verification_url(signature),
    )


@bp.route("/<int:campaign_id>/dokumen.pdf")
@login_required
def document(campaign_id: int):  # type: ignore[no-untyped-def]
    """My signed document (HR downloads theirs through the HR pages)."""
    _campaign, signature = _load_mine(campaign_id)
    if signature is None:
        abort(404)
    return pdf_response(signature)


def pdf_response(signature: PledgeSignature) -> Response:
    """The signed PDF as a download (private, not cached by shared caches)."""
    response = make_response(signature_pdf(signature))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{pdf_filename(signature)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the public verification page -------------------------------------------------------------------

def _public_limit() -> str:
    return current_app.config["PUBLIC_LIMIT_PER_IP"]


@verify_bp.route("/verifikasi/pakta/<code>")
@rate_limit(_public_limit)
def verify(code: str):  # type: ignore[no-untyped-def]
    """No sign-in: name, unit, campaign, date and whether the record is intact. Never the NIP,
    the signature image, the IP or anything else of the record."""
    signature = services.signature_by_verify_code(code)
    if signature is None:
        response = make_response(render_template("pledges/verify_unknown.html"), 404)
    else:
        campaign = signature.campaign
        response = make_response(render_template(
            "pledges/verify.html", signature=signature, campaign=campaign,
            unit=signature.unit.name if signature.unit is not None else None,
            signed_on=services.long_date(signature.signed_at.astimezone(_zoneinfo(campaign)).date(),
                                         _language()),
            status=chain.record_status(signature),
        ))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


def _zoneinfo(campaign: Campaign) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(_zone(campaign))


def _language() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "id")
