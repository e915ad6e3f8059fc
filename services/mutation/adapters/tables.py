"""The mutation service's tables (it owns this database; no other service reads it)."""

from sqlalchemy import MetaData

from shared.events.tables import inbox_table, outbox_table
from shared.readmodels.employees import employee_read_model

metadata = MetaData()

employees = employee_read_model(metadata)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
