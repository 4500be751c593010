"""指挥研判 speed with 100,000 matters. Prints each figure; asserts nothing.

    python benchmarks/bench_command.py [--matters 100000] [--db PATH]

Target (issue: command room): the dashboard opens in under 1 s. Measured three ways:
the service alone (``statistics.dashboard``), the tab in a fresh process from the moment it
is chosen until figures, risks, charts and the village table are on screen, and the list
behind the largest figure (ids and its first page). Wall and CPU times are both printed:
on a busy machine the wall time includes waiting for a processor.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def child_tab(db: str) -> None:
    """Runs in a fresh interpreter: the director's window, then the command tab chosen."""
    from sqlalchemy import select

    from app.db import open_database
    from app.gui import build_main_window, make_app
    from app.models import User
    from app.services.security.auth import actor_for

    app = make_app([sys.argv[0]])
    database = open_database(db)
    with database.read() as s:
        actor = actor_for(s.scalar(select(User).where(User.username == "demo-director")))
    _, import_wall, _ = timed(lambda: __import__("app.views.command_tab"))
    window = build_main_window(database, actor)
    window.resize(1440, 900)
    window.show()
    for _ in range(5):  # let the first tab settle before the director turns to the dashboard
        app.processEvents()
    window.ctx.worker.wait(60_000)
    app.processEvents()
    tab = window.command_tab
    # Each thread's own CPU time: on a busy machine the wall time mostly measures the wait
    # for a processor, so the critical path (figures job, then the longer of the village job
    # and the GUI's drawing) estimates the wall time on an idle one.
    from app.services.command import statistics as stats

    jobs: dict[str, float] = {}

    def thread_cpu(name, fn):
        def run(*a, **k):
            t = time.thread_time()
            try:
                return fn(*a, **k)
            finally:
                jobs[name] = time.thread_time() - t

        return run

    stats.dashboard = thread_cpu("figures", stats.dashboard)
    stats.village_rows = thread_cpu("villages", stats.village_rows)
    gui_cpu = time.thread_time()
    wall, cpu = time.perf_counter(), time.process_time()
    window.tabs.setCurrentWidget(tab)
    first = None

    def charts_drawn() -> bool:
        return all(box.drawn for box in tab.charts.values())

    while tab.loading or not charts_drawn():
        app.processEvents()
        if first is None and charts_drawn():
            first = time.perf_counter() - wall  # figures, risks and charts on screen
        time.sleep(0.001)
    app.processEvents()
    shown_wall, shown_cpu = time.perf_counter() - wall, time.process_time() - cpu
    gui_cpu = time.thread_time() - gui_cpu
    print(
        json.dumps(
            {
                "import": import_wall,
                "first": first or shown_wall,
                "wall": shown_wall,
                "cpu": shown_cpu,  # the GUI thread's and the worker's CPU together
                "job_figures": jobs["figures"],
                "job_villages": jobs["villages"],
                "gui": gui_cpu,
                "critical": jobs["figures"] + max(jobs["villages"], gui_cpu),
            }
        )
    )
    window.close()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--matters", type=int, default=100_000)
    p.add_argument("--db", type=Path)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--child-tab", metavar="DB")
    args = p.parse_args()
    if args.child_tab:
        child_tab(args.child_tab)
        return

    from sqlalchemy import func, select

    from app.db import open_database
    from app.demo.center import generate_demo
    from app.models import Matter, User
    from app.services.command import statistics as stats
    from app.services.security.auth import actor_for

    db_path = args.db or Path(tempfile.gettempdir()) / f"zongzhi-bench-{args.matters}.sqlite3"
    db = open_database(db_path)
    with db.read() as s:
        have = s.scalar(select(func.count()).select_from(Matter)) or 0
    if have < args.matters:
        t = time.perf_counter()
        generate_demo(db, args.matters - have)
        print(f"demo data: {args.matters - have} matters in {time.perf_counter() - t:.1f} s")
    with db.read() as s:
        have = s.scalar(select(func.count()).select_from(Matter)) or 0
        actor = actor_for(s.scalar(select(User).where(User.username == "demo-director")))
    print(f"database: {db_path} ({db_path.stat().st_size / 1e6:.0f} MB, {have} matters)")

    # 1. The service alone: first call on a new connection, then warm calls.
    db.dispose()
    db = open_database(db_path)
    with db.read() as s:
        dash, first_wall, first_cpu = timed(lambda: stats.dashboard(s, actor))
    warm = []
    for _ in range(5):
        with db.read() as s:
            _, wall, cpu = timed(lambda: stats.dashboard(s, actor))
        warm.append((wall, cpu))
    print(
        f"statistics.dashboard: first {ms(first_wall)} (CPU {ms(first_cpu)}); "
        f"then median {ms(statistics.median(w for w, _ in warm))} "
        f"(CPU {ms(statistics.median(c for _, c in warm))})"
    )
    print("  " + ", ".join(f"{f.label} {f.text}" for f in dash.figures))
    print(
        f"  risks {len(dash.risks)}, villages {len(dash.villages)}, "
        f"units with overdue matters {len(dash.overdue_by_unit)}"
    )

    # 2. The tab in a fresh process, from choosing it to everything painted.
    runs = []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, __file__, "--child-tab", str(db_path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    walls = [r["wall"] for r in runs]
    print(
        f"command tab opened (chosen → figures, risks, charts and village table on screen): "
        f"median {ms(statistics.median(walls))} (runs: {', '.join(ms(w) for w in walls)}; "
        f"CPU of both threads median {ms(statistics.median(r['cpu'] for r in runs))}); "
        "target < 1 s"
    )
    print(
        f"  figures, risks and charts on screen (the table by village follows): median "
        f"{ms(statistics.median(r['first'] for r in runs))}"
    )

    def med(key: str) -> str:
        return ms(statistics.median(r[key] for r in runs))

    print(
        f"  CPU per thread: figures job {med('job_figures')}, village job {med('job_villages')}, "
        f"GUI thread {med('gui')}; critical path (figures, then the longer of villages and "
        f"GUI) {med('critical')}: the wall time on an otherwise idle two-core machine"
    )
    print(
        f"  loading matplotlib with the director's window (not in the figure above): "
        f"median {ms(statistics.median(r['import'] for r in runs))}"
    )

    # 3. The list behind the largest figure: its ids, then the first page of masked rows.
    biggest = max(dash.figures[:6], key=lambda f: f.value)
    with db.read() as s:
        ids, ids_wall, _ = timed(lambda: stats.matter_ids_for(s, actor, biggest.key))
        _, page_wall, _ = timed(lambda: stats.command_matter_rows(s, actor, ids[:200]))
    print(
        f"list behind “{biggest.label}” ({len(ids)} matters): ids {ms(ids_wall)}, "
        f"first page of 200 rows {ms(page_wall)}"
    )


if __name__ == "__main__":
    main()
