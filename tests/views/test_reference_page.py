"""系统设置 → 中心资料: a center made without villages gets its lists in through the page, and a
matter registered afterwards uses them; the director reads; XLSX import shows its report."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QTabWidget
from sqlalchemy import select

from app.db import open_database
from app.gui import build_main_window
from app.models import Matter, Role, Unit, Village
from app.services.center import setup
from app.services.context import Actor
from app.services.security.auth import create_user
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, actor
from tests.views.test_reception_tab import ime_type

LEFT = Qt.MouseButton.LeftButton


def button(panel, text: str) -> QPushButton:
    return next(b for b in panel.findChildren(QPushButton) if b.text() == text)


def open_page(qtbot, db, who):
    w = build_main_window(db, who)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.tabs.setCurrentWidget(w.settings_tab)
    page = w.settings_tab.reference
    w.settings_tab.findChild(QTabWidget).setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.data is not None, timeout=10_000)
    return w, page


def accept(qtbot, page, before) -> None:
    dlg = page.dialog
    qtbot.mouseClick(dlg.ok_button, LEFT)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: page.data is not before, timeout=10_000)


@pytest.fixture
def bare_center(tmp_path, database_url):
    """What `zongzhi init` makes without a villages file, plus a receptionist."""
    db = open_database(database_url=database_url)
    with db.write() as s:
        setup.init_center(
            s,
            center_name="青石镇综治工作中心",
            prefix="QS",
            terminal="A",
            admin_username="admin",
            admin_password=ADMIN_PASSWORD,
        )
        create_user(s, Actor.system(), "jiedai", "李接待", Role.RECEPTIONIST, STAFF_PASSWORD)
    yield db
    db.dispose()


def test_lists_entered_in_the_page_are_used_by_the_next_matter(qtbot, bare_center):
    db = bare_center
    w, page = open_page(qtbot, db, actor(db, "admin"))
    assert page.data.villages == []

    # 村社区 → 新增, refused when empty (the dialog stays), then typed.
    tabs = page.tabs
    tabs.setCurrentWidget(page.lists["village"])
    qtbot.mouseClick(button(page.lists["village"], "新增"), LEFT)
    dlg = page.dialog
    qtbot.mouseClick(dlg.ok_button, LEFT)
    qtbot.waitUntil(lambda: "请填写村社区名称" in dlg.message.text(), timeout=10_000)
    assert dlg.isVisible()
    name = dlg.fields["name"].widget
    name.setFocus()
    ime_type(name, "东岙村")
    # 常住人口 (for 考核评价) typed in words is refused and the name stays; digits are kept.
    people = dlg.fields["population"].widget
    people.setFocus()
    ime_type(people, "两千")
    qtbot.mouseClick(dlg.ok_button, LEFT)
    qtbot.waitUntil(lambda: "常住人口应为正整数" in dlg.message.text(), timeout=10_000)
    assert dlg.isVisible() and name.text() == "东岙村"
    people.clear()
    qtbot.keyClicks(people, "2360")
    accept(qtbot, page, page.data)
    assert [(v.name, v.population) for v in page.data.villages] == [("东岙村", 2360)]
    qtbot.waitUntil(lambda: page.message.text() == "已保存村社区“东岙村”。", timeout=5000)
    assert page.message.level == "success"  # green, not the grey of a notice

    # 承办单位 → 新增 民政办.
    tabs.setCurrentWidget(page.lists["unit"])
    qtbot.mouseClick(button(page.lists["unit"], "新增"), LEFT)
    ime_type(page.dialog.fields["name"].widget, "民政办")
    accept(qtbot, page, page.data)

    # 事项类别 → 新增 低保救助, 10 working days, usually to 民政办.
    tabs.setCurrentWidget(page.lists["category"])
    qtbot.mouseClick(button(page.lists["category"], "新增"), LEFT)
    d = page.dialog
    ime_type(d.fields["name"].widget, "低保救助")
    days = d.fields["limit_days"].widget
    days.selectAll()
    qtbot.keyClicks(days, "10")
    unit = d.fields["default_unit_id"].widget
    unit.setCurrentIndex(unit.findText("民政办"))
    accept(qtbot, page, page.data)
    model = page.lists["category"].table.model()
    rows = [[model.index(r, c).data() for c in range(3)] for r in range(model.rowCount())]
    assert ["低保救助", "10个工作日", "民政办"] in rows
    w.ctx.worker.wait()

    # The receptionist's form offers them; the matter goes to the category's unit.
    r = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(r)
    r.show()
    qtbot.waitExposed(r)
    form = r.reception.form
    v = form.visitors[0]
    v.name.setFocus()
    ime_type(v.name, "周八")
    qtbot.keyClicks(v.phone, "13900003333")
    v.village.setCurrentIndex(v.village.findText("东岙村"))
    form.category.setCurrentIndex(form.category.findText("低保救助"))
    assert "10个工作日" in form.deadline_label.text()
    ime_type(form.summary, "申请低保，家中老人重病。")
    form.handler.setFocus()
    qtbot.keyClick(form.handler, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: r.reception.last_number != "", timeout=10_000)
    with db.read() as s:
        m = s.scalar(select(Matter))
        assert (m.category_name, m.village_name) == ("低保救助", "东岙村")
        assert s.scalar(select(Unit.name).where(Unit.id == m.unit_id)) == "民政办"
    r.ctx.worker.wait()


def test_a_village_added_while_the_reception_tab_is_open_is_offered(qtbot, db, receptionist):
    """The form refills its choices when 中心资料 changes (no restart)."""
    w = build_main_window(db, receptionist)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    from app.core.ops import op
    from app.services.center import reference_admin as ref

    admin = actor(db, "admin")
    w.ctx.worker.submit(op(ref.save_village, admin, None, "新开社区"), lambda _v: None)
    combo = w.reception.form.visitors[0].village
    qtbot.waitUntil(lambda: combo.findText("新开社区") > 0, timeout=10_000)
    w.ctx.worker.wait()


def test_director_sees_the_page_read_only(qtbot, db):
    w, page = open_page(qtbot, db, actor(db, "zhuren"))
    assert not page.editable
    assert not page.import_button.isVisible() and page.export_button.isVisible()
    assert not button(page.lists["unit"], "新增").isVisible()
    assert page.roles.edits["center_address"].isReadOnly()
    assert page.lists["unit"].table.model().rowCount() >= 18
    w.ctx.worker.wait()


def test_deactivate_merge_and_import_report(qtbot, db, admin, tmp_path):
    from openpyxl import Workbook

    w, page = open_page(qtbot, db, admin)
    panel = page.lists["village"]
    page.tabs.setCurrentWidget(panel)
    table = panel.table
    names = [v.name for v in page.data.villages]
    first = names.index("中雁村")
    table.selectRow(first)
    before = page.data
    qtbot.mouseClick(button(panel, "合并到…"), LEFT)
    into = page.dialog.fields["into"].widget
    into.setCurrentIndex(into.findText("白石村"))
    accept(qtbot, page, before)
    merged = next(v for v in page.data.villages if v.name == "中雁村")
    assert (merged.active, merged.merged_into) == (False, "白石村")
    with db.read() as s:
        assert s.scalar(select(Village.active).where(Village.name == "中雁村")) is False

    wb = Workbook()
    ws = wb.active
    ws.title = "村社区"
    ws.append(["名称", "状态"])
    ws.append(["南塘村", "启用"])
    ws.append(["北塘村", "作废"])
    path = tmp_path / "村.xlsx"
    wb.save(path)
    page.ask_open_path = lambda parent, title, filters: str(path)
    qtbot.mouseClick(page.import_button, LEFT)
    qtbot.waitUntil(lambda: page.report_dialog is not None, timeout=10_000)
    d = page.report_dialog
    problems = d.table.model()
    assert [problems.index(0, c).data() for c in range(3)] == [
        "第 3 行",
        "村社区·状态",
        "应填“启用”或“停用”，不是“作废”",
    ]
    assert d.skip_button.isVisible()
    qtbot.mouseClick(d.skip_button, LEFT)
    qtbot.waitUntil(
        lambda: page.report_dialog is not None and page.report_dialog is not d, timeout=10_000
    )
    assert "已导入 1 行" in page.report_dialog.outcome.text()
    qtbot.waitUntil(lambda: "南塘村" in [v.name for v in page.data.villages], timeout=10_000)
    page.report_dialog.close()
    QApplication.processEvents()
    w.ctx.worker.wait()
