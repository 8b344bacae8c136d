"""The ZIP of one SKPD's certificate PDFs streams with flat memory (issue 11, point 9).

    .venv/bin/python benchmarks/certificate_zip.py                   # 2,000 certificates of ~40 KB
    .venv/bin/python benchmarks/certificate_zip.py --people 500 --pdf-kb 40

What runs, against a scratch SQLite file (WAL) in a temporary folder:

1. Setup (not measured): an instansi, one SKPD of ``--people`` people and an admin BKPSDM, a
   course with a certificate, and a certificate per person written straight into the tables with
   its PDF: a real reportlab page (the same fonts as a certificate would use are not the point
   here) padded with a PDF comment to ``--pdf-kb`` KB, each with a different tail so no two are
   equal. Inserted a hundred at a time, so the setup itself stays small.
2. A real server: a child process runs the app under werkzeug's WSGI server (``create_app()``,
   one thread); this process signs in over HTTP and reads ``/rekap-sertifikat/skpd/<id>/
   sertifikat.zip`` in 64 KB chunks, while a thread samples the child's resident memory
   (``/proc/<pid>/status``: VmRSS every 50 ms, and VmHWM, the peak, before and after).
3. The same download through the Flask test client in this process (``buffered=False``, chunks
   read as they come), with ``tracemalloc`` on: the peak of Python allocations while streaming,
   and ``ru_maxrss`` before and after.
4. The baseline, last (it raises this process's peak): the same archive built whole in memory
   (``zipfile`` into a ``BytesIO``, every PDF read at once), as a view that loaded everything
   would: its tracemalloc peak.

Printed: bytes streamed, the server's peak RSS before/after and its growth, the in-process
tracemalloc peaks (streamed vs whole-in-memory) as a share of the bytes streamed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import re
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PASSWORD = "bench-sandi-123"
CONFIG = {"ELEARN_ENV": "testing", "TESTING": False, "SECRET_KEY": "bench-zip", "WTF_CSRF_ENABLED": False,
          "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 64, "RATELIMIT_ENABLED": False}

SERVER = r"""
import logging, sys
sys.path.insert(0, {root!r})
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from werkzeug.serving import make_server
from elearn import create_app
app = create_app(dict({config!r}, DATABASE_URL={url!r}))
server = make_server("127.0.0.1", {port}, app, threaded=False)
print("ready", flush=True)
server.serve_forever()
"""


def padded_pdf(base: bytes, size: int, n: int) -> bytes:
    """``base`` followed by a comment that brings it to ``size`` bytes, different for each ``n``."""
    tail = f"\n% certificate {n} {secrets.token_hex(8)}\n".encode()
    filler = max(0, size - len(base) - len(tail) - 3)
    return base + b"\n%" + os.urandom(filler // 2).hex().encode()[:filler] + tail


def setup(url: str, people: int, pdf_kb: int) -> dict[str, object]:
    from certificate_hr_support import issue_row, sample_pdf
    from elearn import create_app
    from elearn.accounts.models import EmployeeType, Role, User
    from elearn.auth import services as auth_services
    from elearn.courses.models import Course, CourseVersion, VersionStatus
    from elearn.db import Base, db, utcnow
    from elearn.models import import_all_models
    from elearn.org import services as org_services

    import_all_models()
    app = create_app(dict(CONFIG, DATABASE_URL=url))
    with app.app_context():
        Base.metadata.create_all(db.get_engine(app))
        instansi = org_services.create_instansi("kota-bench", "Pemerintah Kota Bench", "WIB")
        skpd = org_services.create_unit(instansi, "Dinas Pendidikan", None)
        bkpsdm = org_services.create_unit(instansi, "Badan Kepegawaian", None)
        admin = User(employee_number="198001012005011001", employee_type=EmployeeType.PNS, name="Admin Bench",
                     role=Role.ADMIN_BKPSDM, instansi_id=instansi.id, unit_id=bkpsdm.id,
                     password_hash=auth_services.hash_password(PASSWORD))
        db.session.add(admin)
        course = Course(slug="netralitas-bench", instansi_id=None)
        db.session.add(course)
        db.session.flush()
        version = CourseVersion(course_id=course.id, number=1, status=VersionStatus.PUBLISHED, label="1",
                                title="Netralitas ASN", audience=["pns"], jp=2, content_hash="b" * 64,
                                manifest_text="", published_at=utcnow(), certificate={"template": "default"})
        db.session.add(version)
        db.session.flush()
        course.published_version_id = version.id
        db.session.commit()
        ids = {"skpd": skpd.id, "course": course.id, "admin_nip": admin.employee_number}
        base = sample_pdf("bench")
        issued = dt.datetime(2026, 3, 10, 3, tzinfo=dt.timezone.utc)
        total = 0
        for start in range(0, people, 100):
            batch = []
            for n in range(start, min(start + 100, people)):
                person = User(employee_number=f"19{n % 60 + 40:02d}0101200501{1 + n % 2}{n % 1000:03d}"[:18],
                              employee_type=EmployeeType.PNS, name=f"Pegawai Bench {n:05d}", role=Role.PESERTA,
                              instansi_id=instansi.id, unit_id=skpd.id)
                batch.append(person)
            db.session.add_all(batch)
            db.session.flush()
            for n, person in zip(range(start, start + len(batch)), batch):
                pdf = padded_pdf(base, pdf_kb * 1024, n)
                total += len(pdf)
                issue_row(person, version, issued_at=issued + dt.timedelta(minutes=n), pdf=pdf,
                          serial=f"BKPSDM-BENCH/2026/{n + 1:06d}", status_index=n + 1)
            db.session.commit()
            db.session.expunge_all()
        ids["pdf_bytes"] = total
    return ids


def _proc_status(pid: int) -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _sep, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def zip_path(ids: dict[str, object]) -> str:
    return f"/rekap-sertifikat/skpd/{ids['skpd']}/sertifikat.zip?course={ids['course']}"


def over_http(url: str, ids: dict[str, object]) -> dict[str, float]:
    port = _free_port()
    child = subprocess.Popen(
        [sys.executable, "-c", SERVER.format(root=str(ROOT), config=CONFIG, url=url, port=port)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        body = urllib.parse.urlencode({"nip": ids["admin_nip"], "password": PASSWORD})
        conn.request("POST", "/masuk", body, {"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        assert response.status == 302, response.status
        cookie = "; ".join(c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or [])
        # warm up: one small page, so imports and caches are in the baseline
        conn.request("GET", "/rekap-sertifikat/", headers={"Cookie": cookie})
        page = conn.getresponse()
        page.read()
        assert page.status == 200
        before = _proc_status(child.pid)
        samples: list[int] = []
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append(_proc_status(child.pid)["VmRSS"])
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        conn.request("GET", zip_path(ids), headers={"Cookie": cookie})
        response = conn.getresponse()
        assert response.status == 200, response.status
        streamed = 0
        while chunk := response.read(65536):
            streamed += len(chunk)
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
        after = _proc_status(child.pid)
        conn.close()
    finally:
        child.terminate()
        child.wait(timeout=10)
    return {"streamed": streamed, "seconds": elapsed, "hwm_before": before["VmHWM"], "hwm_after": after["VmHWM"],
            "rss_before": before["VmRSS"], "rss_max_sampled": max(samples, default=0)}


def in_process(url: str, ids: dict[str, object]) -> dict[str, float]:
    from elearn import create_app

    app = create_app(dict(CONFIG, DATABASE_URL=url))
    client = app.test_client()
    assert client.post("/masuk", data={"nip": ids["admin_nip"], "password": PASSWORD}).status_code == 302
    warm = client.get("/rekap-sertifikat/")
    assert warm.status_code == 200
    warm.close()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    tracemalloc.reset_peak()
    response = client.get(zip_path(ids), buffered=False)
    assert response.status_code == 200 and response.is_streamed
    streamed = 0
    for chunk in response.response:
        streamed += len(chunk)
    response.close()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"streamed": streamed, "traced_peak": peak, "maxrss_before": maxrss_before, "maxrss_after": maxrss_after}


def whole_in_memory(url: str, ids: dict[str, object]) -> dict[str, float]:
    """The baseline: the same PDFs into a ZIP in a BytesIO, every PDF loaded by one query."""
    import io
    import zipfile

    from sqlalchemy import select

    from elearn import create_app
    from elearn.certificates.models import Certificate, CertificateFile
    from elearn.db import db

    app = create_app(dict(CONFIG, DATABASE_URL=url))
    with app.app_context():
        tracemalloc.start()
        tracemalloc.reset_peak()
        rows = db.session.execute(select(Certificate.serial, CertificateFile.pdf).join(
            CertificateFile, CertificateFile.certificate_id == Certificate.id)
            .where(Certificate.skpd_id == ids["skpd"]).order_by(Certificate.id)).all()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for serial, pdf in rows:
                archive.writestr(re.sub(r"[^A-Za-z0-9-]", "-", serial) + ".pdf", pdf)
        size = len(buffer.getvalue())
        del rows, buffer
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"size": size, "traced_peak": peak}


def mb(n: float) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--pdf-kb", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="elearn-zip-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        t0 = time.perf_counter()
        ids = setup(url, args.people, args.pdf_kb)
        print(f"setup: {args.people} certificates, PDFs {mb(float(ids['pdf_bytes']))} in total "
              f"({time.perf_counter() - t0:.1f} s)")
        server = over_http(url, ids)
        print("\nwerkzeug server (child process), ZIP read in 64 KB chunks over HTTP:")
        print(f"  streamed            {mb(server['streamed'])} in {server['seconds']:.1f} s "
              f"({server['streamed'] / server['seconds'] / 1024 / 1024:.1f} MB/s)")
        print(f"  server peak RSS     before {mb(server['hwm_before'])}, after {mb(server['hwm_after'])} "
              f"(+{mb(server['hwm_after'] - server['hwm_before'])}; "
              f"{(server['hwm_after'] - server['hwm_before']) / server['streamed']:.1%} of the bytes streamed)")
        print(f"  server RSS sampled  at start {mb(server['rss_before'])}, highest while streaming "
              f"{mb(server['rss_max_sampled'])}")
        local = in_process(url, ids)
        print("\nFlask test client in this process (buffered=False), tracemalloc on:")
        print(f"  streamed            {mb(local['streamed'])}")
        print(f"  tracemalloc peak    {mb(local['traced_peak'])} "
              f"({local['traced_peak'] / local['streamed']:.1%} of the bytes streamed)")
        print(f"  ru_maxrss           before {mb(local['maxrss_before'])}, after {mb(local['maxrss_after'])}")
        whole = whole_in_memory(url, ids)
        print("\nbaseline, the same archive built whole in memory:")
        print(f"  archive             {mb(whole['size'])}")
        print(f"  tracemalloc peak    {mb(whole['traced_peak'])} "
              f"({whole['traced_peak'] / whole['size']:.0%} of the archive)")
        print(f"\nstreamed peak / whole-in-memory peak: {local['traced_peak'] / whole['traced_peak']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
