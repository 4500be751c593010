"""Shared pieces of every printed document: page set-up, one stylesheet, Chinese dates.

Faces follow GB/T 9704 by role (fonts.py): titles and the issuing body in the title face
(小标宋 or the nearest Song), text in the body face (仿宋 or the nearest Song), form labels and
headings in the heading face (黑体)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, SimpleDocTemplate

from .fonts import FontSet, default_fonts, markup


def format_date_cn(d: date | None) -> str:
    """2026年11月5日: Arabic numerals without leading zeros (GB/T 9704)."""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def format_datetime_cn(dt: datetime | None) -> str:
    return f"{format_date_cn(dt)} {dt:%H:%M}" if dt else ""


class TextParagraph(Paragraph):
    """A Paragraph whose style may ask for a faux bold (``fauxBold``: outline width as a
    fraction of the size), for titles set in a regular Song face where 小标宋 is missing."""

    def beginText(self, x, y):
        tx = super().beginText(x, y)
        stroke = getattr(self.style, "fauxBold", 0)
        if stroke:
            tx.setTextRenderMode(2)  # fill, then stroke the outline
            self.canv.setLineWidth(self.style.fontSize * stroke)
            self.canv.setStrokeColor(self.style.textColor)
        return tx


@dataclass(frozen=True)
class Styles:
    fonts: FontSet
    title: ParagraphStyle  # a table's or sheet's title, 18 pt, title face
    subtitle: ParagraphStyle  # a centred line of text under it, body face
    label: ParagraphStyle  # a form's field names, heading face
    body: ParagraphStyle
    small: ParagraphStyle
    doc_title: ParagraphStyle  # a document's name, 2号 (22 pt) title face
    issuer: ParagraphStyle  # the issuing body above a document's name, title face
    heading: ParagraphStyle  # a section label in the text ("申请事项："), heading face

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of plain text (escaped, rare characters switched to a face that has them)."""
        style = style or self.body
        return TextParagraph(markup(text, self.fonts, style.fontName), style)


def text_width(text: str, style: ParagraphStyle) -> float:
    return stringWidth(text, style.fontName, style.fontSize)


def label_column(labels: list[str], style: ParagraphStyle, padding: float = 12) -> float:
    """A table column wide enough for each label on one line (cells pad 6 pt each side)."""
    return max(text_width(x, style) for x in labels) + padding + 1


def make_styles(fonts: FontSet | None = None) -> Styles:
    fonts = fonts or default_fonts()
    f = fonts.body
    cjk = {"wordWrap": "CJK"}
    bold = {"fauxBold": fonts.title_stroke}
    return Styles(
        fonts=fonts,
        title=ParagraphStyle(
            "title",
            fontName=fonts.title,
            fontSize=18,
            leading=26,
            alignment=TA_CENTER,
            **cjk,
            **bold,
        ),
        subtitle=ParagraphStyle(
            "subtitle", fontName=f, fontSize=13, leading=20, alignment=TA_CENTER, **cjk
        ),
        label=ParagraphStyle(
            "label",
            fontName=fonts.heading1,
            fontSize=10.5,
            leading=15,
            alignment=TA_LEFT,
            textColor=colors.HexColor("#222222"),
            **cjk,
        ),
        body=ParagraphStyle("body", fontName=f, fontSize=10.5, leading=16, **cjk),
        small=ParagraphStyle(
            "small",
            fontName=f,
            fontSize=9,
            leading=13,
            textColor=colors.HexColor("#222222"),
            **cjk,
        ),
        doc_title=ParagraphStyle(
            "doc_title",
            fontName=fonts.title,
            fontSize=22,
            leading=32,
            alignment=TA_CENTER,
            spaceAfter=2,
            **cjk,
            **bold,
        ),
        issuer=ParagraphStyle(
            "issuer",
            fontName=fonts.title,
            fontSize=15,
            leading=22,
            alignment=TA_CENTER,
            **cjk,
            **bold,
        ),
        heading=ParagraphStyle(
            "heading", fontName=fonts.heading1, fontSize=11.5, leading=18, spaceBefore=4, **cjk
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
