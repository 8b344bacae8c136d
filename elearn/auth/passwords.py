"""Which new passwords are too easy to guess: a vendored list of the most common passwords
(checked offline, see data/README.md) and zxcvbn's strength estimate, with the person's own
data (NIP, birth date, name, instansi) and Indonesian words added to its dictionaries.

``weakness(password, user)`` answers with a message in Bahasa Indonesia, or None. It is called by
``auth.services.validate_new_password``, so activation, the password change and the command line
all apply it. (zxcvbn keeps the user's words in a module global during a call: fine for gunicorn's
sync workers; under threads a concurrent check could see another person's words.)
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from pathlib import Path

from flask_babel import gettext as _
from zxcvbn import zxcvbn
from zxcvbn.matching import add_frequency_lists

from ..accounts.models import User
from ..accounts.nip import InvalidEmployeeNumber, parse_ni_pppk, parse_nip

DATA = Path(__file__).parent / "data"
#: zxcvbn's score (0-4) a new password needs: 3 is "safely unguessable" (about 10^10 guesses)
MIN_SCORE = 3
#: zxcvbn's own limit (its work grows quickly with the length); longer passwords are judged on
#: their first characters
MAX_ESTIMATED = 72
#: look-alikes undone before the lists are checked: p@ssw0rd -> password
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_WORD = re.compile(r"[^\W\d_]{3,}")
#: white space and the separators people put between the words of a common password
_SEPARATORS = re.compile(r"[\s._-]+")


def _read(name: str) -> list[str]:
    lines = (line.strip().lower() for line in (DATA / name).read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@functools.cache
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    """(common passwords, Indonesian words), loaded once per process; the Indonesian ones are also
    handed to zxcvbn as a dictionary of their own."""
    indonesian = _read("indonesian-passwords.txt")
    words = _read("indonesian-words.txt")
    add_frequency_lists({"indonesian": list(dict.fromkeys(words + indonesian))})
    return frozenset(_read("common-passwords.txt") + indonesian), frozenset(words)


def _core(password: str) -> str:
    """The password in lower case with digits and symbols trimmed from both ends."""
    return _EDGES.sub("", password.lower())


def is_common(password: str) -> bool:
    """In the lists as it is, or once digits and symbols around it are trimmed and look-alikes
    undone (``Password12``, ``p@ssw0rd!``, ``rahasia2024``)."""
    common, words = _lists()
    lower = _fold(password).lower()
    candidates: set[str] = set()
    for text in (lower, _SEPARATORS.sub("", lower)):  # "pass word12", "pass-word12": "password12"
        core = _core(text)
        candidates |= {text, core, core.translate(_LEET), _core(text.translate(_LEET))}
    return any(c in common or c in words for c in candidates if c)


def _fold(password: str) -> str:
    """Compatibility forms folded (NFKC): full-width "Ｐａｓｓｗｏｒｄ１２" and mathematical letters are
    judged as the "Password12" they look like."""
    return unicodedata.normalize("NFKC", password)


def _birth_words(birth: dt.date | None) -> list[str]:
    return [f"{birth:%Y%m%d}", f"{birth:%d%m%Y}", f"{birth:%d%m%y}", f"{birth:%Y}"] if birth is not None else []


def number_words(number: str) -> list[str]:
    """The words of an employee number alone, as typed (no account behind it): the number and,
    when it reads as a NIP or NI PPPK, the birth date its first digits give."""
    birth: dt.date | None = None
    for parse in (parse_nip, parse_ni_pppk):
        try:
            birth = parse(number).birth_date
            break
        except InvalidEmployeeNumber:
            continue
    return [w for w in [number, *_birth_words(birth)] if w]


def personal_words(user: User) -> list[str]:
    """What someone who knows the person would try: the NIP, the birth date in the usual ways of
    writing it, the words of the name and of the instansi (also run together)."""
    words = [user.employee_number]
    birth: dt.date | None = None
    try:
        if user.employee_type.uses_nip:
            birth = parse_nip(user.employee_number).birth_date
        elif user.employee_type.uses_ni_pppk:
            birth = parse_ni_pppk(user.employee_number).birth_date
    except InvalidEmployeeNumber:
        pass
    words += _birth_words(birth)
    instansi = user.instansi
    for text in (user.name, instansi.name if instansi is not None else "", instansi.slug if instansi is not None else ""):
        parts = [w.lower() for w in _WORD.findall(text or "")]
        words += parts + ["".join(parts)]  # "sitirahmawati", "kotacontoh" as well
    return [w for w in words if w]


def weakness(password: str, user: User | None, *, employee_number: str = "") -> str | None:
    """Why ``password`` is too easy to guess for ``user``, in a sentence; None if it is not.
    ``user`` None: judged with ``employee_number``'s words only (``number_words``)."""
    if is_common(password):
        return _("Kata sandi ini termasuk yang paling sering dipakai orang, jadi mudah ditebak. Pilih yang lain.")
    _lists()  # the Indonesian dictionary is in zxcvbn before the estimate
    inputs = personal_words(user) if user is not None else number_words(employee_number)
    result = zxcvbn(_fold(password)[:MAX_ESTIMATED], user_inputs=inputs, max_length=MAX_ESTIMATED)
    if result["score"] >= MIN_SCORE:
        return None
    return " ".join((
        _("Kata sandi ini terlalu mudah ditebak."),
        _hint(result["sequence"]),
        _("Pakai misalnya tiga atau empat kata acak yang mudah Anda ingat, dipisah tanda hubung."),
    ))


def _hint(sequence: list[dict[str, object]]) -> str:
    """What made the estimate low, from the patterns zxcvbn recognised (most telling first)."""
    patterns = {m.get("pattern") for m in sequence}
    dictionaries = {m.get("dictionary_name") for m in sequence if m.get("pattern") == "dictionary"}
    if "user_inputs" in dictionaries:
        return _("Jangan memakai NIP, tanggal lahir, nama Anda atau nama instansi.")
    if "repeat" in patterns:
        return _("Hindari huruf atau pola yang diulang, seperti „aaa” atau „abcabc”.")
    if "sequence" in patterns:
        return _("Hindari urutan seperti „abcd” atau „1234”.")
    if "spatial" in patterns:
        return _("Hindari deretan tombol keyboard, seperti „qwerty” atau „asdf”.")
    if "date" in patterns or "regex" in patterns:
        return _("Hindari tanggal dan tahun.")
    if dictionaries:
        return _("Kata yang umum (mis. „rahasia” atau „indonesia”) ditambah angka mudah ditebak.")
    return _("Kata sandi yang lebih panjang lebih sulit ditebak.")
