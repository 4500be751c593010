"""The room's cases with their filters, reminders and the matters waiting for a case."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.ops import op
from app.models import CaseRoom, CaseStatus, DisputeType, ViolenceRisk
from app.services.rooms import mediation
from app.services.rooms.mediation import CaseFilter, CaseRow

from ..combos import find_data
from ..matter_table_model import DUE_SOON_BG, OVERDUE_BG, WarningDelegate
from ..tables import set_column_widths
from ..widgets import ID_ROLE, select_row_quietly
from ..widgets.tables import numbers_unbroken

_ROOT = QModelIndex()


class CaseTableModel(QAbstractTableModel):
    """The room's cases as plain rows (``CaseRow``)."""

    HEADERS = ["案号", "案件", "类型", "状态", "受理", "调解员", "提醒"]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[CaseRow] = []

    def set_rows(self, rows: list[CaseRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        r = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            status = r.status.label + ("（超期）" if r.overdue else "")
            risk = "【家暴高风险】" if r.violence_risk == ViolenceRisk.HIGH else ""
            return [
                r.number,
                risk + r.title,
                r.dispute_type.label,
                status,
                f"{r.accepted_at:%Y-%m-%d}",
                r.lead,
                r.reminder,
            ][index.column()]
        if role == Qt.ItemDataRole.BackgroundRole:
            if r.overdue or r.violence_risk == ViolenceRisk.HIGH:
                return QBrush(OVERDUE_BG)
            if r.reminder:
                return QBrush(DUE_SOON_BG)
        if role == ID_ROLE:
            return r.id
        return None


class CaseList(QWidget):
    """Signals: ``case_selected(uuid)`` when a row is chosen, ``new_case`` (新建案件),
    ``from_matter(uuid, str)`` (从事项立案: the matter and its line), ``mediators(list)``
    when the list of mediators changed."""

    case_selected = Signal(object)
    new_case = Signal()
    from_matter = Signal(object, str)
    mediators = Signal(list)

    def __init__(self, ctx, room: CaseRoom, parent=None):
        super().__init__(parent)
        self.ctx, self.room = ctx, room
        self.keep: uuid.UUID | None = None  # the case shown: selected again after a reload
        # Where a failed load is said (the tab's message bar); set by the tab.
        self.on_error: Callable[[BaseException], None] | None = None
        self._mediators: list[tuple[uuid.UUID, str]] = []
        self.reminder_label = QLabel()
        self.reminder_label.setWordWrap(True)
        self.status_filter = QComboBox()
        self.status_filter.addItem("全部状态", None)
        for st in CaseStatus:
            self.status_filter.addItem(st.label, st)
        self.type_filter = QComboBox()
        self.type_filter.addItem("全部类型", None)
        for t in DisputeType:
            self.type_filter.addItem(t.label, t)
        self.mediator_filter = QComboBox()
        self.mediator_filter.addItem("全部调解员", None)
        self.due_filter = QCheckBox("待回访/履行到期")
        self.overdue_filter = QCheckBox("超期未结")
        self.query = QLineEdit()
        self.query.setPlaceholderText("案号、案件名称或当事人姓名")
        self._filling = False  # the mediator filter is being refilled: not a user's choice
        for w in (self.status_filter, self.type_filter, self.mediator_filter):
            w.currentIndexChanged.connect(self._filter_changed)
        for w in (self.due_filter, self.overdue_filter):
            w.toggled.connect(lambda _on: self.reload())
        self.query.returnPressed.connect(self.reload)
        self.model = CaseTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(WarningDelegate(self))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        set_column_widths(
            self.table, [(c, w) for c, w in enumerate([128, 160, 64, 64, 86, 60, 72]) if c != 1]
        )
        # A case number is never cut: its column fits the longest one (a status column
        # fits the statuses shown, see _show_rows).
        fm = self.table.fontMetrics()
        need = max(fm.horizontalAdvance(t) for t in ("BSTJ2026-A-0000", "BSJT2026-AB-0000"))
        self.table.setColumnWidth(0, max(self.table.columnWidth(0), need + 20))
        self._status_width = self.table.columnWidth(3)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.new_button = QPushButton("新建案件")
        self.new_button.clicked.connect(self.new_case)
        self.waiting = QComboBox()
        self.waiting.setMinimumWidth(160)
        self.from_matter_button = QPushButton("从事项立案")
        self.from_matter_button.clicked.connect(self._take_matter)
        self.from_matter_button.setEnabled(False)  # until the waiting matters are known
        filters = QFormLayout()
        row1 = QHBoxLayout()
        row1.addWidget(self.status_filter)
        row1.addWidget(self.type_filter)
        row1.addWidget(self.mediator_filter)
        row2 = QHBoxLayout()
        row2.addWidget(self.due_filter)
        row2.addWidget(self.overdue_filter)
        row2.addWidget(self.query, 1)
        filters.addRow(row1)
        filters.addRow(row2)
        top = QHBoxLayout()
        top.addWidget(self.new_button)
        top.addStretch(1)
        top.addWidget(self.waiting, 1)
        top.addWidget(self.from_matter_button)
        lv = QVBoxLayout(self)
        lv.addLayout(top)
        lv.addWidget(self.reminder_label)
        lv.addLayout(filters)
        lv.addWidget(self.table)

    def _filter_changed(self) -> None:
        if not self._filling:
            self.reload()

    def case_filter(self) -> CaseFilter:
        return CaseFilter(
            status=self.status_filter.currentData(),
            dispute_type=self.type_filter.currentData(),
            mediator_id=self.mediator_filter.currentData(),
            due_followups=self.due_filter.isChecked(),
            overdue=self.overdue_filter.isChecked(),
            query=self.query.text(),
        )

    def reload(self) -> None:
        actor, room, submit = self.ctx.actor, self.room, self.ctx.worker.submit
        failed = self.on_error
        submit(op(mediation.list_cases, actor, room, self.case_filter()), self._show_rows, failed)
        submit(op(mediation.reminders, actor, room=room), self._show_reminders, failed)
        submit(op(mediation.mediator_choices, actor), self._show_mediators, failed)
        submit(op(mediation.matters_waiting, actor, room), self._show_waiting, failed)

    def _show_rows(self, rows: list[CaseRow]) -> None:
        self.model.set_rows(rows)
        # "调解中（超期）" whole, never "调解…"
        need = self.table.sizeHintForColumn(3) if rows else 0
        self.table.setColumnWidth(3, max(self._status_width, need))
        if self.keep is not None:
            for r, row in enumerate(rows):
                if row.id == self.keep:
                    self.table.selectRow(r)
                    break

    def _show_reminders(self, reminders: list[mediation.Reminder]) -> None:
        today = clock.today()
        if reminders:
            late = sum(1 for r in reminders if r.overdue(today))
            items = "；".join(f"{r.text}（{r.due:%m-%d}）" for r in reminders[:4])
            self.reminder_label.setText(
                numbers_unbroken(
                    f"提醒 {len(reminders)} 条"
                    + (f"，其中已过期 {late} 条" if late else "")
                    + f"：{items}"
                )
            )
        else:
            self.reminder_label.setText("没有到期的回访或履行期限。")

    def _show_mediators(self, mediators: list[tuple[uuid.UUID, str]]) -> None:
        if mediators == self._mediators:
            return
        self._mediators = mediators
        self.mediators.emit(mediators)
        keep_filter = self.mediator_filter.currentData()
        self._filling = True
        self.mediator_filter.clear()
        self.mediator_filter.addItem("全部调解员", None)
        for uid, name in mediators:
            self.mediator_filter.addItem(name, uid)
        self.mediator_filter.setCurrentIndex(max(0, find_data(self.mediator_filter, keep_filter)))
        self._filling = False

    def _show_waiting(self, waiting: list[mediation.WaitingMatter]) -> None:
        self.waiting.clear()
        for w in waiting:
            self.waiting.addItem(f"{w.number} {w.persons}", w.id)
        self.waiting.setEnabled(bool(waiting))
        self.from_matter_button.setEnabled(bool(waiting))
        if not waiting:
            self.waiting.addItem("（没有待立案的事项）", None)

    def select_quietly(self, case_id: uuid.UUID | None) -> None:
        """Shows ``case_id`` as the selected row again without choosing it (a change of case
        the user took back)."""
        row = next((r for r, row in enumerate(self.model.rows) if row.id == case_id), -1)
        select_row_quietly(self.table, row)

    def _selected(self) -> None:
        # The selected row, not the current index: clearing the selection (新建案件) leaves
        # the current index on the old row, which was then chosen again.
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.case_selected.emit(self.model.rows[rows[0].row()].id)

    def _take_matter(self) -> None:
        matter_id = self.waiting.currentData()
        if matter_id is not None:
            self.from_matter.emit(matter_id, self.waiting.currentText())
