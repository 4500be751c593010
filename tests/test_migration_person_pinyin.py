"""Migration 0016: persons get ``name_pinyin_typed``, and people whose search keys are empty
(imported or written before pypinyin was asked) get pypinyin's keys."""

from __future__ import annotations

import uuid

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from app.db import Database, alembic_config


def test_upgrade_adds_the_column_and_backfills_empty_keys(tmp_path):
    script = ScriptDirectory.from_config(alembic_config())
    before = script.get_revision("0016").down_revision
    db = Database("sqlite:///" + str(tmp_path / "old.sqlite3"))
    ids = [uuid.uuid4() for _ in range(3)]
    with db.engine.connect() as conn:
        command.upgrade(alembic_config(conn), before)
        for pid, name, py, ini in [
            (ids[0], "下塘村民", "", ""),
            (ids[1], "刘䶮", "", ""),
            (ids[2], "张三", "zhangsan", "zs"),
        ]:
            conn.execute(
                text(
                    "INSERT INTO persons (id, name, name_pinyin, name_initials, created_at)"
                    " VALUES (:id, :name, :py, :ini, '2026-01-05 09:30:00')"
                ),
                {"id": pid.hex, "name": name, "py": py, "ini": ini},
            )
        conn.commit()
        command.upgrade(alembic_config(conn), "0016")
        conn.commit()
        rows = dict(
            (uuid.UUID(r[0]), r[1:])
            for r in conn.execute(
                text("SELECT id, name_pinyin, name_initials, name_pinyin_typed FROM persons")
            )
        )
    db.dispose()
    assert rows[ids[0]] == ("xiatangcunmin", "xtcm", None)
    assert rows[ids[1]] == ("liuyan", "ly", None)
    assert rows[ids[2]] == ("zhangsan", "zs", None)
