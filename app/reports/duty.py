"""值班表 (one A4 page, and an XLSX sheet) and the day's 值班日志."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepInFrame, Spacer, Table, TableStyle

from .base import SHADE, format_date_cn, grid_style, make_styles, render_story

WIDTH = 174 * mm
HOLIDAY_SHADE = colors.HexColor("#fde9e7")
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class RosterRow:
    day: date
    leader: str
    staff: str
    phone: str
    holiday: str = ""  # the holiday's name: 节假日值班
    rest_day: bool = False
    note: str = ""


@dataclass(frozen=True)
class RosterData:
    center_name: str
    since: date
    until: date
    days: list[RosterRow]


@dataclass(frozen=True)
class LogEntry:
    at: datetime
    source: str
    caller: str
    content: str
    action: str
    recorded_by: str
    matter_number: str = ""
    level: str = ""  # 突发事件的级别
    first_report: str = ""


@dataclass(frozen=True)
class HandoverNote:
    from_user: str
    to_user: str
    note: str
    written_at: datetime
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class LogData:
    center_name: str
    day: date
    leader: str
    staff: str
    phone: str
    holiday: str
    entries: list[LogEntry] = field(default_factory=list)
    handovers: list[HandoverNote] = field(default_factory=list)


def _period(since: date, until: date) -> str:
    return f"{format_date_cn(since)}至{format_date_cn(until)}"


def _day_text(r: RosterRow) -> str:
    return f"{r.day.month}月{r.day.day}日"


def _duty_kind(r: RosterRow) -> str:
    if r.holiday:
        return f"节假日值班（{r.holiday}）"
    return "休息日值班" if r.rest_day else ""


def render_roster(data: RosterData) -> bytes:
    """One A4 page: the whole period shrinks to fit (a month fits at the normal size)."""
    st = make_styles()
    head = ["日期", "星期", "带班领导", "值班人员", "值班电话", "备注"]
    rows = [[st.p(h, st.label) for h in head]]
    for r in data.days:
        note = "；".join(x for x in (_duty_kind(r), r.note) if x)
        rows.append(
            [
                st.p(_day_text(r), st.small),
                st.p(f"星期{WEEKDAYS[r.day.weekday()]}", st.small),
                st.p(r.leader or "（未排）", st.small),
                st.p(r.staff or "（未排）", st.small),
                st.p(r.phone, st.small),
                st.p(note, st.small),
            ]
        )
    widths = [22 * mm, 18 * mm, 28 * mm, 28 * mm, 34 * mm, 44 * mm]
    style = grid_style(shade=(), padding=(2, 3))
    style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    for i, r in enumerate(data.days, 1):
        if r.holiday:
            style.append(("BACKGROUND", (0, i), (-1, i), HOLIDAY_SHADE))
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    story = [
        st.p(f"{data.center_name}值班表", st.title),
        st.p(_period(data.since, data.until), st.subtitle),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 3 * mm),
        st.p("注：底色标出的日期为法定节假日，节假日值班人员须在岗在位、保持通讯畅通。", st.small),
    ]
    # One page whatever the period: shrink the lot into the frame if it does not fit.
    return render_story(
        [KeepInFrame(WIDTH, 261 * mm, story, mode="shrink")],
        title=f"值班表 {_period(data.since, data.until)}",
        author=data.center_name,
    )


def roster_workbook(data: RosterData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "值班表"
    ws.append([f"{data.center_name}值班表（{_period(data.since, data.until)}）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(["日期", "星期", "带班领导", "值班人员", "值班电话", "备注"])
    thin = Side(style="thin")
    fill = PatternFill("solid", fgColor="FDE9E7")
    for r in data.days:
        note = "；".join(x for x in (_duty_kind(r), r.note) if x)
        ws.append([r.day, f"星期{WEEKDAYS[r.day.weekday()]}", r.leader, r.staff, r.phone, note])
        ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd"
        if r.holiday:
            for c in range(1, 7):
                ws.cell(ws.max_row, c).fill = fill
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for letter, width in zip("ABCDEF", (12, 8, 12, 12, 16, 28), strict=True):
        ws.column_dimensions[letter].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToHeight = 1
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_log(data: LogData) -> bytes:
    st = make_styles()
    story: list = [
        st.p(f"{data.center_name}值班日志", st.title),
        st.p(
            format_date_cn(data.day) + (f"（{data.holiday}）" if data.holiday else ""), st.subtitle
        ),  # fmt: skip
        Spacer(1, 3 * mm),
    ]
    info = Table(
        [
            [
                st.p("带班领导", st.label),
                st.p(data.leader or "（未排）"),
                st.p("值班人员", st.label),
                st.p(data.staff or "（未排）"),
                st.p("值班电话", st.label),
                st.p(data.phone),
            ]
        ],
        colWidths=[20 * mm, 34 * mm, 20 * mm, 34 * mm, 20 * mm, 46 * mm],
    )
    info.setStyle(TableStyle(grid_style(shade=(0, 2, 4))))
    story += [info, Spacer(1, 4 * mm)]
    head = ["时间", "来源", "事由", "处置情况", "记录人"]
    rows = [[st.p(h, st.label) for h in head]]
    for e in data.entries:
        what = e.content
        if e.caller:
            what = f"{e.caller}：{what}"
        if e.level:
            what = f"【{e.level}突发事件】{what}"
        done = e.action
        if e.matter_number:
            done += f"（已登记为事项 {e.matter_number}）"
        if e.first_report:
            done += f"（首报 {e.first_report}）"
        rows.append(
            [
                st.p(f"{e.at:%H:%M}", st.small),
                st.p(e.source, st.small),
                st.p(what, st.small),
                st.p(done, st.small),
                st.p(e.recorded_by, st.small),
            ]
        )
    if not data.entries:
        rows.append([st.p("（本日无值班记录）", st.small), "", "", "", ""])
    table = Table(rows, colWidths=[15 * mm, 20 * mm, 66 * mm, 55 * mm, 18 * mm], repeatRows=1)
    style = grid_style(shade=(), padding=(3, 4))
    style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    if not data.entries:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(style))
    story += [table, Spacer(1, 5 * mm), st.p("交接班", st.heading)]
    if not data.handovers:
        story.append(st.p("（本日无交接班记录）"))
    for h in data.handovers:
        ack = (
            f"接班人 {h.to_user} 已于 {h.acknowledged_at:%H:%M} 确认"
            if h.acknowledged_at
            else f"接班人 {h.to_user} 尚未确认"
        )
        story += [
            st.p(f"{h.written_at:%H:%M} 交班人 {h.from_user}：{h.note}"),
            st.p(ack, st.small),
            Spacer(1, 2 * mm),
        ]
    story += [
        Spacer(1, 8 * mm),
        st.p("带班领导（签字）：　　　　　　　　值班人员（签字）：　　　　　　　　"),
    ]
    return render_story(
        story, title=f"值班日志 {format_date_cn(data.day)}", author=data.center_name
    )


__all__ = [
    "HandoverNote",
    "LogData",
    "LogEntry",
    "RosterData",
    "RosterRow",
    "render_log",
    "render_roster",
    "roster_workbook",
]
