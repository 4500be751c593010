"""信息报送 numbers: the numbering service's counter per year, kind and terminal. Two sessions
writing at once never share a number, a refused save uses none, and a terminal's series
(its code in the number) never collides with the center's when its reports come in."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select

from app.core.errors import ValidationError
from app.models import ReportKind, Setting, UpwardReport
from app.services.command import reports_upward
from app.services.command.reports_upward import ReportInput
from tests.conftest import actor


def brief(title="简报"):
    return ReportInput(ReportKind.BRIEF, title, "正文")


def test_two_sessions_at_once_take_different_numbers(db, clock):
    """Two write sessions, each in its own thread, create a 简报 at the same moment."""
    clock.freeze("2027-03-01 09:00")
    who = actor(db, "jiedai")
    start = threading.Barrier(2)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def write(title: str) -> None:
        try:
            start.wait(timeout=10)
            with db.write() as s:
                numbers.append(reports_upward.create_report(s, who, brief(title)).number)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(t,)) for t in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(numbers) == ["简报〔2027〕第1期", "简报〔2027〕第2期"]


def test_a_refused_save_uses_no_number(db, clock):
    clock.freeze("2027-03-01 09:00")
    who = actor(db, "jiedai")
    with pytest.raises(ValidationError), db.write() as s:
        reports_upward.create_report(s, who, brief(""))  # no title
    with db.write() as s:
        assert reports_upward.create_report(s, who, brief()).number == "简报〔2027〕第1期"


def test_a_terminal_numbers_its_own_series(db, clock):
    """A terminal (code B) numbers "简报〔2027〕B第1期"; the center's 第1期 stands beside it, as
    it does when the terminal's bundle brings its reports to the center."""
    clock.freeze("2027-03-01 09:00")
    who = actor(db, "jiedai")
    with db.write() as s:
        center = reports_upward.create_report(s, who, brief("中心"))
        s.get(Setting, "terminal").value = json.dumps("B")
    with db.write() as s:
        terminal = reports_upward.create_report(s, who, brief("终端"))
        second = reports_upward.create_report(s, who, brief("终端二"))
    assert center.number == "简报〔2027〕第1期"
    assert (terminal.number, second.number) == ("简报〔2027〕B第1期", "简报〔2027〕B第2期")
    with db.read() as s:
        rows = s.execute(select(UpwardReport.terminal, UpwardReport.seq)).all()
        assert sorted(rows) == [("A", 1), ("B", 1), ("B", 2)]
        assert reports_upward.find_report(s, who, "简报〔2027〕B第2期") == second.id
