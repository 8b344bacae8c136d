"""Access rows for course assignment (``Row`` is injected).

Scenario additions: a published shipped course, and active assignments of it to SKPD X (the
operator's own), SKPD Y (another SKPD of instansi A), instansi A as a whole, and SKPD Z of
instansi B. Each POST row that succeeds changes its own target, so rows stay independent."""

HR_ONLY = {"anon": 302, "peserta": 403, "pelatih": 403}
OWN = {**HR_ONLY, "operator_skpd": 200, "admin_bkpsdm": 200, "superadmin": 200}
OTHER_SKPD = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 200, "superadmin": 200}
OTHER_INSTANSI = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 404, "superadmin": 200}


def redirect(expect):
    return {role: 302 if status == 200 else status for role, status in expect.items()}


def extend_scenario(app, ids, users):
    from elearn.courses.models import Course, CourseAssignment, CourseVersion, VersionStatus
    from elearn.db import db, utcnow
    from elearn.org.models import Unit
    from elearn.org.services import get_instansi

    with app.app_context():
        inst_a = get_instansi(ids["instansi"])
        inst_b = get_instansi(ids["instansi_other"])
        course = Course(slug="akses-penugasan")
        db.session.add(course)
        db.session.flush()
        version = CourseVersion(course_id=course.id, number=1, status=VersionStatus.PUBLISHED, title="Kursus Akses",
                                content_hash="a" * 64, published_at=utcnow())
        db.session.add(version)
        db.session.flush()
        course.published_version_id = version.id

        def assign(instansi, unit_id):
            a = CourseAssignment(course_id=course.id, instansi_id=instansi.id, unit_id=unit_id)
            db.session.add(a)
            db.session.flush()
            return a.id

        z = db.session.get(Unit, ids["skpd_other_instansi"])
        extra = {
            "course": course.id,
            "assign_same": assign(inst_a, ids["skpd_same"]),
            "assign_other_skpd": assign(inst_a, ids["skpd_other"]),
            "assign_instansi": assign(inst_a, None),
            "assign_other_instansi": assign(inst_b, z.id),
        }
        db.session.commit()
        return extra


ROWS = [
    Row("GET", "/penugasan/", OWN),  # noqa: F821
    Row("GET", "/penugasan/?instansi={instansi}", OWN),  # noqa: F821
    Row("GET", "/penugasan/?instansi={instansi_other}", OTHER_INSTANSI),  # noqa: F821
    Row("GET", "/penugasan/baru?instansi={instansi}", OWN),  # noqa: F821
    Row("GET", "/penugasan/baru?instansi={instansi_other}", OTHER_INSTANSI),  # noqa: F821
    Row("POST", "/penugasan/baru?instansi={instansi}", redirect(OWN),  # noqa: F821
        data={"course_id": "{course}", "unit_ids": "{unit_same}"}),
    Row("POST", "/penugasan/baru?instansi={instansi}", redirect(OTHER_SKPD),  # noqa: F821
        data={"course_id": "{course}", "unit_ids": "{skpd_other}"}),
    Row("POST", "/penugasan/baru?instansi={instansi_other}", redirect(OTHER_INSTANSI),  # noqa: F821
        data={"course_id": "{course}", "unit_ids": "{skpd_other_instansi}"}),
]
for key, expect in (
    ("assign_same", OWN),
    ("assign_other_skpd", OTHER_SKPD),
    # instansi-wide: the admin BKPSDM's (operators may not change it)
    ("assign_instansi", OTHER_SKPD),
    ("assign_other_instansi", OTHER_INSTANSI),
):
    ROWS += [
        Row("GET", f"/penugasan/{{{key}}}", expect),  # noqa: F821
        Row("POST", f"/penugasan/{{{key}}}", redirect(expect), data={"due_date": "2099-12-31"}),  # noqa: F821
        Row("POST", f"/penugasan/{{{key}}}/tarik", redirect(expect)),  # noqa: F821
    ]
