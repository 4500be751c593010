"""Copies of attachments handed to the system's viewer (打开附件).

A viewer needs a file with the attachment's own name, so 打开附件 writes a copy. The copies
hold personal data: they go in a private folder of the program's own (in its cache folder),
each in a sub-folder of its own (two attachments may share a name).

Two windows of the program may run on one terminal (there is no single-instance guard), so
each running program has a folder of its own under ``opened_copies_root()``, named
``<pid>-<token>``, and next to it a lock file ``<pid>-<token>.lock`` that it holds locked for
as long as it runs (taken before the folder is made, let go after the folder is gone). The
system lets go of a lock when its process ends, however it ends, so a lock that can be taken
means the program that wrote the folder is gone — also when its pid now belongs to another
program, which a check of the pid alone would take for it. Where locks do not work (some
network drives) a start falls back to asking whether the pid still runs (POSIX only: on
Windows ``os.kill`` would end the process, so there a folder it cannot tell about is kept).

- log-out: this program's own copies are deleted (``clear_opened_copies``);
- exit: its folder and lock file too (``release_opened_copies``);
- start: the folders of programs that are gone, and whatever earlier versions left directly in
  the root (``clear_left_opened_copies``). Another running program's folder is never touched.

A copy a viewer still holds open cannot be deleted on Windows: it stays, quietly, until the
next try.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path

from app.core.cache import cache_folder
from app.core.private_files import private_folder

_TOKEN = secrets.token_hex(4)  # this run's, with the pid: a reused pid gets another name
_INSTANCE = re.compile(r"(\d+)-[0-9a-f]+")  # a running program's folder (the lock: + ".lock")
_LOCK = ".lock"

_guard = threading.Lock()  # copies are written off the GUI thread, two may start at once
_held: tuple[Path, int] | None = None  # this program's lock file and its open descriptor


def opened_copies_root() -> Path:
    """The folder under which every running program keeps its own folder of copies."""
    return cache_folder() / "opened"


def opened_copies_folder() -> Path:
    """This program's own folder of 打开附件's copies (made by the first copy)."""
    return opened_copies_root() / f"{os.getpid()}-{_TOKEN}"


def write_opened_copy(name: str, data: bytes) -> Path:
    """``data`` written under ``name`` (its last part only) in a new private sub-folder of
    ``opened_copies_folder()``, readable by this user alone; its path."""
    folder = Path(tempfile.mkdtemp(dir=_own_folder()))  # mode 0700, a name of its own
    base = Path(name).name
    path = folder / (base if base not in ("", ".", "..") else "附件")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def clear_opened_copies() -> None:
    """Delete this program's own copies (at log-out): what is in ``opened_copies_folder()``.
    What cannot be deleted now (a file still open in a viewer on Windows, a folder gone
    meanwhile) is left for the next time. Other running programs' copies are not touched."""
    _empty(opened_copies_folder())


def release_opened_copies() -> None:
    """At exit: this program's copies deleted, then its folder, then its lock let go."""
    global _held
    with _guard:
        folder = opened_copies_folder()
        _empty(folder)
        with contextlib.suppress(OSError):
            folder.rmdir()  # not empty: a viewer holds a copy; the next start deletes it
        if _held is not None:
            _let_go(*_held)
            _held = None


def clear_left_opened_copies() -> None:
    """At start: the folders of programs that are no longer running (their lock can be
    taken), and whatever earlier versions left directly in ``opened_copies_root()``. The
    folders of programs still running — another window on this terminal — stay."""
    root = opened_copies_root()
    try:
        entries = list(root.iterdir())
    except OSError:  # not there yet, or not readable: nothing of ours to delete
        return
    own = opened_copies_folder().name
    instances = set()
    for entry in entries:
        name = entry.name.removesuffix(_LOCK)
        if _INSTANCE.fullmatch(name):
            instances.add(name)
        else:  # an earlier version's copies (its tmp… folders), or a stray file
            _remove(entry)
    for name in sorted(instances - {own}):
        _clear_if_gone(root / name)


def _own_folder() -> Path:
    """``opened_copies_folder()``, made private, with this program's lock held first."""
    global _held
    with _guard:
        folder = opened_copies_folder()
        lock = _lock_file(folder)
        if _held is None or _held[0] != lock:
            if _held is not None:  # the cache folder moved (tests): the old lock let go
                _let_go(*_held)
            private_folder(folder.parent)
            _held = (lock, _take_own_lock(lock))
        private_folder(folder)
        return folder


def _take_own_lock(lock: Path) -> int:
    """An open descriptor of ``lock`` holding its lock. Another program's start may open it
    between its creation and the lock and, taking it for a left lock, delete it: then a
    new one is made (on Windows an open file cannot be deleted)."""
    for _ in range(20):
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        taken = _try_lock(fd)
        if taken is None:  # locks do not work here: starts fall back to the pid
            return fd
        if taken and _same_file(lock, fd):
            return fd
        os.close(fd)
        time.sleep(0.01)
    return os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)  # unlocked: the pid stands for it


def _clear_if_gone(folder: Path) -> None:
    """``folder`` and its lock file deleted if the program that made them is gone."""
    lock = _lock_file(folder)
    try:
        fd: int | None = os.open(lock, os.O_RDWR)
    except FileNotFoundError:  # the lock goes after the folder: its program has finished
        fd = None
    except OSError:  # cannot tell: kept
        return
    try:
        if fd is not None:
            taken = _try_lock(fd)
            if taken is False:  # held: that program is running
                return
            if taken is None and _pid_running(int(folder.name.split("-")[0])):
                return
        _remove(folder)
        if fd is not None and os.name != "nt":  # deleted while still held: nobody else's
            with contextlib.suppress(OSError):
                lock.unlink()
    finally:
        if fd is not None:
            os.close(fd)
    if fd is not None and os.name == "nt":  # Windows deletes no open file
        with contextlib.suppress(OSError):
            lock.unlink()


def _lock_file(folder: Path) -> Path:
    return folder.with_name(folder.name + _LOCK)


def _try_lock(fd: int) -> bool | None:
    """True: locked through ``fd`` now; False: another holds the lock; None: this file
    system has no locks. The system lets go of the lock when the descriptor is closed or
    the process ends. (Descriptors are not inherited: a viewer started later holds none.)"""
    if os.name == "nt":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return None
    return True


def _same_file(path: Path, fd: int) -> bool:
    try:
        return os.path.samestat(os.stat(path), os.fstat(fd))
    except OSError:
        return False


def _pid_running(pid: int) -> bool:
    """Whether a process ``pid`` runs (any program: only a fallback where locks fail)."""
    if os.name == "nt":  # os.kill would end it; kept rather than guessed
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's process
        return True
    return True


def _let_go(lock: Path, fd: int) -> None:
    """This program's lock file deleted and its lock let go."""
    if os.name != "nt":
        with contextlib.suppress(OSError):
            lock.unlink()
    os.close(fd)
    if os.name == "nt":
        with contextlib.suppress(OSError):
            lock.unlink()


def _empty(folder: Path) -> None:
    try:
        entries = list(folder.iterdir())
    except OSError:  # not there yet, or not readable: nothing of ours to delete
        return
    for entry in entries:
        _remove(entry)


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            entry.unlink()
