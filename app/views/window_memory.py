"""The main window's size, position and maximised state, remembered per user on this terminal
(a file next to the terminal's settings, outside any database)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QWidget

from app.services.data.terminal_config import terminal_config_path

from .widgets.screen import clamp_to_screen


def _settings() -> QSettings:
    path = terminal_config_path().with_name("windows.ini")
    return QSettings(str(path), QSettings.Format.IniFormat)


def _key(username: str) -> str:
    # QSettings keys treat / and \\ as groups: a user name is one key whatever it holds.
    return "main_window/" + username.encode("utf-8").hex()


def save_window_geometry(window: QWidget, username: str) -> None:
    settings = _settings()
    settings.setValue(_key(username), window.saveGeometry())
    settings.sync()


def restore_window_geometry(window: QWidget, username: str) -> bool:
    """The geometry saved for the user, if any; a window saved on a screen that is gone or
    smaller now is brought back inside the screen it opens on. False if nothing was saved."""
    value = _settings().value(_key(username))
    if not isinstance(value, QByteArray | bytes) or not value:
        return False
    if not window.restoreGeometry(QByteArray(value)):
        return False
    if not window.isMaximized():
        clamp_to_screen(window)
    return True
