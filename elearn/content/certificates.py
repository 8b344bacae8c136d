"""Certificate templates (``certificates/<key>/template.yaml``) <-> the database.

``load_template_dir`` reads and checks one template folder and reports every problem with its file
and line; ``validate_template_tree`` does it for every folder; ``sync_templates`` stores each valid
template as a ``CertificateTemplate`` row (one row per content hash; the newest of a key is
``current``; an unchanged folder creates nothing). The format is described in certificates/README.md.
Flushes only.

A layout is a list of elements placed on an A4 landscape page, in millimetres from the top left
corner. The validated layout (``TemplateDoc.layout``, stored in ``CertificateTemplate.layout``) is
the YAML with every default filled in, so the renderer never has to guess.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select, update

from ..accounts.models import User
from ..audit.services import record
from ..certificates.models import CertificateTemplate
from ..db import db
from .courses import SLUG, ContentError, ContentInvalid, image_size_problem, image_type, sha256

TEMPLATE_FILE = "template.yaml"
#: A4 landscape, millimetres
PAGE_SIZES = {("A4", "landscape"): (297.0, 210.0), ("A4", "portrait"): (210.0, 297.0)}
#: a background covers the page, so it may be larger than a course image (which is bounded to 150 KB)
MAX_BACKGROUND_BYTES = 1024 * 1024
BACKGROUND_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}

TOP_KEYS = {"title", "description", "version", "page", "background", "texts", "elements"}
TOP_REQUIRED = {"title", "elements"}
PAGE_KEYS = {"size", "orientation"}
#: texts the renderer prints by itself, overridable per template (Indonesian defaults)
DEFAULT_TEXTS = {
    "unsigned_note": "Dokumen ini tidak ditandatangani secara elektronik. Keasliannya dapat diperiksa "
                     "melalui kode QR atau alamat verifikasi.",
    "signed_note": "Ditandatangani secara elektronik dengan sertifikat elektronik instansi",
    "revoked_mark": "DICABUT",
    "revoked_note": "Sertifikat ini dicabut pada {revoked_on}",
    "replaced_mark": "DIGANTI",
    "replaced_note": "Sertifikat ini telah diganti dengan sertifikat baru",
}

#: the values a text element may print ({name} in ``text``, or ``field: name``)
FIELDS = {
    "instansi_name": "the instansi's name",
    "holder_name": "the holder's name with academic titles",
    "holder_number_label": "NIP, NI PPPK or Nomor pegawai",
    "holder_number": "the number as printed (a NIP grouped 8-6-1-3)",
    "pangkat_golongan": "e.g. Penata Muda (III/a); empty without golongan",
    "jabatan": "the holder's jabatan",
    "unit_name": "the unit at issue time",
    "skpd_name": "the SKPD at issue time",
    "unit_skpd": "unit and SKPD joined with a comma (the SKPD alone when they are the same)",
    "course_title": "the course title",
    "jp": "the hours, e.g. 2 JP",
    "jp_number": "the hours as a number, e.g. 2",
    "completed_on": "the completion date, e.g. 4 Desember 2026",
    "serial": "the serial number, e.g. BKPSDM-KC/2026/000123",
    "signatory_name": "the Kepala BKPSDM's name",
    "signatory_nip": "the signatory's NIP as printed",
    "signatory_title": "the signatory's jabatan",
    "verify_url": "the public verification address (the QR code's target)",
    "signed_note": "texts.signed_note when the PDF is signed, empty otherwise",
    "unsigned_note": "texts.unsigned_note when the PDF is not signed, empty otherwise",
}

KINDS = {"text", "field", "image", "qr", "line", "rect"}
COMMON_KEYS = {"kind", "name", "x", "y", "width", "height"}
TEXT_KEYS = COMMON_KEYS | {"text", "field", "font", "size", "min_size", "max_lines", "bold", "italic", "align",
                           "valign", "color", "uppercase", "letter_spacing", "line_height", "if_empty"}
KIND_KEYS = {
    "text": TEXT_KEYS,
    "field": TEXT_KEYS,
    "image": COMMON_KEYS | {"source"},
    "qr": COMMON_KEYS | {"color"},
    "line": COMMON_KEYS | {"thickness", "color"},
    "rect": COMMON_KEYS | {"thickness", "color", "fill", "radius"},
}
KIND_REQUIRED = {
    "text": {"x", "y", "width", "height", "text"},
    "field": {"x", "y", "width", "height", "field"},
    "image": {"x", "y", "width", "height", "source"},
    "qr": {"x", "y", "width"},
    "line": {"x", "y"},
    "rect": {"x", "y", "width", "height"},
}
IMAGE_SOURCES = {"logo": "the instansi's logo (configured by its admin)"}
FONTS = {"serif", "sans"}
ALIGNS = {"left", "center", "right"}
VALIGNS = {"top", "middle", "bottom"}
#: a certificate without these is not one: who, what, which, and how to check it
REQUIRED_FIELDS = ("holder_name", "course_title", "serial", "unsigned_note")
MAX_ELEMENTS = 200
MAX_TEXT = 1000
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: font sizes in points
MIN_FONT, MAX_FONT = 4.0, 96.0
MIN_QR_MM = 15.0
_FORMATTER = string.Formatter()


@dataclass
class TemplateDoc:
    path: Path
    key: str
    source_text: str = ""
    layout: dict[str, Any] = field(default_factory=dict)
    background: bytes | None = None
    background_mimetype: str | None = None
    errors: list[ContentError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(not e.warning for e in self.errors)

    @property
    def title(self) -> str:
        return str(self.layout.get("title") or self.key)

    @property
    def content_hash(self) -> str:
        return template_hash(self.source_text, self.background)


@dataclass
class TemplateSyncReport:
    #: key -> "created" (first version), "updated" (a new current version), "unchanged"
    templates: dict[str, str] = field(default_factory=dict)
    errors: list[ContentError] = field(default_factory=list)


def template_hash(source_text: str, background: bytes | None) -> str:
    return sha256(source_text + "\0" + (sha256(background) if background else ""))


def template_dirs(root: Path) -> list[Path]:
    """The template folders of ``root`` (every folder not starting with '.' or '_')."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def default_certificate_root() -> Path:
    """CERTIFICATE_ROOT, or certificates/ of the checkout."""
    from flask import current_app

    configured = current_app.config.get("CERTIFICATE_ROOT")
    if configured:
        return Path(configured)
    return Path(current_app.root_path).parent / "certificates"


# --- YAML with line numbers -------------------------------------------------------------------


def _lines(node: yaml.Node | None) -> dict[Any, int]:
    """Line (1-based) of the top-level keys ("key"), of each element ((i,)) and of each element key
    ((i, "key")), of each page/texts key (("page", "key"))."""
    lines: dict[Any, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key_node, value_node in node.value:
        name = str(key_node.value)
        lines[name] = key_node.start_mark.line + 1
        if name == "elements" and isinstance(value_node, yaml.SequenceNode):
            for i, item in enumerate(value_node.value):
                lines[(i,)] = item.start_mark.line + 1
                if isinstance(item, yaml.MappingNode):
                    for k, _ in item.value:
                        lines[(i, str(k.value))] = k.start_mark.line + 1
        elif isinstance(value_node, yaml.MappingNode):
            for k, _ in value_node.value:
                lines[(name, str(k.value))] = k.start_mark.line + 1
    return lines


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:  # NaN
        return None
    return float(value)


def placeholders(text: str) -> list[str] | None:
    """The {field} names of a text, or None when its braces are malformed."""
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError:
        return None
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion:
            return None
        names.append(name)
    return names


# --- one folder -------------------------------------------------------------------------------


def load_template_dir(path: Path) -> TemplateDoc:
    """Read and check one template folder. Problems are in ``.errors`` (nothing raises)."""
    key = path.name
    rel = f"{key}/{TEMPLATE_FILE}"
    doc = TemplateDoc(path, key)

    def err(line: int, message: str) -> None:
        doc.errors.append(ContentError(rel, line, message))

    if not SLUG.match(key) or len(key) > 64:
        doc.errors.append(ContentError(key, 1, "template folder name must use a-z, 0-9 and '-' (at most 64)"))
    file = path / TEMPLATE_FILE
    if not file.is_file():
        err(1, f"{TEMPLATE_FILE} is missing")
        return doc
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        err(1, "file is not UTF-8")
        return doc
    doc.source_text = text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        err(mark.line + 1 if mark is not None else 1, f"not valid YAML: {getattr(exc, 'problem', None) or exc}")
        return doc
    if not isinstance(data, dict):
        err(1, "template.yaml must be a mapping (title, page, background, texts, elements)")
        return doc
    lines = _lines(node)

    def line(*where: Any) -> int:
        """Line of a top-level key ("title"), an element (0,), an element's key (0, "x") or a page/texts
        key ("page", "size"); the nearest enclosing line when the exact one is unknown."""
        if len(where) == 2:
            if where in lines:
                return lines[where]
            where = where[:1]
        probe = where[0] if not isinstance(where[0], int) else where
        return lines.get(probe, 1)

    for name in data:
        if name not in TOP_KEYS:
            err(line(name), f"unknown key '{name}' (allowed: {', '.join(sorted(TOP_KEYS))})")
    for name in sorted(TOP_REQUIRED - set(data)):
        err(1, f"'{name}' is missing")
    title = data.get("title")
    if "title" in data and (not isinstance(title, str) or not title.strip() or len(title) > 200):
        err(line("title"), "title must be non-empty text of at most 200 characters")
    if "description" in data and (not isinstance(data["description"], str) or len(data["description"]) > 2000):
        err(line("description"), "description must be text of at most 2000 characters")
    if "version" in data and (isinstance(data["version"], bool)
                              or not isinstance(data["version"], (str, int, float))):
        err(line("version"), "version must be a label such as 1 or 2026.1")

    # page
    page = data.get("page", {}) or {}
    size, orientation = "A4", "landscape"
    if not isinstance(page, dict):
        err(line("page"), "page must be a mapping (size, orientation)")
        page = {}
    for name in page:
        if name not in PAGE_KEYS:
            err(line("page", name), f"page: unknown key '{name}' (allowed: size, orientation)")
    size = page.get("size", size)
    orientation = page.get("orientation", orientation)
    if (size, orientation) not in PAGE_SIZES:
        err(line("page"), "page must be size A4, orientation landscape or portrait")
        size, orientation = "A4", "landscape"
    page_w, page_h = PAGE_SIZES[(size, orientation)]

    # background image
    background = data.get("background")
    if background is not None:
        _check_background(doc, background, line("background"), err)

    # texts
    texts = dict(DEFAULT_TEXTS)
    given_texts = data.get("texts", {}) or {}
    if not isinstance(given_texts, dict):
        err(line("texts"), f"texts must be a mapping ({', '.join(sorted(DEFAULT_TEXTS))})")
        given_texts = {}
    for name, value in given_texts.items():
        if name not in DEFAULT_TEXTS:
            err(line("texts", name), f"texts: unknown key '{name}' (allowed: {', '.join(sorted(DEFAULT_TEXTS))})")
        elif not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            err(line("texts", name), f"texts.{name} must be non-empty text of at most {MAX_TEXT} characters")
        elif (names := placeholders(value)) is None or any(n != "revoked_on" for n in names) or (
                names and name != "revoked_note"):
            err(line("texts", name), f"texts.{name}: only texts.revoked_note may hold a placeholder, {{revoked_on}}")
        else:
            # only revoked_note is formatted ({revoked_on}); the others print their braces undoubled
            texts[name] = value.strip() if name == "revoked_note" else value.strip().format()

    # elements
    elements_in = data.get("elements")
    elements: list[dict[str, Any]] = []
    used_fields: set[str] = set()
    has_qr = False
    if "elements" in data and (not isinstance(elements_in, list) or not elements_in):
        err(line("elements"), "elements must be a non-empty list")
        elements_in = []
    elif len(elements_in or []) > MAX_ELEMENTS:
        err(line("elements"), f"at most {MAX_ELEMENTS} elements")
        elements_in = []
    for i, raw in enumerate(elements_in or []):
        element = _check_element(i, raw, page_w, page_h, lambda *w, i=i: line(i, *w) if w else line(i), err, used_fields)
        if element is not None:
            elements.append(element)
            has_qr = has_qr or element["kind"] == "qr"
    if elements_in and len(elements) == len(elements_in):
        for name in REQUIRED_FIELDS:
            if name not in used_fields:
                err(line("elements"), f"the layout must show the field {name}")
        if not has_qr:
            err(line("elements"), "the layout must have a qr element (the verification code)")

    doc.layout = {
        "title": title.strip() if isinstance(title, str) else key,
        "description": data.get("description") or "",
        "version": str(data.get("version", "")),
        "page": {"size": size, "orientation": orientation, "width": page_w, "height": page_h},
        "background": background if isinstance(background, str) else None,
        "texts": texts,
        "elements": elements,
    }
    return doc


def _check_background(doc: TemplateDoc, name: Any, at: int, err: Any) -> None:
    if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith(".") or not name:
        err(at, "background must be the name of an image file in the template folder, e.g. background.png")
        return
    ext = Path(name).suffix.lower()
    if ext not in BACKGROUND_TYPES:
        err(at, f"background {name}: type {ext or '(none)'} not allowed (use .png or .jpg)")
        return
    file = doc.path / name
    if not file.is_file():
        err(at, f"background {name} does not exist")
        return
    if file.stat().st_size > MAX_BACKGROUND_BYTES:
        err(at, f"background {name}: {file.stat().st_size // 1024} KB, at most {MAX_BACKGROUND_BYTES // 1024} KB "
                "allowed")
        return
    data = file.read_bytes()
    kind = image_type(data)
    if kind is None or kind not in BACKGROUND_TYPES.values():
        err(at, f"background {name}: content is not a PNG or JPEG image")
        return
    if kind != BACKGROUND_TYPES[ext]:
        err(at, f"background {name}: file is {kind} but named {ext}")
        return
    size = image_size_problem(data)
    if size is not None and size.code == "unreadable":
        err(at, f"background {name}: the image header cannot be read (damaged file?)")
        return
    if size is not None:
        found = f"{size.width}×{size.height} pixels" if size.width else "more pixels than any decoder should take"
        err(at, f"background {name}: {found}, at most {size.max_side} pixels a side and "
                f"{size.max_pixels / 1e6:g} megapixels allowed (scale it down)")
        return
    doc.background = data
    doc.background_mimetype = kind


def _check_element(i: int, raw: Any, page_w: float, page_h: float, line: Any, err: Any,
                   used_fields: set[str]) -> dict[str, Any] | None:
    """The element with defaults filled in, or None (errors reported)."""
    n = i + 1
    if not isinstance(raw, dict):
        err(line(), f"element {n} must be a mapping with a kind ({', '.join(sorted(KINDS))})")
        return None
    kind = raw.get("kind")
    if kind not in KINDS:
        err(line("kind"), f"element {n}: unknown kind {kind!r} (allowed: {', '.join(sorted(KINDS))})")
        return None
    ok = True

    def bad(key: str | None, message: str) -> None:
        nonlocal ok
        ok = False
        err(line(key) if key else line(), f"element {n} ({kind}): {message}")

    for key in raw:
        if key not in KIND_KEYS[kind]:
            bad(key, f"unknown key '{key}' (allowed: {', '.join(sorted(KIND_KEYS[kind]))})")
    for key in sorted(KIND_REQUIRED[kind] - set(raw)):
        bad(None, f"'{key}' is missing")
    if not ok:
        return None
    out: dict[str, Any] = {"kind": kind}
    if "name" in raw:
        if not isinstance(raw["name"], str) or len(raw["name"]) > 64:
            bad("name", "name must be a short text")
        else:
            out["name"] = raw["name"]

    def num(key: str, default: float | None, low: float, high: float, unit: str = "mm") -> float | None:
        if key not in raw:
            return default
        value = _number(raw[key])
        if value is None:
            bad(key, f"{key} must be a number ({unit}), not {raw[key]!r}")
            return None
        if not low <= value <= high:
            bad(key, f"{key} must be between {low:g} and {high:g} {unit}, not {value:g}")
            return None
        return value

    x = num("x", None, 0, page_w)
    y = num("y", None, 0, page_h)
    if kind == "line":
        width = num("width", 0.0, -page_w, page_w)
        height = num("height", 0.0, -page_h, page_h)
    elif kind == "qr":
        width = num("width", None, MIN_QR_MM, min(page_w, page_h))
        height = width
        if "height" in raw and width is not None and _number(raw["height"]) != width:
            bad("height", "a QR code is square: give width only (or the same height)")
    else:
        width = num("width", None, 0.5, page_w)
        height = num("height", None, 0.5, page_h)
    if None in (x, y, width, height):
        return None
    assert x is not None and y is not None and width is not None and height is not None
    x2, y2 = x + width, y + height
    if not (0 <= x2 <= page_w + 1e-6 and 0 <= y2 <= page_h + 1e-6):
        bad(None, f"the box ({x:g}, {y:g}) to ({x2:g}, {y2:g}) mm leaves the page ({page_w:g} × {page_h:g} mm)")
        return None
    out.update(x=x, y=y, width=width, height=height)

    if kind in ("line", "rect", "qr"):
        out["color"] = _color(raw, "color", "#000000" if kind == "qr" else "#1b1f24", bad)
    if kind in ("line", "rect"):
        out["thickness"] = num("thickness", 0.75, 0.1, 20, "pt")
    if kind == "rect":
        out["fill"] = _color(raw, "fill", None, bad)
        out["radius"] = num("radius", 0.0, 0, min(width, height) / 2)
    if kind == "image":
        source = raw["source"]
        if source not in IMAGE_SOURCES:
            bad("source", f"unknown image source {source!r} (allowed: {', '.join(sorted(IMAGE_SOURCES))}; the "
                          "page's background image is the top-level 'background')")
        out["source"] = source
    if kind in ("text", "field"):
        if kind == "field":
            name = raw["field"]
            if "text" in raw:
                bad("text", "a field element shows its field; use kind: text for text with {placeholders}")
            if name not in FIELDS:
                bad("field", f"unknown field {name!r} (allowed: {', '.join(sorted(FIELDS))})")
                return None
            text = "{" + name + "}"
            out["field"] = name
        else:
            text = raw["text"]
            if "field" in raw:
                bad("field", "a text element has text (with {placeholders}); use kind: field for a field alone")
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
                bad("text", f"text must be non-empty text of at most {MAX_TEXT} characters")
                return None
        names = placeholders(text)
        if names is None:
            bad("text", "text has a malformed placeholder: write {field} (double the braces for a literal "
                        "{{ or }})")
            return None
        for name in names:
            if name not in FIELDS:
                bad("text", f"unknown field {{{name}}} (allowed: {', '.join(sorted(FIELDS))})")
        used_fields.update(names)
        out["text"] = text
        out["fields"] = names
        size = num("size", 12.0, MIN_FONT, MAX_FONT, "pt")
        out["size"] = size
        default_min = max(MIN_FONT, round((size or 12.0) * 0.6, 1))
        min_size = num("min_size", default_min, MIN_FONT, MAX_FONT, "pt")
        if size is not None and min_size is not None and min_size > size:
            bad("min_size", f"min_size ({min_size:g}) must not be larger than size ({size:g})")
        out["min_size"] = min_size
        max_lines = raw.get("max_lines", 1)
        if isinstance(max_lines, bool) or not isinstance(max_lines, int) or not 1 <= max_lines <= 12:
            bad("max_lines", "max_lines must be a whole number from 1 to 12")
        out["max_lines"] = max_lines
        out["line_height"] = num("line_height", 1.2, 0.8, 3, "× size")
        out["letter_spacing"] = num("letter_spacing", 0.0, 0, 20, "pt")
        font = raw.get("font", "serif")
        if font not in FONTS:
            bad("font", f"unknown font {font!r} (allowed: {', '.join(sorted(FONTS))})")
        out["font"] = font
        for flag in ("bold", "italic", "uppercase"):
            value = raw.get(flag, False)
            if not isinstance(value, bool):
                bad(flag, f"{flag} must be true or false")
            out[flag] = value
        if out["italic"] and (out["font"] == "sans" or out["bold"]):
            bad("italic", "italic is only available in the serif font, not bold (fonts shipped: serif regular, "
                          "bold and italic; sans regular and bold)")
        align = raw.get("align", "center")
        if align not in ALIGNS:
            bad("align", f"align must be one of: {', '.join(sorted(ALIGNS))}")
        out["align"] = align
        valign = raw.get("valign", "middle")
        if valign not in VALIGNS:
            bad("valign", f"valign must be one of: {', '.join(sorted(VALIGNS))}")
        out["valign"] = valign
        out["color"] = _color(raw, "color", "#1b1f24", bad)
        if_empty = raw.get("if_empty")
        if if_empty is not None and (not isinstance(if_empty, str) or len(if_empty) > 100):
            bad("if_empty", "if_empty must be a short text (printed for an empty field)")
        out["if_empty"] = if_empty
    return out if ok else None


def _color(raw: dict[str, Any], key: str, default: str | None, bad: Any) -> str | None:
    if key not in raw:
        return default
    value = raw[key]
    if not isinstance(value, str) or not COLOR.match(value):
        bad(key, f"{key} must be a colour like \"#1f3a5f\", not {value!r}")
        return default
    return value.lower()


def validate_template_tree(root: Path) -> list[ContentError]:
    if not root.is_dir():
        return [ContentError(str(root), 1, "folder does not exist")]
    errors: list[ContentError] = []
    for path in template_dirs(root):
        errors.extend(load_template_dir(path).errors)
    return errors


# --- database ---------------------------------------------------------------------------------


def store_template(doc: TemplateDoc, actor: User | None = None) -> tuple[str, CertificateTemplate]:
    """Make ``doc`` the current version of its key: ("created" | "updated" | "unchanged", row). The
    document must be valid. Flushes only."""
    digest = doc.content_hash
    row = db.session.scalar(select(CertificateTemplate).where(
        CertificateTemplate.key == doc.key, CertificateTemplate.content_hash == digest))
    if row is not None and row.current:
        return "unchanged", row
    first = db.session.scalar(select(CertificateTemplate.id).where(CertificateTemplate.key == doc.key)
                              .limit(1)) is None
    db.session.execute(update(CertificateTemplate).where(CertificateTemplate.key == doc.key,
                                                         CertificateTemplate.current.is_(True))
                       .values(current=False).execution_options(synchronize_session="fetch"))
    if row is None:
        row = CertificateTemplate(key=doc.key, title=doc.title, layout=doc.layout, source_text=doc.source_text,
                                  background=doc.background, background_mimetype=doc.background_mimetype,
                                  content_hash=digest, current=True)
        db.session.add(row)
    else:
        # the folder went back to an earlier version: that one is current again
        row.current = True
    db.session.flush()
    record("content.sync_certificate_template", actor=actor, instansi_id=None, target=row,
           details={"template": doc.key, "content_hash": digest, "version": doc.layout.get("version", "")})
    return ("created" if first else "updated"), row


def sync_templates(root: Path, *, actor: User | None = None, keys: list[str] | None = None) -> TemplateSyncReport:
    """Load every template folder under ``root``; nothing is written when any has errors (raises
    ContentInvalid). Flushes only."""
    errors = validate_template_tree(root)
    hard = [e for e in errors if not e.warning]
    if hard:
        raise ContentInvalid(hard)
    report = TemplateSyncReport(errors=errors)
    for path in template_dirs(root):
        if keys and path.name not in keys:
            continue
        status, _ = store_template(load_template_dir(path), actor)
        report.templates[path.name] = status
    return report
