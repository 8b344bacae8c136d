from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField


class UploadForm(FlaskForm):
    file = FileField(_l("Berkas data pegawai (.xlsx atau .csv)"),
                     validators=[FileRequired(_l("Pilih berkas yang akan diunggah."))],
                     render_kw={"accept": ".xlsx,.csv,.txt"})
    #: only offered to the superadmin, who works across instansi
    instansi = SelectField(_l("Instansi"), choices=[], validate_choice=True)


class ApplyForm(FlaskForm):
    deactivate_missing = BooleanField(_l("Nonaktifkan pegawai yang tidak ada di berkas ini"))
