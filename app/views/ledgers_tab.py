"""工作台账: the ledgers the notice names, each filtered by period, village and unit; exported to
XLSX or PDF; the registers' own records (流动人口, 特殊人群, 平安创建) added and corrected here;
the sheets a center keeps today imported with a row-by-row report.

Building a ledger, exporting and importing run on the database worker; export and import show
a progress dialog whose Cancel rolls the work back. The tab loads when it is shown and reloads
when the bus says its kind of data changed (while hidden it only notes that it is stale).

Signals: none of its own; the worker announces what an import or a register change changed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, QObject, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressDialog,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.errors import ServiceError
from app.core.ops import op
from app.services.center.reference import Lookups
from app.services.command import importing, ledgers, registers
from app.services.command.ledgers import LedgerChoice, LedgerFilter
from app.services.security.permissions import Action, allowed

from . import bus as kinds
from .bus import Changes
from .context import ViewContext
from .import_mapping_dialog import ImportMappingDialog
from .import_report_dialog import ImportReportDialog
from .ledger_table_model import LedgerTableModel
from .messages import error_text
from .register_dialog import RegisterRecordDialog
from .widgets.message_bar import MessageBar
from .widgets.tables import DateEdit

# Which changes each ledger shows: the views over matters, the mediation cases, the registers.
_MATTER_VIEWS = {"matters", "disputes", "aid_matters"}
# Registers whose records keep a log of their own: the button that opens it.
LOGS = {"special": "走访记录…", "places": "检查记录…"}
PERIODS = [
    ("year", "本年度"),
    ("quarter", "本季度"),
    ("month", "本月"),
    ("last_year", "上年度"),
    ("12m", "近12个月"),
    ("all", "不限期间"),
    ("custom", "自定义"),
]


def period_range(key: str, today: date) -> tuple[date | None, date | None]:
    if key == "year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if key == "quarter":
        first = (today.month - 1) // 3 * 3 + 1
        end = date(today.year + (first == 10), (first + 2) % 12 + 1, 1) - timedelta(1)
        return date(today.year, first, 1), end
    if key == "month":
        nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        return date(today.year, today.month, 1), nxt - timedelta(1)
    if key == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if key == "12m":
        return today - timedelta(days=365), today
    return None, None


def _ask_save_path(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    name, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return name


def _ask_open_path(parent: QWidget, title: str, filters: str) -> str:
    name, _ = QFileDialog.getOpenFileName(parent, title, _documents(), filters)
    return name


def _documents() -> str:
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)


class _Relay(QObject):
    """Lives in the GUI thread; the worker emits progress, Qt delivers it queued."""

    step = Signal(str, int, int)


class _LongJob:
    """A progress dialog with Cancel for one long call on the worker.

    ``run(job)`` calls ``job(progress)`` on the worker; ``progress(phase, done, total)``
    returns False once Cancel was pressed, and the service then stops and rolls back.
    """

    def __init__(self, parent: QWidget, title: str, label: str):
        self.cancelled = threading.Event()
        self.dialog = QProgressDialog(label, "取消", 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self._cancel)
        self.label = label
        self.relay = _Relay(parent)
        self.relay.step.connect(self._show)

    def _cancel(self) -> None:
        if not self.cancelled.is_set():
            self.cancelled.set()
            self.dialog.setLabelText("正在取消…")

    def progress(self, phase: str, done: int, total: int) -> bool:  # on the worker thread
        with contextlib.suppress(RuntimeError):  # the tab was closed meanwhile
            self.relay.step.emit(phase, done, total)
        return not self.cancelled.is_set()

    def _show(self, phase: str, done: int, total: int) -> None:
        if self.cancelled.is_set():
            return
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(min(done, total))
        if phase == "导出":  # measured and drawn in two passes: a share, not a row count
            detail = f"{phase}：{done * 100 // max(total, 1)}%"
        else:
            detail = f"{phase}：{done}/{total} 行"
        self.dialog.setLabelText(f"{self.label}\n{detail}")

    def finish(self) -> None:
        self.dialog.canceled.disconnect(self._cancel)
        self.dialog.hide()
        self.dialog.deleteLater()
        self.relay.deleteLater()


class LedgersTab(QWidget):
    """工作台账. Signals: none (see the module docstring)."""

    def __init__(self, ctx: ViewContext, lookups: Lookups, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.lookups = lookups
        actor = ctx.actor
        self.choices: list[LedgerChoice] = ledgers.list_ledgers(actor)
        self.can_export = allowed(actor, Action.EXPORT_LEDGERS)
        self.preview = None  # the print preview of the ledger, once asked for
        self.can_edit = allowed(actor, Action.EDIT_REGISTERS)
        self.can_import = allowed(actor, Action.IMPORT_DATA)
        # Injectable for tests: (parent, title, suggested path, filters) -> chosen path or "".
        self.ask_save_path: Callable[[QWidget, str, str, str], str] = _ask_save_path
        self.ask_open_path: Callable[[QWidget, str, str], str] = _ask_open_path
        self.table_data: ledgers.LedgerTable | None = None
        self.register_dialog: RegisterRecordDialog | None = None
        self.report_dialog: ImportReportDialog | None = None
        self.mapping_dialog: ImportMappingDialog | None = None
        self.last_export: Path | None = None
        self._job: _LongJob | None = None
        self._generation = 0
        self._stale = True
        self._setting_period = False

        self.ledger = QComboBox()
        for c in self.choices:
            self.ledger.addItem(c.title, c.code)
        self.ledger.setAccessibleName("台账")
        self.period = QComboBox()
        for key, label in PERIODS:
            self.period.addItem(label, key)
        self.period.setAccessibleName("期间")
        self.since = self._date_edit("开始日期")
        self.until = self._date_edit("结束日期")
        self.village = QComboBox()
        self.village.addItem("全部村社区", None)
        for v in lookups.all_villages or lookups.villages:
            self.village.addItem(v.name, v.id)
        self.village.setAccessibleName("村社区")
        self.unit = QComboBox()
        self.unit.addItem("全部单位", None)
        for u in lookups.all_units or lookups.units:
            self.unit.addItem(u.name, u.id)
        self.unit.setAccessibleName("单位")
        self.grid = QComboBox()  # 网格: the chosen village's grids (app/views/grid_page.py)
        self.grid.setAccessibleName("网格")
        self.grid.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._offer_grids()
        for combo in (self.ledger, self.period, self.village, self.unit, self.grid):
            longest = max(
                (
                    combo.fontMetrics().horizontalAdvance(combo.itemText(i))
                    for i in range(combo.count())
                ),
                default=0,
            )
            combo.setMinimumWidth(longest + 48)  # room for the drop-down arrow of the theme

        filters = QHBoxLayout()
        for text, w in (
            ("台账", self.ledger),
            ("期间", self.period),
            ("从", self.since),
            ("至", self.until),
            ("村社区", self.village),
            ("网格", self.grid),
            ("单位", self.unit),
        ):
            caption = QLabel(text)
            caption.setBuddy(w)
            filters.addWidget(caption)
            filters.addWidget(w)
        filters.addStretch(1)

        self.add_button = QPushButton("登记…")
        self.edit_button = QPushButton("修改…")
        # 特殊人群: a person's 走访记录 and the 待走访 list; 重点场所: a place's 检查记录.
        self.log_button = QPushButton("走访记录…")
        self.due_button = QPushButton("待走访…")
        self.import_button = QPushButton("导入…")
        self.export_xlsx_button = QPushButton("导出 Excel")
        self.export_pdf_button = QPushButton("导出 PDF")
        self.print_button = QPushButton("打印…")  # A4 横向, at true size
        self.count = QLabel()
        self.count.setProperty("role", "hint")
        actions = QHBoxLayout()
        actions.addWidget(self.count, 1)
        for b in (
            self.add_button,
            self.edit_button,
            self.log_button,
            self.due_button,
            self.import_button,
            self.export_xlsx_button,
            self.export_pdf_button,
            self.print_button,
        ):
            actions.addWidget(b)
        self.message = MessageBar()
        self.message.hide()

        self.model = LedgerTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

        self._reload_timer = QTimer(self, singleShot=True, interval=150)
        self._reload_timer.timeout.connect(self.reload)
        self.ledger.currentIndexChanged.connect(self._ledger_changed)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.since.dateChanged.connect(self._dates_edited)
        self.until.dateChanged.connect(self._dates_edited)
        self.village.currentIndexChanged.connect(self.schedule_reload)
        self.village.currentIndexChanged.connect(lambda _i: self._offer_grids())
        self.grid.currentIndexChanged.connect(self.schedule_reload)
        self.unit.currentIndexChanged.connect(self.schedule_reload)
        self.add_button.clicked.connect(lambda: self.open_register_dialog())
        self.edit_button.clicked.connect(self.edit_selected)
        self.log_button.clicked.connect(self.open_log)
        self.due_button.clicked.connect(self.open_due_visits)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.import_button.clicked.connect(self.choose_import)
        self.export_xlsx_button.clicked.connect(lambda: self.export("xlsx"))
        self.export_pdf_button.clicked.connect(lambda: self.export("pdf"))
        self.print_button.clicked.connect(self.print_ledger)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        ctx.bus.changed.connect(self._data_changed)
        self._period_changed()
        self._update_buttons()

    @staticmethod
    def _date_edit(name: str) -> QDateEdit:
        edit = DateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setDateRange(QDate(1990, 1, 1), QDate(2100, 12, 31))
        edit.setAccessibleName(name)
        return edit

    # --- what is chosen
    @property
    def code(self) -> str:
        return self.ledger.currentData()

    @property
    def choice(self) -> LedgerChoice:
        return self.choices[self.ledger.currentIndex()]

    def select_ledger(self, code: str) -> None:
        self.ledger.setCurrentIndex(self.ledger.findData(code))

    def _offer_grids(self) -> None:
        grids = [g for g in self.lookups.all_grids if g.village_id == self.village.currentData()]
        self.grid.blockSignals(True)
        self.grid.clear()
        self.grid.addItem("全部网格", None)
        for g in grids:
            self.grid.addItem(g.name, g.id)
        self.grid.blockSignals(False)
        self.grid.setEnabled(bool(grids))

    def current_filter(self) -> LedgerFilter:
        f = LedgerFilter(village_id=self.village.currentData(), unit_id=self.unit.currentData())
        f.grid_id = self.grid.currentData()
        if self.period.currentData() != "all":
            f.since = self.since.date().toPython()
            f.until = self.until.date().toPython()
        return f

    def _import_kind(self) -> str | None:
        if self.choice.register:
            return self.choice.register
        if self.code == "disputes":
            return "disputes"
        return "matters" if self.code in _MATTER_VIEWS else None

    def _update_buttons(self) -> None:
        register = self.choice.register is not None
        self.add_button.setVisible(register and self.can_edit)
        self.edit_button.setVisible(register and self.can_edit)
        self.edit_button.setEnabled(self._selected_id() is not None)
        logged = self.choice.register in LOGS
        self.log_button.setVisible(logged)
        self.log_button.setEnabled(self._selected_id() is not None)
        self.log_button.setText(LOGS.get(self.choice.register, "走访记录…"))
        self.due_button.setVisible(self.choice.register == "special")
        kind = self._import_kind()
        self.import_button.setVisible(self.can_import and (kind == "matters" or self.can_edit))
        self.import_button.setEnabled(kind is not None and self._job is None)
        if kind:
            label = importing.import_kinds()[kind][0]
            self.import_button.setToolTip(f"从 Excel（.xlsx）或 CSV 表格导入{label}")
        else:
            self.import_button.setToolTip("调解台账由调解案件生成，不能导入")
        for b in (self.export_xlsx_button, self.export_pdf_button, self.print_button):
            b.setVisible(self.can_export)
            b.setEnabled(self._job is None)

    # --- filters
    def _ledger_changed(self) -> None:
        self._update_buttons()
        self.schedule_reload()

    def _period_changed(self) -> None:
        key = self.period.currentData()
        self.since.setEnabled(key != "all")
        self.until.setEnabled(key != "all")
        if key not in ("custom", "all"):
            since, until = period_range(key, clock.today())
            self._setting_period = True
            self.since.setDate(QDate(since))
            self.until.setDate(QDate(until))
            self._setting_period = False
        self.schedule_reload()

    def _dates_edited(self) -> None:
        if not self._setting_period and self.period.currentData() != "custom":
            self.period.blockSignals(True)
            self.period.setCurrentIndex(self.period.findData("custom"))
            self.period.blockSignals(False)
        self.schedule_reload()

    def schedule_reload(self) -> None:
        self._reload_timer.start()

    # --- loading
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _data_changed(self, changes: Changes) -> None:
        watched = {kinds.REGISTERS} if self.choice.register else {kinds.MATTERS}
        if self.code == "mediation":
            watched.add(kinds.CASES)
        if changes.touches(watched):
            self.schedule_reload()

    def reload(self) -> None:
        self._reload_timer.stop()
        if not self.isVisible():
            self._stale = True  # loaded when the tab is next shown
            return
        self._stale = False
        f = self.current_filter()
        if f.since and f.until and f.until < f.since:
            self._show_message("结束日期不能早于开始日期。")
            return
        self._generation += 1
        generation, actor, code = self._generation, self.ctx.actor, self.code
        self.count.setText("正在加载…")
        self.ctx.worker.submit(
            op(ledgers.build_ledger, actor, code, f, on_screen=True),
            lambda table: self._loaded(generation, table),
            lambda exc: self._load_failed(generation, exc),
        )

    def _loaded(self, generation: int, table: ledgers.LedgerTable) -> None:
        if generation != self._generation:
            return  # a newer choice replaced this one
        self.table_data = table
        self.model.set_rows(table.headers, table.rows, table.ids)
        self._set_widths(table)
        text = f"{table.title}　{table.filters}　共 {len(table.rows)} 条"
        lines = ["　".join(str(v) for v in t if v) for t in table.totals]  # 小计 …, 合计
        self.count.setText(text + (f"　{lines[-1]}" if lines else ""))
        self.count.setToolTip("\n".join(lines))
        self._show_message("")
        self._update_buttons()

    def _load_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.count.setText("")
            self._show_message(error_text(exc))

    def _set_widths(self, table: ledgers.LedgerTable) -> None:
        fm = self.table.fontMetrics()
        half = max(fm.horizontalAdvance("中") / 2, fm.horizontalAdvance("0"))
        header = self.table.horizontalHeader()
        for i, (_title, chars) in enumerate(table.columns):
            # As wide as the ledger's hint for its values, and never narrower than the header
            # text as the theme draws it (its padding is generous).
            width = max(int(chars * half) + 16, header.sectionSizeHint(i))
            self.table.setColumnWidth(i, min(width, 420))

    def _show_message(self, text: str, level: str = "error") -> None:
        self.message.say(text, level)
        self.message.setVisible(bool(text))

    # --- registers
    def _selected_id(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.record_id(rows[0].row()) if rows else None

    def edit_selected(self) -> None:
        record_id = self._selected_id()
        if record_id is not None and self.can_edit:
            self.open_register_dialog(record_id)

    def open_register_dialog(self, record_id=None) -> None:
        kind = self.choice.register
        if kind is None or not self.can_edit:
            return
        if record_id is None:
            self._show_register_dialog(kind, None, None)
            return
        actor = self.ctx.actor
        self.ctx.worker.submit(
            op(registers.record_values, actor, kind, record_id),
            lambda values: self._show_register_dialog(kind, record_id, values),
            lambda exc: self._show_message(error_text(exc)),
        )

    def _show_register_dialog(self, kind: str, record_id, values) -> None:
        dialog = RegisterRecordDialog(
            self.ctx, kind, self.lookups, values=values, record_id=record_id, parent=self
        )
        dialog.finished.connect(lambda _r: self._closed("register_dialog", dialog))
        self.register_dialog = dialog
        dialog.open()

    def open_log(self) -> QWidget | None:
        """The selected person's 走访记录 or the selected place's 检查记录."""
        record_id, kind = self._selected_id(), self.choice.register
        shown = self.table_data is not None and self.table_data.title == self.choice.title
        if record_id is None or kind not in LOGS or not shown:  # rows of another ledger
            return None
        row = self.table.selectionModel().selectedRows()[0].row()
        name = self.table_data.rows[row][0]
        from .key_people import InspectionLogDialog, VisitLogDialog

        cls = VisitLogDialog if kind == "special" else InspectionLogDialog
        self.log_dialog = cls(self.ctx, record_id, name, self)
        self.log_dialog.open()
        return self.log_dialog

    def open_due_visits(self) -> QWidget:
        from .key_people import DueVisitsDialog

        self.due_dialog = DueVisitsDialog(self.ctx, self)
        self.due_dialog.open()
        return self.due_dialog

    # --- export
    def export(self, fmt: str) -> None:
        if self._job is not None:
            return
        f, code, title = self.current_filter(), self.code, self.choice.title
        period = f"（{f.since}至{f.until}）" if f.since else ""
        suggested = str(Path(_documents()) / f"{title}{period}.{fmt}")
        filters = "Excel 工作簿 (*.xlsx)" if fmt == "xlsx" else "PDF 文件 (*.pdf)"
        name = self.ask_save_path(self, f"导出{title}", suggested, filters)
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != f".{fmt}":
            path = path.with_name(path.name + f".{fmt}")
        job = self._start_job("导出台账", f"正在导出{title}到 {path.name}…")

        def step(done: int, total: int) -> bool:
            return job.progress("导出", done, total)

        self.ctx.worker.submit(
            op(ledgers.export_ledger_file, self.ctx.actor, code, f, fmt, path, progress=step),
            self._exported,
            self._job_failed,
        )

    def print_ledger(self) -> None:
        """The ledger as its PDF (A4 landscape) in the print preview; its print dialog opens
        with the landscape paper already set."""
        if self._job is not None:
            return
        f, code, title = self.current_filter(), self.code, self.choice.title
        job = self._start_job("打印台账", f"正在准备打印{title}…")

        def shown(result) -> None:
            from .pdf_preview_dialog import PdfPreviewDialog

            self._end_job()
            table, pdf = result
            self.preview = PdfPreviewDialog(
                pdf, table.title, f"{table.title}.pdf", self, kind="ledger"
            )
            self.preview.open()

        def step(done: int, total: int) -> bool:
            return job.progress("准备", done, total)

        self.ctx.worker.submit(
            op(ledgers.export_ledger, self.ctx.actor, code, f, "pdf", progress=step),
            shown,
            self._job_failed,
        )

    def _exported(self, result) -> None:
        table, path = result
        self._end_job()
        self.last_export = path
        self._show_message("")
        self.count.setText(f"已导出{table.title}（{len(table.rows)} 条）：{path}")

    # --- import
    def choose_import(self) -> None:
        kind = self._import_kind()
        if kind is None or self._job is not None:
            return
        label = importing.import_kinds()[kind][0]
        name = self.ask_open_path(
            self, f"选择要导入的{label}表格", "表格 (*.xlsx *.xlsm *.csv);;所有文件 (*)"
        )
        if name:
            self.plan_import(kind, Path(name))

    def plan_import(self, kind: str, path: Path) -> None:
        """Read the sheet and show the mapping step (columns, values, sheets, year)."""
        if self._job is not None:
            return
        self.ctx.worker.submit(
            op(importing.plan, kind, path),
            lambda plan: self._planned(kind, path, plan),
            lambda exc: self._show_message(error_text(exc)),
        )

    def _planned(self, kind: str, path: Path, plan: importing.ImportPlan) -> None:
        label = importing.import_kinds()[kind][0]
        dialog = ImportMappingDialog(plan, path.name, label, self)
        dialog.mapping_accepted.connect(
            lambda: self.run_import(
                kind,
                path,
                choices={
                    "sheets": dialog.sheets(),
                    "columns": dialog.columns(),
                    "values": dialog.values(),
                    "year": dialog.year(),
                },
                template=dialog.template_name(),
            )
        )
        dialog.finished.connect(lambda _r: self._closed("mapping_dialog", dialog))
        self.mapping_dialog = dialog
        dialog.open()

    def run_import(
        self,
        kind: str,
        path: Path,
        *,
        skip_invalid: bool = False,
        choices: dict | None = None,
        template: str | None = None,
    ) -> None:
        label = importing.import_kinds()[kind][0]
        choices = choices or {}
        job = self._start_job(f"导入{label}", f"正在检查并导入 {path.name}…")
        self.ctx.worker.submit(
            op(
                importing.import_sheet,
                self.ctx.actor,
                kind,
                path,
                skip_invalid=skip_invalid,
                progress=job.progress,
                **choices,
            ),
            lambda report: self._imported(kind, path, report, choices, template),
            self._job_failed,
        )

    def _imported(
        self,
        kind: str,
        path: Path,
        report: importing.ImportReport,
        choices: dict | None = None,
        template: str | None = None,
    ) -> None:
        self._end_job()
        if template and not report.checked_only:
            columns = (choices or {}).get("columns") or {}
            saved = importing.Template(
                template, kind, list(columns), columns, (choices or {}).get("values") or {}
            )
            self.ctx.worker.submit(
                op(importing.save_template, self.ctx.actor, saved),
                lambda _r: self._show_message(f"已保存导入模板“{template}”", "success"),
                lambda exc: self._show_message(error_text(exc)),
            )
        dialog = ImportReportDialog(report, self)
        dialog.skip_invalid_requested.connect(
            lambda: self.run_import(
                kind, path, skip_invalid=True, choices=choices, template=template
            )
        )
        dialog.finished.connect(lambda _r: self._closed("report_dialog", dialog))
        self.report_dialog = dialog
        dialog.open()

    def _closed(self, name: str, dialog: QWidget) -> None:
        if getattr(self, name) is dialog:
            setattr(self, name, None)
        dialog.deleteLater()

    # --- long jobs
    def _start_job(self, title: str, label: str) -> _LongJob:
        self._job = _LongJob(self, title, label)
        self._update_buttons()
        self._job.dialog.show()
        return self._job

    def _end_job(self) -> None:
        if self._job is not None:
            self._job.finish()
            self._job = None
        self._update_buttons()

    def _job_failed(self, exc: BaseException) -> None:
        cancelled = self._job is not None and self._job.cancelled.is_set()
        self._end_job()
        if cancelled and isinstance(exc, ServiceError):
            self._show_message(exc.message, "warning")  # 已取消…，没有…
            return
        self._show_message(error_text(exc))
