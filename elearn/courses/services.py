"""Course authoring: drafts, modules, images and publishing. Flushes only; the view commits.

A course has at most one draft version at a time. Editing a course whose latest version is
published starts a draft copied from it (same module versions, which are immutable: an edited
module becomes a new ModuleVersion row, so published versions and progress never change).
"""
from __future__ import annotations

import copy
import re
import unicodedata
from pathlib import PurePosixPath
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from ..accounts.models import EmployeeType, User
from ..audit.services import record
from ..content import courses as content
from ..content.checks import find_checks
from ..content.markdown import render_sections
from ..db import db
from ..errors import ServiceError, code_unavailable
from ..org.models import Instansi
from .models import Course, CourseAsset, CourseVersion, CourseVersionModule, ModuleVersion, VersionStatus

DEFAULT_COMPLETION = {"modules": "all"}


def slugify(text: str, limit: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].strip("-") or "modul"


def get_draft(course: Course) -> CourseVersion | None:
    return db.session.scalar(
        select(CourseVersion).where(CourseVersion.course_id == course.id, CourseVersion.status == VersionStatus.DRAFT)
        .order_by(CourseVersion.number.desc()).limit(1)
    )


def drafts_of(course_ids: list[int]) -> dict[int, CourseVersion]:
    """The newest draft of each of ``course_ids`` that has one, in one statement (lists of courses)."""
    drafts: dict[int, CourseVersion] = {}
    if not course_ids:
        return drafts
    for version in db.session.scalars(
        select(CourseVersion).where(CourseVersion.course_id.in_(course_ids), CourseVersion.status == VersionStatus.DRAFT)
        .order_by(CourseVersion.course_id, CourseVersion.number.desc())
    ):
        drafts.setdefault(version.course_id, version)
    return drafts


def versions(course: Course) -> list[CourseVersion]:
    return list(db.session.scalars(
        select(CourseVersion).where(CourseVersion.course_id == course.id).order_by(CourseVersion.number.desc())
    ))


def working_version(course: Course) -> CourseVersion | None:
    """What the authoring pages show: the draft if there is one, else the published version."""
    return get_draft(course) or course.published_version


def _manifest(version: CourseVersion, slug: str) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "slug": slug,
        "title": version.title,
        "summary": version.summary,
        "audience": list(version.audience),
        "version": version.label,
        "jp": version.jp,
        "language": version.language,
        "modules": [f"{link.module.slug}.md" for link in version.modules],
    }
    if version.requires:
        manifest["requires"] = dict(version.requires)
    if version.completion:
        manifest["completion"] = dict(version.completion)
    if version.certificate is not None:
        manifest["certificate"] = dict(version.certificate)
    variables = content.manifest_variables(version.manifest_text)
    if variables:
        # course.yaml's variables (facts shown in the modules as {{name}}) are kept as written
        manifest["variables"] = variables
    return manifest


def _refresh(version: CourseVersion, course: Course, manifest: bool) -> None:
    db.session.flush()
    db.session.refresh(version, ["modules"])
    if manifest:
        version.manifest_text = content.compose_manifest(_manifest(version, course.slug))
    content.touch_version(version)
    db.session.flush()


def _check_audience(audience: list[str]) -> list[str]:
    allowed = [t.value for t in EmployeeType]
    chosen = [a for a in allowed if a in audience]
    if not chosen:
        raise ServiceError(_("Pilih setidaknya satu jenis pegawai sasaran."), "audience")
    return chosen


def create_course(actor: User, *, slug: str, title: str, summary: str, audience: list[str], jp: int,
                  label: str = "1", instansi_id: int | None) -> CourseVersion:
    """A new course with an empty draft (version 1)."""
    if not content.SLUG.match(slug) or len(slug) > 64:
        raise ServiceError(_("Kode kursus hanya boleh huruf kecil a-z, angka dan tanda minus (maks. 64)."), "slug")
    if db.session.scalar(select(Course.id).where(Course.slug == slug)) is not None:
        raise code_unavailable(slug)
    course = Course(slug=slug, instansi_id=instansi_id)
    db.session.add(course)
    db.session.flush()
    version = CourseVersion(
        course_id=course.id, number=1, status=VersionStatus.DRAFT, label=label.strip() or "1", title=title.strip(),
        summary=summary.strip(), audience=_check_audience(audience), jp=jp, language="id",
        requires={}, completion=dict(DEFAULT_COMPLETION), certificate={}, manifest_text="", content_hash="",
        created_by_id=actor.id,
    )
    db.session.add(version)
    _refresh(version, course, manifest=True)
    record("course.create", actor=actor, instansi_id=instansi_id, target=course,
           details={"course": slug, "title": version.title})
    return version


def ensure_draft(course: Course, actor: User) -> CourseVersion:
    """The course's draft; when there is none, a new one copied from the published version."""
    draft = get_draft(course)
    if draft is not None:
        return draft
    source = course.published_version
    if source is None:
        raise ServiceError(_("Kursus ini belum punya versi apa pun."), "no_version")
    draft = CourseVersion(
        course_id=course.id, number=content.next_version_number(course.id), status=VersionStatus.DRAFT,
        label=source.label, title=source.title, summary=source.summary, audience=list(source.audience),
        jp=source.jp, language=source.language, requires=dict(source.requires), completion=dict(source.completion),
        certificate=(dict(source.certificate) if source.certificate is not None else None),
        manifest_text=source.manifest_text, content_hash=source.content_hash, created_by_id=actor.id,
    )
    draft.modules = [CourseVersionModule(module_version_id=link.module_version_id, position=link.position)
                     for link in source.modules]
    try:
        with db.session.begin_nested():
            db.session.add(draft)
    except IntegrityError:
        # another editor started the draft in the meantime (same version number): edit theirs
        draft = get_draft(course)
        if draft is None:
            raise ServiceError(_("Kursus ini baru saja diubah orang lain. Coba lagi."), "draft_race") from None
        return draft
    record("course.draft", actor=actor, instansi_id=course.instansi_id, target=draft,
           details={"course": course.slug, "version": draft.number, "from": source.number})
    return draft


def update_metadata(course: Course, actor: User, *, title: str, summary: str, audience: list[str], jp: int,
                    label: str) -> CourseVersion:
    draft = ensure_draft(course, actor)
    draft.title = title.strip()
    draft.summary = summary.strip()
    draft.audience = _check_audience(audience)
    draft.jp = jp
    draft.label = label.strip() or draft.label
    _refresh(draft, course, manifest=True)
    record("course.update", actor=actor, instansi_id=course.instansi_id, target=draft,
           details={"course": course.slug, "version": draft.number, "title": draft.title})
    return draft


def module_meta(title: str, minutes: int, objectives: list[str], references: list[str],
                sources: list[dict[str, str]]) -> dict[str, Any]:
    return {"title": title.strip(), "minutes": minutes, "objectives": objectives, "references": references,
            "sources": sources}


def _check_source(course: Course, slug: str, meta: dict[str, Any], body: str, variables: dict[str, str]) -> str:
    text = content.compose_module_source(meta, body)
    doc = content.parse_module_source(text, f"{slug}.md")
    if not any(line.startswith("## ") for line in doc.body.splitlines()):
        raise ServiceError(_("Isi modul perlu setidaknya satu judul bagian yang diawali \u201c## \u201d."), "no_section")
    for _index, name in content.placeholders(doc.body):
        if name not in variables:
            raise ServiceError(_("Kursus ini tidak punya variabel {{%(name)s}} (lihat variables di course.yaml).",
                                 name=name), "variable")
    assets = content.course_assets(course.id)
    for ref in doc.images:
        if not ref.alt:
            raise ServiceError(_("Gambar %(src)s perlu teks alternatif: ![keterangan gambar](%(src)s).", src=ref.src),
                               "alt")
        if ref.src not in assets:
            raise ServiceError(_("Gambar %(src)s belum diunggah ke kursus ini.", src=ref.src), "image")
    for _check, problems in find_checks(body.replace("\r\n", "\n")):
        if problems:  # the line as in the form's text box, not in the module file
            raise ServiceError(_("Cek pemahaman di baris %(line)d isi modul tidak sah: %(detail)s",
                                 line=problems[0].line, detail=problems[0].message), "check")
    if doc.errors:
        raise ServiceError(_("Isian modul tidak sah: %(detail)s", detail=doc.errors[0].message), "invalid")
    return text


def _variables(course: Course) -> dict[str, str]:
    """The course variables modules are rendered with: those of the version being edited."""
    version = working_version(course)
    return content.version_variables(version) if version is not None else {}


def preview_sections(course: Course, title: str, body: str) -> list[dict[str, Any]]:
    """Render a module the way saving would (same pipeline, same image URLs, same variables); stores
    nothing."""
    assets = content.course_assets(course.id)
    version = working_version(course)

    def resolve(src: str) -> str | None:
        asset = assets.get(src)
        return content.asset_url(asset) if asset is not None else None

    body = content.fill_variables(body.replace("\r\n", "\n"), _variables(course))
    return [s.as_dict() for s in render_sections(body, title, resolve,
                                                 version.language if version is not None else None)]


def _find_link(draft: CourseVersion, slug: str) -> CourseVersionModule:
    for link in draft.modules:
        if link.module.slug == slug:
            return link
    raise ServiceError(_("Modul tidak ditemukan."), "not_found")


def add_module(course: Course, actor: User, meta: dict[str, Any], body: str) -> ModuleVersion:
    draft = ensure_draft(course, actor)
    taken = {link.module.slug for link in draft.modules}
    number = max([int(s.split("-", 1)[0]) for s in taken if s.split("-", 1)[0].isdigit()] or [0]) + 1
    base = f"{number:02d}-{slugify(meta['title'])}"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    variables = content.version_variables(draft)
    text = _check_source(course, slug, meta, body, variables)
    module = content.get_or_create_module_version(course, slug, text, variables=variables,
                                                  language=draft.language)
    draft.modules.append(CourseVersionModule(module_version_id=module.id, position=len(draft.modules)))
    _refresh(draft, course, manifest=True)
    record("course.module_add", actor=actor, instansi_id=course.instansi_id, target=draft,
           details={"course": course.slug, "module": slug, "title": module.title})
    return module


def update_module(course: Course, actor: User, slug: str, meta: dict[str, Any], body: str) -> ModuleVersion:
    draft = ensure_draft(course, actor)
    link = _find_link(draft, slug)
    variables = content.version_variables(draft)
    text = _check_source(course, slug, meta, body, variables)
    module = content.get_or_create_module_version(course, slug, text, variables=variables,
                                                  language=draft.language)
    if module.id == link.module_version_id:
        return module
    link.module_version_id = module.id
    link.module = module
    _refresh(draft, course, manifest=False)
    record("course.module_update", actor=actor, instansi_id=course.instansi_id, target=draft,
           details={"course": course.slug, "module": slug, "title": module.title})
    return module


def _renumber(draft: CourseVersion, ordered: list[CourseVersionModule]) -> None:
    # two passes so the (version, position) unique constraint never sees a duplicate
    for i, link in enumerate(ordered):
        link.position = -1 - i
    db.session.flush()
    for i, link in enumerate(ordered):
        link.position = i
    db.session.flush()


def remove_module(course: Course, actor: User, slug: str) -> None:
    draft = ensure_draft(course, actor)
    link = _find_link(draft, slug)
    draft.modules.remove(link)
    db.session.flush()
    _renumber(draft, list(draft.modules))
    _refresh(draft, course, manifest=True)
    record("course.module_remove", actor=actor, instansi_id=course.instansi_id, target=draft,
           details={"course": course.slug, "module": slug})


def move_module(course: Course, actor: User, slug: str, delta: int) -> None:
    draft = ensure_draft(course, actor)
    ordered = list(draft.modules)
    link = _find_link(draft, slug)
    index = ordered.index(link)
    target = max(0, min(len(ordered) - 1, index + delta))
    if target == index:
        return
    ordered.insert(target, ordered.pop(index))
    _renumber(draft, ordered)
    _refresh(draft, course, manifest=True)
    record("course.module_move", actor=actor, instansi_id=course.instansi_id, target=draft,
           details={"course": course.slug, "module": slug, "position": target + 1})


def upload_image(course: Course, actor: User, filename: str, data: bytes) -> CourseAsset:
    """Store an image for the course's modules: PNG, JPEG or WebP by content, at most 150 KB, and within
    the configured dimensions and pixel count (read from the header, never decoded)."""
    kind = content.image_type(data)
    if kind is None:
        raise ServiceError(_("Berkas ini bukan gambar PNG, JPEG atau WebP."), "type")
    if len(data) > content.MAX_IMAGE_BYTES:
        raise ServiceError(_("Gambar %(kb)d KB; paling besar 150 KB. Kompres dulu (mis. ke WebP).",
                             kb=-(-len(data) // 1024)), "size")
    size = content.image_size_problem(data)
    if size is not None and size.code == "unreadable":
        raise ServiceError(_("Gambar ini rusak atau tidak terbaca. Simpan ulang gambar lalu unggah lagi."), "type")
    if size is not None:
        limits = {"side": size.max_side, "mp": f"{size.max_pixels / 1e6:g}"}
        message = (_("Gambar %(w)d×%(h)d piksel terlalu besar untuk ponsel peserta: paling besar %(side)d piksel "
                     "per sisi dan %(mp)s megapiksel. Perkecil dulu.", w=size.width, h=size.height, **limits)
                   if size.width else
                   _("Gambar ini terlalu besar untuk ponsel peserta: paling besar %(side)d piksel per sisi dan "
                     "%(mp)s megapiksel. Perkecil dulu.", **limits))
        raise ServiceError(message, "dimensions")
    stem = slugify(PurePosixPath(filename.replace("\\", "/")).stem, 80) if filename else "gambar"
    path = f"images/{stem}{content.MIME_EXT[kind]}"
    asset = content.get_or_create_asset(course, path, data)
    record("course.image_upload", actor=actor, instansi_id=course.instansi_id, target=course,
           details={"course": course.slug, "file": path, "bytes": len(data)})
    return asset


def publish(course: Course, actor: User) -> CourseVersion:
    draft = get_draft(course)
    if draft is None:
        raise ServiceError(_("Tidak ada draf untuk diterbitkan."), "no_draft")
    if not draft.modules:
        raise ServiceError(_("Tambahkan setidaknya satu modul sebelum menerbitkan."), "empty")
    content.publish_version(course, draft)
    record("course.publish", actor=actor, instansi_id=course.instansi_id, target=draft,
           details={"course": course.slug, "version": draft.number, "label": draft.label})
    return draft


#: appended to the title of a copy; content, in the content's language (Bahasa Indonesia), not the UI's
COPY_SUFFIX = " (salinan)"


def copy_slug(base: str, column: Any) -> str:
    """``base`` cut to a valid code of at most 64 characters, made unique with -2, -3, ... against the
    codes already in ``column`` (e.g. ``Course.slug``), read in one statement whatever the number of
    earlier copies."""
    base = base[:64].strip("-")
    stem = base[:56]  # every candidate below starts with it (a suffix takes at most 8 characters)
    taken = set(db.session.scalars(select(column).where(column.startswith(stem, autoescape=True))))
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug, n = base[:64 - len(suffix)].strip("-") + suffix, n + 1
    return slug


def add_copy(row: Any) -> None:
    """Insert the new course or bank of a copy. Two copies requested at the same moment may pick the
    same code: the second is refused with a message to try again instead of failing the request."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise ServiceError(_("Salinan lain sedang dibuat pada saat yang sama. Muat ulang halaman, lalu coba "
                             "lagi."), "copy_race") from None


def copy_course(actor: User, source: Course, instansi: Instansi) -> CourseVersion:
    """An editable copy of a shipped course for ``instansi``: a new course (code
    ``<course>-<instansi>``, made unique) whose draft version 1 has the source's published content,
    its own copies of the module versions and every image, so that editing the copy never touches the
    shipped course (nor the other way round). The copy's title is marked. Flushes."""
    if source.instansi_id is not None:
        raise ServiceError(_("Hanya kursus bawaan yang dapat disalin."), "not_shipped")
    version = source.published_version
    if version is None:
        raise ServiceError(_("Kursus bawaan ini belum terbit, jadi belum ada isi yang dapat disalin."), "no_version")
    course = Course(slug=copy_slug(f"{source.slug}-{instansi.slug}", Course.slug), instansi_id=instansi.id)
    add_copy(course)
    assets = db.session.scalars(select(CourseAsset).where(CourseAsset.course_id == source.id)
                                .order_by(CourseAsset.id).options(undefer(CourseAsset.data)))
    for asset in assets:
        db.session.add(CourseAsset(course_id=course.id, path=asset.path, content_hash=asset.content_hash,
                                   mimetype=asset.mimetype, data=asset.data))
    links = []
    for link in version.modules:
        module = link.module
        own = ModuleVersion(
            course_id=course.id, slug=module.slug, title=module.title, minutes=module.minutes,
            objectives=list(module.objectives), references=list(module.references),
            sources=copy.deepcopy(module.sources), source_text=module.source_text,
            sections=copy.deepcopy(module.sections), content_hash=module.content_hash,
        )
        db.session.add(own)
        db.session.flush()
        links.append(CourseVersionModule(module_version_id=own.id, position=link.position))
    title = version.title[:200 - len(COPY_SUFFIX)] + COPY_SUFFIX
    draft = CourseVersion(
        course_id=course.id, number=1, status=VersionStatus.DRAFT, label=version.label, title=title,
        summary=version.summary, audience=list(version.audience), jp=version.jp, language=version.language,
        requires=copy.deepcopy(version.requires), completion=copy.deepcopy(version.completion),
        certificate=copy.deepcopy(version.certificate), manifest_text=version.manifest_text, content_hash="",
        created_by_id=actor.id,
    )
    draft.modules = links
    db.session.add(draft)
    _refresh(draft, course, manifest=True)
    record("course.copy", actor=actor, instansi_id=instansi.id, target=course,
           details={"course": course.slug, "source": source.slug, "version": version.number, "title": title})
    return draft
