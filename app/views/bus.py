"""One application-wide signal that says what kind of data changed."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

MATTERS = "matters"
USERS = "users"
SETTINGS = "settings"
CALENDAR = "calendar"
CASES = "cases"
COUNSELLING = "counselling"


class DataBus(QObject):
    """Signals: ``changed(str)`` with one of MATTERS, USERS, SETTINGS, CALENDAR."""

    changed = Signal(str)
