"""Events the employee service consumes, each with its typed handler. (None yet: the mutation saga's
`asn.mutation.proposal.effective` arrives with the mutation service.)"""

from shared.events.inbox import Subscription

SUBSCRIPTIONS: list[Subscription] = []
