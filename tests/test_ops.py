"""Operations: a read runs read-only in the database itself, a write says what it changed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.core.ops import Change, ReadOnlyViolation, op, read_op, spec_of, write_op
from app.models import Village
from tests.conftest import actor


@write_op(Change.REFERENCE)
def _add_village(session, name: str) -> str:
    session.add(Village(name=name))
    session.flush()
    return name


@write_op(Change.MATTERS, Change.CASES)
def _add_two(session, first: str, second: str) -> list[str]:
    return [_add_village(session, first), _add_village(session, second)]


@read_op
def _villages(session) -> int:
    return session.scalar(select(func.count()).select_from(Village))


def test_a_write_reports_what_it_and_the_writes_it_called_changed(db):
    before = db.run(_villages).value
    result = db.run(op(_add_two, "新村甲", "新村乙"))
    assert result.value == ["新村甲", "新村乙"]
    assert result.changes == {Change.MATTERS, Change.CASES, Change.REFERENCE}
    assert db.run(_villages).value == before + 2  # committed
    assert db.run(op(_villages)).changes == frozenset()


def test_a_write_called_on_a_read_path_raises_and_stores_nothing(db):
    before = db.run(_villages).value
    with pytest.raises(ReadOnlyViolation, match="只读事务"), db.read() as s:
        _add_village(s, "不该存下的村")
    assert db.run(_villages).value == before


def test_the_database_itself_refuses_a_write_in_a_read_transaction(db):
    """Even a write the marks cannot see (a plain statement) fails instead of vanishing."""
    before = db.run(_villages).value
    with pytest.raises(ReadOnlyViolation, match="只读事务"), db.read() as s:
        s.add(Village(name="绕过标记的村"))
        s.flush()
    assert db.run(_villages).value == before
    # The same pooled connection writes again in the next write transaction.
    db.run(op(_add_village, "之后的村"))
    assert db.run(_villages).value == before + 1


def test_a_plain_function_runs_read_only(db):
    def sneaky(session):
        session.execute(text("DELETE FROM villages"))

    with pytest.raises(ReadOnlyViolation, match="只读事务"):
        db.run(sneaky)


def test_an_unmarked_function_is_refused_where_it_is_asked_for():
    def unmarked(session):
        return 1

    assert spec_of(unmarked) is None
    with pytest.raises(TypeError, match="没有标明"):
        op(unmarked)
    assert spec_of(op(_add_village, "x")).changes == {Change.REFERENCE}


def test_write_op_takes_only_change_kinds():
    with pytest.raises(TypeError):
        write_op("matters")


def test_intake_on_a_read_path_raises_instead_of_losing_the_matter(db):
    """The issue's case: register_matter inside db.read() returned a number, stored nothing."""
    from app.models import Category, Channel, Matter
    from app.services.reception import intake
    from app.services.reception.intake import IntakeInput, VisitorInput

    reception = actor(db, "jiedai")
    with db.read() as s:
        village = s.scalar(select(Village.id).limit(1))
        category = s.scalar(select(Category.id).where(Category.name == "咨询"))
    data = IntakeInput(
        channel=Channel.VISIT,
        visitors=[VisitorInput("张三", village_id=village)],
        category_id=category,
        summary="咨询低保政策",
    )
    with pytest.raises(ReadOnlyViolation, match="只读事务"), db.read() as s:
        intake.register_matter(s, reception, data)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Matter)) == 0


@pytest.mark.sqlite_only
def test_a_connection_used_without_a_transaction_after_a_read_can_write(db):
    """query_only belongs to the pooled connection: it is off again once a read gives it back
    (a migration or a backup uses the raw connection)."""
    db.run(_villages)
    raw = db.engine.raw_connection()
    try:
        assert raw.driver_connection.execute("PRAGMA query_only").fetchone()[0] == 0
    finally:
        raw.close()


def test_a_really_read_only_database_is_not_called_a_program_error():
    """Only query_only's own refusal is a bug of ours; a read-only file stays the
    environment problem it was (the folder or the medium is read-only)."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from app.db import _is_read_only_refusal

    def refusal(code: int) -> OperationalError:
        err = sqlite3.OperationalError("attempt to write a readonly database")
        err.sqlite_errorcode = code
        return OperationalError("INSERT …", {}, err)

    assert _is_read_only_refusal(refusal(sqlite3.SQLITE_READONLY))
    assert not _is_read_only_refusal(refusal(sqlite3.SQLITE_READONLY_DBMOVED))
    assert not _is_read_only_refusal(refusal(sqlite3.SQLITE_READONLY_CANTINIT))
