"""The center's reference data, kept by the center; names kept on matters

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:30:00

Units gain a short name, a head and whether they take routed matters (their kinds 派驻 / 职能 /
村社区 / 上级 / 调解委员会 keep the stored codes "stationed", "room", "external" and add
"village" and "committee"); villages can be deactivated and merged into another; categories
say whether they are 信访. A matter (and a 督办单) keeps its category, unit and village names as they were
(filled here from today's names), so a later rename leaves history unchanged. The offices the
seed notice names and the seeded list lacked (政法办, 人武部, 防范处理邪教办) are added where
missing.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_UNITS = (("政法办", "room"), ("人武部", "stationed"), ("防范处理邪教办", "stationed"))


def upgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("short_name", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("head", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("takes_routed", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("villages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("merged_into_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_villages_merged_into_id_villages"),
            "villages",
            ["merged_into_id"],
            ["id"],
        )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_xinfang", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category_name", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("unit_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("village_name", sa.String(length=64), nullable=True))
    with op.batch_alter_table("supervision_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_name", sa.String(length=64), nullable=True))

    # Today's names become the matters' names (correlated updates work on both databases).
    op.execute(
        "UPDATE matters SET category_name = "
        "(SELECT categories.name FROM categories WHERE categories.id = matters.category_id)"
    )
    op.execute(
        "UPDATE matters SET unit_name = "
        "(SELECT units.name FROM units WHERE units.id = matters.unit_id) "
        "WHERE unit_id IS NOT NULL"
    )
    op.execute(
        "UPDATE matters SET village_name = (SELECT villages.name FROM matter_persons "
        "JOIN persons ON persons.id = matter_persons.person_id "
        "JOIN villages ON villages.id = persons.village_id "
        "WHERE matter_persons.matter_id = matters.id AND matter_persons.position = 0)"
    )
    op.execute(
        "UPDATE supervision_orders SET unit_name = "
        "(SELECT units.name FROM units WHERE units.id = supervision_orders.unit_id)"
    )
    op.execute("UPDATE categories SET is_xinfang = true WHERE name = '信访事项'")

    bind = op.get_bind()
    units = sa.table(
        "units",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("sort", sa.Integer()),
        sa.column("active", sa.Boolean()),
    )
    existing = set(bind.execute(sa.select(units.c.name)).scalars())
    if existing:  # a center already set up; a new one gets them from the seed
        top = bind.execute(sa.select(sa.func.max(units.c.sort))).scalar() or 0
        rows = [
            {"id": uuid.uuid4(), "name": name, "kind": kind, "sort": top + 1 + i, "active": True}
            for i, (name, kind) in enumerate(NEW_UNITS)
            if name not in existing
        ]
        if rows:
            op.bulk_insert(units, rows)


def downgrade() -> None:
    with op.batch_alter_table("supervision_orders", schema=None) as batch_op:
        batch_op.drop_column("unit_name")
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.drop_column("village_name")
        batch_op.drop_column("unit_name")
        batch_op.drop_column("category_name")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("is_xinfang")
    with op.batch_alter_table("villages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_villages_merged_into_id_villages"), type_="foreignkey"
        )
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("active")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("takes_routed")
        batch_op.drop_column("head")
        batch_op.drop_column("short_name")
