"""talent boxes read model (9-box from the appraisal service, for placement scores and the succession pool)

Revision ID: 0101
Revises: 0100
Create Date: 2026-11-26 03:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0101"
down_revision: str | None = "0100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "talent_boxes",
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("box", sa.Integer(), nullable=False, comment="9-box position 1-9 (PermenPANRB 3/2020)"),
        sa.Column("in_succession_pool", sa.Boolean(), nullable=False),
        sa.Column(
            "year", sa.Integer(), nullable=False, comment="year of the annual predicate the box rests on"
        ),
        sa.PrimaryKeyConstraint("nip"),
    )


def downgrade() -> None:
    op.drop_table("talent_boxes")
