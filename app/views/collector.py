"""The cycle collector on the GUI thread (``MainThreadCollector``): standard library and
QtCore only, so that the log-in window can install it before the database layer loads."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadCollector(QObject):
    """Python's cycle collector runs on the GUI thread only. Left automatic, it runs on
    whichever thread allocates when its threshold is crossed — often the database worker —
    and a Qt object it frees there (a closed dialog's widgets) crashes the program. So
    automatic collection is off and this collects, by the same thresholds, from a timer on
    the GUI thread (as Anki does)."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 1000):
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        """Collect the generations that are over their thresholds, as the interpreter would."""
        counts = gc.get_count()
        generation = -1
        for g in range(3):
            if counts[g] > self.threshold[g]:
                generation = g
            else:
                break
        if generation >= 0:
            gc.collect(generation)


def settle_loaded_code() -> None:
    """Once the program's code is loaded (the database layer, while the log-in window waits
    for the password): one full collection now, and what survives it — modules, classes,
    the mappers — kept out of every later collection (``gc.freeze``). A full collection
    otherwise rescans those hundreds of thousands of objects: 60 ms on the GUI thread,
    right after 登录 was pressed (issue 17)."""
    if gc.get_freeze_count() == 0:  # once: a later log-in's window is not kept for good
        gc.collect()
        gc.freeze()
