"""The placement tables, on the mutation service's metadata (import this module once where the service's
tables are assembled, so migrations and the runtime see them).

A round is what HR defines (scope, pool, weights); a snapshot is the round's data as the read models held
it when it was solved, frozen so every plan, what-if and comparison of it works on the same numbers; a plan
is one optimal solve of a snapshot, with its moves and their explanations.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Uuid,
)

from services.mutation.adapters.tables import metadata
from shared.db import UtcDateTime
from shared.jobs import jobs_table

# The service's job table (placement solves run as jobs); another part of the service may define it first.
jobs = metadata.tables["jobs"] if "jobs" in metadata.tables else jobs_table(metadata)

placement_rounds = Table(
    "placement_rounds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("scope_kind", String(20), nullable=False, comment="agency or province"),
    Column("scope_code", String(20), nullable=False, index=True),
    Column("reason", String(2000), nullable=True, comment="the organisational reason proposals carry"),
    Column("pool", JSON, nullable=False, comment="the pool definitions whose union is the candidate pool"),
    Column("weights", JSON, nullable=False),
    Column("release_limit", Integer, nullable=True, comment="most moves out of any one unit; none: no limit"),
    Column("intake_limit", Integer, nullable=True, comment="most moves into any one unit; none: no limit"),
    Column(
        "unit_limits",
        JSON,
        nullable=True,
        comment="units with limits of their own: unit_id, release_limit, intake_limit (none: the round's)",
    ),
    Column("state", String(20), nullable=False, comment="draft, solved or published"),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_placement_rounds_created", "created_at", "id"),
)

placement_snapshots = Table(
    "placement_snapshots",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("round_id", Uuid, ForeignKey("placement_rounds.id"), nullable=False, index=True),
    Column("taken_at", UtcDateTime, nullable=False),
    Column("arrays", LargeBinary, nullable=False, comment="the engine's input arrays, compressed NumPy"),
    Column(
        "identities", JSON, nullable=False, comment="NIPs, position, unit ids and location names of the rows"
    ),
    Column("summary", JSON, nullable=False, comment="counts, and who was left out of the pool and why"),
)

placement_plans = Table(
    "placement_plans",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("round_id", Uuid, ForeignKey("placement_rounds.id"), nullable=False, index=True),
    Column("snapshot_id", Uuid, ForeignKey("placement_snapshots.id"), nullable=False),
    Column("parent_id", Uuid, nullable=True, comment="the plan a what-if started from"),
    Column("kind", String(20), nullable=False, comment="optimal or what_if"),
    Column("weights", JSON, nullable=False),
    Column("edits", JSON, nullable=False, comment="locked and forbidden pairs (NIP, position id)"),
    Column("objective", BigInteger, nullable=False, comment="total score in thousandths of a point"),
    Column("total_score", Float, nullable=False),
    Column("optimality_gap", BigInteger, nullable=False, comment="dual minus primal objective: 0 = proven"),
    Column("moves", Integer, nullable=False),
    Column("summary", JSON, nullable=False),
    Column("fairness", JSON, nullable=False),
    Column("state", String(20), nullable=False, comment="proposed, approved or published"),
    Column("approved_by", String(200), nullable=True),
    Column("approved_at", UtcDateTime, nullable=True),
    Column("mutation_round_id", Uuid, nullable=True, comment="the proposals' round once published"),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_placement_plans_round_created", "round_id", "created_at", "id"),
)

placement_moves = Table(
    "placement_moves",
    metadata,
    Column("plan_id", Uuid, ForeignKey("placement_plans.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("nip", String(18), nullable=False),
    Column("employee_name", String(200), nullable=False),
    Column("origin_unit_id", String(64), nullable=True),
    Column("origin_position_id", String(64), nullable=True),
    Column("target_position_id", String(64), nullable=False),
    Column("target_unit_id", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("locked", Boolean, nullable=False, comment="placed by a lock of the what-if"),
    Column("explanation", JSON, nullable=False),
)
