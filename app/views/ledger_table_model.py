"""Table model for a ledger: the plain rows a service built, shown a page at a time.

A year's matters ledger can hold tens of thousands of rows; they arrive as one list of plain
tuples, and the view is handed them ``PAGE`` rows at a time through ``canFetchMore`` /
``fetchMore`` as it scrolls, so laying out the table stays quick.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

ID_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE = 500
LONG_TEXT = 8  # cells longer than this show the whole text as a tooltip
_ROOT = QModelIndex()


class LedgerTableModel(QAbstractTableModel):
    """Holds headers, rows (tuples of plain values) and, for registers, each row's record id."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._headers: list[str] = []
        self._rows: list[tuple] = []
        self._ids: list = []
        self._shown = 0

    def set_rows(self, headers: list[str], rows: list[tuple], ids: list | None = None) -> None:
        self.beginResetModel()
        self._headers = list(headers)
        self._rows = rows
        self._ids = list(ids or [])
        self._shown = min(PAGE, len(rows))
        self.endResetModel()

    @property
    def total(self) -> int:
        return len(self._rows)

    def record_id(self, row: int):
        return self._ids[row] if 0 <= row < len(self._ids) and row < self._shown else None

    def row_values(self, row: int) -> tuple | None:
        return self._rows[row] if 0 <= row < self._shown else None

    # --- Qt model API
    def canFetchMore(self, parent=_ROOT) -> bool:
        return not parent.isValid() and self._shown < len(self._rows)

    def fetchMore(self, parent=_ROOT) -> None:
        if not self.canFetchMore(parent):
            return
        n = min(PAGE, len(self._rows) - self._shown)
        self.beginInsertRows(QModelIndex(), self._shown, self._shown + n - 1)
        self._shown += n
        self.endInsertRows()

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return str(section + 1)  # 序号

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= self._shown:
            return None
        value = self._rows[index.row()][index.column()]
        text = "" if value is None else str(value)
        if role == Qt.ItemDataRole.DisplayRole:
            return text.replace("\n", " ")
        if role == Qt.ItemDataRole.ToolTipRole and len(text) > LONG_TEXT:
            return text
        if role == ID_ROLE and index.row() < len(self._ids):
            return self._ids[index.row()]
        return None
