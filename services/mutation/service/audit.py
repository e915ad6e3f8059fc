"""Use cases of the audit log: read it and verify its chain (auditors and administrators)."""

from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters import audit_log
from services.mutation.domain.audit import ChainCheck, Entry, Verification
from shared.auth import Principal, Role
from shared.errors import Forbidden


def _require_auditor(principal: Principal) -> None:
    if not principal.has_role(Role.AUDITOR, Role.ADMIN):
        raise Forbidden("the audit log is read by auditors and administrators", code="role-required")


async def verify_chain(connection: AsyncConnection, principal: Principal) -> Verification:
    """Recompute every hash from the first row; the answer names the first row that does not match."""
    _require_auditor(principal)
    head_seq, head_hash = await audit_log.head(connection)
    check = ChainCheck(head_seq=head_seq, head_hash=head_hash)
    async for entry in audit_log.stream(connection):
        if check.add(entry) is not None:
            break
    return check.result()


async def entries(
    connection: AsyncConnection, principal: Principal, *, subject_id: str | None, after: int, limit: int
) -> list[Entry]:
    _require_auditor(principal)
    return await audit_log.page(
        connection, subject_id=subject_id, agencies=principal.agency_filter(), after=after, limit=limit
    )
