"""文书 on the 事项办理 tab: a matter's documents listed, and printed again from the list."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.core import clock
from app.gui import build_main_window
from app.models import EventKind, MatterEvent, Unit
from app.services.reception import detail, flow, intake, supervision
from tests.conftest import actor
from tests.services.test_intake import make_input
from tests.views.print_helpers import print_to_files

LEFT = Qt.MouseButton.LeftButton


def cells(panel) -> list[tuple[str, ...]]:
    return [r.cells for r in panel.table.rows_model.rows]


def test_a_closed_supervision_order_and_a_notice_are_printed_again_from_the_matter(
    qtbot, db, monkeypatch, tmp_path
):
    jobs, _presets = print_to_files(monkeypatch, tmp_path)
    jiedai, director = actor(db, "jiedai"), actor(db, "zhuren")
    with db.write() as s:
        xinfang = s.scalar(select(Unit.id).where(Unit.name == "信访办"))
        mid = intake.register_matter(
            s, jiedai, make_input(db, category="信访事项", unit_id=xinfang)
        ).id
    with db.write() as s:
        number, _pdf = supervision.issue_and_print(
            s, director, mid, xinfang, "请五日内答复。", clock.today() + timedelta(days=5)
        )  # its preview was closed: today there is no way back to it
    with db.write() as s:
        m_deadline = detail.matter_detail(s, director, mid).deadline
        flow.request_extension(s, director, mid, m_deadline + timedelta(days=20), "需要现场勘查")
        flow.extend(s, director, mid)

    w = build_main_window(db, jiedai)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    tab = w.handling
    bar = w.tabs.tabBar()
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(w.tabs.indexOf(tab)).center())
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    tab.table.selectRow(0)
    panel = tab.documents
    qtbot.waitUntil(lambda: len(cells(panel)) == 4, timeout=5000)
    assert panel.isVisible() and panel.table.isVisible()
    titles = [c[0] for c in cells(panel)]
    order_title = f"督办单 {number}"
    assert titles[:2] == ["受理回执", "受理告知书"]  # the same second: either order for the rest
    assert sorted(titles[2:]) == sorted([order_title, "延期办理告知书"])
    order_row, notice_row = titles.index(order_title), titles.index("延期办理告知书")
    assert cells(panel)[order_row][2] == "1 次"  # in view at 1366×768; the time in 说明
    assert cells(panel)[order_row][3].startswith("已打印 1 次")
    assert cells(panel)[notice_row][2] == "未打印" and not panel.print_button.isEnabled()

    # The 督办单, chosen by keyboard and printed again with Enter.
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Home)
    while panel.table.current_row() != order_row:
        qtbot.keyClick(panel.table, Qt.Key.Key_Down)
    assert panel.print_button.isEnabled()
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.preview is not None and panel.preview.isVisible(), timeout=5000)
    text = PdfReader(io.BytesIO(panel.preview.pdf)).pages[0].extract_text()
    assert "督　办　单" in text and number in text and "请五日内答复。" in text
    assert panel.preview.windowTitle().startswith(f"督办单 {number}")
    qtbot.keyClick(panel.preview, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert len(jobs) == 1 and jobs[0].exists()  # handed to the printer: now it counts
    panel.preview.close()
    qtbot.waitUntil(lambda: cells(panel)[order_row][3].startswith("已打印 2 次"), timeout=5000)

    # The 延期办理告知书, with the button.
    panel.table.selectRow(notice_row)
    qtbot.mouseClick(panel.print_button, LEFT)
    qtbot.waitUntil(lambda: panel.preview.isVisible() and "延期" in panel.preview.windowTitle())
    text = PdfReader(io.BytesIO(panel.preview.pdf)).pages[0].extract_text()
    assert "延期办理告知书" in text and "需要现场勘查" in text
    # Previewed and closed without printing: not printed.
    panel.preview.close()
    w.ctx.worker.wait()
    qtbot.wait(50)
    assert cells(panel)[notice_row][2] == "未打印"
    qtbot.mouseClick(panel.print_button, LEFT)
    qtbot.waitUntil(lambda: panel.preview.isVisible() and "延期" in panel.preview.windowTitle())
    qtbot.mouseClick(panel.preview.print_button, LEFT)
    assert len(jobs) == 2
    panel.preview.close()
    qtbot.waitUntil(lambda: cells(panel)[notice_row][3].startswith("已打印 1 次"), timeout=5000)
    with db.read() as s:
        notes = s.scalars(
            select(MatterEvent.note).where(
                MatterEvent.matter_id == mid, MatterEvent.kind == EventKind.DOCUMENT
            )
        ).all()
    assert sorted(notes) == sorted(
        [f"打印督办单 {number}", f"补打督办单 {number}", "打印延期办理告知书"]
    )
    w.ctx.worker.wait()
