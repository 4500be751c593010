"""Database work for the GUI, run off the GUI thread on one worker (SQLite has one writer).

``DbWorker.submit(op(service.fn, *args), on_done, on_error)`` runs a marked service function
(``app.core.ops``) in the transaction its mark asks for — read-only for a read, a write
transaction for a write — on the worker thread, and hands the value back to the GUI thread by
signal. After a write, the worker's bus announces the kinds of data it changed, so every view
showing them refreshes. A plain ``fn(session)`` runs as a read. Widgets are never touched
inside the job.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from app.core.errors import EnvironmentProblem, RightsChanged, ServiceError
from app.core.ops import Op, OpResult
from app.db import Database

from .bus import DataBus

log = logging.getLogger(__name__)


class Relay(QObject):
    """Lives in the GUI thread; the runnable emits, Qt queues the call to the GUI thread."""

    done = Signal(object)
    failed = Signal(object)


# What a superseded job hands back instead of running (``DbWorker.submit(supersede=…)``).
_SKIPPED = object()


class _Job(QRunnable):
    def __init__(
        self,
        db: Database,
        job: Op | Callable,
        relay: Relay,
        wanted: Callable[[], bool] | None = None,
    ):
        super().__init__()
        self.db, self.job, self.relay, self.wanted = db, job, relay, wanted
        self.setAutoDelete(True)

    @Slot()
    def run(self) -> None:
        if self.wanted is not None and not self.wanted():
            self._emit(self.relay.done, _SKIPPED)  # a newer one was asked for: not run
            return
        try:
            result = self.db.run(self.job)
        except (ServiceError, EnvironmentProblem) as exc:
            self._emit(self.relay.failed, exc)
        except Exception as exc:  # a bug: keep the GUI alive, say so, log the trace
            log.error("数据库操作出错:\n%s", traceback.format_exc())
            self._emit(self.relay.failed, exc)
        else:
            self._emit(self.relay.done, result)

    @staticmethod
    def _emit(signal, value) -> None:
        with contextlib.suppress(RuntimeError):  # the asker was closed meanwhile
            signal.emit(value)


class DbWorker(QObject):
    """Signals: ``busy_changed(bool)`` while jobs are pending.

    ``bus`` announces what each finished write changed (``DataBus.changed``)."""

    busy_changed = Signal(bool)
    # The signed-in user was disabled or given another role (``RightsChanged``): the message.
    # The main window locks on it, whichever operation found out.
    rights_changed = Signal(str)

    def __init__(self, db: Database, parent: QObject | None = None):
        super().__init__(parent)
        self.db = db
        self.bus = DataBus(self)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._pending = 0
        self._relays: set[Relay] = set()
        self._latest: dict[object, int] = {}  # supersede key → the newest job's number
        self._serial = 0

    def submit(
        self,
        job: Op | Callable[[Any], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        origin: object = None,
        supersede: object = None,
    ) -> None:
        """Run ``job`` on the worker: ``op(service.fn, *args)`` in the transaction its mark
        asks for, or a plain ``fn(session)`` read-only. ``on_done(value)`` and
        ``on_error(exc)`` run on the GUI thread; after a write the bus announces its changes
        (``origin``, the widget that asked, goes with them).

        ``supersede`` (a read's key, e.g. ``(widget, "list")``): a later job with the same key
        replaces this one — not run if still queued, its answer dropped if already running —
        so a search typed letter by letter answers only the last letters."""
        relay = Relay()
        self._relays.add(relay)  # kept alive until its answer arrives
        wanted = None
        if supersede is not None:
            self._serial += 1
            serial = self._serial
            self._latest[supersede] = serial

            def wanted() -> bool:
                return self._latest.get(supersede) == serial

        def finish(callback, value):
            self._relays.discard(relay)
            if not shiboken6.isValid(self):
                return  # the window that asked was closed meanwhile: nobody is waiting
            self._pending -= 1
            if self._pending == 0:
                self.busy_changed.emit(False)
            if wanted is not None and not wanted() or value is _SKIPPED:
                return  # superseded: a newer answer is on its way
            if wanted is not None:
                del self._latest[supersede]
            if isinstance(value, OpResult):
                # Views refresh first, so the asker's callback sees the new state around it.
                self.bus.announce(value.changes, origin)
                value = value.value
            elif isinstance(value, RightsChanged):
                self.rights_changed.emit(value.message)
            if callback is not None:
                callback(value)

        relay.done.connect(lambda r: finish(on_done, r))
        relay.failed.connect(lambda e: finish(on_error or self._default_error, e))
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        self.pool.start(_Job(self.db, job, relay, wanted))

    def idle(self) -> bool:
        """No job queued or running: every answer asked for has arrived."""
        return self._pending == 0

    def call_now(self, job: Op | Callable[[Any], Any]) -> Any:
        """Run on the calling thread: only for start-up, before any window is shown."""
        return self.db.run(job).value

    def wait(self, msecs: int = 10_000) -> bool:
        return self.pool.waitForDone(msecs)

    @staticmethod
    def _default_error(exc: BaseException) -> None:
        log.error("未处理的错误：%s", exc)


class Task(QRunnable):
    """``fn()`` on a pool's thread, its result or refusal handed to ``relay``'s signals."""

    def __init__(self, fn: Callable[[], Any], relay: Relay):
        super().__init__()
        self.fn, self.relay = fn, relay
        self.setAutoDelete(True)

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn()
        except (ServiceError, EnvironmentProblem) as exc:
            _Job._emit(self.relay.failed, exc)
        except Exception as exc:
            log.error("后台操作出错:\n%s", traceback.format_exc())
            _Job._emit(self.relay.failed, exc)
        else:
            _Job._emit(self.relay.done, result)


_task_relays: set[Relay] = set()


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """Run ``fn()`` (no database session: e.g. trying another server) off the GUI thread."""
    relay = Relay()
    _task_relays.add(relay)

    def finish(callback, value) -> None:
        _task_relays.discard(relay)
        callback(value)

    relay.done.connect(lambda r: finish(on_done, r))
    relay.failed.connect(lambda e: finish(on_error, e))
    QThreadPool.globalInstance().start(Task(fn, relay))
