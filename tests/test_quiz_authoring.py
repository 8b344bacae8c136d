"""Authoring questions, tags and quizzes through the forms (as a browser would post them).

``read_form`` parses a page's form the way a browser serialises it (text, textarea, checked boxes,
selected options), so "open the edit page and save" is tested exactly; ``encode`` writes a
canonical question dict in the forms' field names for creating questions.
"""
from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from elearn.accounts.models import Role
from elearn.audit.models import AuditEvent
from elearn.content.quizzes import get_or_create_bank, question_hash, sync_quizzes, upsert_question
from elearn.db import db
from elearn.quizzes.authoring_forms import form_data, keep_unchanged, translate_problem
from elearn.quizzes.models import Question, QuestionBank, QuestionTag, QuestionVersion, Quiz, QuizStatus, Tag
from elearn.quizzes.services import bank_pool
from elearn.quizzes.types import Problem
from support import login

ROOT = Path(__file__).resolve().parents[1]


# --- a browser's view of a form --------------------------------------------------------------


class _FormReader(HTMLParser):
    def __init__(self, selector: str) -> None:
        super().__init__(convert_charrefs=True)
        self.selector = selector
        self.depth = 0
        self.pairs: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._multiple = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            if self.depth == 0 and self.selector in a.get("class", "").split() or self.selector in a:
                self.depth = 1
            return
        if not self.depth or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.pairs.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options, self._multiple = name, [], "multiple" in a
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.depth:
            self.depth = 0
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # a newline right after <textarea> is not part of the value (HTML parsing rule)
            for newline in ("\r\n", "\n"):
                if text.startswith(newline):
                    text = text[len(newline):]
                    break
            self.pairs.append((self._textarea, text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected]
            if not chosen and self._options and not self._multiple:
                chosen = [self._options[0][0]]
            self.pairs.extend((self._select, v) for v in chosen)
            self._select = None


def read_form(page: str, selector: str = "qa-form") -> MultiDict:
    reader = _FormReader(selector)
    reader.feed(page)
    # browsers send textarea line breaks as CRLF
    return MultiDict([(k, v.replace("\r\n", "\n").replace("\n", "\r\n")) for k, v in reader.pairs])


def encode(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """The form encoding of ``form_data(...)`` (nested names joined with '-')."""
    pairs: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            pairs += encode(item, f"{prefix}-{key}" if prefix else key)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, item in enumerate(value):
            pairs += encode(item, f"{prefix}-{i}")
    elif isinstance(value, list):
        pairs += [(prefix, str(v)) for v in value]
    elif isinstance(value, bool):
        if value:
            pairs.append((prefix, "y"))
    elif value is not None:
        pairs.append((prefix, str(value)))
    return pairs


def stripped(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: stripped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stripped(v) for v in value]
    return value.strip() if isinstance(value, str) else value


# --- questions of every type ----------------------------------------------------------------

META: dict[str, Any] = {
    "election_types": ["pilkada", "pemilu"], "stage": "calon", "actor_role": "guru",
    "rule_refs": ["PP 94/2021 Pasal 5 huruf n angka 6", "UU 10/2016 Pasal 70"],
    "sanctions": ["disiplin_sedang", "etik_moral_terbuka"], "tags": ["media-sosial", "kampanye"],
    "sources": [{"title": "BKN | tanya jawab", "url": "https://www.bkn.go.id/netralitas"}],
    "feedback": "ASN menjaga netralitas.\n\nLihat **PP 94/2021**.\n",
}
SAMPLES: dict[str, dict[str, Any]] = {
    "single_choice": {
        "id": "pilihan-grup-wa", "type": "single_choice", "title": "Poster di grup WhatsApp",
        "stem": "Rekan mengirim poster calon ke grup kantor.\n", **META,
        "options": [
            {"id": "a", "text": "Tidak meneruskan dan mengingatkan", "correct": True, "feedback": "Tepat."},
            {"id": "b", "text": "Diam saja", "weight": 50, "feedback": "Lebih baik mengingatkan."},
            {"id": "c", "text": "Meneruskan", "feedback": "Pelanggaran."},
        ],
    },
    "multiple_response": {
        "id": "beberapa-boleh", "type": "multiple_response", "title": "Yang boleh dilakukan",
        "stem": "Pilih semua yang boleh.", **{**META, "sanctions": ["tidak_melanggar"]}, "points": 2,
        "options": [
            {"id": "memilih", "text": "Memberikan suara", "correct": True, "feedback": "Hak pilih."},
            {"id": "debat", "text": "Menonton debat", "correct": True, "feedback": "Boleh."},
            {"id": "kampanye", "text": "Ikut kampanye", "feedback": "Dilarang."},
        ],
    },
    "true_false": {
        "id": "bs-like", "type": "true_false", "title": "Menyukai unggahan calon", "stem": "Like itu netral.",
        **META, "answer": False, "feedback_true": "Keliru: like adalah dukungan.", "feedback_false": "Benar.",
        "verified_against_primary": True,
    },
    "branching": {
        "id": "cabang-sekda", "type": "branching", "title": "Pesan suara Sekda", "stem": "Sekda meminta hadir.",
        **META, "start": "pesan",
        "nodes": [
            {"id": "pesan", "text": "Sekda mengirim pesan suara.", "choices": [
                {"id": "hadir", "text": "Hadir", "points": 0, "next": "di-acara", "feedback": "Keliru."},
                {"id": "tolak", "text": "Menolak dengan sopan", "points": 2, "feedback": "Tepat."},
            ]},
            {"id": "di-acara", "text": "Di acara Anda diminta berfoto.", "choices": [
                {"id": "foto", "text": "Berfoto", "points": 0, "feedback": "Pelanggaran."},
                {"id": "pulang", "text": "Pulang", "points": 1, "feedback": "Lebih baik."},
            ]},
        ],
    },
    "social_feed": {
        "id": "feed-tim", "type": "social_feed", "title": "Unggahan tim pemenangan", "stem": "Muncul di beranda.",
        **META,
        "post": {"author": "Tim Maju Bersama", "handle": "@majubersama", "author_kind": "winning_team",
                 "verified": False, "time": "3 jam", "text": "Ayo dukung nomor 2!", "likes": 1204},
        "actions": {key: {"allowed": key == "ignore", "feedback": f"Umpan balik {key}."}
                    for key in ("like", "comment", "share", "follow", "ignore")},
    },
}


@pytest.fixture
def people(make_instansi, make_unit, make_user) -> dict[str, Any]:
    inst_a = make_instansi(slug="penyusun-a")
    inst_b = make_instansi(slug="penyusun-b")
    skpd = make_unit("Dinas Pendidikan", instansi=inst_a)
    return {
        "pelatih": make_user(Role.PELATIH, skpd),
        "admin": make_user(Role.ADMIN_BKPSDM, skpd),
        "pelatih_b": make_user(Role.PELATIH, make_unit("Dinas Pendidikan", instansi=inst_b)),
        "superadmin": make_user(Role.SUPERADMIN, None),
        "instansi_a": inst_a.id,
        "instansi_b": inst_b.id,
    }


@pytest.fixture
def bank(app: Flask, people) -> str:
    with app.app_context():
        bank = QuestionBank(slug="bank-guru", title="Bank guru", description="", instansi_id=people["instansi_a"])
        db.session.add(bank)
        db.session.commit()
    return "bank-guru"


def _versions(app: Flask, bank_slug: str, key: str) -> list[QuestionVersion]:
    with app.app_context():
        return list(db.session.scalars(
            select(QuestionVersion).join(Question, Question.id == QuestionVersion.question_id)
            .join(QuestionBank, QuestionBank.id == Question.bank_id)
            .where(QuestionBank.slug == bank_slug, Question.key == key).order_by(QuestionVersion.number)))


def _create(client, bank_slug: str, data: dict[str, Any], action: str = "save"):  # type: ignore[no-untyped-def]
    payload = MultiDict(encode({**form_data(data), "action": action}))
    return client.post(f"/penyusunan/soal/bank/{bank_slug}/baru/{data['type']}", data=payload)


@pytest.mark.parametrize("qtype", list(SAMPLES))
def test_each_type_is_created_and_edited_through_its_form(app, client, people, bank, qtype) -> None:
    sample = SAMPLES[qtype]
    login(client, people["pelatih"])
    page = client.get(f"/penyusunan/soal/bank/{bank}/baru/{qtype}")
    assert page.status_code == 200
    # what is required is said once at the top (every field is, unless the question is saved as a draft)
    assert 'id="qa-required-note"' in page.get_data(as_text=True) and "kecuali soal disimpan sebagai draf" in \
        page.get_data(as_text=True)
    response = _create(client, bank, sample)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/penyusunan/soal/bank/{bank}/soal/{sample['id']}")
    versions = _versions(app, bank, sample["id"])
    assert len(versions) == 1
    # what the author typed, trimmed (a browser form has no "trailing newline" to keep)
    assert question_hash(versions[0].data) == question_hash(stripped(sample))
    assert versions[0].created_by_id == people["pelatih"].id

    # open the edit page and save without touching anything: no new version
    url = f"/penyusunan/soal/bank/{bank}/soal/{sample['id']}/ubah"
    form = read_form(client.get(url).get_data(as_text=True))
    form["action"] = "save"
    response = client.post(url, data=form)
    assert response.status_code == 302
    assert len(_versions(app, bank, sample["id"])) == 1
    assert "Tidak ada perubahan" in client.get(response.headers["Location"]).get_data(as_text=True)

    # change the title: version 2 becomes current, version 1 stays
    form = read_form(client.get(url).get_data(as_text=True))
    form["title"] = sample["title"] + " (revisi)"
    form["action"] = "save"
    assert client.post(url, data=form).status_code == 302
    versions = _versions(app, bank, sample["id"])
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].title.endswith("(revisi)")
    assert versions[0].data == versions[0].data and versions[0].title == sample["title"]
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.key == sample["id"]))
        assert question.current_version_id == versions[1].id
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "question_versions",
                                                                          AuditEvent.actor_id == people["pelatih"].id)
                                          .order_by(AuditEvent.id)))
    assert actions == ["quiz.question_create", "quiz.question_update"]


def test_every_shipped_question_survives_an_unchanged_save(app, client, people) -> None:
    """Open and save each question of the shipped bank: the form reproduces every one exactly."""
    with app.app_context():
        sync_quizzes(ROOT / "quizzes")
        db.session.commit()
        keys = list(db.session.scalars(select(Question.key).join(QuestionBank).where(QuestionBank.slug == "netralitas")))
        before = db.session.scalar(select(func.count()).select_from(QuestionVersion))
    assert len(keys) >= 40
    login(client, people["superadmin"])
    for key in keys:
        url = f"/penyusunan/soal/bank/netralitas/soal/{key}/ubah"
        form = read_form(client.get(url).get_data(as_text=True))
        form["action"] = "save"
        response = client.post(url, data=form)
        assert response.status_code == 302, (key, re.findall(r'field-error[^>]*>([^<]+)', response.get_data(as_text=True)))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuestionVersion)) == before


def test_keep_unchanged_keeps_what_the_form_cannot_tell_apart() -> None:
    base = {"points": 1, "election_types": ["pilkada", "pemilu"], "stem": "Teks\n", "weight": 50.0,
            "draft": False, "options": [{"id": "a", "correct": False}]}
    new = {"election_types": ["pemilu", "pilkada"], "stem": "Teks", "weight": 50, "options": [{"id": "a"}]}
    assert keep_unchanged(base, new) == base
    # a real change wins
    assert keep_unchanged(base, {**new, "weight": 40})["weight"] == 40
    assert keep_unchanged(base, {**new, "election_types": ["pemilu"]})["election_types"] == ["pemilu"]


def test_preview_shows_the_learner_view_and_saves_nothing(app, client, people, bank) -> None:
    login(client, people["pelatih"])
    response = _create(client, bank, SAMPLES["social_feed"], action="preview")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="pratinjau"' in page
    assert "Ayo dukung nomor 2!" in page and "@majubersama" in page
    assert "Umpan balik like." in page and "pelanggaran" in page
    assert _versions(app, bank, "feed-tim") == []


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_preview_and_question_page_make_scripts_inert(app, client, people, bank) -> None:
    login(client, people["pelatih"])
    feed = copy.deepcopy(SAMPLES["social_feed"])
    feed["stem"] = "Situasi " + XSS + " [tautan](javascript:alert(1))"
    feed["post"]["text"] = "Pos " + XSS
    feed["post"]["author"] = "Tim <b onmouseover=alert(1)>"
    feed["actions"]["like"]["feedback"] = "Umpan " + XSS
    feed["feedback"] = "<iframe src=https://evil.example></iframe> umum"
    single = copy.deepcopy(SAMPLES["single_choice"])
    single["options"][0]["text"] = "Opsi " + XSS
    single["options"][1]["feedback"] = "[klik](javascript:alert(2))"
    shown = {}
    for data in (feed, single):
        shown[data["type"]] = pages = [_create(client, bank, data, action="preview").get_data(as_text=True)]
        assert _create(client, bank, data).status_code == 302
        pages.append(client.get(f"/penyusunan/soal/bank/{bank}/soal/{data['id']}").get_data(as_text=True))
        for page in pages:
            body = page.split('<main', 1)[1]
            assert "<script>alert" not in body
            assert "onerror=" not in body.replace("onerror=alert(1)&gt;", "")
            assert "<img" not in body
            assert "<iframe" not in body
            assert 'href="javascript:' not in body
            assert "<b onmouseover" not in body
    # the plain-text post shows the attempt as text, in the preview and on the question page
    for page in shown["social_feed"]:
        assert "Pos &lt;script&gt;" in page and "Tim &lt;b onmouseover" in page


def test_validator_problems_show_next_to_their_fields_translated(app, client, people, bank) -> None:
    login(client, people["pelatih"])
    single = copy.deepcopy(SAMPLES["single_choice"])
    single["options"][2]["feedback"] = ""
    page = _create(client, bank, single).get_data(as_text=True)
    assert 'id="options-2-feedback-error"' in page
    single["options"][2]["feedback"] = "Keliru."
    single["options"][0]["correct"] = False
    page = _create(client, bank, single).get_data(as_text=True)
    assert "Tandai tepat satu pilihan sebagai jawaban benar (sekarang 0)." in page
    feed = copy.deepcopy(SAMPLES["social_feed"])
    feed["post"]["handle"] = "maju bersama"
    page = _create(client, bank, feed).get_data(as_text=True)
    assert 'id="post-handle-error"' in page and "Nama pengguna diawali @" in page
    # the summary at the top links to the field
    assert '<a href="#post-handle">Nama pengguna (diawali @)</a>: Nama pengguna diawali @, tanpa spasi.' in page
    feed["post"]["handle"] = "@maju"
    feed["actions"]["share"]["allowed"] = True
    page = _create(client, bank, feed).get_data(as_text=True)
    assert 'id="actions-share-allowed-error"' in page and "jangan tandai" in page
    branching = copy.deepcopy(SAMPLES["branching"])
    branching["nodes"][1]["choices"][1]["next"] = "pesan"  # a loop back to the start
    page = _create(client, bank, branching).get_data(as_text=True)
    assert "Skenario berputar" in page
    missing = {**SAMPLES["true_false"], "rule_refs": [], "sanctions": []}
    page = _create(client, bank, missing).get_data(as_text=True)
    assert 'id="rule_refs-error"' in page and 'id="sanctions-error"' in page
    for qtype in SAMPLES:
        assert _versions(app, bank, SAMPLES[qtype]["id"]) == []
    # in English the same problems read in English
    client.post("/bahasa", data={"lang": "en"})
    page = _create(client, bank, single).get_data(as_text=True)
    assert "Mark exactly one option as the right answer (now 0)." in page


def test_a_feed_action_weight_goes_through_the_form(app, client, people, bank) -> None:
    """Partial credit for an allowed action that is not the best (ignoring a KPU notice one was asked to
    pass on): typed in the form, shown in the preview, stored, refused on a violation."""
    login(client, people["pelatih"])
    feed = copy.deepcopy(SAMPLES["social_feed"])
    feed.update(id="feed-kpu", sanctions=["tidak_melanggar"])
    feed["post"].update(author="KPU Kabupaten Contoh", handle="@kpu.kabcontoh", author_kind="kpu",
                        text="Cek nama Anda di daftar pemilih.")
    for key in ("like", "comment", "share", "follow"):
        feed["actions"][key]["allowed"] = True
    feed["actions"]["ignore"]["weight"] = 25
    page = _create(client, bank, feed, action="preview").get_data(as_text=True)
    assert "boleh, nilai 25 persen" in page
    assert _create(client, bank, feed).status_code == 302
    (version,) = _versions(app, bank, "feed-kpu")
    assert version.data["actions"]["ignore"] == {"allowed": True, "weight": 25, "feedback": "Umpan balik ignore."}
    assert "weight" not in version.data["actions"]["share"]
    feed.update(id="feed-kpu-2")
    feed["actions"]["comment"] = {"allowed": False, "weight": 50, "feedback": "Umpan balik comment."}
    page = _create(client, bank, feed).get_data(as_text=True)
    assert 'id="actions-comment-weight-error"' in page
    assert "Tindakan yang melanggar tidak diberi nilai; kosongkan nilai sebagiannya." in page
    assert _versions(app, bank, "feed-kpu-2") == []


def test_untranslatable_problems_get_a_translated_lead_in() -> None:
    assert translate_problem(Problem("sources item 1 must have exactly 'title' and 'url'")).startswith(
        "Pemeriksaan isi: sources item 1")
    assert translate_problem(Problem("options item 2: feedback must be non-empty text")) == "Wajib diisi."


def test_a_new_key_must_be_free_and_a_slug(app, client, people, bank) -> None:
    login(client, people["pelatih"])
    assert _create(client, bank, SAMPLES["true_false"]).status_code == 302
    page = _create(client, bank, SAMPLES["true_false"]).get_data(as_text=True)
    assert "Kode soal ini sudah dipakai di bank ini." in page
    page = _create(client, bank, {**SAMPLES["true_false"], "id": "Bukan Slug"}).get_data(as_text=True)
    assert 'id="key-error"' in page


def test_drafts_may_be_incomplete(app, client, people, bank) -> None:
    login(client, people["pelatih"])
    draft = {"id": "draf-impor", "type": "true_false", "title": "Dari Moodle", "stem": "Pernyataan.",
             "answer": True, "draft": True}
    assert _create(client, bank, draft).status_code == 302
    version = _versions(app, bank, "draf-impor")[0]
    assert version.draft and question_hash(version.data) == question_hash(stripped(draft))


def test_rows_are_added_and_removed_without_javascript(app, client, people, bank) -> None:
    login(client, people["pelatih"])
    url = f"/penyusunan/soal/bank/{bank}/baru/branching"
    form = read_form(client.get(url).get_data(as_text=True))
    assert "nodes-0-choices-1-text" in form and "nodes-1-id" not in form
    form["action"] = "add:nodes"
    page = client.post(url, data=form).get_data(as_text=True)
    form = read_form(page)
    assert "nodes-1-id" in form
    assert 'name="nodes-1-id" type="text" value=""' in page or re.search(r'autofocus[^>]*name="nodes-1-id"|name="nodes-1-id"[^>]*autofocus', page)
    form["action"] = "add:choices:0"
    form = read_form(client.post(url, data=form).get_data(as_text=True))
    assert "nodes-0-choices-2-text" in form
    form["action"] = "remove:choices:0:2"
    form = read_form(client.post(url, data=form).get_data(as_text=True))
    assert "nodes-0-choices-2-text" not in form
    form["action"] = "remove:nodes:1"
    form = read_form(client.post(url, data=form).get_data(as_text=True))
    assert "nodes-1-id" not in form
    url = f"/penyusunan/soal/bank/{bank}/baru/single_choice"
    form = read_form(client.get(url).get_data(as_text=True))
    form["action"] = "add:options"
    form = read_form(client.post(url, data=form).get_data(as_text=True))
    assert "options-3-text" in form
    assert _versions(app, bank, "") == []


def test_branching_next_lists_follow_the_situations(app, client, people, bank) -> None:
    login(client, people["pelatih"])
    page = _create(client, bank, SAMPLES["branching"], action="preview").get_data(as_text=True)
    nxt = re.search(r'<select id="nodes-0-choices-0-next"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert 'selected value="di-acara"' in nxt and 'value="pesan"' not in nxt


def test_a_save_over_someone_elses_newer_version_is_refused(app, client, people, bank) -> None:
    login(client, people["pelatih"])
    _create(client, bank, SAMPLES["true_false"])
    url = f"/penyusunan/soal/bank/{bank}/soal/bs-like/ubah"
    form = read_form(client.get(url).get_data(as_text=True))
    with app.app_context():
        upsert_question(db.session.scalar(select(QuestionBank).where(QuestionBank.slug == bank)),
                        {**SAMPLES["true_false"], "title": "Diubah orang lain"})
        db.session.commit()
    form["stem"] = "Ubahan saya."
    form["action"] = "save"
    page = client.post(url, data=form).get_data(as_text=True)
    assert "sudah disimpan orang lain (versi 2)" in page
    assert len(_versions(app, bank, "bs-like")) == 2


def test_retire_and_restore(app, client, people, bank) -> None:
    login(client, people["pelatih"])
    _create(client, bank, SAMPLES["single_choice"])
    base = f"/penyusunan/soal/bank/{bank}/soal/pilihan-grup-wa"
    assert client.post(base + "/tarik").status_code == 302
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.key == "pilihan-grup-wa"))
        assert question.retired
        assert "pilihan-grup-wa" not in bank_pool(question.bank_id)[0]
        bank_id = question.bank_id
    listing = client.get(f"/penyusunan/soal/bank/{bank}?status=ditarik").get_data(as_text=True)
    assert "Poster di grup WhatsApp" in listing
    assert "Poster di grup WhatsApp" not in client.get(f"/penyusunan/soal/bank/{bank}?status=aktif").get_data(as_text=True)
    assert client.post(base + "/pulihkan").status_code == 302
    with app.app_context():
        assert "pilihan-grup-wa" in bank_pool(bank_id)[0]
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "questions")))
    assert actions == ["quiz.question_retire", "quiz.question_restore"]


def test_bank_list_filters_and_counts(app, client, people, bank) -> None:
    login(client, people["pelatih"])
    for sample in SAMPLES.values():
        assert _create(client, bank, sample).status_code == 302
    page = client.get(f"/penyusunan/soal/bank/{bank}").get_data(as_text=True)
    assert "Aktif: 5 · draf: 0 · ditarik: 0" in page
    page = client.get(f"/penyusunan/soal/bank/{bank}?jenis=branching").get_data(as_text=True)
    assert "Pesan suara Sekda" in page and "Unggahan tim pemenangan" not in page
    with app.app_context():
        db.session.add(Tag(slug="khusus", label="Khusus"))
        db.session.commit()
    page = client.get(f"/penyusunan/soal/bank/{bank}?tag=kampanye").get_data(as_text=True)
    assert "dari 5 soal" in page


def test_bank_creation_and_the_shipped_bank_is_read_only_for_trainers(app, client, people) -> None:
    with app.app_context():
        get_or_create_bank("bawaan", "Bank bawaan")
        db.session.commit()
    login(client, people["pelatih"])
    response = client.post("/penyusunan/soal/baru", data={"slug": "bank-baru", "title": "Bank baru",
                                                          "description": "Untuk guru."})
    assert response.status_code == 302
    with app.app_context():
        bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == "bank-baru"))
        assert bank.instansi_id == people["instansi_a"] and bank.description == "Untuk guru."
    page = client.post("/penyusunan/soal/baru", data={"slug": "bank-baru", "title": "Lagi"}).get_data(as_text=True)
    assert "Kode bank-baru tidak tersedia." in page
    assert client.post("/penyusunan/soal/baru", data={"slug": "tag", "title": "X"}).status_code == 200
    assert client.get("/penyusunan/soal/bank/bawaan").status_code == 200
    assert client.get("/penyusunan/soal/bank/bawaan/baru/true_false").status_code == 403
    client.post("/keluar")
    login(client, people["pelatih_b"])
    assert client.get("/penyusunan/soal/bank/bank-baru").status_code == 404


# --- tags --------------------------------------------------------------------------------------


def test_tags_create_rename_and_list_counts(app, client, people, bank) -> None:
    login(client, people["pelatih"])
    _create(client, bank, SAMPLES["single_choice"])
    assert client.post("/penyusunan/soal/tag/", data={"slug": "guru", "label": "Guru"}).status_code == 302
    page = client.post("/penyusunan/soal/tag/", data={"slug": "guru", "label": "Lagi"}).get_data(as_text=True)
    assert "Kode guru tidak tersedia." in page
    assert client.post("/penyusunan/soal/tag/kampanye", data={"label": "Kampanye pemilihan"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Tag.label).where(Tag.slug == "kampanye")) == "Kampanye pemilihan"
    assert len(_versions(app, bank, "pilihan-grup-wa")) == 1  # a rename changes no question
    page = client.get("/penyusunan/soal/tag/").get_data(as_text=True)
    assert "Kampanye pemilihan" in page and "Guru" in page


def test_merging_a_tag_makes_new_versions_in_own_banks_only(app, client, people, bank) -> None:
    with app.app_context():
        shipped = get_or_create_bank("bawaan", "Bank bawaan")
        upsert_question(shipped, {**SAMPLES["true_false"], "id": "bawaan-bs"})
        db.session.commit()
    login(client, people["pelatih"])
    _create(client, bank, SAMPLES["single_choice"])  # tags: media-sosial, kampanye
    _create(client, bank, {**SAMPLES["true_false"], "tags": ["kampanye"]})
    with app.app_context():
        quiz = Quiz(slug="kuis-guru", bank_id=db.session.scalar(select(QuestionBank.id).where(QuestionBank.slug == bank)),
                    instansi_id=people["instansi_a"], title="Kuis guru", pass_mark=70, status=QuizStatus.DRAFT,
                    draw=[{"count": 1, "tags": ["media-sosial"]}, {"count": 1}])
        db.session.add(quiz)
        db.session.commit()
    # the shipped tag can't be renamed by a trainer (another bank uses it) but can be merged in own banks
    assert client.post("/penyusunan/soal/tag/media-sosial", data={"label": "Medsos"}).status_code == 403
    client.post("/penyusunan/soal/tag/", data={"slug": "medsos", "label": "Medsos"})
    response = client.post("/penyusunan/soal/tag/media-sosial/gabung", data={"target": "medsos"})
    assert response.status_code == 302
    versions = _versions(app, bank, "pilihan-grup-wa")
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].tags == ["medsos", "kampanye"] and versions[0].tags == ["media-sosial", "kampanye"]
    assert len(_versions(app, bank, "bs-like")) == 1  # it never had the tag
    assert len(_versions(app, "bawaan", "bawaan-bs")) == 1
    with app.app_context():
        assert db.session.get(Quiz, quiz.id).draw == [{"count": 1, "tags": ["medsos"]}, {"count": 1}]
        source = db.session.scalar(select(Tag).where(Tag.slug == "media-sosial"))
        assert source is not None  # the shipped bank still uses it
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "quiz.tag_merge"))
        assert event.details == {"tag": "media-sosial", "into": "medsos", "questions": 1, "quizzes": 1,
                                 "remaining": 1}
    # merging a tag used only in own banks removes it
    assert client.post("/penyusunan/soal/tag/kampanye/gabung", data={"target": "medsos"}).status_code == 302
    with app.app_context():
        # kampanye is also on the shipped question, so it stays
        assert db.session.scalar(select(Tag.id).where(Tag.slug == "kampanye")) is not None
    client.post("/penyusunan/soal/tag/", data={"slug": "sementara", "label": "Sementara"})
    _create(client, bank, {**SAMPLES["multiple_response"], "tags": ["sementara"]})
    assert client.post("/penyusunan/soal/tag/sementara/gabung", data={"target": "medsos"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Tag.id).where(Tag.slug == "sementara")) is None
        assert db.session.scalar(select(func.count()).select_from(QuestionTag).join(Tag).where(Tag.slug == "medsos")) == 3


def test_tags_of_another_instansi_are_hidden(app, client, people) -> None:
    with app.app_context():
        other = QuestionBank(slug="bank-b", title="B", description="", instansi_id=people["instansi_b"])
        db.session.add(other)
        db.session.flush()
        upsert_question(other, {**SAMPLES["true_false"], "tags": ["rahasia-b"]})
        db.session.commit()
    login(client, people["pelatih"])
    assert client.get("/penyusunan/soal/tag/rahasia-b").status_code == 404
    assert "rahasia-b" not in client.get("/penyusunan/soal/tag/").get_data(as_text=True)


# --- quizzes -----------------------------------------------------------------------------------


def _filled_bank(client, bank_slug: str) -> None:
    for sample in SAMPLES.values():
        assert _create(client, bank_slug, sample).status_code == 302


QUIZ = {"slug": "kuis-guru", "banks": "bank-guru", "title": "Kuis guru", "description": "", "pass_mark": "70",
        "attempt_limit": "3", "time_limit_minutes": "", "shuffle_questions": "y", "shuffle_options": "y",
        "draw-0-count": "2", "draw-0-kind": "tags", "draw-0-values": "media-sosial",
        "draw-1-count": "2", "draw-1-kind": "rest", "draw-1-values": "", "action": "save"}


def test_quiz_is_built_validated_published_and_previewed(app, client, people, bank) -> None:
    login(client, people["pelatih"])
    _filled_bank(client, bank)
    # 5 questions: 2 by tag then 4 from the rest is impossible
    page = client.post("/penyusunan/kuis/baru", data={**QUIZ, "draw-1-count": "4"}).get_data(as_text=True)
    assert "Perlu 4 soal, hanya 5 yang cocok dan 2 di antaranya mungkin sudah diambil aturan di atas." in page
    page = client.post("/penyusunan/kuis/baru", data={**QUIZ, "draw-0-values": "tidak-ada"}).get_data(as_text=True)
    assert "Tidak ada soal di bank ini dengan tag \u201ctidak-ada\u201d." in page
    response = client.post("/penyusunan/kuis/baru", data=QUIZ)
    assert response.status_code == 302
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "kuis-guru"))
        assert quiz.status == QuizStatus.DRAFT and quiz.instansi_id == people["instansi_a"]
        assert quiz.draw == [{"count": 2, "tags": ["media-sosial"]}, {"count": 2}]
        assert quiz.attempt_limit == 3 and quiz.time_limit_minutes is None
    assert client.post("/penyusunan/kuis/kuis-guru/terbitkan").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Quiz.status).where(Quiz.slug == "kuis-guru")) == QuizStatus.PUBLISHED
    page = client.get("/penyusunan/kuis/kuis-guru/pratinjau").get_data(as_text=True)
    assert page.count("Soal 1 dari 4") == 1 and "Soal 4 dari 4" in page
    assert page.count('<details class="qa-fold">') == 4  # each question folded: the page stays short on a phone
    # edit: an unchanged save changes nothing; a row added without JavaScript
    url = "/penyusunan/kuis/kuis-guru/ubah"
    form = read_form(client.get(url).get_data(as_text=True))
    form["action"] = "add:draw"
    form = read_form(client.post(url, data=form).get_data(as_text=True))
    assert "draw-2-count" in form
    form["action"] = "save"
    assert client.post(url, data=form).status_code == 302
    # retiring questions makes the draw impossible: publishing again is refused with the reason shown
    assert client.post("/penyusunan/kuis/kuis-guru/jadikan-draf").status_code == 302
    for key in ("feed-tim", "cabang-sekda"):
        client.post(f"/penyusunan/soal/bank/{bank}/soal/{key}/tarik")
    page = client.get("/penyusunan/kuis/kuis-guru").get_data(as_text=True)
    assert "tidak dapat dipenuhi" in page
    response = client.post("/penyusunan/kuis/kuis-guru/terbitkan", follow_redirects=True)
    assert "belum dapat diterbitkan" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Quiz.status).where(Quiz.slug == "kuis-guru")) == QuizStatus.DRAFT
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "quizzes")
                                          .order_by(AuditEvent.id)))
    assert actions == ["quiz.create", "quiz.publish", "quiz.unpublish"]


def test_a_trainer_builds_a_quiz_on_the_shipped_bank_but_cannot_edit_shipped_quizzes(app, client, people) -> None:
    with app.app_context():
        sync_quizzes(ROOT / "quizzes")
        db.session.commit()
    login(client, people["pelatih"])
    response = client.post("/penyusunan/kuis/baru", data={**QUIZ, "slug": "kuis-netral", "banks": "netralitas",
                                                           "draw-0-values": "media-sosial"})
    assert response.status_code == 302
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "kuis-netral"))
        assert quiz.instansi_id == people["instansi_a"] and quiz.bank.slug == "netralitas"
    assert client.get("/penyusunan/kuis/netralitas-dasar").status_code == 200
    assert client.get("/penyusunan/kuis/netralitas-dasar/ubah").status_code == 403
    assert client.post("/penyusunan/kuis/netralitas-dasar/jadikan-draf").status_code == 403
    client.post("/keluar")
    login(client, people["pelatih_b"])
    assert client.get("/penyusunan/kuis/kuis-netral").status_code == 404
    assert "kuis-netral" not in client.get("/penyusunan/kuis/").get_data(as_text=True)


def test_the_quiz_form_sets_the_audience(app, client, people, bank) -> None:
    """Issue 16: a quiz for leaders only is set in the form (and refused when the value is unknown)."""
    login(client, people["pelatih"])
    _filled_bank(client, bank)
    page = client.post("/penyusunan/kuis/baru", data={**QUIZ, "audience": "guru"}).get_data(as_text=True)
    assert 'name="audience"' in page and "Pimpinan saja" in page
    with app.app_context():
        assert db.session.scalar(select(Quiz).where(Quiz.slug == "kuis-guru")) is None
    assert client.post("/penyusunan/kuis/baru", data={**QUIZ, "audience": "pimpinan"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Quiz.audience).where(Quiz.slug == "kuis-guru")) == "pimpinan"
    page = client.get("/penyusunan/kuis/kuis-guru").get_data(as_text=True)
    assert "Pimpinan saja" in page
    url = "/penyusunan/kuis/kuis-guru/ubah"
    form = read_form(client.get(url).get_data(as_text=True))
    assert form["audience"] == "pimpinan"
    form["audience"], form["action"] = "", "save"
    assert client.post(url, data=form).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Quiz.audience).where(Quiz.slug == "kuis-guru")) is None
