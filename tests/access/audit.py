"""Access rows for the audit log (``Row`` is injected)."""

ADMINS = {"anon": 302, "peserta": 403, "pelatih": 403, "operator_skpd": 403, "admin_bkpsdm": 200, "superadmin": 200}

ROWS = [
    Row("GET", "/audit/", ADMINS),  # noqa: F821
    Row("GET", "/audit/?action=account.reset&date_from=2024-01-01&date_to=2030-12-31", ADMINS),  # noqa: F821
    Row("GET", "/audit/?instansi={instansi}", ADMINS),  # noqa: F821
    Row("GET", "/audit/?instansi={instansi_other}", {**ADMINS, "admin_bkpsdm": 404}),  # noqa: F821
]
