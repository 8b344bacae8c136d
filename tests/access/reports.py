"""Access rows for the rekap per SKPD (``/rekap``; ``Row`` is injected by tests/test_access.py).

Admin BKPSDM sees every SKPD of their instansi, superadmin any instansi (``?instansi=``), the
operator SKPD only their own SKPD: another SKPD, a unit that is no SKPD or another instansi answers
404 (by URL or by ``?skpd=``)."""

HR_ONLY = {"anon": 302, "peserta": 403, "pelatih": 403}
VIEW = {**HR_ONLY, "operator_skpd": 200, "admin_bkpsdm": 200, "superadmin": 200}
OTHER_SKPD = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 200, "superadmin": 200}
OTHER_INSTANSI = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 404, "superadmin": 200}
NOBODY = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 404, "superadmin": 404}
#: the superadmin must choose an instansi first: the level pages and exports 404 without one
NEEDS_INSTANSI = {**HR_ONLY, "operator_skpd": 200, "admin_bkpsdm": 200, "superadmin": 404}

BASE = "/rekap"
Q = "?instansi={instansi}"
Q_OTHER = "?instansi={instansi_other}"

ROWS = [
    Row("GET", BASE + "/", VIEW),  # noqa: F821
    Row("GET", BASE + "/" + Q, VIEW),  # noqa: F821
    Row("GET", BASE + "/" + Q + "&sort=pegawai&arah=desc", VIEW),  # noqa: F821
    Row("GET", BASE + "/" + Q_OTHER, OTHER_INSTANSI),  # noqa: F821
    Row("GET", BASE + "/ekspor.xlsx" + Q, VIEW),  # noqa: F821
    Row("GET", BASE + "/ekspor.xlsx", NEEDS_INSTANSI),  # noqa: F821
    Row("GET", BASE + "/ekspor.xlsx" + Q_OTHER, OTHER_INSTANSI),  # noqa: F821
    Row("GET", BASE + "/ekspor.xlsx" + Q + "&skpd={skpd_other}", OTHER_SKPD),  # noqa: F821
    Row("GET", BASE + "/ringkasan.pdf" + Q, VIEW),  # noqa: F821
    Row("GET", BASE + "/ringkasan.pdf" + Q_OTHER, OTHER_INSTANSI),  # noqa: F821
    Row("GET", BASE + "/ekspor.csv" + Q, VIEW),  # noqa: F821
    Row("GET", BASE + "/ekspor.csv" + Q_OTHER, OTHER_INSTANSI),  # noqa: F821
    Row("GET", BASE + "/ekspor.csv" + Q + "&skpd={skpd_same}", VIEW),  # noqa: F821
    Row("GET", BASE + "/ekspor.csv" + Q + "&skpd={skpd_other}", OTHER_SKPD),  # noqa: F821
    Row("GET", BASE + "/ekspor.csv" + Q + "&skpd={unit_same}", NOBODY),  # noqa: F821
    Row("GET", BASE + "/ekspor.csv" + Q + "&skpd={skpd_other_instansi}", NOBODY),  # noqa: F821
]
for _suffix in ("", "/pegawai"):
    ROWS += [
        Row("GET", BASE + "/skpd/{skpd_same}" + _suffix + Q, VIEW),  # noqa: F821
        Row("GET", BASE + "/skpd/{skpd_other}" + _suffix + Q, OTHER_SKPD),  # noqa: F821
        Row("GET", BASE + "/skpd/{unit_same}" + _suffix + Q, NOBODY),  # noqa: F821  (not a perangkat daerah)
        Row("GET", BASE + "/skpd/{skpd_other_instansi}" + _suffix + Q, NOBODY),  # noqa: F821
        Row("GET", BASE + "/skpd/{skpd_other_instansi}" + _suffix + Q_OTHER, OTHER_INSTANSI),  # noqa: F821
    ]
ROWS += [
    Row("GET", BASE + "/skpd/{skpd_same}/pegawai" + Q + "&unit={unit_same}&kurang=any", VIEW),  # noqa: F821
    Row("GET", BASE + "/skpd/{skpd_same}/pegawai" + Q + "&unit={skpd_other}", NOBODY),  # noqa: F821
]
#: "Hitung ulang" (POST): the same people as the dashboard; counted, then back to it (302)
RECOUNT = {"anon": 302, "peserta": 403, "pelatih": 403, "operator_skpd": 302, "admin_bkpsdm": 302, "superadmin": 302}
ROWS += [
    Row("POST", BASE + "/hitung-ulang" + Q, RECOUNT),  # noqa: F821
    Row("POST", BASE + "/hitung-ulang", {**RECOUNT, "superadmin": 404}),  # noqa: F821  (no instansi chosen)
    Row("POST", BASE + "/hitung-ulang" + Q_OTHER, {**OTHER_INSTANSI, "superadmin": 302}),  # noqa: F821
]
