"""The program's cache folder: things worked out once and kept between runs (the theme's icons,
the parsed facts of each font). Anything in it can be deleted; it is rebuilt when missing."""

from __future__ import annotations

import os
from pathlib import Path


def cache_folder() -> Path:
    """The program's own cache folder (ZONGZHI_CACHE_DIR overrides it, for tests)."""
    if folder := os.environ.get("ZONGZHI_CACHE_DIR"):
        return Path(folder)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("zongzhi", appauthor=False))
