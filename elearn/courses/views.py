"""Reading courses on a phone: my courses, a course page, the one-section-per-page reader,
progress saves (a plain form POST or JSON from static/js/reader.js) and course images."""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import and_, bindparam, case, select
from sqlalchemy.orm import lazyload

from .. import authz
from ..accounts.models import Role
from ..db import begin_write, db
from ..certificates.views import enrollment_with_certificate
from ..i18n import select_timezone
from . import published
from .models import Course, CourseAsset, CourseVersion, Enrollment, VersionStatus
from .progress import (
    CourseView,
    NextStep,
    course_view,
    course_views,
    enroll,
    enrollment_columns,
    enrollment_of_row,
    find_enrollment,
    minutes_for,
    module_in_version,
    newer_version_available,
    record_progress,
)

bp = Blueprint("courses", __name__, url_prefix="/kursus")

#: file extension -> mimetype of the images a course may carry
ASSET_TYPES = {".webp": "image/webp", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def local_today() -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(select_timezone())).date()


def my_courses(user: Any) -> list[dict[str, Any]]:
    """Courses the user may read: assigned ones first (soonest due date first, none last), then the
    rest by title. One query for the list (the assignments' due dates joined in), then
    ``course_views``."""
    from .assignments import assignment_params

    if not getattr(user, "is_authenticated", False):
        return []
    params = assignment_params(user)
    superadmin = user.role == Role.SUPERADMIN
    if params is not None:
        stmt = _my_courses_statement(superadmin, True, bool(params["unit_ids"]))
        rows = db.session.execute(stmt, {**params, "user_id": user.id}).all()
        ordered = [(row, row.due if row.assigned else None, bool(row.assigned)) for row in rows]
    else:
        stmt = _my_courses_statement(superadmin, False, False)
        rows = db.session.execute(stmt, {"instansi_id": user.instansi_id, "user_id": user.id}).all()
        ordered = [(row, None, False) for row in rows]
    # the person's enrollments came with the list (issue 14: one statement fewer on the home page)
    enrollments = {row.id: enrollment for row in rows if (enrollment := enrollment_of_row(row)) is not None}
    views = {v.course.id: v for v in course_views(user, [course for course, _d, _a in ordered], enrollments)}
    today = local_today()
    items = []
    for course, due, is_assigned in ordered:
        view = views.get(course.id)
        if view is None:
            continue
        items.append({"view": view, "assigned": is_assigned, "due": due,
                      "overdue": due is not None and due < today and not view.completed})
    return items


@functools.cache
def _my_courses_statement(superadmin: bool, assignable: bool, with_units: bool) -> Any:
    """The courses a person may read, with the assignments' due dates when ``assignable``; built once
    per process (issue 14: building a statement took longer than running it)."""
    from .assignments import due_dates

    person = authz.ParametricPerson(Role.SUPERADMIN if superadmin else Role.PESERTA)
    # the courses' columns as rows (the list only reads them; an entity per course cost more than the
    # query), with ``:user_id``'s enrollment in each (at most one: a unique key)
    stmt = (authz.scope_courses(select(*Course.__table__.c, *enrollment_columns()), person)  # type: ignore[arg-type]
            .join(CourseVersion, CourseVersion.id == Course.published_version_id)
            .outerjoin(Enrollment, and_(Enrollment.course_id == Course.id, Enrollment.user_id == bindparam("user_id"))))
    if not assignable:
        return stmt.order_by(CourseVersion.title, Course.id)
    due = due_dates(with_units)
    assigned = and_(due.c.course_id.is_not(None), CourseVersion.status == VersionStatus.PUBLISHED)
    return (stmt.add_columns(due.c.due, assigned.label("assigned"))
            .outerjoin(due, due.c.course_id == Course.id)
            .order_by(case((assigned, 0), else_=1), case((due.c.due.is_(None), 1), else_=0), due.c.due,
                      CourseVersion.title, Course.id))


@bp.app_template_global("my_learning")
def my_learning() -> dict[str, Any] | None:
    """The course the home page shows: the first assigned one not done, else the first not done."""
    if not current_user.is_authenticated:
        return None
    return learning_box(my_courses(current_user))


def course_asking_for_quiz(user: Any, quiz_slug: str) -> CourseView | None:
    """The learner's course that asks for the quiz ``quiz_slug`` (``requires.quiz``): the first one
    not finished (assigned ones first), else the first; None when no course of theirs asks for it.
    The quiz review ends with that course's next step."""
    views = [item["view"] for item in my_courses(user) if item["view"].required_quiz == quiz_slug]
    return next((v for v in views if not v.completed), views[0] if views else None)


def course_asking_for_pledge(user: Any, pledge_slug: str) -> CourseView | None:
    """The learner's course that asks for the pakta ``pledge_slug`` (``requires.pledge``), chosen as
    ``course_asking_for_quiz`` does. The pakta receipt ends with that course's next step."""
    views = [item["view"] for item in my_courses(user) if item["view"].rule.pledge == pledge_slug]
    return next((v for v in views if not v.completed), views[0] if views else None)


def learning_box(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The home page's course box from ``my_courses``: the first course not done (assigned ones come
    first), else the first, with how many there are."""
    if not items:
        return None
    for item in items:
        if not item["view"].completed:
            return {**item, "count": len(items)}
    return {**items[0], "count": len(items)}


def _load_course(slug: str) -> Course:
    course = db.session.scalar(_course_by_slug(), {"slug": slug})
    return authz.get_or_404(course, authz.can_read_course)


@functools.cache
def _course_by_slug() -> Any:
    """Built once per process; the version's structure comes from ``published``, not with the course."""
    return select(Course).options(lazyload(Course.published_version)).where(Course.slug == bindparam("slug"))


def _reader_url(view: CourseView, module_slug: str, section: int) -> str:
    return url_for("courses.reader", slug=view.course.slug, module_slug=module_slug, bagian=section + 1)


@bp.app_template_global("next_step_url")
def next_step_url(view: CourseView, campaign: Any = None) -> str:
    """Where the learner's next step in the course is (``CourseView.next_step``): the reader at the
    module to read, the required quiz, the pakta (``campaign``: the open campaign to sign, when the
    page looked it up; else the list of campaigns), the certificate once done. No query: the list
    pages call it for every course."""
    step = view.next_step
    if step.kind == NextStep.MODULE and step.module is not None:
        return _reader_url(view, step.module.module.slug, step.module.resume_section)
    if step.kind == NextStep.QUIZ and view.rule.quiz:
        return url_for("quizzes.quiz", slug=view.rule.quiz)
    if step.kind == NextStep.PLEDGE:
        if campaign is not None:
            return url_for("pledges.sign", campaign_id=campaign.id)
        return url_for("pledges.index")
    if step.kind == NextStep.DONE and view.version.certificate is not None:
        return url_for("certificates.index")
    return url_for("courses.course", slug=view.course.slug)


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    return render_template("courses/index.html", items=my_courses(current_user))


@bp.route("/<slug>")
@login_required
def course(slug: str):  # type: ignore[no-untyped-def]
    course = _load_course(slug)
    # the enrollment and the learner's valid certificate of the course, in one query
    enrollment, certificate = enrollment_with_certificate(current_user.id, course.id)
    if enrollment is None:
        begin_write()  # (the first visit writes: take SQLite's write lock before, see reader)
        enrollment = enroll(current_user, course)
        db.session.commit()
    view = course_view(current_user, course, enrollment)
    assert view is not None
    if certificate is None and view.completed and view.version.certificate is not None:
        # complete without a certificate: its issue failed earlier (e.g. the signing certificate was
        # being replaced), or the course was finished before certificates existed: try again now
        from ..certificates.services import issue_due

        issued = issue_due(current_user.id, course_ids=[course.id])
        db.session.commit()
        certificate = issued[0] if issued else None
    campaign = None
    if view.next_step.kind == NextStep.PLEDGE:
        from ..pledges.signed import pledge_campaign_for

        campaign = pledge_campaign_for(current_user, view.rule.pledge)
    first = view.modules[0] if view.modules else None
    return render_template(
        "courses/course.html", view=view, newer=newer_version_available(course, enrollment),
        next_url=next_step_url(view, campaign), campaign=campaign,
        reread_url=_reader_url(view, first.module.slug, 0) if first else None,
        quiz_url=_quiz_url(view), certificate=certificate,
    )


def _quiz_url(view: CourseView) -> str | None:
    """The page of the quiz the course requires, when it exists and the learner may take it."""
    from ..quizzes.attempts import find_quiz

    quiz = find_quiz(view.required_quiz) if view.required_quiz else None
    if quiz is None or not authz.can_take_quiz(current_user, quiz) or not authz.in_quiz_audience(current_user, quiz):
        return None
    return url_for("quizzes.quiz", slug=quiz.slug)


@bp.route("/<slug>/modul/<module_slug>")
@login_required
def reader(slug: str, module_slug: str):  # type: ignore[no-untyped-def]
    course = _load_course(slug)
    # a first visit writes the enrollment, and opening another module writes where the learner is:
    # on SQLite such a write after the reads fails at once ("database is locked") when another phone
    # wrote in between, so those requests take the write lock first (db.begin_write)
    enrollment = find_enrollment(current_user.id, course.id)
    writing = enrollment is None
    if writing:
        begin_write()
        enrollment = enroll(current_user, course)
    version = published.version(enrollment.course_version_id)
    found = version.module_at(module_slug) if version is not None else None
    if found is None:
        abort(404)
    position, module = found
    total = max(len(module.sections), 1)
    try:
        number = int(request.args.get("bagian", "1"))
    except ValueError:
        number = 1
    if not 1 <= number <= total:
        return redirect(url_for("courses.reader", slug=slug, module_slug=module_slug,
                                bagian=min(max(number, 1), total)))
    index = number - 1
    if enrollment.last_module_version_id != module.id:
        if not writing:
            begin_write()
        enrollment.last_module_version_id = module.id
    db.session.commit()

    view = course_view(current_user, course, enrollment)
    assert view is not None
    state = view.modules[position]
    links = version.modules
    prev_module = links[position - 1].module if position > 0 else None
    next_module = links[position + 1].module if position + 1 < len(links) else None
    module_left = minutes_for(module, index)
    # the rest of the course: this module from here, plus every other module not yet done
    course_left = module_left + sum(m.minutes_left() for m in view.modules if m.position != position)
    section = module.sections[index] if module.sections else {"title": module.title, "html": "", "words": 0}
    return render_template(
        "courses/reader.html", view=view, module=module, state=state, section=section, index=index,
        total=total, module_left=module_left, course_left=course_left, prev_module=prev_module,
        next_module=next_module, newer=newer_version_available(course, enrollment),
        prev_url=(_reader_url(view, module.slug, index - 1) if index > 0 else
                  _reader_url(view, prev_module.slug, max(len(prev_module.sections), 1) - 1)
                  if prev_module else None),
        next_url=_reader_url(view, module.slug, index + 1) if index + 1 < total else None,
    )


@bp.route("/<slug>/modul/<module_slug>/kemajuan", methods=["POST"])
@login_required
def save_progress(slug: str, module_slug: str):  # type: ignore[no-untyped-def]
    """Save progress. A form post (no JavaScript) redirects onwards; JSON gets the saved state back."""
    course = _load_course(slug)
    enrollment = enroll(current_user, course)
    found = module_in_version(enrollment.course_version, module_slug)
    if found is None:
        abort(404)
    position, module = found
    data = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(data, dict) and not hasattr(data, "get"):
        abort(400)
    try:
        reached = int(data.get("reached", 0))
    except (TypeError, ValueError, OverflowError):  # (OverflowError: a JSON 1e999)
        abort(400)
    complete = str(data.get("complete", "")).lower() in ("1", "true", "yes")
    if reached < 0:
        abort(400)
    saved = record_progress(current_user, enrollment, module, reached, complete)
    db.session.commit()

    links = enrollment.course_version.modules
    next_module = links[position + 1].module if position + 1 < len(links) else None
    if complete:
        next_url = (url_for("courses.reader", slug=slug, module_slug=next_module.slug, bagian=1)
                    if next_module and not saved.course_completed else url_for("courses.course", slug=slug))
    else:
        next_url = url_for("courses.reader", slug=slug, module_slug=module_slug,
                           bagian=min(reached, max(len(module.sections), 1) - 1) + 1)
    if request.is_json:
        return jsonify({**saved.as_dict(), "next_url": next_url})
    if complete:
        flash(_("Modul \u201c%(title)s\u201d selesai.", title=module.title), "success")
        if saved.course_completed:
            flash(_("Anda telah membaca seluruh modul kursus ini."), "success")
    return redirect(next_url)


@bp.route("/aset/<path:filename>")
@login_required
def asset(filename: str):  # type: ignore[no-untyped-def]
    content_hash, dot, ext = filename.partition(".")
    mimetype = ASSET_TYPES.get(f"{dot}{ext}".lower())
    if not dot or mimetype is None or "/" in filename:
        abort(404)
    # the same image may belong to several courses: serve it if any of them is visible
    candidates = db.session.execute(
        select(CourseAsset.id, CourseAsset.mimetype, Course)
        .join(Course, Course.id == CourseAsset.course_id)
        .where(CourseAsset.content_hash == content_hash)
    ).all()
    visible = [(asset_id, stored_type, course) for asset_id, stored_type, course in candidates
               if stored_type == mimetype and authz.can_see_course(current_user, course)]
    if not visible:
        abort(404)
    asset_id, stored_type, _course = visible[0]
    data = db.session.scalar(select(CourseAsset.data).where(CourseAsset.id == asset_id))
    response = Response(data, mimetype=stored_type)
    # shared caches may keep an image of a published shipped course (public content); an instansi's
    # own course or a draft stays in the browser's private cache
    shared = any(course.instansi_id is None and course.published_version_id is not None
                 for _id, _type, course in visible)
    response.headers["Cache-Control"] = f"{'public' if shared else 'private'}, max-age=31536000, immutable"
    response.set_etag(content_hash)
    return response.make_conditional(request)
