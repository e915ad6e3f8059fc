"""Reads and writes of the gateway's identity tables and agency read model (SQLAlchemy Core)."""

import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from services.gateway.adapters.tables import agencies, clients, grants, refresh_tokens, users
from services.gateway.domain.grants import Grant, ScopeKind
from shared.db import versioned_upsert
from shared.principal import Role


@dataclass(frozen=True)
class StoredGrant:
    id: uuid.UUID
    holder: str
    grant: Grant
    granted_by: str
    granted_at: datetime


def user_holder(username: str) -> str:
    return f"user:{username}"


def client_holder(client_id: str) -> str:
    return f"client:{client_id}"


async def get_user(connection: AsyncConnection, username: str) -> RowMapping | None:
    return (await connection.execute(select(users).where(users.c.username == username))).mappings().first()


async def get_user_by_external_subject(connection: AsyncConnection, subject: str) -> RowMapping | None:
    query = select(users).where(users.c.external_subject == subject)
    return (await connection.execute(query)).mappings().first()


async def list_users(connection: AsyncConnection, *, after: str | None, limit: int) -> Sequence[RowMapping]:
    query = select(users).order_by(users.c.username).limit(limit)
    if after is not None:
        query = query.where(users.c.username > after)
    return (await connection.execute(query)).mappings().all()


async def add_user(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(insert(users).values(values))


async def change_user(connection: AsyncConnection, username: str, values: dict[str, Any]) -> None:
    await connection.execute(update(users).where(users.c.username == username).values(values))


async def count_failed_login(
    connection: AsyncConnection, username: str, *, now: datetime, threshold: int, lock_until: datetime
) -> bool | None:
    """Count one failed login of an unlocked account in a single statement, so parallel failures are each
    counted; the `threshold`-th locks the account until `lock_until` and starts the count again. True when
    this failure locked it, False when it did not, None when the account was locked already (or is gone)."""
    failures = users.c.failed_logins + 1
    locks = failures >= threshold
    statement = (
        update(users)
        .where(
            users.c.username == username,
            or_(users.c.locked_until.is_(None), users.c.locked_until <= now),
        )
        .values(
            failed_logins=case((locks, 0), else_=failures),
            locked_until=case((locks, lock_until), else_=None),
        )
        .returning(users.c.locked_until)
    )
    row = (await connection.execute(statement)).first()
    return None if row is None else row.locked_until is not None


async def get_client(connection: AsyncConnection, client_id: str) -> RowMapping | None:
    query = select(clients).where(clients.c.client_id == client_id)
    return (await connection.execute(query)).mappings().first()


async def list_clients(connection: AsyncConnection, *, after: str | None, limit: int) -> Sequence[RowMapping]:
    query = select(clients).order_by(clients.c.client_id).limit(limit)
    if after is not None:
        query = query.where(clients.c.client_id > after)
    return (await connection.execute(query)).mappings().all()


async def add_client(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(insert(clients).values(values))


async def change_client(connection: AsyncConnection, client_id: str, values: dict[str, Any]) -> None:
    await connection.execute(update(clients).where(clients.c.client_id == client_id).values(values))


def _stored(row: RowMapping) -> StoredGrant:
    return StoredGrant(
        id=row["id"],
        holder=row["holder"],
        grant=Grant(Role(row["role"]), ScopeKind(row["scope_kind"]), row["scope_code"]),
        granted_by=row["granted_by"],
        granted_at=row["granted_at"],
    )


async def grants_of(connection: AsyncConnection, holders: Sequence[str]) -> dict[str, list[StoredGrant]]:
    if not holders:
        return {}
    query = select(grants).where(grants.c.holder.in_(holders)).order_by(grants.c.granted_at, grants.c.id)
    found: dict[str, list[StoredGrant]] = defaultdict(list)
    for row in (await connection.execute(query)).mappings():
        found[row["holder"]].append(_stored(row))
    return found


async def find_grant(connection: AsyncConnection, holder: str, grant: Grant) -> StoredGrant | None:
    scope_code = grants.c.scope_code
    query = select(grants).where(
        grants.c.holder == holder,
        grants.c.role == grant.role.value,
        grants.c.scope_kind == grant.scope_kind.value,
        scope_code.is_(None) if grant.scope_code is None else scope_code == grant.scope_code,
    )
    row = (await connection.execute(query)).mappings().first()
    return None if row is None else _stored(row)


async def add_grant(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(insert(grants).values(values))


async def remove_grant(connection: AsyncConnection, holder: str, grant_id: uuid.UUID) -> bool:
    result = await connection.execute(
        delete(grants).where(grants.c.holder == holder, grants.c.id == grant_id)
    )
    return bool(result.rowcount)


async def remove_grants_of(connection: AsyncConnection, holder: str) -> None:
    await connection.execute(delete(grants).where(grants.c.holder == holder))


async def provinces(connection: AsyncConnection) -> dict[str, frozenset[str]]:
    """Each province's code -> the codes of its agencies (from the agency read model)."""
    query = select(agencies.c.code, agencies.c.province_code).where(agencies.c.province_code.is_not(None))
    members: dict[str, set[str]] = defaultdict(set)
    for code, province in (await connection.execute(query)).all():
        members[province].add(code)
    return {province: frozenset(codes) for province, codes in members.items()}


async def known_agencies(connection: AsyncConnection, codes: Collection[str]) -> set[str]:
    """Those of `codes` the agency read model knows."""
    if not codes:
        return set()
    return set(await connection.scalars(select(agencies.c.code).where(agencies.c.code.in_(set(codes)))))


async def upsert_agency(connection: AsyncConnection, values: Mapping[str, Any]) -> None:
    """Keeps the newest version of an agency; an older or replayed event changes nothing."""
    changes = {name: value for name, value in values.items() if name != "code"}
    await versioned_upsert(connection, agencies, {"code": values["code"]}, changes)


async def add_refresh_token(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(insert(refresh_tokens).values(values))


async def refresh_token_by_hash(connection: AsyncConnection, token_hash: str) -> RowMapping | None:
    query = select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
    return (await connection.execute(query)).mappings().first()


async def mark_refresh_token_used(connection: AsyncConnection, token_id: uuid.UUID, at: datetime) -> bool:
    """True when this call used it: of two concurrent refreshes with one token, only one wins."""
    result = await connection.execute(
        update(refresh_tokens)
        .where(refresh_tokens.c.id == token_id, refresh_tokens.c.used_at.is_(None))
        .values(used_at=at)
    )
    return bool(result.rowcount)


async def revoke_families(
    connection: AsyncConnection,
    *,
    at: datetime,
    family_id: uuid.UUID | None = None,
    holder: str | None = None,
) -> list[uuid.UUID]:
    """Revoke one login (family) or every login of a holder; answers the families revoked."""
    condition = and_(
        refresh_tokens.c.revoked_at.is_(None),
        refresh_tokens.c.family_id == family_id
        if family_id is not None
        else refresh_tokens.c.holder == holder,
    )
    families = list(set(await connection.scalars(select(refresh_tokens.c.family_id).where(condition))))
    if families:
        await connection.execute(
            update(refresh_tokens).where(refresh_tokens.c.family_id.in_(families)).values(revoked_at=at)
        )
    return families


async def revoked_since(connection: AsyncConnection, since: datetime) -> list[tuple[uuid.UUID, datetime]]:
    query = (
        select(refresh_tokens.c.family_id, refresh_tokens.c.revoked_at)
        .where(refresh_tokens.c.revoked_at >= since)
        .distinct()
    )
    return [(family, at) for family, at in (await connection.execute(query)).all()]
