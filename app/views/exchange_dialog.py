"""导入交换包: pick a terminal's bundle, check and apply it off the GUI thread with a progress
bar, show the report. Cancel rolls the whole import back (it is one transaction).

Signals: ``imported(object)`` with the ImportReport when an import finished.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import ServiceError
from app.core.ops import op
from app.services.data import exchange

from .context import ViewContext
from .messages import error_text
from .widgets.message_bar import MessageBar


class _Progress(QObject):
    """Lives in the GUI thread; emitted from the worker, delivered queued."""

    step = Signal(int, int)


class ImportBundleDialog(QDialog):
    """Signals: ``imported(object)``."""

    imported = Signal(object)

    def __init__(self, ctx: ViewContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("导入交换包")
        self.resize(640, 420)
        self._cancelled = False
        self._running = False
        self.path = QLineEdit(placeholderText="终端导出的交换包文件（.zzb）")
        self.path.setAccessibleName("交换包文件")
        choose = QPushButton("选择文件…")
        choose.clicked.connect(self.choose)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(choose)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.message = MessageBar()
        self.report = QPlainTextEdit(readOnly=True)
        self.report.setPlaceholderText("导入前先校验终端签名；同一个交换包重复导入不会改变数据。")
        self.buttons = QDialogButtonBox()
        self.start = self.buttons.addButton("导入", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start.setDefault(True)
        self.cancel = self.buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.start.clicked.connect(self.run_import)
        self.cancel.clicked.connect(self.cancel_or_close)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("把终端导出的交换包导入中心数据库："))
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.report, 1)
        layout.addWidget(self.buttons)
        self._relay = _Progress(self)
        self._relay.step.connect(self._show_step)

    def choose(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "选择交换包", "", "交换包 (*.zzb);;所有文件 (*)"
        )
        if name:
            self.path.setText(name)

    def run_import(self) -> None:
        text = self.path.text().strip()
        if not text:
            self.message.warning("请先选择交换包文件。")
            self.path.setFocus()
            return
        actor, relay, path = self.ctx.actor, self._relay, Path(text)
        self._cancelled, self._running = False, True
        self.start.setEnabled(False)
        self.cancel.setText("取消")
        self.message.info("正在校验签名并导入…")
        self.report.clear()
        self.progress.setValue(0)

        def progress(done: int, total: int) -> None:
            if self._cancelled:
                raise ServiceError("已取消导入，中心数据库没有任何改动。")
            relay.step.emit(done, total)

        self.ctx.worker.submit(
            op(exchange.import_bundle_file, actor, path, progress=progress),
            self._done,
            self._failed,
        )

    def _show_step(self, done: int, total: int) -> None:
        self.progress.setValue(int(100 * done / total) if total else 100)

    def _finish(self) -> None:
        self._running = False
        self.start.setEnabled(True)
        self.cancel.setText("关闭")

    def _done(self, report) -> None:
        self._finish()
        self.progress.setValue(100)
        self.message.success("导入完成。")
        self.report.setPlainText("\n".join(report.lines()))
        self.imported.emit(report)

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        self.progress.setValue(0)
        self.message.error(error_text(exc))

    def cancel_or_close(self) -> None:
        if self._running:
            self._cancelled = True
            self.message.info("正在取消…")
        else:
            self.reject()
