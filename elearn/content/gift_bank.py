"""GIFT files <-> a question bank in the database (the ``quiz import-gift`` / ``export-gift`` commands).

``import_gift`` parses GIFT text (``gift.parse_gift``) and loads every representable question into
a bank through ``upsert_question``: importing the same file again creates nothing and reports the
questions as unchanged. ``export_gift`` writes the bank's current questions back as GIFT. Both
flush, never commit; the caller's unit of work commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ..accounts.models import User
from ..audit.services import record
from ..db import db
from ..org.models import Instansi
from ..quizzes.models import Question, QuestionBank, QuestionVersion
from .gift import ImportedQuestion, Skipped, parse_gift, write_gift
from .quizzes import QuestionInvalid, get_or_create_bank, upsert_question


@dataclass
class GiftImport:
    bank: QuestionBank
    bank_created: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    drafts: list[ImportedQuestion] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def imported(self) -> int:
        """Questions of the file that are in the bank now (created, updated or already there)."""
        return len(self.created) + len(self.updated) + len(self.unchanged)

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "skipped": [{"line": s.line, "reason": s.reason} for s in self.skipped],
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "drafts": [{"line": q.line, "id": q.data["id"], "missing": list(q.missing)} for q in self.drafts],
            "bank": self.bank.slug,
            "bank_created": self.bank_created,
        }


def import_gift(bank_slug: str, text: str, actor: User | None = None, *, filename: str | None = None,
                instansi: Instansi | None = None) -> GiftImport:
    """Load the questions of a GIFT text into bank ``bank_slug`` (created, owned by ``instansi``,
    when it doesn't exist). Question ids come from ``// [id:...]`` or the titles, so a question
    whose id is already in the bank gets a new version. Audited. Flushes."""
    existing = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == bank_slug))
    bank = existing or get_or_create_bank(bank_slug, instansi=instansi)
    report = GiftImport(bank=bank, bank_created=existing is None)
    parsed = parse_gift(text)
    report.skipped = list(parsed.skipped)
    known = set(db.session.scalars(select(Question.key).where(Question.bank_id == bank.id)))
    position = (db.session.scalar(select(func.max(Question.position)).where(Question.bank_id == bank.id)) or 0) + 1
    for question in parsed.questions:
        new = question.data["id"] not in known
        try:  # new questions go after the bank's questions, in the file's order
            _, status = upsert_question(bank, question.data, actor, position=position if new else None)
        except QuestionInvalid as exc:  # parse_gift validates already; kept as a guard
            report.skipped.append(Skipped(question.line, "; ".join(exc.problems)))
            continue
        if new:
            known.add(question.data["id"])
            position += 1
        getattr(report, status).append(question.data["id"])
        if question.data.get("draft"):
            report.drafts.append(question)
    report.skipped.sort(key=lambda s: s.line)
    record("quiz.import_gift", actor=actor, instansi_id=bank.instansi_id, target=bank, details={
        "file": filename,
        "bank": bank.slug,
        "created": len(report.created),
        "updated": len(report.updated),
        "unchanged": len(report.unchanged),
        "drafts": len(report.drafts),
        "skipped": len(report.skipped),
    })
    db.session.flush()
    return report


def bank_questions(bank: QuestionBank) -> list[dict[str, Any]]:
    """The canonical dicts of the bank's current, non-retired questions in the bank's order."""
    return list(db.session.scalars(
        select(QuestionVersion.data)
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .where(Question.bank_id == bank.id, Question.retired.is_(False))
        .order_by(Question.position, Question.id)
    ))


def export_gift(bank: QuestionBank) -> tuple[str, int, list[tuple[str | None, str]]]:
    """The bank as GIFT text, how many questions it holds, and the (id, reason) of the questions
    GIFT can't carry."""
    questions = bank_questions(bank)
    text, skipped = write_gift(questions, bank_title=bank.title)
    return text, len(questions) - len(skipped), skipped
