"""心理咨询转介摘要: only what the counsellor chose to include, marked 保密, consent recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from reportlab.lib import colors
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

WIDTH = 174 * mm


@dataclass(frozen=True)
class ReferralSession:
    held_on: date
    form: str
    duration_minutes: int
    notes: str = ""  # empty unless the counsellor chose to include the notes


@dataclass(frozen=True)
class ReferralData:
    center_name: str
    center_phone: str
    client_label: str
    to_body: str
    reason: str
    summary: str
    risk_level: str  # empty when not included
    consent: str
    consent_on: date
    counsellor: str
    printed_at: datetime
    reference: str
    sessions: list[ReferralSession] = field(default_factory=list)


def _secret_mark(s: Styles) -> Table:
    red = s.subtitle.clone("secret", textColor=colors.HexColor("#b00000"))
    mark = Table([[s.p("保密", red)]], colWidths=[22 * mm], rowHeights=[10 * mm])
    mark.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.4, colors.HexColor("#b00000")),
                ("TEXTCOLOR", (0, 0), (-1, -1), colors.HexColor("#b00000")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    mark.hAlign = "RIGHT"
    return mark


def render(data: ReferralData, styles: Styles | None = None) -> bytes:
    s = styles or make_styles()
    rows = [
        ("来访者", data.client_label),
        ("转介单位", data.to_body),
        ("转介原因", data.reason or "（未填写）"),
    ]
    if data.risk_level:
        rows.append(("当前风险等级", data.risk_level))
    rows.append(("来访者同意", f"{data.consent}，{format_date_cn(data.consent_on)}"))
    if data.summary:
        rows.append(("咨询师摘要", data.summary))
    grid = [[s.p(a, s.label), s.p(b)] for a, b in rows]
    table = Table(grid, colWidths=[32 * mm, WIDTH - 32 * mm], splitInRow=1)
    table.setStyle(TableStyle(grid_style(padding=(5, 6))))
    story = [
        _secret_mark(s),
        *s.head(data.center_name, "心理咨询转介摘要"),
        Spacer(1, 2 * mm),
        s.p(f"编号：{data.reference}", s.small),
        Spacer(1, 4 * mm),
        table,
    ]
    if data.sessions:
        story += [Spacer(1, 5 * mm), s.p("所附咨询记录（经来访者同意，由咨询师选定）", s.label)]
        head = [s.p(x, s.label) for x in ("日期", "形式", "时长", "记录")]
        body = [
            [
                s.p(format_date_cn(x.held_on)),
                s.p(x.form),
                s.p(f"{x.duration_minutes} 分钟"),
                s.p(x.notes or "（未附记录内容）"),
            ]
            for x in data.sessions
        ]
        t = Table(
            [head, *body], colWidths=[36 * mm, 24 * mm, 20 * mm, WIDTH - 80 * mm], repeatRows=1
        )
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ]
            )
        )
        story.append(t)
    story += [
        Spacer(1, 6 * mm),
        s.p(
            "本摘要仅供接收单位为来访者提供服务使用，内容保密，不得复制、转交他人或用于其他目的。"
            "依照《精神卫生法》第二十三条，心理咨询人员不作诊断和治疗；疑似精神障碍者请由医疗机构诊治。",
            s.small,
        ),
        Spacer(1, 8 * mm),
        s.p(f"心理咨询师：{data.counsellor}　　联系电话：{data.center_phone}", s.body),
        s.p(f"打印时间：{format_datetime_cn(data.printed_at)}", s.body),
    ]
    return render_story(story, title=f"心理咨询转介摘要 {data.reference}", fonts=s.fonts)


render_referral = render  # the name its callers use
