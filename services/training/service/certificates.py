"""Reading certificates: the holder sees their own; staff those of their agencies."""

from datetime import date
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.training.adapters.enrolments import EnrolmentRepository
from shared.errors import Forbidden
from shared.principal import STAFF_ROLES, Principal


async def search_certificates(
    connection: AsyncConnection,
    principal: Principal,
    *,
    nip: str | None,
    agency_code: str | None,
    valid_until_before: date | None,
    limit: int,
    after_number: str | None,
) -> list[Row[Any]]:
    agencies: frozenset[str] | None = frozenset({agency_code}) if agency_code else None
    if not (nip is not None and principal.is_self(nip)):
        if not principal.has_role(*STAFF_ROLES):
            raise Forbidden("employees see their own certificates: filter by your NIP")
        if principal.agencies is not None:
            agencies = principal.agencies if agencies is None else agencies & principal.agencies
    return await EnrolmentRepository(connection).search_certificates(
        nip=nip,
        agency_codes=agencies,
        valid_until_before=valid_until_before,
        limit=limit,
        after_number=after_number,
    )
