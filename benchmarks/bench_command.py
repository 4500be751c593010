"""指挥研判 speed, measured on the path the director runs. Prints each figure; asserts nothing.

    python benchmarks/bench_command.py [--matters 100000] [--db PATH] [--runs 5]

Targets (issue 17, at 300,000 matters): figures on screen in under 0.5 s and charts in under
1 s from the click on the tab. Measured:

1. ``statistics.dashboard`` alone (the service; it reads the tallies, app/models/tallies.py).
2. The tab in a fresh process each run, wall-clock from a mouse click on the 指挥研判 tab to
   (a) the figure tiles filled on screen and (b) the three charts drawn. Nothing of the tab is
   imported before the click, as in the real window. Two cases: *cold*, the click right after
   the window is up (matplotlib still to load), and *warm*, the click after the window's
   background warm-up (``MainWindow._warm_up_charts``) has loaded matplotlib.
3. Charts drawn with matplotlib against the same three charts drawn with QPainter (a plain
   bar drawing, here only to measure what that route would cost).

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


def child_tab(db: str, warm: bool) -> None:
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
    if warm:  # as if the director clicked a few seconds after logging in
        from app.views import main_window

        end = time.perf_counter() + main_window.CHARTS_WARM_UP_MS / 1000 + 0.2
        _wait(app, lambda: time.perf_counter() > end, "the warm-up's start")
        _wait(app, lambda: window.ctx.worker.wait(10), "the warm-up")
    assert "app.views.command_tab" in sys.modules or not warm, "warm-up did not run"
    cold_modules = "matplotlib" not in sys.modules
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
    _wait(
        app,
        lambda: all(b.drawn for b in tab.charts.values()) and not tab.loading,
        "the charts",
    )
    charts = time.perf_counter() - t0
    painter = _painter_charts(tab.dashboard)
    print(
        json.dumps(
            {
                "figures": figures,
                "charts": charts,
                "matplotlib_loaded_at_click": not cold_modules,
                "painter": painter,
                "tiles": [t.value.text() for t in tab.tiles.values()],
            }
        )
    )
    sys.stdout.flush()
    os._exit(0)  # no teardown: the figure is taken


def _painter_charts(d) -> float:
    """The same three charts as plain QPainter bars on 700×300 images: the other route."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter

    t = time.perf_counter()
    w = d.weekly
    series = [[w.counts.get((week, cid), 0) for week in w.weeks] for cid, _name in w.categories]
    bars = [
        [(b.label, b.value) for b in d.overdue_by_unit],
        [(b.label, b.value) for b in d.resolution_times],
    ]
    for kind in range(3):
        img = QImage(700, 300, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.white)
        p = QPainter(img)
        if kind == 0:
            top = max((sum(col) for col in zip(*series, strict=False)), default=1) or 1
            for i in range(len(w.weeks)):
                y = 280.0
                for j, values in enumerate(series):
                    h = 260 * values[i] / top
                    p.fillRect(
                        QRectF(40 + i * 54, y - h, 40, h), QColor.fromHsv(j * 37 % 360, 160, 200)
                    )
                    y -= h
                p.drawText(40 + i * 54, 295, f"{w.weeks[i]:%m-%d}")
        else:
            items = bars[kind - 1]
            top = max((v for _l, v in items), default=1) or 1
            for i, (label, value) in enumerate(items):
                p.fillRect(QRectF(120, 10 + i * 22, 560 * value / top, 18), QColor("#c0504d"))
                p.drawText(4, 24 + i * 22, label)
        p.end()
    return time.perf_counter() - t


# --- the parent -----------------------------------------------------------------------------


def database_for(matters: int, path: Path | None) -> Path:
    """The cached demo database with ``matters`` matters (built once under .bench/)."""
    from sqlalchemy import func, select

    from app.db import open_database
    from app.demo.center import generate_demo
    from app.models import Matter

    path = path or ROOT / ".bench" / f"command-{matters}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    db = open_database(path)
    with db.read() as s:
        have = s.scalar(select(func.count()).select_from(Matter)) or 0
    if have < matters:
        t = time.perf_counter()
        generate_demo(db, matters - have)
        print(f"demo data: {matters - have} matters in {time.perf_counter() - t:.1f} s")
    db.dispose()
    return path


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--matters", type=int, default=100_000)
    p.add_argument("--db", type=Path)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--child-tab", metavar="DB")
    p.add_argument("--warm", action="store_true")
    args = p.parse_args()
    if args.child_tab:
        child_tab(args.child_tab, args.warm)
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
            dash = stats.dashboard(s, actor, villages=False)
            times.append(time.perf_counter() - t)
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
    print("  " + ", ".join(f"{f.label} {f.text}" for f in dash.figures))

    # 2. The tab, in a fresh process per run: cold (matplotlib not loaded) and warm.
    for warm in (False, True):
        runs = []
        for _ in range(args.runs):
            cmd = [sys.executable, __file__, "--child-tab", str(db_path)] + (["--warm"] * warm)
            try:
                out = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=CHILD_LIMIT_S
                ).stdout
            except subprocess.TimeoutExpired:
                print(f"  a run took over {CHILD_LIMIT_S} s and was stopped")
                continue
            lines = [ln for ln in out.strip().splitlines() if ln.startswith("{")]
            got = json.loads(lines[-1]) if lines else {"error": out[-300:]}
            if "error" in got:
                print(f"  a run failed: {got['error']}")
                continue
            runs.append(got)
        if not runs:
            continue
        name = (
            "warm (after the log-in warm-up loaded matplotlib)"
            if warm
            else "cold (clicked at once)"
        )
        print(f"指挥研判 tab, {name}, click → figures on screen: "
              f"{spread([r['figures'] for r in runs], ref)}; target < 500 ms")  # fmt: skip
        print(f"  click → charts drawn: {spread([r['charts'] for r in runs], ref)}; "
              "target < 1000 ms")  # fmt: skip
        if warm:
            print(f"  the same three charts with QPainter instead: "
                  f"{spread([r['painter'] for r in runs], ref)}")  # fmt: skip

    # 3. The list behind the largest figure: its ids, then the first page of masked rows.
    biggest = max(dash.figures[:6], key=lambda f: f.value)
    with db.read() as s:
        t = time.perf_counter()
        ids = stats.matter_ids_for(s, actor, biggest.key)
        ids_s = time.perf_counter() - t
        t = time.perf_counter()
        stats.command_matter_rows(s, actor, ids[:200])
        page_s = time.perf_counter() - t
    print(f"list behind “{biggest.label}” ({len(ids)} matters): ids {ids_s * 1000:.0f} ms, "
          f"first page of 200 rows {page_s * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
