"""Data for the fictional "Pemerintah Kota Contoh": its perangkat daerah, jobs and names.

Everything here is plain data; :mod:`elearn.demo.services` turns it into rows. The tree
follows the typical layout of a kota under PP 18/2016 (Sekretariat Daerah with bagian,
Sekretariat DPRD, Inspektorat, dinas, badan, kecamatan with kelurahan; schools,
puskesmas, the RSUD and UPTD under their dinas). All names are invented.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..accounts.models import JenisJabatan as J
from ..org.models import UnitKind as K

INSTANSI_SLUG = "kota-contoh"
INSTANSI_NAME = "Pemerintah Kota Contoh"
INSTANSI_TIMEZONE = "WIB"

# --- degrees and titles ---------------------------------------------------------------------
# key -> (education level, front title, back title). Education levels: SMA, D3, S1, PRO (a
# professional degree after S1: dokter, apoteker, ners), SP (medical specialist).
DEGREES: dict[str, tuple[str, str | None, str | None]] = {
    "SMA": ("SMA", None, None),
    "A.Md.": ("D3", None, "A.Md."),
    "A.Md.Kep.": ("D3", None, "A.Md.Kep."),
    "A.Md.Keb.": ("D3", None, "A.Md.Keb."),
    "A.Md.Kes.": ("D3", None, "A.Md.Kes."),
    "A.Md.Farm.": ("D3", None, "A.Md.Farm."),
    "A.Md.Gz.": ("D3", None, "A.Md.Gz."),
    "A.Md.Rad.": ("D3", None, "A.Md.Rad."),
    "A.Md.Ftr.": ("D3", None, "A.Md.Ftr."),
    "A.Md.Kom.": ("D3", None, "A.Md.Kom."),
    "S.Pd.": ("S1", None, "S.Pd."),
    "S.Kom.": ("S1", None, "S.Kom."),
    "S.E.": ("S1", None, "S.E."),
    "S.Ak.": ("S1", None, "S.Ak."),
    "S.H.": ("S1", None, "S.H."),
    "S.Sos.": ("S1", None, "S.Sos."),
    "S.IP.": ("S1", None, "S.IP."),
    "S.AP.": ("S1", None, "S.AP."),
    "S.STP.": ("S1", None, "S.STP."),
    "S.T.": ("S1", None, "S.T."),
    "S.P.": ("S1", None, "S.P."),
    "S.Psi.": ("S1", None, "S.Psi."),
    "S.I.Kom.": ("S1", None, "S.I.Kom."),
    "S.Si.": ("S1", None, "S.Si."),
    "S.K.M.": ("S1", None, "S.K.M."),
    "S.Gz.": ("S1", None, "S.Gz."),
    "S.Tr.Keb.": ("S1", None, "S.Tr.Keb."),
    "S.Hum.": ("S1", None, "S.Hum."),
    "S.Kep., Ns.": ("PRO", None, "S.Kep., Ns."),
    "dr.": ("PRO", "dr.", None),
    "drg.": ("PRO", "drg.", None),
    "drh.": ("PRO", "drh.", None),
    "apt.": ("PRO", "apt.", "S.Farm."),
    "Sp.PD.": ("SP", "dr.", "Sp.PD."),
    "Sp.A.": ("SP", "dr.", "Sp.A."),
    "Sp.OG.": ("SP", "dr.", "Sp.OG."),
    "Sp.B.": ("SP", "dr.", "Sp.B."),
    "Sp.An.": ("SP", "dr.", "Sp.An."),
    "Sp.Rad.": ("SP", "dr.", "Sp.Rad."),
}

#: Master's degrees added later in a career, by field of the first degree
MASTERS: dict[str, tuple[str, ...]] = {
    "S.Pd.": ("M.Pd.",),
    "S.Kom.": ("M.Kom.", "M.T.I."),
    "S.E.": ("M.M.", "M.Si.", "M.Ak."),
    "S.Ak.": ("M.Ak.",),
    "S.H.": ("M.H.",),
    "S.Sos.": ("M.Si.", "M.A.P."),
    "S.IP.": ("M.Si.", "M.A.P."),
    "S.AP.": ("M.A.P.", "M.Si."),
    "S.STP.": ("M.Si.", "M.A.P."),
    "S.T.": ("M.T.",),
    "S.P.": ("M.P.", "M.Si."),
    "S.Psi.": ("M.Psi.",),
    "S.I.Kom.": ("M.I.Kom.",),
    "S.K.M.": ("M.Kes.",),
    "dr.": ("M.Kes.", "M.K.M."),
    "S.Kep., Ns.": ("M.Kep.",),
}

#: older graduates of social sciences and education often carry Drs./Dra. instead of S.x.
OLD_STYLE_DEGREES = ("S.Sos.", "S.Pd.", "S.IP.", "S.AP.", "S.E.")
#: engineers and agronomists of the same age often carry Ir.
ENGINEERING_DEGREES = ("S.T.", "S.P.")

OFFICE_DEGREES = ("S.Sos.", "S.IP.", "S.AP.", "S.E.", "S.H.", "S.Kom.", "S.Ak.", "S.Psi.", "S.I.Kom.")


# --- jobs -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    """A jabatan. Fungsional names get their level (Ahli Pertama, Terampil...) from the
    golongan; one of ``details`` (a teacher's subject) goes between name and level."""

    name: str
    jenis: J | None
    degrees: tuple[str, ...]
    weight: int = 1
    details: tuple[str, ...] = ()


def F(name: str, *degrees: str, w: int = 1, details: tuple[str, ...] = ()) -> Job:
    return Job(name, J.FUNGSIONAL, degrees, w, details)


PELAKSANA = (
    Job("Operator Layanan Operasional", J.PELAKSANA, ("SMA",), 4),
    Job("Pengadministrasi Perkantoran", J.PELAKSANA, ("SMA",), 3),
    Job("Pengelola Layanan Operasional", J.PELAKSANA, ("A.Md.", "A.Md.Kom."), 3),
    Job("Penata Layanan Operasional", J.PELAKSANA, OFFICE_DEGREES, 3),
)

#: non-ASN staff (honorer / PPNPN): no jenis jabatan
NON_ASN = (
    Job("Tenaga Administrasi (Non-ASN)", None, ("SMA", "A.Md.", "S.E.", "S.Kom."), 4),
    Job("Pramu Bakti", None, ("SMA",), 2),
    Job("Pengemudi", None, ("SMA",), 2),
    Job("Petugas Keamanan", None, ("SMA",), 2),
    Job("Petugas Kebersihan", None, ("SMA",), 2),
)

OFFICE_FUNGSIONAL = (
    F("Analis Kebijakan", "S.Sos.", "S.IP.", "S.AP.", "S.H.", w=3),
    F("Perencana", "S.E.", "S.T.", "S.Sos.", w=2),
    F("Arsiparis", "A.Md.", "S.Sos.", w=2),
    F("Pranata Komputer", "S.Kom.", "A.Md.Kom."),
    F("Analis Keuangan Pusat dan Daerah", "S.E.", "S.Ak.", w=2),
    F("Analis Sumber Daya Manusia Aparatur", "S.Psi.", "S.Sos.", "S.AP."),
    F("Pengelola Pengadaan Barang/Jasa", "S.E.", "S.T."),
    F("Pranata Hubungan Masyarakat", "S.I.Kom.", "S.Sos."),
)

SD_SUBJECTS = ("Kelas", "Kelas", "Kelas", "Kelas", "Pendidikan Agama Islam",
               "Pendidikan Jasmani, Olahraga dan Kesehatan")
SMP_SUBJECTS = ("Matematika", "Bahasa Indonesia", "Bahasa Inggris", "Ilmu Pengetahuan Alam",
                "Ilmu Pengetahuan Sosial", "Pendidikan Pancasila", "Pendidikan Agama Islam",
                "Pendidikan Jasmani, Olahraga dan Kesehatan", "Seni Budaya", "Prakarya", "Informatika",
                "Bimbingan dan Konseling")

HEALTH = (
    F("Dokter", "dr.", w=2),
    F("Dokter Gigi", "drg."),
    F("Perawat", "A.Md.Kep.", "A.Md.Kep.", "S.Kep., Ns.", w=8),
    F("Bidan", "A.Md.Keb.", "A.Md.Keb.", "S.Tr.Keb.", w=6),
    F("Apoteker", "apt."),
    F("Asisten Apoteker", "A.Md.Farm."),
    F("Tenaga Sanitasi Lingkungan", "A.Md.Kes.", "S.K.M."),
    F("Nutrisionis", "A.Md.Gz.", "S.Gz."),
    F("Pranata Laboratorium Kesehatan", "A.Md.Kes."),
    F("Perekam Medis", "A.Md.Kes."),
    F("Penyuluh Kesehatan Masyarakat", "S.K.M."),
    F("Epidemiolog Kesehatan", "S.K.M."),
)

HOSPITAL = HEALTH + (
    F("Dokter Spesialis", "Sp.PD.", "Sp.A.", "Sp.OG.", "Sp.B.", "Sp.An.", "Sp.Rad.", w=3),
    F("Perawat", "A.Md.Kep.", "S.Kep., Ns.", w=10),
    F("Radiografer", "A.Md.Rad."),
    F("Fisioterapis", "A.Md.Ftr."),
)


@dataclass(frozen=True)
class Profile:
    """How a unit is staffed: its fungsional jobs and their share among ASN staff."""

    fungsional: tuple[Job, ...]
    fungsional_share: float
    pelaksana: tuple[Job, ...] = PELAKSANA


PROFILES: dict[str, Profile] = {
    "office": Profile(OFFICE_FUNGSIONAL, 0.35),
    "sd": Profile((F("Guru", "S.Pd.", details=SD_SUBJECTS),), 0.9),
    "smp": Profile((F("Guru", "S.Pd.", details=SMP_SUBJECTS),), 0.9),
    "puskesmas": Profile(HEALTH, 0.85),
    "rsud": Profile(HOSPITAL, 0.85),
    "labkes": Profile((F("Pranata Laboratorium Kesehatan", "A.Md.Kes.", "S.Si.", w=4),
                       F("Apoteker", "apt.")), 0.7),
    "kelurahan": Profile((F("Analis Kebijakan", "S.Sos.", "S.IP."),), 0.15),
}


def office(*extra: Job, share: float = 0.4) -> Profile:
    return Profile(extra + OFFICE_FUNGSIONAL, share)


# --- the unit tree ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Position:
    """A managerial (or head) position in a unit, always held by a PNS."""

    jabatan: str
    jenis: J
    degrees: tuple[str, ...] = OFFICE_DEGREES
    kepala_wilayah: bool = False
    #: for heads who are fungsional (a school principal, the head of a puskesmas)
    fungsional_name: str | None = None


@dataclass(frozen=True)
class UnitSpec:
    name: str
    kind: K
    #: relative headcount before scaling to the requested number of people
    weight: int
    profile: Profile
    positions: tuple[Position, ...] = ()
    children: tuple[UnitSpec, ...] = field(default=())


def _dinas(name: str, weight: int, bidang: tuple[str, ...], profile: Profile | None = None,
           children: tuple[UnitSpec, ...] = (), head_degrees: tuple[str, ...] = OFFICE_DEGREES,
           kind: K = K.DINAS, head: str | None = None) -> UnitSpec:
    positions = (
        Position(head or f"Kepala {name}", J.JPT_PRATAMA, head_degrees),
        Position(f"Sekretaris {name}", J.ADMINISTRATOR),
        *(Position(f"Kepala Bidang {b}", J.ADMINISTRATOR, head_degrees) for b in bidang),
        Position("Kepala Subbagian Umum dan Kepegawaian", J.PENGAWAS),
        Position("Kepala Subbagian Keuangan dan Aset", J.PENGAWAS, ("S.E.", "S.Ak.")),
    )
    return UnitSpec(name, kind, weight, profile or PROFILES["office"], positions, children)


def _uptd(name: str, weight: int, profile: Profile | None = None) -> UnitSpec:
    return UnitSpec(name, K.UPTD, weight, profile or PROFILES["office"],
                    (Position(f"Kepala {name}", J.PENGAWAS),))


def _bagian(name: str, weight: int = 18) -> UnitSpec:
    return UnitSpec(name, K.BAGIAN, weight, PROFILES["office"],
                    (Position(f"Kepala {name}", J.ADMINISTRATOR),
                     Position(f"Kepala Subbagian Tata Usaha {name.removeprefix('Bagian ')}", J.PENGAWAS)))


def _school(level: str, number: int) -> UnitSpec:
    name = f"{level} Negeri {number} Kota Contoh"
    weight = 24 if level == "SD" else 52
    profile = PROFILES["sd" if level == "SD" else "smp"]
    head = Position(f"Kepala {name}", J.FUNGSIONAL, ("S.Pd.",), fungsional_name="Guru")
    return UnitSpec(name, K.SEKOLAH, weight, profile, (head,))


KECAMATAN: dict[str, tuple[str, ...]] = {
    "Kota Lama": ("Pasar Baru", "Pelabuhan", "Kauman", "Pecinan", "Benteng"),
    "Sukamaju": ("Sukamaju", "Sukamaju Utara", "Cempaka", "Melati"),
    "Sukajadi": ("Sukajadi", "Sukaresmi", "Sukasari"),
    "Mekarsari": ("Mekarsari", "Mekarjaya", "Sindangrasa", "Cibening", "Pasirluhur", "Margahayu"),
    "Tanjung Harapan": ("Tanjung Harapan", "Tanjung Mas", "Teluk Indah", "Pantai Ceria"),
    "Bukit Indah": ("Bukit Indah", "Bukit Hijau", "Lembah Asri"),
    "Sungai Jernih": ("Sungai Jernih", "Sungai Bening", "Muara Baru", "Rawa Indah", "Tepian"),
    "Pelita Jaya": ("Pelita Jaya", "Karya Bakti", "Sido Rukun", "Mulyorejo"),
}


def _kecamatan(name: str, kelurahan: tuple[str, ...]) -> UnitSpec:
    positions = (
        Position(f"Camat {name}", J.ADMINISTRATOR, ("S.STP.", "S.IP.", "S.Sos."), kepala_wilayah=True),
        Position(f"Sekretaris Kecamatan {name}", J.ADMINISTRATOR, ("S.STP.", "S.IP.", "S.Sos.", "S.H.")),
        Position("Kepala Seksi Pemerintahan", J.PENGAWAS),
        Position("Kepala Seksi Ketenteraman dan Ketertiban Umum", J.PENGAWAS),
        Position("Kepala Seksi Pemberdayaan Masyarakat dan Kesejahteraan Sosial", J.PENGAWAS),
        Position("Kepala Subbagian Umum dan Kepegawaian", J.PENGAWAS),
    )
    children = tuple(
        UnitSpec(
            f"Kelurahan {k}", K.KELURAHAN, 10, PROFILES["kelurahan"],
            (Position(f"Lurah {k}", J.PENGAWAS, ("S.STP.", "S.IP.", "S.Sos."), kepala_wilayah=True),
             Position(f"Sekretaris Kelurahan {k}", J.PENGAWAS)),
        )
        for k in kelurahan
    )
    return UnitSpec(f"Kecamatan {name}", K.KECAMATAN, 28, PROFILES["office"], positions, children)


def _puskesmas(kecamatan: str) -> UnitSpec:
    name = f"Puskesmas {kecamatan}"
    return UnitSpec(name, K.PUSKESMAS, 48, PROFILES["puskesmas"], (
        Position(f"Kepala {name}", J.FUNGSIONAL, ("dr.",), fungsional_name="Dokter"),
        Position(f"Kepala Subbagian Tata Usaha {name}", J.PENGAWAS, ("S.K.M.", "S.E.", "S.Sos.")),
    ))


HEALTH_DEGREES = ("dr.", "S.K.M.")

PERANGKAT_DAERAH: tuple[UnitSpec, ...] = (
    UnitSpec(
        "Sekretariat Daerah", K.SEKRETARIAT, 12, PROFILES["office"],
        (
            Position("Sekretaris Daerah", J.JPT_PRATAMA, ("S.STP.", "S.IP.", "S.Sos.", "S.H.")),
            Position("Asisten Pemerintahan dan Kesejahteraan Rakyat", J.JPT_PRATAMA),
            Position("Asisten Perekonomian dan Pembangunan", J.JPT_PRATAMA, ("S.E.", "S.T.")),
            Position("Asisten Administrasi Umum", J.JPT_PRATAMA),
        ),
        (
            _bagian("Bagian Pemerintahan"),
            _bagian("Bagian Hukum"),
            _bagian("Bagian Kesejahteraan Rakyat"),
            _bagian("Bagian Perekonomian dan Sumber Daya Alam"),
            _bagian("Bagian Administrasi Pembangunan"),
            _bagian("Bagian Pengadaan Barang dan Jasa"),
            _bagian("Bagian Organisasi"),
            _bagian("Bagian Umum", 30),
            _bagian("Bagian Protokol dan Komunikasi Pimpinan"),
        ),
    ),
    UnitSpec(
        "Sekretariat DPRD", K.SEKRETARIAT, 20, PROFILES["office"],
        (Position("Sekretaris DPRD", J.JPT_PRATAMA),),
        (
            _bagian("Bagian Umum dan Keuangan", 24),
            _bagian("Bagian Persidangan dan Perundang-undangan"),
            _bagian("Bagian Fasilitasi Penganggaran dan Pengawasan"),
        ),
    ),
    UnitSpec(
        "Inspektorat", K.INSPEKTORAT, 70,
        office(F("Auditor", "S.E.", "S.Ak.", w=6),
               F("Pengawas Penyelenggaraan Urusan Pemerintahan di Daerah", "S.H.", "S.IP.", "S.T.", w=4),
               share=0.7),
        (
            Position("Inspektur", J.JPT_PRATAMA, ("S.E.", "S.Ak.", "S.H.")),
            Position("Sekretaris Inspektorat", J.ADMINISTRATOR),
            *(Position(f"Inspektur Pembantu Wilayah {n}", J.ADMINISTRATOR, ("S.E.", "S.Ak.", "S.H."))
              for n in ("I", "II", "III", "IV")),
            Position("Kepala Subbagian Umum dan Keuangan", J.PENGAWAS),
        ),
    ),
    _dinas(
        "Dinas Pendidikan", 70, ("Pembinaan Sekolah Dasar", "Pembinaan Sekolah Menengah Pertama",
                                 "Pendidikan Anak Usia Dini dan Nonformal", "Guru dan Tenaga Kependidikan"),
        office(F("Pengawas Sekolah", "S.Pd.", w=4), F("Penilik", "S.Pd."), share=0.45),
        children=tuple(_school("SD", n) for n in range(1, 25)) + tuple(_school("SMP", n) for n in range(1, 9)),
        head_degrees=("S.Pd.",),
    ),
    _dinas(
        "Dinas Kesehatan", 60, ("Kesehatan Masyarakat", "Pencegahan dan Pengendalian Penyakit",
                                "Pelayanan dan Sumber Daya Kesehatan"),
        office(F("Epidemiolog Kesehatan", "S.K.M.", w=2), F("Administrator Kesehatan", "S.K.M.", w=2),
               F("Penyuluh Kesehatan Masyarakat", "S.K.M."), share=0.5),
        children=(
            UnitSpec("RSUD Kota Contoh", K.RSUD, 420, PROFILES["rsud"], (
                Position("Direktur RSUD Kota Contoh", J.ADMINISTRATOR, ("dr.",)),
                Position("Kepala Bagian Tata Usaha RSUD", J.PENGAWAS),
                Position("Kepala Bidang Pelayanan Medik dan Keperawatan", J.PENGAWAS, ("dr.", "S.Kep., Ns.")),
                Position("Kepala Bidang Penunjang Medik", J.PENGAWAS, ("dr.", "apt.")),
            )),
            *(_puskesmas(k) for k in KECAMATAN),
            _uptd("UPTD Laboratorium Kesehatan Daerah", 22, PROFILES["labkes"]),
        ),
        head_degrees=HEALTH_DEGREES,
    ),
    _dinas("Dinas Pekerjaan Umum dan Penataan Ruang", 110, ("Bina Marga", "Sumber Daya Air", "Cipta Karya",
                                                           "Penataan Ruang"),
           office(F("Teknik Jalan dan Jembatan", "S.T.", "A.Md.", w=3), F("Teknik Pengairan", "S.T.", "A.Md.", w=2),
                  F("Penata Ruang", "S.T."), share=0.35),
           head_degrees=("S.T.",)),
    _dinas("Dinas Perumahan dan Kawasan Permukiman", 50, ("Perumahan", "Kawasan Permukiman"),
           office(F("Teknik Tata Bangunan dan Perumahan", "S.T.", w=3)), head_degrees=("S.T.",)),
    _dinas("Satuan Polisi Pamong Praja", 170, ("Penegakan Peraturan Daerah", "Ketertiban Umum dan Ketenteraman Masyarakat",
                                               "Perlindungan Masyarakat"),
           office(F("Polisi Pamong Praja", "SMA", "SMA", "S.H.", w=12), share=0.6),
           head="Kepala Satuan Polisi Pamong Praja"),
    _dinas("Dinas Pemadam Kebakaran dan Penyelamatan", 80, ("Pemadaman dan Penyelamatan", "Pencegahan Kebakaran"),
           office(F("Analis Kebakaran", "SMA", "A.Md.", w=10), share=0.6)),
    _dinas("Dinas Sosial", 45, ("Rehabilitasi Sosial", "Perlindungan dan Jaminan Sosial"),
           office(F("Pekerja Sosial", "S.Sos.", w=3), F("Penyuluh Sosial", "S.Sos."))),
    _dinas("Dinas Kependudukan dan Pencatatan Sipil", 55, ("Pelayanan Pendaftaran Penduduk", "Pelayanan Pencatatan Sipil",
                                                          "Pengelolaan Informasi Administrasi Kependudukan"),
           office(F("Administrator Database Kependudukan", "S.Kom.", "A.Md.Kom.", w=4))),
    _dinas("Dinas Pemberdayaan Perempuan dan Perlindungan Anak", 35, ("Perlindungan Perempuan", "Perlindungan Anak"),
           office(F("Penyuluh Sosial", "S.Sos.", "S.Psi.", w=2))),
    _dinas("Dinas Pengendalian Penduduk dan Keluarga Berencana", 60, ("Keluarga Berencana", "Ketahanan Keluarga"),
           office(F("Penyuluh Keluarga Berencana", "S.Sos.", "S.K.M.", "A.Md.", w=8), share=0.55)),
    _dinas("Dinas Lingkungan Hidup", 120, ("Pengelolaan Sampah", "Pengendalian Pencemaran"),
           office(F("Pengendali Dampak Lingkungan", "S.T.", "S.Si.", w=2), F("Pengawas Lingkungan Hidup", "S.T.", "S.Si.")),
           children=(_uptd("UPTD Tempat Pemrosesan Akhir Sampah", 40),)),
    _dinas("Dinas Perhubungan", 100, ("Lalu Lintas dan Angkutan", "Prasarana dan Perparkiran"),
           office(F("Penguji Kendaraan Bermotor", "A.Md.", "S.T.", w=3), F("Asisten Penguji Kendaraan Bermotor", "SMA", w=2)),
           children=(_uptd("UPTD Terminal Penumpang", 24),)),
    _dinas("Dinas Komunikasi dan Informatika", 45, ("Aplikasi Informatika", "Informasi dan Komunikasi Publik",
                                                   "Statistik dan Persandian"),
           office(F("Pranata Komputer", "S.Kom.", "A.Md.Kom.", w=5), F("Pranata Hubungan Masyarakat", "S.I.Kom.", w=2),
                  F("Statistisi", "S.Si.", "S.E."), F("Sandiman", "S.Kom.", "A.Md.Kom."), share=0.55),
           head_degrees=("S.Kom.", "S.T.", "S.Sos.")),
    _dinas("Dinas Koperasi dan Usaha Mikro", 35, ("Koperasi", "Usaha Mikro"),
           office(F("Pengawas Koperasi", "S.E.", w=2))),
    _dinas("Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", 45, ("Pelayanan Perizinan", "Penanaman Modal"),
           office(F("Penata Perizinan", "S.H.", "S.T.", "S.E.", w=3))),
    _dinas("Dinas Kepemudaan dan Olahraga", 30, ("Kepemudaan", "Keolahragaan")),
    _dinas("Dinas Kebudayaan dan Pariwisata", 40, ("Kebudayaan", "Destinasi dan Pemasaran Pariwisata"),
           office(F("Pamong Budaya", "S.Hum.", "S.Sos.", w=2), F("Adyatama Kepariwisataan dan Ekonomi Kreatif", "S.E.", "S.Sos."))),
    _dinas("Dinas Perpustakaan dan Kearsipan", 35, ("Perpustakaan", "Kearsipan"),
           office(F("Pustakawan", "S.Hum.", "A.Md.", w=4), F("Arsiparis", "A.Md.", "S.Sos.", w=3), share=0.6)),
    _dinas("Dinas Ketahanan Pangan dan Pertanian", 70, ("Ketahanan Pangan", "Pertanian", "Peternakan dan Kesehatan Hewan"),
           office(F("Penyuluh Pertanian", "S.P.", "A.Md.", w=6), F("Pengawas Mutu Hasil Pertanian", "S.P."),
                  F("Medik Veteriner", "drh."), share=0.55),
           children=(_uptd("UPTD Balai Benih dan Rumah Potong Hewan", 20),),
           head_degrees=("S.P.",)),
    _dinas("Dinas Perikanan", 35, ("Perikanan Budidaya", "Perikanan Tangkap"),
           office(F("Penyuluh Perikanan", "S.P.", "A.Md.", w=4)), head_degrees=("S.P.",)),
    _dinas("Dinas Perdagangan dan Perindustrian", 50, ("Perdagangan", "Perindustrian", "Metrologi Legal"),
           office(F("Penera", "A.Md.", "S.T.", w=2), F("Pengawas Perdagangan", "S.E.")),
           children=(_uptd("UPTD Pengelolaan Pasar", 45),)),
    _dinas("Dinas Tenaga Kerja", 35, ("Penempatan dan Pelatihan Kerja", "Hubungan Industrial"),
           office(F("Mediator Hubungan Industrial", "S.H.", w=2), F("Pengantar Kerja", "S.Psi.", "S.Sos."))),
    _dinas("Badan Perencanaan Pembangunan Daerah", 45,
           ("Perencanaan Pemerintahan dan Pembangunan Manusia", "Perencanaan Perekonomian dan Infrastruktur",
            "Penelitian dan Pengembangan"),
           office(F("Perencana", "S.E.", "S.T.", "S.Sos.", w=6), F("Peneliti", "S.Si.", "S.Sos."), share=0.55),
           kind=K.BADAN, head_degrees=("S.E.", "S.T.")),
    _dinas("Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", 55,
           ("Pengadaan dan Informasi Kepegawaian", "Mutasi dan Promosi", "Pengembangan Kompetensi Aparatur"),
           office(F("Analis Sumber Daya Manusia Aparatur", "S.Psi.", "S.Sos.", "S.AP.", w=6),
                  F("Asesor Sumber Daya Manusia Aparatur", "S.Psi."), share=0.55),
           kind=K.BADAN, head_degrees=("S.Sos.", "S.Psi.", "S.AP.")),
    _dinas("Badan Pengelolaan Keuangan dan Aset Daerah", 90, ("Anggaran", "Perbendaharaan", "Akuntansi", "Aset"),
           office(F("Analis Keuangan Pusat dan Daerah", "S.E.", "S.Ak.", w=6)), kind=K.BADAN,
           head_degrees=("S.E.", "S.Ak.")),
    _dinas("Badan Pendapatan Daerah", 80, ("Pendataan dan Penetapan", "Penagihan dan Keberatan"),
           office(F("Pemeriksa Pajak Daerah", "S.E.", "S.Ak.", w=4)), kind=K.BADAN, head_degrees=("S.E.", "S.Ak.")),
    _dinas("Badan Penanggulangan Bencana Daerah", 45, ("Pencegahan dan Kesiapsiagaan", "Kedaruratan dan Logistik"),
           office(F("Analis Bencana", "S.T.", "S.Si.", w=3)), kind=K.BADAN),
    _dinas("Badan Kesatuan Bangsa dan Politik", 30, ("Politik Dalam Negeri", "Ketahanan Ekonomi, Sosial dan Budaya"),
           kind=K.BADAN),
    *(_kecamatan(name, kelurahan) for name, kelurahan in KECAMATAN.items()),
)

DINAS_PENDIDIKAN = "Dinas Pendidikan"
BKPSDM = "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"
DISKOMINFO = "Dinas Komunikasi dan Informatika"
FIRST_SD = "SD Negeri 1 Kota Contoh"

# --- names ------------------------------------------------------------------------------------

GIVEN_MALE = (
    "Agus", "Ahmad", "Andi", "Arif", "Bambang", "Budi", "Dedi", "Dian", "Eko", "Fajar", "Fauzi", "Hadi",
    "Hendra", "Heru", "Imam", "Irfan", "Joko", "Junaidi", "Lukman", "Muhammad", "Rahmat", "Ridwan", "Rizky",
    "Rudi", "Slamet", "Sugeng", "Taufik", "Teguh", "Wahyu", "Yusuf", "Yogi", "Zainal", "Adi", "Bayu", "Dimas",
    "Fikri", "Galih", "Gilang", "Ilham", "Indra", "Reza", "Rian", "Sandi", "Hasan", "Darmawan", "Iwan", "Anton",
    "Yohanes", "Petrus", "Stefanus", "Benny", "Daniel", "Hendrik", "Rahmad", "Syamsul", "Rusdi", "Firman",
    "Hafiz", "Akbar", "Aditya", "Rendra", "Yudi", "Asep", "Ujang", "Dadang", "Eman", "Ade", "Aris", "Edi",
)
GIVEN_FEMALE = (
    "Siti", "Sri", "Dewi", "Ani", "Ayu", "Dian", "Endang", "Fitri", "Indah", "Intan", "Kartika", "Lestari",
    "Maria", "Mega", "Nining", "Novi", "Nurul", "Puji", "Putri", "Rina", "Ratna", "Rini", "Sari", "Suci",
    "Tri", "Wulan", "Yanti", "Yuli", "Yuni", "Eka", "Desi", "Nia", "Evi", "Lina", "Retno", "Ida", "Ika",
    "Anisa", "Nabila", "Tiara", "Anggun", "Citra", "Dinda", "Fransiska", "Yohana", "Theresia", "Agustina",
    "Rosmala", "Nurhayati", "Fatimah", "Aisyah", "Rahma", "Wahyuni", "Sinta", "Lia", "Neneng", "Euis", "Cucu",
)
MIDDLE_MALE = ("Adi", "Dwi", "Eko", "Nugroho", "Prasetyo", "Setyo", "Hadi", "Budi", "Wahyu", "Aji", "Arief",
               "Rahman", "Hidayat", "Nur", "Surya", "Putra", "Fajar", "Agung", "Yudha", "Catur")
MIDDLE_FEMALE = ("Dwi", "Tri", "Puspita", "Ayu", "Nur", "Sri", "Kartika", "Indah", "Wahyuni", "Rahayu",
                 "Permata", "Dewi", "Putri", "Eka", "Fitria", "Mulia", "Kusuma", "Sekar")
FAMILY_MALE = (
    "Saputra", "Pratama", "Kurniawan", "Setiawan", "Hidayat", "Santoso", "Wibowo", "Gunawan", "Nugroho",
    "Prasetyo", "Susanto", "Firmansyah", "Ramadhan", "Hakim", "Syahputra", "Effendi", "Hermawan", "Purnomo",
    "Suryadi", "Hartono", "Sutrisno", "Mulyadi", "Iskandar", "Maulana", "Rachman",
)
FAMILY_FEMALE = (
    "Saputri", "Pratiwi", "Kurniawati", "Setiawati", "Hidayati", "Lestari", "Wulandari", "Rahmawati",
    "Handayani", "Susanti", "Puspitasari", "Anggraini", "Maharani", "Safitri", "Permatasari", "Yuliani",
    "Novitasari", "Sulistyowati", "Mulyani", "Rahayu", "Hartati", "Suryani", "Purwanti",
)
#: family (marga) names used by men and women alike
FAMILY_ANY = (
    "Siregar", "Nasution", "Harahap", "Lubis", "Simanjuntak", "Sinaga", "Tarigan", "Ginting", "Manurung",
    "Sitompul", "Panjaitan", "Hutapea", "Daulay", "Tanjung", "Wenas", "Rumengan", "Pangemanan", "Pattinama",
    "Latuconsina", "Halim", "Wijaya", "Tambunan", "Sembiring", "Batubara", "Matondang",
)
#: older Javanese people often have a single name
SINGLE_MALE = ("Sutrisno", "Suparman", "Sukirman", "Supardi", "Tukiman", "Sumadi", "Parjo", "Sugiyono", "Mulyono")
SINGLE_FEMALE = ("Sumarni", "Suwarni", "Sumiati", "Kasmini", "Sulastri", "Tumini", "Suparmi", "Painem")
#: Balinese birth-order names
BALI_ORDER = ("Wayan", "Made", "Nyoman", "Ketut", "Putu", "Kadek", "Komang", "Gede")
BALI_NAMES = ("Sudarma", "Suarjana", "Arimbawa", "Sukadana", "Ariani", "Astuti", "Wirawan", "Suastika",
              "Widiantari", "Sumerta", "Yasa", "Darmayanti")

#: word list for readable demo passwords
PASSWORD_WORDS = (
    "apel", "bambu", "cemara", "danau", "elang", "gunung", "hujan", "jati", "kopi", "laut", "melati",
    "nusa", "padi", "pelangi", "rimba", "sawah", "teluk", "ufuk", "wangi", "zamrud", "merdeka", "pantai",
    "angsana", "kenari", "cendana", "rotan", "tenun", "batik", "gamelan", "perahu",
)
