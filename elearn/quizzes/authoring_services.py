"""Authoring services: banks, questions (through ``upsert_question``), tags and quizzes.

Services take plain values, flush, never commit, and audit every change. Who may do what is
decided by the views (authz.py); the services only keep the data consistent.

Tags: a tag is a slug (what questions and draw rules use) and a label (what people read).
Renaming changes the label only; the slug stays, so no question changes. Merging tag A into tag B
retags every question of the banks the author may edit that has A: each gets a new version with B
instead of A (versions are the record of a question's content, and export writes them back, so the
mapping table alone would be overwritten by the next sync or edit), and the draw rules of the
author's quizzes on those banks follow. Tag A is removed when no current question uses it any
more; questions of banks the author may not edit keep it.
"""
from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select

from ..accounts.models import Role, User
from ..audit.services import record
from ..content.quizzes import (
    canonical_quiz,
    get_or_create_tag,
    quiz_data,
    upsert_question,
    upsert_quiz,
    validate_quiz,
)
from ..db import db
from ..errors import ServiceError, code_unavailable
from ..org.models import Instansi
from .models import Question, QuestionBank, QuestionTag, QuestionVersion, Quiz, QuizBank, QuizStatus, Tag
from .services import bank_pool, draw_questions, quiz_pool


def _instansi(instansi_id: int | None) -> Instansi | None:
    return db.session.get(Instansi, instansi_id) if instansi_id is not None else None


# --- banks ---------------------------------------------------------------------------------


def create_bank(actor: User, *, slug: str, title: str, description: str, instansi_id: int | None) -> QuestionBank:
    """A new, empty bank of ``instansi_id`` (None: shipped content, superadmin only). Flushes."""
    if db.session.scalar(select(QuestionBank.id).where(QuestionBank.slug == slug)) is not None:
        raise code_unavailable(slug)
    bank = QuestionBank(slug=slug, title=title.strip(), description=description.strip(), language="id",
                        instansi_id=instansi_id)
    db.session.add(bank)
    db.session.flush()
    record("quiz.bank_create", actor=actor, instansi_id=instansi_id, target=bank,
           details={"bank": slug, "title": bank.title})
    return bank


def copy_bank(actor: User, source: QuestionBank, instansi: Instansi) -> QuestionBank:
    """An editable copy of a shipped bank for ``instansi``: a new bank (code ``<bank>-<instansi>``,
    made unique, title marked as a copy) with every question that is not retired, each starting at
    version 1 with the content of the source's current version (tags, file and place kept), so that
    editing the copy never touches the shipped bank. The shipped bank's quizzes are not copied: a
    quiz of the instansi may draw from the copy. Flushes."""
    from ..courses.services import COPY_SUFFIX, add_copy, copy_slug

    if source.instansi_id is not None:
        raise ServiceError(_("Hanya bank soal bawaan yang dapat disalin."), "not_shipped")
    bank = QuestionBank(slug=copy_slug(f"{source.slug}-{instansi.slug}", QuestionBank.slug),
                        title=source.title[:200 - len(COPY_SUFFIX)] + COPY_SUFFIX,
                        description=source.description, language=source.language, instansi_id=instansi.id)
    add_copy(bank)
    rows = db.session.execute(
        select(Question, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == source.id, Question.retired.is_(False))
        .order_by(Question.position, Question.id)
    ).all()
    for question, version in rows:
        upsert_question(bank, version.data, actor, source_file=question.source_file, position=question.position,
                        import_source=question.import_source)
    record("quiz.bank_copy", actor=actor, instansi_id=instansi.id, target=bank,
           details={"bank": bank.slug, "source": source.slug, "count": len(rows), "title": bank.title})
    return bank


# --- questions -----------------------------------------------------------------------------


def save_question(bank: QuestionBank, data: Mapping[str, Any], actor: User) -> tuple[QuestionVersion, str]:
    """Create or update the question ``data["id"]`` (validated by ``upsert_question``, which raises
    QuestionInvalid). A change makes a new version; unchanged content makes nothing and records
    nothing. New questions go to the end of the bank. Flushes."""
    exists = db.session.scalar(select(Question.id).where(Question.bank_id == bank.id, Question.key == data["id"]))
    position = None
    if exists is None:
        position = (db.session.scalar(select(func.max(Question.position)).where(Question.bank_id == bank.id))
                    or 0) + 1
    version, status = upsert_question(bank, data, actor, position=position)
    if status != "unchanged":
        record("quiz.question_create" if status == "created" else "quiz.question_update", actor=actor,
               instansi_id=bank.instansi_id, target=version,
               details={"bank": bank.slug, "question": data["id"], "version": version.number,
                        "title": version.title})
    return version, status


def set_retired(question: Question, retired: bool, actor: User) -> bool:
    """Retire (never drawn again; attempts and history stay) or restore a question. False when it
    already was in that state. Flushes."""
    if question.retired == retired:
        return False
    question.retired = retired
    db.session.flush()
    record("quiz.question_retire" if retired else "quiz.question_restore", actor=actor,
           instansi_id=question.bank.instansi_id, target=question,
           details={"bank": question.bank.slug, "question": question.key})
    return True


def question_versions(question: Question) -> list[QuestionVersion]:
    return list(db.session.scalars(select(QuestionVersion).where(QuestionVersion.question_id == question.id)
                                   .order_by(QuestionVersion.number.desc())))


# --- tags ----------------------------------------------------------------------------------


def create_tag(actor: User, slug: str, label: str) -> Tag:
    if db.session.scalar(select(Tag.id).where(Tag.slug == slug)) is not None:
        raise code_unavailable(slug)
    tag = get_or_create_tag(slug, label.strip())
    tag.instansi_id = actor.instansi_id
    record("quiz.tag_create", actor=actor, instansi_id=actor.instansi_id, target=tag,
           details={"tag": slug, "name": tag.label})
    return tag


def rename_tag(tag: Tag, label: str, actor: User) -> bool:
    label = label.strip()
    if tag.label == label:
        return False
    old, tag.label = tag.label, label
    db.session.flush()
    record("quiz.tag_rename", actor=actor, instansi_id=actor.instansi_id, target=tag,
           details={"tag": tag.slug, "old": old, "new": label})
    return True


def _editable_bank_ids(actor: User) -> list[int]:
    stmt = select(QuestionBank.id)
    if actor.role != Role.SUPERADMIN:
        stmt = stmt.where(QuestionBank.instansi_id == actor.instansi_id)
    return list(db.session.scalars(stmt))


def merge_tags(source: Tag, target: Tag, actor: User) -> dict[str, int]:
    """Retag ``source`` as ``target`` in the banks and quizzes ``actor`` may edit (see the module
    docstring). Returns counts: questions retagged, quizzes changed, questions elsewhere that keep
    the source tag. Flushes."""
    if source.id == target.id:
        raise ServiceError(_("Pilih tag lain sebagai tujuan."), "same_tag")
    bank_ids = _editable_bank_ids(actor)
    rows = db.session.execute(
        select(Question, QuestionVersion)
        .join(QuestionTag, QuestionTag.question_id == Question.id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(QuestionTag.tag_id == source.id, Question.bank_id.in_(bank_ids))
        .order_by(Question.id)
    ).all()
    for question, version in rows:
        tags = [target.slug if t == source.slug else t for t in version.data.get("tags") or []]
        upsert_question(question.bank, {**version.data, "tags": list(dict.fromkeys(tags))}, actor)
    quizzes = 0
    stmt = select(Quiz).where(or_(Quiz.bank_id.in_(bank_ids),
                                  Quiz.id.in_(select(QuizBank.quiz_id).where(QuizBank.bank_id.in_(bank_ids)))))
    if actor.role != Role.SUPERADMIN:
        stmt = stmt.where(Quiz.instansi_id == actor.instansi_id)
    for quiz in db.session.scalars(stmt):
        rules = quiz.draw or []
        if not any(source.slug in (rule.get("tags") or []) for rule in rules):
            continue
        new_rules = [{**rule, "tags": list(dict.fromkeys(target.slug if t == source.slug else t for t in rule["tags"]))}
                     if "tags" in rule else dict(rule) for rule in rules]
        upsert_quiz(quiz.bank, {**quiz_data(quiz), "draw": new_rules}, status=quiz.status,
                    instansi=_instansi(quiz.instansi_id), banks=quiz_banks(quiz))
        quizzes += 1
    remaining = db.session.scalar(select(func.count()).select_from(QuestionTag)
                                  .where(QuestionTag.tag_id == source.id)) or 0
    details = {"tag": source.slug, "into": target.slug, "questions": len(rows), "quizzes": quizzes,
               "remaining": remaining}
    if not remaining:
        db.session.execute(delete(Tag).where(Tag.id == source.id))
    db.session.flush()
    record("quiz.tag_merge", actor=actor, instansi_id=actor.instansi_id, target=target, details=details)
    return {"questions": len(rows), "quizzes": quizzes, "remaining": remaining}


def tag_counts(bank_ids: list[int]) -> dict[int, int]:
    """Tag id -> number of current questions (retired ones included) of these banks that have it."""
    rows = db.session.execute(
        select(QuestionTag.tag_id, func.count(QuestionTag.question_id))
        .join(Question, Question.id == QuestionTag.question_id)
        .where(Question.bank_id.in_(bank_ids))
        .group_by(QuestionTag.tag_id)
    )
    return {tag_id: int(n) for tag_id, n in rows}


# --- quizzes -------------------------------------------------------------------------------


def quiz_banks(quiz: Quiz) -> list[QuestionBank]:
    """The banks ``quiz`` draws from, in order (a quiz without quiz_banks rows: its home bank)."""
    return list(quiz.banks) or [quiz.bank]


def quiz_problems(banks: QuestionBank | list[QuestionBank], data: Mapping[str, Any]) -> list[str]:
    """What stops ``data`` (a quiz mapping) from being drawn from ``banks`` as they are now. With
    several banks a question id may be written ``bank/id`` (it must be, when two banks have it)."""
    merged = quiz_pool(banks if isinstance(banks, list) else [banks])
    return validate_quiz({k: v for k, v in data.items() if k not in ("bank", "banks")}, merged.pool, merged.drafts,
                         merged.aliases)


def save_quiz(actor: User, banks: QuestionBank | list[QuestionBank], data: Mapping[str, Any], *,
              instansi_id: int | None, quiz: Quiz | None = None) -> tuple[Quiz, str]:
    """Create (as a draft) or update a quiz drawing from ``banks`` (in order; the first is its home
    bank unless the quiz already has one of them as home); ``data`` must already pass
    ``quiz_problems``. A quiz built in the browser keeps no file text (export writes it from the
    data). Flushes."""
    banks = list(dict.fromkeys(banks if isinstance(banks, list) else [banks]))
    if quiz is None and db.session.scalar(select(Quiz.id).where(Quiz.slug == data["slug"])) is not None:
        raise code_unavailable(data["slug"])
    data = {**data, "banks": [b.slug for b in banks]}
    if quiz is not None and quiz.content_hash and canonical_quiz(data) == quiz_data(quiz) \
            and quiz.bank_ids == [b.id for b in banks]:
        return quiz, "unchanged"
    home = banks[0]
    if quiz is not None:
        home = next((b for b in banks if b.id == quiz.bank_id), banks[0])
        if home.id != quiz.bank_id:
            quiz.bank_id = home.id  # its home bank was taken off the quiz: the first chosen one is
            quiz.bank = home
            db.session.flush()
    status = quiz.status if quiz is not None else QuizStatus.DRAFT
    saved, result = upsert_quiz(home, data, status=status, instansi=_instansi(instansi_id), banks=banks)
    record("quiz.create" if result == "created" else "quiz.update", actor=actor, instansi_id=instansi_id,
           target=saved, details={"quiz": saved.slug, "bank": home.slug, "title": saved.title,
                                  "count": saved.question_count,
                                  **({"banks": ", ".join(b.slug for b in banks)} if len(banks) > 1 else {})})
    return saved, result


def set_quiz_status(quiz: Quiz, status: QuizStatus, actor: User) -> None:
    """Publish (learners can take it; the draw must be possible now) or take back to draft."""
    if status == QuizStatus.PUBLISHED:
        problems = quiz_problems(quiz_banks(quiz), quiz_data(quiz))
        if problems:
            raise ServiceError(_("Kuis belum dapat diterbitkan: aturan pengambilan soal tidak dapat dipenuhi. "
                                 "Ubah kuisnya dulu."), "draw")
    if quiz.status == status:
        return
    quiz.status = status
    db.session.flush()
    record("quiz.publish" if status == QuizStatus.PUBLISHED else "quiz.unpublish", actor=actor,
           instansi_id=quiz.instansi_id, target=quiz, details={"quiz": quiz.slug})


def sample_draw(quiz: Quiz, seed: int | None = None) -> list[QuestionVersion]:
    """One draw as an attempt would make it (raises DrawError when a rule can't be met)."""
    return draw_questions(quiz, rng=random.Random(seed))
