"""Events the appraisal service consumes: the table event type -> handler. (None yet.)"""

from shared.events.inbox import Subscription

SUBSCRIPTIONS: list[Subscription] = []
