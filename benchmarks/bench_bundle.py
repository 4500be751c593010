"""Size of the PyInstaller bundle, its start-up time to a usable login window, and the
command line as installed (``--help``, a receipt printed whole-process).

    make bundle && python benchmarks/bench_bundle.py [--bundle dist/zongzhi]

Goals (issue 9): under 300 MB unpacked, under 2 s to the login window; (issue 17) a receipt
from the command line in under 0.5 s. Prints figures only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def folder_mb(path: Path) -> float:
    # PyInstaller links some libraries twice: count each file once, as du does.
    return (
        sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bundle", type=Path, default=ROOT / "dist" / "zongzhi")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    exe = args.bundle / "zongzhi"
    cli = args.bundle / "zongzhi-cli"
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    print(f"bundle: {args.bundle} — {folder_mb(args.bundle):.0f} MB unpacked; target < 300 MB")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.sqlite3"
        subprocess.run(
            [cli, "demo", "--db", db, "--matters", "300"], check=True, capture_output=True, env=env
        )
        for label, extra in (
            ("login window (demo database)", ["--db", db]),
            ("first-run wizard (no database)", ["--db", Path(tmp) / "new.db"]),
        ):
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                proc = subprocess.Popen(
                    [exe, *extra, "--startup-probe"],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                    env=env,
                )
                line = proc.stdout.readline().strip()
                times.append(time.perf_counter() - t0)
                proc.wait(timeout=30)
                assert line == "ready", f"no window: {line!r}"
                (Path(tmp) / "new.db").unlink(missing_ok=True)
            print(
                f"start-up to {label}: median {statistics.median(times):.2f} s "
                f"(runs: {', '.join(f'{t:.2f}' for t in times)}); target < 2 s"
            )
        # The command line as installed: a command that needs nothing (the bundle's own start),
        # and a receipt signed in with a password file, as a script prints one.
        password = Path(tmp) / "password.txt"
        password.write_text("Jiedai@2026", encoding="utf-8")
        login = ["--user", "demo-reception", "--password-file", password]
        number = subprocess.run(
            [cli, "find", "BS", "--db", db, *login],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout.split()[0]
        out = Path(tmp) / "receipt.pdf"
        for label, argv, target in (
            ("zongzhi-cli --help", ["--help"], None),
            (
                "zongzhi-cli print receipt (log-in, data, PDF, audit)",
                ["print", "receipt", number, "--db", db, "--out", out, *login],
                0.5,
            ),
        ):
            subprocess.run([cli, *argv], check=True, capture_output=True, env=env)  # fonts cached
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                subprocess.run([cli, *argv], check=True, capture_output=True, env=env)
                times.append(time.perf_counter() - t0)
            goal = f"; target < {target} s" if target else ""
            print(
                f"{label}: median {statistics.median(times):.2f} s "
                f"(runs: {', '.join(f'{t:.2f}' for t in times)}){goal}"
            )
        assert out.read_bytes().startswith(b"%PDF")


if __name__ == "__main__":
    main()
