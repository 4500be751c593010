"""The command room's charts drawn with QPainter: they paint something, carry their labels and
keys, open a bar's matters on a click and say so when there is nothing to show."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QImage

from app.views import chart_view
from app.views.chart_view import EMPTY_TEXT, ChartView

WEEKS = ["11/2", "11/9", "11/16"]


def _colours(image: QImage) -> set[str]:
    return {
        QColor(image.pixel(x, y)).name()
        for x in range(0, image.width(), 3)
        for y in range(0, image.height(), 3)
    }


def test_a_stacked_chart_draws_its_bars_and_legend_and_opens_a_bar(qtbot):
    data = chart_view.stacked_chart(
        "每周受理量（按类别）",
        WEEKS,
        [
            ("投诉", [2, 0, 1], [("w", "1", "t"), ("w", "2", "t"), ("w", "3", "t")]),
            ("咨询", [0, 1, 1], [("w", "1", "z"), ("w", "2", "z"), ("w", "3", "z")]),
        ],
    )
    view = ChartView()
    qtbot.addWidget(view)
    view.resize(640, 300)
    view.set_data(data)
    view.show()
    image = view.grab().toImage()
    assert view.drawn and not image.isNull()
    colours = _colours(image)
    assert {chart_view.PALETTE[0], chart_view.PALETTE[1]} <= colours  # both series drawn
    assert "#ffffff" in colours and len(colours) > 5  # text and grid, not one flat colour
    assert {"每周受理量（按类别）", *WEEKS, "投诉", "咨询"} <= set(data.texts())
    # Empty bars are not drawn and cannot be clicked; each drawn bar keeps its key.
    assert sorted(b.key for b in view.bars) == sorted(
        [("w", "1", "t"), ("w", "3", "t"), ("w", "2", "z"), ("w", "3", "z")]
    )
    bar = next(b for b in view.bars if b.key == ("w", "3", "z"))
    with qtbot.waitSignal(view.bar_clicked) as clicked:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=bar.rect.center().toPoint())
    assert clicked.args == [("w", "3", "z")]


def test_horizontal_bars_carry_values_and_an_empty_chart_says_so(qtbot):
    data = chart_view.bar_chart(
        "超期事项", ["司法所", "（未交办）"], [3, 1], [("u", "a"), ("u", "")], horizontal=True
    )
    assert {"超期事项", "司法所", "（未交办）", "3", "1"} <= set(data.texts())
    view = ChartView()
    qtbot.addWidget(view)
    view.resize(400, 260)
    view.set_data(data)
    view.grab()
    first, second = sorted(view.bars, key=lambda b: b.rect.top())
    assert (first.label, first.value, second.label) == ("司法所", 3, "（未交办）")
    assert first.rect.width() > 2.5 * second.rect.width()  # 3 against 1
    empty = chart_view.bar_chart("办结用时", [], [], [])
    assert EMPTY_TEXT in empty.texts()
    view.set_data(empty)
    view.grab()
    assert view.bars == []
    png = chart_view.chart_png(data, QSize(300, 200), scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert QImage.fromData(png).size() == QSize(300, 200)
