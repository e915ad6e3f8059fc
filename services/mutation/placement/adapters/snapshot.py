"""A round's data read from the mutation service's read models (organisation, ABK, employees, competencies,
predicates, relatives, bonds and proposals in flight), assembled by `domain/snapshot.py` into the engine's
arrays (which says what becomes what), and packed for storage."""

import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters.tables import (
    agencies,
    appraisal_predicates,
    competencies,
    employees,
    positions,
    proposals,
    relatives,
    service_bonds,
    talent_boxes,
    units,
)
from services.mutation.domain.eligibility import Policy
from services.mutation.domain.workflow import IN_FLIGHT, OPEN_STATES
from services.mutation.placement.domain.instance import (
    Candidates,
    Locations,
    PlacementInstance,
    Positions,
    Units,
)
from services.mutation.placement.domain.pairs import EligibilityRules
from services.mutation.placement.domain.rounds import ScopeKind
from services.mutation.placement.domain.snapshot import (
    PeopleRows,
    RoundSpec,
    ScopeRows,
    Snapshot,
    assemble,
    candidates,
    staffing,
)
from shared.errors import NotFound

CHUNK = 1000  # NIPs per IN (...) query


async def _rows(connection: AsyncConnection, statement: Any) -> list[Mapping[Any, Any]]:
    return [row._mapping for row in await connection.execute(statement)]


async def _by_nips(connection: AsyncConnection, table: Any, nips: Sequence[str]) -> list[Mapping[Any, Any]]:
    found: list[Mapping[Any, Any]] = []
    for low in range(0, len(nips), CHUNK):
        found += await _rows(connection, select(table).where(table.c.nip.in_(nips[low : low + CHUNK])))
    return found


async def scope_agencies(connection: AsyncConnection, kind: ScopeKind, code: str) -> list[str]:
    if kind is ScopeKind.AGENCY:
        found = await connection.scalar(select(agencies.c.code).where(agencies.c.code == code))
        if found is None:
            raise NotFound(f"the mutation service knows no agency {code}")
        return [code]
    codes = list(
        await connection.scalars(
            select(agencies.c.code).where(or_(agencies.c.province_code == code, agencies.c.code == code))
        )
    )
    if not codes:
        raise NotFound(f"the mutation service knows no agency of province {code}")
    return sorted(codes)


async def read_snapshot(
    connection: AsyncConnection,
    spec: RoundSpec,
    *,
    on: date,
    policies: Mapping[str, Policy],
    scope_policy: Policy,
) -> Snapshot:
    """The round's data as the read models hold it now. `policies` maps each agency of the scope to its
    policy in force (the person-level rules use the candidate's agency's)."""
    scope = await _scope_rows(connection, spec)
    staffed = staffing(scope)
    pool, members = candidates(spec, scope, staffed, on)
    people = await _people_rows(connection, [m.nip for m in members])
    return assemble(
        spec, scope, staffed, pool, members, people, on=on, policies=policies, scope_policy=scope_policy
    )


async def _scope_rows(connection: AsyncConnection, spec: RoundSpec) -> ScopeRows:
    codes = await scope_agencies(connection, spec.scope_kind, spec.scope_code)
    unit_rows = await _rows(
        connection, select(units).where(units.c.agency_code.in_(codes)).order_by(units.c.unit_id)
    )
    position_rows = await _rows(
        connection,
        select(positions).where(positions.c.agency_code.in_(codes)).order_by(positions.c.position_id),
    )
    employee_rows = await _rows(
        connection, select(employees).where(employees.c.agency_code.in_(codes)).order_by(employees.c.nip)
    )
    incoming: dict[str, int] = dict(
        (
            await connection.execute(
                select(proposals.c.target_position_id, func.count())
                .where(proposals.c.state.in_([s.value for s in IN_FLIGHT]))
                .group_by(proposals.c.target_position_id)
            )
        ).all()
    )
    busy = set(
        await connection.scalars(
            select(proposals.c.nip).where(proposals.c.state.in_([s.value for s in OPEN_STATES])).distinct()
        )
    )
    boxes = {
        row["nip"]: row for row in await _by_nips(connection, talent_boxes, [e["nip"] for e in employee_rows])
    }
    return ScopeRows(codes, unit_rows, position_rows, employee_rows, incoming, busy, boxes)


async def _people_rows(connection: AsyncConnection, nips: Sequence[str]) -> PeopleRows:
    levels: dict[str, dict[str, int]] = defaultdict(dict)
    for row in await _by_nips(connection, competencies, nips):
        levels[row["nip"]][row["competency"]] = int(row["level"])
    predicates: dict[str, dict[int, str]] = defaultdict(dict)
    for row in await _by_nips(connection, appraisal_predicates, nips):
        predicates[row["nip"]][int(row["year"])] = row["predicate"]
    bonds = {row["nip"]: row["until"] for row in await _by_nips(connection, service_bonds, nips)}
    ties: dict[str, set[str]] = defaultdict(set)
    for low in range(0, len(nips), CHUNK):
        chunk = nips[low : low + CHUNK]
        for row in await _rows(
            connection,
            select(relatives).where(or_(relatives.c.nip.in_(chunk), relatives.c.relative_nip.in_(chunk))),
        ):
            ties[row["nip"]].add(row["relative_nip"])
            ties[row["relative_nip"]].add(row["nip"])
    return PeopleRows(levels, predicates, bonds, ties)


_ARRAYS = {
    "locations": ("latitude", "longitude"),
    "units": ("need", "present", "location", "agency", "release_limit", "intake_limit"),
    "positions": ("unit", "seats", "job_family", "job_class", "min_rank", "standard"),
    "candidates": (
        "unit",
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
    ),
}


def pack(instance: PlacementInstance) -> bytes:
    arrays = {
        f"{part}.{name}": getattr(getattr(instance, part), name)
        for part, names in _ARRAYS.items()
        for name in names
    }
    buffer = io.BytesIO()
    np.savez_compressed(buffer, forbidden=instance.forbidden, **arrays)
    return buffer.getvalue()


def unpack(data: bytes) -> PlacementInstance:
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:
        part = {
            name: {field: stored[f"{name}.{field}"] for field in fields} for name, fields in _ARRAYS.items()
        }
        return PlacementInstance(
            locations=Locations(**part["locations"]),
            units=Units(**part["units"]),
            positions=Positions(**part["positions"]),
            candidates=Candidates(**part["candidates"]),
            forbidden=stored["forbidden"],
        )


def rules_of(summary: Mapping[str, Any]) -> EligibilityRules:
    rules = summary["rules"]
    return EligibilityRules(
        job_class_below=int(rules["job_class_below"]),
        job_class_above=int(rules["job_class_above"]),
        min_job_person_match=float(rules["min_job_person_match"]),
    )
