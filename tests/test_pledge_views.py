"""The signing pages: the text with the signer's data, signing drawn and typed through the view,
the password re-check (wrong ones count toward the lock-out, nothing saved), bad signature
payloads, double submits, a text that changed between showing and signing, the receipt, the PDF,
the public verification page (minimal data; 'invalid' for a tampered record), CSRF and the
per-IP limits."""
from __future__ import annotations

import base64
import datetime as dt
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from elearn.accounts.models import Role, User
from elearn.auth.services import PASSWORD_PROOF_KEY
from elearn.db import db, utcnow
from elearn.org.models import Unit
from elearn.pledges import services
from elearn.pledges.models import Campaign, PledgeSignature

from pledge_support import make_campaign, sign_as, signature_png, triggers_off
from support import TEST_PASSWORD

NAME = "Dr. Ahmad Fauzi, S.Pd."


@pytest.fixture
def world(app: Flask, make_instansi, make_unit: Callable[..., Unit], make_user: Callable[..., User]) -> dict[str, Any]:
    """A WITA instansi with a dinas and a school below it, a teacher, and an open campaign."""
    instansi = make_instansi(timezone="WITA")
    dinas = make_unit("Dinas Pendidikan", instansi=instansi)
    school = make_unit("SD Negeri 7", parent=dinas)
    user = make_user(Role.PESERTA, school, name=NAME, golongan="III/b", jabatan="Guru Ahli Pertama")
    with app.app_context():
        campaign = make_campaign(instansi.id)
        db.session.commit()
        return {"user": user, "campaign_id": campaign.id, "instansi": instansi, "dinas": dinas, "school": school}


def sign_url(world: dict[str, Any]) -> str:
    return f"/pakta/{world['campaign_id']}/tandatangani"


def text_hash_of(html: str) -> str:
    match = re.search(r'name="text_hash"[^>]*value="([0-9a-f]{64})"', html)
    assert match, "no text_hash field on the page"
    return match.group(1)


def form_data(client: FlaskClient, world: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """What the signing page posts (typed name unless told otherwise), with the shown text's hash."""
    page = client.get(sign_url(world))
    assert page.status_code == 200
    data = {"method": "typed", "typed_name": "ahmad fauzi", "password": TEST_PASSWORD, "consent": "y",
            "text_hash": text_hash_of(page.get_data(as_text=True))}
    data.update(overrides)
    return data


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def signatures(app: Flask, user_id: int | None = None) -> list[PledgeSignature]:
    with app.app_context():
        stmt = select(PledgeSignature)
        if user_id is not None:
            stmt = stmt.where(PledgeSignature.user_id == user_id)
        rows = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return rows


def page_text(response: Any) -> str:
    return response.get_data(as_text=True)


# --- the signing page --------------------------------------------------------------------------


def test_sign_page_shows_the_whole_text_with_my_data(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    html = page_text(client.get(sign_url(world)))
    for expected in (NAME, user.employee_number, "Penata Muda Tingkat I (III/b)",
                     "Guru Ahli Pertama", "SD Negeri 7", "Dinas Pendidikan", world["instansi"].name, "Kota Uji",
                     "Bersikap netral sebelum, selama, dan sesudah pemungutan suara"):
        assert expected in html, expected
    with app.app_context():
        today = services.local_date(db.session.get(Campaign, world["campaign_id"]).instansi)
    assert services.long_date(today) in html
    # the drawing pad is there for JavaScript; the typed name works without it
    assert re.search(r"signature_pad\.umd\.min\.[0-9a-f]{10}\.js", html) and re.search(r"pledge-sign\.[0-9a-f]{10}\.js", html)
    assert 'name="method" value="typed" checked' in html
    # just signed in: the password is not asked again (recent authentication)
    assert "tidak perlu mengetiknya lagi" in html and 'name="password"' not in html


def test_sign_typed_through_the_view(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    response = client.post(sign_url(world), data=form_data(client, world, typed_name="  Ahmad   FAUZI "),
                           headers={"User-Agent": "PonselUji/1.0"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/pakta/{world['campaign_id']}/bukti")
    [row] = signatures(app, user.id)
    assert row.method == "typed" and row.typed_name == "Ahmad FAUZI" and row.signature_png is None
    assert row.ip == "127.0.0.1" and row.user_agent == "PonselUji/1.0"
    assert row.unit_id == world["school"].id and row.skpd_id == world["dinas"].id
    assert NAME in row.rendered_text and row.seq == 1

    receipt = page_text(client.get(response.headers["Location"]))
    assert "sudah ditandatangani" in receipt
    assert row.verify_code in receipt
    assert "WITA" in receipt  # the instansi's zone
    assert f"/pakta/{world['campaign_id']}/dokumen.pdf" in receipt
    assert f"/verifikasi/pakta/{row.verify_code}" in receipt
    # signing again: straight to the receipt
    again = client.get(sign_url(world))
    assert again.status_code == 302 and again.headers["Location"].endswith("/bukti")


def test_sign_drawn_through_the_view(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    png = signature_png()
    response = client.post(sign_url(world), data=form_data(client, world, method="drawn", typed_name="",
                                                              signature_data=data_url(png)))
    assert response.status_code == 302
    [row] = signatures(app, user.id)
    assert row.method == "drawn" and row.signature_png == png and row.typed_name is None
    receipt = page_text(client.get(response.headers["Location"]))
    assert base64.b64encode(png).decode() in receipt  # the drawing is shown back to its signer


def test_wrong_password_is_refused_nothing_saved_and_counted(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    max_failures = app.config["LOGIN_MAX_FAILURES"]
    for attempt in range(1, max_failures):
        response = client.post(sign_url(world), data=form_data(client, world, password="salah-sandi"))
        assert response.status_code == 200
        html = page_text(response)
        assert "Kata sandi salah" in html
        assert 'value="ahmad fauzi"' in html  # the typed name is kept
        assert 'id="password-error"' in html
        with app.app_context():
            assert db.session.get(User, user.id).failed_logins == attempt
    assert signatures(app, user.id) == []
    # the last failure locks the account: refused even with the right password
    locked = client.post(sign_url(world), data=form_data(client, world, password="salah-sandi"))
    assert locked.status_code == 429 and "dikunci sementara" in page_text(locked)
    still = client.post(sign_url(world), data=form_data(client, world))
    assert still.status_code == 429
    assert signatures(app, user.id) == []
    with app.app_context():
        assert db.session.get(User, user.id).locked_until is not None


def test_right_password_clears_earlier_failures(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    client.post(sign_url(world), data=form_data(client, world, password="salah-sandi"))
    # a refused drawing after the right password: the failures are still cleared
    response = client.post(sign_url(world), data=form_data(client, world, method="drawn",
                                                              signature_data="data:image/png;base64,xx"))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, user.id).failed_logins == 0


def _big_png() -> bytes:
    return signature_png(1800, 900, ink=True, background=None)


@pytest.mark.parametrize("payload, message", [
    ("", "Gambar tanda tangan tidak terbaca"),
    ("data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ==", "Gambar tanda tangan tidak terbaca"),
    ("data:image/png;base64,@@@@", "Gambar tanda tangan tidak terbaca"),
    ("data:image/png;base64,iVBORw0KGgo", "Gambar tanda tangan tidak terbaca"),  # bad padding
    ("data:image/png;base64," + base64.b64encode(b"GIF89a not a png at all").decode(),
     "Gambar tanda tangan tidak terbaca"),
    ("data:image/png;base64," + base64.b64encode(signature_png()[:-30]).decode(), "Gambar tanda tangan tidak terbaca"),
    ("data:image/png;base64," + "A" * 400_000, "terlalu besar"),
    ("data:image/png;base64," + base64.b64encode(signature_png(ink=False)).decode(), "Tanda tangan kosong"),
    ("data:image/png;base64," + base64.b64encode(signature_png(60, 30)).decode(), "tidak diterima"),
])
def test_bad_signature_payloads_are_refused_with_a_message(app: Flask, client, login_as, world, payload: str,
                                                            message: str) -> None:
    user = world["user"]
    login_as(user)
    strokes = '[{"points":[{"x":10,"y":20,"time":1,"pressure":0.5}]}]'
    response = client.post(sign_url(world), data=form_data(client, world, method="drawn", signature_data=payload,
                                                              signature_strokes=strokes))
    assert response.status_code == 200
    html = page_text(response)
    assert message in html
    assert 'id="pad-error"' in html and 'role="alert">' in html
    assert 'name="method" value="drawn" checked' in html  # still the drawing, restored from its strokes
    assert "&#34;points&#34;" in html or "&quot;points&quot;" in html
    assert signatures(app, user.id) == []


def test_oversized_png_is_refused(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    png = _big_png() + b"\0" * (services.MAX_PNG_BYTES + 1)
    response = client.post(sign_url(world), data=form_data(client, world, method="drawn", signature_data=data_url(png)))
    assert response.status_code == 200
    assert "terlalu besar" in page_text(response)
    assert signatures(app, user.id) == []


def test_typed_name_that_is_not_mine_is_refused_and_kept(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    response = client.post(sign_url(world), data=form_data(client, world, typed_name="Budi Santoso"))
    html = page_text(response)
    assert "Nama yang diketik tidak sama" in html
    assert 'value="Budi Santoso"' in html and 'id="typed_name-error"' in html
    assert signatures(app, user.id) == []


def test_consent_and_password_are_required(app: Flask, client, login_as, world, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PLEDGE_REAUTH_SECONDS", 0)
    user = world["user"]
    login_as(user)
    data = form_data(client, world)
    del data["consent"]
    response = client.post(sign_url(world), data={**data, "password": ""})
    html = page_text(response)
    assert "Centang pernyataan ini" in html and "Ketik kata sandi Anda" in html
    assert signatures(app, user.id) == []
    with app.app_context():
        assert db.session.get(User, user.id).failed_logins == 0  # no password given: nothing counted


def test_double_submit_makes_one_record_and_says_so(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    data = form_data(client, world)
    first = client.post(sign_url(world), data=data)
    second = client.post(sign_url(world), data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"].endswith("/bukti")
    receipt = page_text(client.get(second.headers["Location"]))
    assert "Anda sudah menandatangani pakta integritas kampanye ini." in receipt
    assert len(signatures(app, user.id)) == 1


def test_a_signature_that_lands_between_showing_and_posting(app: Flask, client, login_as, world) -> None:
    """The other tab won: the service answers already_signed, the view says so."""
    user = world["user"]
    login_as(user)
    data = form_data(client, world)
    with app.app_context():
        sign_as(db.session.get(Campaign, world["campaign_id"]), db.session.get(User, user.id))
        db.session.commit()
    response = client.post(sign_url(world), data=data, follow_redirects=True)
    assert "Anda sudah menandatangani pakta integritas kampanye ini." in page_text(response)
    assert len(signatures(app, user.id)) == 1


def test_text_changed_between_showing_and_signing_is_refused(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    data = form_data(client, world)
    with app.app_context():
        db.session.get(User, user.id).jabatan = "Guru Ahli Muda"
        db.session.commit()
    response = client.post(sign_url(world), data=data)
    assert response.status_code == 200
    html = page_text(response)
    assert "Teks pakta berubah" in html
    assert "Guru Ahli Muda" in html  # the new text is shown, with its own hash
    assert text_hash_of(html) != data["text_hash"]
    assert signatures(app, user.id) == []
    assert client.post(sign_url(world), data={**data, "text_hash": text_hash_of(html)}).status_code == 302


def test_closed_and_upcoming_campaigns_show_the_text_without_the_form(app: Flask, client, login_as, world) -> None:
    import datetime as dt

    user = world["user"]
    login_as(user)
    today = dt.date.today()
    with app.app_context():
        closed = make_campaign(user.instansi_id, opens_on=today - dt.timedelta(days=30),
                               closes_on=today - dt.timedelta(days=5))
        upcoming = make_campaign(user.instansi_id, opens_on=today + dt.timedelta(days=5),
                                 closes_on=today + dt.timedelta(days=30))
        db.session.commit()
        closed_id, upcoming_id = closed.id, upcoming.id
    html = page_text(client.get(f"/pakta/{closed_id}/tandatangani"))
    assert "sudah ditutup" in html and "<form method=\"post\" action=\"/pakta/" not in html
    assert "baru dibuka" in page_text(client.get(f"/pakta/{upcoming_id}/tandatangani"))
    data = form_data(client, world)
    refused = client.post(f"/pakta/{closed_id}/tandatangani", data=data)
    assert "sudah ditutup" in page_text(refused)
    assert signatures(app, user.id) == []
    listing = page_text(client.get("/pakta/"))
    assert "Ditutup" in listing and "Belum dibuka" in listing and "Baca dan tanda tangani" in listing


def test_my_campaigns_and_the_home_box(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    home = page_text(client.get("/"))
    assert "Pakta integritas" in home and f"/pakta/{world['campaign_id']}/tandatangani" in home
    client.post(sign_url(world), data=form_data(client, world))
    listing = page_text(client.get("/pakta/"))
    assert "Sudah ditandatangani" in listing and f"/pakta/{world['campaign_id']}/dokumen.pdf" in listing
    assert f"/pakta/{world['campaign_id']}/tandatangani" not in page_text(client.get("/"))


def test_csrf_is_enforced(app: Flask, client, login_as, world, request) -> None:
    user = world["user"]
    login_as(user)
    request.getfixturevalue("csrf_enabled")  # after signing in (the test login posts without a token)
    page = page_text(client.get(sign_url(world)))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    data = {"method": "typed", "typed_name": "Ahmad Fauzi", "password": TEST_PASSWORD, "consent": "y",
            "text_hash": text_hash_of(page)}
    assert client.post(sign_url(world), data=data).status_code == 400
    assert signatures(app, user.id) == []
    assert client.post(sign_url(world), data={**data, "csrf_token": token.group(1)}).status_code == 302
    assert len(signatures(app, user.id)) == 1


def test_only_refused_passwords_count_against_the_ip(app: Flask, client, login_as, world, make_user,
                                                     rate_limited) -> None:
    """A whole apel signs from one office network: successful signings never hit the per-IP limit."""
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"  # (sign-in has its own counter with the same limit)
    try:
        for colleague in [make_user(Role.PESERTA, world["school"], name=f"Rekan Guru {i}") for i in range(2)]:
            login_as(colleague)
            data = form_data(client, world, typed_name=colleague.name)
            assert client.post(sign_url(world), data=data).status_code == 302
            assert client.post(sign_url(world), data=data).status_code == 302  # a double submit: not counted
            client.post("/keluar")
        login_as(world["user"])
        for _ in range(3):
            assert client.post(sign_url(world), data=form_data(client, world, password="salah")).status_code == 200
        assert client.post(sign_url(world), data=form_data(client, world)).status_code == 429
        assert len(signatures(app)) == 2
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "100 per minute;1000 per hour"


# --- recent authentication: the password typed a few minutes ago is not asked again ---------------


def proof_age(client: FlaskClient, seconds: int, user_id: int | None = None) -> None:
    """Make the session's password proof ``seconds`` old (and, given, another account's)."""
    with client.session_transaction() as session:
        proved_user, at = session[PASSWORD_PROOF_KEY]
        session[PASSWORD_PROOF_KEY] = [user_id or proved_user, int(time.time()) - seconds]


def test_signing_right_after_sign_in_needs_no_password(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    proof_age(client, app.config["PLEDGE_REAUTH_SECONDS"] - 30)  # still inside the window
    page = page_text(client.get(sign_url(world)))
    assert 'id="password-proved"' in page and 'name="password"' not in page
    data = form_data(client, world)
    del data["password"]
    response = client.post(sign_url(world), data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/bukti")
    assert len(signatures(app, user.id)) == 1


def test_password_asked_again_after_the_window(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    proof_age(client, app.config["PLEDGE_REAUTH_SECONDS"] + 1)
    page = page_text(client.get(sign_url(world)))
    assert 'autocomplete="current-password"' in page and 'id="password-proved"' not in page
    data = form_data(client, world)
    refused = page_text(client.post(sign_url(world), data={**data, "password": ""}))
    assert "Ketik kata sandi Anda" in refused and 'id="password-error"' in refused
    assert signatures(app, user.id) == []
    assert client.post(sign_url(world), data=data).status_code == 302
    with client.session_transaction() as session:  # the confirmation starts a new window
        proved_user, at = session[PASSWORD_PROOF_KEY]
        assert proved_user == user.id and abs(time.time() - at) < 60


def test_window_zero_always_asks(app: Flask, client, login_as, world, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PLEDGE_REAUTH_SECONDS", 0)
    login_as(world["user"])
    assert 'autocomplete="current-password"' in page_text(client.get(sign_url(world)))
    data = form_data(client, world)
    assert "Ketik kata sandi Anda" in page_text(client.post(sign_url(world), data={**data, "password": ""}))


def test_proof_of_another_account_does_not_count(app: Flask, client, login_as, world, make_user) -> None:
    login_as(world["user"])
    other = make_user(Role.PESERTA, world["school"], name="Rekan Lain")
    proof_age(client, 0, user_id=other.id)
    assert 'autocomplete="current-password"' in page_text(client.get(sign_url(world)))


def test_wrong_password_inside_the_window_is_refused_and_ends_it(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    data = form_data(client, world)
    refused = page_text(client.post(sign_url(world), data={**data, "password": "salah-sandi"}))
    assert "Kata sandi salah" in refused
    with app.app_context():
        assert db.session.get(User, user.id).failed_logins == 1
    del data["password"]
    again = page_text(client.post(sign_url(world), data=data))
    assert "Ketik kata sandi Anda" in again
    assert signatures(app, user.id) == []


def test_locked_account_is_asked_even_inside_the_window(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    with app.app_context():  # someone else is guessing the password at the sign-in page
        db.session.get(User, user.id).locked_until = utcnow() + dt.timedelta(minutes=10)
        db.session.commit()
    data = form_data(client, world)
    del data["password"]
    assert "Ketik kata sandi Anda" in page_text(client.post(sign_url(world), data=data))
    assert signatures(app, user.id) == []


def test_signing_out_forgets_the_proof(app: Flask, client, login_as, world) -> None:
    login_as(world["user"])
    with client.session_transaction() as session:
        assert PASSWORD_PROOF_KEY in session
    client.post("/keluar")
    with client.session_transaction() as session:
        assert PASSWORD_PROOF_KEY not in session


# --- the PDF ------------------------------------------------------------------------------------


def test_pdf_of_my_signature(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    assert client.get(f"/pakta/{world['campaign_id']}/dokumen.pdf").status_code == 404  # not signed yet
    client.post(sign_url(world), data=form_data(client, world, method="drawn", signature_data=data_url(signature_png())))
    [row] = signatures(app, user.id)
    response = client.get(f"/pakta/{world['campaign_id']}/dokumen.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.data
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert len(body) > 5_000
    # the signer in the document information, the QR link to the public page as an annotation
    assert b"Ahmad Fauzi" in body
    assert f"http://localhost/verifikasi/pakta/{row.verify_code}".encode() in body
    assert b"/Subtype /Image" in body  # the drawn signature
    assert b"FontFile2" in body  # the TTF font is embedded


def test_pdf_of_a_typed_signature_and_public_base_url(app: Flask, client, login_as, world) -> None:
    from elearn.pledges.pdf import signature_pdf

    user = world["user"]
    login_as(user)
    client.post(sign_url(world), data=form_data(client, world))
    app.config["PUBLIC_BASE_URL"] = "https://elearn.kotauji.go.id/"
    try:
        body = client.get(f"/pakta/{world['campaign_id']}/dokumen.pdf").data
        [row] = signatures(app, user.id)
        assert f"https://elearn.kotauji.go.id/verifikasi/pakta/{row.verify_code}".encode() in body
        assert b"/Subtype /Image" not in body
        with app.app_context():  # outside a request (the HR ZIP, the CLI)
            sig = db.session.get(PledgeSignature, row.id)
            assert signature_pdf(sig).startswith(b"%PDF-")
    finally:
        app.config["PUBLIC_BASE_URL"] = None


def test_pdf_renders_the_text_blocks() -> None:
    """The Markdown of the pledge becomes paragraphs, lists and headings (no markup left over)."""
    from reportlab.platypus import ListFlowable, Paragraph

    from elearn.pledges.pdf import register_fonts, text_flowables

    register_fonts()
    flowables, has_title = text_flowables("# Pakta\n\nSaya:\n\n- Nama: A\\_B\n\n1. **Netral** & *jujur* <b>\n2. Dua\n")
    assert has_title
    kinds = [type(f) for f in flowables]
    assert kinds == [Paragraph, Paragraph, ListFlowable, ListFlowable]
    assert "A_B" in flowables[2]._flowables[0]._flowables[0].text  # type: ignore[attr-defined]
    numbered = flowables[3]._flowables[0]._flowables[0]  # type: ignore[attr-defined]
    assert numbered.text == "<b>Netral</b> &amp; <i>jujur</i> &lt;b&gt;"


# --- the public verification page ------------------------------------------------------------------


def _signed(app: Flask, world: dict[str, Any]) -> PledgeSignature:
    with app.app_context():
        row = sign_as(db.session.get(Campaign, world["campaign_id"]), db.session.get(User, world["user"].id),
                      method="drawn", signature_png=signature_png(), typed_name=None, ip="10.9.8.7")
        db.session.commit()
        db.session.expunge(row)
        return row


def test_public_page_shows_minimal_data_and_valid(app: Flask, client, world) -> None:
    row = _signed(app, world)
    response = client.get(f"/verifikasi/pakta/{row.verify_code}")  # no sign-in
    assert response.status_code == 200
    html = page_text(response)
    assert "Sah:" in html and "Tidak sah" not in html
    assert NAME in html and "SD Negeri 7" in html and "Pilkada Serentak Uji" in html
    assert 'name="robots" content="noindex, nofollow"' in html
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    user = world["user"]
    for secret in (user.employee_number, user.employee_number[:8] + " ", "10.9.8.7", "data:image/png",
                   row.record_hash, "Guru Ahli Pertama", "pytest"):
        assert secret not in html, secret


def test_public_page_says_invalid_for_a_tampered_record(app: Flask, client, world) -> None:
    row = _signed(app, world)
    with app.app_context():
        with triggers_off():
            db.session.execute(text("UPDATE pledge_signatures SET signer_name = 'Orang Lain' WHERE id = :id"),
                               {"id": row.id})
        db.session.commit()
    html = page_text(client.get(f"/verifikasi/pakta/{row.verify_code}"))
    assert "Tidak sah" in html and "Orang Lain" in html


def test_public_page_unknown_code_is_a_404_in_indonesian(client) -> None:
    response = client.get("/verifikasi/pakta/tidak-ada-kode-ini")
    assert response.status_code == 404
    assert "Kode verifikasi tidak dikenal" in page_text(response)
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert client.get("/verifikasi/pakta/" + "x" * 100).status_code == 404


def test_public_page_is_rate_limited(app: Flask, client, world, rate_limited) -> None:
    row = _signed(app, world)
    app.config["PUBLIC_LIMIT_PER_IP"] = "3 per minute"
    try:
        statuses = [client.get(f"/verifikasi/pakta/{row.verify_code}").status_code for _ in range(4)]
    finally:
        app.config["PUBLIC_LIMIT_PER_IP"] = "60 per minute;1000 per hour"
    assert statuses == [200, 200, 200, 429]


def test_signature_count_unchanged_by_page_views(app: Flask, client, login_as, world) -> None:
    """Opening the pages never writes a record."""
    login_as(world["user"])
    for url in ("/pakta/", sign_url(world), f"/pakta/{world['campaign_id']}/bukti"):
        client.get(url)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PledgeSignature)) == 0


def test_pdf_puts_the_signature_inside_the_texts_own_closing(app: Flask) -> None:
    """A text that ends with place/date, "Yang membuat pernyataan," name and NIP gets the signature
    above the name (not a second closing); without a name line the standard tail is added."""
    import datetime as dt
    from types import SimpleNamespace

    from reportlab.platypus import Image, Paragraph

    from elearn.org.models import Timezone
    from elearn.pledges.pdf import _signature_block, _styles, register_fonts, split_closing
    from elearn.pledges.text import tokens

    register_fonts()
    closing_text = ("Isi pakta.\n\nDemikian pakta ini.\n\nKota Uji, 1 Juli 2026\n\nYang membuat pernyataan,\n\n"
                    "Ahmad Fauzi\n\nNIP 198609262015051001\n")
    signature = SimpleNamespace(
        method="drawn", signature_png=signature_png(), typed_name=None, signer_name="Ahmad Fauzi",
        signer_nip="198609262015051001", signed_at=dt.datetime(2026, 7, 1, 3, tzinfo=dt.timezone.utc),
        campaign=SimpleNamespace(place="Kota Uji", instansi=SimpleNamespace(timezone=Timezone.WIB)))
    parsed = tokens(closing_text)
    cut = split_closing(parsed, "Kota Uji")
    assert cut is not None and parsed[cut + 1].content == "Kota Uji, 1 Juli 2026"
    assert split_closing(tokens("Tanpa penutup.\n"), "Kota Uji") is None
    with app.test_request_context("/"):
        cell = _signature_block(signature, _styles(), parsed[cut:])._cellvalues[0][1]  # type: ignore[arg-type]
        texts = [f.text if isinstance(f, Paragraph) else type(f).__name__ for f in cell]
        assert texts == ["Kota Uji, 1 Juli 2026", "Yang membuat pernyataan,", "Spacer", "Image", "Spacer",
                         "<b><u>Ahmad Fauzi</u></b>", "NIP 198609262015051001"]
        assert isinstance(cell[3], Image)
        short = _signature_block(signature, _styles(), tokens("Kota Uji, 1 Juli 2026\n"))._cellvalues[0][1]  # type: ignore[arg-type]
        texts = [f.text if isinstance(f, Paragraph) else type(f).__name__ for f in short]
        assert texts == ["Kota Uji, 1 Juli 2026", "Yang membuat pernyataan,", "Spacer", "Image", "Spacer",
                         "<b><u>Ahmad Fauzi</u></b>", "NIP 19860926 201505 1 001"]
