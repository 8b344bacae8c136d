"""Access rows for reading courses (``Row`` is injected by tests/test_access.py).

Scenario objects (see ``extend_scenario``): ``course_shipped`` (a shipped course, instansi None,
readable by everyone signed in) with module ``module_shipped`` and image ``asset_shipped``;
``course_other_instansi`` (instansi B's own course) with ``module_other`` and ``asset_other``.
"""

SIGNED_IN = ("peserta", "pelatih", "operator_skpd", "admin_bkpsdm", "superadmin")


def everyone(status=200, anon=302):
    return {"anon": anon, **{role: status for role in SIGNED_IN}}


def other_instansi(status=200):
    """Instansi B's course: 404 for everyone of instansi A, readable by the superadmin."""
    return {"anon": 302, **{role: 404 for role in SIGNED_IN}, "superadmin": status}


def extend_scenario(app, ids, users):
    import hashlib

    from elearn.courses.models import (Course, CourseAsset, CourseVersion, CourseVersionModule, ModuleVersion,
                                       VersionStatus)
    from elearn.db import db
    from elearn.org.services import get_instansi

    def course(slug, instansi_id):
        row = Course(slug=slug, instansi_id=instansi_id)
        db.session.add(row)
        db.session.flush()
        version = CourseVersion(course_id=row.id, number=1, status=VersionStatus.PUBLISHED, title=slug,
                                content_hash=hashlib.sha256(slug.encode()).hexdigest())
        module = ModuleVersion(course_id=row.id, slug="01-pengantar", title="Pengantar", minutes=3,
                               source_text="", content_hash=hashlib.sha256(slug.encode() + b"m").hexdigest(),
                               sections=[{"title": "Satu", "html": "<p>Satu</p>", "words": 1},
                                         {"title": "Dua", "html": "<p>Dua</p>", "words": 1}])
        db.session.add_all([version, module])
        db.session.flush()
        db.session.add(CourseVersionModule(course_version_id=version.id, module_version_id=module.id, position=0))
        row.published_version_id = version.id
        data = slug.encode() + b"-image"
        digest = hashlib.sha256(data).hexdigest()
        db.session.add(CourseAsset(course_id=row.id, path="images/a.png", content_hash=digest,
                                   mimetype="image/png", data=data))
        return row.slug, module.slug, f"{digest}.png"

    with app.app_context():
        shipped = course("akses-kursus-umum", None)
        other = course("akses-kursus-kota-b", get_instansi(ids["instansi_other"]).id)
        db.session.commit()
    return {
        "course_shipped": shipped[0], "module_shipped": shipped[1], "asset_shipped": shipped[2],
        "course_other_instansi": other[0], "module_other": other[1], "asset_other": other[2],
    }


ROWS = [
    Row("GET", "/kursus/", everyone()),  # noqa: F821
    Row("GET", "/kursus/{course_shipped}", everyone()),  # noqa: F821
    Row("GET", "/kursus/{course_other_instansi}", other_instansi()),  # noqa: F821
    Row("GET", "/kursus/tidak-ada", everyone(404)),  # noqa: F821
    Row("GET", "/kursus/{course_shipped}/modul/{module_shipped}", everyone()),  # noqa: F821
    Row("GET", "/kursus/{course_shipped}/modul/tidak-ada", everyone(404)),  # noqa: F821
    Row("GET", "/kursus/{course_other_instansi}/modul/{module_other}", other_instansi()),  # noqa: F821
    # the no-JavaScript save redirects to the next section
    Row("POST", "/kursus/{course_shipped}/modul/{module_shipped}/kemajuan", everyone(302),  # noqa: F821
        data={"reached": "1"}),
    Row("POST", "/kursus/{course_other_instansi}/modul/{module_other}/kemajuan",  # noqa: F821
        other_instansi(302), data={"reached": "1"}),
    Row("GET", "/kursus/aset/{asset_shipped}", everyone()),  # noqa: F821
    Row("GET", "/kursus/aset/{asset_other}", other_instansi()),  # noqa: F821
]
