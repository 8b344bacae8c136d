"""The choices of the rekap pages (GET; read from ``request.args``). Labels are lazily translated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from ..accounts.models import EmployeeType, JenisJabatan
from ..http_guards import optional_id
from ..org.forms import options


class SelectionForm(FlaskForm):
    class Meta:
        csrf = False

    #: superadmin only (the view removes it for others)
    instansi = SelectField(_l("Instansi"), choices=[], validate_choice=False)
    kursus = SelectField(_l("Kursus"), choices=[], coerce=optional_id, validate_choice=False)
    kuis = SelectField(_l("Kuis"), choices=[], coerce=optional_id, validate_choice=False)
    kampanye = SelectField(_l("Kampanye pakta integritas"), choices=[], coerce=optional_id, validate_choice=False)


def employee_type_labels() -> dict[str, str]:
    return {EmployeeType.PNS.value: "PNS", EmployeeType.CPNS.value: "CPNS", EmployeeType.PPPK.value: "PPPK",
            EmployeeType.PPPK_PARUH_WAKTU.value: str(_l("PPPK paruh waktu")),
            EmployeeType.NON_ASN.value: str(_l("Non-ASN"))}


def jenis_labels() -> dict[str, str]:
    return {JenisJabatan.JPT_UTAMA.value: str(_l("JPT utama")), JenisJabatan.JPT_MADYA.value: str(_l("JPT madya")),
            JenisJabatan.JPT_PRATAMA.value: str(_l("JPT pratama")),
            JenisJabatan.ADMINISTRATOR.value: str(_l("Administrator")),
            JenisJabatan.PENGAWAS.value: str(_l("Pengawas")), JenisJabatan.FUNGSIONAL.value: str(_l("Fungsional")),
            JenisJabatan.PELAKSANA.value: str(_l("Pelaksana"))}


def missing_labels() -> dict[str, str]:
    return {"any": str(_l("belum selesai (apa pun)")), "modules": str(_l("belum membaca semua modul")),
            "quiz": str(_l("belum lulus kuis")), "pakta": str(_l("belum menandatangani pakta")),
            "certificate": str(_l("belum bersertifikat"))}


class PeopleFilterForm(FlaskForm):
    class Meta:
        csrf = False

    unit = SelectField(_l("Unit kerja"), choices=[], coerce=optional_id, validate_choice=False)
    jenis_pegawai = SelectField(_l("Jenis pegawai"), choices=[], validators=[Optional()])
    jenis_jabatan = SelectField(_l("Jenis jabatan"), choices=[], validators=[Optional()])
    kurang = SelectField(_l("Yang belum"), choices=[], validators=[Optional()])
    pimpinan = SelectField(_l("Pimpinan"), choices=[], validators=[Optional()])
    q = StringField(_l("Cari nama atau NIP"), validators=[Optional(), Length(max=100)])

    def fill_choices(self) -> None:
        everyone = ("", str(_l("— semua —")))
        self.jenis_pegawai.choices = options([everyone, *employee_type_labels().items()])
        self.jenis_jabatan.choices = options([everyone, *jenis_labels().items()])
        self.kurang.choices = options([everyone, *missing_labels().items()])
        self.pimpinan.choices = options([everyone, ("1", str(_l("hanya kepala perangkat daerah dan kepala wilayah")))])


class RecountForm(FlaskForm):
    """"Hitung ulang": count the dashboard's figures now (POST, CSRF; the selection in the query string)."""
