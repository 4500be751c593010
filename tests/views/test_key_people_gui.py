"""重点人员 on screen: the 待走访 list from the 特殊人群 ledger, a person's 走访记录 and
添加走访记录 — after which the person leaves the 待走访 list."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from app.services.command import registers
from tests.conftest import actor
from tests.views.test_ledgers_tab import choose, loaded, open_tab, shown
from tests.views.test_reception_tab import ime_type

LEFT = Qt.MouseButton.LeftButton


def test_a_visit_added_takes_the_person_off_the_due_list(qtbot, db, clock):
    clock.freeze("2026-06-15")
    today = clock.today()
    with db.write() as s:
        for name, ago in (("甲某", 50), ("乙某", 40)):
            registers.add_record(
                s,
                actor(db, "jiedai"),
                "special",
                {
                    "name": name,
                    "category": "严重精神障碍患者",
                    "risk_level": "低",
                    "helper": "王某",
                    "listed_on": today - timedelta(days=200),
                    "last_visit_on": today - timedelta(days=ago),
                },
            )
    w, tab = open_tab(qtbot, db, "jiedai")
    loaded(qtbot, tab, lambda: choose(qtbot, tab.ledger, "特殊人群帮扶管控台账"))
    assert tab.due_button.isVisible() and not tab.log_button.isEnabled()
    qtbot.mouseClick(tab.due_button, LEFT)
    due = tab.due_dialog
    qtbot.waitUntil(lambda: due.table.model().rowCount() == 2)
    cells = [due.table.model().index(r, 7).data() for r in range(2)]
    assert cells == ["逾期 20 天", "逾期 10 天"]  # the longest overdue first
    assert "逾期未走访 2 人" in due.summary.text()

    due.table.selectRow(0)
    qtbot.mouseClick(due.open_button, LEFT)
    log = due.log
    qtbot.waitUntil(lambda: shown(log) and log.table.model().rowCount() == 1)
    qtbot.mouseClick(log.add_button, LEFT)
    form = log.form
    qtbot.waitUntil(lambda: shown(form))
    qtbot.mouseClick(form.ok_button, LEFT)  # no visitor yet: refused, the form stays
    qtbot.waitUntil(lambda: "走访人" in form.fields["visitor"].error.text())
    assert form.isVisible()
    ime_type(form.fields["visitor"].widget, "网格员陈某")
    risk = form.fields["risk_level"].widget
    choose(qtbot, risk, "高")
    qtbot.mouseClick(form.ok_button, LEFT)
    qtbot.waitUntil(lambda: not form.isVisible() and log.table.model().rowCount() == 2)
    assert log.table.model().index(0, 1).data() == "网格员陈某"
    qtbot.waitUntil(lambda: due.table.model().rowCount() == 1)
    assert due.table.model().index(0, 0).data() == "乙某"
    assert "逾期未走访 1 人" in due.summary.text()
    w.ctx.worker.wait()


def test_an_inspection_is_added_and_marked_rectified_in_the_place_log(qtbot, db, clock):
    """The 检查记录 log is the same widget as the 走访记录 one, with its own form and button."""
    from app.views.key_people import InspectionLogDialog

    clock.freeze("2026-06-15")
    clerk = actor(db, "jiedai")
    with db.write() as s:
        place = registers.add_record(
            s,
            clerk,
            "places",
            {
                "name": "顺达快递点",
                "kind": "寄递网点",
                "address": "中雁路8号",
                "responsible": "赵某",
            },
        )
    w, _tab = open_tab(qtbot, db, "jiedai")
    log = InspectionLogDialog(w.ctx, place, "顺达快递点", w)
    log.open()
    qtbot.waitUntil(lambda: "还没有检查记录" in log.message.text())
    qtbot.mouseClick(log.add_button, LEFT)
    form = log.form
    qtbot.waitUntil(lambda: shown(form))
    assert form.windowTitle() == "添加检查记录 — 顺达快递点"
    ime_type(form.fields["inspector"].widget, "派出所李某")
    ime_type(form.fields["problems"].widget, "消防通道堆放杂物")
    qtbot.mouseClick(form.ok_button, LEFT)
    qtbot.waitUntil(lambda: not form.isVisible() and log.table.model().rowCount() == 1)
    assert log.table.model().index(0, 4).data().startswith("待整改")
    log.table.selectRow(0)
    qtbot.mouseClick(log.rectified_button, LEFT)
    qtbot.waitUntil(lambda: log.table.model().index(0, 4).data() == "已整改")
    w.ctx.worker.wait()


def test_a_visit_dated_before_the_listing_is_refused_by_its_date_field(qtbot, db, clock):
    """走访日期 typed before the person's 列管日期: the form stays open with what was typed,
    the message beside 走访日期 names the listing date, and the log is still empty."""
    from app.views.key_people import VisitLogDialog

    clock.freeze("2026-06-15")
    with db.write() as s:
        person = registers.add_record(
            s,
            actor(db, "jiedai"),
            "special",
            {
                "name": "丙某",
                "category": "社区矫正",
                "risk_level": "低",
                "helper": "王某",
                "listed_on": "2026-03-01",
            },
        )
    w, _tab = open_tab(qtbot, db, "jiedai")
    log = VisitLogDialog(w.ctx, person, "丙某", w)
    log.open()
    qtbot.waitUntil(lambda: "还没有走访记录" in log.message.text())
    qtbot.mouseClick(log.add_button, LEFT)
    form = log.form
    qtbot.waitUntil(lambda: shown(form))
    on = form.fields["visited_on"].widget
    on.setFocus()
    on.lineEdit().selectAll()
    qtbot.keyClicks(on, "2026-02-28")
    qtbot.keyClick(on, Qt.Key.Key_Tab)
    ime_type(form.fields["visitor"].widget, "网格员陈某")
    qtbot.mouseClick(form.ok_button, LEFT)
    qtbot.waitUntil(lambda: "列管日期" in form.fields["visited_on"].error.text())
    assert "2026-03-01" in form.fields["visited_on"].error.text()
    assert form.isVisible() and form.fields["visitor"].widget.text() == "网格员陈某"
    w.ctx.worker.wait()
    assert log.table.model().rowCount() == 0
