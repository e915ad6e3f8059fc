"""Use cases of JP tracking: each employee's JP per year against the 20 JP right, external records (one by
one or a CSV file, all or nothing), and the compliance report of an agency or a unit."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.training.adapters.enrolments import EnrolmentRepository
from services.training.adapters.readmodels import ReadModels
from services.training.domain.jp import (
    ComplianceReport,
    ExternalRecord,
    JpEntry,
    Person,
    YearStanding,
    compliance,
    external_records,
    identity,
    standing,
    totals_by_year,
    year_bounds,
)
from services.training.service.access import manages, require_manager, today
from shared.auth import STAFF_ROLES, Principal
from shared.errors import Conflict, FieldProblem, InvalidInput, NotFound
from shared.jobs import Progress
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class EmployeeJp:
    nip: str
    name: str
    agency_code: str
    standing: YearStanding
    entries: list[JpEntry]  # of the year
    by_year: dict[int, int]  # every year with JP


async def employee_jp(connection: AsyncConnection, principal: Principal, nip: str, year: int) -> EmployeeJp:
    employee = await ReadModels(connection).employee(nip)
    if employee is None:
        raise NotFound(f"the training service knows no employee with NIP {nip}")
    principal.require_employee_access(nip, employee.agency_code)
    entries = await EnrolmentRepository(connection).jp_entries(nip)
    since, until = year_bounds(year)
    return EmployeeJp(
        nip=nip,
        name=employee.name,
        agency_code=employee.agency_code,
        standing=standing(entries, year),
        entries=[e for e in entries if since <= e.completed_on <= until],
        by_year=totals_by_year(entries),
    )


async def record_external(uow: UnitOfWork, principal: Principal, record: ExternalRecord) -> None:
    """One training done elsewhere, entered by the agency's HR unit."""
    employee = await ReadModels(uow.connection).employee(record.nip)
    if employee is None:
        raise InvalidInput(
            f"the training service knows no employee with NIP {record.nip}",
            errors=[FieldProblem(field="nip", message="no such employee", value=record.nip)],
        )
    require_manager(principal, employee.agency_code)
    if record.completed_on > today():
        raise InvalidInput(
            "a training cannot be completed in the future",
            errors=[
                FieldProblem(field="completed_on", message="in the future", value=str(record.completed_on))
            ],
        )
    repository = EnrolmentRepository(uow.connection)
    if identity(record.nip, record.title, record.completed_on) in await repository.external_identities(
        [record.nip]
    ):
        raise Conflict(
            f"{record.title!r} of {record.completed_on} is already recorded for {record.nip}",
            code="already-recorded",
        )
    await repository.add_external(
        [record], agency_of={record.nip: employee.agency_code}, source="manual", by=principal.subject
    )
    await uow.commit()


async def import_external(
    open_uow: Callable[[], UnitOfWork],
    principal: Principal,
    rows: Sequence[tuple[int, Mapping[str, str | None]]],
    progress: Progress,
) -> dict[str, Any]:
    """Record every row of a file, or none: each bad row is reported with its line number."""
    async with open_uow() as uow:
        nips = sorted({(row.get("nip") or "").strip() for _, row in rows} - {""})
        agency_of = await ReadModels(uow.connection).agencies_of(nips)
        repository = EnrolmentRepository(uow.connection)
        records = external_records(
            rows,
            agency_of=agency_of,
            may_record=lambda agency: manages(principal, agency),
            existing=await repository.external_identities(nips),
            today=today(),
        )
        await progress(validated=len(rows), total=len(rows))
        await repository.add_external(records, agency_of=agency_of, source="import", by=principal.subject)
        await uow.commit()
    await progress(written=len(records))
    return {
        "records": len(records),
        "employees": len({r.nip for r in records}),
        "jp": sum(r.jp for r in records),
    }


async def compliance_report(
    connection: AsyncConnection,
    principal: Principal,
    *,
    agency_code: str | None,
    unit_id: str | None,
    year: int,
) -> tuple[str, ComplianceReport]:
    """Everyone active in the agency (or the unit and its sub-units) and who is below the right."""
    principal.require_role(*STAFF_ROLES)
    read_models = ReadModels(connection)
    unit_ids = None
    if unit_id is not None:
        unit_agency = await read_models.unit_agency(unit_id)
        if unit_agency is None:
            raise NotFound(f"the training service knows no unit {unit_id}")
        if agency_code is not None and agency_code != unit_agency:
            raise InvalidInput(
                f"unit {unit_id} belongs to agency {unit_agency}",
                errors=[FieldProblem(field="unit", message="not a unit of the agency", value=unit_id)],
            )
        agency_code, unit_ids = unit_agency, await read_models.units_below(unit_id)
    if agency_code is None:
        raise InvalidInput(
            "name the agency or the unit of the report",
            errors=[FieldProblem(field="agency", message="required without a unit")],
        )
    principal.require_agency(agency_code)
    people = await read_models.people(agency_code=agency_code, unit_ids=unit_ids)
    totals = await EnrolmentRepository(connection).jp_totals([p.nip for p in people], *year_bounds(year))
    return agency_code, compliance([Person(p.nip, p.name, p.unit_id) for p in people], totals, year)


def current_year() -> int:
    return today().year
