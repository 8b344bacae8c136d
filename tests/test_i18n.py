"""Every user-facing string is translatable, and the English catalogue is complete and compiled.

Bahasa Indonesia is the source language (msgids); English is the second language.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "elearn" / "translations" / "en" / "LC_MESSAGES"
METHODS = [("elearn/**.py", "python"), ("elearn/**/templates/**.html", "jinja2")]
OPTIONS = {"elearn/**/templates/**.html": {"extensions": "jinja2.ext.do"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_msgids() -> set[str]:
    ids: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, OPTIONS, KEYWORDS
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def _po():  # type: ignore[no-untyped-def]
    with open(CATALOGUE / "messages.po", "rb") as fh:
        return read_po(fh, locale="en")


def test_every_source_string_has_an_english_translation() -> None:
    catalog = _po()
    source = _source_msgids()
    assert len(source) > 50
    missing = sorted(m for m in source if m not in catalog or not catalog[m].string)
    assert not missing, f"{len(missing)} strings without English translation (run scripts/i18n.sh): {missing[:20]}"
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert not fuzzy, f"fuzzy translations: {fuzzy[:20]}"


def test_placeholders_match() -> None:
    import re

    pattern = re.compile(r"%\((\w+)\)[sd]")
    for message in _po():
        if not message.id or not message.string:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else message.string[0]
        assert set(pattern.findall(msgid)) == set(pattern.findall(msgstr)), msgid


def test_compiled_catalogue_is_up_to_date() -> None:
    with open(CATALOGUE / "messages.mo", "rb") as fh:
        compiled = read_mo(fh)
    po = _po()
    for message in po:
        if message.id and message.string:
            assert message.id in compiled, f"messages.mo is stale (run scripts/i18n.sh compile): {message.id!r}"
            assert compiled[message.id].string == message.string, message.id


def test_english_is_served_when_chosen(client) -> None:
    client.post("/bahasa", data={"lang": "en"})
    page = client.get("/masuk").get_data(as_text=True)
    assert "Password" in page and "Kata sandi" not in page
    client.post("/bahasa", data={"lang": "id"})
    page = client.get("/masuk").get_data(as_text=True)
    assert "Kata sandi" in page
