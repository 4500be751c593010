"""The one message bar of the program: a line under a form or tab for what just happened, at
one of four levels that look different — info (neutral), success (green: done), warning
(amber: done, but look) and error (red: refused or failed, what to fix)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from ..messages import error_text

LEVELS = ("info", "success", "warning", "error")


def set_level(label: QLabel, level: str) -> None:
    """Style any label at a level (the theme colours ``QLabel[role=…]``); used by the bar and
    by ``run_op`` for a plain label given as the place for messages."""
    if level not in LEVELS:
        raise ValueError(level)
    if label.property("role") != level:
        label.setProperty("role", level)
        label.style().unpolish(label)
        label.style().polish(label)


class MessageBar(QLabel):
    """``info(text)`` says something neutral; ``success(text)`` what was done; ``warning(text)``
    what was done but needs a look; ``error(text)`` / ``show_error(exc)`` what failed, in
    Chinese. ``clear()`` empties it. ``level`` is the level of what it shows ("" when empty).

    A bare ``setText`` keeps the current level; use the level methods."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setProperty("role", "info")
        self.setProperty("messagebar", True)
        self.level = ""

    def say(self, text: str, level: str = "info") -> None:
        set_level(self, level)
        self.level = level if text else ""
        self.setText(text)

    @property
    def is_error(self) -> bool:
        return self.level == "error"

    def info(self, text: str) -> None:
        self.say(text, "info")

    def success(self, text: str) -> None:
        self.say(text, "success")

    def warning(self, text: str) -> None:
        self.say(text, "warning")

    def error(self, text: str) -> None:
        self.say(text, "error")

    def show_error(self, exc: BaseException) -> None:
        self.error(error_text(exc))

    def clear(self) -> None:
        self.level = ""
        set_level(self, "info")  # no coloured strip under an empty bar
        super().clear()
