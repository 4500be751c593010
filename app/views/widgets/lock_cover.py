"""Dialogs and the terminal lock: while the window is locked, no dialog of it is on screen —
neither one open at the lock nor one opening after it (a preview whose PDF arrives late) —
and each comes back, with what was typed in it, at the unlock.

A dialog put away is marked (``HIDDEN_AT_LOCK`` as its result): finished meanwhile (a save
that was running accepted it), it stays closed. Boxes that run their own event loop
(questions, the printer and file choosers) are left alone: hiding one would end it as if
cancelled, and they hold nothing of a person."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

HIDDEN_AT_LOCK = -1  # a dialog's result while the lock keeps it out of sight
# By class name (``QObject.inherits``): the print dialog's module is not loaded for this.
_LEFT_ALONE = ("QMessageBox", "QPrintDialog", "QFileDialog", "QInputDialog", "QProgressDialog")


def still_hidden_at_lock(dialog: QDialog) -> bool:
    """Put away by the lock and neither finished nor deleted since."""
    return shiboken6.isValid(dialog) and dialog.result() == HIDDEN_AT_LOCK


class LockCover(QObject):
    """``cover()`` at the lock, ``uncover()`` at the unlock, for ``window``'s dialogs."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.covered = window
        self.hidden: list[QDialog] = []
        self.opened: list[QDialog] = []  # shown while locked, to be put away

    def _ours(self, w: QObject) -> bool:
        if not isinstance(w, QDialog) or any(w.inherits(name) for name in _LEFT_ALONE):
            return False
        parent = w.parentWidget()  # a dialog is a window of its own: followed by parents
        while parent is not None:
            if parent is self.covered:
                return True
            parent = parent.parentWidget()
        return False

    def _put_away(self, d: QDialog) -> None:
        d.setResult(HIDDEN_AT_LOCK)
        d.hide()
        if d not in self.hidden:
            self.hidden.append(d)

    def cover(self) -> None:
        for d in self.covered.findChildren(QDialog):
            if d.isVisible() and self._ours(d):
                self._put_away(d)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def uncover(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        hidden, self.hidden = self.hidden, []
        for d in hidden:
            if still_hidden_at_lock(d):
                d.setResult(0)
                d.show()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # One opening while locked (its data arrived late) waits for the unlock too.
        if event.type() == QEvent.Type.Show and self._ours(obj):
            self.opened.append(obj)
            QTimer.singleShot(0, self._put_away_opened)
        return False

    def _put_away_opened(self) -> None:
        opened, self.opened = self.opened, []
        for d in opened:
            if shiboken6.isValid(d) and d.isVisible():
                self._put_away(d)
