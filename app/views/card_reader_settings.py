"""系统设置 → 本终端设备: which resident ID card reader this terminal uses (a GA 467 serial
reader on a named port or found by itself, a vendor library, or none), whether a card placed on
the reader fills the intake form by itself (放卡即读), and 测试读卡 to try it before saving.
Kept on this PC (terminal.json), not in the database: each window has its own reader."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.core.errors import ValidationError
from app.services.idcard.card import CardData, card_warnings
from app.services.idcard.settings import (
    KINDS,
    ReaderSettings,
    check_reader_settings,
    load_reader_settings,
    open_source,
    save_reader_settings,
)

from .messages import error_text
from .widgets import MessageBar
from .worker import run_in_background


class CardReaderPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind = QComboBox()
        for key, label in KINDS.items():
            self.kind.addItem(label, key)
        self.port = QComboBox()
        self.port.setEditable(True)
        self.port.lineEdit().setPlaceholderText("如 /dev/ttyUSB0、COM3；动态库填端口号，可不填")
        self.library = QLineEdit()
        self.library.setPlaceholderText("厂家提供的 termb.dll、sdtapi.dll 或 libtermb.so")
        self.browse = QPushButton("选择文件…")
        self.browse.clicked.connect(self._browse)
        self.poll = QCheckBox("放卡即读：登记表单打开时，身份证一放上读卡器就自动填入")
        self.test_button = QPushButton("测试读卡")
        self.test_button.clicked.connect(self.test_read)
        self.save_button = QPushButton("保存")
        self.save_button.clicked.connect(self.save)
        self.message = MessageBar()
        hint = QLabel(
            "群众接待窗口按 F2 读卡，填入姓名、身份证号和住址。串口（或 USB 虚拟串口）读卡器"
            "可自动查找端口；带厂家动态库的读卡器请选择库文件；键盘式读卡器不用设置，"
            "它会把身份证号直接输入光标所在的框。设置只保存在这台电脑上。"
        )
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        library_row = QHBoxLayout()
        library_row.addWidget(self.library, 1)
        library_row.addWidget(self.browse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        form = QFormLayout(self)
        form.addRow(hint)
        form.addRow("读卡器", self.kind)
        form.addRow("端口", self.port)
        form.addRow("动态库", library_row)
        form.addRow("", self.poll)
        form.addRow(buttons)
        form.addRow(self.message)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.show_saved()

    def show_saved(self) -> None:
        s = load_reader_settings()
        self.port.clear()
        from app.services.idcard.ga467 import likely_ports

        self.port.addItems(likely_ports())
        self.kind.setCurrentIndex(max(self.kind.findData(s.kind), 0))
        self.port.setCurrentText(s.port)
        self.library.setText(s.library)
        self.poll.setChecked(s.poll)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.port.setEnabled(kind in ("serial", "library"))
        self.library.setEnabled(kind == "library")
        self.browse.setEnabled(kind == "library")
        self.poll.setEnabled(kind != "off")
        self.test_button.setEnabled(kind != "off")

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "选择读卡器动态库",
            self.library.text(),
            "动态库 (*.dll *.so *.so.*);;所有文件 (*)",
        )
        if path:
            self.library.setText(path)

    def value(self) -> ReaderSettings:
        return ReaderSettings(
            self.kind.currentData(),
            self.port.currentText(),
            self.library.text(),
            self.poll.isChecked(),
        )

    def save(self) -> None:
        try:
            saved = save_reader_settings(self.value())
        except ValidationError as err:
            self.message.error(err.message)
            return
        except OSError as exc:
            self.message.error(f"保存不了设置：{exc.strerror or exc}")
            return
        self.message.success(f"已保存：本终端使用{saved.describe()}。")

    def test_read(self) -> None:
        """Read one card with the settings as shown (saved or not), off the GUI thread."""
        try:
            settings = check_reader_settings(self.value())
            source = open_source(settings)
        except ValidationError as err:
            self.message.error(err.message)
            return
        except Exception as exc:  # noqa: BLE001 - ReaderNotFound and the like: say it
            self.message.error(error_text(exc))
            return
        self.test_button.setEnabled(False)
        self.message.info("正在读卡……请把身份证平放在读卡器上")

        def read() -> tuple[CardData, str]:
            try:
                return source.read_card(3.0), str(getattr(source, "port", "") or "")
            finally:
                source.close()

        def done(result: tuple[CardData, str]) -> None:
            card, port = result
            self.test_button.setEnabled(True)
            found = f"（在端口 {port} 上找到读卡器）" if settings.kind == "auto" and port else ""
            lines = [f"读卡成功{found}："] + [f"{k}：{v}" for k, v in card.lines()[:-1]]
            warnings = card_warnings(card)
            self.message.say("\n".join(lines + warnings), "warning" if warnings else "success")

        def failed(exc: BaseException) -> None:
            self.test_button.setEnabled(True)
            self.message.error(error_text(exc))

        run_in_background(read, done, failed)
