"""GIFT files <-> a question bank in the database (the ``quiz import-gift`` / ``export-gift`` commands).

``import_gift`` parses GIFT text (``gift.parse_gift``) and loads every representable question into
a bank through ``upsert_question``: importing the same file again creates nothing and reports the
questions as unchanged. Each question records the file it came from (``Question.import_source``)
and an import replaces only questions from the same file, unless asked to (``update``). ``export_gift`` writes the bank's current questions back as GIFT. Both
flush, never commit; the caller's unit of work commits.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select

from ..accounts.models import User
from ..audit.services import record
from ..db import db
from ..org.models import Instansi
from ..quizzes.models import Question, QuestionBank, QuestionVersion
from .gift import ImportedQuestion, Note, Skipped, parse_gift, write_gift
from .quizzes import QuestionInvalid, get_or_create_bank, question_hash, upsert_question


@dataclass
class GiftImport:
    bank: QuestionBank
    bank_created: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    drafts: list[ImportedQuestion] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

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
            "notes": [{"line": n.line, "note": n.note} for n in self.notes],
            "bank": self.bank.slug,
            "bank_created": self.bank_created,
        }


def gift_source(filename: str | None) -> str:
    """What ``Question.import_source`` records for a question imported from ``filename``."""
    return f"gift:{filename or '-'}"[:200]


def _free_id(base: str, usable: Callable[[str], bool]) -> str:
    n = 2
    while not usable(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"


def import_gift(bank_slug: str, text: str, actor: User | None = None, *, filename: str | None = None,
                instansi: Instansi | None = None, update: bool = False) -> GiftImport:
    """Load the questions of a GIFT text into bank ``bank_slug`` (created, owned by ``instansi``,
    when it doesn't exist). Question ids come from ``// [id:...]`` or the titles.

    A question of the bank is replaced (a new version) only when it came from the same file
    (``Question.import_source``, the file name) or ``update`` is true. Otherwise, when the content
    is the same, it is reported unchanged; a title-derived id takes the next free ``<id>-2``,
    ``<id>-3``... (with a note), and an id given by ``[id:]`` is refused with its line. Audited. Flushes."""
    existing = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == bank_slug))
    bank = existing or get_or_create_bank(bank_slug, instansi=instansi)
    report = GiftImport(bank=bank, bank_created=existing is None)
    parsed = parse_gift(text)
    report.skipped = list(parsed.skipped)
    report.notes = list(parsed.notes)
    source = gift_source(filename)
    owners: dict[str, str | None] = dict(db.session.execute(  # key -> import_source of the bank's questions
        select(Question.key, Question.import_source).where(Question.bank_id == bank.id)).all())
    in_file = {question.data["id"] for question in parsed.questions}
    position = (db.session.scalar(select(func.max(Question.position)).where(Question.bank_id == bank.id)) or 0) + 1

    def ours(key: str) -> bool:
        return key not in owners or owners[key] == source or update

    for question in parsed.questions:
        data = question.data
        key = data["id"]
        if not ours(key) and not _same_content(bank, data):
            if not question.derived_id:
                report.skipped.append(Skipped(question.line, (
                    f"the id {key!r} belongs to a question of bank {bank.slug} that was not imported from "
                    f"{filename or 'this file'}; it is left as it is (give another [id:], or import with "
                    "--update to replace it)")))
                continue
            key = _free_id(key, lambda candidate: ours(candidate) and candidate not in in_file)
            data = {**data, "id": key}
            in_file.add(key)
            report.notes.append(Note(question.line, f"the id {question.data['id']!r} belongs to a question of "
                                                    f"bank {bank.slug} from another source; imported as {key!r}"))
            question = replace(question, data=data)
        new = key not in owners
        try:  # new questions go after the bank's questions, in the file's order
            _, status = upsert_question(bank, data, actor, position=position if new else None, import_source=source)
        except QuestionInvalid as exc:  # parse_gift validates already; kept as a guard
            report.skipped.append(Skipped(question.line, "; ".join(exc.problems)))
            continue
        if status != "unchanged":
            owners[key] = source
        if new:
            position += 1
        getattr(report, status).append(key)
        if data.get("draft"):
            report.drafts.append(question)
    report.skipped.sort(key=lambda s: s.line)
    report.notes.sort(key=lambda n: n.line)
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


def _same_content(bank: QuestionBank, data: dict[str, Any]) -> bool:
    """Whether question ``data["id"]`` of the bank already has exactly this content."""
    current = db.session.scalar(
        select(QuestionVersion.content_hash)
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .where(Question.bank_id == bank.id, Question.key == data["id"]))
    return current == question_hash(data)


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
