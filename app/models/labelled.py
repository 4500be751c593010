"""The base of every enumeration with a Chinese label (``app.models.enums``, ``room_enums``)."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry a Chinese label: ``Member = ("code", "标签")``."""

    def __new__(cls, value: str, label: str):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    @classmethod
    def from_label(cls, label: str):
        for m in cls:
            if m.label == label:
                return m
        raise ValueError(label)
