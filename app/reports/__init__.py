"""Printed documents: pure functions from data to PDF bytes (no database, no Qt).

ReportLab's paragraph module compiles, as it is imported, a pattern for splitting web
addresses when hyphenating (``uri_pat``: case-insensitive over most of Unicode), 15–20 ms of
every process that prints, though no document of ours hyphenates. It is compiled when first
used instead (issue 17: a receipt from the command line in under 0.5 s), and so are two more
that the paragraph module's imports compile and a document never uses: ``textsplit.rx``
(``cjkwrap``'s, over every character from U+2E80) and ``rl_safe_eval.__rl_unsafe_re__``
(used nowhere), 3–6 ms together.

The three modules are found here (``_PatternsLater``, first on ``sys.meta_path``) and run with
``re.compile`` deferring those patterns, whoever imports them first: importing ``app.reports``
imports no ReportLab itself, so that ``app.reports.contents`` can be read without it.
"""

from __future__ import annotations

import re
import sys
import threading

_URI_PATTERN_START = "(^(?:[a-z0-9\\.\\-\\+]*)://)"
# module compiling it → how the pattern starts
_DEFERRED_PATTERNS = {
    "reportlab.platypus.paragraph": _URI_PATTERN_START,
    "reportlab.lib.textsplit": "([\u2e80-\uffff])",
    "reportlab.lib.rl_safe_eval": "\\b(?:",
}


class _LazyPattern:
    """A regular expression compiled when first used."""

    def __init__(self, pattern: str, flags: int):
        self._args = (pattern, flags)
        self._compiled: re.Pattern | None = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
        with self._lock:
            if self._compiled is None:
                self._compiled = re.compile(*self._args)
        return getattr(self._compiled, name)


# The modules of _DEFERRED_PATTERNS running now (any thread) → how many times; while any runs,
# re.compile is _compile. Guarded by _running_lock.
_running: dict[str, int] = {}
_running_lock = threading.Lock()
_real_compile = re.compile


def _compile(pattern, flags=0):
    name = sys._getframe(1).f_globals.get("__name__")
    start = _DEFERRED_PATTERNS.get(name) if name in _running else None
    if start is not None and isinstance(pattern, str) and pattern.startswith(start):
        return _LazyPattern(pattern, flags)
    return _real_compile(pattern, flags)


class _DeferringLoader:
    """The loader that found the module (the path's, or a bundle's), run with ``re.compile``
    handing out a ``_LazyPattern`` for the module's own pattern."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        name = module.__name__
        with _running_lock:
            _running[name] = _running.get(name, 0) + 1
            re.compile = _compile
        try:
            self._loader.exec_module(module)
        finally:
            with _running_lock:
                _running[name] -= 1
                if not _running[name]:
                    del _running[name]
                if not _running:
                    re.compile = _real_compile

    def __getattr__(self, name: str):  # get_code, get_source, is_package …: the loader's own
        return getattr(self._loader, name)


class _PatternsLater:  # a meta path finder (importlib.abc would import importlib.resources)
    """Finds the modules of ``_DEFERRED_PATTERNS`` as the finders after it would (the path, or
    a bundled program's own), to run them with ``_DeferringLoader``."""

    def find_spec(self, fullname, path, target=None):
        if fullname not in _DEFERRED_PATTERNS:
            return None
        for finder in sys.meta_path:
            if finder is self or isinstance(finder, _PatternsLater):
                continue
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _DeferringLoader(spec.loader)
                return spec
        return None


if not any(isinstance(f, _PatternsLater) for f in sys.meta_path):
    sys.meta_path.insert(0, _PatternsLater())
