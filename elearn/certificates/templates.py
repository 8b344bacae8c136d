"""The certificate templates an instansi can use: ``ensure_current(key)`` and ``available_templates()``.

Templates are content (``certificates/<key>/``, read only by ``elearn.content.certificates``) and
are loaded by ``flask --app elearn content sync``. A key that was never synced is loaded from the
folder the first time it is needed, so a fresh installation can issue without a sync. Flushes only.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..content.certificates import default_certificate_root, load_template_dir, store_template, template_dirs
from ..content.courses import SLUG
from ..db import db
from .models import CertificateTemplate

DEFAULT_KEY = "default"


class TemplateError(Exception):
    """A template that does not exist or is not valid (the message says which and why)."""


@dataclass(frozen=True)
class TemplateChoice:
    key: str
    title: str


def current_template(key: str) -> CertificateTemplate | None:
    return db.session.scalar(select(CertificateTemplate).where(CertificateTemplate.key == key,
                                                               CertificateTemplate.current.is_(True))
                             .order_by(CertificateTemplate.id.desc()).limit(1))


def ensure_current(key: str) -> CertificateTemplate:
    """The current version of template ``key``; when it was never synced, it is loaded from its folder
    (validated, inserted and made current). Raises ``TemplateError`` when there is no such template or
    its folder is not valid."""
    row = current_template(key)
    if row is not None:
        return row
    if not isinstance(key, str) or not SLUG.match(key) or len(key) > 64:
        raise TemplateError(f"certificate template {key!r}: not a template key (a-z, 0-9, '-')")
    root = default_certificate_root()
    path = root / key
    if not path.is_dir():
        raise TemplateError(f"certificate template {key!r} does not exist (no folder {path})")
    doc = load_template_dir(path)
    problems = [e for e in doc.errors if not e.warning]
    if problems:
        raise TemplateError(f"certificate template {key!r} is not valid: "
                            + "; ".join(str(p) for p in problems[:5])
                            + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
    try:
        with db.session.begin_nested():
            _, row = store_template(doc)
    except IntegrityError:
        # another worker loaded the same folder at the same moment: use its row
        row = db.session.scalar(select(CertificateTemplate).where(
            CertificateTemplate.key == key, CertificateTemplate.content_hash == doc.content_hash))
        if row is None:
            raise
    return row


def available_templates() -> list[TemplateChoice]:
    """The templates an admin may choose: every synced key (its current title) and every valid folder
    not synced yet, by key."""
    choices = {key: title for key, title in db.session.execute(
        select(CertificateTemplate.key, CertificateTemplate.title).where(CertificateTemplate.current.is_(True)))}
    for path in template_dirs(default_certificate_root()):
        if path.name not in choices and SLUG.match(path.name):
            doc = load_template_dir(path)
            if doc.ok:
                choices[path.name] = doc.title
    return [TemplateChoice(key, title) for key, title in sorted(choices.items())]
