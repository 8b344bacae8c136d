"""Item analysis on a hand-built data set: facility, discrimination (item-rest correlation) and
choice counts worked out by hand, the < 5 suppression, the operator's forced SKPD, the CSV.

The data set (quiz ``analisis-uji``, pass mark 70, three questions of 1 point):

    q-pilihan  single choice: a right, b half credit (weight 50), c wrong
    q-bs       true/false, answer true
    q-medsos   social feed on a candidate's post: only ignore is right

Six answer patterns, each given by five people of SKPD X (30 people):

    pattern  q-pilihan  q-bs        q-medsos      fractions     percent  passed
    p1       a          true        ignore        1, 1, 1       100      yes
    p2       a          true        like          1, 1, 0       66.67    no
    p3       b          true        ignore        .5, 1, 1      83.33    yes
    p4       b          false       like, share   .5, 0, 0      16.67    no
    p5       c          false       like          0, 0, 0       0        no   (+ a perfect 2nd attempt)
    p6       a          (none)      ignore        1, 0, 1       66.67    no

By hand, for SKPD X:
- q-pilihan: facility (mean fraction) 4/6 = 66.7 %, fully correct 3/6 = 50 %; rest scores (mean of
  the other two) 1, .5, 1, 0, 0, .5, so r = (1/2) / sqrt(5/6 * 1) = sqrt(0.3) = 0.548; chosen
  a 15, b 10, c 5.
- q-bs: facility 3/6, rest scores 1, .5, .75, .25, 0, 1; point-biserial (.75 - .4167) / .3727 *
  sqrt(.5 * .5) = 1/sqrt(5) = 0.447; true 15, false 10, unanswered 5.
- q-medsos: facility 1/2; ignore 15, like 15, share 5, comment 0, follow 0.
- pass rate on the first attempt 10/30.

SKPD Y (same instansi): 3 people (p1, p2, p3) -> too few: only a notice. SKPD W: 5 people who got
version 2 of q-pilihan (all right). Instansi B's SKPD Z: 5 people, never in instansi A's figures.
"""
from __future__ import annotations

import csv
import io
import math
import statistics
from typing import Any

import pytest
from elearn.accounts.models import Role
from elearn.content.quizzes import get_or_create_bank, upsert_question
from elearn.db import db, utcnow
from elearn.quizzes import analysis
from elearn.quizzes.models import Attempt, AttemptItem, AttemptStatus, QuestionVersion, Quiz, QuizStatus
from elearn.quizzes.types import QUESTION_TYPES
from support import login

META: dict[str, Any] = {
    "election_types": ["pilkada"], "stage": "calon", "actor_role": "pns",
    "rule_refs": ["PP 94/2021 Pasal 5 huruf n"], "sanctions": ["disiplin_sedang"], "tags": ["media-sosial"],
    "sources": [{"title": "BKN", "url": "https://www.bkn.go.id/"}], "feedback": "Umpan balik umum.",
}
SINGLE = {
    "id": "q-pilihan", "type": "single_choice", "title": "Pilihan tunggal", "stem": "Apa yang Anda lakukan?",
    **META,
    "options": [
        {"id": "a", "text": "Menolak", "correct": True, "feedback": "Tepat."},
        {"id": "b", "text": "Diam saja", "weight": 50, "feedback": "Kurang tepat."},
        {"id": "c", "text": "Ikut", "feedback": "Keliru."},
    ],
}
TRUE_FALSE = {"id": "q-bs", "type": "true_false", "title": "Benar salah", "stem": "ASN boleh memilih.", **META,
              "answer": True, "feedback_true": "Benar.", "feedback_false": "Keliru."}
FEED = {
    "id": "q-medsos", "type": "social_feed", "title": "Unggahan calon", "stem": "Unggahan muncul.", **META,
    "post": {"author": "Calon A", "handle": "@calon", "author_kind": "candidate", "verified": True,
             "time": "1 jam", "text": "Dukung saya!"},
    "actions": {key: {"allowed": key == "ignore", "feedback": f"Umpan {key}."}
                for key in ("like", "comment", "share", "follow", "ignore")},
}
PATTERNS = {
    "p1": ({"options": ["a"]}, {"answer": True}, {"actions": ["ignore"]}),
    "p2": ({"options": ["a"]}, {"answer": True}, {"actions": ["like"]}),
    "p3": ({"options": ["b"]}, {"answer": True}, {"actions": ["ignore"]}),
    "p4": ({"options": ["b"]}, {"answer": False}, {"actions": ["like", "share"]}),
    "p5": ({"options": ["c"]}, {"answer": False}, {"actions": ["like"]}),
    "p6": ({"options": ["a"]}, None, {"actions": ["ignore"]}),
}
PERFECT = PATTERNS["p1"]


def _attempt(quiz: Quiz, user: Any, number: int, versions: list[QuestionVersion], responses: tuple[Any, ...],
             status: AttemptStatus = AttemptStatus.SUBMITTED) -> Attempt:
    now = utcnow()
    attempt = Attempt(quiz_id=quiz.id, user_id=user.id, number=number, status=status, unit_id=user.unit_id,
                      skpd_id=user.skpd_id, started_at=now, pass_mark=quiz.pass_mark)
    score = 0.0
    for position, (version, response) in enumerate(zip(versions, responses, strict=True), start=1):
        item = AttemptItem(position=position, question_version_id=version.id, response=response, updated_at=now)
        if status != AttemptStatus.IN_PROGRESS:
            if response is None:
                item.score, item.fraction, item.correct = 0.0, 0.0, False
            else:
                grade = QUESTION_TYPES[version.type].grade(version.data, response)
                item.score, item.fraction, item.correct = grade.score, grade.fraction, grade.correct
            score += item.score
        attempt.items.append(item)
    if status != AttemptStatus.IN_PROGRESS:
        attempt.submitted_at = now
        attempt.score, attempt.max_score = score, float(len(versions))
        attempt.percent = round(100 * score / len(versions), 2)
        attempt.passed = attempt.percent >= quiz.pass_mark
    db.session.add(attempt)
    return attempt


@pytest.fixture
def data(app, make_instansi, make_unit, make_user) -> dict[str, Any]:
    inst_a = make_instansi(slug="analisis-a")
    inst_b = make_instansi(slug="analisis-b")
    skpd_x = make_unit("Dinas Pendidikan", instansi=inst_a)
    sd = make_unit("SD Negeri 2", parent=skpd_x)
    skpd_y = make_unit("Dinas Kesehatan", instansi=inst_a)
    skpd_w = make_unit("Dinas Sosial", instansi=inst_a)
    skpd_z = make_unit("Dinas Pendidikan", instansi=inst_b)
    people: dict[str, list[Any]] = {"x": [], "y": [], "w": [], "z": []}
    for pattern in PATTERNS:
        people["x"] += [(pattern, make_user(Role.PESERTA, sd if i % 2 else skpd_x, password=None)) for i in range(5)]
    people["y"] = [(p, make_user(Role.PESERTA, skpd_y, password=None)) for p in ("p1", "p2", "p3")]
    people["w"] = [("p1", make_user(Role.PESERTA, skpd_w, password=None)) for _ in range(5)]
    people["z"] = [("p4", make_user(Role.PESERTA, skpd_z, password=None)) for _ in range(5)]
    late = make_user(Role.PESERTA, skpd_x, password=None)
    viewers = {
        "pelatih": make_user(Role.PELATIH, skpd_x),
        "admin": make_user(Role.ADMIN_BKPSDM, skpd_y),
        "operator_x": make_user(Role.OPERATOR_SKPD, sd),
        "operator_y": make_user(Role.OPERATOR_SKPD, skpd_y),
        "admin_b": make_user(Role.ADMIN_BKPSDM, skpd_z),
        "superadmin": make_user(Role.SUPERADMIN, None),
        "peserta": make_user(Role.PESERTA, skpd_x),
    }
    with app.app_context():
        bank = get_or_create_bank("analisis-uji")
        v1 = {key: upsert_question(bank, q)[0] for key, q in (("s", SINGLE), ("t", TRUE_FALSE), ("f", FEED))}
        single_v2 = upsert_question(bank, {**SINGLE, "stem": "Apa yang Anda lakukan sekarang?"})[0]
        quiz = Quiz(slug="analisis-uji", bank_id=bank.id, instansi_id=None, title="Kuis analisis", pass_mark=70,
                    draw=[{"count": 3}], status=QuizStatus.PUBLISHED)
        db.session.add(quiz)
        db.session.flush()
        order = [v1["s"], v1["t"], v1["f"]]
        for pattern, user in people["x"] + people["y"] + people["z"]:
            _attempt(quiz, user, 1, order, PATTERNS[pattern])
            if pattern == "p5":
                _attempt(quiz, user, 2, order, PERFECT)
        for _pattern, user in people["w"]:
            _attempt(quiz, user, 1, [single_v2, v1["t"], v1["f"]], PERFECT,
                     status=AttemptStatus.EXPIRED)
        _attempt(quiz, late, 1, order, (None, None, None), status=AttemptStatus.IN_PROGRESS)
        db.session.commit()
        ids = {"quiz": quiz.id, "v1": {k: v.id for k, v in v1.items()}, "single_v2": single_v2.id}
    return {"ids": ids, "viewers": viewers, "units": {"x": skpd_x, "y": skpd_y, "w": skpd_w, "z": skpd_z},
            "people": people}


def _analyse(app, data, viewer: str, skpd: str | None = None) -> analysis.QuizAnalysis:
    from elearn.accounts.models import User
    from elearn.org.models import Unit

    with app.test_request_context():
        user = db.session.get(User, data["viewers"][viewer].id)
        unit = db.session.get(Unit, data["units"][skpd].id) if skpd else None
        quiz = db.session.get(Quiz, data["ids"]["quiz"])
        result = analysis.analyse(quiz, user, unit)
        # touch what the assertions read while the session is open
        for q in result.questions:
            for v in q.versions:
                _ = (v.version.number, v.version.type, q.question.key)
        return result


def _version(result: analysis.QuizAnalysis, key: str, number: int = 1) -> analysis.VersionStats:
    question = next(q for q in result.questions if q.question.key == key)
    return next(v for v in question.versions if v.version.number == number)


def _counts(stats: analysis.VersionStats) -> dict[str, int | None]:
    cells = stats.choices + [stats.unanswered]
    return {c.key: (None if c.hidden else c.count) for c in cells}


# --- pure helpers ----------------------------------------------------------------------------


def test_pearson_matches_the_statistics_module() -> None:
    x = [1, 1, .5, .5, 0, 1]
    y = [1, .5, 1, 0, 0, .5]
    sums = (len(x), sum(x), sum(y), sum(a * a for a in x), sum(b * b for b in y), sum(a * b for a, b in zip(x, y)))
    assert analysis.pearson(*sums) == pytest.approx(statistics.correlation(x, y))
    assert analysis.pearson(*sums) == pytest.approx(math.sqrt(0.3))
    # no variation on one side: undefined, not 0
    assert analysis.pearson(3, 3, 1.5, 3, 1.25, 1.5) is None


def test_suppress_hides_small_cells_and_a_lone_derivable_one() -> None:
    assert analysis.suppress([10, 7, 0], exclusive=True) == [False, False, False]
    # 3 alone could be worked out from the total: the smallest shown cell goes with it
    assert analysis.suppress([10, 7, 3], exclusive=True) == [False, True, True]
    assert analysis.suppress([10, 3, 2], exclusive=True) == [False, True, True]
    assert analysis.suppress([10, 7, 3], exclusive=False) == [False, False, True]
    assert analysis.suppress([4], exclusive=True) == [True]


# --- the hand-built data set ---------------------------------------------------------------


def test_figures_for_one_skpd_match_the_hand_calculation(app, data) -> None:
    result = _analyse(app, data, "pelatih", "x")
    assert result.people == 30 and not result.hidden
    single = _version(result, "q-pilihan")
    assert single.sums.n == 30
    assert single.sums.facility == pytest.approx(4 / 6)
    assert single.sums.share_correct == pytest.approx(0.5)
    assert single.sums.discrimination == pytest.approx(math.sqrt(0.3))
    assert _counts(single) == {"a": 15, "b": 10, "c": 5, "": 0}
    tf = _version(result, "q-bs")
    assert tf.sums.facility == pytest.approx(0.5)
    assert tf.sums.discrimination == pytest.approx(1 / math.sqrt(5))
    assert _counts(tf) == {"true": 15, "false": 10, "": 5}
    feed = _version(result, "q-medsos")
    assert feed.sums.facility == pytest.approx(0.5)
    assert _counts(feed) == {"like": 15, "comment": 0, "share": 5, "follow": 0, "ignore": 15, "": 0}
    # only the first finished attempt counts: p5's perfect second attempt and the attempt in progress don't
    assert single.sums.share_correct == pytest.approx(15 / 30)


def test_versions_are_grouped_under_their_question(app, data) -> None:
    result = _analyse(app, data, "pelatih")
    # instansi A: X (30) + Y (3) + W (5); instansi B's people are not counted
    assert result.people == 38
    question = next(q for q in result.questions if q.question.key == "q-pilihan")
    assert [(v.version.number, v.current, v.sums.n) for v in question.versions] == [(2, True, 5), (1, False, 33)]
    v2 = question.versions[0]
    assert v2.sums.facility == 1.0 and v2.sums.discrimination is None
    combined = question.combined
    assert combined is not None and combined.n == 38
    assert combined.facility == pytest.approx((20 + 2.5 + 5) / 38)  # X: 30 * 4/6; Y: 1 + 1 + .5; W: 5
    assert [q.question.key for q in result.questions] == ["q-bs", "q-pilihan", "q-medsos"]


def test_skpd_table_hides_small_skpds_and_the_one_that_would_give_them_away(app, data) -> None:
    result = _analyse(app, data, "admin")
    rows = {row.name: row for row in result.skpd_rows}
    assert set(rows) == {"Dinas Pendidikan", "Dinas Kesehatan", "Dinas Sosial"}
    x = rows["Dinas Pendidikan"]
    assert (x.people, x.attempts, x.passed, x.hidden) == (30, 35, 10, False)
    assert x.pass_rate == pytest.approx(1 / 3)
    assert rows["Dinas Kesehatan"].hidden  # 3 people
    assert rows["Dinas Sosial"].hidden  # 5 people, but X + W would give Y away


def test_a_skpd_of_fewer_than_five_shows_only_a_notice(app, client, data) -> None:
    result = _analyse(app, data, "pelatih", "y")
    assert result.people == 3 and result.hidden and result.questions == []
    login(client, data["viewers"]["pelatih"])
    page = client.get(f"/analisis/kuis/analisis-uji?skpd={data['units']['y'].id}").get_data(as_text=True)
    assert "angka per soal tidak ditampilkan" in page
    assert "Pilihan tunggal" not in page and "Per soal" not in page


def test_small_cells_show_as_less_than_five(app, data) -> None:
    result = _analyse(app, data, "pelatih")
    tf = _version(result, "q-bs")
    # instansi A: true 15 + 3 (Y: p1, p2, p3) + 5 (W) = 23; false 10; unanswered 5
    assert _counts(tf) == {"true": 23, "false": 10, "": 5}
    feed = _version(result, "q-medsos")
    # Y adds one like (p2): like 16, ignore 15 + 2 + 5 = 22
    assert _counts(feed) == {"like": 16, "comment": 0, "share": 5, "follow": 0, "ignore": 22, "": 0}
    single = _version(result, "q-pilihan", 1)
    # version 1 in instansi A: X and Y (33): a 15 + 2, b 10 + 1, c 5
    assert _counts(single) == {"a": 17, "b": 11, "c": 5, "": 0}


def test_operator_sees_only_their_own_skpd(app, client, data) -> None:
    result = _analyse(app, data, "operator_x")
    assert result.people == 30
    assert [row.name for row in result.skpd_rows] == ["Dinas Pendidikan"]
    login(client, data["viewers"]["operator_x"])
    page = client.get("/analisis/kuis/analisis-uji")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Orang yang dihitung: 30." in text
    assert 'name="skpd"' not in text  # no filter to choose: forced to the own SKPD
    assert client.get(f"/analisis/kuis/analisis-uji?skpd={data['units']['y'].id}").status_code == 404
    assert client.get(f"/analisis/kuis/analisis-uji?skpd={data['units']['x'].id}").status_code == 200


def test_operator_of_a_small_skpd_gets_the_notice(app, client, data) -> None:
    login(client, data["viewers"]["operator_y"])
    text = client.get("/analisis/kuis/analisis-uji").get_data(as_text=True)
    assert "Orang yang dihitung: kurang dari 5." in text
    assert "Benar salah" not in text


def test_other_instansi_and_superadmin_scopes(app, data) -> None:
    result = _analyse(app, data, "admin_b")
    assert result.people == 5 and _version(result, "q-pilihan").sums.facility == pytest.approx(0.5)
    result = _analyse(app, data, "superadmin")
    assert result.people == 43
    assert _analyse(app, data, "superadmin", "z").people == 5


def test_the_page_names_nobody(app, client, data) -> None:
    login(client, data["viewers"]["superadmin"])
    response = client.get("/analisis/kuis/analisis-uji")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for _pattern, person in data["people"]["x"] + data["people"]["y"]:
        assert person.name not in text and person.employee_number not in text
    assert "percobaan pertama yang selesai" in text
    assert "korelasi butir" in text


def test_index_lists_quizzes_with_suppressed_counts(app, client, data) -> None:
    login(client, data["viewers"]["operator_y"])
    text = client.get("/analisis/kuis/").get_data(as_text=True)
    assert "Kuis analisis" in text and "&lt; 5" in text
    client.post("/keluar")
    login(client, data["viewers"]["pelatih"])
    text = client.get("/analisis/kuis/").get_data(as_text=True)
    assert ">38<" in text


def test_csv_follows_the_page(app, client, data) -> None:
    login(client, data["viewers"]["pelatih"])
    response = client.get(f"/analisis/kuis/analisis-uji/csv?skpd={data['units']['x'].id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[:6] == ["Soal", "Judul", "Versi", "Versi terkini", "Jenis", "N"]
    single = {r[9]: r for r in body if r[0] == "q-pilihan"}
    assert single["a"][5:9] == ["30", "67", "50", "0.55"]
    assert single["a"][11:] == ["15", "50"]
    assert single["c"][11:] == ["5", "17"]
    tf = {r[9]: r for r in body if r[0] == "q-bs"}
    assert tf[""][10:] == ["(tidak dijawab)", "5", "17"]
    # the small SKPD: a notice row, no figures
    response = client.get(f"/analisis/kuis/analisis-uji/csv?skpd={data['units']['y'].id}")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 and "Kurang dari 5 orang" in rows[1][0]


def test_csv_neutralises_formulas_and_hides_small_cells(app, client, data) -> None:
    with app.app_context():
        version = db.session.get(QuestionVersion, data["ids"]["v1"]["s"])
        # an author's option text that a spreadsheet would run (versions are immutable; this is a test shortcut)
        changed = dict(version.data)
        changed["options"] = [dict(o) for o in changed["options"]]
        changed["options"][2]["text"] = "=HYPERLINK(\"http://x\")"
        version.data = changed
        db.session.commit()
    login(client, data["viewers"]["pelatih"])
    response = client.get("/analisis/kuis/analisis-uji/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    single_v1 = {r[9]: r for r in rows[1:] if r[0] == "q-pilihan" and r[2] == "1"}
    assert single_v1["c"][10] == "'=HYPERLINK(\"http://x\")"
    single_v2 = [r for r in rows[1:] if r[0] == "q-pilihan" and r[2] == "2"]
    # version 2: 5 people, all chose a; b and c are 0 (shown), the blank 0
    assert {r[9]: r[11] for r in single_v2} == {"a": "5", "b": "0", "c": "0", "": "0"}


def test_peserta_and_anonymous_are_refused(client, data) -> None:
    assert client.get("/analisis/kuis/analisis-uji").status_code == 302
    login(client, data["viewers"]["peserta"])
    assert client.get("/analisis/kuis/analisis-uji").status_code == 403


def test_choice_counts_are_the_same_when_streamed_in_small_batches(app, data, monkeypatch) -> None:
    """The responses are read in batches (yield_per); batch boundaries change nothing."""
    monkeypatch.setattr(analysis, "STREAM_BATCH", 7)
    result = _analyse(app, data, "pelatih", "x")
    assert _counts(_version(result, "q-bs")) == {"true": 15, "false": 10, "": 5}


def test_quiz_of_another_instansi_is_not_found(app, client, data) -> None:
    with app.app_context():
        quiz = db.session.get(Quiz, data["ids"]["quiz"])
        quiz.instansi_id = data["units"]["z"].instansi_id
        db.session.commit()
    login(client, data["viewers"]["pelatih"])
    assert client.get("/analisis/kuis/analisis-uji").status_code == 404


BRANCHING = {
    "id": "q-cabang", "type": "branching", "title": "Undangan camat", "stem": "Camat mengundang.", **META,
    "start": "n1",
    "nodes": [
        {"id": "n1", "text": "Undangan *silaturahmi* datang.", "choices": [
            {"id": "x", "text": "Menolak", "points": 2, "feedback": "Tepat."},
            {"id": "y", "text": "Datang", "points": 0, "next": "n2", "feedback": "Berisiko."}]},
        {"id": "n2", "text": "Di acara ada ajakan memilih.", "choices": [
            {"id": "p", "text": "Pulang", "points": 1, "feedback": "Lebih baik."},
            {"id": "q", "text": "Ikut", "points": 0, "feedback": "Pelanggaran."}]},
    ],
}


def test_branch_choices_are_counted_per_situation(app, make_instansi, make_unit, make_user) -> None:
    """12 people: 6 refuse at once (x), 6 go (y) and then 5 leave (p), 1 joins (q). The lone small
    cell q in situation n2 would follow from n1's count of y, so p is hidden with it."""
    skpd = make_unit("Kecamatan Sukamaju", instansi=make_instansi(slug="analisis-cabang"))
    paths = [["n1:x"]] * 6 + [["n1:y", "n2:p"]] * 5 + [["n1:y", "n2:q"]]
    people = [make_user(Role.PESERTA, skpd, password=None) for _ in paths]
    viewer = make_user(Role.PELATIH, skpd)
    with app.app_context():
        bank = get_or_create_bank("analisis-cabang")
        version = upsert_question(bank, BRANCHING)[0]
        quiz = Quiz(slug="analisis-cabang", bank_id=bank.id, title="Cabang", pass_mark=70, draw=[{"count": 1}],
                    status=QuizStatus.PUBLISHED)
        db.session.add(quiz)
        db.session.flush()
        for user, path in zip(people, paths, strict=True):
            _attempt(quiz, user, 1, [version], ({"path": [dict(zip(("node", "choice"), step.split(":"), strict=True))
                                                          for step in path]},))
        db.session.commit()
    with app.test_request_context():
        from elearn.accounts.models import User

        result = analysis.analyse(db.session.get(Quiz, quiz.id), db.session.get(User, viewer.id))
        stats = result.questions[0].versions[0]
        assert stats.sums.n == 12
        assert stats.sums.facility == pytest.approx((6 * 1 + 5 * 0.5 + 0) / 12)
        assert stats.sums.share_correct == pytest.approx(0.5)
        assert stats.sums.discrimination is None  # a one-question quiz has no rest score
        assert _counts(stats) == {"n1:x": 6, "n1:y": 6, "n2:p": None, "n2:q": None, "": 0}
        assert [c.group for c in stats.choices] == ["n1", "n1", "n2", "n2"]
        assert analysis.branch_labels(stats.version) == {"n1": "Undangan silaturahmi datang.",
                                                         "n2": "Di acara ada ajakan memilih."}
