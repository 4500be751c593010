"""A QR code drawn straight onto the page: the dark modules of each row as filled rectangles
in one path.

ReportLab's own QR widget costs a receipt about 50 ms to import (``reportlab.graphics.barcode``
loads every kind of barcode and the graphics library with it) and draws each module as a
checked shape object; its encoder module, ``qrencoder``, needs nothing but the standard library,
so it is loaded here by itself (issue 17: a receipt from the command line in under 0.5 s).
"""

from __future__ import annotations

import importlib.util
import itertools
from functools import lru_cache
from types import ModuleType

from reportlab.lib import colors
from reportlab.platypus import Flowable

from app.core.deferred import find_spec_running_nothing

BORDER = 4  # the quiet zone, in modules, as ReportLab's widget leaves it


@lru_cache(maxsize=1)
def _encoder() -> ModuleType:
    """ReportLab's ``qrencoder`` run by itself, not through its package (which imports every
    symbology). Found as the import system finds modules, so also in the bundled program,
    where ReportLab's modules are no files on disk; not entered in ``sys.modules``."""
    name = "reportlab.graphics.barcode.qrencoder"
    spec = find_spec_running_nothing(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"ReportLab's QR encoder ({name}) is missing", name=name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=64)
def dark_runs(text: str, level: str = "M") -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """(modules a side, the dark runs as (row, first column, length)) of ``text``'s QR code,
    row 0 at the top."""
    enc = _encoder()
    qr = enc.QRCode(None, getattr(enc.QRErrorCorrectLevel, level))
    qr.addData(text)
    qr.make()
    runs = []
    for r, row in enumerate(qr.modules):
        c = 0
        for dark, group in itertools.groupby(bool(m) for m in row):
            n = len(list(group))
            if dark:
                runs.append((r, c, n))
            c += n
    return qr.getModuleCount(), tuple(runs)


class QrCode(Flowable):
    """``text`` as a QR code ``size`` points square (the quiet zone included)."""

    def __init__(self, text: str, size: float, level: str = "M"):
        super().__init__()
        self.text, self.level = text, level
        self.width = self.height = size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        count, runs = dark_runs(self.text, self.level)
        box = self.width / (count + 2 * BORDER)
        c = self.canv
        c.saveState()
        c.setFillColor(colors.black)
        path = c.beginPath()
        for r, col, n in runs:
            path.rect((col + BORDER) * box, self.height - (r + BORDER + 1) * box, n * box, box)
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()
