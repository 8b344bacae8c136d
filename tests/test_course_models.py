from __future__ import annotations

import pytest

from elearn.courses.models import CourseVersion, VersionStatus
from elearn.db import db


def test_make_course_builds_a_published_version(app, make_course) -> None:
    version = make_course(modules=3, sections=2)
    assert version.status == VersionStatus.PUBLISHED
    assert [link.position for link in version.modules] == [0, 1, 2]
    assert version.total_minutes == 15
    assert version.course.published_version_id == version.id


def test_only_a_draft_can_be_published(app, make_course) -> None:
    version = make_course()
    with app.app_context():
        row = db.session.get(CourseVersion, version.id)
        with pytest.raises(ValueError):
            row.publish()
