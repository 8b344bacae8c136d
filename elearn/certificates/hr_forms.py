"""The filters of HR's certificate pages (GET; read from ``request.args``). Labels are lazily
translated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from ..http_guards import optional_id


class CertificateReportForm(FlaskForm):
    class Meta:
        csrf = False

    #: superadmin only (the view removes it for others)
    instansi = SelectField(_l("Instansi"), choices=[], validate_choice=False)
    course = SelectField(_l("Kursus"), choices=[], coerce=optional_id, validate_choice=False)
    dari = DateField(_l("Terbit dari tanggal"), validators=[Optional()])
    sampai = DateField(_l("Sampai tanggal"), validators=[Optional()])

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        ok = super().validate(extra_validators)
        if ok and self.dari.data and self.sampai.data and self.sampai.data < self.dari.data:
            self.sampai.errors = [*self.sampai.errors, str(_l("Tanggal akhir sebelum tanggal awal."))]
            return False
        return ok
