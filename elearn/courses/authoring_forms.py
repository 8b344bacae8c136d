"""Forms for authoring courses in the browser. Labels are lazily translated; CSRF is global."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..accounts.forms import EMPLOYEE_TYPE_LABELS
from ..org.forms import options

URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _audience_field() -> CheckboxesField:
    return CheckboxesField(
        _l("Sasaran (jenis pegawai)"),
        choices=options((t.value, label) for t, label in EMPLOYEE_TYPE_LABELS.items()),
        validators=[DataRequired(message=_l("Pilih setidaknya satu jenis pegawai."))],
    )


class CourseMetaForm(FlaskForm):
    title = StringField(_l("Judul kursus"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Ringkasan"), validators=[DataRequired(), Length(max=2000)])
    audience = _audience_field()
    jp = IntegerField(_l("Jam pelajaran (JP)"), validators=[NumberRange(min=0, max=100)], default=0)
    label = StringField(_l("Label versi"), validators=[DataRequired(), Length(max=32)], default="1")


class CourseCreateForm(CourseMetaForm):
    slug = StringField(
        _l("Kode kursus"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                   message=_l("Hanya huruf kecil a-z, angka dan tanda minus, mis. netralitas-dasar.")),
        ],
    )


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_sources(text: str | None) -> list[dict[str, str]]:
    """``judul | https://...`` per line."""
    sources = []
    for line in lines(text):
        title, bar, url = line.rpartition("|")
        if not bar or not title.strip() or not URL.match(url.strip()):
            raise ValueError(line)
        sources.append({"title": title.strip(), "url": url.strip()})
    return sources


def _max_lines_length(limit: int) -> Any:
    def check(form: FlaskForm, field: Any) -> None:
        if any(len(line) > limit for line in lines(field.data)):
            raise ValidationError(_l("Setiap baris paling banyak %(n)d karakter.", n=limit))

    return check


def _valid_sources(form: FlaskForm, field: Any) -> None:
    try:
        parse_sources(field.data)
    except ValueError as exc:
        raise ValidationError(
            _l("Baris \u201c%(line)s\u201d: tulis \u201cjudul | https://alamat\u201d.", line=str(exc)[:80])
        ) from None


def _has_section(form: FlaskForm, field: Any) -> None:
    if not any(line.startswith("## ") for line in (field.data or "").replace("\r\n", "\n").split("\n")):
        raise ValidationError(_l("Isi modul perlu setidaknya satu judul bagian yang diawali \u201c## \u201d."))


class ModuleForm(FlaskForm):
    title = StringField(_l("Judul modul"), validators=[DataRequired(), Length(max=200)])
    minutes = IntegerField(_l("Perkiraan waktu baca (menit)"), validators=[DataRequired(), NumberRange(min=1, max=120)])
    objectives = TextAreaField(_l("Tujuan pembelajaran (satu per baris)"),
                               validators=[DataRequired(), _max_lines_length(500)])
    references = TextAreaField(_l("Dasar hukum (satu per baris)"), validators=[Optional(), _max_lines_length(300)])
    sources = TextAreaField(_l("Sumber (satu per baris: judul | https://alamat)"), validators=[Optional(), _valid_sources])
    body = TextAreaField(_l("Isi modul (Markdown)"), validators=[DataRequired(), Length(max=100_000), _has_section],
                         render_kw={"rows": 18, "spellcheck": "true"})

    def module_meta(self) -> dict[str, Any]:
        from .services import module_meta

        return module_meta(self.title.data or "", self.minutes.data or 1, lines(self.objectives.data),
                           lines(self.references.data), parse_sources(self.sources.data))

    def fill(self, meta: dict[str, Any], body: str) -> None:
        self.title.data = meta.get("title", "")
        self.minutes.data = meta.get("minutes")
        self.objectives.data = "\n".join(meta.get("objectives") or [])
        self.references.data = "\n".join(meta.get("references") or [])
        self.sources.data = "\n".join(f"{s.get('title', '')} | {s.get('url', '')}" for s in meta.get("sources") or [])
        self.body.data = body.strip("\n")


class ImageForm(FlaskForm):
    image = FileField(_l("Gambar (PNG, JPEG atau WebP, paling besar 150 KB)"))


class CopyForm(FlaskForm):
    """"Salin ke instansi saya": a button; the form carries the CSRF token."""
