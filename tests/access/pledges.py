"""Access rows for signing the pakta integritas and the public verification page (``Row`` is
injected by tests/test_access.py).

Scenario additions (plain inserts; seq numbers far from the HR rows' so the per-instansi unique
constraints never meet): ``sign_campaign`` (instansi A, open) signed by the scenario's peserta
and by ``person_same``; ``sign_campaign_open`` (instansi A, open, signed by nobody);
``sign_campaign_other`` (instansi B) signed by ``person_other_instansi``. ``sign_code`` is the
verification code of the peserta's signature.

Everyone of an instansi signs its campaigns (the superadmin belongs to none: 404); another
instansi's campaign is 404; the receipt and the PDF are the signer's own only (there is no URL
for someone else's; HR downloads through the HR pages); the public page is open to everyone.
"""

SIGNED_IN = ("peserta", "pelatih", "operator_skpd", "admin_bkpsdm", "superadmin")
INSTANSI_PEOPLE = ("peserta", "pelatih", "operator_skpd", "admin_bkpsdm")


def expect(status, anon=302, superadmin=404, **roles):  # type: ignore[no-untyped-def]
    """``status`` for the people of instansi A unless ``roles`` says otherwise."""
    return {"anon": anon, **{role: status for role in INSTANSI_PEOPLE}, "superadmin": superadmin, **roles}


NOBODY = {"anon": 302, **{role: 404 for role in SIGNED_IN}}
PUBLIC = {"anon": 200, **{role: 200 for role in SIGNED_IN}}
PUBLIC_404 = {"anon": 404, **{role: 404 for role in SIGNED_IN}}


def extend_scenario(app, ids, users):  # type: ignore[no-untyped-def]
    from elearn.accounts.models import User
    from elearn.db import db
    from elearn.org.services import get_instansi
    from pledge_support import insert_raw_signature, make_campaign, make_pledge_version

    body = "# Pakta Tanda Tangan\n\nSaya, {nama}, NIP {nip}, {jabatan}, bersikap netral.\n\n{tempat}, {tanggal}\n"
    with app.app_context():
        version = make_pledge_version(body, slug="pakta-tanda-tangan")
        instansi_a, instansi_b = get_instansi(ids["instansi"]).id, get_instansi(ids["instansi_other"]).id
        signed = make_campaign(instansi_a, version, slug="tanda-tangan")
        open_ = make_campaign(instansi_a, version, slug="tanda-tangan-terbuka")
        other = make_campaign(instansi_b, version, slug="tanda-tangan-lain")

        def sign(campaign, person_id, seq):  # type: ignore[no-untyped-def]
            return insert_raw_signature(campaign, db.session.get(User, person_id), seq, prev_hash=f"{seq - 1:064x}")

        mine = sign(signed, users["peserta"].id, 1001)
        sign(signed, ids["person_same"], 1002)
        sign(other, ids["person_other_instansi"], 1001)
        result = {"sign_campaign": signed.id, "sign_campaign_open": open_.id, "sign_campaign_other": other.id,
                  "sign_code": mine.verify_code}
        db.session.commit()
    return result


ROWS = [
    Row("GET", "/pakta/", expect(200, superadmin=200)),  # noqa: F821
    # signing: the peserta already signed sign_campaign (to the receipt), nobody signed the open one
    Row("GET", "/pakta/{sign_campaign}/tandatangani", expect(200, peserta=302)),  # noqa: F821
    Row("GET", "/pakta/{sign_campaign_open}/tandatangani", expect(200)),  # noqa: F821
    Row("GET", "/pakta/{sign_campaign_other}/tandatangani", NOBODY),  # noqa: F821
    Row("GET", "/pakta/999999/tandatangani", NOBODY),  # noqa: F821
    # an empty POST: the form again with its errors; nothing is signed
    Row("POST", "/pakta/{sign_campaign_open}/tandatangani", expect(200)),  # noqa: F821
    Row("POST", "/pakta/{sign_campaign}/tandatangani", expect(200, peserta=302)),  # noqa: F821
    Row("POST", "/pakta/{sign_campaign_other}/tandatangani", NOBODY),  # noqa: F821
    # the receipt: the signer's own; the others haven't signed (to the signing page)
    Row("GET", "/pakta/{sign_campaign}/bukti", expect(302, peserta=200)),  # noqa: F821
    Row("GET", "/pakta/{sign_campaign_other}/bukti", NOBODY),  # noqa: F821
    # the PDF: only one's own (person_same also signed sign_campaign; nobody else gets theirs here)
    Row("GET", "/pakta/{sign_campaign}/dokumen.pdf", expect(404, peserta=200)),  # noqa: F821
    Row("GET", "/pakta/{sign_campaign_open}/dokumen.pdf", expect(404)),  # noqa: F821
    Row("GET", "/pakta/{sign_campaign_other}/dokumen.pdf", NOBODY),  # noqa: F821
    # the public verification page: no sign-in, the same for everyone
    Row("GET", "/verifikasi/pakta/{sign_code}", PUBLIC),  # noqa: F821
    Row("GET", "/verifikasi/pakta/kode-tidak-ada", PUBLIC_404),  # noqa: F821
]
