"""Rows as plain JSON values, the same whatever the database: for copying and comparing.

``migrate-db`` checks a copy by comparing per-table checksums built from these values, and
exchange bundles carry rows in this form. A value is encoded from its Python value (what
SQLAlchemy's column type gives back), so a UUID, a date or an enumeration reads the same from
SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection


def encode_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True))
    raise TypeError(f"cannot encode {type(value).__name__}")


def _python_type(column) -> type | None:
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def decode_value(column, value: Any) -> Any:
    """Back from the JSON value to what the column's type takes."""
    kind = _python_type(column)
    if value is None or kind is None or kind in (str, int, float, bool, dict, list):
        return value
    if issubclass(kind, enum.Enum):
        return kind(value)
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is time:
        return time.fromisoformat(value)
    if kind is bytes:
        return base64.b64decode(value)
    if kind is Decimal:
        return Decimal(value)
    return value


def encode_row(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as JSON-ready values, without the columns each database derives for itself
    (``info={"derived": True}``, such as ``matters.visitor_keys``): copies, exchange bundles
    and checksums carry what a person wrote, and the receiving database computes the rest."""
    return {c.name: encode_value(row[c.name]) for c in table.columns if not c.info.get("derived")}


def decode_row(table: Table, data: Mapping[str, Any]) -> dict[str, Any]:
    return {c.name: decode_value(c, data[c.name]) for c in table.columns if c.name in data}


def canonical(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def row_hash(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


def primary_key(table: Table, data: Mapping[str, Any]) -> str:
    """The row's key as text (JSON list of its encoded key columns)."""
    return json.dumps([data[c.name] for c in table.primary_key.columns], ensure_ascii=False)


def table_rows(conn: Connection, table: Table) -> Iterable[dict[str, Any]]:
    result = conn.execution_options(yield_per=1000).execute(select(table))
    for row in result.mappings():
        yield encode_row(table, row)


def table_checksum(conn: Connection, table: Table) -> tuple[int, str]:
    """Row count and a checksum that does not depend on row order or the database's collation."""
    digests = sorted(row_hash(r) for r in table_rows(conn, table))
    total = hashlib.sha256()
    for d in digests:
        total.update(d.encode("ascii"))
    return len(digests), total.hexdigest()
