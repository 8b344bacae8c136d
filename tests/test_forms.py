"""Issue 16, point 2: forms. Every error at once (activation: the code and the new password;
signing: consent, typed name or drawing, password), required fields marked by the shared macro,
no ".." after a name ending with a title on the signing hint, and a message (never a bare code)
for every refused roster row."""
from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Optional

from elearn.accounts.models import EmployeeType, Role, User
from elearn.accounts.nip import MESSAGES as NIP_MESSAGES
from elearn.accounts.nip import InvalidEmployeeNumber, validate_employee_number
from elearn.auth import services as auth_services
from elearn.db import db
from elearn.org.forms import options
from elearn.roster import services as roster_services
from elearn.templating import full_stop

from test_pledge_views import form_data, page_text, proof_age, sign_url, signatures, world  # noqa: F401 (world: fixture)

STRONG = "kopi-tubruk-pagi-hari"
WRONG_CODE = "AAAA-BBBB-CCCC"
CODE_REFUSED = "NIP atau kode aktivasi tidak cocok"
TOO_SHORT = "Kata sandi minimal 10 karakter."
MISMATCH = "Kedua kata sandi tidak sama."


def _with_code(app: Flask, user: User) -> str:
    with app.app_context():
        code = auth_services.issue_activation_code(db.session.get(User, user.id))
        db.session.commit()
    return code


def _field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="([\w-]+)-error">([^<]*)</p>', html))


def _summary(html: str) -> str:
    match = re.search(r'<div class="flash flash-error error-summary" role="alert" id="error-summary">(.*?)</div>',
                      html, re.S)
    assert match, "no error summary on the page"
    return match.group(1)


def _failures(user: User) -> int:
    return db.session.get(User, user.id).activation_failures


# --- activation: every problem at once -----------------------------------------------------------


def test_activation_reports_a_wrong_code_and_a_short_password_together(client, app, make_user) -> None:
    user = make_user(password=None)
    _with_code(app, user)
    response = client.post("/aktivasi", data={"nip": user.employee_number, "code": WRONG_CODE,
                                              "password": "pendek", "confirm": "pendek-lain"})
    assert response.status_code == 200
    html = page_text(response)
    errors = _field_errors(html)
    assert CODE_REFUSED in errors["code"]
    assert errors["password"] == TOO_SHORT
    assert errors["confirm"] == MISMATCH
    assert "nip" not in errors
    summary = _summary(html)  # the same three at the top, each linked to its field
    assert '<a href="#code">' in summary and '<a href="#password">' in summary and '<a href="#confirm">' in summary
    assert _failures(user) == 1  # one wrong code, counted once, whatever else was wrong
    assert db.session.get(User, user.id).password_hash is None


def test_a_wrong_code_counts_once_per_attempt_and_voids_the_code_at_the_limit(client, app, make_user) -> None:
    user = make_user(password=None)
    _with_code(app, user)
    limit = app.config["ACTIVATION_MAX_FAILURES"]
    bad = {"nip": user.employee_number, "code": WRONG_CODE, "password": "pendek", "confirm": "lain"}
    for attempt in range(1, limit):
        client.post("/aktivasi", data=bad)
        assert _failures(user) == attempt
        assert db.session.get(User, user.id).failed_logins == 0  # the sign-in is not touched
    client.post("/aktivasi", data=bad)
    assert db.session.get(User, user.id).activation_code_hash is None  # void: HR issues a new one


def test_a_right_code_with_a_bad_password_counts_nothing_and_keeps_the_code(client, app, make_user) -> None:
    user = make_user(password=None)
    code = _with_code(app, user)
    response = client.post("/aktivasi", data={"nip": user.employee_number, "code": code,
                                              "password": "pendek", "confirm": "pendek"})
    errors = _field_errors(page_text(response))
    assert errors == {"password": TOO_SHORT}
    assert _failures(user) == 0
    ok = client.post("/aktivasi", data={"nip": user.employee_number, "code": code,
                                        "password": STRONG, "confirm": STRONG})
    assert ok.status_code == 302


def test_every_missing_value_is_named_in_indonesian(client) -> None:
    html = page_text(client.post("/aktivasi", data={"nip": "", "code": "", "password": "", "confirm": ""}))
    assert _field_errors(html) == {
        "nip": "Isi NIP atau NI PPPK Anda.",
        "code": "Isi kode aktivasi dari slip.",
        "password": "Buat kata sandi baru.",
        "confirm": "Ketik kata sandi baru sekali lagi.",
    }
    assert "This field is required" not in html


def test_missing_password_still_checks_the_code(client, app, make_user) -> None:
    user = make_user(password=None)
    _with_code(app, user)
    html = page_text(client.post("/aktivasi", data={"nip": user.employee_number, "code": WRONG_CODE,
                                                    "password": "", "confirm": ""}))
    errors = _field_errors(html)
    assert CODE_REFUSED in errors["code"] and errors["password"] == "Buat kata sandi baru."
    assert _failures(user) == 1


def test_an_unknown_nip_and_a_wrong_code_answer_alike(client, app, make_user) -> None:
    """The password rules after a refused code use only the number as typed: the answer for an
    existing account is the unknown number's, word for word (no name, instansi or birth date of the
    account behind it)."""
    user = make_user(password=None, name="Siti Rahmawati")
    _with_code(app, user)
    unknown = "199001012015012001"
    answers = []
    for nip, password in ((user.employee_number, "sitirahmawati"), (unknown, "sitirahmawati"),
                          (user.employee_number, "pendek"), (unknown, "pendek")):
        response = client.post("/aktivasi", data={"nip": nip, "code": WRONG_CODE, "password": password,
                                                  "confirm": password})
        answers.append((response.status_code, page_text(response).replace(nip, "NIP")))
    assert answers[0] == answers[1] and answers[2] == answers[3]
    assert "nama" not in _field_errors(answers[0][1]).get("password", "").lower()


def test_a_password_with_the_typed_nip_is_refused_even_when_the_code_is_wrong(client, app, make_user) -> None:
    user = make_user(password=None)
    _with_code(app, user)
    password = f"x{user.employee_number}"
    html = page_text(client.post("/aktivasi", data={"nip": user.employee_number, "code": WRONG_CODE,
                                                    "password": password, "confirm": password}))
    errors = _field_errors(html)
    assert CODE_REFUSED in errors["code"] and "tidak boleh memuat NIP" in errors["password"]


def test_activation_problems_in_english(client, app, make_user) -> None:
    user = make_user(password=None)
    _with_code(app, user)
    client.set_cookie("elearn_lang", "en")
    html = page_text(client.post("/aktivasi", data={"nip": user.employee_number, "code": WRONG_CODE,
                                                    "password": "short", "confirm": "other"}))
    errors = _field_errors(html)
    assert errors["password"] == "The password must be at least 10 characters."
    assert errors["confirm"] == "The two passwords do not match."
    assert "(required)" in html and "(wajib)" not in html


def test_the_per_ip_limit_counts_a_wrong_code_once_and_a_refused_password_not(client, app, make_user,
                                                                              rate_limited) -> None:
    user = make_user(password=None)
    code = _with_code(app, user)
    app.config["LOGIN_LIMIT_PER_IP"] = "2 per minute"
    try:
        for _ in range(3):  # the policy refused the new password: no guess, not counted
            assert client.post("/aktivasi", data={"nip": user.employee_number, "code": code,
                                                  "password": "pendek", "confirm": "pendek"}).status_code == 200
        for _ in range(2):  # a wrong code with a short password: one refusal each
            assert client.post("/aktivasi", data={"nip": user.employee_number, "code": WRONG_CODE,
                                                  "password": "pendek", "confirm": "lain"}).status_code == 200
        assert client.post("/aktivasi", data={"nip": user.employee_number, "code": code,
                                              "password": STRONG, "confirm": STRONG}).status_code == 429
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "100 per minute;1000 per hour"


def test_an_inactive_account_is_told_so_and_nothing_is_set(client, app, make_user) -> None:
    user = make_user(password=None, active=False)
    code = _with_code(app, user)
    html = page_text(client.post("/aktivasi", data={"nip": user.employee_number, "code": code,
                                                    "password": STRONG, "confirm": STRONG}))
    assert "Akun ini tidak aktif" in _summary(html)
    assert db.session.get(User, user.id).password_hash is None


def test_the_service_raises_every_problem(app, make_user) -> None:
    user = make_user(password=None)
    _with_code(app, user)
    with app.test_request_context():
        with pytest.raises(auth_services.ActivationRefused) as caught:
            auth_services.activate(user.employee_number, WRONG_CODE, "pendek", "lain")
        db.session.rollback()
    assert [(f, c) for f, _m, c in caught.value.problems] == [
        ("code", "bad_code"), ("password", "password_short"), ("confirm", "password_mismatch")]
    assert caught.value.guessed and caught.value.code == "bad_code"


# --- signing: every problem at once --------------------------------------------------------------


def test_signing_reports_missing_consent_and_a_wrong_name_together(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    data = form_data(client, world, typed_name="Budi Santoso")
    del data["consent"]
    response = client.post(sign_url(world), data=data)
    assert response.status_code == 200
    html = page_text(response)
    errors = _field_errors(html)
    assert "Centang pernyataan ini" in errors["consent"]
    assert "Nama yang diketik tidak sama" in errors["typed_name"]
    summary = _summary(html)
    assert '<a href="#typed_name">' in summary and '<a href="#consent">' in summary
    assert signatures(app, user.id) == []
    with app.app_context():
        assert db.session.get(User, user.id).failed_logins == 0  # the right password: nothing counted


def test_signing_reports_missing_consent_and_a_blank_drawing_together(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    data = form_data(client, world, method="drawn", typed_name="", signature_data="")
    del data["consent"]
    html = page_text(client.post(sign_url(world), data=data))
    assert "Centang pernyataan ini" in _field_errors(html)["consent"]
    assert re.search(r'id="pad-error" data-pad-error role="alert">Tanda tangan belum digambar.<', html)
    assert '<a href="#signature-pad">' in _summary(html)
    assert signatures(app, user.id) == []


def test_signing_reports_a_wrong_password_with_the_rest(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    data = form_data(client, world, typed_name="Budi Santoso", password="salah-sandi")
    del data["consent"]
    html = page_text(client.post(sign_url(world), data=data))
    errors = _field_errors(html)
    assert set(errors) == {"typed_name", "password", "consent"}
    assert "Kata sandi salah" in errors["password"]
    with app.app_context():
        assert db.session.get(User, user.id).failed_logins == 1  # counted once
    assert signatures(app, user.id) == []


def test_the_right_password_of_a_refused_form_is_not_asked_again(app: Flask, client, login_as, world) -> None:
    user = world["user"]
    login_as(user)
    proof_age(client, app.config["PLEDGE_REAUTH_SECONDS"] + 1)  # the password is asked
    data = form_data(client, world, typed_name="Budi Santoso")
    del data["consent"]
    refused = page_text(client.post(sign_url(world), data=data))
    assert "Nama yang diketik tidak sama" in refused and 'id="password-proved"' in refused
    response = client.post(sign_url(world), data=form_data(client, world, password=""))
    assert response.status_code == 302 and len(signatures(app, user.id)) == 1


# --- required marks ------------------------------------------------------------------------------


class _MarkedForm(FlaskForm):
    name = StringField("Nama", validators=[DataRequired()])
    note = StringField("Catatan", validators=[Optional()])
    kind = RadioField("Jenis", choices=options([("a", "A"), ("b", "B")]), validators=[InputRequired()])
    agree = BooleanField("Setuju", validators=[DataRequired()])


MARK = '<span class="required-mark" aria-hidden="true">(wajib)</span>'


def test_the_field_macro_marks_required_fields(app: Flask) -> None:
    with app.test_request_context():
        form = _MarkedForm(meta={"csrf": False})
        html = render_template_string(
            '{% from "macros.html" import field %}'
            "{{ field(form.name) }}{{ field(form.note) }}{{ field(form.kind) }}{{ field(form.agree) }}", form=form)
    # seen beside the label, not inside it (the label and the field's name stay "Nama"), and not read
    # out: screen readers announce the control's required state instead
    assert f'<div class="label-row"><label for="name">Nama</label> {MARK}</div>' in html
    assert f'<div class="label-row"><label for="agree">Setuju</label> {MARK}</div>' in html
    assert '<label for="note">Catatan</label>' in html and html.count("(wajib)") == 3  # optional: no mark
    # a list of radio buttons has no required state to announce: its mark is read out
    assert '<label for="kind">Jenis</label> <span class="required-mark">(wajib)</span>' in html
    name_input = re.search(r'<input[^>]*id="name"[^>]*>', html).group(0)
    assert " required" in name_input and 'aria-required="true"' in name_input
    note_input = re.search(r'<input[^>]*id="note"[^>]*>', html).group(0)
    assert "required" not in note_input
    radio_list = re.search(r'<ul[^>]*id="kind"[^>]*>', html).group(0)
    assert "aria-required" not in radio_list  # not allowed on a list


def test_activation_and_signing_mark_their_required_fields(app: Flask, client, login_as, world,
                                                           monkeypatch) -> None:
    html = page_text(client.get("/aktivasi"))
    for field in ("nip", "code", "password", "confirm"):
        assert re.search(rf'<label for="{field}">[^<]*</label> {re.escape(MARK)}', html), field
        control = re.search(rf'<input [^>]*id="{field}"[^>]*>', html).group(0)
        assert 'aria-required="true"' in control and " required " in control
    monkeypatch.setitem(app.config, "PLEDGE_REAUTH_SECONDS", 0)  # the password is asked
    login_as(world["user"])
    html = page_text(client.get(sign_url(world)))
    for field in ("typed_name", "password", "consent"):
        assert re.search(rf'<label for="{field}">[^<]*</label> {re.escape(MARK)}', html), field
        control = re.search(rf'<input [^>]*id="{field}"[^>]*>', html, re.S).group(0)
        assert 'aria-required="true"' in control, field
    assert re.search(rf"<legend>Cara tanda tangan {re.escape(MARK)}</legend>", html)
    assert len(re.findall(r'<input type="radio"[^>]* required', html)) == 2


# --- the signing hint ----------------------------------------------------------------------------


def test_hint_after_a_name_ending_with_a_title_has_one_full_stop(app: Flask, client, login_as, world) -> None:
    login_as(world["user"])  # "Dr. Ahmad Fauzi, S.Pd."
    html = page_text(client.get(sign_url(world)))
    hint = re.search(r'<p class="hint" id="typed_name-hint">(.*?)</p>', html).group(1)
    assert hint == "Ketik nama lengkap Anda seperti tercatat: Dr. Ahmad Fauzi, S.Pd. Gelar boleh tidak ditulis."
    assert ".." not in hint


def test_hint_after_a_name_without_a_title_ends_the_sentence(app: Flask, client, login_as, world,
                                                              make_user) -> None:
    plain = make_user(Role.PESERTA, world["school"], name="Ahmad Fauzi")
    login_as(plain)
    html = page_text(client.get(sign_url(world)))
    assert "tercatat: Ahmad Fauzi. Gelar boleh tidak ditulis." in html


@pytest.mark.parametrize("text, expected", [
    ("Budi", "Budi."), ("Dr. Budi, S.H.", "Dr. Budi, S.H."), ("Budi ", "Budi."), ("Siap!", "Siap!"), ("", ""),
])
def test_full_stop(text: str, expected: str) -> None:
    assert full_stop(text) == expected


# --- roster import: a message for every row error code -------------------------------------------


def _params(template: Any) -> dict[str, Any]:
    return {name: "7" for name in re.findall(r"%\((\w+)\)", str(template))}


def test_every_row_error_code_has_a_message_in_both_languages(app: Flask) -> None:
    codes = roster_services.ROW_ERROR_CODES
    assert len(set(codes)) == len(codes)
    with app.test_request_context():
        for code in codes:
            template = roster_services.MESSAGES.get(code) or NIP_MESSAGES[code]
            error = {"line": 3, "code": code, "message": code, "nip": "x", "params": _params(template)}
            with force_locale("id"):
                indonesian = roster_services.row_error_message(error)
            with force_locale("en"):
                english = roster_services.row_error_message(error)
            for message in (indonesian, english):
                assert message and code not in message and "%(" not in message, (code, message)
            assert english != indonesian, f"{code}: no English message"


def test_every_code_the_import_can_give_is_listed() -> None:
    """The codes written in the import's and the number check's source are all in ROW_ERROR_CODES."""
    import inspect

    from elearn.accounts import nip

    written = set(re.findall(r'_error\(line, "(\w+)"', inspect.getsource(roster_services)))
    written |= set(re.findall(r'InvalidEmployeeNumber\("(\w+)"', inspect.getsource(nip)))
    written |= set(re.findall(r'InvalidEmployeeNumber\("(\w+)"', inspect.getsource(roster_services)))
    assert written and written <= set(roster_services.ROW_ERROR_CODES), written - set(roster_services.ROW_ERROR_CODES)


def test_a_stored_row_error_is_shown_in_the_readers_language(app: Flask) -> None:
    with app.test_request_context():
        with pytest.raises(InvalidEmployeeNumber) as caught:
            validate_employee_number("19860926201505100", EmployeeType.PNS)
        stored = roster_services._number_error(4, caught.value, "19860926201505100").as_dict(with_nip=True)
        assert stored["code"] == "wrong_length" and stored["params"] == {"length": 17}
        with force_locale("en"):
            english = roster_services.row_error_message(stored)
        assert english != stored["message"] and "17" in english and "wrong_length" not in english
        assert roster_services.row_error_message(stored) == "NIP/NI PPPK harus 18 digit; yang tertulis 17 digit."
        too_long = roster_services._error(5, "too_long", "x", field="jabatan", max=255).as_dict(with_nip=True)
        assert too_long["params"] == {"field": "jabatan", "max": 255}
        assert roster_services.row_error_message(too_long).startswith("Jabatan terlalu panjang")
        moved = roster_services._error(6, "outside_scope", "x", "outside_scope_person").as_dict(with_nip=True)
        assert roster_services.row_error_message(moved).startswith("Pegawai dengan NIP ini terdaftar")


def test_an_older_stored_row_error_keeps_its_message(app: Flask) -> None:
    """Stored before the parameters were kept: the message written then, never the template or code."""
    with app.test_request_context():
        old = {"line": 3, "code": "wrong_length", "message": "NIP/NI PPPK harus 18 digit; yang tertulis 5 digit.",
               "nip": "12345"}
        assert roster_services.row_error_message(old) == old["message"]
        # a message without parameters is shown in the reader's language even then
        plain = {"line": 3, "code": "missing_name", "message": "Nama kosong.", "nip": ""}
        with force_locale("en"):
            english = roster_services.row_error_message(plain)
        assert english != plain["message"] and "missing_name" not in english
        unknown = {"line": 3, "code": "something_new", "message": "", "nip": ""}
        assert roster_services.row_error_message(unknown) == "Baris ini tidak dapat diimpor."


def test_the_per_ip_limit_counts_a_password_estimated_without_a_right_code(client, app, make_user,
                                                                           rate_limited) -> None:
    """Judging a new password (zxcvbn: tens of milliseconds for a long one) without a right code is
    work anybody could ask for without end: with the NIP or the code left out, such a refusal counts
    toward the per-IP limit like a wrong code (a right code with a refused password still does not)."""
    user = make_user(password=None)
    code = _with_code(app, user)
    long_password = "1990010120150110011990010120150110011990010120150110011990010120150110"
    app.config["LOGIN_LIMIT_PER_IP"] = "2 per minute"
    try:
        for data in ({"nip": "", "code": "", "password": long_password, "confirm": long_password},
                     {"nip": user.employee_number, "code": "", "password": long_password, "confirm": long_password}):
            assert client.post("/aktivasi", data=data).status_code == 200
        assert client.post("/aktivasi", data={"nip": user.employee_number, "code": code,
                                              "password": STRONG, "confirm": STRONG}).status_code == 429
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "100 per minute;1000 per hour"
    assert _failures(user) == 0  # no code was typed: nothing counted against the code


def test_an_activation_without_a_password_costs_the_limit_nothing(client, app, make_user, rate_limited) -> None:
    """Only a refusal that judged a typed password (or a wrong code) counts: an empty form does not."""
    user = make_user(password=None)
    code = _with_code(app, user)
    app.config["LOGIN_LIMIT_PER_IP"] = "2 per minute"
    try:
        for _ in range(3):
            assert client.post("/aktivasi", data={"nip": "", "code": "", "password": "", "confirm": ""}
                               ).status_code == 200
        assert client.post("/aktivasi", data={"nip": user.employee_number, "code": code,
                                              "password": STRONG, "confirm": STRONG}).status_code == 302
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "100 per minute;1000 per hour"
