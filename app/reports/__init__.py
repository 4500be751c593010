"""Printed documents: pure functions from data to PDF bytes (no database, no Qt).

ReportLab's paragraph module compiles, as it is imported, a pattern for splitting web
addresses when hyphenating (``uri_pat``: case-insensitive over most of Unicode), 15–20 ms of
every process that prints, though no document of ours hyphenates. It is compiled when first
used instead (issue 17: a receipt from the command line in under 0.5 s), and so are two more
that the paragraph module's imports compile and a document never uses: ``textsplit.rx``
(``cjkwrap``'s, over every character from U+2E80) and ``rl_safe_eval.__rl_unsafe_re__``
(used nowhere), 3–6 ms together.
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


def _import_paragraph() -> None:
    if "reportlab.platypus.paragraph" in sys.modules:
        return
    real = re.compile

    def compile(pattern, flags=0):
        start = _DEFERRED_PATTERNS.get(sys._getframe(1).f_globals.get("__name__"))
        if start is not None and isinstance(pattern, str) and pattern.startswith(start):
            return _LazyPattern(pattern, flags)
        return real(pattern, flags)

    re.compile = compile
    try:
        import reportlab.platypus.paragraph  # noqa: F401
    finally:
        re.compile = real


_import_paragraph()
