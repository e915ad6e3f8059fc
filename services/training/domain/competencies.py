"""Competencies and ranks as the training service compares them (PermenPANRB 38/2017; Perka BKN 22/2007).

A position's standard and a person's assessments come from the employee service, which writes the national
competencies in the regulation's spelling but keeps agencies' technical ones as typed: comparisons go by a
key that ignores case and spacing.
"""

LEVELS = range(1, 6)

# Golongan/ruang from the lowest to the highest: seniority between colleagues.
RANK_ORDER: tuple[str, ...] = (
    "I/a", "I/b", "I/c", "I/d",
    "II/a", "II/b", "II/c", "II/d",
    "III/a", "III/b", "III/c", "III/d",
    "IV/a", "IV/b", "IV/c", "IV/d", "IV/e",
)  # fmt: skip
_RANK_INDEX = {code: i for i, code in enumerate(RANK_ORDER)}


def competency_key(name: str) -> str:
    """The name as compared: whitespace collapsed, case folded."""
    return " ".join(name.split()).casefold()


def rank_index(code: str | None) -> int:
    """Position of a golongan/ruang in the rank order; -1 when unknown."""
    return _RANK_INDEX.get(code or "", -1)
