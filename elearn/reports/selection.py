"""What "fully done" means on the rekap pages: the parts a person must have met.

``Selection`` is plain data (ids, no ORM objects), built by the view from the query string after it
checked that each id belongs to the viewer's instansi. A part is included when its id is set:

- ``course_id``: every module of the course read (``enrollments.modules_completed_at``);
- ``quiz_id``: the quiz passed (the first passing attempt);
- ``campaign_id``: the pakta of that campaign signed;
- ``certificate`` (with ``course_id``): a valid certificate of the course held.

A selection with no part counts nobody as done.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Selection:
    course_id: int | None = None
    quiz_id: int | None = None
    campaign_id: int | None = None
    #: count the course's certificate as a part (only with ``course_id``)
    certificate: bool = False

    @property
    def parts(self) -> tuple[str, ...]:
        """The included parts, in a fixed order: "modules", "quiz", "pakta", "certificate"."""
        parts: list[str] = []
        if self.course_id is not None:
            parts.append("modules")
        if self.quiz_id is not None:
            parts.append("quiz")
        if self.campaign_id is not None:
            parts.append("pakta")
        if self.certificate and self.course_id is not None:
            parts.append("certificate")
        return tuple(parts)
