"""Course assignment by HR: who may assign what, duplicates, due dates, the list with people
covered, re-dating, withdrawing, and the audit trail."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import event, func, select

from elearn.accounts.models import Role, User
from elearn.audit.models import AuditEvent
from elearn.courses import assignments as services
from elearn.courses.models import CourseAssignment
from elearn.db import db
from elearn.errors import ServiceError
from elearn.org.models import Instansi, Unit
from support import login

FUTURE = dt.date.today() + dt.timedelta(days=60)


@pytest.fixture
def org(make_instansi, make_unit, make_user, make_course) -> dict[str, Any]:
    """Instansi A: Dinas Pendidikan (Bidang SD > SD Negeri 1, SD Negeri 2) and Dinas Kesehatan;
    instansi B: Dinas Sosial. People spread over them; one inactive."""
    a = make_instansi(slug="kota-penugasan", name="Pemerintah Kota Penugasan")
    b = make_instansi(slug="kota-lain", name="Pemerintah Kota Lain")
    dinas = make_unit("Dinas Pendidikan", instansi=a)
    bidang = make_unit("Bidang SD", parent=dinas)
    sd1 = make_unit("SD Negeri 1", parent=bidang)
    sd2 = make_unit("SD Negeri 2", parent=bidang)
    kesehatan = make_unit("Dinas Kesehatan", instansi=a)
    bkpsdm = make_unit("BKPSDM", instansi=a)
    sosial = make_unit("Dinas Sosial", instansi=b)
    people = {
        "operator": make_user(Role.OPERATOR_SKPD, dinas, name="Operator Dinas"),
        "operator_kes": make_user(Role.OPERATOR_SKPD, kesehatan, name="Operator Kesehatan"),
        "admin": make_user(Role.ADMIN_BKPSDM, bkpsdm, name="Admin BKPSDM"),
        "admin_b": make_user(Role.ADMIN_BKPSDM, sosial, name="Admin Kota Lain"),
        "superadmin": make_user(Role.SUPERADMIN, None, name="Superadmin"),
        "peserta": make_user(Role.PESERTA, sd1, name="Guru SD 1"),
        "pelatih": make_user(Role.PELATIH, dinas, name="Pelatih"),
    }
    make_user(Role.PESERTA, sd1)
    make_user(Role.PESERTA, sd2)
    make_user(Role.PESERTA, sd2, active=False)
    make_user(Role.PESERTA, kesehatan)
    make_user(Role.PESERTA, sosial)
    shipped = make_course(slug="netralitas", title="Netralitas ASN")
    own = make_course(slug="kursus-kota", title="Kursus Kota A", instansi_id=a.id)
    foreign = make_course(slug="kursus-kota-b", title="Kursus Kota B", instansi_id=b.id)
    return {
        "a": a, "b": b, "dinas": dinas, "bidang": bidang, "sd1": sd1, "sd2": sd2, "kesehatan": kesehatan,
        "bkpsdm": bkpsdm, "sosial": sosial, "people": people,
        "shipped": shipped.course_id, "own": own.course_id, "foreign": foreign.course_id,
    }


def _assignments(app) -> list[tuple[int, int, int | None, dt.date | None, bool]]:
    with app.app_context():
        return [
            (a.course_id, a.instansi_id, a.unit_id, a.due_date, a.active)
            for a in db.session.scalars(select(CourseAssignment).order_by(CourseAssignment.id))
        ]


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))
        db.session.expunge_all()
        return events


# --- web: creating ------------------------------------------------------------------------


def test_admin_assigns_to_several_units_with_due_date(client, app, org):
    login(client, org["people"]["admin"])
    page = client.get("/penugasan/baru")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Netralitas ASN" in html and "Kursus Kota A" in html and "Kursus Kota B" not in html
    assert "Seluruh instansi" in html and "Dinas Kesehatan" in html and "SD Negeri 2" in html
    response = client.post("/penugasan/baru", data={
        "course_id": org["shipped"], "unit_ids": [org["sd1"].id, org["kesehatan"].id],
        "due_date": FUTURE.isoformat(),
    })
    assert response.status_code == 302
    rows = _assignments(app)
    assert sorted(rows, key=lambda r: r[2]) == sorted([
        (org["shipped"], org["a"].id, org["sd1"].id, FUTURE, True),
        (org["shipped"], org["a"].id, org["kesehatan"].id, FUTURE, True),
    ], key=lambda r: r[2])
    events = _audit(app, "course.assign")
    assert len(events) == 2
    assert {e.details["target"] for e in events} == {"Dinas Pendidikan › Bidang SD › SD Negeri 1", "Dinas Kesehatan"}
    assert all(e.details["course"] == "Netralitas ASN" and e.details["due_date"] == FUTURE.isoformat()
               and e.actor_id == org["people"]["admin"].id and e.instansi_id == org["a"].id for e in events)


def test_admin_assigns_to_whole_instansi_without_due_date(client, app, org):
    login(client, org["people"]["admin"])
    response = client.post("/penugasan/baru", data={"course_id": org["own"], "whole_instansi": "y"})
    assert response.status_code == 302
    assert _assignments(app) == [(org["own"], org["a"].id, None, None, True)]
    assert _audit(app, "course.assign")[0].details["target"] == "Seluruh Pemerintah Kota Penugasan"


def test_due_date_in_the_past_is_refused_in_indonesian(client, app, org):
    login(client, org["people"]["admin"])
    yesterday = dt.date.today() - dt.timedelta(days=2)
    response = client.post("/penugasan/baru", data={
        "course_id": org["shipped"], "whole_instansi": "y", "due_date": yesterday.isoformat(),
    })
    assert response.status_code == 200
    assert "Tenggat tidak boleh tanggal yang sudah lewat" in response.get_data(as_text=True)
    assert _assignments(app) == []
    assert _audit(app, "course.assign") == []


def test_form_errors_save_nothing(client, app, org):
    login(client, org["people"]["admin"])
    html = client.post("/penugasan/baru", data={"course_id": org["shipped"]}).get_data(as_text=True)
    assert "Pilih seluruh instansi atau paling sedikit satu unit." in html
    html = client.post("/penugasan/baru", data={
        "course_id": org["shipped"], "whole_instansi": "y", "unit_ids": org["sd1"].id,
    }).get_data(as_text=True)
    assert "tidak keduanya" in html
    html = client.post("/penugasan/baru", data={"unit_ids": org["sd1"].id}).get_data(as_text=True)
    assert "Pilih kursus yang akan ditugaskan." in html
    # another instansi's own course is not on offer, even by forging its id
    html = client.post("/penugasan/baru", data={"course_id": org["foreign"], "unit_ids": org["sd1"].id}).get_data(as_text=True)
    assert "Pilih kursus yang akan ditugaskan." in html
    html = client.post("/penugasan/baru", data={
        "course_id": org["shipped"], "unit_ids": org["sd1"].id, "due_date": "31-12-2099",
    }).get_data(as_text=True)
    assert "Tanggal tenggat tidak sah" in html
    assert _assignments(app) == []


def test_assigning_again_updates_the_due_date_instead_of_duplicating(client, app, org):
    login(client, org["people"]["admin"])
    data = {"course_id": org["shipped"], "unit_ids": org["dinas"].id}
    assert client.post("/penugasan/baru", data=data).status_code == 302
    later = FUTURE + dt.timedelta(days=10)
    assert client.post("/penugasan/baru", data={**data, "due_date": later.isoformat()}).status_code == 302
    assert client.post("/penugasan/baru", data={**data, "due_date": later.isoformat()}).status_code == 302
    assert _assignments(app) == [(org["shipped"], org["a"].id, org["dinas"].id, later, True)]
    assert len(_audit(app, "course.assign")) == 1
    due_events = _audit(app, "course.assign_due")
    assert len(due_events) == 1  # the third post changed nothing
    assert due_events[0].details["old_due_date"] is None
    assert due_events[0].details["due_date"] == later.isoformat()


def test_operator_assigns_only_within_own_skpd(client, app, org):
    login(client, org["people"]["operator"])
    html = client.get("/penugasan/baru").get_data(as_text=True)
    assert "SD Negeri 1" in html and "Bidang SD" in html
    assert "Dinas Kesehatan" not in html and "BKPSDM" not in html and "Seluruh instansi" not in html
    assert client.post("/penugasan/baru", data={
        "course_id": org["shipped"], "unit_ids": org["bidang"].id, "due_date": FUTURE.isoformat(),
    }).status_code == 302
    assert _assignments(app) == [(org["shipped"], org["a"].id, org["bidang"].id, FUTURE, True)]


@pytest.mark.parametrize("forged", ["other_skpd", "other_instansi", "whole_instansi", "mixed", "missing"])
def test_operator_cannot_target_outside_their_skpd_by_forging_the_form(client, app, org, forged):
    login(client, org["people"]["operator"])
    data: dict[str, Any] = {"course_id": org["shipped"]}
    if forged == "other_skpd":
        data["unit_ids"] = org["kesehatan"].id
    elif forged == "other_instansi":
        data["unit_ids"] = org["sosial"].id
    elif forged == "whole_instansi":
        data["whole_instansi"] = "y"
    elif forged == "mixed":
        data["unit_ids"] = [org["sd1"].id, org["kesehatan"].id]
    else:
        data["unit_ids"] = 999_999
    assert client.post("/penugasan/baru", data=data).status_code == 404
    assert _assignments(app) == []
    assert _audit(app, "course.assign") == []


def test_admin_cannot_target_another_instansi(client, app, org):
    login(client, org["people"]["admin"])
    assert client.post("/penugasan/baru", data={"course_id": org["shipped"], "unit_ids": org["sosial"].id}).status_code == 404
    assert client.post("/penugasan/baru?instansi=kota-lain", data={
        "course_id": org["shipped"], "unit_ids": org["sosial"].id}).status_code == 404
    assert _assignments(app) == []


def test_superadmin_picks_an_instansi(client, app, org):
    login(client, org["people"]["superadmin"])
    html = client.get("/penugasan/").get_data(as_text=True)
    assert "Pemerintah Kota Penugasan" in html and "Pemerintah Kota Lain" in html
    assert client.get("/penugasan/baru").status_code == 404
    html = client.get("/penugasan/baru?instansi=kota-lain").get_data(as_text=True)
    assert "Kursus Kota B" in html and "Kursus Kota A" not in html and "Dinas Sosial" in html
    assert client.post("/penugasan/baru?instansi=kota-lain", data={
        "course_id": org["foreign"], "whole_instansi": "y"}).status_code == 302
    assert _assignments(app) == [(org["foreign"], org["b"].id, None, None, True)]


@pytest.mark.parametrize("role", ["peserta", "pelatih"])
def test_participants_and_trainers_cannot_assign(client, app, org, role):
    login(client, org["people"][role])
    assert client.get("/penugasan/").status_code == 403
    assert client.post("/penugasan/baru", data={"course_id": org["shipped"], "whole_instansi": "y"}).status_code == 403
    assert _assignments(app) == []


# --- list, people counts ------------------------------------------------------------------


def _seed(app, org) -> dict[str, int]:
    with app.app_context():
        admin = db.session.get(User, org["people"]["admin"].id)
        operator = db.session.get(User, org["people"]["operator"].id)
        a = db.session.get(Instansi, org["a"].id)
        b = db.session.get(Instansi, org["b"].id)
        from elearn.courses.models import Course

        shipped = db.session.get(Course, org["shipped"])
        own = db.session.get(Course, org["own"])
        foreign = db.session.get(Course, org["foreign"])
        unit = lambda key: db.session.get(Unit, org[key].id)  # noqa: E731
        ids = {
            "wide": services.assign(shipped, a, [], FUTURE, admin)[0].id,
            "dinas": services.assign(own, a, [unit("dinas")], None, admin)[0].id,
            "bidang": services.assign(shipped, a, [unit("bidang")], FUTURE, operator)[0].id,
            "kesehatan": services.assign(own, a, [unit("kesehatan")], None, admin)[0].id,
            "other": services.assign(foreign, b, [unit("sosial")], None, None)[0].id,
        }
        withdrawn = services.assign(own, a, [unit("sd2")], None, admin)[0]
        services.withdraw(withdrawn, admin)
        ids["withdrawn"] = withdrawn.id
        db.session.commit()
        return ids


def test_people_covered_counts_active_people_in_subtree_with_one_group_by(app, org):
    ids = _seed(app, org)
    with app.app_context():
        counts = services.people_covered([ids["wide"], ids["dinas"], ids["bidang"], ids["kesehatan"], ids["other"]])
        expected_wide = db.session.scalar(
            select(func.count(User.id)).where(User.instansi_id == org["a"].id, User.active.is_(True)))
    # instansi A active: operator, operator_kes, admin, peserta, pelatih + sd1, sd2, kesehatan people
    assert counts[ids["wide"]] == expected_wide == 8
    assert counts[ids["dinas"]] == 5  # operator, pelatih, peserta, sd1 person, sd2 person (not the inactive one)
    assert counts[ids["bidang"]] == 3
    assert counts[ids["kesehatan"]] == 2
    assert counts[ids["other"]] == 2  # admin B and the sosial person


def test_admin_list_shows_targets_due_dates_assigner_and_counts(client, app, org):
    ids = _seed(app, org)
    login(client, org["people"]["admin"])
    statements: list[str] = []
    engine = db.get_engine(app)

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get("/penugasan/")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Seluruh Pemerintah Kota Penugasan" in html
    assert "Dinas Pendidikan › Bidang SD" in html and "Dinas Kesehatan" in html
    assert "SD Negeri 2" not in html  # withdrawn
    assert "Dinas Sosial" not in html and "Kursus Kota B" not in html  # another instansi
    assert "8 orang" in html and "5 orang" in html and "3 orang" in html and "2 orang" in html
    assert "Operator Dinas" in html and "Admin BKPSDM" in html
    assert f"/penugasan/{ids['wide']}" in html and f"/penugasan/{ids['withdrawn']}\"" not in html
    assert sum("group by" in s.lower() for s in statements) == 1
    # filtering by course
    html = client.get(f"/penugasan/?kursus={org['own']}").get_data(as_text=True)
    assert "Dinas Kesehatan" in html and "Bidang SD" not in html


def test_list_query_count_does_not_grow_with_assignments(client, app, org):
    _seed(app, org)
    login(client, org["people"]["admin"])
    engine = db.get_engine(app)

    def measure() -> int:
        statements: list[str] = []

        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/penugasan/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    before = measure()
    with app.app_context():
        admin = db.session.get(User, org["people"]["admin"].id)
        from elearn.courses.models import Course

        own = db.session.get(Course, org["own"])
        services.assign(own, db.session.get(Instansi, org["a"].id),
                        [db.session.get(Unit, org["sd1"].id), db.session.get(Unit, org["bkpsdm"].id)], None, admin)
        db.session.commit()
    assert measure() == before


def test_operator_list_is_scoped_to_own_skpd(client, app, org):
    ids = _seed(app, org)
    login(client, org["people"]["operator"])
    html = client.get("/penugasan/").get_data(as_text=True)
    assert "Dinas Pendidikan › Bidang SD" in html
    assert f"/penugasan/{ids['dinas']}" in html
    assert "Dinas Kesehatan" not in html
    # the instansi-wide assignment is shown read-only
    assert "Ditugaskan ke seluruh instansi oleh BKPSDM" in html
    assert f"/penugasan/{ids['wide']}\"" not in html
    assert client.get(f"/penugasan/{ids['wide']}").status_code == 404
    assert client.get(f"/penugasan/{ids['kesehatan']}").status_code == 404
    assert client.get(f"/penugasan/{ids['other']}").status_code == 404
    # the other SKPD's operator sees only theirs
    client.post("/keluar")
    login(client, org["people"]["operator_kes"])
    html = client.get("/penugasan/").get_data(as_text=True)
    assert "Dinas Kesehatan" in html and "Bidang SD" not in html
    assert client.get(f"/penugasan/{ids['bidang']}").status_code == 404


# --- edit and withdraw --------------------------------------------------------------------


def test_edit_due_date_is_audited_and_checked(client, app, org):
    ids = _seed(app, org)
    login(client, org["people"]["operator"])
    page = client.get(f"/penugasan/{ids['bidang']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Netralitas ASN" in html and "3 orang" in html
    new_due = FUTURE + dt.timedelta(days=30)
    assert client.post(f"/penugasan/{ids['bidang']}", data={"due_date": new_due.isoformat()}).status_code == 302
    html = client.post(f"/penugasan/{ids['bidang']}", data={"due_date": "2001-01-01"}).get_data(as_text=True)
    assert "Tenggat tidak boleh tanggal yang sudah lewat" in html
    assert client.post(f"/penugasan/{ids['bidang']}", data={"due_date": ""}).status_code == 302
    with app.app_context():
        assert db.session.get(CourseAssignment, ids["bidang"]).due_date is None
    events = [e for e in _audit(app, "course.assign_due") if e.target_id == ids["bidang"]]
    assert [(e.details["old_due_date"], e.details["due_date"]) for e in events] == [
        (FUTURE.isoformat(), new_due.isoformat()),
        (new_due.isoformat(), None),
    ]
    assert events[0].actor_id == org["people"]["operator"].id


def test_withdraw_deactivates_and_is_audited(client, app, org):
    ids = _seed(app, org)
    login(client, org["people"]["admin"])
    assert client.post(f"/penugasan/{ids['dinas']}/tarik").status_code == 302
    with app.app_context():
        assert db.session.get(CourseAssignment, ids["dinas"]).active is False
    events = [e for e in _audit(app, "course.unassign") if e.target_id == ids["dinas"]]
    assert len(events) == 1 and events[0].details["target"] == "Dinas Pendidikan"
    # gone from the list and from the participant's assigned courses; pages of it answer 404
    assert client.get(f"/penugasan/{ids['dinas']}").status_code == 404
    assert client.post(f"/penugasan/{ids['dinas']}/tarik").status_code == 404
    with app.app_context():
        peserta = db.session.get(User, org["people"]["peserta"].id)
        assert org["own"] not in {c.id for c, _ in services.assigned_courses_for(peserta)}
    # assigning again reactivates the same row
    assert client.post("/penugasan/baru", data={"course_id": org["own"], "unit_ids": org["dinas"].id}).status_code == 302
    with app.app_context():
        assert db.session.get(CourseAssignment, ids["dinas"]).active is True
        assert db.session.scalar(select(func.count(CourseAssignment.id)).where(
            CourseAssignment.course_id == org["own"], CourseAssignment.unit_id == org["dinas"].id)) == 1


def test_operator_cannot_edit_or_withdraw_another_skpds_assignment(client, app, org):
    ids = _seed(app, org)
    login(client, org["people"]["operator"])
    assert client.post(f"/penugasan/{ids['kesehatan']}", data={"due_date": FUTURE.isoformat()}).status_code == 404
    assert client.post(f"/penugasan/{ids['kesehatan']}/tarik").status_code == 404
    assert client.post(f"/penugasan/{ids['wide']}/tarik").status_code == 404
    with app.app_context():
        assert db.session.get(CourseAssignment, ids["kesehatan"]).active is True
        assert db.session.get(CourseAssignment, ids["kesehatan"]).due_date is None
        assert db.session.get(CourseAssignment, ids["wide"]).active is True


# --- services ------------------------------------------------------------------------------


def test_service_refuses_foreign_course_and_units(app, org):
    with app.app_context():
        from elearn.courses.models import Course

        a = db.session.get(Instansi, org["a"].id)
        foreign = db.session.get(Course, org["foreign"])
        shipped = db.session.get(Course, org["shipped"])
        with pytest.raises(ServiceError) as err:
            services.assign(foreign, a, [], None, None)
        assert err.value.code == "course_unavailable"
        with pytest.raises(ServiceError) as err:
            services.assign(shipped, a, [db.session.get(Unit, org["sosial"].id)], None, None)
        assert err.value.code == "bad_unit"
        with pytest.raises(ServiceError) as err:
            services.assign(shipped, a, [], services.today_in(a) - dt.timedelta(days=1), None)
        assert err.value.code == "due_in_past"
        # today is allowed
        assert services.assign(shipped, a, [], services.today_in(a), None)[0].due_date == services.today_in(a)
        db.session.rollback()


def test_available_courses_are_published_shipped_and_own(app, org, make_course):
    from elearn.courses.models import Course, CourseVersion, VersionStatus

    draft_only = make_course(slug="draft-only", title="Draf")
    with app.app_context():
        version = db.session.get(CourseVersion, draft_only.id)
        version.status = VersionStatus.DRAFT
        db.session.get(Course, draft_only.course_id).published_version_id = None
        db.session.commit()
        titles = [c.published_version.title for c in services.available_courses(org["a"].id)]
    assert titles == ["Kursus Kota A", "Netralitas ASN"]


def test_coverage_counts_started_and_completed_among_people_covered(client, app, org, make_user):
    from elearn.courses.models import Course, Enrollment
    from elearn.db import utcnow

    ids = _seed(app, org)
    outsider = make_user(Role.PESERTA, org["kesehatan"])
    with app.app_context():
        own = db.session.get(Course, org["own"])
        sd_people = list(db.session.scalars(select(User).where(User.unit_id == org["sd1"].id).order_by(User.id)))
        assert len(sd_people) == 2
        for person, done in zip(sd_people, (True, False)):
            db.session.add(Enrollment(user_id=person.id, course_id=own.id, course_version_id=own.published_version_id,
                                      modules_completed_at=utcnow() if done else None))
        # outside the Dinas Pendidikan subtree: counts for Dinas Kesehatan's assignment only
        db.session.add(Enrollment(user_id=outsider.id, course_id=own.id, course_version_id=own.published_version_id,
                                  modules_completed_at=utcnow()))
        db.session.commit()
        status = services.assignment_status(db.session.get(CourseAssignment, ids["dinas"]))
        other = services.assignment_status(db.session.get(CourseAssignment, ids["kesehatan"]))
        # the shipped course's assignment counts no enrollment of the other course
        shipped = services.assignment_status(db.session.get(CourseAssignment, ids["bidang"]))
    # these courses ask for nothing besides reading: read and finished are the same people
    assert status == services.Coverage(people=5, started=2, read=1, completed=1)
    assert other == services.Coverage(people=3, started=1, read=1, completed=1)
    assert shipped == services.Coverage(people=3, started=0, read=0, completed=0)
    login(client, org["people"]["admin"])
    html = client.get(f"/penugasan/{ids['dinas']}").get_data(as_text=True)
    assert "Sudah mulai" in html and "Selesai membaca semua modul" in html and "Selesai kursus" in html
    html = client.get("/penugasan/").get_data(as_text=True)
    assert "2 sudah mulai, 1 selesai" in html


def test_operator_sees_instansi_wide_completion_for_own_skpd_in_one_group_by(client, app, org, make_user):
    """Issue 16: the operator's /penugasan/ shows the instansi-wide course with their own SKPD's
    figures (people covered, started, read every module, finished), not a bare title."""
    from elearn.courses.models import Course, Enrollment
    from elearn.db import utcnow

    ids = _seed(app, org)
    outsider = make_user(Role.PESERTA, org["kesehatan"])
    with app.app_context():
        shipped = db.session.get(Course, org["shipped"])
        sd1 = list(db.session.scalars(select(User).where(User.unit_id == org["sd1"].id).order_by(User.id)))
        sd2 = db.session.scalars(select(User).where(User.unit_id == org["sd2"].id, User.active.is_(True))).first()
        for person, done in ((sd1[0], True), (sd1[1], False), (sd2, False), (outsider, True)):
            db.session.add(Enrollment(user_id=person.id, course_id=shipped.id,
                                      course_version_id=shipped.published_version_id,
                                      modules_completed_at=utcnow() if done else None))
        db.session.commit()
        # the service: the whole instansi, then Dinas Pendidikan's people only
        assert services.coverage([ids["wide"]])[ids["wide"]] == services.Coverage(8 + 1, 4, 2, 2)
        assert services.coverage([ids["wide"]], org["dinas"].id)[ids["wide"]] == services.Coverage(5, 3, 1, 1)

    login(client, org["people"]["operator"])
    statements: list[str] = []
    engine = db.get_engine(app)

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        html = client.get("/penugasan/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    wide = html[html.index('id="seluruh-instansi"'):html.index("</section>", html.index('id="seluruh-instansi"'))]
    assert "Netralitas ASN" in wide and "Dinas Pendidikan" in wide
    cells = [c.split(">", 1)[1].split("<", 1)[0].strip() for c in wide.split("<td class=\"num")[1:]]
    assert cells == ["5 orang", "3", "1", "1"]
    # the unit assignments of the SKPD are listed below, with the same kind of figures
    assert "Belum ada penugasan kursus." not in html and f"/penugasan/{ids['bidang']}" in html
    # both lists' figures from one GROUP BY (no statement per assignment)
    assert sum("group by" in s.lower() for s in statements) == 1

    # another SKPD's operator: their own people only
    client.post("/keluar")
    login(client, org["people"]["operator_kes"])
    html = client.get("/penugasan/").get_data(as_text=True)
    wide = html[html.index('id="seluruh-instansi"'):html.index("</section>", html.index('id="seluruh-instansi"'))]
    cells = [c.split(">", 1)[1].split("<", 1)[0].strip() for c in wide.split("<td class=\"num")[1:]]
    assert cells == ["3 orang", "1", "1", "1"]


def test_operator_without_unit_assignments_is_not_told_there_are_none(client, app, org):
    with app.app_context():
        from elearn.courses.models import Course

        admin = db.session.get(User, org["people"]["admin"].id)
        services.assign(db.session.get(Course, org["shipped"]), db.session.get(Instansi, org["a"].id), [], None, admin)
        db.session.commit()
    login(client, org["people"]["operator_kes"])
    html = client.get("/penugasan/").get_data(as_text=True)
    assert "Ditugaskan ke seluruh instansi oleh BKPSDM" in html and "2 orang" in html
    assert "Belum ada penugasan kursus." not in html
    assert "Belum ada penugasan kursus khusus untuk unit di perangkat daerah Anda." in html
