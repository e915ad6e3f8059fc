"""agencies, units, positions, employees: their SIASN ids

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 19:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> the columns its SIASN id is unique with
_UNIQUE_WITHIN = {
    "agencies": (),
    "units": ("agency_code",),
    "positions": ("unit_id",),
    "employees": (),
}


def upgrade() -> None:
    for table, within in _UNIQUE_WITHIN.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("siasn_id", sa.String(length=42), nullable=True))
            batch_op.create_unique_constraint(f"uq_{table}_siasn_id", [*within, "siasn_id"])


def downgrade() -> None:
    for table in _UNIQUE_WITHIN:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_siasn_id", type_="unique")
            batch_op.drop_column("siasn_id")
