"""The employee service's tables (it owns this database; no other service reads it)."""

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from shared.db import UtcDateTime
from shared.events.tables import inbox_table, outbox_table
from shared.idempotency import idempotency_table
from shared.jobs import jobs_table

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
    # The current rank's and placement's record-keeping: `rank_history` and `position_history` hold the
    # earlier ones, each written there when it is replaced.
    Column("rank_decree_number", String(100)),
    Column("rank_decree_date", Date),
    Column("agency_code", String(20), nullable=False, index=True),
    Column("unit_id", String(64), index=True),
    Column("position_id", String(64), index=True),
    Column("position_tmt", Date),
    Column("placement_reason", String(500)),
    Column("placement_mutation_id", String(64)),
    Column("placement_decree_number", String(100)),
    Column("placement_decree_date", Date),
    Column("work_location", String(100)),
    Column("ten_year_bond_until", Date),
    Column("disciplinary_status", String(20), nullable=False),
    # SIASN's id of the person (PNS orang id, a GUID, uppercase), set by a SIASN import, a sync or mapping.
    Column("siasn_id", String(42)),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False, index=True),
    UniqueConstraint("siasn_id", name="uq_employees_siasn_id"),
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
    Column("decree_date", Date),
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
    Column("decree_number", String(100)),
    Column("decree_date", Date),
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
idempotency_keys = idempotency_table(metadata)
jobs = jobs_table(metadata)

agencies = Table(
    "agencies",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("province_code", String(20), ForeignKey("agencies.code"), index=True),
    # SIASN's id of the agency (instansi, a GUID, uppercase), set by a SIASN import, a sync or mapping.
    Column("siasn_id", String(42)),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("siasn_id", name="uq_agencies_siasn_id"),
)

units = Table(
    "units",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("agency_code", String(20), ForeignKey("agencies.code"), nullable=False, index=True),
    Column("parent_id", Uuid, ForeignKey("units.id"), index=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("location", String(100)),
    # Checked by the service, not a foreign key: positions refer to units, and a cycle of keys between
    # two tables would need deferred constraints to insert either.
    Column("head_position_id", Uuid),
    # SIASN's id of the unit (unor) (a GUID, uppercase), set by a SIASN import, a sync or the mapping page.
    Column("siasn_id", String(42)),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("agency_code", "siasn_id", name="uq_units_siasn_id"),
)

positions = Table(
    "positions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("unit_id", Uuid, ForeignKey("units.id"), nullable=False, index=True),
    Column("agency_code", String(20), ForeignKey("agencies.code"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("job_class", Integer, nullable=False),
    Column("authorised_headcount", Integer, nullable=False),
    Column("competency_standard", JSON, nullable=False),
    Column("minimum_rank", String(5)),
    Column("minimum_education", String(3)),
    Column("retirement_age", Integer, comment="null: the default of the position type"),
    # SIASN's jabatan (fungsional, fungsional umum or struktural, by the position's type): one jabatan is
    # many of our positions, one per unit, so it is unique per unit.
    Column("siasn_id", String(42)),
    Column("version", Integer, nullable=False),
    # The ABK: the task list's version (0: never put), when it was put, and its total, kept here so that
    # staffing lists over a whole province need not read every task.
    Column("tasks_version", Integer, nullable=False),
    Column("assessed_at", UtcDateTime),
    Column("workload_minutes", Numeric(24, 4)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("unit_id", "siasn_id", name="uq_positions_siasn_id"),
)

position_tasks = Table(
    "position_tasks",
    metadata,
    Column("position_id", Uuid, ForeignKey("positions.id"), primary_key=True),
    Column("line", Integer, primary_key=True, autoincrement=False),
    Column("name", String(300), nullable=False),
    Column("yearly_volume", Numeric(10, 2), nullable=False),
    Column("output_unit", String(100), nullable=False),
    Column("time_norm_minutes", Numeric(8, 2), nullable=False),
)

# The SIASN sub-domain keeps its tables on this metadata; importing them here lets the migrations and the
# runtime see the whole schema (a late import: that module takes `metadata` from this one).
import services.employee.siasn.adapters.tables  # noqa: E402, F401
