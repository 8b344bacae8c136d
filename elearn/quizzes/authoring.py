"""Authoring question banks, questions, tags (``/penyusunan/soal``) and quizzes (``/penyusunan/kuis``).

Trainers (pelatih), admin BKPSDM and the superadmin, like course authoring: an instansi's banks and
quizzes are edited by its authors; the shipped banks and quizzes (loaded from quizzes/, no
instansi) are read by every author and drawn into their quizzes, but only the superadmin edits
them (a visible object one may not edit answers 403; another instansi's answers 404). A saved
question change is a new version (``upsert_question``); questions are retired, never deleted.
Every change is audited by the services.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import Field, FieldList, FormField

from .. import authz
from ..content.quizzes import QuestionInvalid, render_text
from ..courses.authoring import refuse_copy
from ..courses.authoring_forms import CopyForm
from ..db import db
from ..errors import ServiceError
from ..org.forms import options as choice_options
from ..org.models import Instansi
from ..pagination import page_number, paginate
from . import authoring_services as services
from .analysis_views import type_labels
from .authoring_forms import (
    ACTOR_LABELS,
    AUTHOR_KIND_LABELS,
    ELECTION_LABELS,
    FORMAT_LABELS,
    QUESTION_FORMS,
    SANCTION_LABELS,
    STAGE_LABELS,
    BankForm,
    QuestionFilterForm,
    QuestionForm,
    QuizForm,
    TagForm,
    TagMergeForm,
    TagRenameForm,
    add_error,
    attach_problems,
    form_data,
    new_question_data,
    norm_text,
    translate_quiz_problem,
)
from .models import Question, QuestionBank, QuestionTag, QuestionVersion, Quiz, QuizStatus, Tag
from .services import DrawError
from .types import ACTION_LABELS, ACTIONS, QUESTION_TYPES, SLUG, TRUE_FALSE_LABELS, validate_question

bp = Blueprint("quiz_authoring", __name__, url_prefix="/penyusunan/soal")
quiz_bp = Blueprint("quiz_builder", __name__, url_prefix="/penyusunan/kuis")
PAGE_SIZE = 50


# --- shared helpers ----------------------------------------------------------------------------


class Renderer:
    """Text of one question as safe HTML in the question's format (Markdown by default)."""

    _ONE_PARAGRAPH = re.compile(r"\A<p>(.*)</p>\s*\Z", re.S)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.fmt = data.get("stem_format") or "markdown"

    def text(self, value: Any) -> Markup:
        return render_text(str(value or ""), self.fmt)

    def inline(self, value: Any) -> Markup:
        html = str(self.text(value))
        match = self._ONE_PARAGRAPH.match(html)
        return Markup(match.group(1) if match and "<p>" not in match.group(1) else html)


def preview_context() -> dict[str, Any]:
    """What the question preview partial needs besides the question dict."""
    return {
        "Renderer": Renderer, "type_labels": type_labels(), "action_labels": ACTION_LABELS, "actions": ACTIONS,
        "tf_labels": TRUE_FALSE_LABELS, "sanction_labels": SANCTION_LABELS, "stage_labels": STAGE_LABELS,
        "actor_labels": ACTOR_LABELS, "election_labels": ELECTION_LABELS, "author_kind_labels": AUTHOR_KIND_LABELS,
    }


def _bank(slug: str, *, edit: bool = False) -> QuestionBank:
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
    if bank is None or not authz.can_view_bank(current_user, bank):
        abort(404)
    if edit and not authz.can_edit_bank(current_user, bank):
        abort(403)
    return bank


def _question(bank: QuestionBank, key: str) -> Question:
    question = db.session.scalar(select(Question).where(Question.bank_id == bank.id, Question.key == key))
    if question is None or question.current_version is None:
        abort(404)
    return question


def field_errors(form: Any) -> list[tuple[str, str, str]]:
    """(field id, label, first message) of every field with an error, in form order, nested rows
    included: the error summary at the top of a long form links to each."""
    found: list[tuple[str, str, str]] = []
    for field in form:
        if isinstance(field, FormField):
            found += field_errors(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                found += field_errors(entry.form) if isinstance(entry, FormField) else []
        elif isinstance(field, Field) and field.errors and field.type != "CSRFTokenField":
            found.append((field.id, str(field.label.text), str(field.errors[0])))
    return found


def _has_errors(form: Any) -> bool:
    return bool(field_errors(form)) or bool(getattr(form, "csrf_token", None) and form.csrf_token.errors)


def _action() -> str:
    return request.form.get("action", "save") if request.method == "POST" else ""


# --- banks -------------------------------------------------------------------------------------


@bp.route("/")
@login_required
@authz.require(authz.can_author_content)
def banks():  # type: ignore[no-untyped-def]
    rows = list(db.session.scalars(authz.scope_banks(select(QuestionBank), current_user).order_by(QuestionBank.title)))
    counts = dict(db.session.execute(
        select(Question.bank_id, func.count(Question.id))
        .where(Question.bank_id.in_([b.id for b in rows]), Question.retired.is_(False))
        .group_by(Question.bank_id)).all()) if rows else {}
    return render_template("quiz_authoring/banks.html", banks=rows, counts=counts, copy_form=CopyForm(),
                           can_copy=lambda bank: authz.can_copy_shipped(current_user, bank))


@bp.route("/baru", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_author_content)
def bank_new():  # type: ignore[no-untyped-def]
    form = BankForm()
    superadmin = authz.is_superadmin(current_user)
    if not superadmin and current_user.instansi_id is None:
        abort(403)
    if form.validate_on_submit():
        try:
            bank = services.create_bank(current_user, slug=form.slug.data, title=form.title.data,
                                        description=form.description.data or "",
                                        instansi_id=None if superadmin else current_user.instansi_id)
        except ServiceError as exc:
            db.session.rollback()
            add_error(form.slug, exc.message)
        else:
            db.session.commit()
            flash(_("Bank soal %(title)s dibuat. Tambahkan soalnya.", title=bank.title), "success")
            return redirect(url_for(".bank", slug=bank.slug))
    return render_template("quiz_authoring/bank_form.html", form=form)


def _status_filter(status: str) -> Any:
    draft = QuestionVersion.draft.is_(True)
    if status == "aktif":
        return and_(Question.retired.is_(False), QuestionVersion.draft.is_(False))
    if status == "draf":
        return and_(Question.retired.is_(False), draft)
    if status == "ditarik":
        return Question.retired.is_(True)
    return None


@bp.route("/bank/<slug>")
@login_required
@authz.require(authz.can_author_content)
def bank(slug: str):  # type: ignore[no-untyped-def]
    bank = _bank(slug)
    labels = type_labels()
    tags = list(db.session.scalars(
        select(Tag).join(QuestionTag, QuestionTag.tag_id == Tag.id).join(Question, Question.id == QuestionTag.question_id)
        .where(Question.bank_id == bank.id).group_by(Tag.id).order_by(Tag.label)))
    form = QuestionFilterForm(request.args)
    form.jenis.choices = choice_options([("", _("Semua jenis")), *labels.items()])
    form.tag.choices = choice_options([("", _("Semua tag"))] + [(t.slug, t.label) for t in tags])
    form.status.choices = choice_options([("", _("Semua")), ("aktif", _("Aktif")), ("draf", _("Draf")),
                                          ("ditarik", _("Ditarik"))])
    stmt = (select(Question, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .where(Question.bank_id == bank.id))
    if form.jenis.data in labels:
        stmt = stmt.where(QuestionVersion.type == form.jenis.data)
    if form.tag.data:
        tagged = (select(QuestionTag.question_id).join(Tag, Tag.id == QuestionTag.tag_id)
                  .where(Tag.slug == form.tag.data))
        stmt = stmt.where(Question.id.in_(tagged))
    status = _status_filter(form.status.data or "")
    if status is not None:
        stmt = stmt.where(status)
    page = paginate(stmt.order_by(Question.position, Question.id), page_number(request.args.get("page")),
                    PAGE_SIZE, scalars=False)
    counts = db.session.execute(
        select(QuestionVersion.type, QuestionVersion.draft, Question.retired, func.count(Question.id))
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == bank.id)
        .group_by(QuestionVersion.type, QuestionVersion.draft, Question.retired)).all()
    by_type = {key: 0 for key in labels}
    totals = {"aktif": 0, "draf": 0, "ditarik": 0}
    for qtype, draft, retired, n in counts:
        if retired:
            totals["ditarik"] += n
            continue
        by_type[qtype] = by_type.get(qtype, 0) + n
        totals["draf" if draft else "aktif"] += n
    return render_template("quiz_authoring/bank.html", bank=bank, page=page, form=form, by_type=by_type,
                           totals=totals, labels=labels, can_edit=authz.can_edit_bank(current_user, bank),
                           can_copy=authz.can_copy_shipped(current_user, bank))


@bp.route("/bank/<slug>/salin", methods=["POST"])
@login_required
@authz.require(authz.can_author_content)
def bank_copy(slug: str):  # type: ignore[no-untyped-def]
    """Copy a shipped bank into the author's instansi (an editable bank of its own)."""
    bank = _bank(slug)
    instansi = db.session.get(Instansi, current_user.instansi_id) if current_user.instansi_id is not None else None
    if instansi is None or authz.is_superadmin(current_user):
        return refuse_copy()
    if not authz.can_copy_shipped(current_user, bank):
        abort(403)
    if not CopyForm().validate_on_submit():
        abort(400)
    try:
        copy = services.copy_bank(current_user, bank, instansi)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".bank", slug=bank.slug))
    db.session.commit()
    flash(_("Salinan %(title)s dibuat untuk instansi Anda (kode %(slug)s). Soal di salinan dapat diubah; bank "
            "bawaannya tetap.", title=copy.title, slug=copy.slug), "success")
    return redirect(url_for(".bank", slug=copy.slug))


# --- questions -----------------------------------------------------------------------------


def _question_form(qtype: str, base: Mapping[str, Any] | None, version_number: int | None) -> QuestionForm:
    form_cls = QUESTION_FORMS[qtype]
    if request.method == "POST":
        form = form_cls()
    else:
        form = form_cls(formdata=None, data=form_data(base or new_question_data(qtype)))
        form.base_version.data = str(version_number or "")
    return form


def _check_key(form: QuestionForm, bank: QuestionBank) -> str:
    key = norm_text(form.key.data)
    if not key:
        add_error(form.key, _("Wajib diisi."))
    elif not SLUG.match(key) or len(key) > 100:
        add_error(form.key, _("Hanya huruf kecil a-z, angka dan tanda minus, mis. medsos-like-calon."))
    elif db.session.scalar(select(Question.id).where(Question.bank_id == bank.id, Question.key == key)) is not None:
        add_error(form.key, _("Kode soal ini sudah dipakai di bank ini."))
    return key


def _fold_values(form: QuestionForm) -> dict[str, str]:
    """What the folded parts of the question form hold, for their summaries (issue 16 point 6)."""
    def names(values: Any, labels: Mapping[str, Any]) -> str:
        return ", ".join(str(labels.get(v, v)) for v in values or [] if v)

    def count(text: Any) -> int:
        return len([line for line in str(text or "").splitlines() if line.strip()])

    election = " · ".join(part for part in (names(form.election_types.data, ELECTION_LABELS),
                                            names([form.stage.data], STAGE_LABELS)) if part)
    actor = " · ".join(part for part in (names([form.actor_role.data], ACTOR_LABELS),
                                         names(form.sanctions.data, SANCTION_LABELS)) if part)
    rules = ", ".join(part for part in (
        _("%(n)d dasar hukum", n=count(form.rule_refs.data)) if count(form.rule_refs.data) else "",
        _("%(n)d sumber", n=count(form.sources.data)) if count(form.sources.data) else "",
        _("sudah dicek") if form.verified_against_primary.data else "") if part)
    tags = " · ".join(part for part in (norm_text(form.tags.data), norm_text(form.category.data),
                                        _("draf") if form.draft.data else "") if part)
    points = norm_text(str(form.points.data or "")) or "1"
    return {
        "format": f"{FORMAT_LABELS.get(form.stem_format.data or 'markdown', form.stem_format.data)} · "
                  + _("%(n)s poin", n=points),
        "election": election or _("belum diisi"), "actor": actor or _("belum diisi"),
        "rules": rules or _("belum diisi"), "tags": tags or _("belum diisi"),
    }


def _edit_question(bank: QuestionBank, qtype: str, question: Question | None):  # type: ignore[no-untyped-def]
    current = question.current_version if question is not None else None
    base = current.data if current is not None else None
    form = _question_form(qtype, base, current.number if current is not None else None)
    if question is not None:
        del form.key
    form.prepare()
    action = _action()
    preview = None
    focus = None
    if action and form.apply_action(action):
        form.prepare()
        focus = action
    elif action:
        form.validate()
        key = question.key if question is not None else _check_key(form, bank)
        data = form.to_data(base, key)
        preview = data
        attach_problems(form, validate_question(data))
        stale = current is not None and form.base_version.data != str(current.number)
        if stale and action == "save":
            form.general_errors.append(_(
                "Soal ini sudah disimpan orang lain (versi %(n)d) sejak Anda membukanya. Buka ulang soalnya agar "
                "ubahan mereka tidak tertimpa.", n=current.number))
        if action == "save" and not _has_errors(form) and not form.general_errors:
            try:
                version, status = services.save_question(bank, data, current_user)
            except QuestionInvalid as exc:  # pragma: no cover - validated above
                db.session.rollback()
                attach_problems(form, exc.problems)
            else:
                db.session.commit()
                if status == "unchanged":
                    flash(_("Tidak ada perubahan; tidak ada versi baru."), "success")
                elif status == "created":
                    flash(_("Soal %(title)s disimpan (versi 1).", title=version.title), "success")
                else:
                    flash(_("Soal %(title)s disimpan sebagai versi %(n)d. Versi lama tetap dipakai oleh percobaan "
                            "yang sudah mengerjakannya.", title=version.title, n=version.number), "success")
                return redirect(url_for(".question", slug=bank.slug, key=key))
    return render_template("quiz_authoring/question_form.html", bank=bank, form=form, question=question,
                           qtype=qtype, preview=preview, focus=focus, fold_values=_fold_values(form),
                           error_links=field_errors(form), **preview_context())


@bp.route("/bank/<slug>/baru/<qtype>", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_author_content)
def question_new(slug: str, qtype: str):  # type: ignore[no-untyped-def]
    bank = _bank(slug, edit=True)
    if qtype not in QUESTION_FORMS:
        abort(404)
    return _edit_question(bank, qtype, None)


@bp.route("/bank/<slug>/soal/<key>")
@login_required
@authz.require(authz.can_author_content)
def question(slug: str, key: str):  # type: ignore[no-untyped-def]
    bank = _bank(slug)
    question = _question(bank, key)
    versions = services.question_versions(question)
    shown = question.current_version
    raw = request.args.get("versi", "")
    if raw:
        shown = next((v for v in versions if str(v.number) == raw), None)
        if shown is None:
            abort(404)
    return render_template("quiz_authoring/question.html", bank=bank, question=question, version=shown,
                           versions=versions, can_edit=authz.can_edit_bank(current_user, bank),
                           **preview_context())


@bp.route("/bank/<slug>/soal/<key>/ubah", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_author_content)
def question_edit(slug: str, key: str):  # type: ignore[no-untyped-def]
    bank = _bank(slug, edit=True)
    question = _question(bank, key)
    return _edit_question(bank, question.current_version.type, question)


def _retire(slug: str, key: str, retired: bool):  # type: ignore[no-untyped-def]
    bank = _bank(slug, edit=True)
    question = _question(bank, key)
    if services.set_retired(question, retired, current_user):
        db.session.commit()
        flash(_("Soal ditarik: tidak diundi lagi ke kuis. Riwayat dan percobaan tetap tersimpan.") if retired
              else _("Soal dipulihkan: dapat diundi lagi ke kuis."), "success")
    return redirect(url_for(".question", slug=bank.slug, key=question.key))


@bp.route("/bank/<slug>/soal/<key>/tarik", methods=["POST"])
@login_required
@authz.require(authz.can_author_content)
def question_retire(slug: str, key: str):  # type: ignore[no-untyped-def]
    return _retire(slug, key, True)


@bp.route("/bank/<slug>/soal/<key>/pulihkan", methods=["POST"])
@login_required
@authz.require(authz.can_author_content)
def question_restore(slug: str, key: str):  # type: ignore[no-untyped-def]
    return _retire(slug, key, False)


# --- tags ----------------------------------------------------------------------------------


def _visible_bank_ids() -> Any:
    return authz.scope_banks(select(QuestionBank.id), current_user)


def _scope_tags(stmt: Any) -> Any:
    """Tags used by a bank the user may read, and tags no question uses yet that the user's instansi
    created (the superadmin: every unused tag). Another instansi's tags stay out of lists and pickers."""
    used_visible = (select(QuestionTag.tag_id).join(Question, Question.id == QuestionTag.question_id)
                    .where(Question.bank_id.in_(_visible_bank_ids())))
    used = select(QuestionTag.tag_id)
    unused = Tag.id.not_in(used)
    if not authz.is_superadmin(current_user):
        unused = and_(unused, Tag.instansi_id == current_user.instansi_id)
    return stmt.where(or_(Tag.id.in_(used_visible), unused))


def _tag(slug: str) -> Tag:
    tag = db.session.scalar(_scope_tags(select(Tag).where(Tag.slug == slug)))
    if tag is None:
        abort(404)
    return tag


@bp.route("/tag/", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_author_content)
def tags():  # type: ignore[no-untyped-def]
    form = TagForm()
    if form.validate_on_submit():
        try:
            tag = services.create_tag(current_user, form.slug.data, form.label.data)
        except ServiceError as exc:
            db.session.rollback()
            add_error(form.slug, exc.message)
        else:
            db.session.commit()
            flash(_("Tag %(label)s dibuat.", label=tag.label), "success")
            return redirect(url_for(".tags"))
    rows = list(db.session.scalars(_scope_tags(select(Tag)).order_by(Tag.label)))
    visible = services.tag_counts(list(db.session.scalars(_visible_bank_ids())))
    editable_ids = list(db.session.scalars(authz.scope_banks(select(QuestionBank.id), current_user, editable=True)))
    own = services.tag_counts(editable_ids)
    return render_template("quiz_authoring/tags.html", tags=rows, visible=visible, own=own, form=form)


def _tag_page(tag: Tag, rename: TagRenameForm, merge: TagMergeForm):  # type: ignore[no-untyped-def]
    editable_ids = list(db.session.scalars(authz.scope_banks(select(QuestionBank.id), current_user, editable=True)))
    own = services.tag_counts(editable_ids).get(tag.id, 0)
    total = services.tag_counts(list(db.session.scalars(_visible_bank_ids()))).get(tag.id, 0)
    return render_template("quiz_authoring/tag.html", tag=tag, rename=rename, merge=merge, own=own, total=total,
                           can_rename=authz.can_edit_tag(current_user, tag))


def _merge_form(tag: Tag) -> TagMergeForm:
    form = TagMergeForm()
    form.target.choices = choice_options((t.slug, f"{t.label} ({t.slug})")
                                         for t in db.session.scalars(_scope_tags(select(Tag).where(Tag.id != tag.id))
                                                                     .order_by(Tag.label)))
    return form


@bp.route("/tag/<slug>", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_author_content)
def tag(slug: str):  # type: ignore[no-untyped-def]
    tag = _tag(slug)
    rename = TagRenameForm(obj=tag if request.method == "GET" else None)
    if request.method == "POST":
        if not authz.can_edit_tag(current_user, tag):
            abort(403)
        if rename.validate_on_submit():
            if services.rename_tag(tag, rename.label.data, current_user):
                db.session.commit()
                flash(_("Nama tag diubah. Kodenya tetap %(slug)s, jadi soal dan kuis tidak berubah.", slug=tag.slug),
                      "success")
            return redirect(url_for(".tag", slug=tag.slug))
    return _tag_page(tag, rename, _merge_form(tag))


@bp.route("/tag/<slug>/gabung", methods=["POST"])
@login_required
@authz.require(authz.can_author_content)
def tag_merge(slug: str):  # type: ignore[no-untyped-def]
    tag = _tag(slug)
    merge = _merge_form(tag)
    if not merge.validate_on_submit():
        return _tag_page(tag, TagRenameForm(obj=tag), merge), 400
    target = _tag(merge.target.data)
    label = tag.label
    result = services.merge_tags(tag, target, current_user)
    db.session.commit()
    flash(_("Tag %(source)s digabung ke %(target)s: %(n)d soal mendapat versi baru, %(q)d kuis diperbarui.",
            source=label, target=target.label, n=result["questions"], q=result["quizzes"]), "success")
    if result["remaining"]:
        flash(_("%(n)d soal di bank yang tidak dapat Anda ubah tetap memakai tag lama.", n=result["remaining"]),
              "warning")
    return redirect(url_for(".tag", slug=target.slug))


# --- quizzes -------------------------------------------------------------------------------


def _quiz(slug: str, *, edit: bool = False) -> Quiz:
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == slug))
    if quiz is None or not authz.can_view_quiz_setup(current_user, quiz) or not authz.can_view_bank(current_user,
                                                                                                      quiz.bank):
        abort(404)
    if edit and not authz.can_edit_quiz(current_user, quiz):
        abort(403)
    return quiz


def _status_labels() -> dict[str, str]:
    return {QuizStatus.DRAFT: _("Draf"), QuizStatus.PUBLISHED: _("Terbit")}


@quiz_bp.route("/")
@login_required
@authz.require(authz.can_author_content)
def quizzes():  # type: ignore[no-untyped-def]
    rows = list(db.session.scalars(authz.scope_authored_quizzes(select(Quiz), current_user)
                                   .options(selectinload(Quiz.banks)).order_by(Quiz.title)))
    return render_template("quiz_authoring/quizzes.html", quizzes=rows, status_labels=_status_labels())


def _pool_tags(pool: Mapping[str, list[str]]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for tags in pool.values():
        for slug in tags:
            counts[slug] = counts.get(slug, 0) + 1
    return sorted(counts.items())


def _quiz_form_page(form: QuizForm, quiz: Quiz | None, banks: list[QuestionBank], focus: str | None = None):  # type: ignore[no-untyped-def]
    pool = services.quiz_pool(banks).pool if banks else {}
    return render_template("quiz_authoring/quiz_form.html", form=form, quiz=quiz, banks=banks, focus=focus,
                           bank_tags=_pool_tags(pool), pool_size=len(pool))


def _bank_choices(form: QuizForm) -> list[QuestionBank]:
    """Offer every bank the author may draw from (their instansi's and the shipped ones); the
    banks chosen, in that order."""
    visible = list(db.session.scalars(authz.scope_banks(select(QuestionBank), current_user)
                                      .order_by(QuestionBank.title)))
    form.banks.choices = choice_options(
        (b.slug, b.title if b.instansi_id is not None else _("%(title)s (bank bawaan)", title=b.title))
        for b in visible)
    chosen = set(form.banks.data or [])
    return [b for b in visible if b.slug in chosen]


def _save_quiz_form(form: QuizForm, quiz: Quiz | None, banks: list[QuestionBank], slug: str):  # type: ignore[no-untyped-def]
    action = _action()
    if form.apply_action(action):
        return _quiz_form_page(form, quiz, banks, focus=action)
    valid = form.validate_on_submit()
    instansi_id = quiz.instansi_id if quiz is not None else (
        None if authz.is_superadmin(current_user) else current_user.instansi_id)
    if not banks:
        add_error(form.banks, _("Pilih setidaknya satu bank soal."))
        return _quiz_form_page(form, quiz, banks)
    foreign = [b for b in banks if b.instansi_id is not None and b.instansi_id != instansi_id]
    if foreign:
        # a quiz is seen by its instansi (a shipped one by everyone): it draws only from banks they may read
        add_error(form.banks, _("Bank %(title)s milik satu instansi; kuis ini hanya boleh memakai bank bawaan dan "
                                "bank milik instansinya sendiri.", title=foreign[0].title))
        return _quiz_form_page(form, quiz, banks)
    data = form.quiz_data(slug)
    if valid and not _has_errors(form):
        form.attach_problems(services.quiz_problems(banks, data))
    if valid and not _has_errors(form) and not form.general_errors:
        try:
            saved, result = services.save_quiz(current_user, banks, data, instansi_id=instansi_id, quiz=quiz)
        except ServiceError as exc:
            db.session.rollback()
            if quiz is None:
                add_error(form.slug, exc.message)
            else:
                form.general_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Kuis disimpan.") if result != "unchanged" else _("Tidak ada perubahan."), "success")
            return redirect(url_for(".quiz", slug=saved.slug))
    return _quiz_form_page(form, quiz, banks)


@quiz_bp.route("/baru", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_author_content)
def quiz_new():  # type: ignore[no-untyped-def]
    if not authz.is_superadmin(current_user) and current_user.instansi_id is None:
        abort(403)
    form = QuizForm()
    if request.method == "GET" and request.args.get("bank"):
        form.banks.data = [request.args["bank"]]
    banks = _bank_choices(form)
    if request.method == "GET":
        return _quiz_form_page(form, None, banks)
    return _save_quiz_form(form, None, banks, norm_text(form.slug.data))


@quiz_bp.route("/<slug>")
@login_required
@authz.require(authz.can_author_content)
def quiz(slug: str):  # type: ignore[no-untyped-def]
    quiz = _quiz(slug)
    banks = services.quiz_banks(quiz)
    problems = services.quiz_problems(banks, services.quiz_data(quiz))
    return render_template("quiz_authoring/quiz.html", quiz=quiz, banks=banks, status_labels=_status_labels(),
                           can_edit=authz.can_edit_quiz(current_user, quiz),
                           problems=[translate_quiz_problem(p) for p in problems])


@quiz_bp.route("/<slug>/ubah", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_author_content)
def quiz_edit(slug: str):  # type: ignore[no-untyped-def]
    quiz = _quiz(slug, edit=True)
    form = QuizForm()
    del form.slug
    if request.method == "GET":
        form.fill(quiz)
        form.banks.data = [b.slug for b in services.quiz_banks(quiz)]
    banks = _bank_choices(form)
    if request.method == "GET":
        return _quiz_form_page(form, quiz, banks)
    # the quiz's banks first, in their order, then the newly chosen ones
    current = [b.id for b in services.quiz_banks(quiz)]
    banks.sort(key=lambda b: current.index(b.id) if b.id in current else len(current))
    return _save_quiz_form(form, quiz, banks, quiz.slug)


def _set_status(slug: str, status: QuizStatus):  # type: ignore[no-untyped-def]
    quiz = _quiz(slug, edit=True)
    try:
        services.set_quiz_status(quiz, status, current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Kuis diterbitkan: peserta dapat mengerjakannya.") if status == QuizStatus.PUBLISHED
              else _("Kuis dijadikan draf: peserta tidak dapat memulai percobaan baru."), "success")
    return redirect(url_for(".quiz", slug=quiz.slug))


@quiz_bp.route("/<slug>/terbitkan", methods=["POST"])
@login_required
@authz.require(authz.can_author_content)
def quiz_publish(slug: str):  # type: ignore[no-untyped-def]
    return _set_status(slug, QuizStatus.PUBLISHED)


@quiz_bp.route("/<slug>/jadikan-draf", methods=["POST"])
@login_required
@authz.require(authz.can_author_content)
def quiz_unpublish(slug: str):  # type: ignore[no-untyped-def]
    return _set_status(slug, QuizStatus.DRAFT)


@quiz_bp.route("/<slug>/pratinjau")
@login_required
@authz.require(authz.can_author_content)
def quiz_preview(slug: str):  # type: ignore[no-untyped-def]
    quiz = _quiz(slug)
    error = None
    try:
        versions = services.sample_draw(quiz)
    except DrawError as exc:
        versions = []
        error = _("Aturan %(n)d memerlukan %(count)d soal, tetapi hanya %(left)d yang tersisa di bank.",
                  n=exc.rule_index + 1, count=exc.needed, left=exc.available)
    return render_template("quiz_authoring/quiz_preview.html", quiz=quiz, versions=versions, error=error,
                           **preview_context())

