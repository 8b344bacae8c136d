"""Signing and the hash chain: rendering, the checks of ``sign`` (payloads, double sign, dates,
instansi, typed name, changed text), and ``verify_chain``/``verify_record`` catching an edit, a
deletion and a reordering (tampering with the triggers switched off inside the test's
rolled-back transaction). Concurrent signing is in test_pledge_concurrency.py."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from elearn.accounts.models import EmployeeType, JenisJabatan, Role, User
from elearn.audit.models import AuditEvent
from elearn.db import db, utcnow
from elearn.errors import ServiceError
from elearn.org.models import Instansi, Unit
from elearn.pledges import chain, services
from elearn.pledges.models import GENESIS_HASH, Campaign, PledgeChainHead, PledgeSignature, SigningMethod

from pledge_support import make_campaign, make_pledge_version, sign_as, signature_png, triggers_off
from support import next_seq


@pytest.fixture
def world(app: Flask, make_unit: Callable[..., Unit], make_user: Callable[..., User]) -> dict[str, Any]:
    """An instansi with a dinas and a bidang below it, five staff, and an open campaign."""
    dinas = make_unit("Dinas Pendidikan")
    bidang = make_unit("Bidang Guru", parent=dinas)
    people = [make_user(unit=bidang if i % 2 else dinas, golongan="III/b", jabatan="Analis Kepegawaian")
              for i in range(5)]
    with app.app_context():
        campaign = make_campaign(dinas.instansi_id)
        db.session.commit()
        return {"campaign_id": campaign.id, "user_ids": [p.id for p in people], "instansi_id": dinas.instansi_id,
                "dinas_id": dinas.id, "bidang_id": bidang.id}


def _load(world: dict[str, Any]) -> tuple[Campaign, list[User]]:
    campaign = db.session.get(Campaign, world["campaign_id"])
    assert campaign is not None
    return campaign, [db.session.get(User, uid) for uid in world["user_ids"]]  # type: ignore[misc]


def _code(call: Callable[[], object]) -> str:
    with pytest.raises(ServiceError) as info:
        call()
    assert info.value.message
    return info.value.code


# --- rendering --------------------------------------------------------------------------------


def test_render_fills_the_signers_data_and_the_local_date(app: Flask, make_unit, make_user) -> None:
    from elearn.org import services as org_services

    with app.app_context():
        instansi = org_services.create_instansi("kota-timur", "Pemerintah Kota Timur", "WIT")
        dinas = org_services.create_unit(instansi, "Dinas Kesehatan")
        puskesmas = org_services.create_unit(instansi, "Puskesmas *Sehat*", dinas)
        db.session.commit()
    person = make_user(unit=puskesmas, name="Dr. H. Ahmad Fauzi, S.Pd.", golongan="III/b", jabatan="Perawat")
    with app.app_context():
        user = db.session.get(User, person.id)
        campaign = make_campaign(instansi.id)
        # 16:30 UTC on 23 November = 01:30 WIT on 24 November
        now = dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.timezone.utc)
        body = services.render_pledge(campaign.pledge_version, user, campaign, now)
    assert "Nama: Dr. H. Ahmad Fauzi, S.Pd." in body
    assert f"NIP: {person.employee_number}" in body
    assert "Pangkat/golongan: Penata Muda Tingkat I (III/b)" in body
    assert "Jabatan: Perawat" in body
    # the unit's name is text, not Markdown emphasis
    assert "Unit kerja: Puskesmas \\*Sehat\\*, Dinas Kesehatan, Pemerintah Kota Timur" in body
    assert "Kota Uji, 24 November 2026" in body
    assert "{" not in body


def test_pangkat_golongan_per_employee_type(app: Flask, make_user) -> None:
    with app.app_context():
        assert services.pangkat_golongan(User(golongan="IV/a", employee_type=EmployeeType.PNS)) == "Pembina (IV/a)"
        assert services.pangkat_golongan(User(golongan="IX", employee_type=EmployeeType.PPPK)) == "Golongan IX"
        assert services.pangkat_golongan(User(golongan=None, employee_type=EmployeeType.NON_ASN)) == "-"


def test_is_skpd_head(app: Flask, make_unit, make_user) -> None:
    dinas = make_unit("Dinas Sosial")
    bidang = make_unit("Bidang Rehabilitasi", parent=dinas)
    kecamatan = make_unit("Kecamatan Utara", instansi=db_instansi(app, dinas))
    kelurahan = make_unit("Kelurahan Satu", parent=kecamatan)
    cases = [
        (dinas, {"jenis_jabatan": JenisJabatan.JPT_PRATAMA}, True),
        (dinas, {"jenis_jabatan": JenisJabatan.ADMINISTRATOR}, False),
        (bidang, {"jenis_jabatan": JenisJabatan.JPT_PRATAMA}, False),
        (kecamatan, {"jenis_jabatan": JenisJabatan.ADMINISTRATOR, "is_kepala_wilayah": True}, True),
        (kelurahan, {"jenis_jabatan": JenisJabatan.PENGAWAS, "is_kepala_wilayah": True}, False),
        (dinas, {"jenis_jabatan": JenisJabatan.PELAKSANA}, False),
    ]
    people = [(make_user(unit=unit, **fields), expected) for unit, fields, expected in cases]
    with app.app_context():
        assert [services.is_skpd_head(db.session.get(User, p.id)) for p, _ in people] == [e for _, e in people]


def db_instansi(app: Flask, unit: Unit) -> Instansi:
    with app.app_context():
        return db.session.get(Instansi, unit.instansi_id)  # type: ignore[return-value]


# --- a valid chain ------------------------------------------------------------------------------


def test_signatures_form_a_chain(app: Flask, world) -> None:
    with app.app_context():
        campaign, users = _load(world)
        png = signature_png()
        first = sign_as(campaign, users[0], method="drawn", signature_png=png, typed_name=None)
        rows = [first] + [sign_as(campaign, u) for u in users[1:4]]
        db.session.commit()
        assert [r.seq for r in rows] == [1, 2, 3, 4]
        assert rows[0].prev_hash == GENESIS_HASH
        assert [r.prev_hash for r in rows[1:]] == [r.record_hash for r in rows[:-1]]
        assert first.method is SigningMethod.DRAWN and first.signature_png == png and first.typed_name is None
        assert rows[1].method is SigningMethod.TYPED and rows[1].signature_png is None
        assert rows[1].typed_name == users[1].name
        assert first.unit_id == users[0].unit_id and first.skpd_id == world["dinas_id"]
        assert rows[1].skpd_id == world["dinas_id"] and rows[1].unit_id == world["bidang_id"]
        assert first.signer_nip == users[0].employee_number and first.signer_golongan == "III/b"
        assert first.text_hash == chain.text_hash(first.rendered_text)
        assert first.pledge_version_id == campaign.pledge_version_id
        assert len({r.verify_code for r in rows}) == 4
        head = db.session.get(PledgeChainHead, world["instansi_id"])
        assert (head.last_seq, head.last_hash) == (4, rows[-1].record_hash)
        db.session.expire_all()
        result = chain.verify_chain(world["instansi_id"])
        assert (result.ok, result.checked, result.first_broken) == (True, 4, None)
        stored = db.session.scalars(select(PledgeSignature).order_by(PledgeSignature.seq)).all()
        assert all(chain.verify_record(r) for r in stored)
        assert services.signature_by_verify_code(first.verify_code).id == first.id


def test_record_hash_serialisation_is_canonical(app: Flask, world) -> None:
    with app.app_context():
        campaign, users = _load(world)
        row = sign_as(campaign, users[0], now=dt.datetime(2026, 11, 23, 2, 5, 9, 123456, tzinfo=dt.timezone.utc))
        fields = chain.canonical_fields(row)
        assert set(fields) == {c.name for c in PledgeSignature.__table__.columns} - {
            "id", "record_hash", "signature_png", "rendered_text", "hmac_key_id", "record_mac"} | {"signature_png_sha256", "rendered_text_sha256",
                                                                      "format"}
        assert fields["signed_at"] == "2026-11-23T02:05:09.123456Z"
        assert chain.canonical_bytes(row).startswith(b'{"campaign_id":')
        assert row.record_hash == chain.sha256_hex(chain.canonical_bytes(row))


def test_each_instansi_has_its_own_chain(app: Flask, world, make_user, make_unit) -> None:
    other_unit = make_unit("Dinas Lain")
    other_person = make_user(unit=other_unit)
    with app.app_context():
        campaign, users = _load(world)
        other_campaign = make_campaign(other_unit.instansi_id)
        sign_as(campaign, users[0])
        theirs = sign_as(other_campaign, db.session.get(User, other_person.id))
        mine = sign_as(campaign, users[1])
        assert (theirs.seq, theirs.prev_hash) == (1, GENESIS_HASH)
        assert mine.seq == 2
        assert chain.verify_chain(other_unit.instansi_id).ok and chain.verify_chain(world["instansi_id"]).ok


# --- tampering ----------------------------------------------------------------------------------


def _chain_of(app: Flask, world, n: int = 4) -> list[int]:
    with app.app_context():
        campaign, users = _load(world)
        ids = [sign_as(campaign, u).id for u in users[:n]]
        db.session.commit()
        return ids


def _tamper(*statements: str) -> chain.VerifyResult:
    """Run the statements with the triggers off and verify the chain (inside the caller's app
    context: the tampering is rolled back when the context's session ends)."""
    with triggers_off():
        for statement in statements:
            db.session.execute(text(statement))
    db.session.expire_all()
    instansi_id = db.session.scalar(select(PledgeSignature.instansi_id).limit(1))
    return chain.verify_chain(instansi_id)


def test_verify_catches_an_edit(app: Flask, world) -> None:
    ids = _chain_of(app, world)
    with app.app_context():
        result = _tamper(f"UPDATE pledge_signatures SET signer_name = 'Orang Lain' WHERE id = {ids[1]}")
        assert not result.ok and result.checked == 1
        assert result.first_broken.seq == 2 and result.first_broken.id == ids[1]
        assert result.first_broken.signer == "Orang Lain"
        assert "edited" in result.first_broken.reason
        rows = {r.id: r for r in db.session.scalars(select(PledgeSignature))}
        assert [chain.verify_record(rows[i]) for i in ids] == [True, False, True, True]


def test_verify_catches_an_edited_text_or_signature_image(app: Flask, world) -> None:
    ids = _chain_of(app, world)
    with app.app_context():
        result = _tamper(f"UPDATE pledge_signatures SET rendered_text = rendered_text || ' ' WHERE id = {ids[2]}")
        assert (result.first_broken.seq, result.first_broken.id) == (3, ids[2])
        assert "text" in result.first_broken.reason


def test_verify_catches_an_edited_timestamp(app: Flask, world) -> None:
    ids = _chain_of(app, world)
    with app.app_context():
        row = db.session.get(PledgeSignature, ids[0])
        earlier = (row.signed_at - dt.timedelta(days=3)).replace(tzinfo=None)
    stamp = earlier.isoformat(sep=" ")
    if "postgresql" in str(app.config["DATABASE_URL"]):
        stamp += "+00"
    with app.app_context():
        result = _tamper(f"UPDATE pledge_signatures SET signed_at = '{stamp}' WHERE id = {ids[0]}")
        assert (result.first_broken.seq, result.first_broken.id) == (1, ids[0])


def test_verify_catches_a_deletion(app: Flask, world) -> None:
    ids = _chain_of(app, world)
    with app.app_context():
        result = _tamper(f"DELETE FROM pledge_signatures WHERE id = {ids[1]}")
        assert not result.ok and result.checked == 1
        assert (result.first_broken.seq, result.first_broken.id) == (3, ids[2])
        assert "missing" in result.first_broken.reason


def test_verify_catches_a_deleted_last_record(app: Flask, world) -> None:
    ids = _chain_of(app, world)
    with app.app_context():
        result = _tamper(f"DELETE FROM pledge_signatures WHERE id = {ids[-1]}")
        assert not result.ok and result.checked == 3
        assert (result.first_broken.seq, result.first_broken.id) == (4, None)
        assert "removed" in result.first_broken.reason


def test_verify_catches_a_deletion_with_renumbering(app: Flask, world) -> None:
    """Removing record 2 and shifting the later ones down leaves seq continuous; the links break."""
    ids = _chain_of(app, world)
    with app.app_context():
        result = _tamper(
            f"DELETE FROM pledge_signatures WHERE id = {ids[1]}",
            f"UPDATE pledge_signatures SET seq = seq - 1 WHERE id IN ({ids[2]}, {ids[3]})",
        )
        assert not result.ok
        assert (result.first_broken.seq, result.first_broken.id) == (2, ids[2])
        assert "prev_hash" in result.first_broken.reason


def test_verify_catches_a_reordering(app: Flask, world) -> None:
    ids = _chain_of(app, world)
    with app.app_context():
        result = _tamper(
            f"UPDATE pledge_signatures SET seq = 100 WHERE id = {ids[1]}",
            f"UPDATE pledge_signatures SET seq = 2 WHERE id = {ids[2]}",
            f"UPDATE pledge_signatures SET seq = 3 WHERE id = {ids[1]}",
        )
        assert not result.ok and result.checked == 1
        assert (result.first_broken.seq, result.first_broken.id) == (2, ids[2])
        assert "reordered" in result.first_broken.reason


def test_verify_catches_a_forged_link(app: Flask, world) -> None:
    """Rewriting a record's prev_hash to skip its predecessor also changes its own hash."""
    ids = _chain_of(app, world)
    with app.app_context():
        result = _tamper(f"UPDATE pledge_signatures SET prev_hash = '{'1' * 64}' WHERE id = {ids[3]}")
        assert (result.first_broken.seq, result.first_broken.id) == (4, ids[3])


# --- refusals ---------------------------------------------------------------------------------


def _big_png() -> bytes:
    import os
    from io import BytesIO

    from PIL import Image

    image = Image.frombytes("RGB", (600, 200), os.urandom(600 * 200 * 3))
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _corrupt_crc(png: bytes) -> bytes:
    data = bytearray(png)
    data[8 + 8 + 5] ^= 0xFF  # inside IHDR's width
    return bytes(data)


BAD_PAYLOADS = {
    "not a png": (b"GIF89a" + b"\x00" * 200, "bad_png"),
    "empty": (b"", "signature_blank"),
    "missing": (None, "signature_blank"),
    "magic then garbage": (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "bad_png"),
    "truncated": (signature_png()[:300], "bad_png"),
    "bad crc": (_corrupt_crc(signature_png()), "bad_png"),
    "trailing data": (signature_png() + b"tail", "bad_png"),
    "too wide": (signature_png(2400, 200), "png_dimensions"),
    "too small": (signature_png(60, 40), "png_dimensions"),
    "too tall": (signature_png(600, 1200), "png_dimensions"),
    "transparent": (signature_png(ink=False), "signature_blank"),
    "white": (signature_png(ink=False, background=(255, 255, 255), mode="RGB"), "signature_blank"),
}


@pytest.mark.parametrize("name", sorted(BAD_PAYLOADS))
def test_bad_signature_payloads_refused(app: Flask, world, name: str) -> None:
    payload, code = BAD_PAYLOADS[name]
    with app.app_context():
        campaign, users = _load(world)
        assert _code(lambda: sign_as(campaign, users[0], method="drawn", signature_png=payload)) == code
        assert db.session.scalar(select(func.count()).select_from(PledgeSignature)) == 0


def test_oversized_png_refused(app: Flask, world) -> None:
    big = _big_png()
    assert len(big) > services.MAX_PNG_BYTES
    with app.app_context():
        campaign, users = _load(world)
        assert _code(lambda: sign_as(campaign, users[0], method="drawn", signature_png=big)) == "png_too_large"


def test_a_dot_is_blank(app: Flask) -> None:
    from io import BytesIO

    from PIL import Image

    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    for x in range(300, 304):
        for y in range(100, 103):
            image.putpixel((x, y), (0, 0, 0, 255))
    out = BytesIO()
    image.save(out, "PNG")
    with app.app_context():
        assert _code(lambda: services.check_signature_png(out.getvalue())) == "signature_blank"
        assert services.check_signature_png(signature_png(360, 180)) == (360, 180)


def test_data_url(app: Flask) -> None:
    import base64

    png = signature_png()
    with app.app_context():
        assert services.png_from_data_url("data:image/png;base64," + base64.b64encode(png).decode()) == png
        assert _code(lambda: services.png_from_data_url("data:image/jpeg;base64,AAAA")) == "bad_png"
        assert _code(lambda: services.png_from_data_url("data:image/png;base64,***")) == "bad_png"
        assert _code(lambda: services.png_from_data_url("data:image/png;base64," + "A" * 400_000)) == "png_too_large"


def test_double_sign_refused_without_a_second_row(app: Flask, world) -> None:
    with app.app_context():
        campaign, users = _load(world)
        sign_as(campaign, users[0])
        db.session.commit()
        assert _code(lambda: sign_as(campaign, users[0])) == "already_signed"
        assert db.session.scalar(select(func.count()).select_from(PledgeSignature)) == 1


def test_double_sign_race_hits_the_unique_constraint(app: Flask, world, monkeypatch) -> None:
    """If both submits pass the 'already signed?' reads, the unique (campaign, user) constraint
    refuses the second insert inside its SAVEPOINT; the transaction stays usable."""
    with app.app_context():
        campaign, users = _load(world)
        sign_as(campaign, users[0])
        real = services.signature_for
        calls = {"n": 0}

        def blind_twice(campaign_id: int, user_id: int) -> PledgeSignature | None:
            calls["n"] += 1
            return None if calls["n"] <= 2 else real(campaign_id, user_id)

        monkeypatch.setattr(services, "signature_for", blind_twice)
        assert _code(lambda: sign_as(campaign, users[0])) == "already_signed"
        monkeypatch.setattr(services, "signature_for", real)
        assert sign_as(campaign, users[1]).seq == 2
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(PledgeSignature)) == 2
        assert chain.verify_chain(world["instansi_id"]).ok


def test_campaign_dates_in_the_instansi_zone(app: Flask, make_user) -> None:
    from elearn.org import services as org_services

    with app.app_context():
        wit = org_services.create_instansi("prov-wit", "Pemerintah Provinsi Uji Timur", "WIT")
        wib = org_services.create_instansi("prov-wib", "Pemerintah Provinsi Uji Barat", "WIB")
        units = [org_services.create_unit(i, "Sekretariat Daerah") for i in (wit, wib)]
        db.session.commit()
    people = [make_user(unit=u) for u in units]
    day = dt.date(2026, 11, 23)
    # 15:30 UTC on the 23rd: 00:30 WIT on the 24th, 22:30 WIB on the 23rd
    now = dt.datetime(2026, 11, 23, 15, 30, tzinfo=dt.timezone.utc)
    with app.app_context():
        c_wit = make_campaign(wit.id, opens_on=day - dt.timedelta(days=7), closes_on=day)
        c_wib = make_campaign(wib.id, opens_on=day - dt.timedelta(days=7), closes_on=day)
        u_wit, u_wib = (db.session.get(User, p.id) for p in people)
        assert _code(lambda: sign_as(c_wit, u_wit, now=now)) == "campaign_closed"
        assert sign_as(c_wib, u_wib, now=now).seq == 1
        assert sign_as(c_wit, u_wit, now=now - dt.timedelta(hours=1)).seq == 1  # 23:30 WIT on the 23rd
        later = make_campaign(wib.id, opens_on=day + dt.timedelta(days=1), closes_on=day + dt.timedelta(days=5))
        assert _code(lambda: sign_as(later, u_wib, now=now)) == "campaign_not_open"
        assert services.campaign_state(later, now) == "upcoming"


def test_another_instansis_campaign_refused(app: Flask, world, make_user) -> None:
    stranger = make_user()
    superadmin = make_user(role=Role.SUPERADMIN)
    with app.app_context():
        campaign, _users = _load(world)
        assert _code(lambda: sign_as(campaign, db.session.get(User, stranger.id))) == "wrong_instansi"
        assert _code(lambda: sign_as(campaign, db.session.get(User, superadmin.id))) == "wrong_instansi"


def test_inactive_user_refused(app: Flask, world) -> None:
    with app.app_context():
        campaign, users = _load(world)
        users[0].active = False
        db.session.flush()
        assert _code(lambda: sign_as(campaign, users[0])) == "inactive"


def test_text_changed_refused(app: Flask, world) -> None:
    with app.app_context():
        campaign, users = _load(world)
        assert _code(lambda: sign_as(campaign, users[0], rendered_text_hash="0" * 64)) == "text_changed"
        # the page was opened before midnight, submitted after: the date in the text changed
        opened = dt.datetime.now(dt.timezone.utc)
        seen = chain.text_hash(services.render_pledge(campaign.pledge_version, users[0], campaign, opened))
        tomorrow = opened + dt.timedelta(days=1)
        assert _code(lambda: sign_as(campaign, users[0], now=tomorrow, rendered_text_hash=seen)) == "text_changed"
        # the person's data changed (promotion) between opening and submitting
        users[0].golongan = "III/c"
        db.session.flush()
        assert _code(lambda: sign_as(campaign, users[0], now=opened, rendered_text_hash=seen)) == "text_changed"


def test_unknown_method_refused(app: Flask, world) -> None:
    with app.app_context():
        campaign, users = _load(world)
        assert _code(lambda: sign_as(campaign, users[0], method="stamp")) == "bad_method"


@pytest.mark.parametrize(("typed", "name", "ok"), [
    ("ahmad fauzi", "Dr. H. Ahmad Fauzi, S.Pd., M.Si.", True),
    ("AHMAD  FAUZI", "Ahmad Fauzi", True),
    ("H. Ahmad Fauzi", "Dr. H. Ahmad Fauzi, S.Pd., M.Si.", True),
    ("Ahmad Fauzi S.Pd", "Ahmad Fauzi, S.Pd.", True),
    ("Ahmad Fauzi, S.Pd., M.Si.", "Ahmad Fauzi", True),
    ("Ni Made Ayu", "Ni Made Ayu, S.Kep., Ns.", True),
    ("Ma'ruf Amin", "Maruf Amin", True),
    ("AhmadFauzi", "Ahmad Fauzi", True),
    ("Ahmad", "Ahmad Fauzi", False),
    ("Budi Santoso", "Ahmad Fauzi", False),
    ("", "Ahmad Fauzi", False),
    ("S.Pd.", "Ahmad Fauzi, S.Pd.", False),
])
def test_typed_name_matching(typed: str, name: str, ok: bool) -> None:
    assert services.typed_name_matches(typed, name) is ok


def test_typed_name_mismatch_refused(app: Flask, world) -> None:
    with app.app_context():
        campaign, users = _load(world)
        assert _code(lambda: sign_as(campaign, users[0], typed_name="Nama Orang Lain")) == "typed_name_mismatch"
        assert _code(lambda: sign_as(campaign, users[0], typed_name="  ")) == "typed_name_mismatch"


def test_long_user_agent_and_ip_are_clipped_before_hashing(app: Flask, world) -> None:
    with app.app_context():
        campaign, users = _load(world)
        row = sign_as(campaign, users[0], user_agent="x" * 2000, ip="1" * 100)
        db.session.commit()
        db.session.expire_all()
        stored = db.session.get(PledgeSignature, row.id)
        assert len(stored.user_agent) == 512 and len(stored.ip) == 64
        assert chain.verify_record(stored)


# --- campaigns ----------------------------------------------------------------------------------


def test_create_campaign_and_move_its_dates_audited(app: Flask, make_unit, make_user) -> None:
    unit = make_unit()
    admin = make_user(role=Role.ADMIN_BKPSDM, unit=unit)
    with app.app_context():
        instansi = db.session.get(Instansi, unit.instansi_id)
        actor = db.session.get(User, admin.id)
        version = make_pledge_version()
        kwargs = dict(slug="pilkada-2029", name="Pilkada Serentak 2029", election_type="pilkada",
                      pledge_version=version, place="Kota Uji", actor=actor)
        campaign = services.create_campaign(instansi, opens_on=dt.date(2029, 9, 1), closes_on=dt.date(2029, 9, 14),
                                            **kwargs)
        assert campaign.created_by_id == admin.id and campaign.election_type.value == "pilkada"
        assert _code(lambda: services.create_campaign(instansi, opens_on=dt.date(2029, 9, 1),
                                                      closes_on=dt.date(2029, 9, 14), **kwargs)) == "duplicate"
        assert _code(lambda: services.create_campaign(
            instansi, **{**kwargs, "slug": "lain"}, opens_on=dt.date(2029, 9, 14),
            closes_on=dt.date(2029, 9, 1))) == "bad_dates"
        assert _code(lambda: services.create_campaign(
            instansi, **{**kwargs, "slug": "Bukan Slug"}, opens_on=dt.date(2029, 9, 1),
            closes_on=dt.date(2029, 9, 2))) == "bad_slug"
        assert _code(lambda: services.create_campaign(
            instansi, **{**kwargs, "slug": "lain", "election_type": "pilpres"}, opens_on=dt.date(2029, 9, 1),
            closes_on=dt.date(2029, 9, 2))) == "bad_election_type"
        assert services.update_campaign_dates(campaign, opens_on=dt.date(2029, 9, 2), closes_on=dt.date(2029, 9, 20),
                                              actor=actor)
        assert not services.update_campaign_dates(campaign, opens_on=dt.date(2029, 9, 2),
                                                  closes_on=dt.date(2029, 9, 20), actor=actor)
        assert _code(lambda: services.update_campaign_dates(campaign, opens_on=dt.date(2029, 9, 2),
                                                            closes_on=dt.date(2029, 9, 1), actor=actor)) == "bad_dates"
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.target_id == campaign.id,
                                                             AuditEvent.target_type == "pledge_campaigns")
                                    .order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["pledge.campaign_create", "pledge.campaign_dates"]
        no_goal = {"election_date": None, "target_date": None, "target_percent": None}
        assert events[1].details == {"from": ["2029-09-01", "2029-09-14"], "to": ["2029-09-02", "2029-09-20"],
                                     "goal_from": no_goal, "goal_to": no_goal}
        assert services.current_pledge_version(version.pledge_text.slug).id == version.id


def test_sign_and_commit_commits(app: Flask, world) -> None:
    with app.app_context():
        campaign, users = _load(world)
        version = campaign.pledge_version
        now = utcnow()
        seen = chain.text_hash(services.render_pledge(version, users[0], campaign, now))
        row = services.sign_and_commit(campaign, users[0], method="typed", signature_png=None,
                                       typed_name=users[0].name, rendered_text_hash=seen, ip=None, user_agent=None,
                                       now=now)
        assert row.seq == 1
        with pytest.raises(ServiceError) as info:
            services.sign_and_commit(campaign, users[0], method="typed", signature_png=None, typed_name=users[0].name,
                                     rendered_text_hash=seen, ip=None, user_agent=None, now=now)
        assert info.value.code == "already_signed"


def test_delete_instansi_pledges_for_a_demo_reset(app: Flask, world, make_user, make_unit) -> None:
    other_unit = make_unit()
    other_person = make_user(unit=other_unit)
    with app.app_context():
        campaign, users = _load(world)
        for user in users[:3]:
            sign_as(campaign, user)
        other_campaign = make_campaign(other_unit.instansi_id)
        sign_as(other_campaign, db.session.get(User, other_person.id))
        db.session.commit()
        assert services.delete_instansi_pledges(world["instansi_id"]) == 3
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(PledgeSignature)) == 1
        assert db.session.get(Campaign, world["campaign_id"]) is None
        assert db.session.get(PledgeChainHead, world["instansi_id"]) is None
        assert chain.verify_chain(other_unit.instansi_id).ok
        # the triggers are back
        savepoint = db.session.begin_nested()
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("DELETE FROM pledge_signatures"))
        savepoint.rollback()


@pytest.mark.parametrize("name, jabatan, unit_name", [
    ("Dr. H. Ahmad Fauzi, S.Pd.", "Perawat", "Puskesmas Sehat"),
    ("Ni Luh <b>Putu</b> & \"Sari\" O'Neil", "Analis *Kebijakan* _Ahli_", "UPT [Pusat](javascript:alert(1)) `kode`"),
    ("Budi \\ Santoso  #1", "Kepala | Seksi ~ Data {nama}", "Dinas  Pekerjaan   Umum"),
])
def test_cached_page_html_equals_rendering_the_filled_text(app: Flask, make_unit, make_user, name: str,
                                                           jabatan: str, unit_name: str) -> None:
    """The signing page fills the signer's data into the text's cached HTML: the page reads exactly
    as rendering the filled-in Markdown would (data stays literal, markup in it stays text)."""
    import html as html_lib

    from elearn.content.pledges import load_shipped_pledges
    from elearn.org import services as org_services
    from elearn.pledges.text import to_html

    with app.app_context():
        assert not load_shipped_pledges()
        instansi = org_services.create_instansi(f"kota-html-{next_seq()}", "Pemerintah Kota <Uji> & Co", "WIB")
        unit = org_services.create_unit(instansi, unit_name)
        db.session.commit()
    person = make_user(unit=unit, name=name, golongan="III/b", jabatan=jabatan)
    with app.app_context():
        user = db.session.get(User, person.id)
        shipped = services.current_pledge_version("pakta-netralitas")
        for version in (shipped, make_pledge_version()):
            campaign = make_campaign(instansi.id, version)
            markdown, page_html = services.render_pledge_html(version, user, campaign)
            assert markdown == services.render_pledge(version, user, campaign)
            reference = str(to_html(markdown))
            assert html_lib.unescape(str(page_html)) == html_lib.unescape(reference)
            assert "<b>" not in str(page_html) and "<a " not in str(page_html)  # data is never markup
            assert "\ue000" not in str(page_html)


def _ink_by_compositing(data: bytes) -> tuple[int, int, int, int] | None:
    """The straightforward reference: flatten on white, grey, threshold."""
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(data)) as image:
        rgba = image.convert("RGBA")
    grey = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("L")
    ink = grey.point(lambda v: 255 if v < 160 else 0)
    box = ink.getbbox()
    if box is None or (box[2] - box[0] < services.MIN_INK_SPAN and box[3] - box[1] < services.MIN_INK_SPAN):
        return None
    return box if ink.histogram()[255] >= services.MIN_INK_PIXELS else None


def _png(mode: str, background: Any, ink: Any, line_width: int = 4, points: int = 12) -> bytes:
    from io import BytesIO

    from PIL import Image, ImageDraw

    image = Image.new(mode, (400, 160), background)
    if ink is not None:
        draw = ImageDraw.Draw(image)
        draw.line([(20 + 30 * i, 40 if i % 2 else 120) for i in range(points)], fill=ink, width=line_width)
    if mode == "P":
        image.info["transparency"] = 0
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("data", [
    _png("RGBA", (0, 0, 0, 0), (20, 20, 60, 255)),          # signature_pad: transparent, navy ink
    _png("RGBA", (0, 0, 0, 0), (20, 20, 60, 90)),           # faint (half-transparent) ink: blank
    _png("RGBA", (0, 0, 0, 0), (250, 250, 120, 255)),       # light yellow ink: blank on paper
    _png("RGBA", (255, 255, 255, 255), (0, 0, 0, 255)),     # opaque white background
    _png("LA", (0, 0), (30, 255)),                          # grey + alpha
    _png("LA", (0, 0), (30, 200), line_width=1, points=2),  # one thin short stroke
    _png("RGB", (255, 255, 255), (10, 10, 10)),
    _png("L", 255, 200),                                    # light grey ink on white: blank
    _png("P", 0, 5),                                        # palette, index 0 transparent
    _png("RGBA", (0, 0, 0, 0), None),                       # empty pad
], ids=["pad", "faint", "yellow", "white-bg", "la", "la-thin", "rgb", "light-grey", "palette", "empty"])
def test_ink_detection_equals_flattening_on_white(data: bytes) -> None:
    expected = _ink_by_compositing(data)
    got = services._ink(data)
    if expected is None:
        assert got is None
    else:  # the band arithmetic rounds differently by at most one step: the box may differ by a pixel
        assert got is not None and all(abs(a - b) <= 1 for a, b in zip(got, expected, strict=True))


def _chunk(kind: bytes, body: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _png_of_chunks(*chunks: tuple[bytes, bytes]) -> bytes:
    return services.PNG_MAGIC + b"".join(_chunk(kind, body) for kind, body in chunks)


def _handmade_png(width: int, height: int, *, colour: int = 6, pixels: bytes | None = None,
                  filter_type: int = 0, idat: bytes | None = None) -> bytes:
    """A PNG assembled by hand (valid CRCs), so the pixel stream itself can be made wrong."""
    import struct
    import zlib

    bpp = 4 if colour == 6 else 2
    row_bytes = width * bpp
    pixels = pixels if pixels is not None else bytes(row_bytes * height)
    raw = b"".join(bytes([filter_type]) + pixels[r * row_bytes:(r + 1) * row_bytes] for r in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return _png_of_chunks((b"IHDR", ihdr), (b"IDAT", zlib.compress(raw) if idat is None else idat), (b"IEND", b""))


def _inked(width: int, height: int, rows: range, cols: range) -> bytes:
    pixels = bytearray(width * height * 4)
    for y in rows:
        for x in cols:
            pixels[(y * width + x) * 4:(y * width + x) * 4 + 4] = b"\x14\x14\x3c\xff"
    return bytes(pixels)


def test_pad_png_with_plenty_of_ink_is_accepted_without_decoding(app: Flask, monkeypatch) -> None:
    def no_decoding(data: bytes) -> None:
        raise AssertionError("decoded")

    with app.app_context():
        png = _handmade_png(400, 150, pixels=_inked(400, 150, range(40, 110), range(30, 370)))
        monkeypatch.setattr(services, "_ink", no_decoding)
        assert services.check_signature_png(png) == (400, 150)
        # fully transparent: blank, also without decoding, whatever colour the transparent pixels carry
        assert _code(lambda: services.check_signature_png(_handmade_png(400, 150))) == "signature_blank"
        white_transparent = _handmade_png(400, 150, pixels=b"\xff\xff\xff\x00" * 400 * 150, filter_type=2)
        assert _code(lambda: services.check_signature_png(white_transparent)) == "signature_blank"
        grey_alpha = _handmade_png(400, 150, colour=4, pixels=b"\x80\x00" * 400 * 150)
        assert _code(lambda: services.check_signature_png(grey_alpha)) == "signature_blank"


def test_pad_png_with_little_ink_is_decoded_and_measured(app: Flask, monkeypatch) -> None:
    calls: list[bytes] = []
    real = services._ink

    def counting(data: bytes) -> Any:
        calls.append(data)
        return real(data)

    monkeypatch.setattr(services, "_ink", counting)
    with app.app_context():
        dot = _handmade_png(400, 150, pixels=_inked(400, 150, range(70, 73), range(200, 204)))
        assert _code(lambda: services.check_signature_png(dot)) == "signature_blank"
        initials = _handmade_png(400, 150, pixels=_inked(400, 150, range(40, 100), range(100, 103)))
        assert services.check_signature_png(initials) == (400, 150)
    assert len(calls) == 2


@pytest.mark.parametrize("png", [
    _handmade_png(400, 150, idat=b"\x78\x9c not a deflate stream"),                      # garbage pixel data
    _handmade_png(400, 150, idat=__import__("zlib").compress(bytes(401 * 4 * 150))[:-20]),  # cut short
    _handmade_png(400, 150, idat=__import__("zlib").compress(bytes((1 + 400 * 4) * 149))),  # a row missing
    _handmade_png(400, 150, idat=__import__("zlib").compress(bytes((1 + 400 * 4) * 150) + b"\0" * 50)),  # too long
    _handmade_png(400, 150, filter_type=7),                                               # no such filter
    _handmade_png(400, 150, idat=__import__("zlib").compress(bytes((1 + 400 * 4) * 150)) + b"extra"),
], ids=["garbage", "truncated", "short", "long", "filter", "trailing"])
def test_malformed_pixel_data_is_refused(app: Flask, png: bytes) -> None:
    with app.app_context():
        assert _code(lambda: services.check_signature_png(png)) == "bad_png"


def _pad_parts() -> tuple[bytes, bytes]:
    """IHDR body and a compressed, well-inked image stream of a 400×150 RGBA pad drawing."""
    import struct
    import zlib

    pixels = _inked(400, 150, range(40, 110), range(30, 370))
    raw = b"".join(b"\0" + pixels[r * 1600:(r + 1) * 1600] for r in range(150))
    return struct.pack(">IIBBBBB", 400, 150, 8, 6, 0, 0, 0), zlib.compress(raw)


def test_idat_in_several_chunks_one_after_another_is_fine(app: Flask) -> None:
    ihdr, stream = _pad_parts()
    png = _png_of_chunks((b"IHDR", ihdr), (b"sRGB", b"\0"), (b"IDAT", stream[:500]),
                         (b"IDAT", stream[500:]), (b"IEND", b""))
    with app.app_context():
        assert services.check_signature_png(png) == (400, 150)


@pytest.mark.parametrize("chunks", [
    # image data split by another chunk (decoders stop at the gap)
    lambda ihdr, stream: [(b"IHDR", ihdr), (b"IDAT", stream[:500]), (b"IDAT", b""), (b"pHYs", bytes(9)),
                          (b"IDAT", stream[500:]), (b"IEND", b"")],
    lambda ihdr, stream: [(b"IHDR", ihdr), (b"IDAT", stream[:500]), (b"tEXt", b"a\0b"), (b"IDAT", stream[500:]),
                          (b"IEND", b"")],
    lambda ihdr, stream: [(b"IHDR", ihdr), (b"IHDR", ihdr), (b"IDAT", stream), (b"IEND", b"")],  # a second IHDR
    lambda ihdr, stream: [(b"IHDR", ihdr), (b"XDAT", b"x"), (b"IDAT", stream), (b"IEND", b"")],  # unknown, critical
    lambda ihdr, stream: [(b"IHDR", ihdr), (b"t3Xt", b"x"), (b"IDAT", stream), (b"IEND", b"")],  # not a chunk name
], ids=["split-idat-harmless", "split-idat", "second-ihdr", "unknown-critical", "bad-name"])
def test_chunk_layouts_decoders_refuse_are_refused(app: Flask, chunks: Any) -> None:
    png = _png_of_chunks(*chunks(*_pad_parts()))
    with app.app_context():
        assert _code(lambda: services.check_signature_png(png)) == "bad_png"
