"""咨询记录恢复密钥: printed once at set-up and kept in the center's safe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from .base import Styles, format_datetime_cn, grid_style, make_styles, render_story
from .receipt import qr_code

WIDTH = 174 * mm


@dataclass(frozen=True)
class RecoveryKeyData:
    center_name: str
    key_text: str  # 11 groups of 5 characters
    fingerprint: str
    created_at: datetime


def render(data: RecoveryKeyData, styles: Styles | None = None) -> bytes:
    s = styles or make_styles()
    groups = data.key_text.split("-")
    # Courier has no full-width space: two no-break spaces (which a paragraph keeps) between groups.
    lines = ["\u00a0\u00a0".join(groups[i : i + 4]) for i in range(0, len(groups), 4)]
    key_style = s.title.clone("key", fontName="Courier-Bold", fontSize=17, leading=28)
    key_box = Table(
        [[[s.p(line, key_style) for line in lines], qr_code(data.key_text, 34 * mm)]],
        colWidths=[WIDTH - 40 * mm, 40 * mm],
    )
    key_box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.4, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    facts = Table(
        [
            [s.p("密钥指纹", s.label), s.p(data.fingerprint)],
            [s.p("生成时间", s.label), s.p(format_datetime_cn(data.created_at))],
            [s.p("保管人签名", s.label), s.p("")],
            [s.p("封存见证人签名", s.label), s.p("")],
        ],
        colWidths=[36 * mm, WIDTH - 36 * mm],
        rowHeights=[None, None, 12 * mm, 12 * mm],
    )
    facts.setStyle(TableStyle(grid_style(padding=None)))
    rules = [
        "一、本页是暖心工作室咨询记录的恢复密钥。所有心理咨询师的密码都被重置或遗忘时，"
        "只有凭它才能重新打开咨询记录；遗失它并且无人记得密码，咨询记录将永久无法读取。",
        "二、打印后立即装入信封密封，存入中心保险柜，由两人签名见证；不得拍照、复印、扫描或录入任何电脑。",
        "三、使用方法：心理咨询师登录后在“暖心工作室”选择“用恢复密钥恢复”，输入上面的 11 组字符"
        "（不分大小写，可不输入连字符）和本人的登录密码。每次使用都记入审计记录。",
        "四、本密钥只能生成一次，数据库里只保存它的公钥部分和指纹；核对指纹可确认打印件属于本中心。",
    ]
    story = [
        *s.head(data.center_name, "暖心工作室咨询记录恢复密钥"),
        Spacer(1, 2 * mm),
        s.p("机密 · 封存保管", s.subtitle),
        Spacer(1, 6 * mm),
        key_box,
        Spacer(1, 6 * mm),
        facts,
        Spacer(1, 6 * mm),
        *[s.p(r) for r in rules],
    ]
    return render_story(story, title="咨询记录恢复密钥", fonts=s.fonts)


render_recovery_key = render  # the name its callers use
