"""A face's parsed tables are kept in the cache folder and give the same PDF as a fresh parse; a
changed, damaged or unusable file is handled; faces are loaded only when a document sets text in
them, the rare-character face only when a character needs it (issue 17)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics

from app.reports import font_cache
from app.reports.fonts import markup, resolve_fonts

FONTS = Path("/usr/share/fonts/truetype")
WQY = FONTS / "wqy/wqy-microhei.ttc"
HANA_B = FONTS / "hanazono/HanaMinB.ttf"

needs_ci_fonts = pytest.mark.skipif(
    not all(f.is_file() for f in (WQY, HANA_B)),
    reason="needs fonts-wqy-microhei and fonts-hanazono (what .ci/run installs)",
)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("ZONGZHI_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def parses(monkeypatch) -> list:
    seen: list = []
    real = font_cache.parse
    monkeypatch.setattr(font_cache, "parse", lambda *a: seen.append(a) or real(*a))
    return seen


def copy_of(font: Path, folder: Path, name: str) -> Path:
    """A file of our own (its own name to ReportLab). A copy, never a hard link: touching a
    link's time would touch the installed font's."""
    target = folder / name
    shutil.copyfile(font, target)
    return target


@needs_ci_fonts
def test_the_cached_face_is_what_reportlab_parses(cache, parses):
    first = font_cache.facts(WQY, 0)
    assert len(parses) == 1 and list((cache / "fonts").glob("*.face"))
    again = font_cache.facts(WQY, 0)
    assert len(parses) == 1  # read from the cache
    loaded, parsed = again.load(), font_cache.parse(WQY, 0)
    assert loaded.charToGlyph == parsed.charToGlyph
    assert loaded.charWidths == parsed.charWidths
    assert (loaded.name, loaded.ascent, loaded.descent, loaded.bbox) == (
        parsed.name,
        parsed.ascent,
        parsed.descent,
        parsed.bbox,
    )
    subset = [ord(c) for c in "综治中心受理回执ABC123，。"]
    assert loaded.makeSubset(subset) == parsed.makeSubset(subset)
    assert all(ord(c) in first.coverage for c in "综治中心") and 0x20BB7 not in first.coverage


@needs_ci_fonts
def test_the_loaded_tables_answer_as_reportlabs_dicts(cache, parses):
    """ReportLab asks a face's tables ``get``, ``in`` and ``[]`` (and shaping adds an entry)."""
    font_cache.facts(WQY, 0)
    loaded, parsed = font_cache.facts(WQY, 0).load(), font_cache.parse(WQY, 0)
    for table, dict_ in (
        (loaded.charToGlyph, parsed.charToGlyph),
        (loaded.charWidths, parsed.charWidths),
    ):
        for code in (ord("综"), 0x20, 0xA0, 0x20BB7, -1, 10**9):
            assert (code in table) == (code in dict_)
            assert table.get(code, "无") == dict_.get(code, "无")
        assert "综" not in table and table.get("综") is None
        with pytest.raises(KeyError):
            table[0x20BB7]
        assert len(table) == len(dict_) and sorted(table) == sorted(dict_)
    loaded.charWidths[0xF000] = 500.0
    loaded.charWidths[ord("综")] = 1.0
    assert loaded.charWidths[0xF000] == 500.0 and loaded.charWidths.get(ord("综")) == 1.0
    assert len(loaded.charWidths) == len(parsed.charWidths) + 1


@needs_ci_fonts
def test_a_cached_face_measures_text_as_reportlab_does(cache, tmp_path):
    """A face from the cache measures with its own lookups (ReportLab's C accelerator,
    rl_accel, reads widths only from a dict): the widths are ReportLab's, for characters the
    face has, lacks, or is given later, and for text given as bytes."""
    from types import SimpleNamespace

    from reportlab.lib import rl_accel

    font_cache.facts(WQY, 0)
    found = font_cache.facts(WQY, 0)
    font = font_cache.register("zz-width-test", found)
    parsed = font_cache.parse(WQY, 0)

    def reportlabs(text: str, size: float) -> float:
        """ReportLab's own measure (its C accelerator's) of a face it parsed itself."""
        return rl_accel.instanceStringWidthTTF(SimpleNamespace(face=parsed), text, size)

    text = "综治中心受理回执 ABC123，。𠮷\x00"
    assert isinstance(font.face.charWidths, font_cache._SortedTable)
    for size in (9, 10.5, 16):
        assert font.stringWidth(text, size) == pytest.approx(reportlabs(text, size))
        assert pdfmetrics.stringWidth(text, "zz-width-test", size) == pytest.approx(
            reportlabs(text, size)
        )
    assert font.stringWidth(text.encode("utf-8"), 12) == pytest.approx(reportlabs(text, 12))
    assert font.stringWidth("", 12) == 0
    font.face.charWidths[ord("综")] = 2000.0  # a width given later is the one used
    assert font.stringWidth("综综", 10) == pytest.approx(40.0)
    # The accelerator is installed (a dependency), so this ran beside its C functions.
    assert type(rl_accel.fp_str).__name__ == "builtin_function_or_method"


@needs_ci_fonts
def test_a_changed_file_is_parsed_again(cache, parses, tmp_path):
    font = copy_of(WQY, tmp_path, "changed.ttc")
    font_cache.facts(font, 0)
    os.utime(font, ns=(1_000_000_000, 1_000_000_000))
    font_cache.facts(font, 0)
    assert len(parses) == 2


@needs_ci_fonts
def test_a_damaged_cache_is_passed_over(cache, parses):
    font_cache.facts(WQY, 0)
    for f in (cache / "fonts").glob("*.face"):
        f.write_bytes(b"not a pickle")
    found = font_cache.facts(WQY, 0)
    assert len(parses) == 2 and ord("综") in found.coverage
    assert ord("综") in found.load().charToGlyph


def test_an_unusable_file_is_remembered_as_such(cache, parses, tmp_path):
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"\0" * 512)
    for _ in range(2):
        with pytest.raises(font_cache.Unusable):
            font_cache.facts(bad, 0)
    assert len(parses) == 1


@needs_ci_fonts
def test_an_unwritable_cache_still_prints(tmp_path, monkeypatch, parses):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("ZONGZHI_CACHE_DIR", str(blocker))  # a file, not a folder
    found = font_cache.facts(WQY, 0)
    assert ord("综") in found.load().charToGlyph and len(parses) == 1


@needs_ci_fonts
def test_faces_are_loaded_when_text_is_set_in_them(cache, tmp_path):
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    body = copy_of(WQY, tmp_path, "lazy-body.ttc")
    rare = copy_of(HANA_B, tmp_path, "lazy-rare.ttf")
    fonts = resolve_fonts(
        candidates={"hei": [(body, 0)]}, rare_candidates=[(rare, 0)], use_fc_list=False
    )
    body_font, rare_font = (pdfmetrics.getFont(n) for n in (fonts.body, fonts.fallbacks[0]))
    assert not body_font.loaded and not rare_font.loaded

    def pdf(text: str) -> None:
        style = ParagraphStyle("p", fontName=fonts.body, fontSize=12, wordWrap="CJK")
        SimpleDocTemplate(str(tmp_path / "x.pdf")).build([Paragraph(markup(text, fonts), style)])

    pdf("综治中心受理回执")
    assert body_font.loaded and not rare_font.loaded
    pdf("王𠮷")
    assert rare_font.loaded
