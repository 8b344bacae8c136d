"""Access rows for the unit tree (``Row`` is injected)."""

HR_ONLY = {"anon": 302, "peserta": 403, "pelatih": 403}
VIEW_OWN = {**HR_ONLY, "operator_skpd": 200, "admin_bkpsdm": 200, "superadmin": 200}
VIEW_OTHER_INSTANSI = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 404, "superadmin": 200}
# editing the tree is for the admin BKPSDM (and superadmin); operators are refused outright
EDIT_OWN = {**HR_ONLY, "operator_skpd": 403, "admin_bkpsdm": 200, "superadmin": 200}
EDIT_OTHER_INSTANSI = {**HR_ONLY, "operator_skpd": 403, "admin_bkpsdm": 404, "superadmin": 200}


def redirect(expect):
    return {role: 302 if status == 200 else status for role, status in expect.items()}


ROWS = [
    Row("GET", "/unit/", VIEW_OWN),  # noqa: F821
    Row("GET", "/unit/?instansi={instansi}", VIEW_OWN),  # noqa: F821
    Row("GET", "/unit/?instansi={instansi_other}", VIEW_OTHER_INSTANSI),  # noqa: F821
    Row("POST", "/unit/baru?instansi={instansi}", redirect(EDIT_OWN), data={"name": "Kecamatan Baru", "kind": "kecamatan"}),  # noqa: F821
    Row("POST", "/unit/baru?instansi={instansi_other}", redirect(EDIT_OTHER_INSTANSI), data={"name": "Kecamatan Baru"}),  # noqa: F821
]
for unit, own in (("{skpd_same}", True), ("{unit_same}", True), ("{skpd_other}", True), ("{skpd_other_instansi}", False)):
    expect = EDIT_OWN if own else EDIT_OTHER_INSTANSI
    ROWS += [
        Row("GET", f"/unit/{unit}", expect),  # noqa: F821
        Row("POST", f"/unit/{unit}/ubah", redirect(expect), data={"name": "Nama Baru Unit", "kind": "lainnya"}),  # noqa: F821
        Row("POST", f"/unit/{unit}/pindah", redirect(expect), data={"parent_id": ""}),  # noqa: F821
        Row("POST", f"/unit/{unit}/status", redirect(expect), data={"active": "0"}),  # noqa: F821
    ]
