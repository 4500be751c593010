"""Full-text search of matter summaries on SQLite: an FTS5 table with the trigram tokenizer.

"Summary contains 物业噪音" is a LIKE '%…%' that reads every matter. On SQLite ≥ 3.34 (with FTS5)
the ``matters_fts`` table indexes every three-character run of each summary, so a query of three
characters or more is answered from the index; one- and two-character queries have no trigram
and stay LIKE (the list then reads the newest matters first). PostgreSQL has the pg_trgm GIN
index on matters.summary instead (revision 0014).

``matters_fts`` is an external-content table over ``matters`` (keyed by its rowid): it stores
the index, not a second copy of the text. Triggers keep it in step with every insert, update of
the summary and delete. A batch-mode migration that rebuilds ``matters`` drops the triggers and
renumbers the rowids: ``ensure`` (run after every upgrade) puts the triggers back and rebuilds
the index then. The table and its shadow tables (``matters_fts_data`` …) are not in the models:
``is_search_table`` names them for the models/migrations comparison and for copying a database.
"""

from __future__ import annotations

import contextlib
import logging
import weakref

log = logging.getLogger(__name__)

TABLE = "matters_fts"
MIN_CHARS = 3  # a trigram: shorter queries stay LIKE (two characters: see ``pair_terms``)
# The index's terms (every distinct trigram), as FTS5 lists them: a table of each connection's
# own temporary schema, made when it connects (reads are query_only, which forbids making it).
TERMS = "matters_fts_terms"
# The last two characters of each summary (an expression index, SQLite only, made by
# migration 0039 and by ``ensure``: a batch migration that rebuilds matters does not keep it).
PAIR_END_INDEX = "ix_matters_summary_end"
_PAIR_END_DDL = f"CREATE INDEX IF NOT EXISTS {PAIR_END_INDEX} ON matters (substr(summary, -2))"
_TRIGGERS = {
    "matters_fts_ai": (
        "CREATE TRIGGER matters_fts_ai AFTER INSERT ON matters BEGIN "
        "INSERT INTO matters_fts(rowid, summary) VALUES (new.rowid, new.summary); END"
    ),
    "matters_fts_ad": (
        "CREATE TRIGGER matters_fts_ad AFTER DELETE ON matters BEGIN "
        "INSERT INTO matters_fts(matters_fts, rowid, summary) "
        "VALUES ('delete', old.rowid, old.summary); END"
    ),
    "matters_fts_au": (
        "CREATE TRIGGER matters_fts_au AFTER UPDATE OF summary ON matters BEGIN "
        "INSERT INTO matters_fts(matters_fts, rowid, summary) "
        "VALUES ('delete', old.rowid, old.summary); "
        "INSERT INTO matters_fts(rowid, summary) VALUES (new.rowid, new.summary); END"
    ),
}


def is_search_table(name: str) -> bool:
    """``matters_fts`` and the shadow tables FTS5 keeps for it."""
    return name == TABLE or name.startswith(TABLE + "_")


def trigram_supported(conn) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (3.34 and later)."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    if sqlite3.sqlite_version_info < (3, 34):
        return False
    try:
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE temp.zz_trigram_probe USING fts5(x, tokenize='trigram')"
        )
        conn.exec_driver_sql("DROP TABLE temp.zz_trigram_probe")
    except (DBAPIError, sqlite3.Error):  # no FTS5, or no trigram tokenizer: LIKE it is
        return False
    return True


def ensure(conn) -> None:
    """Create the index, its triggers and its rows if missing (SQLite only; a no-op where the
    build lacks trigram, with a log line: summaries are then searched by LIKE)."""
    if conn.dialect.name != "sqlite":
        return
    if not trigram_supported(conn):
        log.warning("此 SQLite 不支持 FTS5 trigram（需 3.34 以上），事项摘要搜索将逐行比较。")
        return
    names = {
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
        )
    }
    rebuild = False
    if TABLE not in names:
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
            "summary, content='matters', content_rowid='rowid', tokenize='trigram')"
        )
        rebuild = True
    for name, ddl in _TRIGGERS.items():
        if name not in names:
            conn.exec_driver_sql(ddl)
            rebuild = True  # the table was rebuilt (batch mode): its rowids may have moved
    if rebuild:
        conn.exec_driver_sql(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")


def ensure_pair_end(conn) -> None:
    """The index of each summary's last two characters (``PAIR_END_INDEX``), if missing: made
    by migration 0039 and after every upgrade, not by ``ensure``, which older migrations call
    before their batch rebuilds of matters — those reflect the table, and an expression index
    is neither reflected nor kept (SQLAlchemy warns). A later migration that rebuilds matters
    in batch mode should drop it first; the upgrade then puts it back."""
    if conn.dialect.name == "sqlite" and _in_schema(conn, "table", TABLE):
        conn.exec_driver_sql(_PAIR_END_DDL)


def _in_schema(conn, kind: str, name: str) -> bool:
    """Whether the database has the table or index ``name`` (``kind``)."""
    found = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?", (kind, name)
    ).first()
    return found is not None


def _cached(cache: weakref.WeakKeyDictionary, engine, conn, kind: str, name: str) -> bool:
    """``_in_schema``, asked once per engine (SQLite only; False elsewhere)."""
    if engine.dialect.name != "sqlite":
        return False
    known = cache.get(engine)
    if known is None:
        known = cache[engine] = _in_schema(conn, kind, name)
    return known


def drop(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql(f"DROP INDEX IF EXISTS {PAIR_END_INDEX}")
    for name in _TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")


_present: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def available(engine, conn) -> bool:
    """Whether ``matters_fts`` exists on this database (asked once per engine)."""
    return _cached(_present, engine, conn, "table", TABLE)


def match_text(query: str) -> str:
    """An FTS5 query for the whole text as one phrase: a substring, as LIKE '%…%' means."""
    return '"' + query.replace('"', '""') + '"'


def connect(dbapi_conn) -> None:
    """On each new SQLite connection: its list of the index's terms (``pair_terms``). Made
    whether or not the index exists yet (FTS5 looks for it when the list is read); nothing
    where this SQLite lacks FTS5."""
    import sqlite3

    with contextlib.suppress(sqlite3.Error):
        dbapi_conn.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{TERMS} USING fts5vocab(main, {TABLE}, row)"
        )


_pair_present: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def pair_available(engine, conn) -> bool:
    """Whether two characters can be found from the indexes (``pair_terms``): the index of
    summaries' last two characters is there (asked once per engine; without it, the end of
    every summary would be read: LIKE is then the cheaper)."""
    return _cached(_pair_present, engine, conn, "index", PAIR_END_INDEX)


def pair_searchable(text: str) -> bool:
    """Two characters without case (Chinese, digits): found from the index's terms. (With a
    letter, the index's case folding and LIKE's might not agree: LIKE reads the summaries.)"""
    return len(text) == 2 and text.lower() == text.upper()


def pair_terms(conn, pair: str) -> tuple[str, ...] | None:
    """The trigrams of the index that begin with ``pair`` (two characters). A summary holds
    the pair either before a third character — then one of these trigrams is in its index
    entry — or as its last two characters (``PAIR_END_INDEX``). Read from the index's sorted
    list of terms (a fraction of a millisecond), so two-character words and names need not
    read every summary. None if the list cannot be read (no index)."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    after = ord(pair[1]) + 1
    if 0xD800 <= after <= 0xDFFF:  # no text holds a lone surrogate: the next character
        after = 0xE000
    high = pair[0] + chr(min(after, 0x10FFFF))
    try:
        rows = conn.exec_driver_sql(
            f"SELECT term FROM temp.{TERMS} WHERE term >= ? AND term < ?", (pair, high)
        )
        return tuple(r[0] for r in rows)
    except (DBAPIError, sqlite3.Error):
        return None


def terms_match(terms: tuple[str, ...]) -> str:
    """An FTS5 query for a summary holding any of ``terms``."""
    return " OR ".join(match_text(t) for t in terms)
