"""Combo-box helpers."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox


def find_data(combo: QComboBox, value: object) -> int:
    """Index of the item whose data equals ``value`` (-1 if none).

    ``QComboBox.findData`` compares QVariants and misses Python objects such as UUIDs.
    """
    for i in range(combo.count()):
        if combo.itemData(i) == value:
            return i
    return -1
