"""The agencies' eligibility policies as stored: one row per version, never changed once written, and the
rules a decision overrode for a proposal."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters.tables import eligibility_policies, overrides
from services.mutation.domain.eligibility import REGULATION_DEFAULTS, Policy, policy_from_settings


@dataclass(frozen=True)
class PolicyVersion:
    policy: Policy
    note: str | None
    created_by: str | None
    created_at: datetime | None


async def policy_in_force(connection: AsyncConnection, agency_code: str) -> Policy:
    """The agency's newest policy version, or the regulation defaults (version 0) if it has none."""
    t = eligibility_policies
    row = (
        await connection.execute(
            select(t.c.version, t.c.settings)
            .where(t.c.agency_code == agency_code)
            .order_by(t.c.version.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return REGULATION_DEFAULTS
    return policy_from_settings(agency_code, row.version, row.settings)


async def versions(connection: AsyncConnection, agency_code: str) -> list[PolicyVersion]:
    """The agency's policy versions, newest first."""
    t = eligibility_policies
    rows = await connection.execute(
        select(t).where(t.c.agency_code == agency_code).order_by(t.c.version.desc())
    )
    return [
        PolicyVersion(
            policy_from_settings(agency_code, r.version, r.settings), r.note, r.created_by, r.created_at
        )
        for r in rows
    ]


async def add_version(connection: AsyncConnection, version: PolicyVersion, agency_code: str) -> bool:
    """Write a new version; False when another writer took its number first (the transaction is then
    spoilt: the caller gives up)."""
    try:
        await connection.execute(
            insert(eligibility_policies).values(
                agency_code=agency_code,
                version=version.policy.version,
                settings=version.policy.settings(),
                note=version.note,
                created_by=version.created_by,
                created_at=version.created_at,
            )
        )
    except IntegrityError:
        return False
    return True


async def overridden_rules(connection: AsyncConnection, proposal_id: UUID) -> frozenset[str]:
    rows = await connection.scalars(select(overrides.c.rule).where(overrides.c.proposal_id == proposal_id))
    return frozenset(rows)
