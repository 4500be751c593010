"""Windows sized to the screen they open on: never larger than its available area (the screen
less the task bar), and placed inside it.

``fit_to_screen(widget, w, h)`` replaces ``resize(w, h)``: it asks for at most the given size
and at most the screen's available area. ``ScreenFitter`` is installed once for the whole
application (``install_screen_fitter``): every window or dialog that is about to show larger
than its screen, or partly off it, is shrunk and moved inside it — message boxes and dialogs
that never call fit_to_screen included.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

# What is left around a dialog on its screen, in logical pixels (the title bar and frame that
# the window manager adds are not part of the widget's size).
MARGIN = QSize(16, 48)

_override: QRect | None = None


def simulate_screen(rect: QRect | None) -> None:
    """Tests and ``zongzhi screenshot``: pretend the available area is ``rect`` (None: the real
    screen again)."""
    global _override
    _override = QRect(rect) if rect is not None else None


def available_geometry(widget: QWidget | None = None) -> QRect:
    """The available area of the screen the widget is on (or the primary screen)."""
    if _override is not None:
        return QRect(_override)
    screen = None
    if widget is not None:
        screen = widget.screen()
    if screen is None:
        screen = QGuiApplication.primaryScreen()
    if screen is None:  # no screen at all (should not happen): a common laptop
        return QRect(0, 0, 1366, 768)
    return screen.availableGeometry()


def room_for_window(widget: QWidget | None = None) -> QSize:
    """The largest size a window's contents may have on the screen, frame included."""
    area = available_geometry(widget).size()
    return QSize(max(area.width() - MARGIN.width(), 320), max(area.height() - MARGIN.height(), 240))


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """``resize(width, height)``, but never larger than the screen, and centred on it."""
    room = room_for_window(widget)
    size = QSize(min(width, room.width()), min(height, room.height()))
    widget.resize(size)
    area = available_geometry(widget)
    if widget.parentWidget() is None:
        widget.move(
            area.x() + (area.width() - size.width()) // 2,
            area.y() + max(0, (area.height() - size.height() - MARGIN.height()) // 2),
        )


def clamp_to_screen(widget: QWidget) -> None:
    """Shrink a window larger than its screen and move one lying partly off it back inside."""
    room = room_for_window(widget)
    size = widget.size()
    if size.width() > room.width() or size.height() > room.height():
        widget.resize(min(size.width(), room.width()), min(size.height(), room.height()))
    area = available_geometry(widget)
    geo = widget.geometry()
    # a little slack on the right for the frame the window system adds
    x = min(max(geo.x(), area.left()), max(area.left(), area.right() - geo.width() - 8))
    y = min(
        max(geo.y(), area.top()),
        max(area.top(), area.bottom() + 1 - geo.height() - MARGIN.height() + 8),
    )
    if (x, y) != (geo.x(), geo.y()):
        widget.move(x, y)


def scrolling(page: QWidget) -> QScrollArea:
    """A page that scrolls when the screen is too low for it, instead of making its window
    taller than the screen (a tab's page, a settings panel)."""
    area = QScrollArea()
    area.setWidget(page)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class ScreenFitter(QObject):
    """Application-wide: a window about to show is clamped to its screen."""

    def eventFilter(self, obj, event) -> bool:
        if (
            event.type() == QEvent.Type.Show
            and isinstance(obj, QWidget)
            and obj.isWindow()
            and not obj.isMaximized()
            and not obj.isFullScreen()
            and obj.windowType() not in _POPUPS
        ):
            clamp_to_screen(obj)
        return False


def _popup_types():
    from PySide6.QtCore import Qt

    return {Qt.WindowType.Popup, Qt.WindowType.ToolTip, Qt.WindowType.SplashScreen}


_POPUPS = _popup_types()


def install_screen_fitter(app: QApplication) -> ScreenFitter:
    """Once per application; later calls return the same filter."""
    fitter = getattr(app, "_zongzhi_screen_fitter", None)
    if fitter is None:
        fitter = ScreenFitter(app)
        app.installEventFilter(fitter)
        app._zongzhi_screen_fitter = fitter
    return fitter


def uninstall_screen_fitter(app: QApplication) -> None:
    """Tests: the application as it was before ``install_screen_fitter``."""
    installed = getattr(app, "_zongzhi_screen_fitter", None)
    if installed is not None:
        app.removeEventFilter(installed)
        app._zongzhi_screen_fitter = None
