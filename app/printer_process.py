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
import struct
import sys
from collections.abc import Callable

from app.reports.contents import Printable

_LENGTH = struct.Struct("!Q")


def _send(fd: int, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _receive(fd: int) -> object | None:
    """The next object, or None where the other side closed its end (or died)."""
    head = _read_exactly(fd, _LENGTH.size)
    if head is None:
        return None
    body = _read_exactly(fd, _LENGTH.unpack(head)[0])
    return None if body is None else pickle.loads(body)


def _read_exactly(fd: int, n: int) -> bytes | None:
    parts, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


class PrinterProcess:
    """The second process: ``render(printable)`` returns the PDF it made of it."""

    def __init__(self, pid: int, requests: int, replies: int):
        self.pid, self._requests, self._replies = pid, requests, replies

    @classmethod
    def start(cls, ready: Callable[[], object]) -> PrinterProcess | None:
        """Forks the second process, which runs ``ready`` (imports, faces) and then waits for
        one document; None where processes cannot be forked here (the caller renders)."""
        if not sys.platform.startswith("linux"):
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
            code = 0
            try:
                os.close(requests_w)
                os.close(replies_r)
                _serve(ready, requests_r, replies_w)
            except BaseException:  # the first renders itself when no reply comes
                code = 1
            finally:
                os._exit(code)
        os.close(requests_r)
        os.close(replies_w)
        return cls(pid, requests_w, replies_r)

    def render_later(self, printable: Printable) -> Callable[[], bytes]:
        """Sends ``printable`` to the second process, which makes its PDF meanwhile; the
        function returned waits for it. Where it made none (it is gone, or the report failed
        there) the PDF is made here, so that a report's error is raised here as it would be
        in the program."""
        try:
            _send(self._requests, printable)
        except OSError:  # gone (its end of the pipe closed)
            return lambda: printable.render()

        def pdf() -> bytes:
            try:
                made = _receive(self._replies)
            except (OSError, pickle.UnpicklingError, EOFError):
                made = None
            return made if isinstance(made, bytes) else printable.render()

        return pdf

    def close(self) -> None:
        """Ends the second process (it is waiting for a document, or has sent one) and waits
        for it to exit."""
        for fd in (self._requests, self._replies):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _serve(ready: Callable[[], object], requests: int, replies: int) -> None:
    """In the second process: ``ready``, then one document rendered and sent back. On any
    error it sends nothing (the first process then renders, and reports the error itself)."""
    ready()
    printable = _receive(requests)
    if isinstance(printable, Printable):  # None: the first ended (a refused log-in, an error)
        _send(replies, printable.render())
