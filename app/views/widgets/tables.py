"""Table and input helpers the tabs share: editable grids, their cells, enum combo boxes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import Enum

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateEdit,
    QHeaderView,
    QPlainTextEdit,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
)

from app.core import clock

WORD_JOINER = "\u2060"  # no line break on either side; takes no room


def unbroken(text: str) -> str:
    """``text`` as one piece a wrapping label never breaks (a case number, 【调解中】)."""
    return WORD_JOINER.join(text.replace(" ", "\u00a0"))


def numbers_unbroken(text: str) -> str:
    """Every number in ``text`` (BSTJ2026-A-0003, 11-22) kept on one line when it wraps."""
    return re.sub(r"[A-Za-z0-9][A-Za-z0-9\-]*", lambda m: unbroken(m.group()), text)


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


_FULL_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{4})(\d{2})(\d{2})")
_DATE_KEYS = set("0123456789-/.年月日")


def parse_typed_date(text: str) -> date | None:
    """2027-01-10, 2027/1/10, 2027.1.10, 2027年1月10日 or 20270110 → the date; None if the
    text is not a whole date or names no day (2027-02-30)."""
    m = _FULL_DATE.fullmatch(text.strip())
    if not m:
        return None
    y, mo, d = (int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
    try:
        return date(y, mo, d)
    except ValueError:
        return None


class DateEdit(QDateEdit):
    """A date field (yyyy-MM-dd, with a calendar). Typing over a selection that starts at the
    year — the whole text, or the year a Tab selects — replaces the whole date: "2027-01-10"
    (or 2027/1/10, 20270110) sets that day. Qt alone would put each key into one section
    and "2027-01-10" became 2027-12-01. Typing into the month or day alone works as before."""

    def __init__(self, d: date | QDate | None = None, parent=None):
        super().__init__(parent)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setCalendarPopup(True)
        if isinstance(d, QDate):
            self.setDate(d)
        elif d is not None:
            self.setDate(QDate(d.year, d.month, d.day))
        self.typed: str | None = None  # what is being typed over the date, if anything

    def _show_text(self, text: str) -> None:
        edit = self.lineEdit()
        blocked = edit.blockSignals(True)
        edit.setText(text)
        edit.setCursorPosition(len(text))
        edit.blockSignals(blocked)

    def _end_typing(self) -> None:
        """Take the date typed (a bare 4-digit year changes only the year); anything else
        is undone with a beep."""
        typed, self.typed = self.typed, None
        if typed is None:
            return
        day = parse_typed_date(typed)
        if day is None and re.fullmatch(r"\d{4}", typed):
            old = self.date()
            year = QDate(int(typed), old.month(), 1)
            day = date(int(typed), old.month(), min(old.day(), year.daysInMonth()))
        if day is None:
            QApplication.beep()
        else:
            self.setDate(QDate(day.year, day.month, day.day))
        self._show_text(self.date().toString(self.displayFormat()))

    def keyPressEvent(self, event) -> None:
        text, key = event.text(), event.key()
        edit = self.lineEdit()
        if self.typed is None:
            if (
                text.isdigit()
                and len(text) == 1
                and edit.hasSelectedText()
                and edit.selectionStart() == 0
            ):
                self.typed = text
                self._show_text(text)
                event.accept()
                return
            super().keyPressEvent(event)
            return
        if key == Qt.Key.Key_Backspace:
            self.typed = self.typed[:-1]
            self._show_text(self.typed)
        elif key == Qt.Key.Key_Escape:
            self.typed = None
            self._show_text(self.date().toString(self.displayFormat()))
        elif text and len(text) == 1 and text in _DATE_KEYS:
            self.typed += text
            self._show_text(self.typed)
            if re.fullmatch(r"\d{4}\D\d{1,2}\D\d{2}日?|\d{8}", self.typed):
                self._end_typing()  # a whole date: it is set at once
        else:  # Enter, Tab, arrows …: take what was typed, then do what the key does
            self._end_typing()
            super().keyPressEvent(event)
            return
        event.accept()

    def focusOutEvent(self, event) -> None:
        self._end_typing()
        super().focusOutEvent(event)


def date_edit(d: date | None = None) -> QDateEdit:
    """A date field (yyyy-MM-dd, with a calendar), today unless told."""
    return DateEdit(d or clock.today())


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
