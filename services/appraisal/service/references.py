"""The periods, people and agencies an appraisal request names, looked up in this service's own records and
read models (the employee service's agency and employee events): each one unknown, outside the caller's
agencies or not where the request places it is noted under its field, and `settle()` refuses the request
(403 for any reference out of scope, else 422) before anything changes."""

from collections.abc import Collection
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.appraisal.adapters.repository import (
    PeriodRepository,
    functional_level,
    known_employee,
    known_units,
)
from services.appraisal.adapters.tables import agencies
from services.appraisal.domain.periods import AppraisalPeriod
from services.appraisal.domain.skp import Skp
from shared.principal import Principal
from shared.readmodels.agencies import referred_agency
from shared.references import References


class ReferenceCheck:
    """The references of one request by `principal` (None: the platform itself)."""

    def __init__(self, connection: AsyncConnection, principal: Principal | None) -> None:
        self._connection = connection
        self._references = References(principal)

    async def agency(self, field: str, code: str) -> None:
        await referred_agency(self._references, self._connection, agencies, field, code)

    async def employee(self, field: str, nip: str | None, *, of_agency: str | None = None) -> None:
        """A known employee inside the caller's agencies, of `of_agency` when given; no NIP, no check."""
        await self._employee(field, nip, of_agency=of_agency)

    async def appraised(
        self, period: AppraisalPeriod | None, nip: str, position_id: str | None
    ) -> str | None:
        """The person an SKP appraises: an employee of the period's agency, holding the position the SKP names
        (as far as this service knows the person's position). Answers the work unit they are in."""
        found = await self._employee("nip", nip, of_agency=period.agency_code if period else None)
        if found is not None and position_id is not None and found.position_id != position_id:
            held = f"position {found.position_id}" if found.position_id else "no position this service knows"
            self._references.mismatch("position_id", f"{nip} holds {held}, not {position_id}")
        return found.unit_id if found is not None else None

    async def functional_level(self, field: str, code: str | None) -> Decimal | None:
        """A level of functional position (reference data); answers its yearly credit coefficient."""
        if code is None:
            return None
        found = await functional_level(self._connection, code)
        if found is None:
            self._references.unknown(field, "functional level", code)
            return None
        coefficient: Decimal = found.yearly_coefficient
        return coefficient

    async def units(self, field: str, agency_code: str, unit_ids: Collection[str]) -> None:
        """Work units of the agency, as far as this service knows them: someone of the agency works there."""
        known = await known_units(self._connection, agency_code, unit_ids)
        for unit_id in sorted(set(unit_ids) - known):
            self._references.unknown(f"{field}.{unit_id}", f"work unit of {agency_code}", unit_id)

    async def period(self, field: str, period_id: UUID) -> AppraisalPeriod | None:
        """An appraisal period of an agency inside the caller's scope."""
        found = await PeriodRepository(self._connection).get(period_id)
        if found is None:
            self._references.unknown(field, "appraisal period", period_id)
        else:
            self._references.in_scope(field, found.agency_code)
        return found

    def indicator(self, field: str, skp: Skp, indicator_id: UUID | None) -> None:
        """One of the SKP's own indicators, when the request names one."""
        if indicator_id is not None and all(i.id != indicator_id for i in skp.indicators):
            self._references.unknown(field, f"indicator of SKP {skp.id}", indicator_id)

    def settle(self) -> None:
        self._references.settle()

    async def _employee(self, field: str, nip: str | None, *, of_agency: str | None) -> Row[Any] | None:
        if nip is None:
            return None
        found = await known_employee(self._connection, nip)
        if found is None:
            self._references.unknown(field, "employee", nip)
            return None
        if not self._references.in_scope(field, found.agency_code):
            return None
        if of_agency is not None and found.agency_code != of_agency:
            message = f"{nip} is an employee of {found.agency_code}, not of {of_agency}"
            self._references.mismatch(field, message)
            return None
        return found
