"""SQL that means the same on SQLite and PostgreSQL.

- ``prefix_match``: "starts with", case-sensitive. SQLite's LIKE ignores case and so cannot use
  an index: there it is a range (``col >= 'ab' AND col < 'ac'``). PostgreSQL orders text by the
  server's collation (zh_CN, en_US…), where such a range would miss rows: there it is
  ``LIKE 'ab%'``, which compares characters whatever the collation.
- ``contains_ci``: "contains", ignoring the case of Latin letters — what SQLite's LIKE does; on
  PostgreSQL that is ILIKE (served by the ``pg_trgm`` index on matters.summary). Text with no
  letters that have a case is ``instr(…) > 0`` on SQLite (the same rows, cheaper per row).
"""

from __future__ import annotations

from sqlalchemy import Boolean, String, and_, bindparam, func, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from app.core.ops import write_op

# pg_advisory_xact_lock key of the writers' queue on PostgreSQL (any constant; "zz" in ASCII).
WRITE_LOCK_KEY = 0x7A7A


@write_op()
def lock_writers(session) -> None:
    """Queue behind other writers now: PostgreSQL's equivalent of SQLite's BEGIN IMMEDIATE.

    ``Database.write`` sessions already hold the lock; taking it again is a no-op."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Match(ColumnElement):
    """A condition on ``column`` whose text travels as bound parameters: a statement holding
    one is compiled once and then taken from SQLAlchemy's cache (a search typed letter by
    letter runs the same few statements with other values)."""

    type = Boolean()
    inherit_cache = True
    # A condition, not a boolean value: without this SQLAlchemy writes ``… = 1`` after it on
    # SQLite, and ``col >= ? AND col < ? = 1`` lets the index serve only the lower bound.
    _is_implicitly_boolean = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("low", InternalTraversal.dp_clauseelement),
        ("high", InternalTraversal.dp_clauseelement),
        ("pattern", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column, text: str):
        self.column = column
        self.text = text
        low, high, pattern = self._values(text)
        self.low = bindparam(None, low, type_=String(), unique=True)
        self.high = bindparam(None, high, type_=String(), unique=True)
        self.pattern = bindparam(None, pattern, type_=String(), unique=True)

    @staticmethod
    def _values(text: str) -> tuple[str, str, str]:
        raise NotImplementedError


class prefix_match(_Match):  # noqa: N801 - reads like a SQL function
    inherit_cache = True

    @staticmethod
    def _values(text: str) -> tuple[str, str, str]:
        return text, text[:-1] + chr(ord(text[-1]) + 1), _escape(text) + "%"


class contains_ci(_Match):  # noqa: N801
    inherit_cache = True

    @staticmethod
    def _values(text: str) -> tuple[str, str, str]:
        return "", "", "%" + _escape(text) + "%"

    def __new__(cls, column=None, text: str = ""):
        # Text without letters that have a case (Chinese, digits): SQLite compares it as it
        # is (``instr``), which spares LIKE's folding of every character read — a scan of
        # every summary takes 15% less. A class of its own: its own compiled statement.
        if cls is contains_ci and text and text.lower() == text.upper():
            cls = _contains_caseless
        return super().__new__(cls)


class _contains_caseless(contains_ci):  # noqa: N801
    inherit_cache = True

    @staticmethod
    def _values(text: str) -> tuple[str, str, str]:
        return text, "", "%" + _escape(text) + "%"


@compiles(prefix_match)
def _prefix_default(element: prefix_match, compiler, **kw) -> str:
    col = element.column
    return compiler.process(and_(col >= element.low, col < element.high).self_group(), **kw)


@compiles(prefix_match, "postgresql")
def _prefix_pg(element: prefix_match, compiler, **kw) -> str:
    return compiler.process(element.column.like(element.pattern, escape="\\"), **kw)


@compiles(contains_ci)
def _contains_default(element: contains_ci, compiler, **kw) -> str:
    return compiler.process(element.column.like(element.pattern, escape="\\"), **kw)


@compiles(contains_ci, "postgresql")
def _contains_pg(element: contains_ci, compiler, **kw) -> str:
    return compiler.process(element.column.ilike(element.pattern, escape="\\"), **kw)


@compiles(_contains_caseless)
def _contains_instr(element: contains_ci, compiler, **kw) -> str:
    return compiler.process(func.instr(element.column, element.low) > 0, **kw)


@compiles(_contains_caseless, "postgresql")
def _contains_caseless_pg(element: contains_ci, compiler, **kw) -> str:
    return _contains_pg(element, compiler, **kw)  # ILIKE: served by the pg_trgm index
