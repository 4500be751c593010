"""Declarative base: UUID keys and a constraint naming convention (batch mode needs names)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Index, MetaData, Uuid
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
# SQLite's index of each summary's last two characters (``text_search.PAIR_END_INDEX``).
BACKEND_ONLY_INDEXES = frozenset(
    {"ix_matters_summary_trgm", "ix_matters_summary_bigrams", "ix_matters_summary_end"}
)


def include_in_comparison(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object``: leave the backend-only indexes out of model comparisons,
    and SQLite's full-text index of summaries (``matters_fts`` and its FTS5 shadow tables,
    made by migration 0021 and ``app.core.text_search``, not by the models)."""
    from app.core.text_search import is_search_table

    if type_ == "table" and is_search_table(name):
        return False
    return not (type_ == "index" and name in BACKEND_ONLY_INDEXES)


def made_on(index: Any, dialect: str) -> bool:
    """Whether ``index`` is built on ``dialect`` (``Index.ddl_if(dialect=…)``, e.g. the
    PostgreSQL-only ``pattern_index``)."""
    ddl_if = getattr(index, "_ddl_if", None)
    wanted = getattr(ddl_if, "dialect", None)
    if wanted is None:
        return True
    return dialect == wanted if isinstance(wanted, str) else dialect in wanted


def comparison_on(dialect: str) -> Callable[..., bool]:
    """``include_in_comparison`` for one backend: a model's index that this backend does not
    build (``made_on``) is not looked for in its database."""

    if dialect == "postgresql":
        with_postgresql_options()

    def include(obj, name, type_, reflected, compare_to) -> bool:
        if type_ == "index" and not reflected and not made_on(obj, dialect):
            return False
        return include_in_comparison(obj, name, type_, reflected, compare_to)

    return include


_PATTERN_INDEXES: list[tuple[Index, str, tuple[str, ...]]] = []


def pattern_index(table: str, column: str, include: tuple[str, ...] = ()) -> Index:
    """PostgreSQL: an index in plain character order (``varchar_pattern_ops``) for a column
    searched by prefix (``prefix_match``: LIKE 'ab%'). Under a non-C collation (zh_CN.UTF-8,
    en_US.UTF-8, ICU) the column's ordinary index cannot serve LIKE; this one can. SQLite's
    prefix range uses the ordinary index, so it has none (migration 0032). ``include``: columns
    carried in the index (INCLUDE), so that a search reads what it needs from the index alone
    (a visitor's id: migration 0038).

    The operator class is named once PostgreSQL is in use (``with_postgresql_options``):
    naming it here would load SQLAlchemy's PostgreSQL dialect, 30–40 ms, in every process
    (issue 17: a receipt from the command line on SQLite)."""
    index = Index(f"ix_{table}_{column}_pattern", column).ddl_if(dialect="postgresql")
    _PATTERN_INDEXES.append((index, column, include))
    return index


def with_postgresql_options() -> None:
    """Give the PostgreSQL-only indexes their dialect options (``pattern_index``); called when
    a PostgreSQL database is opened or compared with the models."""
    for index, column, include in _PATTERN_INDEXES:
        if not index.dialect_options["postgresql"]["ops"]:  # {} until given
            index.dialect_kwargs["postgresql_ops"] = {column: "varchar_pattern_ops"}
            if include:
                index.dialect_kwargs["postgresql_include"] = list(include)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UUIDPk:
    """UUID primary keys, so records made on offline terminals merge without collisions."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


def now() -> datetime:
    """Local wall-clock time without tzinfo: the center works in one time zone (Asia/Shanghai)."""
    return clock.now().replace(microsecond=0)
