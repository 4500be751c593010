"""The ledger and assessment benchmarks still run at a tiny size, end to end, printing their
figures.

A benchmark that no longer imports or runs goes unnoticed until someone needs its numbers (the
ledger benchmark imported a helper that had moved), so it runs here on a few dozen matters.
The command and reception benchmarks start GUI child processes and take too long for the suite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bench_cache() -> dict[str, float]:
    """The repository's shared benchmark databases (.bench/), each with its modification time."""
    cache = ROOT / ".bench"
    return {str(f): f.stat().st_mtime for f in cache.rglob("*")} if cache.exists() else {}


@pytest.mark.parametrize(
    ("script", "args", "printed"),
    [
        (
            "bench_ledgers.py",
            ["--matters", "40", "--rows", "20"],
            r"import of 20 matters in one transaction: [\d.]+ s .*; target < 10 s",
        ),
        # 考核评价 on the demo center's 考核方案 alone (--matters 0: no showcase, which took
        # nearly all of the 4 s of CPU this case cost); the scores take milliseconds.
        (
            "bench_assessment.py",
            ["--matters", "0", "--runs", "1"],
            r"quarter scores \(\d+ units, villages and grids, 0 matters\): median \d+ ms .* — "
            r"target < 2000 ms: (OK|OVER)",
        ),
    ],
    ids=["ledgers", "assessment"],
)
def test_benchmark_runs_at_a_tiny_size(
    tmp_path: Path, script: str, args: list[str], printed: str
) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    env.pop("ZONGZHI_CLOCK", None)
    before = _bench_cache()
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / script),
            *args,
            "--db",
            str(tmp_path / "b.sqlite3"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert re.search(printed, run.stdout), run.stdout[-3000:]
    # With --db the benchmark leaves make bench's cached databases alone.
    assert _bench_cache() == before
