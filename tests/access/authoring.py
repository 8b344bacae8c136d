"""Access rows for authoring courses (``Row`` is injected).

Courses of the scenario: ``authoring_same`` (instansi A, published with a draft), ``authoring_other``
(instansi B) and ``authoring_shipped`` (no instansi: loaded from courses/, superadmin only).
"""

AUTHORS_ONLY = {"anon": 302, "peserta": 403, "operator_skpd": 403}
OWN = {**AUTHORS_ONLY, "pelatih": 200, "admin_bkpsdm": 200, "superadmin": 200}
NOT_OWN = {**AUTHORS_ONLY, "pelatih": 404, "admin_bkpsdm": 404, "superadmin": 200}


def redirect(expect):
    return {role: 302 if status == 200 else status for role, status in expect.items()}


MODULE = {
    "title": "Modul baru", "minutes": "5", "objectives": "Memahami netralitas.", "references": "",
    "sources": "", "body": "## Bagian\n\nIsi.", "action": "save",
}
COURSE = {"title": "Judul", "summary": "Ringkasan.", "audience": ["pns"], "jp": "1", "label": "1"}

ROWS = [
    Row("GET", "/penyusunan/", OWN),  # noqa: F821
    Row("GET", "/penyusunan/baru", OWN),  # noqa: F821
    Row("POST", "/penyusunan/baru", redirect(OWN), data={**COURSE, "slug": "kursus-akses"}),  # noqa: F821
]
for course, expect in (("{authoring_same}", OWN), ("{authoring_other}", NOT_OWN), ("{authoring_shipped}", NOT_OWN)):
    ROWS += [
        Row("GET", f"/penyusunan/{course}", expect),  # noqa: F821
        Row("GET", f"/penyusunan/{course}/ubah", expect),  # noqa: F821
        Row("POST", f"/penyusunan/{course}/ubah", redirect(expect), data=COURSE),  # noqa: F821
        Row("GET", f"/penyusunan/{course}/modul/baru", expect),  # noqa: F821
        Row("POST", f"/penyusunan/{course}/modul/baru", redirect(expect), data=MODULE),  # noqa: F821
        Row("POST", f"/penyusunan/{course}/modul/baru", expect, data={**MODULE, "action": "preview"}),  # noqa: F821
        Row("GET", f"/penyusunan/{course}/modul/{{authoring_module}}", expect),  # noqa: F821
        Row("POST", f"/penyusunan/{course}/modul/{{authoring_module}}", redirect(expect), data=MODULE),  # noqa: F821
        Row("POST", f"/penyusunan/{course}/modul/{{authoring_module}}/pindah", redirect(expect), data={"arah": "turun"}),  # noqa: F821
        Row("POST", f"/penyusunan/{course}/modul/{{authoring_module}}/hapus", redirect(expect)),  # noqa: F821
        Row("POST", f"/penyusunan/{course}/gambar", redirect(expect)),  # noqa: F821
        Row("POST", f"/penyusunan/{course}/terbitkan", redirect(expect)),  # noqa: F821
    ]
# "Salin ke instansi saya": only a shipped course, by an author of an instansi (the superadmin has none: a
# clear refusal); an instansi's own course is not copied (403), another instansi's stays hidden (404)
COPY = {**AUTHORS_ONLY, "pelatih": 302, "admin_bkpsdm": 302, "superadmin": 403}
COPY_OWN = {**AUTHORS_ONLY, "pelatih": 403, "admin_bkpsdm": 403, "superadmin": 403}
COPY_OTHER = {**AUTHORS_ONLY, "pelatih": 404, "admin_bkpsdm": 404, "superadmin": 403}
ROWS += [
    Row("POST", "/penyusunan/{authoring_shipped}/salin", COPY),  # noqa: F821
    Row("POST", "/penyusunan/{authoring_same}/salin", COPY_OWN),  # noqa: F821
    Row("POST", "/penyusunan/{authoring_other}/salin", COPY_OTHER),  # noqa: F821
    Row("POST", "/penyusunan/{authoring_missing_course}/salin",  # noqa: F821
        {**AUTHORS_ONLY, "pelatih": 404, "admin_bkpsdm": 404, "superadmin": 404}),
]
# a module that is not in the course answers 404 to those who may edit the course
ROWS.append(Row("GET", "/penyusunan/{authoring_same}/modul/{authoring_missing_module}", {**OWN, "pelatih": 404, "admin_bkpsdm": 404, "superadmin": 404}))  # noqa: F821


def extend_scenario(app, ids, users):  # type: ignore[no-untyped-def]
    """Plain inserts (this runs for every access case): per course a published version 1 and a
    draft version 2 sharing module 01-modul."""
    from sqlalchemy import select

    from elearn.courses.models import Course, CourseVersion, CourseVersionModule, ModuleVersion, VersionStatus
    from elearn.db import db, utcnow
    from elearn.org.models import Instansi

    source = "---\ntitle: Modul\nminutes: 5\nobjectives:\n- Tujuan.\n---\n\n## Bagian\n\nIsi.\n"
    with app.app_context():
        instansi = dict(db.session.execute(select(Instansi.slug, Instansi.id).where(
            Instansi.slug.in_([ids["instansi"], ids["instansi_other"]]))).all())
        owners = {"authoring_same": instansi[ids["instansi"]], "authoring_other": instansi[ids["instansi_other"]],
                  "authoring_shipped": None}
        courses = {key: Course(slug=f"penyusunan-{key[10:]}", instansi_id=owner) for key, owner in owners.items()}
        db.session.add_all(courses.values())
        db.session.flush()
        modules = {key: ModuleVersion(course_id=c.id, slug="01-modul", title="Modul", minutes=5, objectives=["Tujuan."],
                                      references=[], sources=[], source_text=source, content_hash=f"m{c.id}",
                                      sections=[{"title": "Bagian", "html": "<p>Isi.</p>", "words": 2}])
                   for key, c in courses.items()}
        db.session.add_all(modules.values())
        db.session.flush()
        published = {}
        for key, course in courses.items():
            for number, status in ((1, VersionStatus.PUBLISHED), (2, VersionStatus.DRAFT)):
                version = CourseVersion(
                    course_id=course.id, number=number, status=status, label=str(number), title=f"Kursus {key}",
                    summary="Ringkasan.", audience=["pns"], jp=1, content_hash=f"v{course.id}-{number}",
                    manifest_text="", published_at=utcnow() if number == 1 else None,
                    modules=[CourseVersionModule(module_version_id=modules[key].id, position=0)],
                )
                db.session.add(version)
                if number == 1:
                    published[key] = version
        db.session.flush()
        for key, course in courses.items():
            course.published_version_id = published[key].id
        made = {key: course.id for key, course in courses.items()}
        db.session.commit()
    return {**made, "authoring_missing_course": 987654, "authoring_module": "01-modul", "authoring_missing_module": "99-tidak-ada"}
