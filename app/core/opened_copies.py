"""Copies of attachments handed to the system's viewer (打开附件).

A viewer needs a file with the attachment's own name, so 打开附件 writes a copy. The copies
hold personal data: they go in one private folder of the program's own (in its cache folder),
each in a sub-folder of its own (two attachments may share a name), and whatever is in that
folder is deleted when the program exits and again at the next start. A copy a viewer still
holds open cannot be deleted on Windows: it stays, quietly, until the next try.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from app.core.cache import cache_folder
from app.core.private_files import private_folder


def opened_copies_folder() -> Path:
    """The one folder 打开附件's copies are written to."""
    return cache_folder() / "opened"


def write_opened_copy(name: str, data: bytes) -> Path:
    """``data`` written under ``name`` (its last part only) in a new private sub-folder of
    ``opened_copies_folder()``, readable by this user alone; its path."""
    root = opened_copies_folder()
    private_folder(root)
    folder = Path(tempfile.mkdtemp(dir=root))  # mode 0700, a name of its own
    base = Path(name).name
    path = folder / (base if base not in ("", ".", "..") else "附件")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def clear_opened_copies() -> None:
    """Delete what is in ``opened_copies_folder()``. What cannot be deleted now (a file still
    open in a viewer on Windows, a folder gone meanwhile) is left for the next time."""
    root = opened_copies_folder()
    try:
        entries = list(root.iterdir())
    except OSError:  # not there yet, or not readable: nothing of ours to delete
        return
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()
