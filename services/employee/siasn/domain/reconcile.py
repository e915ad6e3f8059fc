"""Reconciliation with SIASN: what SIASN holds of a person read as our record's fields, compared field by
field with our record, and what one pull does to the reconciliation queue. Pure Python.

SIASN's data-utama is read through the SIASN mapping of the employee import (domain/exchange.py `COLUMNS`,
`KEDUDUKAN`): one place says which SIASN name is which of our fields. The riwayat add what data-utama lacks:
the decree of the current rank (rw-golongan) and posting (rw-jabatan), and the education (rw-pendidikan).

Compared fields hold JSON values (dates as ISO text). `rank`, `placement` and `education` are compound: one
decision takes them whole (a rank with its TMT, a unit with its position), and SIASN's side carries what the
command needs beyond the compared parts (the decree). A person SIASN holds and we do not is the field
`record`, whose SIASN side is everything a registration needs.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from services.employee.domain.exchange import SIASN_EMPTY_DATE, Layout, layout_of, read_row
from services.employee.domain.exchange import Mapping as ColumnNames
from services.employee.domain.model import EducationLevel, Employee

RECORD = "record"
RANK = "rank"
PLACEMENT = "placement"
EDUCATION = "education"
# Plain fields: SIASN's value replaces ours by the record's correction (model.REVISABLE) or its own command.
PLAIN_FIELDS = (
    "name",
    "front_title",
    "back_title",
    "birth_date",
    "birth_place",
    "gender",
    "nik",
    "employment_type",
    "status",
    "tmt_cpns",
    "tmt_pns",
)
FIELDS = (*PLAIN_FIELDS, RANK, PLACEMENT, EDUCATION)
# Compared case- and space-insensitively: SIASN often writes names in capitals.
_FOLDED = frozenset({"name", "front_title", "back_title", "birth_place"})
# The parts of a compound value that are compared; the rest (a decree) rides along.
_COMPARED_PARTS: dict[str, tuple[str, ...]] = {
    RANK: ("code", "tmt"),
    PLACEMENT: ("siasn_unor_id", "siasn_jabatan_id"),
    EDUCATION: ("level", "graduation_year"),
}

# SIASN's tingkat pendidikan codes (tkPendidikanId) as our education levels. SIASN.md does not list them: this
# table follows BKN's reference list as SAPK published it, and is the one place to correct it.
TINGKAT_PENDIDIKAN: dict[str, EducationLevel] = {
    "05": EducationLevel.SD,
    "10": EducationLevel.SMP,
    "12": EducationLevel.SMP,
    "15": EducationLevel.SMA,
    "17": EducationLevel.SMA,
    "18": EducationLevel.SMA,
    "20": EducationLevel.D1,
    "25": EducationLevel.D2,
    "30": EducationLevel.D3,
    "35": EducationLevel.D4,
    "40": EducationLevel.S1,
    "45": EducationLevel.S2,
    "50": EducationLevel.S3,
}
_LEVEL_ORDER = {level: rank for rank, level in enumerate(EducationLevel)}


class DifferenceState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RESOLVED = "resolved"


class Decision(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


@dataclass(frozen=True)
class SiasnPerson:
    """What a pull fetched of one person: data-utama and the riwayat lists by kind."""

    nip: str
    data_utama: Mapping[str, Any]
    riwayat: Mapping[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class SiasnView:
    """A person as SIASN holds them, in our fields. `agency_ref`, `unor_id`, `jabatan_id`: SIASN's GUIDs of
    the instansi, unit and jabatan, which the service resolves to our records through their SIASN ids.
    `unreadable`: fields whose SIASN value could not be read (they are not compared), with the reason."""

    nip: str
    siasn_id: str | None
    values: dict[str, Any]  # PLAIN_FIELDS and the registration's other fields, as JSON
    rank: dict[str, Any] | None
    placement: dict[str, Any]  # tmt and decree; the SIASN ids; unit_id/position_id once resolved
    education: dict[str, Any] | None
    agency_ref: str | None
    unreadable: dict[str, str] = field(default_factory=dict)

    @property
    def unor_id(self) -> str | None:
        value = self.placement.get("siasn_unor_id")
        return str(value) if value else None

    @property
    def jabatan_id(self) -> str | None:
        value = self.placement.get("siasn_jabatan_id")
        return str(value) if value else None

    def resolved(
        self, *, agency_code: str | None, unit_id: str | None, position_id: str | None
    ) -> "SiasnView":
        """The view with SIASN's instansi, unor and jabatan as our records (None: none of ours holds it)."""
        return replace(
            self,
            values={**self.values, "agency_code": agency_code},
            placement={**self.placement, "unit_id": unit_id, "position_id": position_id},
        )

    def fields(self) -> dict[str, Any]:
        """SIASN's side of each compared field that could be read."""
        found = {name: self.values.get(name) for name in PLAIN_FIELDS if name not in self.unreadable}
        found[RANK] = self.rank
        found[PLACEMENT] = self.placement
        if self.education is not None:
            found[EDUCATION] = self.education
        return found

    def registration(self) -> dict[str, Any]:
        """SIASN's side of a `record` difference: what registering the person takes."""
        return {
            **self.values,
            "nip": self.nip,
            "siasn_id": self.siasn_id,
            "rank": self.rank,
            "placement": self.placement,
            "education": self.education,
        }


@lru_cache(maxsize=64)
def _layout(names: tuple[str, ...]) -> Layout:
    return layout_of(names, ColumnNames.SIASN)


def read_person(person: SiasnPerson) -> SiasnView:
    """SIASN's person in our fields, data-utama read as a SIASN file's row would be."""
    names = tuple(str(name) for name in person.data_utama)
    cells = [_cell(value) for value in person.data_utama.values()]
    layout = _layout(names)
    values, problems = read_row(layout, 1, cells)
    field_of = {name: column.field for column, name in zip(layout.columns, layout.names, strict=True)}
    unreadable = {field_of.get(p.field, p.field): p.message for p in problems if p.field}
    rank = _rank(values, person.riwayat.get("golongan", []))
    placement = _placement(values, person.riwayat.get("jabatan", []))
    plain = {name: _json(values.get(name)) for name in (*PLAIN_FIELDS, "work_location")}
    return SiasnView(
        nip=person.nip,
        siasn_id=values.get("siasn_id"),
        values=plain,
        rank=rank,
        placement=placement,
        education=_education(person.riwayat.get("pendidikan", [])),
        agency_ref=values.get("agency_code"),
        unreadable=unreadable,
    )


def _cell(value: Any) -> Any:
    # data-utama's values are strings but for a few counts (mkTahun); nested values are not columns we read.
    return value if isinstance(value, str | int | float) or value is None else None


def _rank(values: dict[str, Any], golongan: list[dict[str, Any]]) -> dict[str, Any] | None:
    code, tmt = values.get("rank_code"), values.get("rank_tmt")
    if code is None:
        return None
    # The decree: the rw-golongan row of that rank (its latest, if several).
    rows = [row for row in golongan if str(row.get("golongan", "")).strip() == code]
    row = max(rows, key=lambda r: _day(r.get("tmtGolongan")) or date.min, default=None)
    tmt = tmt or (_day(row.get("tmtGolongan")) if row else None)
    return {
        "code": code,
        "tmt": _json(tmt),
        "decree_number": (row or {}).get("skNomor") or None,
        "decree_date": _json(_day((row or {}).get("skTanggal"))),
    }


def _placement(values: dict[str, Any], jabatan: list[dict[str, Any]]) -> dict[str, Any]:
    unor, position = values.get("unit_id"), values.get("position_id")
    latest = max(jabatan, key=lambda r: _day(r.get("tmtJabatan")) or date.min, default=None)
    tmt = values.get("position_tmt") or (_day(latest.get("tmtJabatan")) if latest else None)
    return {
        "siasn_unor_id": unor.upper() if unor else None,
        "siasn_jabatan_id": position.upper() if position else None,
        "unit_id": None,
        "position_id": None,
        "tmt": _json(tmt),
        "decree_number": (latest or {}).get("nomorSk") or None,
        "decree_date": _json(_day((latest or {}).get("tanggalSk"))),
    }


def _education(pendidikan: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The highest education SIASN knows (of a level we know), the latest of that level."""
    known = [
        (TINGKAT_PENDIDIKAN[str(row.get("tkPendidikanId", "")).strip()], row)
        for row in pendidikan
        if str(row.get("tkPendidikanId", "")).strip() in TINGKAT_PENDIDIKAN
    ]
    if not known:
        return None
    level, row = max(known, key=lambda item: (_LEVEL_ORDER[item[0]], _year(item[1].get("tahunLulus")) or 0))
    return {
        "level": level.value,
        "graduation_year": _year(row.get("tahunLulus")),
        "institution": str(row.get("namaSekolah") or "").strip() or None,
        "major": str(row.get("pendidikanNama") or "").strip() or None,
    }


def _day(value: Any) -> date | None:
    text = str(value or "").strip()
    if not text or text == SIASN_EMPTY_DATE:
        return None
    try:
        return datetime.strptime(text, "%d-%m-%Y").date()
    except ValueError:
        return None


def _year(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) == 4 else None


def _json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, str | int | float):  # a Nip or an enum
        return str(value.value)
    return value


def ours_of(
    employee: Employee, *, unit_siasn_id: str | None, position_siasn_id: str | None
) -> dict[str, Any]:
    """Our record's side of each compared field; the unit's and position's SIASN ids stand for them."""
    values: dict[str, Any] = {
        "name": employee.name,
        "front_title": employee.front_title,
        "back_title": employee.back_title,
        "birth_date": employee.birth_date.isoformat(),
        "birth_place": employee.birth_place,
        "gender": employee.gender,
        "nik": employee.nik,
        "employment_type": employee.employment_type.value,
        "status": employee.status.value,
        "tmt_cpns": _json(employee.tmt_cpns),
        "tmt_pns": _json(employee.tmt_pns),
    }
    rank = employee.rank
    values[RANK] = {"code": rank.code, "tmt": rank.tmt.isoformat()} if rank else None
    placement = employee.placement
    values[PLACEMENT] = {
        "siasn_unor_id": unit_siasn_id,
        "siasn_jabatan_id": position_siasn_id,
        "unit_id": placement.unit_id,
        "position_id": placement.position_id,
    }
    highest = max(employee.education, key=lambda e: (_LEVEL_ORDER[e.level], e.graduation_year), default=None)
    values[EDUCATION] = (
        {"level": highest.level.value, "graduation_year": highest.graduation_year} if highest else None
    )
    return values


def same(name: str, ours: Any, theirs: Any) -> bool:
    """Whether our value and SIASN's agree for field `name`."""
    if name == PLACEMENT:
        return _same_placement(ours or {}, theirs or {})
    if name in _COMPARED_PARTS:
        return compared_part(name, ours) == compared_part(name, theirs)
    if name in _FOLDED:
        return _folded(ours) == _folded(theirs)
    return _blank_as_none(ours) == _blank_as_none(theirs)


def _same_placement(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    # A SIASN unor (jabatan) none of our units (positions) is linked to cannot be told apart from ours when
    # ours is not linked either: link them on the SIASN page and the next pull compares them.
    for siasn_key, our_key in (("siasn_unor_id", "unit_id"), ("siasn_jabatan_id", "position_id")):
        mine, its = ours.get(siasn_key), theirs.get(siasn_key)
        if mine == its:
            continue
        if mine is None and theirs.get(our_key) is None:
            continue
        return False
    return True


def compared_part(name: str, value: Any) -> Any:
    """The part of a value that is compared (a compound field's compared keys; else the value)."""
    parts = _COMPARED_PARTS.get(name)
    if parts is None or not isinstance(value, dict):
        return value
    return {key: value.get(key) for key in parts}


def _folded(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return " ".join(value.split()).casefold() or None


def _blank_as_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def compare(ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields SIASN's side names on which the two disagree: field -> (ours, theirs)."""
    return {
        name: (ours.get(name), value)
        for name, value in theirs.items()
        if name in ours and not same(name, ours.get(name), value)
    }


# --- the queue ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedDifference:
    """A row of the reconciliation queue as the pull sees it."""

    field: str
    ours: Any
    theirs: Any
    state: DifferenceState
    since: datetime


@dataclass(frozen=True)
class QueueChange:
    """What a pull does to one (person, field) row: `state`, `ours`, `theirs`, and whether `since` restarts
    (a new difference) and the decision is cleared (reopened)."""

    field: str
    state: DifferenceState
    ours: Any
    theirs: Any
    since: datetime | None  # None: kept
    reopened: bool = False


def queue_changes(
    queued: Mapping[str, QueuedDifference],
    found: Mapping[str, tuple[Any, Any]],
    compared: Iterable[str],
    now: datetime,
) -> list[QueueChange]:
    """The queue's changes for one person after a comparison. `found`: the fields that differ, `compared`:
    every field compared (one not found among them agrees now).

    A new difference opens (since now); one still open keeps its `since`; a rejected one stays rejected
    while SIASN holds the same value, and reopens when SIASN's value changes; an accepted or resolved one
    that differs again reopens. An open or rejected difference that agrees now is resolved; an accepted one
    keeps its decision."""
    changes: list[QueueChange] = []
    for name, (ours, theirs) in found.items():
        row = queued.get(name)
        if row is None:
            changes.append(QueueChange(name, DifferenceState.OPEN, ours, theirs, since=now))
        elif row.state is DifferenceState.OPEN:
            changes.append(QueueChange(name, DifferenceState.OPEN, ours, theirs, since=None))
        elif row.state is DifferenceState.REJECTED and compared_part(name, row.theirs) == compared_part(
            name, theirs
        ):
            changes.append(QueueChange(name, DifferenceState.REJECTED, ours, theirs, since=None))
        else:
            changes.append(QueueChange(name, DifferenceState.OPEN, ours, theirs, since=now, reopened=True))
    for name in compared:
        row = queued.get(name)
        if name in found or row is None:
            continue
        if row.state in (DifferenceState.OPEN, DifferenceState.REJECTED):
            changes.append(QueueChange(name, DifferenceState.RESOLVED, row.ours, row.theirs, since=None))
    return changes
