"""Item analysis pages and CSV (``/analisis/kuis``): trainers and admin BKPSDM of the instansi, the
operator SKPD for their own SKPD only, the superadmin everything. Figures only, never names; any
figure about fewer than 5 people is hidden (see analysis.py)."""
from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import authz
from ..accounts.models import Role
from ..db import db
from ..http_guards import optional_id
from ..org.models import Unit
from ..spreadsheets import safe_cell
from . import analysis
from .analysis import MIN_CELL, QuizAnalysis
from .models import Quiz

bp = Blueprint("quiz_analysis", __name__, url_prefix="/analisis/kuis")


def type_labels() -> dict[str, str]:
    return {
        "single_choice": _("Pilihan tunggal"),
        "multiple_response": _("Pilihan ganda (beberapa jawaban)"),
        "true_false": _("Benar/salah"),
        "branching": _("Skenario bercabang"),
        "social_feed": _("Dilema media sosial"),
    }


def _quiz(slug: str) -> Quiz:
    quiz = db.session.scalar(authz.scope_analysable_quizzes(select(Quiz).where(Quiz.slug == slug), current_user))
    if quiz is None:
        abort(404)
    return quiz


def _skpd(quiz: Quiz) -> Unit | None:
    """The SKPD filter: ``?skpd=<id>``; an operator SKPD always gets their own SKPD. Another
    instansi's (or, for an operator, another) SKPD answers 404."""
    raw = request.args.get("skpd", "")
    skpd = None
    if raw:
        skpd_id = optional_id(raw)
        skpd = db.session.get(Unit, skpd_id) if skpd_id is not None else None
        if skpd is None:
            abort(404)
    elif current_user.role == Role.OPERATOR_SKPD:
        skpd = db.session.get(Unit, current_user.skpd_id)
    if not authz.can_view_item_analysis(current_user, quiz, skpd):
        abort(404)
    return skpd


def _source() -> str:
    """``?sumber=langsung``: answers given on phones at live events; else quiz attempts."""
    return analysis.SOURCE_LIVE if request.args.get("sumber") == analysis.SOURCE_LIVE else analysis.SOURCE_QUIZ


def _analyse(slug: str) -> tuple[Quiz, Unit | None, QuizAnalysis]:
    quiz = _quiz(slug)
    skpd = _skpd(quiz)
    result = analysis.analyse(quiz, current_user, skpd, _source())
    db.session.commit()  # (figures counted again, when they were stale, are kept)
    return quiz, skpd, result


@bp.route("/")
@login_required
@authz.require(authz.can_analyse_quizzes)
def index():  # type: ignore[no-untyped-def]
    quizzes = list(db.session.scalars(authz.scope_analysable_quizzes(select(Quiz), current_user).order_by(Quiz.title)))
    people = analysis.quiz_people(quizzes, current_user)
    db.session.commit()  # (figures counted again, when they were stale, are kept)
    return render_template("quiz_analysis/index.html", quizzes=quizzes, people=people, min_cell=MIN_CELL)


@bp.route("/<slug>")
@login_required
@authz.require(authz.can_analyse_quizzes)
def quiz(slug: str):  # type: ignore[no-untyped-def]
    quiz, skpd, result = _analyse(slug)
    return render_template(
        "quiz_analysis/quiz.html", quiz=quiz, result=result, skpd=skpd, min_cell=MIN_CELL,
        skpds=analysis.skpd_choices(quiz, current_user), type_labels=type_labels(),
        forced=current_user.role == Role.OPERATOR_SKPD, branch_labels=analysis.branch_labels,
    )


def percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}"


def csv_rows(result: QuizAnalysis) -> list[list[Any]]:
    """The analysis as a long table: one row per choice of each question version (the version's
    figures repeated), hidden cells as "< 5"."""
    small = f"< {MIN_CELL}"
    header = [_("Soal"), _("Judul"), _("Versi"), _("Versi terkini"), _("Jenis"), _("N"), _("Fasilitas (%)"),
              _("Benar penuh (%)"), _("Diskriminasi"), _("Pilihan"), _("Teks pilihan"), _("Dipilih"), _("Dipilih (%)")]
    rows: list[list[Any]] = [header]
    if result.hidden:
        rows.append([_("Kurang dari %(n)d orang: tidak ada angka yang ditampilkan.", n=MIN_CELL)])
        return rows
    labels = type_labels()
    for question in result.questions:
        for stats in question.versions:
            version, sums = stats.version, stats.sums
            disc = sums.discrimination
            head = [question.ref(result.quiz), version.title, version.number, _("ya") if stats.current else _("tidak"),
                    labels.get(version.type, version.type)]
            if stats.hidden:
                rows.append(head + [small, "", "", "", "", "", "", ""])
                continue
            head += [sums.n, percent(sums.facility), percent(sums.share_correct),
                     "" if disc is None else f"{disc:.2f}"]
            cells = [*stats.choices, *([stats.unanswered] if stats.unanswered else [])]
            for cell in cells:
                label = cell.label if cell.key else _("(tidak dijawab)")
                if cell.hidden:
                    rows.append(head + [cell.key, label, small, ""])
                else:
                    rows.append(head + [cell.key, label, cell.count, percent(cell.count / sums.n)])
    return rows


@bp.route("/<slug>/csv")
@login_required
@authz.require(authz.can_analyse_quizzes)
def export_csv(slug: str):  # type: ignore[no-untyped-def]
    quiz, skpd, result = _analyse(slug)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv_rows(result):
        writer.writerow([safe_cell(value) for value in row])
    name = (f"analisis-{quiz.slug}" + ("-langsung" if result.source == analysis.SOURCE_LIVE else "")
            + (f"-skpd-{skpd.id}" if skpd is not None else "") + ".csv")
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})
