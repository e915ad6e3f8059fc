"""Use cases of JP tracking: each employee's JP per year against what applies to them (a PNS's right, a
PPPK's ceiling), external records (one by one or a CSV file, all or nothing), and the compliance report of an
agency or a unit."""

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
    JpRules,
    Person,
    YearStanding,
    compliance,
    external_records,
    identity,
    standing,
    totals_by_year,
    year_bounds,
)
from services.training.service.access import MANAGERS, today
from services.training.service.references import referred_employee
from shared.errors import Conflict, FieldProblem, InvalidInput, NotFound
from shared.jobs import Progress
from shared.principal import STAFF_ROLES, Principal
from shared.references import References
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class EmployeeJp:
    nip: str
    name: str
    agency_code: str
    employment_type: str
    standing: YearStanding
    entries: list[JpEntry]  # of the year
    by_year: dict[int, int]  # every year with JP


async def employee_jp(
    connection: AsyncConnection, principal: Principal, nip: str, year: int, rules: JpRules
) -> EmployeeJp:
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
        employment_type=employee.employment_type,
        standing=standing(entries, year, employee.employment_type, rules),
        entries=[e for e in entries if since <= e.completed_on <= until],
        by_year=totals_by_year(entries),
    )


async def record_external(uow: UnitOfWork, principal: Principal, record: ExternalRecord) -> None:
    """One training done elsewhere, entered by the agency's HR unit."""
    principal.require_role(*MANAGERS)
    references = References(principal)
    employee = await referred_employee(references, ReadModels(uow.connection), "nip", record.nip)
    references.settle()
    assert employee is not None
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


Rows = Sequence[tuple[int, Mapping[str, str | None]]]


def _nip(row: Mapping[str, str | None]) -> str:
    return (row.get("nip") or "").strip()


async def import_scope(connection: AsyncConnection, principal: Principal, rows: Rows) -> dict[str, str]:
    """The agency of each employee a file names, of those this service knows. A file naming anyone outside
    the caller's agencies is not theirs to import: it is refused at once (403), naming each such line."""
    agency_of = await ReadModels(connection).agencies_of(sorted({_nip(row) for _, row in rows} - {""}))
    references = References(principal)
    for line, row in rows:
        if _nip(row) in agency_of:
            references.in_scope("nip", agency_of[_nip(row)], line=line)
    references.settle()
    return agency_of


async def import_external(
    open_uow: Callable[[], UnitOfWork],
    principal: Principal,
    rows: Rows,
    agency_of: Mapping[str, str],
    progress: Progress,
) -> dict[str, Any]:
    """Record every row of a file, or none: each bad row (an employee this service does not know among them)
    is reported with its line number. `agency_of` is what `import_scope` found and allowed."""
    async with open_uow() as uow:
        repository = EnrolmentRepository(uow.connection)
        records = external_records(
            rows,
            agency_of=agency_of,
            existing=await repository.external_identities(sorted(agency_of)),
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
    rules: JpRules,
) -> tuple[str, ComplianceReport]:
    """Everyone active in the agency (or the unit and its sub-units): who of the PNS is below the right and,
    apart, which PPPK went beyond their ceiling."""
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
    counted = [Person(p.nip, p.name, p.unit_id, p.employment_type) for p in people]
    return agency_code, compliance(counted, totals, year, rules)


def current_year() -> int:
    return today().year
