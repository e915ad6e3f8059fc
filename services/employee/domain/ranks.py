"""Pangkat/golongan ruang, the 17 ranks of a PNS, with the codes BKN's SIASN uses for them."""

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class RankGrade:
    """One rank: its pangkat name and golongan/ruang code. Ranks compare by SIASN code, which rises with
    the rank (11 = I/a ... 45 = IV/e)."""

    siasn_code: int
    code: str
    name: str


RANKS: tuple[RankGrade, ...] = (
    RankGrade(11, "I/a", "Juru Muda"),
    RankGrade(12, "I/b", "Juru Muda Tingkat I"),
    RankGrade(13, "I/c", "Juru"),
    RankGrade(14, "I/d", "Juru Tingkat I"),
    RankGrade(21, "II/a", "Pengatur Muda"),
    RankGrade(22, "II/b", "Pengatur Muda Tingkat I"),
    RankGrade(23, "II/c", "Pengatur"),
    RankGrade(24, "II/d", "Pengatur Tingkat I"),
    RankGrade(31, "III/a", "Penata Muda"),
    RankGrade(32, "III/b", "Penata Muda Tingkat I"),
    RankGrade(33, "III/c", "Penata"),
    RankGrade(34, "III/d", "Penata Tingkat I"),
    RankGrade(41, "IV/a", "Pembina"),
    RankGrade(42, "IV/b", "Pembina Tingkat I"),
    RankGrade(43, "IV/c", "Pembina Utama Muda"),
    RankGrade(44, "IV/d", "Pembina Utama Madya"),
    RankGrade(45, "IV/e", "Pembina Utama"),
)

_BY_CODE = {rank.code: rank for rank in RANKS}
_BY_SIASN_CODE = {rank.siasn_code: rank for rank in RANKS}


def rank_by_code(code: str) -> RankGrade | None:
    """The rank written as on a decree, e.g. "III/a"; None for anything else."""
    return _BY_CODE.get(code)


def rank_by_siasn_code(siasn_code: int) -> RankGrade | None:
    """The rank SIASN names by its numeric code (`golRuangAkhirId`, 11 ... 45); None for anything else."""
    return _BY_SIASN_CODE.get(siasn_code)
