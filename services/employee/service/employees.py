"""Use cases of the employee record."""

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters import organisation as organisation_repository
from services.employee.adapters.repository import EmployeeFilter, EmployeeRepository
from services.employee.domain import model
from services.employee.domain.model import (
    NO_DECREE,
    Assessment,
    Decree,
    Education,
    Employee,
    EmployeeStatus,
    Placement,
    Rank,
)
from services.employee.domain.nip import parse_nip
from services.employee.domain.organisation import Position, Unit, placement_problems
from services.employee.domain.ranks import rank_by_code
from shared.contracts import employee as contracts
from shared.errors import Conflict, FieldProblem, InvalidInput, NotFound
from shared.etag import check_version
from shared.events.envelope import CloudEvent, new_event
from shared.principal import Principal
from shared.references import References
from shared.uow import UnitOfWork


def snapshot(employee: Employee) -> dict[str, Any]:
    rank, placement = employee.rank, employee.placement
    return {
        "nip": str(employee.nip),
        "name": employee.name,
        "front_title": employee.front_title,
        "back_title": employee.back_title,
        "agency_code": placement.agency_code,
        "unit_id": placement.unit_id,
        "position_id": placement.position_id,
        "position_tmt": placement.tmt,
        "birth_date": employee.birth_date,
        "gender": employee.gender,
        "employment_type": employee.employment_type.value,
        "status": employee.status.value,
        "tmt_cpns": employee.tmt_cpns,
        "tmt_pns": employee.tmt_pns,
        "rank_code": rank.code if rank else None,
        "rank_tmt": rank.tmt if rank else None,
        "work_location": employee.work_location,
        "ten_year_bond_until": employee.ten_year_bond_until,
        "disciplinary_status": employee.disciplinary_status.value,
    }


def _event(kind: str, employee: Employee, data: Any, caused_by: CloudEvent | None = None) -> CloudEvent:
    return new_event(
        f"asn.employee.employee.{kind}",
        subject=str(employee.nip),
        agency=employee.placement.agency_code,
        data=data,
        caused_by=caused_by,
    )


async def check_placement(
    connection: AsyncConnection, placement: Placement, references: References
) -> Placement:
    """The placement, its unit taken from its position when only the position is named. Every id that names
    nothing, does not belong with the others, or lies outside the caller's agencies is noted in
    `references` under its field (`settle()` then refuses the request)."""
    unit = await _unit(connection, placement.unit_id)
    position = await _position(connection, placement.position_id)
    problems = placement_problems(
        placement.agency_code,
        placement.unit_id,
        placement.position_id,
        agency=await organisation_repository.get_agency(connection, placement.agency_code),
        unit=unit,
        position=position,
    )
    references.in_scope("agency_code", placement.agency_code)
    for problem in problems:
        if problem.unknown:
            references.problems.append(FieldProblem(field=problem.field, message=problem.message))
        elif references.in_scope(problem.field, problem.agency_code or placement.agency_code):
            references.mismatch(problem.field, problem.message)
    if position is not None and placement.unit_id is None:
        return replace(placement, unit_id=str(position.unit_id))
    return placement


async def _unit(connection: AsyncConnection, unit_id: str | None) -> Unit | None:
    key = _uuid(unit_id)
    return None if key is None else await organisation_repository.get_unit(connection, key)


async def _position(connection: AsyncConnection, position_id: str | None) -> Position | None:
    key = _uuid(position_id)
    return None if key is None else await organisation_repository.get_position(connection, key)


def _uuid(value: str | None) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


def _check_rank(code: str | None) -> None:
    if code is not None and rank_by_code(code) is None:
        raise InvalidInput(
            f"unknown rank {code!r}; ranks run from I/a to IV/e",
            errors=[FieldProblem(field="rank_code", message="unknown rank", value=code)],
        )


async def register_employee(
    uow: UnitOfWork,
    *,
    principal: Principal | None,
    nip: str,
    agency_code: str,
    unit_id: str | None = None,
    position_id: str | None = None,
    position_tmt: date | None = None,
    rank_code: str | None = None,
    rank_tmt: date | None = None,
    education: list[Education] | None = None,
    **details: Any,
) -> Employee:
    """Register a civil servant, placed in an agency (and a unit and position of it) within the reach of
    `principal` (None: the platform itself)."""
    parsed = parse_nip(nip)
    _check_rank(rank_code)
    # The record's own rules first, then what it refers to.
    employee = model.register(
        nip=parsed, placement=Placement(agency_code, unit_id, position_id, position_tmt), **details
    )
    references = References(principal)
    employee.placement = await check_placement(uow.connection, employee.placement, references)
    references.settle()
    if rank_code is not None:
        employee.rank = Rank(rank_code, rank_tmt or employee.tmt_cpns or employee.birth_date)
    employee.education = list(education or [])
    try:
        await EmployeeRepository(uow.connection).add(employee)
    except IntegrityError:
        # The primary key is the duplicate check: one round trip, and no race between a check and the insert.
        raise Conflict(
            f"an employee with NIP {parsed.value} is already registered", code="duplicate-nip"
        ) from None
    uow.publish(_event("registered", employee, contracts.EmployeeRegistered(**snapshot(employee))))
    await uow.commit()
    return employee


async def get_employee(uow: UnitOfWork, nip: str) -> Employee:
    employee = await EmployeeRepository(uow.connection).get(nip)
    if employee is None:
        raise NotFound(f"no employee with NIP {nip}")
    return employee


async def update_employee(
    uow: UnitOfWork, nip: str, *, expected_version: int, changes: dict[str, Any]
) -> Employee:
    """Change plain record fields (names, titles, NIK, work location, disciplinary status, TMT PNS)."""
    employee = await get_employee(uow, nip)
    check_version(employee.version, expected_version, f"employee {nip}")
    updated = model.revise(employee, **changes)
    if updated == employee:  # nothing changes: no new version, no event
        return employee
    await EmployeeRepository(uow.connection).save(updated, expected_version=expected_version)
    uow.publish(_event("updated", updated, contracts.EmployeeUpdated(**snapshot(updated))))
    await uow.commit()
    return updated


async def change_status(
    uow: UnitOfWork, nip: str, *, status: EmployeeStatus, effective_date: date, reason: str | None
) -> Employee:
    employee = await get_employee(uow, nip)
    version = employee.version
    previous = employee.change_status(status)
    await EmployeeRepository(uow.connection).save(employee, expected_version=version)
    uow.publish(
        _event(
            "status-changed",
            employee,
            contracts.EmployeeStatusChanged(
                nip=nip,
                previous_status=previous.value,
                status=status.value,
                effective_date=effective_date,
                reason=reason,
            ),
        )
    )
    await uow.commit()
    return employee


async def change_rank(uow: UnitOfWork, nip: str, *, rank_code: str, tmt: date, decree: Decree) -> Employee:
    _check_rank(rank_code)
    repository = EmployeeRepository(uow.connection)
    employee = await get_employee(uow, nip)
    version = employee.version
    previous = employee.promote(Rank(rank_code, tmt))
    await repository.promote(employee, expected_version=version, decree=decree)
    uow.publish(
        _event(
            "rank-changed",
            employee,
            contracts.EmployeeRankChanged(
                nip=nip,
                previous_rank_code=previous.code if previous else None,
                rank_code=rank_code,
                tmt=tmt,
                decree_number=decree.number,
                decree_date=decree.signed_on,
            ),
        )
    )
    await uow.commit()
    return employee


async def move_employee(
    uow: UnitOfWork,
    nip: str,
    *,
    to: Placement,
    reason: str | None,
    principal: Principal | None,
    decree: Decree = NO_DECREE,
    mutation_id: str | None = None,
    caused_by: CloudEvent | None = None,
) -> Employee:
    """Post the employee to another placement within the reach of `principal` (None: the platform)."""
    repository = EmployeeRepository(uow.connection)
    employee = await get_employee(uow, nip)
    references = References(principal)
    to = await check_placement(uow.connection, to, references)
    references.settle()
    version = employee.version
    previous = employee.move(to)
    await repository.move(
        employee, expected_version=version, reason=reason, mutation_id=mutation_id, decree=decree
    )
    uow.publish(
        _event(
            "position-changed",
            employee,
            contracts.EmployeePositionChanged(
                nip=nip,
                previous=contracts.Placement(
                    agency_code=previous.agency_code,
                    unit_id=previous.unit_id,
                    position_id=previous.position_id,
                ),
                current=contracts.Placement(
                    agency_code=to.agency_code, unit_id=to.unit_id, position_id=to.position_id
                ),
                tmt=to.tmt,
                reason=reason,
                mutation_id=mutation_id,
                decree_number=decree.number,
                decree_date=decree.signed_on,
            ),
            caused_by=caused_by,
        )
    )
    await uow.commit()
    return employee


async def assess_competencies(uow: UnitOfWork, nip: str, assessments: list[Assessment]) -> Employee:
    repository = EmployeeRepository(uow.connection)
    employee = await get_employee(uow, nip)
    version = employee.version
    recorded = employee.assess(assessments)
    await repository.add_assessments(nip, assessments)
    await repository.save(employee, expected_version=version)
    if recorded:
        uow.publish(
            _event(
                "competencies-assessed",
                employee,
                contracts.CompetenciesAssessed(
                    nip=nip,
                    assessments=[
                        contracts.CompetencyLevel(
                            competency=a.competency, level=a.level, assessed_on=a.assessed_on, source=a.source
                        )
                        for a in recorded
                    ],
                ),
            )
        )
    await uow.commit()
    return employee


async def search_employees(
    uow: UnitOfWork, where: EmployeeFilter, *, limit: int, after_nip: str | None
) -> list[Employee]:
    return await EmployeeRepository(uow.connection).search(where, limit=limit, after_nip=after_nip)


async def employee_history(uow: UnitOfWork, nip: str) -> tuple[list[Any], list[Any]]:
    await get_employee(uow, nip)
    return await EmployeeRepository(uow.connection).history(nip)
