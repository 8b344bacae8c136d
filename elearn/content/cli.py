"""``flask --app elearn content validate|sync|export``: the course, question bank, pledge text and
certificate template folders <-> the database.

Without a root option ``courses/``, ``quizzes/``, ``pledges/`` and ``certificates/`` are all handled
(CONTENT_ROOT / QUIZ_ROOT / PLEDGE_ROOT / CERTIFICATE_ROOT, default: the checkout's folders). ``--root`` names
the course folder, ``--quizzes-root`` the quiz folder, ``--pledges-root`` the pledge folder and
``--certificates-root`` the template folder; giving only some of them handles only those kinds of content.
(Certificate templates are not exported: their rows are the folder as synced, kept for the certificates
drawn with them.)
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..db import db
from . import certificates, courses, pledges, quiz_bias, quizzes

content_cli = AppGroup("content", help="Course folders (courses/), question banks (quizzes/), pledge texts "
                                       "(pledges/) and certificate templates (certificates/): validate, load "
                                       "into the database, export.")


def default_root() -> Path:
    configured = current_app.config.get("CONTENT_ROOT")
    if configured:
        return Path(configured)
    return Path(current_app.root_path).parent / "courses"


def default_quiz_root() -> Path:
    configured = current_app.config.get("QUIZ_ROOT")
    if configured:
        return Path(configured)
    return Path(current_app.root_path).parent / "quizzes"


def _roots(root: str | None, quizzes_root: str | None, pledges_root: str | None = None,
           certificates_root: str | None = None) -> tuple[Path | None, Path | None, Path | None, Path | None]:
    """(course root, quiz root, pledge root, certificate template root); None for the kind not asked for."""
    if root is None and quizzes_root is None and pledges_root is None and certificates_root is None:
        return (default_root(), default_quiz_root(), pledges.default_pledge_root(),
                certificates.default_certificate_root())
    return tuple(Path(r) if r else None  # type: ignore[return-value]
                 for r in (root, quizzes_root, pledges_root, certificates_root))


_ROOT_HELP = "Folder holding the course folders (default: courses/ of the checkout)."
_QUIZ_ROOT_HELP = "Folder holding the question bank folders (default: quizzes/ of the checkout)."
_PLEDGE_ROOT_HELP = "Folder holding the pledge texts (default: pledges/ of the checkout)."
_CERTIFICATE_ROOT_HELP = "Folder holding the certificate template folders (default: certificates/ of the checkout)."


def _check(root: Path, problems: list[courses.ContentError], summary: str) -> str | None:
    """Print the problems; None when there is no error (then the summary is printed)."""
    for problem in problems:
        click.echo(str(problem), err=not problem.warning)
    errors = [p for p in problems if not p.warning]
    if errors:
        return f"{len(errors)} error(s) in {root}"
    click.echo(f"{root}: {summary} valid" + (f", {len(problems)} warning(s)" if problems else "") + ".")
    return None


@content_cli.command("validate")
@click.option("--root", help=_ROOT_HELP)
@click.option("--quizzes-root", help=_QUIZ_ROOT_HELP)
@click.option("--pledges-root", help=_PLEDGE_ROOT_HELP)
@click.option("--certificates-root", help=_CERTIFICATE_ROOT_HELP)
@click.option("--strict", is_flag=True, help="Fail when the question banks' bias report finds a guessing cue "
                                            "(the right option mostly the longest, true/false keys one-sided, a "
                                            "feed action always right); without it they are warnings.")
def validate(root: str | None, quizzes_root: str | None, pledges_root: str | None,
             certificates_root: str | None, strict: bool) -> None:
    """Check every course and bank folder, pledge text and certificate template; prints file:line: message
    for every problem, and a bias report per question bank."""
    course_root, quiz_root, pledge_root, template_root = _roots(root, quizzes_root, pledges_root,
                                                                certificates_root)
    failed: list[str | None] = []
    if course_root is not None:
        failed.append(_check(course_root, courses.validate_tree(course_root),
                             f"{len(courses.course_dirs(course_root))} course(s)"))
    if quiz_root is not None:
        docs = [quizzes.load_bank_dir(path) for path in quizzes.bank_dirs(quiz_root)]
        failed.append(_check(quiz_root, quizzes.validate_quiz_tree(quiz_root),
                             f"{len(docs)} bank(s), {sum(len(d.questions) for d in docs)} question(s), "
                             f"{sum(len(d.quizzes) for d in docs)} quiz(zes)"))
        failed.append(_bias(quiz_root, strict))
        if course_root is not None:
            problems = required_quiz_problems(course_root, docs)
            failed.append(_check(course_root, problems, "required quizzes") if problems else None)
    if pledge_root is not None:
        failed.append(_check(pledge_root, pledges.validate_pledge_tree(pledge_root),
                             f"{len(pledges.pledge_files(pledge_root))} pledge text(s)"))
    if template_root is not None:
        failed.append(_check(template_root, certificates.validate_template_tree(template_root),
                             f"{len(certificates.template_dirs(template_root))} certificate template(s)"))
    if any(failed):
        raise click.ClickException("; ".join(f for f in failed if f))


def required_quiz_problems(course_root: Path, banks: list[quizzes.BankDoc]) -> list[courses.ContentError]:
    """A course whose completion rule requires a quiz written for one audience (``audience:``, e.g. the
    leaders' quiz) would leave everyone else of the course with a step they can never take: an error.
    (A quiz not found among ``banks`` may be an instansi's own; it is not judged here.)"""
    import yaml

    audience = {doc.data.get("slug"): (doc.data.get("audience"), doc.file)
                for bank in banks for doc in bank.quizzes if doc.data.get("audience")}
    problems: list[courses.ContentError] = []
    for path in courses.course_dirs(course_root):
        manifest_path = path / "course.yaml"
        try:
            manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue  # reported by the course's own check
        requires = manifest.get("requires") if isinstance(manifest, dict) else None
        slug = requires.get("quiz") if isinstance(requires, dict) else None
        if slug in audience:
            lines = manifest_path.read_text(encoding="utf-8").splitlines()
            line = next((i for i, text in enumerate(lines, 1) if text.strip().startswith("quiz:")), 1)
            who, quiz_file = audience[slug]
            problems.append(courses.ContentError(
                str(manifest_path), line,
                f"requires.quiz {slug} is only for audience '{who}' ({quiz_file}): learners outside it could "
                "never finish the course; require a quiz for everyone"))
    return problems


def _bias(root: Path, strict: bool) -> str | None:
    """Print each bank's bias report and its findings (warnings); with ``strict`` the findings fail."""
    reports = quiz_bias.bias_tree(root)
    for report in reports:
        click.echo(report.summary())
    findings = quiz_bias.bias_warnings(reports)
    for finding in findings:
        click.echo(str(finding))
    if strict and findings:
        return f"{len(findings)} bias finding(s) in {root} (--strict)"
    return None


@content_cli.command("sync")
@click.option("--root", help=_ROOT_HELP)
@click.option("--quizzes-root", help=_QUIZ_ROOT_HELP)
@click.option("--pledges-root", help=_PLEDGE_ROOT_HELP)
@click.option("--course", "slugs", multiple=True, help="Only this course slug (repeatable).")
@click.option("--bank", "banks", multiple=True, help="Only this question bank slug (repeatable).")
@click.option("--pledge", "pledge_slugs", multiple=True, help="Only this pledge text slug (repeatable).")
@click.option("--certificates-root", help=_CERTIFICATE_ROOT_HELP)
@click.option("--template", "template_keys", multiple=True, help="Only this certificate template key (repeatable).")
def sync(root: str | None, quizzes_root: str | None, pledges_root: str | None, slugs: tuple[str, ...],
         banks: tuple[str, ...], pledge_slugs: tuple[str, ...], certificates_root: str | None,
         template_keys: tuple[str, ...]) -> None:
    """Load the folders; a changed course gets a new published version, a changed question, pledge text or
    certificate template a new version."""
    course_root, quiz_root, pledge_root, template_root = _roots(root, quizzes_root, pledges_root,
                                                                certificates_root)
    if (root is None and quizzes_root is None and pledges_root is None and certificates_root is None
            and (slugs or banks or pledge_slugs or template_keys)):
        # --course alone syncs only courses, --bank alone only banks, --pledge alone only pledge texts,
        # --template alone only certificate templates
        course_root = course_root if slugs else None
        quiz_root = quiz_root if banks else None
        pledge_root = pledge_root if pledge_slugs else None
        template_root = template_root if template_keys else None
    try:
        course_report = courses.sync_courses(course_root, slugs=list(slugs) or None) if course_root else None
        quiz_report = quizzes.sync_quizzes(quiz_root, slugs=list(banks) or None) if quiz_root else None
        pledge_report = (pledges.sync_pledges(pledge_root, slugs=list(pledge_slugs) or None)
                         if pledge_root else None)
        template_report = (certificates.sync_templates(template_root, keys=list(template_keys) or None)
                           if template_root else None)
    except courses.ContentInvalid as exc:
        db.session.rollback()
        for problem in exc.errors:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(exc.errors)} error(s); nothing was loaded") from None
    db.session.commit()
    if course_report is not None:
        for warning in course_report.errors:
            click.echo(str(warning), err=True)
        for slug, status in course_report.courses.items():
            click.echo(f"{slug}: {status} (version {course_report.versions[slug]})")
    if quiz_report is not None:
        for warning in quiz_report.errors:
            click.echo(str(warning), err=True)
        for slug, status in quiz_report.banks.items():
            counts = quiz_report.counts(slug)
            changed = sum(1 for s in quiz_report.quizzes.values() if s != "unchanged")
            click.echo(f"{slug}: bank {status}; questions: {counts['created']} created, {counts['updated']} updated, "
                       f"{counts['unchanged']} unchanged, {counts['retired']} retired; "
                       f"quizzes: {len(quiz_report.quizzes)} ({changed} changed)")
    if pledge_report is not None:
        for warning in pledge_report.errors:
            click.echo(str(warning), err=True)
        for slug, status in pledge_report.texts.items():
            click.echo(f"{slug}: pledge text {status} (version {pledge_report.versions[slug]})")
    if template_report is not None:
        for warning in template_report.errors:
            click.echo(str(warning), err=True)
        for key, status in template_report.templates.items():
            click.echo(f"{key}: certificate template {status}")


@content_cli.command("export")
@click.option("--root", help="Folder to write the course folders into.")
@click.option("--quizzes-root", help="Folder to write the question bank folders into.")
@click.option("--pledges-root", help="Folder to write the pledge texts into.")
@click.option("--course", "slugs", multiple=True, help="Only this course slug (repeatable).")
@click.option("--bank", "banks", multiple=True, help="Only this question bank slug (repeatable).")
@click.option("--pledge", "pledge_slugs", multiple=True, help="Only this pledge text slug (repeatable).")
def export(root: str | None, quizzes_root: str | None, pledges_root: str | None, slugs: tuple[str, ...],
           banks: tuple[str, ...], pledge_slugs: tuple[str, ...]) -> None:
    """Write each course's published version, each question bank and each pledge text back to files."""
    if not root and not quizzes_root and not pledges_root:
        raise click.UsageError("give --root (courses), --quizzes-root (question banks) and/or --pledges-root "
                               "(pledge texts)")
    if root:
        result = courses.export_courses(Path(root), list(slugs) or None)
        if slugs and not result:
            raise click.ClickException("no published course with that slug")
        for slug, files in result.items():
            click.echo(f"{slug}: {len(files)} file(s) written to {Path(root) / slug}")
    if quizzes_root:
        banks_written = quizzes.export_quizzes(Path(quizzes_root), list(banks) or None)
        if banks and not banks_written:
            raise click.ClickException("no question bank with that slug")
        for slug, files in banks_written.items():
            click.echo(f"{slug}: {len(files)} file(s) written to {Path(quizzes_root) / slug}")
    if pledges_root:
        texts_written = pledges.export_pledges(Path(pledges_root), list(pledge_slugs) or None)
        if pledge_slugs and not texts_written:
            raise click.ClickException("no pledge text with that slug")
        for slug, path in texts_written.items():
            click.echo(f"{slug}: written to {path}")


def register(app: Flask) -> None:
    app.cli.add_command(content_cli)
