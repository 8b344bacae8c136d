"""Taking quizzes: my quizzes, a quiz's page, one question per page (works without JavaScript;
static/js/quiz.js only saves with fetch and counts down), submitting and the review.

Attempts are private: another person's attempt answers 404, like a quiz of another instansi.
The timing rule and the idempotency of every POST are described in attempts.py.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import authz
from ..courses.views import local_today
from ..db import db
from . import attempts as svc
from . import display
from .forms import AnswerForm, StartForm, SubmitForm, answer_input
from .models import Attempt, AttemptStatus, Quiz

bp = Blueprint("quizzes", __name__, url_prefix="/kuis")


def _load_quiz(slug: str, *, attempted_may: bool = False) -> Quiz:
    """The quiz the learner may take, else 404. Outside its audience (``authz.in_quiz_audience``)
    also 404, unless ``attempted_may`` and the person has attempts at it (their results and reviews
    stay theirs)."""
    quiz = authz.get_or_404(svc.find_quiz(slug), authz.can_take_quiz)
    if not authz.in_quiz_audience(current_user, quiz):
        if not attempted_may or not svc.user_attempts(current_user, quiz):
            abort(404)
    return quiz


def _load_attempt(quiz: Quiz, attempt_id: int, lock: bool = False) -> Attempt:
    attempt = svc.lock_attempt(attempt_id) if lock else svc.load_attempt(attempt_id)
    if attempt is None or attempt.quiz_id != quiz.id:
        abort(404)
    return authz.get_or_404(attempt, authz.can_view_attempt)


def _take_url(attempt: Attempt, no: int | None = None) -> str:
    return url_for("quizzes.take", slug=attempt.quiz.slug, attempt_id=attempt.id, no=no)


def _review_url(attempt: Attempt) -> str:
    return url_for("quizzes.review", slug=attempt.quiz.slug, attempt_id=attempt.id)


@bp.app_template_global("my_quiz_summary")
def my_quiz_summary(assigned: list[Any] | None = None) -> dict[str, Any] | None:
    """The home page's quiz box: the quizzes still to pass (required first) and how many are passed.
    Read only (an attempt whose time ran out is finalised when the quiz pages are next opened).
    ``assigned``: the (course, due date) assigned to the person, when the page has them already."""
    if not current_user.is_authenticated:
        return None
    entries = svc.my_quizzes(current_user, finalise=False, assigned=assigned)
    if not entries:
        return None
    todo = [e for e in entries if not e.passed]
    return {"todo": todo[:3], "todo_count": len(todo), "passed": len(entries) - len(todo), "total": len(entries),
            "today": local_today()}


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    entries = svc.my_quizzes(current_user)
    db.session.commit()  # attempts whose time ran out were finalised
    return render_template("quizzes/index.html", entries=entries, today=local_today())


@bp.route("/<slug>")
@login_required
def quiz(slug: str):  # type: ignore[no-untyped-def]
    quiz = _load_quiz(slug, attempted_may=True)
    entry = svc.quiz_entry(current_user, quiz)
    # passed: the page leads on to the course's next step (the pakta), not to another attempt
    course_view, campaign = _course_next_step(quiz) if entry.passed and not entry.in_progress else (None, None)
    db.session.commit()
    return render_template("quizzes/quiz.html", quiz=quiz, entry=entry, form=StartForm(), today=local_today(),
                           description=display.text({}, quiz.description) if quiz.description else "",
                           course_view=course_view, campaign=campaign)


def _course_next_step(quiz: Quiz) -> tuple[Any, Any]:
    """The learner's course that asks for ``quiz`` (its ``CourseView``, or None) and, when its next
    step is the pakta, the open campaign to sign (issue 16)."""
    from ..courses.progress import NextStep
    from ..courses.views import course_asking_for_quiz
    from ..pledges.signed import pledge_campaign_for

    course_view = course_asking_for_quiz(current_user, quiz.slug)
    campaign = (pledge_campaign_for(current_user, course_view.rule.pledge)
                if course_view is not None and course_view.next_step.kind == NextStep.PLEDGE else None)
    return course_view, campaign


@bp.route("/<slug>/mulai", methods=["POST"])
@login_required
def start(slug: str):  # type: ignore[no-untyped-def]
    quiz = _load_quiz(slug)
    if not StartForm().validate_on_submit():
        abort(400)
    try:
        attempt = svc.start_attempt(current_user, quiz)
    except svc.AttemptError as exc:
        db.session.commit()
        flash(exc.message, "error")
        return redirect(url_for("quizzes.quiz", slug=slug))
    db.session.commit()
    return redirect(_take_url(attempt))


def _question_no(attempt: Attempt) -> int | None:
    """``?no=N`` when it names a question of the attempt; None when absent; 404 when wrong."""
    raw = request.args.get("no")
    if raw is None:
        return None
    try:
        no = int(raw)
    except ValueError:
        abort(404)
    if svc.item_at(attempt, no) is None:
        abort(404)
    return no


def _closed(attempt: Attempt, exc: svc.AttemptError | None = None) -> Any:
    """The response to a request on an attempt that is no longer open: its review."""
    if exc is not None:
        if request.is_json:
            return jsonify({"error": exc.code, "message": exc.message, "next_url": _review_url(attempt)}), 409
        flash(exc.message, "warning")
    return redirect(_review_url(attempt))


def _render_take(attempt: Attempt, no: int, error: str | None = None, status: int = 200) -> Any:
    item = svc.item_at(attempt, no)
    assert item is not None
    total = len(attempt.items)
    questions = [{"no": i.position, "answered": svc.is_answered(i)} for i in attempt.items]
    return render_template(
        "quizzes/take.html", attempt=attempt, quiz=attempt.quiz, no=no, total=total, q=display.question(item),
        questions=questions, unanswered=sum(1 for q in questions if not q["answered"]),
        seconds_left=svc.seconds_left(attempt), error=error, form=AnswerForm(), submit_form=SubmitForm(),
        prev_url=_take_url(attempt, no - 1) if no > 1 else None,
        next_url=_take_url(attempt, no + 1) if no < total else None,
    ), status


@bp.route("/<slug>/percobaan/<int:attempt_id>")
@login_required
def take(slug: str, attempt_id: int):  # type: ignore[no-untyped-def]
    """One question (``?no=N``); without ``no``: where the learner left off (the first question not
    answered yet), or the overview with the submit button once all are answered."""
    quiz = _load_quiz(slug)
    attempt = _load_attempt(quiz, attempt_id)
    if svc.touch(attempt):
        db.session.commit()
        flash(_("Waktu mengerjakan kuis sudah habis. Jawaban yang tersimpan sebelum batas waktu sudah dinilai."),
              "warning")
    if svc.is_finished(attempt):
        return _closed(attempt)
    no = _question_no(attempt)
    if no is None:
        resume = svc.resume_position(attempt)
        if resume is not None:
            return redirect(_take_url(attempt, resume))
        questions = [{"no": i.position, "answered": True} for i in attempt.items]
        return render_template("quizzes/overview.html", attempt=attempt, quiz=quiz, questions=questions,
                               seconds_left=svc.seconds_left(attempt), submit_form=SubmitForm())
    return _render_take(attempt, no)


@bp.route("/<slug>/percobaan/<int:attempt_id>", methods=["POST"])
@login_required
def answer(slug: str, attempt_id: int):  # type: ignore[no-untyped-def]
    """Save the answer to question ``?no=N``: a form post redirects onwards (a branching scenario stays
    on its question until the path ends), JSON gets ``next_url`` back."""
    quiz = _load_quiz(slug)
    attempt = _load_attempt(quiz, attempt_id, lock=True)
    no = _question_no(attempt)
    if no is None:
        abort(404)
    try:
        item = svc.save_answer(attempt, no, answer_input(request))
    except svc.AttemptError as exc:
        if exc.code in ("expired", "closed"):
            db.session.commit()
            return _closed(attempt, exc)
        db.session.rollback()
        if request.is_json:
            return jsonify({"error": exc.code, "message": exc.message}), 400
        attempt = _load_attempt(quiz, attempt_id)
        return _render_take(attempt, no, error=exc.message, status=400)
    db.session.commit()
    answered = svc.is_answered(item)
    if not answered:  # a scenario goes on: the next situation
        next_url = _take_url(attempt, no)
    elif no < len(attempt.items):
        next_url = _take_url(attempt, no + 1)
    else:
        next_url = _take_url(attempt)
    if request.is_json:
        return jsonify({"saved": True, "answered": answered, "next_url": next_url})
    return redirect(next_url)


@bp.route("/<slug>/percobaan/<int:attempt_id>/kirim", methods=["POST"])
@login_required
def submit(slug: str, attempt_id: int):  # type: ignore[no-untyped-def]
    quiz = _load_quiz(slug, attempted_may=True)
    attempt = _load_attempt(quiz, attempt_id, lock=True)
    if not SubmitForm().validate_on_submit():
        abort(400)
    if svc.is_finished(attempt):  # submitted twice: the result stands
        return redirect(_review_url(attempt))
    svc.submit_attempt(attempt)
    db.session.commit()
    if attempt.status == AttemptStatus.EXPIRED:
        flash(_("Waktu mengerjakan kuis sudah habis. Jawaban yang tersimpan sebelum batas waktu sudah dinilai."),
              "warning")
    else:
        flash(_("Jawaban Anda sudah dikirim dan dinilai."), "success")
    if attempt.passed:
        _flash_new_certificates(attempt)
    return redirect(_review_url(attempt))


def _flash_new_certificates(attempt: Attempt) -> None:
    """The quiz may have been the last part of a course: its certificate was issued while grading
    (``attempts._grade``); tell the learner here, as the pakta page does."""
    from ..certificates.models import Certificate, CertificateState

    titles = db.session.scalars(
        select(Certificate.course_title).where(
            Certificate.user_id == attempt.user_id, Certificate.state == CertificateState.VALID,
            Certificate.issued_at >= attempt.submitted_at,
        ).order_by(Certificate.id)
    )
    for title in titles:
        flash(_("Sertifikat %(course)s sudah terbit.", course=title), "success")


@bp.route("/<slug>/percobaan/<int:attempt_id>/ulasan")
@login_required
def review(slug: str, attempt_id: int):  # type: ignore[no-untyped-def]
    quiz = _load_quiz(slug, attempted_may=True)
    attempt = _load_attempt(quiz, attempt_id)
    if svc.touch(attempt):
        db.session.commit()
    if not svc.is_finished(attempt):
        return redirect(_take_url(attempt))
    used = len(svc.user_attempts(current_user, quiz))
    # the page ends with the next step of the course that asks for this quiz (issue 16)
    course_view, campaign = _course_next_step(quiz)
    return render_template("quizzes/review.html", attempt=attempt, quiz=quiz,
                           items=[display.review(item) for item in attempt.items],
                           attempts_left=svc.attempts_left(quiz, used), form=StartForm(),
                           course_view=course_view, campaign=campaign)
