"""more registers (重点青少年, 校园及周边, 护路护线, 禁毒) and 社会救助 records (aid_records)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 02:06:54.329869

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campus_checks",
        sa.Column("school", sa.String(length=120), nullable=False),
        sa.Column(
            "school_kind",
            sa.Enum(
                "kindergarten",
                "primary",
                "junior",
                "senior",
                "vocational",
                "training",
                "other",
                name="schoolkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("village_id", sa.Uuid(), nullable=True),
        sa.Column("grid_id", sa.Uuid(), nullable=True),
        sa.Column("contact", sa.String(length=64), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("items", sa.String(length=200), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column(
            "rectify_status",
            sa.Enum("none", "pending", "done", name="rectifystatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("rectify", sa.Text(), nullable=False),
        sa.Column("rectified_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_campus_checks_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_campus_checks_grid_id_grids")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_campus_checks_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_campus_checks_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campus_checks")),
    )
    with op.batch_alter_table("campus_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campus_checks_inspected_on"), ["inspected_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_campus_checks_school"), ["school"], unique=False)

    op.create_table(
        "drug_cases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "community_detox",
                "community_rehab",
                "abstinent",
                "other_user",
                name="drugcategory",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "missing",
                "detained",
                "released",
                name="drugstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("village_id", sa.Uuid(), nullable=True),
        sa.Column("grid_id", sa.Uuid(), nullable=True),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("helper", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("last_test_on", sa.Date(), nullable=True),
        sa.Column(
            "test_result",
            sa.Enum("negative", "positive", name="urineresult", native_enum=False, length=20),
            nullable=True,
        ),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_drug_cases_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_drug_cases_grid_id_grids")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_drug_cases_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_drug_cases_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drug_cases")),
    )
    with op.batch_alter_table("drug_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drug_cases_id_number"), ["id_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_drug_cases_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_drug_cases_started_on"), ["started_on"], unique=False)

    op.create_table(
        "key_youths",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "idle",
                "misbehaving",
                "serious",
                "correction",
                "vagrant",
                "inmate_child",
                "left_behind",
                "other",
                name="youthcategory",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("village_id", sa.Uuid(), nullable=True),
        sa.Column("grid_id", sa.Uuid(), nullable=True),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("guardian", sa.String(length=64), nullable=False),
        sa.Column("guardian_phone", sa.String(length=20), nullable=True),
        sa.Column(
            "school_status",
            sa.Enum(
                "in_school",
                "dropped",
                "not_enrolled",
                "working",
                "idle",
                name="schoolstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("school", sa.String(length=120), nullable=False),
        sa.Column("helper", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_key_youths_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_key_youths_grid_id_grids")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_key_youths_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_key_youths_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_youths")),
    )
    with op.batch_alter_table("key_youths", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_key_youths_id_number"), ["id_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_key_youths_listed_on"), ["listed_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_key_youths_name"), ["name"], unique=False)

    op.create_table(
        "line_patrols",
        sa.Column("line", sa.String(length=120), nullable=False),
        sa.Column(
            "line_kind",
            sa.Enum(
                "railway",
                "road",
                "power",
                "telecom",
                "pipeline",
                "other",
                name="linekind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("section", sa.String(length=120), nullable=False),
        sa.Column("village_id", sa.Uuid(), nullable=True),
        sa.Column("grid_id", sa.Uuid(), nullable=True),
        sa.Column("leader", sa.String(length=64), nullable=False),
        sa.Column("leader_phone", sa.String(length=20), nullable=True),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("patrolled_on", sa.Date(), nullable=False),
        sa.Column("risk_points", sa.Text(), nullable=False),
        sa.Column(
            "rectify_status",
            sa.Enum("none", "pending", "done", name="rectifystatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("handling", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_line_patrols_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_line_patrols_grid_id_grids")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_line_patrols_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_line_patrols_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_patrols")),
    )
    with op.batch_alter_table("line_patrols", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_line_patrols_line"), ["line"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_line_patrols_patrolled_on"), ["patrolled_on"], unique=False
        )

    op.create_table(
        "aid_records",
        sa.Column(
            "aid_type",
            sa.Enum(
                "temporary",
                "subsistence",
                "extreme_poverty",
                "medical",
                "education",
                "housing",
                "other",
                name="aidtype",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("approver", sa.String(length=64), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("village_id", sa.Uuid(), nullable=True),
        sa.Column("grid_id", sa.Uuid(), nullable=True),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("matter_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_aid_records_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_aid_records_grid_id_grids")
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["matters.id"],
            name=op.f("fk_aid_records_matter_id_matters"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_aid_records_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_aid_records_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aid_records")),
    )
    with op.batch_alter_table("aid_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aid_records_approved_on"), ["approved_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_aid_records_id_number"), ["id_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_aid_records_matter_id"), ["matter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_aid_records_name"), ["name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("aid_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aid_records_name"))
        batch_op.drop_index(batch_op.f("ix_aid_records_matter_id"))
        batch_op.drop_index(batch_op.f("ix_aid_records_id_number"))
        batch_op.drop_index(batch_op.f("ix_aid_records_approved_on"))

    op.drop_table("aid_records")
    with op.batch_alter_table("line_patrols", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_line_patrols_patrolled_on"))
        batch_op.drop_index(batch_op.f("ix_line_patrols_line"))

    op.drop_table("line_patrols")
    with op.batch_alter_table("key_youths", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_key_youths_name"))
        batch_op.drop_index(batch_op.f("ix_key_youths_listed_on"))
        batch_op.drop_index(batch_op.f("ix_key_youths_id_number"))

    op.drop_table("key_youths")
    with op.batch_alter_table("drug_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drug_cases_started_on"))
        batch_op.drop_index(batch_op.f("ix_drug_cases_name"))
        batch_op.drop_index(batch_op.f("ix_drug_cases_id_number"))

    op.drop_table("drug_cases")
    with op.batch_alter_table("campus_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campus_checks_school"))
        batch_op.drop_index(batch_op.f("ix_campus_checks_inspected_on"))

    op.drop_table("campus_checks")
