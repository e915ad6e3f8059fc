"""Role grants: what an administrator may grant, whose accounts they may manage, and the principal that a
holder's grants (a user's or an agency client's) make."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from services.gateway.adapters import repository as repo
from services.gateway.adapters.repository import StoredGrant
from services.gateway.adapters.tables import outbox
from services.gateway.domain.grants import Grant, ScopeKind, grant_problem, reach, resolve, within
from shared.db import Database
from shared.errors import Forbidden, NotFound
from shared.principal import Principal, Role
from shared.references import References
from shared.uow import UnitOfWork


class Grants:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def grant(self, holder: str, grant: Grant, by: Principal | None = None) -> StoredGrant:
        async with UnitOfWork(self.db, outbox) as uow:
            await administered(uow.connection, holder, by)
            await check_grants(uow.connection, [(grant, "scope_kind", "scope_code")], by)
            stored = await add_grant(uow.connection, holder, grant, by)
            await uow.commit()
        return stored

    async def revoke_grant(self, holder: str, grant_id: uuid.UUID, by: Principal | None = None) -> None:
        async with UnitOfWork(self.db, outbox) as uow:
            await administered(uow.connection, holder, by)
            current = {g.id for g in (await repo.grants_of(uow.connection, [holder])).get(holder, [])}
            if grant_id not in current:
                raise NotFound(f"{holder} holds no grant {grant_id}")
            await repo.remove_grant(uow.connection, holder, grant_id)
            await uow.commit()

    async def grants_of(self, holders: Iterable[str]) -> dict[str, list[StoredGrant]]:
        async with self.db.connect() as connection:
            return await repo.grants_of(connection, list(holders))


async def check_grants(
    connection: AsyncConnection, grants: Sequence[tuple[Grant, str, str]], by: Principal | None
) -> None:
    """Refuses, before anything changes, every grant (given with the fields that name its scope kind and its
    code) whose role cannot be held in its scope, whose agency or province the gateway does not know, or
    which reaches beyond the scope of the administrator `by` (None: the platform itself)."""
    if by is not None:
        by.require_role(Role.ADMIN)
    references = References(by)
    provinces = await repo.provinces(connection)
    named = [g.scope_code for g, _, _ in grants if g.scope_kind is ScopeKind.AGENCY and g.scope_code]
    known = await repo.known_agencies(connection, named)
    for grant, kind_field, code_field in grants:
        problem = grant_problem(grant)
        if problem:
            references.mismatch(kind_field, problem)
            continue
        # The platform (the CLI, the demo seed) may name agencies whose definition is still on its way to
        # the gateway; people's requests name only agencies it knows.
        if by is not None:
            if grant.scope_kind is ScopeKind.AGENCY and grant.scope_code not in known:
                references.unknown(code_field, "agency", grant.scope_code)
            if grant.scope_kind is ScopeKind.PROVINCE and grant.scope_code not in provinces:
                references.unknown(code_field, "province", grant.scope_code)
        covered = reach(grant, provinces)
        if covered is None:
            references.everywhere_in_scope(kind_field)
            continue
        for code in sorted(covered):
            if not references.in_scope(code_field, code):
                break
    references.settle()


async def administered(connection: AsyncConnection, holder: str, by: Principal | None) -> RowMapping:
    """The account of `holder`, which the administrator `by` (None: the platform itself) may manage: an
    administrator manages only accounts whose every grant lies within their own scope, and agency systems
    of their own agencies."""
    kind, name = holder.split(":", 1)
    row = await (repo.get_user if kind == "user" else repo.get_client)(connection, name)
    if row is None:
        raise NotFound(f"no {kind} {name}")
    if by is None:
        return row
    by.require_role(Role.ADMIN)
    provinces = await repo.provinces(connection)
    held = (await repo.grants_of(connection, [holder])).get(holder, [])
    beyond = [g.grant.label for g in held if not within(g.grant, by.agencies, provinces)]
    if kind == "client" and not by.covers_agency(row["agency_code"]):
        beyond.insert(0, f"agency {row['agency_code']}")
    if beyond:
        raise Forbidden(f"{kind} {name} reaches beyond your scope ({', '.join(beyond)})", code="agency-scope")
    return row


async def add_grant(
    connection: AsyncConnection, holder: str, grant: Grant, by: Principal | None
) -> StoredGrant:
    existing = await repo.find_grant(connection, holder, grant)
    if existing is not None:
        return existing
    await repo.add_grant(
        connection,
        {
            "id": uuid.uuid4(),
            "holder": holder,
            "role": grant.role.value,
            "scope_kind": grant.scope_kind.value,
            "scope_code": grant.scope_code,
            "granted_by": by.subject if by else "system",
            "granted_at": datetime.now(UTC),
        },
    )
    found = await repo.find_grant(connection, holder, grant)
    assert found is not None
    return found


async def principal_of(connection: AsyncConnection, holder: str) -> Principal:
    kind, name = holder.split(":", 1)
    found = await repo.grants_of(connection, [holder])
    roles, agencies = resolve((g.grant for g in found.get(holder, [])), await repo.provinces(connection))
    if kind == "user":
        user = await repo.get_user(connection, name)
        if user is None:
            raise NotFound(f"no user {name}")
        return Principal(subject=name, roles=roles, agencies=agencies, nip=user["nip"], name=user["name"])
    client = await repo.get_client(connection, name)
    if client is None:
        raise NotFound(f"no client {name}")
    return Principal(subject=holder, roles=roles, agencies=agencies, name=client["name"])
