"""Forms for authoring question banks, questions of the five types, tags and quizzes.

A question form converts both ways with the canonical question dict (quizzes/README.md):
``form_data(question)`` fills a form and ``QuestionForm.to_data(base)`` reads it back. Reading keeps
what the author did not change exactly as it was in ``base`` (the current version): the order of
checkbox lists, ``points: 1`` written out or left out, ``1`` versus ``1.0``, trailing newlines of
text. So saving an unchanged form gives the same content hash, and ``upsert_question`` makes no new
version. Blank rows (options, situations, choices) are dropped; ``field_for(path)`` finds the form
field of a path inside the dict, so the validator's problems show next to the right field.

Repeated rows (options, situations, choices, draw rules) are added and removed with submit buttons
(``action=add:options``, ``action=remove:options:2``), so the forms work without JavaScript.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..courses.authoring_forms import CheckboxesField, _valid_sources, lines, parse_sources
from ..org.forms import options as choice_options
from .types import (
    ACTION_LABELS,
    ACTIONS,
    ACTOR_ROLES,
    AUTHOR_KINDS,
    ELECTION_TYPES,
    SANCTIONS,
    SLUG,
    STAGES,
    SocialFeed,
)

SLUG_MESSAGE = _l("Hanya huruf kecil a-z, angka dan tanda minus, mis. medsos-like-calon.")
#: slugs that would clash with a fixed path
RESERVED_SLUGS = ("baru", "tag")

TYPE_LABELS = {
    "single_choice": _l("Pilihan tunggal"),
    "multiple_response": _l("Pilihan ganda (beberapa jawaban)"),
    "true_false": _l("Benar/salah"),
    "branching": _l("Skenario bercabang"),
    "social_feed": _l("Dilema media sosial"),
}
ELECTION_LABELS = {"pemilu": _l("Pemilu"), "pilkada": _l("Pilkada")}
STAGE_LABELS = {"bakal_calon": _l("Bakal calon"), "calon": _l("Calon"), "semua_tahap": _l("Semua tahap")}
ACTOR_LABELS = {
    "pns": _l("PNS"), "cpns": _l("CPNS"), "pppk": _l("PPPK"), "pppk_paruh_waktu": _l("PPPK paruh waktu"),
    "non_asn": _l("Pegawai non-ASN"), "guru": _l("Guru"), "tenaga_kesehatan": _l("Tenaga kesehatan"),
    "lurah": _l("Lurah"), "camat": _l("Camat"), "kepala_desa_terkait": _l("Kepala desa (dalam cerita)"),
    "kepala_sekolah": _l("Kepala sekolah"), "kepala_puskesmas": _l("Kepala puskesmas"),
    "kepala_dinas": _l("Kepala dinas"), "kepala_bidang": _l("Kepala bidang"), "sekda": _l("Sekda"),
    "jpt": _l("Pejabat pimpinan tinggi (JPT)"), "administrator": _l("Pejabat administrator"),
    "pengawas": _l("Pejabat pengawas"), "pelaksana": _l("Pelaksana"), "fungsional": _l("Pejabat fungsional"),
}
SANCTION_LABELS = {
    "etik_moral_tertutup": _l("Sanksi moral tertutup"), "etik_moral_terbuka": _l("Sanksi moral terbuka"),
    "disiplin_ringan": _l("Hukuman disiplin ringan"), "disiplin_sedang": _l("Hukuman disiplin sedang"),
    "disiplin_berat": _l("Hukuman disiplin berat"), "ptdh": _l("Pemberhentian tidak dengan hormat (PTDH)"),
    "pidana": _l("Dapat dipidana"), "sanksi_kontrak": _l("Sanksi perjanjian kerja"),
    "tidak_melanggar": _l("Tidak melanggar (boleh dilakukan)"),
}
AUTHOR_KIND_LABELS = {
    "candidate": _l("Calon"), "winning_team": _l("Tim pemenangan"), "colleague": _l("Rekan kerja"),
    "kpu": _l("KPU"), "bawaslu": _l("Bawaslu"), "party": _l("Partai politik"), "news": _l("Media berita"),
    "government": _l("Instansi pemerintah"),
}
FORMAT_LABELS = {"markdown": _l("Markdown (bawaan)"), "html": _l("HTML (dari Moodle)"), "plain": _l("Teks biasa")}

#: optional top-level keys left out when they hold their default
DEFAULTS: dict[str, Any] = {"points": 1, "stem_format": "markdown", "verified_against_primary": False, "draft": False}
#: lists shown as checkboxes (their order is the checkbox order, not the author's)
CHECKBOX_LISTS = ("election_types", "sanctions")


# --- helpers -------------------------------------------------------------------------------


def norm_text(value: Any) -> str:
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _is_default(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value is False
    return value is None or value == "" or value == [] or value == {} or DEFAULTS.get(key, object()) == value


def keep_unchanged(base: Any, new: Any, key: str = "") -> Any:
    """``new`` with every part that equals the same part of ``base`` taken from ``base`` (so the
    content hash only changes when the content does); keys of ``base`` holding a default value that
    the form leaves out are kept."""
    if isinstance(base, Mapping) and isinstance(new, Mapping):
        out = {k: keep_unchanged(base[k], v, k) if k in base else v for k, v in new.items()}
        for k, v in base.items():
            if k not in out and _is_default(k, v):
                out[k] = v
        return out
    if isinstance(base, list) and isinstance(new, list):
        if key in CHECKBOX_LISTS and sorted(map(str, base)) == sorted(map(str, new)):
            return base
        if len(base) == len(new):
            return [keep_unchanged(b, n) for b, n in zip(base, new, strict=True)]
        return new
    if isinstance(base, bool) or isinstance(new, bool):
        return base if base is new else new
    if isinstance(base, int | float) and isinstance(new, int | float):
        return base if base == new else new
    if isinstance(base, str) and isinstance(new, str) and norm_text(base) == norm_text(new):
        return base
    return new


def parse_number(text: Any, *, whole: bool = False) -> int | float | None:
    """"50" -> 50, "33.5" or "33,5" -> 33.5, "" -> None; raises ValueError otherwise."""
    raw = str(text or "").strip().replace(",", ".")
    if not raw:
        return None
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if whole or not re.fullmatch(r"-?\d+\.\d+", raw):
        raise ValueError(raw)
    value = float(raw)
    return int(value) if value.is_integer() else value


def parse_tags(text: Any) -> list[str]:
    return list(dict.fromkeys(t for t in re.split(r"[\s,;]+", str(text or "").strip().lower()) if t))


def add_error(field: Field, message: str) -> None:
    field.errors = [*field.errors, str(message)]


def _blank(form: Form, names: tuple[str, ...]) -> bool:
    return all(not norm_text(getattr(form, name).data) for name in names)


def _text_field(label: Any, rows: int = 3, **kw: Any) -> TextAreaField:
    return TextAreaField(label, render_kw={"rows": rows, "spellcheck": "true"}, **kw)


def _number_field(label: Any, **kw: Any) -> StringField:
    return StringField(label, render_kw={"inputmode": "decimal", "autocomplete": "off"}, **kw)


def _options(labels: Mapping[str, Any], keys: tuple[str, ...], blank: Any = None) -> list[Any]:
    result = [("", blank)] if blank is not None else []
    return choice_options(result + [(key, labels.get(key, key)) for key in keys])


# --- banks ---------------------------------------------------------------------------------


def _not_reserved(form: FlaskForm, field: Field) -> None:
    if field.data in RESERVED_SLUGS:
        raise ValidationError(_l("Kode ini dipakai oleh aplikasi; pilih kode lain."))


def slug_field(label: Any) -> StringField:
    return StringField(label, validators=[DataRequired(), Length(max=64), Regexp(SLUG.pattern, message=SLUG_MESSAGE),
                                          _not_reserved])


class BankForm(FlaskForm):
    slug = slug_field(_l("Kode bank soal"))
    title = StringField(_l("Judul"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Keterangan"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3})


class QuestionFilterForm(FlaskForm):
    class Meta:
        csrf = False

    jenis = SelectField(_l("Jenis soal"), choices=[], validate_choice=False)
    tag = SelectField(_l("Tag"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[], validate_choice=False)


# --- question rows -------------------------------------------------------------------------


class OptionForm(Form):
    id = StringField(_l("Kode pilihan"), validators=[Optional(), Length(max=64)],
                     render_kw={"autocomplete": "off", "autocapitalize": "none"})
    text = _text_field(_l("Teks pilihan"), rows=2)
    correct = BooleanField(_l("Jawaban benar"))
    weight = _number_field(_l("Bobot (persen, boleh kosong)"))
    feedback = _text_field(_l("Umpan balik pilihan ini"), rows=2)


class ChoiceForm(Form):
    id = StringField(_l("Kode pilihan"), validators=[Optional(), Length(max=64)],
                     render_kw={"autocomplete": "off", "autocapitalize": "none"})
    text = _text_field(_l("Teks pilihan"), rows=2)
    points = _number_field(_l("Poin"))
    next = SelectField(_l("Lanjut ke situasi"), choices=[], validate_choice=False)
    feedback = _text_field(_l("Umpan balik pilihan ini"), rows=2)


class NodeForm(Form):
    id = StringField(_l("Kode situasi"), validators=[Optional(), Length(max=64)],
                     render_kw={"autocomplete": "off", "autocapitalize": "none"})
    text = _text_field(_l("Situasi"), rows=3)
    choices = FieldList(FormField(ChoiceForm), _l("Pilihan"), min_entries=2)


class PostForm(Form):
    author = StringField(_l("Nama akun"), validators=[Length(max=120)])
    handle = StringField(_l("Nama pengguna (diawali @)"), validators=[Length(max=80)],
                         render_kw={"autocomplete": "off", "autocapitalize": "none"})
    author_kind = SelectField(_l("Jenis akun"), choices=_options(AUTHOR_KIND_LABELS, AUTHOR_KINDS), default="candidate")
    verified = BooleanField(_l("Akun terverifikasi (centang biru)"))
    time = StringField(_l("Waktu unggah (mis. 2 jam)"), validators=[Length(max=40)])
    text = _text_field(_l("Isi unggahan (teks biasa)"), rows=4)
    image_alt = StringField(_l("Gambar dalam unggahan (uraian, boleh kosong)"), validators=[Length(max=300)])
    likes = _number_field(_l("Jumlah suka"))
    comments = _number_field(_l("Jumlah komentar"))
    shares = _number_field(_l("Jumlah dibagikan"))


class ActionForm(Form):
    allowed = BooleanField(_l("Boleh dilakukan"))
    weight = _number_field(_l("Nilai sebagian bila boleh tetapi bukan yang terbaik (persen, kosong = nilai penuh)"))
    feedback = _text_field(_l("Umpan balik"), rows=2)


class ActionsForm(Form):
    like = FormField(ActionForm, label=ACTION_LABELS["like"])
    comment = FormField(ActionForm, label=ACTION_LABELS["comment"])
    share = FormField(ActionForm, label=ACTION_LABELS["share"])
    follow = FormField(ActionForm, label=ACTION_LABELS["follow"])
    ignore = FormField(ActionForm, label=ACTION_LABELS["ignore"])


# --- the question form -----------------------------------------------------------------------


class QuestionForm(FlaskForm):
    """The fields every type has. ``qtype`` is set by the subclasses."""

    qtype = ""
    key = StringField(_l("Kode soal"), validators=[Optional(), Length(max=100)],
                      render_kw={"autocomplete": "off", "autocapitalize": "none"})
    #: the version the author started from (a newer one means someone else saved meanwhile)
    base_version = HiddenField()
    title = StringField(_l("Judul singkat"), validators=[Length(max=200)])
    stem = _text_field(_l("Situasi / pertanyaan"), rows=4)
    stem_format = SelectField(_l("Format teks"), choices=_options(FORMAT_LABELS, ("markdown", "html", "plain")),
                              default="markdown")
    points = _number_field(_l("Poin"), default="1")
    feedback = _text_field(_l("Umpan balik umum: perilaku yang benar, aturannya, sanksinya"), rows=4)
    election_types = CheckboxesField(_l("Jenis pemilihan"), choices=_options(ELECTION_LABELS, ELECTION_TYPES))
    stage = SelectField(_l("Tahap"), choices=_options(STAGE_LABELS, STAGES, blank=_l("— pilih —")))
    actor_role = SelectField(_l("Peran pelaku"), choices=_options(ACTOR_LABELS, ACTOR_ROLES, blank=_l("— pilih —")))
    rule_refs = TextAreaField(_l("Dasar hukum (satu per baris)"), render_kw={"rows": 3})
    sanctions = CheckboxesField(_l("Sanksi atas perbuatan yang keliru"), choices=_options(SANCTION_LABELS, SANCTIONS))
    tags = StringField(_l("Tag (dipisah koma)"), render_kw={"autocomplete": "off", "autocapitalize": "none"})
    sources = TextAreaField(_l("Sumber (satu per baris: judul | https://alamat)"), render_kw={"rows": 3},
                            validators=[Optional(), _valid_sources])
    category = StringField(_l("Kategori (boleh kosong)"), validators=[Length(max=200)])
    verified_against_primary = BooleanField(_l("Sudah dicek dengan naskah peraturan aslinya"))
    draft = BooleanField(_l("Draf (belum lengkap; tidak diundi ke kuis)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: data path -> form field, filled by to_data
        self.paths: dict[tuple[str | int, ...], Field] = {}
        #: problems that belong to no single field
        self.general_errors: list[str] = []

    # reading -----------------------------------------------------------------------------

    def to_data(self, base: Mapping[str, Any] | None, key: str) -> dict[str, Any]:
        """The canonical question dict of what the form holds (see the module docstring). Parse
        errors (a number that is not one) are added to their fields."""
        base = base or {}
        self.paths = {}
        data: dict[str, Any] = {"id": key, "type": self.qtype}
        if "key" in self._fields:
            # the code a new question is saved under: its problems belong next to "Kode soal"
            self.paths[("id",)] = self.key
        for name in ("title", "stem", "feedback", "category"):
            self._put(data, (name,), getattr(self, name), norm_text(getattr(self, name).data))
        self._put(data, ("stem_format",), self.stem_format, self.stem_format.data or "markdown")
        points = self._number(self.points)
        self._put(data, ("points",), self.points, 1 if points is None else points)
        self._put(data, ("election_types",), self.election_types, list(self.election_types.data or []))
        self._put(data, ("stage",), self.stage, self.stage.data or "")
        self._put(data, ("actor_role",), self.actor_role, self.actor_role.data or "")
        self._put(data, ("rule_refs",), self.rule_refs, lines(self.rule_refs.data))
        self._put(data, ("sanctions",), self.sanctions, list(self.sanctions.data or []))
        self._put(data, ("tags",), self.tags, parse_tags(self.tags.data))
        try:
            sources = parse_sources(self.sources.data)
        except ValueError:
            sources = []
        self._put(data, ("sources",), self.sources, sources)
        self._put(data, ("verified_against_primary",), self.verified_against_primary,
                  bool(self.verified_against_primary.data))
        self._put(data, ("draft",), self.draft, bool(self.draft.data))
        self.type_data(data)
        return keep_unchanged(base, data)

    def type_data(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def _put(self, data: dict[str, Any], path: tuple[str | int, ...], field: Field, value: Any) -> None:
        """Register ``field`` for ``path`` and set the value unless it is a left-out default."""
        self.paths[path] = field
        if len(path) == 1 and _is_default(str(path[0]), value):
            return
        data[str(path[-1])] = value

    def _number(self, field: Field, *, whole: bool = False) -> int | float | None:
        try:
            return parse_number(field.data, whole=whole)
        except ValueError:
            add_error(field, _("Tulis bilangan bulat.") if whole else _("Tulis angka, mis. 50 atau 33,5."))
            return None

    # errors ------------------------------------------------------------------------------

    def field_for(self, path: tuple[str | int, ...]) -> Field | None:
        """The form field of the deepest known prefix of ``path``."""
        for end in range(len(path), 0, -1):
            field = self.paths.get(tuple(path[:end]))
            if field is not None:
                return field
        return None

    def row_errors(self) -> bool:
        return any(field.errors for field in self.paths.values())

    # structure (add / remove rows) ---------------------------------------------------------

    def apply_action(self, action: str) -> bool:
        """Add or remove a row (``add:options``, ``remove:options:2``, ``add:choices:0``,
        ``remove:choices:0:1``). True when the action was one of these."""
        return False

    def prepare(self) -> None:
        """Fill choices that depend on the form's own content (branching: the situations)."""


def _remove_entry(field_list: FieldList, index: int) -> None:
    if 0 <= index < len(field_list.entries) and len(field_list.entries) > 1:
        del field_list.entries[index]


def _rows_action(action: str, name: str, field_list: FieldList, limit: int) -> bool:
    """``add:<name>`` appends a row (up to ``limit``), ``remove:<name>:<i>`` removes row i."""
    what, index = _row_action(action)
    if what == f"add:{name}":
        if len(field_list.entries) < limit:
            field_list.append_entry()
        return True
    if what == f"remove:{name}" and index:
        _remove_entry(field_list, index[0])
        return True
    return False


def _row_action(action: str) -> tuple[str, list[int]]:
    verb, _sep, rest = action.partition(":")
    parts = rest.split(":")
    try:
        return f"{verb}:{parts[0]}", [int(p) for p in parts[1:]]
    except ValueError:
        return "", []


class _OptionsForm(QuestionForm):
    options = FieldList(FormField(OptionForm), _l("Pilihan jawaban"), min_entries=3)
    max_rows = 8

    def type_data(self, data: dict[str, Any]) -> None:
        options = []
        taken = {norm_text(e.form.id.data) for e in self.options.entries}
        letters = iter(c for c in "abcdefghijklmnopqrstuvwxyz" if c not in taken)
        for entry in self.options.entries:
            row = entry.form
            # the id alone (the form starts rows as a, b, c; a blank id gets the next free letter) does
            # not make a row: an option with nothing else written is left out
            if _blank(row, ("text", "feedback", "weight")) and not row.correct.data:
                continue
            i = len(options)
            option: dict[str, Any] = {"id": norm_text(row.id.data) or next(letters, f"opsi-{i + 1}"),
                                      "text": norm_text(row.text.data)}
            if row.correct.data:
                option["correct"] = True
            weight = self._number(row.weight)
            if weight is not None:
                option["weight"] = weight
            feedback = norm_text(row.feedback.data)
            if feedback or not data.get("draft"):
                option["feedback"] = feedback
            for name in ("id", "text", "correct", "weight", "feedback"):
                self.paths[("options", i, name)] = getattr(row, name)
            self.paths[("options", i)] = row.text
            options.append(option)
        self.paths[("options",)] = self.options
        data["options"] = options

    def apply_action(self, action: str) -> bool:
        return _rows_action(action, "options", self.options, self.max_rows)


class SingleChoiceForm(_OptionsForm):
    qtype = "single_choice"


class MultipleResponseForm(_OptionsForm):
    qtype = "multiple_response"
    max_rows = 10


class TrueFalseForm(QuestionForm):
    qtype = "true_false"
    answer = RadioField(_l("Pernyataan ini"), choices=choice_options([("true", _l("Benar")), ("false", _l("Salah"))]),
                        validators=[Optional()], validate_choice=False)
    feedback_true = _text_field(_l("Umpan balik bila peserta menjawab \u201cBenar\u201d"), rows=3)
    feedback_false = _text_field(_l("Umpan balik bila peserta menjawab \u201cSalah\u201d"), rows=3)

    def type_data(self, data: dict[str, Any]) -> None:
        self.paths[("answer",)] = self.answer
        if self.answer.data in ("true", "false"):
            data["answer"] = self.answer.data == "true"
        for name in ("feedback_true", "feedback_false"):
            value = norm_text(getattr(self, name).data)
            self.paths[(name,)] = getattr(self, name)
            if value or not data.get("draft"):
                data[name] = value


class BranchingForm(QuestionForm):
    qtype = "branching"
    start = SelectField(_l("Situasi awal"), choices=[], validate_choice=False)
    nodes = FieldList(FormField(NodeForm), _l("Situasi"), min_entries=1)
    max_nodes = 12

    def node_ids(self) -> list[str]:
        return [norm_text(e.form.id.data) for e in self.nodes.entries if norm_text(e.form.id.data)]

    def prepare(self) -> None:
        ids = self.node_ids()
        self.start.choices = choice_options([(i, i) for i in ids] or [("", _("— isi kode situasi dulu —"))])
        end = [("", _("— selesai (skenario berakhir) —"))]
        for node in self.nodes.entries:
            own = norm_text(node.form.id.data)
            for choice in node.form.choices.entries:
                current = choice.form.next.data or ""
                targets = [(i, i) for i in ids if i != own]
                if current and current not in ids:
                    targets.append((current, current))
                choice.form.next.choices = choice_options(end + targets)

    def type_data(self, data: dict[str, Any]) -> None:
        ids = self.node_ids()
        data["start"] = self.start.data if self.start.data else (ids[0] if ids else "")
        self.paths[("start",)] = self.start
        nodes = []
        for entry in self.nodes.entries:
            row = entry.form
            choice_rows = [c.form for c in row.choices.entries
                           if not _blank(c.form, ("id", "text", "feedback", "points"))]
            if _blank(row, ("id", "text")) and not choice_rows:
                continue
            i = len(nodes)
            node: dict[str, Any] = {"id": norm_text(row.id.data), "text": norm_text(row.text.data), "choices": []}
            self.paths[("nodes", i)] = row.text
            self.paths[("nodes", i, "id")] = row.id
            self.paths[("nodes", i, "text")] = row.text
            self.paths[("nodes", i, "choices")] = row.choices
            taken = {norm_text(c.id.data) for c in choice_rows}
            letters = iter(c for c in "abcdefghijklmnopqrstuvwxyz" if c not in taken)
            for j, choice_row in enumerate(choice_rows):
                points = self._number(choice_row.points, whole=True)
                choice: dict[str, Any] = {"id": norm_text(choice_row.id.data) or next(letters, f"pilihan-{j + 1}"),
                                          "text": norm_text(choice_row.text.data),
                                          "points": 0 if points is None else points}
                if choice_row.next.data:
                    choice["next"] = choice_row.next.data
                feedback = norm_text(choice_row.feedback.data)
                if feedback or not data.get("draft"):
                    choice["feedback"] = feedback
                for name in ("id", "text", "points", "next", "feedback"):
                    self.paths[("nodes", i, "choices", j, name)] = getattr(choice_row, name)
                self.paths[("nodes", i, "choices", j)] = choice_row.text
                node["choices"].append(choice)
            nodes.append(node)
        self.paths[("nodes",)] = self.nodes
        data["nodes"] = nodes

    def apply_action(self, action: str) -> bool:
        if _rows_action(action, "nodes", self.nodes, self.max_nodes):
            return True
        what, index = _row_action(action)
        if what in ("add:choices", "remove:choices") and index and 0 <= index[0] < len(self.nodes.entries):
            inner = ":".join([what.split(":")[0], "choices", *map(str, index[1:])])
            return _rows_action(inner, "choices", self.nodes.entries[index[0]].form.choices, 5)
        return False


class SocialFeedForm(QuestionForm):
    qtype = "social_feed"
    post = FormField(PostForm)
    actions = FormField(ActionsForm)

    def type_data(self, data: dict[str, Any]) -> None:
        form = self.post.form
        post: dict[str, Any] = {}
        for name in ("author", "handle", "time", "text", "image_alt"):
            value = norm_text(getattr(form, name).data)
            self.paths[("post", name)] = getattr(form, name)
            if value or name != "image_alt":
                post[name] = value
        post["author_kind"] = form.author_kind.data or ""
        post["verified"] = bool(form.verified.data)
        self.paths[("post", "author_kind")] = form.author_kind
        self.paths[("post", "verified")] = form.verified
        for name in ("likes", "comments", "shares"):
            value = self._number(getattr(form, name), whole=True)
            self.paths[("post", name)] = getattr(form, name)
            if value is not None:
                post[name] = value
        self.paths[("post",)] = form.text
        data["post"] = post
        actions: dict[str, Any] = {}
        for key in ACTIONS:
            action = getattr(self.actions.form, key).form
            value: dict[str, Any] = {"allowed": bool(action.allowed.data)}
            weight = self._number(action.weight)
            if weight is not None:
                value["weight"] = weight
            feedback = norm_text(action.feedback.data)
            if feedback or not data.get("draft"):
                value["feedback"] = feedback
            actions[key] = value
            self.paths[("actions", key)] = action.feedback
            self.paths[("actions", key, "allowed")] = action.allowed
            self.paths[("actions", key, "weight")] = action.weight
            self.paths[("actions", key, "feedback")] = action.feedback
        self.paths[("actions",)] = self.actions.form.ignore.form.allowed
        data["actions"] = actions


QUESTION_FORMS: dict[str, type[QuestionForm]] = {
    form.qtype: form for form in (SingleChoiceForm, MultipleResponseForm, TrueFalseForm, BranchingForm,
                                  SocialFeedForm)
}


def form_data(question: Mapping[str, Any]) -> dict[str, Any]:
    """The values that fill a question form from a canonical question dict."""
    sources = question.get("sources") or []
    data: dict[str, Any] = {
        "key": question.get("id", ""),
        "title": question.get("title", ""), "stem": question.get("stem", ""),
        "stem_format": question.get("stem_format") or "markdown",
        "points": question.get("points", 1), "feedback": question.get("feedback", ""),
        "election_types": list(question.get("election_types") or []), "stage": question.get("stage") or "",
        "actor_role": question.get("actor_role") or "",
        "rule_refs": "\n".join(str(r) for r in question.get("rule_refs") or []),
        "sanctions": list(question.get("sanctions") or []),
        "tags": ", ".join(str(t) for t in question.get("tags") or []),
        "sources": "\n".join(f"{s.get('title', '')} | {s.get('url', '')}" for s in sources if isinstance(s, Mapping)),
        "category": question.get("category") or "",
        "verified_against_primary": bool(question.get("verified_against_primary")),
        "draft": bool(question.get("draft")),
    }
    qtype = question.get("type")
    if qtype in ("single_choice", "multiple_response"):
        data["options"] = [{"id": o.get("id", ""), "text": o.get("text", ""), "correct": o.get("correct") is True,
                            "weight": "" if o.get("weight") is None else o["weight"],
                            "feedback": o.get("feedback", "")} for o in question.get("options") or []]
    elif qtype == "true_false":
        answer = question.get("answer")
        data.update({"answer": "" if answer is None else ("true" if answer else "false"),
                     "feedback_true": question.get("feedback_true", ""),
                     "feedback_false": question.get("feedback_false", "")})
    elif qtype == "branching":
        data["start"] = question.get("start", "")
        data["nodes"] = [
            {"id": n.get("id", ""), "text": n.get("text", ""),
             "choices": [{"id": c.get("id", ""), "text": c.get("text", ""), "points": c.get("points", 0),
                          "next": c.get("next") or "", "feedback": c.get("feedback", "")}
                         for c in n.get("choices") or []]}
            for n in question.get("nodes") or []
        ]
    elif qtype == "social_feed":
        post = question.get("post") or {}
        data["post"] = {k: ("" if post.get(k) is None else post.get(k)) for k in SocialFeed.post_keys}
        data["post"]["verified"] = bool(post.get("verified"))
        actions = question.get("actions") or {}
        data["actions"] = {key: {"allowed": bool((actions.get(key) or {}).get("allowed")),
                                 "weight": "" if (actions.get(key) or {}).get("weight") is None
                                 else actions[key]["weight"],
                                 "feedback": (actions.get(key) or {}).get("feedback", "")} for key in ACTIONS}
    return data


def new_question_data(qtype: str) -> dict[str, Any]:
    """Starting values of a new question of ``qtype``."""
    if qtype == "branching":
        return {"type": qtype, "nodes": [{"id": "awal", "text": "", "choices": [{}, {}]}], "start": "awal"}
    if qtype == "social_feed":
        return {"type": qtype, "post": {"author_kind": "candidate", "verified": False},
                "actions": {key: {"allowed": key == "ignore", "feedback": ""} for key in ACTIONS}}
    if qtype in ("single_choice", "multiple_response"):
        return {"type": qtype, "options": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}
    return {"type": qtype}


# --- validator messages -----------------------------------------------------------------------

#: English validator messages (types.py, content/quizzes.py) the author can act on -> translated text.
#: The item prefix ("options item 2: ") is removed first: the message shows next to that row.
_PREFIX = re.compile(r"^(?:(?:options|sources|nodes|draw) item \d+(?:, choices item \d+)?|node '[^']*', "
                     r"choice '[^']*'|actions\.\w+|rule_refs item \d+)(?::\s*|\s+)")
MESSAGES: list[tuple[re.Pattern[str], Any]] = [(re.compile(p), m) for p, m in (
    (r"exactly one option must have 'correct: true' \(found (?P<n>\d+)\)",
     _l("Tandai tepat satu pilihan sebagai jawaban benar (sekarang %(n)s).")),
    (r"at least one option must have 'correct: true'", _l("Tandai setidaknya satu pilihan sebagai jawaban benar.")),
    (r"options must be a list of (?P<min>\d+) to (?P<max>\d+) options",
     _l("Isi %(min)s sampai %(max)s pilihan.")),
    (r"the correct option weighs 100", _l("Pilihan yang benar selalu berbobot 100; kosongkan bobotnya.")),
    (r"weight of a wrong option must be 0 to 99", _l("Bobot pilihan yang salah 0 sampai 99 (nilai sebagian, persen).")),
    (r"weight must be from -100 to 100", _l("Bobot dari -100 sampai 100.")),
    (r"a correct option needs a positive weight", _l("Pilihan yang benar perlu bobot lebih dari 0.")),
    (r"a wrong option's weight must be 0 or negative", _l("Bobot pilihan yang salah 0 atau negatif.")),
    (r"the weights of the correct options must add up to 100 \(they add up to (?P<total>[^)]+)\)",
     _l("Bobot pilihan yang benar harus berjumlah 100 (sekarang %(total)s).")),
    (r"weight must be a number", _l("Bobot harus berupa angka.")),
    (r"choices must be a list of (?P<min>\d+) to (?P<max>\d+) choices",
     _l("Isi %(min)s sampai %(max)s pilihan untuk situasi ini.")),
    (r"points must be a whole number, 0 or more", _l("Poin berupa bilangan bulat, 0 atau lebih.")),
    (r"next must be the id of another node", _l("Pilih situasi lain sebagai lanjutan, atau \u201cselesai\u201d.")),
    (r"start '.*' is not the id of a node", _l("Pilih situasi awal dari daftar situasi.")),
    (r"next '(?P<id>.*)' is not the id of a node", _l("Situasi lanjutan \u201c%(id)s\u201d tidak ada.")),
    (r"the scenario has a cycle: (?P<cycle>.+) \(the graph",
     _l("Skenario berputar (%(cycle)s): setiap jalur harus maju sampai selesai.")),
    (r"node '(?P<id>.*)' cannot be reached from start",
     _l("Situasi \u201c%(id)s\u201d tidak dapat dicapai dari situasi awal.")),
    (r"the best path scores 0 points", _l("Jalur terbaik bernilai 0 poin: beri poin pada pilihan yang tepat.")),
    (r"nodes must be a non-empty list", _l("Tambahkan setidaknya satu situasi.")),
    (r"node id '.*' is used twice|choice id '.*' is used twice|id '.*' is used twice",
     _l("Kode ini sudah dipakai di baris lain.")),
    (r"id must be a slug", SLUG_MESSAGE),
    (r"at least one action must be allowed", _l("Setidaknya satu tindakan harus boleh dilakukan (biasanya Abaikan).")),
    (r"at least one allowed action must earn full credit",
     _l("Setidaknya satu tindakan yang boleh harus bernilai penuh (kosongkan nilai sebagiannya).")),
    (r"a violation earns nothing, so it takes no weight",
     _l("Tindakan yang melanggar tidak diberi nilai; kosongkan nilai sebagiannya.")),
    (r"weight of an allowed action must be 0 to 99",
     _l("Nilai sebagian 0 sampai 99 (persen); kosongkan untuk nilai penuh.")),
    (r"engaging with a \w+ account is a violation",
     _l("Menyukai, mengomentari, membagikan atau mengikuti akun calon atau tim pemenangan adalah pelanggaran: "
        "jangan tandai \u201cboleh\u201d.")),
    (r"post\.handle must start with @", _l("Nama pengguna diawali @, tanpa spasi.")),
    (r"post\.(likes|comments|shares) must be a whole number", _l("Bilangan bulat, 0 atau lebih.")),
    (r"post\.author_kind must be one of", _l("Pilih jenis akun.")),
    (r"title is longer than 200 characters", _l("Judul paling banyak 200 karakter.")),
    (r"sanctions: 'tidak_melanggar' \(allowed conduct\) must be used alone",
     _l("\u201cTidak melanggar\u201d tidak dapat digabung dengan sanksi lain.")),
    (r"tags: '?(?P<tag>[^']*)'? is not a slug", _l("Tag \u201c%(tag)s\u201d: hanya huruf kecil a-z, angka dan tanda minus.")),
    (r"points must be a number greater than 0", _l("Poin harus angka lebih dari 0.")),
    (r"url must start with http", _l("Alamat sumber harus diawali http:// atau https://.")),
    (r"must be a non-empty list", _l("Isi setidaknya satu.")),
    (r"must be non-empty text|is missing", _l("Wajib diisi.")),
    (r"must be true or false", _l("Pilih salah satu.")),
    (r"stage must be one of", _l("Pilih tahap.")),
    (r"actor_role must be one of", _l("Pilih peran pelaku.")),
)]
_MISSING = re.compile(r"^(?:post: )?'(?P<key>\w+)' is missing")


def translate_problem(problem: str) -> str:
    """The validator's English message in the user's language where the author can act on it;
    otherwise the English message with a translated lead-in."""
    return _translate(problem, MESSAGES) or _("Pemeriksaan isi: %(message)s", message=str(problem))


def _translate(problem: str, table: list[tuple[re.Pattern[str], Any]]) -> str | None:
    text = _PREFIX.sub("", str(problem))
    for pattern, message in table:
        match = pattern.search(text)
        if match:
            return str(message) % match.groupdict() if match.groupdict() else str(message)
    return None


def problem_path(problem: str) -> tuple[str | int, ...]:
    path = tuple(getattr(problem, "path", ()) or ())
    if path:
        return path
    match = _MISSING.match(str(problem))
    if match:
        prefix: tuple[str, ...] = ("post",) if str(problem).startswith("post:") else ()
        return (*prefix, match.group("key"))
    return ()


def attach_problems(form: QuestionForm, problems: list[str]) -> None:
    """Show each validator problem next to its field (translated), or in the general list."""
    for problem in problems:
        message = translate_problem(problem)
        field = form.field_for(problem_path(problem))
        if field is not None and field is form._fields.get("key") and field.errors:
            continue  # the view's own check of the code said what is wrong with it
        if field is None or isinstance(field, FieldList):
            form.general_errors.append(message if field is None else f"{field.label.text}: {message}")
        elif message not in field.errors:
            add_error(field, message)


# --- tags ----------------------------------------------------------------------------------------


class TagForm(FlaskForm):
    slug = slug_field(_l("Kode tag"))
    label = StringField(_l("Nama tag"), validators=[DataRequired(), Length(max=100)])


class TagRenameForm(FlaskForm):
    label = StringField(_l("Nama tag"), validators=[DataRequired(), Length(max=100)])


class TagMergeForm(FlaskForm):
    target = SelectField(_l("Gabungkan ke tag"), choices=[], validators=[DataRequired()])


# --- quizzes -------------------------------------------------------------------------------------

DRAW_KINDS = {"tags": _l("dari tag"), "questions": _l("dari daftar soal"), "rest": _l("dari sisa bank")}


class DrawRuleForm(Form):
    count = _number_field(_l("Jumlah soal"))
    kind = SelectField(_l("Diambil"), choices=choice_options(DRAW_KINDS.items()), default="rest")
    values = StringField(_l("Tag atau kode soal (dipisah koma)"),
                         render_kw={"autocomplete": "off", "autocapitalize": "none"})


class QuizForm(FlaskForm):
    slug = slug_field(_l("Kode kuis"))
    #: the banks the quiz draws from (the instansi's and the shipped ones); choices set by the view
    banks = CheckboxesField(_l("Bank soal"), choices=[], validate_choice=False)
    title = StringField(_l("Judul"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Keterangan"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3})
    #: who the quiz is for (authz.in_quiz_audience): everyone, or leaders only
    audience = SelectField(_l("Untuk siapa"), default="",
                           choices=choice_options([("", _l("Semua peserta")), ("pimpinan", _l("Pimpinan saja"))]))
    pass_mark = IntegerField(_l("Batas lulus (persen)"), validators=[DataRequired(), NumberRange(min=0, max=100)],
                             default=70)
    attempt_limit = IntegerField(_l("Batas percobaan (kosong: tidak terbatas)"),
                                 validators=[Optional(), NumberRange(min=1, max=100)])
    time_limit_minutes = IntegerField(_l("Batas waktu dalam menit (kosong: tanpa batas)"),
                                      validators=[Optional(), NumberRange(min=1, max=600)])
    shuffle_questions = BooleanField(_l("Acak urutan soal"), default=True)
    shuffle_options = BooleanField(_l("Acak urutan pilihan"), default=True)
    draw = FieldList(FormField(DrawRuleForm), _l("Aturan pengambilan soal"), min_entries=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.general_errors: list[str] = []
        self.rule_rows: list[DrawRuleForm] = []

    def draw_rules(self) -> list[dict[str, Any]]:
        rules = []
        self.rule_rows = []
        for entry in self.draw.entries:
            row = entry.form
            if _blank(row, ("count", "values")):
                continue
            try:
                count = parse_number(row.count.data, whole=True)
            except ValueError:
                add_error(row.count, _("Tulis bilangan bulat."))
                count = None
            rule: dict[str, Any] = {"count": count}
            values = parse_tags(row.values.data)
            if row.kind.data == "tags":
                rule["tags"] = values
            elif row.kind.data == "questions":
                rule["questions"] = values
            elif values:
                add_error(row.values, _("Kosongkan: aturan \u201cdari sisa bank\u201d tidak memakai tag atau kode soal."))
            rules.append(rule)
            self.rule_rows.append(row)
        return rules

    def quiz_data(self, slug: str) -> dict[str, Any]:
        return {
            "slug": slug, "title": (self.title.data or "").strip(), "description": norm_text(self.description.data),
            "audience": self.audience.data or None, "pass_mark": self.pass_mark.data,
            "attempt_limit": self.attempt_limit.data, "time_limit_minutes": self.time_limit_minutes.data,
            "shuffle_questions": bool(self.shuffle_questions.data), "shuffle_options": bool(self.shuffle_options.data),
            "draw": self.draw_rules(),
        }

    def fill(self, quiz: Any) -> None:
        self.title.data = quiz.title
        self.description.data = quiz.description
        self.audience.data = quiz.audience or ""
        self.pass_mark.data = quiz.pass_mark
        self.attempt_limit.data = quiz.attempt_limit
        self.time_limit_minutes.data = quiz.time_limit_minutes
        self.shuffle_questions.data = quiz.shuffle_questions
        self.shuffle_options.data = quiz.shuffle_options
        while self.draw.entries:
            self.draw.pop_entry()
        for rule in quiz.draw or []:
            kind = "tags" if "tags" in rule else ("questions" if "questions" in rule else "rest")
            self.draw.append_entry({"count": rule.get("count"), "kind": kind,
                                    "values": ", ".join(rule.get(kind, [])) if kind != "rest" else ""})

    def apply_action(self, action: str) -> bool:
        return _rows_action(action, "draw", self.draw, 20)

    def attach_problems(self, problems: list[str]) -> None:
        for problem in problems:
            path = tuple(getattr(problem, "path", ()) or ())
            message = translate_quiz_problem(problem)
            row = self.rule_rows[path[1]] if len(path) > 1 and path[0] == "draw" and isinstance(path[1], int) \
                and path[1] < len(self.rule_rows) else None
            if row is not None:
                field = row.count if len(path) > 2 and path[2] == "count" else row.values
                if message not in field.errors:
                    add_error(field, message)
            elif path and path[0] in ("pass_mark", "attempt_limit", "time_limit_minutes", "title", "audience"):
                add_error(getattr(self, str(path[0])), message)
            else:
                self.general_errors.append(message)


QUIZ_MESSAGES: list[tuple[re.Pattern[str], Any]] = [(re.compile(p), m) for p, m in (
    (r"needs (?P<count>\d+) question\(s\) but only (?P<n>\d+) match \((?P<taken>\d+) of them",
     _l("Perlu %(count)s soal, hanya %(n)s yang cocok dan %(taken)s di antaranya mungkin sudah diambil aturan di atas.")),
    (r"needs (?P<count>\d+) question\(s\) but only (?P<n>\d+) match", _l("Perlu %(count)s soal, hanya %(n)s yang cocok.")),
    (r"no question of the bank has the tag '(?P<tag>.*)'", _l("Tidak ada soal di bank ini dengan tag \u201c%(tag)s\u201d.")),
    (r"question '(?P<id>.*)' is in several banks \((?P<ids>.*)\)",
     _l("Soal \u201c%(id)s\u201d ada di beberapa bank (%(ids)s): tulis salah satunya lengkap dengan kode banknya.")),
    (r"question '(?P<id>.*)' is a draft", _l("Soal \u201c%(id)s\u201d masih draf dan tidak diundi.")),
    (r"the bank has no question '(?P<id>.*)'", _l("Bank ini tidak punya soal \u201c%(id)s\u201d (atau soalnya ditarik).")),
    (r"question '(?P<id>.*)' is listed twice", _l("Soal \u201c%(id)s\u201d tertulis dua kali.")),
    (r"count must be a whole number, 1 or more", _l("Jumlah soal: bilangan bulat, 1 atau lebih.")),
    (r"give tags or questions, not both", _l("Pilih tag atau daftar soal, tidak keduanya.")),
    (r"tags must be a non-empty list", _l("Tulis setidaknya satu tag.")),
    (r"questions must be a non-empty list", _l("Tulis setidaknya satu kode soal.")),
    (r"draw must be a non-empty list", _l("Tambahkan setidaknya satu aturan pengambilan soal.")),
)]


def translate_quiz_problem(problem: str) -> str:
    return _translate(problem, QUIZ_MESSAGES) or translate_problem(problem)
