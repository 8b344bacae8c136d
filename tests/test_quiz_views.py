"""The learner's quiz pages: every question type answered with plain form posts (no JavaScript),
JSON saves, errors, the time limit, submitting twice, the review with all its feedback, privacy of
attempts, CSRF, the course page link and the home page box."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from elearn.accounts.models import Role
from elearn.courses.models import CourseVersion
from elearn.db import db
from elearn.quizzes import attempts as svc
from elearn.quizzes.models import Attempt, AttemptStatus
from quiz_support import BRANCHING, FEED, MULTIPLE, SINGLE, TRUE_FALSE, make_quiz, position_of


@pytest.fixture
def quiz(app: Flask) -> str:
    with app.app_context():
        make_quiz(title="Kuis Netralitas Uji", attempt_limit=3, time_limit_minutes=20)
        db.session.commit()
    return "kuis-uji"


def attempt_of(app: Flask, user_id: int) -> Attempt:
    with app.app_context():
        attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == user_id).order_by(Attempt.id.desc()))
        assert attempt is not None
        _ = [(item.question_version.question.key, item.response) for item in attempt.items]
        db.session.expunge_all()
        return attempt


def start(client, slug: str = "kuis-uji"):  # type: ignore[no-untyped-def]
    response = client.post(f"/kuis/{slug}/mulai")
    assert response.status_code == 302
    return response


def answer_everything(client, base: str) -> None:  # type: ignore[no-untyped-def]
    """Right answers to the five questions of ``make_quiz()`` (in the file order), as form posts."""
    for no, data in ((1, {"options": "a"}), (2, {"options": ["tolak", "bukti"]}), (3, {"answer": "true"}),
                     (4, {"node": "pesan", "choice": "tidak-hadir"}), (4, {"node": "melapor", "choice": "lapor"}),
                     (5, {"actions": "ignore"})):
        assert client.post(f"{base}?no={no}", data=data).status_code == 302


def page(client, url: str, status: int = 200) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_list_and_quiz_page(app: Flask, client, make_user, login_as, quiz: str) -> None:
    person = make_user()
    login_as(person)
    html = page(client, "/kuis/")
    assert "Kuis Netralitas Uji" in html and "Belum dikerjakan" in html
    html = page(client, f"/kuis/{quiz}")
    assert "Ketentuan" in html and "20 menit" in html and "3 dari 3" in html and "Mulai kuis" in html
    assert 'action="/kuis/kuis-uji/mulai"' in html


def test_take_every_type_without_javascript_then_review(app: Flask, client, make_user, login_as,
                                                         quiz: str) -> None:
    person = make_user()
    login_as(person)
    response = start(client)
    attempt = attempt_of(app, person.id)
    base = f"/kuis/{quiz}/percobaan/{attempt.id}"
    assert response.headers["Location"].endswith(base)
    # no answer yet: the bare attempt URL leads to question 1
    assert client.get(base).headers["Location"].endswith(f"{base}?no=1")

    html = page(client, f"{base}?no={position_of(attempt, SINGLE)}")
    assert 'type="radio" name="options" value="a"' in html and "Soal 1 dari 5" in html
    assert "Sisa waktu:" in html and 'role="timer"' in html
    response = client.post(f"{base}?no=1", data={"options": "a"})
    assert response.headers["Location"].endswith(f"{base}?no=2")

    html = page(client, f"{base}?no=2")
    assert 'type="checkbox" name="options" value="tolak"' in html
    client.post(f"{base}?no=2", data={"options": ["tolak", "bukti"]})

    html = page(client, f"{base}?no=3")
    assert 'name="answer" value="true"' in html and "Benar" in html
    client.post(f"{base}?no=3", data={"answer": "true"})

    # branching: one situation at a time; the form posts one step and stays until the path ends
    html = page(client, f"{base}?no=4")
    assert 'name="node" value="pesan"' in html and "Sekda meminta semua hadir" in html
    assert "Apakah Anda melapor?" not in html
    response = client.post(f"{base}?no=4", data={"node": "pesan", "choice": "tidak-hadir"})
    assert response.headers["Location"].endswith(f"{base}?no=4")
    client.post(f"{base}?no=4", data={"node": "pesan", "choice": "tidak-hadir"})  # a retried POST
    html = page(client, f"{base}?no=4")
    assert "Apakah Anda melapor?" in html and 'name="node" value="melapor"' in html
    assert "Pilihan Anda:" in html and "Tidak hadir dan menyimpan bukti" in html
    response = client.post(f"{base}?no=4", data={"node": "melapor", "choice": "lapor"})
    assert response.headers["Location"].endswith(f"{base}?no=5")
    assert "Skenario ini selesai" in page(client, f"{base}?no=4")

    # social feed: a post card with the five actions as checkboxes
    html = page(client, f"{base}?no=5")
    assert "Tim Maju Bersama" in html and "@majubersama" in html and "1.204 suka" in html
    for key, label in (("like", "Suka"), ("comment", "Komentar"), ("share", "Bagikan"), ("follow", "Ikuti"),
                       ("ignore", "Abaikan")):
        assert f'type="checkbox" class="toggle" name="actions" value="{key}" id="act-{key}"' in html
        assert f'for="act-{key}" class="toggle-label act-{key}">{label}</label>' in html
    response = client.post(f"{base}?no=5", data={"actions": "ignore"})
    assert response.headers["Location"].endswith(base)
    html = page(client, base)
    assert "Semua soal terjawab" in html and "Kirim semua jawaban" in html

    saved = attempt_of(app, person.id)
    assert [item.response for item in saved.items] == [
        {"options": ["a"]}, {"options": ["tolak", "bukti"]}, {"answer": True},
        {"path": [{"node": "pesan", "choice": "tidak-hadir"}, {"node": "melapor", "choice": "lapor"}]},
        {"actions": ["ignore"]}]

    response = client.post(f"{base}/kirim")
    assert response.headers["Location"].endswith(f"{base}/ulasan")
    html = page(client, f"{base}/ulasan")
    assert "100%" in html and "Lulus" in html
    # feedback of every option, the right answer, each step of the scenario in order, the feed actions
    for text in ("Tepat. Like adalah bentuk dukungan di ruang publik.", "Like tetap terlihat sebagai dukungan.",
                 "Membagikan memperluas kampanye.", "Hadir tetap berarti mendukung.",
                 "Benar, mengenal calon membantu menentukan pilihan pribadi.",
                 "Justru boleh; yang dilarang adalah mendukung di ruang publik.",
                 "Komentar menambah jangkauan.", "Mengikuti akun pemenangan dilarang.", "Jawaban benar",
                 "Jawaban Anda", "Jalur terbaik", "Melanggar", "Boleh"):
        assert text in html, text
    steps = html.index("Sekda meminta semua hadir"), html.index("Apakah Anda melapor?")
    assert steps[0] < steps[1]
    # general feedback, rule references, sanction labels, sources as links
    assert "Jangan memberi like, komentar, membagikan atau mengikuti akun calon" in html
    assert "PP 42/2004 Pasal 11 huruf c" in html and "SKB 2022 Lampiran II" in html
    assert "Sanksi moral tertutup (kode etik)" in html and "Hukuman disiplin berat" in html
    assert "Tidak melanggar: boleh dilakukan" in html
    assert '<a href="https://medan.bkn.go.id/?p=6556" rel="noopener noreferrer">' in html
    # the taking page of a submitted attempt leads to the review
    assert client.get(f"{base}?no=1").headers["Location"].endswith(f"{base}/ulasan")


def test_json_save_returns_the_next_url(app: Flask, client, make_user, login_as, quiz: str) -> None:
    person = make_user()
    login_as(person)
    start(client)
    attempt = attempt_of(app, person.id)
    base = f"/kuis/{quiz}/percobaan/{attempt.id}"
    response = client.post(f"{base}?no=1", json={"options": ["b"]})
    assert response.status_code == 200
    assert response.get_json() == {"saved": True, "answered": True, "next_url": f"{base}?no=2"}
    # the same answer again (a retried request from quiz.js's queue): still fine, nothing new
    assert client.post(f"{base}?no=1", json={"options": ["b"]}).status_code == 200
    response = client.post(f"{base}?no=4", json={"node": ["pesan"], "choice": ["hadir"]})
    assert response.get_json() == {"saved": True, "answered": False, "next_url": f"{base}?no=4"}
    response = client.post(f"{base}?no=5", json={"actions": ["ignore", "like"]})
    assert response.status_code == 400
    assert response.get_json() == {"error": "answer",
                                   "message": "\u201cAbaikan\u201d tidak dapat digabung dengan tindakan lain."}


def test_invalid_form_answer_shows_the_question_again_with_an_error(app: Flask, client, make_user, login_as,
                                                                    quiz: str) -> None:
    person = make_user()
    login_as(person)
    start(client)
    attempt = attempt_of(app, person.id)
    base = f"/kuis/{quiz}/percobaan/{attempt.id}"
    response = client.post(f"{base}?no=1", data={})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "Pilih satu jawaban." in html and 'aria-describedby="answer-error"' in html
    response = client.post(f"{base}?no=5", data={"actions": ["like", "ignore"]})
    assert "tidak dapat digabung" in response.get_data(as_text=True)
    assert client.get(f"{base}?no=9").status_code == 404
    assert client.get(f"{base}?no=x").status_code == 404
    assert client.post(f"{base}?no=9", data={"answer": "true"}).status_code == 404
    assert client.post(base, data={"answer": "true"}).status_code == 404


def test_time_limit_is_enforced_on_the_server(app: Flask, client, make_user, login_as, quiz: str,
                                              monkeypatch) -> None:
    person = make_user()
    login_as(person)
    start(client)
    attempt = attempt_of(app, person.id)
    base = f"/kuis/{quiz}/percobaan/{attempt.id}"
    client.post(f"{base}?no=1", data={"options": "a"})
    assert attempt.deadline_at is not None
    late = attempt.deadline_at + svc.GRACE + dt.timedelta(seconds=5)
    monkeypatch.setattr(svc, "utcnow", lambda: late)
    response = client.post(f"{base}?no=3", json={"answer": "true"})
    assert response.status_code == 409
    assert response.get_json()["error"] == "expired" and response.get_json()["next_url"] == f"{base}/ulasan"
    finished = attempt_of(app, person.id)
    assert finished.status == AttemptStatus.EXPIRED and finished.items[2].response is None
    assert finished.submitted_at == attempt.deadline_at and finished.score == 1.0
    response = client.post(f"{base}?no=3", data={"answer": "true"}, follow_redirects=True)
    assert "sudah dikirim" in response.get_data(as_text=True)
    html = page(client, f"/kuis/{quiz}")
    assert "Waktu habis" in html


def test_time_runs_out_while_away_the_page_finalises_it(app: Flask, client, make_user, login_as, quiz: str,
                                                        monkeypatch) -> None:
    person = make_user()
    login_as(person)
    start(client)
    attempt = attempt_of(app, person.id)
    monkeypatch.setattr(svc, "utcnow", lambda: attempt.deadline_at + dt.timedelta(minutes=5))
    response = client.get(f"/kuis/{quiz}/percobaan/{attempt.id}?no=2", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Waktu mengerjakan kuis sudah habis" in html and "Ulasan percobaan 1" in html
    assert attempt_of(app, person.id).status == AttemptStatus.EXPIRED


def test_submit_twice_and_start_twice(app: Flask, client, make_user, login_as, quiz: str) -> None:
    person = make_user()
    login_as(person)
    first = start(client).headers["Location"]
    assert start(client).headers["Location"] == first  # a double tap resumes
    attempt = attempt_of(app, person.id)
    base = f"/kuis/{quiz}/percobaan/{attempt.id}"
    client.post(f"{base}?no=3", data={"answer": "true"})
    client.post(f"{base}/kirim")
    graded = attempt_of(app, person.id)
    assert client.post(f"{base}/kirim").headers["Location"].endswith(f"{base}/ulasan")
    again = attempt_of(app, person.id)
    assert (again.score, again.percent, again.submitted_at) == (graded.score, graded.percent, graded.submitted_at)
    with app.app_context():
        assert db.session.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == person.id)) == 1
    # the review offers another try; a new start makes attempt 2
    html = page(client, f"{base}/ulasan")
    assert "Coba lagi" in html and "Sisa kesempatan: 2" in html
    assert start(client).headers["Location"] != first


def test_attempt_limit_reached(app: Flask, client, make_user, login_as) -> None:
    with app.app_context():
        make_quiz("sekali", attempt_limit=1)
        db.session.commit()
    person = make_user()
    login_as(person)
    start(client, "sekali")
    attempt = attempt_of(app, person.id)
    client.post(f"/kuis/sekali/percobaan/{attempt.id}/kirim")
    response = client.post("/kuis/sekali/mulai", follow_redirects=True)
    assert "Kesempatan mengerjakan kuis ini sudah habis." in response.get_data(as_text=True)
    assert "Coba lagi" not in page(client, f"/kuis/sekali/percobaan/{attempt.id}/ulasan")


def test_attempts_are_private(app: Flask, client, make_user, login_as, quiz: str) -> None:
    owner = make_user()
    login_as(owner)
    start(client)
    attempt = attempt_of(app, owner.id)
    base = f"/kuis/{quiz}/percobaan/{attempt.id}"
    client.post(f"{base}/kirim")
    client.post("/keluar")
    for role in (Role.PESERTA, Role.ADMIN_BKPSDM, Role.SUPERADMIN):
        login_as(make_user(role))
        assert client.get(f"{base}/ulasan").status_code == 404
        assert client.get(f"{base}?no=1").status_code == 404
        assert client.post(f"{base}?no=1", data={"options": "a"}).status_code == 404
        assert client.post(f"{base}/kirim").status_code == 404
        client.post("/keluar")


def test_another_instansi_quiz_is_not_found(app: Flask, client, make_user, make_unit, login_as) -> None:
    other = make_unit()
    with app.app_context():
        from elearn.org.models import Instansi

        make_quiz("kota-lain", instansi=db.session.get(Instansi, other.instansi_id))
        db.session.commit()
    login_as(make_user())
    assert client.get("/kuis/kota-lain").status_code == 404
    assert client.post("/kuis/kota-lain/mulai").status_code == 404
    assert "kota-lain" not in page(client, "/kuis/")


def test_csrf_is_required_on_every_post(app: Flask, client, make_user, login_as, quiz: str, request) -> None:
    person = make_user()
    login_as(person)
    request.getfixturevalue("csrf_enabled")
    assert client.post(f"/kuis/{quiz}/mulai").status_code == 400
    html = page(client, f"/kuis/{quiz}")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(f"/kuis/{quiz}/mulai", data={"csrf_token": token})
    assert response.status_code == 302
    attempt = attempt_of(app, person.id)
    base = f"/kuis/{quiz}/percobaan/{attempt.id}"
    assert client.post(f"{base}?no=1", data={"options": "a"}).status_code == 400
    assert client.post(f"{base}?no=1", json={"options": ["a"]}).status_code == 400
    assert client.post(f"{base}?no=1", json={"options": ["a"]}, headers={"X-CSRFToken": token}).status_code == 200
    assert client.post(f"{base}/kirim").status_code == 400
    assert attempt_of(app, person.id).status == AttemptStatus.IN_PROGRESS
    assert client.post(f"{base}/kirim", data={"csrf_token": token}).status_code == 302


def test_course_page_links_the_required_quiz_and_completes_after_passing(app: Flask, client, make_user,
                                                                          login_as, make_course) -> None:
    cv = make_course(modules=1, sections=1)
    with app.app_context():
        make_quiz("kuis-kursus")
        version = db.session.get(CourseVersion, cv.id)
        version.requires = {"quiz": "kuis-kursus"}
        version.completion = {"modules": "all", "quiz_pass": True}
        db.session.commit()
        slug, module = version.course.slug, version.modules[0].module.slug
    person = make_user()
    login_as(person)
    html = page(client, f"/kursus/{slug}")
    assert "Kerjakan kuis" in html and 'href="/kuis/kuis-kursus"' in html
    client.post(f"/kursus/{slug}/modul/{module}/kemajuan", data={"reached": "0", "complete": "1"})
    html = page(client, f"/kursus/{slug}")
    assert "Anda telah membaca seluruh modul kursus ini." in html
    assert "Kursus ini selesai setelah Anda membaca semua modul dan lulus kuisnya." in html
    assert "50% selesai" in html  # the module and the quiz: 1 of 2 steps
    assert '<a class="button primary" href="/kuis/kuis-kursus">Kerjakan kuis</a>' in html  # the next step
    start(client, "kuis-kursus")
    attempt = attempt_of(app, person.id)
    base = f"/kuis/kuis-kursus/percobaan/{attempt.id}"
    answer_everything(client, base)
    client.post(f"{base}/kirim")
    html = page(client, f"/kursus/{slug}")
    assert "Kursus ini sudah selesai." in html and "Anda sudah lulus kuis kursus ini." in html
    assert "100% selesai" in html
    # a finished course offers the quiz's results, not the quiz again
    assert "Kerjakan kuis" not in html and '<a href="/kuis/kuis-kursus">Lihat hasil kuis</a>' in html


def test_home_page_shows_the_quiz_box(app: Flask, client, make_user, login_as, quiz: str) -> None:
    person = make_user()
    login_as(person)
    html = page(client, "/")
    assert "Kuis saya" in html and "Kuis Netralitas Uji" in html and "Belum dikerjakan" in html
    assert 'href="/kuis/"' in html  # the nav link and "Semua kuis"
    start(client)
    attempt = attempt_of(app, person.id)
    answer_everything(client, f"/kuis/{quiz}/percobaan/{attempt.id}")
    client.post(f"/kuis/{quiz}/percobaan/{attempt.id}/kirim")
    html = page(client, "/")
    assert "Semua kuis Anda sudah lulus." in html and "Lulus: 1 kuis" in html


def test_question_and_option_text_is_escaped(app: Flask, client, make_user, login_as) -> None:
    from elearn.content.quizzes import upsert_question
    from quiz_support import fixture_bank

    with app.app_context():
        bank = fixture_bank()
        data = {
            "id": "xss", "type": "single_choice", "title": "<script>alert(1)</script>",
            "stem": "Soal <img src=x onerror=alert(1)> **tebal**", "feedback": "<script>x</script>",
            "election_types": ["pilkada"], "stage": "calon", "actor_role": "pns", "rule_refs": ["PP 94/2021"],
            "sanctions": ["disiplin_ringan"], "tags": ["kampanye"],
            "sources": [{"title": "Sumber", "url": "https://example.org/a"}],
            "options": [{"id": "a", "text": "<b onclick=x>Ya</b>", "correct": True, "feedback": "ok"},
                        {"id": "b", "text": "Tidak", "feedback": "<iframe src=x></iframe>"}],
        }
        upsert_question(bank, data)
        make_quiz("kuis-xss", keys=("xss",), bank=bank)
        db.session.commit()
    person = make_user()
    login_as(person)
    start(client, "kuis-xss")
    attempt = attempt_of(app, person.id)
    html = page(client, f"/kuis/kuis-xss/percobaan/{attempt.id}?no=1")
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html and "<b onclick" not in html
    assert "&lt;b onclick=x&gt;Ya&lt;/b&gt;" in html and "<strong>tebal</strong>" in html
    client.post(f"/kuis/kuis-xss/percobaan/{attempt.id}?no=1", data={"options": "b"})
    client.post(f"/kuis/kuis-xss/percobaan/{attempt.id}/kirim")
    html = page(client, f"/kuis/kuis-xss/percobaan/{attempt.id}/ulasan")
    assert "<iframe" not in html and "<script>x</script>" not in html


def test_ignoring_a_notice_one_was_asked_to_share_earns_nothing_and_is_not_called_a_violation(
        app: Flask, client, make_user, login_as) -> None:
    from elearn.content.quizzes import upsert_question
    from quiz_support import fixture_bank

    with app.app_context():
        bank = fixture_bank()
        actions = {key: {"allowed": True, "feedback": f"Umpan balik {key}."}
                   for key in ("like", "comment", "share", "follow")}
        actions["ignore"] = {"allowed": True, "weight": 0, "feedback": "Tidak melanggar, tetapi tugas tidak jalan."}
        upsert_question(bank, {
            "id": "kpu-daftar-pemilih", "type": "social_feed", "title": "Pengingat KPU",
            "stem": "Sekda meminta Anda ikut menyosialisasikan tahapan pilkada.", "feedback": "Bagikan.",
            "election_types": ["pilkada"], "stage": "semua_tahap", "actor_role": "kepala_dinas",
            "rule_refs": ["SKB 2022"], "sanctions": ["tidak_melanggar"], "tags": ["boleh-dilakukan"],
            "sources": [{"title": "Sumber", "url": "https://example.org/a"}],
            "post": {"author": "KPU Kabupaten Contoh", "handle": "@kpu.kabcontoh", "author_kind": "kpu",
                     "verified": True, "time": "1 jam", "text": "Cek nama Anda di daftar pemilih."},
            "actions": actions,
        })
        make_quiz("kuis-kpu", keys=("kpu-daftar-pemilih",), bank=bank)
        db.session.commit()
    person = make_user()
    login_as(person)
    start(client, "kuis-kpu")
    attempt = attempt_of(app, person.id)
    base = f"/kuis/kuis-kpu/percobaan/{attempt.id}"
    client.post(f"{base}?no=1", data={"actions": "ignore"})
    client.post(f"{base}/kirim")
    html = page(client, f"{base}/ulasan")
    assert "Belum lulus" in html and "0 dari 1 poin" in html
    assert "Tidak melanggar, tetapi kurang tepat" in html and "Tidak melanggar, tetapi tugas tidak jalan." in html
    assert "Melanggar</span>" not in html
    assert html.count('<span class="badge ok">Boleh</span>') == 4


def test_quiz_pages_stay_under_the_page_weight_budget(app: Flask, client, make_user, login_as, quiz: str) -> None:
    """First visit (HTML + CSS + JS, uncompressed) under 100 KB for every learner page of a quiz."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "page_weight.py"
    spec = importlib.util.spec_from_file_location("page_weight", path)
    assert spec and spec.loader
    page_weight = sys.modules.get("page_weight") or importlib.util.module_from_spec(spec)
    if "page_weight" not in sys.modules:
        sys.modules["page_weight"] = page_weight
        spec.loader.exec_module(page_weight)
    person = make_user()
    login_as(person)
    start(client)
    attempt = attempt_of(app, person.id)
    base = f"/kuis/{quiz}/percobaan/{attempt.id}"
    takes = [f"{base}?no={n}" for n in range(1, 6)]
    answer_everything(client, base)
    weights = page_weight.measure(client, ["/kuis/", f"/kuis/{quiz}", *takes, base])
    client.post(f"{base}/kirim")
    weights += page_weight.measure(client, [f"{base}/ulasan"])
    for weight in weights:
        assert weight.first_visit_raw < page_weight.BUDGET, (weight.url, weight.first_visit_raw)
    assert any(re.fullmatch(r"/static/js/quiz\.[0-9a-f]{10}\.js", ref) for w in weights for ref in w.static)
    assert all(any(re.fullmatch(r"/static/css/quiz\.[0-9a-f]{10}\.css", ref) for ref in w.static) for w in weights)


def test_review_folds_each_question_and_ends_with_the_courses_next_step(app: Flask, client, make_user,
                                                                        login_as, make_course) -> None:
    """Issue 16: the review was 26,200 px tall on a phone. Each question is folded in a <details>
    (its title and mark in the summary), and the page ends with the course's next step: after passing
    the quiz of a course that also asks for the pakta, "Tanda tangani pakta" to the open campaign."""
    from pledge_support import make_campaign, make_pledge_version

    cv = make_course(modules=1, sections=1)
    person = make_user()
    with app.app_context():
        make_quiz("kuis-kursus")
        pakta = make_pledge_version()
        campaign_id = make_campaign(person.instansi_id, pakta).id
        version = db.session.get(CourseVersion, cv.id)
        version.requires = {"quiz": "kuis-kursus", "pledge": pakta.pledge_text.slug}
        version.completion = {"modules": "all", "quiz_pass": True, "pledge_signed": True}
        db.session.commit()
        slug, module = version.course.slug, version.modules[0].module.slug
    login_as(person)
    client.post(f"/kursus/{slug}/modul/{module}/kemajuan", data={"reached": "0", "complete": "1"})
    start(client, "kuis-kursus")
    attempt = attempt_of(app, person.id)
    base = f"/kuis/kuis-kursus/percobaan/{attempt.id}"
    answer_everything(client, base)
    client.post(f"{base}/kirim")
    html = page(client, f"{base}/ulasan")
    folded = re.findall(r'<details class="card review-item" id="soal-(\d+)">\s*<summary>', html)
    assert folded and folded == [str(n) for n in range(1, len(folded) + 1)]
    assert "<details class=\"card review-item\" id=\"soal-1\" open" not in html
    tail = html[html.index('id="next-step-title"'):]
    assert f'<a class="button primary" href="/pakta/{campaign_id}/tandatangani">Tanda tangani pakta</a>' in tail
    assert "review-item" not in tail  # the next step comes after every question


def test_review_without_a_course_offers_the_quiz_page(app: Flask, client, make_user, login_as, quiz: str) -> None:
    person = make_user()
    login_as(person)
    start(client)
    attempt = attempt_of(app, person.id)
    base = f"/kuis/{quiz}/percobaan/{attempt.id}"
    answer_everything(client, base)
    client.post(f"{base}/kirim")
    html = page(client, f"{base}/ulasan")
    tail = html[html.index('id="next-step-title"'):]
    assert "Tanda tangani pakta" not in tail and f'href="/kuis/{quiz}">Kembali ke halaman kuis' in tail
