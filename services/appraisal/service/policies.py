"""Use cases of an agency's appraisal policy (domain/policy.py): read it, replace it, and the reference data
of functional levels its credit points come from."""

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.appraisal.adapters.repository import PolicyRepository, functional_levels_all
from services.appraisal.domain.policy import AppraisalPolicy
from services.appraisal.service import audit
from shared.etag import check_version
from shared.uow import UnitOfWork


async def policy_of(connection: AsyncConnection, agency_code: str) -> tuple[AppraisalPolicy, int]:
    return await PolicyRepository(connection).get(agency_code)


async def set_policy(
    uow: UnitOfWork, agency_code: str, policy: AppraisalPolicy, *, expected_version: int, actor: str
) -> int:
    """Replace the agency's policy (version 0 is the regulation's defaults, never stored); the audit chain
    records the change, since it decides which distributions pass. A request that changes nothing keeps the
    version."""
    repository = PolicyRepository(uow.connection)
    current, version = await repository.get(agency_code)
    check_version(version, expected_version, f"the appraisal policy of {agency_code}")
    if policy == current:
        return version
    new_version = await repository.put(agency_code, policy, expected_version=expected_version)
    await audit.policy_set(uow, actor, agency_code, policy, version=new_version)
    await uow.commit()
    return new_version


async def functional_levels(connection: AsyncConnection) -> list[Row[Any]]:
    return await functional_levels_all(connection)
