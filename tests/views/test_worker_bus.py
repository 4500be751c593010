"""The worker runs operations as marked and the bus refreshes the views that show the change."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QTabWidget
from sqlalchemy import func, select

from app.core.ops import Change, ReadOnlyViolation, op, read_op, write_op
from app.models import Village
from app.views.bus import Changes, DataBus
from app.views.worker import DbWorker


@write_op(Change.REFERENCE)
def _add_village(session, name: str) -> str:
    session.add(Village(name=name))
    session.flush()
    return name


@read_op
def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Village))


def _wait(qtbot, worker: DbWorker, job):
    got: dict = {}
    worker.submit(job, lambda v: got.setdefault("value", v), lambda e: got.setdefault("error", e))
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    return got


def test_a_write_is_stored_and_announced_a_read_is_not(qtbot, db):
    worker = DbWorker(db)
    before = _wait(qtbot, worker, op(_count))["value"]
    with qtbot.waitSignal(worker.bus.changed) as changed:
        got = _wait(qtbot, worker, op(_add_village, "新设村"))
    assert got == {"value": "新设村"}
    assert isinstance(changed.args[0], Changes) and changed.args[0].kinds == {Change.REFERENCE}
    with qtbot.assertNotEmitted(worker.bus.changed, wait=100):
        assert _wait(qtbot, worker, op(_count))["value"] == before + 1
    worker.wait()


def test_a_write_on_the_read_path_fails_and_stores_nothing(qtbot, db):
    worker = DbWorker(db)
    before = _wait(qtbot, worker, op(_count))["value"]

    def sneaky(session):  # an unmarked job runs read-only
        return _add_village(session, "不该存下的村")

    got = _wait(qtbot, worker, sneaky)
    assert isinstance(got.get("error"), ReadOnlyViolation)
    assert _wait(qtbot, worker, op(_count))["value"] == before
    worker.wait()


def test_a_hidden_tab_refreshes_when_it_is_next_shown(qtbot):
    bus = DataBus()
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    front, behind = QLabel("前"), QLabel("后")
    tabs.addTab(front, "前")
    tabs.addTab(behind, "后")
    tabs.show()
    qtbot.waitExposed(tabs)
    loads = {"front": 0, "behind": 0}
    bus.watch(front, [Change.MATTERS], lambda: loads.__setitem__("front", loads["front"] + 1))
    bus.watch(behind, [Change.CASES], lambda: loads.__setitem__("behind", loads["behind"] + 1))

    bus.announce([Change.MATTERS, Change.CASES])
    assert loads == {"front": 1, "behind": 0}  # the hidden tab waits
    bus.announce([Change.USERS])
    assert loads == {"front": 1, "behind": 0}  # neither shows users
    tabs.setCurrentWidget(behind)
    assert loads == {"front": 1, "behind": 1}  # shown: refreshed once
    tabs.setCurrentWidget(front)
    tabs.setCurrentWidget(behind)
    assert loads == {"front": 1, "behind": 1}  # nothing changed since


@pytest.mark.parametrize("watch_first", [True, False])
def test_a_tab_first_shown_after_a_change_loads_once(qtbot, watch_first):
    """A tab that loads when first shown needs no second load for a change it saw before."""
    from app.views.widgets.tab_helpers import load_when_shown

    bus = DataBus()
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    front, later = QLabel("前"), QLabel("后")
    tabs.addTab(front, "前")
    tabs.addTab(later, "后")
    tabs.show()
    qtbot.waitExposed(tabs)
    loads = []
    if watch_first:
        bus.watch(later, [Change.CASES], lambda: loads.append("change"))
        load_when_shown(later, lambda: loads.append("first"))
    else:
        load_when_shown(later, lambda: loads.append("first"))
        bus.watch(later, [Change.CASES], lambda: loads.append("change"))
    bus.announce([Change.CASES])
    assert loads == []
    tabs.setCurrentWidget(later)
    assert loads == ["first"]
    tabs.setCurrentWidget(front)
    bus.announce([Change.CASES])
    tabs.setCurrentWidget(later)
    assert loads == ["first", "change"]  # later changes still reload it
