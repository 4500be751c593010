"""The benchmarks' demo databases, built once and shared (issue 17).

Every benchmark's default database is ``.bench/demo-<matters>.sqlite3`` (``zongzhi demo``'s
builder, its fixed showcase included: the closed quarter and 考核方案 the assessment benchmark
scores), with its audit key where the program puts it, ``.bench/keys/``. A database already
holding ``matters`` matters is reused as it is; one holding fewer gets the missing ones added.
About 4–10 minutes for 300,000 matters on the 2-core test machine (3.8 min at load 2), so
``make bench`` builds each size once. ``--db PATH`` (every benchmark keeps it) gives another
file, built the same way.
"""

from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".bench"


def cached_path(matters: int) -> Path:
    """Where the shared demo database with ``matters`` matters is kept."""
    return CACHE / f"demo-{matters}.sqlite3"


def demo_database(matters: int, path: Path | None = None) -> Path:
    """``path`` (default: the shared cache) holding at least ``matters`` demo matters."""
    from sqlalchemy import func, select

    from app.db import open_database
    from app.demo.center import generate_demo
    from app.models import Matter

    path = path or cached_path(matters)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = open_database(path)
    try:
        with db.read() as s:
            have = s.scalar(select(func.count()).select_from(Matter)) or 0
        if have < matters:
            print(f"building {path.name}: {matters - have} demo matters (once; 300k ≈ 4–10 min)")
            t = time.perf_counter()
            generate_demo(db, matters - have)
            print(f"demo data: {matters - have} matters in {time.perf_counter() - t:.1f} s")
    finally:
        db.dispose()
    print(f"database: {path} ({path.stat().st_size / 1e6:.0f} MB, ≥ {matters} matters)")
    return path
