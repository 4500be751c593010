"""帮助: 快捷键 lists the keys the window has really registered (a key added to a tab shows up
without anyone editing a list), and 用户手册 opens docs/MANUAL.md with its screenshots where
they were made."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QPushButton

from app.gui import build_main_window
from app.views.help import MANUAL, ManualDialog, manual_markdown
from tests.conftest import actor

ROOT = Path(__file__).resolve().parents[2]


def test_shortcuts_are_gathered_from_the_window_itself(qtbot, db):
    w = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(w)
    w.show()
    rows = {(r.keys, r.what, r.where) for r in w.shortcut_rows()}
    assert ("Ctrl+L", "锁定终端", "全局") in rows
    assert ("F1", "用户手册", "全局") in rows
    assert ("Ctrl+N", "新建", "群众接待窗口") in rows
    assert ("Ctrl+P", "打印回执", "群众接待窗口") in rows
    assert ("Alt+A", "添加群众", "群众接待窗口") in rows
    enter = QKeySequence("Enter").toString(
        QKeySequence.SequenceFormat.NativeText
    )  # 回车 in Chinese
    assert (enter, "登记", "群众接待窗口") in rows
    assert any(r[0] == "Ctrl+S" and r[2] == "会议纪要" for r in rows), "tabs not yet shown too"
    # a key added to a tab is listed without editing any list
    button = QPushButton("归档 (Ctrl+G)", w.reception)
    QShortcut(QKeySequence("Ctrl+G"), w.reception, lambda: None)
    assert ("Ctrl+G", "归档", "群众接待窗口") in {
        (r.keys, r.what, r.where) for r in w.shortcut_rows()
    }
    button.deleteLater()


def test_the_help_menu_opens_the_shortcut_list_by_keyboard(qtbot, db):
    w = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=3000)
    qtbot.keyClick(w, Qt.Key.Key_F1, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(w, "shortcuts_dialog", None) is not None, timeout=3000)
    dialog = w.shortcuts_dialog
    assert dialog.isVisible()
    assert ("Ctrl+N", "新建", "群众接待窗口") in dialog.rows()
    dialog.reject()
    qtbot.keyClick(w, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: getattr(w, "manual_dialog", None) is not None, timeout=3000)
    assert "群众接待窗口" in w.manual_dialog.browser.toPlainText()
    w.manual_dialog.reject()


def test_the_manual_has_a_section_for_every_tab():
    text = MANUAL.read_text(encoding="utf-8")
    for title in (
        "群众接待窗口",
        "事项办理",
        "矛盾调解",
        "家事调解",
        "会议纪要",
        "指挥研判",
        "暖心工作室",
        "工作台账",
        "系统设置",
    ):
        assert f"## {title}" in text or f"与{title}" in text, title


def test_the_manual_shows_screenshots_only_where_they_were_made(qtbot, tmp_path):
    images = tmp_path / "manual-images"
    images.mkdir()
    from PySide6.QtGui import QColor, QImage

    picture = QImage(40, 30, QImage.Format.Format_RGB32)
    picture.fill(QColor("#2e86c1"))
    picture.save(str(images / "reception.png"))
    manual = tmp_path / "MANUAL.md"
    manual.write_text(
        "# 手册\n\n## 群众接待窗口\n\n![接待](manual-images/reception.png)\n\n"
        "## 事项办理\n\n![办理](manual-images/handling.png)\n\n正文。\n",
        encoding="utf-8",
    )
    shown = manual_markdown(manual)
    assert "reception.png" in shown and "handling.png" not in shown and "正文。" in shown
    dialog = ManualDialog(path=manual)
    qtbot.addWidget(dialog)
    html = dialog.browser.toHtml()
    assert "reception.png" in html and "handling.png" not in html
    picture_url = dialog.browser.document().baseUrl().resolved("manual-images/reception.png")
    assert not dialog.browser.loadResource(2, picture_url).isNull()  # 2: an image


def test_the_bundle_ships_the_manual_and_makes_its_screenshots():
    spec = (ROOT / "installer" / "zongzhi.spec").read_text(encoding="utf-8")
    assert '"docs"' in spec and "MANUAL.md" in spec
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "screenshot --all --out docs/manual-images" in makefile
    bundle = makefile.split("\nbundle:")[1].split("\n\n")[0]
    assert "MANUAL_STAMP" in bundle  # the screenshots are made before the bundle is
    assert "/docs/manual-images/" in (ROOT / ".gitignore").read_text(encoding="utf-8")
