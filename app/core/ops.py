"""Operations: a service function says whether it reads or writes, and what kinds of data
its writes change.

Every public service function that takes a database session is marked with ``@read_op`` or
``@write_op(Change.MATTERS, …)``. Whoever runs it (the GUI's database worker, the command
line) opens the transaction the mark asks for with :meth:`app.db.Database.run`:

- a read runs in a read-only transaction: SQLite ``PRAGMA query_only``, PostgreSQL
  ``SET TRANSACTION READ ONLY``. A write reached from a read path raises instead of returning
  success and storing nothing when the read transaction is rolled back;
- a write runs in a write transaction and records the kinds it changes on the session; a
  write that calls other writes (registration routes the matter through the flow) collects
  their kinds too. After the commit the caller gets the union, and the GUI's bus refreshes
  the views that show those kinds — no view guesses what another view shows.

A long write that must not hold the database for its whole length (an import of 10,000 rows
would keep every other window and terminal waiting for the write lock) is marked
``@batched_write_op``: instead of one session it is given :class:`Transactions` and opens its
own short write transactions with ``tx.write()`` (and reads with ``tx.read()``). Each of them
re-runs the checks below and collects its change kinds. Such an op must make its own
all-or-nothing promise across its transactions (the import stages its rows first, see
``app.services.command.importing``). Called with a session instead — inside a caller's
transaction, as a test or another write does — every ``tx.write()`` is that one transaction.

The idea is Anki's ``CollectionOp``/``OpChanges`` (``docs/ARCHITECTURE.md`` §2). This module is
the lowest layer: it imports nothing of the program.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# Keys of ``Session.info`` that the data layer and the marks share.
READ_ONLY = "zongzhi_read_only"
CHANGES = "zongzhi_changes"

# Run before every marked operation: ``check(session, args, kwargs)``. The services register
# them; this layer knows neither users nor inputs:
# - ``app.services.security.rights`` re-reads the user the operation acts for (its ``Actor``
#   argument) and refuses a disabled or re-roled one;
# - ``app.services.validation`` refuses an input of the wrong type (an int summary,
#   ``head_count="10"``) with a clear message instead of an AttributeError deep inside.
_checks: list[Callable[[Any, tuple, dict], None]] = []


def register_check(check: Callable[[Any, tuple, dict], None]) -> None:
    if check not in _checks:
        _checks.append(check)


def _run_checks(session: Any, args: tuple, kwargs: dict) -> None:
    if getattr(session, "info", None) is None:
        return
    for check in _checks:
        check(session, args, kwargs)


class Change(StrEnum):
    """The kinds of data a write can change; each view refreshes on the kinds it shows."""

    MATTERS = "matters"  # 事项, their timeline, 督办, arrangements, attachments
    CASES = "cases"  # 调解案件 and what hangs on them
    COUNSELLING = "counselling"  # 暖心工作室
    MEETINGS = "meetings"  # 会议, 纪要, 议定事项
    REGISTERS = "registers"  # 流动人口, 特殊人群, 平安创建
    USERS = "users"  # accounts, roles, AB岗
    SETTINGS = "settings"  # the center's settings
    CALENDAR = "calendar"  # working days and holidays
    REFERENCE = "reference"  # villages, units, categories, time-limit rules
    DUTY = "duty"  # 值班表, 值班日志, 交接班, 突发事件
    REPORTS = "reports"  # 信息报送 and 呈报
    ASSESSMENT = "assessment"  # 考核方案, 考核期, 得分, 加分/扣分, 教育培训


class ReadOnlyViolation(RuntimeError):
    """A write operation was called inside a read transaction: a bug in the caller."""


@dataclass(frozen=True)
class OpSpec:
    write: bool
    changes: frozenset[Change] = frozenset()
    batched: bool = False  # runs its own transactions (``batched_write_op``)


_SPEC = "__zongzhi_op__"


def read_op(fn: Callable[P, R]) -> Callable[P, R]:
    """Mark ``fn(session, …)`` as a read: it runs in a read-only transaction, and the user it
    reads for (its ``Actor`` argument) is re-read first (see ``register_check``)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        _run_checks(args[0] if args else kwargs.get("session"), args, kwargs)
        return fn(*args, **kwargs)

    setattr(wrapper, _SPEC, OpSpec(write=False))
    return wrapper


def write_op(*changes: Change, rights: bool = True) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark ``fn(session, …)`` as a write that changes ``changes`` (none: e.g. only audit).

    The user it writes for is re-read first; ``rights=False`` only for the audit log itself,
    which records refusals of users who no longer have the rights."""
    for c in changes:
        if not isinstance(c, Change):
            raise TypeError(f"write_op 的参数应为 Change，而不是 {c!r}")
    spec = OpSpec(write=True, changes=frozenset(changes))

    def mark(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            session = args[0] if args else kwargs.get("session")
            info = getattr(session, "info", None)
            if info is not None:
                if info.get(READ_ONLY):
                    raise ReadOnlyViolation(
                        f"{fn.__module__}.{fn.__qualname__} 是写操作，不能在只读事务中调用"
                    )
                info.setdefault(CHANGES, set()).update(spec.changes)
                if rights:
                    _run_checks(session, args, kwargs)
            return fn(*args, **kwargs)

        setattr(wrapper, _SPEC, spec)
        return wrapper

    return mark


class Transactions:
    """What a ``@batched_write_op`` is given instead of a session: short transactions of its own.

    ``write()`` and ``read()`` are context managers yielding a session; a write commits when
    its block ends (rolled back whole on an error), a read is read-only. Every transaction
    re-runs the operation's checks (the user re-read, the inputs' types) and a write records
    the operation's change kinds, as a marked op's one transaction would.
    """

    def __init__(
        self,
        write: Callable[[], AbstractContextManager[Any]],
        read: Callable[[], AbstractContextManager[Any]],
    ):
        self._write, self._read = write, read
        self.commits = True  # False: every transaction is one caller's (``within``)
        self.changes: set[Change] = set()
        self.args: tuple = ()
        self.kwargs: dict = {}
        self.spec = OpSpec(write=True)

    @contextmanager
    def write(self) -> Iterator[Any]:
        with self._write() as session:
            info = getattr(session, "info", None)
            if info is not None:
                if info.get(READ_ONLY):
                    raise ReadOnlyViolation("分批写入的操作不能在只读事务中调用")
                info.setdefault(CHANGES, set()).update(self.spec.changes)
            _run_checks(session, self.args, self.kwargs)
            yield session
            if info is not None:
                self.changes |= info.get(CHANGES, set())

    @contextmanager
    def read(self) -> Iterator[Any]:
        with self._read() as session:
            _run_checks(session, self.args, self.kwargs)
            yield session

    @classmethod
    def within(cls, session: Any) -> Transactions:
        """Every transaction is ``session``'s: nothing is committed here, the caller decides."""

        @contextmanager
        def same() -> Iterator[Any]:
            yield session

        tx = cls(same, same)
        tx.commits = False
        return tx


def batched_write_op(*changes: Change) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark ``fn(tx: Transactions, …)`` as a write that commits in several short transactions
    (see the module's docstring). ``Database.run`` gives it :class:`Transactions` of its own;
    called with a session, it runs inside that session's transaction."""
    for c in changes:
        if not isinstance(c, Change):
            raise TypeError(f"batched_write_op 的参数应为 Change，而不是 {c!r}")
    spec = OpSpec(write=True, changes=frozenset(changes), batched=True)

    def mark(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> R:
            first, rest = args[0], args[1:]
            tx = first if isinstance(first, Transactions) else Transactions.within(first)
            outer = tx.args, tx.kwargs, tx.spec  # one batched op may run another in its tx
            tx.args, tx.kwargs, tx.spec = (tx, *rest), kwargs, spec
            try:
                return fn(tx, *rest, **kwargs)  # type: ignore[arg-type]
            finally:
                tx.args, tx.kwargs, tx.spec = outer

        setattr(wrapper, _SPEC, spec)
        return wrapper

    return mark


def spec_of(fn: Any) -> OpSpec | None:
    """The mark of a service function (or of an :class:`Op`), None when unmarked."""
    if isinstance(fn, Op):
        return fn.spec
    return getattr(fn, _SPEC, None)


@dataclass(frozen=True)
class Op:
    """A marked service function with its arguments after the session, ready to run."""

    fn: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    @property
    def spec(self) -> OpSpec:
        spec = getattr(self.fn, _SPEC, None)
        if spec is None:
            raise TypeError(f"{self.fn!r} 没有标明是读操作还是写操作（@read_op / @write_op）")
        return spec

    @property
    def name(self) -> str:
        return f"{self.fn.__module__}.{self.fn.__qualname__}"

    def __call__(self, session: Any) -> Any:
        return self.fn(session, *self.args, **self.kwargs)


def op(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Op:
    """``op(intake.register_matter, actor, data)``: the call to run, checked to be marked."""
    result = Op(fn, args, kwargs)
    result.spec  # noqa: B018 — refuse an unmarked function here, where the caller is
    return result


@dataclass(frozen=True)
class OpResult:
    """What a finished operation gives back: its value and the kinds of data it changed."""

    value: Any
    changes: frozenset[Change] = frozenset()
