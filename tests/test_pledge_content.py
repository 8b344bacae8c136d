"""Pledge texts as content (pledges/): validation with file:line, idempotent sync, new versions that
leave old signatures on theirs, export round trip, the content CLI and seed-demo."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from elearn.accounts.models import EmployeeType, User
from elearn.content.courses import ContentInvalid
from elearn.content.pledges import export_pledges, parse_pledge_source, sync_pledges, validate_pledge_tree
from elearn.db import db
from elearn.pledges import chain, services
from elearn.pledges.models import Campaign, PledgeSignature, PledgeText, PledgeTextVersion

from pledge_support import make_campaign, sign_as

REPO_PLEDGES = Path(__file__).resolve().parents[1] / "pledges"
REPO_COURSES = Path(__file__).resolve().parents[1] / "courses"
#: pakta-netralitas as shipped before issue 15 (version 1): signatures on it exist in deployments
PLEDGES_V1 = Path(__file__).resolve().parent / "fixtures" / "pledges_v1"

VALID = """---
slug: pakta-uji
title: Pakta Uji
version: 1
language: id
---

# Pakta Uji

Saya {nama}, NIP {nip}, {jabatan} pada {unit}.

1. Netral.

{tempat}, {tanggal}
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "pledges"
    root.mkdir()
    (root / "pakta-uji.md").write_text(VALID, encoding="utf-8")
    (root / "README.md").write_text("# not a pledge {apa}\n", encoding="utf-8")
    return root


def _messages(text: str, filename: str = "pakta-uji.md") -> list[str]:
    return [str(e) for e in parse_pledge_source(text, filename).errors]


# --- the shipped text ---------------------------------------------------------------------------


def test_the_shipped_folder_is_valid() -> None:
    assert validate_pledge_tree(REPO_PLEDGES) == []
    assert (REPO_PLEDGES / "pakta-netralitas.md").is_file()


def test_the_shipped_text_renders_for_a_signer(app: Flask, make_user) -> None:
    person = make_user(golongan="III/a", jabatan="Penata Kelola Pemilu")
    with app.app_context():
        report = sync_pledges(REPO_PLEDGES)
        assert report.texts["pakta-netralitas"] in ("created", "updated", "unchanged")
        version = services.current_pledge_version("pakta-netralitas")
        assert version is not None and version.language == "id"
        user = db.session.get(User, person.id)
        campaign = make_campaign(user.instansi_id, version)
        text = services.render_pledge(version, user, campaign)
    assert "{" not in text and "}" not in text
    assert user.name in text and user.employee_number in text and "Penata Muda (III/a)" in text
    for phrase in ("sebelum, selama, dan sesudah pemungutan suara", "ujaran kebencian", "politik uang",
                   "fasilitas negara", "Peraturan Pemerintah Nomor 94 Tahun 2021", "Nomor 42 Tahun 2004",
                   "Undang-Undang Nomor 20 Tahun 2023",
                   # the pledged points added for issue 15: others' KTPs, winning-team accounts, gestures
                   "tidak mengumpulkan KTP atau fotokopi KTP orang lain",
                   "tidak mengikuti akun maupun bergabung dengan grup tim kampanye atau tim pemenangan",
                   "Tidak berfoto dengan pose jari, simbol, atau atribut",
                   # the sanction clause names the rules of every employee type the course is for
                   "bagi PNS dan CPNS:", "bagi PPPK:", "Peraturan Pemerintah Nomor 49 Tahun 2018",
                   "sampai dengan pemutusan perjanjian kerja", "bagi pegawai non-ASN:",
                   "Reformasi Birokrasi Nomor 01 Tahun 2023"):
        assert phrase in text, phrase
    assert "meterai" not in text.lower()


@pytest.mark.parametrize(("employee_type", "number"), [(EmployeeType.PPPK, "199012302022211003"),
                                                       (EmployeeType.NON_ASN, "HNR-2024-0173")])
def test_the_shipped_text_fits_pppk_and_non_asn_signers(app: Flask, make_user, employee_type: EmployeeType,
                                                        number: str) -> None:
    person = make_user(employee_type=employee_type, employee_number=number)
    with app.app_context():
        sync_pledges(REPO_PLEDGES)
        version = services.current_pledge_version("pakta-netralitas")
        user = db.session.get(User, person.id)
        text = services.render_pledge(version, user, make_campaign(user.instansi_id, version))
    # the identity lines name every kind of number, not only the NIP of a civil servant
    assert f"- NIP/NI PPPK/nomor pegawai: {number}\n" in text and text.rstrip().endswith(
        f"NIP/NI PPPK/nomor pegawai {number}")
    assert "Aparatur Sipil Negara dan Pegawai Non-ASN" in version.title


def _numbered_points(markdown: str) -> list[str]:
    return re.findall(r"^\d+\. (.+)$", markdown, flags=re.M)


def test_module_7_lists_every_point_of_the_shipped_pakta_without_counting_them() -> None:
    pakta = parse_pledge_source((REPO_PLEDGES / "pakta-netralitas.md").read_text(encoding="utf-8"),
                                "pakta-netralitas.md")
    module = (REPO_COURSES / "netralitas-asn" / "07-ringkasan.md").read_text(encoding="utf-8")
    section = module.split("## Sebelum menandatangani pakta", 1)[1].split("\n## ", 1)[0]
    bullets = re.findall(r"^- ", section, flags=re.M)
    assert len(bullets) == len(_numbered_points(pakta.body)) >= 8
    counted = re.compile(r"\b(\d+|empat|lima|enam|tujuh|delapan|sembilan|sepuluh)\s+(komitmen|butir|poin|janji)",
                         re.I)
    assert not counted.search(section), counted.search(section)
    for phrase in ("KTP orang lain", "pose jari", "grup tim kampanye dan tim pemenangan", "PP 49/2018",
                   "SE MenPANRB 01/2023"):
        assert phrase in section, phrase


def test_a_signature_on_the_previous_shipped_text_survives_the_new_version(app: Flask, make_user) -> None:
    """Version 1 of pakta-netralitas (as shipped before issue 15, kept in tests/fixtures/pledges_v1) was
    signed; syncing today's text makes version 2 current and leaves that signature as it was."""
    person, later = make_user(employee_type=EmployeeType.NON_ASN, employee_number="HNR-0001"), make_user()
    with app.app_context():
        assert sync_pledges(PLEDGES_V1).texts == {"pakta-netralitas": "created"}
        v1 = services.current_pledge_version("pakta-netralitas")
        user = db.session.get(User, person.id)
        signed = sign_as(make_campaign(user.instansi_id, v1), user)
        db.session.commit()
        signed_id, signed_text, signed_hash = signed.id, signed.rendered_text, signed.record_hash
        assert "Nomor 49 Tahun 2018" not in signed_text

        report = sync_pledges(REPO_PLEDGES)
        db.session.commit()
        assert (report.texts, report.versions) == ({"pakta-netralitas": "updated"}, {"pakta-netralitas": 2})
        v2 = services.current_pledge_version("pakta-netralitas")
        assert v2.number == 2 and v2.id != v1.id and "Nomor 49 Tahun 2018" in v2.body
        db.session.expire_all()
        stored = db.session.get(PledgeSignature, signed_id)
        assert (stored.pledge_version_id, stored.rendered_text, stored.record_hash) == (v1.id, signed_text, signed_hash)
        assert stored.pledge_version.body == v1.body
        assert chain.verify_record(stored) and chain.verify_chain(user.instansi_id).ok
        # a campaign created now pins version 2 and its signers sign the new text
        other = db.session.get(User, later.id)
        assert "Nomor 49 Tahun 2018" in sign_as(make_campaign(other.instansi_id, v2), other).rendered_text
        db.session.commit()
        assert chain.verify_chain(other.instansi_id).ok and chain.verify_chain(user.instansi_id).ok


# --- validation -----------------------------------------------------------------------------------


def test_a_valid_file_has_no_errors() -> None:
    assert _messages(VALID) == []


def test_unknown_placeholder_is_reported_with_its_line() -> None:
    text = VALID.replace("1. Netral.", "1. Netral, {nama_lengkap} dan { nama }.")
    messages = _messages(text)
    assert any(m.startswith("pakta-uji.md:12: unknown placeholder {nama_lengkap}") for m in messages), messages
    assert any(m.startswith("pakta-uji.md:12: unknown placeholder { nama }") for m in messages), messages
    assert len(messages) == 2


def test_missing_front_matter() -> None:
    assert _messages("# Pakta\n\n{nama} {nip} {tanggal}\n") == [
        "pakta-uji.md:1: file must start with front matter between '---' lines"]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("language: id\n", "language: jv\n", "pakta-uji.md:5: language must be one of: en, id"),
    ("language: id\n", "language: {id: ya}\n", "pakta-uji.md:5: language must be one of: en, id"),
    ("slug: pakta-uji\n", "slug: pakta-lain\n", "pakta-uji.md:2: slug 'pakta-lain' must equal the file name"),
    ("slug: pakta-uji\n", "slug: Pakta Uji\n", "pakta-uji.md:2: slug must use a-z"),
    ("version: 1\n", "", "pakta-uji.md:1: front matter: 'version' is missing"),
    ("title: Pakta Uji\n", "title: Pakta Uji\npenulis: saya\n", "pakta-uji.md:4: unknown key 'penulis'"),
    ("title: Pakta Uji\n", "title: ''\n", "pakta-uji.md:3: title must be non-empty text"),
    ("Saya {nama}, NIP {nip}", "Saya {nama}", "the text must contain the placeholder {nip}"),
    ("version: 1\n", "version: [1\n", "pakta-uji.md:5: front matter is not valid YAML"),
])
def test_front_matter_and_body_errors(old: str, new: str, expected: str) -> None:
    messages = _messages(VALID.replace(old, new))
    assert any(m.startswith(expected) or expected in m for m in messages), messages


def test_empty_text() -> None:
    text = VALID.split("---\n\n", 1)[0] + "---\n"
    assert "pakta-uji.md:7: the pledge text is empty" in _messages(text)


def test_the_tree_reports_every_file(tree: Path) -> None:
    (tree / "rusak.md").write_text("---\nslug: rusak\ntitle: Rusak\nversion: 1\n---\n{nama} {nip} {tanggal} {x}\n",
                                   encoding="utf-8")
    assert [str(e) for e in validate_pledge_tree(tree)] == [
        "rusak.md:6: unknown placeholder {x} (allowed: {nama}, {nip}, {pangkat_golongan}, {jabatan}, {unit}, "
        "{skpd}, {instansi}, {tempat}, {tanggal})"]
    assert str(validate_pledge_tree(tree / "tidak-ada")[0]).endswith(":1: folder does not exist")


# --- sync ---------------------------------------------------------------------------------------


def _versions(slug: str = "pakta-uji") -> list[PledgeTextVersion]:
    return list(db.session.scalars(select(PledgeTextVersion).join(PledgeText).where(PledgeText.slug == slug)
                                   .order_by(PledgeTextVersion.number)))


def test_sync_is_idempotent(app: Flask, tree: Path) -> None:
    with app.app_context():
        first = sync_pledges(tree)
        assert (first.texts, first.versions) == ({"pakta-uji": "created"}, {"pakta-uji": 1})
        again = sync_pledges(tree)
        assert (again.texts, again.versions) == ({"pakta-uji": "unchanged"}, {"pakta-uji": 1})
        (version,) = _versions()
        assert version.title == "Pakta Uji" and version.body.startswith("# Pakta Uji\n")
        assert version.source_text == VALID
        assert services.current_pledge_version("pakta-uji").id == version.id


def test_sync_refuses_an_invalid_tree_and_writes_nothing(app: Flask, tree: Path) -> None:
    (tree / "pakta-uji.md").write_text(VALID.replace("{unit}", "{unit_kerja}"), encoding="utf-8")
    with app.app_context():
        with pytest.raises(ContentInvalid) as info:
            sync_pledges(tree)
        assert "pakta-uji.md:10: unknown placeholder {unit_kerja}" in str(info.value)
        assert db.session.scalar(select(func.count()).select_from(PledgeText)) == 0


def test_a_changed_text_makes_a_new_version_and_old_signatures_keep_theirs(app: Flask, tree: Path,
                                                                           make_user) -> None:
    person, later = make_user(), make_user()
    with app.app_context():
        sync_pledges(tree)
        v1 = services.current_pledge_version("pakta-uji")
        user = db.session.get(User, person.id)
        campaign = make_campaign(user.instansi_id, v1)
        signed = sign_as(campaign, user)
        db.session.commit()
        signed_text = signed.rendered_text

        (tree / "pakta-uji.md").write_text(VALID.replace("1. Netral.", "1. Netral.\n2. Bijak bermedia sosial.")
                                           .replace("version: 1", "version: 2"), encoding="utf-8")
        report = sync_pledges(tree)
        assert (report.texts, report.versions) == ({"pakta-uji": "updated"}, {"pakta-uji": 2})
        v2 = services.current_pledge_version("pakta-uji")
        assert v2.number == 2 and "Bijak bermedia sosial" in v2.body
        db.session.commit()
        db.session.expire_all()
        # the signature and its campaign stay on version 1, with the text that was signed
        stored = db.session.get(PledgeSignature, signed.id)
        assert stored.pledge_version_id == v1.id and stored.rendered_text == signed_text
        assert db.session.get(Campaign, campaign.id).pledge_version_id == v1.id
        assert chain.verify_chain(user.instansi_id).ok
        # a new campaign uses version 2
        other = db.session.get(User, later.id)
        new_campaign = make_campaign(other.instansi_id, services.current_pledge_version("pakta-uji"))
        assert "Bijak bermedia sosial" in sign_as(new_campaign, other).rendered_text

        # the file going back to version 1's content makes version 1 current again, no third version
        (tree / "pakta-uji.md").write_text(VALID, encoding="utf-8")
        back = sync_pledges(tree)
        assert (back.texts, back.versions) == ({"pakta-uji": "updated"}, {"pakta-uji": 1})
        assert [v.number for v in _versions()] == [1, 2]
        assert services.current_pledge_version("pakta-uji").id == v1.id


def test_crlf_files_are_the_same_content(app: Flask, tree: Path) -> None:
    with app.app_context():
        sync_pledges(tree)
        (tree / "pakta-uji.md").write_bytes(VALID.replace("\n", "\r\n").encode())
        assert sync_pledges(tree).texts == {"pakta-uji": "unchanged"}


# --- export -------------------------------------------------------------------------------------


def test_export_round_trip(app: Flask, tree: Path, tmp_path: Path) -> None:
    with app.app_context():
        sync_pledges(tree)
        sync_pledges(REPO_PLEDGES)
        out = tmp_path / "keluar"
        written = export_pledges(out)
        assert set(written) >= {"pakta-uji", "pakta-netralitas"}
        assert (out / "pakta-uji.md").read_text(encoding="utf-8") == VALID
        assert (out / "pakta-netralitas.md").read_bytes() == (REPO_PLEDGES / "pakta-netralitas.md").read_bytes()
        assert validate_pledge_tree(out) == []
        assert set(sync_pledges(out).texts.values()) == {"unchanged"}
        assert export_pledges(tmp_path / "satu", ["pakta-uji"]).keys() == {"pakta-uji"}


# --- the content CLI ------------------------------------------------------------------------------


def test_cli_validate(app: Flask, tree: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "validate", "--pledges-root", str(tree)])
    assert result.exit_code == 0, result.output
    assert f"{tree}: 1 pledge text(s) valid." in result.output
    assert "course(s)" not in result.output and "bank(s)" not in result.output
    (tree / "pakta-uji.md").write_text(VALID.replace("{unit}", "{unit_kerja}"), encoding="utf-8")
    result = runner.invoke(args=["content", "validate", "--pledges-root", str(tree)])
    assert result.exit_code == 1
    assert "pakta-uji.md:10: unknown placeholder {unit_kerja}" in result.output
    assert f"1 error(s) in {tree}" in result.output


def test_cli_validate_without_roots_covers_pledges(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["content", "validate"])
    assert result.exit_code == 0, result.output
    assert "course(s) valid" in result.output and "bank(s)" in result.output
    assert f"{REPO_PLEDGES}: 1 pledge text(s) valid." in result.output


def test_cli_sync_and_export(app: Flask, tree: Path, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "sync", "--pledges-root", str(tree)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "pakta-uji: pledge text created (version 1)"
    result = runner.invoke(args=["content", "sync", "--pledges-root", str(tree), "--pledge", "pakta-uji"])
    assert result.output.strip() == "pakta-uji: pledge text unchanged (version 1)"
    out = tmp_path / "keluar"
    result = runner.invoke(args=["content", "export", "--pledges-root", str(out), "--pledge", "pakta-uji"])
    assert result.exit_code == 0, result.output
    assert f"pakta-uji: written to {out / 'pakta-uji.md'}" in result.output
    result = runner.invoke(args=["content", "export", "--pledges-root", str(out), "--pledge", "tidak-ada"])
    assert result.exit_code == 1 and "no pledge text with that slug" in result.output


def test_cli_sync_with_only_a_pledge_filter_syncs_only_pledges(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["content", "sync", "--pledge", "pakta-netralitas"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "pakta-netralitas: pledge text created (version 1)"


def test_cli_sync_refuses_an_invalid_tree(app: Flask, tree: Path) -> None:
    (tree / "pakta-uji.md").write_text("tanpa front matter {nama}\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["content", "sync", "--pledges-root", str(tree)])
    assert result.exit_code == 1
    assert "pakta-uji.md:1: file must start with front matter" in result.output
    assert "nothing was loaded" in result.output


# --- seed-demo ------------------------------------------------------------------------------------


def test_seed_demo_syncs_the_shipped_text_and_reset_removes_signatures(app: Flask) -> None:
    from elearn.org.models import Instansi

    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--people", "200", "--password", "demo-sandi-123"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        version = services.current_pledge_version("pakta-netralitas")
        assert version is not None
        instansi = db.session.scalar(select(Instansi).where(Instansi.slug == "kota-contoh"))
        user = db.session.scalar(select(User).where(User.instansi_id == instansi.id, User.unit_id.is_not(None))
                                 .limit(1))
        campaign = make_campaign(instansi.id, version)
        code = sign_as(campaign, user).verify_code
        campaign_id = campaign.id
        db.session.commit()
    # the reset deletes the demo instansi's signatures although the table refuses DELETE; the
    # new demo then signs again from an empty chain
    result = runner.invoke(args=["seed-demo", "--people", "200", "--password", "demo-sandi-123", "--reset"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(PledgeSignature).where(PledgeSignature.verify_code == code)) is None
        assert db.session.get(Campaign, campaign_id) is None
        instansi = db.session.scalar(select(Instansi).where(Instansi.slug == "kota-contoh"))
        first = db.session.scalar(select(func.min(PledgeSignature.seq))
                                  .where(PledgeSignature.instansi_id == instansi.id))
        assert first in (None, 1)
        assert chain.verify_chain(instansi.id).ok
        assert [v.number for v in _versions("pakta-netralitas")] == [1]
