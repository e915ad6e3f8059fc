"""The mutation service's tables (it owns this database; no other service reads it)."""

from sqlalchemy import Column, Integer, MetaData, String, Table

from shared.events.tables import inbox_table, outbox_table
from shared.readmodels.employees import employee_read_model

metadata = MetaData()

employees = employee_read_model(metadata)

# Annual predicates from the appraisal service's `evaluation.finalised` events: the eligibility rule asks
# for at least Baik in the last two years (Peraturan BKN 5/2019 Pasal 3).
appraisal_predicates = Table(
    "appraisal_predicates",
    metadata,
    Column("nip", String(18), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("predicate", String(20), nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
