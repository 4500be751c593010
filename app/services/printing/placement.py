"""Where a document's page goes on the paper: at 100 %, at the document's own coordinates.

Our documents carry their own margins (GB/T 9704's 版心, the 人民调解 forms' boxes), wider than
any printer's hardware margin, so a page is never fitted to the printable area: the printer is
used as a whole sheet and the page's top-left corner is the paper's. If a printer's hardware
margin is wider than the ink's distance from an edge, the user is told once
(``MARGIN_WARNING``) and the page is still printed at 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass

MM_PER_PT = 25.4 / 72
A4_PT = (595.2756, 841.8898)
MAX_DPI = 600
FALLBACK_DPI = 300
MARGIN_WARNING = "本打印机边距较大，部分边缘可能打印不全"


@dataclass(frozen=True)
class Margins:
    """Distances from the paper's edges, in millimetres."""

    left: float
    top: float
    right: float
    bottom: float

    def wider_than(self, other: Margins, tolerance_mm: float = 0.05) -> bool:
        """True if any edge of ``self`` reaches further into the sheet than ``other``'s."""
        return any(
            a > b + tolerance_mm
            for a, b in zip(
                (self.left, self.top, self.right, self.bottom),
                (other.left, other.top, other.right, other.bottom),
                strict=True,
            )
        )


@dataclass(frozen=True)
class PageSetup:
    """The paper a document asks for: its size in points and whether it lies on its side."""

    width_pt: float
    height_pt: float

    @property
    def landscape(self) -> bool:
        return self.width_pt > self.height_pt

    @property
    def is_a4(self) -> bool:
        short, long = sorted((self.width_pt, self.height_pt))
        return abs(short - A4_PT[0]) < 2 and abs(long - A4_PT[1]) < 2

    @property
    def size_mm(self) -> tuple[float, float]:
        """(width, height) of the page as it lies, in millimetres."""
        return self.width_pt * MM_PER_PT, self.height_pt * MM_PER_PT

    @property
    def portrait_size_mm(self) -> tuple[float, float]:
        """(short, long) side in millimetres: how a paper size is named."""
        w, h = self.size_mm
        return min(w, h), max(w, h)

    def describe(self) -> str:
        name = "A4" if self.is_a4 else "{:.0f}×{:.0f} mm".format(*self.portrait_size_mm)
        return f"{name} {'横向' if self.landscape else '纵向'}"


def document_setup(page_sizes: list[tuple[float, float]]) -> PageSetup:
    """The paper for a document: its first page's (every page of ours has the same);
    A4 portrait for a document without pages."""
    if not page_sizes:
        return PageSetup(*A4_PT)
    return PageSetup(*page_sizes[0])


def render_dpi(printer_dpi: int | float | None) -> int:
    """The resolution a page is rasterised at for a printer: the printer's own, at most
    ``MAX_DPI`` (a printer that reports nothing usable gets ``FALLBACK_DPI``)."""
    if not printer_dpi or printer_dpi <= 0:
        return FALLBACK_DPI
    return int(min(printer_dpi, MAX_DPI))


def target_rect(
    width_pt: float, height_pt: float, device_dpi: float, paper_origin: tuple[float, float] = (0, 0)
) -> tuple[float, float, float, float]:
    """(x, y, width, height) in device pixels for a page drawn at 100 % with its top-left
    corner on the paper's. ``paper_origin`` is where the paper's corner is in the device's
    coordinates (0, 0 for a printer used as a whole sheet; minus the hardware margin for a
    device whose origin is the printable area's corner)."""
    scale = device_dpi / 72
    return (paper_origin[0], paper_origin[1], width_pt * scale, height_pt * scale)


def ink_margins(
    bounds_pt: list[tuple[float, float, float, float]], width_pt: float, height_pt: float
) -> Margins | None:
    """The distances from the page's edges to the outermost ink, in millimetres, from the
    bounds of the page's objects (left, bottom, right, top in PDF points, origin bottom-left).
    None for a blank page."""
    boxes = [b for b in bounds_pt if b[2] > b[0] or b[3] > b[1]]
    if not boxes:
        return None
    left = max(0.0, min(b[0] for b in boxes))
    bottom = max(0.0, min(b[1] for b in boxes))
    right = min(width_pt, max(b[2] for b in boxes))
    top = min(height_pt, max(b[3] for b in boxes))
    return Margins(
        left * MM_PER_PT,
        (height_pt - top) * MM_PER_PT,
        (width_pt - right) * MM_PER_PT,
        bottom * MM_PER_PT,
    )


def margin_warning(hardware: Margins, document: Margins | None) -> str | None:
    """``MARGIN_WARNING`` when the printer cannot reach ink the document has near an edge."""
    if document is None:
        return None
    return MARGIN_WARNING if hardware.wider_than(document) else None


def page_span(count: int, first: int | None = None, last: int | None = None) -> range:
    """The 0-based indexes of pages ``first``…``last`` (1-based, inclusive; None: from the
    start or to the end), clipped to the document."""
    lo = max(1, first or 1)
    hi = min(count, last or count)
    return range(lo - 1, hi) if lo <= hi else range(0)


def parse_page_range(text: str, count: int) -> tuple[int, int] | None:
    """'3-5', '3–5', '3' or '' (the whole document) → (first, last), 1-based; a ValueError with
    a Chinese message for anything else or pages the document does not have."""
    text = text.strip().replace("－", "-").replace("–", "-").replace("—", "-").replace("～", "-")
    if not text:
        return None
    parts = [p.strip() for p in text.split("-")]
    try:
        if len(parts) == 1:
            first = last = int(parts[0])
        elif len(parts) == 2:
            first, last = int(parts[0]), int(parts[1])
        else:
            raise ValueError
    except ValueError:
        raise ValueError(f"页码范围“{text}”看不懂，请写成 3-5 或 3。") from None
    if not 1 <= first <= last <= count:
        raise ValueError(f"页码范围应在 1 到 {count} 之间，且前一页不大于后一页。")
    return first, last
