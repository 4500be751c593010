"""受理编号: per year, gap-free per terminal, e.g. BS2026-A-000123.

The counter row is read and bumped in the registering transaction: on SQLite that
transaction began with ``BEGIN IMMEDIATE`` (one writer at a time); on PostgreSQL writers
queue on an advisory lock (``lock_writers``) and the row is locked with
``SELECT … FOR UPDATE``. A registration that fails rolls the counter back with it, so no
number is skipped.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.ops import write_op
from app.core.portable import lock_writers
from app.models import NumberCounter


@write_op()
def next_seq(session: Session, prefix: str, year: int, terminal: str, count: int = 1) -> int:
    """The next number of the year's series; with ``count`` > 1 that many numbers in a row are
    taken at once (an import) and the first is returned."""
    lock_writers(session)
    # The backend's own INSERT … ON CONFLICT, imported here: SQLAlchemy's PostgreSQL package
    # (with its asyncpg parts) would otherwise load at every start, also on SQLite.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(
        insert(NumberCounter)
        .values(prefix=prefix, year=year, terminal=terminal, last_value=0)
        .on_conflict_do_nothing()
    )
    counter = session.scalars(
        select(NumberCounter)
        .where(
            NumberCounter.prefix == prefix,
            NumberCounter.year == year,
            NumberCounter.terminal == terminal,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    first = counter.last_value + 1
    counter.last_value += count
    session.flush()
    return first


def format_number(fmt: str, prefix: str, year: int, terminal: str, seq: int) -> str:
    return fmt.format(prefix=prefix, year=year, terminal=terminal, seq=seq)
