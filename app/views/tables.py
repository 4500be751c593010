"""Column widths that never clip a header: the theme draws headers in a wide, padded font."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QTableView


def set_column_widths(view: QTableView, widths: Iterable[tuple[int, int]]) -> None:
    """Give each (column, width) at least the room its header text needs."""
    header = view.horizontalHeader()
    for col, width in widths:
        view.setColumnWidth(col, max(width, header.sectionSizeHint(col)))
