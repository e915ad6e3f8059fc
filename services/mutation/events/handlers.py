"""Events the mutation service consumes: the table event type -> handler.

Read models: employees (shared), agencies, units, positions with their ABK need, assessed competencies,
annual appraisal predicates and 9-box positions. The saga: `position-changed` naming one of our mutations
completes it, `move-failed` marks it failed.
"""

from services.mutation.adapters import readmodels
from services.mutation.adapters.tables import appraisal_predicates, employees, talent_boxes
from services.mutation.service import effective
from shared.contracts.appraisal import EvaluationFinalised, TalentBoxChanged
from shared.contracts.employee import (
    AgencyState,
    CompetenciesAssessed,
    EmployeeMoveFailed,
    EmployeePositionChanged,
    PositionState,
    UnitState,
    WorkloadAssessed,
)
from shared.db import upsert, versioned_upsert
from shared.events.envelope import CloudEvent
from shared.events.inbox import Subscription
from shared.readmodels.employees import employee_subscriptions
from shared.uow import UnitOfWork


async def on_evaluation_finalised(uow: UnitOfWork, event: CloudEvent, data: EvaluationFinalised) -> None:
    """Keep each year's annual predicate; a revision after an upheld objection replaces it."""
    if data.period != "annual":
        return
    key = {"nip": data.nip, "year": data.year}
    await upsert(uow.connection, appraisal_predicates, key, {"predicate": data.predicate})


async def on_talent_box_changed(uow: UnitOfWork, event: CloudEvent, data: TalentBoxChanged) -> None:
    """Each person's latest 9-box: a placement score component and the succession pool. A box of an older
    year arriving late changes nothing; one of the same year replaces the box (a revised predicate)."""
    values = {"box": data.box, "in_succession_pool": data.in_succession_pool, "year": data.year}
    await versioned_upsert(
        uow.connection, talent_boxes, {"nip": data.nip}, values, version="year", equal_replaces=True
    )


async def on_agency(uow: UnitOfWork, event: CloudEvent, data: AgencyState) -> None:
    await readmodels.put_agency(uow.connection, data.model_dump())


async def on_unit(uow: UnitOfWork, event: CloudEvent, data: UnitState) -> None:
    await readmodels.put_unit(uow.connection, data.model_dump())


async def on_position(uow: UnitOfWork, event: CloudEvent, data: PositionState) -> None:
    await readmodels.put_position(uow.connection, data.model_dump())


async def on_workload_assessed(uow: UnitOfWork, event: CloudEvent, data: WorkloadAssessed) -> None:
    """The ABK need of the position (staff needed); who holds it now is counted from the employees here."""
    await readmodels.put_workload(
        uow.connection,
        data.position_id,
        staff_needed=data.position.staff_needed,
        hours=data.position.workload_hours,
        tasks_version=data.tasks_version,
    )


async def on_competencies_assessed(uow: UnitOfWork, event: CloudEvent, data: CompetenciesAssessed) -> None:
    await readmodels.put_competencies(uow.connection, data.nip, [a.model_dump() for a in data.assessments])


async def on_position_changed(uow: UnitOfWork, event: CloudEvent, data: EmployeePositionChanged) -> None:
    """A move that names one of our mutations completes it (after the read model has followed the move)."""
    await effective.complete(uow, event, data)


async def on_move_failed(uow: UnitOfWork, event: CloudEvent, data: EmployeeMoveFailed) -> None:
    await effective.fail(uow, event, data)


SUBSCRIPTIONS: list[Subscription] = [
    *employee_subscriptions(employees),
    Subscription("asn.employee.employee.position-changed", on_position_changed),
    Subscription("asn.employee.employee.move-failed", on_move_failed),
    Subscription("asn.employee.employee.competencies-assessed", on_competencies_assessed),
    Subscription("asn.employee.agency.defined", on_agency),
    Subscription("asn.employee.agency.updated", on_agency),
    Subscription("asn.employee.unit.defined", on_unit),
    Subscription("asn.employee.unit.updated", on_unit),
    Subscription("asn.employee.position.defined", on_position),
    Subscription("asn.employee.position.updated", on_position),
    Subscription("asn.employee.workload.assessed", on_workload_assessed),
    Subscription("asn.appraisal.evaluation.finalised", on_evaluation_finalised),
    Subscription("asn.appraisal.talent.box-changed", on_talent_box_changed),
]
