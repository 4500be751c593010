"""上报统计表 from the 指挥研判 tab: the director picks a table, keeps last month's default
period, narrows it to a village and exports it; a reversed period is refused in the dialog.
(Over 2 s: it builds the main window and its dashboard, as a director sees them.)"""

from __future__ import annotations

from openpyxl import load_workbook
from PySide6.QtCore import Qt

from app.gui import build_main_window
from app.views.superior_stats_dialog import StatsExportDialog
from tests.conftest import actor
from tests.services.test_superior_stats import stats_center  # noqa: F401  (the fixture)


def test_export_a_table_from_the_command_tab(qtbot, db, stats_center, tmp_path):  # noqa: F811
    w = build_main_window(db, actor(db, "zhuren"))
    qtbot.addWidget(w, before_close_func=lambda w: w.ctx.worker.wait())
    w.show()
    tab = w.command_tab
    w.tabs.setCurrentWidget(tab)
    qtbot.mouseClick(tab.stats_button, Qt.MouseButton.LeftButton)
    dialog = tab.stats_dialog
    assert isinstance(dialog, StatsExportDialog) and dialog.isVisible()
    assert dialog.table.currentData() == "disputes"
    assert dialog.since.date().toString("yyyy-MM-dd") == "2027-01-01"
    assert dialog.until.date().toString("yyyy-MM-dd") == "2027-01-31"
    qtbot.waitUntil(lambda: dialog.village.count() > 1, timeout=5000)
    dialog.village.setFocus()
    while dialog.village.currentText() != "中雁村":
        qtbot.keyClick(dialog.village, Qt.Key.Key_Down)
    chosen: list[str] = []

    def ask(parent, title, suggested, filters):
        chosen.append(suggested)
        return str(tmp_path / "纠纷月报")

    dialog.ask_save_path = ask
    qtbot.mouseClick(dialog.xlsx_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.last_export is not None, timeout=10_000)
    assert "矛盾纠纷排查化解情况统计表（2027-01-01至2027-01-31）.xlsx" in chosen[0]
    assert dialog.last_export == tmp_path / "纠纷月报.xlsx"
    assert "已导出矛盾纠纷排查化解情况统计表" in dialog.message.text()
    values = [[c.value for c in r] for r in load_workbook(dialog.last_export).active.iter_rows()]
    assert next(r for r in values if r[0] == "合计")[1] == 1  # 中雁村's D2
    # The mediation table defaults to last quarter; a reversed period is refused here.
    dialog.table.setCurrentIndex(dialog.table.findData("mediation"))
    assert dialog.since.date().toString("yyyy-MM-dd") == "2026-10-01"
    dialog.until.setDate(dialog.since.date().addDays(-1))
    qtbot.mouseClick(dialog.pdf_button, Qt.MouseButton.LeftButton)
    assert "结束日期不能早于开始日期" in dialog.message.text()
