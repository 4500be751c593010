"""Log-in dialog. On a demo database it lists the demo accounts.

It is shown before SQLAlchemy, the models and the services are loaded (issue 17): it imports
only Qt and the message bar, and takes either the database worker or, while the database is
still being opened in the background, a promise of it (``PendingWorker``). A log-in asked for
before then waits for it, saying so."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import EnvironmentProblem, ServiceError

from .widgets.message_bar import MessageBar

if TYPE_CHECKING:
    from app.services.context import Actor
    from app.services.security.auth import LoginOutcome

    from .worker import DbWorker


class PendingWorker:
    """The worker of a database still being opened: ``when_ready(fn)`` calls ``fn(worker)``
    once it is there (at once if it is)."""

    def __init__(self) -> None:
        self.worker: DbWorker | None = None
        self._waiting: list[Callable[[DbWorker], None]] = []

    def when_ready(self, fn: Callable[[DbWorker], None]) -> None:
        if self.worker is not None:
            fn(self.worker)
        else:
            self._waiting.append(fn)

    def ready(self, worker: DbWorker) -> None:
        self.worker = worker
        waiting, self._waiting = self._waiting, []
        for fn in waiting:
            fn(worker)


class LoginDialog(QDialog):
    """Accepted with ``self.actor`` set once the password is right."""

    def __init__(
        self,
        worker: DbWorker | PendingWorker,
        center_name: str,
        terminal: str,
        demo_accounts: list[tuple[str, str, str]] | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.worker = worker
        self.terminal = terminal
        self.actor: Actor | None = None
        self.setWindowTitle(f"登录 — {center_name or '综治中心工作台'}")
        self.setMinimumWidth(380)
        title = QLabel(center_name or "综治中心工作台")
        title.setProperty("role", "title")
        self.username = QLineEdit()
        self.username.setPlaceholderText("用户名")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("密码")
        self.message = MessageBar()
        form = QFormLayout()
        form.addRow("用户名", self.username)
        form.addRow("密码", self.password)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("登录")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        self.buttons.accepted.connect(self.try_login)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.message)
        if demo_accounts:
            lines = "".join(
                f"<tr><td>{u}</td><td>{p}</td><td>{r}</td></tr>" for u, p, r in demo_accounts
            )
            demo = QLabel(
                "<b>演示数据库</b>，可用以下账号登录：<table cellspacing='6'>"
                f"<tr><th align='left'>用户名</th><th align='left'>密码</th>"
                f"<th align='left'>角色</th></tr>{lines}</table>"
            )
            demo.setProperty("role", "hint")
            layout.addWidget(demo)
        layout.addWidget(self.buttons)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.try_login)

    def try_login(self) -> None:
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self.message.error("请输入用户名和密码。")
            return
        self.buttons.setEnabled(False)
        terminal = self.terminal

        def submit(worker: DbWorker) -> None:
            from app.core.ops import op
            from app.services.security import auth

            self.message.clear()
            worker.submit(op(auth.login, username, password, terminal), self._done, self._failed)

        if isinstance(self.worker, PendingWorker):
            if self.worker.worker is None:
                self.message.info("正在打开数据库，请稍候…")
            self.worker.when_ready(submit)
        else:
            submit(self.worker)

    def _done(self, outcome: LoginOutcome) -> None:
        self.buttons.setEnabled(True)
        if outcome.actor is None:
            self.message.error(outcome.message or "登录失败。")
            self.password.selectAll()
            self.password.setFocus()
            return
        self.actor = outcome.actor
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, ServiceError | EnvironmentProblem):
            self.message.error(exc.message)
        else:
            self.message.error(f"登录时出错：{exc}")
