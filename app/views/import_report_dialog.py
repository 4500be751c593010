"""What an import of a sheet found and did: every problem by row and column, in Chinese; when
nothing was imported because of problems, the choice to import only the rows that passed.

Signals: ``skip_invalid_requested`` when “只导入有效行” is chosen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.services.command.importing import ImportReport

from .widgets import rows_view


class ImportReportDialog(QDialog):
    """Signals: ``skip_invalid_requested``."""

    skip_invalid_requested = Signal()

    def __init__(self, report: ImportReport, parent: QWidget | None = None):
        super().__init__(parent)
        self.report = report
        self.setWindowTitle(f"导入{report.label}：检查结果" if report.checked_only else "导入结果")
        self.resize(760, 480)
        lines = [f"{report.file}：共 {report.rows} 行数据，{report.valid} 行通过检查。"]
        if report.assumed:
            lines.append("自动识别：" + "；".join(report.assumed))
        if report.ignored_columns:
            lines.append("未识别、已忽略的列：" + "、".join(report.ignored_columns))
        self.summary = QLabel("\n".join(lines))
        self.summary.setWordWrap(True)
        self.table = rows_view(["行号", "列", "问题"], 2, [(0, 110), (1, 130)])
        self.table.setWordWrap(True)
        self.table.set_rows(
            (
                (f"“{p.sheet}”" if p.sheet else "") + (f"第 {p.row} 行" if p.row else "表格"),
                p.column or "—",
                p.message,
            )
            for p in report.problems
        )
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(report.problems))
        self.outcome = QLabel(self._outcome_text())
        self.outcome.setWordWrap(True)
        if report.checked_only:
            self.outcome.setProperty("role", "error")
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox()
        self.skip_button = self.buttons.addButton(
            f"只导入有效行（{report.valid} 行）", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.skip_button.setVisible(report.checked_only and report.valid > 0)
        self.skip_button.clicked.connect(self._skip)
        self.folder_button = self.buttons.addButton(
            "打开所在文件夹", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.folder_button.setVisible(report.refused_file is not None)
        self.folder_button.clicked.connect(self._open_folder)
        self.close_button = self.buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        if report.problems:
            layout.addWidget(QLabel(f"发现 {len(report.problems)} 处问题："))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.outcome)
        layout.addWidget(self.buttons)

    def _outcome_text(self) -> str:
        r = self.report
        if r.checked_only:
            text = "没有导入任何数据。请改正表格后重新导入"
            if r.valid:
                text += (
                    f"，或点“只导入有效行”导入通过检查的 {r.valid} 行"
                    "（有问题的行另存到原文件旁，改正后可再导入）"
                )
            return text + "。"
        text = f"已导入 {r.imported} 行；以前已导入、本次跳过 {r.already} 行。"
        if r.refused_file:
            text += f"\n未导入的 {r.refused_rows} 行已另存为：{r.refused_file}"
        return text

    def _open_folder(self) -> None:
        if self.report.refused_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.report.refused_file.parent)))

    def _skip(self) -> None:
        self.skip_invalid_requested.emit()
        self.accept()
