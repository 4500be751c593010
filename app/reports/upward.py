"""信息报送 (情况报告, 专报, 简报, 突发事件报告) in the GB/T 9704-2012 layout of the minutes.

The page, the grid, the styles and the 版记 are minutes.py's; this adds the 版头 of an upward
document (GB/T 9704 7.2): 份号, 密级 and 紧急程度 at the top left in 黑体, the issuing body's
mark in red, the number on the left and "签发人：" on the right (上行文), and the red rule. Then
the title, 主送, the text, 附件说明 and the date; 抄送 and the issuing line in the 版记.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from .base import GBT9704, TextParagraph, format_date_cn, render_story
from .fonts import FontSet, default_fonts, markup
from .minutes import (
    BLOCK_W,
    BODY_PT,
    IMPRINT_PT,
    LINE,
    AtFoot,
    BothEnds,
    GridParagraph,
    Rule,
    minutes_styles,
)

RED = colors.HexColor("#d40000")


@dataclass(frozen=True)
class UpwardData:
    center_name: str
    kind: str  # 情况报告 / 专报 / 简报 / 突发事件报告
    number: str  # 简报〔2027〕第12期
    title: str
    body: str
    stage: str = ""  # 首报 / 续报 / 终报
    attachments: list[str] = field(default_factory=list)
    recipient: str = ""  # 主送机关
    copy_no: str = ""  # 份号
    secrecy: str = ""  # 密级
    urgency: str = ""  # 紧急程度
    signer: str = ""  # 签发人 (empty: not signed yet, printed as a draft)
    signed_on: date | None = None
    distribution: str = ""  # 抄送


class RedRule(Rule):
    """The red separator under the 版头 (GB/T 9704 7.2.6)."""

    def draw(self) -> None:
        self.canv.setStrokeColor(RED)
        super().draw()


def render_upward(data: UpwardData, fonts: FontSet | None = None) -> bytes:
    fonts = fonts or default_fonts()
    st = minutes_styles(fonts)

    def p(text: str, style: str = "body") -> Paragraph:
        cls = GridParagraph if st[style].fontSize == BODY_PT else TextParagraph
        return cls(markup(text, fonts, st[style].fontName), st[style])

    corner = ParagraphStyle("corner", parent=st["body"], fontName=fonts.heading1,
                            firstLineIndent=0, alignment=TA_LEFT)  # fmt: skip
    mark = ParagraphStyle(
        "mark",
        parent=st["title"],
        fontSize=28 if data.kind == "简报" else 24,
        leading=34,
        textColor=RED,
        fauxBold=fonts.title_stroke,
    )
    plain = ParagraphStyle("plain", parent=st["body"], firstLineIndent=0, alignment=TA_LEFT)
    right = ParagraphStyle("right", parent=plain, alignment=TA_RIGHT, rightIndent=BODY_PT)

    story: list = []
    # 版头: 份号, 密级, 紧急程度 (each where set), one per line at the top left.
    for text in (data.copy_no, data.secrecy, data.urgency):
        if text:
            story.append(GridParagraph(markup(text, fonts, fonts.heading1), corner))
    kind = data.kind + (f"（{data.stage}）" if data.stage else "")
    story += [
        Spacer(1, LINE / 2),
        TextParagraph(markup(data.center_name, fonts, fonts.title), mark),
        TextParagraph(markup(kind, fonts, fonts.title), mark),
        Spacer(1, LINE / 2),
    ]
    signer = f"签发人：{data.signer}" if data.signer else "签发人：（未签发）"
    story += [
        BothEnds(
            TextParagraph(
                markup(data.number, fonts, fonts.body),
                ParagraphStyle("number-left", parent=plain, leftIndent=BODY_PT),
            ),
            TextParagraph(markup(signer, fonts, fonts.body), right),
            2 * BODY_PT,
        ),
        RedRule(BLOCK_W, 0.7 * mm),
        Spacer(1, LINE),
        p(data.title, "title"),
        Spacer(1, LINE / 2),
    ]
    if data.recipient:
        story.append(GridParagraph(markup(f"{data.recipient}：", fonts, fonts.body), plain))
    story += [p(line) for line in data.body.splitlines() if line.strip()]
    if data.attachments:
        story.append(Spacer(1, LINE))
        attach = ParagraphStyle(
            "attach", parent=st["body"], firstLineIndent=0, leftIndent=2 * BODY_PT,
            alignment=TA_LEFT,
        )  # fmt: skip
        for i, name in enumerate(data.attachments, 1):
            head = "附件：" if i == 1 else "　　　"
            numbered = f"{i}. {name}" if len(data.attachments) > 1 else name
            story.append(GridParagraph(markup(head + numbered, fonts, fonts.body), attach))
    when = format_date_cn(data.signed_on) if data.signed_on else "（未签发）"
    sign = ParagraphStyle("sign", parent=plain, alignment=TA_RIGHT, rightIndent=4 * BODY_PT)
    story += [
        Spacer(1, LINE),
        GridParagraph(markup(data.center_name, fonts, fonts.body), sign),
        GridParagraph(markup(when, fonts, fonts.body), sign),
    ]
    imprint: list = [Rule(BLOCK_W, 0.35 * mm)]
    if data.distribution:
        imprint += [p(f"抄送：{data.distribution}", "imprint"), Rule(BLOCK_W, 0.25 * mm)]
    printed = format_date_cn(data.signed_on) + "印发" if data.signed_on else "（未印发）"
    imprint += [
        BothEnds(p(data.center_name, "imprint"), p(printed, "imprint_right"), 2 * IMPRINT_PT),
        Rule(BLOCK_W, 0.35 * mm),
    ]
    story.append(AtFoot(imprint, gap=LINE / 2))
    return render_story(
        story, title=f"{data.number} {data.title}", author=data.center_name, layout=GBT9704,
        fonts=fonts,
    )  # fmt: skip


render = render_upward

__all__ = ["UpwardData", "render_upward"]
