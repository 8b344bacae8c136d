"""Progress services: enrollments pinned to a version, progress that only moves forward,
idempotent saves, course completion, and what the pages compute from it."""
from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from elearn.accounts.models import User
from elearn.courses.models import Course, CourseVersion, CourseVersionModule, Enrollment, ModuleProgress, ModuleVersion
from elearn.courses.models import VersionStatus
from elearn.courses.progress import (
    ModuleState,
    course_view,
    enroll,
    minutes_for,
    module_in_version,
    record_progress,
)
from elearn.db import db, utcnow


def _load(version_id: int, user_id: int) -> tuple[User, Course, CourseVersion]:
    version = db.session.get(CourseVersion, version_id)
    assert version is not None
    return db.session.get(User, user_id), version.course, version


def _module(version: CourseVersion, position: int) -> ModuleVersion:
    return version.modules[position].module


def _progress(user_id: int, module_id: int) -> ModuleProgress:
    row = db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == user_id,
                                                         ModuleProgress.module_version_id == module_id))
    assert row is not None
    return row


def publish_new_version(course_id: int, old: CourseVersion) -> CourseVersion:
    """A second published version with a changed first module (the others shared)."""
    changed = ModuleVersion(course_id=course_id, slug=old.modules[0].module.slug, title="Modul 1 (revisi)",
                            minutes=6, objectives=[], references=[], sources=[], source_text="",
                            content_hash="revisi".ljust(64, "0"),
                            sections=[{"title": "Baru", "html": "<p>Baru</p>", "words": 10}] * 4)
    db.session.add(changed)
    db.session.flush()
    new = CourseVersion(course_id=course_id, number=old.number + 1, status=VersionStatus.DRAFT, label="2",
                        title=old.title, summary=old.summary, jp=old.jp, content_hash="v2".ljust(64, "0"))
    db.session.add(new)
    db.session.flush()
    modules = [changed] + [link.module for link in old.modules[1:]]
    for position, module in enumerate(modules):
        db.session.add(CourseVersionModule(course_version_id=new.id, module_version_id=module.id, position=position))
    new.publish()
    db.session.get(Course, course_id).published_version_id = new.id
    db.session.flush()
    db.session.refresh(new)
    return new


def test_enroll_pins_the_published_version_once(app: Flask, make_course, make_user) -> None:
    cv = make_course(modules=2)
    person = make_user()
    with app.app_context():
        user, course, version = _load(cv.id, person.id)
        first = enroll(user, course)
        assert first.course_version_id == version.id
        assert enroll(user, course).id == first.id
        publish_new_version(course.id, version)
        again = enroll(user, course)
        assert again.id == first.id and again.course_version_id == version.id
        assert db.session.scalar(select(func.count(Enrollment.id)).where(Enrollment.user_id == user.id)) == 1


def test_progress_only_moves_forward_and_is_idempotent(app: Flask, make_course, make_user) -> None:
    cv = make_course(modules=2, sections=5)
    person = make_user()
    with app.app_context():
        user, course, version = _load(cv.id, person.id)
        enrollment = enroll(user, course)
        module = _module(version, 0)
        assert record_progress(user, enrollment, module, 3, False).section_reached == 3
        # out of order: an older save arriving late does not move progress back
        saved = record_progress(user, enrollment, module, 1, False)
        assert saved.section_reached == 3 and not saved.completed
        # duplicates change nothing
        for _ in range(3):
            assert record_progress(user, enrollment, module, 3, False).section_reached == 3
        assert db.session.scalar(select(func.count(ModuleProgress.id))
                                 .where(ModuleProgress.user_id == user.id)) == 1
        # beyond the end is clamped; negative to 0
        assert record_progress(user, enrollment, module, 99, False).section_reached == 4
        assert record_progress(user, enrollment, _module(version, 1), -5, False).section_reached == 0
        assert enrollment.last_module_version_id == _module(version, 1).id


def test_completed_is_set_once_and_never_cleared(app: Flask, make_course, make_user) -> None:
    cv = make_course(modules=2, sections=3)
    person = make_user()
    with app.app_context():
        user, course, version = _load(cv.id, person.id)
        enrollment = enroll(user, course)
        first, second = _module(version, 0), _module(version, 1)
        saved = record_progress(user, enrollment, first, 0, True)
        assert saved.completed and saved.section_reached == 2 and not saved.course_completed
        done_at = _progress(user.id, first.id).completed_at
        # a later "next" save (e.g. a retried request from before) does not un-complete it
        saved = record_progress(user, enrollment, first, 1, False)
        assert saved.completed and saved.section_reached == 2
        record_progress(user, enrollment, first, 2, True)
        assert _progress(user.id, first.id).completed_at == done_at
        assert enrollment.modules_completed_at is None
        saved = record_progress(user, enrollment, second, 2, True)
        assert saved.course_completed
        finished = enrollment.modules_completed_at
        assert finished is not None
        record_progress(user, enrollment, second, 0, False)
        assert enrollment.modules_completed_at == finished


def test_concurrent_first_save_does_not_fail(app: Flask, make_course, make_user) -> None:
    """The row another request inserted in the meantime: the insert loses the race, the
    forward-only update still applies."""
    cv = make_course(modules=1, sections=4)
    person = make_user()
    with app.app_context():
        user, course, version = _load(cv.id, person.id)
        enrollment = enroll(user, course)
        module = _module(version, 0)
        import elearn.courses.progress as progress_module

        real = progress_module._select_progress
        calls = {"n": 0}

        def racing(user_id: int, version_id: int, module_id: int):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 1:
                # another request saved section 2 just before our insert
                db.session.add(ModuleProgress(user_id=user_id, course_id=course.id, course_version_id=version_id,
                                              module_version_id=module_id, section_reached=2,
                                              updated_at=utcnow()))
                db.session.flush()
                db.session.expunge_all()
                return None
            return real(user_id, version_id, module_id)

        progress_module._select_progress = racing
        try:
            user, course, version = _load(cv.id, person.id)
            enrollment = db.session.get(Enrollment, enrollment.id)
            saved = record_progress(user, enrollment, _module(version, 0), 1, False)
        finally:
            progress_module._select_progress = real
        assert saved.section_reached == 2
        assert db.session.scalar(select(func.count(ModuleProgress.id))
                                 .where(ModuleProgress.user_id == user.id)) == 1
        assert module.id == _module(version, 0).id


def test_concurrent_first_enrollment_uses_the_existing_row(app: Flask, make_course, make_user) -> None:
    cv = make_course(modules=1)
    person = make_user()
    with app.app_context():
        user, course, version = _load(cv.id, person.id)
        import elearn.courses.progress as progress_module

        real = progress_module.find_enrollment
        calls = {"n": 0}

        def racing(user_id: int, course_id: int):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 1:
                db.session.add(Enrollment(user_id=user_id, course_id=course_id, course_version_id=version.id))
                db.session.flush()
                return None
            return real(user_id, course_id)

        progress_module.find_enrollment = racing
        try:
            enrollment = enroll(user, course)
        finally:
            progress_module.find_enrollment = real
        assert enrollment.course_version_id == version.id
        assert db.session.scalar(select(func.count(Enrollment.id)).where(Enrollment.user_id == user.id)) == 1


def test_module_of_another_version_is_refused(app: Flask, make_course, make_user) -> None:
    cv = make_course(modules=1)
    other = make_course(modules=1)
    person = make_user()
    with app.app_context():
        user, course, _version = _load(cv.id, person.id)
        enrollment = enroll(user, course)
        foreign = db.session.get(CourseVersion, other.id).modules[0].module
        with pytest.raises(ValueError):
            record_progress(user, enrollment, foreign, 0, False)


def test_new_version_leaves_existing_progress_alone(app: Flask, make_course, make_user) -> None:
    cv = make_course(modules=2, sections=3)
    person = make_user()
    with app.app_context():
        user, course, version = _load(cv.id, person.id)
        enrollment = enroll(user, course)
        record_progress(user, enrollment, _module(version, 0), 0, True)
        record_progress(user, enrollment, _module(version, 1), 1, False)
        new = publish_new_version(course.id, version)
        db.session.refresh(course)
        assert course.published_version_id == new.id
        view = course_view(user, course)
        assert view is not None and view.version.id == version.id
        assert [m.state for m in view.modules] == [ModuleState.DONE, ModuleState.IN_PROGRESS]
        assert view.modules[1].resume_section == 1
        # saving in the enrolled version still works and still points at the old version
        record_progress(user, enrollment, _module(version, 1), 2, False)
        rows = db.session.scalars(select(ModuleProgress).where(ModuleProgress.user_id == user.id)).all()
        assert {r.course_version_id for r in rows} == {version.id}
        # a module of the new version is not part of the enrolled version
        assert module_in_version(enrollment.course_version, new.modules[0].module.slug)[1].id == \
            _module(version, 0).id


def test_course_view_percent_resume_and_minutes(app: Flask, make_course, make_user) -> None:
    cv = make_course(modules=3, sections=4)  # 5 minutes per module, 4 sections of 100 words
    person = make_user()
    with app.app_context():
        user, course, version = _load(cv.id, person.id)
        view = course_view(user, course)
        assert view.percent == 0 and not view.started and view.minutes_left == 15
        assert view.resume.position == 0 and view.resume.resume_section == 0
        enrollment = enroll(user, course)
        record_progress(user, enrollment, _module(version, 0), 3, True)
        record_progress(user, enrollment, _module(version, 2), 2, False)
        view = course_view(user, course)
        # 4 of module 1 + 2 of module 3, out of 12 sections
        assert view.percent == 50 and view.started and not view.completed
        # the last module opened, where it was left
        assert view.resume.position == 2 and view.resume.resume_section == 2
        assert view.minutes_left == 0 + 5 + minutes_for(_module(version, 2), 2) == 5 + 3
        record_progress(user, enrollment, _module(version, 2), 3, True)
        view = course_view(user, course)
        assert view.resume.position == 1  # the first module not done
        record_progress(user, enrollment, _module(version, 1), 3, True)
        view = course_view(user, course)
        assert view.completed and view.percent == 100 and view.minutes_left == 0
