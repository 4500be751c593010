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
