"""case parties' 工作单位 and representative title; an agreement correction's reason

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 19:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_parties", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("workplace", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "representative_title", sa.String(length=32), server_default="", nullable=False
            )
        )
    with op.batch_alter_table("case_agreements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("correction_reason", sa.Text(), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("case_agreements", schema=None) as batch_op:
        batch_op.drop_column("correction_reason")
    with op.batch_alter_table("case_parties", schema=None) as batch_op:
        batch_op.drop_column("representative_title")
        batch_op.drop_column("workplace")
