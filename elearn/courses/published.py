"""Course versions as the learner pages read them, kept per process.

A course version that has left the draft stage never changes (models.py: a change of content is
a new version; its modules are immutable once a published version uses it), so its structure
(title, rules, the ordered modules with their rendered sections) is the same for every learner and
every request. Loading it through the ORM on every page cost most of a page's time: each list of
courses selected every module with its Markdown source and decoded the JSON of every section of
every module (issue 14: about 100 ``json.loads`` per "Kursus saya").

``versions(ids)`` answers from a per-process dict and loads what is missing in two plain
queries. Nothing here is shared between workers or needs invalidating: the key is the version id,
and a version is cached only once it is not a draft any more (drafts are still edited). Only the
status of a version may change later (published -> archived), so it is not part of what is kept.
The entries are read-only plain objects with the attribute names of the ORM rows the templates
and ``progress`` use (``version.title``, ``version.modules[i].module.slug``...).
"""
from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..db import db
from .models import CourseVersion, CourseVersionModule, ModuleVersion, VersionStatus

#: versions kept per process; far above what an installation publishes (the dict is emptied when full)
MAX_VERSIONS = 2_000


@dataclass(frozen=True, slots=True)
class CachedModule:
    id: int
    course_id: int
    slug: str
    title: str
    minutes: int
    objectives: tuple[str, ...]
    references: tuple[str, ...]
    sources: tuple[dict[str, str], ...]
    sections: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class CachedLink:
    position: int
    module_version_id: int
    module: CachedModule


@dataclass(frozen=True, slots=True)
class CachedVersion:
    id: int
    course_id: int
    number: int
    label: str
    title: str
    summary: str
    audience: tuple[str, ...]
    jp: int
    language: str
    requires: dict[str, Any]
    completion: dict[str, Any]
    certificate: dict[str, Any] | None
    modules: tuple[CachedLink, ...]

    @property
    def total_minutes(self) -> int:
        return sum(link.module.minutes for link in self.modules)

    def module_at(self, slug: str) -> tuple[int, CachedModule] | None:
        """(position, module) of the module with this slug, or None."""
        for index, link in enumerate(self.modules):
            if link.module.slug == slug:
                return index, link.module
        return None


_cache: dict[int, CachedVersion] = {}
_lock = threading.Lock()

_VERSION_COLUMNS = (CourseVersion.id, CourseVersion.course_id, CourseVersion.number, CourseVersion.status,
                    CourseVersion.label, CourseVersion.title, CourseVersion.summary, CourseVersion.audience,
                    CourseVersion.jp, CourseVersion.language, CourseVersion.requires, CourseVersion.completion,
                    CourseVersion.certificate)
_MODULE_COLUMNS = (CourseVersionModule.course_version_id, CourseVersionModule.position,
                   ModuleVersion.id, ModuleVersion.course_id, ModuleVersion.slug, ModuleVersion.title,
                   ModuleVersion.minutes, ModuleVersion.objectives, ModuleVersion.references,
                   ModuleVersion.sources, ModuleVersion.sections)


def _load(ids: list[int]) -> dict[int, tuple[CachedVersion, bool]]:
    """(version, cacheable) for ``ids``, in two queries."""
    rows = db.session.execute(select(*_VERSION_COLUMNS).where(CourseVersion.id.in_(ids))).all()
    if not rows:
        return {}
    links: dict[int, list[CachedLink]] = {row.id: [] for row in rows}
    for m in db.session.execute(
        select(*_MODULE_COLUMNS)
        .join(ModuleVersion, ModuleVersion.id == CourseVersionModule.module_version_id)
        .where(CourseVersionModule.course_version_id.in_(list(links)))
        .order_by(CourseVersionModule.course_version_id, CourseVersionModule.position)
    ):
        module = CachedModule(m.id, m.course_id, m.slug, m.title, m.minutes, tuple(m.objectives or ()),
                              tuple(m.references or ()), tuple(m.sources or ()), tuple(m.sections or ()))
        links[m.course_version_id].append(CachedLink(m.position, m.id, module))
    return {
        row.id: (CachedVersion(row.id, row.course_id, row.number, row.label or "", row.title, row.summary or "",
                               tuple(row.audience or ()), row.jp or 0, row.language or "id", dict(row.requires or {}),
                               dict(row.completion or {}), row.certificate, tuple(links[row.id])),
                 row.status != VersionStatus.DRAFT)
        for row in rows
    }


def versions(ids: Iterable[int | None], courses: dict[int, int] | None = None) -> dict[int, CachedVersion]:
    """version id -> its structure, for the ids that exist (None ignored). ``courses`` (version id ->
    the course id the caller read it from) guards against a reused id: SQLite may give the id of a
    deleted newest row to the next one, so an entry of another course is read again."""
    wanted = {i for i in ids if i is not None}
    found = {i: _cache[i] for i in wanted if i in _cache
             and (courses is None or courses.get(i, _cache[i].course_id) == _cache[i].course_id)}
    missing = sorted(wanted - found.keys())
    if missing:
        loaded = _load(missing)
        with _lock:
            if len(_cache) + len(loaded) > MAX_VERSIONS:
                _cache.clear()
            for version_id, (version, cacheable) in loaded.items():
                found[version_id] = version
                if cacheable:
                    _cache[version_id] = version
    return found


def version(version_id: int | None) -> CachedVersion | None:
    return versions([version_id]).get(version_id) if version_id is not None else None


def forget_all() -> None:
    """Empty this process's cache (tests that rewrite versions in place; never needed in the app)."""
    with _lock:
        _cache.clear()
