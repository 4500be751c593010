"""打开附件: a stored file is shown through a copy with its own name, never itself.

A stored attachment is named by its hash (no extension: Windows could not choose a viewer) and
a viewer that saves would change it (the next open would say 已被改动). The copy goes in the
program's own private folder (``app.core.opened_copies``; each running program has its own),
emptied at log-out and exit; a start deletes only the folders of programs no longer running.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from app.core.errors import ServiceError
from app.core.opened_copies import write_opened_copy

from ..worker import run_in_background


def show_file(path: Path) -> None:
    """Open ``path`` with the program the system uses for that kind of file."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def open_copy(
    name: str,
    content: bytes | Path,
    fail: Callable[[BaseException], None],
    show: Callable[[Path], None] = show_file,
) -> None:
    """Write ``content`` (its bytes, or a checked stored file) as a copy named ``name`` off the
    GUI thread (an attachment may be 50 MB), then ``show`` it; a copy that cannot be written is
    reported through ``fail`` in plain words."""

    def write() -> Path:
        data = content.read_bytes() if isinstance(content, Path) else content
        return write_opened_copy(name, data)

    def failed(exc: BaseException) -> None:
        if isinstance(exc, OSError):
            exc = ServiceError(f"附件无法打开：{exc.strerror or exc}")
        fail(exc)

    run_in_background(write, show, failed)
