from __future__ import annotations

from sqlalchemy import select

from elearn.db import db
from elearn.org.models import Instansi, Timezone


def test_instansi_create_and_list(app) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["instansi", "create", "prov-contoh", "--name", "Pemerintah Provinsi Contoh",
                                 "--timezone", "wita"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        inst = db.session.scalar(select(Instansi).where(Instansi.slug == "prov-contoh"))
        assert inst is not None and inst.timezone == Timezone.WITA and inst.name == "Pemerintah Provinsi Contoh"
    listed = runner.invoke(args=["instansi", "list"])
    assert "prov-contoh\tWITA\tPemerintah Provinsi Contoh" in listed.output


def test_instansi_create_refuses_duplicates_and_bad_slugs(app) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["instansi", "create", "kab-x", "--name", "Kab X"]).exit_code == 0
    dup = runner.invoke(args=["instansi", "create", "kab-x", "--name", "Kab X lagi"])
    assert dup.exit_code != 0 and "sudah ada" in dup.output
    bad = runner.invoke(args=["instansi", "create", "Kab X!", "--name", "Kab X"])
    assert bad.exit_code != 0 and "huruf kecil" in bad.output
