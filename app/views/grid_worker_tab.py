"""本网格: the screen of a 网格员 account — its own grid's matters (list and detail, read only)
and a form to register a 网格上报 matter in that grid.

The services hold the account to its grid (``grids.grid_scope``): the list, the detail and the
registration are refused outside it whatever the screen asks. The form is the reception
window's (``IntakeForm``) held to the grid: channel 网格上报, the grid's village and grid fixed,
no unit, handler or 当场解答 (the center's window routes what a grid reports).
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.ops import Change, op
from app.models import MatterStatus
from app.services.center import grids
from app.services.center.calendar import WorkCalendar
from app.services.center.reference import Lookups
from app.services.reception import detail, intake
from app.services.reception.intake import MatterFilter

from .context import ViewContext
from .matter_table_model import (
    COL_UNIT,
    ID_ROLE,
    MatterTableModel,
    load_matter_list,
    matter_table,
    select_matter_row,
)
from .reception_tab import (
    FORM_ROW_SPACING,
    IntakeForm,
    QuietLabel,
    form_pane,
    matter_detail_html,
)
from .widgets import DraftController, MessageBar
from .widgets.tab_helpers import tab_shortcut

ALL = "__all__"
OPEN = "__open__"


class GridWorkerTab(QWidget):
    """Signals: ``registered(str)`` with the new 受理编号."""

    registered = Signal(str)
    DRAFT_FORM = "grid_intake"

    def __init__(
        self, ctx: ViewContext, lookups: Lookups, calendar: WorkCalendar | None, parent=None
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.calendar = calendar
        self.grid: grids.GridItem | None = None
        self.last_number = ""
        self._saving = False

        self.title = QLabel("本网格：读取中…")
        self.title.setProperty("role", "title")
        self.message = MessageBar()

        # Left: the 网格上报 form.
        self.form = IntakeForm(lookups, calendar)
        self.form.submitted.connect(self.register)
        self.register_button = QPushButton("上报登记 (Enter)")
        self.register_button.setProperty("class", "success")
        self.register_button.clicked.connect(self.register)
        self.new_button = QPushButton("新建 (Ctrl+N)")
        self.new_button.clicked.connect(self.new_form)
        self.last_label = QuietLabel()
        self.last_label.setWordWrap(True)
        self.last_label.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.register_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        self.drafts = DraftController(
            ctx,
            self.DRAFT_FORM,
            lambda: None if self.form.is_empty() else self.form.to_dict(),
            clear_when_empty=True,
            parent=self,
        )
        self.drafts.restore.connect(lambda d: self.form.restore_draft(self.drafts, d, self))
        self.form.changed.connect(self.drafts.edited)
        self.form_box = QGroupBox(f"网格上报登记（上报人账号：{ctx.actor.display_name}）")
        self.form_box.setObjectName("gridIntakeBox")
        self.form_box.setStyleSheet(
            "QGroupBox#gridIntakeBox { padding: 6px; padding-top: 24px; }"
            "QGroupBox#gridIntakeBox::title { padding: 4px 10px; height: 18px; }"
        )
        fb = QVBoxLayout(self.form_box)
        fb.setContentsMargins(4, 0, 4, 0)
        fb.setSpacing(FORM_ROW_SPACING)
        fb.addWidget(self.drafts.bar)
        fb.addWidget(self.form)
        fb.addLayout(buttons)
        fb.addWidget(self.last_label)
        scroll = form_pane(self.form_box)

        # Right: the grid's matters and the chosen one's detail.
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索本网格事项：编号、姓名、电话尾号、摘要（Ctrl+F）")
        self.search.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        self.status_filter.addItem("全部事项", ALL)
        self.status_filter.addItem("未办结", OPEN)
        for st in MatterStatus:
            self.status_filter.addItem(st.label, st)
        self.count_label = QLabel()
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.status_filter, 1)
        filters.addWidget(self.count_label)
        self.model = MatterTableModel(self._fetch_rows, self)
        self.table = matter_table(self.model)
        # Every row is 网格上报 or of this grid anyway; the unit shows in the detail.
        self.table.setColumnHidden(COL_UNIT, True)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.setPlaceholderText("选择一件事项查看详情和办理过程（网格员只能查看，不能办理）")
        right = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        tv = QVBoxLayout(top)
        tv.setContentsMargins(0, 0, 0, 0)
        tv.addLayout(filters)
        tv.addWidget(self.table)
        right.addWidget(top)
        right.addWidget(self.detail)
        right.setSizes([460, 300])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setSizes([470, 970])
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)

        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.status_filter.currentIndexChanged.connect(self.reload)
        tab_shortcut(self, QKeySequence.StandardKey.New, self.new_form)
        tab_shortcut(self, QKeySequence.StandardKey.Find, self.search.setFocus)
        ctx.bus.watch(self, [Change.MATTERS], self.reload)
        ctx.bus.watch(self, [Change.REFERENCE], self.load_grid)
        self.form_box.setEnabled(False)  # until the grid is known
        self.drafts.offer(lambda at, _d: f"发现 {at:%m-%d %H:%M} 未上报的表单内容。")
        self.load_grid()

    # --- the grid
    def load_grid(self) -> None:
        self.ctx.worker.submit(op(grids.my_grid, self.ctx.actor), self._grid_loaded)

    def _grid_loaded(self, grid: grids.GridItem | None) -> None:
        self.grid = grid if grid is not None and grid.active else None
        if self.grid is None:
            self.title.setText("本网格：未分配")
            self.message.warning(
                "这个网格员账号还没有分配网格（或网格已停用），暂时不能查看和上报事项；"
                "请联系系统管理员在 中心资料 → 网格 中指定。"
            )
            self.form_box.setEnabled(False)
            self.model.set_first_page([], None)
            return
        self.message.clear()
        g = self.grid
        who = f" · 网格员 {g.worker_name}" if g.worker_name else ""
        self.title.setText(f"本网格：{g.label} · {g.village}{who}")
        self.form.hold_to_grid(g.village_id, g.id, g.worker_name or self.ctx.actor.display_name)
        self.form_box.setEnabled(True)
        self.reload()

    # --- registering
    def register(self) -> None:
        if self._saving or self.grid is None:
            return
        data = self.form.value()
        self.form.clear_errors()
        self._saving = True
        self.register_button.setEnabled(False)
        self.ctx.worker.submit(
            op(intake.register_matter, self.ctx.actor, data), self._registered, self._failed
        )

    def _registered(self, result: intake.Registered) -> None:
        self._saving = False
        self.register_button.setEnabled(True)
        self.last_number = result.number
        self.last_label.setText(
            f"已上报：{result.number}，{result.status.label}，期限 {result.deadline_text}"
            "（由中心接待窗口交办）"
        )
        self.last_label.setVisible(True)
        self.form.reset()
        self.drafts.clear()
        self.registered.emit(result.number)

    def _failed(self, exc: BaseException) -> None:
        # Everything typed stays in the form.
        self._saving = False
        self.register_button.setEnabled(True)
        self.form.show_refusal(exc)

    def new_form(self) -> None:
        if not self.form.may_clear(self):  # typed text is never dropped unasked
            return
        self.form.reset()
        self.drafts.clear()

    # --- list and detail
    def current_filter(self) -> MatterFilter:
        f = MatterFilter(query=self.search.text(), today=clock.today())
        status = self.status_filter.currentData()
        if isinstance(status, MatterStatus):
            f.statuses = frozenset({status})
        elif status == OPEN:
            from app.models import OPEN_STATUSES

            f.statuses = frozenset(OPEN_STATUSES)
        return f

    def reload(self) -> None:
        if self.grid is None:
            return
        load_matter_list(
            self,
            self.ctx.worker,
            self.ctx.actor,
            self.current_filter(),
            self.calendar,
            self.model,
            self.count_label,
            self.message.show_error,
        )

    def _fetch_rows(self, ids, callback) -> None:
        self.ctx.worker.submit(
            op(intake.matter_rows, self.ctx.actor, ids, calendar=self.calendar), callback
        )

    def _row_changed(self, current, _previous) -> None:
        if current.isValid():
            self.show_detail(self.model.data(current, ID_ROLE))

    def show_detail(self, matter_id: uuid.UUID) -> None:
        self.ctx.worker.submit(
            op(detail.matter_detail, self.ctx.actor, matter_id),
            lambda d: self.detail.setHtml(matter_detail_html(d)),
            self.message.show_error,
        )

    def select_matter(self, matter_id: uuid.UUID) -> None:
        select_matter_row(self.table, self.model, matter_id)
