"""考核评价 on screen: the director sees the quarter's scores with rank, drills into a figure,
enters a 加分 item with an attachment (a refused save keeps the dialog), sees it listed, opens
its attachment and withdraws it, edits the indicators (bad numbers named, then saved; refused
once frozen), closes the period, corrects it with a reason (a new version)
and exports the ranking; the training dialog records a session."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from app.core.opened_copies import clear_opened_copies, opened_copies_folder
from app.gui import build_main_window
from tests.conftest import actor
from tests.services.test_assessment import quarter  # noqa: F401 — the fixture

LEFT = Qt.MouseButton.LeftButton


def test_the_director_scores_closes_corrects_and_exports(
    qtbot,
    db,
    quarter,  # noqa: F811
    tmp_path,
):
    w = build_main_window(db, actor(db, "zhuren"))
    qtbot.addWidget(w)
    w.show()
    tab = w._tab("assessment_tab")
    w.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.score_table is not None, timeout=10_000)
    model = tab.table.model()
    assert model.rowCount() == 11 and "按期办结率" in model.headerData(3, Qt.Orientation.Horizontal)
    last = model.rowCount() - 1
    assert model.index(last, 1).data() == "派出所"  # late work: ranked last
    # drill into 派出所's 按期办结率: the three matters closed in the quarter, one late
    rect = tab.table.visualRect(model.index(last, 3))
    qtbot.mouseClick(tab.table.viewport(), LEFT, pos=rect.center())
    qtbot.waitUntil(lambda: tab.drill.model().rowCount() == 3, timeout=10_000)
    counted = [tab.drill.model().index(r, 4).data() for r in range(3)]
    assert counted == ["是", "是", "否"]
    # a 加分 item: no reason → refused, the dialog stays; then saved
    qtbot.mouseClick(tab.buttons["加分/扣分…"], LEFT)
    dlg = tab.dialog
    qtbot.waitUntil(dlg.isVisible)
    assert dlg.fields["target"].widget.currentText() == "派出所"
    dlg.fields["points"].widget.setValue(2)
    qtbot.mouseClick(dlg.ok_button, LEFT)
    qtbot.waitUntil(lambda: "理由" in dlg.message.text(), timeout=10_000)
    assert dlg.isVisible()
    qtbot.keyClicks(dlg.fields["reason"].widget, "help")
    letter = tmp_path / "表扬信.txt"
    letter.write_bytes(b"thanks")
    tab.ask_open_path = lambda *_a: str(letter)
    qtbot.mouseClick(dlg.fields["file"].widget, LEFT)
    qtbot.mouseClick(dlg.ok_button, LEFT)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: "已录入" in tab.message.text(), timeout=10_000)
    # the item is listed for 派出所 (chosen in the table); its attachment opens; it is withdrawn
    items = tab.items.model()
    qtbot.waitUntil(lambda: items.rowCount() == 1, timeout=10_000)
    assert [items.index(0, c).data() for c in (0, 2, 3, 4)] == [
        "派出所",
        "+2",
        "help",
        "表扬信.txt",
    ]
    tab.lower.setCurrentIndex(1)
    qtbot.mouseClick(
        tab.items.viewport(), LEFT, pos=tab.items.visualRect(items.index(0, 3)).center()
    )
    opened: list[Path] = []
    tab.show_file = opened.append  # the system viewer
    qtbot.mouseClick(tab.buttons["打开附件"], LEFT)
    qtbot.waitUntil(lambda: len(opened) == 1, timeout=10_000)
    # The viewer gets a copy under its own name in the program's folder, which the program
    # empties when it exits (and at the next start).
    assert opened[0].name == "表扬信.txt" and opened[0].read_bytes() == b"thanks"
    assert opened[0].parent.parent == opened_copies_folder()
    clear_opened_copies()
    assert not opened[0].exists()
    qtbot.mouseClick(tab.buttons["撤销…"], LEFT)
    undo = tab.dialog
    qtbot.waitUntil(undo.isVisible)
    qtbot.mouseClick(undo.ok_button, LEFT)  # no reason: refused, stays open
    qtbot.waitUntil(lambda: "撤销理由" in undo.message.text(), timeout=10_000)
    qtbot.keyClicks(undo.fields["reason"].widget, "dup")
    qtbot.mouseClick(undo.ok_button, LEFT)
    qtbot.waitUntil(lambda: items.rowCount() == 0, timeout=10_000)
    assert "已撤销" in tab.message.text()
    # 编辑指标: bad numbers are named under their fields and nothing is saved; then saved
    qtbot.mouseClick(tab.buttons["编辑指标…"], LEFT)
    edit = tab.dialog
    qtbot.waitUntil(edit.isVisible)
    scheme = tab.schemes[0]
    ids = {(i.target_kind, i.code): i.id for i in scheme.indicators}
    on_time, training = ids["unit", "on_time"], ids["unit", "training"]
    assert edit.totals["unit"].text().startswith("启用指标的分值合计：95 分")
    weight = edit.weights[on_time]
    weight.selectAll()
    qtbot.keyClicks(weight, "-5")
    best = edit.params[training]["best"]
    best.selectAll()
    qtbot.keyClicks(best, "abc")
    qtbot.mouseClick(edit.ok_button, LEFT)
    qtbot.waitUntil(lambda: "不能为负数" in edit.message.text(), timeout=10_000)
    assert edit.fields[f"{on_time}.weight"].error.text() == "“按期办结率”的分值不能为负数"
    assert "应为数字" in edit.fields[f"{training}.best"].error.text() and edit.isVisible()
    weight.selectAll()
    qtbot.keyClicks(weight, "30")
    best.selectAll()
    qtbot.keyClicks(best, "10")
    qtbot.mouseClick(edit.actives[training], LEFT)  # 停用 教育培训学时
    assert edit.totals["unit"].text().startswith("启用指标的分值合计：95 分")  # +5 −5
    qtbot.mouseClick(edit.ok_button, LEFT)
    qtbot.waitUntil(lambda: not edit.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: "2 项有改动" in tab.message.text(), timeout=10_000)
    qtbot.waitUntil(lambda: "按期办结率（30）" in model.headerData(3, Qt.Orientation.Horizontal))
    # close, then correct with a reason: version 2
    qtbot.mouseClick(tab.buttons["关闭考核期"], LEFT)
    qtbot.waitUntil(lambda: "第 1 版" in tab.status.text(), timeout=10_000)
    qtbot.mouseClick(tab.buttons["编辑指标…"], LEFT)  # frozen now: refused, the dialog stays
    frozen = tab.dialog
    qtbot.waitUntil(frozen.isVisible)
    assert all(w.isReadOnly() for w in frozen.weights.values())  # only to look at
    qtbot.mouseClick(frozen.ok_button, LEFT)
    qtbot.waitUntil(lambda: "已冻结" in frozen.message.text(), timeout=10_000)
    frozen.reject()
    qtbot.mouseClick(tab.buttons["更正…"], LEFT)
    fix = tab.dialog
    qtbot.waitUntil(fix.isVisible)
    qtbot.keyClicks(fix.fields["reason"].widget, "data fixed")
    qtbot.mouseClick(fix.ok_button, LEFT)
    qtbot.waitUntil(lambda: "第 2 版" in tab.status.text(), timeout=10_000)
    qtbot.waitUntil(lambda: tab.version.count() == 2, timeout=10_000)
    tab.version.setCurrentIndex(1)  # version 1 is kept
    tab.version.activated.emit(1)
    qtbot.waitUntil(lambda: "第 1 版" in tab.status.text(), timeout=10_000)
    out = tmp_path / "排名.pdf"
    tab.ask_save_path = lambda *_a: str(out)
    qtbot.mouseClick(tab.buttons["排名表PDF"], LEFT)
    qtbot.waitUntil(out.exists, timeout=10_000)
    assert out.read_bytes().startswith(b"%PDF")
    # training: the dialog lists the quarter's session
    qtbot.mouseClick(tab.buttons["教育培训…"], LEFT)
    training = tab.dialog
    qtbot.waitUntil(lambda: training.rows is not None, timeout=10_000)
    assert [r.topic for r in training.rows] == ["矛盾纠纷排查化解"]
    w.ctx.worker.wait()
