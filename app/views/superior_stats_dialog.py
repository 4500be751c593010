"""上报统计表: choose a table, a period and optionally a village or unit, and export it as
XLSX or PDF (the director's, from the 指挥研判 tab). The export runs on the worker and is
audited by the service; the dialog stays open for the next table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDate, QStandardPaths
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.ops import op
from app.services.center.reference import Lookups, load_lookups
from app.services.command import superior_stats
from app.services.command.superior_stats import StatsFilter

from .context import ViewContext
from .widgets.message_bar import MessageBar
from .widgets.tables import DateEdit


def _ask_save_path(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    name, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return name


def _documents() -> str:
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)


class StatsExportDialog(QDialog):
    """``ask_save_path(parent, title, suggested, filters)`` is injectable for tests."""

    def __init__(self, ctx: ViewContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("上报统计表")
        self.ask_save_path: Callable[[QWidget, str, str, str], str] = _ask_save_path
        self.last_export: Path | None = None
        self.busy = False

        self.table = QComboBox()
        self.table.setAccessibleName("统计表")
        for code, title in superior_stats.TABLES.items():
            period = "季报" if superior_stats.TABLE_PERIOD[code] == "quarter" else "月报"
            self.table.addItem(f"{title}（{period}）", code)
        self.since = DateEdit()
        self.since.setAccessibleName("开始日期")
        self.until = DateEdit()
        self.until.setAccessibleName("结束日期")
        self.village = QComboBox()
        self.village.setAccessibleName("村社区")
        self.village.addItem("全部村社区", None)
        self.grid = QComboBox()  # the chosen village's grids
        self.grid.setAccessibleName("网格")
        self.grid.addItem("全部网格", None)
        self.grid.setEnabled(False)
        self._lookups_loaded: Lookups | None = None
        self.village.currentIndexChanged.connect(self._offer_grids)
        self.unit = QComboBox()
        self.unit.setAccessibleName("承办单位")
        self.unit.addItem("全部单位", None)
        period = QHBoxLayout()
        period.addWidget(self.since)
        period.addWidget(self.until)
        form = QFormLayout()
        form.addRow("统计表", self.table)
        form.addRow("统计期间", period)
        form.addRow("村社区", self.village)
        form.addRow("网格", self.grid)
        form.addRow("承办单位", self.unit)

        self.message = MessageBar()
        self.xlsx_button = QPushButton("导出 Excel")
        self.pdf_button = QPushButton("导出 PDF")
        close = QPushButton("关闭")
        self.xlsx_button.clicked.connect(lambda: self.export("xlsx"))
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.xlsx_button, self.pdf_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.table.currentIndexChanged.connect(self._default_period)
        self._default_period()
        ctx.worker.submit(op(load_lookups), self._lookups, self.message.show_error, origin=self)

    @property
    def code(self) -> str:
        return self.table.currentData()

    def _default_period(self) -> None:
        since, until = superior_stats.default_period(self.code)
        self.since.setDate(QDate(since.year, since.month, since.day))
        self.until.setDate(QDate(until.year, until.month, until.day))

    def _offer_grids(self) -> None:
        self.grid.clear()
        self.grid.addItem("全部网格", None)
        village = self.village.currentData()
        lookups = self._lookups_loaded
        grids = [g for g in lookups.all_grids if g.village_id == village] if lookups else []
        for g in grids if village else []:
            self.grid.addItem(g.name, g.id)
        self.grid.setEnabled(self.grid.count() > 1)

    def _lookups(self, lookups: Lookups) -> None:
        self._lookups_loaded = lookups
        for v in lookups.all_villages or lookups.villages:
            self.village.addItem(v.name, v.id)
        for u in lookups.all_units or lookups.units:
            self.unit.addItem(u.name, u.id)

    def current_filter(self) -> StatsFilter:
        return StatsFilter(
            self.since.date().toPython(),
            self.until.date().toPython(),
            self.village.currentData(),
            self.unit.currentData(),
            self.grid.currentData(),
        )

    def export(self, fmt: str) -> None:
        if self.busy:
            return
        f = self.current_filter()
        if f.until < f.since:
            self.message.error("结束日期不能早于开始日期，请改正统计期间")
            self.until.setFocus()
            return
        title = superior_stats.TABLES[self.code]
        suggested = str(Path(_documents()) / f"{title}（{f.since}至{f.until}）.{fmt}")
        filters = "Excel 工作簿 (*.xlsx)" if fmt == "xlsx" else "PDF 文件 (*.pdf)"
        name = self.ask_save_path(self, f"导出{title}", suggested, filters)
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != f".{fmt}":
            path = path.with_name(path.name + f".{fmt}")
        self._set_busy(True)
        self.message.info(f"正在导出{title}…")
        self.ctx.worker.submit(
            op(superior_stats.export_sheet_file, self.ctx.actor, self.code, f, fmt, path),
            self._exported,
            self._failed,
            origin=self,
        )

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.xlsx_button.setEnabled(not busy)
        self.pdf_button.setEnabled(not busy)

    def _exported(self, result) -> None:
        sheet, path = result
        self._set_busy(False)
        self.last_export = path
        self.message.success(f"已导出{sheet.title}（{sheet.period}，{sheet.filters}）：{path}")

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.message.show_error(exc)


__all__ = ["StatsExportDialog"]
