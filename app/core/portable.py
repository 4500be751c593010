"""SQL that means the same on SQLite and PostgreSQL.

- ``prefix_match``: "starts with", case-sensitive. SQLite's LIKE ignores case and so cannot use
  an index: there it is a range (``col >= 'ab' AND col < 'ac'``). PostgreSQL orders text by the
  server's collation (zh_CN, en_US…), where such a range would miss rows: there it is
  ``LIKE 'ab%'``, which compares characters whatever the collation.
- ``contains_ci``: "contains", ignoring the case of Latin letters — what SQLite's LIKE does; on
  PostgreSQL that is ILIKE, or LIKE for text without cased letters such as Chinese (both served
  by the ``pg_trgm`` index on matters.summary). Text without cased letters is ``instr(…) > 0``
  on SQLite (the same rows, cheaper per row than LIKE's case folding).
- ``contains``: "contains", case-sensitive, tested row by row (``instr`` / ``strpos``).
- ``serial_plans``: the rest of a transaction planned without parallel workers (PostgreSQL).
- ``rows_estimated``: a table's rows as PostgreSQL's planner estimates them (no count).
- ``exists_per_row``: EXISTS, asked of each row that reaches it. PostgreSQL's planner may
  otherwise collect every row the subquery could match into a hash first; there it is written
  as a scalar subquery, which it never does that with.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Select, String, Text, and_, bindparam, cast, func, literal, text
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


def serial_plans(session) -> None:
    """PostgreSQL: plan the rest of this transaction's statements without parallel workers.
    A search reads a few thousand index entries per statement; with workers at hand the
    planner would rather have three processes read a whole table (every visitor's matters
    from all of matter_persons, 1,000,000 rows, for a surname's 7,281 visitors) than follow
    the indexes, and on a server whose cores are busy the workers wait their turn: 王 at
    1,000,000 matters took 126 ms so, 48 ms without (machine load 1.9, two cores). SQLite:
    nothing to do."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def rows_estimated(session, table: str) -> int | None:
    """PostgreSQL: how many rows ``table`` holds, as the planner reckons it — the rows per
    page its statistics last found (VACUUM, ANALYZE, autovacuum), times the table's pages now;
    a catalog read instead of a count (1,000,000 matters: 25 ms). None on SQLite, and before
    the table was first analysed."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    rows = session.scalar(
        text(
            "SELECT reltuples / relpages * (pg_relation_size(oid) / "
            "current_setting('block_size')::float8) FROM pg_class "
            "WHERE oid = CAST(:t AS regclass) AND relpages > 0 AND reltuples >= 0"
        ),
        {"t": table},
    )
    return None if rows is None else round(rows)


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
    # Whether the text has letters with a case (part of the statement's cache key: the same
    # statement is not reused for text of the other kind).
    _traverse_internals = [
        *_Match._traverse_internals,
        ("cased", InternalTraversal.dp_boolean),
        ("pair", InternalTraversal.dp_boolean),
    ]

    def __init__(self, column, text: str, *, indexed: bool = True):
        super().__init__(column, text)
        self.cased = text.lower() != text.upper()
        # Two characters without case in matters.summary: PostgreSQL's index of two-character
        # runs finds them (migration 0035: ``zz_bigrams``), where pg_trgm has no trigram. Not
        # when the caller tests a few rows found otherwise (``indexed=False``): computed row by
        # row, the runs cost far more than the LIKE.
        self.pair = (
            indexed
            and len(text) == 2
            and not self.cased
            and getattr(column, "key", None) == "summary"
            and getattr(getattr(column, "table", None), "name", None) == "matters"
        )

    @staticmethod
    def _values(text: str) -> tuple[str, str, str]:
        return text, "", "%" + _escape(text) + "%"


class contains(_Match):  # noqa: N801
    """ "Contains", case and all, as a test of each row (no index serves it): ``instr`` on
    SQLite, ``strpos`` on PostgreSQL — neither folds case or reads a pattern."""

    inherit_cache = True

    @staticmethod
    def _values(text: str) -> tuple[str, str, str]:
        return text, "", ""


@compiles(contains)
def _contains_cs_default(element: contains, compiler, **kw) -> str:
    return compiler.process(func.instr(element.column, element.low) > 0, **kw)


@compiles(contains, "postgresql")
def _contains_cs_pg(element: contains, compiler, **kw) -> str:
    return compiler.process(func.strpos(element.column, element.low) > 0, **kw)


@compiles(prefix_match)
def _prefix_default(element: prefix_match, compiler, **kw) -> str:
    col = element.column
    return compiler.process(and_(col >= element.low, col < element.high).self_group(), **kw)


@compiles(prefix_match, "postgresql")
def _prefix_pg(element: prefix_match, compiler, **kw) -> str:
    return compiler.process(element.column.like(element.pattern, escape="\\"), **kw)


@compiles(contains_ci)
def _contains_default(element: contains_ci, compiler, **kw) -> str:
    if not element.cased:
        # Chinese, digits: compared as they are, which spares LIKE's folding of every
        # character read (a scan of every summary takes 15% less).
        return compiler.process(func.instr(element.column, element.low) > 0, **kw)
    return compiler.process(element.column.like(element.pattern, escape="\\"), **kw)


@compiles(contains_ci, "postgresql")
def _contains_pg(element: contains_ci, compiler, **kw) -> str:
    """ILIKE only for text with letters that have a case: Chinese, digits and the like are
    compared by LIKE, which PostgreSQL runs on the bytes, while ILIKE lower-cases every summary
    it reads first (a summary word found by reading the table costs several times as much).
    Both are served by the pg_trgm index for three characters or more."""
    like = element.column.ilike if element.cased else element.column.like
    cond = like(element.pattern, escape="\\")
    if element.pair:
        from sqlalchemy.dialects.postgresql import array  # PostgreSQL's only (not on SQLite)

        # The index of two-character runs (migration 0035), then the LIKE on those rows: on
        # ``summary || ''``, which pg_trgm's index cannot take (with no trigram in the text it
        # would read its whole index, 0.4 s at 1,000,000 matters, to return every row).
        runs = func.zz_bigrams(element.column).op("@>")(array([cast(element.low, Text)]))
        text_ = element.column.op("||")(text("''"))
        cond = and_(runs, text_.like(element.pattern, escape="\\"))
    return compiler.process(cond, **kw)


class exists_per_row(ColumnElement):  # noqa: N801
    """EXISTS (``query``), asked of each row of the outer query that reaches it (``query`` is
    correlated to that row). PostgreSQL turns an EXISTS into a "hashed SubPlan" when it
    expects many rows to ask: every row the subquery could match, collected first. For a
    matter's visitors and a surname that is every 王's matters (10,470 at 1,000,000), collected
    to test the few thousand newest matters, of which the page needs a few hundred; and a
    letter's visitors (49,279 for "z") cost 0.4 s collected, where the page's 200 matches are
    found by asking 2,758 rows. A scalar subquery is never collected: ``(SELECT 1 … LIMIT 1)
    IS NOT NULL`` there. SQLite always asks row by row: plain EXISTS."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True
    _traverse_internals = [("query", InternalTraversal.dp_clauseelement)]

    def __init__(self, query: Select):
        self.query = query


@compiles(exists_per_row)
def _exists_default(element: exists_per_row, compiler, **kw) -> str:
    return compiler.process(element.query.exists(), **kw)


@compiles(exists_per_row, "postgresql")
def _exists_pg(element: exists_per_row, compiler, **kw) -> str:
    one = element.query.with_only_columns(literal(1)).limit(1).scalar_subquery()
    return compiler.process(one.is_not(None), **kw)
