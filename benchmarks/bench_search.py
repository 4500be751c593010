"""Search on the path the user runs: the reception list's first page and its size estimate.

    python benchmarks/bench_search.py [--sizes 10000,100000] [--with-300k] [--runs 3]

Each query is timed as the window runs it: ``matter_page`` (the first 200 rows, newest first,
paged by key) then, if that page is full, ``estimate_matters`` ("约 22 万件"), each in its own read
transaction through ``Database.run``, as the GUI's worker does. About sixty typical queries:
names, two-character names, surnames, pinyin, initials, phone tails, ID-number fragments,
summary words (物业, 噪音 …) and 受理编号, taken from the database itself where they must match.

Targets (issue 17), at 300,000 matters: median < 30 ms, p90 < 100 ms, any query < 300 ms.
Figures from a noisy machine are also given as a ratio to two references timed in the same run:
a plain CPU loop and a raw SQLite scan of every summary. Times are the process's CPU time
(``time.process_time``), as in the issue's figures; wall-clock figures are printed beside.
The databases are built once (demo data) and cached under ``.bench/`` (``demo-<n>.sqlite3``,
shared by every benchmark: benchmarks/_cache.py); 300,000 only with ``--with-300k`` or
``--sizes`` (``make bench`` passes 10000,100000,300000).

Beside search, two more costs of issue 17's growth table are timed at each size: the reception
list's start (its default filter, today's and every open matter: the first page and "共 N 件"
/ "约 N 万件") and ``statistics.dashboard`` as the 指挥研判 tab asks for it. The table gives
each cost's median CPU time with its minimum and maximum, the ratio to the CPU loop, the ratio
from the smallest size to the largest, and whether it grows (and why, where the work grows).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MEDIAN, TARGET_P90, TARGET_MAX = 0.030, 0.100, 0.300
SUMMARY_WORDS = [
    "物业",
    "噪音",
    "漏水",
    "养老保险",
    "邻里纠纷",
    "抚养费",
    "工资",
    "停车",
    "施工噪音",
]
SURNAMES = ["张", "王", "李", "陈"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def build(path: Path, matters: int) -> None:
    from benchmarks._cache import demo_database

    demo_database(matters, path)


def typical_queries(path: Path) -> list[tuple[str, str]]:
    """(kind, query): about sixty, those that must match taken from the database."""
    rnd = random.Random(17)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        people = conn.execute(
            "SELECT name, name_pinyin, name_initials, phone_tail, id_number FROM persons "
            "WHERE id_number IS NOT NULL AND phone_tail IS NOT NULL ORDER BY name LIMIT 5000"
        ).fetchall()
        numbers = [r[0] for r in conn.execute("SELECT number FROM matters ORDER BY received_at")]
    finally:
        conn.close()
    picked = rnd.sample(people, min(len(people), 10))
    two = [p for p in people if len(p[0]) == 2] or people
    q: list[tuple[str, str]] = []
    q += [("name", p[0]) for p in picked[:8]]
    q += [("2-char name", p[0]) for p in rnd.sample(two, min(len(two), 6))]
    q += [("surname", s) for s in SURNAMES]
    q += [("pinyin", p[1].replace(" ", "")) for p in picked[:5]] + [("pinyin", "zhang")]
    q += [("initials", p[2]) for p in picked[:6]]
    q += [("phone tail", p[3]) for p in picked[:6]]
    q += [("ID fragment", p[4][:n]) for p, n in zip(picked[:6], (6, 6, 8, 8, 10, 14), strict=False)]
    q += [("summary", w) for w in SUMMARY_WORDS]
    if numbers:
        newest, oldest = numbers[-1], numbers[0]
        q += [("受理编号", newest), ("受理编号", oldest), ("受理编号", newest[:-2])]
        q += [("受理编号", newest[:6]), ("受理编号 tail", newest[-3:]), ("受理编号 tail", "0001")]
    return q


def references(path: Path, runs: int = 5) -> tuple[float, float]:
    """A plain CPU loop, and a raw SQLite scan of every summary (LIKE, nothing matching, over
    the table's rows)."""
    loop, scan = [], []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for _ in range(runs):
            t = time.process_time()
            sum(i * i for i in range(300_000))
            loop.append(time.process_time() - t)
            t = time.process_time()
            # NOT INDEXED: the table's rows, as before ix_matters_summary (0034), so the
            # reference stays the same work from one version to the next.
            conn.execute(
                "SELECT count(*) FROM matters NOT INDEXED WHERE summary LIKE '%qqzz%'"
            ).fetchone()
            scan.append(time.process_time() - t)
    finally:
        conn.close()
    return statistics.median(loop), statistics.median(scan)


def measure(path: Path, runs: int) -> dict:
    """Every query on the GUI's path: the first page, then the estimate."""
    from sqlalchemy import select

    from app.core.ops import op
    from app.db import open_database
    from app.models import User
    from app.services.center.calendar import WorkCalendar
    from app.services.reception import intake
    from app.services.reception.intake import MatterFilter
    from app.services.security.auth import actor_for

    queries = typical_queries(path)
    db = open_database(path)
    try:
        with db.read() as s:
            user = s.scalar(select(User).where(User.username == "demo-reception"))
            actor = actor_for(user)
            cal = WorkCalendar.load(s)
        # A first pass reads the database into the cache, as the window's first minutes do.
        for _kind, query in queries:
            db.run(op(intake.matter_page, actor, MatterFilter(query=query), calendar=cal))
        # (kind, query, page CPU s, estimate CPU s, rows, estimate, wall s of both)
        results = []
        for kind, query in queries:
            f = MatterFilter(query=query)
            pages, counts, walls = [], [], []
            for _ in range(runs):
                w, t = time.perf_counter(), time.process_time()
                rows = db.run(op(intake.matter_page, actor, f, calendar=cal)).value
                t1 = time.process_time()
                if len(rows) < intake.PAGE:  # the window counts a short list itself
                    est = intake.Estimate(len(rows), True)
                else:
                    est = db.run(op(intake.estimate_matters, actor, f)).value
                t2 = time.process_time()
                walls.append(time.perf_counter() - w)
                pages.append(t1 - t)
                counts.append(t2 - t1)
            results.append(
                (
                    kind,
                    query,
                    statistics.median(pages),
                    statistics.median(counts),
                    len(rows),
                    est,
                    statistics.median(walls),
                )
            )
        others = other_costs(db, actor, cal, max(runs, 5))
    finally:
        db.dispose()
    loop, scan = references(path)
    return {"results": results, "loop": loop, "scan": scan, "others": others}


def other_costs(db, actor, cal, runs: int) -> dict[str, list[float]]:
    """CPU seconds of each run: the list's start (first page and its size, as the window loads
    it after log-in) and the dashboard (as the 指挥研判 tab asks for it, by the director)."""
    from sqlalchemy import select

    from app.core.ops import op
    from app.models import User
    from app.services.command import statistics as stats
    from app.services.reception import intake
    from app.services.reception.intake import MatterFilter
    from app.services.security.auth import actor_for

    with db.read() as s:
        director = actor_for(s.scalar(select(User).where(User.username == "demo-director")))
    start = MatterFilter(open_or_today=True)

    def list_start() -> None:
        rows = db.run(op(intake.matter_page, actor, start, calendar=cal)).value
        if len(rows) == intake.PAGE:
            db.run(op(intake.estimate_matters, actor, start))

    def dashboard() -> None:
        db.run(op(stats.dashboard, director, villages=False, repeats=False))

    out: dict[str, list[float]] = {}
    for name, fn in (("list start", list_start), ("dashboard", dashboard)):
        fn()  # warm: the cache, SQLAlchemy's compiled statements
        times = []
        for _ in range(runs):
            t = time.process_time()
            fn()
            times.append(time.process_time() - t)
        out[name] = times
    return out


def p90(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * 0.9))]


def report(n: int, m: dict) -> None:
    results = m["results"]
    total = [r[2] + r[3] for r in results]
    first = [r[2] for r in results]
    med, ninety, worst = statistics.median(total), p90(total), max(total)
    slowest = sorted(results, key=lambda r: r[2] + r[3], reverse=True)[:5]
    loop, scan = m["loop"], m["scan"]
    print(
        f"\n{n} matters, {len(results)} queries "
        "(first page + estimate, as the window runs them; CPU time)"
    )
    print(f"  references: CPU loop {ms(loop)}, raw SQLite scan of every summary {ms(scan)}")
    print(
        f"  median {ms(med)} (target < 30 ms at 300k; {med / loop:.2f}× the loop, "
        f"{med / scan:.2f}× the scan)"
    )
    print(f"  p90    {ms(ninety)} (target < 100 ms at 300k; {ninety / scan:.2f}× the scan)")
    print(f"  max    {ms(worst)} (target: any query < 300 ms at 300k)")
    print(f"  first page alone: median {ms(statistics.median(first))}, p90 {ms(p90(first))}")
    walls = [r[6] for r in results]
    print(
        f"  wall clock (this machine's load): median {ms(statistics.median(walls))}, "
        f"p90 {ms(p90(walls))}, max {ms(max(walls))}"
    )
    for name, times in m["others"].items():
        print(f"  {name}: {spread(times, loop)}")
    print(
        "  slowest: "
        + ", ".join(f"{r[1]} ({r[0]}) {ms(r[2])}+{ms(r[3])} {r[5].text()}" for r in slowest)
    )


def spread(times: list[float], loop: float) -> str:
    """Median (min–max) ms, and the median as a multiple of the reference CPU loop."""
    med = statistics.median(times)
    low, high = min(times) * 1000, max(times) * 1000
    return f"{med * 1000:.1f} ({low:.1f}–{high:.1f}) ms, {med / loop:.1f}× loop"


# Why a cost grows with the data where it does: the work itself grows (issue 17 asks for no
# worse than logarithmic growth otherwise). Shown in the growth table beside the ratio.
WHY_GROWS = {
    "name": "2-character names among them: see the next row",
    "2-char name": "found from the full-text index's trigrams that begin with the 2 characters "
    "and the index of summaries' last two characters (0039), the visitors from theirs: what "
    "grows is the matches listed and sorted",
    "surname": "a page needs the rows read until 200 match: with one visitor in 160 of that "
    "surname, some 30,000 (the visitors' names are on each row, 0039); 10k has fewer matters "
    "than that in all, so it reads them all: flat from 100k",
    "initials": "the rows shown grow: 3 letters (ysj) match 82 matters at 100k and a full page "
    "of 200 at 300k, and each row shown costs about 0.1 ms to make; 2 letters matching many "
    "visitors are tested on a window of the index of the newest matters with their visitors "
    "(0039)",
    "summary": "common words (物业, 噪音) fill a page from the newest matters, reading rows until "
    "200 match: 10k has fewer matters than a page needs; flat from 100k (two characters are "
    "found from the trigrams that begin with them, 0039)",
    "phone tail": "the matches grow: the 4 digits are also a 受理编号's end (found from the "
    "reversed number's index, 0036)",
    "受理编号 tail": "the matches shown grow: a 3-digit tail ends one number in a thousand, a "
    "full page of 200 rows at 300k (found from the reversed number's index, 0036)",
    "ID fragment": "10 digits (a birth year and month) match a share of all visitors: their "
    "matters are collected, and grow with the data",
    "list start": "open and today's matters grow with the data here (the demo puts every "
    "matter in one year: 1,100 a day at 300k)",
    "dashboard": "reads the tallies per day (bench_command times the tab)",
    "all queries": "the median of the mix above",
}


def growth(sizes: list[int], by_size: dict[int, dict]) -> None:
    """Per kind of query (the median of its queries' medians, with the lowest and highest of
    them), the list's start and the dashboard (median of the runs, with their min and max)."""
    kinds = list(dict.fromkeys(r[0] for r in by_size[sizes[0]]["results"]))
    head = " | ".join(f"{n // 1000}k median (min–max) ms" for n in sizes)
    print(
        "\nGrowth, CPU ms: search per kind of query (first page + estimate), the list's start "
        f"and the dashboard\n| cost | {head} | ×loop at {sizes[-1] // 1000}k | "
        f"{sizes[-1] // 1000}k / {sizes[0] // 1000}k | grows? |"
    )
    print("|---" * (len(sizes) + 4) + "|")

    def values(m: dict, kind: str) -> list[float]:
        if kind in m["others"]:
            return m["others"][kind]
        if kind == "all queries":
            return [r[2] + r[3] for r in m["results"]]
        return [r[2] + r[3] for r in m["results"] if r[0] == kind]

    for kind in [*kinds, "all queries", *by_size[sizes[0]]["others"]]:
        cells, meds = [], []
        for n in sizes:
            v = values(by_size[n], kind)
            meds.append(statistics.median(v) if v else float("nan"))
            cells.append(f"{meds[-1] * 1000:.1f} ({min(v) * 1000:.1f}–{max(v) * 1000:.1f})")
        ratio = meds[-1] / meds[0] if meds[0] else float("nan")
        # Logarithmic from 10k to 300k is about ×1.4; allow the noise of a shared machine.
        verdict = "no (≈ constant or log)" if ratio < 2.0 else WHY_GROWS.get(kind, "grows")
        loop = by_size[sizes[-1]]["loop"]
        print(
            f"| {kind} | {' | '.join(cells)} | {meds[-1] / loop:.1f} | ×{ratio:.1f} | {verdict} |"
        )
    scans = " / ".join(f"{by_size[n]['scan'] * 1000:.1f}" for n in sizes)
    loops = " / ".join(f"{by_size[n]['loop'] * 1000:.1f}" for n in sizes)
    print(f"references, ms at each size: CPU loop {loops}; raw scan of every summary {scans}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="10000,100000")
    p.add_argument("--with-300k", action="store_true", help="also 300,000 matters (slow build)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--cache", type=Path, default=ROOT / ".bench")
    p.add_argument("--db", type=Path, help="one database of the first size, instead of the cache")
    args = p.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x]
    if args.with_300k and 300_000 not in sizes:
        sizes.append(300_000)
    print(f"machine load (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    by_size = {}
    for n in sizes:
        path = args.db if args.db and n == sizes[0] else args.cache / f"demo-{n}.sqlite3"
        build(path, n)
        by_size[n] = measure(path, args.runs)
        report(n, by_size[n])
    growth(sizes, by_size)


if __name__ == "__main__":
    main()
