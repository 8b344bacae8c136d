"""``seed-demo``: quiz attempts across SKPDs that the engine would have stored, for item analysis."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.content.quizzes import sync_quizzes
from elearn.courses.models import Course, Enrollment
from elearn.db import db, utcnow
from elearn.demo import data
from elearn.demo.quizzes import LEADERS_QUIZ, MISCONCEPTIONS, QUIZ, lure_response
from elearn.org.models import Instansi, Unit
from elearn.quizzes.analysis import analyse
from elearn.quizzes.attempts import save_answer, submit_attempt
from elearn.quizzes.models import Attempt, AttemptItem, AttemptStatus, Question, QuestionVersion, Quiz
from elearn.quizzes.services import question_tags
from elearn.quizzes.types import QUESTION_TYPES, Branching

from test_demo import accounts, seed

SHIPPED = Path(__file__).resolve().parent.parent / "quizzes"
SUMMARY = re.compile(r"Kuis (\S+): (\d+) percobaan \((\d+) di antaranya percobaan ulang\) oleh (\d+) pegawai "
                     r"di (\d+) perangkat daerah; (\d+) pegawai lulus\.")


def fits_rules(drawn: Sequence[tuple[str, set[str]]], rules: Sequence[Mapping[str, Any]]) -> bool:
    """Can the drawn questions ((key, tags) each) be shared out among the draw rules, each rule
    getting exactly its count of questions it accepts?"""
    left = [int(rule.get("count") or 0) for rule in rules]

    def accepts(rule: Mapping[str, Any], key: str, tags: set[str]) -> bool:
        if rule.get("tags"):
            return bool(tags & set(rule["tags"]))
        if rule.get("questions"):
            return key in rule["questions"]
        return True

    def place(i: int) -> bool:
        if i == len(drawn):
            return not any(left)
        key, tags = drawn[i]
        for r, rule in enumerate(rules):
            if left[r] and accepts(rule, key, tags):
                left[r] -= 1
                if place(i + 1):
                    return True
                left[r] += 1
        return False

    return len(drawn) == sum(left) and place(0)


def replay(attempt: Attempt) -> Attempt:
    """The stored answers fed again through the engine (``save_answer`` at their times, branching
    paths step by step, then ``submit_attempt``) on a copy that never enters the session."""
    copy = Attempt(quiz_id=attempt.quiz_id, user_id=attempt.user_id, number=attempt.number,
                   status=AttemptStatus.IN_PROGRESS, started_at=attempt.started_at,
                   deadline_at=attempt.deadline_at, pass_mark=attempt.pass_mark)
    copy.items = [AttemptItem(position=item.position, question_version_id=item.question_version_id,
                              question_version=item.question_version, option_order=item.option_order,
                              updated_at=attempt.started_at) for item in attempt.items]
    for item in attempt.items:
        if item.response is None:
            continue
        assert item.answered_at is not None
        if item.question_version.type == "branching":
            for step in item.response["path"]:
                save_answer(copy, item.position, step, now=item.answered_at)
        else:
            save_answer(copy, item.position, item.response, now=item.answered_at)
    assert attempt.submitted_at is not None
    return submit_attempt(copy, now=attempt.submitted_at)


def test_demo_leaves_real_quiz_attempts_across_skpds(app: Flask) -> None:
    output = seed(app, "--people", "900", "--password", "demo-sandi-123")
    summary = {m.group(1): [int(g) for g in m.groups()[1:]] for m in map(SUMMARY.search, output.splitlines()) if m}
    assert set(summary) == {QUIZ, LEADERS_QUIZ}, output
    with app.app_context():
        inst = db.session.scalar(select(Instansi).where(Instansi.slug == data.INSTANSI_SLUG))
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == QUIZ))
        assert inst is not None and quiz is not None
        attempts = list(db.session.scalars(
            select(Attempt).where(Attempt.quiz_id == quiz.id).order_by(Attempt.user_id, Attempt.number)).unique())
        n_attempts, retakes, n_people, n_skpd, passed = summary[QUIZ]
        assert len(attempts) == n_attempts > 100
        assert sum(1 for a in attempts if a.number > 1) == retakes > 0
        assert len({a.user_id for a in attempts}) == n_people
        assert len({a.user_id for a in attempts if a.passed}) == passed

        # spread over many SKPDs, with the snapshots of each person's unit and SKPD
        where = dict((uid, (unit_id, skpd_id)) for uid, unit_id, skpd_id in db.session.execute(
            select(User.id, User.unit_id, Unit.skpd_id).join(Unit, Unit.id == User.unit_id)
            .where(User.instansi_id == inst.id)))
        assert all((a.unit_id, a.skpd_id) == where[a.user_id] for a in attempts)
        per_skpd = Counter(a.skpd_id for a in attempts)
        assert len(per_skpd) == n_skpd >= 8
        assert sum(1 for n in per_skpd.values() if n >= 5) >= 3

        # the takers read the course first; the demo accounts start fresh
        course = db.session.scalar(select(Course).where(Course.slug == "netralitas-asn"))
        reading = dict(db.session.execute(select(Enrollment.user_id, Enrollment.modules_completed_at)
                                          .where(Enrollment.course_id == course.id)).all())
        assert {a.user_id for a in attempts} <= set(reading)
        assert sum(1 for a in attempts if reading[a.user_id] is not None) > len(attempts) / 2
        numbers = [nip for nip, _pw in accounts(output).values()]
        account_ids = set(db.session.scalars(select(User.id).where(User.employee_number.in_(numbers))))
        assert len(account_ids) == len(Role)
        assert not db.session.scalars(select(Attempt.id).where(Attempt.user_id.in_(account_ids))).first()

        # a person's attempts: numbered 1.., within the limit, a retry only after failing, one after the other
        by_user: dict[int, list[Attempt]] = defaultdict(list)
        for a in attempts:
            by_user[a.user_id].append(a)
        for mine in by_user.values():
            assert [a.number for a in mine] == list(range(1, len(mine) + 1))
            assert len(mine) <= (quiz.attempt_limit or 3)
            assert not any(a.passed for a in mine[:-1])
            for before, after in zip(mine, mine[1:], strict=False):
                assert before.submitted_at < after.started_at

        # every attempt is what the engine stores: submitted in time, its questions the current versions
        # drawn by the quiz's rules, its answers canonical, its grades the registry's
        tags = question_tags(quiz.bank_id)
        now = utcnow()
        for a in attempts:
            assert a.status == AttemptStatus.SUBMITTED and a.pass_mark == quiz.pass_mark
            assert a.deadline_at == a.started_at + dt.timedelta(minutes=quiz.time_limit_minutes)
            assert a.started_at < a.submitted_at <= a.deadline_at < now
            assert now - a.started_at < dt.timedelta(days=60)
            assert [item.position for item in a.items] == list(range(1, quiz.question_count + 1))
            versions = [item.question_version for item in a.items]
            assert len({v.question_id for v in versions}) == len(versions)
            assert all(v.id == v.question.current_version_id and not v.draft for v in versions)
            assert fits_rules([(v.question.key, tags.get(v.question_id, set())) for v in versions], quiz.draw)
            score = max_score = 0.0
            for item in a.items:
                version = item.question_version
                qtype = QUESTION_TYPES[version.type]
                keys = qtype.shuffle_keys(version.data)
                if len(keys) < 2:
                    assert item.option_order is None
                else:
                    assert sorted(item.option_order) == sorted(keys)
                if item.response is None:
                    assert (item.score, item.fraction, item.correct, item.answered_at) == (0.0, 0.0, False, None)
                else:
                    if isinstance(qtype, Branching):
                        assert qtype.is_complete(version.data, item.response)
                    assert qtype.normalise_response(version.data, item.response) == item.response
                    grade = qtype.grade(version.data, item.response)
                    assert (item.score, item.fraction, item.correct) == (grade.score, grade.fraction, grade.correct)
                    assert a.started_at < item.answered_at <= item.updated_at <= a.submitted_at
                score += item.score
                max_score += qtype.max_points(version.data)
            assert (a.score, a.max_score) == (round(score, 6), round(max_score, 6))
            assert a.percent == round(100 * score / max_score, 2)
            assert a.passed is (a.percent >= a.pass_mark)
            # and the engine, given the same answers, stores the same
            again = replay(a)
            assert (again.score, again.max_score, again.percent, again.passed) == (
                a.score, a.max_score, a.percent, a.passed)
            assert [(i.response, i.score, i.fraction, i.correct, i.answered_at) for i in again.items] == [
                (i.response, i.score, i.fraction, i.correct, i.answered_at) for i in a.items]
        # an unanswered question is stored like one the engine never saved: SQL NULL
        assert db.session.scalar(select(AttemptItem.id).where(AttemptItem.response.is_(None)).limit(1)) is not None
        assert 0 < sum(a.passed for a in attempts if a.number == 1) < len(by_user)

        # item analysis has figures per question and SKPDs big enough to show
        trainer = db.session.scalar(select(User).where(User.instansi_id == inst.id, User.role == Role.PELATIH))
        result = analyse(quiz, trainer)
        assert result.people == len(by_user) and not result.hidden
        assert len(result.questions) > 20
        shown = [v for q in result.questions for v in q.versions if not v.hidden]
        assert shown and all(v.sums.facility is not None and v.choices for v in shown)
        assert any(v.sums.discrimination is not None for v in shown)
        assert any(0 < v.sums.facility < 1 for v in shown)
        visible_rows = [row for row in result.skpd_rows if not row.hidden and row.people >= 5]
        assert visible_rows
        operator = db.session.scalar(select(User).where(User.instansi_id == inst.id,
                                                        User.role == Role.OPERATOR_SKPD))
        own = analyse(quiz, operator)
        assert own.people == sum(1 for mine in by_user.values() if mine[0].skpd_id == operator.skpd_id) >= 5
        assert own.questions


def test_every_misconception_suggests_a_wrong_answer_to_a_shipped_question(app: Flask) -> None:
    with app.app_context():
        sync_quizzes(SHIPPED)
        versions = {q.key: q.current_version for q in db.session.scalars(select(Question))}
        for misconception in MISCONCEPTIONS:
            assert misconception.lures, misconception.name
            for key, lures in misconception.lures.items():
                version = versions.get(key)
                assert isinstance(version, QuestionVersion), (misconception.name, key)
                qtype = QUESTION_TYPES[version.type]
                for lure in lures:
                    if isinstance(qtype, Branching):
                        check_branch_lure(version, lure)
                        continue
                    response = lure_response(version, lure)
                    assert response is not None, (misconception.name, key, lure)
                    assert qtype.grade(version.data, response).fraction < 1, (misconception.name, key, lure)


def check_branch_lure(version: QuestionVersion, lure: Mapping[str, str]) -> None:
    """Every preferred choice exists at its situation and is worse than the best one there."""
    nodes = {n["id"]: n for n in version.data["nodes"]}
    best: dict[str | None, int] = {None: 0}

    def value(node_id: str | None) -> int:
        if node_id not in best:
            best[node_id] = max(c["points"] + value(c.get("next")) for c in nodes[node_id]["choices"])
        return best[node_id]

    for node_id, choice_id in lure.items():
        choices = {c["id"]: c for c in nodes[node_id]["choices"]}
        choice = choices[choice_id]
        assert choice["points"] + value(choice.get("next")) < value(node_id), (version.title, node_id, choice_id)


def test_demo_without_question_banks_or_with_invalid_ones_still_seeds(app: Flask, tmp_path: Path) -> None:
    app.config["QUIZ_ROOT"] = str(tmp_path)
    try:
        output = seed(app, "--people", "200", "--password", "demo-sandi-123")
        (tmp_path / "rusak").mkdir()
        (tmp_path / "rusak" / "bank.yaml").write_text("title: [tidak ditutup\n")
        invalid = seed(app, "--people", "200", "--password", "demo-sandi-123", "--reset")
    finally:
        app.config.pop("QUIZ_ROOT")
    assert "Tanpa percobaan kuis: no question bank folders in" in output
    assert "Tanpa percobaan kuis: question banks in" in invalid and "are not valid" in invalid
    for printed in (output, invalid):
        assert not SUMMARY.search(printed)
        assert len(accounts(printed)) == len(Role)
    with app.app_context():
        assert db.session.scalar(select(Attempt.id).limit(1)) is None
