"""Modules that a one-document print never uses, run when first used instead (issue 17).

Importing SQLAlchemy imports ``asyncio`` and ``importlib.metadata`` (``util.compat``,
``util.concurrency``): some 70 modules with ``ssl``, ``socket``, ``concurrent.futures``,
``email`` and ``zipfile``, about a tenth of a command-line receipt's CPU time. SQLAlchemy
touches them only for its asyncio extension, on a cancelled or timed-out await, and to look up
third-party dialects and plug-ins by entry point; none of that happens on SQLite or with
psycopg's synchronous connection. ReportLab imports ``PIL.Image`` for bitmaps, which a
receipt has none of.

:func:`defer` puts a module into ``sys.modules`` whose code has not run yet. ``import asyncio``
finds it there and goes no further; the module's code runs, in that same module object, the
first time something asks it for a name it does not have yet (``asyncio.Lock``,
``Image.open``). Nothing changes for code that uses the module, only when its code runs.
What a library reads as it is imported is given to the module beforehand (``early``).

``tests/test_deferred.py`` fails if SQLAlchemy's or ReportLab's import starts reading a
deferred module (the deferral would then save nothing) and checks that what they use of them
still works once used; ``tests/test_startup_imports.py`` runs the receipt with them deferred.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types

_lock = threading.RLock()
_running: set[str] = set()  # modules whose code is running (in the thread holding _lock)


class _Deferred(types.ModuleType):
    """A module whose code runs when a name it does not have yet is asked for."""

    def __getattr__(self, name: str):
        spec = self.__spec__
        if name == "__path__" and spec.submodule_search_locations is None:
            # ``from module import name`` asks whether the module is a package: it is not.
            raise AttributeError(f"module {spec.name!r} has no attribute {name!r}")
        with _lock:  # another thread asking meanwhile waits for the whole module
            if type(self) is _Deferred and spec.name not in _running:
                _running.add(spec.name)
                try:
                    spec.loader.exec_module(self)
                except BaseException:
                    if sys.modules.get(spec.name) is self:
                        del sys.modules[spec.name]
                    raise
                finally:
                    _running.discard(spec.name)
                self.__class__ = types.ModuleType
        if type(self) is _Deferred:  # asked by its own code as it runs: not there yet
            raise AttributeError(f"module {spec.name!r} has no attribute {name!r}")
        return getattr(self, name)


def defer(name: str, early: dict[str, str] | None = None, *, run_package: bool = True) -> bool:
    """Put ``name`` into ``sys.modules`` with its code not run yet (False: it was imported
    already, or cannot be deferred). ``early`` names what is read of the module as other
    modules are imported, each from a submodule it comes from (``{"iscoroutine":
    "asyncio.coroutines"}``): those submodules are imported now, on their own.
    ``run_package=False``: a package not imported yet is not run now, for one whose own code
    imports the module (``from . import child`` then finds it deferred)."""
    if name in sys.modules:
        return False
    parent, _dot, child = name.rpartition(".")
    if parent and not run_package and parent not in sys.modules:
        spec = find_spec_running_nothing(name)
    else:
        if parent:
            importlib.import_module(parent)
        spec = importlib.util.find_spec(name)
    if spec is None or not hasattr(spec.loader, "exec_module"):
        return False
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _Deferred
    sys.modules[name] = module
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)
    for attr, source in (early or {}).items():
        setattr(module, attr, getattr(importlib.import_module(source), attr))
    return True


def find_spec_running_nothing(name: str) -> importlib.machinery.ModuleSpec | None:
    """``name``'s spec, found as the import system finds it — each finder asked with the
    folders of the package above, so also in a bundled program, which has no source files
    (PyInstaller) — without running a package on the way that is not imported yet. None
    where it is not found so (or the import system would refuse it)."""
    spec, folders = None, None
    parts = name.split(".")
    try:
        for i in range(len(parts)):
            partial = ".".join(parts[: i + 1])
            if partial in sys.modules:
                module = sys.modules[partial]
                spec = getattr(module, "__spec__", None)
                if module is None or spec is None:
                    return None
                folders = getattr(module, "__path__", None)
                continue
            if i == 0:
                spec = importlib.util.find_spec(partial)  # a top-level name: nothing is run
            elif folders:
                spec = _ask_finders(partial, folders)
            else:
                return None  # the one above is no package
            if spec is None:
                return None
            folders = spec.submodule_search_locations
    except (ImportError, ValueError, KeyError, AttributeError):
        return None
    return spec


def _ask_finders(name: str, folders) -> importlib.machinery.ModuleSpec | None:
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        spec = find_spec(name, folders) if find_spec else None
        if spec is not None:
            return spec
    return None


def is_deferred(name: str) -> bool:
    """``name`` was deferred and its code has not run yet."""
    return type(sys.modules.get(name)) is _Deferred


# What a one-document print defers: module → what other modules read of it as they are
# imported (SQLAlchemy's util.concurrency: ``iscoroutine = asyncio.iscoroutine``).
FOR_ONE_DOCUMENT: dict[str, dict[str, str]] = {
    "asyncio": {"iscoroutine": "asyncio.coroutines"},
    "importlib.metadata": {},
    "PIL.Image": {},
}


# …and modules their own package imports (SQLite's, for SQLAlchemy's registry of dialects),
# deferred without running the package, which then finds them deferred: SQLite's asyncio and
# SQLCipher dialects, which the program never names (5 ms).
INSIDE_THEIR_PACKAGE: dict[str, dict[str, str]] = {
    "sqlalchemy.dialects.sqlite.aiosqlite": {},
    "sqlalchemy.dialects.sqlite.pysqlcipher": {},
}


def defer_for_one_document() -> list[str]:
    """Defer what a one-document print does not use (``FOR_ONE_DOCUMENT`` and
    ``INSIDE_THEIR_PACKAGE``); the names deferred."""
    deferred = [name for name, early in FOR_ONE_DOCUMENT.items() if defer(name, early)]
    for name, early in INSIDE_THEIR_PACKAGE.items():
        if defer(name, early, run_package=False):
            deferred.append(name)
    return deferred
