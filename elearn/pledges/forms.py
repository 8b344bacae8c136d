"""The signing form. The drawn signature arrives as a PNG data URL (static/js/pledge-sign.js fills
``signature_data`` on submit); without JavaScript only the typed full name is offered."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from ..org.forms import options

#: signature_pad's strokes (toData()) are echoed back up to this length, so a drawing survives a
#: refused submit (wrong password, ...); longer ones are dropped (the signer draws again)
MAX_STROKES = 300_000


class SignForm(FlaskForm):
    method = RadioField(
        _l("Cara tanda tangan"),
        choices=options([("drawn", _l("Gambar tanda tangan")), ("typed", _l("Ketik nama lengkap"))]),
        validators=[InputRequired(message=_l("Pilih cara tanda tangan."))],
    )
    # checked by services.png_from_data_url / check_signature_png (size first, with a clear message)
    signature_data = HiddenField()
    signature_strokes = HiddenField()
    typed_name = StringField(_l("Nama lengkap"), validators=[Optional(), Length(max=200)])
    #: required unless the session proved the password recently (the view sets ``password_required``)
    password = PasswordField(_l("Kata sandi"))
    consent = BooleanField(
        _l("Saya sudah membaca seluruh isi pakta integritas ini dan menandatanganinya dengan sadar."),
        validators=[DataRequired(message=_l("Centang pernyataan ini untuk menandatangani."))],
    )
    #: chain.text_hash of the text shown; services.sign refuses a mismatch (``text_changed``)
    text_hash = HiddenField()

    password_required = True

    def validate_password(self, field: PasswordField) -> None:
        if self.password_required and not field.data:
            raise StopValidation(_l("Ketik kata sandi Anda."))
