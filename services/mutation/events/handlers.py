"""Events the mutation service consumes: the table event type -> handler."""

from services.mutation.adapters.tables import employees
from shared.events.inbox import Subscription
from shared.readmodels.employees import employee_subscriptions

SUBSCRIPTIONS: list[Subscription] = [*employee_subscriptions(employees)]
