"""系统设置 → 本终端打印: 回执直接打印 (the admin's choice for this terminal) and the printer this
terminal remembers for each kind of document (chosen in the print dialog, kept on this PC)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QWidget

from app.services.printing import preferences

from .widgets import MessageBar


class PrintSettingsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.receipt_direct = QCheckBox(
            "回执直接打印：登记后不预览，直接在本终端的回执打印机上打印"
        )
        self.receipt_direct.setChecked(preferences.receipt_direct())
        self.receipt_direct.toggled.connect(self._save_direct)
        hint = QLabel(
            "打印机按文书种类记在这台电脑上：第一次打印某种文书时在打印对话框中选择，以后自动选好"
            "（受理回执用窗口打印机，调解协议书和卷宗用调解室打印机；卷宗和多页会议纪要默认双面）。"
            "回执直接打印时，按 Ctrl+P 仍可预览。"
        )
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        self.printers = QLabel()
        self.printers.setWordWrap(True)
        self.message = MessageBar()
        form = QFormLayout(self)
        form.addRow(hint)
        form.addRow(self.receipt_direct)
        form.addRow("已记住的打印机", self.printers)
        form.addRow(self.message)
        self.show_printers()

    def show_printers(self) -> None:
        lines = [
            f"{label}：{choice.printer}{'（双面）' if choice.duplex else ''}"
            for label, choice in preferences.remembered()
        ]
        self.printers.setText("\n".join(lines) or "还没有（打印一次后记住）")

    def _save_direct(self, on: bool) -> None:
        try:
            preferences.set_receipt_direct(on)
        except OSError as exc:
            self.message.error(f"保存不了设置：{exc.strerror or exc}")
            return
        self.message.success(
            "已设为回执直接打印：登记后直接打印受理回执。"
            if on
            else "已取消回执直接打印：登记后先预览受理回执。"
        )
