"""siasn_references, siasn_differences, siasn_pushes: SIASN's reference lists, the reconciliation queue and
the pushes of completed mutations

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "siasn_references",
        sa.Column(
            "list",
            sa.String(length=40),
            nullable=False,
            comment="ref-unor, golongan, jabatan-fungsional, ...",
        ),
        sa.Column("id", sa.String(length=64), nullable=False, comment="SIASN's id of the entry"),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "parent_id", sa.String(length=64), nullable=True, comment="ref-unor: the unor above (DiatasanId)"
        ),
        sa.Column("data", sa.JSON(), nullable=False, comment="the entry as SIASN answered it"),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("list", "id"),
    )
    op.create_table(
        "siasn_differences",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("agency_code", sa.String(length=20), nullable=False),
        sa.Column(
            "field",
            sa.String(length=50),
            nullable=False,
            comment="our field; 'record' for a person only SIASN has",
        ),
        sa.Column("ours", sa.JSON(), nullable=True, comment="our value when last compared"),
        sa.Column("theirs", sa.JSON(), nullable=True, comment="SIASN's value when last compared"),
        sa.Column(
            "state", sa.String(length=10), nullable=False, comment="open, accepted, rejected or resolved"
        ),
        sa.Column(
            "since", sa.DateTime(timezone=True), nullable=False, comment="first seen differing (this time)"
        ),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False, comment="last compared"),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nip", "field", name="uq_siasn_differences_nip_field"),
    )
    with op.batch_alter_table("siasn_differences", schema=None) as batch_op:
        batch_op.create_index("ix_siasn_differences_agency_code", ["agency_code"], unique=False)
        batch_op.create_index("ix_siasn_differences_state", ["state", "agency_code"], unique=False)
    op.create_table(
        "siasn_pushes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("mutation_id", sa.String(length=64), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("agency_code", sa.String(length=20), nullable=False),
        sa.Column(
            "payload",
            sa.JSON(),
            nullable=False,
            comment="decree number and date, TMT, unit, position, jenis",
        ),
        sa.Column("state", sa.String(length=10), nullable=False, comment="waiting, sending, sent or failed"),
        sa.Column(
            "step",
            sa.String(length=10),
            nullable=False,
            comment="how far it got: none, saved, uploaded, synced",
        ),
        sa.Column(
            "rw_jabatan_id", sa.String(length=64), nullable=True, comment="the riwayat jabatan SIASN saved"
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "message",
            sa.String(length=1000),
            nullable=True,
            comment="SIASN's answer to the last attempt that failed",
        ),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="when a waiting push is tried again",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mutation_id"),
    )
    with op.batch_alter_table("siasn_pushes", schema=None) as batch_op:
        batch_op.create_index("ix_siasn_pushes_agency_code", ["agency_code"], unique=False)
        batch_op.create_index("ix_siasn_pushes_nip", ["nip"], unique=False)
        batch_op.create_index("ix_siasn_pushes_due", ["state", "next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_table("siasn_pushes")
    op.drop_table("siasn_differences")
    op.drop_table("siasn_references")
