"""督办单: the director's supervision order to a unit, with a reply section below."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from .base import (
    SHADE,
    Styles,
    format_date_cn,
    format_datetime_cn,
    grid_style,
    make_styles,
    render_story,
)
from .contents import SupervisionData as SupervisionData

WIDTH = 174 * mm


def render(data: SupervisionData, styles: Styles | None = None) -> bytes:
    s = styles or make_styles()
    rows = [
        ("督办编号", data.number, "督办日期", format_date_cn(data.issued_at.date())),
        ("受理编号", data.matter_number, "受理时间", format_datetime_cn(data.received_at)),
        ("事项类别", data.category, "当前状态", data.status),
        ("群众", data.persons, "办理期限", format_date_cn(data.deadline)),
        ("承办单位", data.unit, "回复期限", format_date_cn(data.reply_by)),
    ]
    w = WIDTH / 4
    grid = [[s.p(a, s.label), s.p(b), s.p(c, s.label), s.p(d)] for a, b, c, d in rows]
    wide = [
        ("事项摘要", data.summary),
        ("督办要求", data.requirement),
        ("督办人", data.issued_by),
        ("办理情况回复", data.reply or "\n\n\n"),
        (
            "回复人及日期",
            " ".join(
                x
                for x in (
                    data.replied_by or "",
                    format_date_cn(data.replied_at.date()) if data.replied_at else "",
                )
                if x
            )
            or "（签名）　　　　　　年　　月　　日",
        ),
    ]
    grid += [[s.p(a, s.label), s.p(b), "", ""] for a, b in wide]
    table = Table(grid, colWidths=[w * 0.7, w * 1.3, w * 0.7, w * 1.3], splitInRow=1)
    first_wide = len(rows)
    style = grid_style(padding=(5, 6)) + [("BACKGROUND", (2, 0), (2, first_wide - 1), SHADE)]
    style += [("SPAN", (1, r), (3, r)) for r in range(first_wide, len(grid))]
    table.setStyle(TableStyle(style))
    story = [
        *s.head(data.center_name, "督　办　单"),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 6 * mm),
        s.p(f"请于{format_date_cn(data.reply_by)}前将办理情况书面回复{data.center_name}。", s.body),
    ]
    return render_story(story, title=f"督办单 {data.number}", fonts=s.fonts)


render_supervision = render  # the name its callers use
