"""Events the gateway consumes: the table event type -> handler. (None yet: webhooks and notifications
arrive with the gateway issue.)"""

from shared.events.inbox import Subscription

SUBSCRIPTIONS: list[Subscription] = []
