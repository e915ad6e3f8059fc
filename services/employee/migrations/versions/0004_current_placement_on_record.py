"""the current placement and rank are kept on the record only; the histories keep the earlier ones

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each employee's newest history row is the record's current placement (rank): its record-keeping moves
# to the record and the row goes.
_LATEST = "(SELECT max(id) FROM {table} WHERE {table}.nip = employees.nip)"


def upgrade() -> None:
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rank_decree_number", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("placement_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("placement_mutation_id", sa.String(length=64), nullable=True))
    latest_placement = _LATEST.format(table="position_history")
    latest_rank = _LATEST.format(table="rank_history")
    op.execute(
        "UPDATE employees SET"
        f" placement_reason = (SELECT reason FROM position_history WHERE id = {latest_placement}),"
        f" placement_mutation_id = (SELECT mutation_id FROM position_history WHERE id = {latest_placement}),"
        f" rank_decree_number = (SELECT decree_number FROM rank_history WHERE id = {latest_rank})"
    )
    for table in ("position_history", "rank_history"):
        op.execute(f"DELETE FROM {table} WHERE id IN (SELECT max(id) FROM {table} GROUP BY nip)")


def downgrade() -> None:
    op.execute(
        "INSERT INTO position_history"
        " (nip, agency_code, unit_id, position_id, tmt, reason, mutation_id, recorded_at)"
        " SELECT nip, agency_code, unit_id, position_id, position_tmt, placement_reason,"
        " placement_mutation_id, updated_at FROM employees"
    )
    op.execute(
        "INSERT INTO rank_history (nip, rank_code, tmt, decree_number, recorded_at)"
        " SELECT nip, rank_code, rank_tmt, rank_decree_number, updated_at FROM employees"
        " WHERE rank_code IS NOT NULL"
    )
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_column("placement_mutation_id")
        batch_op.drop_column("placement_reason")
        batch_op.drop_column("rank_decree_number")
