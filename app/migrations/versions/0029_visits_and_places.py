"""key people and places: the 特殊人群 register's visit log (its 最近走访 now derived from it),
the 重点场所 register and its inspections

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 02:20:00

"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MIGRATED_NOTE = "（由原台账“最近走访”日期转入）"


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=False, length=20)


def upgrade() -> None:
    op.create_table(
        "special_visits",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("visitor", sa.String(length=64), nullable=False),
        sa.Column("method", _enum("visitmethod", "in_person", "phone", "video"), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("risk_level", _enum("watchlevel", "low", "medium", "high"), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_special_visits_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["special_persons.id"],
            name=op.f("fk_special_visits_person_id_special_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_special_visits")),
    )
    with op.batch_alter_table("special_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_special_visits_person_id"), ["person_id"])
        batch_op.create_index(batch_op.f("ix_special_visits_visited_on"), ["visited_on"])

    op.create_table(
        "key_places",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            _enum(
                "placekind",
                "rental",
                "entertainment",
                "delivery",
                "hotel",
                "internet_cafe",
                "fuel",
                "second_hand",
                "other",
            ),
            nullable=False,
        ),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("village_id", sa.Uuid(), nullable=True),
        sa.Column("grid_id", sa.Uuid(), nullable=True),
        sa.Column("responsible", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_key_places_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_key_places_grid_id_grids")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_key_places_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_key_places_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_places")),
    )
    with op.batch_alter_table("key_places", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_key_places_name"), ["name"])

    op.create_table(
        "place_inspections",
        sa.Column("place_id", sa.Uuid(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("inspector", sa.String(length=64), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("rectified", sa.Boolean(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_place_inspections_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["key_places.id"],
            name=op.f("fk_place_inspections_place_id_key_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_inspections")),
    )
    with op.batch_alter_table("place_inspections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_place_inspections_place_id"), ["place_id"])
        batch_op.create_index(batch_op.f("ix_place_inspections_inspected_on"), ["inspected_on"])

    # Every stored 最近走访 becomes the first visit of its person's log: nothing is lost.
    bind = op.get_bind()
    people = sa.table(
        "special_persons",
        sa.column("id", sa.Uuid()),
        sa.column("helper", sa.String()),
        sa.column("risk_level", sa.String()),
        sa.column("last_visit_on", sa.Date()),
        sa.column("created_by", sa.Uuid()),
    )
    visits = sa.table(
        "special_visits",
        sa.column("id", sa.Uuid()),
        sa.column("person_id", sa.Uuid()),
        sa.column("visited_on", sa.Date()),
        sa.column("visitor", sa.String()),
        sa.column("method", sa.String()),
        sa.column("findings", sa.Text()),
        sa.column("risk_level", sa.String()),
        sa.column("created_by", sa.Uuid()),
        sa.column("created_at", sa.DateTime()),
    )
    from app.core import clock

    at = clock.now().replace(microsecond=0)
    rows = [
        {
            "id": uuid.uuid4(),
            "person_id": r.id,
            "visited_on": r.last_visit_on,
            "visitor": (r.helper or "").strip()[:64] or "（未记录）",
            "method": "in_person",
            "findings": MIGRATED_NOTE,
            "risk_level": r.risk_level,
            "created_by": r.created_by,
            "created_at": at,
        }
        for r in bind.execute(sa.select(people).where(people.c.last_visit_on.is_not(None)))
    ]
    if rows:
        op.bulk_insert(visits, rows)
    with op.batch_alter_table("special_persons", schema=None) as batch_op:
        batch_op.drop_column("last_visit_on")


def downgrade() -> None:
    with op.batch_alter_table("special_persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_visit_on", sa.Date(), nullable=True))
    bind = op.get_bind()
    newest = sa.text(
        "UPDATE special_persons SET last_visit_on = (SELECT MAX(v.visited_on) FROM "
        "special_visits v WHERE v.person_id = special_persons.id)"
    )
    bind.execute(newest)
    op.drop_table("place_inspections")
    op.drop_table("key_places")
    op.drop_table("special_visits")
