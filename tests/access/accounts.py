"""Access rows for HR work on people and activation slips (``Row`` is injected).

Scenario objects (see ``extend_scenario``): ``pelatih_same``, ``operator_same`` and ``admin_same``,
accounts of those roles (not yet activated) in the operator's own SKPD (sub-unit x1), and
``activated_same``, a peserta there who has activated. The ``person_*`` objects have not activated:
for them the action is a slip (``/slip``), and a reset just leads back to their page (302); for an
activated account it is the reset, and ``/slip`` leads to the reset (302). An operator SKPD sees them (200)
but may administer (edit, reset, (de)activate) only accounts of a role they could grant, i.e.
peserta: 403 on the others (a reset shows the new activation code, handing over the account);
the admin BKPSDM and the superadmin may.
"""

HR_ONLY = {"anon": 302, "peserta": 403, "pelatih": 403}
# an object in the operator's own SKPD / another SKPD of instansi A / instansi B
SAME = {**HR_ONLY, "operator_skpd": 200, "admin_bkpsdm": 200, "superadmin": 200}
OTHER_SKPD = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 200, "superadmin": 200}
OTHER_INSTANSI = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 404, "superadmin": 200}


def redirect(expect):
    return {role: 302 if status == 200 else status for role, status in expect.items()}


def only_admins(expect):
    """Operators may not change roles: 403 on what they can see, 404 elsewhere."""
    return {**expect, "operator_skpd": 403 if expect["operator_skpd"] in (200, 302) else expect["operator_skpd"]}


def operator_refused(expect):
    """A person the operator sees but may not administer: 403 instead of success."""
    return {**expect, "operator_skpd": 403}


PEOPLE = (("{person_same}", SAME), ("{person_other_skpd}", OTHER_SKPD), ("{person_other_instansi}", OTHER_INSTANSI))
BAD_EDIT = {"name": "", "employee_type": "pns", "golongan": "III/a"}

ROWS = [
    Row("GET", "/pegawai/", SAME),  # noqa: F821
    Row("GET", "/pegawai/?q=Pegawai&status=aktif&activation=pending&skpd={skpd_other}", SAME),  # noqa: F821
    Row("GET", "/pegawai/?instansi={instansi_other}", SAME),  # noqa: F821
    Row("GET", "/pegawai/slip", SAME),  # noqa: F821
    Row("GET", "/pegawai/slip?skpd={skpd_same}", SAME),  # noqa: F821
    Row("GET", "/pegawai/slip?skpd={skpd_other}", OTHER_SKPD),  # noqa: F821
    Row("GET", "/pegawai/slip?skpd={skpd_other_instansi}", OTHER_INSTANSI),  # noqa: F821
    # slips are per perangkat daerah: a sub-unit is not one
    Row("GET", "/pegawai/slip?skpd={unit_same}", {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 404, "superadmin": 404}),  # noqa: F821
    Row("POST", "/pegawai/slip?skpd={skpd_same}", SAME, data={"fmt": "csv"}),  # noqa: F821
    # one unit kerja of the SKPD (a large SKPD prints unit by unit); a unit of another SKPD is not one of its units
    Row("GET", "/pegawai/slip?skpd={skpd_same}&unit={unit_same}", SAME),  # noqa: F821
    Row("POST", "/pegawai/slip?skpd={skpd_same}", SAME, data={"fmt": "csv", "unit": "{unit_same}"}),  # noqa: F821
    Row("POST", "/pegawai/slip?skpd={skpd_same}", {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 404,  # noqa: F821
                                                   "superadmin": 404}, data={"fmt": "csv", "unit": "{skpd_other}"}),
    Row("POST", "/pegawai/slip?skpd={skpd_same}", SAME, data={"fmt": "pdf", "scope": "semua"}),  # noqa: F821
    Row("POST", "/pegawai/slip?skpd={skpd_other}", OTHER_SKPD, data={"fmt": "csv", "scope": "baru"}),  # noqa: F821
    Row("POST", "/pegawai/slip?skpd={skpd_other_instansi}", OTHER_INSTANSI, data={"fmt": "pdf", "scope": "semua"}),  # noqa: F821
    # an activated peserta of the operator's SKPD: reset, and a slip request leads there
    Row("GET", "/pegawai/{activated_same}/reset", SAME),  # noqa: F821
    Row("POST", "/pegawai/{activated_same}/reset", SAME),  # noqa: F821
    Row("POST", "/pegawai/{activated_same}/slip", redirect(SAME)),  # noqa: F821
]
for person, expect in PEOPLE:
    ROWS += [
        Row("GET", f"/pegawai/{person}", expect),  # noqa: F821
        Row("GET", f"/pegawai/{person}/ubah", expect),  # noqa: F821
        # invalid input re-renders the form (200) for whoever may edit
        Row("POST", f"/pegawai/{person}/ubah", expect, data=BAD_EDIT),  # noqa: F821
        # not yet activated: nothing to reset (back to their page); the slip is the action
        Row("GET", f"/pegawai/{person}/reset", redirect(expect)),  # noqa: F821
        Row("POST", f"/pegawai/{person}/reset", redirect(expect)),  # noqa: F821
        Row("POST", f"/pegawai/{person}/slip", expect),  # noqa: F821
        Row("POST", f"/pegawai/{person}/status", redirect(expect), data={"active": "0"}),  # noqa: F821
        Row("POST", f"/pegawai/{person}/peran", only_admins(redirect(expect)), data={"role": "pelatih"}),  # noqa: F821
    ]

# accounts of roles an operator SKPD cannot grant, in the operator's own SKPD
for person in ("{pelatih_same}", "{operator_same}", "{admin_same}"):
    ROWS += [
        Row("GET", f"/pegawai/{person}", SAME),  # noqa: F821
        Row("GET", f"/pegawai/{person}/ubah", operator_refused(SAME)),  # noqa: F821
        Row("POST", f"/pegawai/{person}/ubah", operator_refused(SAME), data=BAD_EDIT),  # noqa: F821
        Row("GET", f"/pegawai/{person}/reset", operator_refused(redirect(SAME))),  # noqa: F821
        Row("POST", f"/pegawai/{person}/reset", operator_refused(redirect(SAME))),  # noqa: F821
        Row("POST", f"/pegawai/{person}/slip", operator_refused(SAME)),  # noqa: F821
        Row("POST", f"/pegawai/{person}/status", operator_refused(redirect(SAME)), data={"active": "0"}),  # noqa: F821
        Row("POST", f"/pegawai/{person}/peran", only_admins(redirect(SAME)), data={"role": "peserta"}),  # noqa: F821
    ]


def extend_scenario(app, ids, users):  # type: ignore[no-untyped-def]
    from elearn.accounts.models import Role
    from elearn.db import db
    from elearn.org.models import Unit
    from factories import new_user

    with app.app_context():
        x1 = db.session.get(Unit, ids["unit_same"])
        db.session.expunge(x1)
    objects = {
        f"{role.value.split('_')[0]}_same": new_user(app, role, x1, password=None).id
        for role in (Role.PELATIH, Role.OPERATOR_SKPD, Role.ADMIN_BKPSDM)
    }
    objects["activated_same"] = new_user(app, Role.PESERTA, x1).id
    return objects
