"""Access rows for question banks, quiz building and item analysis (``Row`` is injected).

Objects of the scenario: per owner (``same`` = instansi A, ``other`` = instansi B, ``shipped`` = no
instansi, loaded from quizzes/) a bank ``qa-bank-<owner>`` with one single-choice question
``qa-soal`` and a quiz ``qa-kuis-<owner>`` drawing from it. Trainers and admin BKPSDM edit their
instansi's banks and quizzes; the shipped ones they may read (and draw from) but only the
superadmin edits them; another instansi's answer 404. Item analysis: the operator SKPD sees their
own SKPD only (another SKPD answers 404).
"""

ANALYSTS_ONLY = {"anon": 302, "peserta": 403}
ANALYSE_ALL = {**ANALYSTS_ONLY, "pelatih": 200, "operator_skpd": 200, "admin_bkpsdm": 200, "superadmin": 200}
ANALYSE_NOT_OWN = {**ANALYSE_ALL, "pelatih": 404, "operator_skpd": 404, "admin_bkpsdm": 404}

ROWS = [
    Row("GET", "/analisis/kuis/", ANALYSE_ALL),  # noqa: F821
]
for quiz, expect in (("{qa_quiz_same}", ANALYSE_ALL), ("{qa_quiz_shipped}", ANALYSE_ALL),
                     ("{qa_quiz_other}", ANALYSE_NOT_OWN)):
    for suffix in ("", "/csv"):
        ROWS.append(Row("GET", f"/analisis/kuis/{quiz}{suffix}", expect))  # noqa: F821
for suffix in ("", "/csv"):
    ROWS += [
        Row("GET", f"/analisis/kuis/{{qa_quiz_same}}{suffix}?skpd={{skpd_same}}", ANALYSE_ALL),  # noqa: F821
        # the operator SKPD is held to their own SKPD
        Row("GET", f"/analisis/kuis/{{qa_quiz_same}}{suffix}?skpd={{skpd_other}}",  # noqa: F821
            {**ANALYSE_ALL, "operator_skpd": 404}),
        Row("GET", f"/analisis/kuis/{{qa_quiz_shipped}}{suffix}?skpd={{skpd_other_instansi}}",  # noqa: F821
            ANALYSE_NOT_OWN),
        # a unit below an SKPD is not an SKPD filter
        Row("GET", f"/analisis/kuis/{{qa_quiz_same}}{suffix}?skpd={{unit_same}}",  # noqa: F821
            {**ANALYSE_NOT_OWN, "superadmin": 200}),
    ]
ROWS.append(Row("GET", "/analisis/kuis/{qa_quiz_missing}", {**ANALYSTS_ONLY, "pelatih": 404,  # noqa: F821
                                                             "operator_skpd": 404, "admin_bkpsdm": 404,
                                                             "superadmin": 404}))


def extend_scenario(app, ids, users):  # type: ignore[no-untyped-def]
    """Plain inserts (this runs for every access case): a bank, a question and a quiz per owner."""
    from sqlalchemy import select

    from elearn.db import db
    from elearn.org.models import Instansi
    from elearn.quizzes.models import Question, QuestionBank, QuestionVersion, Quiz, QuizStatus

    data = {
        "id": "qa-soal", "type": "single_choice", "title": "Soal akses", "stem": "Apa yang Anda lakukan?",
        "election_types": ["pilkada"], "stage": "calon", "actor_role": "pns",
        "rule_refs": ["PP 94/2021 Pasal 5"], "sanctions": ["disiplin_sedang"], "tags": ["media-sosial"],
        "sources": [{"title": "BKN", "url": "https://www.bkn.go.id/"}], "feedback": "Umum.",
        "options": [{"id": "a", "text": "Ya", "correct": True, "feedback": "Tepat."},
                    {"id": "b", "text": "Tidak", "feedback": "Keliru."}],
    }
    with app.app_context():
        instansi = dict(db.session.execute(select(Instansi.slug, Instansi.id).where(
            Instansi.slug.in_([ids["instansi"], ids["instansi_other"]]))).all())
        owners = {"same": instansi[ids["instansi"]], "other": instansi[ids["instansi_other"]], "shipped": None}
        for owner, instansi_id in owners.items():
            bank = QuestionBank(slug=f"qa-bank-{owner}", title=f"Bank {owner}", description="",
                                instansi_id=instansi_id)
            db.session.add(bank)
            db.session.flush()
            question = Question(bank_id=bank.id, key="qa-soal")
            db.session.add(question)
            db.session.flush()
            version = QuestionVersion(question_id=question.id, number=1, type="single_choice", title="Soal akses",
                                      data=data, content_hash=f"qa-{owner}", election_types=["pilkada"],
                                      stage="calon", actor_role="pns", sanctions=["disiplin_sedang"],
                                      tags=["media-sosial"])
            db.session.add(version)
            db.session.flush()
            question.current_version_id = version.id
            db.session.add(Quiz(slug=f"qa-kuis-{owner}", bank_id=bank.id, instansi_id=instansi_id,
                                title=f"Kuis {owner}", pass_mark=70, draw=[{"count": 1}],
                                status=QuizStatus.PUBLISHED))
        db.session.commit()
    return {**{f"qa_quiz_{owner}": f"qa-kuis-{owner}" for owner in owners}, "qa_quiz_missing": "qa-kuis-tidak-ada",
            **{f"qa_bank_{owner}": f"qa-bank-{owner}" for owner in owners}}
