"""Authoring in the browser: courses, drafts, modules, preview, images, publishing, XSS."""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from elearn.accounts.models import Role
from elearn.audit.models import AuditEvent
from elearn.content.courses import export_courses, load_course_dir, sync_courses
from elearn.courses.models import (
    Course,
    CourseAsset,
    CourseVersion,
    ModuleProgress,
    ModuleVersion,
    VersionStatus,
)
from elearn.db import db
from test_markdown import dangerous

MODULE = {
    "title": "Media sosial",
    "minutes": "6",
    "objectives": "Mengenali unggahan yang memihak.\nMenahan diri di grup WhatsApp.",
    "references": "PP 94/2021 Pasal 5 huruf n",
    "sources": "Putusan contoh | https://contoh.example/putusan",
    "body": "Pengantar singkat.\r\n\r\n## Suka dan bagikan\r\n\r\nJangan **membagikan** poster calon.\r\n\r\n## Grup WhatsApp\r\n\r\nDiam itu aman.",
    "action": "save",
}


def png(size: tuple[int, int] = (8, 8), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def trainer(make_user, make_unit):  # type: ignore[no-untyped-def]
    return make_user(Role.PELATIH, make_unit())


def new_course(client, slug: str = "kursus-pelatih", **extra) -> int:  # type: ignore[no-untyped-def]
    data = {"slug": slug, "title": "Kursus pelatih", "summary": "Ringkasan.", "audience": ["pns", "pppk"],
            "jp": "2", "label": "2026.1", **extra}
    response = client.post("/penyusunan/baru", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/penyusunan/(\d+)", response.headers["Location"]).group(1))


def course_state(app, course_id: int):  # type: ignore[no-untyped-def]
    with app.app_context():
        course = db.session.get(Course, course_id)
        versions = db.session.scalars(select(CourseVersion).where(CourseVersion.course_id == course_id)
                                      .order_by(CourseVersion.number)).all()
        return course.published_version_id, [(v.number, v.status, [l.module.slug for l in v.modules]) for v in versions]


def test_trainer_creates_a_course_adds_modules_and_publishes(app, client, login_as, trainer) -> None:
    login_as(trainer)
    assert client.get("/penyusunan/").status_code == 200
    assert client.get("/penyusunan/baru").status_code == 200
    course_id = new_course(client)
    page = client.get(f"/penyusunan/{course_id}").get_data(as_text=True)
    assert "Draf versi 1" in page and "Belum pernah terbit." in page
    assert client.get(f"/penyusunan/{course_id}/modul/baru").status_code == 200

    response = client.post(f"/penyusunan/{course_id}/modul/baru", data=MODULE)
    assert response.status_code == 302
    response = client.post(f"/penyusunan/{course_id}/modul/baru", data={**MODULE, "title": "Tekanan atasan"})
    assert response.status_code == 302
    with app.app_context():
        course = db.session.get(Course, course_id)
        assert course.instansi_id == trainer.instansi_id
        draft = db.session.scalar(select(CourseVersion).where(CourseVersion.course_id == course_id))
        first = draft.modules[0].module
        assert [l.module.slug for l in draft.modules] == ["01-media-sosial", "02-tekanan-atasan"]
        assert first.minutes == 6
        assert first.objectives == ["Mengenali unggahan yang memihak.", "Menahan diri di grup WhatsApp."]
        assert first.sources == [{"title": "Putusan contoh", "url": "https://contoh.example/putusan"}]
        assert [s["title"] for s in first.sections] == ["Media sosial", "Suka dan bagikan", "Grup WhatsApp"]
        assert "<strong>membagikan</strong>" in first.sections[1]["html"]
        assert "modules:\n- 01-media-sosial.md\n- 02-tekanan-atasan.md\n" in draft.manifest_text

    response = client.post(f"/penyusunan/{course_id}/terbitkan")
    assert response.status_code == 302
    published, versions = course_state(app, course_id)
    assert versions == [(1, VersionStatus.PUBLISHED, ["01-media-sosial", "02-tekanan-atasan"])]
    page = client.get(f"/penyusunan/{course_id}").get_data(as_text=True)
    assert "Terbit: versi 1" in page
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == trainer.id)
                                     .order_by(AuditEvent.id)).all()
    assert actions == ["course.create", "course.module_add", "course.module_add", "course.publish"]


def test_editing_a_published_course_starts_a_draft_and_publishing_archives_the_old_version(
        app, client, login_as, trainer, make_user) -> None:
    login_as(trainer)
    course_id = new_course(client)
    client.post(f"/penyusunan/{course_id}/modul/baru", data=MODULE)
    client.post(f"/penyusunan/{course_id}/modul/baru", data={**MODULE, "title": "Sanksi"})
    client.post(f"/penyusunan/{course_id}/terbitkan")
    reader = make_user(Role.PESERTA)
    with app.app_context():
        v1 = db.session.scalar(select(CourseVersion).where(CourseVersion.course_id == course_id))
        v1_modules = [l.module_version_id for l in v1.modules]
        progress = ModuleProgress(user_id=reader.id, course_id=course_id, course_version_id=v1.id,
                                  module_version_id=v1_modules[0], section_reached=1)
        db.session.add(progress)
        db.session.commit()
        v1_id, progress_id = v1.id, progress.id

    # edit the first module: a draft (version 2) appears, version 1 stays published
    response = client.post(f"/penyusunan/{course_id}/modul/01-media-sosial",
                           data={**MODULE, "body": MODULE["body"] + "\r\n\r\nTambahan."})
    assert response.status_code == 302
    published, versions = course_state(app, course_id)
    assert published == v1_id
    assert [(n, s) for n, s, _m in versions] == [(1, VersionStatus.PUBLISHED), (2, VersionStatus.DRAFT)]
    # metadata, reorder, remove go into the same draft
    assert client.get(f"/penyusunan/{course_id}/ubah").status_code == 200
    response = client.post(f"/penyusunan/{course_id}/ubah", data={
        "title": "Kursus pelatih (revisi)", "summary": "Baru.", "audience": ["pns"], "jp": "3", "label": "2026.2"})
    assert response.status_code == 302
    assert client.post(f"/penyusunan/{course_id}/modul/02-sanksi/pindah", data={"arah": "naik"}).status_code == 302
    _p, versions = course_state(app, course_id)
    assert versions[1][2] == ["02-sanksi", "01-media-sosial"]
    assert len(versions) == 2
    assert client.post(f"/penyusunan/{course_id}/modul/02-sanksi/hapus").status_code == 302
    assert client.post(f"/penyusunan/{course_id}/terbitkan").status_code == 302
    published, versions = course_state(app, course_id)
    assert [(n, s, m) for n, s, m in versions] == [
        (1, VersionStatus.ARCHIVED, ["01-media-sosial", "02-sanksi"]),
        (2, VersionStatus.PUBLISHED, ["01-media-sosial"]),
    ]
    with app.app_context():
        v1 = db.session.get(CourseVersion, v1_id)
        assert [l.module_version_id for l in v1.modules] == v1_modules
        v2 = db.session.get(Course, course_id).published_version
        assert (v2.title, v2.jp, v2.label, v2.audience) == ("Kursus pelatih (revisi)", 3, "2026.2", ["pns"])
        assert v2.modules[0].module_version_id != v1_modules[0]
        assert "Tambahan." in v2.modules[0].module.sections[-1]["html"]
        kept = db.session.get(ModuleProgress, progress_id)
        assert (kept.course_version_id, kept.module_version_id) == (v1_id, v1_modules[0])


def test_publishing_without_a_draft_or_modules_is_refused(app, client, login_as, trainer) -> None:
    login_as(trainer)
    course_id = new_course(client)
    response = client.post(f"/penyusunan/{course_id}/terbitkan", follow_redirects=True)
    assert "Tambahkan setidaknya satu modul sebelum menerbitkan." in response.get_data(as_text=True)
    client.post(f"/penyusunan/{course_id}/modul/baru", data=MODULE)
    client.post(f"/penyusunan/{course_id}/terbitkan")
    response = client.post(f"/penyusunan/{course_id}/terbitkan", follow_redirects=True)
    assert "Tidak ada draf untuk diterbitkan." in response.get_data(as_text=True)


def test_course_form_errors(client, login_as, trainer, make_course) -> None:
    login_as(trainer)
    make_course(slug="sudah-ada")
    page = client.post("/penyusunan/baru", data={"slug": "sudah-ada", "title": "X", "summary": "Y",
                                                 "audience": ["pns"], "jp": "1", "label": "1"}).get_data(as_text=True)
    assert "Kode sudah-ada tidak tersedia." in page
    page = client.post("/penyusunan/baru", data={"slug": "Huruf Besar", "title": "X", "summary": "Y",
                                                 "jp": "1", "label": "1"}).get_data(as_text=True)
    assert "Hanya huruf kecil a-z" in page
    assert "Pilih setidaknya satu jenis pegawai." in page


def test_module_form_errors_are_clear(client, login_as, trainer) -> None:
    login_as(trainer)
    course_id = new_course(client)
    page = client.post(f"/penyusunan/{course_id}/modul/baru", data={
        **MODULE, "minutes": "500", "objectives": "", "sources": "tanpa alamat", "body": "Tanpa judul bagian."
    }).get_data(as_text=True)
    assert "Isi modul perlu setidaknya satu judul bagian" in page
    assert "tulis \u201cjudul | https://alamat\u201d" in page
    assert 'aria-invalid="true"' in page
    page = client.post(f"/penyusunan/{course_id}/modul/baru", data={
        **MODULE, "body": "## Bagian\n\n![Bagan](images/tidak-ada.png)"}).get_data(as_text=True)
    assert "Gambar images/tidak-ada.png belum diunggah ke kursus ini." in page
    page = client.post(f"/penyusunan/{course_id}/modul/baru", data={
        **MODULE, "body": "## Bagian\n\n![](images/tidak-ada.png)"}).get_data(as_text=True)
    assert "perlu teks alternatif" in page


def test_preview_renders_with_the_same_pipeline_and_stores_nothing(app, client, login_as, trainer) -> None:
    login_as(trainer)
    course_id = new_course(client)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(ModuleVersion))
    page = client.post(f"/penyusunan/{course_id}/modul/baru", data={**MODULE, "action": "preview"}).get_data(as_text=True)
    assert "Belum disimpan." in page
    assert "<h3>Suka dan bagikan</h3>" in page
    assert "<strong>membagikan</strong>" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ModuleVersion)) == before
    # a preview of an invalid form still shows the text and the errors
    page = client.post(f"/penyusunan/{course_id}/modul/baru",
                       data={**MODULE, "action": "preview", "minutes": "0"}).get_data(as_text=True)
    assert "<h3>Grup WhatsApp</h3>" in page and 'aria-invalid="true"' in page


def test_image_upload_checks_content_and_size(app, client, login_as, trainer) -> None:
    login_as(trainer)
    course_id = new_course(client)

    def upload(data: bytes, name: str):  # type: ignore[no-untyped-def]
        return client.post(f"/penyusunan/{course_id}/gambar",
                           data={"image": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                           follow_redirects=True).get_data(as_text=True)

    page = upload(png(), "Bagan Dua Ujian.PNG")
    assert "images/bagan-dua-ujian.png" in page
    page = upload(png(fmt="WEBP"), "foto.png")  # named .png, is WebP: stored under its real type
    assert "images/foto.webp" in page
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
    assert "Berkas ini bukan gambar PNG, JPEG atau WebP." in upload(svg, "bagan.png")
    assert "Berkas ini bukan gambar PNG, JPEG atau WebP." in upload(b"GIF89a" + b"\0" * 20, "animasi.gif")
    assert "paling besar 150 KB" in upload(png() + b"\0" * (151 * 1024), "besar.png")
    assert "Pilih berkas gambar untuk diunggah." in client.post(
        f"/penyusunan/{course_id}/gambar", data={}, follow_redirects=True).get_data(as_text=True)
    with app.app_context():
        assets = db.session.scalars(select(CourseAsset).where(CourseAsset.course_id == course_id)
                                    .order_by(CourseAsset.path)).all()
        assert [(a.path, a.mimetype) for a in assets] == [("images/bagan-dua-ujian.png", "image/png"),
                                                          ("images/foto.webp", "image/webp")]
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "course.image_upload")) == 2

    # a module using the image renders it from the asset URL
    client.post(f"/penyusunan/{course_id}/modul/baru", data={
        **MODULE, "body": "## Bagan\n\n![Bagan dua ujian](images/bagan-dua-ujian.png)"})
    with app.app_context():
        asset = db.session.scalar(select(CourseAsset).where(CourseAsset.path == "images/bagan-dua-ujian.png"))
        module = db.session.scalar(select(ModuleVersion).where(ModuleVersion.course_id == course_id))
        assert f'<img src="/kursus/aset/{asset.content_hash}.png" alt="Bagan dua ujian">' in module.sections[0]["html"]


def test_authored_course_exports_to_a_valid_folder(app, client, login_as, trainer, tmp_path: Path) -> None:
    login_as(trainer)
    course_id = new_course(client, slug="kursus-ekspor")
    client.post(f"/penyusunan/{course_id}/gambar", data={"image": (io.BytesIO(png()), "bagan.png")},
                content_type="multipart/form-data")
    client.post(f"/penyusunan/{course_id}/modul/baru", data={
        **MODULE, "body": MODULE["body"] + "\n\n![Bagan](images/bagan.png)"})
    client.post(f"/penyusunan/{course_id}/terbitkan")
    with app.app_context():
        export_courses(tmp_path, ["kursus-ekspor"])
    doc = load_course_dir(tmp_path / "kursus-ekspor")
    assert doc.errors == []
    assert (tmp_path / "kursus-ekspor" / "images" / "bagan.png").read_bytes() == png()
    with app.app_context():
        # the same content synced back is not a new version... but the course belongs to an instansi,
        # so sync refuses to take it over
        with pytest.raises(Exception, match="already used by a course of an instansi"):
            sync_courses(tmp_path)


def test_superadmin_edits_shipped_courses_trainers_do_not_see_them(
        app, client, login_as, make_user, make_course, trainer) -> None:
    shipped = make_course(slug="bawaan")
    other = make_course(slug="instansi-lain", instansi_id=make_user(Role.PELATIH).instansi_id)
    own = make_course(slug="milik-sendiri", instansi_id=trainer.instansi_id)
    login_as(trainer)
    page = client.get("/penyusunan/").get_data(as_text=True)
    assert "milik-sendiri" in page and "instansi-lain" not in page
    # the shipped course is only offered for copying (issue 16 point 6), never for editing
    assert f'href="/penyusunan/{shipped.course_id}"' not in page and f"/penyusunan/{shipped.course_id}/salin" in page
    assert client.get(f"/penyusunan/{shipped.course_id}").status_code == 404
    assert client.get(f"/penyusunan/{other.course_id}").status_code == 404
    assert client.post(f"/penyusunan/{other.course_id}/terbitkan").status_code == 404
    assert client.get(f"/penyusunan/{own.course_id}").status_code == 200
    client.post("/keluar")
    login_as(make_user(Role.SUPERADMIN, None))
    page = client.get("/penyusunan/").get_data(as_text=True)
    assert "bawaan" in page and "instansi-lain" in page
    response = client.post(f"/penyusunan/{shipped.course_id}/modul/01-modul", data=MODULE)
    assert response.status_code == 302
    _p, versions = course_state(app, shipped.course_id)
    assert [(n, s) for n, s, _m in versions] == [(1, VersionStatus.PUBLISHED), (2, VersionStatus.DRAFT)]
    # a superadmin's new course is a shipped one (no instansi)
    course_id = new_course(client, slug="kursus-nasional")
    with app.app_context():
        assert db.session.get(Course, course_id).instansi_id is None


# --- XSS -----------------------------------------------------------------------------------

XSS_TITLE = '<script>alert("judul")</script>'
XSS_BODY = """Awal <script>alert(1)</script>

## <img src=x onerror=alert(2)>

[klik](javascript:alert(3)) <a href="#" onclick="alert(4)">a</a>

![x" onerror="alert(5)](javascript:alert(6))

<iframe src="https://jahat.example"></iframe><svg onload=alert(7)>

[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
"""


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:  # type: ignore[no-untyped-def]
        if tag in {"script", "iframe", "svg", "object", "embed"}:
            # the app's own scripts are files from /static
            src = dict(attrs).get("src") or ""
            if not (tag == "script" and src.startswith("/static/")):
                self.bad.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.bad.append(name)
            if name in {"href", "src"} and value and value.strip().lower().startswith(("javascript:", "data:")):
                self.bad.append(value)


def inert(html: str) -> bool:
    parser = _Scripts()
    parser.feed(html)
    return parser.bad == []


def test_xss_through_every_field_stays_inert(app, client, login_as, trainer) -> None:
    login_as(trainer)
    course_id = new_course(client, title=XSS_TITLE, summary='"><script>alert("ringkasan")</script>',
                           label='<b onmouseover=alert(1)>')
    data = {**MODULE, "title": XSS_TITLE, "objectives": "<img src=x onerror=alert(8)>",
            "references": "<script>alert(9)</script>",
            "sources": '<script>x</script> | https://contoh.example/"onmouseover="alert(10)', "body": XSS_BODY}
    preview = client.post(f"/penyusunan/{course_id}/modul/baru", data={**data, "action": "preview"})
    assert preview.status_code == 200
    assert inert(preview.get_data(as_text=True))
    assert "&lt;script&gt;" in preview.get_data(as_text=True)
    assert client.post(f"/penyusunan/{course_id}/modul/baru", data=data).status_code == 302
    assert client.post(f"/penyusunan/{course_id}/terbitkan").status_code == 302
    with app.app_context():
        module = db.session.scalar(select(ModuleVersion).where(ModuleVersion.course_id == course_id))
        slug = module.slug
        for section in module.sections:
            assert dangerous(section["html"]) == []
    for url in ("/penyusunan/", f"/penyusunan/{course_id}", f"/penyusunan/{course_id}/modul/{slug}",
                f"/penyusunan/{course_id}/ubah"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert inert(page.get_data(as_text=True)), url
    # the learner's reader shows the stored content inert too
    for url in ("/kursus/kursus-pelatih", f"/kursus/kursus-pelatih/modul/{slug}"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert inert(page.get_data(as_text=True)), url


def test_svg_disguised_as_png_is_refused(client, login_as, trainer) -> None:
    login_as(trainer)
    course_id = new_course(client)
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    page = client.post(f"/penyusunan/{course_id}/gambar", data={"image": (io.BytesIO(svg), "bagan.png")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "Berkas ini bukan gambar PNG, JPEG atau WebP." in page


def test_a_draft_started_concurrently_by_another_editor_is_reused(app, client, login_as, trainer) -> None:
    """Two editors open a published course at once: the second insert loses the race on
    (course, number) and edits the draft the first one created instead of failing."""
    login_as(trainer)
    course_id = new_course(client)
    client.post(f"/penyusunan/{course_id}/modul/baru", data=MODULE)
    client.post(f"/penyusunan/{course_id}/terbitkan")
    from elearn.content import courses as content

    real = content.next_version_number

    def racing(course_id_: int) -> int:
        number = real(course_id_)
        # the other editor's draft, inserted after we looked for a draft and numbered ours
        source = db.session.get(Course, course_id_).published_version
        db.session.add(CourseVersion(course_id=course_id_, number=number, status=VersionStatus.DRAFT,
                                     title="Judul editor lain", content_hash=source.content_hash))
        db.session.flush()
        return number

    content.next_version_number = racing
    try:
        response = client.post(f"/penyusunan/{course_id}/ubah", data={
            "title": "Judul baru", "summary": "Ringkasan.", "audience": ["pns"], "jp": "2", "label": "2026.2"})
    finally:
        content.next_version_number = real
    assert response.status_code == 302
    _published, versions = course_state(app, course_id)
    assert [(number, status) for number, status, _modules in versions] == [
        (1, VersionStatus.PUBLISHED), (2, VersionStatus.DRAFT)]
    with app.app_context():
        draft = db.session.scalar(select(CourseVersion).where(CourseVersion.course_id == course_id,
                                                              CourseVersion.number == 2))
        assert draft.title == "Judul baru"


def test_course_list_statements_do_not_grow_with_courses(app, client, login_as, trainer) -> None:
    """/penyusunan/ reads every listed course's draft in one statement, not one or two per course."""
    from support import count_statements  # noqa: PLC0415

    login_as(trainer)
    new_course(client, slug="kursus-satu")

    def render() -> tuple[int, str]:
        with count_statements(app, transaction_control=False) as statements:
            response = client.get("/penyusunan/")
        assert response.status_code == 200
        return len(statements), response.get_data(as_text=True)

    one, html = render()
    assert "Ada draf (versi 1)" in html
    for n in range(2, 7):
        new_course(client, slug=f"kursus-{n}")
    six, html = render()
    assert html.count("Ada draf (versi 1)") == 6
    assert six == one, (one, six)
