"""工作台账 speed. Prints each figure; asserts nothing.

    python benchmarks/bench_ledgers.py [--matters 100000] [--rows 10000] [--ledger-rows 25000]
                                       [--runs 3] [--db PATH] [--no-import]

Targets (issue 17): a busy year's matters ledger (20,000–30,000 matters: the days of the
newest --ledger-rows matters) exported to XLSX in under 10 s and to PDF in under 30 s; a sheet
of 10,000 matters imported in under 10 s (bench_import.py times the batched import itself).
Each export figure is the median of --runs with the minimum and maximum beside it, its CPU
time, and a ratio to a fixed reference (a plain CPU loop timed in the same run), so figures
from a busy machine can be compared with a quiet one's. The demo database is the shared
one under .bench/ (benchmarks/_cache.py; made if missing); the import runs on a copy of it, so the
benchmark can be run again and again; pass --db for another one (a 300,000-matter copy).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def demo_database(matters: int, path: Path | None):
    """The shared demo database (benchmarks/_cache.py), made if missing, and opened."""
    from app.db import open_database
    from benchmarks._cache import demo_database as cached

    db_path = cached(matters, path)
    return open_database(db_path), db_path


def write_sheet(db, path: Path, rows: int) -> None:
    """A 事项 sheet as a center keeps it: every column the import knows, real-looking values."""
    from openpyxl import Workbook
    from sqlalchemy import select

    from app.demo.center import SUMMARIES, _name
    from app.demo.people import id_number as _id_number
    from app.models import Category, Unit, Village

    with db.read() as s:
        villages = list(s.scalars(select(Village.name)))
        units = list(s.scalars(select(Unit.name)))
        categories = [c for c in s.scalars(select(Category.name)) if c in SUMMARIES]
    rng = random.Random(10_000)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("事项")
    ws.append(["序号", "受理时间", "来源", "类别", "姓名", "身份证号", "联系电话", "村社区",
               "事项摘要", "承办单位", "承办人", "状态", "办结时间", "办理结果", "满意度",
               "原编号"])  # fmt: skip
    start = datetime(2020, 1, 2, 8, 30)  # an old register, years before the demo's matters
    for i in range(rows):
        at = start + timedelta(minutes=37 * i)
        cat = rng.choice(categories)
        village = rng.choice(villages)
        summary = rng.choice(SUMMARIES[cat]).format(v=village, n=rng.randint(2, 9))
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
        closed = rng.random() < 0.7
        ws.append(
            [
                i + 1,
                at,
                rng.choice(["来访", "来电", "来信", "网格上报"]),
                cat,
                _name(rng),
                _id_number(rng, born, rng.random() < 0.5) if rng.random() < 0.8 else None,
                f"13{rng.randrange(10**9):09d}" if rng.random() < 0.7 else None,
                village,
                summary,
                rng.choice(units),
                rng.choice(["张某", "李某", "王某"]),
                "已办结" if closed else "办理中",
                at + timedelta(days=rng.randint(1, 20)) if closed else None,
                "已协调处理，群众表示认可。" if closed else None,
                None,
                f"旧{i + 1:05d}",
            ]
        )
    wb.save(path)


def reference_loop() -> tuple[float, float]:
    """A fixed piece of pure-Python work (about 0.1 s on a quiet 2-core machine): wall and CPU."""
    t, c = time.perf_counter(), time.process_time()
    total = 0
    for i in range(2_000_000):
        total += i * i % 7
    return time.perf_counter() - t, time.process_time() - c


def _spread(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.2f} s (min {min(xs):.2f}, max {max(xs):.2f})"


def _busy_period(db, rows: int) -> tuple[date, date]:
    """The days of the newest ``rows`` matters: a busy year's worth (20,000–30,000 matters) in
    any demo database, whatever the span of its dates."""
    from sqlalchemy import func, select

    from app.models import Matter

    with db.read() as s:
        oldest, newest = s.execute(
            select(func.min(Matter.received_at), func.max(Matter.received_at))
        ).one()
        since = s.scalar(
            select(Matter.received_at)
            .order_by(Matter.received_at.desc())
            .offset(max(rows - 1, 0))
            .limit(1)
        )
    if newest is None:
        today = date.today()
        return today - timedelta(days=365), today
    return (since or oldest).date(), newest.date()


def _export(db, director, year, fmt: str, out: Path, runs: int, target: float) -> None:
    from app.services.command import ledgers

    walls, cpus, refs = [], [], []
    for _ in range(runs):
        ref_wall, ref_cpu = reference_loop()
        refs.append(ref_cpu)
        with db.write() as s:
            t, c = time.perf_counter(), time.process_time()
            table, data = ledgers.export_ledger(s, director, "matters", year, fmt)
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
            (out / f"事项台账.{fmt}").write_bytes(data)
            s.rollback()  # leave no audit rows behind in the shared benchmark database
    ratio = [c / r for c, r in zip(cpus, refs, strict=True)]
    print(
        f"matters ledger ({len(table.rows)} rows) to {fmt.upper()} ({len(data) / 1e6:.1f} MB): "
        f"wall {_spread(walls)}; target < {target:g} s; CPU {_spread(cpus)}; "
        f"ratio to the reference loop (CPU): median {statistics.median(ratio):.1f}×; "
        f"load {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--matters", type=int, default=100_000)
    p.add_argument("--rows", type=int, default=10_000, help="rows of the imported sheet")
    p.add_argument(
        "--ledger-rows",
        type=int,
        default=25_000,
        help="the ledger covers the days of the newest this many matters (a busy year)",
    )
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--db", type=Path)
    p.add_argument("--no-import", action="store_true", help="the exports only")
    args = p.parse_args()

    from sqlalchemy import select

    from app.db import open_database
    from app.models import User
    from app.services.command import importing, ledgers
    from app.services.security.auth import actor_for

    db, db_path = demo_database(args.matters, args.db)
    with db.read() as s:
        director = actor_for(s.scalar(select(User).where(User.username == "demo-director")))
        reception = actor_for(s.scalar(select(User).where(User.username == "demo-reception")))

    # 1. A busy year's matters ledger to XLSX and to PDF: building the rows, rendering, the
    # audit row (rolled back). Medians of --runs, with the minimum and maximum beside them.
    since, until = _busy_period(db, args.ledger_rows)
    year = ledgers.LedgerFilter(since=since, until=until)
    out = Path(tempfile.mkdtemp(prefix="zongzhi-bench-ledgers-"))
    try:
        with db.write() as s:
            t = time.perf_counter()
            table = ledgers.build_ledger(s, director, "matters", year)
            t_build = time.perf_counter() - t
            s.rollback()
        print(f"matters ledger {since} – {until}: {len(table.rows)} rows built in {t_build:.2f} s")
        _export(db, director, year, "xlsx", out, args.runs, 10)
        _export(db, director, year, "pdf", out, args.runs, 30)
        if args.no_import:
            return

        # 2. Import a 10,000-row sheet into a copy of the database, then the same sheet again.
        sheet = out / "事项导入.xlsx"
        write_sheet(db, sheet, args.rows)
        copy = out / "copy.sqlite3"
        with sqlite3.connect(db_path) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        target = open_database(copy)
        t = time.perf_counter()
        with target.write() as s:
            report = importing.import_sheet(s, reception, "matters", sheet)
        t_import = time.perf_counter() - t
        t = time.perf_counter()
        with target.write() as s:
            again = importing.import_sheet(s, reception, "matters", sheet)
        t_again = time.perf_counter() - t
        target.dispose()
        print(
            f"import of {report.rows} matters in one transaction: {t_import:.2f} s "
            f"({report.imported} imported, {len(report.problems)} problems); target < 10 s "
            "(bench_import.py measures the batched import the program runs)"
        )
        print(f"the same sheet again: {t_again:.2f} s ({again.already} already imported, 0 added)")
    finally:
        db.dispose()
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
