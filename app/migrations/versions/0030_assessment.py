"""考核评价: schemes, indicators, periods, versioned scores, 加分/扣分 items, 教育培训 sessions,
and a village's population (常住人口) for matters per 1,000 residents

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 02:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Uuid(), nullable=False)


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "assessment_schemes",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("frozen", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _id(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_schemes")),
        sa.UniqueConstraint("year", name=op.f("uq_assessment_schemes_year")),
    )
    op.create_table(
        "assessment_indicators",
        sa.Column("scheme_id", sa.Uuid(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _id(),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["assessment_schemes.id"],
            name=op.f("fk_assessment_indicators_scheme_id_assessment_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_indicators")),
        sa.UniqueConstraint(
            "scheme_id", "target_kind", "code", name="uq_assessment_indicators_code"
        ),
    )
    _index("assessment_indicators", "scheme_id")
    op.create_table(
        "assessment_periods",
        sa.Column("scheme_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("closed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        _id(),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_assessment_periods_closed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["assessment_schemes.id"],
            name=op.f("fk_assessment_periods_scheme_id_assessment_schemes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_periods")),
        sa.UniqueConstraint("scheme_id", "label", name="uq_assessment_periods_label"),
    )
    _index("assessment_periods", "scheme_id")
    op.create_table(
        "training_sessions",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("trainer", sa.String(length=64), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _id(),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_training_sessions_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sessions")),
    )
    _index("training_sessions", "day")
    op.create_table(
        "assessment_items",
        sa.Column("period_id", sa.Uuid(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("entered_by", sa.Uuid(), nullable=True),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        _id(),
        sa.ForeignKeyConstraint(
            ["entered_by"], ["users.id"], name=op.f("fk_assessment_items_entered_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["assessment_periods.id"],
            name=op.f("fk_assessment_items_period_id_assessment_periods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_items")),
    )
    _index("assessment_items", "period_id")
    op.create_table(
        "assessment_scores",
        sa.Column("period_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("target_name", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("shown", sa.String(length=64), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        _id(),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["assessment_periods.id"],
            name=op.f("fk_assessment_scores_period_id_assessment_periods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_scores")),
    )
    _index("assessment_scores", "period_id")
    op.create_table(
        "assessment_versions",
        sa.Column("period_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("made_by", sa.Uuid(), nullable=True),
        _id(),
        sa.ForeignKeyConstraint(
            ["made_by"], ["users.id"], name=op.f("fk_assessment_versions_made_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["assessment_periods.id"],
            name=op.f("fk_assessment_versions_period_id_assessment_periods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_versions")),
        sa.UniqueConstraint("period_id", "version", name="uq_assessment_versions_version"),
    )
    _index("assessment_versions", "period_id")
    op.create_table(
        "training_attendees",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        _id(),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_training_attendees_session_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_training_attendees_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_attendees")),
    )
    _index("training_attendees", "session_id")
    _index("training_attendees", "unit_id")
    with op.batch_alter_table("villages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("population", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("villages", schema=None) as batch_op:
        batch_op.drop_column("population")
    for table, columns in (
        ("training_attendees", ("unit_id", "session_id")),
        ("assessment_versions", ("period_id",)),
        ("assessment_scores", ("period_id",)),
        ("assessment_items", ("period_id",)),
        ("training_sessions", ("day",)),
        ("assessment_periods", ("scheme_id",)),
        ("assessment_indicators", ("scheme_id",)),
    ):
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
    op.drop_table("assessment_schemes")
