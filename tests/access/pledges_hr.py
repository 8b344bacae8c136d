"""Access rows for HR's pakta integritas pages (``Row`` is injected by tests/test_access.py).

Scenario additions: a pledge text version; ``campaign_same`` (instansi A) and
``campaign_other_instansi`` (instansi B); signatures written straight into the table:
``sig_same`` (``person_same``, SKPD X, the operator's own), ``sig_other_skpd`` (SKPD Y of
instansi A), both of ``campaign_same``, and ``sig_other_instansi`` of instansi B's campaign.

Campaigns: admin BKPSDM (own instansi) and superadmin manage them; the operator SKPD reads
(own SKPD only: another SKPD's figures, units, lists, exports and PDFs answer 404)."""

HR_ONLY = {"anon": 302, "peserta": 403, "pelatih": 403}
VIEW = {**HR_ONLY, "operator_skpd": 200, "admin_bkpsdm": 200, "superadmin": 200}
OTHER_SKPD = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 200, "superadmin": 200}
OTHER_INSTANSI = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 404, "superadmin": 200}
NOBODY = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 404, "superadmin": 404}
MANAGE = {**HR_ONLY, "operator_skpd": 403, "admin_bkpsdm": 200, "superadmin": 200}
MANAGE_OTHER_INSTANSI = {**HR_ONLY, "operator_skpd": 403, "admin_bkpsdm": 404, "superadmin": 200}


def redirect(expect):
    return {role: 302 if status == 200 else status for role, status in expect.items()}


def extend_scenario(app, ids, users):  # type: ignore[no-untyped-def]
    """Plain inserts (this runs for every access case)."""
    import datetime as dt
    import hashlib
    import secrets

    from elearn.accounts.models import User
    from elearn.db import db, utcnow
    from elearn.org.services import get_instansi
    from elearn.pledges.models import (Campaign, ElectionType, PledgeSignature, PledgeText, PledgeTextVersion,
                                       SigningMethod)

    body = "# Pakta Akses\n\nSaya, {nama}, NIP {nip}, bersikap netral.\n\n{tempat}, {tanggal}\n"
    with app.app_context():
        text = PledgeText(slug="pakta-akses", title="Pakta Akses")
        db.session.add(text)
        db.session.flush()
        version = PledgeTextVersion(pledge_text_id=text.id, number=1, title="Pakta Akses", body=body,
                                    source_text=body, content_hash=hashlib.sha256(body.encode()).hexdigest())
        db.session.add(version)
        db.session.flush()
        today = dt.date.today()

        def campaign(slug):  # type: ignore[no-untyped-def]
            row = Campaign(instansi_id=get_instansi(slug).id, slug="pilkada-akses", name="Pilkada Akses",
                           election_type=ElectionType.PILKADA, pledge_version_id=version.id, place="Kota Akses",
                           opens_on=today - dt.timedelta(days=5), closes_on=today + dt.timedelta(days=5))
            db.session.add(row)
            db.session.flush()
            return row

        same, other = campaign(ids["instansi"]), campaign(ids["instansi_other"])

        def sign(campaign_row, person_id, seq):  # type: ignore[no-untyped-def]
            person = db.session.get(User, person_id)
            rendered = f"Saya, {person.name}, bersikap netral."
            row = PledgeSignature(
                instansi_id=campaign_row.instansi_id, seq=seq, campaign_id=campaign_row.id, user_id=person.id,
                unit_id=person.unit_id, skpd_id=person.skpd_id, signer_name=person.name,
                signer_nip=person.employee_number, signer_jabatan=person.jabatan, signer_golongan=person.golongan,
                is_skpd_head=False, pledge_version_id=version.id, rendered_text=rendered,
                text_hash=hashlib.sha256(rendered.encode()).hexdigest(), method=SigningMethod.TYPED,
                typed_name=person.name, signed_at=utcnow(), ip="127.0.0.1", user_agent="pytest",
                verify_code=secrets.token_urlsafe(16), prev_hash=f"{seq - 1:064d}", record_hash=f"{seq:064x}",
            )
            db.session.add(row)
            db.session.flush()
            return row.id

        extra = {
            "pledge_version": version.id,
            "campaign_same": same.id,
            "campaign_other_instansi": other.id,
            "sig_same": sign(same, ids["person_same"], 1),
            "sig_other_skpd": sign(same, ids["person_other_skpd"], 2),
            "sig_other_instansi": sign(other, ids["person_other_instansi"], 1),
        }
        db.session.commit()
        return extra


NEW_CAMPAIGN = {
    "instansi": "{instansi}", "name": "Pemilu Akses 2029", "slug": "", "election_type": "pemilu",
    "pledge_version_id": "{pledge_version}", "place": "Kota Akses", "opens_on": "2029-01-01",
    "closes_on": "2029-02-14",
}
NEW_DATES = {"opens_on": "2029-01-01", "closes_on": "2029-03-01"}
BASE = "/pakta/kampanye"
SAME = BASE + "/{campaign_same}"
OTHER = BASE + "/{campaign_other_instansi}"

ROWS = [
    Row("GET", BASE + "/", VIEW),  # noqa: F821
    Row("GET", BASE + "/baru", MANAGE),  # noqa: F821
    Row("POST", BASE + "/baru", redirect(MANAGE), data=NEW_CAMPAIGN),  # noqa: F821
    Row("GET", SAME + "/ubah", MANAGE),  # noqa: F821
    Row("POST", SAME + "/ubah", redirect(MANAGE), data=NEW_DATES),  # noqa: F821
    Row("GET", OTHER + "/ubah", MANAGE_OTHER_INSTANSI),  # noqa: F821
    Row("POST", OTHER + "/ubah", redirect(MANAGE_OTHER_INSTANSI), data=NEW_DATES),  # noqa: F821
    # who has signed: the campaign page, drilled down per SKPD
    Row("GET", SAME, VIEW),  # noqa: F821
    Row("GET", SAME + "?skpd={skpd_same}", VIEW),  # noqa: F821
    Row("GET", SAME + "?skpd={skpd_other}", OTHER_SKPD),  # noqa: F821
    Row("GET", SAME + "?skpd={unit_same}", NOBODY),  # noqa: F821  (not a perangkat daerah)
    Row("GET", SAME + "?skpd={skpd_other_instansi}", NOBODY),  # noqa: F821
    Row("GET", OTHER, OTHER_INSTANSI),  # noqa: F821
    # the lists of a unit
    Row("GET", SAME + "/unit/{unit_same}", VIEW),  # noqa: F821
    Row("GET", SAME + "/unit/{skpd_same}?daftar=belum", VIEW),  # noqa: F821
    Row("GET", SAME + "/unit/{skpd_other}", OTHER_SKPD),  # noqa: F821
    Row("GET", SAME + "/unit/{skpd_other_instansi}", NOBODY),  # noqa: F821
    Row("GET", OTHER + "/unit/{skpd_other_instansi}", OTHER_INSTANSI),  # noqa: F821
    # exports
    Row("GET", SAME + "/ekspor.csv", VIEW),  # noqa: F821
    Row("GET", SAME + "/ekspor.csv?skpd={skpd_other}", OTHER_SKPD),  # noqa: F821
    Row("GET", OTHER + "/ekspor.csv", OTHER_INSTANSI),  # noqa: F821
    Row("GET", SAME + "/ekspor.xlsx", VIEW),  # noqa: F821
    Row("GET", SAME + "/ekspor.xlsx?skpd={skpd_other}", OTHER_SKPD),  # noqa: F821
    Row("GET", OTHER + "/ekspor.xlsx", OTHER_INSTANSI),  # noqa: F821
    # documents
    Row("GET", SAME + "/skpd/{skpd_same}/dokumen.zip", VIEW),  # noqa: F821
    Row("GET", SAME + "/skpd/{skpd_other}/dokumen.zip", OTHER_SKPD),  # noqa: F821
    Row("GET", SAME + "/skpd/{unit_same}/dokumen.zip", NOBODY),  # noqa: F821
    Row("GET", OTHER + "/skpd/{skpd_other_instansi}/dokumen.zip", OTHER_INSTANSI),  # noqa: F821
    Row("GET", SAME + "/dokumen/{sig_same}.pdf", VIEW),  # noqa: F821
    Row("GET", SAME + "/dokumen/{sig_other_skpd}.pdf", OTHER_SKPD),  # noqa: F821
    Row("GET", SAME + "/dokumen/{sig_other_instansi}.pdf", NOBODY),  # noqa: F821
    Row("GET", OTHER + "/dokumen/{sig_other_instansi}.pdf", OTHER_INSTANSI),  # noqa: F821
]
