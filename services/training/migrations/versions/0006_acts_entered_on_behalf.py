"""acts entered on behalf and their audit chain

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 13:21:48.956080
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", SEQ, nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", SEQ, autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("subject_type", sa.String(length=30), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("agency_code", sa.String(length=20), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_subject", ["subject_id", "seq"], unique=False)

    reason = "why another account entered it for them"
    with op.batch_alter_table("development_plans", schema=None) as batch_op:
        for side in ("employee", "supervisor"):
            batch_op.add_column(
                sa.Column(
                    f"{side}_accepted_nip",
                    sa.String(length=18),
                    nullable=True,
                    comment="whose acceptance it is",
                )
            )
            batch_op.add_column(
                sa.Column(f"{side}_accepted_on_behalf_reason", sa.Text(), nullable=True, comment=reason)
            )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "follow_up_evaluator_nip",
                sa.String(length=18),
                nullable=True,
                comment="whose evaluation it is: the participant's supervisor",
            )
        )
        batch_op.add_column(
            sa.Column(
                "follow_up_on_behalf_reason",
                sa.Text(),
                nullable=True,
                comment="why another account entered it for the supervisor",
            )
        )
    # Whose acts the earlier ones were: the plan's employee and supervisor, the participant's supervisor.
    op.execute(
        "UPDATE development_plans SET employee_accepted_nip = nip WHERE employee_accepted_at IS NOT NULL"
    )
    op.execute(
        "UPDATE development_plans SET supervisor_accepted_nip = supervisor_nip "
        "WHERE supervisor_accepted_at IS NOT NULL"
    )
    op.execute(
        "UPDATE enrolments SET follow_up_evaluator_nip = supervisor_nip WHERE follow_up_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_column("follow_up_on_behalf_reason")
        batch_op.drop_column("follow_up_evaluator_nip")
    with op.batch_alter_table("development_plans", schema=None) as batch_op:
        for side in ("supervisor", "employee"):
            batch_op.drop_column(f"{side}_accepted_on_behalf_reason")
            batch_op.drop_column(f"{side}_accepted_nip")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_subject")
    op.drop_table("audit_log")
    op.drop_table("audit_head")
