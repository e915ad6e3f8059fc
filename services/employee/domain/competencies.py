"""Competencies of a position's standard (PermenPANRB 38/2017): 8 managerial, 1 socio-cultural, and the
technical ones each agency defines for itself. Every competency is required at a level from 1 to 5."""

MANAGERIAL: tuple[str, ...] = (
    "Integritas",
    "Kerjasama",
    "Komunikasi",
    "Orientasi pada Hasil",
    "Pelayanan Publik",
    "Pengembangan Diri dan Orang Lain",
    "Mengelola Perubahan",
    "Pengambilan Keputusan",
)
SOCIO_CULTURAL: tuple[str, ...] = ("Perekat Bangsa",)

LEVELS = range(1, 6)

_NATIONAL = {name.casefold(): name for name in (*MANAGERIAL, *SOCIO_CULTURAL)}


def canonical_name(name: str) -> str:
    """The regulation's spelling of a managerial or socio-cultural competency, whatever its case, so that a
    standard and a person's assessment name it alike; a technical competency keeps the agency's name."""
    stripped = " ".join(name.split())
    return _NATIONAL.get(stripped.casefold(), stripped)
