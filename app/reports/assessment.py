"""考核评分表 (one unit's or village's sheet) and the ranking table (排名表), as PDF and XLSX."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from .base import FORM, LEDGER, SHADE, format_date_cn, grid_style, make_styles, render_story


@dataclass(frozen=True)
class ReportRow:
    name: str
    rank: int
    total: float
    cells: list[tuple[str, str, float]]  # indicator, figure as shown, points


@dataclass(frozen=True)
class AssessmentReport:
    center_name: str
    scheme_name: str
    period: str  # 2027年第一季度
    target_kind: str  # 派驻单位 / 村社区
    indicators: list[tuple[str, float, str]]  # name, weight, kind label
    rows: list[ReportRow]
    version: int  # 0: computed live, not closed
    version_reason: str
    printed_on: date


def _pts(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _state(data: AssessmentReport) -> str:
    if not data.version:
        return "考核期未关闭，得分为实时计算结果"
    if data.version == 1:
        return "考核期已关闭（第 1 版）"
    return f"考核期已关闭，第 {data.version} 版（更正理由：{data.version_reason}）"


def render_sheet(data: AssessmentReport) -> bytes:
    """考核评分表: one target's indicators, figures and points, its total and rank."""
    st = make_styles()
    row = data.rows[0]
    head = ["序号", "考核指标", "类型", "分值", "完成情况", "得分"]
    rows = [[st.p(h, st.label) for h in head]]
    for i, ((name, weight, kind), (_n, shown, points)) in enumerate(
        zip(data.indicators, row.cells, strict=False), 1
    ):
        rows.append(
            [st.p(str(i), st.small), st.p(name, st.small), st.p(kind, st.small),
             st.p(_pts(weight), st.small), st.p(shown, st.small), st.p(_pts(points), st.small)]
        )  # fmt: skip
    rows.append(
        [st.p("合计", st.label), "", "", "", st.p(f"排名：第 {row.rank} 名", st.small),
         st.p(_pts(row.total), st.label)]
    )  # fmt: skip
    widths = [12 * mm, 46 * mm, 22 * mm, 14 * mm, 62 * mm, 18 * mm]
    style = grid_style(shade=(), padding=(3, 4))
    style += [("BACKGROUND", (0, 0), (-1, 0), SHADE), ("SPAN", (0, -1), (3, -1))]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    story = [
        st.p(f"{data.center_name}考核评分表", st.title),
        st.p(f"{data.period} · {data.target_kind}：{row.name}", st.subtitle),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 3 * mm),
        st.p(f"考核方案：{data.scheme_name}。{_state(data)}。", st.small),
        st.p(
            "注：自动计算指标按完成情况在分值内线性折算；加分/扣分由中心主任录入，以该项分值为限。",
            st.small,
        ),  # fmt: skip
        Spacer(1, 12 * mm),
        st.p(f"考核单位（盖章）：　　　　　　　　　　{format_date_cn(data.printed_on)}", st.body),
    ]
    return render_story(
        story, title=f"考核评分表 {row.name} {data.period}", author=data.center_name, layout=FORM
    )


def render_ranking(data: AssessmentReport) -> bytes:
    """排名表: every target's points per indicator, its total and rank, landscape A4."""
    st = make_styles()
    names = [n for n, _w, _k in data.indicators]
    head = [
        "名次",
        data.target_kind,
        *[f"{n}（{_pts(w)}）" for n, w, _k in data.indicators],
        "总分",
    ]
    rows = [[st.p(h, st.label) for h in head]]
    for r in data.rows:
        rows.append(
            [st.p(str(r.rank), st.small), st.p(r.name, st.small),
             *[st.p(_pts(p), st.small) for _n, _s, p in r.cells], st.p(_pts(r.total), st.label)]
        )  # fmt: skip
    width = 273 * mm - 12
    first = [14 * mm, 42 * mm]
    last = 18 * mm
    each = (width - sum(first) - last) / max(len(names), 1)
    table = Table(rows, colWidths=[*first, *[each] * len(names), last], repeatRows=1)
    style = grid_style(shade=(), padding=(2, 3))
    style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    table.setStyle(TableStyle(style))
    story = [
        st.p(f"{data.center_name}{data.target_kind}考核排名表", st.title),
        st.p(f"{data.period} · {data.scheme_name}", st.subtitle),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 3 * mm),
        st.p(f"{_state(data)}。打印日期：{format_date_cn(data.printed_on)}。", st.small),
    ]
    return render_story(
        story, title=f"考核排名表 {data.period}", author=data.center_name, layout=LEDGER
    )


def workbook(data: AssessmentReport) -> bytes:
    """The ranking (all targets) or one target's sheet: a row per target, figures and points."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "考核评分"
    names = [n for n, _w, _k in data.indicators]
    head = ["名次", data.target_kind]
    for n, w, _k in data.indicators:
        head += [f"{n}完成情况", f"{n}得分（{_pts(w)}）"]
    head.append("总分")
    ws.append(head)
    for r in data.rows:
        line: list = [r.rank, r.name]
        for _n, shown, p in r.cells:
            line += [shown, p]
        ws.append([*line, r.total])
    ws.append([])
    ws.append([f"{data.center_name} {data.scheme_name} {data.period}：{_state(data)}"])
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    ws.freeze_panes = "C2"
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 24
    for i in range(3, 3 + 2 * len(names) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14
    ws.page_setup.orientation = "landscape"
    wb.properties.title = f"{data.center_name}考核评分 {data.period}"
    wb.properties.creator = "综治中心工作台"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
