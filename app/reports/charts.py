"""The command room's charts as matplotlib figures: data in, a Figure (or PNG bytes) out.

No pyplot and no Qt here: the view puts a figure on a canvas, the export saves it. Each bar
carries the key of the matters behind it (``artist.get_gid()``), so a click can open them.
Chinese text uses a CJK sans face (else the PDFs' body face), with the rare-character faces
behind it.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.figure import Figure

from .fonts import BODY_CANDIDATES, RARE_CANDIDATES, WINDOWS_FONTS, default_fonts

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


# Sans faces read better than 仿宋 on a screen; the printed documents' faces come after them.
SCREEN_CANDIDATES: list[Path] = [
    WINDOWS_FONTS / "msyh.ttc",
    WINDOWS_FONTS / "msyh.ttf",
    WINDOWS_FONTS / "simhei.ttf",
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
]
_fonts_lock = threading.Lock()


def _body_font_path() -> str | None:
    """A file path only: registering the PDF faces with ReportLab (``default_fonts``) costs
    ~0.3 s, which the dashboard would wait for; it is asked only when no known file exists."""
    configured = os.environ.get("ZONGZHI_FONT")
    paths = [Path(configured)] if configured else []
    paths += SCREEN_CANDIDATES + [p for p, _ in BODY_CANDIDATES]
    found = next((p for p in paths if p.is_file()), None)
    return str(found) if found else default_fonts().body_path


def chart_fonts() -> list[str]:
    """Family names for matplotlib: the CJK face, then the rare-character faces (any thread)."""
    with _fonts_lock:
        return list(_chart_fonts())


@lru_cache(maxsize=1)
def _chart_fonts() -> tuple[str, ...]:
    families = []
    paths = [_body_font_path()] + [str(p) for p, _ in RARE_CANDIDATES if p.is_file()]
    manager = font_manager.fontManager
    for path in paths:
        if not path:
            continue
        try:
            manager.addfont(path)
            families.append(font_manager.FontProperties(fname=path).get_name())
        except (OSError, RuntimeError, ValueError):
            continue
        # A one-weight face (HanaMin says 500) serves as regular text: without this matplotlib
        # warns "Failed to find font weight normal" for every label.
        manager.ttflist = [
            replace(e, weight=400) if e.fname == path and e.weight != 400 else e
            for e in manager.ttflist
        ]
    return (*families, "sans-serif")


def _figure(title: str, size: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size, dpi=100, layout="constrained")
    fig.set_facecolor("white")
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=11, family=chart_fonts())
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    return fig


def _style_ticks(ax) -> None:
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        label.set_fontfamily(chart_fonts())
        label.set_fontsize(8.5)


def weekly_chart(
    weeks: Sequence[date],
    series: Sequence[tuple[str, Sequence[int], Sequence[tuple[str, ...]]]],
    *,
    title: str = "每周受理量（按类别）",
    size: tuple[float, float] = (6.4, 3.2),
) -> Figure:
    """Stacked bars: one bar per week, one colour per category (name, counts, keys)."""
    fig = _figure(title, size)
    ax = fig.axes[0]
    x = list(range(len(weeks)))
    bottom = [0] * len(weeks)
    for i, (name, counts, keys) in enumerate(series):
        bars = ax.bar(
            x, counts, bottom=bottom, color=PALETTE[i % len(PALETTE)], label=name, width=0.7
        )
        for bar, key, n in zip(bars, keys, counts, strict=True):
            bar.set_gid("|".join(key) if n else None)
            bar.set_picker(bool(n))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_xticks(x, [f"{w.month}/{w.day}" for w in weeks])
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(0, max([*bottom, 1]) * 1.1)  # headroom above the tallest stack
    if series:
        # Beside the plot, not over the bars; listed top-down in the order of the stack.
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(
            handles[::-1],
            labels[::-1],
            prop={"family": chart_fonts(), "size": 8},
            frameon=False,
            loc="outside right upper",
        )
    else:
        _empty(ax)
    _style_ticks(ax)
    return fig


def bar_chart(
    labels: Sequence[str],
    values: Sequence[int],
    keys: Sequence[tuple[str, ...]],
    *,
    title: str,
    horizontal: bool = False,
    color: str = PALETTE[0],
    size: tuple[float, float] = (4.6, 3.2),
) -> Figure:
    fig = _figure(title, size)
    ax = fig.axes[0]
    pos = list(range(len(labels)))
    if horizontal:
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.8)
        bars = ax.barh(pos, values, color=color, height=0.6)
        ax.set_yticks(pos, labels)
        ax.invert_yaxis()
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.margins(x=0.1)  # room for the value beside the longest bar
    else:
        bars = ax.bar(pos, values, color=color, width=0.6)
        ax.set_xticks(pos, labels)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.margins(y=0.1)
    for bar, key, n in zip(bars, keys, values, strict=True):
        bar.set_gid("|".join(key) if n else None)
        bar.set_picker(bool(n))
    if len(bars):
        ax.bar_label(bars, labels=[str(v) if v else "" for v in values], fontsize=8, padding=2)
    if not labels or not any(values):
        _empty(ax)
    _style_ticks(ax)
    return fig


def _empty(ax) -> None:
    ax.text(
        0.5,
        0.5,
        "暂无数据",
        transform=ax.transAxes,
        ha="center",
        va="center",
        color="#888888",
        family=chart_fonts(),
    )


def figure_png(fig: Figure, dpi: int = 150) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
