"""Pangkat/golongan ruang (I/a ... IV/e) as the mutation rules compare them."""

RANKS: tuple[tuple[str, str], ...] = (
    ("I/a", "Juru Muda"),
    ("I/b", "Juru Muda Tingkat I"),
    ("I/c", "Juru"),
    ("I/d", "Juru Tingkat I"),
    ("II/a", "Pengatur Muda"),
    ("II/b", "Pengatur Muda Tingkat I"),
    ("II/c", "Pengatur"),
    ("II/d", "Pengatur Tingkat I"),
    ("III/a", "Penata Muda"),
    ("III/b", "Penata Muda Tingkat I"),
    ("III/c", "Penata"),
    ("III/d", "Penata Tingkat I"),
    ("IV/a", "Pembina"),
    ("IV/b", "Pembina Tingkat I"),
    ("IV/c", "Pembina Utama Muda"),
    ("IV/d", "Pembina Utama Madya"),
    ("IV/e", "Pembina Utama"),
)
_ORDER = {code: i for i, (code, _) in enumerate(RANKS)}
_NAMES = dict(RANKS)


def rank_order(code: str | None) -> int | None:
    """Position of the rank in the ladder (0 = I/a); None for an unknown or missing rank."""
    return None if code is None else _ORDER.get(code)


def rank_title(code: str | None) -> str:
    """The rank as a decree writes it, e.g. "Penata Muda (III/a)"."""
    if code is None:
        return "-"
    name = _NAMES.get(code)
    return f"{name} ({code})" if name else code
