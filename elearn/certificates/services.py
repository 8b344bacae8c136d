"""Issuing, revoking and reissuing certificates.

``issue_due`` is called wherever a part of a course's completion rule is met (the last module
read: ``courses.progress``; a quiz passed: ``quizzes.attempts``; a pakta signed: ``pledges.views``),
in the same request, so that whichever came last issues the certificate. It issues for every course
of that person that is now complete, has ``certificate:`` in its course.yaml and has no certificate
yet. The same function backs ``flask certificates issue`` (people who finished before certificates
existed) and the demo.

Exactly once: a certificate is unique per (person, course version, generation); the first is
generation 1. Two requests completing at once (a double tap, two workers) both try; the second's
insert meets the unique constraint inside a savepoint and is rolled back with the serial and status
numbers it took, so no number is skipped and nothing half-issued remains.

Issuing = snapshot the person and course, take the next serial (per instansi and year) and status
list index, build and sign the Open Badge, draw the PDF and sign it (PAdES) when the instansi has a
signing certificate, then insert the row and its PDF. If drawing or signing fails (a broken
template, a wrong passphrase, an expired signing certificate), nothing is inserted: the completion
itself is kept, the problem is logged and recorded for the admin, and the next visit to the course
page (or the CLI) tries again.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..audit.services import record
from ..courses.completion import CompletionRule, learner_facts
from ..courses.models import Course, CourseVersion, Enrollment
from ..db import analyze, db, utcnow
from ..errors import ServiceError
from ..org.models import Instansi, Unit
from .models import (
    Certificate,
    CertificateFile,
    CertificateSequence,
    CertificateSettings,
    CertificateState,
    CertificateTemplate,
)

log = logging.getLogger(__name__)

#: the serial's first part: letters, digits, '-' and '.'
SERIAL_PREFIX = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{0,31}$")
#: verification codes: 24 characters of base32 (120 random bits)
CODE = re.compile(r"^[a-z2-7]{24}$")
STATUS_SCOPE = "status"


class IssueError(Exception):
    """Drawing or signing a certificate failed; ``message`` says why, for the admin."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- settings ------------------------------------------------------------------------------


def default_prefix(instansi: Instansi) -> str:
    """"BKPSDM-" + the instansi's slug in capitals, cut to fit (admins usually set their own)."""
    slug = re.sub(r"[^A-Z0-9]+", "-", instansi.slug.upper()).strip("-") or "ELEARN"
    prefix = f"BKPSDM-{slug}"
    if len(prefix) > 32:  # cut: two long slugs may share their start, so the id keeps it unique
        suffix = f"-{instansi.id}"
        prefix = prefix[:32 - len(suffix)].rstrip("-.") + suffix
    return prefix


def prefix_taken(instansi_id: int, prefix: str) -> bool:
    """Whether another instansi uses ``prefix`` for its serials: in its saved settings, as its
    default (no settings saved), or in serials it already issued. Serials are unique across the
    installation, so two instansi sharing a prefix would take each other's numbers."""
    if db.session.scalar(select(exists().where(CertificateSettings.instansi_id != instansi_id,
                                               CertificateSettings.serial_prefix == prefix))):
        return True
    if db.session.scalar(select(exists().where(Certificate.instansi_id != instansi_id,
                                               Certificate.serial.startswith(prefix + "/", autoescape=True)))):
        return True
    unsaved = db.session.scalars(select(Instansi).where(
        Instansi.id != instansi_id,
        ~exists().where(CertificateSettings.instansi_id == Instansi.id)))
    return any(default_prefix(other) == prefix for other in unsaved)


def settings_for(instansi_id: int) -> CertificateSettings:
    """The instansi's settings; defaults (not saved) when its admin never saved any."""
    settings = db.session.get(CertificateSettings, instansi_id)
    if settings is not None:
        return settings
    instansi = db.session.get(Instansi, instansi_id)
    if instansi is None:
        raise LookupError(f"no instansi {instansi_id}")
    return CertificateSettings(instansi_id=instansi_id, serial_prefix=default_prefix(instansi),
                               template_key="default", signatory_name="", signatory_nip="",
                               signatory_title="")


def load_logo(settings: CertificateSettings) -> bytes | None:
    if settings.logo_sha256 is None:
        return None
    return db.session.scalar(select(CertificateSettings.logo)
                             .where(CertificateSettings.instansi_id == settings.instansi_id))


# --- numbers -------------------------------------------------------------------------------


def _next_value(instansi_id: int, scope: str) -> int:
    """The next number of a per-instansi counter: from the block ``reserve_numbers`` took for this
    counter in this transaction when there is one left, else with one UPDATE, which locks the
    counter's row until the transaction ends, so concurrent issuers of one instansi take numbers one
    after the other."""
    block = _blocks().get((instansi_id, scope))
    if block is not None and block[0] <= block[1]:
        block[0] += 1
        return block[0] - 1
    return _take(instansi_id, scope, 1)


def _give_back(instansi_id: int, scope: str, value: int) -> None:
    """Return ``value``, the last number taken from a reserved block, after the issue that took it
    failed (the savepoint rolled back the certificate, not the block): the next issue takes it, and
    the numbers stay without gaps. A number taken with its own UPDATE is rolled back with the savepoint."""
    block = _blocks().get((instansi_id, scope))
    if block is not None and block[0] - 1 == value:
        block[0] = value


def _take(instansi_id: int, scope: str, count: int) -> int:
    """Take ``count`` consecutive numbers of a counter (created at 0 when missing); the first of them."""
    for _attempt in range(3):
        value = db.session.execute(
            update(CertificateSequence)
            .where(CertificateSequence.instansi_id == instansi_id, CertificateSequence.scope == scope)
            .values(last_value=CertificateSequence.last_value + count)
            .returning(CertificateSequence.last_value)
            .execution_options(synchronize_session=False)
        ).scalar()
        if value is not None:
            return int(value) - count + 1
        try:
            with db.session.begin_nested():
                db.session.execute(insert(CertificateSequence).values(instansi_id=instansi_id, scope=scope,
                                                                     last_value=count))
            return 1
        except IntegrityError:
            continue  # another issuer created the row first: take the next number from it
    raise RuntimeError(f"cannot take a number from sequence {instansi_id}/{scope}")


def _blocks() -> dict[tuple[int, str], list[int]]:
    """(instansi id, scope) -> [next number, last number] of the blocks reserved in this session."""
    return db.session.info.setdefault("certificate_number_blocks", {})


def reserve_numbers(instansi_id: int, needs: dict[str, int]) -> None:
    """Take ``needs`` (scope -> how many) numbers of the instansi's counters in one UPDATE per
    counter, for the issues that follow in this transaction (a backfill's batch). One UPDATE of the
    same row per certificate made PostgreSQL walk a version chain that grows with every UPDATE in
    one transaction (the 50,000-person demo seed spent most of its 15 minutes there). Not inside a
    savepoint: the block must outlive a failed issue. ``release_numbers`` gives back what is left."""
    blocks = _blocks()
    for scope, count in needs.items():
        if count > 0:
            first = _take(instansi_id, scope, count)
            blocks[(instansi_id, scope)] = [first, first + count - 1]


def release_numbers() -> None:
    """Give back the numbers reserved and not used (issues that failed or were already done), so the
    serial numbers stay without gaps: the counter's row is still locked by this transaction's
    UPDATE, so nobody took a number after the block."""
    for (instansi_id, scope), (next_value, last) in _blocks().items():
        if next_value <= last:
            db.session.execute(
                update(CertificateSequence)
                .where(CertificateSequence.instansi_id == instansi_id, CertificateSequence.scope == scope,
                       CertificateSequence.last_value == last)
                .values(last_value=next_value - 1)
                .execution_options(synchronize_session=False))
    _blocks().clear()


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(15)).decode("ascii").lower()


# --- the public URL ------------------------------------------------------------------------


def verify_url(certificate: Certificate) -> str:
    """The verification page of a certificate (the QR target), absolute (outside a request: under
    PUBLIC_BASE_URL, or the development server's address in development)."""
    from .badges import absolute_url

    return absolute_url("certificates.verify", code=certificate.code)


# --- issuing -------------------------------------------------------------------------------


def _rule_met(user_id: int, versions: list[CourseVersion]) -> list[CourseVersion]:
    facts = learner_facts(user_id, versions)
    met = []
    for version in versions:
        rule = CompletionRule.of(version)
        if rule.is_met(modules_read=True, quiz_passed=rule.quiz in facts.passed_quizzes,
                       pledge_signed=rule.pledge in facts.signed_pledges, attended=facts.attended(rule)):
            met.append(version)
    return met


def due_versions(user_id: int, *, course_ids: Iterable[int] | None = None, quiz: str | None = None,
                 pledge: str | None = None, attendance: str | None = None) -> list[CourseVersion]:
    """The course versions ``user_id`` has completed that give a certificate and have none yet,
    among ``course_ids`` or the courses requiring ``quiz`` / ``pledge`` / attendance at an event of
    kind ``attendance`` (``completion.attendance`` that kind or "any") (all when none is given)."""
    stmt = (
        select(CourseVersion)
        .join(Enrollment, Enrollment.course_version_id == CourseVersion.id)
        .where(Enrollment.user_id == user_id, Enrollment.modules_completed_at.is_not(None),
               CourseVersion.certificate.is_not(None),
               ~exists().where(Certificate.user_id == user_id,
                               Certificate.course_version_id == CourseVersion.id))
    )
    if course_ids is not None:
        stmt = stmt.where(Enrollment.course_id.in_(list(course_ids)))
    versions = list(db.session.scalars(stmt))
    if quiz is not None:
        versions = [v for v in versions if (v.requires or {}).get("quiz") == quiz]
    if pledge is not None:
        versions = [v for v in versions if (v.requires or {}).get("pledge") == pledge]
    if attendance is not None:
        versions = [v for v in versions if CompletionRule.of(v).attendance in (attendance, "any")]
    return _rule_met(user_id, versions) if versions else []


def issue_due(user_id: int, *, course_ids: Iterable[int] | None = None, quiz: str | None = None,
              pledge: str | None = None, attendance: str | None = None,
              now: dt.datetime | None = None) -> list[Certificate]:
    """Issue the certificates ``user_id`` has just earned (see ``due_versions``). Never raises for a
    drawing or signing problem: that course is left without a certificate, for a later try."""
    if not current_app.config.get("CERTIFICATES_ENABLED", True):
        return []
    versions = due_versions(user_id, course_ids=course_ids, quiz=quiz, pledge=pledge, attendance=attendance)
    if not versions:
        return []
    user = db.session.get(User, user_id)
    if user is None or user.instansi_id is None:
        return []
    issued = []
    for version in versions:
        try:
            certificate = issue(user, version, completed_at=now or utcnow())
        except IssueError as exc:
            log.warning("certificate for user %s, course version %s not issued: %s", user_id, version.id,
                        exc.message)
            continue
        if certificate is not None:
            issued.append(certificate)
    return issued


def _local_zone(instansi: Instansi) -> ZoneInfo:
    return ZoneInfo(instansi.timezone.iana)


def _snapshot(user: User, version: CourseVersion, instansi: Instansi, settings: CertificateSettings,
              completed_at: dt.datetime) -> dict[str, Any]:
    unit: Unit | None = user.unit
    skpd: Unit | None = None
    if unit is not None and unit.skpd_id is not None:
        skpd = unit if unit.skpd_id == unit.id else db.session.get(Unit, unit.skpd_id)
    return {
        "instansi_id": instansi.id,
        "user_id": user.id,
        "course_id": version.course_id,
        "course_version_id": version.id,
        "holder_name": user.name,
        "holder_number": user.employee_number,
        "holder_golongan": user.golongan,
        "holder_jabatan": user.jabatan,
        "unit_id": unit.id if unit is not None else None,
        "unit_name": unit.name if unit is not None else "",
        "skpd_id": skpd.id if skpd is not None else None,
        "skpd_name": skpd.name if skpd is not None else "",
        "instansi_name": instansi.name,
        "course_title": version.title,
        "jp": version.jp,
        "completed_at": completed_at,
        "completed_on": completed_at.astimezone(_local_zone(instansi)).date(),
        "signatory": {"name": settings.signatory_name, "nip": settings.signatory_nip,
                      "title": settings.signatory_title},
    }


def _template_for(version: CourseVersion, settings: CertificateSettings) -> CertificateTemplate:
    from .templates import TemplateError, ensure_current

    key = (version.certificate or {}).get("template") or settings.template_key or "default"
    try:
        return ensure_current(key)
    except TemplateError as exc:
        raise IssueError(str(exc)) from exc


def _draw_and_sign(certificate: Certificate, instansi: Instansi, template: CertificateTemplate,
                   logo: bytes | None) -> tuple[bytes, bool]:
    """The PDF of a new certificate, signed when the instansi has a signing certificate."""
    from .document import document_of
    from .render import render_pdf
    from .signing import SigningError, signer_for

    try:
        signer = signer_for(instansi)
    except SigningError as exc:
        raise IssueError(exc.message) from exc
    document = document_of(certificate, verify_url(certificate), signed=signer is not None)
    try:
        pdf = render_pdf(document, template, logo)
    except (ValueError, OSError) as exc:
        raise IssueError(_("Sertifikat tidak dapat digambar: %(error)s", error=str(exc))) from exc
    if signer is None:
        return pdf, False
    try:
        return signer.sign(pdf), True
    except SigningError as exc:
        raise IssueError(exc.message) from exc


def _credential(certificate: Certificate, instansi: Instansi) -> dict[str, Any]:
    from .badges import BadgeError, build_credential, sign_credential

    try:
        return sign_credential(build_credential(certificate), instansi)
    except (BadgeError, RuntimeError) as exc:  # a term the contexts lack; no key directory in production
        raise IssueError(_("Open Badge sertifikat tidak dapat ditandatangani: %(error)s", error=str(exc))) from exc


def issue(user: User, version: CourseVersion, *, completed_at: dt.datetime, replaces: Certificate | None = None,
          now: dt.datetime | None = None) -> Certificate | None:
    """Issue one certificate (a reissue when ``replaces`` is given). None when another request
    issued it first. Raises ``IssueError`` when it cannot be drawn or signed (nothing is saved)."""
    assert user.instansi_id is not None
    instansi = db.session.get(Instansi, user.instansi_id)
    assert instansi is not None
    settings = settings_for(instansi.id)
    template = _template_for(version, settings)
    logo = load_logo(settings)
    issued_at = now or utcnow()
    generation = 1 if replaces is None else replaces.generation + 1
    serial = None
    taken: list[tuple[str, int]] = []  # (scope, number): given back to a reserved block on failure
    try:
        with db.session.begin_nested():
            if replaces is None and db.session.scalar(
                select(exists().where(Certificate.user_id == user.id,
                                      Certificate.course_version_id == version.id))
            ):
                return None
            year = issued_at.astimezone(_local_zone(instansi)).year
            number = _next_value(instansi.id, str(year))
            taken.append((str(year), number))
            serial = f"{settings.serial_prefix}/{year}/{number:06d}"
            certificate = Certificate(
                **_snapshot(user, version, instansi, settings, completed_at),
                code=new_code(),
                serial=serial,
                generation=generation,
                replaces_id=replaces.id if replaces is not None else None,
                template_id=template.id,
                issued_at=issued_at,
                state=CertificateState.VALID,
                status_index=_next_value(instansi.id, STATUS_SCOPE) - 1,
            )
            taken.append((STATUS_SCOPE, certificate.status_index + 1))
            certificate.credential = _credential(certificate, instansi)
            pdf, signed = _draw_and_sign(certificate, instansi, template, logo)
            certificate.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
            certificate.pdf_signed = signed
            db.session.add(certificate)
            db.session.flush()
            db.session.add(CertificateFile(certificate_id=certificate.id, pdf=pdf))
            db.session.flush()
    except BaseException as exc:
        for scope, value in reversed(taken):
            _give_back(instansi.id, scope, value)
        if not isinstance(exc, IntegrityError):
            raise
        if serial is not None and db.session.scalar(select(exists().where(Certificate.serial == serial))):
            # not a concurrent issue (numbers of one instansi are taken one at a time): another
            # instansi issues under the same prefix. Said, never a silent "already issued".
            raise IssueError(_("Nomor seri %(serial)s sudah dipakai sertifikat instansi lain: awalan nomor seri "
                               "instansi ini sama dengan awalan instansi lain. Ubah awalan nomor seri di "
                               "pengaturan sertifikat.", serial=serial)) from None
        # issued by a concurrent request (the unique person/version/generation): theirs stands
        if replaces is not None:
            raise ServiceError(_("Sertifikat ini baru saja diterbitkan ulang oleh orang lain."), "conflict") from None
        return None
    record("certificate.issue" if replaces is None else "certificate.reissue", actor=None,
           instansi_id=instansi.id, target=certificate,
           details={"serial": certificate.serial, "course": version.course.slug, "version": version.number,
                    "user_id": user.id, "signed": certificate.pdf_signed,
                    **({"replaces": replaces.serial} if replaces is not None else {})})
    return certificate


# --- revoking and reissuing ----------------------------------------------------------------


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Tuliskan alasannya."), "reason")
    if len(reason) > 2000:
        raise ServiceError(_("Alasan paling panjang 2.000 karakter."), "reason")
    return reason


def revoke(certificate: Certificate, actor: User, reason: str, *, now: dt.datetime | None = None) -> None:
    """Revoke a valid certificate (audited; the reason is for HR, the public page shows only the date)."""
    reason = _reason(reason)
    now = now or utcnow()
    changed = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.state == CertificateState.VALID)
        .values(state=CertificateState.REVOKED, revoked_at=now, revoked_by_id=actor.id, revoke_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise ServiceError(_("Sertifikat ini sudah tidak berlaku (dicabut atau diganti)."), "not_valid")
    db.session.refresh(certificate)
    record("certificate.revoke", actor=actor, instansi_id=certificate.instansi_id, target=certificate,
           details={"serial": certificate.serial, "reason": reason})


def reissue(certificate: Certificate, actor: User, reason: str, *, now: dt.datetime | None = None) -> Certificate:
    """A new certificate from the person's current roster data and the course version's current
    settings, replacing ``certificate`` (which then says "diganti" and links to the new one)."""
    reason = _reason(reason)
    now = now or utcnow()
    if certificate.state != CertificateState.VALID:
        raise ServiceError(_("Hanya sertifikat yang masih berlaku yang dapat diterbitkan ulang."), "not_valid")
    user = db.session.get(User, certificate.user_id)
    version = db.session.get(CourseVersion, certificate.course_version_id)
    assert user is not None and version is not None
    if user.instansi_id != certificate.instansi_id:
        raise ServiceError(_("Pemegang sertifikat ini sudah pindah instansi; sertifikat tidak dapat diterbitkan "
                             "ulang oleh instansi ini."), "moved")
    changed = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.state == CertificateState.VALID)
        .values(state=CertificateState.REPLACED, replaced_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise ServiceError(_("Sertifikat ini sudah tidak berlaku (dicabut atau diganti)."), "not_valid")
    try:
        new = issue(user, version, completed_at=certificate.completed_at, replaces=certificate, now=now)
    except IssueError as exc:
        raise ServiceError(exc.message, "issue") from exc
    assert new is not None
    db.session.refresh(certificate)
    record("certificate.replace", actor=actor, instansi_id=certificate.instansi_id, target=certificate,
           details={"serial": certificate.serial, "reason": reason, "new_serial": new.serial})
    return new


def replacement_of(certificate: Certificate) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.replaces_id == certificate.id))


# --- the PDF -------------------------------------------------------------------------------


def stored_pdf(certificate: Certificate) -> bytes:
    pdf = db.session.scalar(select(CertificateFile.pdf).where(CertificateFile.certificate_id == certificate.id))
    if pdf is None:
        raise LookupError(f"certificate {certificate.id} has no PDF")
    return pdf


def pdf_for_download(certificate: Certificate) -> bytes:
    """The PDF as issued; for a revoked or replaced certificate a new, unsigned copy marked so
    (the issued one would still look valid to whoever opens it)."""
    if certificate.state == CertificateState.VALID:
        return stored_pdf(certificate)
    from .document import document_of
    from .render import render_pdf

    template = db.session.get(CertificateTemplate, certificate.template_id)
    assert template is not None
    logo = load_logo(settings_for(certificate.instansi_id))
    return render_pdf(document_of(certificate, verify_url(certificate), signed=False), template, logo)


# --- people who completed before certificates existed --------------------------------------


@dataclass
class BackfillResult:
    complete: int = 0
    issued: int = 0
    already: int = 0
    failed: int = 0
    problems: dict[str, int] | None = None


def completion_times(course: Course, instansi_id: int | None) -> list[tuple[int, int, dt.datetime]]:
    """(user id, version id, when the rule was met) of everyone who completed ``course`` (of an
    instansi, or all) and has no certificate of that version: one query per course version."""
    from ..pledges.models import PledgeSignature, PledgeText, PledgeTextVersion
    from ..quizzes.models import Attempt, Quiz

    rows: list[tuple[int, int, dt.datetime]] = []
    versions = db.session.scalars(select(CourseVersion).where(CourseVersion.course_id == course.id,
                                                              CourseVersion.certificate.is_not(None)))
    for version in versions:
        rule = CompletionRule.of(version)
        parts: list[Any] = [Enrollment.modules_completed_at]
        stmt = select(Enrollment.user_id).join(User, User.id == Enrollment.user_id)
        if rule.quiz is not None:
            passed = (select(func.min(Attempt.submitted_at))
                      .join(Quiz, Quiz.id == Attempt.quiz_id)
                      .where(Attempt.user_id == Enrollment.user_id, Attempt.passed.is_(True),
                             Quiz.slug == rule.quiz).scalar_subquery())
            parts.append(passed)
        if rule.pledge is not None:
            signed = (select(func.min(PledgeSignature.signed_at))
                      .join(PledgeTextVersion, PledgeTextVersion.id == PledgeSignature.pledge_version_id)
                      .join(PledgeText, PledgeText.id == PledgeTextVersion.pledge_text_id)
                      .where(PledgeSignature.user_id == Enrollment.user_id,
                             PledgeText.slug == rule.pledge).scalar_subquery())
            parts.append(signed)
        columns = [part.label(f"t{i}") for i, part in enumerate(parts)]
        stmt = (
            select(Enrollment.user_id, *columns)
            .join(User, User.id == Enrollment.user_id)
            .where(Enrollment.course_version_id == version.id, Enrollment.modules_completed_at.is_not(None),
                   User.instansi_id.is_not(None),
                   ~exists().where(Certificate.user_id == Enrollment.user_id,
                                   Certificate.course_version_id == version.id))
            .order_by(Enrollment.user_id)
        )
        if instansi_id is not None:
            stmt = stmt.where(User.instansi_id == instansi_id)
        for user_id, *times in db.session.execute(stmt):
            if any(t is None for t in times):
                continue  # a required quiz not passed or pakta not signed
            rows.append((user_id, version.id, max(_aware(t) for t in times)))
    return rows


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def backfill(course: Course, *, instansi_id: int | None = None, dry_run: bool = False,
             batch_size: int = 200, after_batch: Callable[[BackfillResult], None] | None = None,
             as_of_completion: bool = False) -> BackfillResult:
    """Issue the certificates of everyone who already completed ``course`` (``flask certificates
    issue``). Flushes only; ``after_batch`` is called after each ``batch_size`` people (the CLI
    commits there, so a long run keeps what it issued if stopped, and prints progress).
    ``as_of_completion`` dates each certificate's ``issued_at`` at the completion, as a live
    completion would have issued it (the demo's generated history only)."""
    due = completion_times(course, instansi_id)
    result = BackfillResult(complete=len(due), problems={})
    if dry_run:
        return result
    versions = {v.id: v for v in db.session.scalars(select(CourseVersion).where(CourseVersion.course_id == course.id))}
    for start in range(0, len(due), batch_size):
        batch = due[start:start + batch_size]
        ids = [user_id for user_id, _v, _t in batch]
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
        _reserve_for(batch, users, as_of_completion)
        try:
            for user_id, version_id, completed_at in batch:
                try:
                    certificate = issue(users[user_id], versions[version_id], completed_at=completed_at,
                                        now=_aware(completed_at) if as_of_completion else None)
                except IssueError as exc:
                    result.failed += 1
                    assert result.problems is not None
                    result.problems[exc.message] = result.problems.get(exc.message, 0) + 1
                    continue
                if certificate is None:
                    result.already += 1
                else:
                    result.issued += 1
        except BaseException:
            _blocks().clear()  # the transaction is being abandoned: so is the block
            raise
        release_numbers()
        if after_batch is not None:
            after_batch(result)
    # a large backfill leaves the planner statistics stale (PostgreSQL; see db.analyze)
    analyze("certificates", "certificate_files", rows=result.issued)
    return result


def _reserve_for(batch: list[tuple[int, int, dt.datetime]], users: dict[int, User], as_of_completion: bool) -> None:
    """Reserve the serial and status numbers a backfill batch will take (see ``reserve_numbers``):
    per instansi, one per person in the year ``issue`` will number them in."""
    needs: dict[int, dict[str, int]] = {}
    zones: dict[int, ZoneInfo] = {}
    now = utcnow()
    for user_id, _version_id, completed_at in batch:
        instansi_id = users[user_id].instansi_id
        if instansi_id is None:
            continue
        if instansi_id not in zones:
            instansi = db.session.get(Instansi, instansi_id)
            assert instansi is not None
            zones[instansi_id] = _local_zone(instansi)
        at = _aware(completed_at) if as_of_completion else now
        counts = needs.setdefault(instansi_id, {})
        year = str(at.astimezone(zones[instansi_id]).year)
        counts[year] = counts.get(year, 0) + 1
        counts[STATUS_SCOPE] = counts.get(STATUS_SCOPE, 0) + 1
    for instansi_id, counts in needs.items():
        reserve_numbers(instansi_id, counts)


def certificates_of(user_id: int) -> list[Certificate]:
    """A person's certificates, newest first (for "Sertifikat saya")."""
    return list(db.session.scalars(
        select(Certificate).where(Certificate.user_id == user_id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ))


def find_by_code(code: str) -> Certificate | None:
    if not CODE.match(code or ""):
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def find_by_pdf_hash(digest: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.pdf_sha256 == digest)
                             .order_by(Certificate.id).limit(1))



def delete_instansi_certificates(instansi_id: int) -> int:
    """Delete every certificate (and PDF) of one instansi — only for removing the instansi itself
    (``seed-demo --reset``). The no-delete triggers are switched off inside the caller's transaction
    (PostgreSQL: ALTER TABLE ... DISABLE TRIGGER, which locks the tables until commit; SQLite: the
    triggers are dropped and created again). Returns the number of certificates deleted. Flushes only."""
    from sqlalchemy import delete, text

    from .models import SQLITE_TRIGGER_DDL

    certificates, files = Certificate.__table__, CertificateFile.__table__
    dialect = db.session.get_bind().dialect.name
    db.session.flush()
    if dialect == "postgresql":
        db.session.execute(text("ALTER TABLE certificate_files DISABLE TRIGGER certificate_files_no_delete"))
        db.session.execute(text("ALTER TABLE certificates DISABLE TRIGGER certificates_no_delete"))
    elif dialect == "sqlite":
        for name in ("certificates_no_delete", "certificate_files_no_delete", "certificate_files_no_update"):
            db.session.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    mine = select(certificates.c.id).where(certificates.c.instansi_id == instansi_id)
    db.session.execute(delete(files).where(files.c.certificate_id.in_(mine)))
    db.session.execute(update(certificates).where(certificates.c.instansi_id == instansi_id)
                       .values(replaces_id=None))
    deleted = db.session.execute(delete(certificates).where(certificates.c.instansi_id == instansi_id)).rowcount
    if dialect == "postgresql":
        db.session.execute(text("ALTER TABLE certificate_files ENABLE TRIGGER certificate_files_no_delete"))
        db.session.execute(text("ALTER TABLE certificates ENABLE TRIGGER certificates_no_delete"))
    elif dialect == "sqlite":
        for statement in SQLITE_TRIGGER_DDL:
            db.session.execute(text(statement))
    for table in (CertificateSequence.__table__, CertificateSettings.__table__):
        db.session.execute(delete(table).where(table.c.instansi_id == instansi_id))
    db.session.expire_all()
    return int(deleted or 0)
