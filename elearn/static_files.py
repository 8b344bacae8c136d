"""Static files under names carrying their content hash, cached by browsers for a year (issue 14,
point 5: a phone on weak data downloads the CSS and JS once, then only the page).

Every template keeps writing ``url_for('static', filename='css/app.css')`` and gets
``/static/css/app.3f2a1b9c0d.css``: the hashes are computed once, when the app is created, from the
files' bytes (``init_app``); a changed file gets a new name, so a cached copy is never stale and is
served ``Cache-Control: public, max-age=31536000, immutable``. The plain name still answers (HTML
cached by a browser before a deploy, or a script that builds a URL itself) with a short lifetime
and revalidation. Nothing here is shared between workers: each computes the same names from the
same files. Behind nginx, /static/ can be served by nginx itself (README: Production).
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app, send_from_directory

#: a year: the most browsers keep anything, and a hashed name never changes content
IMMUTABLE_MAX_AGE = 365 * 24 * 3600
#: the plain (unhashed) name: re-checked after this (ETag / Last-Modified answer 304)
PLAIN_MAX_AGE = 300
HASH_LENGTH = 10
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{%d})(?P<suffix>\.[A-Za-z0-9]+)$" % HASH_LENGTH)


def hashed_name(filename: str, digest: str) -> str:
    """``css/app.css`` -> ``css/app.<hash>.css`` (a name without a suffix gets the hash appended)."""
    stem, dot, suffix = filename.rpartition(".")
    if not dot or "/" in suffix:
        return f"{filename}.{digest}"
    return f"{stem}.{digest}.{suffix}"


def build_manifest(folder: str | os.PathLike[str]) -> dict[str, str]:
    """Every file under ``folder`` (relative, '/'-separated) -> its hashed name."""
    root = Path(folder)
    manifest: dict[str, str] = {}
    if not root.is_dir():
        return manifest
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
        manifest[relative] = hashed_name(relative, digest)
    return manifest


def init_app(app: Flask) -> None:
    """Hash the static files and serve them under their hashed names."""
    manifest = build_manifest(app.static_folder or "")
    app.extensions["elearn_static"] = {"by_name": manifest, "by_hashed": {v: k for k, v in manifest.items()}}

    def _hashed_url(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static":
            name = values.get("filename")
            if isinstance(name, str) and name in manifest:
                values["filename"] = manifest[name]

    app.url_defaults(_hashed_url)
    app.view_functions["static"] = serve_static


def serve_static(filename: str) -> Any:
    """A hashed name (of the current files): a year, immutable; a plain name, or the hashed name
    of an older build: the current file, kept a short time."""
    tables = current_app.extensions["elearn_static"]
    folder = current_app.static_folder
    if folder is None:
        abort(404)
    original = tables["by_hashed"].get(filename)
    if original is not None:
        response = send_from_directory(folder, original, max_age=IMMUTABLE_MAX_AGE)
        response.cache_control.public = True
        response.cache_control.immutable = True
        return response
    match = _HASHED.match(filename)
    if match is not None and filename not in tables["by_name"]:
        # the name of an older build (a page cached before a deploy): today's file, not kept long
        filename = match.group("stem") + match.group("suffix")
    response = send_from_directory(folder, filename, max_age=PLAIN_MAX_AGE)
    response.cache_control.public = True
    return response
