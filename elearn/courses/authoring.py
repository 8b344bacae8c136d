"""Authoring courses in the browser (pelatih, admin BKPSDM, superadmin).

Trainers edit their own instansi's courses; the shipped courses (loaded from courses/) only the
superadmin. Every change goes into the course's draft (started from the published version when
needed); publishing makes the draft the version learners get. Every action is audited.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import authz
from ..accounts.forms import EMPLOYEE_TYPE_LABELS
from ..content import courses as content
from ..content.markdown import split_front_matter
from ..db import db
from ..errors import ServiceError
from ..org.models import Instansi
from . import services
from .authoring_forms import CopyForm, CourseCreateForm, CourseMetaForm, ImageForm, ModuleForm
from .models import Course, CourseVersion, VersionStatus

bp = Blueprint("authoring", __name__, url_prefix="/penyusunan")


def _load(course_id: int) -> Course:
    return authz.get_or_404(db.session.get(Course, course_id), authz.can_edit_course)  # type: ignore[no-any-return]


def _module(version: CourseVersion | None, slug: str) -> Any:
    for link in version.modules if version is not None else []:
        if link.module.slug == slug:
            return link.module
    abort(404)


def _status_labels() -> dict[VersionStatus, str]:
    return {
        VersionStatus.DRAFT: _("Draf"),
        VersionStatus.PUBLISHED: _("Terbit"),
        VersionStatus.ARCHIVED: _("Arsip"),
    }


@bp.route("/")
@login_required
@authz.require(authz.can_author_content)
def courses():  # type: ignore[no-untyped-def]
    rows = db.session.scalars(
        authz.scope_authored_courses(select(Course), current_user).order_by(Course.slug)
    ).unique().all()
    drafts = services.drafts_of([course.id for course in rows])
    items = [(course, drafts.get(course.id) or course.published_version, drafts.get(course.id)) for course in rows]
    # the shipped courses (from courses/) an instansi's author may copy; the superadmin edits them directly
    shipped = [] if authz.is_superadmin(current_user) else list(db.session.scalars(
        select(Course).where(Course.instansi_id.is_(None), Course.published_version_id.is_not(None))
        .order_by(Course.slug)).unique())
    return render_template("authoring/list.html", items=items, shipped=shipped, copy_form=CopyForm(),
                           can_copy=current_user.instansi_id is not None, status_labels=_status_labels())


@bp.route("/baru", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_author_content)
def create():  # type: ignore[no-untyped-def]
    form = CourseCreateForm()
    if form.validate_on_submit():
        instansi_id = None if authz.is_superadmin(current_user) else current_user.instansi_id
        if instansi_id is None and not authz.is_superadmin(current_user):
            abort(403)
        try:
            version = services.create_course(
                current_user, slug=form.slug.data, title=form.title.data, summary=form.summary.data,
                audience=form.audience.data, jp=form.jp.data or 0, label=form.label.data, instansi_id=instansi_id,
            )
        except ServiceError as exc:
            db.session.rollback()
            (form.slug if exc.code.startswith("slug") else form.audience).errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Kursus %(title)s dibuat sebagai draf. Tambahkan modulnya.", title=version.title), "success")
            return redirect(url_for(".course", course_id=version.course_id))
    return render_template("authoring/course_form.html", form=form, course=None)


@bp.route("/<int:course_id>")
@login_required
@authz.require(authz.can_author_content)
def course(course_id: int):  # type: ignore[no-untyped-def]
    course = _load(course_id)
    draft = services.get_draft(course)
    version = draft or course.published_version
    assets = sorted(content.course_assets(course.id).values(), key=lambda a: a.path)
    return render_template(
        "authoring/course.html", course=course, draft=draft, version=version, versions=services.versions(course),
        assets=assets, image_form=ImageForm(), status_labels=_status_labels(), audience_labels=EMPLOYEE_TYPE_LABELS,
    )


@bp.route("/<int:course_id>/ubah", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_author_content)
def edit(course_id: int):  # type: ignore[no-untyped-def]
    course = _load(course_id)
    version = services.working_version(course)
    if version is None:
        abort(404)
    form = CourseMetaForm(obj=version)
    if form.validate_on_submit():
        try:
            services.update_metadata(course, current_user, title=form.title.data, summary=form.summary.data,
                                     audience=form.audience.data, jp=form.jp.data or 0, label=form.label.data)
        except ServiceError as exc:
            db.session.rollback()
            form.audience.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Data kursus disimpan di draf."), "success")
            return redirect(url_for(".course", course_id=course.id))
    return render_template("authoring/course_form.html", form=form, course=course)


def _module_page(course: Course, form: ModuleForm, slug: str | None, preview: list[dict[str, Any]] | None):  # type: ignore[no-untyped-def]
    assets = sorted(content.course_assets(course.id).values(), key=lambda a: a.path)
    return render_template("authoring/module_form.html", course=course, form=form, slug=slug, preview=preview,
                           assets=assets)


def _save_module(course: Course, form: ModuleForm, slug: str | None):  # type: ignore[no-untyped-def]
    if request.form.get("action") == "preview":
        form.validate()  # field errors show next to the preview; nothing is stored
        preview = services.preview_sections(course, form.title.data or "", form.body.data or "")
        return _module_page(course, form, slug, preview)
    if form.validate_on_submit():
        try:
            if slug is None:
                services.add_module(course, current_user, form.module_meta(), form.body.data)
            else:
                services.update_module(course, current_user, slug, form.module_meta(), form.body.data)
        except ServiceError as exc:
            db.session.rollback()
            form.body.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Modul %(title)s disimpan di draf.", title=form.title.data), "success")
            return redirect(url_for(".course", course_id=course.id))
    return _module_page(course, form, slug, None)


@bp.route("/<int:course_id>/modul/baru", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_author_content)
def module_new(course_id: int):  # type: ignore[no-untyped-def]
    course = _load(course_id)
    form = ModuleForm()
    if request.method == "GET":
        form.minutes.data = 5
        form.body.data = _("## Judul bagian pertama\n\nTulis isi bagian di sini.")
    return _save_module(course, form, None)


@bp.route("/<int:course_id>/modul/<slug>", methods=["GET", "POST"])
@login_required
@authz.require(authz.can_author_content)
def module_edit(course_id: int, slug: str):  # type: ignore[no-untyped-def]
    course = _load(course_id)
    module = _module(services.working_version(course), slug)
    form = ModuleForm()
    if request.method == "GET":
        _meta, body, _line = split_front_matter(module.source_text) if module.source_text else ({}, "", 1)
        form.fill({"title": module.title, "minutes": module.minutes, "objectives": module.objectives,
                   "references": module.references, "sources": module.sources}, body)
    return _save_module(course, form, slug)


@bp.route("/<int:course_id>/modul/<slug>/hapus", methods=["POST"])
@login_required
@authz.require(authz.can_author_content)
def module_remove(course_id: int, slug: str):  # type: ignore[no-untyped-def]
    course = _load(course_id)
    module = _module(services.working_version(course), slug)
    services.remove_module(course, current_user, slug)
    db.session.commit()
    flash(_("Modul %(title)s dihapus dari draf.", title=module.title), "success")
    return redirect(url_for(".course", course_id=course.id))


@bp.route("/<int:course_id>/modul/<slug>/pindah", methods=["POST"])
@login_required
@authz.require(authz.can_author_content)
def module_move(course_id: int, slug: str):  # type: ignore[no-untyped-def]
    course = _load(course_id)
    _module(services.working_version(course), slug)
    delta = -1 if request.form.get("arah") == "naik" else 1
    services.move_module(course, current_user, slug, delta)
    db.session.commit()
    return redirect(url_for(".course", course_id=course.id, _anchor=f"modul-{slug}"))


@bp.route("/<int:course_id>/gambar", methods=["POST"])
@login_required
@authz.require(authz.can_author_content)
def upload_image(course_id: int):  # type: ignore[no-untyped-def]
    course = _load(course_id)
    form = ImageForm()
    upload = form.image.data
    if not form.validate_on_submit() or upload is None or not getattr(upload, "filename", ""):
        flash(_("Pilih berkas gambar untuk diunggah."), "error")
        return redirect(url_for(".course", course_id=course.id, _anchor="gambar"))
    data = upload.read(content.MAX_IMAGE_BYTES + 1)
    try:
        asset = services.upload_image(course, current_user, upload.filename or "", data)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".course", course_id=course.id, _anchor="gambar"))
    db.session.commit()
    flash(_("Gambar diunggah. Tulis ![keterangan gambar](%(path)s) di isi modul.", path=asset.path), "success")
    return redirect(url_for(".course", course_id=course.id, _anchor="gambar"))


@bp.route("/<int:course_id>/terbitkan", methods=["POST"])
@login_required
@authz.require(authz.can_author_content)
def publish(course_id: int):  # type: ignore[no-untyped-def]
    course = _load(course_id)
    try:
        version = services.publish(course, current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".course", course_id=course.id))
    db.session.commit()
    flash(_("Versi %(n)d diterbitkan. Peserta yang memulai sekarang mendapat versi ini; yang sudah mulai tetap "
            "di versi yang mereka baca.", n=version.number), "success")
    return redirect(url_for(".course", course_id=course.id))


def refuse_copy():  # type: ignore[no-untyped-def]
    """The answer to a copy asked for by an author without an instansi (the superadmin): a copy
    belongs to an instansi."""
    return render_template(
        "errors/error.html", code=403, title=_("Tidak dapat menyalin"),
        message=_("Salinan selalu menjadi milik instansi penyusunnya, dan akun Anda tidak terikat instansi. "
                  "Superadmin mengubah isi bawaan langsung (lewat berkas di folder courses/ dan quizzes/)."),
    ), 403


@bp.route("/<int:course_id>/salin", methods=["POST"])
@login_required
@authz.require(authz.can_author_content)
def copy(course_id: int):  # type: ignore[no-untyped-def]
    """Copy a shipped course into the author's instansi as an editable draft."""
    course = db.session.get(Course, course_id)
    if course is None or not authz.can_see_course(current_user, course):
        abort(404)
    instansi = db.session.get(Instansi, current_user.instansi_id) if current_user.instansi_id is not None else None
    if instansi is None or authz.is_superadmin(current_user):
        return refuse_copy()
    if not authz.can_copy_shipped(current_user, course):
        abort(403)
    if not CopyForm().validate_on_submit():
        abort(400)
    try:
        draft = services.copy_course(current_user, course, instansi)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".courses"))
    db.session.commit()
    flash(_("Salinan %(title)s dibuat sebagai draf milik instansi Anda (kode %(slug)s). Ubah sesuai kebutuhan, "
            "lalu terbitkan.", title=draft.title, slug=draft.course.slug), "success")
    return redirect(url_for(".course", course_id=draft.course_id))
