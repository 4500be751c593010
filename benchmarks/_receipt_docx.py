"""The receipt's page as a Word document: the office route's input in ``bench_print.py``.

The same page as ``zongzhi print receipt`` makes — the title block with the QR code, the
bordered table with shaded labels (the answer and the center's address where the receipt has
them, as ``reports/receipt.py``), the signature line, the note, the dashed cut line and the
stub's four-column table — so that LibreOffice converts what we render (a page of
plain paragraphs converted in the same time here: 0.885 s against 0.888 s, five runs each).
Written as WordprocessingML by hand: no python-docx among the dependencies for one benchmark.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image

from app.reports.contents import ReceiptData, format_date_cn
from app.reports.qr import BORDER, dark_runs
from app.reports.receipt import receipt_rows, stub_rows

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NAMESPACES = (
    f"xmlns:w='{W}' "
    "xmlns:r='http://schemas.openxmlformats.org/officeDocument/2006/relationships' "
    "xmlns:wp='http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing' "
    "xmlns:a='http://schemas.openxmlformats.org/drawingml/2006/main' "
    "xmlns:pic='http://schemas.openxmlformats.org/drawingml/2006/picture'"
)
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOCUMENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EMU_PER_MM = 36000


def qr_png(text: str) -> bytes:
    """The receipt's QR code (its number) as a PNG, 8 pixels a module."""
    count, runs = dark_runs(text)
    side = count + 2 * BORDER
    image = Image.new("1", (side, side), 1)
    for row, first, length in runs:
        for column in range(first, first + length):
            image.putpixel((column + BORDER, row + BORDER), 0)
    out = io.BytesIO()
    image.resize((side * 8, side * 8), Image.NEAREST).save(out, "PNG")
    return out.getvalue()


def run(text: str, half_points: int = 21, bold: bool = False) -> str:
    lines = text.split("\n")  # a line break inside the cell, as the receipt's persons
    font = "<w:rFonts w:ascii='SimSun' w:hAnsi='SimSun' w:eastAsia='SimSun'/>"
    return (
        f"<w:r><w:rPr>{font}{'<w:b/>' if bold else ''}<w:sz w:val='{half_points}'/></w:rPr>"
        + "<w:br/>".join(f"<w:t xml:space='preserve'>{escape(line)}</w:t>" for line in lines)
        + "</w:r>"
    )


def para(content: str = "", align: str = "", after: int = 0, extra: str = "") -> str:
    jc = f"<w:jc w:val='{align}'/>" if align else ""
    spacing = f"<w:spacing w:before='0' w:after='{after}'/>"
    return f"<w:p><w:pPr>{extra}{jc}{spacing}</w:pPr>{content}</w:p>"


def cell(content: str, width: int, shaded: bool = False) -> str:
    shade = "<w:shd w:val='clear' w:color='auto' w:fill='EEEEEE'/>" if shaded else ""
    return (
        f"<w:tc><w:tcPr><w:tcW w:w='{width}' w:type='dxa'/>{shade}<w:vAlign w:val='center'/>"
        f"</w:tcPr>{content}</w:tc>"
    )


def table(rows: list[list[str]], widths: list[int], borders: bool = True) -> str:
    sides = ("top", "left", "bottom", "right", "insideH", "insideV")
    lines = "".join(f"<w:{s} w:val='single' w:sz='6' w:space='0' w:color='000000'/>" for s in sides)
    grid = "".join(f"<w:gridCol w:w='{w}'/>" for w in widths)
    body = "".join(
        f"<w:tr><w:trPr><w:trHeight w:val='400'/></w:trPr>{''.join(r)}</w:tr>" for r in rows
    )
    return (
        f"<w:tbl><w:tblPr><w:tblW w:w='{sum(widths)}' w:type='dxa'/>"
        f"{f'<w:tblBorders>{lines}</w:tblBorders>' if borders else ''}</w:tblPr>"
        f"<w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>"
    )


def image(relationship: str, side_mm: int) -> str:
    e = side_mm * EMU_PER_MM
    return (
        f"<w:r><w:drawing><wp:inline><wp:extent cx='{e}' cy='{e}'/><wp:docPr id='1' name='QR'/>"
        "<a:graphic><a:graphicData uri='http://schemas.openxmlformats.org/drawingml/2006/picture'>"
        "<pic:pic><pic:nvPicPr><pic:cNvPr id='0' name='qr.png'/><pic:cNvPicPr/></pic:nvPicPr>"
        f"<pic:blipFill><a:blip r:embed='{relationship}'/><a:stretch><a:fillRect/></a:stretch>"
        f"</pic:blipFill><pic:spPr><a:xfrm><a:off x='0' y='0'/><a:ext cx='{e}' cy='{e}'/></a:xfrm>"
        "<a:prstGeom prst='rect'><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData>"
        "</a:graphic></wp:inline></w:drawing></w:r>"
    )


def receipt_docx(path: Path, data: ReceiptData) -> None:
    """Writes the receipt of ``data`` to ``path`` as a one-page .docx."""
    day = format_date_cn(data.received_at)
    title = (
        para(run(data.center_name, 28, True), "center")
        + para(run("受理回执", 36, True), "center")
        + para(run(f"受理编号：{data.number}"), "center")
    )
    head = table(
        [[cell(para(), 1600), cell(title, 6400), cell(para(image("rIdQR", 26), "right"), 1600)]],
        [1600, 6400, 1600],
        borders=False,
    )
    main = table(
        [
            [cell(para(run(k, bold=True)), 1900, True), cell(para(run(v)), 7700)]
            for k, v in receipt_rows(data)
        ],
        [1900, 7700],
    )
    tabs = "<w:tabs><w:tab w:val='left' w:pos='4000'/><w:tab w:val='right' w:pos='9600'/></w:tabs>"
    sign = para(run(f"首问责任人（签名）：\t群众（签名）：\t{day}"), after=200, extra=tabs)
    note = para(run("本回执由群众收执，请妥善保管。", 18), after=300)
    dashed = "<w:pBdr><w:bottom w:val='dashed' w:sz='6' w:space='1' w:color='888888'/></w:pBdr>"
    cut = para(run("沿此线剪开", 16), "center", after=200, extra=dashed)
    stub_title = para(run(f"{data.center_name}　受理存根", 28, True), "center", after=120)

    def pair(label: str, value: str) -> list[str]:
        return [cell(para(run(label, bold=True)), 1600, True), cell(para(run(value)), 3200)]

    stub = table(
        [pair(a, b) + pair(c, d) for a, b, c, d in stub_rows(data)],
        [1600, 3200, 1600, 3200],
    )
    page = (
        "<w:sectPr><w:pgSz w:w='11906' w:h='16838'/><w:pgMar w:top='1134' w:right='1134' "
        "w:bottom='1134' w:left='1134' w:header='567' w:footer='567' w:gutter='0'/></w:sectPr>"
    )
    body = head + main + para(after=200) + sign + note + cut + stub_title + stub + page
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            f"<?xml version='1.0' encoding='UTF-8'?><Types xmlns='{PACKAGE}/content-types'>"
            "<Default Extension='rels' ContentType='application/vnd.openxmlformats-package."
            "relationships+xml'/><Default Extension='xml' ContentType='application/xml'/>"
            "<Default Extension='png' ContentType='image/png'/><Override PartName='/word/"
            f"document.xml' ContentType='{DOCUMENT_TYPE}'/></Types>",
        )
        z.writestr(
            "_rels/.rels",
            f"<?xml version='1.0' encoding='UTF-8'?><Relationships xmlns='{PACKAGE}/"
            f"relationships'><Relationship Id='rId1' Type='{OFFICE}/officeDocument' "
            "Target='word/document.xml'/></Relationships>",
        )
        z.writestr(
            "word/_rels/document.xml.rels",
            f"<?xml version='1.0' encoding='UTF-8'?><Relationships xmlns='{PACKAGE}/"
            f"relationships'><Relationship Id='rIdQR' Type='{OFFICE}/image' "
            "Target='media/qr.png'/></Relationships>",
        )
        z.writestr("word/media/qr.png", qr_png(data.number))
        z.writestr(
            "word/document.xml",
            f"<?xml version='1.0' encoding='UTF-8'?><w:document {NAMESPACES}><w:body>{body}"
            "</w:body></w:document>",
        )
