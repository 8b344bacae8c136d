"""The pakta chain against a database administrator (issue 10, item 6).

The attack of the probe: with the append-only triggers disabled, change a signer's name,
recompute that record's hash (with the public hashing code), the links and hashes after it and
the chain head. Before: ``pledges verify`` said OK and the public page "Sah". Now the record's
MAC (a key outside the database) no longer verifies; and a signed checkpoint of the chain head,
kept outside the database, catches even an attacker who also holds the MAC key."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from sqlalchemy import select, text

from elearn.accounts.models import Role, User
from elearn.db import db
from elearn.org.models import Instansi
from elearn.pledges import chain, keys
from elearn.pledges.models import PledgeChainHead, PledgeCheckpoint, PledgeSignature
from support import login

from pledge_support import make_campaign, sign_as, triggers_off


@pytest.fixture
def signed(app: Flask, make_unit, make_user) -> dict[str, Any]:
    unit = make_unit("Dinas Kominfo")
    people = [make_user(unit=unit, name=f"Penanda Tangan {i}") for i in range(4)]
    admin = make_user(Role.ADMIN_BKPSDM, unit, name="Admin BKPSDM")
    with app.app_context():
        campaign = make_campaign(unit.instansi_id)
        rows = [sign_as(campaign, db.session.get(User, p.id)) for p in people]
        db.session.commit()
        return {"slug": db.session.get(Instansi, unit.instansi_id).slug, "instansi_id": unit.instansi_id,
                "ids": [r.id for r in rows], "codes": [r.verify_code for r in rows], "campaign": campaign.id,
                "admin": admin}


def _rewrite(instansi_id: int, signature_id: int, *, new_name: str, ring: keys.Keyring | None = None,
             strip_mac: bool = False) -> None:
    """What the DBA did: triggers off, the name changed, this record's hash and every later link,
    hash (and, with the stolen key ``ring``, MAC) recomputed with the app's own code, the head moved."""
    with triggers_off():
        db.session.execute(text("UPDATE pledge_signatures SET signer_name = :n WHERE id = :i"),
                           {"n": new_name, "i": signature_id})
        if strip_mac:
            db.session.execute(text("UPDATE pledge_signatures SET record_mac = NULL, hmac_key_id = NULL "
                                    "WHERE id = :i"), {"i": signature_id})
        db.session.expire_all()
        start = db.session.get(PledgeSignature, signature_id).seq
        rows = db.session.scalars(select(PledgeSignature).where(
            PledgeSignature.instansi_id == instansi_id, PledgeSignature.seq >= start)
            .order_by(PledgeSignature.seq)).all()
        prev = rows[0].prev_hash
        for row in rows:
            db.session.execute(text("UPDATE pledge_signatures SET prev_hash = :p WHERE id = :i"),
                               {"p": prev, "i": row.id})
            db.session.expire(row)
            new_hash = chain.record_hash(db.session.get(PledgeSignature, row.id))
            db.session.execute(text("UPDATE pledge_signatures SET record_hash = :h WHERE id = :i"),
                               {"h": new_hash, "i": row.id})
            if ring is not None and not (strip_mac and row.id == signature_id):
                key_id, mac = ring.mac(new_hash)
                db.session.execute(text("UPDATE pledge_signatures SET record_mac = :m, hmac_key_id = :k "
                                        "WHERE id = :i"), {"m": mac, "k": key_id, "i": row.id})
            prev = new_hash
        db.session.execute(text("UPDATE pledge_chain_heads SET last_seq = :s, last_hash = :h "
                                "WHERE instansi_id = :i"), {"s": rows[-1].seq, "h": prev, "i": instansi_id})
    db.session.commit()
    db.session.expire_all()


def _checkpoint(app: Flask, tmp_path: Path, slug: str) -> Path:
    out = tmp_path / "titik-periksa.json"
    result = app.test_cli_runner().invoke(args=["pledges", "checkpoint", "--instansi", slug, "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_new_records_carry_a_mac_of_the_chain_key(app: Flask, signed) -> None:
    with app.app_context():
        ring = keys.keyring()
        for row_id in signed["ids"]:
            row = db.session.get(PledgeSignature, row_id)
            assert row.hmac_key_id == ring.current_id
            assert ring.verify(row.hmac_key_id, row.record_hash, row.record_mac)
        # nothing of the key is in the database
        key = ring.keys[0].decode()
        dumped = " ".join(str(v) for r in db.session.execute(text("SELECT * FROM pledge_signatures")) for v in r)
        assert key not in dumped


def test_the_dba_rewrite_is_caught_by_the_mac(app: Flask, client, signed, tmp_path) -> None:
    before = app.test_cli_runner().invoke(args=["pledges", "verify", "--instansi", signed["slug"]])
    assert before.exit_code == 0 and "4 record(s) checked, OK" in before.output
    with app.app_context():
        _rewrite(signed["instansi_id"], signed["ids"][1], new_name="Orang Lain")
        # the hashes and links are consistent again: only the MAC tells
        rows = db.session.scalars(select(PledgeSignature).where(PledgeSignature.instansi_id == signed["instansi_id"])
                                  .order_by(PledgeSignature.seq)).all()
        assert chain.verify_rows(signed["instansi_id"], rows, db.session.get(PledgeChainHead,
                                                                             signed["instansi_id"])).ok
        result = chain.verify_chain(signed["instansi_id"])
        assert not result.ok and result.first_broken.seq == 2
        assert "record_mac does not verify" in result.first_broken.reason
    after = app.test_cli_runner().invoke(args=["pledges", "verify", "--instansi", signed["slug"]])
    assert after.exit_code == 1
    assert "BROKEN at seq 2" in after.output and "signer Orang Lain" in after.output
    page = client.get(f"/verifikasi/pakta/{signed['codes'][1]}").get_data(as_text=True)
    assert "Tidak sah" in page and "Sah:" not in page
    assert "Sah:" in client.get(f"/verifikasi/pakta/{signed['codes'][0]}").get_data(as_text=True)
    # the records after it were rewritten too (their links): not "Sah" either
    assert "Tidak sah" in client.get(f"/verifikasi/pakta/{signed['codes'][3]}").get_data(as_text=True)


def test_removing_the_mac_is_caught(app: Flask, client, signed) -> None:
    with app.app_context():
        _rewrite(signed["instansi_id"], signed["ids"][2], new_name="Orang Lain", ring=keys.keyring(),
                 strip_mac=True)
        result = chain.verify_chain(signed["instansi_id"])
        assert not result.ok and result.first_broken.seq == 3
        assert "MAC removed" in result.first_broken.reason
    assert "Tidak sah" in client.get(f"/verifikasi/pakta/{signed['codes'][2]}").get_data(as_text=True)


def test_stripping_the_macs_up_to_a_record_does_not_pass_it_off_as_unkeyed(app: Flask, client, signed) -> None:
    """The DBA removes the MACs of records 1 and 2 (so none before record 2 is keyed), then rewrites
    record 2 and its hash. The records after it keep their MACs, which the DBA cannot remake, so
    record 3 still links to the old record 2: the public page must say "Tidak sah", not "recorded
    before the seal"."""
    with app.app_context():
        with triggers_off():
            db.session.execute(text("UPDATE pledge_signatures SET record_mac = NULL, hmac_key_id = NULL "
                                    "WHERE id IN (:a, :b)"), {"a": signed["ids"][0], "b": signed["ids"][1]})
            db.session.execute(text("UPDATE pledge_signatures SET signer_name = 'Orang Lain' WHERE id = :i"),
                               {"i": signed["ids"][1]})
            db.session.expire_all()
            new_hash = chain.record_hash(db.session.get(PledgeSignature, signed["ids"][1]))
            db.session.execute(text("UPDATE pledge_signatures SET record_hash = :h WHERE id = :i"),
                               {"h": new_hash, "i": signed["ids"][1]})
        db.session.commit()
        assert not chain.verify_chain(signed["instansi_id"]).ok
    page = client.get(f"/verifikasi/pakta/{signed['codes'][1]}").get_data(as_text=True)
    assert "Tidak sah" in page and "tanpa segel kunci" not in page
    # record 1, untouched but for its MAC, is reported as unkeyed (what a record before the key looks like)
    assert "tanpa segel kunci" in client.get(f"/verifikasi/pakta/{signed['codes'][0]}").get_data(as_text=True)


def test_a_checkpoint_catches_an_attacker_who_also_has_the_chain_key(app: Flask, signed, tmp_path) -> None:
    out = _checkpoint(app, tmp_path, signed["slug"])
    doc = json.loads(out.read_text())
    [checkpoint] = doc["checkpoints"]
    assert (checkpoint["instansi"], checkpoint["seq"]) == (signed["slug"], 4)
    assert checkpoint["campaigns"][0]["id"] == signed["campaign"] and checkpoint["campaigns"][0]["signatures"] == 4
    assert {"head_hash", "created_at", "key_id", "signature"} <= set(checkpoint)
    ok = app.test_cli_runner().invoke(args=["pledges", "verify", "--instansi", signed["slug"],
                                            "--checkpoint", str(out)])
    assert ok.exit_code == 0, ok.output
    assert f"checkpoint {signed['slug']} seq 4" in ok.output and ": OK" in ok.output

    with app.app_context():
        _rewrite(signed["instansi_id"], signed["ids"][1], new_name="Orang Lain", ring=keys.keyring())
        assert chain.verify_chain(signed["instansi_id"]).ok  # the MAC alone no longer tells
    caught = app.test_cli_runner().invoke(args=["pledges", "verify", "--instansi", signed["slug"],
                                                "--checkpoint", str(out)])
    assert caught.exit_code == 1
    assert "FAILED: record 4 no longer hashes to the checkpointed head" in caught.output


def test_removing_checkpointed_records_is_caught(app: Flask, signed, tmp_path) -> None:
    out = _checkpoint(app, tmp_path, signed["slug"])
    with app.app_context():
        with triggers_off():
            db.session.execute(text("DELETE FROM pledge_signatures WHERE id = :i"), {"i": signed["ids"][3]})
            last = db.session.get(PledgeSignature, signed["ids"][2])
            db.session.execute(text("UPDATE pledge_chain_heads SET last_seq = 3, last_hash = :h WHERE instansi_id = :i"),
                               {"h": last.record_hash, "i": signed["instansi_id"]})
        db.session.commit()
        assert chain.verify_chain(signed["instansi_id"]).ok  # the newest record and the head: consistent again
    caught = app.test_cli_runner().invoke(args=["pledges", "verify", "--checkpoint", str(out)])
    assert caught.exit_code == 1 and "the chain has no record 4 any more" in caught.output


def test_a_checkpoint_is_checked_only_with_its_own_chain(app: Flask, signed, make_instansi, tmp_path) -> None:
    """``verify --instansi X --checkpoint FILE`` picks the checkpoints by their signed instansi id,
    not by the slug: a DBA who edits a record (without fixing its hash, which only the chain walk
    recomputes) and gives the instansi's slug to another instansi must not get the checkpoint
    reported OK beside a chain that is not its own."""
    out = _checkpoint(app, tmp_path, signed["slug"])
    other = make_instansi()
    with app.app_context():
        with triggers_off():
            db.session.execute(text("UPDATE pledge_signatures SET signer_name = 'Orang Lain' WHERE id = :i"),
                               {"i": signed["ids"][1]})
        for instansi_id, slug in ((signed["instansi_id"], "sementara"), (other.id, signed["slug"]),
                                  (signed["instansi_id"], other.slug)):
            db.session.execute(text("UPDATE instansi SET slug = :s WHERE id = :i"), {"s": slug, "i": instansi_id})
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["pledges", "verify", "--instansi", signed["slug"],
                                                "--checkpoint", str(out)])
    assert f"checkpoint {signed['slug']} seq 4" not in result.output
    everything = app.test_cli_runner().invoke(args=["pledges", "verify", "--checkpoint", str(out)])
    assert everything.exit_code == 1 and "BROKEN at seq 2" in everything.output


def test_an_edited_or_foreign_checkpoint_fails(app: Flask, signed, tmp_path) -> None:
    out = _checkpoint(app, tmp_path, signed["slug"])
    doc = json.loads(out.read_text())
    doc["checkpoints"][0]["seq"] = 3
    edited = tmp_path / "diubah.json"
    edited.write_text(json.dumps(doc))
    result = app.test_cli_runner().invoke(args=["pledges", "verify", "--checkpoint", str(edited)])
    assert result.exit_code == 1 and "signature is not valid" in result.output
    # trusting another key: this installation's checkpoints do not verify
    other = tmp_path / "lain.pem"
    other.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    result = app.test_cli_runner().invoke(args=["pledges", "verify", "--checkpoint", str(out),
                                                "--public-key", str(other)])
    assert result.exit_code == 1 and "not a trusted checkpoint key" in result.output
    # the key printed by checkpoint-key verifies them elsewhere
    printed = app.test_cli_runner().invoke(args=["pledges", "checkpoint-key"])
    mine = tmp_path / "publik.pem"
    mine.write_text(printed.stdout if hasattr(printed, "stdout") else printed.output)
    result = app.test_cli_runner().invoke(args=["pledges", "verify", "--checkpoint", str(out),
                                                "--public-key", str(mine)])
    assert result.exit_code == 0, result.output
    garbage = tmp_path / "bukan.json"
    garbage.write_text("{}")
    result = app.test_cli_runner().invoke(args=["pledges", "verify", "--checkpoint", str(garbage)])
    assert result.exit_code == 1 and "not a checkpoint file" in result.output


def test_unkeyed_records_are_reported_not_silently_ok(app: Flask, client, make_unit, make_user,
                                                      monkeypatch) -> None:
    unit = make_unit("Dinas Lama")
    people = [make_user(unit=unit, name=f"Pegawai Lama {i}") for i in range(3)]
    with app.app_context():
        campaign = make_campaign(unit.instansi_id)
        # signed before the chain key existed (the code before 0005_pakta wrote no MAC)
        monkeypatch.setattr(chain, "record_mac", lambda record_hash, ring=None: (None, None))
        old = [sign_as(campaign, db.session.get(User, p.id)) for p in people[:2]]
        monkeypatch.undo()
        new = sign_as(campaign, db.session.get(User, people[2].id))
        db.session.commit()
        slug = db.session.get(Instansi, unit.instansi_id).slug
        result = chain.verify_chain(unit.instansi_id)
        assert result.ok and (result.checked, result.unkeyed) == (3, 2)
        codes = [old[0].verify_code, new.verify_code]
    output = app.test_cli_runner().invoke(args=["pledges", "verify", "--instansi", slug]).output
    assert "3 record(s) checked, OK; 2 unkeyed record(s)" in output
    assert "tanpa segel kunci" in client.get(f"/verifikasi/pakta/{codes[0]}").get_data(as_text=True)
    assert "Sah:" in client.get(f"/verifikasi/pakta/{codes[1]}").get_data(as_text=True)


def test_a_rotated_key_still_verifies_older_records(app: Flask, signed, monkeypatch) -> None:
    with app.app_context():
        old_ring = keys.keyring()
        new_key = b"n" * 40
        monkeypatch.setitem(app.extensions, "pledge_keyring", keys.Keyring((new_key, *old_ring.keys)))
        assert chain.verify_chain(signed["instansi_id"]).ok
        # without the old key, the old records cannot be checked: broken, not OK
        monkeypatch.setitem(app.extensions, "pledge_keyring", keys.Keyring((new_key,)))
        result = chain.verify_chain(signed["instansi_id"])
        assert not result.ok and "not configured" in result.first_broken.reason


def test_keys_come_from_the_environment_or_a_file(tmp_path, monkeypatch) -> None:
    from elearn import create_app

    key_file = tmp_path / "kunci"
    key_file.write_text("a" * 64 + "\n" + "b" * 64 + "\n")
    app = create_app({"ELEARN_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}",
                      "PLEDGE_KEY_FILE": str(key_file)})
    ring = keys.keyring(app)
    assert ring.keys == (b"a" * 64, b"b" * 64) and ring.current_id == keys.key_id(b"a" * 64)
    monkeypatch.setenv("ELEARN_PLEDGE_HMAC_KEY", "c" * 40)
    app = create_app({"ELEARN_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}"})
    assert keys.keyring(app).keys == (b"c" * 40,)
    monkeypatch.setenv("ELEARN_PLEDGE_HMAC_KEY", "pendek")
    app = create_app({"ELEARN_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}"})
    with pytest.raises(RuntimeError, match="at least 32 characters"):
        keys.keyring(app)


def test_the_campaign_page_shows_the_latest_checkpoint(app: Flask, client, signed, tmp_path) -> None:
    login(client, signed["admin"])
    page = client.get(f"/pakta/kampanye/{signed['campaign']}").get_data(as_text=True)
    assert "Titik periksa rantai terakhir" in page and "Belum ada." in page
    _checkpoint(app, tmp_path, signed["slug"])
    with app.app_context():
        stored = db.session.scalar(select(PledgeCheckpoint).where(
            PledgeCheckpoint.instansi_id == signed["instansi_id"]))
        head = stored.head_hash[:16]
    page = client.get(f"/pakta/kampanye/{signed['campaign']}").get_data(as_text=True)
    assert f"catatan ke-4, kepala rantai {head}…" in page and "tanda tangan sah, rantai masih memuatnya" in page


def test_the_campaign_page_does_not_vouch_for_a_checkpoint_a_dba_inserted(app: Flask, client, signed,
                                                                           tmp_path) -> None:
    """A checkpoint row written into the database (not signed with the checkpoint key, or not matching
    the chain) is shown as not valid, never as the latest good one."""
    _checkpoint(app, tmp_path, signed["slug"])
    with app.app_context():
        stored = db.session.scalar(select(PledgeCheckpoint).where(
            PledgeCheckpoint.instansi_id == signed["instansi_id"]))
        payload = json.loads(stored.payload)
        payload["seq"] = 3  # a forged claim about the chain, with the old signature
        db.session.add(PledgeCheckpoint(instansi_id=stored.instansi_id, seq=3, head_hash=stored.head_hash,
                                        created_at=stored.created_at.replace(year=stored.created_at.year + 1),
                                        key_id=stored.key_id, signature=stored.signature,
                                        payload=json.dumps(payload)))
        db.session.commit()
    login(client, signed["admin"])
    page = client.get(f"/pakta/kampanye/{signed['campaign']}").get_data(as_text=True)
    assert "TIDAK SAH" in page and "catatan ke-3" not in page
