"""The employee service's tables (it owns this database; no other service reads it)."""

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, MetaData, String, Table

from shared.db import UtcDateTime
from shared.events.tables import inbox_table, outbox_table

metadata = MetaData()

employees = Table(
    "employees",
    metadata,
    Column("nip", String(18), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("front_title", String(50)),
    Column("back_title", String(50)),
    Column("birth_date", Date, nullable=False),
    Column("birth_place", String(100)),
    Column("gender", String(1), nullable=False),
    Column("nik", String(16)),
    Column("employment_type", String(10), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("tmt_cpns", Date),
    Column("tmt_pns", Date),
    Column("rank_code", String(5), index=True),
    Column("rank_tmt", Date),
    Column("agency_code", String(20), nullable=False, index=True),
    Column("unit_id", String(64), index=True),
    Column("position_id", String(64), index=True),
    Column("position_tmt", Date),
    Column("work_location", String(100)),
    Column("ten_year_bond_until", Date),
    Column("disciplinary_status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False, index=True),
)
Index("ix_employees_name", employees.c.name)

rank_history = Table(
    "rank_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nip", String(18), ForeignKey("employees.nip"), nullable=False, index=True),
    Column("rank_code", String(5), nullable=False),
    Column("tmt", Date, nullable=False),
    Column("decree_number", String(100)),
    Column("recorded_at", UtcDateTime, nullable=False),
)

position_history = Table(
    "position_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nip", String(18), ForeignKey("employees.nip"), nullable=False, index=True),
    Column("agency_code", String(20), nullable=False),
    Column("unit_id", String(64)),
    Column("position_id", String(64)),
    Column("tmt", Date),
    Column("reason", String(500)),
    Column("mutation_id", String(64)),
    Column("recorded_at", UtcDateTime, nullable=False),
)

education_history = Table(
    "education_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nip", String(18), ForeignKey("employees.nip"), nullable=False, index=True),
    Column("level", String(3), nullable=False),
    Column("institution", String(200), nullable=False),
    Column("major", String(200)),
    Column("graduation_year", Integer, nullable=False),
)

competency_assessments = Table(
    "competency_assessments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nip", String(18), ForeignKey("employees.nip"), nullable=False, index=True),
    Column("competency", String(100), nullable=False),
    Column("level", Integer, nullable=False),
    Column("assessed_on", Date, nullable=False),
    Column("source", String(200)),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
