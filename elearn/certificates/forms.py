"""Forms of the certificate pages: the public upload check, revoke and reissue (HR), and an
instansi's certificate settings. Files are checked by the views (size, kind) with a clear message;
the forms only make sure a file was sent."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..accounts.nip import InvalidEmployeeNumber, normalize, parse_nip

#: a serial prefix: capital letters, digits, '-' and '.', starting with a letter or digit
SERIAL_PREFIX = re.compile(r"\A[A-Z0-9][A-Z0-9.\-]{0,31}\Z")


class VerifyUploadForm(FlaskForm):
    pdf = FileField(_l("Berkas PDF sertifikat"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Alasan pencabutan"), validators=[
        DataRequired(message=_l("Tuliskan alasan pencabutan.")), Length(max=2000)])
    confirm = BooleanField(_l("Saya yakin sertifikat ini dicabut. Halaman verifikasi akan menyatakannya dicabut."),
                           validators=[DataRequired(message=_l("Centang pernyataan ini untuk mencabut."))])


class ReissueForm(FlaskForm):
    reason = TextAreaField(_l("Alasan penerbitan ulang (misalnya perbaikan nama)"), validators=[
        DataRequired(message=_l("Tuliskan alasan penerbitan ulang.")), Length(max=2000)])
    confirm = BooleanField(
        _l("Saya yakin: sertifikat baru diterbitkan dari data pegawai saat ini, dan sertifikat ini dinyatakan diganti."),
        validators=[DataRequired(message=_l("Centang pernyataan ini untuk menerbitkan ulang."))])


class SettingsForm(FlaskForm):
    serial_prefix = StringField(_l("Awalan nomor seri"), validators=[
        DataRequired(message=_l("Isi awalan nomor seri.")),
        Length(max=32, message=_l("Awalan nomor seri paling panjang 32 karakter."))])
    signatory_name = StringField(_l("Nama penanda tangan"), validators=[Optional(), Length(max=200)])
    signatory_nip = StringField(_l("NIP penanda tangan"), validators=[Optional(), Length(max=32)])
    signatory_title = StringField(_l("Jabatan penanda tangan"), validators=[Optional(), Length(max=255)])
    template_key = SelectField(_l("Templat sertifikat"), choices=[], validate_choice=True)
    logo = FileField(_l("Logo instansi (PNG, paling besar 1 MB dan 2000×2000 piksel)"))
    remove_logo = BooleanField(_l("Hapus logo"))

    def validate_serial_prefix(self, field: StringField) -> None:
        value = (field.data or "").strip().upper()
        if not SERIAL_PREFIX.match(value):
            raise ValidationError(_l("Awalan nomor seri hanya boleh berisi huruf A–Z, angka, tanda hubung (-) dan "
                                     "titik (.), paling panjang 32 karakter."))
        field.data = value

    def validate_signatory_nip(self, field: StringField) -> None:
        if not field.data:
            return
        try:
            field.data = parse_nip(normalize(field.data)).number
        except InvalidEmployeeNumber:
            raise ValidationError(_l("NIP penanda tangan tidak sah (18 angka: tanggal lahir, TMT, jenis kelamin, "
                                     "nomor urut).")) from None
