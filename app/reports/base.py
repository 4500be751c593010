"""Shared pieces of every printed document: page set-up, one stylesheet, Chinese dates."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate

from .fonts import FontSet, default_fonts, markup


def format_date_cn(d: date | None) -> str:
    """2026年11月5日: Arabic numerals without leading zeros (GB/T 9704)."""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def format_datetime_cn(dt: datetime | None) -> str:
    return f"{format_date_cn(dt)} {dt:%H:%M}" if dt else ""


@dataclass(frozen=True)
class Styles:
    fonts: FontSet
    title: ParagraphStyle
    subtitle: ParagraphStyle
    label: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of plain text (escaped, rare characters switched to a face that has them)."""
        return Paragraph(markup(text, self.fonts), style or self.body)


def make_styles(fonts: FontSet | None = None) -> Styles:
    fonts = fonts or default_fonts()
    f = fonts.body
    return Styles(
        fonts=fonts,
        title=ParagraphStyle("title", fontName=f, fontSize=18, leading=26, alignment=TA_CENTER),
        subtitle=ParagraphStyle(
            "subtitle", fontName=f, fontSize=13, leading=20, alignment=TA_CENTER
        ),
        label=ParagraphStyle(
            "label",
            fontName=f,
            fontSize=10.5,
            leading=15,
            alignment=TA_LEFT,
            textColor=colors.HexColor("#333333"),
        ),
        body=ParagraphStyle("body", fontName=f, fontSize=10.5, leading=16, wordWrap="CJK"),
        small=ParagraphStyle(
            "small",
            fontName=f,
            fontSize=9,
            leading=13,
            wordWrap="CJK",
            textColor=colors.HexColor("#444444"),
        ),
    )


def build_pdf(
    story: list, *, title: str, margins_mm: tuple[float, float, float, float] = (18, 18, 18, 18)
) -> bytes:
    """A4 document from platypus flowables; margins are top, right, bottom, left in mm."""
    buf = io.BytesIO()
    top, right, bottom, left = (m * mm for m in margins_mm)
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        topMargin=top,
        rightMargin=right,
        bottomMargin=bottom,
        leftMargin=left,
        title=title,
        author="综治中心工作台",
        creator="zongzhi-desk",
    )
    doc.build(story)
    return buf.getvalue()
