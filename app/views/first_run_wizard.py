"""First start on a new database: center name, number prefix, terminal code, first admin."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.errors import EnvironmentProblem, ServiceError, ValidationError
from app.core.ops import op
from app.services.center import setup
from app.services.data import terminal_config

from .widgets.message_bar import MessageBar
from .worker import DbWorker, run_in_background


class FirstRunWizard(QDialog):
    """Accepted once the center is set up in the (empty) database."""

    def __init__(self, worker: DbWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.worker = worker
        self.setWindowTitle("首次使用：设置综治中心")
        self.setMinimumWidth(480)
        intro = QLabel(
            "这是一个新的数据库。请填写中心信息并设置第一位系统管理员，"
            "之后用管理员账号登录添加其他工作人员。"
        )
        intro.setWordWrap(True)
        self.center_name = QLineEdit()
        self.center_name.setPlaceholderText("如：白石街道综治工作中心")
        self.center_phone = QLineEdit()
        self.center_phone.setPlaceholderText("如：0577-61234567")
        self.prefix = QLineEdit()
        self.prefix.setPlaceholderText("受理编号前缀，如 BS")
        self.prefix.setMaxLength(8)
        self.terminal = QLineEdit("A")
        self.terminal.setMaxLength(4)
        self.villages = QPlainTextEdit()
        self.villages.setPlaceholderText(
            "辖区村/社区，每行一个（可以以后在 系统设置 → 中心资料 中添加）"
        )
        self.villages.setTabChangesFocus(True)
        self.villages.setMaximumHeight(90)
        self.admin = QLineEdit("admin")
        self.admin_name = QLineEdit("系统管理员")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("至少8位，含大写、小写、数字、符号中的三类")
        self.password2 = QLineEdit()
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)
        self.example = QLabel()
        self.example.setProperty("role", "hint")
        self.message = MessageBar()
        form = QFormLayout()
        form.addRow("中心名称", self.center_name)
        form.addRow("中心电话", self.center_phone)
        form.addRow("编号前缀", self.prefix)
        form.addRow("终端代码", self.terminal)
        form.addRow("", self.example)
        form.addRow("村/社区", self.villages)
        form.addRow("管理员用户名", self.admin)
        form.addRow("管理员姓名", self.admin_name)
        form.addRow("密码", self.password)
        form.addRow("再次输入密码", self.password2)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("完成设置")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        self.connect_button = buttons.addButton(
            "连接中心服务器…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.connect_button.setToolTip("中心已有 PostgreSQL 服务器时：本终端直接使用它，不新建中心")
        self.connect_button.clicked.connect(self.ask_server)
        self.connected_url: str | None = None
        self.join_button = buttons.addButton("加入中心…", QDialogButtonBox.ButtonRole.ActionRole)
        self.join_button.setToolTip(
            "离线终端：用中心生成的终端初始文件（.zzt，zongzhi terminal create）建立本机数据库"
        )
        self.join_button.clicked.connect(self.ask_starter)
        self.joined = None  # the join's report, once this PC joined a center
        buttons.accepted.connect(self.finish)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        for w in (self.prefix, self.terminal):
            w.textChanged.connect(self._update_example)
        self._update_example()

    def _update_example(self) -> None:
        p = self.prefix.text().strip().upper() or "BS"
        t = self.terminal.text().strip().upper() or "A"
        self.example.setText(f"受理编号示例：{p}{clock.today().year}-{t}-000001")

    def finish(self) -> None:
        if self.password.text() != self.password2.text():
            self.message.error("两次输入的密码不一致，请重新输入。")
            self.password2.setFocus()
            return
        values = dict(
            center_name=self.center_name.text(),
            center_phone=self.center_phone.text(),
            prefix=self.prefix.text(),
            terminal=self.terminal.text(),
            admin_username=self.admin.text().strip(),
            admin_display_name=self.admin_name.text().strip() or "系统管理员",
            admin_password=self.password.text(),
            villages=[v for v in self.villages.toPlainText().splitlines() if v.strip()],
        )
        self.buttons.setEnabled(False)
        self.worker.submit(op(setup.init_center, **values), lambda _u: self.accept(), self._failed)

    def ask_server(self) -> None:
        url, ok = QInputDialog.getText(
            self,
            "连接中心服务器",
            "服务器地址（postgresql+psycopg://用户名:密码@服务器地址:5432/数据库名）：",
            QLineEdit.EchoMode.Normal,
            self._server_text,
        )
        if ok:
            self.connect_server(url)

    _server_text = ""

    def connect_server(self, url: str) -> None:
        """Try the server; on success this terminal uses it from now on and the wizard ends."""
        self._server_text = url
        self.buttons.setEnabled(False)
        self.message.info("正在连接……")

        def done(found: terminal_config.Connection) -> None:
            self.connected_url = terminal_config.check_url(url)
            self.accept()

        run_in_background(lambda: terminal_config.connect_terminal(url), done, self._failed)

    def ask_starter(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, "加入中心：选择终端初始文件", "", "终端初始文件 (*.zzt);;所有文件 (*)"
        )
        if name:
            self.join_center(Path(name))

    def join_center(self, path: Path) -> None:
        """Fill this empty database from the center's starter file; the wizard then ends and
        the log-in window opens with the center's accounts."""
        from app.services.data import exchange, terminal_setup

        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            self.message.error(f"读不到终端初始文件 {path}：{exc.strerror or exc}")
            return
        self.buttons.setEnabled(False)
        self.message.info("正在加入中心……")
        key_file = exchange.key_path(self.worker.db.path)

        def done(report) -> None:
            self.joined = report
            QMessageBox.information(
                self,
                "已加入中心",
                f"已加入“{report.center_name}”，本机是终端 {report.terminal}。\n"
                f"中心密钥指纹：{report.center_fingerprint}\n"
                "请核对与中心生成初始文件时显示的指纹一致。本机的公钥随第一个交换包交给中心。",
            )
            self.accept()

        self.worker.submit(op(terminal_setup.join_center, data, key_file), done, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.message.error("\n".join(exc.fields.values()))
        elif isinstance(exc, ServiceError | EnvironmentProblem):
            self.message.error(exc.message)
        else:
            self.message.error(f"设置时出错：{exc}")
