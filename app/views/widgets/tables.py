"""Table and input helpers the tabs share: editable grids, their cells, enum combo boxes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import Enum

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHeaderView,
    QPlainTextEdit,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
)

from app.core import clock


def input_table(
    headers: list[str], stretch: int | None = None, *, min_height: int | None = None
) -> QTableWidget:
    """An editable grid of text cells (parties, statements, terms, attendees…)."""
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if stretch is not None:
        t.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    if min_height is not None:
        t.setMinimumHeight(min_height)
    return t


def cell(t: QTableWidget, row: int, col: int) -> str:
    """The cell's text without surrounding blanks; "" for a cell never typed in."""
    item = t.item(row, col)
    return item.text().strip() if item else ""


def add_row(t: QTableWidget, values: Iterable[str] = ()) -> int:
    """Append a row holding ``values``; returns its index."""
    row = t.rowCount()
    t.insertRow(row)
    for col, text in enumerate(values):
        t.setItem(row, col, QTableWidgetItem(text))
    return row


def enum_combo(enum: type[Enum], values: Iterable[Enum] | None = None) -> QComboBox:
    """A combo box of an enum's labels; each item's data is the member (a ``StrEnum``
    member equals its value, so ``Kind(box.currentData())`` and ``== "value"`` both hold)."""
    box = QComboBox()
    for member in values if values is not None else enum:
        box.addItem(member.label, member)
    return box


def date_edit(d: date | None = None) -> QDateEdit:
    """A date field (yyyy-MM-dd, with a calendar), today unless told."""
    d = d or clock.today()
    e = QDateEdit(QDate(d.year, d.month, d.day))
    e.setDisplayFormat("yyyy-MM-dd")
    e.setCalendarPopup(True)
    return e


class MultiLineDelegate(QStyledItemDelegate):
    """Edits a cell as a block of lines (Enter starts a new line, Tab moves on)."""

    EDITOR_MIN_HEIGHT = 96

    def createEditor(self, parent, option, index):
        editor = QPlainTextEdit(parent)
        editor.setTabChangesFocus(True)
        return editor

    def setEditorData(self, editor, index) -> None:
        editor.setPlainText(index.data() or "")
        editor.moveCursor(editor.textCursor().MoveOperation.End)

    def setModelData(self, editor, model, index) -> None:
        model.setData(index, editor.toPlainText())

    def updateEditorGeometry(self, editor, option, index) -> None:
        rect = option.rect
        rect.setHeight(max(rect.height(), self.EDITOR_MIN_HEIGHT))
        editor.setGeometry(rect)


def multiline_column(t: QTableWidget, col: int) -> None:
    """Column ``col`` holds long text: every line of it shows (rows grow to fit, never
    elided) and it is edited as a block of lines."""
    t.setWordWrap(True)
    t.setTextElideMode(Qt.TextElideMode.ElideNone)
    t.setItemDelegateForColumn(col, MultiLineDelegate(t))
    t.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
