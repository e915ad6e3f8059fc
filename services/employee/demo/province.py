"""The demo province as small data tables: Sulawesi Tengah with its real kabupaten and kota, their Kemendagri
codes (Kepmendagri 100.1.1-6117/2022, written without the dot) and capitals, and the offices (perangkat
daerah, PP 18/2016) each regional government is given, with their divisions, positions and ABK tasks.

Agency codes follow the platform's convention: the Kemendagri code of the region, the province's padded
with `00` (7200). Shares of staff are rough demo weights, not statistics.
"""

from dataclasses import dataclass

from services.employee.domain.model import EducationLevel
from services.employee.domain.organisation import AgencyKind, PositionType, UnitKind


@dataclass(frozen=True)
class Region:
    code: str
    kind: AgencyKind
    name: str
    capital: str
    share: float  # relative share of the province's civil servants

    @property
    def agency_name(self) -> str:
        prefix = {AgencyKind.PROVINCE: "Provinsi", AgencyKind.KABUPATEN: "Kabupaten", AgencyKind.KOTA: "Kota"}
        return f"Pemerintah {prefix[self.kind]} {self.name}"


PROVINCE = Region("7200", AgencyKind.PROVINCE, "Sulawesi Tengah", "Palu", 3.0)
REGIONS: tuple[Region, ...] = (
    Region("7201", AgencyKind.KABUPATEN, "Banggai Kepulauan", "Salakan", 0.6),
    Region("7202", AgencyKind.KABUPATEN, "Banggai", "Luwuk", 1.3),
    Region("7203", AgencyKind.KABUPATEN, "Morowali", "Bungku", 0.9),
    Region("7204", AgencyKind.KABUPATEN, "Poso", "Poso", 1.1),
    Region("7205", AgencyKind.KABUPATEN, "Donggala", "Donggala", 1.1),
    Region("7206", AgencyKind.KABUPATEN, "Toli-Toli", "Tolitoli", 0.9),
    Region("7207", AgencyKind.KABUPATEN, "Buol", "Buol", 0.7),
    Region("7208", AgencyKind.KABUPATEN, "Parigi Moutong", "Parigi", 1.2),
    Region("7209", AgencyKind.KABUPATEN, "Tojo Una-Una", "Ampana", 0.8),
    Region("7210", AgencyKind.KABUPATEN, "Sigi", "Sigi Biromaru", 1.0),
    Region("7211", AgencyKind.KABUPATEN, "Banggai Laut", "Banggai", 0.5),
    Region("7212", AgencyKind.KABUPATEN, "Morowali Utara", "Kolonodale", 0.7),
    Region("7271", AgencyKind.KOTA, "Palu", "Palu", 1.5),
)


@dataclass(frozen=True)
class Job:
    """A position a unit offers: its name (without the unit's), type, job class (kelas jabatan), minimum
    education, the technical family its tasks come from, and its share of the unit's staff."""

    name: str
    type: PositionType
    job_class: int
    education: EducationLevel
    tasks: str
    share: float = 1.0


@dataclass(frozen=True)
class Division:
    """A sub-unit of an office: a bidang, bagian, sekretariat, UPT...; its head is an administrator unless
    `head_type` says otherwise."""

    name: str
    kind: UnitKind
    jobs: tuple[Job, ...]
    head_type: PositionType = PositionType.ADMINISTRATOR
    children: tuple["Division", ...] = ()


@dataclass(frozen=True)
class Office:
    """A perangkat daerah: its name, kind, head title, technical competency, and divisions."""

    name: str
    kind: UnitKind
    head: str
    technical: str
    divisions: tuple[Division, ...]
    regions: tuple[AgencyKind, ...] = (AgencyKind.PROVINCE, AgencyKind.KABUPATEN, AgencyKind.KOTA)


P, PT = PositionType, EducationLevel
_ADMIN_STAFF = (
    Job("Penata Layanan Operasional", P.PELAKSANA, 7, PT.S1, "administrasi"),
    Job("Pengelola Layanan Operasional", P.PELAKSANA, 6, PT.D3, "administrasi"),
    Job("Operator Layanan Operasional", P.PELAKSANA, 5, PT.SMA, "administrasi", 0.7),
)
_SUBBAGIAN_UMUM = Division(
    "Subbagian Umum dan Kepegawaian",
    UnitKind.SUBBAGIAN,
    (
        Job("Pengadministrasi Perkantoran", P.PELAKSANA, 5, PT.SMA, "administrasi"),
        Job("Arsiparis Terampil", P.FUNGSIONAL, 6, PT.D3, "arsip", 0.5),
        Job("Pengemudi", P.PELAKSANA, 3, PT.SMA, "umum", 0.4),
    ),
    head_type=P.PENGAWAS,
)


def _sekretariat(*jobs: Job) -> Division:
    return Division(
        "Sekretariat",
        UnitKind.SEKRETARIAT,
        (
            *jobs,
            Job("Analis Keuangan Pusat dan Daerah Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "keuangan", 0.6),
        ),
        children=(_SUBBAGIAN_UMUM,),
    )


def _bidang(name: str, *jobs: Job) -> Division:
    return Division(f"Bidang {name}", UnitKind.BIDANG, (*jobs, _ADMIN_STAFF[0]))


OFFICES: tuple[Office, ...] = (
    Office(
        "Sekretariat Daerah",
        UnitKind.SEKRETARIAT,
        "Sekretaris Daerah",
        "Tata Kelola Pemerintahan",
        (
            Division(
                "Bagian Pemerintahan",
                UnitKind.BAGIAN,
                (Job("Analis Kebijakan Ahli Muda", P.FUNGSIONAL, 9, PT.S1, "kebijakan"), *_ADMIN_STAFF[:2]),
            ),
            Division(
                "Bagian Hukum",
                UnitKind.BAGIAN,
                (
                    Job(
                        "Perancang Peraturan Perundang-undangan Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "hukum"
                    ),
                    Job("Analis Hukum Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "hukum"),
                ),
            ),
            Division(
                "Bagian Organisasi",
                UnitKind.BAGIAN,
                (Job("Analis Kebijakan Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "kebijakan"), _ADMIN_STAFF[0]),
            ),
            Division("Bagian Umum", UnitKind.BAGIAN, (*_ADMIN_STAFF, _SUBBAGIAN_UMUM.jobs[2])),
        ),
    ),
    Office(
        "Inspektorat",
        UnitKind.INSPEKTORAT,
        "Inspektur",
        "Pengawasan Internal",
        (
            _sekretariat(_ADMIN_STAFF[1]),
            *(
                Division(
                    f"Inspektur Pembantu Wilayah {number}",
                    UnitKind.BIDANG,
                    (
                        Job("Auditor Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "audit"),
                        Job("Auditor Ahli Muda", P.FUNGSIONAL, 9, PT.S1, "audit", 0.6),
                        Job(
                            "Pengawas Penyelenggaraan Urusan Pemerintahan di Daerah Ahli Pertama",
                            P.FUNGSIONAL,
                            8,
                            PT.S1,
                            "audit",
                            0.6,
                        ),
                    ),
                )
                for number in ("I", "II")
            ),
        ),
    ),
    Office(
        "Badan Perencanaan Pembangunan Daerah",
        UnitKind.BADAN,
        "Kepala Badan Perencanaan Pembangunan Daerah",
        "Perencanaan Pembangunan",
        (
            _sekretariat(_ADMIN_STAFF[1]),
            _bidang(
                "Perencanaan Ekonomi", Job("Perencana Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "perencanaan")
            ),
            _bidang(
                "Perencanaan Sosial dan Budaya",
                Job("Perencana Ahli Muda", P.FUNGSIONAL, 9, PT.S1, "perencanaan"),
            ),
        ),
    ),
    Office(
        "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
        UnitKind.BADAN,
        "Kepala Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
        "Manajemen ASN",
        (
            _sekretariat(_ADMIN_STAFF[1]),
            _bidang(
                "Mutasi dan Promosi",
                Job(
                    "Analis Sumber Daya Manusia Aparatur Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "kepegawaian"
                ),
                Job("Analis Sumber Daya Manusia Aparatur Ahli Muda", P.FUNGSIONAL, 9, PT.S1, "kepegawaian"),
            ),
            _bidang(
                "Pengembangan Kompetensi Aparatur",
                Job(
                    "Analis Sumber Daya Manusia Aparatur Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "kepegawaian"
                ),
                Job("Widyaiswara Ahli Muda", P.FUNGSIONAL, 9, PT.S2, "pelatihan", 0.5),
            ),
            _bidang(
                "Pengadaan, Pemberhentian dan Informasi",
                Job("Pranata Komputer Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "informatika"),
                Job("Pengelola Layanan Operasional", P.PELAKSANA, 6, PT.D3, "kepegawaian"),
            ),
        ),
    ),
    Office(
        "Badan Pengelolaan Keuangan dan Aset Daerah",
        UnitKind.BADAN,
        "Kepala Badan Pengelolaan Keuangan dan Aset Daerah",
        "Pengelolaan Keuangan Daerah",
        (
            _sekretariat(_ADMIN_STAFF[1]),
            _bidang("Anggaran", Job("Analis Anggaran Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "keuangan")),
            _bidang(
                "Perbendaharaan dan Aset",
                Job("Bendahara", P.PELAKSANA, 8, PT.D3, "keuangan"),
                Job("Penata Kelola Barang Milik Daerah", P.PELAKSANA, 7, PT.S1, "aset"),
            ),
        ),
    ),
    Office(
        "Dinas Pendidikan dan Kebudayaan",
        UnitKind.DINAS,
        "Kepala Dinas Pendidikan dan Kebudayaan",
        "Manajemen Pendidikan",
        (
            _sekretariat(_ADMIN_STAFF[1]),
            _bidang(
                "Pembinaan Sekolah", Job("Pengawas Sekolah Ahli Madya", P.FUNGSIONAL, 11, PT.S2, "pendidikan")
            ),
            _bidang("Kebudayaan", Job("Pamong Budaya Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "kebudayaan")),
            Division(
                "UPT Satuan Pendidikan",
                UnitKind.UPT,
                (
                    Job("Guru Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "mengajar", 5.0),
                    Job("Guru Ahli Muda", P.FUNGSIONAL, 9, PT.S1, "mengajar", 4.0),
                    Job("Guru Ahli Madya", P.FUNGSIONAL, 11, PT.S1, "mengajar", 2.0),
                    Job("Pengelola Layanan Operasional", P.PELAKSANA, 6, PT.D3, "administrasi", 0.6),
                ),
                head_type=P.PENGAWAS,
            ),
        ),
    ),
    Office(
        "Dinas Kesehatan",
        UnitKind.DINAS,
        "Kepala Dinas Kesehatan",
        "Kesehatan Masyarakat",
        (
            _sekretariat(_ADMIN_STAFF[1]),
            _bidang(
                "Pelayanan Kesehatan",
                Job("Administrator Kesehatan Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "kesehatan"),
            ),
            _bidang(
                "Pencegahan dan Pengendalian Penyakit",
                Job("Epidemiolog Kesehatan Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "kesehatan"),
            ),
            Division(
                "UPT Pelayanan Kesehatan",
                UnitKind.UPT,
                (
                    Job("Dokter Ahli Pertama", P.FUNGSIONAL, 9, PT.S1, "klinis", 1.0),
                    Job("Perawat Terampil", P.FUNGSIONAL, 6, PT.D3, "klinis", 3.0),
                    Job("Perawat Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "klinis", 2.0),
                    Job("Bidan Terampil", P.FUNGSIONAL, 6, PT.D3, "klinis", 2.0),
                    Job("Pranata Laboratorium Kesehatan Terampil", P.FUNGSIONAL, 6, PT.D3, "klinis", 0.8),
                ),
                head_type=P.PENGAWAS,
            ),
        ),
    ),
    Office(
        "Dinas Pekerjaan Umum dan Penataan Ruang",
        UnitKind.DINAS,
        "Kepala Dinas Pekerjaan Umum dan Penataan Ruang",
        "Teknik Sipil",
        (
            _sekretariat(_ADMIN_STAFF[1]),
            _bidang(
                "Bina Marga", Job("Teknik Jalan dan Jembatan Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "teknik")
            ),
            _bidang(
                "Sumber Daya Air", Job("Teknik Pengairan Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "teknik")
            ),
        ),
    ),
    Office(
        "Dinas Sosial",
        UnitKind.DINAS,
        "Kepala Dinas Sosial",
        "Pelayanan Sosial",
        (
            _sekretariat(_ADMIN_STAFF[1]),
            _bidang(
                "Rehabilitasi dan Perlindungan Sosial",
                Job("Pekerja Sosial Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "sosial"),
                Job("Penyuluh Sosial Terampil", P.FUNGSIONAL, 6, PT.D3, "sosial"),
            ),
        ),
    ),
    Office(
        "Dinas Kependudukan dan Pencatatan Sipil",
        UnitKind.DINAS,
        "Kepala Dinas Kependudukan dan Pencatatan Sipil",
        "Administrasi Kependudukan",
        (
            _sekretariat(_ADMIN_STAFF[1]),
            _bidang(
                "Pelayanan Pendaftaran Penduduk",
                Job(
                    "Administrator Database Kependudukan Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "kependudukan"
                ),
                Job("Operator Layanan Operasional", P.PELAKSANA, 5, PT.SMA, "kependudukan", 1.5),
            ),
        ),
        regions=(AgencyKind.KABUPATEN, AgencyKind.KOTA),
    ),
    Office(
        "Dinas Komunikasi dan Informatika",
        UnitKind.DINAS,
        "Kepala Dinas Komunikasi dan Informatika",
        "Teknologi Informasi",
        (
            _sekretariat(_ADMIN_STAFF[1]),
            _bidang(
                "Aplikasi Informatika",
                Job("Pranata Komputer Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "informatika"),
                Job("Pranata Hubungan Masyarakat Ahli Pertama", P.FUNGSIONAL, 8, PT.S1, "humas"),
            ),
        ),
    ),
)

# Job classes and ranks of structural posts in a regional government. The province's secretary is a JPT
# madya, the other office heads JPT pratama.
HEAD_JOB_CLASS = {P.JPT: 14, P.ADMINISTRATOR: 11, P.PENGAWAS: 9}
PROVINCE_SECRETARY_JOB_CLASS = 16
REGION_SECRETARY_JOB_CLASS = 15
MINIMUM_RANK = {P.JPT: "IV/b", P.ADMINISTRATOR: "III/d", P.PENGAWAS: "III/b"}

# What tasks (uraian tugas, satuan hasil, minutes a unit takes) each family of positions does; the seed
# takes a few of them and sets their volumes to the workload it wants.
TASKS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "pimpinan": (
        ("Merumuskan kebijakan teknis perangkat daerah", "dokumen", 600),
        ("Mengoordinasikan pelaksanaan program dan kegiatan", "kegiatan", 240),
        ("Membina dan menilai kinerja bawahan", "laporan", 120),
        ("Melaporkan capaian kinerja kepada pimpinan", "laporan", 480),
        ("Memimpin rapat koordinasi", "rapat", 180),
    ),
    "administrasi": (
        ("Mengagendakan surat masuk dan surat keluar", "surat", 10),
        ("Menyusun bahan laporan kegiatan", "laporan", 240),
        ("Memutakhirkan data layanan", "berkas", 20),
        ("Menyiapkan bahan rapat", "kegiatan", 90),
    ),
    "umum": (
        ("Mengantar pimpinan dan tamu dinas", "perjalanan", 60),
        ("Merawat kendaraan dinas", "kendaraan", 120),
    ),
    "arsip": (
        ("Menata arsip dinamis", "berkas", 30),
        ("Menyusun daftar arsip", "daftar", 120),
    ),
    "keuangan": (
        ("Memverifikasi surat pertanggungjawaban", "dokumen", 45),
        ("Menyusun laporan keuangan", "laporan", 960),
        ("Menganalisis realisasi anggaran", "laporan", 480),
    ),
    "aset": (
        ("Menginventarisasi barang milik daerah", "barang", 15),
        ("Menyusun laporan barang milik daerah", "laporan", 600),
    ),
    "kebijakan": (
        ("Menganalisis isu kebijakan", "kajian", 1200),
        ("Menyusun rekomendasi kebijakan", "rekomendasi", 900),
        ("Menyiapkan bahan koordinasi pemerintahan", "dokumen", 240),
    ),
    "hukum": (
        ("Menyusun rancangan peraturan daerah", "rancangan", 2400),
        ("Mengharmonisasi rancangan peraturan kepala daerah", "rancangan", 720),
        ("Memberikan telaahan hukum", "telaahan", 300),
    ),
    "audit": (
        ("Melaksanakan audit kinerja", "laporan hasil audit", 4800),
        ("Melakukan reviu laporan keuangan", "laporan hasil reviu", 2400),
        ("Memantau tindak lanjut temuan", "temuan", 120),
    ),
    "perencanaan": (
        ("Menyusun rencana kerja pemerintah daerah", "dokumen", 4800),
        ("Mengevaluasi rencana kerja perangkat daerah", "dokumen", 600),
        ("Menyiapkan bahan musyawarah perencanaan", "kegiatan", 480),
    ),
    "kepegawaian": (
        ("Memproses usulan mutasi pegawai", "usulan", 120),
        ("Memproses usulan kenaikan pangkat", "usulan", 60),
        ("Menyusun analisis jabatan dan beban kerja", "dokumen", 960),
        ("Memutakhirkan data pegawai di SIASN", "data", 15),
    ),
    "pelatihan": (
        ("Mengajar pelatihan aparatur", "jam pelajaran", 45),
        ("Menyusun bahan ajar", "modul", 1200),
    ),
    "informatika": (
        ("Memelihara sistem informasi", "sistem", 960),
        ("Menangani gangguan jaringan", "laporan", 90),
        ("Mengembangkan aplikasi layanan", "modul", 2400),
    ),
    "humas": (
        ("Menyusun siaran pers", "naskah", 120),
        ("Mengelola kanal media sosial", "unggahan", 45),
    ),
    "pendidikan": (
        ("Melaksanakan supervisi akademik", "sekolah", 480),
        ("Menilai kinerja kepala sekolah", "laporan", 240),
    ),
    "kebudayaan": (
        ("Menginventarisasi cagar budaya", "objek", 360),
        ("Membina kelompok seni budaya", "kegiatan", 240),
    ),
    "mengajar": (
        ("Melaksanakan pembelajaran tatap muka", "jam pelajaran", 45),
        ("Menilai hasil belajar peserta didik", "berkas", 30),
        ("Menyusun perangkat pembelajaran", "dokumen", 240),
    ),
    "kesehatan": (
        ("Menganalisis data kesehatan masyarakat", "laporan", 480),
        ("Melakukan penyelidikan epidemiologi", "kejadian", 720),
        ("Membina fasilitas pelayanan kesehatan", "kunjungan", 240),
    ),
    "klinis": (
        ("Melakukan asuhan kepada pasien", "pasien", 30),
        ("Melakukan pemeriksaan laboratorium", "sampel", 20),
        ("Melaksanakan penyuluhan kesehatan", "kegiatan", 120),
    ),
    "teknik": (
        ("Menyusun rencana teknis pekerjaan", "dokumen", 1440),
        ("Mengawasi pelaksanaan konstruksi", "laporan", 480),
        ("Melakukan survei kondisi prasarana", "ruas", 360),
    ),
    "sosial": (
        ("Melakukan asesmen penerima bantuan sosial", "orang", 60),
        ("Mendampingi penyandang masalah kesejahteraan sosial", "kunjungan", 120),
    ),
    "kependudukan": (
        ("Menerbitkan dokumen kependudukan", "dokumen", 15),
        ("Memverifikasi data penduduk", "berkas", 10),
        ("Merekam data biometrik penduduk", "orang", 12),
    ),
}

COMPETENCY_LEVELS = {P.JPT: 4, P.ADMINISTRATOR: 3, P.PENGAWAS: 3, P.FUNGSIONAL: 2, P.PELAKSANA: 2}

UNIVERSITIES = (
    "Universitas Tadulako",
    "Universitas Alkhairaat",
    "Universitas Islam Negeri Datokarama Palu",
    "Universitas Muhammadiyah Palu",
    "Universitas Sintuwu Maroso",
    "Universitas Hasanuddin",
    "Universitas Negeri Makassar",
    "Universitas Sam Ratulangi",
    "Universitas Gadjah Mada",
    "Institut Pemerintahan Dalam Negeri",
)
POLYTECHNICS = (
    "Politeknik Kesehatan Kementerian Kesehatan Palu",
    "Akademi Keperawatan Justitia Palu",
    "Politeknik Negeri Ujung Pandang",
    "Universitas Tadulako",
)
MAJORS: dict[str, tuple[str, ...]] = {
    "mengajar": ("Pendidikan Matematika", "Pendidikan Bahasa Indonesia", "Pendidikan Biologi", "PGSD"),
    "klinis": ("Keperawatan", "Kebidanan", "Pendidikan Dokter", "Analis Kesehatan"),
    "kesehatan": ("Kesehatan Masyarakat", "Epidemiologi"),
    "teknik": ("Teknik Sipil", "Teknik Pengairan", "Arsitektur"),
    "informatika": ("Teknik Informatika", "Sistem Informasi"),
    "keuangan": ("Akuntansi", "Manajemen Keuangan"),
    "hukum": ("Ilmu Hukum",),
    "audit": ("Akuntansi", "Ilmu Ekonomi"),
}
GENERAL_MAJORS = ("Ilmu Pemerintahan", "Administrasi Negara", "Manajemen", "Ilmu Ekonomi", "Sosiologi")
DEGREE_TITLES: dict[str, tuple[str, ...]] = {
    "Pendidikan Matematika": ("S.Pd.",),
    "Pendidikan Bahasa Indonesia": ("S.Pd.",),
    "Pendidikan Biologi": ("S.Pd.",),
    "PGSD": ("S.Pd.",),
    "Keperawatan": ("S.Kep., Ns.",),
    "Kebidanan": ("S.Tr.Keb.",),
    "Pendidikan Dokter": ("",),
    "Analis Kesehatan": ("S.Si.",),
    "Kesehatan Masyarakat": ("S.K.M.",),
    "Epidemiologi": ("S.K.M.",),
    "Teknik Sipil": ("S.T.",),
    "Teknik Pengairan": ("S.T.",),
    "Arsitektur": ("S.T.",),
    "Teknik Informatika": ("S.Kom.",),
    "Sistem Informasi": ("S.Kom.",),
    "Akuntansi": ("S.E.", "S.Ak."),
    "Manajemen Keuangan": ("S.E.",),
    "Ilmu Hukum": ("S.H.",),
    "Ilmu Ekonomi": ("S.E.",),
    "Ilmu Pemerintahan": ("S.IP.", "S.STP."),
    "Administrasi Negara": ("S.Sos.", "S.AP."),
    "Manajemen": ("S.E.",),
    "Sosiologi": ("S.Sos.",),
}
DIPLOMA_TITLES = {"Keperawatan": "A.Md.Kep.", "Kebidanan": "A.Md.Keb.", "Analis Kesehatan": "A.Md.AK."}
MASTER_TITLES = ("M.Si.", "M.M.", "M.Pd.", "M.H.", "M.Kes.", "M.T.", "M.AP.")
