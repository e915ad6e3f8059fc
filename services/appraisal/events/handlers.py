"""Events the appraisal service consumes: the table event type -> handler.

The agencies and employee read models (what requests' agency codes and NIPs are checked against) follow
the employee service's agency and employee events. A move (`position-changed`) also opens the
post-mutation monitoring baseline, in the same transaction as the read-model update (the consumer runs a
type's handlers in the order subscribed, so the read model has followed the move when the baseline opens).
"""

from services.appraisal.adapters.tables import agencies, employees
from services.appraisal.service import monitoring
from shared.contracts.employee import EmployeePositionChanged
from shared.events.envelope import CloudEvent
from shared.events.inbox import Subscription
from shared.readmodels.agencies import agency_subscriptions
from shared.readmodels.employees import employee_subscriptions
from shared.uow import UnitOfWork

POSITION_CHANGED = "asn.employee.employee.position-changed"


async def on_position_changed(uow: UnitOfWork, event: CloudEvent, data: EmployeePositionChanged) -> None:
    """Record the baseline of the move."""
    await monitoring.open_monitoring(uow, data, caused_by=event)


SUBSCRIPTIONS: list[Subscription] = [
    *agency_subscriptions(agencies),
    *employee_subscriptions(employees),
    Subscription(POSITION_CHANGED, on_position_changed),
]
