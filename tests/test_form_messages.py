"""WTForms' built-in messages reach the page in the reader's language (elearn/form_messages.py): an
Indonesian page never says "This field is required."; the English page reads the app's English catalogue."""
from __future__ import annotations

from pathlib import Path

import wtforms
from babel.messages.pofile import read_po
from flask import Flask

from elearn import form_messages
from elearn.accounts.models import Role

ROOT = Path(__file__).resolve().parents[1]


def test_every_wtforms_message_has_an_indonesian_msgid_with_english_back() -> None:
    with open(Path(wtforms.__file__).parent / "locale" / "wtforms.pot", "rb") as fh:
        shipped = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    known = set(form_messages.SINGULAR) | set(form_messages.PLURAL)
    # every message WTForms can show, except its own developer errors (a bad field name, a MAC/IP/UUID
    # validator the app does not use)
    unused = {"Invalid field name '%s'.", "Invalid IP address.", "Invalid Mac address.", "Invalid UUID."}
    assert shipped - unused <= known, sorted(shipped - unused - known)
    with open(ROOT / "elearn" / "translations" / "en" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        english = read_po(fh, locale="en")
    for msgid in form_messages.SINGULAR.values():
        assert english[msgid] is not None and english[msgid].string, msgid


def test_a_required_field_left_empty_says_so_in_the_readers_language(app: Flask, client, make_user,
                                                                     login_as) -> None:
    user = make_user(role=Role.PESERTA)
    login_as(user)
    r = client.post("/akun/kata-sandi", data={"current": "", "password": "", "confirm": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Wajib diisi." in html
    assert "This field is required." not in html

    client.set_cookie("elearn_lang", "en")
    html = client.post("/akun/kata-sandi", data={"current": "", "password": "", "confirm": ""}).get_data(as_text=True)
    assert "Required." in html and "Wajib diisi." not in html


def test_length_messages_keep_their_numbers(app: Flask) -> None:
    with app.test_request_context("/"):
        messages = form_messages.MESSAGES
        assert messages.gettext("Number must be between %(min)s and %(max)s.") % {"min": 1, "max": 5} == \
            "Angka harus antara 1 dan 5."
        assert messages.ngettext("Field cannot be longer than %(max)d character.",
                                 "Field cannot be longer than %(max)d characters.", 200) % {"max": 200} == \
            "Paling banyak 200 karakter."
        assert messages.gettext("Something WTForms may add later.") == "Something WTForms may add later."
    with app.test_request_context("/", headers={"Cookie": "elearn_lang=en"}):
        assert form_messages.MESSAGES.ngettext("Field cannot be longer than %(max)d character.",
                                               "Field cannot be longer than %(max)d characters.", 2) % {"max": 2} \
            == "Field cannot be longer than 2 characters."
