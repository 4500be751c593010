"""Reception-window speed with 100,000 matters. Prints each figure; asserts nothing.

    python benchmarks/bench_reception.py [--matters 100000] [--db PATH]

Targets (issue 2): window usable within 2 s of start; list loads lazily; search median
under 100 ms; receipt PDF under 50 ms inside the running app.
"""

from __future__ import annotations

import argparse
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

QUERIES = [
    "张",
    "王芳",
    "zhang",
    "zs",
    "lw",
    "5678",
    "1234",
    "BS2026-A-0001",
    "噪音",
    "养老保险",
    "邻里纠纷",
    "13812",
    "330382",
    "漏水",
    "wangfang",
    "陈",
    "抚养费",
    "物业",
    "chen",
    "0001",
]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def child_startup(db: str, started: float) -> None:
    """Runs in a fresh interpreter: import, open, build the window, first page shown."""
    from sqlalchemy import select

    from app.db import open_database
    from app.gui import build_main_window, make_app
    from app.models import User
    from app.services.auth import actor_for

    app = make_app([sys.argv[0]])
    database = open_database(db)
    with database.read() as s:
        actor = actor_for(s.scalar(select(User).where(User.username == "demo-reception")))
    window = build_main_window(database, actor)
    window.show()
    tab = window.reception
    while tab.model.rowCount() == 0:
        app.processEvents()
        time.sleep(0.001)
    usable = time.time() - started
    print(f"{usable:.3f} {tab.model.rowCount()} {tab.model.total}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--matters", type=int, default=100_000)
    p.add_argument("--db", type=Path)
    p.add_argument("--child-startup", nargs=2, metavar=("DB", "T0"))
    args = p.parse_args()
    if args.child_startup:
        child_startup(args.child_startup[0], float(args.child_startup[1]))
        return

    from app.db import open_database
    from app.services import intake, receipts
    from app.services.auth import actor_for
    from app.services.calendar import WorkCalendar
    from app.services.demo import generate_demo
    from app.services.intake import MatterFilter

    db_path = args.db or Path(tempfile.gettempdir()) / f"zongzhi-bench-{args.matters}.sqlite3"
    db = open_database(db_path)
    with db.read() as s:
        from sqlalchemy import func, select

        from app.models import Matter, User

        have = s.scalar(select(func.count()).select_from(Matter)) or 0
    if have < args.matters:
        t = time.perf_counter()
        generate_demo(db, args.matters - have)
        print(
            f"demo data: {args.matters - have} matters generated in {time.perf_counter() - t:.1f} s"
        )
    print(f"database: {db_path} ({db_path.stat().st_size / 1e6:.0f} MB, {args.matters} matters)")

    # 1. Start-up to a usable window with the first page of the list, in a fresh process.
    runs = []
    for _ in range(3):
        t0 = time.time()
        out = subprocess.run(
            [sys.executable, __file__, "--child-startup", str(db_path), str(t0)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        runs.append(float(out[0]))
        loaded, total = int(out[1]), int(out[2])
    print(
        f"start-up to usable window: median {statistics.median(runs):.2f} s "
        f"(runs: {', '.join(f'{r:.2f}' for r in runs)}); target < 2 s"
    )
    print(f"list is lazy: {loaded} rows loaded of {total} matching at start")

    with db.read() as s:
        actor = actor_for(s.scalar(select(User).where(User.username == "demo-reception")))
        cal = WorkCalendar.load(s)
        # 2. The list: ids of every open-or-today matter, then one page of rows.
        t = time.perf_counter()
        ids = intake.list_matter_ids(s, actor, MatterFilter(open_or_today=True))
        t_ids = time.perf_counter() - t
        all_ids = intake.list_matter_ids(s, actor, MatterFilter())
        t = time.perf_counter()
        intake.list_matter_ids(s, actor, MatterFilter())
        t_all = time.perf_counter() - t
        page_times = []
        for start in range(0, 200 * 10, 200):
            t = time.perf_counter()
            intake.matter_rows(s, actor, all_ids[start : start + 200], calendar=cal)
            page_times.append(time.perf_counter() - t)
        print(
            f"list ids (open or today, {len(ids)}): {ms(t_ids)}; "
            f"all {len(all_ids)} ids: {ms(t_all)}"
        )
        print(f"one page of 200 rows: median {ms(statistics.median(page_times))}")

        # 3. Search.
        times = []
        for q in QUERIES * 3:
            t = time.perf_counter()
            intake.search(s, actor, q, limit=50)
            times.append(time.perf_counter() - t)
        times.sort()
        print(
            f"search ({len(times)} queries): median {ms(statistics.median(times))}, "
            f"p90 {ms(times[int(len(times) * 0.9)])}, max {ms(times[-1])}; target median < 100 ms"
        )

    # 4. Receipt PDF inside the running app (fonts already registered).
    with db.write() as s:
        mid = all_ids[0]
        receipts.receipt_pdf(s, actor, mid)  # warm-up: font registration
        from app.reports.receipt import render_receipt

        data = receipts.receipt_data(s, actor, mid)
        s.rollback()
    render = []
    for _ in range(30):
        t = time.perf_counter()
        render_receipt(data)
        render.append(time.perf_counter() - t)
    with db.write() as s:
        t = time.perf_counter()
        for _ in range(10):
            receipts.receipt_pdf(s, actor, mid)
        whole = (time.perf_counter() - t) / 10
    print(
        f"receipt PDF render: median {ms(statistics.median(render))}; "
        f"with data and audit row: {ms(whole)}; target < 50 ms"
    )


if __name__ == "__main__":
    main()
