"""会议纪要 and 会议记录, laid out after GB/T 9704-2012 (DOMAIN.md §8).

A4; top margin 37 mm, binding margin 28 mm, text block 156 × 225 mm (22 lines of 28
characters at 3号 = 16 pt); title 2号 (22 pt) centred; body 仿宋 3号 with a two-character
indent; headings "一、", "（一）", "1."; dates in Arabic numerals without leading zeros;
page numbers "— 1 —" in 4号, odd pages on the right, even pages on the left.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
)

from .base import format_date_cn
from .fonts import FontSet, default_fonts, markup

TOP, LEFT, BLOCK_W, BLOCK_H = 37 * mm, 28 * mm, 156 * mm, 225 * mm
LINE = BLOCK_H / 22  # 22 lines per page
BODY_PT, TITLE_PT, PAGE_NO_PT = 16, 22, 14
CN_NUMS = "一二三四五六七八九十"


@dataclass(frozen=True)
class MinutesItem:
    title: str
    discussion: str = ""


@dataclass(frozen=True)
class MinutesDecision:
    content: str
    responsible: str
    deadline: date | None


@dataclass(frozen=True)
class MinutesAttendee:
    name: str
    unit: str = ""
    attendance: str = "出席"  # 出席 / 请假 / 列席
    reason: str = ""


@dataclass(frozen=True)
class MinutesData:
    center_name: str
    kind: str  # 工作例会 / 联席会议 / 调度会
    is_minutes: bool  # 纪要 (joint, dispatch) or a plain 会议记录 (weekly)
    title: str
    number: str
    starts_at: datetime
    version: int = 1
    issued: bool = True
    place: str = ""
    chair: str = ""
    recorder: str = ""
    situation: str = ""
    items: list[MinutesItem] = field(default_factory=list)
    decisions: list[MinutesDecision] = field(default_factory=list)
    attendees: list[MinutesAttendee] = field(default_factory=list)
    distribution: str = ""
    issued_on: date | None = None


class Rule(Flowable):
    """A full-width line of the 版记 (imprint) block."""

    def __init__(self, width: float, thick: float = 0.5):
        super().__init__()
        self.width, self.thick, self.height = width, thick, 2 * mm

    def draw(self) -> None:
        self.canv.setLineWidth(self.thick)
        self.canv.line(0, self.height / 2, self.width, self.height / 2)


def _styles(fonts: FontSet) -> dict[str, ParagraphStyle]:
    f = fonts.body
    body = ParagraphStyle(
        "body",
        fontName=f,
        fontSize=BODY_PT,
        leading=LINE,
        firstLineIndent=2 * BODY_PT,
        alignment=TA_JUSTIFY,
        wordWrap="CJK",
    )
    return {
        "title": ParagraphStyle(
            "title",
            fontName=f,
            fontSize=TITLE_PT,
            leading=TITLE_PT * 1.6,
            alignment=TA_CENTER,
            wordWrap="CJK",
        ),
        "number": ParagraphStyle(
            "number", fontName=f, fontSize=BODY_PT, leading=LINE, alignment=TA_CENTER
        ),
        "body": body,
        "h1": ParagraphStyle("h1", parent=body),
        "h2": ParagraphStyle("h2", parent=body),
        "label": ParagraphStyle("label", parent=body, firstLineIndent=0, leftIndent=0),
        "imprint": ParagraphStyle(
            "imprint",
            fontName=f,
            fontSize=14,
            leading=LINE * 0.9,
            alignment=TA_LEFT,
            leftIndent=14,
            wordWrap="CJK",
        ),
    }


def _page_numbers(fonts: FontSet):
    def draw(canvas, doc) -> None:
        n = doc.page
        text = f"— {n} —"
        canvas.saveState()
        canvas.setFont(fonts.body, PAGE_NO_PT)
        y = A4[1] - TOP - BLOCK_H - 7 * mm - PAGE_NO_PT
        if n % 2:  # odd pages: right, one character in
            canvas.drawRightString(LEFT + BLOCK_W - PAGE_NO_PT, y, text)
        else:
            canvas.drawString(LEFT + PAGE_NO_PT, y, text)
        canvas.restoreState()

    return draw


def render_minutes(data: MinutesData, fonts: FontSet | None = None) -> bytes:
    fonts = fonts or default_fonts()
    st = _styles(fonts)

    def p(text: str, style: str = "body") -> Paragraph:
        return Paragraph(markup(text, fonts), st[style])

    doc_kind = "纪要" if data.is_minutes else "记录"
    title = data.title if data.title.endswith(("纪要", "记录")) else f"{data.title}{doc_kind}"
    number = data.number + (f"（第{data.version}版）" if data.version > 1 else "")
    if not data.issued:
        number += "（草稿）"
    t = data.starts_at
    when = format_date_cn(t.date()) + (f"{t.hour}时{t.minute}分" if t.minute else f"{t.hour}时")
    story: list = [p(title, "title"), p(number, "number"), Spacer(1, LINE * 0.5)]
    where = f"在{data.place}" if data.place else ""
    story.append(
        p(
            f"{when}，{data.chair}{where}主持召开{data.kind}。"
            f"现将会议主要内容{'纪要' if data.is_minutes else '记录'}如下："
        )
    )
    section = 0

    def heading(text: str) -> None:
        nonlocal section
        story.append(p(f"{CN_NUMS[section]}、{text}", "h1"))
        section += 1

    if data.situation.strip():
        heading("社会治安形势分析研判")
        story += [p(line) for line in data.situation.splitlines() if line.strip()]
    if data.items:
        heading("会议议题及讨论情况")
        for i, item in enumerate(data.items):
            story.append(p(f"（{CN_NUMS[i % 10]}）{item.title}", "h2"))
            story += [p(line) for line in item.discussion.splitlines() if line.strip()]
    if data.decisions:
        heading("议定事项")
        for i, d in enumerate(data.decisions, 1):
            due = f"，{format_date_cn(d.deadline)}前完成" if d.deadline else ""
            story.append(p(f"{i}. {d.content}（责任：{d.responsible}{due}）"))
    story.append(Spacer(1, LINE * 0.5))
    for label in ("出席", "请假", "列席"):
        people = [a for a in data.attendees if a.attendance == label]
        if not people:
            continue
        names = "、".join(
            a.name
            + (f"（{a.unit}）" if a.unit and label != "请假" else "")
            + (f"（{a.reason}）" if label == "请假" and a.reason else "")
            for a in people
        )
        story.append(p(f"{label}：{names}", "label"))
    if data.recorder:
        story.append(p(f"记录：{data.recorder}", "label"))
    imprint = [Spacer(1, LINE), Rule(BLOCK_W, 1)]
    if data.distribution:
        imprint += [p(f"分送：{data.distribution}", "imprint"), Rule(BLOCK_W, 0.5)]
    issued = format_date_cn(data.issued_on) + "印发" if data.issued_on else "（未印发）"
    imprint += [p(f"{data.center_name}　　　　{issued}", "imprint"), Rule(BLOCK_W, 1)]
    story.append(KeepTogether(imprint))

    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=A4[0] - LEFT - BLOCK_W,
        topMargin=TOP,
        bottomMargin=A4[1] - TOP - BLOCK_H,
        title=title,
        author=data.center_name,
        creator="zongzhi-desk",
    )
    frame = Frame(LEFT, A4[1] - TOP - BLOCK_H, BLOCK_W, BLOCK_H, 0, 0, 0, 0, id="text")
    doc.addPageTemplates([PageTemplate("gbt9704", [frame], onPage=_page_numbers(fonts))])
    doc.build(story)
    return buf.getvalue()


__all__ = [
    "MinutesAttendee",
    "MinutesData",
    "MinutesDecision",
    "MinutesItem",
    "render_minutes",
]
