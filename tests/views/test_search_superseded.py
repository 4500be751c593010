"""A search typed letter by letter answers only its last letters: the worker skips queued
searches a newer one replaced and drops the answers of those already running."""

from __future__ import annotations

import threading

import pytest

from app.core.ops import read_op
from app.gui import build_main_window
from app.services.reception import intake
from app.services.reception.intake import VisitorInput
from app.views.worker import DbWorker
from tests.services.test_intake import make_input


def _gate(worker: DbWorker) -> threading.Event:
    """Hold the worker's one thread until the event is set."""
    gate = threading.Event()
    worker.submit(lambda _s: gate.wait(10))
    return gate


def test_a_running_search_a_newer_one_replaced_is_not_shown(qtbot, db):
    worker = DbWorker(db)
    started, gate, shown = threading.Event(), threading.Event(), []

    def slow(_s):
        started.set()
        gate.wait(10)
        return "old"

    worker.submit(slow, shown.append, supersede="search")
    assert started.wait(10)
    worker.submit(lambda _s: "new", shown.append, supersede="search")
    gate.set()
    qtbot.waitUntil(lambda: shown == ["new"], timeout=5000)
    assert worker.wait()
    assert shown == ["new"]


@pytest.fixture
def window(qtbot, db, receptionist):
    with db.write() as s:
        for name in ("张三", "李四", "林立"):
            data = make_input(db, visitors=[VisitorInput(name=name)])
            intake.register_matter(s, receptionist, data)
    w = build_main_window(db, receptionist)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.ctx.worker.wait()


def test_typing_on_skips_the_searches_for_the_first_letters(qtbot, window, monkeypatch):
    tab = window.reception
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=5000)
    searched = []
    page = intake.matter_page

    @read_op
    def spy(session, actor, f, **kw):
        searched.append(f.query)
        return page(session, actor, f, **kw)

    monkeypatch.setattr(intake, "matter_page", spy)
    gate = _gate(tab.ctx.worker)  # a slow search is still running
    for letter in "lzs":
        if letter == "z":
            tab.search.clear()
        qtbot.keyClicks(tab.search, letter)
        tab.reload()  # the debounce fired after each letter: each is queued
    gate.set()
    qtbot.waitUntil(lambda: tab.count_label.text() == "共 1 件", timeout=5000)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    assert tab.model.row_at(0).persons == "张三"
    assert tab.ctx.worker.wait()
    assert searched[-1] == "zs" and "l" not in searched and "z" not in searched
