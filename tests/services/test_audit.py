"""The audit log is hash-chained: an edited or removed row is found by its position."""

from __future__ import annotations

from sqlalchemy import delete, update

from app.db import Database
from app.models import AuditEntry
from app.services.security import audit
from app.services.security.integrity import check_database


def test_chain_is_intact_after_setup(db):
    with db.read() as s:
        report = audit.verify_chain(s)
    assert report.first_broken is None and report.rows >= 5


def test_edited_row_is_reported_with_its_position(db):
    with db.write() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(username="mallory"))
    with db.read() as s:
        report = audit.verify_chain(s)
    assert report.first_broken == 3 and "被修改" in report.problem
    result = check_database(Database(db.url))
    assert not result.ok and any("第 3 条" in line for line in result.lines)


def test_deleted_row_is_reported(db):
    with db.write() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    with db.read() as s:
        report = audit.verify_chain(s)
    assert report.first_broken == 2 and "缺失" in report.problem
