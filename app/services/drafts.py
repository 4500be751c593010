"""Drafts of long forms, kept on disk so a killed program loses no typing.

One small JSON file per user and form, replaced atomically (write, fsync, rename): after a
power cut the file holds either the previous draft or the new one, never half of one.
Files are readable by their owner only; they hold what was typed, personal data included,
and are deleted as soon as the form is saved or cleared.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from app.core import clock
from app.core.private_files import private_folder


class DraftStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, user: str, form: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{user}-{form}")
        return self.folder / f"{safe}.json"

    def save(self, user: str, form: str, data: dict[str, Any]) -> None:
        private_folder(self.folder)
        path = self._path(user, form)
        tmp = path.with_suffix(".tmp")
        payload = {"saved_at": clock.now().isoformat(timespec="seconds"), "data": data}
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(payload, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def load(self, user: str, form: str) -> tuple[datetime, dict[str, Any]] | None:
        path = self._path(user, form)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            return datetime.fromisoformat(payload["saved_at"]), payload["data"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def clear(self, user: str, form: str) -> None:
        self._path(user, form).unlink(missing_ok=True)


def drafts_folder(db_path: Path | None) -> Path:
    """Beside a SQLite file; in the user data folder for a server database."""
    if db_path is not None:
        return Path(db_path).parent / "drafts"
    from platformdirs import user_data_dir

    return Path(user_data_dir("zongzhi", appauthor=False)) / "drafts"
