"""A label area under a form or tab for what just happened: done, or what went wrong."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from ..messages import error_text


class MessageBar(QLabel):
    """``info(text)`` says what was done; ``error(text)`` / ``show_error(exc)`` what failed,
    in Chinese, styled as an error. ``clear()`` empties it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setProperty("role", "error")
        self.is_error = False

    def _say(self, text: str, error: bool) -> None:
        self.is_error = error
        role = "error" if error else "info"
        if self.property("role") != role:
            self.setProperty("role", role)
            self.style().unpolish(self)
            self.style().polish(self)
        self.setText(text)

    def info(self, text: str) -> None:
        self._say(text, error=False)

    def error(self, text: str) -> None:
        self._say(text, error=True)

    def show_error(self, exc: BaseException) -> None:
        self.error(error_text(exc))

    def clear(self) -> None:
        self.is_error = False
        super().clear()
