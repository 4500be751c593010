"""The ledger's XLSX body is written straight as sheet XML: what openpyxl reads back is what
went in (markup characters, spaces, numbers, line breaks), and progress is reported."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from app.reports.ledger import STEP, LedgerTable, render_ledger_xlsx


def test_values_read_back_as_written():
    rows = [("A&B <村>", " 前后空格 ", 12, "控\x01制", None, "两行\n文本", "")] * 3
    table = LedgerTable("事项台账", "白石街道综治工作中心", [(f"列{i}", 6) for i in range(7)], rows)
    data = render_ledger_xlsx(table)
    for read_only in (False, True):
        ws = load_workbook(io.BytesIO(data), read_only=read_only).active
        got = [list(r) for r in ws.iter_rows(values_only=True)]
        assert got[0] == [f"列{i}" for i in range(7)]
        for row in got[1:]:
            assert row[:6] == ["A&B <村>", " 前后空格 ", 12, "控制", None, "两行\n文本"]
        assert len(got) == 4
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.freeze_panes == "A2" and ws.dimensions == "A1:G4" and ws["A1"].font.b


def test_progress_is_reported_and_may_stop_the_work():
    rows = [(str(i), "某村") for i in range(STEP * 2 + 5)]
    table = LedgerTable("流动人口服务管理台账", "中心", [("编号", 8), ("村社区", 8)], rows)
    seen = []
    render_ledger_xlsx(table, lambda done, total: seen.append((done, total)))
    assert seen == [(STEP, len(rows)), (STEP * 2, len(rows)), (len(rows), len(rows))]

    class Stop(Exception):
        pass

    def stop(done, total):
        raise Stop

    try:
        render_ledger_xlsx(table, stop)
    except Stop:
        pass
    else:  # pragma: no cover
        raise AssertionError("progress could not stop the export")


def _line_text(line) -> str:
    if isinstance(line, tuple | list):  # one style: (extra space, [words])
        return " ".join(line[1]).strip()
    return "".join(w.text for w in line.words).strip()


def test_pdf_cells_break_into_the_lines_a_paragraph_would():
    """The PDF draws a cell the body face can show as a plain string it broke itself (quick
    on a year's ledger): the lines are those of a CJK Paragraph of the same width."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    from app.reports.fonts import default_fonts, markup
    from app.reports.ledger import _LEADING, _Wrapper

    fonts = default_fonts()
    style = ParagraphStyle("c", fontName=fonts.body, fontSize=7.5, leading=_LEADING, wordWrap="CJK")
    wrapper = _Wrapper(fonts.body, 7.5, fonts)
    texts = [
        "反映楼上住户装修噪音扰民，晚上十点后仍在施工，多次协商未果，请求社区出面协调。",
        "案号BSTJ2026-A-0001的调解协议（书面）已送达双方“当事人”，约定于三十日内履行完毕。",
        "两行文本\n第二行  有   空格，也很长很长很长很长很长很长很长很长很长很长很长很长。",
    ]
    for text in texts:
        for room in (60.0, 97.5, 150.0):
            para = Paragraph(markup(text, fonts), style)
            para.wrap(room, 1e6)
            want = [_line_text(line) for line in para.blPara.lines]
            assert wrapper.plain(text)
            assert wrapper.lines(text, room).split("\n") == want, (text, room)


def test_pdf_columns_are_never_narrower_than_their_header_on_two_lines():
    """A wide ledger (the matters ledger's sixteen columns) is shrunk to the page; an empty
    column with a long header (上报网格员) must still show it on two lines, not a character
    a line, and the columns still fill the page exactly."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from app.reports.fonts import default_fonts
    from app.reports.ledger import _pdf_widths

    font = default_fonts().body
    headers = ["受理编号", "事项摘要", "办理结果", "承办单位", "村社区", "满意度", "上报网格员"]
    long = "反映楼上住户装修噪音扰民，晚上十点后仍在施工，多次协商未果，请求社区出面协调。" * 2
    row = ("BS2026-A-000001", long, long, "矛盾纠纷调解室", "西山村", "满意", "")
    table = LedgerTable("t", "台账", [(h, 10) for h in headers], [row] * 5)
    usable = 400.0
    widths = _pdf_widths(table, font, usable)
    assert abs(sum(widths) - usable) < 1e-6
    for header, width in zip(headers, widths, strict=True):
        half = header[: (len(header) + 1) // 2]
        assert width >= stringWidth(half, font, 8.5) + 7 - 1e-6, header
