"""SQLite: full-text index (FTS5, trigram) for searching matter summaries

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 22:00:00

"Summary contains …" read every matter on SQLite (``SCAN matters``). ``matters_fts`` indexes
each summary's three-character runs, kept in step by triggers and built here for the matters
already stored (``app.core.text_search``). Where this SQLite lacks the trigram tokenizer (older
than 3.34) nothing is made and summaries are still searched by LIKE. PostgreSQL already has
the pg_trgm index (0014).
"""

from collections.abc import Sequence

from alembic import op

from app.core import text_search

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text_search.ensure(op.get_bind())


def downgrade() -> None:
    text_search.drop(op.get_bind())
