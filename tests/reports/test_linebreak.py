"""Chinese line breaking: closing marks never start a line, opening marks never end one, and a
run of Latin letters and digits stays whole."""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from app.reports.fonts import default_fonts, markup
from app.reports.linebreak import break_lines


def lines_of(text: str, per_line: float, full: str = "") -> list[str]:
    """Break ``text`` with CJK characters 1 wide and Latin ones 0.5 wide."""
    widths = [1.0 if ord(c) >= 0x2E80 else 0.5 for c in text]
    return [text[a:b] for a, b, _w in break_lines(text, widths, [per_line])]


def test_a_closing_mark_hangs_rather_than_start_a_line():
    assert lines_of("一二三四，五六", 4) == ["一二三四，", "五六"]


def test_two_closing_marks_take_the_character_before_them_down():
    assert lines_of("一二三四）。五六", 4) == ["一二三", "四）。五", "六"]


def test_an_opening_mark_never_ends_a_line():
    assert lines_of("一二三（四五）", 4) == ["一二三", "（四五）"]
    assert lines_of("一二三“四五”", 4) == ["一二三", "“四五”"]


def test_latin_runs_stay_whole_unless_longer_than_a_line():
    assert lines_of("案号BS2026-A-01号", 7) == ["案号", "BS2026-A-01号"]
    assert lines_of("ABCDEFGHIJKLMNOPQRSTUV", 4) == ["ABCDEFGH", "IJKLMNOP", "QRSTUV"]


def test_forced_breaks_and_spaces_at_a_wrapped_line_start():
    widths = [1.0] * 7
    assert break_lines("一二 三四五六", widths, [3]) == [(0, 3, 3.0), (3, 6, 3.0), (6, 7, 1.0)]
    assert [(a, b) for a, b, _ in break_lines("一二三四", [1.0] * 4, [9], frozenset({1}))] == [
        (0, 2),
        (2, 4),
    ]


def test_paragraphs_with_and_without_a_face_switch_follow_the_rules():
    fonts = default_fonts()
    style = ParagraphStyle("t", fontName=fonts.body, fontSize=10, leading=12, wordWrap="CJK")
    for text in ("研" * 9 + "（研研）研研", "研𠮷" * 4 + "研（研研）研研"):
        p = Paragraph(markup(text, fonts), style)
        p.wrap(10 * 10 + 1, 1000)  # ten characters a line
        lines = p.blPara.lines
        texts = [
            "".join(w.text for w in line.words) if hasattr(line, "words") else "".join(line[1])
            for line in lines
        ]
        assert "".join(texts) == text
        assert not any(t.endswith("（") for t in texts), texts
