"""The appraisal service's tables (it owns this database; no other service reads it)."""

from sqlalchemy import MetaData

from shared.events.tables import inbox_table, outbox_table

metadata = MetaData()

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
