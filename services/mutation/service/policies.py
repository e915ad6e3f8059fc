"""Use cases of the eligibility policy: each agency's thresholds and which rules block, kept as versions
(a decision records the version it used); no version means the regulation defaults."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters import policies as policy_rows
from services.mutation.adapters.audit_log import append
from services.mutation.adapters.policies import PolicyVersion, policy_in_force
from services.mutation.adapters.repository import FactsReader
from services.mutation.service.common import now
from shared.errors import PreconditionFailed
from shared.etag import check_version
from shared.principal import Principal, Role
from shared.references import References
from shared.uow import UnitOfWork


async def current(connection: AsyncConnection, agency_code: str) -> PolicyVersion:
    policy = await policy_in_force(connection, agency_code)
    if policy.version == 0:
        return PolicyVersion(policy, "regulation defaults", None, None)
    return (await versions(connection, agency_code))[0]


async def versions(connection: AsyncConnection, agency_code: str) -> list[PolicyVersion]:
    return await policy_rows.versions(connection, agency_code)


async def publish_version(
    uow: UnitOfWork,
    principal: Principal,
    agency_code: str,
    *,
    expected_version: int,
    changes: dict[str, Any],
    note: str | None,
) -> PolicyVersion:
    """A new version of the agency's policy: the previous one with `changes`, decided by the agency's
    approver (PPK) or national administration. A version that changes no setting is not written: the one
    in force is answered as it is."""
    principal.require_role(Role.APPROVER, Role.ADMIN)
    principal.require_agency(agency_code, field="agency_code")
    references = References(principal)
    if await FactsReader(uow.connection).agency(agency_code) is None:
        references.unknown("agency_code", "agency", agency_code)
    references.settle()
    base = await policy_in_force(uow.connection, agency_code)
    check_version(base.version, expected_version, f"the policy of {agency_code}")
    policy = base.revised(agency_code, base.version + 1, changes)
    if policy.settings() == base.settings():
        return await current(uow.connection, agency_code)
    at = now()
    published = PolicyVersion(policy, note, principal.subject, at)
    if not await policy_rows.add_version(uow.connection, published, agency_code):
        raise PreconditionFailed(f"the policy of {agency_code} was changed by someone else; reload it")
    await append(
        uow.connection,
        [
            {
                "actor": principal.subject,
                "action": "policy.published",
                "subject_type": "policy",
                "subject_id": f"{agency_code}/{policy.version}",
                "agency_code": agency_code,
                "data": {"settings": policy.settings(), "note": note},
            }
        ],
        at=at,
    )
    await uow.commit()
    return published
