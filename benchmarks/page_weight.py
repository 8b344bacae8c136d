"""Page weight of the learner's course pages: bytes of HTML and of the CSS/JS/images they reference.

    .venv/bin/python benchmarks/page_weight.py              # syncs courses/ (or a generated course)
    .venv/bin/python benchmarks/page_weight.py --root path/to/courses

Renders the real pages through the Flask test client against a temporary SQLite database:
"Kursus saya", each course page and every section of every module in the reader. For each
page it prints raw and gzip bytes of the HTML, of the stylesheets and scripts it links, and of
its images, then the first-visit total (everything) and the repeat-visit total (HTML only: CSS,
JS and course images are cached; images are served ``immutable``).

    .venv/bin/python benchmarks/page_weight.py --learner    # every learner page of issue 14 (seed-demo)

``--learner`` seeds the demo (``--people 50``), signs in a peserta who was at the demo apel and measures
home, Kursus saya, a course, the reader, the quiz list, a question of an attempt, the pakta list and
signing page, Sertifikat saya, ``/hadir`` and the apel's live page: HTML, linked CSS/JS, the first visit
and the repeat visit (the HTML, plus any CSS/JS not served under a content-hashed ``immutable`` URL, which a
phone would fetch or revalidate again), raw and gzip. Budget (issue 14): under 30 KB raw on a repeat visit;
``tests/test_page_weight.py`` asserts it.

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
    #: the static URLs served content-hashed and ``immutable`` with a long max-age: a repeat visit skips them
    cached: set[str] = field(default_factory=set)
    label: str = ""

    @property
    def plain(self) -> set[str]:
        """The linked CSS/JS under their plain names (``/static/js/quiz.js``), hashed or not."""
        return {plain_url(ref) or ref for ref in self.static}

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


    @property
    def repeat_raw(self) -> int:
        """A repeat visit: the HTML, plus every CSS/JS file without a hashed immutable URL (revalidated or
        fetched again once its short max-age has passed). Course images are immutable-cached."""
        return self.html + sum(raw for url, (raw, _gz) in self.static.items() if url not in self.cached)

    @property
    def repeat_gz(self) -> int:
        return self.html_gz + sum(gz for url, (_raw, gz) in self.static.items() if url not in self.cached)


REPEAT_BUDGET = 30 * 1024  # issue 14: every learner page on a repeat visit, HTML+CSS+JS, raw bytes
_HASHED = re.compile(r"^(/static/.+)\.[0-9a-f]{10}(\.[A-Za-z0-9]+)$")
_YEAR = 365 * 24 * 3600


def plain_url(url: str) -> str | None:
    """``/static/css/app.3f2a1b9c0d.css`` -> ``/static/css/app.css``; None for a URL without a hash."""
    found = _HASHED.match(url.split("?", 1)[0])
    return found.group(1) + found.group(2) if found else None


def immutable(url: str, cache_control: str) -> bool:
    """Served under a content-hashed name with ``immutable`` and a max-age of a year or more."""
    directives = {d.strip().split("=", 1)[0]: d.strip().partition("=")[2] for d in cache_control.split(",")}
    max_age = directives.get("max-age", "")
    return (plain_url(url) is not None and "immutable" in directives
            and max_age.isdigit() and int(max_age) >= _YEAR)


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def measure(client: Any, urls: list[Any]) -> list[Weight]:
    """Fetch each page and what it references through a signed-in test client. ``urls`` holds URLs
    or (label, URL) pairs."""
    cache: dict[str, tuple[bytes, str]] = {}

    def fetch(url: str) -> bytes:
        if url not in cache:
            response = client.get(url)
            try:
                assert response.status_code == 200, f"{url}: {response.status_code}"
                cache[url] = (response.get_data(), response.headers.get("Cache-Control", ""))
            finally:
                response.close()  # static files are streamed from open files
        return cache[url][0]

    weights = []
    for url in urls:
        label = ""
        if isinstance(url, tuple):
            label, url = url
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        html = response.get_data()
        text = html.decode()
        weight = Weight(url, len(html), _gz(html), label=label)
        for ref in _CSS.findall(text) + _JS.findall(text):
            body = fetch(ref)
            weight.static[ref] = (len(body), _gz(body))
            if immutable(ref, cache[ref][1]):
                weight.cached.add(ref)
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


LEARNER_PASSWORD = "sandi-ukur-123"


@dataclass
class DemoLearner:
    employee_number: str
    event_id: int  # the apel they were at


def demo_learner(people: int = 50) -> DemoLearner:
    """``seed-demo`` (the demo instansi with its courses, quizzes, pakta campaign, apel with a live quiz
    and certificates); returns the NIP of a peserta who was at the apel (so the live page shows their
    results), has not signed the campaign yet (so the signing page opens) and, where any has one, holds a
    certificate. Their password becomes :data:`LEARNER_PASSWORD`."""
    from sqlalchemy import exists, select

    from elearn.accounts.models import Role, User
    from elearn.auth.services import hash_password
    from elearn.certificates.models import Certificate
    from elearn.db import db
    from elearn.demo.pledges import demo_campaign
    from elearn.demo.services import seed_demo
    from elearn.events.models import Attendance
    from elearn.pledges.models import PledgeSignature

    result = seed_demo(people=people)
    campaign = demo_campaign(result.instansi)
    query = select(User).where(User.instansi_id == result.instansi.id, User.role == Role.PESERTA,
                               User.active.is_(True), exists().where(Attendance.user_id == User.id))
    if campaign is not None:
        query = query.where(~exists().where(PledgeSignature.user_id == User.id,
                                            PledgeSignature.campaign_id == campaign.id))
    has_certificate = exists().where(Certificate.user_id == User.id)
    user = (db.session.scalars(query.where(has_certificate).order_by(User.id)).first()
            or db.session.scalars(query.order_by(User.id)).first())
    assert user is not None, "the demo has no peserta at the apel who has not signed the pakta"
    user.password_hash = hash_password(LEARNER_PASSWORD)
    user.failed_logins, user.locked_until = 0, None
    event_id = db.session.scalar(select(Attendance.event_id).where(Attendance.user_id == user.id)
                                 .order_by(Attendance.event_id.desc()).limit(1))
    learner = DemoLearner(user.employee_number, event_id)
    db.session.commit()
    return learner


def learner_pages(client: Any, event_id: int) -> list[tuple[str, str]]:
    """(label, URL) of every learner page of issue 14, found by following the signed-in learner's links:
    home, Kursus saya, a course, the reader, the quiz list, a question of an attempt (started if need be),
    the pakta list and signing page, Sertifikat saya, the check-in page and the live page of their apel."""

    def page(url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        return response.get_data(as_text=True)

    def first(pattern: str, text: str, what: str) -> str:
        found = re.search(pattern, text)
        assert found, f"no {what} link"
        return found.group(1)

    pages = [("home", "/"), ("courses", "/kursus/")]
    course = first(r'href="(/kursus/[a-z0-9-]+)"', page("/kursus/"), "course")
    pages.append(("course", course))
    module = first(r'href="(/kursus/[a-z0-9-]+/modul/[a-z0-9-]+\?bagian=1)"', page(course), "module")
    pages.append(("reader", module.replace("&amp;", "&")))
    pages.append(("quizzes", "/kuis/"))
    question = None
    for quiz in dict.fromkeys(re.findall(r'href="(/kuis/[a-z0-9-]+)"', page("/kuis/"))):
        attempt = re.search(r'href="(/kuis/[^/"]+/percobaan/\d+)', page(quiz))
        if attempt is None:
            response = client.post(quiz + "/mulai")
            attempt = re.search(r"(/kuis/[^/]+/percobaan/\d+)", response.headers.get("Location", ""))
        if attempt is not None:
            question = attempt.group(1) + "?no=1"
            break
    assert question, "no quiz attempt could be opened"
    pages.append(("quiz question", question))
    pages.append(("pakta", "/pakta/"))
    pages.append(("pakta signing", first(r'href="(/pakta/\d+/tandatangani)"', page("/pakta/"), "signing")))
    pages.append(("certificates", "/sertifikat/"))
    pages.append(("check-in", "/hadir"))
    pages.append(("live", f"/acara/{event_id}/langsung"))
    return pages


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
    parser.add_argument("--learner", action="store_true",
                        help="every learner page of issue 14 on the demo data, first and repeat visit")
    parser.add_argument("--people", type=int, default=50, help="seed-demo --people for --learner")
    args = parser.parse_args()
    if args.learner:
        return learner_main(args.people)

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
              f"{w.first_visit_raw:>7} {w.first_visit_gz:>8} {w.repeat_gz:>9}")
    worst = max(weights, key=lambda w: w.first_visit_raw)
    readers = [w for w in weights if "/modul/" in w.url]
    print(f"\n{len(readers)} reader pages; heaviest page {worst.url}: {worst.first_visit_raw} B raw, "
          f"{worst.first_visit_gz} B gzip on a first visit.")
    over = [w for w in weights if w.first_visit_raw > BUDGET]
    print("Budget: " + ("OK" if not over else f"EXCEEDED on {len(over)} page(s)"))
    return 1 if over else 0


def learner_main(people: int) -> int:
    from elearn import create_app
    from elearn.db import Base, db
    from elearn.models import import_all_models

    import_all_models()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"ELEARN_ENV": "testing", "TESTING": True, "SECRET_KEY": "bench",
                          "DATABASE_URL": f"sqlite:///{tmp}/weight.db", "WTF_CSRF_ENABLED": False,
                          "RATELIMIT_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 64,
                          "CERTIFICATE_SIGNING_DIR": f"{tmp}/signing", "CERTIFICATE_KEY_DIR": f"{tmp}/keys"})
        with db.get_engine(app).begin() as conn:
            Base.metadata.create_all(conn)
        with app.app_context():
            learner = demo_learner(people)
        client = app.test_client()
        response = client.post("/masuk", data={"nip": learner.employee_number, "password": LEARNER_PASSWORD})
        assert response.status_code == 302, response.status_code
        with app.app_context():
            weights = measure(client, learner_pages(client, learner.event_id))
        db.session.remove()
        db.get_engine(app).dispose()

    print(f"Learner pages (seed-demo --people {people}); budget {REPEAT_BUDGET // 1024} KB per page on a repeat "
          "visit (HTML + CSS/JS not immutable-cached, raw bytes).")
    print(f"{'page':<16} {'URL':<36} {'HTML':>6} {'gz':>6} {'CSS+JS':>7} {'gz':>6} {'first':>7} {'gz':>6} "
          f"{'repeat':>7} {'gz':>6} {'uncached':>8}")
    for w in weights:
        print(f"{w.label:<16} {w.url[:36]:<36} {w.html:>6} {w.html_gz:>6} {w.static_raw:>7} {w.static_gz:>6} "
              f"{w.first_visit_raw:>7} {w.first_visit_gz:>6} {w.repeat_raw:>7} {w.repeat_gz:>6} "
              f"{len(w.static) - len(w.cached):>3}/{len(w.static):<4}")
    worst = max(weights, key=lambda w: w.repeat_raw)
    print(f"\nheaviest repeat visit: {worst.label} {worst.repeat_raw} B raw, {worst.repeat_gz} B gzip; "
          f"mean repeat/first (raw): {sum(w.repeat_raw for w in weights) / sum(w.first_visit_raw for w in weights):.2f}")
    over = [w for w in weights if w.repeat_raw >= REPEAT_BUDGET]
    print("Budget: " + ("OK" if not over else f"EXCEEDED on {len(over)} page(s): "
                        + ", ".join(w.label for w in over)))
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
