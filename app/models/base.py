"""Declarative base: UUID keys and a constraint naming convention (batch mode needs names)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.core import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Indexes that exist on one backend only, made by migrations and not by the models: the
# trigram index that lets PostgreSQL answer "summary contains …" without reading every row.
BACKEND_ONLY_INDEXES = frozenset({"ix_matters_summary_trgm"})


def include_in_comparison(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object``: leave the backend-only indexes out of model comparisons,
    and SQLite's full-text index of summaries (``matters_fts`` and its FTS5 shadow tables,
    made by migration 0021 and ``app.core.text_search``, not by the models)."""
    from app.core.text_search import is_search_table

    if type_ == "table" and is_search_table(name):
        return False
    return not (type_ == "index" and name in BACKEND_ONLY_INDEXES)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UUIDPk:
    """UUID primary keys, so records made on offline terminals merge without collisions."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


def now() -> datetime:
    """Local wall-clock time without tzinfo: the center works in one time zone (Asia/Shanghai)."""
    return clock.now().replace(microsecond=0)
