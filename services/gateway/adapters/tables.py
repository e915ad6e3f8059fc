"""The gateway's tables. It owns no domain data: only what the door itself needs (users, clients and
webhook subscriptions arrive with the gateway issue), plus the outbox and inbox every service has."""

from sqlalchemy import MetaData

from shared.events.tables import inbox_table, outbox_table

metadata = MetaData()

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
