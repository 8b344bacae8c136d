"""Access rows for HR's certificate pages (``/rekap-sertifikat``; ``Row`` is injected by
tests/test_access.py).

Scenario additions: a shipped course with a certificate (``cert_course``) and one without
(``plain_course``); certificates of ``person_same`` (SKPD X, the operator's own),
``person_other_skpd`` (SKPD Y of instansi A) and ``person_other_instansi`` (instansi B).

Admin BKPSDM sees every SKPD of their instansi, superadmin any instansi (chosen with
``?instansi=``), the operator SKPD only their own SKPD: another SKPD, a unit that is no SKPD, an
SKPD or instansi outside their scope, by URL or by form value, answers 404."""

HR_ONLY = {"anon": 302, "peserta": 403, "pelatih": 403}
VIEW = {**HR_ONLY, "operator_skpd": 200, "admin_bkpsdm": 200, "superadmin": 200}
OTHER_SKPD = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 200, "superadmin": 200}
OTHER_INSTANSI = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 404, "superadmin": 200}
NOBODY = {**HR_ONLY, "operator_skpd": 404, "admin_bkpsdm": 404, "superadmin": 404}


def extend_scenario(app, ids, users):  # type: ignore[no-untyped-def]
    """Plain inserts (this runs for every access case)."""
    import datetime as dt

    from certificate_hr_support import issue_row
    from elearn.accounts.models import User
    from elearn.courses.models import Course, CourseVersion, VersionStatus
    from elearn.db import db, utcnow

    with app.app_context():
        def course(slug, certificate):  # type: ignore[no-untyped-def]
            row = Course(slug=slug, instansi_id=None)
            db.session.add(row)
            db.session.flush()
            version = CourseVersion(course_id=row.id, number=1, status=VersionStatus.PUBLISHED, label="1",
                                    title=f"Kursus {slug}", audience=["pns"], jp=2, content_hash=slug.ljust(64, "0"),
                                    manifest_text="", published_at=utcnow(), certificate=certificate)
            db.session.add(version)
            db.session.flush()
            row.published_version_id = version.id
            db.session.flush()
            return version

        cert = course("akses-sertifikat", {"template": "default"})
        plain = course("akses-tanpa-sertifikat", None)
        when = dt.datetime(2026, 3, 10, 3, tzinfo=dt.timezone.utc)
        for key in ("person_same", "person_other_skpd", "person_other_instansi"):
            issue_row(db.session.get(User, ids[key]), cert, issued_at=when)
        extra = {"cert_course": cert.course_id, "plain_course": plain.course_id}
        db.session.commit()
        return extra


BASE = "/rekap-sertifikat"
Q = "?course={cert_course}&instansi={instansi}"
Q_OTHER = "?course={cert_course}&instansi={instansi_other}"
SKPD_ROUTES = ("", "/ekspor.csv", "/ekspor.xlsx", "/sertifikat.zip")

ROWS = [
    Row("GET", BASE + "/", VIEW),  # noqa: F821
    Row("GET", BASE + "/" + Q, VIEW),  # noqa: F821
    Row("GET", BASE + "/?course={cert_course}&dari=2026-03-01&sampai=2026-03-31", VIEW),  # noqa: F821
    Row("GET", BASE + "/" + Q_OTHER, OTHER_INSTANSI),  # noqa: F821
    Row("GET", BASE + "/?course={plain_course}&instansi={instansi}", NOBODY),  # noqa: F821
    Row("GET", BASE + "/ekspor.csv" + Q, VIEW),  # noqa: F821
    Row("GET", BASE + "/ekspor.csv" + Q_OTHER, OTHER_INSTANSI),  # noqa: F821
    Row("GET", BASE + "/ekspor.xlsx" + Q, VIEW),  # noqa: F821
    Row("GET", BASE + "/ekspor.xlsx" + Q_OTHER, OTHER_INSTANSI),  # noqa: F821
    Row("GET", BASE + "/ekspor.xlsx?course={plain_course}&instansi={instansi}", NOBODY),  # noqa: F821
]
for _suffix in SKPD_ROUTES:
    ROWS += [
        Row("GET", BASE + "/skpd/{skpd_same}" + _suffix + Q, VIEW),  # noqa: F821
        Row("GET", BASE + "/skpd/{skpd_other}" + _suffix + Q, OTHER_SKPD),  # noqa: F821
        Row("GET", BASE + "/skpd/{unit_same}" + _suffix + Q, NOBODY),  # noqa: F821  (not a perangkat daerah)
        Row("GET", BASE + "/skpd/{skpd_other_instansi}" + _suffix + Q, NOBODY),  # noqa: F821
        Row("GET", BASE + "/skpd/{skpd_other_instansi}" + _suffix + Q_OTHER, OTHER_INSTANSI),  # noqa: F821
        Row("GET", BASE + "/skpd/{skpd_same}" + _suffix + "?course={plain_course}&instansi={instansi}",  # noqa: F821
            NOBODY),
    ]
