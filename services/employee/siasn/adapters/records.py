"""Our records as a SIASN pull reads them: the people of an agency or unit, many employees at once, and the
SIASN ids their agencies, units and positions keep."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters.repository import employee_of
from services.employee.adapters.tables import agencies, education_history, employees, positions, units
from services.employee.domain.model import Education, EducationLevel, Employee


async def nips_of(connection: AsyncConnection, agency_code: str, unit_id: UUID | None) -> list[str]:
    """The NIPs of our people in the agency (or in one of its units), in NIP order."""
    query = select(employees.c.nip).where(employees.c.agency_code == agency_code)
    if unit_id is not None:
        query = query.where(employees.c.unit_id == unit_id)
    return list((await connection.execute(query.order_by(employees.c.nip))).scalars())


async def agencies_of(connection: AsyncConnection, nips: Sequence[str]) -> dict[str, str]:
    """NIP -> agency code, for those of `nips` we hold."""
    query = select(employees.c.nip, employees.c.agency_code).where(employees.c.nip.in_(list(nips)))
    return {row.nip: row.agency_code for row in await connection.execute(query)}


async def employees_of(
    connection: AsyncConnection, nips: Sequence[str]
) -> dict[str, tuple[Employee, str | None]]:
    """NIP -> (the employee with their education, their SIASN id), for those of `nips` we hold."""
    rows = list(await connection.execute(select(employees).where(employees.c.nip.in_(list(nips)))))
    found = {row.nip: (employee_of(row), row.siasn_id) for row in rows}
    if found:
        education = await connection.execute(
            select(education_history)
            .where(education_history.c.nip.in_(list(found)))
            .order_by(education_history.c.graduation_year)
        )
        for e in education:
            found[e.nip][0].education.append(
                Education(EducationLevel(e.level), e.institution, e.major, e.graduation_year)
            )
    return found


async def agency_of_unit(connection: AsyncConnection, unit_id: UUID) -> str | None:
    """The agency of a unit; None when there is no such unit."""
    found = (await connection.execute(select(units.c.agency_code).where(units.c.id == unit_id))).scalar()
    return None if found is None else str(found)


async def agency_exists(connection: AsyncConnection, agency_code: str) -> bool:
    query = select(agencies.c.code).where(agencies.c.code == agency_code)
    return (await connection.execute(query)).scalar() is not None


async def agency_codes_by_siasn_id(connection: AsyncConnection) -> dict[str, str]:
    rows = await connection.execute(
        select(agencies.c.siasn_id, agencies.c.code).where(agencies.c.siasn_id.isnot(None))
    )
    return {row.siasn_id: row.code for row in rows}


async def siasn_ids_of_organisation(
    connection: AsyncConnection, agency_code: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Our unit id -> its SIASN unor id, our position id -> its SIASN jabatan id, in the agency."""
    unit_rows = await connection.execute(
        select(units.c.id, units.c.siasn_id).where(
            units.c.agency_code == agency_code, units.c.siasn_id.isnot(None)
        )
    )
    position_rows = await connection.execute(
        select(positions.c.id, positions.c.siasn_id).where(
            positions.c.agency_code == agency_code, positions.c.siasn_id.isnot(None)
        )
    )
    return (
        {str(row.id): row.siasn_id for row in unit_rows},
        {str(row.id): row.siasn_id for row in position_rows},
    )


async def holders_of_siasn_ids(connection: AsyncConnection, siasn_ids: Sequence[str]) -> dict[str, str]:
    """SIASN id -> the NIP of the employee holding it, for those of `siasn_ids` held."""
    query = select(employees.c.siasn_id, employees.c.nip).where(employees.c.siasn_id.in_(list(siasn_ids)))
    return {row.siasn_id: row.nip for row in await connection.execute(query)}


async def link_employee(connection: AsyncConnection, nip: str, siasn_id: str) -> bool:
    """Give an unlinked employee their SIASN id; False when they were linked meanwhile."""
    result = await connection.execute(
        update(employees)
        .where(employees.c.nip == nip, employees.c.siasn_id.is_(None))
        .values(siasn_id=siasn_id)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]
