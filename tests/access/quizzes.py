"""Access rows for taking quizzes (``Row`` is injected by tests/test_access.py).

Scenario objects (see ``extend_scenario``): a shipped bank with one true/false question;
``quiz_shipped`` and ``quiz_shipped_2`` (no instansi: everyone's), ``quiz_other_instansi`` (instansi
B's), ``quiz_draft`` (not published). Attempts at ``quiz_shipped``: ``attempt_own`` (in progress) and
``attempt_own_done`` (submitted) of the scenario's peserta, ``attempt_same_unit`` and
``attempt_same_unit_done`` of another person in the peserta's unit. Attempts are private: only
their owner opens them; everybody else (HR and superadmin included) gets 404.

``quiz_leaders`` is for leaders (``audience: pimpinan``); nobody of the scenario has a jabatan, so
only the superadmin is in its audience (authz.in_quiz_audience). The peserta has a submitted
attempt (``attempt_leaders_done``) and one in progress (``attempt_leaders``) from before the
audience was set: they keep the quiz page and their review, but no question page nor a new start.
"""

SIGNED_IN = ("peserta", "pelatih", "operator_skpd", "admin_bkpsdm", "superadmin")


def everyone(status=200, anon=302):
    return {"anon": anon, **{role: status for role in SIGNED_IN}}


def other_instansi(status=200):
    """Instansi B's quiz: 404 for everyone of instansi A, open to the superadmin."""
    return {"anon": 302, **{role: 404 for role in SIGNED_IN}, "superadmin": status}


def owner_only(status=200):
    """The peserta's own attempt: theirs only."""
    return {"anon": 302, **{role: 404 for role in SIGNED_IN}, "peserta": status}


def leaders_only(status=200, peserta=404):
    """The leaders' quiz: 404 for everyone of the scenario (no leader among them) but the superadmin;
    ``peserta``: for the peserta, who has attempts at it."""
    return {"anon": 302, **{role: 404 for role in SIGNED_IN}, "superadmin": status, "peserta": peserta}


NOBODY = everyone(404)
ANSWER = {"answer": "true"}


def extend_scenario(app, ids, users):  # type: ignore[no-untyped-def]
    """Plain inserts (this runs for every access case)."""
    from elearn.db import db, utcnow
    from elearn.org.services import get_instansi
    from elearn.quizzes.models import (Attempt, AttemptItem, AttemptStatus, Question, QuestionBank,
                                       QuestionVersion, Quiz, QuizStatus)

    data = {
        "id": "akses-benar-salah", "type": "true_false", "title": "Menonton debat",
        "stem": "ASN boleh menonton debat calon.", "election_types": ["pilkada"], "stage": "semua_tahap",
        "actor_role": "pns", "rule_refs": ["UU 20/2023 Pasal 9 ayat (2)"], "sanctions": ["tidak_melanggar"],
        "tags": ["boleh-dilakukan"], "sources": [{"title": "Sumber", "url": "https://example.org/a"}],
        "answer": True, "feedback_true": "Benar.", "feedback_false": "Justru boleh.", "feedback": "Boleh.",
    }
    with app.app_context():
        bank = QuestionBank(slug="akses-bank", title="Bank akses")
        db.session.add(bank)
        db.session.flush()
        question = Question(bank_id=bank.id, key=data["id"])
        db.session.add(question)
        db.session.flush()
        version = QuestionVersion(question_id=question.id, number=1, type="true_false", title=data["title"],
                                  data=data, content_hash="a" * 64, election_types=["pilkada"],
                                  stage="semua_tahap", actor_role="pns", sanctions=["tidak_melanggar"],
                                  tags=["boleh-dilakukan"])
        db.session.add(version)
        db.session.flush()
        question.current_version_id = version.id

        def quiz(slug, instansi_id=None, status=QuizStatus.PUBLISHED, audience=None):  # type: ignore[no-untyped-def]
            row = Quiz(slug=slug, bank_id=bank.id, instansi_id=instansi_id, title=slug, pass_mark=70,
                       draw=[{"count": 1}], status=status, shuffle_questions=False, shuffle_options=False,
                       audience=audience)
            db.session.add(row)
            db.session.flush()
            return row

        shipped = quiz("akses-kuis-umum")
        shipped_2 = quiz("akses-kuis-umum-2")
        other = quiz("akses-kuis-kota-b", get_instansi(ids["instansi_other"]).id)
        draft = quiz("akses-kuis-draf", status=QuizStatus.DRAFT)
        leaders = quiz("akses-kuis-pimpinan", audience="pimpinan")
        now = utcnow()

        def attempt(user_id, number, done, of=shipped):  # type: ignore[no-untyped-def]
            row = Attempt(quiz_id=of.id, user_id=user_id, number=number, pass_mark=70, started_at=now,
                          status=AttemptStatus.SUBMITTED if done else AttemptStatus.IN_PROGRESS)
            item = AttemptItem(position=1, question_version_id=version.id, updated_at=now)
            if done:
                row.submitted_at, row.score, row.max_score, row.percent, row.passed = now, 1.0, 1.0, 100.0, True
                item.response, item.score, item.fraction, item.correct = {"answer": True}, 1.0, 1.0, True
            row.items = [item]
            db.session.add(row)
            db.session.flush()
            return row.id

        result = {
            "quiz_shipped": shipped.slug, "quiz_shipped_2": shipped_2.slug, "quiz_other_instansi": other.slug,
            "quiz_draft": draft.slug, "quiz_leaders": leaders.slug,
            "attempt_leaders_done": attempt(users["peserta"].id, 1, True, leaders),
            "attempt_leaders": attempt(users["peserta"].id, 2, False, leaders),
            "attempt_own_done": attempt(users["peserta"].id, 1, True),
            "attempt_own": attempt(users["peserta"].id, 2, False),
            "attempt_same_unit_done": attempt(ids["person_same"], 1, True),
            "attempt_same_unit": attempt(ids["person_same"], 2, False),
        }
        db.session.commit()
    return result


TAKE = "/kuis/{quiz_shipped}/percobaan"
ROWS = [
    Row("GET", "/kuis/", everyone()),  # noqa: F821
    Row("GET", "/kuis/{quiz_shipped}", everyone()),  # noqa: F821
    Row("GET", "/kuis/{quiz_other_instansi}", other_instansi()),  # noqa: F821
    Row("GET", "/kuis/{quiz_draft}", NOBODY),  # noqa: F821
    Row("GET", "/kuis/tidak-ada", NOBODY),  # noqa: F821
    # starting (or resuming) redirects to the attempt
    Row("POST", "/kuis/{quiz_shipped}/mulai", everyone(302)),  # noqa: F821
    Row("POST", "/kuis/{quiz_other_instansi}/mulai", other_instansi(302)),  # noqa: F821
    Row("POST", "/kuis/{quiz_draft}/mulai", NOBODY),  # noqa: F821
    # the peserta's own attempt in progress: a question, the bare URL (resume), a save, the review
    # (not yet: back to the questions), submitting
    Row("GET", TAKE + "/{attempt_own}?no=1", owner_only()),  # noqa: F821
    Row("GET", TAKE + "/{attempt_own}", owner_only(302)),  # noqa: F821
    Row("POST", TAKE + "/{attempt_own}?no=1", owner_only(302), data=ANSWER),  # noqa: F821
    Row("GET", TAKE + "/{attempt_own}/ulasan", owner_only(302)),  # noqa: F821
    Row("POST", TAKE + "/{attempt_own}/kirim", owner_only(302)),  # noqa: F821
    # the peserta's submitted attempt: the review; the questions lead to the review
    Row("GET", TAKE + "/{attempt_own_done}/ulasan", owner_only()),  # noqa: F821
    Row("GET", TAKE + "/{attempt_own_done}?no=1", owner_only(302)),  # noqa: F821
    Row("POST", TAKE + "/{attempt_own_done}/kirim", owner_only(302)),  # noqa: F821
    # an attempt under another quiz's URL
    Row("GET", "/kuis/{quiz_shipped_2}/percobaan/{attempt_own_done}/ulasan", NOBODY),  # noqa: F821
    Row("GET", "/kuis/{quiz_other_instansi}/percobaan/{attempt_own_done}/ulasan", NOBODY),  # noqa: F821
    # another person's attempts (same unit as the peserta, in the operator's SKPD): nobody else
    Row("GET", TAKE + "/{attempt_same_unit}?no=1", NOBODY),  # noqa: F821
    Row("POST", TAKE + "/{attempt_same_unit}?no=1", NOBODY, data=ANSWER),  # noqa: F821
    Row("POST", TAKE + "/{attempt_same_unit}/kirim", NOBODY),  # noqa: F821
    Row("GET", TAKE + "/{attempt_same_unit_done}/ulasan", NOBODY),  # noqa: F821
    Row("GET", TAKE + "/99999999/ulasan", NOBODY),  # noqa: F821
    # the leaders' quiz (audience: pimpinan): the peserta (not a leader) keeps the quiz page with
    # their results and their review, but starts nothing and opens no question
    Row("GET", "/kuis/{quiz_leaders}", leaders_only(peserta=200)),  # noqa: F821
    Row("POST", "/kuis/{quiz_leaders}/mulai", leaders_only(302)),  # noqa: F821
    Row("GET", "/kuis/{quiz_leaders}/percobaan/{attempt_leaders_done}/ulasan", owner_only()),  # noqa: F821
    Row("GET", "/kuis/{quiz_leaders}/percobaan/{attempt_leaders}?no=1", NOBODY),  # noqa: F821
    Row("POST", "/kuis/{quiz_leaders}/percobaan/{attempt_leaders}?no=1", NOBODY, data=ANSWER),  # noqa: F821
]
