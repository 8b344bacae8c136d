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
    nip = StringField(_l("NIP / NI PPPK"), validators=[DataRequired(), Length(max=40)],
                      render_kw={"autocomplete": "username", "inputmode": "numeric"})
    code = StringField(_l("Kode aktivasi"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters"})
    password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Ulangi kata sandi baru"), validators=[DataRequired(), Length(max=200)],
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
