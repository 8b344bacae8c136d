"""Forms for the unit tree (admin BKPSDM). Labels are lazily translated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..http_guards import optional_id
from .models import UnitKind

KIND_LABELS = {
    UnitKind.SEKRETARIAT: _l("Sekretariat"),
    UnitKind.INSPEKTORAT: _l("Inspektorat"),
    UnitKind.DINAS: _l("Dinas"),
    UnitKind.BADAN: _l("Badan"),
    UnitKind.KECAMATAN: _l("Kecamatan"),
    UnitKind.KELURAHAN: _l("Kelurahan"),
    UnitKind.BAGIAN: _l("Bagian"),
    UnitKind.BIDANG: _l("Bidang"),
    UnitKind.SEKOLAH: _l("Sekolah"),
    UnitKind.PUSKESMAS: _l("Puskesmas"),
    UnitKind.RSUD: _l("RSUD"),
    UnitKind.UPTD: _l("UPTD"),
    UnitKind.LAINNYA: _l("Lainnya"),
}


def options(pairs: object) -> list[SelectChoice]:
    """``[(value, label), ...]`` as SelectChoice objects (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice("" if value is None else str(value), label) for value, label in pairs]  # type: ignore[attr-defined]


KIND_CHOICES = [(k.value, label) for k, label in KIND_LABELS.items()]


class UnitCreateForm(FlaskForm):
    instansi = HiddenField()
    parent_id = SelectField(_l("Di bawah"), coerce=optional_id, choices=[], validate_choice=False)
    name = StringField(_l("Nama unit"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Jenis unit"), choices=options([("", _l("Tebak dari nama"))] + KIND_CHOICES), default="")


class UnitRenameForm(FlaskForm):
    name = StringField(_l("Nama unit"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Jenis unit"), choices=options(KIND_CHOICES))


class UnitMoveForm(FlaskForm):
    parent_id = SelectField(_l("Pindahkan ke bawah"), coerce=optional_id, choices=[], validate_choice=False)


class UnitStatusForm(FlaskForm):
    active = HiddenField(validators=[DataRequired()])
