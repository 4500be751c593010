"""统计报表 for superiors (上报统计表): one table of counts per sheet, as XLSX and as PDF.

Data in, bytes out. A sheet has a header row, body rows, a 合计 row and the notes that say how
each column was counted (口径). Each column has a kind: ``text``, ``int``, ``rate`` (a share,
0–1, or None for "—") or ``money`` (yuan).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from .base import LEDGER, SHADE, format_date_cn, grid_style, make_styles, render_story

Cell = str | int | float | None


@dataclass(frozen=True)
class StatsColumn:
    title: str
    kind: str = "int"  # text / int / rate / money
    width: int = 8  # characters, for the spreadsheet and the page


@dataclass(frozen=True)
class StatsSheet:
    code: str
    title: str  # 矛盾纠纷排查化解情况统计表
    center_name: str
    since: date
    until: date
    columns: list[StatsColumn]
    rows: list[list[Cell]]
    total: list[Cell]
    filters: str = "全部"
    notes: list[str] = field(default_factory=list)
    made_on: date | None = None

    @property
    def period(self) -> str:
        return f"{format_date_cn(self.since)}至{format_date_cn(self.until)}"


def cell_text(value: Cell, kind: str) -> str:
    if kind == "rate":
        return "—" if value is None else f"{float(value) * 100:.1f}%"
    if kind == "money":
        return f"{float(value or 0):,.2f}"
    if value is None:
        return ""
    return str(value)


def render_stats_pdf(sheet: StatsSheet) -> bytes:
    """A4 landscape: the title, the period and filter, the table with its 合计 row, the notes."""
    st = make_styles()
    small = st.small
    num = ParagraphStyle("num", parent=small, alignment=TA_RIGHT)
    head = ParagraphStyle("head", parent=st.label, alignment=TA_CENTER, fontSize=9, leading=11)
    cols = sheet.columns
    rows = [[st.p(c.title, head) for c in cols]]
    for r in [*sheet.rows, sheet.total]:
        rows.append(
            [
                st.p(cell_text(v, c.kind), small if c.kind == "text" else num)
                for v, c in zip(r, cols, strict=True)
            ]
        )
    total_w = 257 * mm
    units = sum(c.width for c in cols)
    widths = [total_w * c.width / units for c in cols]
    style = grid_style(shade=(), padding=(2, 3))
    style += [
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), colors.HexColor("#f2f2f2")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    made = format_date_cn(sheet.made_on) if sheet.made_on else ""
    story: list = [
        st.p(sheet.title, st.title),
        st.p(f"统计期间：{sheet.period}　　范围：{sheet.filters}", st.subtitle),
        st.p(f"填报单位：{sheet.center_name}　　填报日期：{made}", small),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 3 * mm),
    ]
    for n, note in enumerate(sheet.notes, 1):
        story.append(st.p(f"{'注：' if n == 1 else '　　'}{n}. {note}", small))
    story += [
        Spacer(1, 6 * mm),
        st.p("单位负责人：　　　　　　　　　　审核人：　　　　　　　　　　填表人：", small),
    ]
    return render_story(
        story, title=f"{sheet.title} {sheet.period}", author=sheet.center_name, layout=LEDGER
    )


def render_stats_xlsx(sheet: StatsSheet) -> bytes:
    """One worksheet: title and period above, the header row, numbers as numbers (rates as
    percentages, amounts with two decimals), the 合计 row, then the notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    wb = Workbook()
    ws = wb.active
    ws.title = sheet.title[:31]
    n = len(sheet.columns)
    ws.append([sheet.title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([f"统计期间：{sheet.period}　范围：{sheet.filters}　填报单位：{sheet.center_name}"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n)
    ws.append([c.title for c in sheet.columns])
    header_row = ws.max_row
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF4")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r in [*sheet.rows, sheet.total]:
        values = []
        for v, c in zip(r, sheet.columns, strict=True):
            if c.kind == "rate":
                values.append(None if v is None else round(float(v), 4))
            elif c.kind == "money":
                values.append(round(float(v or 0), 2))
            else:
                values.append(v)
        ws.append(values)
        for i, c in enumerate(sheet.columns, 1):
            cell = ws.cell(ws.max_row, i)
            if c.kind == "rate":
                cell.number_format = "0.0%"
                if cell.value is None:
                    cell.value = "—"
            elif c.kind == "money":
                cell.number_format = "#,##0.00"
    last = ws.max_row
    for row in ws.iter_rows(min_row=header_row, max_row=last):
        for cell in row:
            cell.border = border
    for cell in ws[last]:
        cell.font = Font(bold=True)
    ws.freeze_panes = ws.cell(header_row + 1, 2)
    for note in sheet.notes:
        ws.append([f"注：{note}"])
    from openpyxl.utils import get_column_letter

    for i, c in enumerate(sheet.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = max(c.width * 2, 8)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["StatsColumn", "StatsSheet", "cell_text", "render_stats_pdf", "render_stats_xlsx"]
