"""Certificates are issued in the request that completes a course, whichever part came last
(the last module, the quiz, the pakta), exactly once, with serials per instansi and year; a course
without ``certificate:`` issues none; ``flask certificates issue`` issues for people who completed
before; revocation and reissue keep everything; nothing is ever deleted."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DatabaseError

from elearn.accounts.models import Role, User
from elearn.audit.models import AuditEvent
from elearn.certificates import services
from elearn.certificates.models import (
    Certificate,
    CertificateFile,
    CertificateSequence,
    CertificateSettings,
    CertificateState,
)
from elearn.courses.models import Course, CourseVersion
from elearn.courses.progress import enroll, record_progress
from elearn.db import db, utcnow
from elearn.errors import ServiceError
from elearn.quizzes import attempts as quiz_attempts
from pledge_support import make_campaign, make_pledge_version, sign_as
from support import TEST_PASSWORD, make_nip

T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.timezone.utc)


def _certify(version_id: int, requires: dict[str, Any] | None = None,
             completion: dict[str, Any] | None = None) -> CourseVersion:
    version = db.session.get(CourseVersion, version_id)
    assert version is not None
    version.certificate = {"criteria": "Membaca semua modul."}
    version.jp = 2
    if requires is not None:
        version.requires, version.completion = requires, completion or {}
    db.session.flush()
    return version


def _read_all(user_id: int, course: Course, upto: int | None = None) -> list[Certificate]:
    learner = db.session.get(User, user_id)
    enrollment = enroll(learner, course)
    links = enrollment.course_version.modules[:upto]
    for link in links:
        record_progress(learner, enrollment, link.module, 0, True)
    return _certificates(user_id)


def _certificates(user_id: int) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                   .order_by(Certificate.id)))


def test_reading_the_last_module_issues_one_certificate(app: Flask, make_course, make_unit, make_user) -> None:
    cv = make_course(modules=2, sections=1, title="Netralitas ASN")
    skpd = make_unit("Dinas Sosial")
    person = make_user(unit=skpd, name="Dra. Ṡiti Nur'aini, M.Si.", golongan="III/a", jabatan="Analis SDM")
    with app.app_context():
        version = _certify(cv.id)
        course = version.course
        assert _read_all(person.id, course, upto=1) == []  # one module of two: not yet
        (certificate,) = _read_all(person.id, course)
        year = dt.datetime.now(dt.timezone.utc).astimezone(dt.timezone(dt.timedelta(hours=7))).year
        instansi_slug = db.session.get(User, person.id).instansi.slug
        assert certificate.serial == f"{services.default_prefix(db.session.get(User, person.id).instansi)}/{year}/000001"
        assert instansi_slug.upper() in certificate.serial
        assert services.CODE.match(certificate.code) and certificate.code not in certificate.serial
        assert certificate.state == CertificateState.VALID and certificate.generation == 1
        assert certificate.holder_name == "Dra. Ṡiti Nur'aini, M.Si." and certificate.holder_golongan == "III/a"
        assert certificate.skpd_name == "Dinas Sosial" and certificate.course_title == "Netralitas ASN"
        assert certificate.jp == 2 and certificate.status_index == 0
        pdf = services.stored_pdf(certificate)
        assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == certificate.pdf_sha256
        assert certificate.pdf_signed is False  # no signing certificate configured in tests
        proof = certificate.credential["proof"]
        assert isinstance(proof, list) and proof[0]["cryptosuite"] == "eddsa-rdfc-2022"
        # reading again, or asking again, issues nothing more
        _read_all(person.id, course)
        assert services.issue_due(person.id) == []
        assert len(_certificates(person.id)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "certificate.issue")) == 1
        db.session.rollback()


def test_a_course_without_certificate_issues_none(app: Flask, make_course, make_user) -> None:
    cv = make_course(modules=1, sections=1)
    person = make_user()
    with app.app_context():
        course = db.session.get(CourseVersion, cv.id).course
        assert _read_all(person.id, course) == []
        assert services.issue_due(person.id) == []
        db.session.rollback()


def test_the_quiz_passed_last_issues_it(app: Flask, make_course, make_user) -> None:
    from quiz_support import make_quiz
    from test_quiz_attempts import answer_all

    cv = make_course(modules=1, sections=1)
    person = make_user()
    with app.app_context():
        quiz = make_quiz("kuis-sertifikat")
        version = _certify(cv.id, {"quiz": "kuis-sertifikat"}, {"modules": "all", "quiz_pass": True})
        assert _read_all(person.id, version.course) == []  # read, quiz not passed
        learner = db.session.get(User, person.id)
        failed = quiz_attempts.start_attempt(learner, quiz, now=T0)
        answer_all(failed, right=False)
        quiz_attempts.submit_attempt(failed, now=T0)
        assert failed.passed is False and _certificates(person.id) == []
        attempt = quiz_attempts.start_attempt(learner, quiz, now=T0 + dt.timedelta(hours=1))
        answer_all(attempt, now=T0 + dt.timedelta(hours=1))
        quiz_attempts.submit_attempt(attempt, now=T0 + dt.timedelta(hours=1))
        (certificate,) = _certificates(person.id)
        assert certificate.completed_at == T0 + dt.timedelta(hours=1)
        assert certificate.completed_on == dt.date(2026, 11, 23)  # 09:00 WIB
        db.session.rollback()


def test_the_quiz_page_says_the_certificate_was_issued(app: Flask, client, make_course, make_user,
                                                     login_as) -> None:
    """Passing the quiz that completes the course: the result page says the certificate was issued
    (as the pakta page does); passing it again later says nothing more."""
    from quiz_support import make_quiz
    from test_quiz_attempts import answer_all

    cv = make_course(modules=1, sections=1)
    person = make_user()
    with app.app_context():
        quiz = make_quiz("kuis-sertifikat")
        version = _certify(cv.id, {"quiz": "kuis-sertifikat"}, {"modules": "all", "quiz_pass": True})
        assert _read_all(person.id, version.course) == []
        attempt = quiz_attempts.start_attempt(db.session.get(User, person.id), quiz)
        answer_all(attempt, now=utcnow())
        db.session.commit()
        attempt_id = attempt.id
    login_as(person)

    def submit(attempt_id: int) -> str:
        response = client.post(f"/kuis/kuis-sertifikat/percobaan/{attempt_id}/kirim")
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return client.get(response.headers["Location"]).get_data(as_text=True)

    page = submit(attempt_id)
    with app.app_context():
        (certificate,) = _certificates(person.id)
        assert certificate.course_id == version.course_id
        title = certificate.course_title
    assert f"Sertifikat {title} sudah terbit." in page
    with app.app_context():
        again = quiz_attempts.start_attempt(db.session.get(User, person.id), quiz)
        answer_all(again, now=utcnow())
        db.session.commit()
        again_id = again.id
    page = submit(again_id)
    assert "Jawaban Anda sudah dikirim dan dinilai." in page and "sudah terbit" not in page


def test_the_pakta_signed_last_issues_it_in_the_signing_request(app: Flask, client, make_course, make_user,
                                                                login_as) -> None:
    cv = make_course(modules=1, sections=1)
    person = make_user()
    with app.app_context():
        pakta = make_pledge_version()
        version = _certify(cv.id, {"pledge": pakta.pledge_text.slug}, {"modules": "all", "pledge_signed": True})
        campaign = make_campaign(person.instansi_id, pakta)
        assert _read_all(person.id, version.course) == []
        db.session.commit()
        campaign_id = campaign.id
    login_as(person)
    page = client.get(f"/pakta/{campaign_id}/tandatangani").get_data(as_text=True)
    text_hash = re.search(r'name="text_hash"[^>]*value="([0-9a-f]{64})"', page)
    assert text_hash is not None
    response = client.post(f"/pakta/{campaign_id}/tandatangani", data={
        "method": "typed", "typed_name": db_name(app, person.id), "text_hash": text_hash.group(1),
        "consent": "y", "password": TEST_PASSWORD,
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        (certificate,) = _certificates(person.id)
        assert certificate.course_id == version.course_id
    assert "sudah terbit" in client.get(response.headers["Location"]).get_data(as_text=True)


def db_name(app: Flask, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).name


def test_serials_run_per_instansi_and_year_and_use_the_prefix(app: Flask, make_course, make_instansi, make_unit,
                                                              make_user) -> None:
    cv = make_course(modules=1, sections=1)
    one, two = make_instansi(), make_instansi()
    people_one = [make_user(unit=make_unit(instansi=one)) for _ in range(3)]
    person_two = make_user(unit=make_unit(instansi=two))
    with app.app_context():
        version = _certify(cv.id)
        db.session.add(CertificateSettings(instansi_id=one.id, serial_prefix="BKPSDM-KC", template_key="default",
                                           signatory_name="Dr. Budi Santoso, M.Si.", signatory_nip=make_nip(),
                                           signatory_title="Kepala BKPSDM"))
        db.session.flush()
        serials = [_read_all(p.id, version.course)[0].serial for p in people_one]
        other = _read_all(person_two.id, version.course)[0]
        year = utcnow().year
        assert serials == [f"BKPSDM-KC/{year}/00000{n}" for n in (1, 2, 3)]
        assert other.serial.endswith(f"/{year}/000001") and not other.serial.startswith("BKPSDM-KC/")
        first = _certificates(people_one[0].id)[0]
        assert first.signatory["name"] == "Dr. Budi Santoso, M.Si." and first.signatory["title"] == "Kepala BKPSDM"
        # the status list indexes run per instansi too
        indexes = sorted(c.status_index for p in people_one for c in _certificates(p.id))
        assert indexes == [0, 1, 2] and other.status_index == 0
        db.session.rollback()


def test_a_drawing_failure_leaves_nothing_behind(app: Flask, make_course, make_user, monkeypatch) -> None:
    from elearn.certificates import render

    cv = make_course(modules=1, sections=1)
    person = make_user()
    with app.app_context():
        version = _certify(cv.id)

        def broken(*_args: Any, **_kwargs: Any) -> bytes:
            raise ValueError("the background image is missing")

        monkeypatch.setattr(render, "render_pdf", broken)
        assert _read_all(person.id, version.course) == []
        enrollment_done = db.session.scalar(text("SELECT count(*) FROM enrollments WHERE user_id = :u "
                                                 "AND modules_completed_at IS NOT NULL"), {"u": person.id})
        assert enrollment_done == 1  # the completion itself is kept
        assert db.session.scalar(select(func.count()).select_from(CertificateSequence)) in (0, None) or all(
            s.last_value == 0 for s in db.session.scalars(select(CertificateSequence)))
        assert db.session.scalar(select(func.count()).select_from(CertificateFile)) == 0
        # the next try (the course page, the CLI) issues it once drawing works again
        monkeypatch.undo()
        (certificate,) = services.issue_due(person.id)
        assert certificate.serial.endswith("/000001") and certificate.status_index == 0
        db.session.rollback()


def test_revoke_then_reissue_keeps_everything(app: Flask, make_course, make_unit, make_user) -> None:
    cv = make_course(modules=1, sections=1)
    unit = make_unit()
    person = make_user(unit=unit, name="Budi Santoso")
    admin = make_user(Role.ADMIN_BKPSDM, unit=unit)
    with app.app_context():
        version = _certify(cv.id)
        (first,) = _read_all(person.id, version.course)
        actor = db.session.get(User, admin.id)
        with pytest.raises(ServiceError):
            services.revoke(first, actor, "  ")
        # a name correction: the roster changes, HR reissues
        db.session.get(User, person.id).name = "Budi Santoso, S.H."
        second = services.reissue(first, actor, "Gelar belum tercantum")
        assert first.state == CertificateState.REPLACED and first.replaced_at is not None
        assert second.replaces_id == first.id and second.generation == 2 and second.holder_name == "Budi Santoso, S.H."
        assert second.serial != first.serial and second.code != first.code
        assert services.replacement_of(first).id == second.id
        with pytest.raises(ServiceError):
            services.reissue(first, actor, "lagi")  # only a valid certificate
        services.revoke(second, actor, "Data tidak benar")
        assert second.state == CertificateState.REVOKED and second.revoke_reason == "Data tidak benar"
        with pytest.raises(ServiceError):
            services.revoke(second, actor, "dua kali")
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("certificate.%"))
                                          .order_by(AuditEvent.id)))
        assert actions == ["certificate.issue", "certificate.reissue", "certificate.replace", "certificate.revoke"]
        # a revoked or replaced certificate downloads as a copy marked so, not the issued PDF
        assert services.pdf_for_download(second) != services.stored_pdf(second)
        assert services.pdf_for_download(first).startswith(b"%PDF")
        db.session.rollback()


def test_certificates_and_their_pdfs_are_never_deleted(app: Flask, make_course, make_user) -> None:
    cv = make_course(modules=1, sections=1)
    person = make_user()
    with app.app_context():
        version = _certify(cv.id)
        (certificate,) = _read_all(person.id, version.course)
        for statement in (delete(CertificateFile).where(CertificateFile.certificate_id == certificate.id),
                          update(CertificateFile).where(CertificateFile.certificate_id == certificate.id)
                          .values(pdf=b"%PDF-forged"),
                          delete(Certificate).where(Certificate.id == certificate.id)):
            with pytest.raises(DatabaseError):
                with db.session.begin_nested():
                    db.session.execute(statement)
        assert services.stored_pdf(certificate).startswith(b"%PDF")
        db.session.rollback()


# --- two requests completing at once ----------------------------------------------------------


def test_concurrent_completion_issues_exactly_once(own_app: Flask) -> None:
    """Threads with real commits (own_app: an SQLite file, and PostgreSQL when configured) all try
    to issue the same person's certificate at once (a double tap, two workers): one certificate,
    serial 000001, and the next person gets 000002 (no number lost to the losers)."""
    from elearn.courses.models import CourseVersionModule, Enrollment, ModuleVersion, VersionStatus
    from elearn.org import services as org_services

    with own_app.app_context():
        instansi = org_services.create_instansi("serentak", "Pemerintah Kota Serentak", "WIB")
        unit = org_services.create_unit(instansi, "Dinas Sosial")
        people = [User(employee_number=make_nip(), name=f"Pegawai {n}", instansi_id=instansi.id, unit_id=unit.id)
                  for n in range(2)]
        db.session.add_all(people)
        course = Course(slug="serentak")
        db.session.add(course)
        db.session.flush()
        version = CourseVersion(course_id=course.id, number=1, status=VersionStatus.PUBLISHED, title="Serentak",
                                jp=2, requires={}, completion={"modules": "all"}, certificate={},
                                manifest_text="", content_hash="0" * 64, published_at=utcnow())
        db.session.add(version)
        db.session.flush()
        module = ModuleVersion(course_id=course.id, slug="01-m", title="M", minutes=5, objectives=["x"],
                               source_text="", content_hash="1" * 64, sections=[])
        db.session.add(module)
        db.session.flush()
        db.session.add(CourseVersionModule(course_version_id=version.id, module_version_id=module.id, position=0))
        for person in people:
            db.session.add(Enrollment(user_id=person.id, course_id=course.id, course_version_id=version.id,
                                      modules_completed_at=utcnow()))
        db.session.commit()
        ids = [p.id for p in people]
        course_id = course.id

    threads_n = 6
    barrier = threading.Barrier(threads_n)
    issued: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        with own_app.app_context():
            try:
                barrier.wait()
                for _attempt in range(20):
                    try:
                        got = services.issue_due(ids[0], course_ids=[course_id])
                        db.session.commit()
                        break
                    except DatabaseError:  # SQLite: a stale snapshot refused ("database is locked")
                        db.session.rollback()
                with lock:
                    issued.extend(c.serial for c in got)
            except BaseException as exc:  # noqa: BLE001
                with lock:
                    errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(issued) == 1 and issued[0].endswith("/000001")
    with own_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
        (second,) = services.issue_due(ids[1])
        db.session.commit()
        assert second.serial.endswith("/000002") and second.status_index == 1


# --- people who completed before certificates existed ------------------------------------------


def test_the_issue_command_backfills_once(app: Flask, make_course, make_instansi, make_unit, make_user) -> None:
    from pledge_support import make_campaign as campaign_for

    cv = make_course(modules=1, sections=1)
    one, two = make_instansi(), make_instansi()
    done_one = [make_user(unit=make_unit(instansi=one)) for _ in range(3)]
    done_two = make_user(unit=make_unit(instansi=two))
    unsigned = make_user(unit=make_unit(instansi=one))  # read everything, never signed the pakta
    with app.app_context():
        pakta = make_pledge_version()
        signing = {one.id: campaign_for(one.id, pakta), two.id: campaign_for(two.id, pakta)}
        version = db.session.get(CourseVersion, cv.id)
        version.requires, version.completion = {"pledge": pakta.pledge_text.slug}, {"modules": "all",
                                                                                    "pledge_signed": True}
        db.session.flush()
        # they completed while the course gave no certificate
        for person in (*done_one, done_two, unsigned):
            _read_all(person.id, version.course)
        signed_at = utcnow().replace(microsecond=0) + dt.timedelta(minutes=5)  # after reading: the last part
        for person in (*done_one, done_two):
            learner = db.session.get(User, person.id)
            sign_as(signing[learner.instansi_id], learner, now=signed_at)
        _certify(cv.id)
        slug = version.course.slug
        db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["certificates", "issue", "--course", slug, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "4 complete without a certificate (dry run" in dry.output
    only_one = runner.invoke(args=["certificates", "issue", "--course", slug, "--instansi", one.slug])
    assert only_one.exit_code == 0, only_one.output
    assert "3 complete without a certificate; issued 3, already issued 0, failed 0" in only_one.output
    rest = runner.invoke(args=["certificates", "issue", "--course", slug,
                               "--base-url", "https://elearn.contoh.go.id"])
    assert "1 complete without a certificate; issued 1," in rest.output
    again = runner.invoke(args=["certificates", "issue", "--course", slug])
    assert "0 complete without a certificate; issued 0," in again.output
    with app.app_context():
        issued = list(db.session.scalars(select(Certificate).order_by(Certificate.id)))
        assert sorted(c.user_id for c in issued) == sorted(p.id for p in (*done_one, done_two))
        # completed when the last part was done (the pakta), not when the command ran
        assert all(c.completed_at == signed_at for c in issued)
        last = issued[-1]
        assert last.credential["credentialSubject"]["achievement"]["criteria"]["narrative"]
        # the --base-url run wrote its QR target under that address (the link annotation's URI)
        assert last.instansi_id == two.id
        assert f"https://elearn.contoh.go.id/verifikasi/sertifikat/{last.code}".encode() in services.stored_pdf(last)
    unknown = runner.invoke(args=["certificates", "issue", "--course", "tidak-ada"])
    assert unknown.exit_code != 0 and "no course tidak-ada" in unknown.output


def test_the_course_page_retries_an_issue_that_failed(app: Flask, client, make_course, make_user, login_as,
                                                       monkeypatch) -> None:
    """The signing certificate is unusable when the learner reads the last module: the completion
    stands, no certificate; once it works again, the next visit of the course page issues it."""
    from elearn.certificates import signing

    cv = make_course(modules=1, sections=1)
    person = make_user()
    with app.app_context():
        version = _certify(cv.id)
        slug, module = version.course.slug, version.modules[0].module.slug
        db.session.commit()

    def broken(_instansi: Any) -> None:
        raise signing.SigningError("Kata sandi sertifikat penanda tangan salah.")

    monkeypatch.setattr(signing, "signer_for", broken)
    login_as(person)
    saved = client.post(f"/kursus/{slug}/modul/{module}/kemajuan", data={"reached": "0", "complete": "1"})
    assert saved.status_code in (200, 302)
    page = client.get(f"/kursus/{slug}").get_data(as_text=True)
    assert "Sertifikat terbit" not in page
    with app.app_context():
        assert _certificates(person.id) == []
    monkeypatch.undo()
    page = client.get(f"/kursus/{slug}").get_data(as_text=True)
    assert "Sertifikat terbit" in page
    with app.app_context():
        (certificate,) = _certificates(person.id)
        assert certificate.serial in page and certificate.state == CertificateState.VALID


def test_a_backfill_takes_numbers_in_blocks_without_gaps(app: Flask, make_course, make_unit, make_user,
                                                         monkeypatch) -> None:
    """A backfill reserves each batch's numbers with one UPDATE per counter (issue 14: one per
    certificate grew PostgreSQL's row version chain in a long transaction) and gives back what a
    failed or already-done issue did not use: serials and status indices stay consecutive."""
    from support import count_statements

    cv = make_course(modules=1, sections=1)
    unit = make_unit("Dinas Arsip")
    people = [make_user(unit=unit) for _ in range(7)]
    with app.app_context():
        course = db.session.get(CourseVersion, cv.id).course
        for person in people:
            _read_all(person.id, course)  # completed while the course gave no certificate
        _certify(cv.id)
        # one already has theirs (issued live), one fails to draw
        (live,) = services.issue_due(people[0].id)
        failing = people[3].id
        draw = services._draw_and_sign

        def draw_or_fail(certificate, *args, **kwargs):  # type: ignore[no-untyped-def]
            if certificate.user_id == failing:
                raise services.IssueError("gambar gagal")
            return draw(certificate, *args, **kwargs)

        monkeypatch.setattr(services, "_draw_and_sign", draw_or_fail)
        with count_statements(app) as statements:
            result = services.backfill(course, batch_size=4, as_of_completion=True)
        assert (result.issued, result.already, result.failed) == (5, 0, 1)
        counter_updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE CERTIFICATE_SEQUENCES")]
        # per batch (2): one UPDATE per counter (serial year, status) and one giving back what is left
        assert len(counter_updates) <= 2 * 3, counter_updates
        issued = list(db.session.scalars(select(Certificate).where(Certificate.course_id == course.id)
                                          .order_by(Certificate.id)))
        assert live in issued and len(issued) == 6
        assert [int(c.serial.rsplit("/", 1)[1]) for c in issued] == list(range(1, 7))
        assert [c.status_index for c in issued] == list(range(6))
        assert failing not in {c.user_id for c in issued}
        counters = dict(db.session.execute(select(CertificateSequence.scope, CertificateSequence.last_value)
                                           .where(CertificateSequence.instansi_id == live.instansi_id)).all())
        assert counters == {live.serial.split("/")[-2]: 6, services.STATUS_SCOPE: 6}
        # the person whose drawing failed gets the next number once it works again
        monkeypatch.setattr(services, "_draw_and_sign", draw)
        (late,) = services.issue_due(failing)
        assert late.serial.endswith("/000007") and late.status_index == 6
        assert not db.session.info.get("certificate_number_blocks")
