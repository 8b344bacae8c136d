"""Forms for HR's campaign pages. Labels are lazily translated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..http_guards import optional_id
from ..org.forms import options
from .models import ElectionType

ELECTION_LABELS = {
    ElectionType.PEMILU: _l("Pemilu (presiden, DPR, DPD, DPRD)"),
    ElectionType.PILKADA: _l("Pilkada (gubernur, bupati, wali kota)"),
}


class GoalFields:
    """The election date and the target (all optional), on the create and the edit form."""

    election_date = DateField(_l("Tanggal pemungutan suara (opsional)"), validators=[Optional()])
    target_percent = IntegerField(
        _l("Target selesai (persen, opsional)"),
        validators=[Optional(), NumberRange(min=1, max=100, message=_l("Target harus antara 1 dan 100 persen."))],
        render_kw={"inputmode": "numeric", "min": 1, "max": 100},
    )
    target_date = DateField(_l("Tanggal target (opsional)"), validators=[Optional()])


class CampaignForm(GoalFields, FlaskForm):
    #: superadmin only (the view removes it for others)
    instansi = SelectField(_l("Instansi"), choices=[], validate_choice=False)
    name = StringField(_l("Nama kampanye"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "off"})
    slug = StringField(_l("Kode (opsional)"), validators=[Optional(), Length(max=64)],
                       render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})
    election_type = SelectField(_l("Jenis pemilihan"),
                                choices=options((e.value, label) for e, label in ELECTION_LABELS.items()))
    pledge_version_id = SelectField(_l("Teks pakta integritas"), coerce=optional_id, choices=[],
                                    validate_choice=False)
    place = StringField(_l("Tempat penandatanganan"), validators=[DataRequired(), Length(max=120)])
    opens_on = DateField(_l("Dibuka tanggal"), validators=[DataRequired()])
    closes_on = DateField(_l("Ditutup tanggal"), validators=[DataRequired()])


class CampaignDatesForm(GoalFields, FlaskForm):
    opens_on = DateField(_l("Dibuka tanggal"), validators=[DataRequired()])
    closes_on = DateField(_l("Ditutup tanggal"), validators=[DataRequired()])
