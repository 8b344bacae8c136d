"""New passwords that are too easy to guess are refused wherever a password is set (issue 10,
item 4): a vendored list of common passwords, checked offline, and zxcvbn's estimate with the
person's own data and Indonesian words in its dictionaries."""
from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

from elearn.accounts.models import EmployeeType, Role, User
from elearn.auth import passwords, services
from elearn.db import db
from elearn.org.models import Instansi
from support import TEST_PASSWORD, login

STRONG = "kopi-tubruk-pagi-hari"


@pytest.fixture
def person(app):
    """Siti, born 26 September 1986 (read from her NIP), of Pemerintah Kota Contoh (not saved)."""
    with app.test_request_context():
        user = User(employee_number="198609262015052001", employee_type=EmployeeType.PNS,
                    name="Siti Rahmawati, S.Pd.", role=Role.PESERTA)
        user.instansi = Instansi(name="Pemerintah Kota Contoh", slug="kota-contoh")
        yield user


@pytest.mark.parametrize("password", [
    "aaaaaaaaaa", "1234567890", "password12",  # the examples of the probe
    "P@ssw0rd2024", "p@ssw0rd12", "qwertyuiop", "Password123!",  # the list, with look-alikes and digits around
    "rahasia2024!", "Indonesia45", "bismillah123", "merdeka1945", "sayangku123",  # Indonesian
    "abcdefghij", "9876543210", "asdfghjkl;'", "zzzzzz1111", "abcabcabcabc",  # patterns
    "siti26091986", "rahmawati1986", "26091986siti", "kotacontoh2026", "sitirahmawati",  # the person
])
def test_weak_passwords_are_refused(person, password):
    assert passwords.weakness(password, person) is not None


@pytest.mark.parametrize("password", [STRONG, "sepeda-hujan-Melati-77", "Tr0ub4dor&3-zebra", "correct horse battery staple"])
def test_strong_passwords_pass(person, password):
    assert passwords.weakness(password, person) is None


def test_messages_say_what_is_wrong(person):
    assert "paling sering dipakai" in passwords.weakness("password12", person)
    assert "diulang" in passwords.weakness("aaaaaaaaaa", person)
    assert "urutan" in passwords.weakness("abcdefghij", person)
    assert "tanggal lahir" in passwords.weakness("siti26091986", person)


def test_the_lists_are_vendored_and_shipped():
    common, words = passwords._lists()
    assert len(common) > 10_000 and {"password", "rahasia", "bismillah"} <= common
    assert "indonesia" in words
    data = Path(passwords.__file__).parent / "data"
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["*"]
    for path in data.iterdir():  # every data file, its licence and its README go into the package
        assert any(fnmatch.fnmatch(path.name, p) for p in patterns), path.name


def _with_code(app, user) -> str:
    with app.app_context():
        code = services.issue_activation_code(db.session.get(User, user.id))
        db.session.commit()
    return code


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", "1234567890", "password12"])
def test_activation_refuses_a_weak_password(client, app, make_user, weak):
    user = make_user(password=None)
    code = _with_code(app, user)
    r = client.post("/aktivasi", data={"nip": user.employee_number, "code": code, "password": weak, "confirm": weak})
    assert r.status_code == 200 and "mudah ditebak" in r.get_data(as_text=True)
    assert db.session.get(User, user.id).password_hash is None
    r = client.post("/aktivasi", data={"nip": user.employee_number, "code": code, "password": STRONG, "confirm": STRONG})
    assert r.status_code == 302  # the code still works


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", "1234567890", "password12"])
def test_password_change_refuses_a_weak_password(client, make_user, weak):
    user = make_user()
    login(client, user)
    r = client.post("/akun/kata-sandi", data={"current": TEST_PASSWORD, "password": weak, "confirm": weak})
    assert r.status_code == 200 and "mudah ditebak" in r.get_data(as_text=True)
    with client.application.app_context():
        assert services.check_password(db.session.get(User, user.id), TEST_PASSWORD)


def test_command_line_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=["account", "create", "198609262015051002", "--name", "C", "--role", "superadmin", "--password-prompt"],
        input="password12\npassword12\n",
    )
    assert result.exit_code != 0 and "mudah ditebak" in result.output


@pytest.mark.parametrize("password", [
    "pass word12", "p a s s w o r d 1 2", "Pass\tWord 123!", "rahasia  2024",  # white space inside
    "pass-word12", "pass.word12", "i_love_you", "p@ss-w0rd!",  # separators inside
    "Ｐａｓｓｗｏｒｄ１２", "ｑｗｅｒｔｙｕｉｏｐ", "𝐩𝐚𝐬𝐬𝐰𝐨𝐫𝐝𝟏𝟐",  # full-width and mathematical look-alikes
])
def test_separators_and_look_alike_letters_do_not_get_a_common_password_through(person, password):
    assert passwords.weakness(password, person) is not None


@pytest.mark.parametrize("password", [
    "Netralitas!ASN2029", "kopi susu di pagi hari", "Garuda-Pancasila-45", "semangat kerja pagi",
])
def test_realistic_indonesian_passwords_pass(person, password):
    assert passwords.weakness(password, person) is None
