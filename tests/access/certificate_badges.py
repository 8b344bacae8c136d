"""Access rows for the public Open Badges documents (``Row`` is injected by tests/test_access.py):
the issuer profile (controller document of the keys), the Bitstring Status List and the Achievement
of a course version. Verifiers fetch them without signing in: the same answer for everyone; an
unknown instansi or version, a draft or a version without certificate is 404.

Scenario additions: ``badge_version`` (a published course version with ``certificate:``) and
``badge_draft`` (a draft version with ``certificate:``).
"""

SIGNED_IN = ("peserta", "pelatih", "operator_skpd", "admin_bkpsdm", "superadmin")
PUBLIC = {"anon": 200, **{role: 200 for role in SIGNED_IN}}
PUBLIC_404 = {"anon": 404, **{role: 404 for role in SIGNED_IN}}


def extend_scenario(app, ids, users):  # type: ignore[no-untyped-def]
    from elearn.courses.models import Course, CourseVersion, VersionStatus
    from elearn.db import db, utcnow

    with app.app_context():
        course = Course(slug="kursus-lencana")
        db.session.add(course)
        db.session.flush()
        versions = {}
        for number, status in ((1, VersionStatus.PUBLISHED), (2, VersionStatus.DRAFT)):
            version = CourseVersion(course_id=course.id, number=number, status=status, label=str(number),
                                    title="Kursus Lencana", summary="", audience=["pns"], jp=2,
                                    content_hash=f"{number:064d}", certificate={"criteria": "Selesai."},
                                    published_at=utcnow() if status == VersionStatus.PUBLISHED else None)
            db.session.add(version)
            db.session.flush()
            versions[status] = version.id
        db.session.commit()
    return {"badge_version": versions[VersionStatus.PUBLISHED], "badge_draft": versions[VersionStatus.DRAFT]}


ROWS = [
    Row("GET", "/sertifikat/penerbit/{instansi}", PUBLIC),  # noqa: F821
    Row("GET", "/sertifikat/penerbit/tidak-ada", PUBLIC_404),  # noqa: F821
    Row("GET", "/sertifikat/status/{instansi}", PUBLIC),  # noqa: F821
    Row("GET", "/sertifikat/status/tidak-ada", PUBLIC_404),  # noqa: F821
    Row("GET", "/sertifikat/capaian/{badge_version}", PUBLIC),  # noqa: F821
    Row("GET", "/sertifikat/capaian/{badge_draft}", PUBLIC_404),  # noqa: F821
    Row("GET", "/sertifikat/capaian/999999", PUBLIC_404),  # noqa: F821
]
