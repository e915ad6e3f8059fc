"""The organisation employees work in: agencies (instansi), each with a tree of units (unit kerja), and the
positions (jabatan) in those units. Pure Python: no I/O, no framework.

Rules that need other records (the province of a kabupaten, a parent unit, the agency's unit tree) take
them as arguments; the service layer looks them up.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from services.employee.domain import competencies
from services.employee.domain.model import EducationLevel
from services.employee.domain.ranks import rank_by_code
from shared.errors import FieldProblem, InvalidInput


class AgencyKind(StrEnum):
    CENTRAL = "central"
    PROVINCE = "province"
    KABUPATEN = "kabupaten"
    KOTA = "kota"


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    kind: AgencyKind
    # The province agency it belongs to; a province's is its own code, so one filter on it finds a
    # province together with all its kabupaten and kota. Central agencies belong to no province.
    province_code: str | None
    version: int = 1


class UnitKind(StrEnum):
    SEKRETARIAT = "sekretariat"
    INSPEKTORAT = "inspektorat"
    DINAS = "dinas"
    BADAN = "badan"
    KANTOR = "kantor"
    BIRO = "biro"
    DIREKTORAT = "direktorat"
    PUSAT = "pusat"
    BAGIAN = "bagian"
    BIDANG = "bidang"
    SUBBAGIAN = "subbagian"
    SEKSI = "seksi"
    UPT = "upt"
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"


@dataclass(frozen=True)
class Unit:
    id: UUID
    agency_code: str
    parent_id: UUID | None
    name: str
    kind: UnitKind
    location: str | None = None
    head_position_id: UUID | None = None
    version: int = 1


class PositionType(StrEnum):
    JPT = "jpt"  # jabatan pimpinan tinggi, the structural top
    ADMINISTRATOR = "administrator"
    PENGAWAS = "pengawas"
    FUNGSIONAL = "fungsional"
    PELAKSANA = "pelaksana"


JOB_CLASSES = range(1, 18)  # kelas jabatan 1-17
# BUP (batas usia pensiun): 58, 60 for JPT (DOMAIN.md); a position may set its own, as some functional
# positions retire at 60 or 65 and a professor (guru besar) at 70.
DEFAULT_RETIREMENT_AGE = 58
RETIREMENT_AGE_BY_TYPE: Mapping[PositionType, int] = {PositionType.JPT: 60}
RETIREMENT_AGES = range(DEFAULT_RETIREMENT_AGE, 71)


@dataclass(frozen=True)
class Position:
    id: UUID
    unit_id: UUID
    agency_code: str
    name: str
    type: PositionType
    job_class: int
    authorised_headcount: int  # formasi
    # Required level (1-5) per competency name: managerial, socio-cultural and the agency's technical ones.
    competency_standard: Mapping[str, int] = field(default_factory=dict)
    minimum_rank: str | None = None
    minimum_education: EducationLevel | None = None
    custom_retirement_age: int | None = None
    version: int = 1

    @property
    def retirement_age(self) -> int:
        if self.custom_retirement_age is not None:
            return self.custom_retirement_age
        return RETIREMENT_AGE_BY_TYPE.get(self.type, DEFAULT_RETIREMENT_AGE)


def define_agency(
    *, code: str, name: str, kind: AgencyKind, province_code: str | None, province: Agency | None
) -> Agency:
    """A new agency; `province` is the agency `province_code` names, if there is one."""
    if kind is AgencyKind.PROVINCE and province_code is None:
        province_code = code
    agency = Agency(code=code, name=name, kind=kind, province_code=province_code)
    _raise_if_any(_agency_problems(agency, province))
    return agency


def revise_agency(agency: Agency, changes: Mapping[str, Any], *, province: Agency | None) -> Agency:
    revised = replace(agency, **changes, version=agency.version + 1)
    _raise_if_any(_agency_problems(revised, province))
    return revised


def _agency_problems(agency: Agency, province: Agency | None) -> list[FieldProblem]:
    def problem(message: str) -> list[FieldProblem]:
        return [_problem("province_code", message, agency.province_code)]

    if agency.kind is AgencyKind.CENTRAL:
        return problem("a central agency belongs to no province") if agency.province_code else []
    if agency.kind is AgencyKind.PROVINCE:
        return [] if agency.province_code == agency.code else problem("a province belongs to itself")
    if agency.province_code is None:
        return problem("a kabupaten or kota names the province it belongs to")
    if province is None or province.kind is not AgencyKind.PROVINCE:
        return problem(f"there is no province agency {agency.province_code}")
    return []


def define_unit(
    *,
    agency: Agency | None,
    agency_code: str,
    parent_id: UUID | None,
    name: str,
    kind: UnitKind,
    location: str | None,
    parent: Unit | None,
) -> Unit:
    """A new unit of an agency; `agency` and `parent` are what `agency_code` and `parent_id` name, if
    there are such."""
    if agency is None:
        raise InvalidInput(
            f"there is no agency {agency_code}",
            errors=[_problem("agency_code", "there is no such agency", agency_code)],
        )
    unit = Unit(
        id=uuid4(), agency_code=agency_code, parent_id=parent_id, name=name, kind=kind, location=location
    )
    _raise_if_any(_parent_problems(unit, parent, tree={}))
    return unit


def revise_unit(
    unit: Unit,
    changes: Mapping[str, Any],
    *,
    parent: Unit | None,
    tree: Mapping[UUID, UUID | None],
    head: Position | None,
) -> Unit:
    """`parent` and `head` are the unit and position the revised unit names; `tree` maps every unit of the
    agency to its parent, as it is now."""
    revised = replace(unit, **changes, version=unit.version + 1)
    problems = _parent_problems(revised, parent, tree)
    if revised.head_position_id is not None and (head is None or head.unit_id != revised.id):
        problems.append(
            _problem(
                "head_position_id",
                "the head of a unit holds a position of that unit",
                str(revised.head_position_id),
            )
        )
    _raise_if_any(problems)
    return revised


def appoint_head(unit: Unit, head: Position) -> Unit:
    """The unit headed by `head`, which must be one of the unit's own positions."""
    if head.unit_id != unit.id:
        raise InvalidInput(
            "the head of a unit holds a position of that unit",
            errors=[_problem("head_position_id", "a position of another unit", str(head.id))],
        )
    return replace(unit, head_position_id=head.id, version=unit.version + 1)


def _parent_problems(unit: Unit, parent: Unit | None, tree: Mapping[UUID, UUID | None]) -> list[FieldProblem]:
    if unit.parent_id is None:
        return []

    def problem(message: str) -> list[FieldProblem]:
        return [_problem("parent_id", message, str(unit.parent_id))]

    if parent is None:
        return problem("there is no such unit")
    if parent.agency_code != unit.agency_code:
        return problem(f"the parent unit belongs to another agency ({parent.agency_code})")
    if unit.id in lineage(parent.id, tree):
        return problem("a unit cannot sit below itself or one of its own sub-units")
    return []


def lineage(unit_id: UUID, tree: Mapping[UUID, UUID | None]) -> Iterator[UUID]:
    """The unit, its parent, its parent's parent, ... up to the top of its tree."""
    current: UUID | None = unit_id
    while current is not None:
        yield current
        current = tree.get(current)


def define_position(
    *,
    unit: Unit | None,
    unit_id: UUID,
    name: str,
    type: PositionType,
    job_class: int,
    authorised_headcount: int,
    competency_standard: Mapping[str, int],
    minimum_rank: str | None,
    minimum_education: EducationLevel | None,
    retirement_age: int | None,
) -> Position:
    """A new position in `unit` (the unit `unit_id` names, if there is one); `retirement_age` None means
    the default of the position type."""
    if unit is None:
        raise InvalidInput(
            f"there is no unit {unit_id}",
            errors=[_problem("unit_id", "there is no such unit", str(unit_id))],
        )
    position = Position(
        id=uuid4(),
        unit_id=unit.id,
        agency_code=unit.agency_code,
        name=name,
        type=type,
        job_class=job_class,
        authorised_headcount=authorised_headcount,
        competency_standard=competency_standard,
        minimum_rank=minimum_rank,
        minimum_education=minimum_education,
        custom_retirement_age=retirement_age,
    )
    return _checked(position)


def revise_position(position: Position, changes: Mapping[str, Any]) -> Position:
    """`changes` name fields as `define_position` does (`retirement_age` None: back to the type's default)."""
    fields = dict(changes)
    if "retirement_age" in fields:
        fields["custom_retirement_age"] = fields.pop("retirement_age")
    return _checked(replace(position, **fields, version=position.version + 1))


def _checked(position: Position) -> Position:
    """The position with its competency names in the regulation's spelling, if all its rules hold."""
    standard, problems = _standard(position.competency_standard)
    if position.job_class not in JOB_CLASSES:
        problems.append(_problem("job_class", "kelas jabatan runs from 1 to 17", position.job_class))
    if position.authorised_headcount < 0:
        problems.append(_problem("authorised_headcount", "cannot be negative", position.authorised_headcount))
    if position.minimum_rank is not None and rank_by_code(position.minimum_rank) is None:
        problems.append(
            _problem("minimum_rank", "unknown rank; ranks run from I/a to IV/e", position.minimum_rank)
        )
    age = position.custom_retirement_age
    if age is not None and age not in RETIREMENT_AGES:
        problems.append(
            _problem("retirement_age", f"BUP runs from {RETIREMENT_AGES.start} to {RETIREMENT_AGES[-1]}", age)
        )
    _raise_if_any(problems)
    return replace(position, competency_standard=standard)


def _standard(requested: Mapping[str, int]) -> tuple[dict[str, int], list[FieldProblem]]:
    standard: dict[str, int] = {}
    problems: list[FieldProblem] = []
    for name, level in requested.items():
        canonical = competencies.canonical_name(name)
        where = f"competency_standard.{name}"
        if not canonical:
            problems.append(_problem(where, "a competency needs a name", name))
        elif canonical in standard:
            problems.append(_problem(where, f"{canonical} is named twice", name))
        elif level not in competencies.LEVELS:
            problems.append(_problem(where, "required levels run from 1 to 5", level))
        standard[canonical] = level
    return standard, problems


def _problem(field: str, message: str, value: Any) -> FieldProblem:
    return FieldProblem(field=field, message=message, value=value)


def _raise_if_any(problems: list[FieldProblem]) -> None:
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), errors=problems)


def unchanged(revised: Agency | Unit | Position, current: Agency | Unit | Position) -> bool:
    """A revision that changes nothing but the version: it is not saved, and announces nothing."""
    return replace(revised, version=current.version) == current


@dataclass(frozen=True)
class ReferenceProblem:
    """What does not hold in a reference of a record to the organisation. `agency_code` is the agency the
    referenced record belongs to when that is the problem, so the caller can tell a mismatch from a
    reference outside the requester's scope."""

    field: str
    message: str
    unknown: bool = False
    agency_code: str | None = None


def placement_problems(
    agency_code: str,
    unit_id: str | None,
    position_id: str | None,
    *,
    agency: Agency | None,
    unit: Unit | None,
    position: Position | None,
) -> list[ReferenceProblem]:
    """A placement's references, as looked up: the agency exists, the unit is one of the agency's and the
    position one of the unit's (of the agency's, when no unit is named)."""
    problems = []
    if agency is None:
        problems.append(ReferenceProblem("agency_code", f"no agency {agency_code}", unknown=True))
    if unit_id is not None:
        if unit is None:
            problems.append(ReferenceProblem("unit_id", f"no unit {unit_id}", unknown=True))
        elif unit.agency_code != agency_code:
            message = f"unit {unit.id} is of agency {unit.agency_code}, not {agency_code}"
            problems.append(ReferenceProblem("unit_id", message, agency_code=unit.agency_code))
    if position_id is not None:
        if position is None:
            problems.append(ReferenceProblem("position_id", f"no position {position_id}", unknown=True))
        elif position.agency_code != agency_code:
            message = f"position {position.id} is of agency {position.agency_code}, not {agency_code}"
            problems.append(ReferenceProblem("position_id", message, agency_code=position.agency_code))
        elif unit is not None and position.unit_id != unit.id:
            message = f"position {position.id} is of unit {position.unit_id}, not {unit.id}"
            problems.append(ReferenceProblem("position_id", message))
    return problems
