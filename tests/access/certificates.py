"""Access rows for the certificate pages: the learner's own (``/sertifikat/``), the public
verification pages and HR's detail, revoke, reissue and settings pages (``Row`` is injected by
tests/test_access.py).

Scenario additions (rows inserted directly): ``cert_mine`` for the scenario's peserta (instansi A,
SKPD X), ``cert_other_skpd`` for ``person_other_skpd`` (SKPD Y), ``cert_other_instansi`` for
``person_other_instansi`` (instansi B); ``cert_code`` is the verification code of ``cert_mine``.

Learner pages: one's own certificates only (another's id is 404). Public pages: everyone, the same
answer. HR: the superadmin everything, the admin BKPSDM their instansi, the operator SKPD views the
certificates of their SKPD but may not revoke or reissue (403); outside scope 404. The empty POSTs
are refused by the form (400) once authorised: nothing is revoked by the table.
"""

SIGNED_IN = ("peserta", "pelatih", "operator_skpd", "admin_bkpsdm", "superadmin")

PUBLIC = {"anon": 200, **{role: 200 for role in SIGNED_IN}}
PUBLIC_404 = {"anon": 404, **{role: 404 for role in SIGNED_IN}}
PUBLIC_400 = {"anon": 400, **{role: 400 for role in SIGNED_IN}}
ANY_SIGNED_IN = {"anon": 302, **{role: 200 for role in SIGNED_IN}}
OWNER_ONLY = {"anon": 302, **{role: 404 for role in SIGNED_IN}, "peserta": 200}
NOBODY = {"anon": 302, **{role: 404 for role in SIGNED_IN}}


def hr(operator, admin, superadmin=None):  # type: ignore[no-untyped-def]
    return {"anon": 302, "peserta": 404, "pelatih": 404, "operator_skpd": operator, "admin_bkpsdm": admin,
            "superadmin": admin if superadmin is None else superadmin}


ADMINS = {"anon": 302, "peserta": 403, "pelatih": 403, "operator_skpd": 403}


def extend_scenario(app, ids, users):  # type: ignore[no-untyped-def]
    from certificate_support import course_version, insert_certificate
    from elearn.db import db

    with app.test_request_context():
        version = course_version()
        mine = insert_certificate(users["peserta"].id, version)
        other_skpd = insert_certificate(ids["person_other_skpd"], version)
        other_instansi = insert_certificate(ids["person_other_instansi"], version)
        result = {"cert_mine": mine.id, "cert_other_skpd": other_skpd.id, "cert_other_instansi": other_instansi.id,
                  "cert_code": mine.code}
        db.session.commit()
    return result


ROWS = [
    # the learner's own
    Row("GET", "/sertifikat/", ANY_SIGNED_IN),  # noqa: F821
    Row("GET", "/sertifikat/{cert_mine}/sertifikat.pdf", OWNER_ONLY),  # noqa: F821
    Row("GET", "/sertifikat/{cert_other_skpd}/sertifikat.pdf", NOBODY),  # noqa: F821
    Row("GET", "/sertifikat/999999/sertifikat.pdf", NOBODY),  # noqa: F821
    Row("GET", "/sertifikat/{cert_mine}/lencana.json", OWNER_ONLY),  # noqa: F821
    Row("GET", "/sertifikat/{cert_other_instansi}/lencana.json", NOBODY),  # noqa: F821
    # public verification: the same for everyone; unknown and malformed alike
    Row("GET", "/verifikasi/sertifikat/{cert_code}", PUBLIC),  # noqa: F821
    Row("GET", "/verifikasi/sertifikat/kode-tidak-ada", PUBLIC_404),  # noqa: F821
    Row("GET", "/verifikasi/sertifikat/%27%3B--", PUBLIC_404),  # noqa: F821
    Row("GET", "/verifikasi/sertifikat", PUBLIC),  # noqa: F821
    Row("POST", "/verifikasi/sertifikat", PUBLIC_400),  # noqa: F821 (no file: the form with a message)
    # HR: one certificate
    Row("GET", "/admin/sertifikat/{cert_mine}", hr(200, 200)),  # noqa: F821
    Row("GET", "/admin/sertifikat/{cert_other_skpd}", hr(404, 200)),  # noqa: F821
    Row("GET", "/admin/sertifikat/{cert_other_instansi}", hr(404, 404, 200)),  # noqa: F821
    Row("GET", "/admin/sertifikat/{cert_mine}/sertifikat.pdf", hr(200, 200)),  # noqa: F821
    Row("GET", "/admin/sertifikat/{cert_other_skpd}/sertifikat.pdf", hr(404, 200)),  # noqa: F821
    Row("GET", "/admin/sertifikat/{cert_other_instansi}/sertifikat.pdf", hr(404, 404, 200)),  # noqa: F821
    Row("GET", "/admin/sertifikat/999999", hr(404, 404)),  # noqa: F821
    Row("POST", "/admin/sertifikat/{cert_mine}/cabut", hr(403, 400)),  # noqa: F821
    Row("POST", "/admin/sertifikat/{cert_other_skpd}/cabut", hr(404, 400)),  # noqa: F821
    Row("POST", "/admin/sertifikat/{cert_other_instansi}/cabut", hr(404, 404, 400)),  # noqa: F821
    Row("POST", "/admin/sertifikat/{cert_mine}/terbitkan-ulang", hr(403, 400)),  # noqa: F821
    Row("POST", "/admin/sertifikat/{cert_other_instansi}/terbitkan-ulang", hr(404, 404, 400)),  # noqa: F821
    # HR: settings (the superadmin first chooses an instansi)
    Row("GET", "/admin/sertifikat/pengaturan", {**ADMINS, "admin_bkpsdm": 200, "superadmin": 200}),  # noqa: F821
    Row("GET", "/admin/sertifikat/pengaturan?instansi={instansi_other}",  # noqa: F821
        {**ADMINS, "admin_bkpsdm": 200, "superadmin": 200}),
    Row("GET", "/admin/sertifikat/pengaturan?instansi=tidak-ada",  # noqa: F821
        {**ADMINS, "admin_bkpsdm": 200, "superadmin": 404}),
    Row("POST", "/admin/sertifikat/pengaturan", {**ADMINS, "admin_bkpsdm": 400, "superadmin": 200}),  # noqa: F821
    Row("POST", "/admin/sertifikat/pengaturan?instansi={instansi}",  # noqa: F821
        {**ADMINS, "admin_bkpsdm": 400, "superadmin": 400}),
]
