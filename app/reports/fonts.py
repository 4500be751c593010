"""Font resolver for printed documents.

Order: a configured TrueType file (argument or ``ZONGZHI_FONT``) → the system's 仿宋/宋体
(Windows) → Linux CJK TrueType faces (WenQuanYi, AR PL, LXGW, anything ``fc-list :lang=zh``
reports) → ReportLab's built-in CID font ``STSong-Light``, so a PDF always comes out.
ReportLab takes TrueType (glyf) outlines only; CFF faces (Noto CJK, Source Han) are skipped.

Rare characters the body face lacks (𠮷 outside the BMP, for instance) are wrapped, character
by character, in a fallback face that has them (SimSun-ExtB, HanaMinB/A), never left as boxes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import textsplit as _textsplit
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import paragraph as _paragraph

BUILTIN_CID = "STSong-Light"

_original_to_unicode = ttfonts.makeToUnicodeCMap


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab writes code points beyond the BMP as odd hex (``<20BB7>``), which readers
    reject, so 𠮷 cannot be copied or searched. The PDF spec wants UTF-16BE: a surrogate pair."""
    text = _original_to_unicode(fontname, subset)
    for v in subset:
        if v > 0xFFFF:
            utf16 = chr(v).encode("utf-16-be").hex().upper()
            text = text.replace(f"> <{v:04X}>", f"> <{utf16}>", 1)
    return text


ttfonts.makeToUnicodeCMap = _to_unicode_cmap

# ReportLab's line breaker knows Japanese closing punctuation but not the Chinese full-width
# comma, colon, semicolon, marks and closing quotes, so lines could start with "，" or "：".
_CN_CANNOT_START = "，：；！？》〉」』”’"
_paragraph.ALL_CANNOT_START += _CN_CANNOT_START
_textsplit.ALL_CANNOT_START += _CN_CANNOT_START

WINDOWS_FONTS = Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"
# (file, sub-font index) best first: 仿宋 and 宋体 suit official documents.
BODY_CANDIDATES: list[tuple[Path, int]] = [
    (WINDOWS_FONTS / "simfang.ttf", 0),
    (WINDOWS_FONTS / "simsun.ttc", 0),
    (WINDOWS_FONTS / "simkai.ttf", 0),
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
    (Path("/usr/share/fonts/truetype/lxgw/LXGWWenKai-Regular.ttf"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/arphic/ukai.ttc"), 0),
]
RARE_CANDIDATES: list[tuple[Path, int]] = [
    (WINDOWS_FONTS / "simsunb.ttf", 0),
    (Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"), 0),
    (Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf"), 0),
    (Path("/usr/share/fonts/truetype/fonts-japanese-mincho.ttf"), 0),
]


@dataclass(frozen=True)
class FontSet:
    """Registered font names: ``body`` for text; ``fallbacks`` for characters it lacks."""

    body: str
    body_path: str | None  # None for the built-in CID font
    fallbacks: tuple[str, ...] = ()
    _cmaps: dict[str, frozenset[int]] = field(default_factory=dict, compare=False, repr=False)

    def has(self, font: str, ch: str) -> bool:
        cmap = self._cmaps.get(font)
        if cmap is None:  # CID font: covers the BMP's CJK, nothing beyond it
            return ord(ch) <= 0xFFFF
        return ord(ch) in cmap


def _fc_list_files() -> list[tuple[Path, int]]:
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file", "index"], capture_output=True, text=True, timeout=5
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.splitlines():
        path, _, rest = line.partition(":")
        index = rest.split("=")[-1].strip() if "index=" in rest else "0"
        if path.lower().endswith((".ttf", ".ttc")):
            found.append((Path(path.strip()), int(index or 0)))
    return sorted(found)


def _register(path: Path, index: int) -> tuple[str, frozenset[int]] | None:
    name = f"zz-{path.stem}-{index}"
    if name in pdfmetrics.getRegisteredFontNames():
        font = pdfmetrics.getFont(name)
    else:
        try:
            font = TTFont(name, str(path), subfontIndex=index)
        except (TTFError, OSError, ValueError, KeyError, AssertionError):
            return None  # CFF outlines, a damaged file, a bad index: try the next
        pdfmetrics.registerFont(font)
    return name, frozenset(font.face.charToGlyph)


def resolve_fonts(
    configured: str | os.PathLike | None = None,
    *,
    body_candidates: Sequence[tuple[Path, int]] | None = None,
    rare_candidates: Sequence[tuple[Path, int]] | None = None,
    use_fc_list: bool = True,
) -> FontSet:
    """Pick and register the faces. Tests pass empty candidate lists to force the fallback."""
    configured = configured or os.environ.get("ZONGZHI_FONT") or None
    bodies: list[tuple[Path, int]] = []
    if configured:
        bodies.append((Path(configured), 0))
    bodies += list(BODY_CANDIDATES if body_candidates is None else body_candidates)
    if use_fc_list and body_candidates is None:
        bodies += _fc_list_files()
    cmaps: dict[str, frozenset[int]] = {}
    body = body_path = None
    for path, index in bodies:
        if path.is_file() and (reg := _register(path, index)):
            body, body_path = reg[0], str(path)
            cmaps[body] = reg[1]
            break
    if body is None:
        if BUILTIN_CID not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(BUILTIN_CID))
        body = BUILTIN_CID
    fallbacks = []
    for path, index in RARE_CANDIDATES if rare_candidates is None else rare_candidates:
        if path.is_file() and (reg := _register(path, index)) and reg[0] != body:
            fallbacks.append(reg[0])
            cmaps[reg[0]] = reg[1]
    return FontSet(body, body_path, tuple(fallbacks), cmaps)


@lru_cache(maxsize=1)
def default_fonts() -> FontSet:
    """Resolved once per process (registration costs 50–90 ms)."""
    return resolve_fonts()


def markup(text: str, fonts: FontSet) -> str:
    """Escape for a Paragraph and switch face for each character the body face lacks."""
    out: list[str] = []
    run_font: str | None = None
    run: list[str] = []

    def flush() -> None:
        if not run:
            return
        chunk = escape("".join(run))
        out.append(f'<font name="{run_font}">{chunk}</font>' if run_font else chunk)
        run.clear()

    for ch in text:
        font = None
        if ch not in "\n\r\t " and not fonts.has(fonts.body, ch):
            font = next((f for f in fonts.fallbacks if fonts.has(f, ch)), None)
        if font != run_font:
            flush()
            run_font = font
        run.append(ch)
    flush()
    return "".join(out).replace("\n", "<br/>")


def missing_characters(text: str, fonts: FontSet) -> list[str]:
    """Characters no registered face can show (reported, never silently boxed)."""
    return [
        ch
        for ch in dict.fromkeys(text)
        if not ch.isspace()
        and not fonts.has(fonts.body, ch)
        and not any(fonts.has(f, ch) for f in fonts.fallbacks)
    ]
