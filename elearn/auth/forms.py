from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    nip = StringField(_l("NIP / NI PPPK"), validators=[DataRequired(), Length(max=40)],
                      render_kw={"autocomplete": "username", "inputmode": "numeric"})
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class ActivationForm(FlaskForm):
    """The required messages are the ones ``services.activate`` gives for a missing value (the view
    shows each message once)."""

    nip = StringField(_l("NIP / NI PPPK"),
                      validators=[DataRequired(_l("Isi NIP atau NI PPPK Anda.")),
                                  Length(max=40, message=_l("Paling banyak %(max)d karakter."))],
                      render_kw={"autocomplete": "username", "inputmode": "numeric"})
    code = StringField(_l("Kode aktivasi"),
                       validators=[DataRequired(_l("Isi kode aktivasi dari slip.")),
                                   Length(max=40, message=_l("Paling banyak %(max)d karakter."))],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters"})
    password = PasswordField(_l("Kata sandi baru"),
                             validators=[DataRequired(_l("Buat kata sandi baru.")),
                                         Length(max=200, message=_l("Paling banyak %(max)d karakter."))],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Ulangi kata sandi baru"),
                            validators=[DataRequired(_l("Ketik kata sandi baru sekali lagi.")),
                                        Length(max=200, message=_l("Paling banyak %(max)d karakter."))],
                            render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Kata sandi saat ini"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Ulangi kata sandi baru"), validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "new-password"})


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField()
