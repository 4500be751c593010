"""One application-wide signal that says what kinds of data changed.

The database worker announces the kinds a write operation declared (``app.core.ops``) after it
committed; views never guess what another view shows. A view subscribes with
:meth:`DataBus.watch`: it reloads at once when visible, and a hidden view is marked stale and
reloads when it is next shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QWidget

from app.core.ops import Change

MATTERS = Change.MATTERS
CASES = Change.CASES
COUNSELLING = Change.COUNSELLING
MEETINGS = Change.MEETINGS
REGISTERS = Change.REGISTERS
USERS = Change.USERS
SETTINGS = Change.SETTINGS
CALENDAR = Change.CALENDAR
REFERENCE = Change.REFERENCE
DUTY = Change.DUTY
REPORTS = Change.REPORTS
ASSESSMENT = Change.ASSESSMENT


# Set on a widget whose first load waits for it to be shown (``load_when_shown``): a change
# before then needs no reload of its own.
FIRST_LOAD_PENDING = "zongzhi_first_load_pending"


@dataclass(frozen=True)
class Changes:
    """The kinds one operation changed, and the widget that started it (if it said)."""

    kinds: frozenset[Change]
    origin: object = None

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds

    def touches(self, kinds: Iterable[Change]) -> bool:
        return not self.kinds.isdisjoint(kinds)


class _RefreshWhenShown(QObject):
    """Reloads its widget on a change it watches; a hidden widget waits until shown."""

    def __init__(self, widget: QWidget, kinds: frozenset[Change], reload: Callable[[], None]):
        super().__init__(widget)
        self.widget, self.kinds, self.reload = widget, kinds, reload
        self.stale = False
        widget.installEventFilter(self)

    def on_changed(self, changes: Changes) -> None:
        if not changes.touches(self.kinds):
            return
        # A tab behind another in a shown window waits; a widget whose window is not shown
        # (being built, or in a test) reloads at once.
        if self.widget.window().isVisible() and not self.widget.isVisible():
            self.stale = True
        else:
            self.stale = False
            self.reload()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.widget and event.type() == QEvent.Type.Show and self.stale:
            self.stale = False
            if not self.widget.property(FIRST_LOAD_PENDING):
                self.reload()
        return False


def loaded_fresh(widget: QWidget) -> None:
    """``widget`` has just loaded everything: the changes its watchers saw need no reload."""
    for watcher in widget.findChildren(_RefreshWhenShown):
        if watcher.widget is widget:
            watcher.stale = False


class DataBus(QObject):
    """Signals: ``changed(Changes)`` after each write that changed something."""

    changed = Signal(object)

    def announce(self, kinds: Iterable[Change], origin: object = None) -> None:
        kinds = frozenset(kinds)
        if kinds:
            self.changed.emit(Changes(kinds, origin))

    def watch(self, widget: QWidget, kinds: Iterable[Change], reload: Callable[[], None]) -> None:
        """Call ``reload()`` when one of ``kinds`` changed: now, or when ``widget`` is next
        shown if it is hidden in a shown window (a tab behind another)."""
        watcher = _RefreshWhenShown(widget, frozenset(kinds), reload)
        self.changed.connect(watcher.on_changed)
