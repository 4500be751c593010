"""FormDialog.submit: 确定 builds the operation from what is typed; a refusal — by the form
or by the service — leaves the dialog open with the typing and the message, success closes it."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from app.core.errors import ValidationError
from app.views.widgets import FormDialog


class _Worker:
    """Runs the job at once, reporting as DbWorker does."""

    def submit(self, job, done, failed, origin=None):
        try:
            value = job()
        except Exception as exc:  # noqa: BLE001 — reported like the worker reports it
            failed(exc)
        else:
            done(value)


def test_a_refusal_keeps_the_dialog_and_success_closes_it(qtbot):
    dlg = FormDialog("登记")
    qtbot.addWidget(dlg)
    name = dlg.row("姓名", QLineEdit(), "name")
    saved: list[str] = []

    def job():
        text = name.text().strip()
        if not text:
            raise ValidationError({"name": "请填写姓名"})  # the form refuses, before any job

        def save():
            if text == "x":
                raise ValidationError({"name": "姓名至少两个字"})  # the service refuses
            saved.append(text)
            return text

        return save

    done: list[str] = []
    dlg.submit(SimpleNamespace(worker=_Worker()), job, done=done.append)
    dlg.open()
    qtbot.waitExposed(dlg)
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    assert dlg.isVisible() and dlg.fields["name"].error.text() == "请填写姓名"
    name.setFocus()
    qtbot.keyClicks(name, "x")
    qtbot.keyClick(dlg, Qt.Key.Key_Return)
    assert dlg.isVisible() and "姓名至少两个字" in dlg.message.text()
    assert name.text() == "x" and not saved
    qtbot.keyClicks(name, "iaoming")
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    assert not dlg.isVisible() and saved == ["xiaoming"] and done == ["xiaoming"]
