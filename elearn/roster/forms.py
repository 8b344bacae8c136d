from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField

if TYPE_CHECKING:
    from .models import RosterImport


#: the most digits a typed count may have (anything longer is a wrong number, not a number to parse)
MAX_COUNT_DIGITS = 12


class UploadForm(FlaskForm):
    file = FileField(_l("Berkas data pegawai (.xlsx atau .csv)"),
                     validators=[FileRequired(_l("Pilih berkas yang akan diunggah."))],
                     render_kw={"accept": ".xlsx,.csv,.txt"})
    #: only offered to the superadmin, who works across instansi
    instansi = SelectField(_l("Instansi"), choices=[], validate_choice=True)


class ApplyForm(FlaskForm):
    """Apply a checked import; "deactivate missing" only with the number of people it switches off
    typed in (``confirm_count``), for exactly the file and count the preview showed (``token``,
    ``expected``)."""

    deactivate_missing = BooleanField(_l("Nonaktifkan pegawai yang tidak ada di berkas ini"))
    confirm_count = StringField(_l("Ketik jumlah pegawai yang akan dinonaktifkan"),
                                render_kw={"inputmode": "numeric", "autocomplete": "off"})
    #: the uploaded file's digest and the count the preview showed
    token = HiddenField()
    expected = HiddenField()

    def prefill(self, imp: RosterImport) -> None:
        self.token.data = imp.file_digest or ""
        self.expected.data = str(imp.would_deactivate)

    def check_confirmation(self, imp: RosterImport) -> bool:
        """With "deactivate missing" ticked: the preview this form came from is the import's current
        one, and the number typed is the number of people it would switch off. Errors go on the
        form (the preview shows them); without the option there is nothing to confirm."""
        if not self.deactivate_missing.data:
            return True
        n = imp.would_deactivate
        if (imp.file_digest is None or imp.deactivate_digest is None
                or self.token.data != imp.file_digest or (self.expected.data or "").strip() != str(n)):
            self.form_errors.append(_(
                "Pratinjau ini sudah kedaluwarsa, jadi jumlah pegawai yang akan dinonaktifkan tidak dapat "
                "dikonfirmasi. Tidak ada data yang diubah. Unggah berkas ini lagi untuk melihat jumlah terbaru, "
                "atau hapus centang penonaktifan untuk mengimpor tanpa menonaktifkan siapa pun."))
            return False
        if n == 0:
            return True
        typed = (self.confirm_count.data or "").strip()
        if not typed:
            self.confirm_count.errors = [_(
                "Ketik angka %(n)s untuk mengonfirmasi penonaktifan, atau hapus centang penonaktifan untuk "
                "mengimpor tanpa menonaktifkan siapa pun.", n=n)]
            return False
        # "1.159", "1,159" and "1 159" are the same number; decimal digits of any script are what
        # int() reads (str.isdigit() also passes superscripts, which int() refuses), and no count
        # has more than a dozen of them (int() refuses a text of thousands)
        digits = re.sub(r"[\s.,]", "", typed)
        if not digits.isdecimal() or len(digits) > MAX_COUNT_DIGITS or int(digits) != n:
            self.confirm_count.errors = [_(
                "Angka yang Anda ketik (%(typed)s) tidak sama dengan jumlah pegawai yang akan dinonaktifkan "
                "(%(n)s). Tidak ada data yang diubah; periksa daftar di atas lalu ketik %(n)s.",
                typed=typed[:20], n=n)]
            return False
        return True
