"""Use cases of the organisation: define and revise agencies, units and positions. Each write is one unit
of work holding the change and the event that announces it."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.adapters import organisation as repository
from services.employee.domain import organisation
from services.employee.domain.model import EducationLevel
from services.employee.domain.organisation import Agency, AgencyKind, Position, PositionType, Unit, UnitKind
from shared.contracts import employee as contracts
from shared.errors import Conflict, FieldProblem, NotFound
from shared.etag import check_version
from shared.events.envelope import CloudEvent, new_event
from shared.uow import UnitOfWork


async def define_agency(
    uow: UnitOfWork, *, code: str, name: str, kind: AgencyKind, province_code: str | None
) -> Agency:
    province = await _province(uow.connection, province_code)
    agency = organisation.define_agency(
        code=code, name=name, kind=kind, province_code=province_code, province=province
    )
    try:
        await repository.add_agency(uow.connection, agency)
    except IntegrityError:
        # The primary key is the duplicate check: no race between a look-up and the insert.
        raise Conflict(
            f"an agency with code {code} is already defined",
            code="duplicate-agency",
            errors=[FieldProblem(field="code", message="already defined", value=code)],
        ) from None
    uow.publish(_agency_event("asn.employee.agency.defined", contracts.AgencyDefined, agency))
    await uow.commit()
    return agency


async def get_agency(connection: AsyncConnection, code: str) -> Agency:
    agency = await repository.get_agency(connection, code)
    if agency is None:
        raise NotFound(f"there is no agency {code}")
    return agency


async def update_agency(
    uow: UnitOfWork, code: str, *, expected_version: int, changes: Mapping[str, Any]
) -> Agency:
    agency = await get_agency(uow.connection, code)
    check_version(agency.version, expected_version, f"agency {code}")
    province = await _province(uow.connection, changes.get("province_code", agency.province_code))
    revised = organisation.revise_agency(agency, changes, province=province)
    if organisation.unchanged(revised, agency):
        return agency
    await repository.save_agency(uow.connection, revised, expected_version=agency.version)
    uow.publish(_agency_event("asn.employee.agency.updated", contracts.AgencyUpdated, revised))
    await uow.commit()
    return revised


async def _province(connection: AsyncConnection, province_code: str | None) -> Agency | None:
    return await repository.get_agency(connection, province_code) if province_code else None


async def define_unit(
    uow: UnitOfWork,
    *,
    agency_code: str,
    parent_id: UUID | None,
    name: str,
    kind: UnitKind,
    location: str | None,
) -> Unit:
    connection = uow.connection
    unit = organisation.define_unit(
        agency=await repository.get_agency(connection, agency_code),
        agency_code=agency_code,
        parent_id=parent_id,
        name=name,
        kind=kind,
        location=location,
        parent=await repository.get_unit(connection, parent_id) if parent_id else None,
    )
    await repository.add_unit(connection, unit)
    uow.publish(unit_event("asn.employee.unit.defined", contracts.UnitDefined, unit))
    await uow.commit()
    return unit


async def get_unit(connection: AsyncConnection, unit_id: UUID) -> Unit:
    unit = await repository.get_unit(connection, unit_id)
    if unit is None:
        raise NotFound(f"there is no unit {unit_id}")
    return unit


async def update_unit(
    uow: UnitOfWork, unit_id: UUID, *, expected_version: int, changes: Mapping[str, Any]
) -> Unit:
    connection = uow.connection
    unit = await get_unit(connection, unit_id)
    check_version(unit.version, expected_version, f"unit {unit_id}")
    parent_id = changes.get("parent_id", unit.parent_id)
    head_id = changes.get("head_position_id", unit.head_position_id)
    revised = organisation.revise_unit(
        unit,
        changes,
        parent=await repository.get_unit(connection, parent_id) if parent_id else None,
        tree=await repository.unit_tree(connection, unit.agency_code),
        head=await repository.get_position(connection, head_id) if head_id else None,
    )
    if organisation.unchanged(revised, unit):
        return unit
    await repository.save_unit(connection, revised, expected_version=unit.version)
    uow.publish(unit_event("asn.employee.unit.updated", contracts.UnitUpdated, revised))
    await uow.commit()
    return revised


async def define_position(
    uow: UnitOfWork,
    *,
    unit_id: UUID,
    name: str,
    type: PositionType,
    job_class: int,
    authorised_headcount: int,
    competency_standard: Mapping[str, int],
    minimum_rank: str | None,
    minimum_education: EducationLevel | None,
    retirement_age: int | None,
) -> Position:
    position = organisation.define_position(
        unit=await repository.get_unit(uow.connection, unit_id),
        unit_id=unit_id,
        name=name,
        type=type,
        job_class=job_class,
        authorised_headcount=authorised_headcount,
        competency_standard=competency_standard,
        minimum_rank=minimum_rank,
        minimum_education=minimum_education,
        retirement_age=retirement_age,
    )
    await repository.add_position(uow.connection, position)
    uow.publish(position_event("asn.employee.position.defined", contracts.PositionDefined, position))
    await uow.commit()
    return position


async def find_unit(connection: AsyncConnection, unit_id: UUID) -> Unit | None:
    return await repository.get_unit(connection, unit_id)


async def find_position(connection: AsyncConnection, position_id: UUID) -> Position | None:
    return await repository.get_position(connection, position_id)


async def get_position(connection: AsyncConnection, position_id: UUID) -> Position:
    position = await repository.get_position(connection, position_id)
    if position is None:
        raise NotFound(f"there is no position {position_id}")
    return position


async def update_position(
    uow: UnitOfWork, position_id: UUID, *, expected_version: int, changes: Mapping[str, Any]
) -> Position:
    position = await get_position(uow.connection, position_id)
    check_version(position.version, expected_version, f"position {position_id}")
    revised = organisation.revise_position(position, changes)
    if organisation.unchanged(revised, position):
        return position
    await repository.save_position(uow.connection, revised, expected_version=position.version)
    uow.publish(position_event("asn.employee.position.updated", contracts.PositionUpdated, revised))
    await uow.commit()
    return revised


def _agency_event(event_type: str, payload: type[contracts.AgencyState], agency: Agency) -> CloudEvent:
    data = payload(
        code=agency.code,
        name=agency.name,
        kind=agency.kind.value,
        province_code=agency.province_code,
        version=agency.version,
    )
    return new_event(event_type, subject=agency.code, agency=agency.code, data=data)


def unit_event(event_type: str, payload: type[contracts.UnitState], unit: Unit) -> CloudEvent:
    data = payload(
        unit_id=str(unit.id),
        agency_code=unit.agency_code,
        parent_id=_text(unit.parent_id),
        name=unit.name,
        kind=unit.kind.value,
        location=unit.location,
        head_position_id=_text(unit.head_position_id),
        version=unit.version,
    )
    return new_event(event_type, subject=str(unit.id), agency=unit.agency_code, data=data)


def position_event(event_type: str, payload: type[contracts.PositionState], position: Position) -> CloudEvent:
    data = payload(
        position_id=str(position.id),
        unit_id=str(position.unit_id),
        agency_code=position.agency_code,
        name=position.name,
        type=position.type.value,
        job_class=position.job_class,
        authorised_headcount=position.authorised_headcount,
        competency_standard=dict(position.competency_standard),
        minimum_rank=position.minimum_rank,
        minimum_education=position.minimum_education.value if position.minimum_education else None,
        retirement_age=position.retirement_age,
        version=position.version,
    )
    return new_event(event_type, subject=str(position.id), agency=position.agency_code, data=data)


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


async def list_agencies(
    connection: AsyncConnection,
    *,
    province_code: str | None,
    kind: AgencyKind | None,
    scope: frozenset[str] | None,
    limit: int,
    after: tuple[str] | None,
) -> list[Agency]:
    return await repository.search_agencies(
        connection,
        province_code=province_code,
        kind=kind.value if kind else None,
        scope=scope,
        limit=limit,
        after_code=after[0] if after else None,
    )


async def list_units(
    connection: AsyncConnection,
    *,
    agency_code: str | None,
    parent_id: UUID | None,
    top_level: bool,
    scope: frozenset[str] | None,
    limit: int,
    after: tuple[str, str, UUID] | None,
) -> list[Unit]:
    return await repository.search_units(
        connection,
        agency_code=agency_code,
        parent_id=parent_id,
        top_level=top_level,
        scope=scope,
        limit=limit,
        after=after,
    )


async def list_positions(
    connection: AsyncConnection,
    *,
    agency_code: str | None,
    unit_id: UUID | None,
    position_type: PositionType | None,
    scope: frozenset[str] | None,
    limit: int,
    after: tuple[str, str, UUID] | None,
) -> list[Position]:
    return await repository.search_positions(
        connection,
        agency_code=agency_code,
        unit_id=unit_id,
        position_type=position_type.value if position_type else None,
        scope=scope,
        limit=limit,
        after=after,
    )
