"""指挥研判 speed, measured on the path the director runs. Prints each figure; asserts nothing.

    python benchmarks/bench_command.py [--matters 100000] [--db PATH] [--runs 5]

Targets (issue 17, at 300,000 matters): figures on screen in under 0.5 s and charts in under
1 s from the click on the tab. Measured:

1. ``statistics.dashboard`` alone as the tab asks for it (the service; it reads the tallies,
   app/models/tallies.py), and the two jobs that follow it: the table by village and the
   repeat visitors (``village_rows``, ``repeat_risks``; each reads matters).
2. The tab in a fresh process each run, wall-clock from a mouse click on the 指挥研判 tab to
   (a) the figure tiles filled on screen and (b) the three charts painted. Nothing of the tab is
   imported before the click, as in the real window (the click right after the window is up).
3. The three charts alone: built from the dashboard and painted with QPainter (``chart_view``)
   into images of the size they have on screen.

Every figure is a median with its minimum and maximum, and a ratio to a fixed reference timed
in the same run (a plain CPU loop), so runs on machines of different speed or load compare.
Databases are built once (``zongzhi demo``'s builder) and cached under ``.bench/``.
Each wait has a time limit: a run that hangs is reported, not waited for.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The processes timed start as an installed program does, from compiled bytecode: an
# environment that forbids writing it (PYTHONDONTWRITEBYTECODE, as some shells set) would make
# every start compile some seventy modules again, about 60 ms (the Makefile unexports it too).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LIMIT_S = 120  # any single wait in the child
CHILD_LIMIT_S = 300


def reference_s() -> float:
    """A fixed piece of plain CPU work (the yardstick every figure is divided by)."""
    t = time.perf_counter()
    total = 0
    for i in range(1_000_000):
        total += i * i % 7
    return time.perf_counter() - t


def spread(values: list[float], ref: float) -> str:
    med = statistics.median(values)
    return (
        f"median {med * 1000:.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f};"
        f" {med / ref:.1f}× reference)"
    )


# --- the child: one fresh window, one click -----------------------------------------------


def _wait(app, until, what: str) -> None:
    end = time.perf_counter() + LIMIT_S
    while not until():
        app.processEvents()
        if time.perf_counter() > end:
            print(json.dumps({"error": f"{what}: nothing after {LIMIT_S} s"}))
            sys.stdout.flush()
            os._exit(3)
        time.sleep(0.0005)


def child_tab(db: str) -> None:
    """Runs in a fresh interpreter: the director's window, then a click on 指挥研判."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from sqlalchemy import select

    from app.db import open_database
    from app.gui import build_main_window, make_app
    from app.models import User
    from app.services.security.auth import actor_for

    app = make_app([sys.argv[0]])
    database = open_database(db)
    with database.read() as s:
        actor = actor_for(s.scalar(select(User).where(User.username == "demo-director")))
    window = build_main_window(database, actor)
    window.resize(1440, 900)
    window.show()
    for _ in range(5):
        app.processEvents()
    _wait(app, lambda: window.ctx.worker.wait(10), "the first tab's loading")
    tab_imported = "app.views.command_tab" in sys.modules
    bar = window.tabs.tabBar()
    index = next(i for i in range(window.tabs.count()) if window.tabs.tabText(i) == "指挥研判")
    t0 = time.perf_counter()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    tab = window.built_tab("command_tab")
    if tab is None:
        print(json.dumps({"error": "the click did not open 指挥研判"}))
        os._exit(3)
    _wait(app, lambda: tab.dashboard is not None or tab.message.text(), "the figures")
    app.processEvents()  # painted
    figures = time.perf_counter() - t0
    _wait(app, lambda: all(b.drawn for b in tab.charts.values()), "the charts")
    charts = time.perf_counter() - t0
    _wait(app, lambda: not tab.loading, "the table by village and the repeat visitors")
    everything = time.perf_counter() - t0
    painter = _painter_charts(tab.dashboard)
    print(
        json.dumps(
            {
                "figures": figures,
                "charts": charts,
                "everything": everything,
                "tab_imported_before_click": tab_imported,
                "matplotlib_loaded": "matplotlib" in sys.modules,
                "painter": painter,
                "tiles": [t.value.text() for t in tab.tiles.values()],
            }
        )
    )
    sys.stdout.flush()
    os._exit(0)  # no teardown: the figure is taken


def _painter_charts(d) -> float:
    """The three charts built from the dashboard and painted into 700×300 images."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter

    from app.views import chart_view
    from app.views.command_tab import build_charts

    t = time.perf_counter()
    for data in build_charts(d).values():
        img = QImage(700, 300, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.white)
        p = QPainter(img)
        chart_view.paint_chart(p, QRectF(0, 0, 700, 300), data, QGuiApplication.font())
        p.end()
    return time.perf_counter() - t


# --- the parent -----------------------------------------------------------------------------


def database_for(matters: int, path: Path | None) -> Path:
    """The shared demo database with ``matters`` matters (built once under .bench/)."""
    from benchmarks._cache import demo_database

    return demo_database(matters, path)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--matters", type=int, default=100_000)
    p.add_argument("--db", type=Path)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--child-tab", metavar="DB")
    args = p.parse_args()
    if args.child_tab:
        child_tab(args.child_tab)
        return

    from sqlalchemy import func, select

    from app.db import open_database
    from app.models import Matter, MatterTally, User
    from app.services.command import statistics as stats
    from app.services.security.auth import actor_for

    db_path = database_for(args.matters, args.db)
    refs = [reference_s() for _ in range(5)]
    db = open_database(db_path)
    with db.read() as s:
        have = s.scalar(select(func.count()).select_from(Matter)) or 0
        rows = s.scalar(select(func.count()).select_from(MatterTally)) or 0
        actor = actor_for(s.scalar(select(User).where(User.username == "demo-director")))
    print(f"database: {db_path} ({db_path.stat().st_size / 1e6:.0f} MB, {have} matters, "
          f"{rows} tally rows)")  # fmt: skip

    # 1. The service alone.
    times = []
    for _ in range(args.runs + 1):
        with db.read() as s:
            t = time.perf_counter()
            dash = stats.dashboard(s, actor, villages=False, repeats=False)  # as the tab asks
            times.append(time.perf_counter() - t)
    repeat_times = []
    for _ in range(args.runs):
        with db.read() as s:
            t = time.perf_counter()
            stats.repeat_risks(s, actor)
            repeat_times.append(time.perf_counter() - t)
    village_times = []
    for _ in range(args.runs):
        with db.read() as s:
            t = time.perf_counter()
            stats.village_rows(s, actor)
            village_times.append(time.perf_counter() - t)
    ref = statistics.median(refs + [reference_s() for _ in range(5)])
    print(f"reference (1,000,000-step CPU loop): {ref * 1000:.0f} ms")
    print(f"statistics.dashboard (figures, risks, charts): first {times[0] * 1000:.0f} ms; "
          f"then {spread(times[1:], ref)}")  # fmt: skip
    print(f"statistics.village_rows: {spread(village_times, ref)}")
    print(f"statistics.repeat_risks (a job of its own, after the figures): "
          f"{spread(repeat_times, ref)}")  # fmt: skip
    print("  " + ", ".join(f"{f.label} {f.text}" for f in dash.figures))

    # 2. The tab, in a fresh process per run, clicked as soon as the window is up.
    runs = []
    for _ in range(args.runs):
        cmd = [sys.executable, __file__, "--child-tab", str(db_path)]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=CHILD_LIMIT_S).stdout
        except subprocess.TimeoutExpired:
            print(f"  a run took over {CHILD_LIMIT_S} s and was stopped")
            continue
        lines = [ln for ln in out.strip().splitlines() if ln.startswith("{")]
        got = json.loads(lines[-1]) if lines else {"error": out[-300:]}
        if "error" in got:
            print(f"  a run failed: {got['error']}")
            continue
        runs.append(got)
    if runs:
        print(f"指挥研判 tab, click → figures on screen: "
              f"{spread([r['figures'] for r in runs], ref)}; target < 500 ms")  # fmt: skip
        print(f"  click → charts drawn: {spread([r['charts'] for r in runs], ref)}; "
              "target < 1000 ms")  # fmt: skip
        print(f"  click → village table and repeat visitors too: "
              f"{spread([r['everything'] for r in runs], ref)}")  # fmt: skip
        print(f"  the three charts alone (QPainter): {spread([r['painter'] for r in runs], ref)}")
        early = any(r["tab_imported_before_click"] for r in runs)
        mpl = any(r["matplotlib_loaded"] for r in runs)
        print(f"  tab imported before the click: {early}; matplotlib loaded: {mpl}")

    # 3. The list behind the largest figure: its first page (paged by key), then its count.
    biggest = max(dash.figures[:6], key=lambda f: f.value)
    with db.read() as s:
        t = time.perf_counter()
        stats.command_matter_page(s, actor, biggest.key)
        page_s = time.perf_counter() - t
        t = time.perf_counter()
        n = stats.count_matters_for(s, actor, biggest.key)
        count_s = time.perf_counter() - t
    print(f"list behind “{biggest.label}” ({n} matters): first page of 200 rows "
          f"{page_s * 1000:.0f} ms, its count {count_s * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
