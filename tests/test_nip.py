"""Every rule of elearn.accounts.nip: NIP (PNS/CPNS), NI PPPK, non-ASN identifiers, format and mask."""
from __future__ import annotations

import datetime as dt

import pytest

from elearn.accounts.models import EmployeeType
from elearn.accounts.nip import (
    InvalidEmployeeNumber,
    format_nip,
    mask_employee_number,
    normalize,
    normalize_other_id,
    parse_ni_pppk,
    parse_nip,
    validate_employee_number,
)

TODAY = dt.date(2026, 3, 15)
GOOD = "198609262015051001"


def code_of(func, raw, **kw) -> str:
    with pytest.raises(InvalidEmployeeNumber) as info:
        func(raw, today=TODAY, **kw)
    # every code has a message a clerk can read, with its parameters filled in
    assert info.value.message and "%(" not in info.value.message
    return info.value.code


def test_valid_nip_parts():
    parts = parse_nip(GOOD, today=TODAY)
    assert parts.number == GOOD
    assert parts.birth_date == dt.date(1986, 9, 26)
    assert (parts.appointment_year, parts.appointment_month) == (2015, 5)
    assert parts.gender == 1 and parts.gender_label == "L"
    assert parts.sequence == 1
    assert parse_nip("199001012015012002", today=TODAY).gender_label == "P"


@pytest.mark.parametrize(
    "raw",
    [
        "19860926 201505 1 001",
        " 198609262015051001 ",
        "19860926\u00a0201505\u00a01\u00a0001",  # non-breaking spaces pasted from a web page
        "19860926\t201505 1 001",
        "'198609262015051001",  # Excel's text marker
        '"198609262015051001"',
    ],
)
def test_spaces_and_quotes_are_allowed(raw):
    assert parse_nip(raw, today=TODAY).number == GOOD
    assert normalize(raw) == GOOD


def test_integer_value_is_accepted():
    assert parse_nip(198609262015051001, today=TODAY).number == GOOD


@pytest.mark.parametrize("raw", [None, "", "   ", "''"])
def test_missing_number(raw):
    assert code_of(parse_nip, raw) == "missing_number"


@pytest.mark.parametrize(
    "raw",
    [
        "1.98609E+17",
        "1,98609E+17",  # Indonesian-locale Excel
        "1.98609262015051e+17",
        "1.98609E17",
        "198609262015051000.0",
        "198609262015051000,00",
        1.98609262015051e17,  # a float cell
    ],
)
def test_excel_mangled(raw):
    assert code_of(parse_nip, raw) == "excel_mangled"
    assert code_of(parse_ni_pppk, raw) == "excel_mangled"


def test_excel_message_says_format_as_text():
    with pytest.raises(InvalidEmployeeNumber) as info:
        parse_nip("1.98609E+17")
    assert "Teks" in info.value.message


@pytest.mark.parametrize("raw", ["19860926-201505-1-001", "1986O9262015051001", "NIP198609262015051", "١٩٨٦٠٩٢٦٢٠١٥٠٥١٠٠١"])
def test_not_digits(raw):
    assert code_of(parse_nip, raw) == "not_digits"


@pytest.mark.parametrize("raw,length", [("19860926201505100", 17), ("1986092620150510011", 19), ("123", 3)])
def test_wrong_length(raw, length):
    with pytest.raises(InvalidEmployeeNumber) as info:
        parse_nip(raw, today=TODAY)
    assert info.value.code == "wrong_length"
    assert str(length) in info.value.message


@pytest.mark.parametrize(
    "birth",
    [
        "19860229",  # 1986 is not a leap year
        "19000229",  # century rule: not a leap year
        "19861301",  # month 13
        "19860001",  # month 00
        "19860931",  # 31 September
        "19860900",  # day 00
        "19200101",  # implausibly old for a live roster
        "20270101",  # born in the future
    ],
)
def test_bad_birth_date(birth):
    assert code_of(parse_nip, f"{birth}2015051001") == "bad_birth_date"
    assert code_of(parse_ni_pppk, f"{birth}2015051001") == "bad_birth_date"


def test_leap_day_birth_is_valid():
    assert parse_nip("198802292010011001", today=TODAY).birth_date == dt.date(1988, 2, 29)
    assert parse_nip("200002292020011001", today=TODAY).birth_date == dt.date(2000, 2, 29)


@pytest.mark.parametrize(
    "appointment",
    [
        "201500",  # month 00
        "201513",  # month 13
        "200208",  # aged 15
        "200308",  # the month before the 17th birthday
        "198001",  # before birth
        "202704",  # more than a year in the future
        "203001",
    ],
)
def test_bad_appointment_date(appointment):
    assert code_of(parse_nip, f"19860926{appointment}1001") == "bad_appointment_date"


@pytest.mark.parametrize("appointment", ["200309", "201505", "202603", "202703"])
def test_appointment_edges_that_are_accepted(appointment):
    # turning 17 in September 2003; up to a year ahead of "today" (March 2026)
    assert parse_nip(f"19860926{appointment}1001", today=TODAY).appointment_year == int(appointment[:4])


@pytest.mark.parametrize("digit", ["0", "3", "9"])
def test_bad_gender_digit(digit):
    assert code_of(parse_nip, f"19860926201505{digit}001") == "bad_gender_digit"
    assert code_of(parse_ni_pppk, f"19860926202101{digit}001") == "bad_gender_digit"


def test_bad_sequence():
    assert code_of(parse_nip, "198609262015051000") == "bad_sequence"
    assert parse_nip("198609262015051999", today=TODAY).sequence == 999


def test_rules_apply_in_order_of_the_digits():
    # birth date is checked before appointment, appointment before gender, gender before sequence
    assert code_of(parse_nip, "198613262015009000") == "bad_birth_date"
    assert code_of(parse_nip, "198609262015009000") == "bad_appointment_date"
    assert code_of(parse_nip, "198609262015059000") == "bad_gender_digit"


@pytest.mark.parametrize("raw", ["199012302022211003", "199009132025242014", "19901230 202221 1 003"])
def test_ni_pppk_middle_digits_are_lenient(raw):
    parts = parse_ni_pppk(raw, today=TODAY)
    assert parts.number == normalize(raw)
    assert parts.appointment_year is None
    # the same numbers are not valid PNS NIPs
    assert code_of(parse_nip, raw) == "bad_appointment_date"


def test_ni_pppk_still_checks_birth_date_gender_and_length():
    assert code_of(parse_ni_pppk, "199002302022211003") == "bad_birth_date"
    assert code_of(parse_ni_pppk, "199012302022213003") == "bad_gender_digit"
    assert code_of(parse_ni_pppk, "19901230202221100") == "wrong_length"
    assert parse_ni_pppk("199009132025242014", today=TODAY).gender_label == "P"


def test_validate_employee_number_by_type():
    assert validate_employee_number(GOOD, EmployeeType.PNS, today=TODAY) == GOOD
    assert validate_employee_number("19860926 201505 1 001", EmployeeType.CPNS, today=TODAY) == GOOD
    assert validate_employee_number("199012302022211003", EmployeeType.PPPK, today=TODAY) == "199012302022211003"
    assert (
        validate_employee_number("199009132025242014", EmployeeType.PPPK_PARUH_WAKTU, today=TODAY)
        == "199009132025242014"
    )
    with pytest.raises(InvalidEmployeeNumber):
        validate_employee_number("199012302022211003", EmployeeType.PNS, today=TODAY)
    assert validate_employee_number("thl-2024/017", EmployeeType.NON_ASN) == "THL-2024/017"


@pytest.mark.parametrize("raw,expected", [("honor.12", "HONOR.12"), (" ppnpn 001 ", "PPNPN001"), ("A1B", "A1B")])
def test_non_asn_identifiers(raw, expected):
    assert normalize_other_id(raw) == expected


@pytest.mark.parametrize("raw,code", [("", "missing_number"), ("AB", "bad_identifier"), ("A" * 33, "bad_identifier"),
                                      ("-ABC", "bad_identifier"), ("AB#1", "bad_identifier")])
def test_bad_non_asn_identifiers(raw, code):
    with pytest.raises(InvalidEmployeeNumber) as info:
        normalize_other_id(raw)
    assert info.value.code == code


def test_format_and_mask():
    assert format_nip(GOOD) == "19860926 201505 1 001"
    assert format_nip("THL-001") == "THL-001"
    masked = mask_employee_number(GOOD)
    assert masked.endswith("001") and "1986" not in masked and "2015" not in masked
    assert mask_employee_number("THL-2024-17") == "••••••••-17"
    assert mask_employee_number("AB") == "•AB"
