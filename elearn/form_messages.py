"""WTForms' built-in messages in the reader's language.

WTForms ships no Indonesian catalogue, so "This field is required." or "Not a valid choice." would
reach an Indonesian page in English. Flask-WTF asks one translations object (``gettext`` /
``ngettext``) for every built-in message of every form; :func:`install` points it at this module,
which looks each English message up in a table of Indonesian msgids kept in the app's own catalogue
(their English msgstr is WTForms' wording again). A message not in the table passes through as it
was. Messages a form sets itself (``DataRequired(message=_l(...))``) never come here.
"""
from __future__ import annotations

from flask import current_app, has_request_context
from flask_babel import get_locale


def N_(string: str) -> str:  # noqa: N802 - babel's default marker for "extract, translate later"
    return string


#: WTForms' English message -> our Indonesian msgid
SINGULAR: dict[str, str] = {
    "This field is required.": N_("Wajib diisi."),
    "Invalid input.": N_("Isian tidak sah."),
    "Not a valid choice.": N_("Pilihan tidak sah."),
    "Invalid Choice: could not coerce.": N_("Pilihan tidak sah."),
    "Choices cannot be None.": N_("Pilihan tidak sah."),
    "Invalid choice(s): one or more data inputs could not be coerced.": N_("Ada pilihan yang tidak sah."),
    "Not a valid integer value.": N_("Harus berupa bilangan bulat."),
    "Not a valid decimal value.": N_("Harus berupa angka."),
    "Not a valid float value.": N_("Harus berupa angka."),
    "Not a valid date value.": N_("Tanggal tidak sah."),
    "Not a valid datetime value.": N_("Tanggal dan jam tidak sah."),
    "Not a valid time value.": N_("Jam tidak sah."),
    "Not a valid week value.": N_("Minggu tidak sah."),
    "Field must be between %(min)d and %(max)d characters long.": N_("Panjangnya harus %(min)d sampai %(max)d "
                                                                     "karakter."),
    "Number must be at least %(min)s.": N_("Angka paling kecil %(min)s."),
    "Number must be at most %(max)s.": N_("Angka paling besar %(max)s."),
    "Number must be between %(min)s and %(max)s.": N_("Angka harus antara %(min)s dan %(max)s."),
    "Date must be at least %(min)s.": N_("Tanggal paling awal %(min)s."),
    "Date must be at most %(max)s.": N_("Tanggal paling akhir %(max)s."),
    "Date must be between %(min)s and %(max)s.": N_("Tanggal harus antara %(min)s dan %(max)s."),
    "Field must be equal to %(other_name)s.": N_("Harus sama dengan %(other_name)s."),
    "Invalid email address.": N_("Alamat e-mail tidak sah."),
    "Invalid URL.": N_("Alamat URL tidak sah."),
    "Invalid value, must be one of: %(values)s.": N_("Nilai tidak sah; harus salah satu dari: %(values)s."),
    "Invalid value, can't be any of: %(values)s.": N_("Nilai tidak sah; tidak boleh salah satu dari: %(values)s."),
    "This field cannot be edited.": N_("Isian ini tidak dapat diubah."),
    "This field is disabled and cannot have a value.": N_("Isian ini tidak dapat diisi."),
    "Invalid CSRF Token.": N_("Formulir tidak sah atau kedaluwarsa. Muat ulang halaman, lalu kirim lagi."),
    "CSRF token missing.": N_("Formulir tidak sah atau kedaluwarsa. Muat ulang halaman, lalu kirim lagi."),
    "CSRF failed.": N_("Formulir tidak sah atau kedaluwarsa. Muat ulang halaman, lalu kirim lagi."),
    "CSRF token expired.": N_("Formulir tidak sah atau kedaluwarsa. Muat ulang halaman, lalu kirim lagi."),
}

#: WTForms' English singular -> our Indonesian msgid (Indonesian has one form; the English catalogue has two)
PLURAL: dict[str, str] = {
    "Field must be at least %(min)d character long.": N_("Paling sedikit %(min)d karakter."),
    "Field cannot be longer than %(max)d character.": N_("Paling banyak %(max)d karakter."),
    "Field must be exactly %(max)d character long.": N_("Harus tepat %(max)d karakter."),
    "'%(value)s' is not a valid choice for this field.": N_("'%(value)s' bukan pilihan yang sah untuk isian ini."),
}


class FormMessages:
    """The translations object Flask-WTF hands to every form (``gettext``/``ngettext``; WTForms applies
    the ``%`` variables itself afterwards, so nothing is formatted here)."""

    def gettext(self, string: str) -> str:
        msgid = SINGULAR.get(string)
        if msgid is None or not has_request_context():
            return string
        from .i18n import _catalogue

        return _catalogue().ugettext(msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Indonesian has one form: the msgid. Other languages get WTForms' own English singular or
        plural (English is the only other language; its catalogue entry is WTForms' singular)."""
        msgid = PLURAL.get(singular)
        if msgid is not None and has_request_context() and str(get_locale()) == current_app.config[
                "BABEL_DEFAULT_LOCALE"]:
            return msgid
        return singular if n == 1 else plural


MESSAGES = FormMessages()


def install() -> None:
    """Make every FlaskForm use :data:`MESSAGES` (Flask-WTF reads its module-level ``translations``
    object in ``FlaskForm.Meta.get_translations`` while ``WTF_I18N_ENABLED``, the default)."""
    import flask_wtf.form

    flask_wtf.form.translations = MESSAGES  # type: ignore[attr-defined]

