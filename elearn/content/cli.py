"""``flask --app elearn content validate|sync|export``: the course folders <-> the database."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..db import db
from . import courses

content_cli = AppGroup("content", help="Course folders (courses/): validate, load into the database, export.")


def default_root() -> Path:
    configured = current_app.config.get("CONTENT_ROOT")
    if configured:
        return Path(configured)
    return Path(current_app.root_path).parent / "courses"


def _root(value: str | None) -> Path:
    return Path(value) if value else default_root()


@content_cli.command("validate")
@click.option("--root", help="Folder holding the course folders (default: courses/ of the checkout).")
def validate(root: str | None) -> None:
    """Check every course folder; prints file:line: message for every problem."""
    path = _root(root)
    problems = courses.validate_tree(path)
    for problem in problems:
        click.echo(str(problem), err=not problem.warning)
    errors = [p for p in problems if not p.warning]
    if errors:
        raise click.ClickException(f"{len(errors)} error(s) in {path}")
    click.echo(f"{path}: {len(courses.course_dirs(path))} course(s) valid"
               + (f", {len(problems)} warning(s)" if problems else "") + ".")


@content_cli.command("sync")
@click.option("--root", help="Folder holding the course folders (default: courses/ of the checkout).")
@click.option("--course", "slugs", multiple=True, help="Only this course slug (repeatable).")
def sync(root: str | None, slugs: tuple[str, ...]) -> None:
    """Load the course folders; a changed course gets a new published version."""
    path = _root(root)
    try:
        report = courses.sync_courses(path, slugs=list(slugs) or None)
    except courses.ContentInvalid as exc:
        db.session.rollback()
        for problem in exc.errors:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(exc.errors)} error(s); nothing was loaded") from None
    db.session.commit()
    for warning in report.errors:
        click.echo(str(warning), err=True)
    for slug, status in report.courses.items():
        click.echo(f"{slug}: {status} (version {report.versions[slug]})")


@content_cli.command("export")
@click.option("--root", required=True, help="Folder to write the course folders into.")
@click.option("--course", "slugs", multiple=True, help="Only this course slug (repeatable).")
def export(root: str, slugs: tuple[str, ...]) -> None:
    """Write each course's published version back to files."""
    result = courses.export_courses(Path(root), list(slugs) or None)
    if slugs and not result:
        raise click.ClickException("no published course with that slug")
    for slug, files in result.items():
        click.echo(f"{slug}: {len(files)} file(s) written to {Path(root) / slug}")


def register(app: Flask) -> None:
    app.cli.add_command(content_cli)
