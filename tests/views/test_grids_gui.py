"""网格 on screen: the admin adds a grid in 中心资料 → 网格 (a refused save keeps the dialog
and what was typed); at intake, choosing a village offers its grids and the matter keeps one;
指挥研判 opens a village into its grids, and 网格统计 shows every grid in a period."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.gui import build_main_window
from app.models import Grid, Matter, Village
from app.services.center import grids
from app.views.combos import find_data
from tests.conftest import actor
from tests.views.test_reception_tab import VALID_ID, ime_type
from tests.views.test_reference_page import LEFT, open_page


def _village(db, name):
    with db.read() as s:
        return s.scalar(select(Village.id).where(Village.name == name))


def test_the_admin_adds_a_grid_in_the_reference_page(qtbot, db):
    w, page = open_page(qtbot, db, actor(db, "admin"))
    panel = page.grids
    page.tabs.setCurrentWidget(panel)
    qtbot.mouseClick(panel.buttons["新增网格"], LEFT)
    dlg = panel.dialog
    qtbot.waitUntil(dlg.isVisible)
    qtbot.mouseClick(dlg.ok_button, LEFT)  # nothing typed: refused, the dialog stays
    qtbot.waitUntil(lambda: "请选择网格所属的村社区" in dlg.message.text(), timeout=10_000)
    assert dlg.isVisible()
    village = dlg.fields["village"].widget
    village.setFocus()
    qtbot.keyClicks(village, "zy")  # 中雁村 by its initials
    assert village.currentText() == "中雁村"
    code = dlg.fields["code"].widget
    code.setFocus()
    qtbot.keyClicks(code, "zy-01")
    name = dlg.fields["name"].widget
    name.setFocus()
    ime_type(name, "中雁一网格")
    worker = dlg.fields["worker_name"].widget
    worker.setFocus()
    ime_type(worker, "张网格")
    phone = dlg.fields["worker_phone"].widget
    phone.setFocus()
    qtbot.keyClicks(phone, "1380000")  # too short: refused, typed text kept
    qtbot.mouseClick(dlg.ok_button, LEFT)
    qtbot.waitUntil(lambda: "电话" in dlg.message.text(), timeout=10_000)
    assert dlg.isVisible() and name.text() == "中雁一网格"
    qtbot.keyClicks(phone, "0001")
    qtbot.mouseClick(dlg.ok_button, LEFT)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: panel.table.model().rowCount() == 1, timeout=10_000)
    model = panel.table.model()
    shown = [model.index(0, c).data() for c in range(4)]
    assert shown == ["中雁村", "ZY-01", "中雁一网格", ""]
    with db.read() as s:
        g = s.scalar(select(Grid))
        assert (g.worker_name, g.worker_phone) == ("张网格", "13800000001")


def test_choosing_a_village_at_intake_offers_its_grids(qtbot, db, receptionist, admin):
    bs, zy = _village(db, "白石村"), _village(db, "中雁村")
    with db.write() as s:
        g1 = grids.save_grid(s, admin, None, grids.GridInput(bs, "BS-01", "白石一网格"))
        grids.save_grid(s, admin, None, grids.GridInput(bs, "BS-02", "白石二网格"))
        grids.save_grid(s, admin, None, grids.GridInput(zy, "ZY-01", "中雁一网格"))
    w = build_main_window(db, receptionist)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    form = w.reception.form
    v = form.visitors[0]
    assert not v.grid_choice.isEnabled()  # no village yet: no grid to offer
    v.name.setFocus()
    ime_type(v.name, "王𠮷")
    v.id_number.setFocus()
    qtbot.keyClicks(v.id_number, VALID_ID)
    v.village.setFocus()
    qtbot.keyClicks(v.village, "zy")
    assert v.village.currentText() == "中雁村"
    assert [v.grid_choice.itemText(i) for i in range(v.grid_choice.count())] == [
        "（网格）",
        "中雁一网格（ZY-01）",
    ]
    v.village.setCurrentIndex(find_data(v.village, bs))
    texts = [v.grid_choice.itemText(i) for i in range(v.grid_choice.count())]
    assert texts == ["（网格）", "白石一网格（BS-01）", "白石二网格（BS-02）"]
    assert v.village.nextInFocusChain() is v.grid_choice  # Tab: the grid after the village
    v.grid_choice.setFocus()
    qtbot.keyClick(v.grid_choice, Qt.Key.Key_Down)
    assert v.grid_choice.currentData() == g1
    form.category.setFocus()
    for _ in range(3):
        qtbot.keyClick(form.category, Qt.Key.Key_Down)
    form.summary.setFocus()
    ime_type(form.summary, "反映村道路灯损坏。")
    form.handler.setFocus()
    qtbot.keyClick(form.handler, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.reception.last_number != "", timeout=5000)
    with db.read() as s:
        assert s.scalar(select(Matter.grid_id)) == g1
    w.ctx.worker.wait()


def test_the_village_table_opens_into_grids(qtbot, db, receptionist, admin):
    from app.services.reception.intake import VisitorInput
    from tests.services.test_intake import make_input, register

    bs = _village(db, "白石村")
    with db.write() as s:
        g1 = grids.save_grid(s, admin, None, grids.GridInput(bs, "BS-01", "白石一网格"))
        grids.save_grid(s, admin, None, grids.GridInput(bs, "BS-02", "白石二网格"))
    visitor = [VisitorInput("甲", village_id=bs)]
    register(db, receptionist, make_input(db, visitors=visitor, grid_id=g1))
    w = build_main_window(db, actor(db, "zhuren"))
    qtbot.addWidget(w)
    w.show()
    tab = w.command_tab
    w.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.village_model.rowCount() > 0, timeout=10_000)
    tab.village_table.setCurrentIndex(tab.village_proxy.index(0, 0))  # 白石村, the first
    qtbot.mouseClick(tab.grids_button, LEFT)
    dlg = tab.grids_dialog
    qtbot.waitUntil(lambda: dlg.rows is not None, timeout=10_000)
    model = dlg.table.model()
    assert [model.index(0, c).data() for c in range(3)] == ["白石一网格（BS-01）", "1", "1"]
    dlg.reject()
    # 网格统计: every grid in a period, narrowed to a village; the totals last
    qtbot.mouseClick(tab.grid_stats_button, LEFT)
    stats = tab.grids_dialog
    qtbot.waitUntil(lambda: stats.rows is not None and stats.village.count() > 1, timeout=10_000)
    table = stats.table.model()
    rows = [[table.index(r, c).data() for c in (0, 1, 2)] for r in range(table.rowCount())]
    assert rows == [["白石一网格（BS-01）", "1", "1"], ["白石二网格（BS-02）", "0", "0"],
                    ["合计", "1", "1"]]  # fmt: skip
    other = next(
        i for i in range(1, stats.village.count()) if stats.village.itemText(i) != "白石村"
    )
    stats.village.setCurrentIndex(other)
    qtbot.waitUntil(lambda: table.rowCount() == 0, timeout=10_000)
    assert "没有网格" in stats.message.text()
    stats.since.setDate(stats.until.date().addDays(1))  # a period the wrong way round
    qtbot.waitUntil(lambda: "开始日期晚于结束日期" in stats.message.text(), timeout=10_000)
    assert table.rowCount() == 0
    w.ctx.worker.wait()


def test_a_grid_worker_signs_in_to_its_grid_and_reports_a_matter(
    qtbot, db, receptionist, admin, monkeypatch
):
    """The 网格员's window has one tab, 本网格: its grid's matters only, and a 网格上报 form
    held to its grid; the reporter offered is the grid's 网格员, a typed name is kept."""
    from app.models import Channel, Role
    from app.services.reception.intake import VisitorInput
    from app.services.security import auth
    from tests.conftest import STAFF_PASSWORD
    from tests.services.test_intake import make_input, register

    bs = _village(db, "白石村")
    with db.write() as s:
        u = auth.create_user(s, admin, "wangge1", "张网格", Role.GRID_WORKER, STAFF_PASSWORD)
        g1 = grids.save_grid(
            s,
            admin,
            None,
            grids.GridInput(
                bs, "BS-01", "白石一网格", "李网长", worker_name="张网格", worker_user_id=u.id
            ),
        )
        g2 = grids.save_grid(s, admin, None, grids.GridInput(bs, "BS-02", "白石二网格"))
    for name, gid in (("甲", g1), ("乙", g2)):
        visitor = [VisitorInput(name, village_id=bs)]
        register(db, receptionist, make_input(db, visitors=visitor, grid_id=gid))
    w = build_main_window(db, actor(db, "wangge1"))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())] == ["本网格"]
    tab = w.grid_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=10_000)  # not 乙's, of BS-02
    assert "白石一网格（BS-01）" in tab.title.text()
    form = tab.form
    v = form.visitors[0]
    assert form.channel.currentData() == Channel.GRID and not form.channel.isEnabled()
    assert v.village.currentText() == "白石村" and not v.village.isEnabled()
    assert v.grid_choice.currentData() == g1 and not form.unit.isVisible()
    # only its grid is offered, in the village's place, as wide as the 身份证号 field above
    assert v.grid_choice.count() == 1 and not v.village.isVisible()
    qtbot.waitUntil(lambda: v.grid_choice.width() >= v.id_number.width(), timeout=5000)
    assert form.reporter.currentText() == "张网格"
    assert [form.reporter.itemText(i) for i in range(form.reporter.count())] == ["张网格", "李网长"]
    v.name.setFocus()
    ime_type(v.name, "钱多多")
    form.reporter.setFocus()
    form.reporter.lineEdit().selectAll()
    ime_type(form.reporter.lineEdit(), "王临时")  # a stand-in, not on the grid's list
    form.category.setFocus()
    for _ in range(3):
        qtbot.keyClick(form.category, Qt.Key.Key_Down)
    form.summary.setFocus()
    ime_type(form.summary, "三组路灯损坏，夜间出行不便。")
    # 新建 on a filled form asks first; "No" keeps every typed word
    from PySide6.QtWidgets import QMessageBox

    asked: list[str] = []
    no = QMessageBox.StandardButton.No
    monkeypatch.setattr(QMessageBox, "question", lambda _p, title, *_a: asked.append(title) or no)
    tab.new_form()
    assert asked == ["新建登记"] and v.name.text() == "钱多多"
    qtbot.mouseClick(tab.register_button, LEFT)
    qtbot.waitUntil(lambda: tab.last_number != "", timeout=10_000)
    with db.read() as s:
        m = s.scalar(select(Matter).where(Matter.number == tab.last_number))
        assert (m.channel, m.grid_id, m.grid_reporter, m.unit_id) == (
            Channel.GRID,
            g1,
            "王临时",
            None,
        )
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=10_000)
    assert form.reporter.currentText() == "张网格"  # a fresh form: the grid's again
    tab.table.setCurrentIndex(tab.model.index(0, 0))  # the newest: the one just reported
    qtbot.waitUntil(lambda: "王临时" in tab.detail.toPlainText(), timeout=10_000)
    assert "上报网格员" in tab.detail.toPlainText()
    w.ctx.worker.wait()
