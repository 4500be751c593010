"""Chinese line breaking for ReportLab paragraphs (``wordWrap="CJK"``).

ReportLab's CJK breaker cuts between any two characters and knows only that some characters
cannot start a line, so a line could end with "（" or "“", and a case number such as
``BSTJ2026-A-0001`` could be cut in two. This breaker, installed in place of ReportLab's when
the reports are imported, follows the usual rules for Chinese:

- a line does not start with closing punctuation (，。、：；！？）》”…): one such character may
  hang past the line's end, otherwise the character before it moves down with it;
- a line does not end with opening punctuation (（《“【…): it moves to the next line;
- a run of Latin letters and digits is not cut unless it is longer than a line.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib import textsplit as _textsplit
from reportlab.platypus import paragraph as _paragraph
from reportlab.rl_config import _FUZZ

CANNOT_START = _textsplit.ALL_CANNOT_START + "，：；！？》〉」』”’、。．）〕］｝】…—·"
CANNOT_END = "（〔［｛〈《「『【“‘([{"


def _is_cjk(ch: str) -> bool:
    return ord(ch) >= 0x2E80  # CJK radicals onwards, full-width forms and the planes beyond


def _can_break(before: str, after: str) -> bool:
    """May a line end after ``before`` and the next start with ``after``?"""
    if not before or not after:
        return True
    if after in CANNOT_START or before in CANNOT_END:
        return False
    if before.isspace() or after.isspace():
        return True
    return _is_cjk(before) or _is_cjk(after)  # never inside a run of Latin letters and digits


def break_lines(
    chars: Sequence[str],
    widths: Sequence[float],
    max_widths: Sequence[float],
    forced: frozenset[int] = frozenset(),
) -> list[tuple[int, int, float]]:
    """Lines as (start, end, width used) over ``chars``; a line ends after each index in
    ``forced`` (an explicit line break)."""
    n = len(chars)
    lines: list[tuple[int, int, float]] = []
    start = 0
    while start < n:
        if lines:  # spaces at a wrapped line's start are dropped
            while start < n and chars[start].isspace() and start - 1 not in forced:
                start += 1
            if start >= n:
                break
        room = max_widths[min(len(lines), len(max_widths) - 1)]
        used, i, end = 0.0, start, None
        while i < n:
            used += widths[i]
            if i in forced:
                end = i + 1
                break
            if used > room + _FUZZ and i > start:
                end = _break_before(chars, start, i)
                break
            i += 1
        if end is None:
            end = n
        lines.append((start, end, sum(widths[start:end])))
        start = end
    return lines


def _break_before(chars: Sequence[str], start: int, over: int) -> int:
    """Where a line from ``start`` ends when the character at ``over`` does not fit."""
    c = chars[over]
    if _can_break(chars[over - 1], c):
        return over
    nxt = chars[over + 1] if over + 1 < len(chars) else ""
    if c in CANNOT_START and _can_break(c, nxt):
        return over + 1  # hang one closing mark past the line's end
    for k in range(over - 1, start, -1):
        if _can_break(chars[k - 1], chars[k]):
            return k
    return over  # a run longer than the line: cut it


def _dumb_split(word: str, widths: Sequence[float], max_widths) -> list[list]:
    """In place of ``textsplit.dumbSplit``: [extra space, text] for each line."""
    if not isinstance(max_widths, list | tuple):
        max_widths = [max_widths]
    out = []
    for n, (a, b, _used) in enumerate(break_lines(word, widths, max_widths)):
        room = max_widths[min(n, len(max_widths) - 1)]
        text = word[a:b].rstrip()
        out.append([room - sum(widths[a : a + len(text)]), text])
    return out


def _cjk_frag_split(frags, max_widths, calc_bounds, encoding="utf8"):
    """In place of ``paragraph.cjkFragSplit``: the same lines, broken by the rules above."""
    units = []
    for f in frags:
        text = f.text.decode(encoding) if isinstance(f.text, bytes) else f.text
        if text:
            units.extend(_paragraph.cjkU(t, f, encoding) for t in text)
        else:
            units.append(_paragraph.cjkU(text, f, encoding))
    forced = frozenset(i for i, u in enumerate(units) if hasattr(u.frag, "lineBreak"))
    widths = []
    for u in units:
        w = u.width
        if hasattr(w, "normalizedValue"):
            w._normalizer = max_widths[0]
            w = w.normalizedValue(max_widths[0])
        widths.append(w)
    lines = []
    for n, (a, b, used) in enumerate(break_lines(units, widths, max_widths, forced)):
        room = max_widths[min(n, len(max_widths) - 1)]
        lines.append(
            _paragraph.makeCJKParaLine(
                units[a:b], room, used, room - used, (b - 1) in forced, calc_bounds
            )
        )
    return _paragraph.ParaLines(kind=1, lines=lines)


def install() -> None:
    """Put this breaker in ReportLab's place (once; fonts.py calls it on import)."""
    _textsplit.dumbSplit = _dumb_split
    _paragraph.cjkFragSplit = _cjk_frag_split
