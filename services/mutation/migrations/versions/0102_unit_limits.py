"""per-unit move limits of placement rounds

Revision ID: 0102
Revises: 0101
Create Date: 2026-11-26 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0102"
down_revision: str | None = "0101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("placement_rounds") as batch:
        batch.add_column(
            sa.Column(
                "unit_limits",
                sa.JSON(),
                nullable=True,
                comment="units with limits of their own: unit_id, release_limit, intake_limit (none: the round's)",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("placement_rounds") as batch:
        batch.drop_column("unit_limits")
