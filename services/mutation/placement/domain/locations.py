"""Where the work locations of the demo provinces are: the kabupaten/kota capitals by latitude and longitude
(degrees, rounded to about a kilometre), enough for relocation distances. A unit's `location` names one of
them; a name this table does not know is placed at the middle of the known ones of its round and listed in
the round's snapshot, so the distance it gets is visibly approximate."""

from collections.abc import Iterable

CAPITALS: dict[str, tuple[float, float]] = {
    # Sulawesi Tengah
    "palu": (-0.895, 119.859),
    "salakan": (-1.318, 123.236),
    "luwuk": (-0.950, 122.789),
    "bungku": (-2.549, 121.966),
    "poso": (-1.396, 120.752),
    "donggala": (-0.676, 119.741),
    "tolitoli": (1.039, 120.818),
    "buol": (1.162, 121.440),
    "parigi": (-0.796, 120.175),
    "ampana": (-0.866, 121.583),
    "sigi biromaru": (-1.031, 119.949),
    "banggai": (-1.593, 123.496),
    "kolonodale": (-1.993, 121.338),
    # Sulawesi Barat
    "mamuju": (-2.681, 118.886),
    "majene": (-3.540, 118.971),
    "polewali": (-3.417, 119.333),
    "mamasa": (-2.950, 119.367),
    "pasangkayu": (-1.167, 119.383),
    "tobadak": (-2.100, 119.350),
}


def key_of(name: str) -> str:
    return " ".join(name.split()).casefold()


def coordinates(names: Iterable[str]) -> tuple[list[tuple[float, float]], list[str]]:
    """The coordinates of each name, and the names that had to be placed at the middle of the known ones
    (at 0, 0 when none is known: every distance of the round is then 0)."""
    names = list(names)
    known = [CAPITALS[key_of(n)] for n in names if key_of(n) in CAPITALS]
    middle = (
        (sum(lat for lat, _ in known) / len(known), sum(lon for _, lon in known) / len(known))
        if known
        else (0.0, 0.0)
    )
    unknown = [n for n in names if key_of(n) not in CAPITALS]
    return [CAPITALS.get(key_of(n), middle) for n in names], unknown
