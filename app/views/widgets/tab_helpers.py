"""Small habits every tab shares: load when first shown, keys that work only in the tab, and
asking before typing is given up."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QMessageBox, QWidget

from ..bus import FIRST_LOAD_PENDING, loaded_fresh


class _FirstShow(QObject):
    def __init__(self, widget: QWidget, load: Callable[[], None]):
        super().__init__(widget)
        self.load = load
        widget.setProperty(FIRST_LOAD_PENDING, True)
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            obj.removeEventFilter(self)
            obj.setProperty(FIRST_LOAD_PENDING, False)
            loaded_fresh(obj)
            self.load()  # shows the latest data: a change seen before it needs no reload
        return False


def load_when_shown(widget: QWidget, load: Callable[[], None]) -> None:
    """Call ``load()`` once, when ``widget`` is first shown: start-up only waits for the tab
    the user sees first."""
    _FirstShow(widget, load)


def tab_shortcut(widget: QWidget, key: QKeySequence | QKeySequence.StandardKey, slot) -> None:
    """A key active only while ``widget`` is shown (the tabs share keys such as Ctrl+P)."""
    sc = QShortcut(key, widget, slot)
    sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)


def ask_to_give_up(parent: QWidget, title: str, text: str) -> bool:
    """Before what was typed is replaced: True only when the user answers 是 (否, the
    default, keeps it)."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes
