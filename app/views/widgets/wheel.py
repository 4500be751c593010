"""The mouse wheel scrolls forms; it never changes a combo box, spin box or date field that
the user has not put the focus in (scrolling a form over a combo once changed 主调解员 without
anyone noticing). Installed once for the whole application (``install_wheel_guard``)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QWidget,
)

_GUARDED = (QComboBox, QAbstractSpinBox)  # QDateEdit, QTimeEdit and QDateTimeEdit are spin boxes


def _guarded(obj: QObject) -> QWidget | None:
    """The combo or spin box a wheel event is for (also its own line edit), if any."""
    if isinstance(obj, _GUARDED):
        return obj
    parent = obj.parent() if isinstance(obj, QWidget) else None
    if isinstance(parent, _GUARDED) and not obj.isWindow():  # not the combo's open list
        return parent
    return None


def _scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    w = widget.parentWidget()
    while w is not None:
        if isinstance(w, QAbstractScrollArea):
            return w
        if w.isWindow():
            return None
        w = w.parentWidget()
    return None


class WheelGuard(QObject):
    """A wheel over an unfocused combo, spin box or date field scrolls the form around it
    (or does nothing when there is none); with the focus in it, the wheel works as usual."""

    def eventFilter(self, obj, event) -> bool:
        if event.type() != QEvent.Type.Wheel:
            return False
        widget = _guarded(obj)
        if widget is None or widget.hasFocus():
            return False
        area = _scroll_area_of(widget)
        if area is not None:
            bar = area.verticalScrollBar()
            if event.angleDelta().x() and not event.angleDelta().y():
                bar = area.horizontalScrollBar()
            QApplication.sendEvent(bar, event)
        return True


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Once per application; later calls return the same filter."""
    guard = getattr(app, "_zongzhi_wheel_guard", None)
    if guard is None:
        guard = WheelGuard(app)
        app.installEventFilter(guard)
        app._zongzhi_wheel_guard = guard
    return guard


def uninstall_wheel_guard(app: QApplication) -> None:
    """Tests: the application as it was before ``install_wheel_guard``."""
    installed = getattr(app, "_zongzhi_wheel_guard", None)
    if installed is not None:
        app.removeEventFilter(installed)
        app._zongzhi_wheel_guard = None
