"""Pledge texts (``pledges/<slug>.md``) <-> the database.

``validate_pledge_tree`` reports every problem with its file and line; ``sync_pledges`` loads the
files (idempotent: an unchanged file creates nothing; a changed file makes a new
``PledgeTextVersion`` and becomes the text's current version, while campaigns and signatures keep
the version they pinned); ``export_pledges`` writes each text's current version back so a round
trip changes nothing. The format is described in pledges/README.md. Flushes only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ..accounts.models import User
from ..audit.services import record
from ..db import analyze, db
from ..pledges.models import PledgeText, PledgeTextVersion
from ..pledges.services import PLACEHOLDERS
from .courses import ContentError, ContentInvalid, language_problem, read_front_matter, sha256

PLEDGE_KEYS = {"slug", "title", "version", "language"}
PLEDGE_REQUIRED = {"slug", "title", "version"}
#: a pledge that does not name its signer, their NIP and the date is not a pledge
REQUIRED_PLACEHOLDERS = ("nama", "nip", "tanggal")
_BRACES = re.compile(r"\{([^{}\n]*)\}")


@dataclass
class PledgeDoc:
    filename: str
    slug: str
    meta: dict[str, Any]
    body: str
    source_text: str
    errors: list[ContentError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(not e.warning for e in self.errors)


@dataclass
class PledgeSyncReport:
    #: slug -> "created" (new text), "updated" (new current version), "unchanged"
    texts: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    errors: list[ContentError] = field(default_factory=list)


def normalise(text: str) -> str:
    """The stored form of a file: LF line ends, one final newline."""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n") + "\n"


def pledge_files(root: Path) -> list[Path]:
    """The pledge files of a folder (every ``*.md`` except the README)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob("*.md") if p.is_file() and p.name.lower() != "readme.md")


def parse_pledge_source(text: str, filename: str) -> PledgeDoc:
    """Parse and check one pledge file; problems are in ``.errors`` (nothing raises)."""
    text = normalise(text)
    stem = filename[:-3] if filename.endswith(".md") else filename
    doc = read_front_matter(text, filename, PLEDGE_KEYS, PLEDGE_REQUIRED, slug_of=stem)
    if doc.unreadable:
        return PledgeDoc(filename, stem, {}, text, text, errors=doc.errors)
    meta, body, body_line, errors = doc.meta, doc.body, doc.body_line, doc.errors
    err, line_of = doc.err, doc.line_of
    slug = meta.get("slug")
    version = meta.get("version")
    if "version" in meta and (isinstance(version, bool) or not isinstance(version, (str, int, float))
                              or not str(version).strip()):
        err(line_of("version"), "version must be a label such as 1 or 2024.1")
    if "language" in meta and (problem := language_problem(meta["language"])):
        err(line_of("language"), problem)

    if not body.strip():
        err(body_line, "the pledge text is empty")
    seen: set[str] = set()
    for offset, line in enumerate(body.split("\n")):
        for found in _BRACES.finditer(line):
            name = found.group(1)
            if name in PLACEHOLDERS:
                seen.add(name)
            else:
                err(body_line + offset, f"unknown placeholder {{{name}}} (allowed: "
                                        f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)})")
    for name in REQUIRED_PLACEHOLDERS:
        if body.strip() and name not in seen:
            err(body_line, f"the text must contain the placeholder {{{name}}}")
    return PledgeDoc(filename, slug if isinstance(slug, str) else stem, meta, body.strip("\n") + "\n", text,
                     errors=errors)


def load_pledge_file(path: Path) -> PledgeDoc:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return PledgeDoc(path.name, path.stem, {}, "", "", errors=[ContentError(path.name, 1, "file is not UTF-8")])
    return parse_pledge_source(text, path.name)


def validate_pledge_tree(root: Path) -> list[ContentError]:
    if not root.is_dir():
        return [ContentError(str(root), 1, "folder does not exist")]
    errors: list[ContentError] = []
    for path in pledge_files(root):
        errors.extend(load_pledge_file(path).errors)
    return errors


def _sync_pledge(doc: PledgeDoc, actor: User | None) -> tuple[str, int]:
    title = str(doc.meta["title"]).strip()
    text = db.session.scalar(select(PledgeText).where(PledgeText.slug == doc.slug))
    created = text is None
    if text is None:
        text = PledgeText(slug=doc.slug, title=title)
        db.session.add(text)
        db.session.flush()
    digest = sha256(doc.source_text)
    version = db.session.scalar(select(PledgeTextVersion).where(
        PledgeTextVersion.pledge_text_id == text.id, PledgeTextVersion.content_hash == digest))
    if version is not None and text.current_number == version.number:
        return "unchanged", version.number
    if version is None:
        number = (db.session.scalar(select(func.max(PledgeTextVersion.number))
                                    .where(PledgeTextVersion.pledge_text_id == text.id)) or 0) + 1
        version = PledgeTextVersion(
            pledge_text_id=text.id, number=number, title=title, body=doc.body, source_text=doc.source_text,
            content_hash=digest, language=str(doc.meta.get("language") or "id"),
        )
        db.session.add(version)
        db.session.flush()
    # a new version, or the file went back to an earlier one: that one is current again
    text.current_number = version.number
    text.title = title
    db.session.flush()
    record("content.sync_pledge", actor=actor, instansi_id=None, target=version,
           details={"pledge": doc.slug, "version": version.number, "label": str(doc.meta.get("version"))})
    return ("created" if created else "updated"), version.number


def sync_pledges(root: Path, *, actor: User | None = None, slugs: list[str] | None = None) -> PledgeSyncReport:
    """Load every pledge file under ``root``. Nothing is written when any file has errors
    (raises ContentInvalid). Flushes only."""
    errors = validate_pledge_tree(root)
    hard = [e for e in errors if not e.warning]
    if hard:
        raise ContentInvalid(hard)
    report = PledgeSyncReport(errors=errors)
    for path in pledge_files(root):
        doc = load_pledge_file(path)  # its slug is its file name: unique in the folder
        if slugs and doc.slug not in slugs:
            continue
        status, number = _sync_pledge(doc, actor)
        report.texts[doc.slug] = status
        report.versions[doc.slug] = number
    if any(status != "unchanged" for status in report.texts.values()):
        # a bulk load: fresh planner statistics on PostgreSQL (issue 14; a no-op on SQLite)
        analyze("pledge_texts", "pledge_text_versions")
    return report


def export_pledges(root: Path, slugs: list[str] | None = None) -> dict[str, Path]:
    """Write each text's current version to ``root/<slug>.md``."""
    stmt = (select(PledgeText.slug, PledgeTextVersion.source_text)
            .join(PledgeTextVersion, PledgeTextVersion.pledge_text_id == PledgeText.id)
            .where(PledgeTextVersion.number == PledgeText.current_number).order_by(PledgeText.slug))
    if slugs:
        stmt = stmt.where(PledgeText.slug.in_(slugs))
    root.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for slug, source_text in db.session.execute(stmt):
        path = root / f"{slug}.md"
        path.write_text(source_text, encoding="utf-8")
        written[slug] = path
    return written


def default_pledge_root() -> Path:
    """PLEDGE_ROOT, or pledges/ of the checkout."""
    from flask import current_app

    configured = current_app.config.get("PLEDGE_ROOT")
    if configured:
        return Path(configured)
    return Path(current_app.root_path).parent / "pledges"


def load_shipped_pledges(root: Path | None = None) -> str:
    """Sync the shipped pledge texts (seed-demo); idempotent. Returns why nothing was loaded, or ""."""
    root = root or default_pledge_root()
    if not pledge_files(root):
        return f"no pledge texts in {root}"
    try:
        sync_pledges(root)
    except ContentInvalid as exc:
        return f"pledge texts in {root} are not valid ({len(exc.errors)} errors): run `content validate`"
    return ""
