"""A ledger (台账) as a spreadsheet or a printable table: data in, bytes out.

XLSX: the header is the first row, styled and frozen; columns are as wide as their Chinese
text (a Chinese character counts as two Latin ones); written in openpyxl's streaming mode so
a year of matters stays quick. PDF: A4 landscape (``base.LEDGER``), the header repeated on
every page.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

from app.core import clock

from .base import LEDGER, Styles, format_date_cn, make_styles, render_story
from .fonts import markup
from .linebreak import break_lines


@dataclass(frozen=True)
class LedgerTable:
    title: str
    center_name: str
    columns: list[tuple[str, int]]  # header, preferred width in characters
    rows: list[tuple]
    filters: str = "全部"
    made_on: date | None = None
    ids: list = field(default_factory=list)  # register ledgers: each row's record id (not shown)
    totals: list[tuple] = field(default_factory=list)  # 小计/合计 rows under the table

    @property
    def headers(self) -> list[str]:
        return [c for c, _ in self.columns]


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


MAX_WIDTH = 60  # a long summary wraps rather than running off the screen
SAMPLE_ROWS = 2000  # widths judged from the first rows: enough, and quick on a year's ledger


def column_widths(table: LedgerTable) -> list[float]:
    widths = []
    for i, (header, _hint) in enumerate(table.columns):
        w = display_width(header)
        for row in table.rows[:SAMPLE_ROWS]:
            value = row[i]
            if value is not None and value != "":
                w = max(w, display_width(str(value).split("\n", 1)[0]))
        widths.append(min(w, MAX_WIDTH) + 2)
    return widths


Progress = Callable[[int, int], None]  # (rows done, total); may raise to stop the work
STEP = 1000


def render_ledger_xlsx(table: LedgerTable, progress: Progress | None = None) -> bytes:
    """openpyxl writes the frame (styles, the styled header row, frozen pane, widths, print
    settings, properties); the body rows, nearly all of the file, are then written straight
    into the sheet as the same XML openpyxl's streaming mode writes (inline strings), several
    times quicker than a cell object per value on a year's ledger."""
    # openpyxl (and numpy with it) is loaded at the first export, not with the ledgers tab.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=table.title[:31])
    ws.freeze_panes = "A2"
    for i, w in enumerate(column_widths(table), start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    thin = Side(style="thin", color="808080")
    font = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="1F4E79")
    align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header = []
    for text in table.headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.font, cell.fill, cell.alignment, cell.border = font, fill, align, border
        header.append(cell)
    ws.append(header)
    wb.properties.title = f"{table.center_name}{table.title}"
    wb.properties.subject = table.filters
    wb.properties.creator = "综治中心工作台"
    frame = io.BytesIO()
    wb.save(frame)
    body = table.rows
    if table.totals:  # a blank row, then the totals, as wide as the header
        blank = ("",) * len(table.columns)
        body = [*table.rows, blank, *table.totals] if table.rows else [blank, *table.totals]
    return _add_rows(frame.getvalue(), body, progress)


# XML text: the three markup characters escaped, the control characters XML forbids dropped,
# and what else XML 1.0 cannot hold — U+FFFE, U+FFFF and lone surrogates — shown as U+FFFD:
# text kept before the input checks refused it must never make the whole file unreadable.
_XML_TEXT = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
_XML_TEXT.update({c: None for c in (*range(0, 9), 11, 12, *range(14, 32))})
_XML_TEXT.update({c: "\ufffd" for c in (0xFFFE, 0xFFFF, *range(0xD800, 0xE000))})
SHEET = "xl/worksheets/sheet1.xml"


def _row_xml(r: int, letters: list[str], row: tuple) -> str:
    cells = []
    for letter, v in zip(letters, row, strict=False):
        if v is None or v == "":
            continue
        if isinstance(v, int | float) and not isinstance(v, bool):
            cells.append(f'<c r="{letter}{r}"><v>{v}</v></c>')
            continue
        text = str(v).translate(_XML_TEXT)
        space = ' xml:space="preserve"' if text != text.strip() else ""
        cells.append(f'<c r="{letter}{r}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
    return f'<row r="{r}">{"".join(cells)}</row>'


def _add_rows(frame: bytes, rows: list[tuple], progress: Progress | None) -> bytes:
    from openpyxl.utils import get_column_letter

    src = zipfile.ZipFile(io.BytesIO(frame))
    sheet = src.read(SHEET).decode("utf-8")
    head, tail = sheet.split("</sheetData>", 1)
    width = max((len(r) for r in rows[:1]), default=0)
    letters = [get_column_letter(i) for i in range(1, width + 1)]
    out = io.BytesIO()
    total = len(rows)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            if info.filename != SHEET:
                dst.writestr(info, src.read(info.filename))
                continue
            with dst.open(SHEET, "w") as f:
                f.write(head.encode("utf-8"))
                for start in range(0, total, STEP):
                    chunk = rows[start : start + STEP]
                    xml = "".join(
                        _row_xml(r, letters, row) for r, row in enumerate(chunk, start=start + 2)
                    )
                    f.write(xml.encode("utf-8"))
                    if progress:
                        progress(start + len(chunk), total)
                f.write(("</sheetData>" + tail).encode("utf-8"))
    return out.getvalue()


def _pdf_widths(table: LedgerTable, font: str, usable: float) -> list[float]:
    """Short columns (numbers, dates, names) as wide as their text; the long ones share the
    rest and wrap. No column is narrower than its header set on two lines: a table of many
    columns shrunk to the page would otherwise stack a header one character a line."""
    pad = 7
    natural, least = [], []
    for i, header in enumerate(table.headers):
        # A long header may wrap onto two lines; a short one stays whole.
        w = stringWidth(header, font, 8.5) / (2 if len(header) > 4 else 1) + pad
        least.append(stringWidth(header[: (len(header) + 1) // 2], font, 8.5) + pad)
        for row in table.rows[:300]:
            v = row[i]
            if v:
                w = max(w, stringWidth(str(v).split("\n", 1)[0], font, 7.5) + pad)
        natural.append(min(w, 70 * mm))
    return _at_least(_share(natural, usable), least, usable)


def _share(natural: list[float], usable: float) -> list[float]:
    short = [w if w <= 32 * mm else 0 for w in natural]
    rest = usable - sum(short)
    long_total = sum(w for w, sh in zip(natural, short, strict=True) if not sh)
    if rest <= 0 or (long_total and rest < long_total * 0.3):
        return [w * usable / sum(natural) for w in natural]
    if not long_total:
        return [w * usable / sum(short) for w in short]
    return [sh or w * rest / long_total for w, sh in zip(natural, short, strict=True)]


def _at_least(widths: list[float], least: list[float], usable: float) -> list[float]:
    """Each column widened to its least width, the room taken from the columns wider than
    theirs in proportion to what they can spare."""
    out = [max(w, lo) for w, lo in zip(widths, least, strict=True)]
    extra = sum(out) - usable
    spare = [w - lo for w, lo in zip(out, least, strict=True)]
    if extra > 1e-6 and sum(spare) > extra:
        out = [w - sp * extra / sum(spare) for w, sp in zip(out, spare, strict=True)]
    return out


_PAD_TOP, _PAD_BOTTOM, _PAD_SIDE = 2, 3, 3
_FRAME_PAD = LEDGER.padding  # the frame's own padding on each side


_LEADING = 10


def _row_height(cells: list, widths: list[float]) -> float:
    tallest = max(
        p.wrap(w - 2 * _PAD_SIDE, 1e6)[1]
        if isinstance(p, Paragraph)
        else _LEADING * (p.count("\n") + 1 if isinstance(p, str) else 1)
        for p, w in zip(cells, widths, strict=True)
    )
    return tallest + _PAD_TOP + _PAD_BOTTOM


class _Wrapper:
    """Breaks a cell's text into lines as a CJK Paragraph would (``linebreak.break_lines``,
    the same rules and widths) and gives it back as a plain string with a line per "\n":
    the table draws such a string line by line, without parsing markup or measuring it again
    when drawn, several times quicker than a Paragraph per cell on a year's ledger. Only text
    with a character the body face lacks (set in a fallback face) still needs a Paragraph."""

    def __init__(self, font: str, size: float, fonts):
        self.font, self.size, self.fonts = font, size, fonts
        self.widths: dict[str, float] = {"\n": 0.0}
        self.drawable: set[str] = {"\n", "\r", "\t", " "}

    def plain(self, text: str) -> bool:
        """Can the body face show every character (no fallback face needed)?"""
        new = set(text) - self.drawable
        for ch in new:
            if not self.fonts.has(self.font, ch):
                return False
            self.drawable.add(ch)
        return True

    def lines(self, text: str, room: float) -> str:
        # As a Paragraph reads it: each line's runs of white space as one space.
        parts = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        text = "\n".join(" ".join(part.split()) for part in parts)
        cw = self.widths
        widths = []
        for ch in text:
            w = cw.get(ch)
            if w is None:
                w = cw[ch] = stringWidth(ch, self.font, self.size)
            widths.append(w)
        forced = frozenset(i for i, ch in enumerate(text) if ch == "\n")
        out = [text[a:b].strip() for a, b, _used in break_lines(text, widths, [room], forced)]
        return "\n".join(out)


def _cell(text: str, width: float, font: str, fonts, style: ParagraphStyle, wrapper: _Wrapper):
    """A value the body face can show is drawn as a plain string, broken into lines here;
    one with a character from a fallback face as a Paragraph."""
    room = width - 2 * _PAD_SIDE
    if not wrapper.plain(text):
        return Paragraph(markup(text, fonts), style)
    if "\n" not in text and "\r" not in text:
        one = stringWidth(text, font, style.fontSize)
        if one <= room:
            return text
    return wrapper.lines(text, room)


class _Table(Table):
    """A ledger page's table. Its plain-string cells are written into one text object for
    the page, drawn after the grid, rather than one text object per line (a year's ledger
    has half a million lines); an empty cell draws nothing. Other cells (the header's and
    fallback-face Paragraphs) are drawn as ReportLab draws them."""

    _text = None

    def draw(self):
        self._text, self._text_style = None, None
        super().draw()
        if self._text is not None:
            self.canv.drawText(self._text)
            self._text = None

    def _drawCell(self, cellval, cellstyle, pos, size):
        if cellval == "":
            return
        c = cellstyle
        if (
            not isinstance(cellval, str)
            or c.alignment != "LEFT"
            or c.valign != "TOP"
            or c.direction
            or c.shaping
            or c.href
            or c.destination
        ):
            super()._drawCell(cellval, cellstyle, pos, size)
            return
        t = self._text
        if t is None:
            t = self._text = self.canv.beginText()
        style = (c.color, c.fontname, c.fontsize, c.leading)
        if style != self._text_style:
            t.setFillColor(c.color)
            t.setFont(c.fontname, c.fontsize, c.leading)
            self._text_style = style
        (colpos, rowpos), (_colwidth, rowheight) = pos, size
        t.setTextOrigin(colpos + c.leftPadding, rowpos + rowheight - c.topPadding - c.fontsize)
        for line in cellval.split("\n"):
            t.textLine(line)


def _pages(heights: list[float], first_room: float, room: float) -> list[tuple[int, int]]:
    """Rows per page, [start, end), given the room under the header on the first and later
    pages; a row taller than a page gets a page of its own (and is split there)."""
    pages, start, used, avail = [], 0, 0.0, first_room
    for i, h in enumerate(heights):
        if used + h > avail and i > start:
            pages.append((start, i))
            start, used, avail = i, 0.0, room
        used += h
    pages.append((start, len(heights)))
    return pages


def render_ledger_pdf(
    table: LedgerTable, styles: Styles | None = None, progress: Progress | None = None
) -> bytes:
    """The rows are measured once and laid out a page at a time, one table per page with the
    header on top: one long table split page by page measures its remaining rows again for
    every page, which took minutes for a month of matters."""
    s = styles or make_styles()
    f = s.fonts.body
    cell = ParagraphStyle("cell", fontName=f, fontSize=7.5, leading=_LEADING, wordWrap="CJK")
    head = ParagraphStyle("head", parent=cell, alignment=1, textColor=colors.white, fontSize=8.5)
    page_w, page_h = LEDGER.pagesize
    margin, _right, bottom, _left = LEDGER.margins
    usable = page_w - 2 * margin
    col_w = _pdf_widths(table, f, usable)
    header = [Paragraph(markup(h, s.fonts), head) for h in table.headers]
    header_h = _row_height(header, col_w)
    total = len(table.rows)
    wrapper = _Wrapper(f, cell.fontSize, s.fonts)
    rows, heights = [], []
    for n, row in enumerate(table.rows, start=1):
        cells = [
            _cell(str(v or ""), w, f, s.fonts, cell, wrapper)
            for v, w in zip(row, col_w, strict=True)
        ]
        rows.append(cells)
        heights.append(_row_height(cells, col_w))
        if progress and n % STEP == 0:
            progress(n // 2, total)  # measuring is about half the work
    if not rows:
        rows = [[Paragraph("（本期间没有记录）", cell)] + [""] * (len(table.columns) - 1)]
        heights = [_row_height(rows[0][:1], col_w[:1])]
    made = format_date_cn(table.made_on or clock.today())
    story = [
        s.p(f"{table.center_name}{table.title}", s.title),
        s.p(f"{table.filters}　　共 {len(table.rows)} 条　　制表日期：{made}", s.subtitle),
        Spacer(1, 4 * mm),
    ]
    room = page_h - margin - bottom - 2 * _FRAME_PAD - 2  # 2 pt to spare for rounding
    above = sum(x.wrap(usable, room)[1] + x.getSpaceBefore() + x.getSpaceAfter() for x in story)
    pages = _pages(heights, room - above - header_h, room - header_h)
    style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#808080")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1F4E79")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONT", (0, 1), (-1, -1), f, cell.fontSize, _LEADING),  # the plain-string cells
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F3F6FA")]),
            ("TOPPADDING", (0, 0), (-1, -1), _PAD_TOP),
            ("BOTTOMPADDING", (0, 0), (-1, -1), _PAD_BOTTOM),
            ("LEFTPADDING", (0, 0), (-1, -1), _PAD_SIDE),
            ("RIGHTPADDING", (0, 0), (-1, -1), _PAD_SIDE),
        ]
    )
    done_by_page = {}
    for i, (a, b) in enumerate(pages):
        t = _Table(
            [header, *rows[a:b]],
            colWidths=col_w,
            rowHeights=[header_h, *heights[a:b]],
            repeatRows=1,
            splitInRow=1,
        )
        t.setStyle(style)
        story.append(t)
        if i < len(pages) - 1:
            story.append(PageBreak())
        done_by_page[i + 1] = b
    if table.totals:  # 小计/合计 under the table: the cells that are filled, in one line each
        story.append(Spacer(1, 3 * mm))
        line = ParagraphStyle("totals", parent=cell, fontSize=9, leading=13)
        story += [
            Paragraph(markup("　".join(str(v) for v in t if v), s.fonts), line)
            for t in table.totals
        ]

    def progress_by_page(canvas, doc) -> None:
        if progress and doc.page > 1:  # the page before this one is drawn
            progress(total // 2 + done_by_page.get(doc.page - 1, total) // 2, total)

    return render_story(
        story,
        title=f"{table.center_name}{table.title}",
        layout=LEDGER,
        fonts=s.fonts,
        on_page=progress_by_page,
    )
