"""The reception tab's list keeps its key columns readable on a 1366×768 office screen."""

from __future__ import annotations

from PySide6.QtCore import QRect

from app.gui import build_main_window, make_app
from app.views.matter_table_model import COL_DEADLINE, COL_NUMBER, COL_STATUS, COL_SUMMARY
from app.views.widgets.screen import simulate_screen
from tests.services.test_intake import make_input


def test_summary_status_and_deadline_stay_readable_at_1366x768(qtbot, db, receptionist):
    from app.services.reception import intake

    with db.write() as s:
        intake.register_matter(s, receptionist, make_input(db))
    make_app()  # the program's theme: its paddings make columns wider
    simulate_screen(QRect(0, 0, 1366, 728))  # 1366×768 less a task bar
    w = build_main_window(db, receptionist)
    qtbot.addWidget(w)
    w.resize(1366, 728)
    w.show()
    qtbot.waitExposed(w)
    tab = w.reception
    qtbot.waitUntil(lambda: tab.model.rowCount() >= 1, timeout=5000)
    qtbot.wait(50)
    header, view = tab.table.horizontalHeader(), tab.table.viewport()
    for col, least in (
        (COL_NUMBER, 120),
        (COL_SUMMARY, 110),
        (COL_STATUS, 60),
        (COL_DEADLINE, 150),
    ):
        left = header.sectionViewportPosition(col)
        assert not tab.table.isColumnHidden(col), col
        assert left >= 0 and left + header.sectionSize(col) <= view.width(), col
        assert header.sectionSize(col) >= least, (col, header.sectionSize(col))
    w.ctx.worker.wait()
