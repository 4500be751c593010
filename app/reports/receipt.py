"""受理回执 (docs/DOMAIN.md §4): a plain A4 form, its stub (存根) for the file below a cut line."""

from __future__ import annotations

from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from .base import (
    SHADE,
    Styles,
    format_date_cn,
    format_datetime_cn,
    grid_style,
    make_styles,
    render_story,
)
from .contents import ReceiptData as ReceiptData
from .contents import ReceiptPerson as ReceiptPerson
from .fonts import BODY, HEADING1, SONG, TITLE, default_fonts, load_faces
from .qr import QrCode

WIDTH = 174 * mm  # A4 less 18 mm margins each side
# The faces a receipt sets text in (its title, text, "一、" labels and page number).
FACES = (BODY, TITLE, HEADING1, SONG)


def warm_up() -> None:
    """Make the first receipt as quick as the next (any thread, no database): the faces are
    chosen and the receipt's loaded (a few ms each from the font cache, app/reports/font_cache.py);
    the rare-character faces stay unloaded until a character needs them."""
    load_faces(default_fonts(), FACES)


def rehearse() -> None:
    """Render a made-up receipt and throw it away: what a process's first receipt does once
    (ReportLab's first paragraph, table and page, the QR encoder) is then done. The command
    line's printing process does it while the other reads the database (app.printer_process)."""
    render(
        ReceiptData(
            center_name="综治工作中心",
            number="XX2026-A-000001",
            received_at=datetime(2026, 1, 5, 9, 0),
            channel="来访",
            category="咨询",
            summary="样张，不打印。",
            destination="群众接待窗口",
            route="已当场解答，本事项办结。",
            deadline_text="当场办结",
            receptionist="接待员",
            persons=[ReceiptPerson("张三", "330382********0011", "138****0000")],
            center_phone="0577-0000000",
            answer="样张。",
            center_address="地址",
        )
    )


def qr_code(text: str, size: float = 26 * mm) -> QrCode:
    return QrCode(text, size)


class CutLine(Flowable):
    """A dashed line with a label in the middle: where the stub is cut off."""

    def __init__(self, width: float, label: str, font: str):
        super().__init__()
        self.width, self.label, self.font = width, label, font
        self.height = 8 * mm

    def draw(self) -> None:
        c = self.canv
        y = self.height / 2
        c.setDash(3, 3)
        c.setStrokeColor(colors.grey)
        text_w = c.stringWidth(self.label, self.font, 9) + 6 * mm
        mid = self.width / 2
        c.line(0, y, mid - text_w / 2, y)
        c.line(mid + text_w / 2, y, self.width, y)
        c.setFont(self.font, 9)
        c.setFillColor(colors.grey)
        c.drawCentredString(mid, y - 3, self.label)


def _grid(rows: list[list], col_widths: list[float]) -> Table:
    # splitInRow: a summary longer than a page continues on the next one.
    t = Table(rows, colWidths=col_widths, splitInRow=1, repeatRows=0)
    t.setStyle(TableStyle(grid_style()))
    return t


def _persons_text(persons: list[ReceiptPerson]) -> str:
    lines = []
    for p in persons:
        parts = [p.name]
        if p.id_number_masked:
            parts.append(f"身份证号 {p.id_number_masked}")
        if p.phone_masked:
            parts.append(f"电话 {p.phone_masked}")
        lines.append("　".join(parts))
    return "\n".join(lines) or "—"


def receipt_rows(data: ReceiptData) -> list[tuple[str, str]]:
    """The receipt's table, label and text: what the page says (the office route in
    ``benchmarks/_receipt_docx.py`` lays out the same rows)."""
    rows = [
        ("受理时间", format_datetime_cn(data.received_at)),
        ("来源渠道", data.channel),
        ("来访群众", _persons_text(data.persons)),
        ("事项类别", data.category),
        ("事项摘要", data.summary),
    ]
    if data.answer:
        rows.append(("解答内容", data.answer))
    return rows + [
        ("办理去向", data.destination),
        ("办理流程", data.route),
        ("承诺期限", data.deadline_text),
        ("首问责任人", data.receptionist),
        ("中心电话", data.center_phone or "—"),
        *([("中心地址", data.center_address)] if data.center_address else []),
        ("进度查询", f"{data.query_hint}（受理编号 {data.number}，或扫描右上角二维码）"),
    ]


def stub_rows(data: ReceiptData) -> list[tuple[str, str, str, str]]:
    """The stub's four-column table (label, text, label, text), kept by the center."""
    names = "、".join(p.name for p in data.persons) or "—"
    return [
        ("受理编号", data.number, "受理时间", format_datetime_cn(data.received_at)),
        ("群众", names, "事项类别", data.category),
        ("办理去向", data.destination, "承诺期限", data.deadline_text),
        ("首问责任人", data.receptionist, "群众签收", ""),
    ]


def render(data: ReceiptData, styles: Styles | None = None) -> bytes:
    s = styles or make_styles()
    # The titles centred on the page, the QR code in the right-hand column.
    header = Table(
        [
            [
                "",
                [
                    *s.head(data.center_name, "受理回执"),
                    s.p(f"受理编号：{data.number}", s.subtitle),
                ],
                qr_code(data.number),
            ]
        ],
        colWidths=[30 * mm, WIDTH - 60 * mm, 30 * mm],
    )
    header.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (2, 0), (2, 0), "RIGHT")])
    )
    label_w = 30 * mm
    table = _grid(
        [[s.p(k, s.label), s.p(v)] for k, v in receipt_rows(data)], [label_w, WIDTH - label_w]
    )
    signatures = Table(
        [
            [
                s.p("首问责任人（签名）："),
                s.p("群众（签名）："),
                s.p(f"{format_date_cn(data.received_at)}"),
            ]
        ],
        colWidths=[WIDTH * 0.38, WIDTH * 0.38, WIDTH * 0.24],
    )
    w = WIDTH / 4
    stub = _grid(
        [
            [s.p(a, s.label), s.p(b, s.small), s.p(c, s.label), s.p(d, s.small)]
            for a, b, c, d in stub_rows(data)
        ],
        [w * 0.7, w * 1.3, w * 0.7, w * 1.3],
    )
    stub.setStyle(TableStyle([("BACKGROUND", (2, 0), (2, -1), SHADE)]))
    story = [
        header,
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 6 * mm),
        signatures,
        Spacer(1, 4 * mm),
        s.p("本回执由群众收执，请妥善保管。", s.small),
        Spacer(1, 6 * mm),
        KeepTogether(
            [
                CutLine(WIDTH, "沿此线剪开", s.fonts.body),
                Spacer(1, 2 * mm),
                s.p(f"{data.center_name}　受理存根", s.issuer),
                Spacer(1, 2 * mm),
                stub,
            ]
        ),
    ]
    return render_story(story, title=f"受理回执 {data.number}", fonts=s.fonts)


render_receipt = render  # the name its callers use
