"""The audit head kept outside the database moves forward at every check and log-out, on a
SQLite file (beside it) and on a server (on each terminal): rows cut off the chain, or a
rewritten chain, are then reported by any terminal that saw them (issue 16, section 2)."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from app.models import AuditEntry
from app.services.security import audit
from app.services.security.integrity import check_database
from tests.conftest import actor


def add_rows(db, n: int, event: str = "probe") -> None:
    admin = actor(db, "admin")
    with db.write() as s:
        for _ in range(n):
            audit.record(s, admin, event)


def test_rows_cut_off_after_a_check_are_reported_by_the_next_check(db):
    add_rows(db, 4)
    first = check_database(db)
    assert first.ok, first.lines
    with db.read() as s:
        had = s.scalar(select(func.max(AuditEntry.seq)))
    with db.write() as s:  # an edit on the server (or in the file)
        s.execute(delete(AuditEntry).where(AuditEntry.seq > had - 2))
    second = check_database(db)
    assert not second.ok
    assert any("审计记录被截断" in line and f"已有 {had} 条" in line for line in second.lines)
    # The head stays where it was: the next check says it again.
    add_rows(db, 5, "later")
    third = check_database(db)
    assert not third.ok and any("被改写" in line or "截断" in line for line in third.lines)


def test_a_row_rewritten_after_a_check_is_reported(db):
    add_rows(db, 2)
    assert check_database(db).ok
    with db.write() as s:
        last = s.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        last.reason = "改过"
        last.hash = audit.chain_hash(last.prev_hash, last)
    report = check_database(db)
    assert not report.ok
    assert any("审计记录" in line and ("被修改" in line or "改写" in line) for line in report.lines)


def test_log_out_moves_the_head_and_warns_of_a_cut_chain(db, monkeypatch):
    from app import gui

    warned = []
    monkeypatch.setattr(gui.QMessageBox, "warning", lambda *a: warned.append(a[2]))
    add_rows(db, 3)
    assert gui.record_audit_head(db) is None and not warned
    with db.read() as s:
        had = s.scalar(select(func.max(AuditEntry.seq)))
    with db.write() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == had))
    problem = gui.record_audit_head(db)
    assert problem and "审计记录被截断" in problem
    assert warned and "审计头文件没有更新" in warned[0]
