"""事项汇总 (matter tallies): per-day counts of matters, kept in the same transaction as each write.

The command room's dashboard (``app/services/command/statistics.py``) reads these few hundred
or thousand rows instead of counting hundreds of thousands of matters.

How it stays right:

- One place sees every write: a ``before_flush``/``after_flush`` hook on every ORM session.
  Before a flush it reads the *facts* (``FACTS``) of each matter the flush touches (a matter
  inserted, changed or deleted, a visitor link of it, or a visitor whose village changed) as
  the database still has them; after the flush it reads them again and adds the difference to
  the tallies with UPSERT increments (``n = n + excluded.n``), so concurrent writers on
  PostgreSQL never lose a count. Intake, handling, imports, exchange bundles all write
  through the ORM.
- Writes that bypass the ORM (the demo builder's bulk inserts) call ``rebuild``; migration
  0022 builds the tallies of an existing database; ``zongzhi check`` compares them with a full
  recount (``differences``) and rebuilds them, saying so, when they disagree.

A tally row is ``(facet, day, a, b, c) → n, heads`` (``heads``: the sum of 涉及人数). The
facets and what their keys mean are made in one function, ``contributions``; to count by
another dimension, add its column to ``_facts`` and put it into a key there, then have the
new migration call ``rebuild`` (as 0030 did for the grid: ``BY_GRID`` and ``OPEN_GRID``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, String, and_, delete, event, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from .base import Base
from .enums import OPEN_STATUSES, Channel, MatterStatus
from .matters import Matter, MatterPerson
from .people import Person

S = MatterStatus
RESOLVED = frozenset({S.DONE, S.FED_BACK, S.ANSWERED})
LONGEST = 31  # days taken to resolve: 31 stands for "more than 30"

# Facets (the ``facet`` column) and their keys:
RECEIVED = "received"  # day received; a category
BY_VILLAGE = "by_village"  # the month received (its first day); b village, c class ("open",
#                            "resolved" or "refused", with "g" appended for a group matter)
OPEN = "open"  # open matters: day deadline; a unit, b village, c year received
OPEN_GROUP = "open_group"  # open group matters: day deadline; a category, b village
CLOSED = "closed"  # resolved matters: the month closed (its first day); a days taken (0…31)
FEEDBACK = "feedback"  # the month of the 回访 (its first day); a the satisfaction's name
BY_GRID = "by_grid"  # day received; a grid ("" for none), b village, c class ("open",
#                      "resolved" or "refused", with "r" appended for 网格上报)
OPEN_GRID = "open_grid"  # open matters: day deadline; a grid, b village, c day received (ISO)

Key = tuple[str, date, str, str, str]


class MatterTally(Base):
    """事项汇总: how many matters fall under one key of one facet (see the module's notes)."""

    __tablename__ = "matter_tallies"
    __table_args__ = {"sqlite_with_rowid": False}  # the key is the table: no second lookup
    facet: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    a: Mapped[str] = mapped_column(String(40), primary_key=True, default="")
    b: Mapped[str] = mapped_column(String(40), primary_key=True, default="")
    c: Mapped[str] = mapped_column(String(16), primary_key=True, default="")
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    heads: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


def text_of(value: Any) -> str:
    """A key part as stored: "" for none."""
    return "" if value is None else str(value)


def uuid_of(text: str) -> uuid.UUID | None:
    return uuid.UUID(text) if text else None


def matter_class(status: MatterStatus, has_result: bool, has_answer: bool) -> str:
    """open, resolved (办结) or refused (不予受理、移送, or archived without a result)."""
    if status in OPEN_STATUSES:
        return "open"
    if status in RESOLVED or (status == S.ARCHIVED and (has_result or has_answer)):
        return "resolved"
    return "refused"


def _facts():
    mp, p = aliased(MatterPerson), aliased(Person)
    return (
        select(
            Matter.id,
            Matter.received_at,
            Matter.category_id,
            Matter.unit_id,
            p.village_id,
            Matter.status,
            Matter.result.is_not(None),
            Matter.answer.is_not(None),
            Matter.is_group,
            Matter.head_count,
            Matter.deadline,
            Matter.closed_at,
            Matter.feedback_at,
            Matter.satisfaction,
            Matter.grid_id,
            Matter.channel,
        )
        .select_from(Matter)
        .outerjoin(mp, and_(mp.matter_id == Matter.id, mp.position == 0))
        .outerjoin(p, p.id == mp.person_id)
    )


def contributions(row) -> list[tuple[Key, int]]:
    """The tally keys one matter counts under, each with its 涉及人数."""
    (
        _id,
        received_at,
        category_id,
        unit_id,
        village_id,
        status,
        has_result,
        has_answer,
        is_group,
        head_count,
        deadline,
        closed_at,
        feedback_at,
        satisfaction,
        grid_id,
        channel,
    ) = row
    klass = matter_class(status, bool(has_result), bool(has_answer))
    received = received_at.date()
    heads = head_count or 0
    village = text_of(village_id)
    kind = klass + ("g" if is_group else "")
    out: list[tuple[Key, int]] = [
        ((RECEIVED, received, text_of(category_id), "", ""), heads),
        ((BY_VILLAGE, received.replace(day=1), "", village, kind), heads),
    ]
    if klass == "open":
        out.append(((OPEN, deadline, text_of(unit_id), village, str(received.year)), heads))
        if is_group:
            out.append(((OPEN_GROUP, deadline, text_of(category_id), village, ""), heads))
    elif klass == "resolved" and closed_at is not None:
        days = min((closed_at.date() - received).days, LONGEST)
        out.append(((CLOSED, closed_at.date().replace(day=1), str(days), "", ""), 0))
    grid = text_of(grid_id)
    reported = "r" if channel == Channel.GRID else ""
    out.append(((BY_GRID, received, grid, village, klass + reported), heads))
    if klass == "open":
        out.append(((OPEN_GRID, deadline, grid, village, received.isoformat()), heads))
    if satisfaction is not None and feedback_at is not None:
        out.append(((FEEDBACK, feedback_at.date().replace(day=1), satisfaction.name, "", ""), 0))
    return out


def _chunks(ids: Iterable[uuid.UUID], size: int = 500) -> Iterator[list[uuid.UUID]]:
    batch: list[uuid.UUID] = []
    for i in ids:
        batch.append(i)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _facts_of(conn: Connection, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list]:
    got: dict[uuid.UUID, list] = {}
    for batch in _chunks(ids):
        for row in conn.execute(_facts().where(Matter.id.in_(batch))):
            got[row[0]] = contributions(row)
    return got


def recount(conn: Connection) -> dict[Key, tuple[int, int]]:
    """Every tally counted afresh from the matters."""
    counts: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for row in conn.execute(_facts().execution_options(yield_per=5000)):
        for key, heads in contributions(row):
            c = counts[key]
            c[0] += 1
            c[1] += heads
    return {k: (v[0], v[1]) for k, v in counts.items()}


def stored(conn: Connection) -> dict[Key, tuple[int, int]]:
    t = MatterTally
    q = select(t.facet, t.day, t.a, t.b, t.c, t.n, t.heads).where((t.n != 0) | (t.heads != 0))
    return {(r[0], r[1], r[2], r[3], r[4]): (r[5], r[6]) for r in conn.execute(q)}


def differences(conn: Connection) -> int:
    """How many tally rows differ from a full recount (0: the tallies are right)."""
    want, have = recount(conn), stored(conn)
    return sum(1 for k in want.keys() | have.keys() if want.get(k) != have.get(k))


def rebuild(conn: Connection) -> int:
    """Throw the tallies away and count them afresh; returns how many rows were written."""
    counts = recount(conn)
    conn.execute(delete(MatterTally))
    rows = [
        {"facet": k[0], "day": k[1], "a": k[2], "b": k[3], "c": k[4], "n": n, "heads": h}
        for k, (n, h) in counts.items()
    ]
    for i in range(0, len(rows), 5000):
        conn.execute(MatterTally.__table__.insert(), rows[i : i + 5000])
    return len(rows)


def count_new(conn: Connection, ids: Iterable[uuid.UUID]) -> None:
    """Count matters inserted without the ORM (bulk inserts), which the hook does not see."""
    delta: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for contributed in _facts_of(conn, ids).values():
        for key, heads in contributed:
            delta[key][0] += 1
            delta[key][1] += heads
    add(conn, delta)


@contextmanager
def counted(
    conn: Connection, changed: Iterable[uuid.UUID], added: Iterable[uuid.UUID] = ()
) -> Iterator[None]:
    """Statements run on ``conn`` itself inside this block (which the session hook below does
    not see) change the matters ``changed`` and insert the matters ``added``: the difference
    they make is added to the tallies once, at the end, rather than statement by statement
    (an import's batch: new people, moved people, matters and their visitor links)."""
    changed = set(changed)
    old = _facts_of(conn, changed)
    yield
    add(conn, _difference(old, _facts_of(conn, changed | set(added))))


def add(conn: Connection, delta: dict[Key, list[int]]) -> None:
    """Add ``delta`` (key → [n, heads]) to the tallies: one UPSERT increment per key."""
    rows = [
        {"facet": k[0], "day": k[1], "a": k[2], "b": k[3], "c": k[4], "n": v[0], "heads": v[1]}
        for k, v in delta.items()
        if v[0] or v[1]
    ]
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = MatterTally.__table__
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["facet", "day", "a", "b", "c"],
        set_={"n": table.c.n + stmt.excluded.n, "heads": table.c.heads + stmt.excluded.heads},
    )
    conn.execute(stmt, rows)


# --- the hook: every ORM flush keeps the tallies ------------------------------------------

_OLD = "matter_tallies_old"


def _people_moved(session: Session) -> set[uuid.UUID]:
    """Visitors whose village this flush changes."""
    from sqlalchemy import inspect

    moved = set()
    for o in session.dirty:
        if isinstance(o, Person) and inspect(o).attrs.village_id.history.has_changes():
            moved.add(o.id)
    return moved


def _changed(session: Session, o: Matter) -> bool:
    """A matter new, deleted, with a column or its visitors changed: not one that only gained a
    step on its timeline (a print, a note), which changes none of what it is counted by (and
    reading its counts before and after was most of a command-line print's writing)."""
    from sqlalchemy import inspect

    return (
        o in session.new
        or o in session.deleted
        or session.is_modified(o, include_collections=False)
        or inspect(o).attrs.persons.history.has_changes()
    )


def _touched(session: Session, conn: Connection) -> set[uuid.UUID]:
    ids: set[uuid.UUID] = set()
    for o in (*session.new, *session.dirty, *session.deleted):
        if isinstance(o, Matter):
            if o.id is not None and _changed(session, o):
                ids.add(o.id)
        elif isinstance(o, MatterPerson):
            from sqlalchemy import inspect

            hist = inspect(o).attrs.matter_id.history
            ids.update(i for i in (*hist.added, *hist.unchanged, *hist.deleted) if i is not None)
    if moved := _people_moved(session):
        for batch in _chunks(moved):
            ids.update(
                conn.scalars(
                    select(MatterPerson.matter_id).where(
                        MatterPerson.person_id.in_(batch), MatterPerson.position == 0
                    )
                )
            )
    return ids


def _tracked(session: Session) -> bool:
    return any(
        isinstance(o, (MatterPerson, Person)) or (isinstance(o, Matter) and _changed(session, o))
        for o in (*session.new, *session.dirty, *session.deleted)
    )


def _statement_ids(conn: Connection, state, table) -> set[uuid.UUID]:
    """The matters an INSERT, UPDATE or DELETE on ``table`` touches (read before and after)."""
    stmt = state.statement
    if state.is_insert:
        given = state.parameters
        if isinstance(given, list):  # executemany: each row's values are given
            rows, compiled = given, {}
        else:  # insert(table).values({...}) (exchange bundles)
            rows, compiled = [given or {}], stmt.compile().params
        column = "id" if table.name == "matters" else "matter_id"
        if table.name == "persons":
            return set()  # a new person has no matters yet
        return {v for r in rows if (v := {**compiled, **r}.get(column)) is not None}
    where = stmt.whereclause
    if table.name == "matters":
        q = select(table.c.id)
    elif table.name == "matter_persons":
        q = select(table.c.matter_id)
    else:
        q = select(MatterPerson.matter_id).where(
            MatterPerson.position == 0,
            MatterPerson.person_id.in_(
                select(table.c.id).where(where) if where is not None else select(table.c.id)
            ),
        )
        return set(conn.scalars(q))
    return set(conn.scalars(q.where(where) if where is not None else q))


_WATCHED = {"matters", "matter_persons", "persons"}


@event.listens_for(Session, "do_orm_execute")
def _statement(state):
    """INSERT, UPDATE and DELETE statements run through a session (exchange bundles and
    conflicts, the demo's bulk inserts, ORM bulk updates): counted like a flush."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    table = getattr(table, "__table__", table)
    if getattr(table, "name", None) not in _WATCHED:
        return None
    conn = state.session.connection()
    ids = _statement_ids(conn, state, table)
    old = _facts_of(conn, ids) if not state.is_insert or table.name != "matters" else {}
    result = state.invoke_statement()
    new = _facts_of(conn, ids)
    add(conn, _difference(old, new))
    return result


def _difference(old: dict, new: dict) -> dict[Key, list[int]]:
    delta: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for facts, sign in ((old, -1), (new, 1)):
        for contributed in facts.values():
            for key, heads in contributed:
                d = delta[key]
                d[0] += sign
                d[1] += sign * heads
    return delta


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    if not _tracked(session):
        session.info.pop(_OLD, None)
        return
    conn = session.connection()
    with session.no_autoflush:
        ids = _touched(session, conn)
        session.info[_OLD] = (ids, _facts_of(conn, ids))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    before = session.info.pop(_OLD, None)
    if before is None:
        return
    old_ids, old = before
    conn = session.connection()
    ids = old_ids | _touched(session, conn)
    add(conn, _difference(old, _facts_of(conn, ids)))
