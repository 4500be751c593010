"""指挥研判: the director's figures, risks and charts; every number opens the matters behind it.

The dashboard is computed off the GUI thread (``statistics.dashboard``) and shown as tiles,
a risk list, three bar charts drawn with QPainter (``chart_view``, a few ms) and a sortable
table by village. A figure, a risk, a bar or a table cell opens ``MatterListDialog`` with
the matters behind it (names masked); the keys come from the service, so the number and the
list cannot disagree.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.errors import EnvironmentProblem
from app.core.ops import op
from app.services.command import statistics
from app.services.command.statistics import Dashboard, Figure, FigureKey, RiskItem, VillageRow
from app.services.reception.intake import PAGE, MatterRow
from app.services.rooms import counselling
from app.services.rooms.counselling import AlertRow

from . import bus as kinds
from . import chart_view
from .chart_view import ChartData, ChartView
from .context import ViewContext
from .duty_tab import EmergencyBanner
from .matter_table_model import (
    COL_CHANNEL,
    COL_NUMBER,
    COL_RECEIVED,
    COL_SUMMARY,
    COL_UNIT,
    ID_ROLE,
    MatterTableModel,
    WarningDelegate,
)
from .messages import error_text
from .widgets.tab_helpers import load_when_shown

_ROOT = QModelIndex()
KEY_ROLE = Qt.ItemDataRole.UserRole + 2
SORT_ROLE = Qt.ItemDataRole.UserRole + 3
# Figures shown in red or amber when not zero.
ALERT_FIGURES = {
    "overdue": "alert",
    "due_soon": "warn",
    "supervised": "warn",
    "visits_overdue": "warn",
}
# The kinds of change after which the figures may differ (registers: 待走访, 重点人员 risks).
WATCHED = {
    kinds.MATTERS,
    kinds.CASES,
    kinds.COUNSELLING,
    kinds.SETTINGS,
    kinds.CALENDAR,
    kinds.REGISTERS,
}

CHART_WEEKLY, CHART_OVERDUE, CHART_RESOLUTION = "weekly", "overdue", "resolution"
CHART_TITLES = {
    CHART_WEEKLY: f"近 {statistics.WEEKS} 周受理量（按类别）",
    CHART_OVERDUE: "超期事项（按承办单位）",
    CHART_RESOLUTION: "本年办结用时分布",
}


def build_charts(d: Dashboard) -> dict[str, ChartData]:
    """The three charts of a dashboard as plain data (drawn on screen or into PNGs)."""
    w = d.weekly
    series = [
        (
            name,
            [w.counts.get((week, cid), 0) for week in w.weeks],
            [w.key(week, cid) for week in w.weeks],
        )
        for cid, name in w.categories
    ]
    overdue = d.overdue_by_unit
    times = d.resolution_times
    return {
        CHART_WEEKLY: chart_view.stacked_chart(
            CHART_TITLES[CHART_WEEKLY], [f"{week.month}/{week.day}" for week in w.weeks], series
        ),
        CHART_OVERDUE: chart_view.bar_chart(
            CHART_TITLES[CHART_OVERDUE],
            [b.label for b in overdue],
            [b.value for b in overdue],
            [b.key for b in overdue],
            horizontal=True,
            color=chart_view.PALETTE[3],
        ),
        CHART_RESOLUTION: chart_view.bar_chart(
            CHART_TITLES[CHART_RESOLUTION],
            [b.label for b in times],
            [b.value for b in times],
            [b.key for b in times],
            color=chart_view.PALETTE[1],
        ),
    }


def chart_images(d: Dashboard, folder: Path) -> dict[Path, bytes]:
    """Each chart as PNG bytes and the file it goes to (drawn on the GUI thread: a few ms)."""
    return {
        folder / f"指挥研判_{CHART_TITLES[name]}_{d.today:%Y%m%d}.png": chart_view.chart_png(data)
        for name, data in build_charts(d).items()
    }


def write_images(images: dict[Path, bytes]) -> list[Path]:
    """Write the PNGs (off the GUI thread); a Chinese message names the file that failed."""
    written = []
    for path, png in images.items():
        try:
            path.write_bytes(png)
        except OSError as exc:
            raise EnvironmentProblem(
                f"图片没有保存：{exc.strerror or exc}（{path}），请换一个文件夹。"
            ) from exc
        written.append(path)
    return written


# --- figure tiles --------------------------------------------------------------------------


class FigureTile(QFrame):
    """A number with its name; a click (or Enter) opens the matters behind it.

    Signals: ``clicked(object)`` with the figure's key.
    """

    clicked = Signal(object)

    def __init__(self, key: str, label: str, parent=None):
        super().__init__(parent)
        self.key: FigureKey = (key,)
        self.setProperty("role", "tile")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.value = QLabel("—")
        self.value.setProperty("role", "figure")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name = QLabel(label)
        self.name.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(self.name)

    def set_figure(self, f: Figure) -> None:
        self.key = f.key
        self.name.setText(f.label)
        self.value.setText(f.text)
        self.setToolTip(f"{f.hint}\n点击查看这些事项" if f.hint else "点击查看这些事项")
        level = ALERT_FIGURES.get(f.key[0], "") if f.value else ""
        if self.value.property("level") != level:
            self.value.setProperty("level", level)
            self.value.style().unpolish(self.value)
            self.value.style().polish(self.value)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit(self.key)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit(self.key)
            return
        super().keyPressEvent(event)


# --- charts ------------------------------------------------------------------------------


ChartBox = ChartView  # a chart of the tab; a click on a bar opens its matters


# --- the table by village ------------------------------------------------------------------

V_NAME, V_RECEIVED, V_OPEN, V_OVERDUE, V_GROUP, V_RESOLVED, V_RATE = range(7)
VILLAGE_HEADERS = ["村社区", "受理", "在办", "超期", "群体性", "办结", "办结率"]
# The matters behind a cell: the column's condition (the name and the rate open all received).
_VILLAGE_COLUMN = {
    V_NAME: "received",
    V_RECEIVED: "received",
    V_OPEN: "open",
    V_OVERDUE: "overdue",
    V_GROUP: "group",
    V_RESOLVED: "resolved",
    V_RATE: "received",
}


class VillageTableModel(QAbstractTableModel):
    """This year's matters by village: plain ``VillageRow``s; ``SORT_ROLE`` gives numbers."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[VillageRow] = []

    def set_rows(self, rows: list[VillageRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> VillageRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(VILLAGE_HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return VILLAGE_HEADERS[section]
        if role == Qt.ItemDataRole.InitialSortOrderRole and section != V_NAME:
            return Qt.SortOrder.DescendingOrder  # a first click on a number: the most first
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        r, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == V_NAME:
                return r.village
            if col == V_RATE:
                return "—" if r.rate is None else f"{100 * r.rate:.1f}%"
            return str(self._number(r, col))
        if role == SORT_ROLE:
            if col == V_NAME:
                return r.village
            if col == V_RATE:
                return -1.0 if r.rate is None else r.rate
            return self._number(r, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col != V_NAME:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "点击查看这些事项"
        if role == KEY_ROLE:
            return ("village", str(r.village_id or ""), _VILLAGE_COLUMN[col])
        return None

    @staticmethod
    def _number(r: VillageRow, col: int) -> int:
        return {
            V_RECEIVED: r.received,
            V_OPEN: r.open,
            V_OVERDUE: r.overdue,
            V_GROUP: r.group,
            V_RESOLVED: r.resolved,
        }[col]


# --- the lists behind a figure --------------------------------------------------------------

A_LABEL, A_RISK, A_SINCE, A_COUNSELLOR, A_FOLLOW_UP = range(5)
ALERT_HEADERS = ["来访者", "风险等级", "起始日期", "负责咨询师", "回访"]


class AlertTableModel(QAbstractTableModel):
    """The counselling room's alerts as the director sees them: who, since, who; no notes."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[AlertRow] = []

    def set_rows(self, rows: list[AlertRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(ALERT_HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ALERT_HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        r = self._rows[index.row()]
        return [
            r.label,
            r.risk_level.label,
            r.since.strftime("%Y-%m-%d"),
            r.counsellor,
            r.follow_up,
        ][index.column()]


def _table_view() -> QTableView:
    t = QTableView()
    t.verticalHeader().setVisible(False)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setAlternatingRowColors(True)
    return t


class MatterListDialog(QDialog):
    """The matters behind one figure: number, masked names, category, unit, status, deadline.

    Signals: ``open_matter(object)`` with a matter id (double-click: open it in 事项办理).
    """

    open_matter = Signal(object)

    def __init__(
        self,
        ctx: ViewContext,
        key: FigureKey,
        title: str,
        *,
        today: date | None = None,
        parent=None,
    ):
        super().__init__(parent)
        self.ctx, self.key, self.today = ctx, key, today
        self.setWindowTitle(f"指挥研判 — {title}")
        self.resize(980, 560)
        self.heading = QLabel(title)
        self.heading.setProperty("role", "title")
        self.heading.setWordWrap(True)
        self.count = QLabel("正在查找…")
        self.count.setProperty("role", "hint")
        self.message = QLabel()
        self.message.setProperty("role", "error")
        self.model = MatterTableModel(self._fetch_rows, self)
        self.table = _table_view()
        self.table.setModel(self.model)
        self.table.setItemDelegate(WarningDelegate(self.table))
        for col in (COL_CHANNEL, COL_SUMMARY):  # not on a screen others may see
            self.table.setColumnHidden(col, True)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for col, width in ((COL_NUMBER, 150), (COL_RECEIVED, 140), (COL_UNIT, 140)):
            self.table.setColumnWidth(col, width)
        self.table.doubleClicked.connect(self._double_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.count)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.loaded = False
        self.total: int | None = None  # counted once the first page is full
        # Paged by key: the first page, then its count (no list of every id is loaded).
        ctx.worker.submit(
            op(statistics.command_matter_page, ctx.actor, key, today=today),
            self._first_page,
            self._failed,
        )

    def _first_page(self, rows: list[MatterRow]) -> None:
        actor, key, today, worker = self.ctx.actor, self.key, self.today, self.ctx.worker

        def fetch_after(last: MatterRow, callback: Callable) -> None:
            after = (last.received_at, last.number)
            job = op(statistics.command_matter_page, actor, key, after=after, today=today)
            worker.submit(job, callback, self._failed)

        self.model.set_first_page(rows, fetch_after)
        self.loaded = True
        if len(rows) < PAGE:
            self._total(len(rows))
        else:
            job = op(statistics.count_matters_for, actor, key, today=today)
            worker.submit(job, self._total, self._failed)

    def _total(self, n: int) -> None:
        self.total = n
        hint = "（双击一行在“事项办理”中打开）" if n else ""
        many = n >= statistics.COUNT_UP_TO
        self.count.setText(f"{n} 件以上{hint}" if many else f"共 {n} 件{hint}")

    def _fetch_rows(self, ids: list[uuid.UUID], callback: Callable) -> None:
        actor, today = self.ctx.actor, self.today
        self.ctx.worker.submit(
            op(statistics.command_matter_rows, actor, ids, today=today),
            callback,
            self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        self.count.clear()
        self.message.setText(error_text(exc))

    def _double_clicked(self, index: QModelIndex) -> None:
        mid = self.model.data(index, ID_ROLE)
        if mid is not None:
            self.open_matter.emit(mid)


class AlertListDialog(QDialog):
    """暖心工作室's crisis alerts for the director: no notes, no reasons, no care goals."""

    def __init__(self, ctx: ViewContext, *, today: date | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("指挥研判 — 危机预警")
        self.resize(760, 420)
        heading = QLabel("暖心工作室风险为高或危机的来访者")
        heading.setProperty("role", "title")
        note = QLabel("只列出是谁、从哪天起、由谁负责和回访情况；谈话内容只有心理咨询师能看到。")
        note.setProperty("role", "hint")
        note.setWordWrap(True)
        self.message = QLabel()
        self.message.setProperty("role", "error")
        self.model = AlertTableModel(self)
        self.table = _table_view()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(A_LABEL, 160)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (heading, note):
            layout.addWidget(w)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.loaded = False
        actor = ctx.actor
        ctx.worker.submit(
            op(counselling.crisis_alerts, actor, today),
            self._shown,
            lambda e: self.message.setText(error_text(e)),
        )

    def _shown(self, rows: list[AlertRow]) -> None:
        self.model.set_rows(rows)
        self.loaded = True


# --- the tab -----------------------------------------------------------------------------


class CommandTab(QWidget):
    """Figures, risks, charts and the village table; reloads when matters, cases or the
    counselling room change (when shown; a hidden tab only notes that it is stale).

    Signals: ``open_matter(object)`` with a matter id chosen in a list (for 事项办理).
    ``today`` may be set before the first load (tests); ``choose_folder`` returns the folder
    the charts are exported to ("" to cancel).
    """

    open_matter = Signal(object)

    def __init__(self, ctx: ViewContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.today: date | None = None
        self.dashboard: Dashboard | None = None
        self.list_dialog: QDialog | None = None
        self.choose_folder: Callable[[], str] = lambda: QFileDialog.getExistingDirectory(
            self, "把图表导出到哪个文件夹"
        )
        self._pending = 0  # jobs of the current reload still running
        self._repeats: list[RiskItem] = []  # the repeat visitors last counted
        self._generation = 0

        title = QLabel("指挥研判")
        title.setProperty("role", "title")
        self.status = QLabel("正在统计…")
        self.status.setProperty("role", "hint")
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.clicked.connect(self.reload)
        self.export_button = QPushButton("导出图片")
        self.export_button.setToolTip("把三张图表各存为一个 PNG 文件")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export_images)
        self.stats_button = QPushButton("上报统计表…")
        self.stats_button.setToolTip("矛盾纠纷、信访事项月报，人民调解季报（Excel 或 PDF）")
        self.stats_button.clicked.connect(self.open_stats_export)
        self.stats_dialog: QDialog | None = None
        self.message = QLabel()
        self.message.setProperty("role", "error")
        top = QHBoxLayout()
        top.addWidget(title)
        top.addSpacing(12)
        top.addWidget(self.status)
        top.addStretch(1)
        top.addWidget(self.message)
        top.addWidget(self.refresh_button)
        top.addWidget(self.export_button)
        top.addWidget(self.stats_button)

        self.tiles: dict[str, FigureTile] = {}
        tiles = QHBoxLayout()
        for key, label in [
            ("today", "今日受理"),
            ("open", "在办"),
            ("due_soon", "即将到期"),
            ("overdue", "超期"),
            ("supervised", "督办中"),
            ("resolved_month", "本月办结"),
            ("rate", "本年办结率"),
            ("satisfaction", "本年满意率"),
            ("visits_overdue", "待走访"),
        ]:
            tile = FigureTile(key, label)
            tile.clicked.connect(self._figure_clicked)
            self.tiles[key] = tile
            tiles.addWidget(tile)

        self.risks = QListWidget()
        self.risks.setWordWrap(True)
        self.risks.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.risks.itemClicked.connect(self._risk_clicked)
        self.risks.itemActivated.connect(self._risk_clicked)
        risk_box = self._boxed("风险提示", self.risks)

        self.charts: dict[str, ChartBox] = {}
        for name in (CHART_WEEKLY, CHART_OVERDUE, CHART_RESOLUTION):
            box = ChartBox()
            box.bar_clicked.connect(lambda key, n=name: self._bar_clicked(n, key))
            self.charts[name] = box

        self.village_model = VillageTableModel(self)
        self.village_proxy = QSortFilterProxyModel(self)
        self.village_proxy.setSourceModel(self.village_model)
        self.village_proxy.setSortRole(SORT_ROLE)
        self.village_table = _table_view()
        self.village_table.setModel(self.village_proxy)
        header = self.village_table.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the villages' own order
        self.village_table.setSortingEnabled(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)
        self.village_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.village_table.clicked.connect(self._village_clicked)
        self.village_table.activated.connect(self._village_clicked)
        village_box = self._boxed("本年按村社区（点表头排序，点格子看事项）", self.village_table)
        self.grids_button = QPushButton("所选村社区按网格展开")  # 网格: app/views/grid_page.py
        self.grids_button.clicked.connect(self.open_grids)
        self.grid_stats_button = QPushButton("网格统计…")  # every grid in a period
        self.grid_stats_button.clicked.connect(self.open_grid_stats)
        grid_buttons = QHBoxLayout()
        grid_buttons.addStretch(1)
        grid_buttons.addWidget(self.grid_stats_button)
        grid_buttons.addWidget(self.grids_button)
        village_box.layout().addLayout(grid_buttons)

        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(risk_box)
        side.addWidget(village_box)
        side.setStretchFactor(0, 1)
        side.setStretchFactor(1, 2)
        side.setChildrenCollapsible(False)
        grid = QGridLayout()
        grid.addWidget(self.charts[CHART_WEEKLY], 0, 0, 1, 2)
        grid.addWidget(self.charts[CHART_OVERDUE], 1, 0)
        grid.addWidget(self.charts[CHART_RESOLUTION], 1, 1)
        grid.addWidget(side, 0, 2, 2, 1)
        for col, stretch in enumerate((4, 4, 5)):
            grid.setColumnStretch(col, stretch)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)

        body = QWidget()
        bv = QVBoxLayout(body)
        bv.setContentsMargins(0, 0, 0, 0)
        bv.addLayout(tiles)
        bv.addLayout(grid, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        # 突发事件 whose 首报 is not yet sent (值班值守, services/command/duty.py): red on top.
        self.emergency_banner = EmergencyBanner(ctx)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.emergency_banner)
        layout.addWidget(scroll, 1)
        ctx.bus.watch(self, WATCHED, self.reload)  # hidden: again when next shown
        self.emergency_banner.watch_from(self)
        load_when_shown(self, self.reload)

    @staticmethod
    def _boxed(caption: str, widget: QWidget) -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        label = QLabel(caption)
        label.setProperty("role", "hint")
        v.addWidget(label)
        v.addWidget(widget, 1)
        return box

    # --- loading
    def reload(self) -> None:
        """Three jobs: the figures, risks and charts (from the tallies), then the table by
        village and the repeat visitors (each reads matters). The GUI draws the charts while
        the worker is still counting those."""
        self._generation += 1
        self._pending = 3  # the figures, the villages, the repeat visitors (then the charts)
        self.status.setText("正在统计…")
        self.refresh_button.setEnabled(False)
        actor, today, generation = self.ctx.actor, self.today, self._generation

        def answer(show: Callable) -> Callable:
            return lambda result: self._answered(generation, show, result)

        self.ctx.worker.submit(
            op(statistics.dashboard, actor, today=today, villages=False, repeats=False),
            answer(self._shown),
            answer(self._failed),
        )
        self.ctx.worker.submit(
            op(statistics.village_rows, actor, today=today),
            answer(self._villages_shown),
            answer(self._failed),
        )
        self.ctx.worker.submit(
            op(statistics.repeat_risks, actor, today=today),
            answer(self._repeats_shown),
            answer(self._failed),
        )

    @property
    def loading(self) -> bool:
        return self._pending > 0

    def _answered(self, generation: int, show: Callable, result) -> None:
        if generation != self._generation:
            return  # a newer reload is on its way
        self._pending -= 1
        show(result)
        if self._pending == 0:
            self.refresh_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.status.clear()
        self.message.setText(error_text(exc))

    def _villages_shown(self, rows: list[VillageRow]) -> None:
        self.village_model.set_rows(rows)
        if self.dashboard is not None:
            self.dashboard.villages = rows

    def _repeats_shown(self, repeats: list[RiskItem]) -> None:
        self._repeats = repeats
        if self.dashboard is not None:
            self.dashboard.risks = statistics.with_repeats(self.dashboard.risks, repeats)
            self._show_risks(self.dashboard)

    def _shown(self, d: Dashboard) -> None:
        if self.dashboard is not None and not d.villages:
            d.villages = self.dashboard.villages  # kept until the new rows arrive
        # The repeat visitors of the last count, until the new ones arrive.
        d.risks = statistics.with_repeats(d.risks, self._repeats)
        self.dashboard = d
        self.message.clear()
        for f in d.figures:
            tile = self.tiles.get(f.key[0])
            if tile is not None:
                tile.set_figure(f)
        self._show_risks(d)
        # The charts next, once the figures are on screen.
        generation = self._generation
        self._pending += 1
        QTimer.singleShot(0, self, lambda: self._answered(generation, self._draw_charts, d))
        self.status.setText(
            f"数据截至 {clock.now():%H:%M}（统计日 {d.today:%Y-%m-%d}）；点任一数字查看事项"
        )
        self.export_button.setEnabled(True)

    def _show_risks(self, d: Dashboard) -> None:
        self.risks.clear()
        for r in d.risks:
            item = QListWidgetItem(f"【{r.kind}】{r.text}")
            item.setData(Qt.ItemDataRole.UserRole, r.key)
            item.setToolTip("点击查看" if r.key[0] == "crisis_alerts" else "点击查看这些事项")
            if r.key[0] == "special_high":  # a person of a register, not matters
                item.setToolTip("点击查看待走访名单；走访记录在 工作台账 → 特殊人群帮扶管控台账")
            self.risks.addItem(item)
        for note in d.risk_notes:
            item = QListWidgetItem(note)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.risks.addItem(item)
        if not d.risks and not d.risk_notes:
            item = QListWidgetItem("暂无需要关注的风险。")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.risks.addItem(item)

    def _draw_charts(self, d: Dashboard) -> None:
        for name, data in build_charts(d).items():
            self.charts[name].set_data(data)

    # --- lists behind the figures
    def open_list(self, key: FigureKey, title: str) -> QDialog:
        """Open (or bring forward) the list of matters behind ``key``."""
        old = self.list_dialog
        if old is not None and old.isVisible() and getattr(old, "key", None) == key:
            old.raise_()
            return old
        if key[0] == "crisis_alerts":
            dialog: QDialog = AlertListDialog(self.ctx, today=self.today, parent=self)
            dialog.key = key  # type: ignore[attr-defined]
        else:
            dialog = MatterListDialog(self.ctx, key, title, today=self.today, parent=self)
            dialog.open_matter.connect(self.open_matter)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _o=None, d=dialog: self._forget(d))
        self.list_dialog = dialog
        dialog.show()
        return dialog

    def _forget(self, dialog: QDialog) -> None:
        if self.list_dialog is dialog:
            self.list_dialog = None

    def _figure_clicked(self, key: FigureKey) -> None:
        if self.dashboard is None:
            return
        f = next((f for f in self.dashboard.figures if f.key == key), None)
        if f is not None and key[0] == "visits_overdue":
            self.open_due_visits()
        elif f is not None:
            title = f"{f.label}：{f.text}"
            if f.key[0] == "rate":
                title += "（下列为本年受理、不含不予受理和移送的事项）"
            elif f.key[0] == "satisfaction":
                title += "（下列为本年回访过的事项）"
            self.open_list(key, title)

    def open_due_visits(self) -> QDialog:
        """待走访: the 特殊人群 overdue for a visit (a register's people, not matters)."""
        from .key_people import DueVisitsDialog

        dialog = DueVisitsDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.due_dialog = dialog
        return dialog

    def _risk_clicked(self, item: QListWidgetItem) -> None:
        key = item.data(Qt.ItemDataRole.UserRole)
        if key and key[0] == "special_high":
            self.open_due_visits()
        elif key:
            self.open_list(tuple(key), item.text())

    def _bar_clicked(self, chart: str, key: FigureKey) -> None:
        d = self.dashboard
        if d is None:
            return
        if chart == CHART_WEEKLY:
            monday = date.fromisoformat(key[1])
            cat = dict((str(c), n) for c, n in d.weekly.categories).get(key[2], "")
            n = d.weekly.counts.get((monday, uuid.UUID(key[2])), 0)
            title = f"{monday:%m月%d日}起一周受理的{cat}事项：{n} 件"
        else:
            bars = d.overdue_by_unit if chart == CHART_OVERDUE else d.resolution_times
            bar = next((b for b in bars if b.key == key), None)
            label = bar.label if bar else ""
            n = bar.value if bar else 0
            if chart == CHART_OVERDUE:
                title = f"超期事项 · {label}：{n} 件"
            else:
                title = f"本年办结用时 {label}：{n} 件"
        self.open_list(key, title)

    def _village_clicked(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        src = self.village_proxy.mapToSource(index)
        row = self.village_model.row_at(src.row())
        key = self.village_model.data(src, KEY_ROLE)
        if row is None or key is None:
            return
        column = VILLAGE_HEADERS[src.column()]
        if src.column() in (V_NAME, V_RATE):
            column = VILLAGE_HEADERS[V_RECEIVED]
        value = self.village_model.data(
            self.village_model.index(src.row(), _COLUMN_OF[key[2]]), Qt.ItemDataRole.DisplayRole
        )
        self.open_list(key, f"{row.village} · {column}：{value} 件")

    def open_grids(self) -> None:
        """The chosen village (or the first) opened into its grids, by a grid service."""
        from .grid_page import GridBreakdownDialog

        index = self.village_table.currentIndex()
        src = self.village_proxy.mapToSource(index) if index.isValid() else None
        row = self.village_model.row_at(src.row() if src is not None else 0)
        if row is None:
            return
        self.grids_dialog = GridBreakdownDialog(self.ctx, row.village_id, row.village, self)
        self.grids_dialog.open()

    def open_grid_stats(self) -> None:
        """网格统计: every grid's matters in a period, of one village or all."""
        from .grid_page import GridStatsDialog

        self.grids_dialog = GridStatsDialog(self.ctx, self)
        self.grids_dialog.open()

    # --- export
    def open_stats_export(self) -> None:
        """上报统计表: the periodic tables for superiors, in a dialog of their own."""
        from .superior_stats_dialog import StatsExportDialog

        self.stats_dialog = StatsExportDialog(self.ctx, self)
        self.stats_dialog.open()

    def export_images(self) -> None:
        d = self.dashboard
        if d is None:
            return
        folder = self.choose_folder()
        if not folder:
            return
        self.export_button.setEnabled(False)
        self.message.clear()
        self.status.setText("正在导出图片…")

        def done(paths: list[Path]) -> None:
            self.export_button.setEnabled(True)
            self.exported = paths
            self.status.setText(f"已导出 {len(paths)} 张图片到 {folder}")

        def failed(exc: BaseException) -> None:
            self.export_button.setEnabled(True)
            self.status.clear()
            self.message.setText(error_text(exc))

        # Drawn here (a few ms), written to disk on the worker.
        images = chart_images(d, Path(folder))
        self.ctx.worker.submit(lambda _s: write_images(images), done, failed)


_COLUMN_OF = {
    "received": V_RECEIVED,
    "open": V_OPEN,
    "overdue": V_OVERDUE,
    "group": V_GROUP,
    "resolved": V_RESOLVED,
}
