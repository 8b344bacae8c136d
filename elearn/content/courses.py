"""Course folders (``courses/<slug>/``) <-> the database.

``validate_tree`` checks every folder and reports every problem with its file and line;
``sync_courses`` loads the folders (idempotent: unchanged content creates nothing; a changed
file makes a new published course version that reuses the unchanged module versions);
``export_courses`` writes the published versions back so a round trip changes nothing.

This module is the only code that reads the course folders. Services flush, never commit.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import warnings
from struct import error as struct_error
from dataclasses import dataclass, field
from pathlib import Path
from io import BytesIO
from typing import Any, NamedTuple

import yaml
from flask import current_app, has_app_context
from markdown_it import MarkdownIt
from sqlalchemy import func, select

from ..accounts.models import EmployeeType, User
from ..audit.services import record
from ..courses.models import (
    Course,
    CourseAsset,
    CourseVersion,
    CourseVersionModule,
    ModuleVersion,
    VersionStatus,
)
from ..db import analyze, db
from .checks import find_checks, has_checks
from .markdown import FRONT_MATTER, FrontMatterError, render_sections, split_front_matter

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MODULE_FILE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\.md$")
MAX_IMAGE_BYTES = 150 * 1024
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}
MIME_EXT = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}
#: course images are decoded on learners' phones: largest side and pixel count (the app's
#: COURSE_IMAGE_MAX_SIDE / COURSE_IMAGE_MAX_PIXELS override these)
IMAGE_MAX_SIDE = 4096
IMAGE_MAX_PIXELS = 16_000_000
ASSET_URL = "/kursus/aset/{hash}{ext}"
_ASSET_IN_HTML = re.compile(r"/kursus/aset/([0-9a-f]{64})\.")

COURSE_KEYS = {"slug", "title", "summary", "audience", "version", "jp", "language", "modules", "requires",
               "completion", "certificate", "variables"}
COURSE_REQUIRED = {"slug", "title", "summary", "audience", "version", "jp", "modules"}
REQUIRES_KEYS = {"quiz", "pledge"}
COMPLETION_KEYS = {"modules", "quiz_pass", "pledge_signed", "attendance"}
#: ``completion.attendance``: the kind of event a learner must have attended (courses.completion)
ATTENDANCE_VALUES = ("apel", "sosialisasi", "bimtek", "any")
#: ``certificate:`` in course.yaml (absent: the course issues no certificate). ``template``: a
#: template key of certificates/ (default: the one the instansi chose); ``criteria``: what earning
#: it took, in words (the Open Badge's criteria narrative; default: said from the completion rule)
CERTIFICATE_KEYS = {"template", "criteria"}
#: ``variables:`` in course.yaml: facts that change over time (who supervises neutrality now, ...),
#: written once and shown wherever a module's text says ``{{name}}``. Each is ``name: text`` or
#: ``name: {text: ..., review_by: YYYY-MM-DD}``; validate warns once ``review_by`` has passed.
VARIABLE_KEYS = {"text", "review_by"}
VARIABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
VARIABLE_TEXT_LIMIT = 1000
#: a variable in a module's text: ``{{name}}`` (spaces inside the braces allowed)
PLACEHOLDER = re.compile(r"\{\{\s*([^{}\n]*?)\s*\}\}")
MODULE_KEYS = {"title", "minutes", "objectives", "references", "sources"}
MODULE_REQUIRED = {"title", "minutes", "objectives"}
LANGUAGES = {"id", "en"}


@dataclass(frozen=True)
class ContentError:
    file: str
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        prefix = "warning: " if self.warning else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}"


class ContentInvalid(Exception):
    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class ImageRef:
    src: str
    alt: str
    line: int


@dataclass
class ModuleDoc:
    filename: str
    slug: str
    meta: dict[str, Any]
    body: str
    source_text: str
    images: list[ImageRef] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)
    #: line of the file where the body starts
    body_line: int = 1

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or self.slug)


@dataclass
class CourseDoc:
    path: Path
    slug: str
    manifest: dict[str, Any]
    manifest_text: str
    modules: list[ModuleDoc] = field(default_factory=list)
    #: "images/x.webp" -> bytes, for every valid image referenced by a module
    images: dict[str, bytes] = field(default_factory=dict)
    errors: list[ContentError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(not e.warning for e in self.errors)


@dataclass
class SyncReport:
    #: slug -> "created" (new course), "updated" (new version), "unchanged"
    courses: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    errors: list[ContentError] = field(default_factory=list)


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


# --- YAML with line numbers ---------------------------------------------------------------


def _node_lines(text: str, offset: int) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Line (1-based, plus ``offset``) of each top-level key, and of each item of list values."""
    keys: dict[str, int] = {}
    items: dict[str, list[int]] = {}
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return keys, items
    if not isinstance(node, yaml.MappingNode):
        return keys, items
    for key_node, value_node in node.value:
        name = str(key_node.value)
        keys[name] = key_node.start_mark.line + 1 + offset
        if isinstance(value_node, yaml.SequenceNode):
            items[name] = [item.start_mark.line + 1 + offset for item in value_node.value]
    return keys, items


# --- checks shared by course manifests, module files and pledge files ----------------------


def slug_problem(slug: Any, name: str, where: str) -> str | None:
    """Why ``slug`` is not a valid slug equal to ``name`` (``where`` names what it must equal,
    e.g. "the folder name 'x'"), or None."""
    if not isinstance(slug, str) or not SLUG.match(slug) or len(slug) > 64:
        return "slug must use a-z, 0-9 and '-' (at most 64 characters)"
    if slug != name:
        return f"slug '{slug}' must equal {where}"
    return None


def language_problem(value: Any) -> str | None:
    """Why ``value`` is not one of the content languages, or None (a list or mapping included)."""
    if not isinstance(value, str) or value not in LANGUAGES:
        return f"language must be one of: {', '.join(sorted(LANGUAGES))}"
    return None


def text_problem(key: str, value: Any, limit: int) -> str | None:
    """Why ``value`` of ``key`` is not non-empty text of at most ``limit`` characters, or None."""
    if not isinstance(value, str) or not value.strip():
        return f"{key} must be non-empty text"
    if len(value) > limit:
        return f"{key} is longer than {limit} characters"
    return None


@dataclass
class FrontMatter:
    """A Markdown content file (a module, a pledge text) split into front matter and body, with the
    problems found so far (``file:line``)."""

    filename: str
    meta: dict[str, Any]
    body: str
    #: line of the file where the body starts
    body_line: int
    #: line of each top-level key, and of each item of list values
    keys: dict[str, int]
    items: dict[str, list[int]]
    errors: list[ContentError]
    #: the front matter could not be read at all (``errors`` says why; ``meta`` is empty)
    unreadable: bool = False

    def line_of(self, key: str) -> int:
        return self.keys.get(key, 1)

    def err(self, line: int, message: str) -> None:
        self.errors.append(ContentError(self.filename, line, message))


def read_front_matter(text: str, filename: str, allowed: set[str], required: set[str], *,
                      slug_of: str | None = None) -> FrontMatter:
    """Split ``text`` and run the checks every front matter shares: unknown and missing keys,
    ``slug`` equal to the file name ``slug_of`` + ".md" (when given and the key is present), and
    ``title`` non-empty text of at most 200 characters (when present). Nothing raises."""
    try:
        meta, body, body_line = split_front_matter(text)
    except FrontMatterError as exc:
        return FrontMatter(filename, {}, text, 1, {}, {}, [ContentError(filename, exc.line, exc.message)],
                           unreadable=True)
    match = FRONT_MATTER.match(text)
    keys, items = _node_lines(match.group(1) if match else "", 1)
    doc = FrontMatter(filename, meta, body, body_line, keys, items, [])
    for key in meta:
        if key not in allowed:
            doc.err(doc.line_of(str(key)), f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")
    for key in sorted(required - set(meta)):
        doc.err(1, f"front matter: '{key}' is missing")
    if slug_of is not None and "slug" in meta:
        problem = slug_problem(meta["slug"], slug_of, f"the file name '{slug_of}.md'")
        if problem:
            doc.err(doc.line_of("slug"), problem)
    if "title" in meta:
        problem = text_problem("title", meta["title"], 200)
        if problem:
            doc.err(doc.line_of("title"), problem)
    return doc


# --- images --------------------------------------------------------------------------------


def image_type(data: bytes) -> str | None:
    """The MIME type from the magic bytes, or None when not PNG, JPEG or WebP."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class ImageSizeProblem(NamedTuple):
    """Why an image's dimensions are refused: ``unreadable`` (no valid header) or ``too_large``
    (``width``/``height`` None when Pillow's decompression-bomb guard tripped before giving them)."""

    code: str
    width: int | None
    height: int | None
    max_side: int
    max_pixels: int


def image_limits() -> tuple[int, int]:
    """(largest side, pixel count) allowed for a course image: the app's settings, or the defaults."""
    if has_app_context():
        return (int(current_app.config.get("COURSE_IMAGE_MAX_SIDE", IMAGE_MAX_SIDE)),
                int(current_app.config.get("COURSE_IMAGE_MAX_PIXELS", IMAGE_MAX_PIXELS)))
    return IMAGE_MAX_SIDE, IMAGE_MAX_PIXELS


def image_size_problem(data: bytes) -> ImageSizeProblem | None:
    """Check an image's dimensions from its header only (Pillow's ``open`` is lazy: it reads the
    header, never the pixels). Pillow's decompression-bomb warning is silenced (the limits here are
    stricter) and its error counts as too large."""
    from PIL import Image, UnidentifiedImageError

    max_side, max_pixels = image_limits()
    with warnings.catch_warnings():
        # the warning (over Image.MAX_IMAGE_PIXELS) only says what the limits below say, more loosely;
        # the error (over twice that) comes before the size is known
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data), formats=("PNG", "JPEG", "WEBP")) as image:
                width, height = image.size
        except Image.DecompressionBombError:
            return ImageSizeProblem("too_large", None, None, max_side, max_pixels)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct_error):
            return ImageSizeProblem("unreadable", None, None, max_side, max_pixels)
    if width < 1 or height < 1:
        return ImageSizeProblem("unreadable", width, height, max_side, max_pixels)
    if width > max_side or height > max_side or width * height > max_pixels:
        return ImageSizeProblem("too_large", width, height, max_side, max_pixels)
    return None


def check_image(name: str, data: bytes) -> str | None:
    """An error message (English, for files) or None when the image is acceptable."""
    ext = Path(name).suffix.lower()
    if ext not in IMAGE_TYPES:
        return f"image {name}: type {ext or '(none)'} not allowed (use .webp, .png or .jpg)"
    kind = image_type(data)
    if kind is None:
        return f"image {name}: content is not a PNG, JPEG or WebP image"
    if kind != IMAGE_TYPES[ext]:
        return f"image {name}: file is {kind} but named {ext}"
    if len(data) > MAX_IMAGE_BYTES:
        return f"image {name}: {len(data) // 1024} KB, at most {MAX_IMAGE_BYTES // 1024} KB allowed"
    size = image_size_problem(data)
    if size is not None and size.code == "unreadable":
        return f"image {name}: the image header cannot be read (damaged file?)"
    if size is not None:
        found = f"{size.width}×{size.height} pixels" if size.width else "more pixels than any decoder should take"
        return (f"image {name}: {found}, at most {size.max_side} pixels a side and "
                f"{size.max_pixels / 1e6:g} megapixels allowed (scale it down)")
    return None


# --- modules -------------------------------------------------------------------------------

_MD = MarkdownIt("commonmark", {"html": False}).enable("table")


def _image_refs(body: str, body_line: int) -> list[ImageRef]:
    refs = []
    for token in _MD.parse(body):
        line = body_line + (token.map[0] if token.map else 0)
        for child in token.children or []:
            if child.type == "image":
                refs.append(ImageRef(str(child.attrGet("src") or ""), child.content.strip(), line))
    return refs


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def parse_module_source(text: str, filename: str) -> ModuleDoc:
    """Parse and check one module file; problems are in ``.errors`` (nothing raises)."""
    slug = filename[:-3] if filename.endswith(".md") else filename
    doc = read_front_matter(text, filename, MODULE_KEYS, MODULE_REQUIRED)
    if doc.unreadable:
        return ModuleDoc(filename, slug, {}, text, text, errors=doc.errors)
    meta, body, body_line, items, errors = doc.meta, doc.body, doc.body_line, doc.items, doc.errors
    err, line_of = doc.err, doc.line_of
    minutes = meta.get("minutes")
    if "minutes" in meta and (isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 120):
        err(line_of("minutes"), "minutes must be a whole number from 1 to 120")
    if "objectives" in meta:
        objectives = meta["objectives"]
        if not isinstance(objectives, list) or not objectives:
            err(line_of("objectives"), "objectives must be a non-empty list of text")
        else:
            for i, item in enumerate(objectives):
                if not isinstance(item, str) or not item.strip():
                    err(items.get("objectives", [])[i] if i < len(items.get("objectives", [])) else line_of("objectives"),
                        f"objectives item {i + 1} must be non-empty text")
    if "references" in meta:
        references = meta["references"]
        if not isinstance(references, list):
            err(line_of("references"), "references must be a list of text")
        else:
            lines = items.get("references", [])
            for i, item in enumerate(references):
                if not isinstance(item, str) or not item.strip():
                    err(lines[i] if i < len(lines) else line_of("references"),
                        f"references item {i + 1} must be non-empty text")
    if "sources" in meta:
        sources = meta["sources"]
        if not isinstance(sources, list):
            err(line_of("sources"), "sources must be a list of {title, url}")
        else:
            lines = items.get("sources", [])
            for i, item in enumerate(sources):
                line = lines[i] if i < len(lines) else line_of("sources")
                if not isinstance(item, dict) or set(item) != {"title", "url"}:
                    err(line, f"sources item {i + 1} must have exactly 'title' and 'url'")
                    continue
                if not isinstance(item["title"], str) or not item["title"].strip():
                    err(line, f"sources item {i + 1}: title must be non-empty text")
                if not isinstance(item["url"], str) or not re.match(r"^https?://[^\s/]+\.[^\s]+$", item["url"]):
                    err(line, f"sources item {i + 1}: url must start with http:// or https://")
    if not any(line.startswith("## ") for line in body.splitlines()):
        err(body_line, "the body needs at least one section heading ('## ')")
    for _check, problems in find_checks(body, body_line):
        for problem in problems:
            err(problem.line, f"knowledge check: {problem.message}")
    refs = _image_refs(body, body_line)
    for ref in refs:
        if not ref.alt:
            err(ref.line, f"image {ref.src or '(empty)'} needs alt text: ![what it shows]({ref.src})")
        if not ref.src.startswith("images/") or "/" in ref.src[len("images/"):] or ".." in ref.src:
            err(ref.line, f"image {ref.src or '(empty)'} must be a file in images/, e.g. images/bagan.webp")
    return ModuleDoc(filename, slug, meta, body, text, images=refs, errors=errors, body_line=body_line)


def compose_module_source(meta: dict[str, Any], body: str) -> str:
    """Front matter + body, the way the authoring UI writes a module file."""
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    body = body.replace("\r\n", "\n").strip("\n")
    return f"---\n{front}---\n\n{body}\n"


def compose_manifest(manifest: dict[str, Any]) -> str:
    return yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=1000)


# --- course variables ----------------------------------------------------------------------


def variable_texts(value: Any) -> dict[str, str]:
    """name -> text of a ``variables:`` mapping of course.yaml; entries that are not valid are left out
    (validation reports them)."""
    if not isinstance(value, dict):
        return {}
    texts: dict[str, str] = {}
    for name, entry in value.items():
        text = entry.get("text") if isinstance(entry, dict) else entry
        if isinstance(name, str) and VARIABLE_NAME.match(name) and isinstance(text, str) and text.strip():
            texts[name] = text.strip()
    return texts


def manifest_variables(manifest_text: str) -> dict[str, Any]:
    """The ``variables:`` mapping of a course.yaml text as written ({} when there is none)."""
    try:
        manifest = yaml.load(manifest_text or "", Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return {}
    value = manifest.get("variables") if isinstance(manifest, dict) else None
    return value if isinstance(value, dict) else {}


def version_variables(version: CourseVersion) -> dict[str, str]:
    """name -> text of the variables of a course version (from its course.yaml)."""
    return variable_texts(manifest_variables(version.manifest_text))


def placeholders(body: str) -> list[tuple[int, str]]:
    """(line index in ``body``, name) of every ``{{name}}`` in a module's text."""
    return [(index, match.group(1)) for index, line in enumerate(body.split("\n"))
            for match in PLACEHOLDER.finditer(line)]


def fill_variables(body: str, texts: dict[str, str] | None) -> str:
    """``body`` with every ``{{name}}`` of a known variable replaced by its text (Markdown, rendered with
    the module); an unknown name stays as written (validation and authoring refuse it before)."""
    if not texts or "{{" not in body:
        return body
    return PLACEHOLDER.sub(lambda match: texts.get(match.group(1), match.group(0)), body)


def used_variables(body: str, texts: dict[str, str] | None) -> list[tuple[str, str]]:
    """(name, text) of the known variables a module's text uses, sorted: part of its content hash."""
    if not texts:
        return []
    return sorted({(name, texts[name]) for _index, name in placeholders(body) if name in texts})


def _variable_lines(text: str) -> dict[str, int]:
    """Line (1-based) of each name under the top-level ``variables:`` key of course.yaml."""
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    for key_node, value_node in node.value:
        if key_node.value == "variables" and isinstance(value_node, yaml.MappingNode):
            return {str(k.value): k.start_mark.line + 1 for k, _v in value_node.value}
    return {}


def _review_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def variable_problems(value: Any, text: str, rel: str, line: int,
                      today: dt.date | None = None) -> list[ContentError]:
    """What is wrong with course.yaml's ``variables:`` (``line``: where the key is), plus a warning for
    each variable whose ``review_by`` date has passed (``today``: default the machine's date)."""
    if not isinstance(value, dict):
        return [ContentError(rel, line, "variables must be a mapping of name: text (or name: {text: ..., "
                                        "review_by: YYYY-MM-DD})")]
    today = today or dt.date.today()
    lines = _variable_lines(text)
    problems: list[ContentError] = []
    for name, entry in value.items():
        where = lines.get(str(name), line)

        def err(message: str, warning: bool = False) -> None:
            problems.append(ContentError(rel, where, f"variables.{name}: {message}", warning))

        if not isinstance(name, str) or not VARIABLE_NAME.match(name):
            err("a variable name uses a-z, 0-9 and '_', starting with a letter (at most 64 characters)")
            continue
        if isinstance(entry, dict):
            for sub in entry:
                if sub not in VARIABLE_KEYS:
                    err(f"unknown key '{sub}' (allowed: {', '.join(sorted(VARIABLE_KEYS))})")
            body, review = entry.get("text"), entry.get("review_by")
        else:
            body, review = entry, None
        if not isinstance(body, str) or not body.strip():
            err("text must be non-empty text")
        elif len(body) > VARIABLE_TEXT_LIMIT:
            err(f"text is longer than {VARIABLE_TEXT_LIMIT} characters")
        elif "{{" in body:
            err("text must not contain {{...}} (variables are not nested)")
        if isinstance(entry, dict) and "review_by" in entry:
            date = _review_date(review)
            if date is None:
                err("review_by must be a date written YYYY-MM-DD")
            elif date < today:
                err(f"review_by {date.isoformat()} has passed: check that the text is still true, then set "
                    "the next review date", warning=True)
    return problems


# --- courses -------------------------------------------------------------------------------


def _check_manifest(manifest: Any, text: str, folder: str, rel: str,
                    today: dt.date | None = None) -> list[ContentError]:
    errors: list[ContentError] = []
    keys, items = _node_lines(text, 0)

    def err(key: str | None, message: str, line: int | None = None) -> None:
        errors.append(ContentError(rel, line or (keys.get(key, 1) if key else 1), message))

    if not isinstance(manifest, dict):
        return [ContentError(rel, 1, "course.yaml must be a mapping of keys to values")]
    for key in manifest:
        if key not in COURSE_KEYS:
            err(str(key), f"unknown key '{key}' (allowed: {', '.join(sorted(COURSE_KEYS))})")
    for key in sorted(COURSE_REQUIRED - set(manifest)):
        err(None, f"'{key}' is missing")
    if "slug" in manifest:
        problem = slug_problem(manifest["slug"], folder, f"the folder name '{folder}'")
        if problem:
            err("slug", problem)
    for key, limit in (("title", 200), ("summary", 2000)):
        if key in manifest:
            problem = text_problem(key, manifest[key], limit)
            if problem:
                err(key, problem)
    if "audience" in manifest:
        audience = manifest["audience"]
        allowed = {t.value for t in EmployeeType}
        if not isinstance(audience, list) or not audience:
            err("audience", f"audience must be a non-empty list of: {', '.join(sorted(allowed))}")
        else:
            for value in audience:
                if value not in allowed:
                    err("audience", f"audience: unknown employee type '{value}' (allowed: {', '.join(sorted(allowed))})")
    if "version" in manifest:
        version = manifest["version"]
        if not isinstance(version, str) or not version.strip() or len(version) > 32:
            err("version", 'version must be text in quotes, e.g. "2026.1" (at most 32 characters)')
    if "jp" in manifest:
        jp = manifest["jp"]
        if isinstance(jp, bool) or not isinstance(jp, int) or jp < 0:
            err("jp", "jp must be a whole number, 0 or more")
    if "language" in manifest and (problem := language_problem(manifest["language"])):
        err("language", problem)
    if "modules" in manifest:
        modules = manifest["modules"]
        lines = items.get("modules", [])
        if not isinstance(modules, list) or not modules:
            err("modules", "modules must be a non-empty list of module files")
        else:
            seen: set[str] = set()
            for i, name in enumerate(modules):
                line = lines[i] if i < len(lines) else keys.get("modules", 1)
                if not isinstance(name, str) or not MODULE_FILE.match(name):
                    err(None, f"modules item {i + 1}: '{name}' is not a module file name like 01-judul.md", line)
                elif name in seen:
                    err(None, f"module {name} is listed twice", line)
                seen.add(str(name))
    for key, allowed_keys in (("requires", REQUIRES_KEYS), ("completion", COMPLETION_KEYS)):
        if key not in manifest:
            continue
        value = manifest[key]
        if not isinstance(value, dict):
            err(key, f"{key} must be a mapping (allowed keys: {', '.join(sorted(allowed_keys))})")
            continue
        for sub in value:
            if sub not in allowed_keys:
                err(key, f"{key}: unknown key '{sub}' (allowed: {', '.join(sorted(allowed_keys))})")
        if key == "requires":
            for sub in ("quiz", "pledge"):
                if sub in value and (not isinstance(value[sub], str) or not SLUG.match(value[sub])):
                    err(key, f"requires.{sub} must be a slug (a-z, 0-9, '-')")
        else:
            if "modules" in value and value["modules"] != "all":
                err(key, "completion.modules must be 'all'")
            for sub in ("quiz_pass", "pledge_signed"):
                if sub in value and not isinstance(value[sub], bool):
                    err(key, f"completion.{sub} must be true or false")
            if "attendance" in value and value["attendance"] not in ATTENDANCE_VALUES:
                err(key, f"completion.attendance must be one of {', '.join(ATTENDANCE_VALUES)}")
    if "certificate" in manifest:
        errors.extend(certificate_problems(manifest["certificate"], keys.get("certificate", 1), rel))
    if "variables" in manifest:
        errors.extend(variable_problems(manifest["variables"], text, rel, keys.get("variables", 1), today))
    return errors


def certificate_problems(value: Any, line: int, rel: str) -> list[ContentError]:
    """What is wrong with a course's ``certificate:`` mapping (empty list when nothing)."""
    if value is None:
        return []
    if not isinstance(value, dict):
        return [ContentError(rel, line, "certificate must be a mapping (allowed keys: "
                                        f"{', '.join(sorted(CERTIFICATE_KEYS))}), or {{}} for the defaults")]
    problems = [ContentError(rel, line, f"certificate: unknown key '{sub}' (allowed: "
                                        f"{', '.join(sorted(CERTIFICATE_KEYS))})")
                for sub in value if sub not in CERTIFICATE_KEYS]
    if "template" in value and (not isinstance(value["template"], str) or not SLUG.match(value["template"])
                                or len(value["template"]) > 64):
        problems.append(ContentError(rel, line, "certificate.template must be a template key (a-z, 0-9, '-')"))
    if "criteria" in value and (not isinstance(value["criteria"], str) or not value["criteria"].strip()
                                or len(value["criteria"]) > 2000):
        problems.append(ContentError(rel, line, "certificate.criteria must be text of at most 2000 characters"))
    return problems


def load_course_dir(path: Path, today: dt.date | None = None) -> CourseDoc:
    """Read and check one course folder. Problems (and warnings) are in ``.errors``; ``today`` (default:
    the machine's date) decides which variables are due for review."""
    folder = path.name
    rel_root = folder

    def rel(name: str) -> str:
        return f"{rel_root}/{name}"

    manifest_path = path / "course.yaml"
    if not manifest_path.is_file():
        return CourseDoc(path, folder, {}, "", errors=[ContentError(rel("course.yaml"), 1, "course.yaml is missing")])
    manifest_text = manifest_path.read_text(encoding="utf-8")
    try:
        manifest = yaml.load(manifest_text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return CourseDoc(path, folder, {}, manifest_text,
                         errors=[ContentError(rel("course.yaml"), line, f"not valid YAML: {problem}")])
    doc = CourseDoc(path, folder, manifest if isinstance(manifest, dict) else {}, manifest_text)
    doc.errors.extend(_check_manifest(manifest, manifest_text, folder, rel("course.yaml"), today))
    texts = variable_texts(doc.manifest.get("variables"))
    used: set[str] = set()
    _, items = _node_lines(manifest_text, 0)
    module_names = doc.manifest.get("modules") if isinstance(doc.manifest.get("modules"), list) else []
    listed: set[str] = set()
    referenced: set[str] = set()
    for i, name in enumerate(module_names):
        if not isinstance(name, str) or not MODULE_FILE.match(name) or name in listed:
            continue
        listed.add(name)
        file = path / name
        if not file.is_file():
            line = items.get("modules", [])[i] if i < len(items.get("modules", [])) else 1
            doc.errors.append(ContentError(rel("course.yaml"), line, f"module file {name} does not exist"))
            continue
        module = parse_module_source(file.read_text(encoding="utf-8"), name)
        doc.errors.extend(ContentError(rel(e.file), e.line, e.message, e.warning) for e in module.errors)
        for index, variable in placeholders(module.body):
            used.add(variable)
            if variable not in texts:
                known = ", ".join(sorted(texts)) or "none"
                doc.errors.append(ContentError(rel(name), module.body_line + index,
                                               f"unknown variable {{{{{variable}}}}} (course.yaml variables: {known})"))
        for ref in module.images:
            if not ref.src.startswith("images/") or ref.src in doc.images:
                referenced.add(ref.src)
                continue
            referenced.add(ref.src)
            image = path / ref.src
            if not image.is_file():
                doc.errors.append(ContentError(rel(name), ref.line, f"image {ref.src} does not exist"))
                continue
            data = image.read_bytes()
            problem = check_image(ref.src, data)
            if problem:
                doc.errors.append(ContentError(rel(name), ref.line, problem))
            else:
                doc.images[ref.src] = data
        doc.modules.append(module)
    variable_lines = _variable_lines(manifest_text)
    for variable in sorted(set(texts) - used):
        doc.errors.append(ContentError(rel("course.yaml"), variable_lines.get(variable, 1),
                                       f"variables.{variable}: not used by any module", warning=True))
    for file in sorted(path.rglob("*")):
        if not file.is_file() or file.name.startswith("."):
            continue
        name = file.relative_to(path).as_posix()
        if name == "course.yaml" or name in listed or name in referenced:
            continue
        doc.errors.append(ContentError(rel(name), 1, "file is not used by the course (not listed or referenced)",
                                       warning=True))
    return doc


def course_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def validate_tree(root: Path, today: dt.date | None = None) -> list[ContentError]:
    """Every error and warning in every course folder under ``root``."""
    if not root.is_dir():
        return [ContentError(str(root), 1, "content folder does not exist")]
    errors: list[ContentError] = []
    for path in course_dirs(root):
        errors.extend(load_course_dir(path, today).errors)
    return errors


# --- database ------------------------------------------------------------------------------


def course_assets(course_id: int) -> dict[str, CourseAsset]:
    """The newest asset row of each image path of a course."""
    rows = db.session.scalars(
        select(CourseAsset).where(CourseAsset.course_id == course_id).order_by(CourseAsset.id)
    ).all()
    return {row.path: row for row in rows}


def get_or_create_asset(course: Course, path: str, data: bytes) -> CourseAsset:
    digest = sha256(data)
    mimetype = image_type(data) or "application/octet-stream"
    asset = db.session.scalar(
        select(CourseAsset).where(CourseAsset.course_id == course.id, CourseAsset.path == path,
                                  CourseAsset.content_hash == digest)
    )
    if asset is None:
        asset = CourseAsset(course_id=course.id, path=path, content_hash=digest, mimetype=mimetype, data=data)
        db.session.add(asset)
        db.session.flush()
    return asset


def asset_url(asset: CourseAsset) -> str:
    return ASSET_URL.format(hash=asset.content_hash, ext=MIME_EXT.get(asset.mimetype, ""))


def module_hash(source_text: str, image_hashes: list[str], values: list[tuple[str, str]] | None = None,
                language: str | None = None) -> str:
    """The identity of a rendered module: its file, the images it shows, the course variables it
    uses (name and text: a changed variable renders a new module version) and, when given, the
    language its knowledge checks' labels were rendered in (None for a module without checks, whose
    rendering does not depend on the language)."""
    digest = source_text + "\0" + "\n".join(image_hashes)
    if values:
        digest += "\0" + json.dumps(values, ensure_ascii=False)
    if language:
        digest += f"\0language={language}"
    return sha256(digest)


def render_module(source_text: str, slug: str, assets: dict[str, CourseAsset],
                  variables: dict[str, str] | None = None,
                  language: str | None = None) -> tuple[ModuleDoc, list[dict[str, Any]], list[str]]:
    """Parse and render a module (``{{name}}`` filled from ``variables``); returns the document, its
    sections and the hashes of the images it uses. ``language``: the course's (the labels of
    knowledge checks)."""
    doc = parse_module_source(source_text, f"{slug}.md")
    used: list[str] = []

    def resolve(src: str) -> str | None:
        asset = assets.get(src)
        if asset is None:
            return None
        used.append(asset.content_hash)
        return asset_url(asset)

    sections = render_sections(fill_variables(doc.body, variables), doc.title, resolve, language)
    return doc, [s.as_dict() for s in sections], used


def get_or_create_module_version(course: Course, slug: str, source_text: str,
                                 assets: dict[str, CourseAsset] | None = None,
                                 variables: dict[str, str] | None = None, language: str = "id") -> ModuleVersion:
    """The module version with this content (reused when it exists). ``assets`` maps image paths to
    asset rows (default: the newest asset of each path of the course); ``variables`` are the course's
    (course.yaml ``variables:``); ``language``: the course version's (the labels of knowledge checks)."""
    if assets is None:
        assets = course_assets(course.id)
    doc, sections, used = render_module(source_text, slug, assets, variables, language)
    digest = module_hash(source_text, used, used_variables(doc.body, variables),
                         language if has_checks(doc.body) else None)
    existing = db.session.scalar(
        select(ModuleVersion).where(ModuleVersion.course_id == course.id, ModuleVersion.slug == slug,
                                    ModuleVersion.content_hash == digest)
    )
    if existing is not None:
        return existing
    meta = doc.meta
    module = ModuleVersion(
        course_id=course.id,
        slug=slug,
        title=str(meta.get("title") or slug)[:200],
        minutes=meta.get("minutes") if isinstance(meta.get("minutes"), int) else 1,
        objectives=[str(o) for o in meta.get("objectives") or []],
        references=[str(r) for r in meta.get("references") or []],
        sources=[{"title": str(s.get("title", "")), "url": str(s.get("url", ""))}
                 for s in meta.get("sources") or [] if isinstance(s, dict)],
        source_text=source_text,
        sections=sections,
        content_hash=digest,
    )
    db.session.add(module)
    db.session.flush()
    return module


def version_hash(manifest_text: str, modules: list[ModuleVersion]) -> str:
    return sha256(manifest_text + "\0" + "\n".join(f"{m.slug}={m.content_hash}" for m in modules))


def next_version_number(course_id: int) -> int:
    current = db.session.scalar(select(func.max(CourseVersion.number)).where(CourseVersion.course_id == course_id))
    return (current or 0) + 1


def publish_version(course: Course, version: CourseVersion) -> None:
    """Make a draft the published version; the previous one is archived (kept for history)."""
    previous = course.published_version
    version.publish()
    if previous is not None and previous.id != version.id and previous.status == VersionStatus.PUBLISHED:
        previous.status = VersionStatus.ARCHIVED
    course.published_version_id = version.id
    course.published_version = version
    db.session.flush()


def _sync_course(doc: CourseDoc, actor: User | None) -> tuple[str, int]:
    manifest = doc.manifest
    course = db.session.scalar(select(Course).where(Course.slug == doc.slug))
    created = course is None
    if course is None:
        course = Course(slug=doc.slug, instansi_id=None)
        db.session.add(course)
        db.session.flush()
    elif course.instansi_id is not None:
        raise ContentInvalid([ContentError(f"{doc.slug}/course.yaml", 1,
                                           f"slug '{doc.slug}' is already used by a course of an instansi")])
    assets = {path: get_or_create_asset(course, path, data) for path, data in doc.images.items()}
    texts = variable_texts(manifest.get("variables"))
    language = str(manifest.get("language") or "id")
    modules = [get_or_create_module_version(course, m.slug, m.source_text, assets, texts, language)
               for m in doc.modules]
    digest = version_hash(doc.manifest_text, modules)
    published = course.published_version
    if published is not None and published.content_hash == digest:
        return "unchanged", published.number
    version = CourseVersion(
        course_id=course.id,
        number=next_version_number(course.id),
        status=VersionStatus.DRAFT,
        label=str(manifest.get("version", "")),
        title=manifest["title"],
        summary=str(manifest.get("summary") or ""),
        audience=list(manifest.get("audience") or []),
        jp=int(manifest.get("jp") or 0),
        language=str(manifest.get("language") or "id"),
        requires=dict(manifest.get("requires") or {}),
        completion=dict(manifest.get("completion") or {}),
        certificate=(dict(manifest["certificate"] or {}) if "certificate" in manifest else None),
        manifest_text=doc.manifest_text,
        content_hash=digest,
        created_by_id=actor.id if actor is not None else None,
    )
    version.modules = [CourseVersionModule(module_version_id=m.id, position=i) for i, m in enumerate(modules)]
    db.session.add(version)
    db.session.flush()
    publish_version(course, version)
    record("content.sync", actor=actor, instansi_id=None, target=version,
           details={"course": course.slug, "version": version.number, "label": version.label,
                    "modules": len(modules)})
    return ("created" if created else "updated"), version.number


#: the tables a course sync writes, ANALYZEd after it on PostgreSQL
SYNCED_TABLES = ("courses", "course_versions", "module_versions", "course_version_modules", "course_assets")


def sync_courses(root: Path, *, actor: User | None = None, slugs: list[str] | None = None) -> SyncReport:
    """Load every course folder under ``root``. Nothing is written when any folder has errors
    (raises ContentInvalid). Flushes only."""
    errors = validate_tree(root)
    hard = [e for e in errors if not e.warning]
    if hard:
        raise ContentInvalid(hard)
    report = SyncReport(errors=errors)
    for path in course_dirs(root):
        if slugs and path.name not in slugs:
            continue
        doc = load_course_dir(path)
        status, number = _sync_course(doc, actor)
        report.courses[doc.slug] = status
        report.versions[doc.slug] = number
    if any(status != "unchanged" for status in report.courses.values()):
        # a bulk load: fresh planner statistics on PostgreSQL (issue 14; a no-op on SQLite)
        analyze(*SYNCED_TABLES)
    return report


def _module_images(module: ModuleVersion) -> list[tuple[str, str]]:
    """(path, asset hash) of the images a module version uses, in order."""
    try:
        _meta, body, body_line = split_front_matter(module.source_text)
    except FrontMatterError:
        return []
    paths = [ref.src for ref in _image_refs(body, body_line)]
    hashes = [h for section in module.sections for h in _ASSET_IN_HTML.findall(section.get("html", ""))]
    # unresolved images render without a URL; pair only those that resolved
    resolvable = [p for p in paths if p.startswith("images/")]
    return list(zip(resolvable, hashes, strict=False))


def export_course(course: Course, version: CourseVersion, target: Path) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = [target / "course.yaml"]
    (target / "course.yaml").write_text(version.manifest_text, encoding="utf-8")
    for link in version.modules:
        module = link.module
        file = target / f"{module.slug}.md"
        file.write_text(module.source_text, encoding="utf-8")
        written.append(file)
        for path, digest in _module_images(module):
            asset = db.session.scalar(
                select(CourseAsset).where(CourseAsset.course_id == course.id, CourseAsset.path == path,
                                          CourseAsset.content_hash == digest)
            ) or db.session.scalar(select(CourseAsset).where(CourseAsset.content_hash == digest).limit(1))
            if asset is None:
                continue
            image = target / path
            image.parent.mkdir(parents=True, exist_ok=True)
            image.write_bytes(asset.data)
            written.append(image)
    return written


def export_courses(root: Path, slugs: list[str] | None = None) -> dict[str, list[Path]]:
    """Write each course's published version into ``root/<slug>/``."""
    stmt = select(Course).where(Course.published_version_id.is_not(None)).order_by(Course.slug)
    if slugs:
        stmt = stmt.where(Course.slug.in_(slugs))
    result: dict[str, list[Path]] = {}
    for course in db.session.scalars(stmt).unique():
        version = course.published_version
        assert version is not None
        result[course.slug] = export_course(course, version, root / course.slug)
    return result


def touch_version(version: CourseVersion) -> None:
    """Recompute a draft's content hash after its manifest or modules changed."""
    version.content_hash = version_hash(version.manifest_text, [link.module for link in version.modules])
