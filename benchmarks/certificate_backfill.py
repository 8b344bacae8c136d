"""``flask certificates issue`` for people who completed before certificates existed: 5,000 people in
under 3 minutes on SQLite (issue 11), signed with a development key, against the same number of bare
reportlab pages measured in the same run (the floor).

    .venv/bin/python benchmarks/certificate_backfill.py                 # 5,000 people, SQLite temp file
    .venv/bin/python benchmarks/certificate_backfill.py --people 1000 --database-url postgresql+psycopg://127.0.0.1/bench

The PostgreSQL database must be a scratch database: every table in it is dropped. The people are
spread over 30 SKPDs of one instansi; each has read the course's modules, passed its quiz and
signed its pakta (bulk inserts, as if done over the past weeks), so the command's query sees the
whole completion rule. Prints the time, the rate, the floor's rate and the ratio, and whether the
3-minute target is met.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402

from elearn import create_app  # noqa: E402
from elearn.db import Base, db, utcnow  # noqa: E402
from elearn.models import import_all_models  # noqa: E402

TARGET_SECONDS = 180


def build(app, people: int) -> str:  # type: ignore[no-untyped-def]
    from elearn.accounts.models import User
    from elearn.courses.models import Course, CourseVersion, CourseVersionModule, Enrollment, ModuleVersion
    from elearn.courses.models import VersionStatus
    from elearn.org import services as org_services
    from elearn.pledges.models import Campaign, ElectionType, PledgeText, PledgeTextVersion
    from elearn.quizzes.models import Attempt, AttemptStatus, QuestionBank, Quiz

    with app.app_context():
        instansi = org_services.create_instansi("kota-bench", "Pemerintah Kota Bench", "WIB")
        skpds = [org_services.create_unit(instansi, f"Dinas Urusan {n}") for n in range(30)]
        db.session.flush()
        start = dt.date(1970, 1, 1)
        rows = []
        for i in range(people):
            born = start + dt.timedelta(days=i % 9000)
            nip = f"{born:%Y%m%d}{1995 + i % 25}{1 + i % 12:02d}{1 + i % 2}{i // 9000 + 1:03d}"
            rows.append({"employee_number": nip, "name": f"Pegawai Nomor {i}, S.Kom.", "instansi_id": instansi.id,
                         "unit_id": skpds[i % 30].id, "golongan": "III/a", "jabatan": f"Analis {i % 40}",
                         "employee_type": "pns", "role": "peserta", "active": True, "failed_logins": 0,
                         "activation_failures": 0, "session_version": 1, "is_kepala_wilayah": False,
                         "created_at": utcnow(), "updated_at": utcnow()})
        db.session.execute(insert(User), rows)
        user_ids = list(db.session.scalars(select(User.id).where(User.instansi_id == instansi.id)))
        course = Course(slug="netralitas-bench")
        db.session.add(course)
        db.session.flush()
        version = CourseVersion(course_id=course.id, number=1, status=VersionStatus.PUBLISHED,
                                title="Netralitas ASN dalam Pilkada dan Pemilu", jp=2,
                                requires={"quiz": "kuis-bench", "pledge": "pakta-bench"},
                                completion={"modules": "all", "quiz_pass": True, "pledge_signed": True},
                                certificate={"criteria": "Membaca modul, lulus kuis, menandatangani pakta."},
                                manifest_text="", content_hash="0" * 64, published_at=utcnow())
        db.session.add(version)
        db.session.flush()
        module = ModuleVersion(course_id=course.id, slug="01-m", title="Modul", minutes=5, objectives=["x"],
                               source_text="", content_hash="1" * 64, sections=[])
        db.session.add(module)
        db.session.flush()
        db.session.add(CourseVersionModule(course_version_id=version.id, module_version_id=module.id, position=0))
        bank = QuestionBank(slug="bank-bench", title="Bank")
        db.session.add(bank)
        db.session.flush()
        quiz = Quiz(slug="kuis-bench", bank_id=bank.id, title="Kuis", pass_mark=70)
        db.session.add(quiz)
        pledge = PledgeText(slug="pakta-bench", title="Pakta", current_number=1)
        db.session.add(pledge)
        db.session.flush()
        pledge_version = PledgeTextVersion(pledge_text_id=pledge.id, number=1, title="Pakta", body="x",
                                           source_text="x", content_hash="2" * 64, language="id")
        db.session.add(pledge_version)
        db.session.flush()
        today = dt.date.today()
        campaign = Campaign(instansi_id=instansi.id, slug="bench", name="Bench", election_type=ElectionType.PILKADA,
                            pledge_version_id=pledge_version.id, place="Kota Bench",
                            opens_on=today - dt.timedelta(days=30), closes_on=today + dt.timedelta(days=30))
        db.session.add(campaign)
        db.session.flush()
        done = utcnow() - dt.timedelta(days=3)
        db.session.execute(insert(Enrollment), [
            {"user_id": u, "course_id": course.id, "course_version_id": version.id, "started_at": done,
             "modules_completed_at": done} for u in user_ids])
        db.session.execute(insert(Attempt), [
            {"quiz_id": quiz.id, "user_id": u, "number": 1, "status": AttemptStatus.SUBMITTED, "submitted_at": done,
             "score": 1.0, "max_score": 1.0, "percent": 100.0, "passed": True, "pass_mark": 70, "started_at": done}
            for u in user_ids])
        db.session.commit()
        # raw pakta signatures: the chain is not what is measured here
        insert_signatures(campaign.id, instansi.id, pledge_version.id, user_ids, done)
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
        db.session.commit()
        return instansi.slug


def insert_signatures(campaign_id: int, instansi_id: int, version_id: int, user_ids: list[int],
                      at: dt.datetime) -> None:
    """Raw pakta signatures (append-only rows: inserted, never changed)."""
    from elearn.pledges.models import PledgeSignature

    table = PledgeSignature.__table__
    required = {c.name: c for c in table.columns if not c.nullable and c.default is None and not c.primary_key}
    rows = []
    for n, user_id in enumerate(user_ids, start=1):
        row = {"campaign_id": campaign_id, "instansi_id": instansi_id, "pledge_version_id": version_id,
               "user_id": user_id, "seq": n, "prev_hash": f"{n - 1:064x}", "record_hash": f"{n:064x}",
               "signed_at": at, "verify_code": f"bench{n:019d}"}
        for name, column in required.items():
            if name not in row:
                python_type = column.type.python_type
                row[name] = ("typed" if name == "method" else
                             "x" if python_type is str else at.date() if python_type is dt.date else
                             at if python_type is dt.datetime else 0 if python_type is int else
                             b"" if python_type is bytes else {})
        rows.append(row)
    db.session.execute(insert(table), rows)
    db.session.commit()


def floor_rate(n: int) -> float:
    """Bare reportlab A4 landscape pages with the certificate fonts: pages per second, one core."""
    from io import BytesIO

    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    from elearn.certificates import render

    font = render.register_fonts() if hasattr(render, "register_fonts") else "Helvetica"
    started = time.perf_counter()
    for i in range(n):
        buffer = BytesIO()
        page = canvas.Canvas(buffer, pagesize=landscape(A4))
        page.setFont(font if isinstance(font, str) else "Helvetica", 24)
        page.drawString(100, 400, f"Pegawai Nomor {i}, S.Kom.")
        page.showPage()
        page.save()
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        app = create_app({"ELEARN_ENV": "development", "SECRET_KEY": "bench", "DATABASE_URL": url,
                          "CERTIFICATE_SIGNING_DIR": f"{tmp}/signing", "CERTIFICATE_KEY_DIR": f"{tmp}/keys",
                          "PUBLIC_BASE_URL": "https://elearn.contoh.go.id"})
        import_all_models()
        with db.get_engine(app).begin() as conn:
            Base.metadata.drop_all(conn)
            Base.metadata.create_all(conn)
        slug = build(app, args.people)
        runner = app.test_cli_runner()
        key = runner.invoke(args=["certificates", "dev-signing-key", "--instansi", slug])
        assert key.exit_code == 0, key.output
        started = time.perf_counter()
        result = runner.invoke(args=["certificates", "issue", "--course", "netralitas-bench", "--batch", "500"])
        seconds = time.perf_counter() - started
        assert result.exit_code == 0, result.output
        with app.app_context():
            from elearn.certificates.models import Certificate

            issued = db.session.scalar(select(func.count()).select_from(Certificate))
            signed = db.session.scalar(select(func.count()).select_from(Certificate)
                                       .where(Certificate.pdf_signed.is_(True)))
        floor = floor_rate(min(args.people, 1000))
    print(result.output.strip().splitlines()[-1])
    print(f"issued {issued} certificates ({signed} signed) for {args.people} people in {seconds:.1f} s: "
          f"{issued / seconds:.1f} per second (one process)")
    print(f"floor: bare reportlab page with the same font: {floor:.1f} per second; ratio {issued / seconds / floor:.2f}")
    verdict = "meets" if seconds < TARGET_SECONDS else "MISSES"
    print(f"{verdict} the target: {args.people} people in under {TARGET_SECONDS} s ({seconds:.1f} s)")


if __name__ == "__main__":
    main()
