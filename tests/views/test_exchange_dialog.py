"""数据交换 → 导入交换包: the center imports a terminal's bundle from the menu, off the GUI
thread with a progress bar; a tampered bundle is refused with the reason and changes nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import func, select

from app.gui import build_main_window
from app.models import Matter
from app.services.center.settings import save_settings
from tests.conftest import actor
from tests.services.test_exchange import export, make_terminal
from tests.services.test_intake import make_input, register


def matters(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Matter))


def open_dialog(qtbot, db):
    window = build_main_window(db, actor(db, "zhuren"))
    qtbot.addWidget(window)
    menus = [a.text() for a in window.menuBar().actions()]
    assert "数据交换(&D)" in menus
    window.import_bundle_action.trigger()
    dialog = window.import_dialog
    qtbot.waitUntil(dialog.isVisible)
    return window, dialog


def test_importing_a_bundle_from_the_menu(qtbot, db, tmp_path):
    with db.write() as s:
        save_settings(s, terminal="Z")
    terminal = make_terminal(db, tmp_path, "B")
    for i in range(3):
        register(terminal, actor(terminal, "jiedai"), make_input(terminal, summary=f"第{i}件"))
    bundle = export(terminal, tmp_path / "b.zzb")
    terminal.dispose()
    tampered = bytearray(bundle.read_bytes())
    tampered[-30] ^= 0x02
    (tmp_path / "bad.zzb").write_bytes(bytes(tampered))

    window, dialog = open_dialog(qtbot, db)
    qtbot.keyClicks(dialog.path, str(tmp_path / "bad.zzb"))
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "签名不符" in dialog.message.text(), timeout=10_000)
    assert matters(db) == 0 and dialog.progress.value() == 0

    dialog.path.clear()
    qtbot.keyClicks(dialog.path, str(bundle))
    with qtbot.waitSignal(dialog.imported, timeout=10_000) as got:
        qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    assert got.args[0].tables["matters"] == 3
    assert dialog.progress.value() == 100
    assert "新增" in dialog.report.toPlainText() and "终端 B" in dialog.report.toPlainText()
    assert matters(db) == 3
    window.ctx.worker.wait()


def test_the_window_receptionist_has_no_exchange_menu(qtbot, db):
    window = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(window)
    assert "数据交换(&D)" not in [a.text() for a in window.menuBar().actions()]
    window.ctx.worker.wait()
