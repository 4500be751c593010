"""Entry point of the bundled program (PyInstaller runs this file)."""

import os
import sys
from pathlib import Path

from app.cli import main


def keep_matplotlib_cache() -> None:
    """PyInstaller's run-time hook gives matplotlib a new temporary folder on every start, so
    the command room would rebuild matplotlib's font list each time; keep it in the user's
    cache folder instead (matplotlib rebuilds it itself when the bundle moves)."""
    from platformdirs import user_cache_dir

    folder = Path(user_cache_dir("zongzhi", appauthor=False)) / "matplotlib"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # the temporary folder still works, only slower
    os.environ["MPLCONFIGDIR"] = str(folder)


if __name__ == "__main__":
    keep_matplotlib_cache()
    sys.exit(main())
