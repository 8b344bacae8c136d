"""The one formula-injection guard for every spreadsheet we hand out, and its users."""
from __future__ import annotations

import csv
import io

import pytest

from elearn.accounts.models import Role
from elearn.db import db
from elearn.roster import services
from elearn.spreadsheets import safe_cell

RISKY = ["=1+1", "+62812", "-5", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+62812", "'+62812"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("Budi", "Budi"), ("", ""), (None, ""), (17, "17"),
     ("19860926 201505 1 001", "19860926 201505 1 001"), ("a=b", "a=b")],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_roster_error_csv_neutralises_every_formula_start(app, client, make_instansi, make_unit, make_user,
                                                           login_as):
    instansi = make_instansi()
    admin = make_user(Role.ADMIN_BKPSDM, make_unit(instansi=instansi))
    login_as(admin)
    with app.app_context():
        from elearn.accounts.models import User

        uploader = db.session.get(User, admin.id)
        imp = services.create_upload(uploader.instansi, uploader, "a.csv", b"NIP;Nama;SKPD\n1;B;D\n")
        imp.mark_applied(created=0, updated=0, unchanged=0, deactivated=0, new_units=[],
                         errors=[{"line": i + 2, "code": "x", "message": value, "nip": value}
                                 for i, value in enumerate(RISKY)])
        db.session.commit()
        iid = imp.id
    report = client.get(f"/impor/{iid}/galat.csv")
    assert report.status_code == 200
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"), newline="")))[1:]
    assert [r[3] for r in rows] == ["'" + value for value in RISKY]
    assert [r[2] for r in rows] == ["'" + value for value in RISKY]
