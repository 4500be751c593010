"""The program's one clock: tests and trial runs can set the date, and it keeps running."""

from __future__ import annotations

import time
from datetime import date, datetime

from app.core import clock as program_clock


def test_frozen_clock_gives_that_day_and_time(clock):
    clock.freeze("2027-01-05")
    assert clock.today() == date(2027, 1, 5)
    assert clock.now() == datetime(2027, 1, 5, 9, 30)
    clock.freeze(datetime(2030, 2, 28, 17, 45, 12, 999))
    assert clock.now() == datetime(2030, 2, 28, 17, 45, 12)


def test_set_clock_runs_on_from_the_moment_given(clock):
    clock.set_clock("2028-12-31T23:59:59")
    first = clock.now()
    assert first.date() == date(2028, 12, 31)
    time.sleep(1.1)
    assert clock.now() > first
    assert clock.today() in (date(2028, 12, 31), date(2029, 1, 1))


def test_frozen_at_restores_the_clock_afterwards(clock):
    clock.freeze("2026-03-01")
    with clock.frozen_at("2029-07-01T08:00"):
        assert clock.now() == datetime(2029, 7, 1, 8, 0)
    assert clock.today() == date(2026, 3, 1)


def test_environment_variable_sets_the_start_up_clock(monkeypatch):
    monkeypatch.setenv(program_clock.ENV, "2027-01-05")
    program_clock.reset()
    assert program_clock.today() == date(2027, 1, 5)
    monkeypatch.delenv(program_clock.ENV)
    program_clock.reset()
    assert abs((program_clock.now() - datetime.now()).total_seconds()) < 5


def test_the_date_sensitive_tests_named_in_conftest_exist():
    """A renamed module or test would silently drop out of the dated pass of `make test`."""
    from tests.conftest import DATE_SENSITIVE, ROOT

    missing = []
    for name in sorted(DATE_SENSITIVE):
        module, _, test = name.partition("::")
        path = ROOT / module
        if not path.is_file() or (test and f"def {test}(" not in path.read_text("utf-8")):
            missing.append(name)
    assert missing == []
