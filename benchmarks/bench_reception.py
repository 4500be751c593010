"""Reception-window speed with 100,000 matters. Prints each figure; asserts nothing.

    python benchmarks/bench_reception.py [--matters 100000] [--db PATH] [--runs 5]

Targets (issue 2): window usable within 2 s of start; list loads lazily; search median
under 100 ms; receipt PDF under 50 ms inside the running app. Issue 17, at 300,000 matters
(``--db`` a copy of the 300k demo database): 登录 pressed to the list's first page painted
under 0.5 s, printed with the process's CPU time, its ratio to a reference loop and the load.

Start-up is timed on the real path, in fresh processes: ``zongzhi --db … --startup-probe``
from process start to the login window on screen (start-up backup, migrations check and
all); then, in a process running the real ``run_gui``, from pressing 登录 with the demo
receptionist's password (once the database behind the log-in window is open, as a person
typing it would) to the main window shown with the first page of the reception list painted.
The start-up backup is skipped once a copy from today exists; one more run times the first
start of a day, when the copy runs in the background meanwhile.
"""

from __future__ import annotations

import argparse
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


def child_login(db: str, started: float) -> None:
    """Runs in a fresh interpreter: the real ``run_gui``; at the login window, log in as the
    demo receptionist and time until the reception list shows its first page."""
    import resource

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import app.gui as gui

    def cpu() -> float:  # the whole process's CPU time: the GUI thread and the workers
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    marks: dict[str, float] = {}

    def first_page_shown() -> None:
        for w in QApplication.topLevelWidgets():
            tab = getattr(w, "reception", None)
            if w.isVisible() and tab is not None and tab.model.rowCount() > 0:
                w.repaint()
                marks["reception"] = time.time()
                marks["cpu"] = cpu() - marks["cpu_login"]
                to_window = marks["login_window"] - started
                to_page = marks["reception"] - marks["login"]
                shown = tab.count_label.text().replace(" ", "")  # 共12件 / 约22万件
                rows = f"{tab.model.rowCount()} {shown or '?'}"
                print(f"{to_window:.3f} {to_page:.3f} {rows} {marks['cpu']:.3f}", flush=True)
                w.close()
                return
        QTimer.singleShot(1, first_page_shown)

    def at_login_window(dialog) -> None:
        from app.demo.accounts import DEMO_LOGINS

        def log_in() -> None:
            marks.setdefault("login_window", time.time())
            # The database is opened behind the window (issue 17): a person takes longer to
            # type a password than that, so 登录 is pressed once it is open.
            pending = getattr(dialog.worker, "worker", True)
            if pending is None:
                QTimer.singleShot(5, log_in)
                return
            user, password = next((u, p) for u, p, *_ in DEMO_LOGINS if u == "demo-reception")
            dialog.username.setText(user)
            dialog.password.setText(password)
            marks["login"] = time.time()
            marks["cpu_login"] = cpu()
            dialog.try_login()
            first_page_shown()

        QTimer.singleShot(0, log_in)

    gui._probe_when_shown = at_login_window
    gui.run_gui(db, None, startup_probe=True)


def zongzhi_command() -> list[str]:
    script = Path(sys.executable).with_name("zongzhi")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app"]


def time_to_login_window(db_path: Path) -> float:
    """``zongzhi --db … --startup-probe``: process start to 'ready' (the login window shown)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [*zongzhi_command(), "--db", str(db_path), "--startup-probe"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline().strip()
    elapsed = time.perf_counter() - t0
    proc.wait(timeout=120)  # a start-up backup in progress is finished before it quits
    assert line == "ready", f"no login window: {line!r}"
    return elapsed


def time_login_to_reception(db_path: Path) -> tuple[float, float, int, str, float]:
    """In a fresh process running the real start: start to the log-in window, 登录 pressed to
    the list's first page painted (wall), the rows loaded, the size shown, and the process's
    CPU time from 登录 to the first page."""
    out = subprocess.run(
        [sys.executable, __file__, "--child-login", str(db_path), str(time.time())],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]), out[3], float(out[4])


def runs_text(runs: list[float]) -> str:
    return f"median {statistics.median(runs):.2f} s (runs: {', '.join(f'{r:.2f}' for r in runs)})"


def login_text(logins: list[tuple[float, float, int, str, float]], reference: float = 0) -> str:
    """登录 pressed to the reception list's first page painted, beside its target (issue 17),
    with the CPU time of the same runs (wall time on a busy machine waits for a CPU too), as a
    ratio to the reference loop (bench_print.reference_loop) and the machine's load."""
    wall, cpu = [r[1] for r in logins], [r[4] for r in logins]
    med = statistics.median(wall)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    ratio = f" = {statistics.median(cpu) / reference:.1f}× the reference loop" if reference else ""
    return (
        f"log-in (登录 pressed) to the reception list's first page painted: {runs_text(wall)}; "
        f"target < 0.5 s — {'met' if med < 0.5 else 'MISSED'}; CPU {runs_text(cpu)}{ratio}; "
        f"load {load}"
    )


def forget_todays_backups(db_path: Path) -> None:
    from datetime import date

    from app.services.data.backup import backups_dir

    for p in backups_dir(db_path).glob(f"{db_path.stem}-*-{date.today():%Y%m%d}-*"):
        p.unlink()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--matters", type=int, default=100_000)
    p.add_argument("--db", type=Path)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--child-login", nargs=2, metavar=("DB", "T0"))
    args = p.parse_args()
    if args.child_login:
        child_login(args.child_login[0], float(args.child_login[1]))
        return

    from sqlalchemy import select

    from app.db import open_database
    from app.models import User
    from app.services.center.calendar import WorkCalendar
    from app.services.reception import intake, receipts
    from app.services.reception.intake import MatterFilter
    from app.services.security.auth import actor_for
    from benchmarks._cache import demo_database

    # The start-up backups go into backups/ beside it (.bench/backups/).
    db_path = demo_database(args.matters, args.db)
    db = open_database(db_path)

    # 1. Start-up on the real path, each run a fresh process (the first one warms the disk
    #    cache and takes today's start-up backup, and is not counted).
    db.dispose()
    print(f"machine load (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    time_to_login_window(db_path)
    runs = [time_to_login_window(db_path) for _ in range(args.runs)]
    print(f"start-up to login window (zongzhi --startup-probe): {runs_text(runs)}; target < 2 s")
    logins = [time_login_to_reception(db_path) for _ in range(args.runs)]
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_print import reference_loop

    reference = statistics.median(reference_loop() for _ in range(5))
    print(f"reference loop (2,000,000 steps of plain Python): median {reference:.3f} s")
    print(login_text(logins, reference))
    print(f"  in the same runs, start to login window: {runs_text([r[0] for r in logins])}")
    loaded, total = logins[-1][2], logins[-1][3]
    print(f"list is paged by key: {loaded} rows loaded at start, size shown: {total}")
    forget_todays_backups(db_path)
    first = time_login_to_reception(db_path)
    print(
        "first start of the day (start-up backup running meanwhile): "
        f"start to login window {first[0]:.2f} s, log-in to first page {first[1]:.2f} s"
    )

    with db.read() as s:
        actor = actor_for(s.scalar(select(User).where(User.username == "demo-reception")))
        cal = WorkCalendar.load(s)
        # 2. The list as the window loads it: the first page by key, its size, then the next
        #    pages on scrolling.
        t = time.perf_counter()
        intake.matter_page(s, actor, MatterFilter(open_or_today=True), calendar=cal)
        t_first = time.perf_counter() - t
        t = time.perf_counter()
        est = intake.estimate_matters(s, actor, MatterFilter(open_or_today=True))
        t_est = time.perf_counter() - t
        page_times, after, all_ids = [], None, []
        for _ in range(10):
            t = time.perf_counter()
            rows = intake.matter_page(s, actor, MatterFilter(), after=after, calendar=cal)
            page_times.append(time.perf_counter() - t)
            all_ids += [r.id for r in rows]
            if not rows:  # a small database ends within ten pages
                break
            after = (rows[-1].received_at, rows[-1].number)
        print(
            f"list (open or today): first page {ms(t_first)}, its size ({est.text()}) {ms(t_est)}"
        )
        print(f"next page of 200 rows on scrolling: median {ms(statistics.median(page_times))}")

        # 3. Search: a page of 50 (zongzhi find), and as the reception list searches (its
        #    first page by key, then its size). benchmarks/bench_search.py times ~60 queries.
        def page(q: str) -> None:
            intake.search(s, actor, q, limit=50)

        def in_list(q: str) -> None:
            intake.matter_page(s, actor, MatterFilter(query=q), calendar=cal)
            intake.estimate_matters(s, actor, MatterFilter(query=q))

        for label, fn in (("search", page), ("search in the reception list", in_list)):
            times, slowest = [], {}
            for q in QUERIES * 3:
                t = time.perf_counter()
                fn(q)
                times.append(time.perf_counter() - t)
                slowest[q] = max(slowest.get(q, 0.0), times[-1])
            times.sort()
            worst = sorted(slowest, key=slowest.get, reverse=True)[:3]
            print(
                f"{label} ({len(times)} queries): median {ms(statistics.median(times))}, "
                f"p90 {ms(times[int(len(times) * 0.9)])}, max {ms(times[-1])}; "
                f"slowest: {', '.join(f'{q} {ms(slowest[q])}' for q in worst)}"
                + ("; target median < 100 ms" if fn is page else "")
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
