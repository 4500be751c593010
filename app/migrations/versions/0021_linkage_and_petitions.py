"""上下联动 and the 信访 procedure: 上级交办 number and deadline, 暂停计时, 复查/复核

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 21:55:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "petition_reviews",
        sa.Column("matter_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "review",
                "recheck",
                name="reviewkind",
                native_enum=False,
                create_constraint=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_petition_reviews_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matters.id"], name=op.f("fk_petition_reviews_matter_id_matters")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_petition_reviews_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_reviews")),
    )
    with op.batch_alter_table("petition_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_petition_reviews_matter_id"), ["matter_id"], unique=False
        )
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superior_body", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("superior_ref", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("superior_deadline", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("pause_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.drop_column("pause_reason")
        batch_op.drop_column("paused_at")
        batch_op.drop_column("superior_deadline")
        batch_op.drop_column("superior_ref")
        batch_op.drop_column("superior_body")
    with op.batch_alter_table("petition_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_petition_reviews_matter_id"))
    op.drop_table("petition_reviews")
