"""The program's one clock: every "now" and "today" in services, views and reports comes from
here, so that tests (and a trial run) can set the date.

The clock runs: setting it to a moment moves it by an offset from the machine's time, so later
readings still advance. ``freeze`` stops it at one moment, for tests that compare exact times.
The environment variable ``ZONGZHI_CLOCK`` (``2027-01-05`` or ``2027-01-05T09:30``) sets it at
start-up, which is how the suite is run at other dates.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

ENV = "ZONGZHI_CLOCK"

_offset = timedelta(0)
_frozen: datetime | None = None


def _machine_now() -> datetime:
    return datetime.now()


def now() -> datetime:
    """Local wall-clock time, without tzinfo and without microseconds."""
    at = _frozen if _frozen is not None else _machine_now() + _offset
    return at.replace(microsecond=0)


def today() -> date:
    return now().date()


def _moment(at: date | datetime | str) -> datetime:
    if isinstance(at, str):
        at = datetime.fromisoformat(at) if "T" in at or " " in at else date.fromisoformat(at)
    if not isinstance(at, datetime):
        # A date alone means that day at 09:30, a time the center is open.
        at = datetime.combine(at, time(9, 30))
    return at


def set_clock(at: date | datetime | str | None) -> None:
    """Run the clock from ``at`` on (None: the machine's own time again)."""
    global _offset, _frozen
    _frozen = None
    _offset = timedelta(0) if at is None else _moment(at) - _machine_now()


def freeze(at: date | datetime | str) -> None:
    """Stop the clock at ``at`` until ``set_clock`` or ``reset``."""
    global _frozen
    _frozen = _moment(at)


def reset() -> None:
    """Back to the clock the process started with (``ZONGZHI_CLOCK``, else the machine's)."""
    set_clock(os.environ.get(ENV) or None)


@contextmanager
def frozen_at(at: date | datetime | str) -> Iterator[None]:
    global _offset, _frozen
    saved = (_offset, _frozen)
    freeze(at)
    try:
        yield
    finally:
        _offset, _frozen = saved


reset()
