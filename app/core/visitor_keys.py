"""来访人检索串 (``matters.visitor_keys``): each matter's visitors' names, pinyin and initials on
the matter's own row, kept by the database itself.

A search that matches many visitors (a surname, a letter or two of pinyin) looks for its page
among the newest matters (``intake._among_newest``). Asking each matter read whether one of its
visitors matches cost a lookup of its visitor links and their people (about 3 µs a row on
SQLite), or the list of every matching visitor's matters built first in each statement — which
grows with the data (2,956 matters for 张 at 300,000). With the visitors on the row, the test
is a substring test of a column the database reads anyway: the cost stays the rows read for a
page.

The text is, for each visitor in the matter's order, ``"\\n" + name + "\\t" + pinyin + "\\t" +
initials``. A name typed (张, 张伟) is found as ``"\\n张"``: a prefix of a name; letters (z,
zhang, zs) as ``"\\tz"``: a prefix of the pinyin or the initials — the same rows the person
indexes give (``intake._search_lookups``). Neither newline nor tab can be part of a name.

Who keeps it: triggers, on both backends, so that every write — the program's services, a
bulk import, an exchange bundle, a copy between databases, a tool run against the file — keeps
it without knowing of it: a visitor linked to a matter, unlinked or moved (``matter_persons``),
and a visitor's name, pinyin or initials changed (``persons``). A SQLite migration that rebuilds
one of those tables (batch mode) would fail on the triggers, whose bodies name the other tables
(SQLite checks them when the rebuilt table is renamed): ``app.db.upgrade`` drops them before
migrating an existing database and ``ensure`` (run after every upgrade, as ``text_search.ensure``)
puts them back and refills the column. ``zongzhi check`` compares
the column with a recount (``differences``) and refills it, saying so. Exchange bundles do not
carry the column (``DERIVED``): each database computes it from its own people.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

COLUMN = "visitor_keys"
NAME_MARK = "\n"  # before each visitor's name
LETTERS_MARK = "\t"  # before each visitor's pinyin and initials

# The column's info: computed by the database, never exchanged or compared between terminals.
DERIVED = {"derived": True}

_SQLITE_KEYS = (
    "coalesce((SELECT group_concat(k, '') FROM (SELECT char(10) || p.name || char(9) || "
    "p.name_pinyin || char(9) || p.name_initials AS k FROM matter_persons mp "
    "JOIN persons p ON p.id = mp.person_id WHERE mp.matter_id = {m} "
    "ORDER BY mp.position, mp.person_id)), '')"
)

SQLITE_TRIGGERS = {
    "visitor_keys_link_ai": (
        "CREATE TRIGGER visitor_keys_link_ai AFTER INSERT ON matter_persons BEGIN "
        "UPDATE matters SET visitor_keys = {new} WHERE id = new.matter_id; END"
    ).format(new=_SQLITE_KEYS.format(m="new.matter_id")),
    "visitor_keys_link_ad": (
        "CREATE TRIGGER visitor_keys_link_ad AFTER DELETE ON matter_persons BEGIN "
        "UPDATE matters SET visitor_keys = {old} WHERE id = old.matter_id; END"
    ).format(old=_SQLITE_KEYS.format(m="old.matter_id")),
    "visitor_keys_link_au": (
        "CREATE TRIGGER visitor_keys_link_au AFTER UPDATE ON matter_persons BEGIN "
        "UPDATE matters SET visitor_keys = {old} WHERE id = old.matter_id; "
        "UPDATE matters SET visitor_keys = {new} WHERE id = new.matter_id; END"
    ).format(
        old=_SQLITE_KEYS.format(m="old.matter_id"), new=_SQLITE_KEYS.format(m="new.matter_id")
    ),
    "visitor_keys_person_au": (
        "CREATE TRIGGER visitor_keys_person_au AFTER UPDATE OF name, name_pinyin, name_initials "
        "ON persons WHEN old.name IS NOT new.name OR old.name_pinyin IS NOT new.name_pinyin "
        "OR old.name_initials IS NOT new.name_initials BEGIN "
        "UPDATE matters SET visitor_keys = {m} WHERE id IN "
        "(SELECT matter_id FROM matter_persons WHERE person_id = new.id); END"
    ).format(m=_SQLITE_KEYS.format(m="matters.id")),
}

PG_FUNCTIONS = (
    "CREATE OR REPLACE FUNCTION zz_visitor_keys(m uuid) RETURNS text LANGUAGE sql STABLE AS $$ "
    "SELECT coalesce(string_agg(E'\\n' || p.name || E'\\t' || p.name_pinyin || E'\\t' || "
    "p.name_initials, '' ORDER BY mp.position, mp.person_id), '') FROM matter_persons mp "
    "JOIN persons p ON p.id = mp.person_id WHERE mp.matter_id = m $$",
    "CREATE OR REPLACE FUNCTION zz_visitor_keys_links() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF TG_OP <> 'INSERT' THEN "
    "UPDATE matters SET visitor_keys = zz_visitor_keys(OLD.matter_id) WHERE id = OLD.matter_id; "
    "END IF; "
    "IF TG_OP <> 'DELETE' THEN "
    "UPDATE matters SET visitor_keys = zz_visitor_keys(NEW.matter_id) WHERE id = NEW.matter_id; "
    "END IF; "
    "RETURN NULL; END $$",
    # On every update of a person, testing the three columns itself: a trigger naming columns
    # (UPDATE OF …, WHEN …) would forbid ALTER COLUMN … TYPE on them (a collation changed).
    "CREATE OR REPLACE FUNCTION zz_visitor_keys_person() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF NEW.name IS DISTINCT FROM OLD.name OR NEW.name_pinyin IS DISTINCT FROM OLD.name_pinyin "
    "OR NEW.name_initials IS DISTINCT FROM OLD.name_initials THEN "
    "UPDATE matters SET visitor_keys = zz_visitor_keys(id) WHERE id IN "
    "(SELECT matter_id FROM matter_persons WHERE person_id = NEW.id); "
    "END IF; "
    "RETURN NULL; END $$",
)

PG_TRIGGERS = {
    "visitor_keys_links": (
        "CREATE TRIGGER visitor_keys_links AFTER INSERT OR UPDATE OR DELETE ON matter_persons "
        "FOR EACH ROW EXECUTE FUNCTION zz_visitor_keys_links()"
    ),
    "visitor_keys_person": (
        "CREATE TRIGGER visitor_keys_person AFTER UPDATE ON persons "
        "FOR EACH ROW EXECUTE FUNCTION zz_visitor_keys_person()"
    ),
}


def _recount_sql(dialect: str) -> str:
    """Every matter's text as its visitors make it now (``m`` the matter's id)."""
    if dialect == "postgresql":
        return "zz_visitor_keys(matters.id)"
    return _SQLITE_KEYS.format(m="matters.id")


def _existing_triggers(conn: Connection) -> set[str]:
    if conn.dialect.name == "postgresql":
        q = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        q = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    return {r[0] for r in conn.exec_driver_sql(q)}


def missing_triggers(conn: Connection) -> list[str]:
    """The triggers this backend should have and does not."""
    wanted = PG_TRIGGERS if conn.dialect.name == "postgresql" else SQLITE_TRIGGERS
    have = _existing_triggers(conn)
    return [name for name in wanted if name not in have]


def ensure(conn: Connection) -> bool:
    """Create the triggers (and PostgreSQL's functions) that are missing; if any was, refill
    the column (writes may have passed without it). Returns whether it refilled."""
    have = _existing_triggers(conn)
    if conn.dialect.name == "postgresql":
        wanted = PG_TRIGGERS
        if not set(wanted) <= have:
            for ddl in PG_FUNCTIONS:
                conn.exec_driver_sql(ddl)
    else:
        wanted = SQLITE_TRIGGERS
    missing = [name for name in wanted if name not in have]
    for name in missing:
        conn.exec_driver_sql(wanted[name])
    if missing:
        refill(conn)
    return bool(missing)


def drop(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS visitor_keys_links ON matter_persons")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS visitor_keys_person ON persons")
        for fn in ("zz_visitor_keys_links()", "zz_visitor_keys_person()", "zz_visitor_keys(uuid)"):
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {fn}")
    else:
        for name in SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def refill(conn: Connection) -> int:
    """Every matter's text computed afresh; returns how many matters there are."""
    keys = _recount_sql(conn.dialect.name)
    return conn.exec_driver_sql(f"UPDATE matters SET visitor_keys = {keys}").rowcount or 0


def differences(conn: Connection) -> int:
    """How many matters' text differs from what their visitors make it now (0: right)."""
    keys = _recount_sql(conn.dialect.name)
    op = "IS DISTINCT FROM" if conn.dialect.name == "postgresql" else "IS NOT"
    return int(
        conn.exec_driver_sql(
            f"SELECT count(*) FROM matters WHERE visitor_keys {op} {keys}"
        ).scalar()
    )


def name_key(typed: str) -> str:
    """What a name typed (or its beginning) is found as."""
    return NAME_MARK + typed


def letters_key(typed: str) -> str:
    """What pinyin or initials typed (or their beginning) are found as: lower case, as stored."""
    return LETTERS_MARK + typed.lower()
