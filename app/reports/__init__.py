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

import importlib.machinery
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


class _DeferringLoader(importlib.machinery.SourceFileLoader):
    """Runs the module with ``re.compile`` handing out a ``_LazyPattern`` for its pattern."""

    def exec_module(self, module) -> None:
        start, real = _DEFERRED_PATTERNS[module.__name__], re.compile

        def compile(pattern, flags=0):
            if (
                sys._getframe(1).f_globals.get("__name__") == module.__name__
                and isinstance(pattern, str)
                and pattern.startswith(start)
            ):
                return _LazyPattern(pattern, flags)
            return real(pattern, flags)

        re.compile = compile
        try:
            super().exec_module(module)
        finally:
            re.compile = real


class _PatternsLater:  # a meta path finder (importlib.abc would import importlib.resources)
    """Finds the modules of ``_DEFERRED_PATTERNS`` as the path would, to run them with
    ``_DeferringLoader`` (a module installed without its source is left as it is)."""

    def find_spec(self, fullname, path, target=None):
        if fullname not in _DEFERRED_PATTERNS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and type(spec.loader) is importlib.machinery.SourceFileLoader:
            spec.loader = _DeferringLoader(spec.loader.name, spec.loader.path)
        return spec


if not any(isinstance(f, _PatternsLater) for f in sys.meta_path):
    sys.meta_path.insert(0, _PatternsLater())
