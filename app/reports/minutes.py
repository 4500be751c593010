"""会议纪要 and 会议记录, laid out after GB/T 9704-2012 (docs/DOMAIN.md §8).

A4; top margin 37 mm, binding margin 28 mm, text block 156 × 225 mm (22 lines of 28
characters at 3号 = 16 pt); title 2号 (22 pt) 小标宋 centred; body 仿宋 3号 with a
two-character indent; headings "一、" 黑体, "（一）" 楷体, "1." 仿宋; "出席：", "请假：",
"列席：" in 黑体 with the names hanging after the colon; dates in Arabic numerals without
leading zeros; the imprint (分送, issuing body and date) at the foot of the last page; page
numbers "— 1 —" in 4号 宋体, odd pages on the right, even pages on the left (the page and its
numbers are ``base.GBT9704``). Faces by role
from fonts.py, each falling back to the nearest installed one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, Paragraph, Spacer

from .base import (
    GBT9704,
    GBT_BLOCK_H,
    GBT_BLOCK_W,
    GBT_LEFT,
    GBT_PAGE_NO_PT,
    GBT_TOP,
    TextParagraph,
    format_date_cn,
    render_story,
)
from .fonts import FontSet, default_fonts, markup

TOP, LEFT, BLOCK_W, BLOCK_H = GBT_TOP, GBT_LEFT, GBT_BLOCK_W, GBT_BLOCK_H  # base.GBT9704's page
LINE = BLOCK_H / 22  # 22 lines per page
BODY_PT, TITLE_PT, PAGE_NO_PT, IMPRINT_PT = 16, 22, GBT_PAGE_NO_PT, 14
CHARS_PER_LINE = 28
# 28 characters of 16 pt are 158 mm, the block 156 mm: lines are laid out 28 characters wide and
# drawn 1.3 % narrower, as Word's character grid does for the same standard.
SQUEEZE = BLOCK_W / (CHARS_PER_LINE * BODY_PT)
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


class GridParagraph(Paragraph):
    """A paragraph on the page's character grid: broken into lines as if the block were
    ``CHARS_PER_LINE`` characters of the body size wide, drawn squeezed to the real block."""

    squeeze = SQUEEZE

    def wrap(self, avail_w, avail_h):
        w, h = super().wrap(avail_w / self.squeeze, avail_h)
        return w * self.squeeze, h

    def split(self, avail_w, avail_h):
        if not hasattr(self, "blPara"):
            self.wrap(avail_w, avail_h)
        return super().split(avail_w / self.squeeze, avail_h)

    def draw(self) -> None:
        self.canv.scale(self.squeeze, 1)  # drawOn saved the state and restores it
        super().draw()


class Rule(Flowable):
    """A full-width line of the 版记 (imprint) block."""

    def __init__(self, width: float, thick: float):
        super().__init__()
        self.width, self.thick, self.height = width, thick, 2 * mm

    def wrap(self, avail_w, avail_h):
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setLineWidth(self.thick)
        self.canv.line(0, self.height / 2, self.width, self.height / 2)


class BothEnds(Flowable):
    """Two paragraphs on one line, the first left and the second right (印发机关 and 印发
    日期); when they do not fit side by side, the first above and the second below it."""

    def __init__(self, left: Paragraph, right: Paragraph, gap: float):
        super().__init__()
        self.left, self.right, self.gap = left, right, gap

    def _natural(self, p: Paragraph) -> float:
        p.wrap(10_000, 10_000)
        return max(p.getActualLineWidths0()) + p.style.leftIndent + p.style.rightIndent

    def wrap(self, avail_w, avail_h):
        fits = self._natural(self.left) + self._natural(self.right) + self.gap <= avail_w
        lw, lh = self.left.wrap(avail_w, avail_h)
        rw, rh = self.right.wrap(avail_w, avail_h)
        self.stacked = not fits
        self.width, self.height = avail_w, (lh + rh if self.stacked else max(lh, rh))
        return self.width, self.height

    def draw(self) -> None:
        lh, rh = self.left.height, self.right.height
        self.left.drawOn(self.canv, 0, self.height - lh)
        self.right.drawOn(self.canv, 0, 0 if self.stacked else self.height - rh)


class AtFoot(Flowable):
    """The 版记 at the foot of the page, its last rule on the block's last line (GB/T 9704
    7.4): takes the rest of the frame, or goes to a new page when it does not fit."""

    def __init__(self, flowables: list[Flowable], gap: float):
        super().__init__()
        self.flowables, self.gap = flowables, gap  # at least ``gap`` below the text

    def wrap(self, avail_w, avail_h):
        self._sizes = [f.wrap(avail_w, avail_h) for f in self.flowables]
        self.content = sum(h for _w, h in self._sizes)
        self.width, self.height = avail_w, max(self.content + self.gap, avail_h)
        return self.width, self.height

    def draw(self) -> None:
        y = self.content
        for f, (_w, h) in zip(self.flowables, self._sizes, strict=True):
            y -= h
            f.drawOn(self.canv, 0, y)


def _styles(fonts: FontSet) -> dict[str, ParagraphStyle]:
    """GB/T 9704: title 2号 小标宋; text 3号 仿宋 with a two-character indent; "一、" 黑体,
    "（一）" 楷体; the imprint 4号 仿宋, one character in from each side."""
    body = ParagraphStyle(
        "body",
        fontName=fonts.body,
        fontSize=BODY_PT,
        leading=LINE,
        firstLineIndent=2 * BODY_PT,
        alignment=TA_JUSTIFY,
        wordWrap="CJK",
    )
    imprint = ParagraphStyle(
        "imprint",
        fontName=fonts.body,
        fontSize=IMPRINT_PT,
        leading=IMPRINT_PT * 1.6,
        leftIndent=IMPRINT_PT,
        rightIndent=IMPRINT_PT,
        wordWrap="CJK",
    )
    return {
        "title": ParagraphStyle(
            "title",
            fontName=fonts.title,
            fontSize=TITLE_PT,
            leading=LINE * 1.25,
            alignment=TA_CENTER,
            wordWrap="CJK",
            fauxBold=fonts.title_stroke,
        ),
        "number": ParagraphStyle(
            "number", fontName=fonts.body, fontSize=BODY_PT, leading=LINE, alignment=TA_CENTER
        ),
        "body": body,
        "h1": ParagraphStyle("h1", parent=body, fontName=fonts.heading1, alignment=TA_LEFT),
        "h2": ParagraphStyle("h2", parent=body, fontName=fonts.heading2, alignment=TA_LEFT),
        "label": ParagraphStyle("label", parent=body, alignment=TA_LEFT),
        "imprint": imprint,
        "imprint_right": ParagraphStyle("imprint_right", parent=imprint, alignment=TA_RIGHT),
    }


def _keep_entries(entries: list[str], width: float, font: str, size: float, sep: str) -> str:
    """Join entries with ``sep``, breaking lines between entries so that a name and its unit
    stay on one line (an entry longer than a line still wraps inside)."""
    lines: list[str] = []
    line = ""
    for i, entry in enumerate(entries):
        piece = entry + (sep if i < len(entries) - 1 else "")
        if line and pdfmetrics.stringWidth(line + piece, font, size) > width:
            lines.append(line)
            line = ""
        line += piece
    lines.append(line)
    return "\n".join(lines)


def render_minutes(data: MinutesData, fonts: FontSet | None = None) -> bytes:
    fonts = fonts or default_fonts()
    st = _styles(fonts)
    grid_w = CHARS_PER_LINE * BODY_PT  # the line as the grid paragraphs lay it out

    def p(text: str, style: str = "body") -> Paragraph:
        cls = GridParagraph if st[style].fontSize == BODY_PT else TextParagraph
        return cls(markup(text, fonts, st[style].fontName), st[style])

    def listing(label: str, entries: list[str], style: str = "label"):
        """ "出席：" in 黑体, then the names in 仿宋, two characters in; wrapped lines start
        under the first name. In the imprint ("分送：") all 仿宋, one character in."""
        s = st[style]
        size = s.fontSize
        head = f"{label}："
        head_font = fonts.heading1 if style == "label" else fonts.body
        head_w = pdfmetrics.stringWidth(head, head_font, size)
        s = ParagraphStyle(
            f"{style}-{label}",
            parent=s,
            firstLineIndent=-head_w,
            leftIndent=s.leftIndent + (2 * size if style == "label" else 0) + head_w,
        )
        room = (grid_w if style == "label" else BLOCK_W) - s.leftIndent - s.rightIndent
        names = _keep_entries(entries, room, fonts.body, size, "、")
        text = f'<font name="{head_font}">{markup(head, fonts, head_font)}</font>'
        cls = GridParagraph if s.fontSize == BODY_PT else TextParagraph
        return cls(text + markup(names, fonts, fonts.body), s)

    doc_kind = "纪要" if data.is_minutes else "记录"
    title = data.title if data.title.endswith(("纪要", "记录")) else f"{data.title}{doc_kind}"
    number = data.number + (f"（第{data.version}版）" if data.version > 1 else "")
    if not data.issued:
        number += "（草稿）"
    t = data.starts_at
    when = format_date_cn(t.date()) + (f"{t.hour}时{t.minute}分" if t.minute else f"{t.hour}时")
    story: list = [p(title, "title"), p(number, "number"), Spacer(1, LINE)]
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
    people: list = []
    for label in ("出席", "请假", "列席"):
        entries = [
            a.name
            + (f"（{a.unit}）" if a.unit and label != "请假" else "")
            + (f"（{a.reason}）" if label == "请假" and a.reason else "")
            for a in data.attendees
            if a.attendance == label
        ]
        if entries:
            people.append(listing(label, entries))
    if data.recorder:
        people.append(listing("记录", [data.recorder]))
    if people:
        story += [Spacer(1, LINE), *people]
    imprint: list = [Rule(BLOCK_W, 0.35 * mm)]
    if data.distribution:
        imprint += [listing("分送", [data.distribution], "imprint"), Rule(BLOCK_W, 0.25 * mm)]
    issued = format_date_cn(data.issued_on) + "印发" if data.issued_on else "（未印发）"
    imprint += [
        BothEnds(p(data.center_name, "imprint"), p(issued, "imprint_right"), 2 * IMPRINT_PT),
        Rule(BLOCK_W, 0.35 * mm),
    ]
    story.append(AtFoot(imprint, gap=LINE / 2))

    return render_story(story, title=title, author=data.center_name, layout=GBT9704, fonts=fonts)


render = render_minutes
minutes_styles = _styles  # the GB/T 9704 styles, shared with the reports upward (upward.py)


__all__ = [
    "MinutesAttendee",
    "MinutesData",
    "MinutesDecision",
    "MinutesItem",
    "render_minutes",
]
