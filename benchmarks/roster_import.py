"""Roster import speed: the full import against plain batched inserts, measured in the same run.

    .venv/bin/python benchmarks/roster_import.py                      # SQLite (temp file)
    .venv/bin/python benchmarks/roster_import.py --database-url postgresql+psycopg://127.0.0.1/roster_bench

The PostgreSQL database must exist and be a scratch database: every table in it is dropped.
Prints rows/s for (a) plain Core inserts of the same number of rows into a scratch table,
(b) the full import through the service (parse + validate + upsert + commit) of a fresh
roster, (c) a re-import of the same file (every person unchanged), and the ratios.
Targets (issue 2): >= 10,000 rows/s on SQLite, >= 5,000 rows/s on PostgreSQL.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, insert  # noqa: E402

from elearn import create_app  # noqa: E402
from elearn.db import Base, UTCDateTime, db, utcnow  # noqa: E402
from elearn.models import import_all_models  # noqa: E402

SKPD = (
    ["Sekretariat Daerah", "Sekretariat DPRD", "Inspektorat Daerah", "Badan Kepegawaian dan Pengembangan SDM",
     "Badan Perencanaan Pembangunan Daerah", "Badan Pengelolaan Keuangan dan Aset Daerah", "Dinas Pendidikan",
     "Dinas Kesehatan", "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas Sosial", "Dinas Perhubungan",
     "Dinas Lingkungan Hidup", "Dinas Kependudukan dan Pencatatan Sipil", "Dinas Komunikasi dan Informatika",
     "Satuan Polisi Pamong Praja", "RSUD Kota"]
    + [f"Kecamatan {n}" for n in ("Utara", "Selatan", "Timur", "Barat", "Tengah", "Pesisir", "Bukit", "Lembah")]
    + [f"Dinas Urusan {n}" for n in range(1, 17)]
)
GOLONGAN = ["II/a", "II/c", "III/a", "Penata Muda Tingkat I, III/b", "III/c", "III d", "IV/a", "IVb"]
PPPK_GOLONGAN = ["V", "VII", "IX", "X", "XI"]
JENIS = ["Pelaksana", "Fungsional", "Pengawas", "Administrator", "JPT Pratama"]
HEADER = ["NIP", "Nama Lengkap", "Gol/Ruang", "Jabatan", "Jenis Jabatan", "Jenis Pegawai", "SKPD", "Unit Kerja",
          "Email", "No HP"]


def make_rows(n: int, bad_share: float, seed: int = 7) -> tuple[list[list[str]], list[list[str]], int]:
    """``n`` valid rows plus about ``bad_share`` bad ones, shuffled in; returns (all, valid, bad count)."""
    rnd = random.Random(seed)
    start = dt.date(1965, 1, 1)
    rows: list[list[str]] = []
    for i in range(n):
        born = start + dt.timedelta(days=i % 12000)
        seq = i // 12000 + 1
        gender = 1 + i % 2
        skpd = SKPD[i % len(SKPD)]
        unit = f"UPT {skpd.split()[-1]} {i % 5 + 1}" if i % 3 else ""
        if i % 4 == 3:  # PPPK: lenient middle digits
            number = f"{born:%Y%m%d}2023{21 + i % 9:02d}{gender}{seq:03d}"
            kind, gol = "PPPK", PPPK_GOLONGAN[i % 5]
        else:
            number = f"{born:%Y%m%d}{min(born.year + 22 + i % 10, 2024)}{1 + i % 12:02d}{gender}{seq:03d}"
            kind, gol = "PNS", GOLONGAN[i % len(GOLONGAN)]
        jabatan = "Camat " + skpd[10:] if skpd.startswith("Kecamatan") and i % 500 == 0 else f"Analis {i % 40}"
        rows.append([number, f"Pegawai {i} S.Kom.", gol, jabatan, JENIS[i % 5], kind, skpd, unit,
                     f"pegawai{i}@contoh.go.id", f"08{1200000000 + i}"])
    bad = []
    for j in range(int(n * bad_share)):
        good = rows[rnd.randrange(n)]
        kind = j % 5
        row = list(good)
        if kind == 0:
            row[0] = "1.98609E+17"
        elif kind == 1:
            row[0] = "19861332" + row[0][8:]
        elif kind == 2:
            row[1] = ""
        elif kind == 3:
            row[2] = "Z/9" if row[5] == "PNS" else "XXV"
        else:
            pass  # an exact duplicate of an earlier row
        bad.append(row)
    valid = list(rows)
    for row in bad:
        rows.insert(rnd.randrange(len(rows) + 1), row)
    return rows, valid, len(bad)


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def baseline(n_rows: list[list[str]], instansi_id: int, unit_id: int) -> float:
    """Plain batched Core inserts of the same rows (no parsing, no validation) into a scratch table."""
    meta = MetaData()
    scratch = Table(
        "bench_scratch", meta,
        Column("id", Integer, primary_key=True),
        Column("instansi_id", Integer), Column("unit_id", Integer),
        Column("employee_number", String(32), unique=True), Column("employee_type", String(32)),
        Column("name", String(200)), Column("golongan", String(8)), Column("jabatan", String(255)),
        Column("jenis_jabatan", String(32)), Column("is_kepala_wilayah", Boolean), Column("email", String(254)),
        Column("phone", String(32)), Column("role", String(32)), Column("active", Boolean),
        Column("failed_logins", Integer), Column("session_version", Integer),
        Column("created_at", UTCDateTime), Column("updated_at", UTCDateTime),
    )
    engine = db.engine
    meta.drop_all(engine)
    meta.create_all(engine)
    now = utcnow()
    params = [
        {"instansi_id": instansi_id, "unit_id": unit_id, "employee_number": r[0], "employee_type": "pns",
         "name": r[1], "golongan": "III/a", "jabatan": r[3], "jenis_jabatan": "pelaksana", "is_kepala_wilayah": False,
         "email": r[8], "phone": r[9], "role": "peserta", "active": True, "failed_logins": 0, "session_version": 1,
         "created_at": now, "updated_at": now}
        for r in n_rows
    ]
    started = time.perf_counter()
    with engine.begin() as conn:
        for i in range(0, len(params), 2000):
            conn.execute(insert(scratch), params[i:i + 2000])
    elapsed = time.perf_counter() - started
    meta.drop_all(engine)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a scratch database (all its tables are dropped); default SQLite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bad", type=float, default=0.03, help="share of bad rows added (default 0.03)")
    parser.add_argument("--profile", action="store_true", help="profile the fresh import with cProfile")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    import_all_models()
    app = create_app({"DATABASE_URL": url, "ELEARN_ENV": "development", "SECRET_KEY": "bench"})

    from elearn.org.models import Instansi
    from elearn.org.services import create_instansi, create_unit
    from elearn.roster.parsing import open_roster
    from elearn.roster.services import import_roster

    rows, valid, n_bad = make_rows(args.rows, args.bad)
    data = to_csv(rows)
    total = len(rows)
    print(f"database: {db.get_engine(app).dialect.name}  file: {len(data) / 1e6:.1f} MB, {total} rows "
          f"({args.rows} valid + {n_bad} bad)")

    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        instansi = create_instansi("kota-bench", "Pemerintah Kota Bench")
        # half of the SKPDs exist beforehand; the rest (and every UPT) are created by the import
        for name in SKPD[::2]:
            create_unit(instansi, name)
        db.session.commit()
        instansi_id = instansi.id
        some_unit = create_unit(instansi, "Unit Baseline")
        db.session.commit()
        t_base = baseline(valid, instansi_id, some_unit.id)

    def run(label: str):  # type: ignore[no-untyped-def]
        with app.app_context():
            inst = db.session.get(Instansi, instansi_id)
            started = time.perf_counter()
            roster = open_roster(data, "bench.csv")
            result = import_roster(inst, roster, audit_details={"via": "benchmark"})
            db.session.commit()
            elapsed = time.perf_counter() - started
        print(f"{label:<34} {elapsed:7.2f} s  {total / elapsed:>9,.0f} rows/s   "
              f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
              f"errors {len(result.errors)}, new units {len(result.new_units)}")
        return elapsed, result

    print(f"{'(a) plain batched Core inserts':<34} {t_base:7.2f} s  {args.rows / t_base:>9,.0f} rows/s")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        t_full, _ = run("(b) full import, new roster")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    else:
        t_full, _ = run("(b) full import, new roster")
    t_again, _ = run("(c) re-import, all unchanged")
    print(f"ratio (b)/(a) time per row: {(t_full / total) / (t_base / args.rows):.1f}x  "
          f"(c)/(a): {(t_again / total) / (t_base / args.rows):.1f}x")
    tmp.cleanup()


if __name__ == "__main__":
    main()
