"""The cycle collector runs on the GUI thread only (app/views/collector.py): automatic
collection is off, and the collector frees cycles once the interpreter's threshold is passed."""

from __future__ import annotations

import gc
import weakref


class Node:
    def __init__(self):
        self.me = self  # a cycle: only the cycle collector frees it


def test_cycles_are_freed_by_the_gui_threads_collector_not_automatically(_collector):
    assert not gc.isenabled()
    first = Node()
    gone = weakref.ref(first)
    del first
    for _ in range(_collector.threshold[0] + 10):  # past generation 0's threshold
        Node()
    assert gone() is not None  # nothing collected it on its own, on whatever thread
    _collector.check()
    assert gone() is None


def test_the_loaded_code_is_settled_once_and_left_out_of_later_collections():
    """Issue 17: a full collection rescanned every module's objects, 60 ms after 登录."""
    from app.views.collector import settle_loaded_code

    try:
        settle_loaded_code()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000
        settle_loaded_code()
        assert gc.get_freeze_count() == frozen, "what a later log-in left is not frozen"
    finally:
        gc.unfreeze()
