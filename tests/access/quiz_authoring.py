"""Access rows for question banks, questions, tags, quiz building and item analysis (``Row`` is injected).

Objects of the scenario: per owner (``same`` = instansi A, ``other`` = instansi B, ``shipped`` = no
instansi, loaded from quizzes/) a bank ``qa-bank-<owner>`` with one single-choice question
``qa-soal`` and a quiz ``qa-kuis-<owner>`` drawing from it. Trainers and admin BKPSDM edit their
instansi's banks and quizzes; the shipped ones they may read (and draw from) but only the
superadmin edits them; another instansi's answer 404. A tag no question uses yet belongs to the
instansi that created it (``qa-tag-free``: A, ``qa-tag-free-other``: B). Item analysis: the operator SKPD sees their
own SKPD only (another SKPD answers 404).
"""

AUTHORS_ONLY = {"anon": 302, "peserta": 403, "operator_skpd": 403}
AUTHOR = {**AUTHORS_ONLY, "pelatih": 200, "admin_bkpsdm": 200, "superadmin": 200}
#: a shipped bank/quiz: every author reads it, only the superadmin edits it
SHIPPED_READ = AUTHOR
SHIPPED_EDIT = {**AUTHORS_ONLY, "pelatih": 403, "admin_bkpsdm": 403, "superadmin": 200}
OTHER = {**AUTHORS_ONLY, "pelatih": 404, "admin_bkpsdm": 404, "superadmin": 200}
NOBODY = {**AUTHORS_ONLY, "pelatih": 404, "admin_bkpsdm": 404, "superadmin": 404}


def redirect(expect):
    return {role: 302 if status == 200 else status for role, status in expect.items()}


QUESTION = {
    "key": "qa-soal-baru", "title": "Soal baru", "stem": "Apa yang Anda lakukan?", "stem_format": "markdown",
    "points": "1", "feedback": "Umum.", "election_types": "pilkada", "stage": "calon", "actor_role": "pns",
    "rule_refs": "PP 94/2021 Pasal 5", "sanctions": "disiplin_sedang", "tags": "media-sosial",
    "sources": "BKN | https://www.bkn.go.id/", "options-0-id": "a", "options-0-text": "Ya", "options-0-correct": "y",
    "options-0-feedback": "Tepat.", "options-1-id": "b", "options-1-text": "Tidak", "options-1-feedback": "Keliru.",
    "action": "save",
}
QUIZ = {"title": "Kuis akses", "description": "", "pass_mark": "70", "attempt_limit": "", "time_limit_minutes": "",
        "shuffle_questions": "y", "draw-0-count": "1", "draw-0-kind": "rest", "draw-0-values": "", "action": "save"}

ROWS = [
    Row("GET", "/penyusunan/soal/", AUTHOR),  # noqa: F821
    Row("GET", "/penyusunan/soal/baru", AUTHOR),  # noqa: F821
    Row("POST", "/penyusunan/soal/baru", redirect(AUTHOR), data={"slug": "qa-bank-baru", "title": "Bank"}),  # noqa: F821
    Row("GET", "/penyusunan/soal/tag/", AUTHOR),  # noqa: F821
    Row("POST", "/penyusunan/soal/tag/", redirect(AUTHOR), data={"slug": "qa-tag-baru", "label": "Baru"}),  # noqa: F821
    Row("GET", "/penyusunan/kuis/", AUTHOR),  # noqa: F821
    Row("GET", "/penyusunan/kuis/baru", AUTHOR),  # noqa: F821
    # the superadmin's quiz is a shipped one (seen by every instansi): it may not draw from an instansi's bank
    # (the form comes back with the reason)
    Row("POST", "/penyusunan/kuis/baru", {**redirect(AUTHOR), "superadmin": 200},  # noqa: F821
        data={**QUIZ, "slug": "qa-kuis-baru", "banks": "{qa_bank_same}"}),
    Row("POST", "/penyusunan/kuis/baru", redirect(AUTHOR),  # noqa: F821
        data={**QUIZ, "slug": "qa-kuis-bawaan", "banks": "{qa_bank_shipped}"}),
    Row("GET", "/penyusunan/soal/bank/{qa_bank_same}/soal/{qa_question_missing}", NOBODY),  # noqa: F821
    Row("GET", "/penyusunan/soal/bank/{qa_bank_same}/baru/{qa_type_missing}", NOBODY),  # noqa: F821
    Row("GET", "/penyusunan/soal/tag/{qa_tag_missing}", NOBODY),  # noqa: F821
    # a tag no question uses yet: its instansi's (and the superadmin's) only
    Row("GET", "/penyusunan/soal/tag/{qa_tag_free}", AUTHOR),  # noqa: F821
    Row("GET", "/penyusunan/soal/tag/{qa_tag_free_other}", OTHER),  # noqa: F821
    Row("GET", "/penyusunan/kuis/{qa_quiz_missing}", NOBODY),  # noqa: F821
]
for owner, read, edit in (("same", AUTHOR, AUTHOR), ("shipped", SHIPPED_READ, SHIPPED_EDIT), ("other", OTHER, OTHER)):
    bank = f"/penyusunan/soal/bank/{{qa_bank_{owner}}}"
    question = f"{bank}/soal/{{qa_question}}"
    quiz = f"/penyusunan/kuis/{{qa_quiz_{owner}}}"
    tag = f"/penyusunan/soal/tag/{{qa_tag_{owner}}}"
    ROWS += [
        Row("GET", bank, read),  # noqa: F821
        Row("GET", f"{bank}/baru/{{qa_type}}", edit),  # noqa: F821
        Row("POST", f"{bank}/baru/{{qa_type}}", redirect(edit), data=QUESTION),  # noqa: F821
        Row("POST", f"{bank}/baru/{{qa_type}}", edit, data={**QUESTION, "action": "preview"}),  # noqa: F821
        Row("GET", question, read),  # noqa: F821
        Row("GET", f"{question}/ubah", edit),  # noqa: F821
        Row("POST", f"{question}/ubah", edit, data={**QUESTION, "action": "preview"}),  # noqa: F821
        Row("POST", f"{question}/tarik", redirect(edit)),  # noqa: F821
        Row("POST", f"{question}/pulihkan", redirect(edit)),  # noqa: F821
        Row("GET", quiz, read),  # noqa: F821
        Row("GET", f"{quiz}/pratinjau", read),  # noqa: F821
        Row("GET", f"{quiz}/ubah", edit),  # noqa: F821
        Row("POST", f"{quiz}/ubah", redirect(edit), data={**QUIZ, "banks": f"{{qa_bank_{owner}}}"}),  # noqa: F821
        Row("POST", f"{quiz}/terbitkan", redirect(edit)),  # noqa: F821
        Row("POST", f"{quiz}/jadikan-draf", redirect(edit)),  # noqa: F821
        Row("GET", tag, read),  # noqa: F821
        # renaming a tag another bank uses is the superadmin's
        Row("POST", tag, redirect(edit), data={"label": "Nama baru"}),  # noqa: F821
        # merging only retags the author's own banks, so a shipped tag may be merged
        Row("POST", f"{tag}/gabung", redirect(read), data={"target": "{qa_tag_free}"}),  # noqa: F821
    ]
# "Salin ke instansi saya" (see tests/access/authoring.py): shipped banks only, by an author of an instansi
ROWS += [
    Row("POST", "/penyusunan/soal/bank/{qa_bank_shipped}/salin",  # noqa: F821
        {**AUTHORS_ONLY, "pelatih": 302, "admin_bkpsdm": 302, "superadmin": 403}),
    Row("POST", "/penyusunan/soal/bank/{qa_bank_same}/salin",  # noqa: F821
        {**AUTHORS_ONLY, "pelatih": 403, "admin_bkpsdm": 403, "superadmin": 403}),
    Row("POST", "/penyusunan/soal/bank/{qa_bank_other}/salin",  # noqa: F821
        {**AUTHORS_ONLY, "pelatih": 404, "admin_bkpsdm": 404, "superadmin": 403}),
    Row("POST", "/penyusunan/soal/bank/qa-bank-tidak-ada/salin", NOBODY),  # noqa: F821
]

ANALYSTS_ONLY = {"anon": 302, "peserta": 403}
ANALYSE_ALL = {**ANALYSTS_ONLY, "pelatih": 200, "operator_skpd": 200, "admin_bkpsdm": 200, "superadmin": 200}
ANALYSE_NOT_OWN = {**ANALYSE_ALL, "pelatih": 404, "operator_skpd": 404, "admin_bkpsdm": 404}

ROWS += [
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
    from elearn.quizzes.models import Question, QuestionBank, QuestionTag, QuestionVersion, Quiz, QuizStatus, Tag

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
            tag = Tag(slug=f"qa-tag-{owner}", label=f"Tag {owner}")
            db.session.add(tag)
            db.session.flush()
            db.session.add(QuestionTag(question_id=question.id, tag_id=tag.id))
            db.session.add(Quiz(slug=f"qa-kuis-{owner}", bank_id=bank.id, instansi_id=instansi_id,
                                title=f"Kuis {owner}", pass_mark=70, draw=[{"count": 1}],
                                status=QuizStatus.PUBLISHED))
        db.session.add(Tag(slug="qa-tag-free", label="Tag bebas", instansi_id=owners["same"]))
        db.session.add(Tag(slug="qa-tag-free-other", label="Tag bebas B", instansi_id=owners["other"]))
        db.session.commit()
    return {"qa_question": "qa-soal", "qa_question_missing": "qa-tidak-ada", "qa_type": "single_choice",
            "qa_type_missing": "essay", "qa_tag_free": "qa-tag-free", "qa_tag_free_other": "qa-tag-free-other",
            "qa_tag_missing": "qa-tag-tidak-ada",
            **{f"qa_tag_{owner}": f"qa-tag-{owner}" for owner in owners},
            **{f"qa_quiz_{owner}": f"qa-kuis-{owner}" for owner in owners}, "qa_quiz_missing": "qa-kuis-tidak-ada",
            **{f"qa_bank_{owner}": f"qa-bank-{owner}" for owner in owners}}
