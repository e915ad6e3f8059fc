"""The employee service's tables (it owns this database; no other service reads it)."""

from sqlalchemy import Column, Date, Integer, MetaData, String, Table

from shared.db import UtcDateTime
from shared.events.tables import inbox_table, outbox_table

metadata = MetaData()

employees = Table(
    "employees",
    metadata,
    Column("nip", String(18), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("gender", String(1), nullable=False),
    Column("agency_code", String(20), nullable=False, index=True),
    Column("employment_type", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("unit_id", String(64), nullable=True, index=True),
    Column("position_id", String(64), nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
