"""awarded programme title

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 12:58:07.165464
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "programme_title",
                sa.String(length=200),
                nullable=True,
                comment="the programme's title when completed: what the JP and the certificate were awarded for",
            )
        )
    # Completions before this revision: the title the programme has now is the best known.
    op.execute(
        "UPDATE enrolments SET programme_title = "
        "(SELECT programmes.title FROM programmes WHERE programmes.id = enrolments.programme_id) "
        "WHERE status = 'completed'"
    )


def downgrade() -> None:
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_column("programme_title")
