"""Access rows for the roster import (``Row`` is injected by tests/test_access.py).

Scenario objects (see ``extend_scenario``): ``import_same`` (uploaded by the operator of
skpd_same and checked, not applied), ``import_same_waiting`` (same, its check job still queued),
``import_same_applied`` (same, applied), ``import_same_running`` (same, its import job queued),
``import_other_skpd`` (another operator's upload for skpd_other) and ``import_other_instansi``.
"""

HR = ("operator_skpd", "admin_bkpsdm", "superadmin")


def expect(anon=302, peserta=403, pelatih=403, operator_skpd=200, admin_bkpsdm=200, superadmin=200):
    return {"anon": anon, "peserta": peserta, "pelatih": pelatih, "operator_skpd": operator_skpd,
            "admin_bkpsdm": admin_bkpsdm, "superadmin": superadmin}


def extend_scenario(app, ids, users):
    from elearn.accounts.models import Role, User
    from elearn.db import db
    from elearn.jobs.services import run_pending
    from elearn.org.models import Unit
    from elearn.org.services import get_instansi
    from elearn.roster import services
    from support import make_nip

    def csv_for(skpd_name):
        return f"NIP;Nama;SKPD\n{make_nip()};Pegawai Impor;{skpd_name}\n".encode()

    with app.app_context():
        operator = db.session.get(User, users["operator_skpd"].id)
        admin = db.session.get(User, users["admin_bkpsdm"].id)
        superadmin = db.session.get(User, users["superadmin"].id)
        skpd_x = db.session.get(Unit, ids["skpd_same"])
        skpd_y = db.session.get(Unit, ids["skpd_other"])
        other_operator = User(employee_number=make_nip(), name="Operator Lain", role=Role.OPERATOR_SKPD,
                              instansi_id=skpd_y.instansi_id, unit_id=skpd_y.id)
        db.session.add(other_operator)
        db.session.flush()
        inst_b = get_instansi(ids["instansi_other"])
        same = services.create_upload(operator.instansi, operator, "same.csv", csv_for(skpd_x.name), skpd_x)
        applied = services.create_upload(operator.instansi, operator, "applied.csv", csv_for(skpd_x.name), skpd_x)
        running = services.create_upload(operator.instansi, operator, "running.csv", csv_for(skpd_x.name), skpd_x)
        other_skpd = services.create_upload(admin.instansi, other_operator, "y.csv", csv_for(skpd_y.name), skpd_y)
        other_instansi = services.create_upload(inst_b, superadmin, "b.csv", csv_for("Dinas Kesehatan"), None)
        db.session.commit()
        run_pending("access")  # the check jobs
        for imp in (same, applied, running, other_skpd, other_instansi):
            db.session.refresh(imp)
        applied.mark_applied(created=1, updated=0, unchanged=0, deactivated=0, new_units=[],
                             errors=[{"line": 3, "code": "missing_name", "message": "Nama kosong.", "nip": "1"}])
        services.start_import(running, actor=operator, deactivate_missing=False)
        waiting = services.create_upload(operator.instansi, operator, "waiting.csv", csv_for(skpd_x.name), skpd_x)
        db.session.commit()
        return {
            "import_same": same.id,
            "import_same_waiting": waiting.id,
            "import_same_applied": applied.id,
            "import_same_running": running.id,
            "import_other_skpd": other_skpd.id,
            "import_other_instansi": other_instansi.id,
        }


ROWS = [
    Row("GET", "/impor/", expect()),  # noqa: F821
    Row("POST", "/impor/", expect()),  # noqa: F821  (no file: the form is shown again with an error)
    # the operator's own upload
    Row("GET", "/impor/{import_same}", expect()),  # noqa: F821
    Row("POST", "/impor/{import_same}/terapkan", expect(operator_skpd=302, admin_bkpsdm=302, superadmin=302)),  # noqa: F821
    # the progress page: 200 while the job runs, else a redirect (preview or summary)
    Row("GET", "/impor/{import_same}/proses", expect(operator_skpd=302, admin_bkpsdm=302, superadmin=302)),  # noqa: F821
    Row("GET", "/impor/{import_same_running}/proses", expect()),  # noqa: F821
    Row("GET", "/impor/{import_same_running}", expect(operator_skpd=302, admin_bkpsdm=302, superadmin=302)),  # noqa: F821
    # uploaded, its check job queued: the progress page; no preview, no apply yet
    Row("GET", "/impor/{import_same_waiting}/proses", expect()),  # noqa: F821
    Row("GET", "/impor/{import_same_waiting}", expect(operator_skpd=302, admin_bkpsdm=302, superadmin=302)),  # noqa: F821
    Row("POST", "/impor/{import_same_waiting}/terapkan",  # noqa: F821
        expect(operator_skpd=302, admin_bkpsdm=302, superadmin=302)),
    Row("GET", "/impor/{import_same_applied}/proses",  # noqa: F821
        expect(operator_skpd=302, admin_bkpsdm=302, superadmin=302)),
    Row("GET", "/impor/{import_same_applied}/ringkasan", expect()),  # noqa: F821
    Row("GET", "/impor/{import_same_applied}/galat.csv", expect()),  # noqa: F821
    # another operator's upload (another SKPD of the same instansi)
    Row("GET", "/impor/{import_other_skpd}", expect(operator_skpd=404)),  # noqa: F821
    Row("GET", "/impor/{import_other_skpd}/proses", expect(operator_skpd=404, admin_bkpsdm=302, superadmin=302)),  # noqa: F821
    Row("POST", "/impor/{import_other_skpd}/terapkan", expect(operator_skpd=404, admin_bkpsdm=302, superadmin=302)),  # noqa: F821
    Row("GET", "/impor/{import_other_skpd}/ringkasan", expect(operator_skpd=404, admin_bkpsdm=302, superadmin=302)),  # noqa: F821
    Row("GET", "/impor/{import_other_skpd}/galat.csv", expect(operator_skpd=404)),  # noqa: F821
    # another instansi's upload
    Row("GET", "/impor/{import_other_instansi}", expect(operator_skpd=404, admin_bkpsdm=404)),  # noqa: F821
    Row("GET", "/impor/{import_other_instansi}/proses",  # noqa: F821
        expect(operator_skpd=404, admin_bkpsdm=404, superadmin=302)),
    Row("POST", "/impor/{import_other_instansi}/terapkan",  # noqa: F821
        expect(operator_skpd=404, admin_bkpsdm=404, superadmin=302)),
    Row("GET", "/impor/{import_other_instansi}/ringkasan",  # noqa: F821
        expect(operator_skpd=404, admin_bkpsdm=404, superadmin=302)),
    Row("GET", "/impor/{import_other_instansi}/galat.csv", expect(operator_skpd=404, admin_bkpsdm=404)),  # noqa: F821
]
