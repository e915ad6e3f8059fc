"""Events the mutation service consumes: the table event type -> handler."""

from sqlalchemy import insert, update

from services.mutation.adapters.tables import appraisal_predicates, employees
from shared.contracts.appraisal import EvaluationFinalised
from shared.events.envelope import CloudEvent
from shared.events.inbox import Subscription
from shared.readmodels.employees import employee_subscriptions
from shared.uow import UnitOfWork


async def on_evaluation_finalised(uow: UnitOfWork, event: CloudEvent, data: EvaluationFinalised) -> None:
    """Keep each year's annual predicate; a revision after an upheld objection replaces it."""
    if data.period != "annual":
        return
    table = appraisal_predicates
    changed = await uow.connection.execute(
        update(table)
        .where(table.c.nip == data.nip, table.c.year == data.year)
        .values(predicate=data.predicate)
    )
    if changed.rowcount == 0:
        await uow.connection.execute(
            insert(table).values(nip=data.nip, year=data.year, predicate=data.predicate)
        )


SUBSCRIPTIONS: list[Subscription] = [
    *employee_subscriptions(employees),
    Subscription("asn.appraisal.evaluation.finalised", on_evaluation_finalised),
]
