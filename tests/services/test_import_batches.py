"""A long import commits in short batches (issue 16 §7): a registration on another connection
goes in while it runs, numbering stays gap-free, and a failure or a kill leaves nothing half
imported (staged rows dropped before the commit point, finished by ``resume_imports`` after)."""

from __future__ import annotations

import csv
import threading
import time
from datetime import datetime

import pytest
from sqlalchemy import func, select, update

from app.core.ops import op
from app.db import Database
from app.models import AuditEntry, ImportedRow, ImportJob, Matter, Person, StagedRow
from app.services.command import importing
from app.services.reception import intake
from tests.conftest import actor
from tests.services.test_intake import make_input

HEADER = ["受理时间", "来源", "类别", "姓名", "身份证号", "联系电话", "村社区", "事项摘要", "状态"]


_DIGITS = "一二三四五六七八九十"


def sheet(tmp_path, rows: int, name="大表.csv", what="反映噪音扰民"):
    path = tmp_path / name
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(rows):
            at = f"2026-03-{1 + i % 28:02d} 09:{i % 60:02d}"
            name = "王" + _DIGITS[i % 10]
            w.writerow([at, "来访", "投诉", name, "", "", "白石村", f"第{i}件：{what}", ""])
    return path


def count(db, model, *where):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def seqs(db, year=2026):
    with db.read() as s:
        return sorted(s.scalars(select(Matter.seq).where(Matter.year == year)))


def test_an_intake_on_another_connection_goes_in_while_a_long_import_runs(
    db, tmp_path, monkeypatch
):
    """Two connections, an import of 1,200 rows in a thread: the registration waits for at
    most one batch. (About 2–4 s: the import itself is the point.)"""
    path = sheet(tmp_path, 1200)
    clerk = actor(db, "jiedai")
    other = Database(db.url)  # the second window or terminal: its own engine and connections
    applying = threading.Event()
    result: dict = {}

    def progress(phase, done, total):
        if phase == "导入" and count(db, Matter) > 0:
            applying.set()  # the first batch is in: the import is under way
        return True

    def work():
        try:
            result["report"] = db.run(
                op(importing.import_sheet, clerk, "matters", path, progress=progress)
            ).value
        except BaseException as exc:  # pragma: no cover — shown by the assertion below
            result["error"] = exc
        applying.set()

    thread = threading.Thread(target=work)
    thread.start()
    try:
        assert applying.wait(60)
        assert "error" not in result
        t = time.perf_counter()
        with other.write() as s:
            registered = intake.register_matter(s, clerk, make_input(other))
        waited = time.perf_counter() - t
    finally:
        thread.join(120)
        other.dispose()
    assert "error" not in result, result.get("error")
    assert result["report"].imported == 1200
    assert waited < 2.0, f"登记等了 {waited:.2f} 秒"
    assert count(db, Matter) == 1201
    # Gap-free: 1,201 numbers, the registration's somewhere among the import's batches.
    assert seqs(db) == list(range(1, 1202))
    assert registered.number.startswith("BS2026-A-")
    assert count(db, StagedRow) == 0 and count(db, ImportJob) == 0


def test_a_failure_before_the_commit_point_leaves_nothing(db, tmp_path, monkeypatch):
    path = sheet(tmp_path, 120)
    clerk = actor(db, "jiedai")
    monkeypatch.setattr(importing, "BATCH_ROWS", 10)
    monkeypatch.setattr(importing, "YIELD_SECONDS", 0)
    calls = []

    def failing(clean):
        calls.append(1)
        if len(calls) == 10 * importing.STAGE_BATCHES + 10:  # staging batch 2; 1 is committed
            raise OSError("磁盘出错")
        return real(clean)

    real = importing._pack
    monkeypatch.setattr(importing, "_pack", failing)
    before = count(db, AuditEntry)
    with pytest.raises(OSError):
        db.run(op(importing.import_sheet, clerk, "matters", path))
    assert count(db, Matter) == count(db, Person) == count(db, ImportedRow) == 0
    assert count(db, StagedRow) == count(db, ImportJob) == 0
    assert count(db, AuditEntry) == before
    monkeypatch.setattr(importing, "_pack", real)
    report = db.run(op(importing.import_sheet, clerk, "matters", path)).value  # again: works
    assert report.imported == 120 and seqs(db) == list(range(1, 121))


def test_a_killed_import_is_dropped_before_its_commit_point_and_finished_after(
    db, tmp_path, monkeypatch, clock
):
    """A kill is a program that stops between two transactions: simulated by an error the
    import's own clean-up does not see (staging), and by one in the middle of the writing."""
    clock.freeze("2026-11-20 10:00")
    clerk = actor(db, "jiedai")
    monkeypatch.setattr(importing, "BATCH_ROWS", 10)
    # 1. Killed while staging: the job stays behind, staged and invisible … (patched apart
    # from ``monkeypatch``, whose undo would also undo the test's own data folder)
    with pytest.MonkeyPatch.context() as kill:
        kill.setattr(importing, "_drop_job", lambda session, job_id: None)  # no clean-up
        kill.setattr(importing, "_pack", lambda clean: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            db.run(op(importing.import_sheet, clerk, "matters", sheet(tmp_path, 50, "a.csv")))
    monkeypatch.setattr(importing, "YIELD_SECONDS", 0)
    assert count(db, ImportJob) == 1 and count(db, Matter) == 0
    # 2. … and after a while, the next run drops it and imports the sheet whole.
    clock.freeze("2026-11-20 10:10")
    report = db.run(op(importing.import_sheet, clerk, "matters", sheet(tmp_path, 50, "a.csv")))
    assert report.value.imported == 50 and count(db, ImportJob) == 0
    # 3. Killed after its commit point, in the middle of writing: the rest is still staged …
    real = importing._write_rows
    batches = []

    def dies_on_the_third(session, who, job, rows):
        batches.append(len(rows))
        if len(batches) == 3:
            raise KeyboardInterrupt  # the program stops here
        real(session, who, job, rows)

    monkeypatch.setattr(importing, "_write_rows", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        db.run(
            op(
                importing.import_sheet,
                clerk,
                "matters",
                sheet(tmp_path, 45, "b.csv", "反映路灯不亮"),
            )
        )
    monkeypatch.setattr(importing, "_write_rows", real)
    assert count(db, Matter) == 70 and count(db, StagedRow) == 25
    # … and the next start (or check, or import) finishes it: every row once, no gap.
    assert db.run(op(importing.resume_imports, None)).value == 25
    assert count(db, Matter) == 95 and seqs(db) == list(range(1, 96))
    assert count(db, StagedRow) == 0 and count(db, ImportJob) == 0
    with db.write() as s:  # a stale staging job of a dead terminal has no lock to wait for
        s.execute(update(ImportJob).values(touched_at=datetime(2026, 1, 1)))
    assert db.run(op(importing.resume_imports, None)).value == 0


def test_inside_a_callers_transaction_the_import_is_that_transaction(db, tmp_path):
    path = sheet(tmp_path, 30)
    with pytest.raises(RuntimeError), db.write() as s:
        assert importing.import_sheet(s, actor(db, "jiedai"), "matters", path).imported == 30
        assert s.scalar(select(func.count()).select_from(Matter)) == 30
        raise RuntimeError("the caller fails afterwards")
    assert count(db, Matter) == count(db, ImportJob) == 0


def test_imported_rows_are_in_the_change_log_as_the_orm_would_log_them(db, tmp_path):
    """The multi-row INSERTs log every row for exchange bundles, keyed like an ORM write."""
    import json

    from app.models import MatterEvent, MatterPerson, RowChange

    db.run(op(importing.import_sheet, actor(db, "jiedai"), "matters", sheet(tmp_path, 12)))
    with db.read() as s:
        logged = {(t, k) for t, k in s.execute(select(RowChange.table_name, RowChange.row_key))}
        expected = {("matters", json.dumps([str(i)])) for i in s.scalars(select(Matter.id))}
        expected |= {("persons", json.dumps([str(i)])) for i in s.scalars(select(Person.id))}
        expected |= {
            ("matter_events", json.dumps([str(i)])) for i in s.scalars(select(MatterEvent.id))
        }
        expected |= {
            ("matter_persons", json.dumps([str(m), str(p)]))
            for m, p in s.execute(select(MatterPerson.matter_id, MatterPerson.person_id))
        }
        expected |= {
            ("imported_rows", json.dumps([k, h], ensure_ascii=False))
            for k, h in s.execute(select(ImportedRow.kind, ImportedRow.row_hash))
        }
    assert len(expected) == 12 * 5  # a matter, its person (no ID number), link, event, key
    assert expected <= logged


def test_people_seen_again_are_updated_and_the_tallies_stay_right(db, tmp_path, monkeypatch):
    """A batch's changes to people (a known visitor moving village, a new one seen twice) go
    in as a few statements, and the tallies are counted once per batch: they equal a recount."""
    from app.models import RowChange, Village, tallies
    from tests.services.test_intake import VALID_ID, register

    register(db, actor(db, "jiedai"), make_input(db))  # 王𠮷, VALID_ID, no village
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)  # the rows span three batches
    other = "330382199001010015"
    rows = [
        ["2026-03-02 09:00", "来访", "投诉", "王𠮷", VALID_ID, "13900000001", "中雁村", "甲", ""],
        ["2026-03-02 09:05", "来访", "投诉", "李四", other, "13900000002", "白石村", "乙", ""],
        ["2026-03-02 09:10", "来访", "投诉", "李四", other, "13900000003", "白石村", "丙", ""],
        ["2026-03-02 09:20", "来访", "投诉", "王𠮷", VALID_ID, "", "山马社区", "丁", ""],
        ["2026-03-02 09:30", "来访", "投诉", "李四", other, "13900000004", "中雁村", "戊", ""],
    ]
    path = tmp_path / "再来.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])
    report = db.run(op(importing.import_sheet, actor(db, "jiedai"), "matters", path)).value
    assert report.imported == 5 and not report.problems
    with db.read() as s:
        assert tallies.differences(s.connection()) == 0
        people = {p.id_number: p for p in s.scalars(select(Person))}
        assert len(people) == 2
        wang, li = people[VALID_ID], people[other]
        village = {v.id: v.name for v in s.scalars(select(Village))}
        assert (village[wang.village_id], wang.phone) == ("山马社区", "13900000001")
        assert (village[li.village_id], li.phone, li.phone_tail) == (
            "中雁村",
            "13900000004",
            "0004",
        )
        updates = s.scalars(select(RowChange.row_key).where(RowChange.op == "update"))
        assert f'["{wang.id}"]' in set(updates)
