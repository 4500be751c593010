"""The demo's 值班 and 信息报送: a month's roster, the log with one 较大 突发事件 and its three
reports, a handover, two 简报 — and nothing on the red banner (the 首报 was sent)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.db import open_database
from app.demo.center import generate_demo
from app.models import DutyDay, DutyLogEntry, EmergencyLevel, ReportKind, UpwardReport, User
from app.services.command import duty, reports_upward
from app.services.security.auth import actor_for


def test_demo_duty_and_reports(tmp_path, clock):
    clock.freeze("2027-03-15 10:00")
    db = open_database(tmp_path / "demo.sqlite3")
    today = date(2027, 3, 15)
    generate_demo(db, 30, today=today)
    with db.read() as s:
        director = actor_for(s.scalar(select(User).where(User.username == "demo-director")))
        assert s.scalar(select(func.count()).select_from(DutyDay)) == 31
        days = duty.roster(s, director, date(2027, 3, 1), date(2027, 3, 31))
        assert all(d.leader and d.staff for d in days)
        (emergency,) = s.scalars(
            select(DutyLogEntry).where(DutyLogEntry.emergency_level.is_not(None))
        )
        assert emergency.emergency_level == EmergencyLevel.LARGER
        reports = reports_upward.list_reports(s, director)
        stages = sorted(r.stage.label for r in reports if r.kind == ReportKind.EMERGENCY)
        assert stages == sorted(["首报", "续报", "终报"])
        assert sum(r.kind == ReportKind.BRIEF for r in reports) == 2
        assert all(r.signed_at for r in reports)
        assert duty.pending_first_reports(s, director) == []
        log = duty.day_log(s, director, today - timedelta(days=2))
        assert any(e.first_report for e in log)
        assert duty.handovers(s, director, today - timedelta(days=2))[0].acknowledged_at
        assert s.scalar(select(func.count()).select_from(UpwardReport)) == 5
    generate_demo(db, 10, today=today)  # again: nothing more
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(UpwardReport)) == 5
    db.dispose()
