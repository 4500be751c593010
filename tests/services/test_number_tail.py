"""A 受理编号's end typed alone ("0002") is found through the number read backwards
(``Matter.number_reversed``, migration 0036): kept with the number however a matter is
written, filled for the matters already there, and finding what "ends with" finds."""

from __future__ import annotations

import uuid
from datetime import datetime

from alembic import command
from sqlalchemy import insert, inspect, select, text

from app.db import alembic_config, head_revision, upgrade
from app.models import OPEN_STATUSES, Matter
from app.services.reception import intake
from app.services.reception.intake import MatterFilter, VisitorInput
from tests.services.test_intake import make_input, register


def _register(db, receptionist, n: int) -> list[str]:
    for i in range(n):
        visitor = VisitorInput(name="张三", phone=f"139{i:04d}8888")  # phone tails: 8888
        register(db, receptionist, make_input(db, visitors=[visitor]), at=datetime(2026, 3, 2, 9))
    with db.read() as s:
        return list(s.scalars(select(Matter.number).order_by(Matter.seq)))


def _found(db, who, query: str, **kw) -> list[str]:
    with db.read() as s:
        ids = intake.list_matter_ids(s, who, MatterFilter(query=query, **kw))
        return [r.number for r in intake.matter_rows(s, who, ids)]


def _reversed(db) -> dict[str, str]:
    with db.read() as s:
        return dict(s.execute(select(Matter.number, Matter.number_reversed)).all())


def test_a_number_tail_finds_the_matters_whose_number_ends_so(db, receptionist):
    numbers = _register(db, receptionist, 12)
    assert _reversed(db) == {n: n[::-1] for n in numbers}
    assert _found(db, receptionist, numbers[1][-4:]) == [numbers[1]]
    assert _found(db, receptionist, "012") == [numbers[11]]  # three digits
    assert _found(db, receptionist, numbers[9][-6:]) == [numbers[9]]  # six
    assert _found(db, receptionist, "8888") == numbers[::-1]  # a phone's tail: all, newest first
    # Narrowed by a status: the same matters, filtered.
    open_only = frozenset(OPEN_STATUSES)
    assert _found(db, receptionist, numbers[2][-4:], statuses=open_only) == [numbers[2]]


def test_a_matter_written_without_the_orm_or_renumbered_keeps_its_reversed_number(db, receptionist):
    """An import, the demo or an exchange bundle from an older terminal inserts rows without
    the column: its default fills it. A number changed through the model moves it too."""
    (number,) = _register(db, receptionist, 1)
    with db.write() as s:
        row = dict(s.execute(select(Matter.__table__)).mappings().one())
        del row["number_reversed"]
        row.update(id=uuid.uuid4(), number="BS2026-Z-000777", terminal="Z", seq=777)
        s.execute(insert(Matter.__table__), [row])
    assert _reversed(db)["BS2026-Z-000777"] == "777000-Z-6202SB"
    assert _found(db, receptionist, "0777") == ["BS2026-Z-000777"]
    with db.write() as s:
        m = s.scalar(select(Matter).where(Matter.number == number))
        m.number = "BS2026-A-004321"
    assert _reversed(db)["BS2026-A-004321"] == "123400-A-6202SB"
    assert _found(db, receptionist, "4321") == ["BS2026-A-004321"]
    assert _found(db, receptionist, number[-4:]) == []


def test_migration_0036_fills_the_reversed_number_of_the_matters_already_there(db, receptionist):
    numbers = _register(db, receptionist, 3)
    with db.engine.connect() as conn:
        if db.is_sqlite:  # batch mode recreates the table: foreign keys off, as upgrade() does
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        command.downgrade(alembic_config(conn), "0035")
        conn.commit()
        assert "number_reversed" not in {c["name"] for c in inspect(conn).get_columns("matters")}
    upgrade(db)  # as the program does at start-up
    assert _reversed(db) == {n: n[::-1] for n in numbers}
    with db.engine.connect() as conn:
        indexes = {i["name"] for i in inspect(conn).get_indexes("matters")}
        nullable = {c["name"]: c["nullable"] for c in inspect(conn).get_columns("matters")}
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == head_revision() and nullable["number_reversed"] is False
    if db.is_sqlite:
        assert "ix_matters_number_reversed" in indexes
    else:  # the one way on both backends: 0035's index of reverse(number) is gone
        assert "ix_matters_number_reversed_pattern" in indexes
        assert "ix_matters_number_reversed" not in indexes
    assert _found(db, receptionist, numbers[2][-4:]) == [numbers[2]]
