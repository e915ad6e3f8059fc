"""Pangkat/golongan ruang, the 17 civil-service ranks, lowest first, with their SIASN codes."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RankGrade:
    code: str  # golongan/ruang, e.g. "III/a"
    name: str  # pangkat, e.g. "Penata Muda"
    siasn_code: int

    @property
    def order(self) -> int:
        return RANKS.index(self)


RANKS: tuple[RankGrade, ...] = (
    RankGrade("I/a", "Juru Muda", 11),
    RankGrade("I/b", "Juru Muda Tingkat I", 12),
    RankGrade("I/c", "Juru", 13),
    RankGrade("I/d", "Juru Tingkat I", 14),
    RankGrade("II/a", "Pengatur Muda", 21),
    RankGrade("II/b", "Pengatur Muda Tingkat I", 22),
    RankGrade("II/c", "Pengatur", 23),
    RankGrade("II/d", "Pengatur Tingkat I", 24),
    RankGrade("III/a", "Penata Muda", 31),
    RankGrade("III/b", "Penata Muda Tingkat I", 32),
    RankGrade("III/c", "Penata", 33),
    RankGrade("III/d", "Penata Tingkat I", 34),
    RankGrade("IV/a", "Pembina", 41),
    RankGrade("IV/b", "Pembina Tingkat I", 42),
    RankGrade("IV/c", "Pembina Utama Muda", 43),
    RankGrade("IV/d", "Pembina Utama Madya", 44),
    RankGrade("IV/e", "Pembina Utama", 45),
)
_BY_CODE = {rank.code: rank for rank in RANKS}
_BY_SIASN = {rank.siasn_code: rank for rank in RANKS}


def rank_by_code(code: str) -> RankGrade | None:
    return _BY_CODE.get(code)


def rank_by_siasn_code(siasn_code: int) -> RankGrade | None:
    return _BY_SIASN.get(siasn_code)
