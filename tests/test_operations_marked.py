"""Every service function that takes a database session says whether it reads or writes.

The GUI's worker and the command line open the transaction a function's mark asks for
(``app.core.ops``); an unmarked one could not be run as an operation at all, and a write left
unmarked on a read path would fail in the read-only transaction.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import app.services
from app.core.ops import Change, spec_of
from app.services.center import reference, settings
from app.services.command import ledgers
from app.services.data import exchange
from app.services.reception import flow, intake
from app.services.rooms import mediation


def _takes_session(fn) -> bool:
    params = list(inspect.signature(fn).parameters.values())
    if not params:
        return False
    first = params[0]
    annotation = first.annotation
    named = getattr(annotation, "__name__", annotation)
    return first.name == "session" or named == "Session"


def _service_functions():
    for info in pkgutil.walk_packages(app.services.__path__, "app.services."):
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn):
                continue
            if fn.__module__ != module.__name__:
                continue  # imported from elsewhere: checked where it is defined
            if _takes_session(inspect.unwrap(fn)):
                yield f"{module.__name__}.{name}", fn


def test_every_service_function_taking_a_session_is_marked():
    functions = dict(_service_functions())
    assert len(functions) > 150  # the walk found the services, not an empty package
    unmarked = sorted(name for name, fn in functions.items() if spec_of(fn) is None)
    assert not unmarked, "没有标明 @read_op / @write_op 的服务函数：\n" + "\n".join(unmarked)


def test_the_walk_sees_a_function_left_unmarked(monkeypatch):
    """The check above can fail: an unmarked function taking a session is named."""

    def sneaky_write(session, name: str) -> None:
        pass

    sneaky_write.__module__ = intake.__name__
    monkeypatch.setattr(intake, "sneaky_write", sneaky_write, raising=False)
    names = [name for name, fn in _service_functions() if spec_of(fn) is None]
    assert names == ["app.services.reception.intake.sneaky_write"]


def test_known_operations_say_what_they_change():
    assert spec_of(intake.register_matter).write
    assert Change.MATTERS in spec_of(intake.register_matter).changes
    assert spec_of(mediation.open_case).changes == {Change.CASES, Change.MATTERS}
    assert spec_of(flow.route).changes == {Change.MATTERS}
    assert spec_of(settings.update_settings).changes == {Change.SETTINGS}
    assert spec_of(exchange.import_bundle).changes == set(Change)
    # Reads that are only reads …
    for fn in (intake.search, intake.matter_rows, mediation.list_cases, reference.load_lookups):
        assert spec_of(fn).write is False, fn.__name__
        assert spec_of(fn).changes == frozenset()
    # … and one that reads but writes an audit row, which is a write changing no view.
    assert spec_of(ledgers.export_ledger).write
    assert spec_of(ledgers.export_ledger).changes == frozenset()
