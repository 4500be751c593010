"""ID card fields on persons (性别, 民族, 出生日期, 签发机关, 有效期限) and the sealed card photo

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04 02:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sex", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("nation", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("id_authority", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("id_valid_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("id_valid_until", sa.Date(), nullable=True))
    op.create_table(
        "person_card_photos",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("recovery_id", sa.Uuid(), nullable=False),
        sa.Column("crypt_alg", sa.String(length=16), nullable=False),
        sa.Column("ephemeral_public", sa.LargeBinary(), nullable=False),
        sa.Column("photo_ct", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_person_card_photos_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recovery_id"],
            ["notes_recovery_keys.id"],
            name=op.f("fk_person_card_photos_recovery_id_notes_recovery_keys"),
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_card_photos")),
    )


def downgrade() -> None:
    op.drop_table("person_card_photos")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_column("id_valid_until")
        batch_op.drop_column("id_valid_from")
        batch_op.drop_column("id_authority")
        batch_op.drop_column("birth_date")
        batch_op.drop_column("nation")
        batch_op.drop_column("sex")
