"""Importing a 事项 sheet (issue 17 "Imports", issue 16 §7). Prints each figure; asserts nothing.

    python benchmarks/bench_import.py [--rows 10000] [--runs 3] [--matters 300] [--db PATH]
                                      [--profile]

Targets: 10,000 rows in under 10 s with nothing else running (printed too: the import's CPU
time and its pauses for other writers, whose sum is what a quiet machine would take); a
registration on another connection during the import waits under 1 s (the import commits in
batches). Each run imports the same XLSX sheet into a fresh copy of a demo database; the
figures are the median with the minimum and maximum beside it, and a ratio to a fixed
reference (a plain CPU loop timed in the same run), so figures from a busy machine can be
compared with a quiet one's.
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def reference_loop() -> tuple[float, float]:
    """A fixed piece of pure-Python work (about 0.1 s on a quiet 2-core machine): wall, CPU."""
    t, c = time.perf_counter(), time.process_time()
    total = 0
    for i in range(2_000_000):
        total += i * i % 7
    return time.perf_counter() - t, time.process_time() - c


@contextmanager
def _timed_pauses(paused: list[float]):
    """Time the import spends pausing between batches so a waiting registration gets in."""
    from app.services.command import importing

    original = importing._Pacer.pause

    def pause(self):
        t = time.perf_counter()
        original(self)
        paused.append(time.perf_counter() - t)

    importing._Pacer.pause = pause
    try:
        yield
    finally:
        importing._Pacer.pause = original


def _spread(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.2f} s (min {min(xs):.2f}, max {max(xs):.2f})"


def _registrations(url: str, stop, out) -> None:
    """Another terminal: registers a matter every 0.3 s until told to stop; their durations."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from app.db import Database
    from app.models import Category, Channel, User
    from app.services.reception import intake
    from app.services.reception.intake import IntakeInput, VisitorInput
    from app.services.security.auth import actor_for

    db = Database(url)
    with db.read() as s:
        who = actor_for(s.scalar(select(User).where(User.username == "demo-reception")))
        cat = s.scalar(select(Category.id).where(Category.name == "咨询"))
    while not stop.is_set():
        data = IntakeInput(
            channel=Channel.VISIT,
            visitors=[VisitorInput(name="王芳")],
            category_id=cat,
            summary="咨询低保政策",
        )
        t = time.perf_counter()
        try:
            with db.write() as s:
                intake.register_matter(s, who, data)
            out.put(time.perf_counter() - t)
        except Exception as exc:  # noqa: BLE001 — reported, not raised
            out.put(f"{type(exc).__name__}: {exc}")
        time.sleep(0.3)
    db.dispose()


@contextmanager
def _timed_writes(times: list[float]):
    """Every write transaction's length (lock held), by wrapping ``Database.write``."""
    from app.db import Database

    original = Database.write

    @contextmanager
    def write(self):
        t = time.perf_counter()
        with original(self) as s:
            yield s
        times.append(time.perf_counter() - t)

    Database.write = write
    try:
        yield
    finally:
        Database.write = original


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--matters", type=int, default=300)
    p.add_argument("--db", type=Path)
    p.add_argument("--profile", action="store_true", help="cProfile one import, print the top")
    p.add_argument("--no-intake", action="store_true", help="no registrations alongside")
    args = p.parse_args()

    from sqlalchemy import select

    from app.core.ops import op
    from app.db import open_database
    from app.models import User
    from app.services.command import importing
    from app.services.security.auth import actor_for
    from benchmarks.bench_ledgers import demo_database, write_sheet

    db, db_path = demo_database(args.matters, args.db)
    with db.read() as s:
        reception = actor_for(s.scalar(select(User).where(User.username == "demo-reception")))
    out = Path(tempfile.mkdtemp(prefix="zongzhi-bench-import-"))
    sheet = out / "事项导入.xlsx"
    write_sheet(db, sheet, args.rows)
    db.dispose()
    totals, refs, longest, waits, failures = [], [], [], [], []
    cpus, ref_cpus, pauses = [], [], []
    for run in range(args.runs):
        copy = out / f"run{run}.sqlite3"
        with sqlite3.connect(db_path) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        target = open_database(copy)
        ref_wall, ref_cpu = reference_loop()
        refs.append(ref_wall)
        ref_cpus.append(ref_cpu)
        stop, queue = multiprocessing.Event(), multiprocessing.Queue()
        other = None
        if not args.no_intake:
            other = multiprocessing.Process(
                target=_registrations, args=(f"sqlite:///{copy}", stop, queue)
            )
            other.start()
            time.sleep(2.0)  # let it import the program and register once
        writes: list[float] = []
        profile = cProfile.Profile() if args.profile and run == 0 else None
        paused: list[float] = []
        with _timed_writes(writes), _timed_pauses(paused):
            t, c = time.perf_counter(), time.process_time()
            if profile:
                profile.enable()
            report = target.run(op(importing.import_sheet, reception, "matters", sheet)).value
            if profile:
                profile.disable()
            totals.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
            pauses.append(sum(paused))
        if other is not None:
            stop.set()
            other.join(30)
            while not queue.empty():
                x = queue.get()
                (waits if isinstance(x, float) else failures).append(x)
        longest.append(max(writes))
        target.dispose()
        print(
            f"run {run + 1}: {report.imported} of {report.rows} rows in {totals[-1]:.2f} s "
            f"({report.imported / totals[-1]:.0f} rows/s), {len(writes)} write transactions, "
            f"longest {max(writes):.2f} s; CPU {cpus[-1]:.2f} s, paused {pauses[-1]:.2f} s; "
            f"reference loop {refs[-1]:.3f} s (CPU {ref_cpus[-1]:.3f} s); "
            f"load {os.getloadavg()[0]:.1f}"
        )
        if profile:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    ratio = [t / r for t, r in zip(totals, refs, strict=True)]
    cpu_ratio = [c / r for c, r in zip(cpus, ref_cpus, strict=True)]
    print(
        f"import of {args.rows} rows: wall {_spread(totals)}; target < 10 s; "
        f"{args.rows / statistics.median(totals):.0f} rows/s; "
        f"ratio to the reference loop: median {statistics.median(ratio):.0f}× (wall), "
        f"{statistics.median(cpu_ratio):.0f}× (CPU)"
    )
    quiet = [c + p for c, p in zip(cpus, pauses, strict=True)]
    print(
        f"import CPU: {_spread(cpus)}; paused for other writers: {_spread(pauses)}; "
        f"on a quiet machine about CPU + pauses (+ the disk's syncs): {_spread(quiet)}; "
        "target < 10 s"
    )
    print(f"longest write transaction (lock held): {_spread(longest)}; target < 1 s")
    if waits:
        print(
            f"registrations on another connection during the imports: {len(waits)}, "
            f"{_spread(waits)}; target < 1 s; failed: {len(failures)}"
        )
    for f in failures[:3]:
        print("  failed:", f)


if __name__ == "__main__":
    main()
