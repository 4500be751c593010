"""The command room's bar charts, drawn with QPainter (a few ms, where matplotlib took ~1 s to
load and ~100 ms a chart).

``ChartData`` is plain data: a title, the labels along the category axis and one or more
series (stacked), each bar carrying the key of the matters behind it. ``ChartView`` paints it
and says which bar a click fell on; ``chart_png`` paints the same chart into a PNG (export).
Text uses the widget's (the application's) font, so Chinese labels draw in the face the rest
of the window uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QGuiApplication, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

PALETTE = [
    "#1f4e79",
    "#2e86c1",
    "#f39c12",
    "#c0392b",
    "#27ae60",
    "#8e44ad",
    "#16a085",
    "#7f8c8d",
    "#d35400",
    "#34495e",
]
EMPTY_TEXT = "暂无数据"
GRID = QColor("#e5e5e5")
AXIS = QColor("#555555")
MUTED = QColor("#888888")

Key = tuple[str, ...]


@dataclass(frozen=True)
class Series:
    """One colour of bars: a value and the key of its matters for each label."""

    name: str
    values: tuple[int, ...]
    keys: tuple[Key, ...]
    color: str = PALETTE[0]


@dataclass(frozen=True)
class ChartData:
    """Bars by label; several series stack (with a legend beside the plot)."""

    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    horizontal: bool = False

    @property
    def stacked(self) -> bool:
        return len(self.series) > 1

    @property
    def empty(self) -> bool:
        return not self.labels or not any(v for s in self.series for v in s.values)

    def totals(self) -> list[int]:
        return [sum(s.values[i] for s in self.series) for i in range(len(self.labels))]

    def texts(self) -> list[str]:
        """Every piece of text the chart shows (title, labels, legend, values)."""
        out = [self.title, *self.labels]
        if self.stacked:
            out += [s.name for s in self.series]
        elif self.series:
            out += [str(v) for v in self.series[0].values if v]
        if self.empty:
            out.append(EMPTY_TEXT)
        return out


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    keys: Sequence[Key],
    *,
    horizontal: bool = False,
    color: str = PALETTE[0],
) -> ChartData:
    return ChartData(
        title, tuple(labels), (Series("", tuple(values), tuple(keys), color),), horizontal
    )


def stacked_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int], Sequence[Key]]]
) -> ChartData:
    """Stacked bars, one colour per series (name, values, keys), in the palette's order."""
    return ChartData(
        title,
        tuple(labels),
        tuple(
            Series(name, tuple(values), tuple(keys), PALETTE[i % len(PALETTE)])
            for i, (name, values, keys) in enumerate(series)
        ),
    )


@dataclass
class Bar:
    """A bar as drawn: where it is, and what it stands for."""

    rect: QRectF
    label: str
    series: str
    value: int
    key: Key


@dataclass
class _Layout:
    bars: list[Bar] = field(default_factory=list)


def _step(top: int) -> int:
    """A round step (1, 2, 5 × 10ⁿ) giving four or five grid lines up to ``top``."""
    raw = max(top / 4, 1)
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return int(m * mag)
    return int(10 * mag)


def paint_chart(p: QPainter, area: QRectF, data: ChartData, font: QFont) -> list[Bar]:
    """Draw ``data`` into ``area``; the bars drawn, for hit-testing."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    p.fillRect(area, Qt.GlobalColor.white)
    small = QFont(font)
    small.setPointSizeF(max(font.pointSizeF() * 0.85, 7.0))
    title_font = QFont(font)
    title_font.setBold(True)
    fm, tm = QFontMetricsF(small), QFontMetricsF(title_font)
    pad = 8.0
    p.setFont(title_font)
    p.setPen(QColor("#222222"))
    title_rect = QRectF(area.left() + pad, area.top() + 4, area.width() - 2 * pad, tm.height())
    p.drawText(
        title_rect,
        Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
        tm.elidedText(data.title, Qt.TextElideMode.ElideRight, title_rect.width()),
    )
    plot = QRectF(
        area.left() + pad,
        title_rect.bottom() + 6,
        area.width() - 2 * pad,
        area.bottom() - title_rect.bottom() - 6 - pad,
    )
    p.setFont(small)
    bars: list[Bar] = []
    if data.empty:
        p.setPen(MUTED)
        p.drawText(plot, Qt.AlignmentFlag.AlignCenter, EMPTY_TEXT)
        p.restore()
        return bars
    if data.stacked:  # the legend beside the plot, top-down in the order of the stack
        swatch = fm.height() * 0.7
        width = max(fm.horizontalAdvance(s.name) for s in data.series) + swatch + 10
        width = min(width, plot.width() * 0.3)
        x, y = plot.right() - width + 6, plot.top()
        for s in reversed(data.series):
            if y + fm.height() > plot.bottom():
                break
            p.fillRect(QRectF(x, y + (fm.height() - swatch) / 2, swatch, swatch), QColor(s.color))
            p.setPen(AXIS)
            p.drawText(
                QRectF(x + swatch + 4, y, width - swatch - 4, fm.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                fm.elidedText(s.name, Qt.TextElideMode.ElideRight, width - swatch - 4),
            )
            y += fm.height() + 2
        plot.setRight(plot.right() - width - 4)
    totals = data.totals()
    top = max(max(totals), 1)
    step = _step(top)
    ceiling = step * math.ceil(top * 1.1 / step)
    if data.horizontal:
        _horizontal(p, plot, data, fm, ceiling, step, bars)
    else:
        _vertical(p, plot, data, fm, ceiling, step, bars)
    p.restore()
    return bars


def _vertical(p, plot: QRectF, data: ChartData, fm, ceiling: int, step: int, bars) -> None:
    ticks = list(range(0, ceiling + 1, step))
    left = max(fm.horizontalAdvance(str(t)) for t in ticks) + 6
    inner = QRectF(plot.left() + left, plot.top(), plot.width() - left, plot.height() - fm.height())
    inner.setBottom(inner.bottom() - 4)
    for t in ticks:
        y = inner.bottom() - inner.height() * t / ceiling
        p.setPen(QPen(GRID, 1))
        p.drawLine(QPointF(inner.left(), y), QPointF(inner.right(), y))
        p.setPen(AXIS)
        p.drawText(
            QRectF(plot.left(), y - fm.height() / 2, left - 4, fm.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            str(t),
        )
    n = len(data.labels)
    slot = inner.width() / n
    width = slot * (0.7 if data.stacked else 0.6)
    # Labels that would run into each other: only every k-th is written.
    widest = max(fm.horizontalAdvance(label) for label in data.labels) + 6
    every = max(1, math.ceil(widest / slot)) if widest > slot else 1
    for i, label in enumerate(data.labels):
        x = inner.left() + slot * i + (slot - width) / 2
        base = inner.bottom()
        for s in data.series:
            v = s.values[i]
            h = inner.height() * v / ceiling
            rect = QRectF(x, base - h, width, h)
            if v:
                p.fillRect(rect, QColor(s.color))
                bars.append(Bar(rect, label, s.name, v, s.keys[i]))
            base -= h
        if not data.stacked and data.series[0].values[i]:
            p.setPen(AXIS)
            p.drawText(
                QRectF(x - slot, base - fm.height() - 1, width + 2 * slot, fm.height()),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                str(data.series[0].values[i]),
            )
        if i % every == 0:
            p.setPen(AXIS)
            p.drawText(
                QRectF(inner.left() + slot * i - slot, inner.bottom() + 3, 3 * slot, fm.height()),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                label,
            )
    p.setPen(QPen(AXIS, 1))
    p.drawLine(inner.bottomLeft(), inner.bottomRight())


def _horizontal(p, plot: QRectF, data: ChartData, fm, ceiling: int, step: int, bars) -> None:
    widest = max(fm.horizontalAdvance(label) for label in data.labels) + 8
    left = min(widest, plot.width() * 0.4)
    inner = QRectF(plot.left() + left, plot.top(), plot.width() - left, plot.height() - fm.height())
    inner.setBottom(inner.bottom() - 4)
    value_room = max(fm.horizontalAdvance(str(v)) for v in data.totals()) + 6
    span = inner.width() - value_room
    for t in range(0, ceiling + 1, step):
        x = inner.left() + span * t / ceiling
        p.setPen(QPen(GRID, 1))
        p.drawLine(QPointF(x, inner.top()), QPointF(x, inner.bottom()))
        p.setPen(AXIS)
        p.drawText(
            QRectF(x - 30, inner.bottom() + 3, 60, fm.height()),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            str(t),
        )
    n = len(data.labels)
    slot = inner.height() / n
    height = min(slot * 0.6, fm.height() * 2)
    s = data.series[0]
    for i, label in enumerate(data.labels):
        y = inner.top() + slot * i + (slot - height) / 2
        v = s.values[i]
        rect = QRectF(inner.left(), y, span * v / ceiling, height)
        p.setPen(AXIS)
        p.drawText(
            QRectF(plot.left(), inner.top() + slot * i, left - 6, slot),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(label, Qt.TextElideMode.ElideMiddle, left - 6),
        )
        if v:
            p.fillRect(rect, QColor(s.color))
            bars.append(Bar(rect, label, s.name, v, s.keys[i]))
            p.setPen(AXIS)
            p.drawText(
                QRectF(rect.right() + 3, y, value_room, height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                str(v),
            )
    p.setPen(QPen(AXIS, 1))
    p.drawLine(inner.topLeft(), inner.bottomLeft())


class ChartView(QWidget):
    """A chart on screen; a click on a bar opens its matters (the pointer shows where).

    Signals: ``bar_clicked(object)`` with the bar's key.
    """

    bar_clicked = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.data: ChartData | None = None
        self.bars: list[Bar] = []
        self.drawn = False  # the current chart has been painted at least once
        self.setMouseTracking(True)
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, data: ChartData) -> None:
        self.data = data
        self.drawn = False
        self.bars = []
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        if self.data is None:
            p.fillRect(self.rect(), Qt.GlobalColor.white)
        else:
            self.bars = paint_chart(p, QRectF(self.rect()), self.data, self.font())
            self.drawn = True
        p.end()

    def bar_at(self, pos: QPointF) -> Bar | None:
        return next((b for b in self.bars if b.rect.contains(pos)), None)

    def mouseMoveEvent(self, event) -> None:
        bar = self.bar_at(event.position())
        self.setCursor(Qt.CursorShape.PointingHandCursor if bar else Qt.CursorShape.ArrowCursor)
        name = " ".join(t for t in (bar.label, bar.series) if t) if bar else ""
        self.setToolTip(f"{name}：{bar.value} 件，点击查看" if bar else "")
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            bar = self.bar_at(event.position())
            if bar is not None:
                self.bar_clicked.emit(bar.key)
        super().mouseReleaseEvent(event)


def chart_png(data: ChartData, size: QSize | None = None, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes (``size`` in logical pixels, drawn at ``scale`` for print)."""
    size = size or QSize(900, 420)
    image = QImage(size * scale, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    image.fill(Qt.GlobalColor.white)
    p = QPainter(image)
    paint_chart(p, QRectF(0, 0, size.width(), size.height()), data, QGuiApplication.font())
    p.end()
    buf = QByteArray()
    device = QBuffer(buf)
    device.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(device, "PNG")
    device.close()
    return bytes(buf.data())
