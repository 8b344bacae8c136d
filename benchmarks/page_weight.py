"""Page weight of the learner's course pages: bytes of HTML and of the CSS/JS/images they reference.

    .venv/bin/python benchmarks/page_weight.py              # syncs courses/ (or a generated course)
    .venv/bin/python benchmarks/page_weight.py --root path/to/courses

Renders the real pages through the Flask test client against a temporary SQLite database:
"Kursus saya", each course page and every section of every module in the reader. For each
page it prints raw and gzip bytes of the HTML, of the stylesheets and scripts it links, and of
its images, then the first-visit total (everything) and the repeat-visit total (HTML only: CSS,
JS and course images are cached; images are served ``immutable``).

Budget (issue 3): every reader page under 100 KB transferred. ``tests/test_reader_page_weight.py``
asserts it with :func:`measure`, on raw (uncompressed) bytes, so it holds even without gzip.
"""
from __future__ import annotations

import argparse
import gzip
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUDGET = 100 * 1024
_CSS = re.compile(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"')
_JS = re.compile(r'<script[^>]+src="([^"]+)"')
_IMG = re.compile(r'<img[^>]+src="([^"]+)"')


@dataclass
class Weight:
    url: str
    html: int
    html_gz: int
    static: dict[str, tuple[int, int]] = field(default_factory=dict)  # url -> (raw, gzip)
    images: dict[str, int] = field(default_factory=dict)

    @property
    def static_raw(self) -> int:
        return sum(raw for raw, _gz in self.static.values())

    @property
    def static_gz(self) -> int:
        return sum(gz for _raw, gz in self.static.values())

    @property
    def images_raw(self) -> int:
        return sum(self.images.values())

    @property
    def first_visit_raw(self) -> int:
        return self.html + self.static_raw + self.images_raw

    @property
    def first_visit_gz(self) -> int:
        # images are already compressed formats: gzip would not shrink them
        return self.html_gz + self.static_gz + self.images_raw


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def measure(client: Any, urls: list[str]) -> list[Weight]:
    """Fetch each page and what it references through a signed-in test client."""
    cache: dict[str, bytes] = {}

    def fetch(url: str) -> bytes:
        if url not in cache:
            response = client.get(url)
            try:
                assert response.status_code == 200, f"{url}: {response.status_code}"
                cache[url] = response.get_data()
            finally:
                response.close()  # static files are streamed from open files
        return cache[url]

    weights = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        html = response.get_data()
        text = html.decode()
        weight = Weight(url, len(html), _gz(html))
        for ref in _CSS.findall(text) + _JS.findall(text):
            body = fetch(ref)
            weight.static[ref] = (len(body), _gz(body))
        for ref in _IMG.findall(text):
            if ref.startswith("/"):
                weight.images[ref] = len(fetch(ref))
        weights.append(weight)
    return weights


def course_urls(client: Any) -> list[str]:
    """Kursus saya, every course page and every section of every module, found by following links."""
    urls = ["/kursus/"]
    listing = client.get("/kursus/").get_data(as_text=True)
    for course in dict.fromkeys(re.findall(r'href="(/kursus/[a-z0-9-]+)"', listing)):
        urls.append(course)
        page = client.get(course).get_data(as_text=True)
        for module in dict.fromkeys(re.findall(r'href="(/kursus/[a-z0-9-]+/modul/[a-z0-9-]+)\?bagian=\d+"', page)):
            first = client.get(module + "?bagian=1").get_data(as_text=True)
            found = re.search(r"Bagian 1 dari (\d+)", first)
            total = int(found.group(1)) if found else 1
            urls.extend(f"{module}?bagian={n}" for n in range(1, total + 1))
    return urls


def generated_course() -> None:
    """A course like the real one when courses/ is empty: 6 modules of 5 long sections."""
    from elearn.content.markdown import render_sections
    from elearn.courses.models import Course, CourseVersion, CourseVersionModule, ModuleVersion, VersionStatus
    from elearn.db import db, utcnow

    paragraph = ("ASN wajib netral: tidak terlibat dan tidak memihak dalam kegiatan politik praktis, "
                 "termasuk di media sosial. Hak memilih tetap ada dan dijalankan secara rahasia. ") * 6
    course = Course(slug="contoh-netralitas")
    db.session.add(course)
    db.session.flush()
    version = CourseVersion(course_id=course.id, number=1, status=VersionStatus.PUBLISHED, title="Contoh Netralitas",
                            summary="Kursus contoh.", jp=2, content_hash="0" * 64, published_at=utcnow())
    db.session.add(version)
    db.session.flush()
    for m in range(6):
        body = "\n\n".join(f"## Bagian {s + 1}\n\n{paragraph}\n\n{paragraph}\n\n| A | B |\n|---|---|\n| x | y |"
                           for s in range(5))
        sections = [s.as_dict() for s in render_sections(body, "Pengantar")]
        module = ModuleVersion(course_id=course.id, slug=f"{m + 1:02d}-modul", title=f"Modul {m + 1}", minutes=10,
                               objectives=["Menjelaskan asas netralitas"] * 3, references=["PP 94/2021"] * 4,
                               sources=[{"title": "Sumber", "url": "https://example.org"}] * 4, source_text=body,
                               sections=sections, content_hash=f"{m:064d}")
        db.session.add(module)
        db.session.flush()
        db.session.add(CourseVersionModule(course_version_id=version.id, module_version_id=module.id, position=m))
    course.published_version_id = version.id


def load_content(root: Path) -> str:
    """Sync the course folders under ``root`` when there are any, else generate a course."""
    from elearn.db import db

    if root.is_dir() and any(root.glob("*/course.yaml")):
        from elearn.content.courses import sync_courses

        sync_courses(root)
        source = f"synced from {root}"
    else:
        generated_course()
        source = "generated (no course folders found)"
    db.session.commit()
    return source


def signed_in_client(app: Any) -> Any:
    from elearn.accounts.models import Role, User
    from elearn.auth.services import hash_password
    from elearn.db import db
    from elearn.org.services import create_instansi, create_unit

    instansi = create_instansi("kota-ukur", "Pemerintah Kota Ukur", "WIB")
    unit = create_unit(instansi, "Dinas Pendidikan", None)
    user = User(employee_number="198609262015051001", name="Pegawai Ukur", role=Role.PESERTA,
                instansi_id=instansi.id, unit_id=unit.id, password_hash=hash_password("sandi-ukur-123"))
    db.session.add(user)
    db.session.commit()
    client = app.test_client()
    response = client.post("/masuk", data={"nip": user.employee_number, "password": "sandi-ukur-123"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent / "courses")
    args = parser.parse_args()

    from elearn import create_app
    from elearn.db import Base, db
    from elearn.models import import_all_models

    import_all_models()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"ELEARN_ENV": "testing", "TESTING": True, "SECRET_KEY": "bench",
                          "DATABASE_URL": f"sqlite:///{tmp}/weight.db", "WTF_CSRF_ENABLED": False,
                          "RATELIMIT_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 64})
        with db.get_engine(app).begin() as conn:
            Base.metadata.create_all(conn)
        with app.app_context():
            source = load_content(args.root)
            client = signed_in_client(app)
        with app.app_context():
            weights = measure(client, course_urls(client))
        db.session.remove()
        db.get_engine(app).dispose()

    print(f"Course pages: {source}; budget {BUDGET // 1024} KB per page (first visit, raw bytes).")
    print(f"{'page (under /kursus/)':<62} {'HTML':>7} {'HTML gz':>8} {'CSS+JS':>7} {'gz':>6} {'img':>7} "
          f"{'first':>7} {'first gz':>8} {'repeat gz':>9}")
    for w in weights:
        print(f"{w.url.removeprefix('/kursus/')[:62]:<62} {w.html:>7} {w.html_gz:>8} {w.static_raw:>7} {w.static_gz:>6} {w.images_raw:>7} "
              f"{w.first_visit_raw:>7} {w.first_visit_gz:>8} {w.html_gz:>9}")
    worst = max(weights, key=lambda w: w.first_visit_raw)
    readers = [w for w in weights if "/modul/" in w.url]
    print(f"\n{len(readers)} reader pages; heaviest page {worst.url}: {worst.first_visit_raw} B raw, "
          f"{worst.first_visit_gz} B gzip on a first visit.")
    over = [w for w in weights if w.first_visit_raw > BUDGET]
    print("Budget: " + ("OK" if not over else f"EXCEEDED on {len(over)} page(s)"))
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
