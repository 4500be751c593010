"""Font resolver for printed documents: one face per role, as GB/T 9704-2012 asks.

Roles (docs/DOMAIN.md §8), each falling back to the next face listed, then to the body face:

- ``title``: 小标宋 → 宋体 → any Song/Ming face;
- ``body``: the configured file (argument or ``ZONGZHI_FONT``) → 仿宋 → 宋体/Song/Ming → Kai →
  Hei/sans → any other Chinese TrueType face → ReportLab's built-in CID font ``STSong-Light``,
  so a PDF always comes out;
- ``heading1`` (“一、”): 黑体 → a sans face (WenQuanYi, …);
- ``heading2`` (“（一）”): 楷体 → a Kai face (AR PL UKai, LXGW WenKai, …);
- ``song`` (page numbers): 宋体 → any Song/Ming face.

Faces are looked for at the Windows names (simsun.ttc, simfang.ttf, simhei.ttf, simkai.ttf,
方正小标宋 FZXBSJW.TTF), at known Debian/UOS/Kylin paths, then among what ``fc-list :lang=zh``
reports, classified by family name. A face must cover common simplified Chinese (a Big5-only or
Japanese-only face is passed over). ReportLab takes TrueType (glyf) outlines only; CFF faces
(Noto CJK, Source Han) are skipped. Each file is registered once per process, its tables
parsed once per installation and loaded only when a document sets text in it (font_cache.py).

Rare characters a face lacks (𠮷 outside the BMP, for instance) are wrapped, character by
character, in the body face or a fallback face that has them (SimSun-ExtB, HanaMinB/A), whatever
the role, never left as boxes.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import os
import shutil
import threading
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

from app.core.cache import cache_folder

from . import font_cache, linebreak

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

# Chinese line breaking: no line starts with "，" or "：", none ends with "（" (linebreak.py).
linebreak.install()

# Roles a document asks for.
TITLE, BODY, HEADING1, HEADING2, SONG = "title", "body", "heading1", "heading2", "song"
ROLES = (BODY, TITLE, HEADING1, HEADING2, SONG)

# Kinds of face, told apart by family name; the first kind whose words a family name holds.
# Within a kind, a face matched by an earlier word comes first (a Chinese Ming face before a
# Japanese Mincho one).
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "xiaobiaosong": ("小标宋", "xiaobiaosong"),
    "fangsong": ("仿宋", "fangsong", "fang song"),
    "kai": ("楷", "kai"),
    "hei": ("黑", "hei", "sans", "gothic"),
    "song": ("宋", "song", "sung", "ming", "明", "mincho", "serif"),
}
OTHER = "other"
ROLE_KINDS: dict[str, tuple[str, ...]] = {
    TITLE: ("xiaobiaosong", "song"),
    BODY: ("fangsong", "song", "kai", "hei", OTHER),
    HEADING1: ("hei",),
    HEADING2: ("kai",),
    SONG: ("song",),
}

WINDOWS_FONTS = Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"
_W = WINDOWS_FONTS
_T = Path("/usr/share/fonts/truetype")
# Known files of each kind, (file, sub-font index), best first; fc-list finds the rest.
KNOWN_FACES: dict[str, list[tuple[Path, int]]] = {
    "xiaobiaosong": [(_W / "FZXBSJW.TTF", 0), (_W / "FZXBSK.TTF", 0)],
    "fangsong": [(_W / "simfang.ttf", 0), (_W / "STFANGSO.TTF", 0)],
    "song": [
        (_W / "simsun.ttc", 0),
        (_W / "STSONG.TTF", 0),
        (_T / "arphic/uming.ttc", 0),
        (_T / "arphic-gbsn00lp/gbsn00lp.ttf", 0),
        (_T / "hanazono/HanaMinA.ttf", 0),
    ],
    "kai": [
        (_W / "simkai.ttf", 0),
        (_W / "STKAITI.TTF", 0),
        (_T / "arphic/ukai.ttc", 0),
        (_T / "arphic-gkai00mp/gkai00mp.ttf", 0),
        (_T / "lxgw/LXGWWenKai-Regular.ttf", 0),
    ],
    "hei": [
        (_W / "simhei.ttf", 0),
        (_W / "msyh.ttc", 0),
        (_T / "wqy/wqy-zenhei.ttc", 0),
        (_T / "wqy/wqy-microhei.ttc", 0),
        (_T / "droid/DroidSansFallbackFull.ttf", 0),
    ],
}
# The body's known files in order (the charts look for a file among these).
BODY_CANDIDATES: list[tuple[Path, int]] = [
    c for kind in ROLE_KINDS[BODY] for c in KNOWN_FACES.get(kind, [])
]
RARE_CANDIDATES: list[tuple[Path, int]] = [
    (_W / "simsunb.ttf", 0),
    (_T / "hanazono/HanaMinB.ttf", 0),
    (_T / "hanazono/HanaMinA.ttf", 0),
    (_T / "fonts-japanese-mincho.ttf", 0),
]
# A face for a role must have these (a Big5-only or Japanese-only face lacks some).
COMMON_CHINESE = "综治中心纠纷调解协议书会议纪要这们为说关于发应对，。：；（）、"


@dataclass(frozen=True)
class FontSet:
    """Registered font names per role; ``fallbacks`` for characters a face lacks."""

    body: str
    body_path: str | None  # None for the built-in CID font
    fallbacks: tuple[str, ...] = ()
    _cmaps: dict[str, Container[int]] = field(default_factory=dict, compare=False, repr=False)
    title: str = ""
    heading1: str = ""
    heading2: str = ""
    song: str = ""
    paths: dict[str, str | None] = field(default_factory=dict, compare=False)  # face → file
    # A title set in a regular Song face (no 小标宋 installed) is drawn with an outline this
    # fraction of its size thick, to come near 小标宋's weight; 0 for a 小标宋.
    title_stroke: float = 0.0

    def __post_init__(self) -> None:
        for role in (TITLE, HEADING1, HEADING2, SONG):
            if not getattr(self, role):
                object.__setattr__(self, role, self.body)

    def face(self, role: str) -> str:
        return getattr(self, role)

    def has(self, font: str, ch: str) -> bool:
        cmap = self._cmaps.get(font)
        if cmap is None:  # CID font: covers the BMP's CJK, nothing beyond it
            return ord(ch) <= 0xFFFF
        return ord(ch) in cmap

    def chain(self, font: str | None = None) -> tuple[str, ...]:
        """Where a character ``font`` lacks is looked for: the body face, then the fallbacks."""
        font = font or self.body
        return tuple(f for f in dict.fromkeys((self.body, *self.fallbacks)) if f != font)


@dataclass(frozen=True)
class FcFace:
    path: Path
    index: int
    families: str
    style: str = ""

    @property
    def kind(self) -> str:
        return self._match[0]

    @property
    def rank(self) -> int:
        """How early in its kind's words the family name matched."""
        return self._match[1]

    @property
    def _match(self) -> tuple[str, int]:
        names = self.families.lower()
        for kind, words in KIND_WORDS.items():
            ranks = [i for i, w in enumerate(words) if w in names]
            if ranks:
                return kind, ranks[0]
        return OTHER, 0


def parse_fc_list(out: str) -> list[FcFace]:
    """Lines of ``fc-list --format '%{file}\\t%{index}\\t%{family}\\t%{style}\\t%{fontformat}\\n'``:
    TrueType faces, no italics, regular styles and proportional families first."""
    faces = []
    for line in out.splitlines():
        path, index, families, style, fmt = (line.split("\t") + [""] * 5)[:5]
        if not path.lower().endswith((".ttf", ".ttc")) or (fmt and fmt != "TrueType"):
            continue
        if any(w in style.lower() for w in ("italic", "oblique")):
            continue
        faces.append(FcFace(Path(path), int(index or 0), families, style))

    def order(f: FcFace) -> tuple:
        mono = "mono" in f.families.lower()
        regular = f.style.lower() in ("", "regular", "normal", "book", "medium", "light")
        return (mono, not regular, str(f.path), f.index)

    return sorted(faces, key=order)


def font_folders() -> list[Path]:
    """Where fontconfig looks for fonts on the Linux desktops we run on (Debian, UOS, Kylin:
    its default folders and the user's own), and its configuration."""
    home = Path.home()
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".fonts",
        data / "fonts",
        Path("/etc/fonts"),
        config / "fontconfig",
    ]


def _folders_stamp(program: str) -> str:
    """Changes when a font or a configuration file is added, removed or renamed anywhere in
    ``font_folders`` (each folder's modification time), or fc-list itself changes."""
    parts = [program, str(Path(program).stat().st_mtime_ns)]
    seen: set[str] = set()
    for top in font_folders():
        # Linked folders are followed (WPS and some UOS/Kylin packages link
        # /usr/share/fonts/wps-office to a folder under /opt), each real folder once.
        for folder, subfolders, _files in os.walk(top, followlinks=True):
            real = os.path.realpath(folder)
            if real in seen:
                subfolders.clear()  # a link back up, or a folder reached twice: once is enough
                continue
            seen.add(real)
            with contextlib.suppress(OSError):
                parts.append(f"{folder}|{os.stat(folder).st_mtime_ns}")
    text = "\n".join(parts).encode("utf-8", "surrogateescape")
    return hashlib.sha256(text).hexdigest()


def _fc_list() -> list[FcFace]:
    """The Chinese faces fontconfig knows. Its answer is kept in the cache folder while no font
    folder has changed: running fc-list is 5–30 ms of every print from the command line, for
    the same answer (issue 17)."""
    program = shutil.which("fc-list")
    if not program:
        return []
    try:
        stamp = _folders_stamp(program)
    except OSError:
        stamp = None
    kept = cache_folder() / "fonts" / "fc-list.txt"
    if stamp is not None:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            first, _, out = kept.read_text(encoding="utf-8").partition("\n")
            if first == stamp:
                return parse_fc_list(out)
    import subprocess  # only when the kept answer is stale: 3 ms of every print otherwise

    fmt = "%{file}\t%{index}\t%{family}\t%{style}\t%{fontformat}\n"
    try:
        run = subprocess.run(
            [program, "--format", fmt, ":lang=zh"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if stamp is not None and run.returncode == 0:
        font_cache.write_text(kept, f"{stamp}\n{run.stdout}")
    return parse_fc_list(run.stdout)


_CMAPS: dict[str, Container[int]] = {}  # registered name → the code points its face has
_FAILED: set[tuple[str, int]] = set()


def _register(path: Path, index: int) -> tuple[str, Container[int]] | None:
    """Register a file once per process (the same file under another name, a symlink, once).

    Its tables are parsed once per installation and loaded only when a document uses the face
    (font_cache.py); choosing it needs only its coverage."""
    try:
        real = path.resolve()
    except OSError:
        return None
    if (str(real), index) in _FAILED or not real.is_file():
        return None
    name = f"zz-{real.stem}-{index}"
    if name not in _CMAPS:
        try:
            found = font_cache.facts(real, index)
        except font_cache.Unusable:
            _FAILED.add((str(real), index))
            return None  # CFF outlines, a damaged file, a bad index: try the next
        font_cache.register(name, found)
        _CMAPS[name] = found.coverage
    return name, _CMAPS[name]


def _builtin() -> str:
    if BUILTIN_CID not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(BUILTIN_CID))
    return BUILTIN_CID


def resolve_fonts(
    configured: str | os.PathLike | None = None,
    *,
    candidates: Mapping[str, Sequence[tuple[Path, int]]] | None = None,
    rare_candidates: Sequence[tuple[Path, int]] | None = None,
    use_fc_list: bool = True,
) -> FontSet:
    """Pick and register a face for each role.

    ``candidates`` (kind → files, kinds as in ``KIND_WORDS`` plus ``"other"``) replaces the
    known files; tests pass their own lists, or empty ones to force the built-in fallback.
    """
    configured = configured or os.environ.get("ZONGZHI_FONT") or None
    known = KNOWN_FACES if candidates is None else candidates
    found = _fc_list() if use_fc_list else []
    by_kind: dict[str, list[tuple[Path, int]]] = {
        kind: list(known.get(kind, []))
        + [(f.path, f.index) for f in sorted(found, key=lambda f: f.rank) if f.kind == kind]
        for kind in (*KIND_WORDS, OTHER)
    }
    cmaps: dict[str, Container[int]] = {}
    paths: dict[str, str | None] = {}
    chosen: dict[tuple[str, int], str | None] = {}  # (file, index) → name, None if unfit
    kind_of: dict[str, str] = {}

    def first(kinds: Sequence[str]) -> str | None:
        for kind in kinds:
            for path, index in by_kind.get(kind, []):
                key = (str(path), index)
                if key not in chosen:
                    reg = _register(path, index)
                    fit = reg and all(ord(c) in reg[1] for c in COMMON_CHINESE)
                    chosen[key] = reg[0] if fit else None
                    if fit:
                        cmaps[reg[0]], paths[reg[0]] = reg[1], str(path.resolve())
                if chosen[key]:
                    kind_of[chosen[key]] = kind
                    return chosen[key]
        return None

    body = None
    if configured and (reg := _register(Path(configured), 0)):
        body = reg[0]
        cmaps[body], paths[body] = reg[1], str(Path(configured).resolve())
    body = body or first(ROLE_KINDS[BODY]) or _builtin()
    paths.setdefault(body, None)
    faces = {role: first(ROLE_KINDS[role]) or body for role in (TITLE, HEADING1, HEADING2, SONG)}
    fallbacks = []
    for path, index in RARE_CANDIDATES if rare_candidates is None else rare_candidates:
        if reg := _register(path, index):
            fallbacks.append(reg[0])
            cmaps[reg[0]] = reg[1]
    return FontSet(
        body,
        paths[body],
        tuple(dict.fromkeys(fallbacks)),
        cmaps,
        paths=paths,
        title_stroke=0.0 if kind_of.get(faces[TITLE]) == "xiaobiaosong" else 0.025,
        **faces,
    )


_RESOLVING = threading.Lock()


@lru_cache(maxsize=1)
def _default_fonts() -> FontSet:
    return resolve_fonts()


def default_fonts() -> FontSet:
    """Resolved once per process (a few milliseconds a face once its facts are cached); a
    warm-up thread and the database worker may ask at once."""
    with _RESOLVING:
        return _default_fonts()


def load_faces(fonts: FontSet, roles: Sequence[str] = ROLES) -> None:
    """Load the faces of ``roles`` now (a warm-up), not when a document first sets text."""
    for face in {fonts.face(role) for role in roles}:
        font = pdfmetrics.getFont(face)
        getattr(font, "face", None)


def markup(text: str, fonts: FontSet, font: str | None = None) -> str:
    """Escape for a Paragraph set in ``font`` (the body face if not given) and switch face for
    each character it lacks."""
    face = font or fonts.body
    chain = fonts.chain(face)
    out: list[str] = []
    run_font: str | None = None
    run: list[str] = []

    def flush() -> None:
        if not run:
            return
        # Full-width spaces written as references: the paragraph parser would fold a run of
        # them into one narrow space, and a blank such as "年　　月　　日" would close up.
        # (html.escape rather than xml.sax's, whose import loads urllib.request: 3 ms a print.)
        chunk = html.escape("".join(run), quote=False).replace("\u3000", "&#x3000;")
        out.append(f'<font name="{run_font}">{chunk}</font>' if run_font else chunk)
        run.clear()

    for ch in text:
        switch = None
        if ch not in "\n\r\t " and not fonts.has(face, ch):
            switch = next((f for f in chain if fonts.has(f, ch)), None)
        if switch != run_font:
            flush()
            run_font = switch
        run.append(ch)
    flush()
    return "".join(out).replace("\n", "<br/>")


def missing_characters(text: str, fonts: FontSet, font: str | None = None) -> list[str]:
    """Characters no registered face can show (reported, never silently boxed)."""
    face = font or fonts.body
    chain = (face, *fonts.chain(face))
    return [
        ch
        for ch in dict.fromkeys(text)
        if not ch.isspace() and not any(fonts.has(f, ch) for f in chain)
    ]
