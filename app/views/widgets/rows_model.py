"""A read-only list of database rows as plain text: a table model in the ``MatterTableModel``
style (column headers, plain row tuples, an id role; never ORM objects) and its view."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSignalBlocker,
    Qt,
)
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ..matter_table_model import DUE_SOON_BG, OVERDUE_BG, WarningDelegate
from ..tables import set_column_widths

ID_ROLE = Qt.ItemDataRole.UserRole + 1
_ROOT = QModelIndex()
_WARNINGS = {"overdue": OVERDUE_BG, "soon": DUE_SOON_BG}


def select_row_quietly(view: QTableView, row: int) -> None:
    """Selects ``row`` (none where it is -1) without telling what follows the selection: the
    same row shown again, or a change the user took back. The view repaints, as its own
    slots were kept quiet too."""
    with QSignalBlocker(view.selectionModel()):
        view.clearSelection()
        if row >= 0:
            view.selectRow(row)
    view.viewport().update()


@dataclass(frozen=True)
class Row:
    """One line: its cells' text, the id it stands for, and a warning colour
    (``"overdue"`` red, ``"soon"`` yellow, or none)."""

    cells: tuple[str, ...]
    id: Any = None
    warn: str | None = None


class RowsModel(QAbstractTableModel):
    """Plain rows under fixed headers; ``set_rows`` replaces them all."""

    def __init__(self, headers: Sequence[str], parent=None):
        super().__init__(parent)
        self.headers = list(headers)
        self.rows: list[Row] = []

    def set_rows(self, rows: Iterable[Row | Sequence[str]]) -> None:
        self.beginResetModel()
        self.rows = [r if isinstance(r, Row) else Row(tuple(r)) for r in rows]
        self.endResetModel()

    def row_at(self, row: int) -> Row | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of(self, row_id: Any) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == row_id), -1)

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.headers)
        ):
            return self.headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        r = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return r.cells[index.column()] if index.column() < len(r.cells) else ""
        if role == Qt.ItemDataRole.BackgroundRole and r.warn in _WARNINGS:
            return QBrush(_WARNINGS[r.warn])
        if role == ID_ROLE:
            return r.id
        return None


class RowsView(QTableView):
    """A read-only, single-selection list over a :class:`RowsModel`."""

    def __init__(self, model: RowsModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setModel(model)
        self.rows_model = model
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # The theme paints item backgrounds itself; the delegate keeps red/yellow warnings.
        self.setItemDelegate(WarningDelegate(self))

    def set_rows(self, rows: Iterable[Row | Sequence[str]]) -> None:
        """Show ``rows``; the row chosen before stays chosen if it is still there, quietly
        (it is the same row: nothing that follows the selection needs to load it again)."""
        keep = self.current_id()
        self.rows_model.set_rows(rows)
        r = self.rows_model.row_of(keep) if keep is not None else -1
        if r >= 0:
            select_row_quietly(self, r)

    def current_row(self) -> int:
        """The selected row, -1 when none."""
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def current_id(self) -> Any:
        row = self.rows_model.row_at(self.current_row())
        return row.id if row else None


def rows_view(
    headers: Sequence[str],
    stretch: int | None = None,
    widths: Iterable[tuple[int, int]] = (),
    *,
    min_height: int | None = None,
    parent: QWidget | None = None,
) -> RowsView:
    """A list of plain rows: ``stretch`` is the column that takes the spare width,
    ``widths`` (column, width) pairs, never narrower than the header text."""
    view = RowsView(RowsModel(headers), parent)
    if stretch is not None:
        view.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    set_column_widths(view, widths)
    if min_height is not None:
        view.setMinimumHeight(min_height)
    return view
