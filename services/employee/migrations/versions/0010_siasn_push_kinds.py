"""siasn_pushes of two kinds: jabatan (a completed mutation) and kursus (a training completion), each unique
by its kind and source key; mutation_id only for jabatan; rw_kursus_id

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("siasn_pushes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.String(length=10),
                nullable=True,
                comment="jabatan (a mutation) or kursus (a training completion)",
            )
        )
        batch_op.add_column(
            sa.Column(
                "source_key",
                sa.String(length=64),
                nullable=True,
                comment="what caused it: the mutation or enrolment id",
            )
        )
        batch_op.add_column(
            sa.Column(
                "rw_kursus_id", sa.String(length=64), nullable=True, comment="the riwayat kursus SIASN saved"
            )
        )
    # Every push so far is a completed mutation's.
    op.execute("UPDATE siasn_pushes SET kind = 'jabatan', source_key = mutation_id")
    with op.batch_alter_table("siasn_pushes", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=sa.String(length=10), nullable=False)
        batch_op.alter_column("source_key", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column(
            "mutation_id",
            existing_type=sa.String(length=64),
            nullable=True,
            comment="a jabatan push's mutation",
        )
        batch_op.create_unique_constraint("uq_siasn_pushes_kind_source_key", ["kind", "source_key"])


def downgrade() -> None:
    op.execute("DELETE FROM siasn_pushes WHERE kind <> 'jabatan'")
    with op.batch_alter_table("siasn_pushes", schema=None) as batch_op:
        batch_op.drop_constraint("uq_siasn_pushes_kind_source_key", type_="unique")
        batch_op.alter_column("mutation_id", existing_type=sa.String(length=64), nullable=False, comment=None)
        batch_op.drop_column("rw_kursus_id")
        batch_op.drop_column("source_key")
        batch_op.drop_column("kind")
