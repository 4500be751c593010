"""账户 → 修改密码: the logged-in user changes their own password (old, new, new again)."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from app.core.ops import op
from app.services.security import auth

from .context import ViewContext
from .widgets import FormDialog, run_op


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class ChangePasswordDialog(FormDialog):
    """Refused input keeps the dialog open with the reason at the field to fix."""

    def __init__(self, ctx: ViewContext, parent=None):
        super().__init__("修改密码", parent)
        self.ctx = ctx
        self.old_password = self.row("原密码", _password_field(), "old_password")
        self.new_password = self.row("新密码", _password_field(), "password")
        self.repeat = self.row("再次输入新密码", _password_field(), "repeat")
        self.new_password.setPlaceholderText(
            f"至少 {ctx.settings.password_min_length} 位，含大写字母、小写字母、数字、符号中的三类"
        )
        self.on_ok = self.save

    def save(self) -> None:
        old, new = self.old_password.text(), self.new_password.text()
        if not old:
            self.fields["old_password"].set_error("请输入原密码")
            self.show_error("请输入原密码。")
            return
        if new != self.repeat.text():
            self.fields["repeat"].set_error("两次输入的新密码不一致")
            self.show_error("两次输入的新密码不一致，请重新输入。")
            return
        if new == old:
            self.fields["password"].set_error("新密码不能与原密码相同")
            self.show_error("新密码不能与原密码相同。")
            return
        run_op(self.ctx, op(auth.change_own_password, self.ctx.actor, old, new), message=self)
