"""Access rows for the national roll-up (``/rekap/nasional``): superadmin only; every other
signed-in role is refused (403: no object of theirs is involved), anonymous goes to sign in."""

ROWS = [
    Row("GET", "/rekap/nasional", {"anon": 302, "peserta": 403, "pelatih": 403, "operator_skpd": 403,  # noqa: F821
                                   "admin_bkpsdm": 403, "superadmin": 200}),
]
