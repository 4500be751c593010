"""中心资料 → 网格: the grids of each village with 网格长, 网格员 (and its account) and what
they cover; the admin adds, edits and deactivates them, the director reads. Also here: the
网格上报 template saved for the grid workers, and their sheets imported as matters."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.ops import op
from app.services.center import grids
from app.services.center.reference import Lookups, load_lookups
from app.services.reception import grid_reports
from app.services.security.permissions import Action, allowed

from . import bus as kinds
from .combos import TypeAheadCombo
from .context import ViewContext
from .import_report_dialog import ImportReportDialog
from .widgets import FormDialog, MessageBar, Row, date_edit, run_op
from .widgets.rows_model import RowsView, rows_view

HEADERS = ["村社区", "编码", "名称", "网格长", "网格长电话", "网格员", "网格员电话", "账号",
           "覆盖范围", "状态"]  # fmt: skip


class GridPanel(QWidget):
    """Attributes tests use: ``table``, ``village`` (the filter), ``buttons``, ``dialog``,
    ``items``, ``report_dialog``; ``page`` gives ``ask_save_path`` / ``ask_open_path``."""

    def __init__(self, ctx: ViewContext, page, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.page = ctx, page
        self.editable = allowed(ctx.actor, Action.MANAGE_REFERENCE)
        self.items: list[grids.GridItem] = []
        self.workers: list[tuple] = []
        self.dialog: FormDialog | None = None
        self.report_dialog: ImportReportDialog | None = None
        self.message = page.message
        self.village = QComboBox()
        self.village.setAccessibleName("按村社区筛选网格")
        self.village.addItem("全部村社区", None)
        self.village.currentIndexChanged.connect(lambda _i: self._fill())
        self.table: RowsView = rows_view(HEADERS, 8)
        self.table.setAccessibleName("网格")
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        row.addWidget(QLabel("村社区"))
        row.addWidget(self.village)
        for text, slot, shown in (
            ("新增网格", self.add, self.editable),
            ("编辑", self.edit, self.editable),
            ("停用/启用", self.toggle, self.editable),
            ("保存上报模板", self.save_template, True),
            ("导入网格上报", self.choose_reports, allowed(ctx.actor, Action.REGISTER_MATTER)),
        ):
            b = QPushButton(text)
            b.clicked.connect(slot)
            self.buttons[text] = b
            row.addWidget(b)
            if not shown:
                b.hide()
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        ctx.bus.watch(self, [kinds.REFERENCE], self.reload)
        self.reload()

    def reload(self) -> None:
        self.ctx.worker.submit(
            op(grids.load_grids, self.ctx.actor), self._show, self.message.show_error
        )
        if self.editable:
            self.ctx.worker.submit(
                op(grids.grid_workers, self.ctx.actor),
                lambda w: setattr(self, "workers", w),
                self.message.show_error,
            )

    def _show(self, items: list[grids.GridItem]) -> None:
        self.items = items
        chosen = self.village.currentData()
        self.village.blockSignals(True)
        self.village.clear()
        self.village.addItem("全部村社区", None)
        for vid, name in dict((i.village_id, i.village) for i in items).items():
            self.village.addItem(name, vid)
        self.village.setCurrentIndex(max(self.village.findData(chosen), 0))
        self.village.blockSignals(False)
        self._fill()

    def _fill(self) -> None:
        vid = self.village.currentData()
        self.table.set_rows(
            Row(
                (
                    g.village,
                    g.code,
                    g.name,
                    g.leader_name,
                    g.leader_phone,
                    g.worker_name,
                    g.worker_phone,
                    g.worker_username,
                    g.coverage.replace("\n", " "),
                    "启用" if g.active else "停用",
                ),
                id=g.id,
                warn=None if g.active else "soon",
            )
            for g in self.items
            if vid is None or g.village_id == vid
        )
        self.table.resizeColumnsToContents()

    def _chosen(self) -> grids.GridItem | None:
        gid = self.table.current_id()
        item = next((g for g in self.items if g.id == gid), None)
        if item is None:
            self.message.error("请先在列表中选择一个网格。")
        return item

    # --- actions
    def add(self) -> None:
        self.editor(None)

    def edit(self) -> None:
        if self.editable and (item := self._chosen()) is not None:
            self.editor(item)

    def toggle(self) -> None:
        item = self._chosen()
        if item is None:
            return
        on = not item.active
        run_op(
            self.ctx,
            op(grids.set_grid_active, self.ctx.actor, item.id, on),
            message=self.message,
            done_text=f"已{'启用' if on else '停用'}网格“{item.name}”。",
        )

    def editor(self, item: grids.GridItem | None) -> None:
        dlg = FormDialog("新增网格" if item is None else f"编辑网格 — {item.name}", self)
        village = dlg.row("所属村社区", TypeAheadCombo(), "village")
        village.addItem("", None)
        data = getattr(self.page, "data", None)
        villages = (
            [(v.id, v.name) for v in data.villages if v.active]
            if data is not None
            else list(dict((i.village_id, i.village) for i in self.items).items())
        )
        for vid, name in villages:
            village.addItem(name, vid)
        if item is not None and village.findData(item.village_id) < 0:
            village.addItem(item.village, item.village_id)
        village.setCurrentIndex(
            max(village.findData(item.village_id if item else self.village.currentData()), 0)
        )
        code = dlg.row("网格编码", QLineEdit(item.code if item else ""), "code")
        code.setPlaceholderText("如 BSC-01（字母、数字和 -）")
        name = dlg.row("网格名称", QLineEdit(item.name if item else ""), "name")
        leader = dlg.row("网格长", QLineEdit(item.leader_name if item else ""), "leader_name")
        leader_phone = dlg.row(
            "网格长电话", QLineEdit(item.leader_phone if item else ""), "leader_phone"
        )
        worker = dlg.row("网格员", QLineEdit(item.worker_name if item else ""), "worker_name")
        worker_phone = dlg.row(
            "网格员电话", QLineEdit(item.worker_phone if item else ""), "worker_phone"
        )
        account = dlg.row("网格员账号", QComboBox(), "worker_user")
        account.addItem("（无账号）", None)
        for uid, label in self.workers:
            account.addItem(label, uid)
        if item is not None and item.worker_user_id and account.findData(item.worker_user_id) < 0:
            account.addItem(item.worker_username, item.worker_user_id)
        if item is not None:
            account.setCurrentIndex(max(account.findData(item.worker_user_id), 0))
        coverage = dlg.row("覆盖范围", QPlainTextEdit(item.coverage if item else ""), "coverage")
        coverage.setPlaceholderText("如：一组至三组，白石路以东的住户和商铺")
        coverage.setFixedHeight(70)
        actor = self.ctx.actor

        def ok() -> None:
            data = grids.GridInput(
                village.currentData(),
                code.text(),
                name.text(),
                leader.text(),
                leader_phone.text(),
                worker.text(),
                worker_phone.text(),
                account.currentData(),
                coverage.toPlainText(),
            )
            run_op(
                self.ctx,
                op(grids.save_grid, actor, item.id if item else None, data),
                message=dlg,
                done=lambda _id: self.message.success(f"已保存网格“{data.name.strip()}”。"),
            )

        dlg.on_ok = ok
        self.dialog = dlg
        dlg.open()

    # --- 网格上报
    def save_template(self) -> None:
        name = self.page.ask_save_path(
            self, "保存网格上报模板", str(Path.home() / "网格上报模板.xlsx"), "Excel 表格 (*.xlsx)"
        )
        if not name:
            return
        path = Path(name) if name.lower().endswith(".xlsx") else Path(name + ".xlsx")
        try:
            path.write_bytes(grid_reports.grid_template())
        except OSError as exc:
            self.message.error(f"模板没有保存：{exc.strerror or exc}")
            return
        self.message.success(f"已保存网格上报模板：{path}（发给网格员填写，每行一件）")

    def choose_reports(self) -> None:
        name = self.page.ask_open_path(self, "选择网格上报表格", "Excel 表格 (*.xlsx *.xlsm)")
        if name:
            self.import_reports(Path(name))

    def import_reports(self, path: Path, *, skip_invalid: bool = False) -> None:
        run_op(
            self.ctx,
            op(grid_reports.import_grid_reports, self.ctx.actor, path, skip_invalid=skip_invalid),
            message=self.message,
            done=lambda report: self._imported(path, report),
        )

    def _imported(self, path: Path, report) -> None:
        dialog = ImportReportDialog(report, self)
        dialog.skip_invalid_requested.connect(lambda: self.import_reports(path, skip_invalid=True))
        self.report_dialog = dialog
        dialog.open()


class GridBreakdownDialog(QDialog):
    """指挥研判: one village of the table by village, opened into its grids (this year's
    matters per grid: received, open, overdue, resolved, of them 网格上报). Attributes tests
    use: ``table``, ``rows``."""

    HEADERS = ["网格", "受理", "在办", "超期", "化解", "网格上报"]
    EMPTY = "这个村社区还没有划分网格，也没有本年的事项。"

    def __init__(
        self,
        ctx: ViewContext,
        village_id,
        village: str,
        parent: QWidget | None = None,
        *,
        load: bool = True,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[grid_reports.GridCount] | None = None
        self.setWindowTitle(f"指挥研判 — {village} 按网格")
        self.resize(640, 420)
        self.heading = QLabel(f"{village}：本年事项按网格（按首位来访人的村社区，与村社区表一致）")
        self.heading.setProperty("role", "hint")
        self.heading.setWordWrap(True)
        self.table: RowsView = rows_view(self.HEADERS, 0)
        self.table.setAccessibleName(f"{village}的网格")
        self.message = MessageBar()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.body = QVBoxLayout(self)
        self.body.addWidget(self.heading)
        self.body.addWidget(self.table, 1)
        self.body.addWidget(self.message)
        self.body.addWidget(buttons)
        if ctx is not None and load:
            ctx.worker.submit(
                op(grid_reports.village_grid_counts, ctx.actor, village_id),
                self._show,
                self.message.show_error,
            )

    def _show(self, rows: list[grid_reports.GridCount]) -> None:
        self.rows = rows
        shown = [*rows]
        if len(rows) > 1:  # the column totals, last
            sums = [sum(getattr(r, f) for r in rows) for f in _COUNTS]
            shown.append(grid_reports.GridCount(None, "合计", *sums))
        self.table.set_rows(
            Row((r.grid, *(str(getattr(r, f)) for f in _COUNTS)), id=r.grid_id) for r in shown
        )
        self.table.resizeColumnsToContents()
        self.message.clear()
        if not rows:
            self.message.info(self.EMPTY)


_COUNTS = ("received", "open", "overdue", "resolved", "reported")


class GridStatsDialog(GridBreakdownDialog):
    """网格统计: every grid's matters received in a period (of one village, or all), with
    how many are open, overdue, resolved and came as 网格上报, and the totals; the same
    figures as ``zongzhi export stats --grid``. Attributes tests use: ``village``, ``since``,
    ``until``, ``table``, ``rows``."""

    EMPTY = "这一期间、这一范围内没有网格，也没有事项。"

    def __init__(self, ctx: ViewContext, parent: QWidget | None = None):
        super().__init__(ctx, None, "全部村社区", parent, load=False)
        self.setWindowTitle("网格统计")
        self.resize(720, 520)
        self.heading.setText("各网格在所选期间受理的事项（按事项所在网格）；“合计”在最后一行。")
        self.table.setAccessibleName("网格统计")
        today = clock.today()
        self.village = QComboBox()
        self.village.setAccessibleName("村社区")
        self.village.addItem("全部村社区", None)
        self.since = date_edit(date(today.year, 1, 1))
        self.since.setAccessibleName("开始日期")
        self.until = date_edit(today)
        self.until.setAccessibleName("结束日期")
        row = QHBoxLayout()
        for label, w in (("村社区", self.village), ("从", self.since), ("到", self.until)):
            row.addWidget(QLabel(label))
            row.addWidget(w)
        row.addStretch(1)
        self.body.insertLayout(1, row)
        if ctx is None:
            return
        self.village.currentIndexChanged.connect(lambda _i: self.load())
        self.since.dateChanged.connect(lambda _d: self.load())
        self.until.dateChanged.connect(lambda _d: self.load())
        ctx.worker.submit(op(load_lookups), self._villages, self.message.show_error, origin=self)
        self.load()

    def _villages(self, lookups: Lookups) -> None:
        self.village.blockSignals(True)
        for v in lookups.all_villages or lookups.villages:
            self.village.addItem(v.name, v.id)
        self.village.blockSignals(False)

    def load(self) -> None:
        since, until = self.since.date().toPython(), self.until.date().toPython()
        self.ctx.worker.submit(
            op(
                grid_reports.grid_statistics,
                self.ctx.actor,
                since=since,
                until=until,
                village_id=self.village.currentData(),
            ),
            self._show,
            self._refused,
            supersede=(self, "stats"),
        )

    def _refused(self, exc: BaseException) -> None:
        """A period the wrong way round (or a failed load): no figures of another period
        stay on screen under the message."""
        self.table.set_rows([])
        self.message.show_error(exc)
