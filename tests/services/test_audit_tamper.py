"""The audit trail cannot be quietly rewritten (issue 16, section 2).

Someone who edits the database file may cut off the newest audit rows, or change row 1 and
recompute every hash with the program's own function. ``zongzhi check`` reports each with
exit 1 and a Chinese line naming what was found; the head file beside the database never
moves backwards, and a backup taken after the edit refuses to move it and says why."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.models import AuditEntry
from app.services.data.backup import automatic_backup
from app.services.data.backup_manifest import head_file
from app.services.security import audit
from app.services.security.audit_key import key_file, load_key
from tests.conftest import actor

pytestmark = pytest.mark.sqlite_only  # the file edited by hand; PostgreSQL: see the end


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, "".join(capsys.readouterr())


def add_rows(db, n: int) -> None:
    admin = actor(db, "admin")
    with db.write() as s:
        for _ in range(n):
            audit.record(s, admin, "probe")


def head_seq(db_path: Path) -> int:
    return json.loads(head_file(db_path).read_text(encoding="utf-8"))["audit_head"]["seq"]


def live_seq(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        n = conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
    conn.close()
    return n


def recompute(db, *, key: bytes | None = None, plain_below: int = 0) -> None:
    """Every prev_hash/hash again, with the program's own function."""
    with db.write() as s:
        prev = audit.GENESIS
        for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
            e.prev_hash = prev
            e.hash = prev = audit.chain_hash(prev, e, None if e.seq < plain_below else key)


def test_cutting_off_the_newest_rows_is_reported_and_the_head_never_moves_back(db, capsys):
    add_rows(db, 8)
    automatic_backup(db.path, reason="daily")
    had = live_seq(db.path)
    assert head_seq(db.path) == had
    with db.write() as s:  # the edit, as sqlite3 would do it
        for e in s.scalars(select(AuditEntry).where(AuditEntry.seq > had - 3)):
            s.delete(e)
    code, text = run(capsys, "check", "--db", str(db.path))
    assert code == 1 and "审计记录被截断：" in text and f"已有 {had} 条" in text, text
    # Work goes on (the next start writes rows), then the start's backup: it is made, but
    # it says what it found and leaves the head file where it was.
    add_rows(db, 1)
    code, text = run(capsys, "backup", "--db", str(db.path))
    assert code == 1, text
    assert "审计记录被截断" in text and "审计头文件" in text and "没有更新" in text
    assert head_seq(db.path) == had, "the head file never moves backwards"
    code, text = run(capsys, "check", "--db", str(db.path))
    assert code == 1 and f"已有 {had} 条" in text


def test_row_1_changed_and_the_chain_recomputed_is_reported(db, capsys):
    add_rows(db, 5)
    automatic_backup(db.path, reason="daily")
    had = live_seq(db.path)
    with db.write() as s:
        s.get(AuditEntry, 1).username = "mallory"
    recompute(db)  # the program's own function, with everything the file holds (no key)
    code, text = run(capsys, "check", "--db", str(db.path))
    assert code == 1, text
    assert "第 1 条审计记录" in text and ("被修改" in text or "改写" in text), text
    # The next backup does not take the rewritten chain for "another database".
    code, text = run(capsys, "backup", "--db", str(db.path))
    assert code == 1 and "没有更新" in text, text
    assert head_seq(db.path) == had
    head = json.loads(head_file(db.path).read_text(encoding="utf-8"))
    with sqlite3.connect(db.path) as conn:
        now_first = conn.execute("SELECT hash FROM audit_log WHERE seq = 1").fetchone()[0]
    conn.close()
    assert head["audit_first"] != now_first, "the head still names the original chain"
    code, text = run(capsys, "check", "--db", str(db.path))
    assert code == 1


def test_a_rewrite_without_any_backup_is_caught_by_the_key_alone(db, capsys):
    add_rows(db, 3)
    with db.write() as s:
        s.get(AuditEntry, 2).event = "nothing"
    recompute(db, key=b"\x00" * 32)  # a guessed key does not help either
    code, text = run(capsys, "check", "--db", str(db.path))
    assert code == 1 and "审计记录被修改" in text, text


def test_check_moves_the_head_forward_and_a_clean_chain_checks_clean(db, capsys):
    add_rows(db, 2)
    code, text = run(capsys, "check", "--db", str(db.path))
    assert code == 0, text
    assert head_seq(db.path) >= live_seq(db.path) - 1  # check itself is audited afterwards


def test_a_center_upgraded_from_a_plain_chain_keeps_verifying(db, capsys):
    """A deployed center: its chain was made by the previous version, without a key."""
    key_file(db.path).unlink()
    head_file(db.path).unlink(missing_ok=True)
    recompute(db)  # all plain, as the previous version wrote them
    old = live_seq(db.path)
    assert load_key(db.path) is None
    code, text = run(capsys, "check", "--db", str(db.path))
    assert code == 0, text
    # The new version's first write makes the key; the chain is keyed from that row on.
    add_rows(db, 3)
    key = load_key(db.path)
    assert key is not None
    with sqlite3.connect(db.path) as conn:
        first = conn.execute("SELECT hash FROM audit_log WHERE seq = 1").fetchone()[0]
    conn.close()
    assert key.span(first) == (old + 1, None)
    code, text = run(capsys, "check", "--db", str(db.path))
    assert code == 0, text
    automatic_backup(db.path, reason="daily")
    code, text = run(capsys, "check", "--db", str(db.path))
    assert code == 0, text
    # And now the old, plain rows cannot be rewritten unseen either.
    with db.write() as s:
        s.get(AuditEntry, 1).username = "mallory"
    recompute(db)
    code, text = run(capsys, "check", "--db", str(db.path))
    assert code == 1 and "第 1 条审计记录不是本终端审计密钥记下的那一条" in text, text


def test_a_deleted_key_file_is_noticed(db, capsys):
    add_rows(db, 2)
    automatic_backup(db.path, reason="daily")
    key_file(db.path).unlink()
    recompute(db)
    code, text = run(capsys, "check", "--db", str(db.path))
    assert code == 1 and "审计密钥" in text, text


def test_a_migrated_chain_keeps_verifying_where_the_database_went(db, tmp_path):
    """``migrate-db`` carries the audit key along: the copied keyed rows still verify."""
    from app.db import open_database
    from app.services.data.migrate_db import migrate_database

    add_rows(db, 2)
    target = "sqlite:///" + str(tmp_path / "moved" / "moved.sqlite3")
    (tmp_path / "moved").mkdir()
    migrate_database(db.url, target)
    moved = open_database(database_url=target)
    try:
        with moved.read() as s:
            assert audit.verify_chain(s).first_broken is None
        add_rows(moved, 1)
        with moved.read() as s:
            report = audit.verify_chain(s)
        assert report.first_broken is None and report.unknown_chain is None
    finally:
        moved.dispose()
