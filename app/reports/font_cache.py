"""Each font file is parsed once per installation, not once per start, and held in memory only
while a document uses it.

ReportLab's ``TTFont`` reads a whole file (a Chinese TTC is 17–30 MB) and builds its character
and metric tables in Python: 50–400 ms a face, and 30–50 MB of memory a face kept for as long
as the process runs. Here:

- the facts ReportLab works out (character map, widths, metrics, table directory) are kept in
  the program's cache folder, one file a face, keyed by the file's path, size and modification
  time (and ReportLab's version), so a later start reads them in a few milliseconds;
- the choice of faces needs only which characters each face covers (``Coverage``, a few
  hundred ranges), read from the front of that file;
- a face is registered with ReportLab as a ``LazyTTFont``: its tables are loaded the first time
  a document measures or writes text in it, so a receipt loads the two or three faces it sets
  and the rare-character face only when a character needs it;
- the font file itself is memory-mapped, not read: writing a PDF copies out only the glyphs it
  uses (ReportLab subsets), so only those pages of the file are ever read.

A damaged or unwritable cache is passed over: the file is parsed as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import pickle
import tempfile
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace

import reportlab
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTEncoding, TTFont, TTFontFace

from app.core.cache import cache_folder

FORMAT = 1  # bump when what is stored changes
_BIG = ("charToGlyph", "charWidths", "hmetrics", "glyphPos")
# Not kept: the file's bytes (mapped again on load), the shaping-only reverse map and a lambda.
_DROPPED = ("_ttf_data", "glyphToChar", "_pdfScale")


class Coverage:
    """The code points a face has, as sorted ranges: ``ord(ch) in coverage``."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, starts: array, ends: array):
        self._starts, self._ends = starts, ends

    @classmethod
    def of(cls, code_points: Iterable[int]) -> Coverage:
        starts, ends = array("I"), array("I")
        for cp in sorted(code_points):
            if ends and cp == ends[-1] + 1:
                ends[-1] = cp
            else:
                starts.append(cp)
                ends.append(cp)
        return cls(starts, ends)

    def __contains__(self, cp: object) -> bool:
        if not isinstance(cp, int):
            return False
        i = bisect_right(self._starts, cp) - 1
        return i >= 0 and cp <= self._ends[i]

    def __reduce__(self):
        return Coverage, (self._starts, self._ends)


class _SortedTable(Mapping):
    """``code → value`` over two sorted arrays, found by bisection. As a dict, a Chinese face's
    20,000–40,000 characters cost 5–15 ms to build (twice a face: glyphs and widths) and a few
    MB to hold, for a document that looks up a few hundred of them (issue 17). ReportLab asks
    ``get``, ``in`` and ``[]``; what it adds (shaping's private glyphs, not used for Chinese)
    is kept in a small dict beside."""

    __slots__ = ("_added", "_keys", "_seen", "_values")

    def __init__(self, keys: array, values: array):
        self._keys, self._values, self._added = keys, values, {}
        self._seen: dict[str, float] = {}  # total()'s characters looked up so far

    def total(self, text: str, default: float) -> float:
        """The sum of ``text``'s characters' values (``default`` for one not in the table):
        a width. Each character found is looked up once and remembered, as a document
        measures the same few hundred characters thousands of times."""
        seen, total = self._seen, 0.0
        for ch in text:
            value = seen.get(ch)
            if value is None:
                value = self.get(ord(ch))
                if value is None:
                    value = default
                else:
                    seen[ch] = value
            total += value
        return total

    def _index(self, code: object) -> int:
        if not isinstance(code, int):
            return -1
        keys = self._keys
        i = bisect_left(keys, code)
        return i if i < len(keys) and keys[i] == code else -1

    def get(self, code, default=None):
        if self._added and code in self._added:
            return self._added[code]
        i = self._index(code)
        return self._values[i] if i >= 0 else default

    def __getitem__(self, code):
        if self._added and code in self._added:
            return self._added[code]
        i = self._index(code)
        if i < 0:
            raise KeyError(code)
        return self._values[i]

    def __contains__(self, code: object) -> bool:
        return code in self._added or self._index(code) >= 0

    def __setitem__(self, code: int, value) -> None:
        self._added[code] = value
        self._seen = {}  # a new one: a total() under way on another thread fills the old

    def __iter__(self) -> Iterator[int]:
        yield from (k for k in self._keys if k not in self._added)
        yield from self._added

    def __len__(self) -> int:
        return len(self._keys) + sum(1 for k in self._added if self._index(k) < 0)


class _HMetrics:
    """``hmetrics[glyph] -> (advance, left side bearing)`` over two arrays (makeSubset reads it)."""

    __slots__ = ("aw", "lsb")

    def __init__(self, aw: array, lsb: array):
        self.aw, self.lsb = aw, lsb

    def __getitem__(self, glyph: int) -> tuple[int, int]:
        return self.aw[glyph], self.lsb[glyph]

    def __len__(self) -> int:
        return len(self.aw)


class _Scale:
    """ReportLab's ``face._pdfScale`` (a lambda there, which cannot be pickled)."""

    def __init__(self, units_per_em: int):
        self.factor = 1000 / units_per_em

    def __call__(self, x: float) -> float:
        return x * self.factor


def _key(real: Path, index: int, st: os.stat_result) -> str:
    text = f"{FORMAT}|{reportlab.Version}|{real}|{index}|{st.st_size}|{st.st_mtime_ns}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def cache_file(real: Path, index: int) -> Path | None:
    try:
        st = real.stat()
    except OSError:
        return None
    return cache_folder() / "fonts" / f"{_key(real, index, st)}.face"


def _pack(face: TTFontFace) -> dict:
    state = {k: v for k, v in face.__dict__.items() if k not in _DROPPED}
    codes = sorted(face.charToGlyph)
    state["charToGlyph"] = (array("I", codes), array("I", (face.charToGlyph[c] for c in codes)))
    wcodes = sorted(face.charWidths)
    widths = array("d", (face.charWidths[c] for c in wcodes))
    state["charWidths"] = (array("I", wcodes), widths)
    state["hmetrics"] = (
        array("d", (aw for aw, _ in face.hmetrics)),
        array("H", (lsb for _, lsb in face.hmetrics)),
    )
    state["glyphPos"] = array("L", face.glyphPos)
    return state


def _map_file(path: str):
    """The font file's bytes, memory-mapped (read as needed), else read whole."""
    try:
        with open(path, "rb") as f:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        with open(path, "rb") as f:
            return f.read()


class _InPlace:
    """A table of the mapped file read in place: a slice is copied, never the whole table."""

    def __init__(self, data, start: int, length: int):
        self.data, self.start, self.length = data, start, length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, part: slice) -> bytes:
        lo, hi, step = part.indices(self.length)
        assert step == 1
        return self.data[self.start + lo : self.start + hi]


class MappedFace(TTFontFace):
    """A face loaded from the cache over its memory-mapped file. A document's subset reads the
    glyphs it uses from the ``glyf`` table in place: ReportLab's ``get_table`` would copy the
    whole table, megabytes in a Chinese face, for each document (issue 17: a receipt)."""

    def get_table(self, tag):
        if tag == "glyf":
            pos, length = self.get_table_pos(tag)
            return _InPlace(self._ttf_data, pos, length)
        return super().get_table(tag)


def _unpack(state: dict, path: str) -> TTFontFace:
    face = MappedFace.__new__(MappedFace)
    big = {k: state[k] for k in _BIG}
    face.__dict__.update({k: v for k, v in state.items() if k not in _BIG})
    face.charToGlyph = _SortedTable(*big["charToGlyph"])
    face.charWidths = _SortedTable(*big["charWidths"])
    face.hmetrics = _HMetrics(*big["hmetrics"])
    face.glyphPos = big["glyphPos"]
    face.glyphToChar = {}
    face._pdfScale = _Scale(face.unitsPerEm)
    face._ttf_data = _map_file(path)
    return face


def _write_whole(target: Path, write) -> bool:
    """``write(file)`` to a file under another name, then renamed: a reader never sees half a
    file. False if it could not be written (the cache is then passed over)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        return False
    return True


def _write(target: Path, coverage: Coverage | None, state: dict | None) -> bool:
    def write(f) -> None:
        pickle.dump(coverage, f, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)

    return _write_whole(target, write)


def write_text(target: Path, text: str) -> bool:
    """A text file in the cache folder (fc-list's answer, ``fonts._fc_list``), written whole."""
    return _write_whole(target, lambda f: f.write(text.encode("utf-8", "surrogateescape")))


class Unusable(Exception):
    """The file is no TrueType face ReportLab can embed (CFF outlines, damaged, bad index)."""


def parse(real: Path, index: int) -> TTFontFace:
    """ReportLab's own parse of a face; ``Unusable`` when it cannot take it."""
    from reportlab.pdfbase.ttfonts import TTFError

    try:
        return TTFontFace(str(real), subfontIndex=index)
    except (TTFError, OSError, ValueError, KeyError, AssertionError, IndexError) as exc:
        raise Unusable(str(exc)) from exc


class FaceFacts:
    """What is known of one face of one file: its coverage, and how to load its tables."""

    def __init__(self, real: Path, index: int, coverage: Coverage, cached: Path | None):
        self.real, self.index, self.coverage, self.cached = real, index, coverage, cached
        self.parsed: TTFontFace | None = None  # kept only when the cache could not be written

    def load(self) -> TTFontFace:
        if self.parsed is not None:
            return self.parsed
        if self.cached is not None:
            with contextlib.suppress(OSError, EOFError, pickle.UnpicklingError, ValueError):
                with open(self.cached, "rb") as f:
                    pickle.load(f)  # the coverage
                    state = pickle.load(f)
                if isinstance(state, dict):
                    return _unpack(state, str(self.real))
        self.parsed = parse(self.real, self.index)
        return self.parsed


def facts(real: Path, index: int) -> FaceFacts:
    """The face's facts from the cache, else parsed (and cached); ``Unusable`` if unfit."""
    target = cache_file(real, index)
    if target is not None:
        with contextlib.suppress(OSError, EOFError, pickle.UnpicklingError, ValueError):
            with open(target, "rb") as f:
                coverage = pickle.load(f)
            if coverage is None:
                raise Unusable(str(real))
            if isinstance(coverage, Coverage):
                return FaceFacts(real, index, coverage, target)
    try:
        face = parse(real, index)
    except Unusable:
        if target is not None:
            _write(target, None, None)
        raise
    coverage = Coverage.of(face.charToGlyph)
    ok = target is not None and _write(target, coverage, _pack(face))
    found = FaceFacts(real, index, coverage, target if ok else None)
    if not ok:
        found.parsed = face
    return found


class LazyTTFont(TTFont):
    """A ReportLab TrueType font whose face (``.face``) is loaded on first use."""

    def __init__(self, name: str, found: FaceFacts):
        self.fontName = name
        self.encoding = TTEncoding()
        from weakref import WeakKeyDictionary

        self.state = WeakKeyDictionary()
        self._asciiReadable = rl_config.ttfAsciiReadable
        self.shapable = False  # Chinese needs no shaping; shaping reads the whole file
        self._facts = found
        self._lock = threading.Lock()

    def __getattr__(self, attr: str):
        if attr != "face":
            raise AttributeError(attr)
        with self._lock:
            face = self.__dict__.get("face")
            if face is None:
                face = self.__dict__["face"] = self._facts.load()
            return face

    @property
    def loaded(self) -> bool:
        return "face" in self.__dict__

    def stringWidth(self, text, size, encoding="utf8"):  # noqa: N802 (ReportLab's name)
        """The width of ``text`` at ``size`` points. A face from the cache keeps its widths in
        a ``_SortedTable``, which ReportLab's C accelerator (``rl_accel``) cannot read (it
        takes a dict) and its Python code reads a character at a time."""
        widths = self.face.charWidths
        if not isinstance(widths, _SortedTable):
            return super().stringWidth(text, size, encoding)
        if not isinstance(text, str):
            text = text.decode(encoding or "utf8")
        return 0.001 * size * widths.total(text, self.face.defaultWidth)


def register(name: str, found: FaceFacts) -> LazyTTFont:
    """Register ``found`` under ``name`` without loading its tables.

    ``registerFont`` asks the face's PostScript name (to treat two files with the same one as
    one font); each of our names is one file's face, so the name given is unique enough."""
    font = LazyTTFont(name, found)

    font.__dict__["face"] = SimpleNamespace(name=f"zz-face-{name}".encode())
    try:
        pdfmetrics.registerFont(font)
    finally:
        del font.__dict__["face"]
    return font
