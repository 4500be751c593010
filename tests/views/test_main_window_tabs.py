"""The main window builds its first tab at once and the others when first shown: opening a tab
later must look the same as before — no window flashing up, the window keeping the focus."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from app.gui import build_main_window
from tests.conftest import actor


class _TopLevelShows(QObject):
    def __init__(self, window):
        super().__init__()
        self.window, self.shown = window, []

    def eventFilter(self, obj, event) -> bool:
        shown = event.type() == QEvent.Type.Show and isinstance(obj, QWidget)
        if shown and obj.isWindow() and obj is not self.window:
            self.shown.append(f"{type(obj).__name__} {obj.windowTitle()!r}")
        return False


@pytest.mark.parametrize("username", ["jiedai", "tiaojie", "zixun", "zhuren", "admin"])
def test_tabs_are_built_when_first_shown_without_flashing_windows(qtbot, db, username):
    w = build_main_window(db, actor(db, username))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)
    first = w.tabs.widget(0)
    waiting = [w.tabs.widget(i) for i in range(1, w.tabs.count())]
    assert all(type(t) is QWidget for t in waiting), "only the first tab is built at once"
    watch = _TopLevelShows(w)
    QApplication.instance().installEventFilter(watch)
    try:
        titles = [w.tabs.tabText(i) for i in range(w.tabs.count())]
        for i in range(1, w.tabs.count()):
            w.tabs.setCurrentIndex(i)
            tab = w.tabs.currentWidget()
            assert type(tab) is not QWidget and tab.isVisible(), titles[i]
            qtbot.wait(20)
            assert QApplication.activeWindow() is w, f"opening {titles[i]} took the focus away"
    finally:
        QApplication.instance().removeEventFilter(watch)
    assert watch.shown == []
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())] == titles
    assert w.tabs.widget(0) is first


def test_a_tab_asked_for_by_name_is_built_in_its_place(qtbot, db):
    w = build_main_window(db, actor(db, "zhuren"))
    qtbot.addWidget(w)
    w.show()
    index = next(i for i in range(w.tabs.count()) if w.tabs.tabText(i) == "会议纪要")
    assert w.built_tab("meetings_tab") is None
    tab = w.meetings_tab
    assert w.tabs.widget(index) is tab and w.built_tab("meetings_tab") is tab
    assert w.tabs.currentIndex() == 0, "building it does not switch to it"
    receptionist = build_main_window(db, actor(db, "jiedai"))
    qtbot.addWidget(receptionist)
    assert receptionist.mediation_tab is None  # no such room for the role


class _Restyles(QObject):
    def __init__(self):
        super().__init__()
        self.styled: list[QObject] = []

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.StyleChange:
            self.styled.append(obj)
        return False

    def count_in(self, window: QWidget) -> int:
        """Only the window's own widgets: a test run's leftover windows are no concern here."""
        return sum(
            1
            for obj in self.styled
            if isinstance(obj, QWidget)
            and shiboken6.isValid(obj)
            and (obj is window or window.isAncestorOf(obj))
        )


def test_the_first_tab_is_built_in_place_and_styled_once(qtbot, db):
    """Issue 17: a widget moved into the window is styled again with all it holds; the
    reception tab built apart and then moved in was restyled seven times over at log-in."""
    app = QApplication.instance()
    sheet = app.styleSheet()  # an earlier test's theme would multiply every count
    app.setStyleSheet("")
    watch = _Restyles()
    app.installEventFilter(watch)
    try:
        w = build_main_window(db, actor(db, "jiedai"))
    finally:
        app.removeEventFilter(watch)
        app.setStyleSheet(sheet)
    qtbot.addWidget(w)
    widgets = len(w.findChildren(QWidget))
    assert watch.count_in(w) <= widgets  # 464 for 247 before (and 3,550 under the theme)
    assert w.reception is w.tabs.widget(0)
