"""Events the training service consumes: the table event type -> handler.

The agencies read model (the codes programmes are organised by) and the employee read model follow the
employee service's agency and employee events. Positions (with their competency standards), units
(with their heads) and assessed competencies feed the gap computation. An effective mutation builds the
new position's development plan (ARCHITECTURE.md §5, step 4); a final evaluation of Butuh Perbaikan or
below builds a coaching plan.
"""

from services.training.adapters.tables import agencies, employees
from services.training.service import plans, readmodels
from shared.contracts.appraisal import EvaluationFinalised
from shared.contracts.employee import CompetenciesAssessed, PositionState, UnitState
from shared.contracts.mutation import ProposalEffective
from shared.events.envelope import CloudEvent
from shared.events.inbox import Subscription
from shared.readmodels.agencies import agency_subscriptions
from shared.readmodels.employees import employee_subscriptions
from shared.uow import UnitOfWork


async def on_position_changed(uow: UnitOfWork, event: CloudEvent, data: PositionState) -> None:
    await readmodels.position_changed(uow, data, caused_by=event)


async def on_unit_changed(uow: UnitOfWork, event: CloudEvent, data: UnitState) -> None:
    await readmodels.unit_changed(uow, data)


async def on_competencies_assessed(uow: UnitOfWork, event: CloudEvent, data: CompetenciesAssessed) -> None:
    await readmodels.competencies_assessed(uow, data, caused_by=event)


async def on_proposal_effective(uow: UnitOfWork, event: CloudEvent, data: ProposalEffective) -> None:
    await plans.plan_for_mutation(uow, data, caused_by=event)


async def on_evaluation_finalised(uow: UnitOfWork, event: CloudEvent, data: EvaluationFinalised) -> None:
    await plans.plan_for_appraisal(uow, data, caused_by=event)


SUBSCRIPTIONS: list[Subscription] = [
    *agency_subscriptions(agencies),
    *employee_subscriptions(employees),
    Subscription("asn.employee.position.defined", on_position_changed),
    Subscription("asn.employee.position.updated", on_position_changed),
    Subscription("asn.employee.unit.defined", on_unit_changed),
    Subscription("asn.employee.unit.updated", on_unit_changed),
    Subscription("asn.employee.employee.competencies-assessed", on_competencies_assessed),
    Subscription("asn.mutation.proposal.effective", on_proposal_effective),
    Subscription("asn.appraisal.evaluation.finalised", on_evaluation_finalised),
]
