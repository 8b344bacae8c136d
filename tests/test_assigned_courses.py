"""assigned_courses_for: which courses a participant sees as assigned, with which due date."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event

from elearn.accounts.models import User
from elearn.courses import published
from elearn.courses.assignments import assigned_courses_for
from elearn.courses.models import CourseAssignment
from elearn.db import db


def _assign(app: Any, course_id: int, instansi_id: int, unit_id: int | None = None,
            due: dt.date | None = None, active: bool = True) -> None:
    with app.app_context():
        db.session.add(CourseAssignment(course_id=course_id, instansi_id=instansi_id, unit_id=unit_id,
                                        due_date=due, active=active))
        db.session.commit()


def _for(app: Any, user: User) -> list[tuple[str, dt.date | None]]:
    with app.app_context():
        person = db.session.get(User, user.id)
        return [(course.slug, due) for course, due in assigned_courses_for(person)]


def test_instansi_wide_and_ancestor_units_cover_the_person(app, make_instansi, make_unit, make_user,
                                                           make_course):
    instansi = make_instansi()
    skpd = make_unit("Dinas Pendidikan", instansi=instansi)
    bidang = make_unit("Bidang SD", parent=skpd)
    school = make_unit("SD Negeri 1", parent=bidang)
    sibling = make_unit("Bidang SMP", parent=skpd)
    other_skpd = make_unit("Dinas Kesehatan", instansi=instansi)
    person = make_user(unit=school)

    wide = make_course(slug="wide")
    via_skpd = make_course(slug="via-skpd")
    via_bidang = make_course(slug="via-bidang")
    own_unit = make_course(slug="own-unit")
    not_mine = make_course(slug="not-mine")
    other = make_course(slug="other-skpd")

    _assign(app, wide.course_id, skpd.instansi_id)
    _assign(app, via_skpd.course_id, skpd.instansi_id, skpd.id)
    _assign(app, via_bidang.course_id, skpd.instansi_id, bidang.id)
    _assign(app, own_unit.course_id, skpd.instansi_id, school.id)
    _assign(app, not_mine.course_id, skpd.instansi_id, sibling.id)
    _assign(app, other.course_id, skpd.instansi_id, other_skpd.id)

    slugs = {slug for slug, _ in _for(app, person)}
    assert slugs == {"wide", "via-skpd", "via-bidang", "own-unit"}


def test_earliest_due_date_wins_and_order_is_due_then_title(app, make_unit, make_user, make_course):
    skpd = make_unit("Dinas Uji A")
    unit = make_unit("Bidang Uji A", parent=skpd)
    person = make_user(unit=unit)
    a = make_course(slug="a", title="Zebra")
    b = make_course(slug="b", title="Alpha")
    c = make_course(slug="c", title="Beta")
    d = make_course(slug="d", title="Gamma")
    # a: instansi-wide in June, the unit in March -> March
    _assign(app, a.course_id, skpd.instansi_id, None, dt.date(2031, 6, 1))
    _assign(app, a.course_id, skpd.instansi_id, unit.id, dt.date(2031, 3, 1))
    # b: no due date on one, a date on the other -> the date
    _assign(app, b.course_id, skpd.instansi_id, skpd.id, None)
    _assign(app, b.course_id, skpd.instansi_id, None, dt.date(2031, 5, 1))
    # c, d: no due date -> last, by title
    _assign(app, c.course_id, skpd.instansi_id, None)
    _assign(app, d.course_id, skpd.instansi_id, skpd.id)

    assert _for(app, person) == [
        ("a", dt.date(2031, 3, 1)),
        ("b", dt.date(2031, 5, 1)),
        ("c", None),
        ("d", None),
    ]


def test_inactive_and_other_instansi_assignments_are_ignored(app, make_unit, make_user, make_course):
    skpd = make_unit("Dinas Uji B")
    other_skpd = make_unit("Dinas Lain")  # another instansi
    person = make_user(unit=skpd)
    withdrawn = make_course(slug="withdrawn")
    elsewhere = make_course(slug="elsewhere")
    earlier_withdrawn = make_course(slug="earlier-withdrawn")
    _assign(app, withdrawn.course_id, skpd.instansi_id, skpd.id, active=False)
    _assign(app, elsewhere.course_id, other_skpd.instansi_id, None)
    _assign(app, elsewhere.course_id, other_skpd.instansi_id, other_skpd.id)
    # an inactive assignment's earlier date does not count
    _assign(app, earlier_withdrawn.course_id, skpd.instansi_id, None, dt.date(2031, 1, 1), active=False)
    _assign(app, earlier_withdrawn.course_id, skpd.instansi_id, None, dt.date(2031, 9, 1))

    assert _for(app, person) == [("earlier-withdrawn", dt.date(2031, 9, 1))]


def test_person_without_unit_gets_instansi_wide_only_and_superadmin_nothing(app, make_unit, make_user,
                                                                           make_course):
    from elearn.accounts.models import Role

    skpd = make_unit("Dinas Uji C")
    person = make_user(unit=skpd)
    with app.app_context():
        row = db.session.get(User, person.id)
        row.unit_id = None
        db.session.commit()
    wide = make_course(slug="wide-c")
    unit_only = make_course(slug="unit-c")
    _assign(app, wide.course_id, skpd.instansi_id)
    _assign(app, unit_only.course_id, skpd.instansi_id, skpd.id)
    assert _for(app, person) == [("wide-c", None)]
    assert _for(app, make_user(role=Role.SUPERADMIN)) == []


def test_one_query_for_the_assignments(app, make_unit, make_user, make_course):
    skpd = make_unit("Dinas Uji D")
    person = make_user(unit=skpd)
    for n in range(5):
        version = make_course(slug=f"many-{n}")
        _assign(app, version.course_id, skpd.instansi_id, skpd.id if n % 2 else None)
    with app.app_context():
        row = db.session.get(User, person.id)
        statements: list[str] = []
        engine = db.get_engine(app)

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            result = assigned_courses_for(row)
            versions = published.versions(course.published_version_id for course, _ in result)
            titles = [versions[course.published_version_id].title for course, _ in result]
            first = len(statements)
            statements.clear()
            assigned_courses_for(row)
            published.versions(course.published_version_id for course, _ in result)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(result) == 5 and len(titles) == 5
    # the assignments with their courses, then the five versions with their modules in one batch each
    assert first <= 3, first
    # the versions' structure is kept by the process: the assignments' query alone
    assert len(statements) == 1, statements
