"""Search, the reception list and 指挥研判 on PostgreSQL at 1,000,000 matters (issue 17).

    python benchmarks/bench_postgres.py [--database-url URL] [--matters 1000000] [--runs 5]

The database (default: the server in /tmp/pgurl, database ``zongzhi_bench_1m``, created if
missing) is built once and reused while it holds ``--matters`` matters. The app's migrations
make the schema. Building: a 10,000-matter demo (``zongzhi demo``'s builder) is timed first and
the whole build extrapolated from it; if the demo builder would take over ``--max-demo-min``
minutes, only a base of a tenth of the matters (one year) is built with it, and the rest is
made inside PostgreSQL by INSERT … SELECT: copy k of the base's year is moved k years back
(ten years in all), with new ids, its own 受理编号 (unique per year), its own visitors (same
names and pinyin, new phone numbers and ID-number sequence digits with their check digit), old
open matters closed. The summary tables are then rebuilt by the program's own
``app.models.tallies.rebuild`` and the tables analysed.

Measured, each on the path the GUI runs, in its own read transaction (``Database.run``):
1. The ~60 queries of ``benchmarks/bench_search.py`` (its list, taken from this database):
   the reception list's first page (``matter_page``) and, if full, ``estimate_matters``.
   Targets: median < 30 ms, p90 < 100 ms.
2. The reception list's first page with no query, and broad searches (a surname, an ID
   number's area code, a common word, a letter) with their estimate. Target < 300 ms each.
3. ``statistics.dashboard`` as 指挥研判 asks for it (reading the summary tables), and the two
   jobs after it (``village_rows``, ``repeat_risks``). Target: figures < 0.5 s.
Times are wall clock (the work is mostly in the server's process); every figure is a median
with its minimum and maximum, and a ratio to two references timed in the same run: a plain CPU
loop in Python and ``SELECT count(*) FROM generate_series(1, 1000000)`` on the server.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

DB_NAME = "zongzhi_bench_1m"
TARGET_MEDIAN, TARGET_P90, TARGET_BROAD, TARGET_DASHBOARD = 0.030, 0.100, 0.300, 0.500
BROAD = ["张", "王", "z", "330382", "物业", "噪音", "zhang"]
OPEN = ("registered", "routed", "in_progress")
NOTE_READ = "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"  # noqa: E501


def default_url() -> str | None:
    try:
        url = Path("/tmp/pgurl").read_text().strip()
    except OSError:
        return None
    return with_database(url, DB_NAME)


def with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    """CREATE DATABASE on the same server when it is not there yet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() != "postgresql":
        return  # (SQLite, for a quick look at the script itself: the file is made on opening)
    engine = create_engine(with_database(url, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            there = c.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}
            )
            if not there:
                c.exec_driver_sql(f'CREATE DATABASE "{u.database}"')
                print(f"created database {u.database}")
    finally:
        engine.dispose()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# --- building ------------------------------------------------------------------------------


def count_matters(db) -> int:
    from sqlalchemy import func, select

    from app.models import Matter

    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Matter)) or 0


def build(url: str, matters: int, max_demo_min: float, sample: int) -> None:
    from sqlalchemy import text

    from app.db import open_database
    from app.demo.center import generate_demo

    ensure_database(url)
    db = open_database(database_url=url)  # the app's migrations make the schema
    try:
        have = count_matters(db)
        if have >= matters:
            print(f"database holds {have} matters: reused (dropdb to build it afresh)")
            if not db.is_sqlite:
                with db.read() as s:
                    note = s.scalar(text(NOTE_READ))
                print(f"  {note or ''}")
            return
        t0 = time.perf_counter()
        base = max(1, matters // 10)
        if have == 0:
            n = min(sample, matters)
            t = time.perf_counter()
            generate_demo(db, n)
            took = time.perf_counter() - t
            whole = took / n * matters
            print(f"demo builder: {n} matters in {took:.1f} s; {matters} would take about "
                  f"{whole / 60:.0f} min")  # fmt: skip
            have = n
            if whole <= max_demo_min * 60:
                base = matters
        how = "demo builder" if base >= matters else f"demo base {base}, copies made in SQL"
        if have < base:
            t = time.perf_counter()
            generate_demo(db, base - have, progress=_progress("demo"))
            print(f"demo builder: {base - have} more in {time.perf_counter() - t:.0f} s")
            have = base
        if have < matters:
            multiply(db, matters)
        if not db.is_sqlite:
            finish(db)
        note = f"built {count_matters(db)} matters in {(time.perf_counter() - t0) / 60:.1f} min"
        note += f" on {time.strftime('%Y-%m-%d %H:%M')} ({how})"
        print(note)
        if not db.is_sqlite:
            with db.write() as s:
                name = s.scalar(text("SELECT current_database()"))
                s.connection().exec_driver_sql(f"COMMENT ON DATABASE \"{name}\" IS '{note}'")
    finally:
        db.dispose()


def _progress(what: str):
    last = [0.0]

    def report(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            print(f"  {what}: {done}/{total}", flush=True)

    return report


def _columns(table) -> list[str]:
    return [c.name for c in table.columns]


def _select_list(table, alias: str, overrides: dict[str, str]) -> str:
    return ", ".join(overrides.get(c, f"{alias}.{c}") for c in _columns(table))


# The check digit of an 18-digit ID number from its first 17 digits (GB 11643).
_ID_CHECK = (
    "substr('10X98765432', mod((SELECT sum(substr({b}, i, 1)::int * "
    "(ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[i]) FROM generate_series(1, 17) i)::int, "
    "11) + 1, 1)"
)


def multiply(db, matters: int) -> None:
    """Copies of the base year (the newest year's matters), each k years older, until there
    are ``matters``; one transaction per copy (an interrupted build resumes by its count)."""
    from sqlalchemy import text

    from app.models import Matter, Person

    with db.write() as s:
        newest = s.scalar(text("SELECT max(received_at) FROM matters"))
        since = s.scalar(text("SELECT :n - interval '1 year'"), {"n": newest})
        base = s.scalar(text("SELECT count(*) FROM matters WHERE received_at > :s"), {"s": since})
        q = text("SELECT DISTINCT year FROM matters WHERE received_at > :s")
        years = [row[0] for row in s.execute(q, {"s": since})]
        ymax = max(years)
        if any(y < ymax - 1 for y in years):
            raise SystemExit(f"the base year spans more than two calendar years: {years}")
        # In the year a copy's older part shares with the next copy's newer part, the newer
        # part's numbers follow the older part's.
        q = text("SELECT coalesce(max(seq), 0) FROM matters WHERE year = :y AND received_at > :s")
        shift = s.scalar(q, {"y": ymax - 1, "s": since})
        have = s.scalar(text("SELECT count(*) FROM matters"))
    total = have
    k = (have - base) // base + 1 if have > base else 1
    while total < matters:
        n = min(base, matters - total)
        t = time.perf_counter()
        with db.write() as s:
            conn = s.connection()
            sql = conn.exec_driver_sql
            sql(
                "CREATE TEMP TABLE mmap ON COMMIT DROP AS SELECT id AS old, "
                "gen_random_uuid() AS new FROM matters WHERE received_at > %(s)s "
                "ORDER BY received_at DESC LIMIT %(n)s",
                {"s": since, "n": n},
            )
            sql(
                "CREATE TEMP TABLE pmap ON COMMIT DROP AS SELECT old, gen_random_uuid() AS new "
                "FROM (SELECT DISTINCT mp.person_id AS old FROM matter_persons mp "
                "JOIN mmap ON mmap.old = mp.matter_id) x"
            )
            years = f"interval '{k} years'"
            body = (
                "left(p.id_number, 14) || lpad(mod(substr(p.id_number, 15, 3)::int + "
                f"{k * 37}, 1000)::text, 3, '0')"
            )
            phone = (
                "substr(p.phone, 1, 3) || lpad(mod(('x' || substr(md5(p.id::text || "
                f"'{k}'), 1, 8))::bit(32)::bigint & 2147483647, 100000000)::text, 8, '0')"
            )
            person = {
                "id": "pmap.new",
                "id_number": (
                    f"CASE WHEN p.id_number ~ '^[0-9]{{17}}[0-9X]$' THEN ({body}) || "
                    + _ID_CHECK.format(b=f"({body})")
                    + " ELSE p.id_number END"
                ),
                "phone": f"CASE WHEN p.phone ~ '^1[0-9]{{10}}$' THEN {phone} ELSE p.phone END",
                "phone_tail": (
                    f"CASE WHEN p.phone ~ '^1[0-9]{{10}}$' THEN right({phone}, 4) "
                    "ELSE p.phone_tail END"
                ),
                "created_at": f"p.created_at - {years}",
            }
            p_cols = _columns(Person.__table__)
            sql(
                f"INSERT INTO persons ({', '.join(p_cols)}) SELECT "
                f"{_select_list(Person.__table__, 'p', person)} "
                "FROM persons p JOIN pmap ON pmap.old = p.id"
            )
            closed = f"m.status IN {OPEN}"
            matter = {
                "id": "mmap.new",
                "year": "m.year - " + str(k),
                "seq": f"m.seq + CASE WHEN m.year = {ymax} THEN {shift} ELSE 0 END",
                "number": (
                    f"m.prefix || (m.year - {k}) || '-' || m.terminal || '-' || "
                    f"lpad((m.seq + CASE WHEN m.year = {ymax} THEN {shift} ELSE 0 END)::text, "
                    "6, '0')"
                ),
                "received_at": f"m.received_at - {years}",
                "deadline": f"(m.deadline - {years})::date",
                "superior_deadline": f"(m.superior_deadline - {years})::date",
                "created_at": f"m.created_at - {years}",
                "updated_at": f"m.updated_at - {years}",
                "feedback_at": f"m.feedback_at - {years}",
                "status": f"CASE WHEN {closed} THEN 'archived' ELSE m.status END",
                "closed_at": (
                    f"CASE WHEN {closed} THEN m.received_at - {years} + interval '9 days' "
                    f"ELSE m.closed_at - {years} END"
                ),
                "paused_at": "NULL::timestamp",
                "pause_reason": "NULL::text",
                "grid_report_key": f"m.grid_report_key || '~{k}'",
            }
            m_cols = _columns(Matter.__table__)
            sql(
                f"INSERT INTO matters ({', '.join(m_cols)}) SELECT "
                f"{_select_list(Matter.__table__, 'm', matter)} "
                "FROM matters m JOIN mmap ON mmap.old = m.id"
            )
            sql(
                "INSERT INTO matter_persons (matter_id, person_id, position) "
                "SELECT mmap.new, pmap.new, mp.position FROM matter_persons mp "
                "JOIN mmap ON mmap.old = mp.matter_id JOIN pmap ON pmap.old = mp.person_id"
            )
        total += n
        print(f"  copy {k} ({k} years back): {n} matters in {time.perf_counter() - t:.0f} s; "
              f"{total}/{matters}", flush=True)  # fmt: skip
        k += 1


def finish(db) -> None:
    """Counters past every number, the summary tables rebuilt, the tables analysed."""
    from app.models import tallies

    t = time.perf_counter()
    with db.write() as s:
        s.connection().exec_driver_sql(
            "INSERT INTO number_counters (prefix, year, terminal, last_value) "
            "SELECT prefix, year, terminal, max(seq) FROM matters GROUP BY 1, 2, 3 "
            "ON CONFLICT (prefix, year, terminal) DO UPDATE SET last_value = "
            "greatest(number_counters.last_value, excluded.last_value)"
        )
        rows = tallies.rebuild(s.connection())
    print(f"  summary tables rebuilt ({rows} rows) in {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql("VACUUM ANALYZE")
    print(f"  VACUUM ANALYZE in {time.perf_counter() - t:.0f} s")


# --- measuring -----------------------------------------------------------------------------


class _PgAsSqlite:
    """``bench_search.typical_queries`` reads its query list through ``sqlite3.connect``; this
    stands in for that module so the same list comes from the PostgreSQL database."""

    def __init__(self, url: str):
        self.url = url

    def connect(self, *_a, **_k):
        import psycopg
        from sqlalchemy.engine import make_url

        u = make_url(self.url)
        return psycopg.connect(
            host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database
        )


def search_queries(url: str) -> list[tuple[str, str]]:
    import bench_search
    from sqlalchemy.engine import make_url

    if make_url(url).get_backend_name() == "sqlite":
        return bench_search.typical_queries(Path(make_url(url).database))
    real = bench_search.sqlite3
    bench_search.sqlite3 = _PgAsSqlite(url)
    try:
        return bench_search.typical_queries(Path(DB_NAME))
    finally:
        bench_search.sqlite3 = real


def cpu_loop() -> float:
    t = time.perf_counter()
    total = 0
    for i in range(1_000_000):
        total += i * i % 7
    return time.perf_counter() - t


def server_ref(db) -> float:
    from sqlalchemy import text

    sql = "SELECT count(*) FROM generate_series(1, 1000000)"
    if db.is_sqlite:
        sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) "
        sql += "SELECT count(*) FROM c"
    with db.read() as s:
        t = time.perf_counter()
        s.scalar(text(sql))
        return time.perf_counter() - t


def spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def p90(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * 0.9))]


class Runner:
    def __init__(self, db):
        from sqlalchemy import select

        from app.models import User
        from app.services.center.calendar import WorkCalendar
        from app.services.security.auth import actor_for

        self.db = db
        with db.read() as s:
            self.reception = actor_for(
                s.scalar(select(User).where(User.username == "demo-reception"))
            )
            self.director = actor_for(
                s.scalar(select(User).where(User.username == "demo-director"))
            )
            self.cal = WorkCalendar.load(s)

    def search(self, query: str) -> tuple[float, float, int, object]:
        """(page s, estimate s, rows, estimate) as the reception list runs them."""
        from app.core.ops import op
        from app.services.reception import intake
        from app.services.reception.intake import MatterFilter

        f = MatterFilter(query=query)
        t = time.perf_counter()
        rows = self.db.run(op(intake.matter_page, self.reception, f, calendar=self.cal)).value
        t1 = time.perf_counter()
        if len(rows) < intake.PAGE:
            est = intake.Estimate(len(rows), True)
        else:
            est = self.db.run(op(intake.estimate_matters, self.reception, f)).value
        return t1 - t, time.perf_counter() - t1, len(rows), est

    def timed(self, fn, runs: int) -> list[float]:
        out = []
        for _ in range(runs):
            with self.db.read() as s:
                t = time.perf_counter()
                fn(s)
                out.append(time.perf_counter() - t)
        return out


def measure(url: str, runs: int) -> None:
    from app.db import open_database
    from app.services.command import statistics as stats

    db = open_database(database_url=url)
    try:
        r = Runner(db)
        queries = search_queries(url)
        loop = statistics.median(cpu_loop() for _ in range(3))
        ref = statistics.median(server_ref(db) for _ in range(5))
        print(f"machine load (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{count_matters(db)} matters; references: CPU loop {ms(loop)}, "
              f"server count(*) of 1,000,000 generated rows {ms(ref)}")  # fmt: skip

        def line(label: str, values: list[float], target: float | None) -> None:
            med, lo, hi = spread(values)
            goal = f"target < {ms(target)}; " if target else ""
            mark = "" if target is None else (" OK" if med < target else " MISSED")
            print(f"  {label}: median {ms(med)} (min {ms(lo)}, max {ms(hi)}; {goal}"
                  f"{med / ref:.2f}× server ref, {med / loop:.2f}× CPU loop){mark}")  # fmt: skip

        # 1. The sixty queries.
        for _k, q in queries:  # a first pass reads the indexes into the cache
            r.search(q)
        results = []
        for kind, q in queries:
            got = [r.search(q) for _ in range(runs)]
            results.append(
                (kind, q, statistics.median(g[0] + g[1] for g in got), got[-1][2], got[-1][3])
            )
        totals = [x[2] for x in results]
        med, ninety = statistics.median(totals), p90(totals)
        print(f"\n1. {len(results)} search queries (first page + estimate, median of {runs})")
        print(f"  median {ms(med)} (target < 30 ms; {med / ref:.2f}× server ref)"
              f"{' OK' if med < TARGET_MEDIAN else ' MISSED'}")  # fmt: skip
        print(f"  p90    {ms(ninety)} (target < 100 ms; {ninety / ref:.2f}× server ref)"
              f"{' OK' if ninety < TARGET_P90 else ' MISSED'}")  # fmt: skip
        print(f"  max    {ms(max(totals))}, min {ms(min(totals))}")
        for kind, q, took, rows, est in sorted(results, key=lambda x: -x[2])[:8]:
            print(f"    slow: {q} ({kind}) {ms(took)}, {rows} rows, {est.text()}")

        # 2. The list's first page, and broad searches with their estimate.
        print("\n2. Reception list (target < 300 ms each)")
        line("first page, no query", [sum(r.search("")[:2]) for _ in range(runs)], TARGET_BROAD)
        for q in BROAD:
            got = [r.search(q) for _ in range(runs)]
            line(f"broad “{q}” ({got[-1][3].text()})", [g[0] + g[1] for g in got], TARGET_BROAD)

        # 3. 指挥研判.
        print("\n3. 指挥研判 (the figures read the summary tables)")
        d = r.director
        line("statistics.dashboard (figures, risks, charts)",
             r.timed(lambda s: stats.dashboard(s, d, villages=False, repeats=False), runs),
             TARGET_DASHBOARD)  # fmt: skip
        line("statistics.village_rows", r.timed(lambda s: stats.village_rows(s, d), runs), None)
        line("statistics.repeat_risks", r.timed(lambda s: stats.repeat_risks(s, d), runs), None)
    finally:
        db.dispose()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--database-url", default=default_url())
    p.add_argument("--matters", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--sample", type=int, default=10_000, help="demo matters timed first")
    p.add_argument(
        "--max-demo-min", type=float, default=30, help="above this, multiply inside PostgreSQL"
    )
    p.add_argument("--build-only", action="store_true")
    args = p.parse_args()
    if not args.database_url:
        raise SystemExit("no --database-url and no /tmp/pgurl")
    build(args.database_url, args.matters, args.max_demo_min, args.sample)
    if not args.build_only:
        measure(args.database_url, args.runs)


if __name__ == "__main__":
    main()
