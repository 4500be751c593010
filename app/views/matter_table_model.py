"""Table model for matter lists: plain rows fetched lazily, a page at a time, off the GUI thread."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QTableView,
)

from app.core.ops import op
from app.services.reception import intake
from app.services.reception.intake import PAGE, MatterFilter, MatterRow

from .tables import set_column_widths

if TYPE_CHECKING:
    from app.services.center.calendar import WorkCalendar
    from app.services.context import Actor

    from .worker import DbWorker

COL_NUMBER, COL_RECEIVED, COL_CHANNEL, COL_CATEGORY, COL_PERSONS, COL_SUMMARY = range(6)
COL_UNIT, COL_STATUS, COL_DEADLINE = range(6, 9)
HEADERS = ["受理编号", "受理时间", "来源", "类别", "群众", "摘要", "承办单位", "状态", "办理期限"]
# Fixed widths (resize-to-contents is slow on long lists); the summary (0) takes the rest.
COLUMN_WIDTHS = [138, 112, 66, 70, 70, 0, 100, 70, 190]
ID_ROLE = Qt.ItemDataRole.UserRole + 1

OVERDUE_BG = QColor("#ffcdd2")
DUE_SOON_BG = QColor("#fff59d")
_ROOT = QModelIndex()


def deadline_text(row: MatterRow) -> str:
    d = f"{row.deadline.month}月{row.deadline.day}日"
    if row.deadline.year != row.received_at.year:
        d = f"{row.deadline.year}年{d}"
    if row.days_left is None:
        return d + ("（暂停计时）" if row.mark == "暂停中" else "")
    if row.days_left < 0:
        return f"{d}（超期 {-row.days_left} 个工作日）"
    if row.days_left == 0:
        return f"{d}（今日到期）"
    return f"{d}（剩 {row.days_left} 个工作日）"


class MatterTableModel(QAbstractTableModel):
    """Holds the matching ids and the rows fetched so far.

    ``fetch_page(ids, callback)`` is injected: it loads rows for ids off the GUI thread and
    calls back with them. Signals: ``total_changed(int)``.
    """

    total_changed = Signal(int)

    def __init__(self, fetch_page: Callable[[list[uuid.UUID], Callable], None], parent=None):
        super().__init__(parent)
        self._fetch_page = fetch_page
        self._ids: list[uuid.UUID] = []
        self._rows: list[MatterRow] = []
        self._pending = False
        self._generation = 0
        # Paging by key (``set_first_page``): loads the page after a row; None: by ids.
        self._fetch_after: Callable[[MatterRow, Callable], None] | None = None
        self._more = False

    # --- loading
    def set_first_page(
        self, rows: list[MatterRow], fetch_after: Callable[[MatterRow, Callable], None]
    ) -> None:
        """Show a list paged by key: its first page, and ``fetch_after(last_row, callback)``
        to load the page after a row (a short page is the last). No ids are held."""
        self.beginResetModel()
        self._generation += 1
        self._ids = []
        self._rows = list(rows)
        self._pending = False
        self._fetch_after = fetch_after
        self._more = len(rows) >= PAGE
        self.endResetModel()

    def set_ids(self, ids: list[uuid.UUID]) -> None:
        self.beginResetModel()
        self._generation += 1
        self._fetch_after = None
        self._ids = list(ids)
        self._rows = []
        self._pending = False
        self.endResetModel()
        self.total_changed.emit(len(self._ids))
        if self._ids:
            self.fetchMore(QModelIndex())

    @property
    def total(self) -> int:
        return len(self._ids)

    def canFetchMore(self, parent=_ROOT) -> bool:
        if parent.isValid() or self._pending:
            return False
        if self._fetch_after is not None:
            return self._more and bool(self._rows)
        return len(self._rows) < len(self._ids)

    def fetchMore(self, parent=_ROOT) -> None:
        if not self.canFetchMore(parent):
            return
        self._pending = True
        generation = self._generation

        def arrived(rows: list[MatterRow]) -> None:
            if generation != self._generation:
                return  # a newer search replaced this list
            self._pending = False
            if self._fetch_after is not None:
                self._more = len(rows) >= PAGE
            if not rows:
                return
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

        if self._fetch_after is not None:
            self._fetch_after(self._rows[-1], arrived)
            return
        start = len(self._rows)
        self._fetch_page(self._ids[start : start + PAGE], arrived)

    def row_at(self, row: int) -> MatterRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, matter_id: uuid.UUID) -> int:
        for i, r in enumerate(self._rows):
            if r.id == matter_id:
                return i
        return -1

    # --- Qt model API
    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_SUMMARY:
            return r.summary
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_STATUS and r.mark:
            return f"{r.status.label}（{r.mark}）"
        if role == Qt.ItemDataRole.BackgroundRole and col in (COL_STATUS, COL_DEADLINE):
            if r.overdue:
                return QBrush(OVERDUE_BG)
            if r.due_soon:
                return QBrush(DUE_SOON_BG)
        if role == ID_ROLE:
            return r.id
        return None

    @staticmethod
    def _display(r: MatterRow, col: int) -> str:
        if col == COL_NUMBER:
            return r.number
        if col == COL_RECEIVED:
            return r.received_at.strftime("%Y-%m-%d %H:%M")
        if col == COL_CHANNEL:
            return r.channel.label
        if col == COL_CATEGORY:
            return r.category
        if col == COL_PERSONS:
            return r.persons
        if col == COL_SUMMARY:
            return r.summary
        if col == COL_UNIT:
            return r.unit
        if col == COL_STATUS:
            return r.mark or r.status.label
        if col == COL_DEADLINE:
            return deadline_text(r)
        return ""


class WarningDelegate(QStyledItemDelegate):
    """Paints the model's warning background (yellow: due soon, red: overdue) under the text.

    The theme's style sheet paints item backgrounds itself and would hide BackgroundRole.
    """

    def paint(self, painter, option, index) -> None:
        brush = index.data(Qt.ItemDataRole.BackgroundRole)
        if isinstance(brush, QBrush):
            painter.fillRect(option.rect, brush)
        super().paint(painter, option, index)


def matter_table(model: MatterTableModel) -> QTableView:
    """The matter list as 接待登记 and 网格员 show it: one row per matter, 状态 and 办理期限
    coloured by ``WarningDelegate``, fixed widths, the summary taking the rest, 来源 hidden
    (it shows in the detail)."""
    table = QTableView()
    table.setModel(model)
    delegate = WarningDelegate(table)
    for col in (COL_STATUS, COL_DEADLINE):
        table.setItemDelegateForColumn(col, delegate)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(26)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    widths = {c: w for c, w in enumerate(COLUMN_WIDTHS) if w}
    widths[COL_DEADLINE] = 160  # "12月7日（剩 2 个工作日）"; the full text is in the detail
    set_column_widths(table, list(widths.items()))
    header.setSectionResizeMode(COL_SUMMARY, QHeaderView.ResizeMode.Stretch)
    header.setStretchLastSection(False)
    table.setColumnHidden(COL_CHANNEL, True)
    return table


def load_matter_list(
    owner: object,
    worker: DbWorker,
    actor: Actor,
    f: MatterFilter,
    calendar: WorkCalendar,
    model: MatterTableModel,
    count_label: QLabel,
    on_error: Callable[[BaseException], None] | None = None,
) -> None:
    """The list's first page, then its size (asked for only when the page is full): paged by
    key, never every id. A newer load for the same ``owner`` (the next letter typed)
    supersedes this one's jobs."""

    def fetch_after(last: MatterRow, callback) -> None:
        after = (last.received_at, last.number)
        worker.submit(op(intake.matter_page, actor, f, after=after, calendar=calendar), callback)

    def first_page(rows: list[MatterRow]) -> None:
        model.set_first_page(rows, fetch_after)
        if len(rows) < PAGE:  # the whole list: counted already
            count_label.setText(intake.Estimate(len(rows), True).text())
            return
        worker.submit(
            op(intake.estimate_matters, actor, f),
            lambda e: count_label.setText(e.text()),
            supersede=(owner, "count"),
        )

    count_label.setText("")
    worker.submit(
        op(intake.matter_page, actor, f, calendar=calendar),
        first_page,
        on_error,
        supersede=(owner, "list"),
    )


def select_matter_row(table: QTableView, model: MatterTableModel, matter_id: uuid.UUID) -> None:
    """Makes the matter's row (if loaded) the current, selected one."""
    row = model.row_of(matter_id)
    if row >= 0:
        table.selectionModel().setCurrentIndex(
            model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
