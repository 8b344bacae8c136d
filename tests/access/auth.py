"""Access rows for sign-in, activation, language and the home page (``Row`` is injected)."""

ALL_200 = dict.fromkeys(("anon", "peserta", "pelatih", "operator_skpd", "admin_bkpsdm", "superadmin"), 200)
SIGNED_IN_REDIRECT = {**dict.fromkeys(("peserta", "pelatih", "operator_skpd", "admin_bkpsdm", "superadmin"), 302), "anon": 200}
LOGIN_REQUIRED_200 = {**ALL_200, "anon": 302}

ROWS = [
    Row("GET", "/masuk", SIGNED_IN_REDIRECT),  # noqa: F821
    Row("POST", "/masuk", SIGNED_IN_REDIRECT, data={"nip": "1", "password": "x"}),  # noqa: F821
    Row("GET", "/aktivasi", SIGNED_IN_REDIRECT),  # noqa: F821
    Row("POST", "/aktivasi", SIGNED_IN_REDIRECT, data={"nip": "1", "code": "x", "password": "x", "confirm": "x"}),  # noqa: F821
    Row("POST", "/keluar", dict.fromkeys(ALL_200, 302), note="public-redirect"),  # noqa: F821
    Row("POST", "/bahasa", dict.fromkeys(ALL_200, 302), data={"lang": "en"}, note="public-redirect"),  # noqa: F821
    Row("GET", "/akun/kata-sandi", LOGIN_REQUIRED_200),  # noqa: F821
    Row("POST", "/akun/kata-sandi", LOGIN_REQUIRED_200, data={"current": "x", "password": "y", "confirm": "y"}),  # noqa: F821
    Row("GET", "/", LOGIN_REQUIRED_200),  # noqa: F821
    Row("GET", "/healthz", ALL_200),  # noqa: F821
]
