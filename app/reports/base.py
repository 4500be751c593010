"""The one document base: every printed document is a pure ``render(data) -> bytes`` over it.

- Faces follow GB/T 9704 by role (fonts.py), registered once per process: titles and the
  issuing body in the title face (小标宋 or the nearest Song), text in the body face (仿宋 or
  the nearest Song), form labels and headings in the heading face (黑体). One stylesheet.
- One page set-up, :class:`Layout`: the paper, the margins, the frame, the page numbers. The
  forms (``FORM``), the mediation rooms' documents (``MEDIATION``), the landscape ledger
  (``LEDGER``) and the GB/T 9704 official-document page of the minutes (``GBT9704``).
- One page numbering, :class:`PageNumbers`, centred or (GB/T 9704) odd pages right, even left.
- One canvas, :class:`DocCanvas`, which knows the page count without rendering twice: text
  that needs it ("第 2 页 共 5 页", a contents page's page numbers, "本卷共 12 页") is drawn as a
  PDF form whose content is written when the document is complete.
- :func:`render_story` lays a story out on a layout and returns the PDF.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from .contents import format_date_cn as format_date_cn
from .contents import format_datetime_cn as format_datetime_cn
from .fonts import BODY, SONG, FontSet, default_fonts, markup

AUTHOR = "综治中心工作台"


class TextParagraph(Paragraph):
    """A Paragraph whose style may ask for a faux bold (``fauxBold``: outline width as a
    fraction of the size), for titles set in a regular Song face where 小标宋 is missing."""

    def beginText(self, x, y):
        tx = super().beginText(x, y)
        stroke = getattr(self.style, "fauxBold", 0)
        if stroke:
            tx.setTextRenderMode(2)  # fill, then stroke the outline
            self.canv.setLineWidth(self.style.fontSize * stroke)
            self.canv.setStrokeColor(self.style.textColor)
        return tx


@dataclass(frozen=True)
class Styles:
    fonts: FontSet
    title: ParagraphStyle  # a table's or sheet's title, 18 pt, title face
    subtitle: ParagraphStyle  # a centred line of text under it, body face
    label: ParagraphStyle  # a form's field names, heading face
    body: ParagraphStyle
    small: ParagraphStyle
    doc_title: ParagraphStyle  # a document's name, 2号 (22 pt) title face
    issuer: ParagraphStyle  # the issuing body above a document's name, title face
    heading: ParagraphStyle  # a section label in the text ("申请事项："), heading face

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of plain text (escaped, rare characters switched to a face that has them)."""
        style = style or self.body
        return TextParagraph(markup(text, self.fonts, style.fontName), style)

    def head(self, issuer: str, title: str) -> list[Paragraph]:
        """A document's head: the issuing body, then the document's name, in the title face."""
        return [self.p(issuer, self.issuer), self.p(title, self.doc_title)]


SHADE = colors.HexColor("#f2f2f2")  # a form's label cells


def grid_style(
    shade: tuple[int, ...] = (0,), padding: tuple[float, float] | None = (4, 5)
) -> list[tuple]:
    """A form's table: thin black rules, cells centred vertically, the label columns
    ``shade`` grey, ``padding`` (top, bottom) in each cell (None: ReportLab's own)."""
    style: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    style += [("BACKGROUND", (col, 0), (col, -1), SHADE) for col in shade]
    if padding:
        style += [
            ("TOPPADDING", (0, 0), (-1, -1), padding[0]),
            ("BOTTOMPADDING", (0, 0), (-1, -1), padding[1]),
        ]
    return style


def text_width(text: str, style: ParagraphStyle) -> float:
    return stringWidth(text, style.fontName, style.fontSize)


def label_column(labels: list[str], style: ParagraphStyle, padding: float = 12) -> float:
    """A table column wide enough for each label on one line (cells pad 6 pt each side)."""
    return max(text_width(x, style) for x in labels) + padding + 1


def make_styles(fonts: FontSet | None = None) -> Styles:
    fonts = fonts or default_fonts()
    f = fonts.body
    cjk = {"wordWrap": "CJK"}
    bold = {"fauxBold": fonts.title_stroke}
    return Styles(
        fonts=fonts,
        title=ParagraphStyle(
            "title",
            fontName=fonts.title,
            fontSize=18,
            leading=26,
            alignment=TA_CENTER,
            **cjk,
            **bold,
        ),
        subtitle=ParagraphStyle(
            "subtitle", fontName=f, fontSize=13, leading=20, alignment=TA_CENTER, **cjk
        ),
        label=ParagraphStyle(
            "label",
            fontName=fonts.heading1,
            fontSize=10.5,
            leading=15,
            alignment=TA_LEFT,
            textColor=colors.HexColor("#222222"),
            **cjk,
        ),
        body=ParagraphStyle("body", fontName=f, fontSize=10.5, leading=16, **cjk),
        small=ParagraphStyle(
            "small",
            fontName=f,
            fontSize=9,
            leading=13,
            textColor=colors.HexColor("#222222"),
            **cjk,
        ),
        doc_title=ParagraphStyle(
            "doc_title",
            fontName=fonts.title,
            fontSize=22,
            leading=32,
            alignment=TA_CENTER,
            spaceAfter=2,
            **cjk,
            **bold,
        ),
        issuer=ParagraphStyle(
            "issuer",
            fontName=fonts.title,
            fontSize=15,
            leading=22,
            alignment=TA_CENTER,
            **cjk,
            **bold,
        ),
        heading=ParagraphStyle(
            "heading", fontName=fonts.heading1, fontSize=11.5, leading=18, spaceBefore=4, **cjk
        ),
    )


# --- the page: numbers, layouts, the canvas -------------------------------------------------


@dataclass(frozen=True)
class PageNumbers:
    """A page's number: ``text`` with ``{n}`` (this page) and ``{total}`` (pages in the
    document), in the face of ``role`` at ``size`` pt, its baseline ``y`` above the paper's
    foot; centred, or ``outside`` (GB/T 9704 7.5: odd pages on the right, even pages on the
    left, ``inset`` in from the text block's edge)."""

    text: str = "— {n} —"
    role: str = SONG
    size: float = 9
    y: float = 10 * mm
    outside: bool = False
    inset: float = 0

    def draw(self, canvas: Canvas, fonts: FontSet, layout: Layout, n: int, total: int) -> None:
        text = self.text.format(n=n, total=total)
        canvas.saveState()
        canvas.setFont(fonts.face(self.role), self.size)
        _top, right, _bottom, left = layout.margins
        if not self.outside:
            canvas.drawCentredString(layout.pagesize[0] / 2, self.y, text)
        elif n % 2:
            canvas.drawRightString(layout.pagesize[0] - right - self.inset, self.y, text)
        else:
            canvas.drawString(left + self.inset, self.y, text)
        canvas.restoreState()


@dataclass(frozen=True)
class Layout:
    """Paper, margins (top, right, bottom, left, in points), the frame's own padding on each
    side and the page numbers (None: not numbered)."""

    pagesize: tuple[float, float] = A4
    margins: tuple[float, float, float, float] = (18 * mm, 18 * mm, 18 * mm, 18 * mm)
    padding: float = 6
    numbers: PageNumbers | None = None

    def numbered(self, numbers: PageNumbers | None) -> Layout:
        return Layout(self.pagesize, self.margins, self.padding, numbers)


# GB/T 9704-2012: top margin 37 mm, binding margin 28 mm, a text block of 156 × 225 mm
# (22 lines of 28 characters at 3号), page numbers "— 1 —" in 4号 宋体 with their dashes 7 mm
# below the block (the dash sits about a third of the size above the baseline), one character
# in from the block's edge, odd pages right and even pages left.
GBT_TOP, GBT_LEFT, GBT_BLOCK_W, GBT_BLOCK_H = 37 * mm, 28 * mm, 156 * mm, 225 * mm
GBT_PAGE_NO_PT = 14

FORM = Layout()  # 受理回执, 督办单, 转介摘要, 恢复密钥: A4, 18 mm all round, not numbered
MEDIATION = Layout(margins=(20 * mm, 20 * mm, 20 * mm, 20 * mm))  # the rooms' documents
LEDGER = Layout(
    landscape(A4),
    (12 * mm, 12 * mm, 14 * mm, 12 * mm),
    numbers=PageNumbers("— {n} —", role=BODY, size=9, y=7 * mm),
)
GBT9704 = Layout(
    A4,
    (
        GBT_TOP,
        A4[0] - GBT_LEFT - GBT_BLOCK_W,
        A4[1] - GBT_TOP - GBT_BLOCK_H,
        GBT_LEFT,
    ),
    padding=0,
    numbers=PageNumbers(
        "— {n} —",
        role=SONG,
        size=GBT_PAGE_NO_PT,
        y=A4[1] - GBT_TOP - GBT_BLOCK_H - 7 * mm - 0.35 * GBT_PAGE_NO_PT,
        outside=True,
        inset=GBT_PAGE_NO_PT,
    ),
)

Later = Callable[["DocCanvas", int], None]  # draws, given the canvas and the page count


class DocCanvas(Canvas):
    """A canvas that knows the page count and where marked places fell, without rendering
    twice: :meth:`later` places a PDF form now and writes its content when the document is
    complete; :meth:`mark` notes the page a place fell on (``marks``, filled in as the
    document is laid out)."""

    def __init__(self, *args, marks: dict[str, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.marks: dict[str, int] = {} if marks is None else marks
        self._later: list[tuple[str, Later]] = []

    def mark(self, key: str) -> None:
        self.marks[key] = self.getPageNumber()

    def later(self, draw: Later) -> None:
        name = f"zz-later-{len(self._later)}"
        self.doForm(name)
        self._later.append((name, draw))

    def save(self) -> None:
        total = self.getPageNumber() - 1  # the last page is shown: the number is the next one
        for name, draw in self._later:
            self.beginForm(name)
            draw(self, total)
            self.endForm()
        super().save()


class Mark(Flowable):
    """Notes on the canvas the page it falls on (a document's first page in a 卷宗)."""

    def __init__(self, key: str):
        super().__init__()
        self.key = key
        self.width = self.height = 0

    def wrap(self, avail_w, avail_h):
        return 0, 0

    def draw(self) -> None:
        self.canv.mark(self.key)


class LaterParagraph(Flowable):
    """A one-line paragraph whose text needs the finished document (the page count, the
    marked pages): ``text(total, marks)``. It takes the room the paragraph takes and is
    drawn, exactly as that paragraph would be, when the document is complete."""

    def __init__(self, styles: Styles, text: Callable[[int, dict[str, int]], str], style=None):
        super().__init__()
        self.styles, self.text, self.style = styles, text, style or styles.body

    def _para(self, text: str) -> Paragraph:
        return self.styles.p(text, self.style)

    def wrap(self, avail_w, avail_h):
        placeholder = self._para(self.text(999, _AnyPage()))
        _w, self.height = placeholder.wrap(avail_w, avail_h)
        self.width = avail_w
        return self.width, self.height

    def draw(self) -> None:
        width, marks = self.width, self.canv.marks

        def draw(canvas: DocCanvas, total: int) -> None:
            p = self._para(self.text(total, marks))
            p.wrap(width, 1e6)
            p.drawOn(canvas, 0, 0)

        self.canv.later(draw)


class _AnyPage(dict):
    def __missing__(self, key: str) -> int:
        return 999


def render_story(
    story: list,
    *,
    title: str,
    author: str = AUTHOR,
    layout: Layout = FORM,
    fonts: FontSet | None = None,
    on_page: Callable[[Canvas, BaseDocTemplate], None] | None = None,
    marks: dict[str, int] | None = None,
) -> bytes:
    """Lay ``story`` out on ``layout`` and return the PDF. ``on_page`` runs as each page
    begins (before its number is drawn); ``marks``, if given, receives the pages that
    :class:`Mark` flowables fell on."""
    fonts = fonts or default_fonts()
    buf = io.BytesIO()
    top, right, bottom, left = layout.margins
    doc = BaseDocTemplate(
        buf,
        pagesize=layout.pagesize,
        topMargin=top,
        rightMargin=right,
        bottomMargin=bottom,
        leftMargin=left,
        title=title,
        author=author,
        creator="zongzhi-desk",
    )
    pad = layout.padding
    frame = Frame(
        doc.leftMargin, doc.bottomMargin, doc.width, doc.height, pad, pad, pad, pad, id="text"
    )
    numbers = layout.numbers

    def page(canvas: DocCanvas, d: BaseDocTemplate) -> None:
        if on_page:
            on_page(canvas, d)
        if numbers is None:
            return
        n = d.page
        if "{total}" in numbers.text:
            canvas.later(lambda c, total: numbers.draw(c, fonts, layout, n, total))
        else:
            numbers.draw(canvas, fonts, layout, n, 0)

    doc.addPageTemplates([PageTemplate("page", [frame], onPage=page)])

    def canvasmaker(*args, **kwargs) -> DocCanvas:
        return DocCanvas(*args, marks=marks, **kwargs)

    doc.build(story, canvasmaker=canvasmaker)
    return buf.getvalue()
