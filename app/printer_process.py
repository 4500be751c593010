"""打印进程: a command-line print renders its PDF in a second process (issue 17).

``zongzhi print receipt`` is a whole process each time. Reading the matter (SQLAlchemy, the
models, the log-in) and rendering it (ReportLab, the faces) need different libraries, and each
takes a good part of the process to load. On Linux the process forks as the command starts,
before any database is open or thread started: the second process loads ReportLab and the
document's faces while the first loads the database side and signs the user in. The first then
sends the document's contents (a ``Printable``, pickled: plain data and the report's name) and
gets the PDF back; the print is recorded only once it has. Neither process reads the other's
data: the second holds no database connection and reads nothing but the contents it is sent.

Where there is no ``fork`` (Windows) — or the second process is gone — the first renders
itself, as the program does.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable

from app.reports.contents import Printable

_LENGTH = struct.Struct("!Q")
# How long the first process waits for a PDF before it makes it itself (a receipt takes the
# second some 30 ms; a hung one must not hold the database's write lock for long).
WAIT_SECONDS = 30.0


def _send_bytes(fd: int, data: bytes) -> None:
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _receive_bytes(fd: int, deadline: float | None = None) -> bytes | None:
    """The next message, or None where the other side closed its end (or died) or nothing
    came by ``deadline`` (``time.monotonic()``)."""
    head = _read_exactly(fd, _LENGTH.size, deadline)
    if head is None:
        return None
    return _read_exactly(fd, _LENGTH.unpack(head)[0], deadline)


def _read_exactly(fd: int, n: int, deadline: float | None) -> bytes | None:
    parts, left = [], n
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                return None
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


class PrinterProcess:
    """The second process: ``render_later(printable)`` has it make the PDF."""

    def __init__(self, pid: int, requests: int, replies: int, wait_seconds: float):
        self.pid, self._requests, self._replies = pid, requests, replies
        self._wait_seconds = wait_seconds
        self._answered = False

    @classmethod
    def start(
        cls, ready: Callable[[], object], wait_seconds: float = WAIT_SECONDS
    ) -> PrinterProcess | None:
        """Forks the second process, which runs ``ready`` (imports, faces) and then waits for
        one document; None where it cannot be forked here (the caller renders): not Linux, or
        a thread already running (a fork keeps only the thread that forks)."""
        if not sys.platform.startswith("linux") or threading.active_count() != 1:
            return None
        requests_r, requests_w = os.pipe()
        replies_r, replies_w = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (requests_r, requests_w, replies_r, replies_w):
                os.close(fd)
            return None
        if pid == 0:  # the second process: it never returns
            code = 1  # the first renders itself when no reply comes
            try:
                # close() ends it with SIGTERM when its document is no longer wanted: as an
                # exception, so that what it is writing (the font cache) is cleaned up.
                signal.signal(signal.SIGTERM, _stop)
                os.close(requests_w)
                os.close(replies_r)
                _serve(ready, requests_r, replies_w)
                code = 0
            except BaseException:
                pass
            finally:
                os._exit(code)
        os.close(requests_r)
        os.close(replies_w)
        return cls(pid, requests_w, replies_r, wait_seconds)

    def render_later(self, printable: Printable) -> Callable[[], bytes]:
        """Sends ``printable`` to the second process, which makes its PDF meanwhile; the
        function returned waits for it. Where it makes none (it is gone, the report failed
        there, or nothing came within ``wait_seconds``) the PDF is made here, so that a
        report's error is raised here as it would be in the program."""
        try:
            _send_bytes(self._requests, pickle.dumps(printable, pickle.HIGHEST_PROTOCOL))
        except Exception:  # gone (its end of the pipe closed), or contents it cannot take
            return printable.render

        def pdf() -> bytes:
            deadline = time.monotonic() + self._wait_seconds
            try:
                made = _receive_bytes(self._replies, deadline)
            except OSError:
                made = None
            self._answered = made is not None
            return made if made is not None else printable.render()

        return pdf

    def close(self) -> None:
        """Ends the second process — at once where its PDF is no longer wanted (a refused
        log-in, an error, a PDF that came too late) — and waits for it to exit."""
        for fd in (self._requests, self._replies):
            with contextlib.suppress(OSError):
                os.close(fd)
        if not self._answered:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _stop(_signum, _frame) -> None:
    raise SystemExit(1)


def _serve(ready: Callable[[], object], requests: int, replies: int) -> None:
    """In the second process: ``ready``, then one document rendered and sent back. On any
    error it sends nothing (the first process then renders, and reports the error itself)."""
    ready()
    message = _receive_bytes(requests)
    if message is None:  # the first ended (a refused log-in, an error): nothing to do
        return
    printable = pickle.loads(message)
    if isinstance(printable, Printable):
        _send_bytes(replies, printable.render())
