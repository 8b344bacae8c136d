"""Interpreting roster cells: golongan, employee type, jenis jabatan, kepala wilayah, contacts.

The per-cell interpreters are memoised: a roster repeats the same few values thousands of times.

Each function returns the normalised value, or ``None`` when the text is not recognised
(the caller turns that into an error code for the row).
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..accounts.models import EmployeeType, JenisJabatan


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


# --- golongan -------------------------------------------------------------------------------

#: PNS golongan/ruang: I/a-I/d, II/a-II/d, III/a-III/d, IV/a-IV/e
PNS_GOLONGAN = tuple(
    f"{g}/{r}" for g, rooms in (("I", "abcd"), ("II", "abcd"), ("III", "abcd"), ("IV", "abcde")) for r in rooms
)
#: PPPK golongan I-XVII
PPPK_GOLONGAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
                 "XVI", "XVII")

#: pangkat names (PP 99/2000), so a column holding only "Penata Muda Tingkat I" still works
PANGKAT = {
    "jurumuda": "I/a", "jurumudatingkati": "I/b", "juru": "I/c", "jurutingkati": "I/d",
    "pengaturmuda": "II/a", "pengaturmudatingkati": "II/b", "pengatur": "II/c", "pengaturtingkati": "II/d",
    "penatamuda": "III/a", "penatamudatingkati": "III/b", "penata": "III/c", "penatatingkati": "III/d",
    "pembina": "IV/a", "pembinatingkati": "IV/b", "pembinautamamuda": "IV/c", "pembinautamamadya": "IV/d",
    "pembinautama": "IV/e",
}

_PNS_CODE = re.compile(r"(?<![A-Za-z])(IV|III|II|I)\s*[/\\.\-]?\s*([a-e])(?![A-Za-z])", re.IGNORECASE)
_ROMAN = re.compile(r"^(?:gol(?:ongan)?\.?)?\s*([ivx]{1,5})$", re.IGNORECASE)


@lru_cache(maxsize=4096)
def normalize_golongan(text: str, employee_type: EmployeeType) -> str | None:
    """``'Penata Muda Tingkat I, III/b'``, ``'III b'``, ``'IIIb'`` -> ``'III/b'`` (PNS/CPNS);
    ``'IX'``, ``'Gol. IX'`` -> ``'IX'`` (PPPK). ``None`` when not a golongan of this type."""
    text = " ".join(text.split())
    if employee_type.uses_ni_pppk:
        match = _ROMAN.match(text.strip())
        value = match.group(1).upper() if match else None
        return value if value in PPPK_GOLONGAN else None
    matches = _PNS_CODE.findall(text)
    if matches:
        group, room = matches[-1]
        value = f"{group.upper()}/{room.lower()}"
        return value if value in PNS_GOLONGAN else None
    return PANGKAT.get(_key(text))


# --- employee type --------------------------------------------------------------------------

_EMPLOYEE_TYPES = {
    "pns": EmployeeType.PNS,
    "pegawainegerisipil": EmployeeType.PNS,
    "cpns": EmployeeType.CPNS,
    "calonpns": EmployeeType.CPNS,
    "calonpegawainegerisipil": EmployeeType.CPNS,
    "pppk": EmployeeType.PPPK,
    "p3k": EmployeeType.PPPK,
    "pppkpenuhwaktu": EmployeeType.PPPK,
    "pegawaipemerintahdenganperjanjiankerja": EmployeeType.PPPK,
    "pppkparuhwaktu": EmployeeType.PPPK_PARUH_WAKTU,
    "p3kparuhwaktu": EmployeeType.PPPK_PARUH_WAKTU,
    "paruhwaktu": EmployeeType.PPPK_PARUH_WAKTU,
    "nonasn": EmployeeType.NON_ASN,
    "honorer": EmployeeType.NON_ASN,
    "tenagahonorer": EmployeeType.NON_ASN,
    "ppnpn": EmployeeType.NON_ASN,
    "thl": EmployeeType.NON_ASN,
    "tenagaharianlepas": EmployeeType.NON_ASN,
    "kontrak": EmployeeType.NON_ASN,
    "tenagakontrak": EmployeeType.NON_ASN,
}


@lru_cache(maxsize=4096)
def normalize_employee_type(text: str) -> EmployeeType | None:
    key = _key(text)
    if key in _EMPLOYEE_TYPES:
        return _EMPLOYEE_TYPES[key]
    try:
        return EmployeeType(key)
    except ValueError:
        return None


# --- jenis jabatan --------------------------------------------------------------------------

_JENIS_JABATAN = {
    "jptutama": JenisJabatan.JPT_UTAMA,
    "pimpinantinggiutama": JenisJabatan.JPT_UTAMA,
    "jabatanpimpinantinggiutama": JenisJabatan.JPT_UTAMA,
    "jptmadya": JenisJabatan.JPT_MADYA,
    "pimpinantinggimadya": JenisJabatan.JPT_MADYA,
    "jabatanpimpinantinggimadya": JenisJabatan.JPT_MADYA,
    "jptpratama": JenisJabatan.JPT_PRATAMA,
    "pimpinantinggipratama": JenisJabatan.JPT_PRATAMA,
    "jabatanpimpinantinggipratama": JenisJabatan.JPT_PRATAMA,
    "administrator": JenisJabatan.ADMINISTRATOR,
    "jabatanadministrator": JenisJabatan.ADMINISTRATOR,
    "pengawas": JenisJabatan.PENGAWAS,
    "jabatanpengawas": JenisJabatan.PENGAWAS,
    "fungsional": JenisJabatan.FUNGSIONAL,
    "jabatanfungsional": JenisJabatan.FUNGSIONAL,
    "fungsionaltertentu": JenisJabatan.FUNGSIONAL,
    "jft": JenisJabatan.FUNGSIONAL,
    "pelaksana": JenisJabatan.PELAKSANA,
    "jabatanpelaksana": JenisJabatan.PELAKSANA,
    "fungsionalumum": JenisJabatan.PELAKSANA,  # the name before UU 5/2014 reclassified it
    "jfu": JenisJabatan.PELAKSANA,
}


@lru_cache(maxsize=4096)
def normalize_jenis_jabatan(text: str) -> JenisJabatan | None:
    return _JENIS_JABATAN.get(_key(text))


# --- jabatan, contacts ----------------------------------------------------------------------

_KEPALA_WILAYAH = re.compile(r"^(?:(?:plt|plh|pj)\.?\s+)?(?:camat|lurah)\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def is_kepala_wilayah(jabatan: str) -> bool:
    """Camat and lurah (also when acting: Plt./Plh./Pj.)."""
    return bool(_KEPALA_WILAYAH.match(jabatan))


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


def normalize_email(text: str) -> str | None:
    text = text.strip().lower()
    return text if len(text) <= 254 and _EMAIL.match(text) else None


def normalize_phone(text: str) -> str | None:
    """Keep a leading + and the digits; restore the 0 that a numeric Excel cell drops (8xx...)."""
    digits = re.sub(r"[\s().\-/]", "", text)
    plus = digits.startswith("+")
    digits = digits[1:] if plus else digits
    if not digits.isascii() or not digits.isdigit() or not 6 <= len(digits) <= 15:
        return None
    if not plus and digits.startswith("8"):
        digits = "0" + digits
    return ("+" if plus else "") + digits
