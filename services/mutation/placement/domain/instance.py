"""What a placement round is solved over, as NumPy arrays with one row per thing: work locations, units
with their ABK need, vacant positions with their open seats, and the candidate pool. Rows refer to each
other by index (a candidate's `unit` is a row of `Units`), so eligibility and scores are computed for
millions of candidate-position pairs at once.

The arrays are converted to fixed dtypes on construction; `PlacementInstance.validate()` checks shapes and
index ranges and reports every problem at once.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shared.errors import FieldProblem, InvalidInput

NO_LIMIT = -1  # a per-unit move limit that is not set
UNKNOWN = -1  # a predicate year, preference slot or family that is not known / not used

# Predicate codes of `Candidates.predicates`, worst to best (PermenPANRB 6/2022).
SANGAT_KURANG, KURANG, BUTUH_PERBAIKAN, BAIK, SANGAT_BAIK = range(5)

MALE, FEMALE = 1, 2  # as the gender digit of the NIP encodes them (Perka BKN 22/2007)

# Columns are stored with the dtypes the class docstrings name; any array-like of numbers is accepted and
# converted on construction, so the annotation is the loosest one.
Column = NDArray[Any]


def _int(values: Any, dtype: type = np.int32) -> NDArray[Any]:
    return np.ascontiguousarray(values, dtype=dtype)


def _matrix(values: Any, rows: int, dtype: type) -> NDArray[Any]:
    """A (rows, columns) array; a flat or empty input becomes one column per row, or none."""
    array: NDArray[Any] = np.asarray(values, dtype=dtype)
    if array.ndim != 2:
        array = array.reshape(rows, -1) if array.size else np.empty((rows, 0), dtype)
    return np.ascontiguousarray(array)


@dataclass(frozen=True)
class Locations:
    """Work locations (kabupaten/kota capitals or offices) by latitude and longitude in degrees (float64)."""

    latitude: Column
    longitude: Column

    def __post_init__(self) -> None:
        object.__setattr__(self, "latitude", np.ascontiguousarray(self.latitude, dtype=np.float64))
        object.__setattr__(self, "longitude", np.ascontiguousarray(self.longitude, dtype=np.float64))

    def __len__(self) -> int:
        return len(self.latitude)


@dataclass(frozen=True)
class Units:
    """Unit kerja of the round. `need` is the ABK staff need, workload hours / 1,250 and unrounded, so a
    unit's efficiency EJ = need / present; `present` is its bezetting. `release_limit` and
    `intake_limit` cap the moves out of and into each unit (NO_LIMIT where the round sets none).
    `need` is float64, the other columns int32."""

    need: Column
    present: Column
    location: Column
    agency: Column
    release_limit: Column = field(default_factory=lambda: np.empty(0, np.int32))
    intake_limit: Column = field(default_factory=lambda: np.empty(0, np.int32))

    def __post_init__(self) -> None:
        n = len(self.need)
        object.__setattr__(self, "need", np.ascontiguousarray(self.need, dtype=np.float64))
        for name in ("present", "location", "agency"):
            object.__setattr__(self, name, _int(getattr(self, name)))
        for name in ("release_limit", "intake_limit"):
            value = getattr(self, name)
            object.__setattr__(self, name, _int(np.full(n, NO_LIMIT) if len(value) == 0 else value))

    def __len__(self) -> int:
        return len(self.need)

    def abk_surplus(self) -> NDArray[np.int64]:
        """How many people each unit can release without dropping below its ABK need: none for a unit
        that is not over-staffed. The tolerance keeps a need of exactly 8 from reading as 8.0000001."""
        return np.maximum(np.floor(self.present - self.need + 1e-9), 0).astype(np.int64)

    def release_caps(self) -> NDArray[np.int64]:
        surplus = self.abk_surplus()
        return np.where(self.release_limit >= 0, np.minimum(surplus, self.release_limit), surplus)

    def intake_caps(self, unlimited: int) -> NDArray[np.int64]:
        return np.where(self.intake_limit >= 0, self.intake_limit, unlimited).astype(np.int64)

    def efficiency(self, present: NDArray[Any] | None = None) -> NDArray[np.float64]:
        """EJ = need / present; an empty unit with work to do is infinitely loaded, one without is 1."""
        staff = (self.present if present is None else present).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            ej = self.need / staff
        return np.where(staff > 0, ej, np.where(self.need > 0, np.inf, 1.0))


@dataclass(frozen=True)
class Positions:
    """Vacant positions (jabatan) of the round. `seats` are its open seats (ABK gap); `job_family` its
    rumpun jabatan (UNKNOWN: open to every family); `job_class` its kelas jabatan 1-17; `min_rank` the
    lowest rank it takes as a SIASN code (11 = I/a ... 45 = IV/e); `standard` the required level 0-5 of
    each competency (one column per competency, the same columns as `Candidates.competency`).
    `standard` is uint8 (positions x competencies), the other columns int32."""

    unit: Column
    seats: Column
    job_family: Column
    job_class: Column
    min_rank: Column
    standard: Column

    def __post_init__(self) -> None:
        for name in ("unit", "seats", "job_family", "job_class", "min_rank"):
            object.__setattr__(self, name, _int(getattr(self, name)))
        object.__setattr__(self, "standard", _matrix(self.standard, len(self.unit), np.uint8))

    def __len__(self) -> int:
        return len(self.unit)


@dataclass(frozen=True)
class Candidates:
    """The candidate pool. `unit` is the origin unit; `location` the current work location; `rank` a SIASN
    rank code; `competency` the assessed level 0-5 per competency; `predicates` the predicate codes of
    the recent years (UNKNOWN where none); `nine_box` the talent box 1-9 (0 unknown); `preferences` the
    preferred work locations, first choice first (UNKNOWN pads); `gender` MALE/FEMALE; `age` in years.
    `may_leave_agency` is false for someone who may not be moved to another agency (e.g. a self-request
    under the 10-year bond); `eligible` is false for someone the mutation rules exclude altogether
    (minimum posting, retirement, discipline) — kept in the pool so the fairness report counts them.
    `competency` is uint8 (candidates x competencies); `predicates` (candidates x years), `nine_box` and
    `gender` int8; the two flags bool; `preferences` (candidates x choices) and the rest int32."""

    unit: Column
    location: Column
    job_family: Column
    job_class: Column
    rank: Column
    competency: Column
    predicates: Column
    nine_box: Column
    preferences: Column
    gender: Column
    age: Column
    may_leave_agency: Column
    eligible: Column

    def __post_init__(self) -> None:
        for name in ("unit", "location", "job_family", "job_class", "rank", "age"):
            object.__setattr__(self, name, _int(getattr(self, name)))
        n = len(self.unit)
        object.__setattr__(self, "competency", _matrix(self.competency, n, np.uint8))
        object.__setattr__(self, "predicates", _matrix(self.predicates, n, np.int8))
        object.__setattr__(self, "preferences", _matrix(self.preferences, n, np.int32))
        object.__setattr__(self, "nine_box", _int(self.nine_box, np.int8))
        object.__setattr__(self, "gender", _int(self.gender, np.int8))
        object.__setattr__(self, "may_leave_agency", np.ascontiguousarray(self.may_leave_agency, bool))
        object.__setattr__(self, "eligible", np.ascontiguousarray(self.eligible, bool))

    def __len__(self) -> int:
        return len(self.unit)


@dataclass(frozen=True)
class PlacementInstance:
    """One round's data. `forbidden` lists (candidate, position) rows that may never be paired, such as a
    conflict of interest (a direct report of a relative)."""

    locations: Locations
    units: Units
    positions: Positions
    candidates: Candidates
    forbidden: Column = field(default_factory=lambda: np.empty((0, 2), np.int32))

    def __post_init__(self) -> None:
        object.__setattr__(self, "forbidden", _int(np.reshape(self.forbidden, (-1, 2))))

    def position_location(self) -> NDArray[np.int32]:
        return self.units.location[self.positions.unit]

    def validate(self) -> "PlacementInstance":
        """Every problem with the arrays at once, as one InvalidInput; the instance itself when clean."""
        problems: list[FieldProblem] = []
        n_loc, n_unit = len(self.locations), len(self.units)
        n_pos, n_cand = len(self.positions), len(self.candidates)
        loc, units, pos, cand = self.locations, self.units, self.positions, self.candidates

        def same_length(prefix: str, arrays: dict[str, NDArray[Any]], n: int) -> None:
            for name, array in arrays.items():
                if len(array) != n:
                    problems.append(FieldProblem(field=f"{prefix}.{name}", message=f"needs {n} rows"))

        def within(name: str, array: NDArray[Any], low: int, high: int, *, allow: int | None = None) -> None:
            values = array if allow is None else array[array != allow]
            if values.size and (values.min() < low or values.max() >= high):
                problems.append(FieldProblem(field=name, message=f"must lie in [{low}, {high})"))

        same_length("locations", {"longitude": loc.longitude}, n_loc)
        same_length(
            "units",
            {
                "present": units.present,
                "location": units.location,
                "agency": units.agency,
                "release_limit": units.release_limit,
                "intake_limit": units.intake_limit,
            },
            n_unit,
        )
        same_length(
            "positions",
            {
                "seats": pos.seats,
                "job_family": pos.job_family,
                "job_class": pos.job_class,
                "min_rank": pos.min_rank,
                "standard": pos.standard,
            },
            n_pos,
        )
        same_length(
            "candidates",
            {
                name: getattr(cand, name)
                for name in (
                    "location",
                    "job_family",
                    "job_class",
                    "rank",
                    "competency",
                    "predicates",
                    "nine_box",
                    "preferences",
                    "gender",
                    "age",
                    "may_leave_agency",
                    "eligible",
                )
            },
            n_cand,
        )
        if problems:
            raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), errors=problems)
        if pos.standard.shape[1] != cand.competency.shape[1] and n_pos and n_cand:
            problems.append(
                FieldProblem(field="positions.standard", message="needs the candidates' competency columns")
            )
        if not (np.isfinite(loc.latitude).all() and np.isfinite(loc.longitude).all()):
            problems.append(FieldProblem(field="locations", message="coordinates must be finite"))
        if not np.isfinite(units.need).all() or (units.need < 0).any():
            problems.append(FieldProblem(field="units.need", message="must be finite and not negative"))
        if (units.present < 0).any():
            problems.append(FieldProblem(field="units.present", message="cannot be negative"))
        if (pos.seats < 0).any():
            problems.append(FieldProblem(field="positions.seats", message="cannot be negative"))
        within("units.location", units.location, 0, n_loc)
        within("units.release_limit", units.release_limit, 0, 2**31 - 1, allow=NO_LIMIT)
        within("units.intake_limit", units.intake_limit, 0, 2**31 - 1, allow=NO_LIMIT)
        within("positions.unit", pos.unit, 0, n_unit)
        within("positions.standard", pos.standard, 0, 6)
        within("candidates.unit", cand.unit, 0, n_unit)
        within("candidates.location", cand.location, 0, n_loc)
        within("candidates.competency", cand.competency, 0, 6)
        within("candidates.predicates", cand.predicates, 0, 5, allow=UNKNOWN)
        within("candidates.nine_box", cand.nine_box, 0, 10)
        within("candidates.preferences", cand.preferences, 0, n_loc, allow=UNKNOWN)
        within("forbidden.candidate", self.forbidden[:, 0], 0, n_cand)
        within("forbidden.position", self.forbidden[:, 1], 0, n_pos)
        if problems:
            raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), errors=problems)
        return self


def pairs_array(pairs: Sequence[tuple[int, int]] | NDArray[Any]) -> NDArray[np.int32]:
    """(candidate, position) rows as an (n, 2) int32 array, whatever sequence they came as."""
    return _int(np.reshape(np.asarray(pairs, dtype=np.int64), (-1, 2)))
