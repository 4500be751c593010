"""Which rows changed, for exchange bundles: every ORM insert, update and delete of a table
that travels is logged in ``row_changes``, in the writer's own transaction.

The data layer installs the tracking when it opens a database (``app.db.Database``), so no
write escapes it, whoever makes it; ``services.data.exchange`` reads the log to build bundles.
Which tables never travel is decided here too (``LOCAL_TABLES``, key material).
"""

from __future__ import annotations

import json

from sqlalchemy import Table, event, insert

from app.core.rows import encode_value
from app.models import Base, RowChange
from app.models.base import now

LOCAL_TABLES = frozenset(
    {
        "alembic_version",
        "import_jobs",
        "import_staged_rows",
        "audit_log",
        "number_counters",
        "settings",
        "row_changes",
        "terminal_keys",
        "bundle_imports",
        "bundle_rows",
        "bundle_conflicts",
        "users",
        "calendar_days",
        "calendar_years",
        "matter_tallies",  # each database counts its own matters (app/models/tallies.py)
    }
)


def is_key_material(table: Table) -> bool:
    """Keys and key wraps (``*_keys``, ``*_key_wraps``) stay on the machine that made them."""
    return table.name.endswith(("_keys", "_key_wraps"))


def is_local(table: Table) -> bool:
    return table.name in LOCAL_TABLES or is_key_material(table)


def _key_of(mapper, target) -> str:
    values = [
        encode_value(getattr(target, mapper.get_property_by_column(c).key))
        for c in mapper.local_table.primary_key.columns
    ]
    return json.dumps(values, ensure_ascii=False)


def _tracker(op: str):
    # One statement object, given the values as parameters: compiled once and then taken from
    # the cache, not rebuilt for every row (an import writes tens of thousands of rows).
    statement = insert(RowChange.__table__)

    def track(mapper, connection, target) -> None:
        table = mapper.local_table
        if is_local(table):
            return
        connection.execute(
            statement,
            {"table_name": table.name, "row_key": _key_of(mapper, target), "op": op, "at": now()},
        )

    return track


_TRACKERS = {
    "after_insert": _tracker("insert"),
    "after_update": _tracker("update"),
    "after_delete": _tracker("delete"),
}


def install_change_tracking() -> None:
    """Log every ORM insert, update and delete of an exchanged table (idempotent)."""
    for name, fn in _TRACKERS.items():
        if not event.contains(Base, name, fn):
            event.listen(Base, name, fn, propagate=True)


def log_changes(session, table: Table, keys: list[list], op: str = "insert") -> None:
    """Log rows written without the ORM (an import's multi-row INSERTs), one statement for all:
    ``keys`` are the rows' primary-key values in the table's key order."""
    if is_local(table) or not keys:
        return
    at = now()
    session.execute(
        insert(RowChange.__table__),
        [
            {
                "table_name": table.name,
                "row_key": json.dumps([encode_value(v) for v in key], ensure_ascii=False),
                "op": op,
                "at": at,
            }
            for key in keys
        ],
    )


def log_inserts(session, table: Table, keys: list[list]) -> None:
    log_changes(session, table, keys, "insert")
