"""Employee numbers: NIP (PNS/CPNS), NI PPPK (PPPK) and identifiers of non-ASN staff.

NIP, 18 digits (Peraturan Kepala BKN 22/2007): ``YYYYMMDD`` birth date, ``YYYYMM`` first
appointment as CPNS, one gender digit (1 male, 2 female), a three-digit sequence.
NI PPPK is also 18 digits with the birth date first and the gender digit at position 15,
but sources disagree on the middle digits, so those are accepted as long as they are digits.

Every rule failure raises :class:`InvalidEmployeeNumber` with a stable ``code`` (used in
import reports and tests) and a message an HR clerk understands.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .models import EmployeeType

NIP_LENGTH = 18
_EXCEL_MANGLED = re.compile(r"^\d+(?:[.,]\d+)?[eE][+]?\d+$|^\d{15,}[.,]0+$")
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
_OTHER_ID = re.compile(r"^[A-Z0-9][A-Z0-9./-]{2,31}$")

#: earliest plausible year of birth / first appointment in a live roster
MIN_BIRTH_YEAR = 1930
#: the youngest age at which anyone is appointed CPNS is 18; allow a year of slack
MIN_AGE_AT_APPOINTMENT = 17

MESSAGES = {
    "excel_mangled": _l(
        "NIP ini telah diubah Excel menjadi angka ilmiah (mis. 1.98609E+17) dan digit aslinya hilang. "
        "Format kolom NIP sebagai Teks di Excel, ketik ulang NIP-nya, lalu simpan lagi."
    ),
    "not_digits": _l("NIP/NI PPPK hanya boleh berisi angka (spasi diperbolehkan)."),
    "wrong_length": _l("NIP/NI PPPK harus 18 digit; yang tertulis %(length)s digit."),
    "bad_birth_date": _l("Delapan digit pertama (tanggal lahir TTTTBBHH) bukan tanggal yang mungkin: %(value)s."),
    "bad_appointment_date": _l(
        "Digit 9–14 (TMT CPNS, TTTTBB) tidak mungkin: %(value)s. Bulan harus 01–12 dan "
        "pengangkatan tidak boleh sebelum pegawai berusia 17 tahun atau di masa depan."
    ),
    "bad_gender_digit": _l("Digit ke-15 (jenis kelamin) harus 1 (laki-laki) atau 2 (perempuan); tertulis %(value)s."),
    "bad_sequence": _l("Tiga digit terakhir (nomor urut) harus 001–999; tertulis 000."),
    "bad_identifier": _l(
        "Nomor pegawai non-ASN harus 3–32 karakter huruf, angka, titik, garis miring atau tanda hubung."
    ),
    "missing_number": _l("NIP/NI PPPK kosong."),
}


class InvalidEmployeeNumber(ValueError):
    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code]) % self.params if self.params else str(MESSAGES[self.code])


@dataclass(frozen=True)
class NipParts:
    number: str
    birth_date: dt.date
    appointment_year: int | None
    appointment_month: int | None
    gender: int
    sequence: int

    @property
    def gender_label(self) -> str:
        return "L" if self.gender == 1 else "P"


def normalize(raw: object) -> str:
    """Strip spaces (``19860926 201505 1 001``) and surrounding quotes."""
    text = "" if raw is None else str(raw)
    if text.isdigit() and text.isascii():  # the common case, without a regex
        return text
    text = _SPACES.sub("", text).strip("'\"")
    return text


def _birth_date(digits: str, today: dt.date) -> dt.date:
    try:
        born = dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidEmployeeNumber("bad_birth_date", value=digits[0:8]) from None
    if born.year < MIN_BIRTH_YEAR or born > today:
        raise InvalidEmployeeNumber("bad_birth_date", value=digits[0:8])
    return born


def _gender(digits: str) -> int:
    if digits[14] not in "12":
        raise InvalidEmployeeNumber("bad_gender_digit", value=digits[14])
    return int(digits[14])


def _digits(raw: object) -> str:
    text = normalize(raw)
    if not text:
        raise InvalidEmployeeNumber("missing_number")
    if _EXCEL_MANGLED.match(text):
        raise InvalidEmployeeNumber("excel_mangled")
    if not text.isascii() or not text.isdigit():
        raise InvalidEmployeeNumber("not_digits")
    if len(text) != NIP_LENGTH:
        raise InvalidEmployeeNumber("wrong_length", length=len(text))
    return text


def parse_nip(raw: object, *, today: dt.date | None = None) -> NipParts:
    """Validate every part of a PNS/CPNS NIP."""
    today = today or dt.date.today()
    digits = _digits(raw)
    born = _birth_date(digits, today)
    year, month = int(digits[8:12]), int(digits[12:14])
    # a new CPNS gets the NIP a few months before the TMT; allow at most a year ahead
    latest = (today.year + 1, today.month)
    if (
        not 1 <= month <= 12
        # appointed in a month before the one in which the person turned 17
        or (year, month) < (born.year + MIN_AGE_AT_APPOINTMENT, born.month)
        or (year, month) > latest
    ):
        raise InvalidEmployeeNumber("bad_appointment_date", value=digits[8:14])
    gender = _gender(digits)
    sequence = int(digits[15:18])
    if sequence == 0:
        raise InvalidEmployeeNumber("bad_sequence")
    return NipParts(digits, born, year, month, gender, sequence)


def parse_ni_pppk(raw: object, *, today: dt.date | None = None) -> NipParts:
    """Validate a NI PPPK: birth date and gender digit strictly, the middle digits leniently."""
    today = today or dt.date.today()
    digits = _digits(raw)
    born = _birth_date(digits, today)
    gender = _gender(digits)
    return NipParts(digits, born, None, None, gender, int(digits[15:18]))


def normalize_other_id(raw: object) -> str:
    text = normalize(raw).upper()
    if not text:
        raise InvalidEmployeeNumber("missing_number")
    if not _OTHER_ID.match(text):
        raise InvalidEmployeeNumber("bad_identifier")
    return text


def validate_employee_number(raw: object, employee_type: EmployeeType, *, today: dt.date | None = None) -> str:
    """Return the normalised number for this employee type or raise InvalidEmployeeNumber."""
    if employee_type.uses_nip:
        return parse_nip(raw, today=today).number
    if employee_type.uses_ni_pppk:
        return parse_ni_pppk(raw, today=today).number
    return normalize_other_id(raw)


def format_nip(number: str) -> str:
    """``198609262015051001`` -> ``19860926 201505 1 001`` (other identifiers unchanged)."""
    if len(number) == NIP_LENGTH and number.isdigit():
        return f"{number[:8]} {number[8:14]} {number[14]} {number[15:]}"
    return number


def mask_employee_number(number: str) -> str:
    """Hide birth date, appointment and gender: only the last three characters stay."""
    if len(number) == NIP_LENGTH and number.isdigit():
        return f"•••••••• •••••• • {number[15:]}"
    return "•" * max(len(number) - 3, 1) + number[-3:]
