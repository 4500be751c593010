"""When the database cannot be opened at start-up because its file is damaged: the same
recovery as ``zongzhi restore``, offered on screen — pick a backup from the list (dates and
sizes), and the damaged file is set aside and the backup put in its place."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from app.core.errors import EnvironmentProblem, ServiceError
from app.services.data.backup import BackupCopy, RestoreResult, list_backups, restore

from .widgets import MessageBar
from .widgets.rows_model import Row, rows_view


class RecoveryDialog(QDialog):
    """``restored`` holds what the restore did once it succeeded (the dialog is accepted)."""

    def __init__(self, db_path: Path, problem: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("数据库文件损坏：用备份恢复")
        self.db_path = Path(db_path)
        self.restored: RestoreResult | None = None
        self.backups: list[BackupCopy] = list_backups(self.db_path)
        layout = QVBoxLayout(self)
        text = QLabel(problem)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.bar = MessageBar()
        layout.addWidget(self.bar)
        self.list = rows_view(
            ["备份时间", "类型", "大小", "文件"],
            stretch=3,
            widths=[(0, 150), (2, 90)],
            min_height=200,
        )
        self.list.set_rows(
            Row((f"{b.made_at:%Y-%m-%d %H:%M}", b.kind, b.size_text, b.path.name), id=str(b.path))
            for b in self.backups
        )
        layout.addWidget(QLabel("请选择一份备份（最新的在最上面）："))
        layout.addWidget(self.list)
        note = QLabel(
            "恢复时，损坏的数据库文件（连同它的 -wal、-shm）会原样改名留在原处，不会删除；"
            "所选备份校验通过后才放到原位置。备份之后录入的内容需要重新录入。"
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox()
        self.restore_button = buttons.addButton(
            "用所选备份恢复", QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton("退出程序", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.restore_chosen)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if self.backups:
            self.list.selectRow(0)
        else:
            self.restore_button.setEnabled(False)
            self.bar.error(
                f"备份文件夹 {self.db_path.parent / 'backups'} 里没有这个数据库的备份。"
                "请联系管理员，用别处保存的备份运行 zongzhi restore。"
            )

    def restore_chosen(self) -> None:
        chosen = self.list.current_id()
        if chosen is None:
            self.bar.warning("请先在列表中选择一份备份。")
            return
        try:
            self.restored = restore(Path(chosen), self.db_path)
        except (ServiceError, EnvironmentProblem) as exc:
            self.bar.error(exc.message)
            return
        self.accept()
