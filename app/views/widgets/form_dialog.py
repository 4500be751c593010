"""A small form in a dialog: 确定 runs the form's operation, and the dialog closes only when it
succeeded. A refusal shows its Chinese message in the dialog, under the field it concerns
when it names one, and everything typed stays as it was. 取消, Esc or the window's × ask
before text typed in it is given up."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import ValidationError

from ..messages import error_text
from .run import SAVING, run_op
from .tab_helpers import ask_to_give_up


def _typed_texts(dialog: QWidget) -> list[tuple[QWidget, str]]:
    """The dialog's text fields and what they hold (a date's or a list's own line left out:
    they are chosen again in a moment, not typed)."""
    texts: list[tuple[QWidget, str]] = []
    for w in dialog.findChildren(QWidget):
        if isinstance(w, QPlainTextEdit | QTextEdit):
            texts.append((w, w.toPlainText()))
        elif isinstance(w, QLineEdit) and not isinstance(w.parent(), QAbstractSpinBox | QComboBox):
            texts.append((w, w.text()))
    return texts


class FieldRow(QWidget):
    """An input with an error label under it (hidden while there is nothing to say)."""

    def __init__(self, widget: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.widget = widget
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        v.addWidget(widget)
        v.addWidget(self.error)

    def set_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.widget.setProperty("invalid", bool(text))
        self.widget.style().unpolish(self.widget)  # the theme's red border follows the property
        self.widget.style().polish(self.widget)

    def clear_error(self) -> None:
        self.set_error("")


class FormDialog(QDialog):
    """``row(label, widget, field=…)`` adds a labelled input; ``on_ok`` is called on 确定
    (without one, 确定 just accepts). The operation calls ``accept()`` when it succeeded and
    ``show_error(exc)`` when it was refused: the dialog stays open with what was typed.

    ``run_op(ctx, job, message=dialog, …)`` does both."""

    def __init__(
        self,
        title: str,
        parent: QWidget | None = None,
        rows: Iterable[tuple[str, QWidget]] = (),
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.form = QFormLayout()
        self.fields: dict[str, FieldRow] = {}
        self.message = QLabel()
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.on_ok: Callable[[], None] | None = None
        self._as_opened: dict[QWidget, str] | None = None  # the texts when first shown
        for label, widget in rows:
            self.row(label, widget)

    def showEvent(self, event) -> None:
        if self._as_opened is None:
            self._as_opened = dict(_typed_texts(self))
        super().showEvent(event)

    def typed(self) -> bool:
        """Whether text was typed since the dialog opened (and is not blank)."""
        opened = self._as_opened or {}
        return any(text.strip() and text != opened.get(w, "") for w, text in _typed_texts(self))

    def mark_unsaved(self) -> None:
        """What the dialog was opened with is itself unsaved (a draft restored into it)."""
        self._as_opened = {}

    def saving(self) -> bool:
        """确定 was pressed and its save is running (``run_op`` marks the dialog)."""
        return bool(self.property(SAVING))

    def may_give_up(self) -> bool:
        """Before the user closes the dialog: True when nothing was typed or they answer 是.
        While a save runs it stays (False): the save closes it, or a refusal shows in it
        with the typing."""
        if self.saving():
            self.message.setText("正在保存，请稍候……")
            return False
        if not self.typed():
            return True
        text = "填写的内容还没有保存，要放弃吗？\n选“否”回到这里继续填写。"
        return ask_to_give_up(self, self.windowTitle(), text)

    def cancel(self) -> None:
        """取消 or Esc: closes it, asking first when text was typed (``reject()``, the
        program closing it — the terminal locked — asks nothing)."""
        if self.may_give_up():
            self.reject()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.cancel()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        # The window's ×: the user's (spontaneous); closed by the program, nothing is asked.
        if event.spontaneous() and not self.may_give_up():
            event.ignore()
            return
        super().closeEvent(event)

    def row(self, label: str, widget: QWidget, field: str | None = None):
        """Add ``widget`` under ``label``; ``field`` is the name a ValidationError uses for it."""
        if field is None:
            self.form.addRow(label, widget)
        else:
            self.fields[field] = FieldRow(widget)
            self.form.addRow(label, self.fields[field])
        return widget

    @property
    def ok_button(self):
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def _ok(self) -> None:
        self.clear_errors()
        if self.on_ok is None:
            self.accept()
        else:
            self.on_ok()

    def clear_errors(self) -> None:
        self.message.clear()
        for f in self.fields.values():
            f.clear_error()

    def show_error(self, exc: BaseException | str) -> None:
        """Say why it was refused; the dialog and its typing stay."""
        if isinstance(exc, ValidationError):
            for name, text in exc.fields.items():
                if name in self.fields:
                    self.fields[name].set_error(text)
        self.message.setText(exc if isinstance(exc, str) else error_text(exc))

    def submit(
        self,
        ctx: Any,
        make_job: Callable[[], Any],
        *,
        done: Callable[[Any], None] | None = None,
        origin: object = None,
    ) -> None:
        """确定 runs ``make_job()`` — ``op(service.fn, …)`` built from what is typed at that
        moment — through ``run_op``: the dialog closes when it succeeded and otherwise stays open
        with what was typed and the refusal, whether the form refused it (a ValidationError
        raised while building the job) or the service did."""

        def ok() -> None:
            try:
                job = make_job()
            except ValidationError as exc:
                self.show_error(exc)
                return
            run_op(ctx, job, message=self, done=done, origin=origin)

        self.on_ok = ok
