"""Use cases of placement rounds: define a round (scope, pool, weights, unit limits), read and list them,
and change their definition. Solving and everything done with plans is in `plans`."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters.repository import FactsReader
from services.mutation.domain.mutation_types import AgencyKind
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
from shared.errors import NotFound
from shared.etag import check_version
from shared.principal import Principal, Role
from shared.references import References
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


def authorise(
    principal: Principal, scope_kind: str, scope_code: str, *roles: Role, field: str | None = None
) -> None:
    """Agency rounds belong to that agency's HR and approvers; a province-wide round, moving people between
    the province's agencies, to the provincial administration. `field` names where a request gave the
    scope."""
    if ScopeKind(scope_kind) is ScopeKind.PROVINCE:
        principal.require_role(Role.ADMIN)
    else:
        principal.require_role(*(roles or PLANNERS))
    principal.require_agency(scope_code, field=field)


async def create_round(uow: UnitOfWork, principal: Principal, draft: RoundDraft) -> Mapping[str, Any]:
    authorise(principal, draft.scope_kind, draft.scope_code, field="scope.code")
    await _check_references(
        uow.connection,
        principal,
        draft.scope_kind,
        draft.scope_code,
        pool=draft.pool,
        caps=draft.unit_limits,
        scope_field="scope.code",
    )
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


async def round_to_change(
    connection: AsyncConnection, principal: Principal, round_id: UUID, *roles: Role
) -> Mapping[str, Any]:
    """The round a write names, refused (403) unless the caller plans for its scope (`roles`: who may,
    where not every planner)."""
    found = await repository.get_round(connection, round_id)
    if found is None:
        raise NotFound(f"no placement round {round_id}")
    authorise(principal, found["scope_kind"], found["scope_code"], *roles)
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
    """Change the name, reason, pool, weights or limits; plans already made keep what they were made with.
    A change that leaves everything as it was writes nothing: the round keeps its version."""
    found = await round_to_change(uow.connection, principal, round_id)
    check_version(found["version"], expected_version, "the placement round")
    edit_allowed(RoundState(found["state"]))
    await _check_references(
        uow.connection,
        principal,
        ScopeKind(found["scope_kind"]),
        found["scope_code"],
        pool=changes.get("pool", ()),
        caps=tuple(changes.get("unit_limits") or ()),
    )
    values: dict[str, Any] = {}
    for name in ("name", "reason", "release_limit", "intake_limit"):
        if name in changes:
            values[name] = changes[name]
    if "pool" in changes:
        values["pool"] = pool_as_json(changes["pool"])
    if "weights" in changes:
        values["weights"] = Weights(**found["weights"]).replace(changes["weights"]).as_dict()
    if "unit_limits" in changes:
        values["unit_limits"] = unit_caps_as_json(changes["unit_limits"] or ())
    if all(found[name] == value for name, value in values.items()):
        return found
    await repository.update_round(uow.connection, round_id, expected_version, {**values, "updated_at": now()})
    await uow.commit()
    return await read_round(uow.connection, principal, round_id)


def pool_rules(row: Mapping[str, Any]) -> tuple[PoolRule, ...]:
    return pool_of_json(row["pool"])


def unit_limits(row: Mapping[str, Any]) -> tuple[UnitCaps, ...]:
    return unit_caps_of_json(row["unit_limits"])


def _named_nips(pool: Sequence[PoolRule]) -> list[tuple[str, str]]:
    """(field, NIP) of every person the pool definitions name, the field as the request gave it."""
    named = []
    for i, rule in enumerate(pool):
        named += [(f"pool.{i}.nips.{j}", nip) for j, nip in enumerate(rule.nips)]
        named += [(f"pool.{i}.requests.{j}.nip", r.nip) for j, r in enumerate(rule.requests)]
    return named


async def _check_references(
    connection: AsyncConnection,
    principal: Principal,
    scope_kind: ScopeKind,
    scope_code: str,
    *,
    pool: Sequence[PoolRule],
    caps: Sequence[UnitCaps],
    scope_field: str | None = None,
) -> None:
    """What a round's definition names, before anything is written: its scope (an agency, or a province's
    government for a province-wide round), the people its pool names and the units given limits of their
    own, each known to the service, of the round's scope and inside the caller's agencies."""
    references = References(principal)
    agency = await FactsReader(connection).agency(scope_code)
    if scope_field is not None:
        if agency is None:
            references.unknown(scope_field, "agency", scope_code)
        elif scope_kind is ScopeKind.PROVINCE and agency.kind is not AgencyKind.PROVINCE:
            references.mismatch(scope_field, f"agency {scope_code} is not a province's government")
    codes = set(await scope_agencies(connection, scope_kind, scope_code)) if agency is not None else set()
    named = _named_nips(pool)
    for what, fields, found in (
        ("employee", named, await repository.employee_agencies(connection, [n for _, n in named])),
        (
            "unit",
            [(f"unit_limits.{i}.unit_id", c.unit_id) for i, c in enumerate(caps)],
            await repository.unit_agencies(connection, [c.unit_id for c in caps]),
        ),
    ):
        for name, key in fields:
            if key not in found:
                references.unknown(name, what, key)
            elif references.in_scope(name, found[key]) and found[key] not in codes:
                references.mismatch(name, f"{what} {key} is not in the round's scope")
    references.settle()
