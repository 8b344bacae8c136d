"""Forms of the events area. Labels are lazily translated; choices are filled by the views and
checked by the services (a value not in the list gets an Indonesian form error, never a 500)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, Form, FormField, IntegerField, SelectField, SelectMultipleField,
                     StringField, TextAreaField, TimeField)
from wtforms import FieldList
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..http_guards import optional_id
from ..org.forms import options
from .models import EventKind
from .services import MAX_SPEAKERS, MAX_WINDOW_MINUTES

KIND_LABELS = {
    EventKind.APEL: _l("Apel pagi"),
    EventKind.SOSIALISASI: _l("Sosialisasi"),
    EventKind.BIMTEK: _l("Bimbingan teknis (bimtek)"),
}

SPEAKER_ROWS = 4


def _ids(values: object) -> list[int]:
    """The chosen units: ids, an unknown id for anything that is not one (the service refuses it)."""
    return optional_id(values) or 0  # type: ignore[return-value]


class SpeakerForm(Form):
    name = StringField(_l("Nama narasumber"), validators=[Optional(), Length(max=200)])
    institution = StringField(_l("Institusi"), validators=[Optional(), Length(max=200)],
                              render_kw={"placeholder": "Bawaslu, BKN, Inspektorat"})


class EventForm(FlaskForm):
    kind = SelectField(_l("Jenis acara"), choices=options((k.value, label) for k, label in KIND_LABELS.items()),
                       validate_choice=False)
    title = StringField(_l("Judul"), validators=[DataRequired(message=_l("Judul acara wajib diisi.")),
                                                 Length(max=200)])
    place = StringField(_l("Tempat"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Keterangan (opsional)"), validators=[Optional(), Length(max=5000)])
    day = DateField(_l("Tanggal"), validators=[InputRequired(message=_l("Isi tanggal acara."))])
    start = TimeField(_l("Mulai"), validators=[InputRequired(message=_l("Isi waktu mulai."))])
    end = TimeField(_l("Selesai"), validators=[InputRequired(message=_l("Isi waktu selesai."))])
    audience_all = BooleanField(_l("Undang seluruh pegawai (instansi, atau SKPD Anda bagi operator SKPD)"),
                                default=True)
    unit_ids = SelectMultipleField(_l("Atau pilih SKPD/unit peserta"), coerce=_ids, choices=[], validate_choice=False)
    outsiders_allowed = BooleanField(_l("Pegawai di luar peserta boleh hadir (dicatat sebagai di luar undangan)"),
                                     default=True)
    speakers = FieldList(FormField(SpeakerForm), _l("Narasumber"), min_entries=SPEAKER_ROWS,
                         max_entries=MAX_SPEAKERS)
    course_id = SelectField(_l("Kursus yang dimulai (opsional)"), coerce=optional_id, choices=[],
                            validate_choice=False)
    quiz_id = SelectField(_l("Kuis yang dimainkan langsung (opsional)"), coerce=optional_id, choices=[],
                          validate_choice=False)
    campaign_id = SelectField(_l("Kampanye pakta yang ditandatangani (opsional)"), coerce=optional_id, choices=[],
                              validate_choice=False)
    checkin_before_minutes = IntegerField(
        _l("Check-in dibuka (menit sebelum mulai)"), default=30,
        validators=[InputRequired(message=_l("Isi jumlah menit.")),
                    NumberRange(min=0, max=MAX_WINDOW_MINUTES,
                                message=_l("Isi angka antara 0 dan %(max)d.", max=MAX_WINDOW_MINUTES))],
        render_kw={"inputmode": "numeric", "min": 0, "max": MAX_WINDOW_MINUTES})
    checkin_after_minutes = IntegerField(
        _l("Check-in ditutup (menit setelah mulai)"), default=15,
        validators=[InputRequired(message=_l("Isi jumlah menit.")),
                    NumberRange(min=0, max=MAX_WINDOW_MINUTES,
                                message=_l("Isi angka antara 0 dan %(max)d.", max=MAX_WINDOW_MINUTES))],
        render_kw={"inputmode": "numeric", "min": 0, "max": MAX_WINDOW_MINUTES})
    leaderboard = BooleanField(_l("Tampilkan peringkat per SKPD di layar (bukan per orang)"))


class CodeForm(FlaskForm):
    kode = StringField(_l("Kode hadir"), validators=[DataRequired(message=_l("Isi kode hadir dari layar.")),
                                                     Length(max=20)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                  "inputmode": "text", "maxlength": 20})


class MarkForm(FlaskForm):
    user_id = IntegerField(validators=[InputRequired()])


class ImportForm(FlaskForm):
    file = FileField(_l("Daftar hadir (CSV berisi NIP)"), validators=[DataRequired(message=_l("Pilih berkas CSV."))])
