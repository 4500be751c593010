"""One application-wide signal that says what kind of data changed."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

MATTERS = "matters"
USERS = "users"
SETTINGS = "settings"
CALENDAR = "calendar"
CASES = "cases"
COUNSELLING = "counselling"
REGISTERS = "registers"  # 流动人口, 特殊人群, 平安创建 records


class DataBus(QObject):
    """Signals: ``changed(str)`` with one of the kinds above (MATTERS, CASES, REGISTERS …)."""

    changed = Signal(str)
