"""placement: rounds, snapshots, plans, moves, and the service's jobs table

Revision ID: 0100
Revises: 0003
Create Date: 2026-11-26 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0100"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind", sa.String(length=100), nullable=False, comment="what the job does, e.g. employees.import"
        ),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False, comment="what the job was asked to do"),
        sa.Column(
            "progress", sa.JSON(), nullable=False, comment="counters the work reports, e.g. validated, total"
        ),
        sa.Column("result", sa.JSON(), nullable=True, comment="what a succeeded job produced"),
        sa.Column(
            "problem", sa.JSON(), nullable=True, comment="why a failed job failed: an RFC 9457 problem"
        ),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("runner", sa.Uuid(), nullable=False, comment="the process that runs the job"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_jobs_state", "jobs", ["state"], unique=False)
    op.create_table(
        "placement_rounds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scope_kind", sa.String(length=20), nullable=False, comment="agency or province"),
        sa.Column("scope_code", sa.String(length=20), nullable=False),
        sa.Column(
            "reason",
            sa.String(length=2000),
            nullable=True,
            comment="the organisational reason proposals carry",
        ),
        sa.Column(
            "pool",
            sa.JSON(),
            nullable=False,
            comment="the pool definitions whose union is the candidate pool",
        ),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column(
            "release_limit",
            sa.Integer(),
            nullable=True,
            comment="most moves out of any one unit; none: no limit",
        ),
        sa.Column(
            "intake_limit",
            sa.Integer(),
            nullable=True,
            comment="most moves into any one unit; none: no limit",
        ),
        sa.Column("state", sa.String(length=20), nullable=False, comment="draft, solved or published"),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_placement_rounds_created", "placement_rounds", ["created_at", "id"], unique=False)
    op.create_index(op.f("ix_placement_rounds_scope_code"), "placement_rounds", ["scope_code"], unique=False)
    op.create_table(
        "placement_snapshots",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "arrays", sa.LargeBinary(), nullable=False, comment="the engine's input arrays, compressed NumPy"
        ),
        sa.Column(
            "identities",
            sa.JSON(),
            nullable=False,
            comment="NIPs, position, unit ids and location names of the rows",
        ),
        sa.Column(
            "summary", sa.JSON(), nullable=False, comment="counts, and who was left out of the pool and why"
        ),
        sa.ForeignKeyConstraint(["round_id"], ["placement_rounds.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_placement_snapshots_round_id"), "placement_snapshots", ["round_id"], unique=False
    )
    op.create_table(
        "placement_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("snapshot_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True, comment="the plan a what-if started from"),
        sa.Column("kind", sa.String(length=20), nullable=False, comment="optimal or what_if"),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column(
            "edits", sa.JSON(), nullable=False, comment="locked and forbidden pairs (NIP, position id)"
        ),
        sa.Column(
            "objective", sa.BigInteger(), nullable=False, comment="total score in thousandths of a point"
        ),
        sa.Column("total_score", sa.Float(), nullable=False),
        sa.Column(
            "optimality_gap",
            sa.BigInteger(),
            nullable=False,
            comment="dual minus primal objective: 0 = proven",
        ),
        sa.Column("moves", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("fairness", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False, comment="proposed, approved or published"),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "mutation_round_id", sa.Uuid(), nullable=True, comment="the proposals' round once published"
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["placement_rounds.id"]),
        sa.ForeignKeyConstraint(["snapshot_id"], ["placement_snapshots.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_placement_plans_round_created", "placement_plans", ["round_id", "created_at", "id"], unique=False
    )
    op.create_index(op.f("ix_placement_plans_round_id"), "placement_plans", ["round_id"], unique=False)
    op.create_table(
        "placement_moves",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("employee_name", sa.String(length=200), nullable=False),
        sa.Column("origin_unit_id", sa.String(length=64), nullable=True),
        sa.Column("origin_position_id", sa.String(length=64), nullable=True),
        sa.Column("target_position_id", sa.String(length=64), nullable=False),
        sa.Column("target_unit_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False, comment="placed by a lock of the what-if"),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["placement_plans.id"]),
        sa.PrimaryKeyConstraint("plan_id", "seq"),
    )


def downgrade() -> None:
    op.drop_table("placement_moves")
    op.drop_index(op.f("ix_placement_plans_round_id"), table_name="placement_plans")
    op.drop_index("ix_placement_plans_round_created", table_name="placement_plans")
    op.drop_table("placement_plans")
    op.drop_index(op.f("ix_placement_snapshots_round_id"), table_name="placement_snapshots")
    op.drop_table("placement_snapshots")
    op.drop_index(op.f("ix_placement_rounds_scope_code"), table_name="placement_rounds")
    op.drop_index("ix_placement_rounds_created", table_name="placement_rounds")
    op.drop_table("placement_rounds")
    op.drop_index("ix_jobs_state", table_name="jobs")
    op.drop_table("jobs")
