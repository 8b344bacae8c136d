"""``flask --app elearn import-roster``."""
from __future__ import annotations

import json

from sqlalchemy import select

from elearn.accounts.models import Role, User
from elearn.db import db

GOOD = "198609262015051001"


def write(tmp_path, text: str, name: str = "pegawai.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_json_output_has_exactly_the_documented_shape(app, make_instansi, tmp_path):
    instansi = make_instansi()
    path = write(tmp_path, f"NIP;Nama;SKPD\n{GOOD};Budi;Dinas Baru\n1.98609E+17;Cici;Dinas Baru\n;;\n"
                           "199001012015011002;;Dinas Baru\n")
    result = app.test_cli_runner().invoke(args=["import-roster", path, "--instansi", instansi.slug, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["created", "updated", "unchanged", "deactivated", "new_units", "errors"]
    assert data["created"] == 1 and data["updated"] == 0 and data["unchanged"] == 0 and data["deactivated"] == 0
    assert data["new_units"] == ["Dinas Baru"]
    assert [(e["line"], e["code"]) for e in data["errors"]] == [(3, "excel_mangled"), (5, "missing_name")]
    assert all(set(e) == {"line", "code", "message"} for e in data["errors"])
    with app.app_context():
        assert db.session.scalar(select(User).where(User.employee_number == GOOD)).name == "Budi"

    again = app.test_cli_runner().invoke(args=["import-roster", path, "--instansi", instansi.slug, "--json"])
    assert json.loads(again.output)["unchanged"] == 1


def test_human_output_and_deactivate_missing(app, make_instansi, make_unit, make_user, tmp_path):
    instansi = make_instansi()
    skpd = make_unit("Dinas Sosial", instansi=instansi)
    gone = make_user(Role.PESERTA, skpd)
    path = write(tmp_path, f"NIP,Nama,OPD\n{GOOD},Budi,Dinas Sosial\n123,Ani,Dinas Sosial\n")
    result = app.test_cli_runner().invoke(
        args=["import-roster", path, "--instansi", instansi.slug, "--deactivate-missing"])
    assert result.exit_code == 0, result.output
    assert "dibuat: 1" in result.output and "dinonaktifkan: 1" in result.output
    assert "baris 3 [wrong_length]" in result.output
    with app.app_context():
        assert db.session.get(User, gone.id).active is False


def test_unreadable_file_or_unknown_instansi_exit_non_zero(app, make_instansi, tmp_path):
    instansi = make_instansi()
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["import-roster", str(tmp_path / "tidak-ada.csv"), "--instansi", instansi.slug])
    assert missing.exit_code != 0 and "tidak bisa dibaca" in missing.output
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    wrong_type = runner.invoke(args=["import-roster", str(pdf), "--instansi", instansi.slug])
    assert wrong_type.exit_code != 0 and "bukan CSV atau XLSX" in wrong_type.output
    no_nip = runner.invoke(args=["import-roster", write(tmp_path, "Nama;SKPD\nBudi;Dinas\n"), "--instansi",
                                 instansi.slug, "--json"])
    assert no_nip.exit_code != 0 and "NIP" in no_nip.output
    path = write(tmp_path, f"NIP;Nama;SKPD\n{GOOD};Budi;Dinas\n")
    unknown = runner.invoke(args=["import-roster", path, "--instansi", "tidak-ada"])
    assert unknown.exit_code != 0 and "tidak ditemukan" in unknown.output


def test_deactivate_missing_prints_the_count_and_warns_when_it_is_large(app, make_instansi, make_unit, make_user,
                                                                        tmp_path):
    """The CLI (a trusted admin) still applies at once, but says how many were switched off and warns
    when that is more than a fifth of the active people."""
    instansi = make_instansi()
    skpd = make_unit("Dinas Sosial", instansi=instansi)
    stays = [make_user(Role.PESERTA, skpd, password=None) for _ in range(4)]
    gone = make_user(Role.PESERTA, skpd, password=None)
    rows = "".join(f"{p.employee_number},{p.name},Dinas Sosial\n" for p in stays)
    few = app.test_cli_runner().invoke(
        args=["import-roster", write(tmp_path, "NIP,Nama,OPD\n" + rows), "--instansi", instansi.slug,
              "--deactivate-missing"])
    assert few.exit_code == 0, few.output
    assert "dinonaktifkan: 1" in few.output and "PERHATIAN" not in few.output  # 1 of 5
    many = app.test_cli_runner().invoke(
        args=["import-roster", write(tmp_path, f"NIP,Nama,OPD\n{stays[0].employee_number},A,Dinas Sosial\n"),
              "--instansi", instansi.slug, "--deactivate-missing"])
    assert many.exit_code == 0, many.output
    assert "dinonaktifkan: 3" in many.output and "PERHATIAN: 3 dari 4 pegawai aktif" in many.output
    with app.app_context():
        assert db.session.get(User, gone.id).active is False
