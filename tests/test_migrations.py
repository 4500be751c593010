"""The migrations build exactly the models' schema, and the start-up upgrade is careful."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from app.core.errors import DatabaseTooNew
from app.db import Database, current_revision, head_revision, open_database
from app.models import Base
from app.models.base import comparison_on
from tests import pg


def compare_opts(dialect: str) -> dict:
    return {"compare_type": True, "include_object": comparison_on(dialect)}


def test_upgrade_from_empty_matches_models(tmp_path):
    db = open_database(tmp_path / "m.sqlite3")
    assert current_revision(db.engine) == head_revision()
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts=compare_opts(conn.dialect.name))
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_pragmas_on_every_connection(tmp_path):
    db = open_database(tmp_path / "p.sqlite3")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_opening_twice_is_a_no_op(tmp_path):
    path = tmp_path / "twice.sqlite3"
    open_database(path).dispose()
    open_database(path).dispose()
    assert not list(tmp_path.glob("twice.before-*")), "no copy when nothing is upgraded"


def test_database_from_a_newer_program_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    open_database(path).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    conn.close()
    with pytest.raises(DatabaseTooNew, match="比本程序新"):
        open_database(path)
    # Untouched: still carries the unknown revision.
    assert current_revision(Database("sqlite:///" + str(path)).engine) == "ffff_from_the_future"


def test_older_database_is_copied_aside_before_upgrade(tmp_path):
    """A database one step behind head is copied aside, then upgraded."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from app.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    revisions = list(script.walk_revisions())
    if len(revisions) < 2:
        # With a single revision the oldest database is an empty one: nothing to copy.
        path = tmp_path / "empty.sqlite3"
        open_database(path).dispose()
        assert not list(tmp_path.glob("empty.before-*"))
        return
    previous = revisions[1].revision
    path = tmp_path / "old.sqlite3"
    db = Database("sqlite:///" + str(path))
    with db.engine.connect() as conn:
        command.upgrade(alembic_config(conn), previous)
        conn.commit()
    db.dispose()
    open_database(path).dispose()
    assert list(tmp_path.glob("old.before-*"))


def test_environment_errors_are_told_apart_from_bugs():
    from sqlalchemy.exc import OperationalError

    from app.core.errors import DatabaseLocked, DatabaseUnusable, DiskFull
    from app.db import translate_operational_error

    def op(msg):
        return OperationalError("INSERT", {}, Exception(msg))

    assert isinstance(translate_operational_error(op("database or disk is full")), DiskFull)
    assert isinstance(translate_operational_error(op("database is locked")), DatabaseLocked)
    ro = translate_operational_error(op("attempt to write a readonly database"))
    assert isinstance(ro, DatabaseUnusable) and "已填写的内容仍保留" in ro.message
    other = op("no such table: x")
    assert translate_operational_error(other) is other  # a bug stays a bug


def test_damaged_files_and_full_disks_are_environment_problems(tmp_path, monkeypatch):
    from collections import namedtuple

    from sqlalchemy.exc import DatabaseError, OperationalError

    import app.db as app_db
    from app.core.errors import DatabaseDamaged, DatabaseUnusable, DiskFull
    from app.db import translate_operational_error

    path = tmp_path / "zongzhi.sqlite3"
    damaged = translate_operational_error(
        DatabaseError("PRAGMA", {}, Exception("database disk image is malformed")), path
    )
    assert isinstance(damaged, DatabaseDamaged)
    assert "数据库文件损坏" in damaged.message and f"zongzhi restore 备份文件 --db {path}" in (
        damaged.message
    )
    not_db = translate_operational_error(
        OperationalError("x", {}, Exception("file is not a database"))
    )
    assert isinstance(not_db, DatabaseDamaged)
    json_bug = OperationalError("SELECT", {}, Exception("malformed JSON"))
    assert translate_operational_error(json_bug) is json_bug  # ours to fix, not the disk

    # SQLite says "disk I/O error" when a full disk will not take the -shm or -wal.
    usage = namedtuple("usage", "total used free")
    io_error = OperationalError("BEGIN", {}, Exception("disk I/O error"))
    monkeypatch.setattr(app_db.shutil, "disk_usage", lambda _p: usage(10**9, 10**9, 4096))
    full = translate_operational_error(io_error, path)
    assert isinstance(full, DiskFull) and "磁盘空间已满" in full.message
    monkeypatch.setattr(app_db.shutil, "disk_usage", lambda _p: usage(10**12, 1, 10**11))
    failing = translate_operational_error(io_error, path)
    assert isinstance(failing, DatabaseUnusable) and not isinstance(failing, DiskFull)
    assert "zongzhi check" in failing.message


def test_opening_a_damaged_file_raises_the_environment_problem(tmp_path):
    from sqlalchemy import text

    from app.core.errors import DatabaseDamaged

    path = tmp_path / "z.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("CREATE TABLE t (x TEXT)")
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 2000)
    conn.close()
    with open(path, "r+b") as f:
        f.truncate(100 * 1024)
    with pytest.raises(DatabaseDamaged, match="数据库文件损坏"):
        open_database(path)  # the migration's first look at the file
    db = Database("sqlite:///" + str(path))
    with pytest.raises(DatabaseDamaged), db.read() as s:  # any query, wherever it surfaces
        s.execute(text("SELECT count(*) FROM t")).all()
    db.dispose()


def test_migrations_match_models_on_the_database_under_test(db):
    """The same revisions build the models' schema on this pass's backend (SQLite or
    PostgreSQL): types, indexes and constraints compared by Alembic."""
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts=compare_opts(conn.dialect.name))
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations disagree on {db.engine.dialect.name}: {diff}"


def test_summary_search_has_an_index_on_postgresql(db):
    """SQLite reads the table for "summary contains …"; a PostgreSQL server has the pg_trgm
    index for the same ILIKE, so a center's shared server does not read every matter."""
    from sqlalchemy import select

    from app.core.portable import contains_ci
    from app.models import Matter

    if db.engine.dialect.name != "postgresql":
        assert "ix_matters_summary_trgm" not in {
            i["name"] for i in inspect(db.engine).get_indexes("matters")
        }
        return
    query = select(Matter.id).where(contains_ci(Matter.summary, "邻里噪音"))
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")  # an empty table: make the planner show
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
    assert "ix_matters_summary_trgm" in plan, plan


def test_the_newest_migration_is_read_from_the_files_as_alembic_sees_it(tmp_path):
    from app.db import head_from_files

    assert head_from_files() == head_revision()
    # A merge or a file laid out otherwise: no guess, Alembic is asked instead.
    (tmp_path / "a.py").write_text('revision: str = "a"\ndown_revision = None\n')
    (tmp_path / "b.py").write_text('revision = "b"\ndown_revision = ("a", "c")\n')
    assert head_from_files(tmp_path) is None
    (tmp_path / "b.py").write_text('revision = "b"\ndown_revision: str | None = "a"\n')
    assert head_from_files(tmp_path) == "b"


def test_needs_upgrade_only_when_the_schema_is_not_at_head(tmp_path):
    from app.db import needs_upgrade

    path = tmp_path / "n.sqlite3"
    assert needs_upgrade(Database("sqlite:///" + str(path)))  # a new database
    db = open_database(path)
    assert not needs_upgrade(db)
    db.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.close()
    assert needs_upgrade(Database("sqlite:///" + str(path)))


@pytest.mark.sqlite_only
def test_0015_keeps_todays_names_on_matters_and_adds_the_notice_offices(tmp_path):
    """A center at 0014 with a matter: after the upgrade the matter carries its names."""
    import uuid

    from alembic import command
    from sqlalchemy import text

    from app.db import alembic_config, upgrade

    path = tmp_path / "at14.sqlite3"
    db = Database("sqlite:///" + str(path))
    ids = {k: uuid.uuid4().hex for k in ("unit", "cat", "village", "person", "user", "matter")}
    with db.engine.connect() as conn:
        command.upgrade(alembic_config(conn), "0014")
        conn.commit()
        for sql in (
            "INSERT INTO units (id, name, kind, sort, active) "
            "VALUES (:unit, '司法所', 'stationed', 0, 1)",
            "INSERT INTO categories (id, name, limit_kind, limit_days, sort, active) "
            "VALUES (:cat, '信访事项', 'calendar', 60, 0, 1)",
            "INSERT INTO villages (id, name, sort) VALUES (:village, '白石村', 0)",
            "INSERT INTO persons (id, name, name_pinyin, name_initials, village_id, created_at) "
            "VALUES (:person, '王五', 'wangwu', 'ww', :village, '2026-03-05 09:00:00')",
            "INSERT INTO users (id, username, display_name, password_hash, role, active, "
            "failed_logins, created_at) VALUES (:user, 'jiedai', '李接待', 'x', 'receptionist', "
            "1, 0, '2026-03-05 09:00:00')",
            "INSERT INTO matters (id, number, prefix, year, terminal, seq, channel, category_id, "
            "summary, unit_id, receptionist_id, status, received_at, deadline, is_group, "
            "created_at, updated_at, returned, extended, reopened) VALUES (:matter, 'BS2026-A-1', "
            "'BS', 2026, 'A', 1, 'visit', :cat, '噪音', :unit, :user, 'routed', "
            "'2026-03-05 09:00:00', '2026-05-04', 0, '2026-03-05 09:00:00', "
            "'2026-03-05 09:00:00', 0, 0, 0)",
            "INSERT INTO matter_persons (matter_id, person_id, position) "
            "VALUES (:matter, :person, 0)",
        ):
            conn.execute(text(sql), ids)
        conn.commit()
    upgrade(db)  # as the program does: batch mode with foreign keys off
    with db.engine.connect() as conn:
        names = conn.execute(
            text("SELECT category_name, unit_name, village_name FROM matters")
        ).one()
        units = set(conn.execute(text("SELECT name FROM units")).scalars())
        # 0039: the visitor's name, pinyin and initials on the matter, for searches.
        keys = conn.execute(text("SELECT visitor_keys FROM matters")).scalar()
        xinfang = conn.execute(text("SELECT is_xinfang FROM categories")).scalar()
        conn.commit()
        conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        command.downgrade(alembic_config(conn), "0014")  # and back, data kept
        conn.commit()
        assert conn.execute(text("SELECT count(*) FROM matters")).scalar() == 1
    db.dispose()
    assert tuple(names) == ("信访事项", "司法所", "白石村")
    assert keys == "\n王五\twangwu\tww"
    assert {"政法办", "人武部", "防范处理邪教办"} <= units
    assert xinfang


@pytest.mark.skipif(not pg.ON_PG, reason="PostgreSQL only: SQLite searches a prefix as a range")
def test_prefix_searches_use_the_pattern_indexes_under_a_non_c_collation(db):
    """Migrations 0032 and 0036: under a server collation other than C (ICU here; zh_CN.UTF-8
    on many servers) LIKE 'ab%' cannot use a column's ordinary index; the varchar_pattern_ops
    one serves it. The columns are switched to ICU in a transaction that is rolled back."""
    from sqlalchemy import select

    from app.core.portable import prefix_match
    from app.models import Matter, Person

    searched = [
        (Person, "name", "张"),
        (Person, "name_pinyin", "zhang"),
        (Person, "name_initials", "zw"),
        (Person, "id_number", "330382"),
        (Person, "phone", "1381"),
        (Matter, "number", "BS2027"),
        (Matter, "number_reversed", "1000"),  # a 受理编号 ending in 0001 (0036)
    ]
    with db.engine.connect() as conn, conn.begin() as tx:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a small table: show the index
        for model, column, text in searched:
            table = model.__tablename__
            length = model.__table__.c[column].type.length
            icu = f'varchar({length}) COLLATE "und-x-icu"'
            conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {icu}")
            query = select(model.id).where(prefix_match(getattr(model, column), text))
            compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert f"ix_{table}_{column}_pattern" in plan, plan
        tx.rollback()


def test_the_pattern_indexes_get_their_operator_class_once_postgresql_is_used():
    """Named at PostgreSQL's first use (``with_postgresql_options``), not at import: the
    indexes the models declare are still those migrations 0032, 0036 and 0038 make."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateIndex

    from app.models.base import _PATTERN_INDEXES, with_postgresql_options

    with_postgresql_options()
    with_postgresql_options()  # idempotent
    made = {str(CreateIndex(i[0]).compile(dialect=postgresql.dialect())) for i in _PATTERN_INDEXES}
    assert "CREATE INDEX ix_matters_number_pattern ON matters (number varchar_pattern_ops)" in made
    # A visitor's id is carried in the index (0038): a surname's visitors found there alone.
    name = "CREATE INDEX ix_persons_name_pattern ON persons (name varchar_pattern_ops) INCLUDE (id)"
    assert name in made
    assert len(made) == 7 and all(" varchar_pattern_ops)" in m for m in made)


def test_a_later_batch_migration_of_the_visitors_tables_runs_past_their_triggers(
    tmp_path, monkeypatch
):
    """0039's triggers name matters, matter_persons and persons in their bodies; SQLite checks
    them when a batch migration renames a rebuilt table, and the rename failed. The upgrade
    lifts them for the migrations and puts them back, refilling the visitors' names."""
    import uuid

    from alembic import command
    from alembic.operations import Operations
    from sqlalchemy import text

    from app import db as app_db
    from app.core import visitor_keys

    def rebuild_each(conn) -> None:  # what a future migration in batch mode does
        ops = Operations(MigrationContext.configure(conn))
        for table in ("persons", "matter_persons", "matters"):
            with ops.batch_alter_table(table, recreate="always"):
                pass

    path = tmp_path / "later.sqlite3"
    db = open_database(path)
    ids = {k: uuid.uuid4().hex for k in ("unit", "cat", "person", "user", "matter")}
    with db.engine.begin() as conn:
        for sql in (
            "INSERT INTO units (id, name, kind, sort, active) "
            "VALUES (:unit, '司法所', 'stationed', 0, 1)",
            "INSERT INTO categories (id, name, limit_kind, limit_days, sort, active, is_xinfang) "
            "VALUES (:cat, '咨询', 'calendar', 60, 0, 1, 0)",
            "INSERT INTO persons (id, name, name_pinyin, name_initials, created_at) "
            "VALUES (:person, '王五', 'wangwu', 'ww', '2026-03-05 09:00:00')",
            "INSERT INTO users (id, username, display_name, password_hash, role, active, "
            "failed_logins, created_at) VALUES (:user, 'jiedai', '李接待', 'x', 'receptionist', "
            "1, 0, '2026-03-05 09:00:00')",
            "INSERT INTO matters (id, number, number_reversed, prefix, year, terminal, seq, "
            "channel, category_id, summary, receptionist_id, status, received_at, deadline, "
            "is_group, created_at, updated_at, returned, extended, reopened) VALUES (:matter, "
            "'BS2026-A-1', '1-A-6202SB', 'BS', 2026, 'A', 1, 'visit', :cat, '噪音', :user, "
            "'registered', '2026-03-05 09:00:00', '2026-05-04', 0, '2026-03-05 09:00:00', "
            "'2026-03-05 09:00:00', 0, 0, 0)",
            "INSERT INTO matter_persons (matter_id, person_id, position) "
            "VALUES (:matter, :person, 0)",
        ):
            conn.execute(text(sql), ids)
    with db.engine.connect() as conn:  # as it was: the rename fails on the triggers
        conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        with pytest.raises(Exception, match="no such table|error in trigger"):
            rebuild_each(conn)
        conn.rollback()
    # A "newer program" whose one migration rebuilds the three tables.
    monkeypatch.setattr(app_db, "needs_upgrade", lambda _db: True)
    monkeypatch.setattr(app_db, "current_revision", lambda _engine: "0038")
    monkeypatch.setattr(
        command, "upgrade", lambda cfg, _rev: rebuild_each(cfg.attributes["connection"])
    )
    app_db.upgrade(db)
    with db.engine.begin() as conn:
        assert visitor_keys.missing_triggers(conn) == []
        assert (
            conn.execute(text("SELECT visitor_keys FROM matters")).scalar() == "\n王五\twangwu\tww"
        )
        conn.execute(text("UPDATE persons SET name = '王六'"))  # kept by the triggers put back
        assert visitor_keys.differences(conn) == 0
    db.dispose()
