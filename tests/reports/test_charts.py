"""The command room's charts: each bar carries the key of its matters; PNGs come out; Chinese
labels draw without font warnings."""

from __future__ import annotations

import logging
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg

from app.reports import charts

WEEKS = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]


def test_weekly_bars_carry_their_keys_and_empty_ones_cannot_be_clicked():
    fig = charts.weekly_chart(
        WEEKS,
        [
            ("投诉", [2, 0, 1], [("w", "1", "t"), ("w", "2", "t"), ("w", "3", "t")]),
            ("咨询", [0, 1, 1], [("w", "1", "z"), ("w", "2", "z"), ("w", "3", "z")]),
        ],
    )
    bars = fig.axes[0].patches
    assert [b.get_gid() for b in bars] == ["w|1|t", None, "w|3|t", None, "w|2|z", "w|3|z"]
    assert [bool(b.get_picker()) for b in bars] == [True, False, True, False, True, True]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["咨询", "投诉"]  # as stacked
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["11/2", "11/9", "11/16"]


def test_bar_chart_labels_values_and_says_when_there_is_nothing(caplog):
    fig = charts.bar_chart(
        ["司法所", "（未交办）"], [3, 1], [("u", "a"), ("u", "")], title="超期", horizontal=True
    )
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        FigureCanvasAgg(fig).draw()
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    assert [b.get_gid() for b in fig.axes[0].patches] == ["u|a", "u|"]
    empty = charts.bar_chart([], [], [], title="超期")
    assert "暂无数据" in [t.get_text() for t in empty.axes[0].texts]


def test_png_bytes_and_a_cjk_face():
    png = charts.figure_png(charts.bar_chart(["当日"], [5], [("r", "0")], title="办结用时"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert charts.chart_fonts()[-1] == "sans-serif" and len(charts.chart_fonts()) >= 2
