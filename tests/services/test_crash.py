"""Power cut mid-registration: a writer is killed with SIGKILL at random moments, many times.

After every kill the database opens, passes integrity_check, holds every matter whose
registration returned, complete, and no half-registered matter; numbers stay gap-free.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import open_database
from app.models import Matter
from app.services.security import audit

ROOT = Path(__file__).resolve().parents[2]
KILLS = 12


@pytest.mark.sqlite_only
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX-only")
def test_sigkill_during_registrations_loses_nothing_that_returned(db, request):
    path = str(db.path)
    db.dispose()
    rng = random.Random(20261125)
    returned: list[str] = []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Each writer is forked from a server that imported the program once (crash_writer.py).
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "crash_writer.py"), "--fork-server", path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    request.addfinalizer(server.kill)
    for round_ in range(KILLS):
        server.stdin.write(f"{round_ * 1000}\n")
        server.stdin.flush()
        pid = server.stdout.readline().strip()
        # Wait for the first registration, then kill at a random moment of the loop.
        first = server.stdout.readline().strip()
        assert pid.isdigit() and first and first != "end", server.communicate()[1]
        time.sleep(rng.uniform(0.0, 0.4))
        os.kill(int(pid), signal.SIGKILL)
        out = []
        while (line := server.stdout.readline()) not in ("end\n", ""):
            out.append(line)
        returned += [first, *"".join(out).split()]

        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            numbers = {r[0] for r in conn.execute("SELECT number FROM matters")}
            missing = [n for n in returned if n not in numbers]
            assert not missing, f"round {round_}: returned but lost: {missing[:5]}"
            half = conn.execute(
                "SELECT count(*) FROM matters m WHERE "
                "(SELECT count(*) FROM matter_persons p WHERE p.matter_id = m.id) != 2 "
                "OR NOT EXISTS (SELECT 1 FROM matter_events e WHERE e.matter_id = m.id) "
                "OR NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.object_id = "
                "  substr(m.id,1,8)||'-'||substr(m.id,9,4)||'-'||substr(m.id,13,4)||'-'||"
                "  substr(m.id,17,4)||'-'||substr(m.id,21))"
            ).fetchone()[0]
            assert half == 0, f"round {round_}: {half} half-registered matters"
            seqs = sorted(r[0] for r in conn.execute("SELECT seq FROM matters"))
            assert seqs == list(range(1, len(seqs) + 1)), "numbers stay gap-free"
            last = conn.execute("SELECT max(last_value) FROM number_counters").fetchone()[0]
            assert last == len(seqs)
        conn.close()
    server.stdin.close()
    assert server.wait(timeout=60) == 0, server.stderr.read()
    assert len(returned) >= KILLS


def test_three_writers_on_one_database_wait_for_each_other_and_never_share_a_number(db):
    """Three processes (three terminals' worth of writers) register at once against one
    database: a SQLite file, or on the PostgreSQL pass one server."""
    url = db.url
    db.dispose()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "crash_writer.py"), url, str(k * 1000), "25"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for k in range(3)
    ]
    numbers = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        numbers += out.split()
    assert len(numbers) == 75 and len(set(numbers)) == 75
    database = open_database(database_url=url)
    try:
        with database.read() as s:
            seqs = sorted(s.scalars(select(Matter.seq)))
            chain = audit.verify_chain(s)
    finally:
        database.dispose()
    assert seqs == list(range(1, 76))
    assert chain.first_broken is None, chain.problem
