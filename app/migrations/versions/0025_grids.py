"""grids (全科网格): the grids of each village, and the grid of people, register records and
matters; a 网格上报 matter keeps its reporter and the key of its report row

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 22:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REGISTERS = ("migrants", "special_persons", "safety_creations")


def upgrade() -> None:
    op.create_table(
        "grids",
        sa.Column("village_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("leader_name", sa.String(length=64), nullable=False),
        sa.Column("leader_phone", sa.String(length=32), nullable=False),
        sa.Column("worker_name", sa.String(length=64), nullable=False),
        sa.Column("worker_phone", sa.String(length=32), nullable=False),
        sa.Column("worker_user_id", sa.Uuid(), nullable=True),
        sa.Column("coverage", sa.Text(), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_grids_village_id_villages")
        ),
        sa.ForeignKeyConstraint(
            ["worker_user_id"], ["users.id"], name=op.f("fk_grids_worker_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grids")),
        sa.UniqueConstraint("code", name=op.f("uq_grids_code")),
        sa.UniqueConstraint("worker_user_id", name=op.f("uq_grids_worker_user_id")),
    )
    with op.batch_alter_table("grids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grids_village_id"), ["village_id"], unique=False)

    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grid_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_persons_grid_id_grids"),
            "grids",
            ["grid_id"],
            ["id"],
            ondelete="SET NULL",
        )
    for table in _REGISTERS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("grid_id", sa.Uuid(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_grid_id_grids"), "grids", ["grid_id"], ["id"]
            )
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grid_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("grid_reporter", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("grid_report_key", sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f("ix_matters_grid_id"), ["grid_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_matters_grid_report_key"), ["grid_report_key"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_matters_grid_id_grids"), "grids", ["grid_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_matters_grid_id_grids"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_matters_grid_report_key"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_matters_grid_id"))
        batch_op.drop_column("grid_report_key")
        batch_op.drop_column("grid_reporter")
        batch_op.drop_column("grid_id")
    for table in reversed(_REGISTERS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_grid_id_grids"), type_="foreignkey")
            batch_op.drop_column("grid_id")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_persons_grid_id_grids"), type_="foreignkey")
        batch_op.drop_column("grid_id")
    with op.batch_alter_table("grids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grids_village_id"))
    op.drop_table("grids")
