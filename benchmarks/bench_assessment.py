"""考核评价 speed: a quarter's scores for every stationed unit, village and grid, computed afresh
(what opening an open period, closing it or correcting it costs). Prints each figure beside
its target; asserts nothing.

    python benchmarks/bench_assessment.py [--matters 100000] [--db PATH] [--runs 5]

Target (issue 20, at 100,000 matters): under 2 s. The database is ``zongzhi demo``'s, built
once and cached under ``.bench/``; the quarter is the demo's closed one (the last complete
quarter, about a quarter of the demo's year of matters), computed as an open period would be.
``--matters 0``: the demo center, its accounts and its 考核方案 only — no matters, none of the
showcase — so the suite checks in about a second that the benchmark still runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_S = 2.0


def database_for(matters: int, path: Path | None) -> Path:
    """The shared demo database with ``matters`` matters (built once under .bench/); with
    none, the demo center and its 考核方案 alone (the showcase takes seconds to build)."""
    from benchmarks._cache import cached_path, demo_database

    if matters:
        return demo_database(matters, path)
    from app.core import clock
    from app.db import open_database
    from app.demo.assessment import add_assessment
    from app.demo.center import _ensure_center_and_accounts

    path = path or cached_path(0)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = open_database(path)
    try:
        with db.write() as s:
            _ensure_center_and_accounts(s)
        with db.write() as s:
            add_assessment(s, clock.today())  # the closed quarter the figure is taken on
    finally:
        db.dispose()
    return path


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--matters", type=int, default=100_000)
    p.add_argument("--db", type=Path)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()

    from sqlalchemy import func, select

    from app.db import open_database
    from app.models import AssessmentPeriod, Matter, User
    from app.services.command import assessment
    from app.services.security.auth import actor_for

    db_path = database_for(args.matters, args.db)
    db = open_database(db_path)
    with db.read() as s:
        have = s.scalar(select(func.count()).select_from(Matter)) or 0
        actor = actor_for(s.scalar(select(User).where(User.username == "demo-director")))
        period = s.scalar(
            select(AssessmentPeriod).where(AssessmentPeriod.kind == "quarter")
            .order_by(AssessmentPeriod.closed.desc(), AssessmentPeriod.starts_on)
        )  # fmt: skip
        period_id, label = period.id, period.label
        in_quarter = s.scalar(
            select(func.count())
            .select_from(Matter)
            .where(Matter.received_at >= period.starts_on, Matter.received_at <= period.ends_on)
        )
    print(f"database: {db_path} ({have} matters; {label}: {in_quarter} received)")

    times: list[float] = []
    targets = 0
    for _ in range(args.runs + 1):  # the first run warms the caches and is not counted
        with db.read() as s:
            t = time.perf_counter()
            targets = 0
            for kind in assessment.TARGET_KINDS:
                targets += len(assessment.compute_scores(s, actor, period_id, kind))
            times.append(time.perf_counter() - t)
    counted = times[1:] or times
    med = statistics.median(counted)
    verdict = "OK" if med < TARGET_S else "OVER"
    print(
        f"quarter scores ({targets} units, villages and grids, {have} matters): median "
        f"{med * 1000:.0f} ms (min {min(counted) * 1000:.0f}, max {max(counted) * 1000:.0f})"
        f" — target < {TARGET_S * 1000:.0f} ms: {verdict}"
    )
    db.dispose()


if __name__ == "__main__":
    main()
