"""帮助: the keyboard shortcuts, gathered from what the window has actually registered (menu
actions, each tab's keys, buttons' Alt+letter keys) — not a hand-kept list that drifts — and
the short user manual (docs/MANUAL.md, shipped with the program), shown with its screenshots
where they were made (``zongzhi screenshot --all --out docs/manual-images``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QKeySequence, QShortcut, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .widgets.screen import fit_to_screen

DOCS = Path(__file__).resolve().parents[2] / "docs"
MANUAL = DOCS / "MANUAL.md"
EVERYWHERE = "全局"
_KEY_HINT = re.compile(r"[（(]\s*((?:Ctrl|Alt|Shift|Enter|Esc|F\d)[A-Za-z0-9+]*)\s*[)）]\s*$")


@dataclass(frozen=True)
class ShortcutRow:
    keys: str  # as the user reads it: Ctrl+N
    what: str  # 新建
    where: str  # 群众接待窗口, or 全局 for the menus


def _keys(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.NativeText)


def _plain(text: str) -> str:
    """A label without its mnemonic and key hint: "打印回执 (Ctrl+P)" → "打印回执"."""
    text = re.sub(r"\(&.\)", "", text).replace("&", "")
    text = re.sub(r"[（(][^（()）]*[)）]\s*$", "", text.strip())
    return text.strip(" …")


def _named_by_widgets(scope: QWidget, keys: str) -> str:
    """What a shortcut with no text of its own does, as a button, tool tip or placeholder in
    its tab names it: "新建 (Ctrl+N)", "搜索 …（Ctrl+F）"."""
    wanted = keys.lower()
    for button in scope.findChildren(QAbstractButton):
        for text in (button.text(), button.toolTip()):
            if wanted in text.lower():
                return _plain(text if text == button.text() else button.text() or text)
    for edit in scope.findChildren(QLineEdit):
        if wanted in edit.placeholderText().lower():
            return "转到" + _plain(edit.placeholderText()).split("：")[0].split("，")[0]
    return ""


def _tab_of(widget: QWidget, window: QMainWindow) -> tuple[QWidget | None, str]:
    tabs = getattr(window, "tabs", None)
    w = widget
    while w is not None and tabs is not None:
        index = tabs.indexOf(w)
        if index >= 0:
            return w, tabs.tabText(index)
        w = w.parentWidget()
    return None, EVERYWHERE


def gather_shortcuts(window: QMainWindow) -> list[ShortcutRow]:
    """Every key the window answers to now: the menus' actions, the tabs' own shortcuts and
    the buttons' Alt+letter keys, in the order 全局 first, then tab by tab."""
    rows: list[ShortcutRow] = []
    seen: set[tuple[str, str]] = set()

    def add(keys: str, what: str, where: str) -> None:
        if keys and what and (keys, where) not in seen:
            seen.add((keys, where))
            rows.append(ShortcutRow(keys, what, where))

    # Only the first key of each: a standard key's others are keyboards' special keys
    # (a "New" or "Find" key), which Qt would name 新建 or 查找.
    for menu in window.menuBar().findChildren(QMenu):
        for action in menu.actions():
            add(_keys(action.shortcut()), _plain(action.text()), EVERYWHERE)
    for action in window.findChildren(QAction):
        if not action.shortcut().isEmpty() and isinstance(action.parent(), QWidget):
            tab, where = _tab_of(action.parent(), window)
            add(_keys(action.shortcut()), _plain(action.text()), where)
    for shortcut in window.findChildren(QShortcut):
        parent = shortcut.parent()
        if not isinstance(parent, QWidget) or not shortcut.isEnabled():
            continue
        tab, where = _tab_of(parent, window)
        keys = _keys(shortcut.key())
        what = shortcut.whatsThis() or _named_by_widgets(tab or parent, keys)
        add(keys, what or "（见界面提示）", where)
    for button in window.findChildren(QAbstractButton):
        seq = button.shortcut()
        if seq.isEmpty() or not button.text():
            continue
        tab, where = _tab_of(button, window)
        add(_keys(seq), _plain(button.text()), where)
    # Keys a tab handles itself and names on its button: "登记 (Enter)".
    for button in window.findChildren(QAbstractButton):
        hint = _KEY_HINT.search(button.text())
        if hint and not QKeySequence(hint.group(1)).isEmpty():
            tab, where = _tab_of(button, window)
            add(_keys(QKeySequence(hint.group(1))), _plain(button.text()), where)
    order = {EVERYWHERE: -1}
    tabs = getattr(window, "tabs", None)
    if tabs is not None:
        order.update({tabs.tabText(i): i for i in range(tabs.count())})
    return sorted(rows, key=lambda r: order.get(r.where, 99))


class ShortcutsDialog(QDialog):
    """快捷键: a table of 按键, 作用, 适用范围."""

    def __init__(self, rows: list[ShortcutRow], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("快捷键")
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["按键", "作用", "适用范围"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for i, row in enumerate(rows):
            for j, text in enumerate((row.keys, row.what, row.where)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        note = QLabel("各标签页的快捷键只在该页显示时有效；对话框里的按键写在按钮上。")
        note.setProperty("role", "hint")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(note)
        layout.addWidget(buttons)
        fit_to_screen(self, 640, 560)

    def rows(self) -> list[tuple[str, str, str]]:
        return [
            tuple(self.table.item(i, j).text() for j in range(3))
            for i in range(self.table.rowCount())
        ]


def manual_markdown(path: Path = MANUAL) -> str:
    """The manual's text, its screenshots left out where they were not made (a checkout
    without ``make manual``): the text reads the same without them."""
    text = path.read_text(encoding="utf-8")

    def keep(match: re.Match) -> str:
        target = match.group(2).split()[0] if match.group(2).split() else ""
        return match.group(0) if (path.parent / target).is_file() else ""

    return re.sub(r"!\[([^\]]*)\]\(([^)]*)\)", keep, text)


IMAGE_WIDTH = 760  # a screenshot of the whole window, shown at a width the dialog has


def fit_images(document: QTextDocument, width: int) -> None:
    """Screenshots at most ``width`` wide, in proportion (Markdown gives no size)."""
    cursor = QTextCursor(document)
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.isImageFormat():
                image = fmt.toImageFormat()
                picture = document.resource(
                    QTextDocument.ResourceType.ImageResource, QUrl(image.name())
                )
                size = getattr(picture, "size", lambda: None)()
                if size is not None and size.width() > width:
                    image.setWidth(width)
                    image.setHeight(size.height() * width / size.width())
                    cursor.setPosition(fragment.position())
                    cursor.setPosition(
                        fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor
                    )
                    cursor.setCharFormat(image)
            it += 1
        block = block.next()


class ManualDialog(QDialog):
    """用户手册: docs/MANUAL.md in a browser, with its screenshots where present."""

    def __init__(self, parent: QWidget | None = None, path: Path = MANUAL):
        super().__init__(parent)
        self.setWindowTitle("用户手册")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        if path.is_file():
            self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(path.parent) + "/"))
            self.browser.setSearchPaths([str(path.parent)])
            self.browser.setMarkdown(manual_markdown(path))
            fit_images(self.browser.document(), IMAGE_WIDTH)
        else:
            self.browser.setPlainText(f"找不到用户手册（{path}）。请重新安装程序。")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        fit_to_screen(self, 900, 860)
