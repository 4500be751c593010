"""Printing and start-up speed, each figure beside its target (issue 17). Asserts nothing.

    python benchmarks/bench_print.py [--matters 100000] [--db PATH] [--runs 7]

- Whole-process ``zongzhi print receipt`` (signed in with a password file, as a script would),
  median, min and max of ``--runs`` fresh processes; beside it LibreOffice converting the
  same page (``_receipt_docx.py``: table, QR code, cut line, stub) from .docx to PDF in the
  same run, when ``soffice`` is installed.
- In the app: a receipt rendered warm, and, in a GUI process, the first receipt preview after
  log-in (printing warmed up in the background meanwhile) and the resident memory then.
- Start to the log-in window (``zongzhi --startup-probe``), log-in to the list's first page.
- Resident memory after log-in and the first receipt (target 250 MB), once pypinyin is
  loaded, and after scrolling the whole reception list (target 350 MB).

Run it with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` unset), as an installed program
runs: otherwise every process compiles the program's modules afresh.

Each figure is also printed as a ratio to a fixed reference timed in the same run (a plain
CPU loop), so figures from a busy machine and a quiet one can be compared; the machine's load
is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The processes timed start as an installed program does, from compiled bytecode: an
# environment that forbids writing it (PYTHONDONTWRITEBYTECODE, as some shells set) would make
# every start compile some seventy modules again, about 60 ms (the Makefile unexports it too).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

USER = "demo-reception"


def reference_loop() -> float:
    """A fixed piece of CPU work (about 0.1 s on an office PC): the unit of the ratios."""
    t = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i * i % 7
    return time.perf_counter() - t


class Report:
    def __init__(self, reference: float):
        self.reference = reference

    def line(self, what: str, runs: list[float], target: float | None, unit: str = "s") -> None:
        med = statistics.median(runs)
        spread = f" (min {min(runs):.3f}, max {max(runs):.3f}, {len(runs)} runs)"
        goal = f"; target < {target:g} {unit}" if target is not None else ""
        met = "" if target is None else (" — met" if med < target else " — MISSED")
        print(
            f"{what}: median {med:.3f} {unit}{spread if len(runs) > 1 else ''}{goal}{met}; "
            f"{med * (0.001 if unit == 'ms' else 1) / self.reference:.1f}× the reference loop",
            flush=True,
        )


BARE_WINDOW = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog
app = QApplication([])
d = QDialog()
QTimer.singleShot(0, d.reject)
d.exec()
"""


def zongzhi() -> list[str]:
    """The installed command, as a user or a script starts it (``python -m app`` where the
    program is not installed: the same code, started through runpy)."""
    command = Path(sys.executable).with_name("zongzhi.exe" if os.name == "nt" else "zongzhi")
    return [str(command)] if command.exists() else [sys.executable, "-m", "app"]


CPU_USED: list[float] = []  # each whole-process receipt's CPU seconds (user + system)


def whole_process_receipt(db: Path, number: str, password: Path, out: Path) -> float:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(
        [
            *zongzhi(),
            "print",
            "receipt",
            number,
            "--db",
            str(db),
            "--out",
            str(out),
            "--user",
            USER,
            "--password-file",
            str(password),
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_USED.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return elapsed


def libreoffice_convert(soffice: str, docx: Path, outdir: Path, profile: Path) -> float:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_USED.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return elapsed


def rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def child_gui(db_path: str) -> None:
    """A GUI process: the receptionist's main window (as after log-in), its list's first page,
    printing warmed up in the background, then the first receipt preview; resident memory."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    import app.gui as gui
    from app.db import open_database
    from app.models import Matter, User
    from app.services.security.auth import actor_for

    def wait_until(cond, timeout: float = 60.0) -> None:
        end = time.perf_counter() + timeout
        while not cond():
            QApplication.processEvents()
            # What the event loop does between events: objects let go of are deleted.
            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            if time.perf_counter() > end:
                raise TimeoutError
            time.sleep(0.002)

    app = gui.make_app(["zongzhi"])
    db = open_database(db_path)
    with db.read() as s:
        actor = actor_for(s.scalar(select(User).where(User.username == USER)))
        matter_id = s.scalar(select(Matter.id).order_by(Matter.received_at.desc()).limit(1))
    t = time.perf_counter()
    window = gui.build_main_window(db, actor)
    window.show()
    tab = window.reception
    wait_until(lambda: tab.model.rowCount() > 0)
    to_list = time.perf_counter() - t
    rss_list = rss_mb()
    time.sleep(0)
    end = time.perf_counter() + 2.5  # the warm-up starts 1 s after the tab opens
    wait_until(lambda: time.perf_counter() > end)
    rss_warm = rss_mb()
    previews, rss_first = [], 0.0
    for _ in range(3):
        tab._print_target, before = matter_id, tab.preview
        t = time.perf_counter()
        tab.print_receipt()
        wait_until(lambda b=before: tab.preview not in (None, b) and tab.preview.isVisible())
        QApplication.processEvents()
        previews.append(time.perf_counter() - t)
        rss_first = rss_first if previews[1:] else rss_mb()
        tab.preview.close()  # the next print lets it go, as in the app
    figures = {"list": to_list, "previews": previews, "rss": rss_first}
    figures.update(rss_list=rss_list, rss_warm=rss_warm, rss_end=rss_mb())
    # pypinyin is loaded when a name is first typed (the earlier-visits look-up, on the worker).
    from app.services.pinyin import name_keys

    name_keys("下塘")
    figures["rss_pinyin"] = rss_mb()
    # Scrolling the whole reception list: every page fetched, as the view does at the bottom.
    model = tab.model
    t = time.perf_counter()
    while True:
        wait_until(lambda: not model._pending, timeout=600)
        if not model.canFetchMore():
            break
        model.fetchMore()
    figures.update(scrolled=time.perf_counter() - t, rows=model.rowCount(), rss_scrolled=rss_mb())
    print(json.dumps(figures), flush=True)
    window.close()
    window.ctx.worker.wait()
    app.quit()


def gui_figures(db: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child-gui", str(db)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        cwd=ROOT,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--matters", type=int, default=100_000)
    p.add_argument("--db", type=Path)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--child-gui", metavar="DB")
    args = p.parse_args()
    if args.child_gui:
        child_gui(args.child_gui)
        return

    from sqlalchemy import func, select

    from app.db import open_database
    from app.demo.center import DEMO_ACCOUNTS
    from app.models import Matter, User
    from app.reports.receipt import render_receipt
    from app.services.reception import receipts
    from app.services.security.auth import actor_for
    from benchmarks._cache import demo_database
    from benchmarks._receipt_docx import receipt_docx

    db_path = demo_database(args.matters, args.db)
    db = open_database(db_path)
    with db.read() as s:
        number, mid = s.execute(
            select(Matter.number, Matter.id).order_by(Matter.received_at.desc()).limit(1)
        ).one()
        actor = actor_for(s.scalar(select(User).where(User.username == USER)))
    work = Path(tempfile.mkdtemp(prefix="zongzhi-bench-print-"))
    password = work / "password.txt"
    password.write_text(next(p for u, p, *_ in DEMO_ACCOUNTS if u == USER), encoding="utf-8")

    with db.read() as s:
        count = s.scalar(select(func.count()).select_from(Matter)) or 0
    print(f"database: {db_path} ({count} matters); python {sys.version.split()[0]}")
    print(f"machine: {os.cpu_count()} CPUs, load (1, 5, 15 min) {os.getloadavg()}")
    reference = statistics.median(reference_loop() for _ in range(5))
    report = Report(reference)
    print(f"reference loop (2,000,000 steps of plain Python): median {reference:.3f} s")

    # 1. Whole-process receipts and, when LibreOffice is installed, its conversion of the same
    #    page, run alternately so that both see the same load. The first of each is not
    #    counted: it fills the font cache, and LibreOffice makes its profile.
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        with db.read() as s:
            data = receipts.receipt_data(s, actor, mid)
        docx = work / "receipt.docx"
        receipt_docx(docx, data)
        profile = work / "lo-profile"
        libreoffice_convert(soffice, docx, work, profile)
    whole_process_receipt(db_path, number, password, work / "first.pdf")
    runs, office, office_cpu = [], [], []
    for _ in range(args.runs):
        runs.append(whole_process_receipt(db_path, number, password, work / "r.pdf"))
        if soffice:
            office.append(libreoffice_convert(soffice, docx, work, profile))
            office_cpu.append(CPU_USED.pop())
    print(f"  (load while timing: {os.getloadavg()[0]:.2f})")
    report.line("whole-process `zongzhi print receipt`", runs, 0.5)
    cpu = CPU_USED[-len(runs) :]
    # On Linux a second process makes the PDF meanwhile (app/printer_process.py): the CPU time
    # of both is counted, so it can exceed the wall time on two cores.
    report.line("  its CPU time (user + system; both processes where two print)", cpu, None)
    interpreter = []
    for _ in range(args.runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        interpreter.append(time.perf_counter() - t)
    report.line("  of which a bare Python interpreter's start", interpreter, None)
    from app.services.security.passwords import HASHER

    stored = HASHER.hash("Jiedai@2026")
    verify = []
    for _ in range(args.runs):
        t = time.perf_counter()
        HASHER.verify(stored, "Jiedai@2026")
        verify.append((time.perf_counter() - t) * 1000)
    params = f"m={HASHER.memory_cost} KiB, t={HASHER.time_cost}, p={HASHER.parallelism}"
    report.line(f"  of which the password check (Argon2id {params}, unchanged)", verify, None, "ms")
    if soffice:
        report.line("LibreOffice converting the same page (.docx → PDF), alternating", office, None)
        report.line("  its CPU time (user + system)", office_cpu, None)
        ratio = statistics.median(office) / statistics.median(runs)
        cpu_ratio = statistics.median(office_cpu) / statistics.median(cpu)
        # Each LibreOffice run follows its zongzhi run: the ratio of each such pair saw the same
        # load, so its spread says how far the ratio of the medians can be trusted.
        pairs = sorted(o / r for o, r in zip(office, runs, strict=True))
        met = " — met" if ratio >= 2.5 else " — MISSED"
        print(
            f"  zongzhi is {ratio:.2f}× as fast as the office route (wall; {cpu_ratio:.2f}× in "
            f"CPU time); target ≥ 2.5×{met}\n"
            f"    run by run: median {statistics.median(pairs):.2f}× (min {pairs[0]:.2f}, "
            f"max {pairs[-1]:.2f}; {sum(q >= 2.5 for q in pairs)} of {len(pairs)} pairs ≥ 2.5×)"
        )
    else:
        print("LibreOffice (soffice) is not installed here: the office route was not timed.")

    # 2. In the app: a warm receipt render, the data read and audit row included or not.
    with db.write() as s:
        receipts.receipt_pdf(s, actor, mid)  # fonts and code warm
        data = receipts.receipt_data(s, actor, mid)
        s.rollback()
    render, render_cpu = [], []
    for _ in range(30):
        t, c = time.perf_counter(), time.process_time()
        render_receipt(data)
        render.append(time.perf_counter() - t)
        render_cpu.append(time.process_time() - c)
    report.line("receipt render in the app (warm)", [r * 1000 for r in render], 30, "ms")
    report.line("  its CPU time", [r * 1000 for r in render_cpu], 30, "ms")
    whole = []
    for _ in range(10):
        with db.write() as s:
            t = time.perf_counter()
            receipts.receipt_pdf(s, actor, mid)
            whole.append(time.perf_counter() - t)
            s.rollback()
    report.line("  with its data read and audit row", [w * 1000 for w in whole], None, "ms")
    db.dispose()

    # 3. A GUI process: log-in to the list, first preview, memory.
    gui = [gui_figures(db_path) for _ in range(max(1, args.runs // 3))]
    report.line(
        "main window built (no log-in window before it) to the list's first page",
        [g["list"] for g in gui],
        None,
    )
    report.line(
        "first receipt preview after log-in", [g["previews"][0] * 1000 for g in gui], 300, "ms"
    )
    report.line("a later receipt preview", [g["previews"][-1] * 1000 for g in gui], None, "ms")
    rss = [g["rss"] for g in gui]
    print(
        f"resident memory after log-in and the first receipt: median {statistics.median(rss):.0f}"
        f" MB (min {min(rss):.0f}, max {max(rss):.0f}); target < 250 MB"
        + (" — met" if statistics.median(rss) < 250 else " — MISSED")
    )
    g = gui[-1]
    print(
        f"  of which: {g['rss_list']:.0f} MB at the list's first page, {g['rss_warm']:.0f} MB "
        f"after printing's warm-up, {g['rss_end']:.0f} MB after three previews, "
        f"{g['rss_pinyin']:.0f} MB once pypinyin is loaded (the first name typed)"
    )
    scrolled = [g["rss_scrolled"] for g in gui]
    print(
        f"resident memory after scrolling the whole list ({g['rows']} rows, "
        f"{g['scrolled']:.1f} s): median {statistics.median(scrolled):.0f} MB "
        f"(min {min(scrolled):.0f}, max {max(scrolled):.0f}); target < 350 MB"
        + (" — met" if statistics.median(scrolled) < 350 else " — MISSED")
    )

    # 4. Start to the log-in window (the real `zongzhi --startup-probe`), and in a process
    #    running the real start, log-in (once the database is open) to the list's first page.
    from bench_reception import time_login_to_reception, time_to_login_window

    time_to_login_window(db_path)
    starts = [time_to_login_window(db_path) for _ in range(args.runs)]
    report.line("start to the log-in window", starts, 0.8)
    bare = []
    for _ in range(args.runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", BARE_WINDOW], check=True, capture_output=True)
        bare.append(time.perf_counter() - t)
    report.line("  a bare PySide6 window in the same venv (the floor)", bare, None)
    logins = [time_login_to_reception(db_path) for _ in range(args.runs)]
    report.line(
        "log-in (登录 pressed) to the list's first page painted", [r[1] for r in logins], 0.5
    )
    report.line("  its CPU time (the whole process)", [r[4] for r in logins], 0.5)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
