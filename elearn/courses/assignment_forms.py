"""Forms for course assignment (HR). Labels are lazily translated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, SelectMultipleField
from wtforms.validators import Optional

from ..http_guards import optional_id


def _int_list(values: object) -> int:
    return optional_id(values) or 0


class AssignForm(FlaskForm):
    instansi = HiddenField()
    course_id = SelectField(_l("Kursus"), coerce=optional_id, choices=[], validate_choice=False)
    whole_instansi = BooleanField(_l("Seluruh instansi (semua perangkat daerah dan unit)"))
    #: unit ids; checked against the user's scope in the view (a forged id answers 404)
    unit_ids = SelectMultipleField(_l("Unit"), coerce=_int_list, choices=[], validate_choice=False)
    due_date = DateField(_l("Tenggat (opsional)"), validators=[Optional()],
                         render_kw={"autocomplete": "off"})


class DueDateForm(FlaskForm):
    due_date = DateField(_l("Tenggat (opsional)"), validators=[Optional()])


class WithdrawForm(FlaskForm):
    pass
