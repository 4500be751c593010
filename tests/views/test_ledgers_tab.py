"""工作台账 tab: choose a ledger and filter it, export XLSX/PDF, add and correct a register
record through its dialog, import a sheet with a bad row (then only the valid rows, then the
same sheet again), cancel an import; who sees the tab and its buttons."""

from __future__ import annotations

import threading

from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QComboBox, QDateEdit
from sqlalchemy import func, select

from app.gui import build_main_window
from app.models import Matter, Migrant
from app.services.command.ledgers import LedgerFilter, build_ledger
from app.views import bus
from tests.conftest import actor
from tests.services.test_importing import HEADER, write_xlsx
from tests.services.test_ledgers import COLUMNS
from tests.services.test_statistics import _id, center  # noqa: F401 — a fixture
from tests.views.test_reception_tab import ime_type

LEFT = Qt.MouseButton.LeftButton


def open_tab(qtbot, db, username):
    w = build_main_window(db, actor(db, username))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    tab = w.ledgers
    bar = w.tabs.tabBar()
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(w.tabs.indexOf(tab)).center())
    assert w.tabs.currentWidget() is tab
    qtbot.waitUntil(lambda: "共" in tab.count.text(), timeout=10_000)
    return w, tab


def choose(qtbot, combo: QComboBox, text: str) -> None:
    """Pick an item with the keyboard, as a person tabbing through the filters would."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text, [combo.itemText(i) for i in range(combo.count())]


def type_date(qtbot, edit: QDateEdit, text: str) -> None:
    """Typed as digits from the year on (the field moves to the month and day by itself)."""
    edit.setFocus()
    edit.setSelectedSection(QDateEdit.Section.YearSection)
    qtbot.keyClicks(edit, text.replace("-", ""))
    assert edit.date() == QDate.fromString(text, "yyyy-MM-dd"), edit.text()


def column(tab, header: str) -> list[str]:
    c = tab.table_data.headers.index(header)
    return [tab.model.index(r, c).data() for r in range(tab.model.rowCount())]


def loaded(qtbot, tab, action) -> None:
    """Do something that reloads the ledger, and wait for the new rows."""
    before = tab._generation
    action()
    qtbot.waitUntil(lambda: tab._generation > before and "正在加载" not in tab.count.text())


def shown(dialog) -> bool:
    return dialog is not None and dialog.isVisible()


def start_import(qtbot, tab) -> None:
    """导入… then the mapping step's 开始导入 (the automatic mapping as it is)."""
    before = tab.mapping_dialog
    qtbot.mouseClick(tab.import_button, LEFT)
    qtbot.waitUntil(lambda: shown(tab.mapping_dialog) and tab.mapping_dialog is not before)
    qtbot.mouseClick(tab.mapping_dialog.ok_button, LEFT)


def count(db, model) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_choose_filter_and_export(qtbot, qtmodeltester, db, center, tmp_path):  # noqa: F811
    w, tab = open_tab(qtbot, db, "zhuren")
    assert [tab.ledger.itemText(i) for i in range(tab.ledger.count())] == [
        "事项台账",
        "调解台账",
        "矛盾排查化解台账",
        "社会救助台账",
        "求助事项台账",
        "流动人口服务管理台账",
        "特殊人群帮扶管控台账",
        "平安创建台账",
        "重点青少年帮扶台账",
        "校园及周边安全检查台账",
        "护路护线台账",
        "禁毒工作台账",
        "重点场所台账",
    ]
    loaded(qtbot, tab, lambda: choose(qtbot, tab.period, "不限期间"))
    assert not tab.since.isEnabled()
    loaded(qtbot, tab, lambda: choose(qtbot, tab.village, "中雁村"))
    assert [tab.model.headerData(i, Qt.Orientation.Horizontal) for i in range(16)] == COLUMNS[
        "matters"
    ].split()
    assert column(tab, "事项摘要") == ["事项G", "事项D", "事项J", "事项B"]
    assert set(column(tab, "村社区")) == {"中雁村"}
    assert "共 4 条" in tab.count.text()
    qtmodeltester.check(tab.model)

    # 自定义: the dates are typed into the date fields.
    loaded(qtbot, tab, lambda: choose(qtbot, tab.period, "自定义"))
    assert tab.since.isEnabled()
    loaded(qtbot, tab, lambda: type_date(qtbot, tab.since, "2026-11-01"))
    loaded(qtbot, tab, lambda: type_date(qtbot, tab.until, "2026-11-30"))
    assert tab.period.currentText() == "自定义"
    assert column(tab, "事项摘要") == ["事项D", "事项J", "事项B"]
    loaded(qtbot, tab, lambda: choose(qtbot, tab.ledger, "矛盾排查化解台账"))
    assert column(tab, "纠纷简要情况") == ["事项D", "事项J"]
    assert column(tab, "群体性（人数）") == ["是（12人）", "是（8人）"]
    assert not tab.add_button.isVisible()  # a view over matters: nothing to add by hand

    asked = []

    def save_as(parent, title, suggested, filters):
        asked.append((title, suggested, filters))
        return str(tmp_path / "矛盾台账")  # no suffix typed: the format's is added

    tab.ask_save_path = save_as
    qtbot.mouseClick(tab.export_xlsx_button, LEFT)
    qtbot.waitUntil(lambda: tab.last_export is not None and tab._job is None, timeout=10_000)
    assert asked[0][0] == "导出矛盾排查化解台账" and asked[0][1].endswith(
        "矛盾排查化解台账（2026-11-01至2026-11-30）.xlsx"
    )
    path = tab.last_export
    assert path == tmp_path / "矛盾台账.xlsx"
    ws = load_workbook(path).active
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    assert [c.value for c in ws[1]] == COLUMNS["disputes"].split()
    body = [[c.value or "" for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[5] for r in body] == ["事项D", "事项J"] and {r[3] for r in body} == {"中雁村"}
    assert "已导出矛盾排查化解台账（2 条）" in tab.count.text()

    tab.ask_save_path = lambda *a: str(tmp_path / "矛盾台账.pdf")
    tab.last_export = None
    qtbot.mouseClick(tab.export_pdf_button, LEFT)
    qtbot.waitUntil(lambda: tab.last_export is not None and tab._job is None, timeout=10_000)
    text = "".join(p.extract_text() for p in PdfReader(tab.last_export).pages).replace("\n", "")
    assert "白石街道综治工作中心矛盾排查化解台账" in text and "村社区：中雁村" in text

    tab.ask_save_path = lambda *a: ""  # the file dialog cancelled: nothing happens
    qtbot.mouseClick(tab.export_pdf_button, LEFT)
    assert tab._job is None
    w.ctx.worker.wait()


def test_a_migrant_added_and_corrected_through_the_dialog(qtbot, db):
    w, tab = open_tab(qtbot, db, "jiedai")
    assert "调解台账" not in [tab.ledger.itemText(i) for i in range(tab.ledger.count())]
    loaded(qtbot, tab, lambda: choose(qtbot, tab.ledger, "流动人口服务管理台账"))
    assert tab.add_button.isVisible() and tab.model.rowCount() == 0
    qtbot.mouseClick(tab.add_button, LEFT)
    qtbot.waitUntil(lambda: shown(tab.register_dialog))
    d = tab.register_dialog
    d.activateWindow()
    qtbot.waitUntil(d.isActiveWindow)
    assert d.windowTitle() == "登记流动人口"
    ime_type(d.inputs["name"], "𪚥明")
    d.inputs["id_number"].setFocus()
    qtbot.keyClicks(d.inputs["id_number"], "110105194912310021")  # wrong check digit
    qtbot.keyClick(d.inputs["id_number"], Qt.Key.Key_Tab)  # leaving the field checks it
    assert d.errors["id_number"].isVisible() and "校验位" in d.errors["id_number"].text()
    ime_type(d.inputs["origin"], "贵州省毕节市")
    ime_type(d.inputs["address"], "白石村工业区3号")
    choose(qtbot, d.inputs["village_id"], "白石村")
    d.inputs["left_on"].setFocus()
    qtbot.keyClicks(d.inputs["left_on"], "2026-02-30")
    qtbot.mouseClick(d.save_button, LEFT)
    qtbot.waitUntil(lambda: "有 2 处需要改正" in d.message.text(), timeout=5000)
    assert "不存在" in d.errors["left_on"].text() and "校验位" in d.errors["id_number"].text()
    assert d.isVisible() and count(db, Migrant) == 0  # nothing saved

    d.inputs["id_number"].clear()
    qtbot.keyClicks(d.inputs["id_number"], "11010519491231002x")
    d.inputs["left_on"].clear()
    with qtbot.waitSignal(w.ctx.bus.changed) as changed:
        qtbot.mouseClick(d.save_button, LEFT)
    assert changed.args[0].kinds == {bus.REGISTERS}
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    assert tab.register_dialog is None and count(db, Migrant) == 1
    row = tab.model.row_values(0)
    assert row[:4] == ("𪚥明", "女", "110105********002X", "")  # masked in the list
    assert row[4:7] == ("贵州省毕节市", "白石村工业区3号", "白石村")

    # Correct it: select the row, 修改…, the form comes filled in.
    assert not tab.edit_button.isEnabled()
    tab.table.selectRow(0)
    assert tab.edit_button.isEnabled()
    qtbot.mouseClick(tab.edit_button, LEFT)
    qtbot.waitUntil(lambda: shown(tab.register_dialog), timeout=5000)
    e = tab.register_dialog
    assert e.windowTitle() == "修改流动人口记录"
    assert e.inputs["id_number"].text() == "11010519491231002X"  # whole in its own form
    assert e.inputs["village_id"].currentText() == "白石村"
    e.inputs["phone"].setFocus()
    qtbot.keyClicks(e.inputs["phone"], "13812345678")
    qtbot.mouseClick(e.save_button, LEFT)
    qtbot.waitUntil(lambda: tab.register_dialog is None and tab.model.rowCount() == 1)
    qtbot.waitUntil(lambda: (tab.model.row_values(0) or ("",) * 4)[3] != "", timeout=5000)
    assert tab.model.row_values(0)[3] == "138****5678" and count(db, Migrant) == 1
    assert all("13812345678" not in str(v) for v in tab.model.row_values(0))
    w.ctx.worker.wait()


def _sheet(tmp_path):
    rows = [
        [1, "2026-03-05 09:30", "来访", "投诉", "王𠮷", _id(1), "13812345678", "白石村",
         "反映噪音扰民", "司法所", "已分流", None, None, None],
        [2, "2026-03-06", "来电", "咨询", "张3", None, None, "中雁村",  # a digit in the name
         "咨询低保政策", None, "当场办结", None, "已解答", None],
        [3, "2026-03-07", "来访", "矛盾纠纷", "李四", None, None, "中雁村", "宅基地边界纠纷",
         "矛盾纠纷调解室", "办理中", None, None, None],
        [4, "2026-03-08", "来信", "求助", "赵六", None, None, "山马社区", "申请临时救助",
         "派出所", "已分流", None, None, None],
    ]  # fmt: skip
    return write_xlsx(tmp_path / "旧事项台账.xlsx", HEADER, rows)


def test_import_a_sheet_with_a_bad_row_then_the_valid_rows_then_again(
    qtbot, qtmodeltester, db, tmp_path
):
    path = _sheet(tmp_path)
    w, tab = open_tab(qtbot, db, "jiedai")
    loaded(qtbot, tab, lambda: choose(qtbot, tab.period, "不限期间"))
    assert tab.model.rowCount() == 0
    tab.ask_open_path = lambda parent, title, filters: str(path)

    start_import(qtbot, tab)
    qtbot.waitUntil(lambda: shown(tab.report_dialog), timeout=10_000)
    d = tab.report_dialog
    problems = d.table.model()
    qtmodeltester.check(problems)
    assert problems.rowCount() == 1
    assert [problems.index(0, c).data() for c in range(3)] == [
        "第 3 行",
        "姓名",
        "姓名里不能有数字“3”",
    ]
    assert "没有导入任何数据" in d.outcome.text() and count(db, Matter) == 0
    assert not d.folder_button.isVisible()
    assert d.skip_button.isVisible() and d.skip_button.text() == "只导入有效行（3 行）"

    with qtbot.waitSignal(w.ctx.bus.changed, timeout=10_000) as changed:
        qtbot.mouseClick(d.skip_button, LEFT)
    assert bus.MATTERS in changed.args[0]  # an import declares it may change the registers too
    qtbot.waitUntil(lambda: shown(tab.report_dialog) and tab.report_dialog is not d)
    r = tab.report_dialog
    refused = tmp_path / "旧事项台账.未导入.xlsx"
    assert "已导入 3 行" in r.outcome.text() and str(refused) in r.outcome.text()
    assert not r.skip_button.isVisible() and r.folder_button.isVisible()
    assert count(db, Matter) == 3
    ws = load_workbook(refused).active
    assert [c.value for c in ws[2]][:6] == [3, 2, "2026-03-06", "来电", "咨询", "张3"]
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=5000)
    assert column(tab, "群众") == ["王𠮷", "李四", "赵六"]
    qtbot.mouseClick(r.close_button, LEFT)

    # The same sheet again: the bad row is reported again, the good ones are not added twice.
    start_import(qtbot, tab)
    qtbot.waitUntil(lambda: shown(tab.report_dialog) and tab.report_dialog is not r)
    again = tab.report_dialog
    qtbot.mouseClick(again.skip_button, LEFT)
    qtbot.waitUntil(lambda: shown(tab.report_dialog) and tab.report_dialog is not again)
    assert "已导入 0 行；以前已导入、本次跳过 3 行" in tab.report_dialog.outcome.text()
    assert count(db, Matter) == 3
    w.ctx.worker.wait()


def test_cancel_an_import_from_the_progress_dialog(qtbot, db, tmp_path):
    rows = [[i, "2026-03-05", "来访", "投诉", "王五", None, None, None, f"第{i}件", None,
             None, None, None, None] for i in range(450)]  # fmt: skip
    path = write_xlsx(tmp_path / "大表.xlsx", HEADER, rows)
    w, tab = open_tab(qtbot, db, "zhuren")
    tab.ask_open_path = lambda *a: str(path)
    qtbot.mouseClick(tab.import_button, LEFT)
    qtbot.waitUntil(lambda: shown(tab.mapping_dialog))
    gate = threading.Event()
    w.ctx.worker.submit(lambda s: gate.wait(10))  # the worker is busy: the import waits its turn
    qtbot.mouseClick(tab.mapping_dialog.ok_button, LEFT)
    progress = tab._job.dialog
    assert progress.isVisible() and not tab.import_button.isEnabled()
    qtbot.mouseClick(progress.findChild(type(tab.add_button)), LEFT)  # 取消
    gate.set()
    qtbot.waitUntil(lambda: tab._job is None, timeout=10_000)
    assert "已取消导入" in tab.message.text() and count(db, Matter) == 0
    assert tab.report_dialog is None and tab.import_button.isEnabled()
    w.ctx.worker.wait()


def test_who_sees_the_tab_and_what_they_may_do(qtbot, db):
    for username in ("zixun", "admin"):
        w = build_main_window(db, actor(db, username))
        qtbot.addWidget(w)
        assert w.ledgers is None
        assert "工作台账" not in [w.tabs.tabText(i) for i in range(w.tabs.count())]
        w.ctx.worker.wait()
    w, tab = open_tab(qtbot, db, "tiaojie")  # a mediator keeps registers, imports nothing
    assert not tab.import_button.isVisible()
    loaded(qtbot, tab, lambda: choose(qtbot, tab.ledger, "调解台账"))
    assert not tab.add_button.isVisible()
    loaded(qtbot, tab, lambda: choose(qtbot, tab.ledger, "特殊人群帮扶管控台账"))
    assert tab.add_button.isVisible() and not tab.import_button.isVisible()
    with db.read() as s:  # the tab shows what the service builds for this person
        assert build_ledger(s, actor(db, "tiaojie"), "special", LedgerFilter()).rows == []
    w.ctx.worker.wait()
