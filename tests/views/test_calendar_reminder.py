"""From 1 November, next year's empty holiday table is said on log-in and by `zongzhi check`."""

from __future__ import annotations

from app.cli import main
from app.core.ops import op
from app.gui import build_main_window
from app.services.center import calendar_admin
from app.services.center.holiday_notice import read_notice
from tests.conftest import actor

NOTICE_2027 = (
    "国务院办公厅关于2027年部分节假日安排的通知\n"
    "一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"
)


def window(qtbot, db, username: str):
    w = build_main_window(db, actor(db, username))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.ctx.worker.wait()
    return w


def test_the_director_and_admin_are_told_from_1_november(qtbot, db, clock):
    clock.freeze("2026-10-31")
    w = window(qtbot, db, "admin")
    assert w.reminders.isHidden()  # 2026 known, and it is not yet November

    clock.freeze("2026-11-01")
    for who in ("admin", "zhuren"):
        w = window(qtbot, db, who)
        qtbot.waitUntil(lambda w=w: w.reminders.isVisible(), timeout=5000)
        assert "2027年节假日尚未录入，办理期限暂按周末计算" in w.reminders.text()
    w = window(qtbot, db, "jiedai")
    assert w.reminders.isHidden()  # the window does not keep the holidays


def test_the_year_is_computed_and_the_banner_goes_once_the_year_is_entered(qtbot, db, clock):
    clock.freeze("2027-11-02")
    w = window(qtbot, db, "zhuren")
    qtbot.waitUntil(lambda: w.reminders.isVisible(), timeout=5000)
    text = w.reminders.text()
    assert "2028年节假日尚未录入，办理期限暂按周末计算" in text
    assert "2027年节假日尚未录入" in text  # this year's, not entered either

    clock.freeze("2026-11-20")
    w = window(qtbot, db, "admin")
    qtbot.waitUntil(lambda: w.reminders.isVisible(), timeout=5000)
    rows = [calendar_admin.DayRow(r.day, r.kind, r.name) for r in read_notice(NOTICE_2027).rows]
    w.ctx.worker.submit(
        op(calendar_admin.replace_year, w.ctx.actor, 2027, rows), lambda _v: None, None
    )
    qtbot.waitUntil(lambda: w.reminders.isHidden(), timeout=5000)
    w.ctx.worker.wait()


def test_zongzhi_check_says_it_too(db, database_url, clock, capsys):
    clock.freeze("2027-11-02")
    assert main(["check", "--database-url", database_url]) == 0
    out = capsys.readouterr().out
    assert "提醒：2028年节假日尚未录入，办理期限暂按周末计算" in out
    clock.freeze("2026-06-01")
    assert main(["check", "--database-url", database_url]) == 0
    assert "节假日尚未录入" not in capsys.readouterr().out
