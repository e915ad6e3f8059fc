"""Use cases of the employee record."""

from datetime import date

from sqlalchemy.exc import IntegrityError

from services.employee.adapters.repository import EmployeeRepository
from services.employee.domain.model import Employee, EmploymentType
from services.employee.domain.nip import parse_nip
from shared.contracts.employee import EmployeeRegistered
from shared.errors import Conflict, NotFound
from shared.events.envelope import new_event
from shared.uow import UnitOfWork


async def register_employee(
    uow: UnitOfWork,
    *,
    nip: str,
    name: str,
    birth_date: date,
    gender: str,
    agency_code: str,
    employment_type: EmploymentType,
    unit_id: str | None = None,
    position_id: str | None = None,
) -> Employee:
    parsed = parse_nip(nip)
    repository = EmployeeRepository(uow.connection)
    employee = Employee.register(
        nip=parsed,
        name=name,
        birth_date=birth_date,
        gender=gender,
        agency_code=agency_code,
        employment_type=employment_type,
        unit_id=unit_id,
        position_id=position_id,
    )
    try:
        await repository.add(employee)
    except IntegrityError:
        # The primary key is the duplicate check: one round trip, and no race between a check and the insert.
        raise Conflict(
            f"an employee with NIP {parsed.value} is already registered", code="duplicate-nip"
        ) from None
    uow.publish(
        new_event(
            "asn.employee.employee.registered",
            subject=parsed.value,
            agency=agency_code,
            data=EmployeeRegistered(
                nip=parsed.value,
                name=employee.name,
                agency_code=agency_code,
                unit_id=unit_id,
                position_id=position_id,
                birth_date=birth_date,
                gender=gender,
                employment_type=employment_type.value,
                status=employee.status.value,
            ),
        )
    )
    await uow.commit()
    return employee


async def get_employee(uow: UnitOfWork, nip: str) -> Employee:
    employee = await EmployeeRepository(uow.connection).get(nip)
    if employee is None:
        raise NotFound(f"no employee with NIP {nip}")
    return employee
