"""Files that hold personal data are created readable by their owner only.

SQLite gives a database's -wal and -shm files the mode of the database file, so creating the
database (or a backup) with mode 0600 before SQLite opens it keeps all of them private. A folder
or file that already exists is left as it is: an admin may have set its permissions on purpose.
On Windows the user's data folder is already private; the modes there are no-ops.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def private_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) with mode 0700 if it does not exist yet."""
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def private_file(path: Path) -> None:
    """Create an empty ``path`` with mode 0600 if it does not exist yet (its folder too)."""
    private_folder(path.parent)
    # There already, or another terminal created it this instant: leave it.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
