"""Use cases of placement rounds: define a round (scope, pool, weights, unit limits), read and list them,
and change their definition. Solving and everything done with plans is in `plans`."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters.tables import units
from services.mutation.placement.adapters import repository
from services.mutation.placement.adapters.snapshot import scope_agencies
from services.mutation.placement.domain.rounds import (
    PoolRule,
    RoundState,
    ScopeKind,
    UnitCaps,
    edit_allowed,
    pool_as_json,
    pool_of_json,
    unit_caps_as_json,
    unit_caps_of_json,
)
from services.mutation.placement.domain.scoring import Weights
from services.mutation.service.common import now
from shared.auth import Principal, Role
from shared.errors import FieldProblem, InvalidInput, NotFound
from shared.uow import UnitOfWork

PLANNERS = (Role.HR_OFFICER, Role.APPROVER, Role.ADMIN)


@dataclass(frozen=True)
class RoundDraft:
    name: str
    scope_kind: ScopeKind
    scope_code: str
    pool: tuple[PoolRule, ...]
    weights: Weights
    reason: str | None = None
    release_limit: int | None = None
    intake_limit: int | None = None
    unit_limits: tuple[UnitCaps, ...] = ()


def authorise(principal: Principal, scope_kind: str, scope_code: str, *roles: Role) -> None:
    """Agency rounds belong to that agency's HR and approvers; a province-wide round, moving people between
    the province's agencies, to the provincial administration."""
    if ScopeKind(scope_kind) is ScopeKind.PROVINCE:
        principal.require_role(Role.ADMIN)
    else:
        principal.require_role(*(roles or PLANNERS))
    principal.require_agency(scope_code)


async def create_round(uow: UnitOfWork, principal: Principal, draft: RoundDraft) -> Mapping[str, Any]:
    authorise(principal, draft.scope_kind, draft.scope_code)
    await _check_units(uow.connection, draft.scope_kind, draft.scope_code, draft.unit_limits)
    at, round_id = now(), uuid4()
    await repository.add_round(
        uow.connection,
        {
            "id": round_id,
            "name": draft.name,
            "scope_kind": draft.scope_kind.value,
            "scope_code": draft.scope_code,
            "reason": draft.reason,
            "pool": pool_as_json(draft.pool),
            "weights": draft.weights.as_dict(),
            "release_limit": draft.release_limit,
            "intake_limit": draft.intake_limit,
            "unit_limits": unit_caps_as_json(draft.unit_limits),
            "state": RoundState.DRAFT.value,
            "created_by": principal.subject,
            "created_at": at,
            "updated_at": at,
            "version": 1,
        },
    )
    await uow.commit()
    return await read_round(uow.connection, principal, round_id)


async def read_round(connection: AsyncConnection, principal: Principal, round_id: UUID) -> Mapping[str, Any]:
    found = await repository.get_round(connection, round_id)
    if found is None or not _may_see(principal, found):
        raise NotFound(f"no placement round {round_id}")
    return found


def _may_see(principal: Principal, row: Mapping[str, Any]) -> bool:
    if not principal.is_staff:
        return False
    if row["scope_kind"] == ScopeKind.PROVINCE.value and principal.agency_filter() is not None:
        # A province-wide round is the province administration's (its scope code is the province's agency).
        return principal.has_role(Role.ADMIN) and principal.covers_agency(row["scope_code"])
    return principal.covers_agency(row["scope_code"])


async def list_rounds(
    connection: AsyncConnection, principal: Principal, after: tuple[datetime, UUID] | None, limit: int
) -> list[Mapping[str, Any]]:
    if not principal.is_staff:
        return []
    return await repository.list_rounds(
        connection,
        principal.agency_filter(),
        after,
        limit,
        province_rounds=principal.agency_filter() is None or principal.has_role(Role.ADMIN),
    )


async def change_round(
    uow: UnitOfWork, principal: Principal, round_id: UUID, expected_version: int, changes: Mapping[str, Any]
) -> Mapping[str, Any]:
    """Change the name, reason, pool, weights or limits; plans already made keep what they were made with."""
    found = await read_round(uow.connection, principal, round_id)
    authorise(principal, found["scope_kind"], found["scope_code"])
    edit_allowed(RoundState(found["state"]))
    values: dict[str, Any] = {"updated_at": now()}
    for name in ("name", "reason", "release_limit", "intake_limit"):
        if name in changes:
            values[name] = changes[name]
    if "pool" in changes:
        values["pool"] = pool_as_json(changes["pool"])
    if "weights" in changes:
        values["weights"] = Weights(**found["weights"]).replace(changes["weights"]).as_dict()
    if "unit_limits" in changes:
        caps = tuple(changes["unit_limits"] or ())
        await _check_units(uow.connection, ScopeKind(found["scope_kind"]), found["scope_code"], caps)
        values["unit_limits"] = unit_caps_as_json(caps)
    await repository.update_round(uow.connection, round_id, expected_version, values)
    await uow.commit()
    return await read_round(uow.connection, principal, round_id)


def pool_rules(row: Mapping[str, Any]) -> tuple[PoolRule, ...]:
    return pool_of_json(row["pool"])


def unit_limits(row: Mapping[str, Any]) -> tuple[UnitCaps, ...]:
    return unit_caps_of_json(row["unit_limits"])


async def _check_units(
    connection: AsyncConnection, scope_kind: ScopeKind, scope_code: str, caps: tuple[UnitCaps, ...]
) -> None:
    """Every unit given limits of its own is a unit of the round's scope."""
    if not caps:
        return
    codes = await scope_agencies(connection, scope_kind, scope_code)
    wanted = {c.unit_id for c in caps}
    known = set(
        await connection.scalars(
            select(units.c.unit_id).where(units.c.unit_id.in_(wanted), units.c.agency_code.in_(codes))
        )
    )
    errors = [
        FieldProblem(field=f"unit_limits.{i}.unit_id", message=f"no unit {c.unit_id} in the round's scope")
        for i, c in enumerate(caps)
        if c.unit_id not in known
    ]
    if errors:
        raise InvalidInput("some units given limits are not in the round's scope", errors=errors)
