"""report numbering per terminal and report attachments

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 22:05:00

信息报送 numbers come from the numbering service's counters (one series per year, kind and
terminal), so two writers on PostgreSQL, or a terminal and the center, never hand out the same
number. Existing reports keep their numbers: they are put on this machine's terminal and its
counters start after them. Reports get real attachments (``report_attachments``).
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTER_PREFIX = "RPT-"  # + the report kind; app/services/command/reports_upward.py


def upgrade() -> None:
    bind = op.get_bind()
    raw = bind.execute(sa.text("SELECT value FROM settings WHERE key = 'terminal'")).scalar()
    terminal = json.loads(raw) if raw else "A"
    with op.batch_alter_table("upward_reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("terminal", sa.String(length=8), server_default="A", nullable=False)
        )
        batch_op.drop_constraint("uq_upward_reports_kind_year_seq", type_="unique")
        batch_op.create_unique_constraint(
            "uq_upward_reports_kind_year_terminal_seq", ["kind", "year", "terminal", "seq"]
        )
    bind.execute(sa.text("UPDATE upward_reports SET terminal = :t"), {"t": terminal})
    rows = bind.execute(
        sa.text("SELECT kind, year, max(seq) FROM upward_reports GROUP BY kind, year")
    ).all()
    for kind, year, last in rows:
        prefix = COUNTER_PREFIX + kind
        bind.execute(
            sa.text(
                "DELETE FROM number_counters WHERE prefix = :p AND year = :y AND terminal = :t"
            ),
            {"p": prefix, "y": year, "t": terminal},
        )
        bind.execute(
            sa.text(
                "INSERT INTO number_counters (prefix, year, terminal, last_value) "
                "VALUES (:p, :y, :t, :v)"
            ),
            {"p": prefix, "y": year, "t": terminal, "v": last},
        )
    op.create_table(
        "report_attachments",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.Uuid(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"], ["users.id"], name=op.f("fk_report_attachments_added_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["upward_reports.id"],
            name=op.f("fk_report_attachments_report_id_upward_reports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_attachments")),
    )
    with op.batch_alter_table("report_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_attachments_report_id"), ["report_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("report_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_attachments_report_id"))
    op.drop_table("report_attachments")
    op.execute(sa.text(f"DELETE FROM number_counters WHERE prefix LIKE '{COUNTER_PREFIX}%'"))
    with op.batch_alter_table("upward_reports", schema=None) as batch_op:
        batch_op.drop_constraint("uq_upward_reports_kind_year_terminal_seq", type_="unique")
        batch_op.create_unique_constraint(
            "uq_upward_reports_kind_year_seq", ["kind", "year", "seq"]
        )
        batch_op.drop_column("terminal")
