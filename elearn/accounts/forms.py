"""Forms for HR work on people. Labels are lazily translated; CSRF is global (not on GET filters)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..http_guards import optional_id
from ..org.forms import options
from .models import EmployeeType, JenisJabatan, Role
from .services import ActivationFilter

EMPLOYEE_TYPE_LABELS = {
    EmployeeType.PNS: _l("PNS"),
    EmployeeType.CPNS: _l("CPNS"),
    EmployeeType.PPPK: _l("PPPK"),
    EmployeeType.PPPK_PARUH_WAKTU: _l("PPPK paruh waktu"),
    EmployeeType.NON_ASN: _l("Non-ASN"),
}
JENIS_JABATAN_LABELS = {
    JenisJabatan.JPT_UTAMA: _l("JPT utama"),
    JenisJabatan.JPT_MADYA: _l("JPT madya"),
    JenisJabatan.JPT_PRATAMA: _l("JPT pratama"),
    JenisJabatan.ADMINISTRATOR: _l("Administrator"),
    JenisJabatan.PENGAWAS: _l("Pengawas"),
    JenisJabatan.FUNGSIONAL: _l("Fungsional"),
    JenisJabatan.PELAKSANA: _l("Pelaksana"),
}
ROLE_LABELS = {
    Role.PESERTA: _l("Peserta"),
    Role.PELATIH: _l("Pelatih"),
    Role.OPERATOR_SKPD: _l("Operator SKPD"),
    Role.ADMIN_BKPSDM: _l("Admin BKPSDM"),
    Role.SUPERADMIN: _l("Superadmin"),
}
ACTIVATION_LABELS = {
    ActivationFilter.ACTIVATED: _l("Sudah aktivasi"),
    ActivationFilter.PENDING: _l("Belum aktivasi"),
    ActivationFilter.CODE_ISSUED: _l("Kode aktivasi sudah diterbitkan"),
    ActivationFilter.NO_CODE: _l("Belum punya kode yang berlaku"),
}


class PeopleFilterForm(FlaskForm):
    """The filters of the people list (GET; read from ``request.args``)."""

    class Meta:
        csrf = False

    q = StringField(_l("Cari nama atau NIP"), validators=[Optional(), Length(max=100)],
                    render_kw={"type": "search", "autocomplete": "off"})
    instansi = SelectField(_l("Instansi"), choices=[], validate_choice=False)
    skpd = SelectField(_l("Perangkat daerah"), choices=[], coerce=optional_id, validate_choice=False)
    unit = SelectField(_l("Unit kerja"), choices=[], coerce=optional_id, validate_choice=False)
    employee_type = SelectField(
        _l("Jenis pegawai"),
        choices=options([("", _l("Semua"))] + [(t.value, label) for t, label in EMPLOYEE_TYPE_LABELS.items()]),
        validate_choice=False,
    )
    role = SelectField(
        _l("Peran"),
        choices=options([("", _l("Semua"))] + [(r.value, label) for r, label in ROLE_LABELS.items()]),
        validate_choice=False,
    )
    activation = SelectField(
        _l("Status aktivasi"),
        choices=options([("", _l("Semua"))] + list(ACTIVATION_LABELS.items())),
        validate_choice=False,
    )
    status = SelectField(
        _l("Status akun"),
        choices=options([("", _l("Semua")), ("aktif", _l("Aktif")), ("nonaktif", _l("Nonaktif"))]),
        validate_choice=False,
    )


class PersonForm(FlaskForm):
    name = StringField(_l("Nama lengkap (dengan gelar)"), validators=[DataRequired(), Length(max=200)])
    unit_id = SelectField(_l("Unit kerja"), coerce=optional_id, choices=[], validate_choice=False)
    employee_type = SelectField(
        _l("Jenis pegawai"), choices=options((t.value, label) for t, label in EMPLOYEE_TYPE_LABELS.items())
    )
    golongan = StringField(_l("Golongan"), validators=[Optional(), Length(max=16)])
    jabatan = StringField(_l("Jabatan"), validators=[Optional(), Length(max=255)])
    jenis_jabatan = SelectField(
        _l("Jenis jabatan"),
        choices=options([("", _l("— belum diisi —"))] + [(j.value, label) for j, label in JENIS_JABATAN_LABELS.items()]),
        default="",
    )
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)],
                        render_kw={"type": "email", "autocomplete": "off"})
    phone = StringField(_l("No HP"), validators=[Optional(), Length(max=32)],
                        render_kw={"type": "tel", "autocomplete": "off"})
    is_kepala_wilayah = BooleanField(_l("Kepala wilayah (camat atau lurah)"))
    active = BooleanField(_l("Akun aktif"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Peran baru"), choices=[], validators=[DataRequired()])


class StatusForm(FlaskForm):
    active = HiddenField(validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A POST with nothing but the CSRF token (reset)."""


SLIP_SCOPE_LABELS = {
    "baru": _l("Hanya pegawai baru: belum aktivasi dan belum punya kode yang berlaku. Slip yang sudah "
               "dibagikan tetap berlaku."),
    "semua": _l("Semua pegawai yang belum aktivasi: kode baru untuk semua, slip yang pernah dicetak "
                "tidak berlaku lagi."),
}


class SlipForm(FlaskForm):
    """The SKPD comes from ``skpd`` in the query or form and is authorized by the view. A POST
    without ``scope`` gets the default: new arrivals only, nothing handed out is cancelled."""

    scope = RadioField(_l("Siapa yang mendapat slip"), choices=options(SLIP_SCOPE_LABELS.items()), default="baru")
    fmt = RadioField(
        _l("Format"),
        choices=options([("pdf", _l("PDF untuk dicetak (8 slip per halaman A4)")), ("csv", _l("CSV (untuk Excel)"))]),
        default="pdf",
    )
